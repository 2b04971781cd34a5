"""The cross-check evaluator: the same three-valued semantics in plain Python, with the detail of every comparison.

It shares nothing with the compiled ruleset but the pack model and the case: it compares dates as ISO
text where durable_rules compares numbers, multiplies `times` itself, and walks the condition tree
directly. It also supplies what durable_rules cannot: why a rule did not fire, and which data was missing.
"""
from __future__ import annotations

from typing import Any

import attrs

from policy.model import All, Any_, Compare, Condition, Derived, FactRef, Known, Literal, NationalAverage, Not, ParamRef

from .case import Case, parameter_value
from .compile import Compiled
from .logic import derived_value, k_and, k_not, k_or

_COMPARE = {
    "eq": lambda a, b: a == b, "ne": lambda a, b: a != b,
    "lt": lambda a, b: a < b, "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b,
}


@attrs.frozen
class Detail:
    """One node of an evaluated condition: its result and, for comparisons, the values compared."""

    kind: str  # all | any | not | compare | known | unknown | derived
    result: bool | None
    items: tuple["Detail", ...] = ()
    fact: str | None = None
    value: Any = None
    op: str | None = None
    right: dict | None = None
    missing: tuple[dict, ...] = ()

    def missing_data(self) -> list[dict]:
        """The missing values that made this node unknown (nothing if it is known)."""
        if self.result is not None:
            return []
        out = list(self.missing)
        for item in self.items:
            out.extend(m for m in item.missing_data() if m not in out)
        return out


@attrs.frozen
class RuleResult:
    """A rule's truth value for a case and the detail of its condition."""

    rule_id: str
    value: bool | None
    detail: Detail


class Evaluator:
    """Evaluates the rules of a compiled scope in its evaluation order."""

    def __init__(self, compiled: Compiled) -> None:
        self.c = compiled
        self.pack = compiled.pack

    def run(self, case: Case, set_aside: frozenset[str] = frozenset()) -> list[RuleResult]:
        values: dict[str, bool | None] = {}
        out = []
        for cr in self.c.order:
            detail = self.condition(cr.rule.when, case, values, set_aside)
            values[cr.rule.id] = detail.result
            out.append(RuleResult(cr.rule.id, detail.result, detail))
        return out

    def condition(self, cond: Condition, case: Case, values: dict, set_aside: frozenset[str]) -> Detail:
        if isinstance(cond, (All, Any_)):
            items = tuple(self.condition(c, case, values, set_aside) for c in cond.items)
            combine = k_and if isinstance(cond, All) else k_or
            return Detail("all" if isinstance(cond, All) else "any", combine(i.result for i in items), items)
        if isinstance(cond, Not):
            inner = self.condition(cond.item, case, values, set_aside)
            return Detail("not", k_not(inner.result), (inner,))
        if isinstance(cond, Known):
            has = cond.fact in case.values
            return Detail("known" if cond.want_known else "unknown", has if cond.want_known else not has,
                          fact=cond.fact, value=case.values.get(cond.fact))
        if isinstance(cond, Derived):
            v = derived_value(cond.name, self.c.derivers, values, self.c.exceptions, set_aside)
            missing = ({"derived": cond.name, "reason": "the rules deriving it are unknown"},) if v is None else ()
            return Detail("derived", v, fact=cond.name, missing=missing)
        assert isinstance(cond, Compare)
        return self.compare(cond, case)

    def compare(self, c: Compare, case: Case) -> Detail:
        left = case.values.get(c.fact)
        missing: list[dict] = []
        if left is None:
            missing.append({"fact": c.fact, "reason": case.reason(c.fact)})
        if c.op in ("in", "not_in"):
            listed = [lit.value for lit in c.right]
            result = None if left is None else ((left in listed) == (c.op == "in"))
            return Detail("compare", result, fact=c.fact, value=left, op=c.op, right={"values": listed}, missing=tuple(missing))
        right, right_value = self.operand(c.right, case, missing)
        if left is None or right_value is None:
            result = None
        else:
            result = _COMPARE[c.op](left, right_value)
        return Detail("compare", result, fact=c.fact, value=left, op=c.op, right=right, missing=tuple(missing))

    def operand(self, o: Any, case: Case, missing: list[dict]) -> tuple[dict, Any]:
        """The description of the compared value (for the trace) and the value itself (None if unknown)."""
        if isinstance(o, Literal):
            return {"value": o.value}, o.value
        if isinstance(o, ParamRef):
            value = self._param(o.name, case, missing)
            return {"param": o.name, "value": value}, value
        if isinstance(o, NationalAverage):
            base = case.averages.get(o.indicator)
            if base is None:
                missing.append({"national_average": o.indicator, "reason": "missing"})
            desc: dict[str, Any] = {"national_average": o.indicator, "value": base}
        else:
            assert isinstance(o, FactRef)
            base = case.values.get(o.path)
            if base is None:
                missing.append({"fact": o.path, "reason": case.reason(o.path)})
            desc = {"fact": o.path, "value": base}
        if o.times is None:
            return desc, base
        ratio = self._param(o.times, case, missing)
        desc["times"] = {"param": o.times, "value": ratio}
        product = None if base is None or ratio is None else base * ratio
        desc["product"] = product
        return desc, product

    def _param(self, name: str, case: Case, missing: list[dict]) -> Any:
        p = self.pack.parameter(name)
        value = parameter_value(p, case)
        if value is None:
            if p.by_school_form and case.school_form is None:
                reason = f"depends on the school form, and unit.school_form is {case.reason('unit.school_form')}"
            else:
                reason = f"no value for school form {case.school_form}"
            missing.append({"param": name, "reason": reason})
        return value
