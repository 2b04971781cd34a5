"""Replay stored decision records: re-evaluate each from its own input with the pack version that made it.

The pack is found by the content hash the record carries; the case is rebuilt from the record's input
(its facts, national averages, reasons for unknowns and the context the delivery gave it), and must
hash to the recorded `input_sha256` before it is evaluated. The new record must then equal the stored
one byte for byte. Huvudman records are re-ranked together, per pack and delivery, as the round ranked
them: a file holding only some huvudmän of a delivery cannot reproduce their ranks, and replay says so.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable, Iterator

import attrs

from policy import facts as F
from policy.model import Pack

from .case import Aggregated, Case, huvudman_case, unit_case
from .overrides import Override
from .record import dumps
from .round import rank_round
from .runner import Engine


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
    context = given.get("context", {})
    bounds, members = given.get("bounds", {}), given.get("members", {})
    if record["kind"] == "unit":
        return unit_case(facts, given.get("unknown"), context, bounds, members)
    return huvudman_case(facts, Aggregated(dict(context), dict(bounds), dict(members)), given.get("unknown"))


def _overrides(record: dict) -> list[Override]:
    return [Override(o["target"], o["rule"], o["action"], o.get("outcome"), o["reason"], o["decided_by"], o["decided_on"])
            for o in record.get("overrides", [])]


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


def replay(records: Iterable[tuple[int, dict]], packs: Iterable[Pack]) -> Iterator[Mismatch]:
    """Every record that does not reproduce (the line it came from, the case, the reason)."""
    by_hash = {p.sha256: p for p in packs}
    engines: dict[str, Engine] = {}
    rounds: dict[tuple[str, str], list[tuple[int, dict, dict]]] = defaultdict(list)
    for line, old in records:
        kind, rid = old.get("kind", "?"), old.get("id", "?")
        pack = by_hash.get((old.get("pack") or {}).get("sha256"))
        if pack is None:
            p = old.get("pack") or {}
            yield Mismatch(line, kind, rid, f"pack not found: {p.get('id')}@{p.get('version')} sha256 {p.get('sha256')}")
            continue
        case = case_of(old)
        if case.input_sha256 != old.get("input_sha256"):
            yield Mismatch(line, kind, rid, "input hash differs: the recorded input does not hash to input_sha256")
            continue
        engine = engines.setdefault(pack.sha256, Engine(pack))
        new = engine.evaluate(case, _overrides(old))
        if kind == "huvudman":
            delivery = str(old["input"]["facts"].get("delivery.id", ""))
            rounds[(pack.sha256, delivery)].append((line, old, new))
        elif dumps(new) != dumps(old):
            yield Mismatch(line, kind, rid, _why(old, new))
    for (sha, _), group in sorted(rounds.items()):
        rank_round([new for _, _, new in group], by_hash[sha])
        for line, old, new in group:
            if dumps(new) != dumps(old):
                yield Mismatch(line, "huvudman", old["id"], _why(old, new))
