"""Deliveries (DELIVERY.md): read a JSON or YAML document, check every record, report every defect at once.

Each defect names the file, line and column, the record (`unit 48151623`, `huvudman 212000-0999`) and
the field, and says what was expected; the reader goes on, so one run lists them all. Values are
checked against the fact catalogue (the same checks as the YAML tests of a pack). What a record may
carry beyond the model goes under `extra:` and is kept out of evaluation.
"""
from __future__ import annotations

import json
import re
from array import array
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import attrs

from policy.diagnostics import Diagnostics, Location
from policy.reader import OPTIONAL, REQUIRED
from policy.testcases import TestCaseReader
from policy.yamlsafe import MAP, MAX_DEPTH, SCALAR, SEQ, YNode, load_file

from .case import Aggregated, Case, delivery_summary, sibling_context, unit_case
from .spill import Spill, Spilled
from .tables import table_document

DOCUMENT_KEYS = {"delivery": REQUIRED, "national_averages": REQUIRED, "huvudman": REQUIRED, "units": REQUIRED, "extra": OPTIONAL}
UNIT_ID_RE = re.compile(r"^\d{8}$")
#: A national delivery (about 10,000 units) is some 6 MB; this leaves room and still refuses a runaway file.
MAX_DELIVERY_BYTES = 256 * 1024 * 1024
ORG_NUMBER_RE = re.compile(r"^(\d{6})-?(\d{4})$")


def org_number(text: str) -> str | None:
    """An organisation number written NNNNNN-NNNN, with or without the hyphen; None if it is not one."""
    m = ORG_NUMBER_RE.match(text.strip())
    return f"{m.group(1)}-{m.group(2)}" if m else None


@attrs.frozen
class Links:
    """What the units of a delivery say of each other, worked out once when it is read: each huvudman's units
    (their positions), the units sharing buildings (both ways), and each huvudman's `unit.huvudman_units_*`
    counts (kept in the delivery's spill, read when a unit of that huvudman is decided).

    Kept as a few flat arrays indexed by the huvudman's position, not as objects per huvudman: forked
    workers count their parent's memory as their own."""

    huvudman_at: dict[str, int]             #: huvudman id -> position
    starts: array                           #: huvudman position -> where its units begin in `members`
    members: array                          #: unit positions grouped by huvudman, in delivery order
    siblings: array                         #: huvudman position -> (offset, size) of its counts in the spill
    neighbours: dict[str, tuple[str, ...]]  #: unit id -> the units it shares buildings with (named by it or naming it)
    position: dict[str, int]                #: unit id -> position, for the units named in `neighbours`

    @classmethod
    def of(cls, huvudman: Sequence[dict[str, Any]], units: Spilled) -> "Links":
        huvudman_at = {h["id"]: i for i, h in enumerate(huvudman)}
        owner = array("l")
        named: dict[str, set[str]] = {}
        for u in units:
            owner.append(huvudman_at[u["huvudman_id"]])
            other = u.get("same_building_as")
            if other:
                named.setdefault(u["id"], set()).add(other)
                named.setdefault(other, set()).add(u["id"])
        starts = array("l", [0] * (len(huvudman) + 1))
        for h in owner:
            starts[h + 1] += 1
        for h in range(len(huvudman)):
            starts[h + 1] += starts[h]
        members, filled = array("l", [0] * len(owner)), array("l", starts)
        for i, h in enumerate(owner):
            members[filled[h]] = i
            filled[h] += 1
        siblings = array("q")
        position: dict[str, int] = {}
        for h in range(len(huvudman)):
            mine = [(i, units[i]) for i in members[starts[h]:starts[h + 1]]]
            siblings.extend(units.spill.put(sibling_context([delivery_summary(u) for _, u in mine])))
            position.update((u["id"], i) for i, u in mine if u["id"] in named)
        return cls(huvudman_at, starts, members, siblings, {k: tuple(sorted(v)) for k, v in named.items()}, position)

    def units_of(self, huvudman_id: str) -> array:
        """The positions of a huvudman's units, in delivery order."""
        h = self.huvudman_at.get(huvudman_id)
        return array("l") if h is None else self.members[self.starts[h]:self.starts[h + 1]]


def _spilled(records: Iterable[dict[str, Any]]) -> Spilled:
    return records if isinstance(records, Spilled) else Spilled.of(records)


@attrs.frozen
class Delivery:
    """A checked delivery: its header, the national averages, and the records in their given order.

    The records are kept in a spill (engine/inputs/spill.py), not in memory: `units[i]` reads a fresh copy.
    """

    path: str
    header: dict[str, Any]
    averages: dict[str, Any]
    huvudman: Spilled = attrs.field(converter=_spilled)
    units: Spilled = attrs.field(converter=_spilled)
    unknown: dict[str, dict[str, str]] = attrs.field(factory=dict)  #: record id -> fact path -> why unknown
    links: Links = attrs.field(init=False, repr=False, eq=False,
                               default=attrs.Factory(lambda self: Links.of(self.huvudman, self.units), takes_self=True))

    def siblings(self, huvudman_id: str) -> Aggregated:
        """The `unit.huvudman_units_*` counts of a huvudman's units (from their delivery facts)."""
        h = self.links.huvudman_at.get(huvudman_id)
        return sibling_context([]) if h is None else self.units.spill.get(self.links.siblings[2 * h], self.links.siblings[2 * h + 1])

    @property
    def date(self) -> str:
        return self.header["date"]

    @property
    def id(self) -> str:
        return str(self.header.get("id") or "")

    def owner(self, unit: dict[str, Any]) -> dict[str, Any]:
        """The unit's huvudman record."""
        return self.huvudman[self.links.huvudman_at[unit["huvudman_id"]]]

    def unit_case(self, unit: dict[str, Any], owner: dict[str, Any], context: dict[str, Any] | None = None,
                  why: dict[str, str] | None = None, bounds: dict[str, Any] | None = None,
                  members: dict[str, Any] | None = None) -> Case:
        """The case of one unit, with its huvudman, the header and the national averages (`why`: more reasons
        for unknowns; `bounds` and `members` of the counts in `context`)."""
        reasons = {**self.unknown.get(unit["id"], {}), **(why or {})}
        return unit_case({"unit": unit, "huvudman": owner, "delivery": self.header, "national_averages": self.averages},
                         reasons, context, bounds, members)

    def targets(self) -> dict[str, str]:
        """Every id of the delivery and its kind, for checking overrides."""
        return {**{h["id"]: "huvudman" for h in self.huvudman}, **{u["id"]: "unit" for u in self.units}}


class _RecordReader(TestCaseReader):
    """Checks one record's fields against the catalogue (reusing the checks of the YAML tests)."""

    context_given = False  #: a delivery never states what the engine computes from its other records

    def record(self, node: YNode, prefix: str) -> dict[str, Any] | None:
        if node.kind != MAP:
            self.wrong(node, f"a {prefix}", "a mapping of fields")
            return None
        fields = YNode(MAP, {k: v for k, v in node.value.items() if k != "extra"}, node.loc,
                       {k: v for k, v in node.key_locs.items() if k != "extra"})
        return self.group(fields, prefix)


def id_hint(rid: str, loc: Location) -> str:
    """What to do about a skolenhetskod that is not 8 digits: in a table, a spreadsheet that dropped its leading
    zeros; in YAML, a number that lost them (quotes keep them)."""
    short = rid.isdigit() and len(rid) < 8
    if str(loc.file).endswith(".csv") or ".xlsx" in str(loc.file) or ".xlsm" in str(loc.file):
        return ((f"Excel drops leading zeros: `{rid}` may be `{rid.zfill(8)}`; " if short else "")
                + "format the column as text (Format Cells → Text) before typing or pasting the codes, or write them with all 8 digits")
    return (f"`{rid}` may have lost leading zeros (`{rid.zfill(8)}`): " if short else "") + 'write it in quotes, e.g. "48151623"'


def _located(diags: Diagnostics, scratch: Diagnostics, who: str) -> None:
    """Copy a record's findings, each message prefixed with the record it concerns."""
    for d in scratch.sorted():
        diags.error(d.code, f"{who}: {d.message}", d.location, d.hint)


def _records(node: YNode | None, what: str, r: _RecordReader) -> Iterator[YNode]:
    if node is None:
        return
    if node.kind != SEQ:
        r.wrong(node, f"`{what}`", "a list of records")
        return
    yield from node.value


#: The files a CSV delivery directory is read from.
TABLE_FILES = ("units.csv", "huvudman.csv", "delivery.yaml")


def input_files(path: str | Path) -> list[Path]:
    """The files reading the delivery at `path` opens: the file itself, or the tables of a CSV directory."""
    p = Path(path)
    return [p / name for name in TABLE_FILES] if p.is_dir() else [p]


def clobbers(out: str | Path, inputs: list[str | Path]) -> Path | None:
    """The input that writing `out` would overwrite (the same file, also through a symlink or a hard link)."""
    o = Path(out)
    for i in map(Path, inputs):
        if not i.exists():
            continue
        if o.exists():
            if o.samefile(i):
                return i
        elif o.resolve() == i.resolve():
            return i
    return None


def read_delivery(path: str | Path, diags: Diagnostics, encoding: str | None = None, columns: str | Path | None = None) -> Delivery | None:
    """Read and check a delivery; None (with every defect in `diags`) if it cannot be evaluated.

    `encoding` `cp1252` lets a CSV table that is not UTF-8 be read as Windows-1252 (engine/inputs/encoding.py);
    `columns` names a file of column names that tables may use besides the shipped ones (engine/inputs/columns.py).
    """
    path = Path(path)
    reasons: dict[str, dict[str, str]] = {}
    if path.suffix.lower() == ".csv" and path.is_file():
        diags.error("file_unreadable", "a CSV delivery is a directory, not one table", Location(str(path)),
                    f"give the directory `{path.parent}`, which holds units.csv, huvudman.csv and delivery.yaml")
        return None
    if path.suffix.lower() == ".xls" and path.is_file():
        diags.error("file_unreadable", "an Excel 97–2003 workbook (.xls) cannot be read", Location(str(path)),
                    "open it in Excel and save it as an Excel workbook (.xlsx)")
        return None
    if path.is_dir() or path.suffix.lower() in (".xlsx", ".xlsm"):
        root, reasons = table_document(path, diags, encoding, Path(columns) if columns is not None else None)
    elif not path.exists():
        diags.error("file_not_found", "no such file or directory", Location(str(path)),
                    "a delivery is a .yaml or .json file, a directory with units.csv, huvudman.csv and delivery.yaml, or an .xlsx workbook")
        return None
    else:
        if path.suffix.lower() == ".json":
            quick = Diagnostics()
            try:
                parts = _check(_json_document(path, quick), quick, {}, str(path))
            except (_Odd, RecursionError):  # found while a record is read: the located reader says where
                parts = None
            if parts is not None:
                return _delivery(parts)
        # YAML, or a JSON delivery with a defect: read with every node located, to say where
        root = load_file(str(path), diags, max_bytes=MAX_DELIVERY_BYTES, max_nodes=0)
    parts = _check(root, diags, reasons, str(path))
    del root
    return None if parts is None else _delivery(parts)


def _delivery(parts: tuple) -> Delivery:
    """The delivery of checked parts, built once the reader's nodes are gone, so what it keeps (its links)
    is made in the memory the reader freed rather than scattered among the reader's leftovers."""
    return Delivery(*parts)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise _Odd  # a key given twice
    return dict(pairs)


def _refuse(constant: str) -> Any:
    raise ValueError(f"`{constant}` is not a number")


_SPACE = re.compile(r"[ \t\n\r]*")
#: A lone UTF-16 surrogate written as an escape (`\ud800` without its pair; a pair is an emoji and fine),
#: which no encoding can write: a document with one goes to the located reader, which says where it is.
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])"
                                r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}")
#: The lists of records a JSON delivery is read from one record at a time.
_STREAMED = ("units", "huvudman")


class _Records(Sequence):
    """The records of a list in a JSON delivery, each decoded (into unlocated nodes) when it is reached.

    The document's text is kept and each record's place in it; a record's values live only while it is
    checked, so a national register is never held whole as objects."""

    def __init__(self, text: str, spans: array, decoder: json.JSONDecoder, here: Location) -> None:
        self.text, self.spans, self.decoder, self.here = text, spans, decoder, here

    def __len__(self) -> int:
        return len(self.spans) // 2

    def __getitem__(self, i: int) -> YNode:
        if not 0 <= i < len(self):
            raise IndexError(i)
        value, _ = self.decoder.raw_decode(self.text[self.spans[2 * i]:self.spans[2 * i + 1]])
        return _unlocated(value, self.here, 3)  # the document, its list, the record


class _Odd(Exception):
    """Something the quick reader leaves to the located one, which says where it is and what (nesting too
    deep, a key given twice): it carries no message of its own."""


def _unlocated(v: Any, here: Location, depth: int = 1) -> YNode:
    if depth > MAX_DEPTH:
        raise _Odd  # nesting too deep
    if isinstance(v, dict):
        return YNode(MAP, {k: _unlocated(x, here, depth + 1) for k, x in v.items()}, here, dict.fromkeys(v, here))
    if isinstance(v, list):
        return YNode(SEQ, [_unlocated(x, here, depth + 1) for x in v], here)
    return YNode(SCALAR, v, here)


def _json_document(path: Path, diags: Diagnostics) -> YNode | None:
    """A JSON delivery read by the C decoder into unlocated nodes, its lists of records one record at a time
    (None if anything is odd: the located reader says what)."""
    try:
        raw = path.read_bytes()
        if len(raw) > MAX_DELIVERY_BYTES:
            return None
        text = raw.decode("utf-8-sig")
        del raw
        if _ESCAPED_SURROGATE.search(text):  # a pair is fine, a lone one is not: the located reader tells them apart
            return None
        return _stream(text, json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_refuse), Location(str(path)))
    except (OSError, ValueError, RecursionError, IndexError, _Odd):
        return None


def _stream(text: str, decoder: json.JSONDecoder, here: Location) -> YNode:
    """The top-level mapping of a JSON document; its `units` and `huvudman` lists as `_Records`."""
    def skip(i: int) -> int:
        return _SPACE.match(text, i).end()

    def expect(i: int, char: str) -> int:
        if text[i] != char:
            raise ValueError(f"expected `{char}`")
        return skip(i + 1)

    top: dict[str, YNode] = {}
    i = expect(skip(0), "{")
    while text[i] != "}":
        if top:
            i = expect(i, ",")
        if text[i] != '"':
            raise ValueError("expected a key")
        key, i = decoder.raw_decode(text, i)
        if key in top:
            raise _Odd  # a key given twice
        i = expect(skip(i), ":")
        if key in _STREAMED and text[i] == "[":  # a record is at depth 3: the document, the list, the record
            spans = array("q")
            i = skip(i + 1)
            while text[i] != "]":
                if spans:
                    i = expect(i, ",")
                start = i
                _, i = decoder.raw_decode(text, i)
                spans.extend((start, i))
                i = skip(i)
            top[key] = YNode(SEQ, _Records(text, spans, decoder, here), here)
            i += 1
        else:
            value, i = decoder.raw_decode(text, i)
            top[key] = _unlocated(value, here, 2)
        i = skip(i)
    if skip(i + 1) != len(text):
        raise ValueError("extra data")
    return YNode(MAP, top, here, dict.fromkeys(top, here))


def _check(root: YNode | None, diags: Diagnostics, reasons: dict[str, dict[str, str]], path: str) -> tuple | None:
    """Check a delivery document: the parts of the delivery (None, with every defect in `diags`)."""
    if root is None:
        return None
    r = _RecordReader(diags)
    top = r.mapping(root, DOCUMENT_KEYS, "a delivery")
    if top is None:
        return None
    header = r.record(top["delivery"], "delivery") if "delivery" in top else None
    if header is not None:
        given = top["delivery"].value if top["delivery"].kind == MAP else {}
        for key in ("id", "date"):
            if header.get(key) is None:
                if key not in given or given[key].value is None:  # a value that is wrong was reported as such
                    diags.error("schema_missing_key", f"the delivery has no `{key}`", top["delivery"].loc,
                                "the date picks the pack in force" if key == "date" else "")
                header = None
                break
    averages = r.averages(top["national_averages"]) if "national_averages" in top else None

    spill = Spill()
    huvudman = Spilled(spill)
    seen: dict[str, Location] = {}
    unknown: dict[str, dict[str, str]] = {}
    owners: set[str] = set()
    written: set[str] = set()  # every huvudman id as written: one with a defect of its own still exists
    for i, node in enumerate(_records(top.get("huvudman"), "huvudman", r)):
        raw_id = node.value.get("id") if node.kind == MAP else None
        if raw_id is not None and raw_id.kind == SCALAR:
            written.add(org_number(str(raw_id.value)) or str(raw_id.value))
        rec = _checked(node, "huvudman", i, diags, seen)
        if rec is not None:
            huvudman.append(rec)
            owners.add(rec["id"])
            _move_reasons(reasons, node, rec["id"], unknown)
    units = Spilled(spill)
    sharing: list[tuple[dict[str, Any], YNode]] = []  # the units naming another in the same buildings, to check
    seen = {}
    listed: set[str] = set()  # every unit id as written: a unit with a defect of its own still exists
    for i, node in enumerate(_records(top.get("units"), "units", r)):
        raw_id = node.value.get("id") if node.kind == MAP else None
        if raw_id is not None and raw_id.kind == SCALAR:
            listed.add(str(raw_id.value))
        rec = _checked(node, "unit", i, diags, seen)
        if rec is None:
            continue
        owner = rec.get("huvudman_id")
        if owner is None:
            diags.error("schema_missing_key", f"unit {rec['id']}: no `huvudman_id`", node.loc, "every unit names its huvudman")
            continue
        if owner not in owners:
            if owner in written:  # its huvudman has a defect of its own, reported there
                continue
            where = node.value["huvudman_id"].loc
            diags.error("delivery_unknown_huvudman", f"unit {rec['id']}: huvudman `{owner}` is not in the delivery", where,
                        "add it under `huvudman:` or correct the organisation number")
            continue
        units.append(rec)
        if rec.get("same_building_as") is not None:
            sharing.append((rec, node.value["same_building_as"]))
        _move_reasons(reasons, node, rec["id"], unknown)
    _neighbours(sharing, set(seen) | listed, diags)
    _counts(top, header, diags)
    if diags.has_errors() or header is None or averages is None:
        return None
    return path, header, averages, huvudman, units, unknown


def _neighbours(sharing: list[tuple[dict[str, Any], YNode]], ids: set[str], diags: Diagnostics) -> None:
    """`same_building_as` names another unit of the delivery by its skolenhetskod, like `huvudman_id` its huvudman."""
    for u, node in sharing:
        other = u["same_building_as"]
        where = node.loc
        if not UNIT_ID_RE.match(str(other)):
            diags.error("delivery_bad_id", f"unit {u['id']}: same_building_as `{other}` is not an 8-digit skolenhetskod", where,
                        "write it in quotes, e.g. \"48151623\"")
        elif other == u["id"]:
            diags.error("delivery_unknown_unit", f"unit {u['id']}: same_building_as names the unit itself", where,
                        "name the other unit in the same buildings, or leave the field out")
        elif other not in ids:
            diags.error("delivery_unknown_unit", f"unit {u['id']}: same_building_as `{other}` is not a unit of the delivery", where,
                        "add that unit, or correct its skolenhetskod")


def _counts(top: dict[str, YNode], header: dict[str, Any] | None, diags: Diagnostics) -> None:
    """A delivery that states how many units and huvudmän it holds must hold as many (a file cut short is refused)."""
    if header is None:
        return
    for key, what in (("units", "units"), ("huvudman", "huvudmän")):
        stated = header.get(key)
        if stated is None:
            continue
        node = top.get(key)
        held = len(node.value) if node is not None and node.kind == SEQ else 0
        if held != stated:
            where = top["delivery"].value[key].loc if isinstance(top["delivery"].value, dict) and key in top["delivery"].value else top["delivery"].loc
            diags.error("delivery_count_mismatch", f"the delivery states {stated} {what} (`delivery.{key}`) but holds {held}", where,
                        "the file may be cut short or rows lost: compare it with what Skolinspektionen delivered")


def _move_reasons(reasons: dict[str, dict[str, str]], node: YNode, rid: str, into: dict[str, dict[str, str]]) -> None:
    """Reasons for unknown cells, found under the id as written, kept under the id as normalised."""
    raw = node.get("id")
    found = reasons.get(str(raw.value)) if raw is not None else None
    if found:
        into[rid] = found


def _checked(node: YNode, kind: str, index: int, diags: Diagnostics, seen: dict[str, Location]) -> dict[str, Any] | None:
    """One unit or huvudman record: fields checked, id well-formed and not seen before."""
    scratch = Diagnostics()
    rec = _RecordReader(scratch).record(node, kind)
    id_node = node.get("id")
    raw = id_node.value if id_node is not None and id_node.kind == SCALAR else None
    who = f"{kind} {raw}" if raw is not None else f"{'units' if kind == 'unit' else 'huvudman'}[{index}]"
    _located(diags, scratch, who)
    if rec is None or scratch.has_errors():
        return None
    if raw is None:
        diags.error("schema_missing_key", f"{who}: no `id`", node.loc, "a unit has its skolenhetskod, a huvudman its organisation number")
        return None
    rid = str(raw)
    if kind == "unit":
        if not UNIT_ID_RE.match(rid):
            diags.error("delivery_bad_id", f"{who}: skolenhetskod `{rid}` is not 8 digits", id_node.loc, id_hint(rid, id_node.loc))
            return None
        if rec.get("huvudman_id") is not None:
            rec["huvudman_id"] = org_number(rec["huvudman_id"]) or rec["huvudman_id"]
    else:
        normal = org_number(rid)
        if normal is None:
            diags.error("delivery_bad_id", f"{who}: organisation number `{rid}` is not NNNNNN-NNNN", id_node.loc)
            return None
        rid = normal
    rec["id"] = rid
    if rid in seen:
        diags.error("delivery_duplicate_id", f"{who}: the id `{rid}` is used twice", id_node.loc, f"the first is at {seen[rid]}")
        return None
    seen[rid] = id_node.loc
    return rec


__all__ = ["Delivery", "org_number", "read_delivery"]
