"""The cross-check evaluator: the same three-valued semantics in plain Python, with the detail of every comparison.

It shares nothing with the compiled ruleset but the pack model and the case: it compares dates as ISO
text where durable_rules compares numbers, multiplies `times` itself, and walks the condition tree
directly. It also supplies what durable_rules cannot: why a rule did not fire, and which data was missing.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

from policy import facts as F
from policy.model import All, Any_, Compare, Condition, Derived, FactRef, Known, Literal, NationalAverage, Not, ParamRef
from policy.operators import MEMBERSHIP, PYTHON

from .. import messages as M
from ..inputs.case import Case, parameter_value
from .compile import Compiled
from .logic import derived_value, interval_compare, k_and, k_not, k_or

_COMPARE = PYTHON  #: an operator's meaning on two known values (policy.operators)


class Detail(NamedTuple):
    """One node of an evaluated condition: its result and, for comparisons, the values compared.

    A named tuple rather than a frozen class: thousands are made per second, and tuples are cheap.
    """

    kind: str  # all | any | not | compare | known | unknown | derived
    result: bool | None
    items: tuple["Detail", ...] = ()
    fact: str | None = None
    value: Any = None
    op: str | None = None
    right: dict | None = None
    missing: tuple[dict, ...] = ()
    bounds: tuple | None = None  #: what is known of an unknown count: (at least, at most)

    def missing_data(self) -> list[dict]:
        """The missing values that made this node unknown (nothing if it is known)."""
        if self.result is not None:
            return []
        out = list(self.missing)
        for item in self.items:
            out.extend(m for m in item.missing_data() if m not in out)
        return out


def _missing(case: Case, fact: str) -> dict:
    """A missing fact as the trace names it, with what is known of it (its bounds) when anything is."""
    out = {"fact": fact, "reason": case.reason(fact)}
    if fact in case.bounds:
        out["bounds"] = list(case.bounds[fact])
    return out


class RuleResult(NamedTuple):
    """A rule's truth value for a case and the detail of its condition."""

    rule_id: str
    value: bool | None
    detail: Detail


Node = Callable[[Case, dict, frozenset], Detail]


class Evaluator:
    """Evaluates the rules of a compiled scope in its evaluation order.

    Each condition is turned into nested closures once, when the evaluator is made, so a case costs
    only the comparisons themselves.
    """

    def __init__(self, compiled: Compiled) -> None:
        self.c = compiled
        self.pack = compiled.pack
        self._params = {p.name: p for p in compiled.pack.parameters}
        self._rules = [(cr.rule.id, self._node(cr.rule.when)) for cr in compiled.order]

    def run(self, case: Case, set_aside: frozenset[str] = frozenset()) -> list[RuleResult]:
        values: dict[str, bool | None] = {}
        out = []
        for rule_id, node in self._rules:
            detail = node(case, values, set_aside)
            values[rule_id] = detail.result
            out.append(RuleResult(rule_id, detail.result, detail))
        return out

    def _node(self, cond: Condition) -> Node:
        if isinstance(cond, (All, Any_)):
            parts = [self._node(c) for c in cond.items]
            kind, combine = ("all", k_and) if isinstance(cond, All) else ("any", k_or)

            def group(case: Case, values: dict, set_aside: frozenset) -> Detail:
                items = tuple([p(case, values, set_aside) for p in parts])
                return Detail(kind, combine([i[1] for i in items]), items)  # i[1]: the item's result

            return group
        if isinstance(cond, Not):
            inner = self._node(cond.item)

            def negation(case: Case, values: dict, set_aside: frozenset) -> Detail:
                d = inner(case, values, set_aside)
                return Detail("not", k_not(d.result), (d,))

            return negation
        if isinstance(cond, Known):
            fact, want, kind = cond.fact, cond.want_known, ("known" if cond.want_known else "unknown")

            def known(case: Case, values: dict, set_aside: frozenset) -> Detail:
                v = case.values.get(fact)
                return Detail(kind, (v is not None) == want, fact=fact, value=v)

            return known
        if isinstance(cond, Derived):
            name, derivers, exceptions = cond.name, self.c.derivers, self.c.exceptions
            why = ({"derived": name, "reason": M.text("derived_unknown")},)

            def derived(case: Case, values: dict, set_aside: frozenset) -> Detail:
                v = derived_value(name, derivers, values, exceptions, set_aside)
                return Detail("derived", v, fact=name, missing=why if v is None else ())

            return derived
        assert isinstance(cond, Compare)
        return self._compare(cond)

    def _compare(self, c: Compare) -> Node:
        fact, op = c.fact, c.op
        if op in MEMBERSHIP:
            listed = [lit.value for lit in c.right]
            right_in = {"values": listed}
            holds = _COMPARE[op]

            def member(case: Case, values: dict, set_aside: frozenset) -> Detail:
                left = case.values.get(fact)
                if left is None:
                    return Detail("compare", None, (), fact, None, op, right_in, ({"fact": fact, "reason": case.reason(fact)},))
                return Detail("compare", holds(left, listed), (), fact, left, op, right_in)

            return member
        compare_fn = _COMPARE[op]
        operand = self._operand(c.right)
        if fact in F.BOUNDED or (isinstance(c.right, FactRef) and c.right.path in F.BOUNDED):
            return self._bounded(c, operand)

        def comparison(case: Case, values: dict, set_aside: frozenset) -> Detail:
            left = case.values.get(fact)
            missing: list[dict] = [] if left is not None else [{"fact": fact, "reason": case.reason(fact)}]
            right, right_value = operand(case, missing)
            if left is None or right_value is None:
                return Detail("compare", None, (), fact, left, op, right, tuple(missing))
            return Detail("compare", compare_fn(left, right_value), (), fact, left, op, right)

        return comparison

    def _bounded(self, c: Compare, operand: Callable) -> Node:
        """A comparison of a count over other cases, which may be unknown and still bounded (Kleene on ranges)."""
        fact, op = c.fact, c.op
        right_path = c.right.path if isinstance(c.right, FactRef) else None
        ratio_of = c.right.times if isinstance(c.right, FactRef) else None

        def comparison(case: Case, values: dict, set_aside: frozenset) -> Detail:
            left = case.values.get(fact)
            lb = case.interval(fact)
            missing: list[dict] = [] if left is not None else [_missing(case, fact)]
            right, right_value = operand(case, missing)
            rb: tuple | None = None if right_value is None else (right_value, right_value)
            if right_path is not None and right_value is None and case.bounds.get(right_path) is not None:
                rb = case.bounds[right_path]
                if ratio_of is not None:
                    r = self._param(ratio_of, case, [])
                    rb = None if r is None else (rb[0] * r, None if rb[1] is None else rb[1] * r)
                if rb is not None:  # the operand's own missing entry stays: its value is not known
                    right = {**right, "bounds": list(rb)}
            if lb is None or rb is None:
                return Detail("compare", None, (), fact, left, op, right, tuple(missing))
            result = interval_compare(op, lb, rb)
            bounds = None if left is not None else lb
            if result is not None:
                missing = []
            return Detail("compare", result, (), fact, left, op, right, tuple(missing), bounds)

        return comparison

    def _operand(self, o: Any) -> Callable[[Case, list], tuple[dict, Any]]:
        """A function giving the compared value's description (for the trace) and the value (None if unknown)."""
        if isinstance(o, Literal):
            desc, value = {"value": o.value}, o.value
            return lambda case, missing: (desc, value)
        if isinstance(o, ParamRef):
            name = o.name
            if not self.pack.parameter(name).by_school_form:  # one value for every case
                fixed = {"param": name, "value": self.pack.parameter(name).value}
                return lambda case, missing: (fixed, fixed["value"])

            def param(case: Case, missing: list) -> tuple[dict, Any]:
                value = self._param(name, case, missing)
                return {"param": name, "value": value}, value

            return param
        if isinstance(o, NationalAverage):
            indicator = o.indicator

            def base(case: Case, missing: list) -> tuple[dict, Any]:
                v = case.averages.get(indicator)
                if v is None:
                    missing.append({"national_average": indicator, "reason": M.text("missing")})
                return {"national_average": indicator, "value": v}, v
        else:
            assert isinstance(o, FactRef)
            path = o.path

            def base(case: Case, missing: list) -> tuple[dict, Any]:
                v = case.values.get(path)
                if v is None:
                    missing.append({"fact": path, "reason": case.reason(path)})
                return {"fact": path, "value": v}, v
        if o.times is None:
            return base
        times = o.times

        def scaled(case: Case, missing: list) -> tuple[dict, Any]:
            desc, v = base(case, missing)
            ratio = self._param(times, case, missing)
            product = None if v is None or ratio is None else v * ratio
            desc["times"] = {"param": times, "value": ratio}
            desc["product"] = product
            return desc, product

        return scaled

    def _param(self, name: str, case: Case, missing: list[dict]) -> Any:
        p = self._params[name]
        value = parameter_value(p, case)
        if value is None:
            if p.by_school_form and case.school_form is None:
                reason = M.text("no_form_for_param", rest=case.reason("unit.school_form"))
            else:
                reason = M.text("no_value_for_form", form=case.school_form)
            missing.append({"param": name, "reason": reason})
        return value
