"""Cases: one unit's (or huvudman's) facts, normalised and type-checked before any evaluator sees them.

A case holds the known values by fact path (missing and `null` values are absent, with the reason they
are unknown), the national averages, and the computed facts (`….present` of optional groups, the
`units.*` aggregates of a huvudman). Types are those of the catalogue: a wrong type is an error here,
so neither evaluator ever meets a string where a number belongs.
"""
from __future__ import annotations

import functools
import hashlib
import re
from typing import Any, Mapping

import attrs

from policy import facts as F
from policy.canonical import canonical_bytes
from policy.model import Parameter
from policy.reader import is_date, is_number

MISSING = "missing"


class FactError(ValueError):
    """A fact of the wrong type or shape: names the path, what was expected and what was found."""

    def __init__(self, path: str, expected: str, found: Any) -> None:
        super().__init__(f"`{path}` must be {expected}, not {found!r}")
        self.path, self.expected, self.found = path, expected, found


@attrs.frozen
class Case:
    """The facts of one case of a scope (`unit` or `huvudman`)."""

    scope: str
    id: str
    huvudman_id: str | None
    values: Mapping[str, Any]
    averages: Mapping[str, float]
    unknown: Mapping[str, str] = attrs.field(factory=dict)

    @property
    def school_form(self) -> str | None:
        return self.values.get("unit.school_form")

    def value(self, path: str) -> Any:
        return self.values.get(path)

    def reason(self, path: str) -> str:
        """Why a fact is unknown ("missing" unless the input said more, e.g. a suppressed statistic)."""
        return self.unknown.get(path, MISSING)

    @functools.cached_property
    def input(self) -> dict:
        """The case's facts as given (computed facts left out), for the record and its hash."""
        given = {p: v for p, v in self.values.items() if not F.FIELDS[p].computed or p in F.PRESENCE}
        out: dict[str, Any] = {"facts": dict(sorted(given.items())), "national_averages": dict(sorted(self.averages.items()))}
        if self.unknown:
            out["unknown"] = dict(sorted(self.unknown.items()))
        context = {p: v for p, v in sorted(self.values.items()) if F.FIELDS[p].context}
        if context or self.scope == "huvudman":
            out["context"] = context
        return out

    @functools.cached_property
    def input_sha256(self) -> str:
        """sha256 of the canonical JSON of `input`."""
        return hashlib.sha256(canonical_bytes(self.input)).hexdigest()


def parameter_value(p: Parameter, case: Case) -> Any:
    """A parameter's value for a case: per school form when it has such values (unknown without a school form)."""
    if p.by_school_form:
        return None if case.school_form is None else p.value_for(case.school_form)
    return p.value


def check_value(path: str, value: Any, ftype: F.FactType) -> Any:
    """The value if it fits the type (ints for whole numbers), else FactError."""
    kind = ftype.kind
    if kind == F.NUMBER:
        if not is_number(value):
            raise FactError(path, f"a number ({ftype.unit})", value)
        if ftype.unit == "share" and not 0 <= value <= 1:
            raise FactError(path, "a share between 0 and 1", value)
        if ftype.integer:
            if value < 0 or value != int(value):
                raise FactError(path, "a whole number ≥ 0", value)
            return int(value)
        return float(value)  # one number, one form: 191 and 191.0 give the same input hash
    if kind == F.BOOLEAN and isinstance(value, bool):
        return value
    if kind == F.ENUM and value in F.ENUMS[ftype.enum]:
        return value
    if kind == F.TEXT and isinstance(value, str):
        return value
    if kind == F.DATE and is_date(value):
        return value
    raise FactError(path, ftype.describe(), value)


def flatten_facts(prefix: str, group: Mapping[str, Any] | None, out: dict[str, Any], computed_given: bool = False) -> None:
    """Nested facts into `out` by fact path, each checked; computed facts only when `computed_given`
    (an agreement document's counts and sums, as a pack's YAML tests state them)."""
    if group is None:
        return
    if not isinstance(group, Mapping):
        raise FactError(prefix, "a mapping", group)
    for key, value in group.items():
        path = f"{prefix}.{key}"
        field = F.FIELDS.get(path)
        if field is not None:
            if field.computed and not computed_given:
                raise FactError(path, "left out (it is computed)", value)
            if value is not None:
                out[path] = check_value(path, value, field.type)
        elif any(p.startswith(path + ".") for p in F.FIELDS):
            flatten_facts(path, value, out, computed_given)
        else:
            raise FactError(path, "a field of the delivery model", key)


def _presence(values: dict[str, Any], roots: Mapping[str, Any]) -> None:
    for group in F.EVENT_GROUPS:
        root, _, rest = group.partition(".")
        if root not in roots:
            continue
        node: Any = roots[root]
        for part in rest.split(".") if rest else []:
            node = node.get(part) if isinstance(node, Mapping) else None
        values[f"{group}.present"] = isinstance(node, Mapping)


_GRADES = re.compile(r"^\s*(F|\d{1,2})\s*-\s*(\d{1,2})\s*$")


def _teaches(values: dict[str, Any], unknown: dict[str, str]) -> None:
    """`unit.teaches_y3/6/9` from `unit.grades` ("F-3", "4-9"); unknown, with the reason, if it is not a range."""
    grades = values.get("unit.grades")
    m = _GRADES.match(grades) if grades is not None else None
    for year in (3, 6, 9):
        path = f"unit.teaches_y{year}"
        if m is not None:
            low, high = 0 if m.group(1) == "F" else int(m.group(1)), int(m.group(2))
            values[path] = low <= year <= high
        elif grades is not None:
            unknown.setdefault(path, f"unit.grades `{grades}` is not a range of school years such as 4-9")
        else:
            unknown.setdefault(path, f"unit.grades is {unknown.get('unit.grades', MISSING)}")


def _averages(raw: Mapping[str, Any] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in (raw or {}).items():
        if key == "school_year":
            continue
        if key not in F.INDICATORS:
            raise FactError(f"national_averages.{key}", "a national average of the delivery model", key)
        if value is not None:
            out[key] = check_value(f"national_averages.{key}", value, F.INDICATORS[key])
    return out


def _with_context(values: dict[str, Any], context: Mapping[str, Any], scope: str) -> None:
    for path, value in context.items():
        field = F.FIELDS.get(path)
        if field is None or not field.context or F.lookup(path, scope) is None:
            raise FactError(path, f"a fact a {scope} case takes from the rest of the delivery", path)
        if value is not None:
            values[path] = check_value(path, value, field.type)


def unit_case(facts: Mapping[str, Any], unknown: Mapping[str, str] | None = None,
              context: Mapping[str, Any] | None = None) -> Case:
    """A unit case from delivery-shaped facts: `unit`, `huvudman`, `delivery`, `national_averages`.

    `context` holds what the delivery's other units tell about this one (`unit.same_building_eligible`);
    left out, it is false: no unit shares its buildings.
    """
    values: dict[str, Any] = {}
    roots = {k: facts.get(k) or {} for k in ("unit", "huvudman", "delivery")}
    for root, group in roots.items():
        flatten_facts(root, group, values)
    _presence(values, roots)
    _with_context(values, {"unit.same_building_eligible": False, **(context or {})}, "unit")
    why = dict(unknown or {})
    _teaches(values, why)
    return Case("unit", str(values.get("unit.id", "")), values.get("unit.huvudman_id") or values.get("huvudman.id"),
                values, _averages(facts.get("national_averages")), why)


def huvudman_case(facts: Mapping[str, Any], aggregates: Mapping[str, Any], unknown: Mapping[str, str] | None = None) -> Case:
    """A huvudman case: its own facts, the delivery, and the `units.*` aggregates of its unit decisions."""
    values: dict[str, Any] = {}
    roots = {k: facts.get(k) or {} for k in ("huvudman", "delivery")}
    for root, group in roots.items():
        flatten_facts(root, group, values)
    _presence(values, roots)
    _with_context(values, aggregates, "huvudman")
    hid = str(values.get("huvudman.id", ""))
    return Case("huvudman", hid, hid, values, _averages(facts.get("national_averages")), dict(unknown or {}))


def aggregates(units: list[Mapping[str, Any]]) -> dict[str, int]:
    """The `units.*` facts of a huvudman from its units' decisions.

    Each unit is given as `unit_summary` makes it from a record: outcome, derived facts, whether it is in
    the underlag, its pupils. Criterion 1 per unit is the `low_results` the unit rules derived; a unit
    where it is unknown counts in neither `units.low_results` nor `units.results_not_low`.
    """
    def count(outcome: str, underlag_only: bool = False) -> int:
        return sum(1 for u in units if u["outcome"] == outcome and (not underlag_only or u["in_underlag"] is True))

    low = [(u.get("derived") or {}).get("low_results") for u in units]
    out = {
        "units.count": len(units),
        "units.in_underlag": sum(1 for u in units if u["in_underlag"] is True),
        "units.eligible": count("eligible"),
        "units.eligible_in_underlag": count("eligible", True),
        "units.manual_review_in_underlag": count("manual_review", True),
        "units.deferred_in_underlag": count("deferred", True),
        "units.low_results": low.count("true"),
        "units.results_not_low": low.count("false"),
    }
    pupils = [u["pupils"] for u in units if u["outcome"] == "eligible"]
    if None not in pupils:  # one eligible unit of unknown size makes the sum unknown, not smaller
        out["units.pupils_eligible"] = sum(pupils)
    return out


def unit_summary(record: Mapping[str, Any]) -> dict[str, Any]:
    """What a huvudman's aggregates need of one unit's record (small enough to keep for a whole delivery)."""
    facts = record["input"]["facts"]
    return {"id": record["id"], "outcome": record.get("outcome"), "derived": record.get("derived") or {},
            "in_underlag": facts.get("unit.in_underlag"), "pupils": facts.get("unit.pupils")}
