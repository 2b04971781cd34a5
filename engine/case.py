"""Cases: one unit's (or huvudman's) facts, normalised and type-checked before any evaluator sees them.

A case holds the known values by fact path (missing and `null` values are absent, with the reason they
are unknown), the national averages, and the computed facts (`….present` of optional groups, the
`units.*` aggregates of a huvudman). Types are those of the catalogue: a wrong type is an error here,
so neither evaluator ever meets a string where a number belongs.
"""
from __future__ import annotations

import functools
import hashlib
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
        given = {p: v for p, v in self.values.items() if not F.FIELDS[p].computed}
        out: dict[str, Any] = {"facts": dict(sorted(given.items())), "national_averages": dict(sorted(self.averages.items()))}
        if self.unknown:
            out["unknown"] = dict(sorted(self.unknown.items()))
        if self.scope == "huvudman":
            out["aggregates"] = {p: v for p, v in sorted(self.values.items()) if p.startswith("units.")}
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
        return value
    if kind == F.BOOLEAN and isinstance(value, bool):
        return value
    if kind == F.ENUM and value in F.ENUMS[ftype.enum]:
        return value
    if kind == F.TEXT and isinstance(value, str):
        return value
    if kind == F.DATE and is_date(value):
        return value
    raise FactError(path, ftype.describe(), value)


def _flatten(prefix: str, group: Mapping[str, Any] | None, out: dict[str, Any]) -> None:
    if group is None:
        return
    if not isinstance(group, Mapping):
        raise FactError(prefix, "a mapping", group)
    for key, value in group.items():
        path = f"{prefix}.{key}"
        field = F.FIELDS.get(path)
        if field is not None:
            if field.computed:
                raise FactError(path, "left out (it is computed)", value)
            if value is not None:
                out[path] = check_value(path, value, field.type)
        elif any(p.startswith(path + ".") for p in F.FIELDS):
            _flatten(path, value, out)
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


def unit_case(facts: Mapping[str, Any], unknown: Mapping[str, str] | None = None) -> Case:
    """A unit case from delivery-shaped facts: `unit`, `huvudman`, `delivery`, `national_averages`."""
    values: dict[str, Any] = {}
    roots = {k: facts.get(k) or {} for k in ("unit", "huvudman", "delivery")}
    for root, group in roots.items():
        _flatten(root, group, values)
    _presence(values, roots)
    return Case("unit", str(values.get("unit.id", "")), values.get("unit.huvudman_id") or values.get("huvudman.id"),
                values, _averages(facts.get("national_averages")), dict(unknown or {}))


def huvudman_case(facts: Mapping[str, Any], aggregates: Mapping[str, Any], unknown: Mapping[str, str] | None = None) -> Case:
    """A huvudman case: its own facts, the delivery, and the `units.*` aggregates of its unit decisions."""
    values: dict[str, Any] = {}
    roots = {k: facts.get(k) or {} for k in ("huvudman", "delivery")}
    for root, group in roots.items():
        _flatten(root, group, values)
    _presence(values, roots)
    for path, value in aggregates.items():
        values[path] = check_value(path, value, F.FIELDS[path].type)
    hid = str(values.get("huvudman.id", ""))
    return Case("huvudman", hid, hid, values, _averages(facts.get("national_averages")), dict(unknown or {}))


def aggregates(unit_records: list[Mapping[str, Any]], unit_cases: list[Case]) -> dict[str, int]:
    """The `units.*` facts of a huvudman from its units' cases and decision records."""
    eligible = [c for r, c in zip(unit_records, unit_cases) if r.get("outcome") == "eligible"]
    out = {
        "units.count": len(unit_cases),
        "units.in_underlag": sum(1 for c in unit_cases if c.value("unit.in_underlag") is True),
        "units.eligible": len(eligible),
        "units.eligible_in_underlag": sum(1 for c in eligible if c.value("unit.in_underlag") is True),
    }
    pupils = [c.value("unit.pupils") for c in eligible]
    if None not in pupils:  # one eligible unit of unknown size makes the sum unknown, not smaller
        out["units.pupils_eligible"] = sum(pupils)
    return out
