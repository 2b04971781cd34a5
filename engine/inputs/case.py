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
from typing import Any, Callable, Mapping

import attrs

from policy import facts as F
from policy.canonical import canonical_bytes
from policy.model import Parameter
from policy.values import FactError, check_value

from .. import messages as M

MISSING = "missing"


def _shape(path: str, expected: str, found: Any) -> FactError:
    """A fact of the wrong shape (a value where a mapping belongs, a field the model lacks)."""
    return FactError(path, f"`{path}` must be {expected}, not {found!r}", found=found)


@attrs.frozen
class Case:
    """The facts of one case of a scope (`unit` or `huvudman`)."""

    scope: str
    id: str
    huvudman_id: str | None
    values: Mapping[str, Any]
    averages: Mapping[str, float]
    unknown: Mapping[str, str] = attrs.field(factory=dict)
    #: an unknown count over other cases, with what is known of it: (at least, at most; None = no upper bound)
    bounds: Mapping[str, tuple[int, int | None]] = attrs.field(factory=dict)
    #: for a count over the delivery's units: the ids counted and the ids whose value is unknown
    members: Mapping[str, Mapping[str, list[str]]] = attrs.field(factory=dict)

    @property
    def school_form(self) -> str | None:
        return self.values.get("unit.school_form")

    def value(self, path: str) -> Any:
        return self.values.get(path)

    def interval(self, path: str) -> tuple[Any, Any] | None:
        """(at least, at most) of a fact: its value twice when known, its bounds when only those are known."""
        v = self.values.get(path)
        if v is not None:
            return v, v
        return self.bounds.get(path)

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
        if self.bounds:
            out["bounds"] = {p: list(b) for p, b in sorted(self.bounds.items())}
        if self.members:
            out["members"] = {p: dict(m) for p, m in sorted(self.members.items())}
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


def flatten_facts(prefix: str, group: Mapping[str, Any] | None, out: dict[str, Any], computed_given: bool = False) -> None:
    """Nested facts into `out` by fact path, each checked; computed facts only when `computed_given`
    (an agreement document's counts and sums, as a pack's YAML tests state them)."""
    if group is None:
        return
    if not isinstance(group, Mapping):
        raise _shape(prefix, "a mapping", group)
    for key, value in group.items():
        path = f"{prefix}.{key}"
        field = F.FIELDS.get(path)
        if field is not None:
            if field.computed and not computed_given:
                raise _shape(path, "left out (it is computed)", value)
            if value is not None:
                out[path] = check_value(path, value, field.type)
        elif any(p.startswith(path + ".") for p in F.FIELDS):
            flatten_facts(path, value, out, computed_given)
        else:
            raise _shape(path, "a field of the delivery model", key)


def presence(values: dict[str, Any], roots: Mapping[str, Any]) -> None:
    """`<group>.present` of each optional group under `roots`: an absent group is none on record."""
    for group in F.EVENT_GROUPS:
        root, _, rest = group.partition(".")
        if root not in roots:
            continue
        node: Any = roots[root]
        for part in rest.split(".") if rest else []:
            node = node.get(part) if isinstance(node, Mapping) else None
        values[f"{group}.present"] = isinstance(node, Mapping)


#: A range of school years: "F-3", "4-9", "7–9" (en dash), "F - 6"; F (förskoleklass) is year 0.
_GRADES = re.compile(r"^\s*(F|\d{1,2})\s*[-\u2010-\u2015\u2212]\s*(\d{1,2})\s*$", re.IGNORECASE)
#: The results that show a unit teaches a year, when `unit.grades` does not say.
YEAR_RESULTS = {
    9: ("merit_value_y9", "share_eligible_vocational_y9", "share_passed_all_subjects_y9"),
    6: ("grade_value_y6_swedish", "grade_value_y6_maths"),
    3: ("share_passed_national_test_y3_swedish", "share_passed_national_test_y3_maths"),
}


def _teaches(values: dict[str, Any], unknown: dict[str, str]) -> None:
    """`unit.teaches_y3/6/9` from `unit.grades` ("F-3", "4-9", "7–9"), or else from the results given.

    Without a range of grades, a unit whose results of a year are given teaches that year (a school
    without a year 9 has no merit value). Only when neither settles it is the year unknown, with the reason.
    """
    grades = values.get("unit.grades")
    m = _GRADES.match(grades) if grades is not None else None
    for year in (3, 6, 9):
        path = f"unit.teaches_y{year}"
        low, high = (0 if m.group(1).upper() == "F" else int(m.group(1)), int(m.group(2))) if m is not None else (0, -1)
        if m is not None and low <= high:
            values[path] = low <= year <= high
            continue
        given = [k for k in YEAR_RESULTS[year]  # a suppressed statistic (`..`) shows the year is taught too
                 if values.get(f"unit.results.{k}") is not None or unknown.get(f"unit.results.{k}", MISSING) != MISSING]
        if given:
            values[path] = True
        elif grades is not None:
            unknown.setdefault(path, M.text("grades_reversed" if m is not None else "grades_not_range", grades=grades, year=year))
        else:
            unknown.setdefault(path, M.text("grades_unknown", rest=unknown.get("unit.grades", MISSING), year=year))


def _averages(raw: Mapping[str, Any] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in (raw or {}).items():
        if key == "school_year":
            continue
        if key not in F.INDICATORS:
            raise _shape(f"national_averages.{key}", "a national average of the delivery model", key)
        if value is not None:
            out[key] = check_value(f"national_averages.{key}", value, F.INDICATORS[key])
    return out


def _with_context(values: dict[str, Any], context: Mapping[str, Any], scope: str) -> None:
    for path, value in context.items():
        field = F.FIELDS.get(path)
        if field is None or not field.context or F.lookup(path, scope) is None:
            raise _shape(path, f"a fact a {scope} case takes from the rest of the delivery", path)
        if value is not None:
            values[path] = check_value(path, value, field.type)


def unit_case(facts: Mapping[str, Any], unknown: Mapping[str, str] | None = None,
              context: Mapping[str, Any] | None = None, bounds: Mapping[str, Any] | None = None,
              members: Mapping[str, Any] | None = None) -> Case:
    """A unit case from delivery-shaped facts: `unit`, `huvudman`, `delivery`, `national_averages`.

    `context` holds what the delivery's other units tell about this one (`unit.same_building_eligible`,
    the `unit.huvudman_units_*` counts; `bounds` and `members` as for a huvudman's counts). Left out,
    `unit.same_building_eligible` is false (no unit shares its buildings) and the counts are unknown.
    """
    values: dict[str, Any] = {}
    roots = {k: facts.get(k) or {} for k in ("unit", "huvudman", "delivery")}
    for root, group in roots.items():
        flatten_facts(root, group, values)
    presence(values, roots)
    given = dict(context or {})
    bounds = _checked_bounds(bounds or {}, "unit")
    why = dict(unknown or {})
    _with_context(values, {"unit.same_building_eligible": False, **given}, "unit")
    _teaches(values, why)
    return Case("unit", str(values.get("unit.id", "")), values.get("unit.huvudman_id") or values.get("huvudman.id"),
                values, _averages(facts.get("national_averages")), why, bounds, dict(members or {}))


def huvudman_case(facts: Mapping[str, Any], aggregates: "Mapping[str, Any] | Aggregated",
                  unknown: Mapping[str, str] | None = None) -> Case:
    """A huvudman case: its own facts, the delivery, and the `units.*` aggregates of its unit decisions.

    `aggregates` is what `aggregates()` gives (known counts, bounds of unknown ones, the units counted),
    or a mapping of known values alone.
    """
    agg = aggregates if isinstance(aggregates, Aggregated) else Aggregated(dict(aggregates))
    values: dict[str, Any] = {}
    roots = {k: facts.get(k) or {} for k in ("huvudman", "delivery")}
    for root, group in roots.items():
        flatten_facts(root, group, values)
    presence(values, roots)
    _with_context(values, agg.values, "huvudman")
    bounds = _checked_bounds(agg.bounds, "huvudman")
    hid = str(values.get("huvudman.id", ""))
    return Case("huvudman", hid, hid, values, _averages(facts.get("national_averages")),
                {**agg.unknown, **(unknown or {})}, bounds, dict(agg.members))


def _checked_bounds(bounds: Mapping[str, Any], scope: str) -> dict[str, tuple[int, int | None]]:
    out: dict[str, tuple[int, int | None]] = {}
    for path, b in bounds.items():
        field = F.FIELDS.get(path)
        if field is None or not field.context or F.lookup(path, scope) is None or field.type.kind != F.NUMBER:
            raise _shape(path, f"a count a {scope} case takes from the rest of the delivery", path)
        if not isinstance(b, (list, tuple)) or len(b) != 2:
            raise _shape(path, "bounds [at least, at most]", b)
        lo = check_value(path, b[0], field.type)
        hi = None if b[1] is None else check_value(path, b[1], field.type)
        if hi is not None and hi < lo:
            raise _shape(path, "bounds with at least ≤ at most", b)
        out[path] = (lo, hi)
    return out


# --- counts over the delivery's units, three-valued -------------------------------------------------

@attrs.frozen
class Aggregated:
    """Counts over units: the known ones, the bounds of the unknown ones, the units behind each, and why unknown."""

    values: dict[str, Any]
    bounds: dict[str, tuple[int, int | None]] = attrs.field(factory=dict)
    members: dict[str, dict[str, list[str]]] = attrs.field(factory=dict)
    unknown: dict[str, str] = attrs.field(factory=dict)


def _k_and(*vs: bool | None) -> bool | None:
    if any(v is False for v in vs):
        return False
    return None if any(v is None for v in vs) else True


def _is(outcome: str) -> Callable[[Mapping[str, Any]], bool | None]:
    return functools.partial(_has_outcome, outcome)


def _has_outcome(outcome: str, u: Mapping[str, Any]) -> bool:
    return u["outcome"] == outcome


def _derived(name: str, want: bool) -> Callable[[Mapping[str, Any]], bool | None]:
    """A unit counts when its rules derived `name` as `want`; units of forms without results statistics never do.
    (The test is a function of its own, not a closure: the counts are built when the module is imported.)"""
    return functools.partial(_counts_derived, name, want)


def _counts_derived(name: str, want: bool, u: Mapping[str, Any]) -> bool | None:
    form = u.get("school_form", F.RESULT_FORMS[0])
    if form is None:
        return None
    if form not in F.RESULT_FORMS:  # a preschool or a fritidshem neither lowers nor spreads a huvudman's results
        return False
    derived = u.get("derived") or {}
    no_statistics = derived.get(F.NO_STATISTICS)  # the pack says the unit has no statistics (F-2, 7-8)
    if no_statistics == "true":
        return False
    if no_statistics == "unknown":
        return None
    if name not in derived:  # a unit record without it (an engine error): not counted; `sbs validate` makes
        return False        # sure a pack that reads the count derives it
    v = derived[name]
    return None if v not in ("true", "false") else (v == "true") == want


def fine_open(u: Mapping[str, Any]) -> bool | None:
    """An injunction with a fine whose supervision is not concluded (None: the delivery does not say)."""
    if not u.get("injunction_present"):
        return False
    concluded = u.get("supervision_concluded")
    return _k_and(u.get("fine"), None if concluded is None else not concluded)


def fine_any(u: Mapping[str, Any]) -> bool | None:
    """An injunction with a fine, concluded or not."""
    return u.get("fine") if u.get("injunction_present") else False


#: Each `units.*` count: what a unit must be to count (True, False or None for unknown).
COUNTS: dict[str, Callable[[Mapping[str, Any]], bool | None]] = {
    "units.count": lambda u: True,
    "units.in_underlag": lambda u: u["in_underlag"],
    "units.eligible": _is("eligible"),
    "units.eligible_in_underlag": lambda u: _k_and(u["outcome"] == "eligible", u["in_underlag"]),
    "units.manual_review": _is("manual_review"),
    "units.manual_review_in_underlag": lambda u: _k_and(u["outcome"] == "manual_review", u["in_underlag"]),
    "units.deferred_in_underlag": lambda u: _k_and(u["outcome"] == "deferred", u["in_underlag"]),
    "units.low_results": _derived(F.COUNT_READS["units.low_results"], True),
    "units.results_not_low": _derived(F.COUNT_READS["units.results_not_low"], False),
    "units.results_well_below": _derived(F.COUNT_READS["units.results_well_below"], True),
    "units.results_well_above": _derived(F.COUNT_READS["units.results_well_above"], True),
    "units.fine_open": fine_open,
    "units.fine": fine_any,
}
#: Counts whose units are listed in the record (`input.members`), so a reviewer sees which units they are.
LISTED = tuple(p for p in COUNTS if p != "units.count")


def count_units(units: list[Mapping[str, Any]], counts: Mapping[str, Callable], listed: tuple[str, ...]) -> Aggregated:
    """Three-valued counts: known when every unit's value is known, else bounds and the units unknown."""
    values: dict[str, Any] = {}
    bounds: dict[str, tuple[int, int | None]] = {}
    members: dict[str, dict[str, list[str]]] = {}
    unknown: dict[str, str] = {}
    for path, test in counts.items():
        yes, maybe = [], []
        for u in units:
            v = test(u)
            if v is True:
                yes.append(u["id"])
            elif v is None:
                maybe.append(u["id"])
        if maybe:
            bounds[path] = (len(yes), len(yes) + len(maybe))
            n = len(maybe)
            ids = ", ".join(sorted(maybe))
            unknown[path] = M.text("count_between", lo=len(yes), hi=len(yes) + n,
                                   rest=M.text("units_unknown_one" if n == 1 else "units_unknown", n=n, ids=ids))
        else:
            values[path] = len(yes)
        if path in listed and (yes or maybe):
            members[path] = {"counted": sorted(yes), **({"unknown": sorted(maybe)} if maybe else {})}
    return Aggregated(values, bounds, members, unknown)


def aggregates(units: list[Mapping[str, Any]]) -> Aggregated:
    """The `units.*` facts of a huvudman from its units' decisions, three-valued.

    Each unit is given as `unit_summary` makes it from a record: outcome, derived facts, whether it is in
    the underlag, its injunction, its pupils. A unit whose value is unknown (criterion 1 unknown, the
    underlag not stated) makes the count unknown with its bounds, never smaller.
    """
    agg = count_units(units, COUNTS, LISTED)
    pupils = [u["pupils"] for u in units if u["outcome"] == "eligible"]
    maybe = [u for u in units if u["outcome"] == "manual_review"]  # may turn out eligible: their pupils may count
    known = sum(p for p in pupils if p is not None)
    more = [u["pupils"] for u in maybe]
    high = None if None in pupils or None in more else known + sum(more)
    if high == known:  # every size known, and no unit under review can add a pupil
        agg.values["units.pupils_eligible"] = known
        return agg
    agg.bounds["units.pupils_eligible"] = (known, high)
    why = []
    if None in pupils:
        n = pupils.count(None)
        why.append(M.text("size_unknown_one" if n == 1 else "size_unknown", n=n))
    if maybe:
        why.append(M.text("review_may_be_eligible_one" if len(maybe) == 1 else "review_may_be_eligible",
                          n=len(maybe), ids=", ".join(sorted(u["id"] for u in maybe))))
    rest = "; ".join(why)
    agg.unknown["units.pupils_eligible"] = (M.text("count_between", lo=known, hi=high, rest=rest) if high is not None
                                            else M.text("count_at_least", lo=known, rest=rest))
    return agg


def unit_summary(record: Mapping[str, Any]) -> dict[str, Any]:
    """What a huvudman's aggregates need of one unit's record (small enough to keep for a whole delivery)."""
    facts = record["input"]["facts"]
    return {"id": record["id"], "outcome": record.get("outcome"), "derived": record.get("derived") or {},
            "in_underlag": facts.get("unit.in_underlag"), "pupils": facts.get("unit.pupils"),
            "school_form": facts.get("unit.school_form"),
            "injunction_present": facts.get("unit.injunction.present"), "fine": facts.get("unit.injunction.fine"),
            "supervision_concluded": facts.get("unit.injunction.supervision_concluded")}


def delivery_summary(unit: Mapping[str, Any]) -> dict[str, Any]:
    """What a unit's siblings need of it, from its delivery facts (before any unit is decided)."""
    injunction = unit.get("injunction")
    present = isinstance(injunction, Mapping)
    return {"id": unit.get("id"), "in_underlag": unit.get("in_underlag"), "injunction_present": present,
            "fine": injunction.get("fine") if present else None,
            "supervision_concluded": injunction.get("supervision_concluded") if present else None}


#: A unit's counts over the units of its huvudman in the delivery (itself included).
SIBLING_COUNTS: dict[str, Callable[[Mapping[str, Any]], bool | None]] = {
    "unit.huvudman_units_in_underlag": lambda u: u["in_underlag"],
    "unit.huvudman_units_fine_open": fine_open,
    "unit.huvudman_units_fine": fine_any,
}


def _eligible_on_its_own(u: Mapping[str, Any]) -> bool | None:
    """An underlag unit's own outcome: eligible counts, under review (or undecided) may, anything else does not;
    a unit whose place in the underlag is unknown may count too."""
    own = True if u["outcome"] == "eligible" else None if u["outcome"] in ("manual_review", None) else False
    return _k_and(own, u.get("in_underlag", True))


def eligible_underlag(units: list[Mapping[str, Any]]) -> Aggregated:
    """`unit.huvudman_units_eligible_in_underlag` of an added unit, from its huvudman's underlag units' own outcomes."""
    return count_units(units, {"unit.huvudman_units_eligible_in_underlag": _eligible_on_its_own},
                       ("unit.huvudman_units_eligible_in_underlag",))


def sibling_context(units: list[Mapping[str, Any]]) -> Aggregated:
    """`unit.huvudman_units_*` for the units of one huvudman, from their delivery facts (`delivery_summary`)."""
    return count_units(units, SIBLING_COUNTS, tuple(SIBLING_COUNTS))
