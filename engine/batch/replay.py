"""Replay stored decision records: re-evaluate each from its own input with the pack version that made it.

The pack is found by the content hash the record carries; the case is rebuilt from the record's input
(its facts, national averages, reasons for unknowns and the context the delivery gave it), and must
hash to the recorded `input_sha256` before it is evaluated. The new record must then equal the stored
one byte for byte. Huvudman records are re-ranked together, per pack and delivery, as the round ranked
them: a file holding only some huvudmän of a delivery cannot reproduce their ranks, and replay says so.
"""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable, Iterator

import attrs

from policy import facts as F
from policy.model import Pack

from ..core.record import dumps
from ..core.runner import Engine
from ..inputs.case import Aggregated, Case, huvudman_case, unit_case
from ..inputs.overrides import Override
from ..inputs.spill import Spill
from .round import Standing, place, rank


@attrs.frozen
class Mismatch:
    """A record that does not reproduce: where it is, and why."""

    line: int
    kind: str
    id: str
    reason: str


def _nest(facts: dict[str, Any]) -> dict[str, Any]:
    """Flat fact paths back to the delivery's nested shape; a present group with no known field stays present."""
    out: dict[str, Any] = {}
    for path, value in facts.items():
        if path in F.PRESENCE and not value:
            continue  # an absent group: nothing to build
        parts = path.split(".")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if path not in F.PRESENCE:
            node[parts[-1]] = value
    return out


def case_of(record: dict) -> Case:
    """The case a record was made from, rebuilt from its `input`."""
    given = record["input"]
    nested = _nest(given["facts"])
    facts = {**nested, "national_averages": given["national_averages"]}
    # a count or complement the record states as unknown (a reason, no value) stays unknown, never a default
    context = {**{p: None for p in given.get("unknown") or {} if p in F.FIELDS and F.FIELDS[p].context}, **given.get("context", {})}
    bounds, members = given.get("bounds", {}), given.get("members", {})
    if record["kind"] == "unit":
        return unit_case(facts, given.get("unknown"), context, bounds, members)
    return huvudman_case(facts, Aggregated(dict(context), dict(bounds), dict(members)), given.get("unknown"))


def _overrides(record: dict) -> list[Override]:
    return [Override.from_json(o) for o in record.get("overrides", [])]


def _why(old: dict, new: dict) -> str:
    if old.get("outcome") != new.get("outcome"):
        return f"outcome differs: recorded {old.get('outcome')}, replayed {new.get('outcome')}"
    if old.get("rank") != new.get("rank"):
        return (f"rank differs: recorded {old.get('rank')}, replayed {new.get('rank')} "
                "(the round needs every huvudman record of the delivery)")
    keys = [k for k in (*old, *new) if old.get(k) != new.get(k)]
    if "trace" in keys:
        rule = next((a["rule"] for a, b in zip(old.get("trace", []), new.get("trace", [])) if a != b), None)
        return f"trace differs (first at rule `{rule}`)" if rule else "trace differs"
    return f"record differs in `{keys[0]}`" if keys else "record differs"


class _Duplicate(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen = set()
    for k, _ in pairs:
        if k in seen:
            raise _Duplicate(f"the key `{k}` appears twice")
        seen.add(k)
    return dict(pairs)


def _no_constant(name: str) -> Any:
    raise ValueError(f"`{name}` is not a number a record can hold")


#: what JSON calls a value that is not an object
_JSON_TYPES = {list: "array", str: "string", int: "number", float: "number", bool: "boolean", type(None): "null"}


def parse_line(raw: bytes) -> tuple[dict | None, str]:
    """A stored line as a record, or None and why it is not one (never an exception)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return None, f"not a record: byte 0x{raw[e.start]:02X} at column {e.start + 1} is not UTF-8"
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except RecursionError:
        return None, "not a record: nested too deep"
    except ValueError as e:  # JSONDecodeError and the refusals above
        return None, f"not a record: {e}"
    if not isinstance(value, dict):
        return None, f"not a record: a JSON {_JSON_TYPES[type(value)]}, not an object"
    missing = [k for k in ("kind", "id", "pack", "input", "input_sha256") if k not in value]
    if missing:
        return None, f"not a record: no `{missing[0]}`"
    if value["kind"] not in ("unit", "huvudman") or not isinstance(value["input"], dict) or not isinstance(value["pack"], dict):
        return None, "not a record: `kind`, `input` or `pack` is malformed"
    wrong = _wrong_type(value)
    if wrong:
        return None, f"not a record: {wrong}"
    return value, ""


_SHAPES = (("id", str), ("input_sha256", str), ("pack.id", str), ("pack.version", str), ("pack.sha256", str),
           ("input.facts", dict), ("input.national_averages", dict))
_KINDS = {str: "text", dict: "a mapping", list: "a list", bool: "true or false", int: "a number", float: "a number",
          type(None): "null"}


def _wrong_type(record: dict) -> str:
    """The first field a record needs whose value is of the wrong type (empty if none)."""
    for path, want in _SHAPES:
        value: Any = record
        for key in path.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        if not isinstance(value, want):
            return f"`{path}` is {_KINDS.get(type(value), type(value).__name__)}, not {_KINDS[want]}"
    return ""


def replay(records: Iterable[tuple[int, dict, bytes | None]], packs: Iterable[Pack]) -> Iterator[Mismatch]:
    """Every record that does not reproduce (the line it came from, the case, the reason).

    A record given with its stored bytes must reproduce them exactly: a change of whitespace or of an
    escape is reported like any other. Replay proves that the records are consistent with the packs and
    their own inputs; it does not prove who wrote them (nothing is signed).
    """
    by_hash = {p.sha256: p for p in packs}
    engines: dict[str, Engine] = {}
    rounds: dict[tuple[str, str], list[tuple[int, Any, Standing, tuple[int, int]]]] = defaultdict(list)
    spill = Spill()
    seen: dict[tuple, int] = {}
    for line, old, raw in records:
        kind, rid = old.get("kind", "?"), old.get("id", "?")
        p = old.get("pack") or {}
        delivery = str((old.get("input") or {}).get("facts", {}).get("delivery.id", ""))
        key = (p.get("sha256"), delivery, kind, rid)
        if key in seen:
            yield Mismatch(line, kind, rid, f"the same record again: line {seen[key]} holds this {kind} of this delivery and pack")
            continue
        seen[key] = line
        pack = by_hash.get(p.get("sha256"))
        if pack is None:
            yield Mismatch(line, kind, rid, f"pack not found: {p.get('id')}@{p.get('version')} sha256 {p.get('sha256')}")
            continue
        try:
            case = case_of(old)
        except (ValueError, KeyError, TypeError, AttributeError) as e:  # a record whose input is not a case
            yield Mismatch(line, kind, rid, f"the recorded input is not a case: {e}")
            continue
        if case.input_sha256 != old.get("input_sha256"):
            yield Mismatch(line, kind, rid, "input hash differs: the recorded input does not hash to input_sha256")
            continue
        engine = engines.get(pack.sha256) or engines.setdefault(pack.sha256, Engine(pack, needed=True))  # once per pack
        try:
            new = engine.evaluate(case, _overrides(old))
        except (ValueError, KeyError, TypeError) as e:
            yield Mismatch(line, kind, rid, f"the recorded overrides are malformed: {e}")
            continue
        if "needed" not in old:  # written before records said what is still needed: the decision is what replays
            new.pop("needed", None)
        if kind == "huvudman":  # decided once its round is: it waits in the spill, its standing in memory
            rounds[(pack.sha256, delivery)].append((line, old.get("rank"), Standing.of(new, pack), spill.put((old, new, raw))))
        elif not _same(new, old, raw):
            yield Mismatch(line, kind, rid, _why(old, new) if dumps(new) != dumps(old) else _bytes_differ())
    for (sha, delivery), group in sorted(rounds.items()):
        placements = dict(rank([standing for _, _, standing, _ in group], by_hash[sha]))
        missing = _missing_ranks(group)
        for line, _, standing, at in group:
            old, new, raw = spill.get(*at)
            if standing.id in placements:
                place(new, placements[standing.id])
            if _same(new, old, raw):
                continue
            if missing and _same_but_round(new, old):  # an extracted record: its place needs the whole round
                yield Mismatch(line, "huvudman", old["id"], f"its place in the round (rank {old.get('rank')}) cannot be "
                               f"replayed without the round's other huvudman records (no record holds rank "
                               f"{', '.join(map(str, missing))}); the rest of the record reproduces")
            else:
                yield Mismatch(line, "huvudman", old["id"], _why(old, new) if dumps(new) != dumps(old) else _bytes_differ())
        if missing and all(_rank_only(spill, at) for *_, at in group):
            continue
        if missing:  # ranks that no stored record holds: records of the run are missing
            yield Mismatch(group[0][0], "huvudman", "?", f"records missing from the round: no record holds rank {', '.join(map(str, missing))}")
    spill.close()


ROUND_KEYS = ("rank", "ranking", "outcome", "hinges_on", "missing", "decided_by")


def _same_but_round(new: dict, old: dict) -> bool:
    """Whether two huvudman records differ only in what the round writes (rank, place, the outcome it cuts)."""
    strip = lambda r: {k: v for k, v in r.items() if k not in ROUND_KEYS}  # noqa: E731
    return dumps(strip(new)) == dumps(strip(old))


def _rank_only(spill: Spill, at: tuple[int, int]) -> bool:
    old, new, _ = spill.get(*at)
    return _same_but_round(new, old)


def _missing_ranks(group: list) -> list[int]:
    ranks = sorted(rank for _, rank, _, _ in group if isinstance(rank, int) and not isinstance(rank, bool))
    return sorted(set(range(1, (ranks[-1] if ranks else 0) + 1)) - set(ranks))


def _same(new: dict, old: dict, raw: bytes | None) -> bool:
    if raw is None:
        return dumps(new) == dumps(old)
    return dumps(new).encode("utf-8") == raw.rstrip(b"\r\n")


def _bytes_differ() -> str:
    return "the stored bytes differ (whitespace, escapes or key order) from the record the engine writes"


class ReplayFile:
    """The replay of a JSON Lines file of records, read and replayed one line at a time (a national
    register's records are never held whole). Iterating gives `(line, message)` for every line that does not
    reproduce, a malformed one included; `lines` counts the records read, `failed` those that did not reproduce."""

    def __init__(self, path: Path, packs: Iterable[Pack]) -> None:
        self.path, self.packs = path, list(packs)
        self.lines = self.failed = 0
        self._malformed: list[tuple[int, str]] = []

    def _records(self) -> Iterator[tuple[int, dict, bytes]]:
        with self.path.open("rb") as f:
            head = f.read(64).lstrip()
            f.seek(0)
            if head.startswith(b"["):  # `sbs evaluate --format json`: one array of the records
                yield from self._array(f)
                return
            for n, raw in enumerate(f, start=1):
                if not raw.strip():
                    continue
                self.lines += 1
                record, why = parse_line(raw)
                if record is None:
                    self._malformed.append((n, why))
                else:
                    yield n, record, raw

    def _array(self, f: Any) -> Iterator[tuple[int, dict, bytes | None]]:
        """The records of a JSON array, numbered from 1 (compared as records, not as stored bytes)."""
        try:
            items = json.load(f)
        except ValueError as e:
            self.lines += 1
            self._malformed.append((1, f"not a records file: {e}"))
            return
        for n, item in enumerate(items, start=1):  # the file starts with `[`: an array
            self.lines += 1
            record, why = parse_line(json.dumps(item, ensure_ascii=False).encode("utf-8"))
            if record is None:
                self._malformed.append((n, why))
            else:
                yield n, record, None

    def __iter__(self) -> Iterator[tuple[int, str]]:
        failed: set[int] = set()
        for m in replay(self._records(), self.packs):
            yield from self._drain()
            if m.line not in failed:  # a line counts once, whatever is said of it
                failed.add(m.line)
                self.failed += 1
            yield m.line, f"{m.kind} {m.id}: {m.reason}"
        yield from self._drain()

    def _drain(self) -> Iterator[tuple[int, str]]:
        while self._malformed:
            self.failed += 1
            yield self._malformed.pop(0)


class ReplayLog:
    """The replay of the records of a decision log, run by run (a run is one delivery and pack: its round is
    replayed as it was). Iterating gives `(where, message)` for every record that does not reproduce, `where`
    being `run/seq`; `lines` counts the records read, `failed` those that did not reproduce."""

    def __init__(self, log: Any, packs: Iterable[Pack], run: str | None = None) -> None:
        self.log, self.packs, self.run = log, list(packs), run
        self.lines = self.failed = 0

    def __iter__(self) -> Iterator[tuple[str, str]]:
        runs = [r["run"] for r in self.log.runs() if self.run is None or r["run"].startswith(self.run)]
        for run_id in runs:
            def records() -> Iterator[tuple[int, dict, bytes]]:
                for _, seq, raw in self.log.lines(run_id):
                    self.lines += 1
                    yield seq, json.loads(raw), raw
            for m in replay(records(), self.packs):
                self.failed += 1
                yield f"{run_id}/{m.line}", f"{m.kind} {m.id}: {m.reason}"


def stored_record(path: Path, case_id: str) -> dict | str | None:
    """The record of `case_id` in a records file (JSON Lines, or a JSON array), a message when the file holds
    records but none of it, or None when the file is not a records file (a delivery)."""
    if not path.is_file() or path.suffix not in (".jsonl", ".json", ".ndjson"):
        return None
    with path.open("rb") as f:
        head = f.read(64).lstrip()
    if head.startswith(b"["):
        try:
            items = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            return None
        records = [r for r in items if isinstance(r, dict) and "trace" in r] if isinstance(items, list) else []
        if not records:
            return None
        found = [r for r in records if r.get("id") == case_id]
    else:
        with path.open("rb") as f:
            first = f.readline()
            record, _ = parse_line(first)
            if record is None:
                return None
            found = [record] if record["id"] == case_id else []
            for raw in f:
                if found:
                    break
                if case_id.encode() in raw:
                    r, _ = parse_line(raw)
                    if r is not None and r["id"] == case_id:
                        found.append(r)
    return found[0] if found else f"{path} holds no record of `{case_id}`"
