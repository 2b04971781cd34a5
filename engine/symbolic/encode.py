"""The pack model read a third time: as z3 terms, with unknown as a value of every fact.

Each fact of a scope is a pair of z3 constants: whether it is known, and its value. A condition is a
pair of z3 booleans (`TV`), *surely true* and *surely false*; unknown is neither (Kleene's logic in two
rails, so no truth table is left to the solver's imagination). A count over other cases (`facts.BOUNDED`)
is an interval, as the evaluators read it: known (its value twice), bounded (at least, at most or no
bound), or unknown. Parameters are the pack's constants (per school form where the pack says so); the
national averages are facts of the case like any other.

Nothing here reads the durable ruleset or the cross-check evaluator: both are checked against this
reading on concrete cases (`witness.confirm`), never trusted by it.
"""
from __future__ import annotations

import contextlib
import datetime
import functools
from fractions import Fraction
from typing import Any, Iterable, Iterator, Mapping, NamedTuple

import z3

from policy import facts as F
from policy.check import walk
from policy.model import (
    All, Any_, Compare, Condition, Derived, FactRef, Known, Literal, NationalAverage, Not, Pack, ParamRef, Rule,
)

#: A unit's years taught, and the results that show it (as `engine.inputs.case` reads `unit.grades`).
YEARS = (3, 6, 9)
YEAR_RESULTS = {
    9: ("merit_value_y9", "share_eligible_vocational_y9", "share_passed_all_subjects_y9"),
    6: ("grade_value_y6_swedish", "grade_value_y6_maths"),
    3: ("share_passed_national_test_y3_swedish", "share_passed_national_test_y3_maths"),
}
#: A day as a number (days since 0001-01-01), and the range of days a witness may name.
FIRST_DAY, LAST_DAY = datetime.date(1990, 1, 1).toordinal(), datetime.date(2100, 12, 31).toordinal()
OTHER_TEXT = "annan text"  #: a text none of the pack's rules names
OTHER_TEXTS = (OTHER_TEXT, "annan text 2")  #: two of them, so two texts no rule names may differ


def fresh_context() -> None:
    """Start the terms of a new analysis in a new z3 context, so its answers are those of a fresh process
    whatever ran before (z3 numbers terms as they are made, and the numbering steers its search). Terms
    already made keep their own context and stay usable."""
    if hasattr(z3, "z3") and hasattr(z3.z3, "_main_ctx"):
        z3.z3._main_ctx = None


@contextlib.contextmanager
def within(space: "Space") -> Iterator[None]:
    """Make the space's z3 context the one new terms go to while a kept reading answers a case (another
    analysis may have started a new context since the reading was made)."""
    saved = z3.z3._main_ctx
    z3.z3._main_ctx = space.ctx
    try:
        yield
    finally:
        z3.z3._main_ctx = saved


class TV(NamedTuple):
    """A three-valued condition: `t` holds when it is surely true, `f` when surely false (never both)."""

    t: z3.BoolRef
    f: z3.BoolRef

    @property
    def unknown(self) -> z3.BoolRef:
        return z3.And(z3.Not(self.t), z3.Not(self.f))




def k_and(items: Iterable[TV]) -> TV:
    items = list(items)
    return TV(z3.And([i.t for i in items]), z3.Or([i.f for i in items]))


def k_or(items: Iterable[TV]) -> TV:
    items = list(items)
    return TV(z3.Or([i.t for i in items]), z3.And([i.f for i in items]))


def k_not(v: TV) -> TV:
    return TV(v.f, v.t)


def number(x: Any) -> z3.ArithRef:
    """An exact z3 number for a Python number (a float as the decimal it prints as)."""
    if isinstance(x, bool):
        raise TypeError(x)
    if isinstance(x, int):
        return z3.IntVal(x)
    return z3.RealVal(Fraction(repr(float(x))))


def day(text: str) -> int:
    return datetime.date.fromisoformat(text).toordinal()


# --- what a scope's rules read --------------------------------------------------------------------

def read_by(rules: Iterable[Rule]) -> tuple[set[str], set[str], set[str], dict[str, set[str]]]:
    """The facts, national averages and parameters the rules read, and the texts each text fact is compared with."""
    facts: set[str] = set()
    averages: set[str] = set()
    params: set[str] = set()
    words: dict[str, set[str]] = {}
    for rule in rules:
        if isinstance(rule.then.priority, ParamRef):
            params.add(rule.then.priority.name)
        for c in walk(rule.when):
            if isinstance(c, Known):
                facts.add(c.fact)
            elif isinstance(c, Compare):
                facts.add(c.fact)
                rights = c.right if isinstance(c.right, tuple) else (c.right,)
                for o in rights:
                    if isinstance(o, FactRef):
                        facts.add(o.path)
                    elif isinstance(o, NationalAverage):
                        averages.add(o.indicator)
                    elif isinstance(o, ParamRef):
                        params.add(o.name)
                    elif isinstance(o, Literal) and isinstance(o.value, str) and F.FIELDS[c.fact].type.kind == F.TEXT:
                        words.setdefault(c.fact, set()).add(o.value)
                    if getattr(o, "times", None):
                        params.add(o.times)
    return facts, averages, params, words


# --- the facts of a scope, as z3 constants ------------------------------------------------------

class Var(NamedTuple):
    """One fact: known, its value, and for a count over other cases its interval (at least, at most, no bound)."""

    path: str
    known: z3.BoolRef
    value: z3.ExprRef
    bounded: z3.BoolRef | None = None  #: an interval is known (always when the value is)
    lo: z3.ArithRef | None = None
    hi: z3.ArithRef | None = None
    open: z3.BoolRef | None = None  #: no upper bound


class Space:
    """The facts of one scope that some packs read, as z3 constants, with what makes a case possible.

    Every pack read over the same space sees the same case: that is how two versions are compared and
    how a derived fact is cut loose from its rules.
    """

    def __init__(self, scope: str, packs: Iterable[Pack], name: str = "", delivered: bool = True) -> None:
        self.ctx = z3.main_ctx()  #: the z3 context of its terms
        self.scope = scope
        self.name = name
        #: cases as a delivery gives them: a count over other units is known or bounded, never just unknown
        #: (a YAML test may leave it unknown: `delivered=False` reads such cases too)
        self.delivered = delivered
        rules = [r for p in packs for r in p.rules if r.scope == scope]
        packs = list(packs)
        facts, averages, params, words = read_by(rules)
        facts.update(F.COUNTED_WHEN[p][0] for p in list(facts) if p in F.COUNTED_WHEN)
        if any(p.parameter(n) is not None and p.parameter(n).by_school_form for p in packs for n in params):
            facts.add("unit.school_form")
        for year in YEARS:
            if f"unit.teaches_y{year}" in facts:  # whether a year is taught shows in its results
                facts.update(f"unit.results.{k}" for k in YEAR_RESULTS[year])
        for group in F.EVENT_GROUPS:  # a field of an optional group is there only when the group is
            if any(f.startswith(group + ".") for f in facts):
                facts.add(f"{group}.present")
        self.facts = sorted(p for p in facts if F.lookup(p, scope) is not None)
        self.averages = sorted(averages)
        #: every text fact draws on one list of words (so two text facts compare as texts): those the rules
        #: name, and two others
        self.texts = sorted({w for ws in words.values() for w in ws}) + list(OTHER_TEXTS)
        #: comparisons whose two sides are a product (`times`): a witness keeps them apart by a margin, so the
        #: engine's floating-point product falls on the same side as z3's exact one
        self.margins: list[z3.BoolRef] = []
        self._plausible: tuple[int, list[z3.BoolRef]] | None = None
        self.vars: dict[str, Var] = {p: self._var(p) for p in self.facts}
        self.avg: dict[str, Var] = {
            k: Var(k, z3.Bool(self._n(f"avg:{k}?")), z3.Real(self._n(f"avg:{k}"))) for k in self.averages}
        self.grades_given = z3.Bool(self._n("unit.grades:range"))

    def _n(self, s: str) -> str:
        return f"{self.name}{s}"

    def _var(self, path: str) -> Var:
        ftype = F.FIELDS[path].type
        known = z3.Bool(self._n(path + "?"))
        if ftype.kind == F.BOOLEAN:
            value: z3.ExprRef = z3.Bool(self._n(path))
        elif ftype.kind == F.NUMBER and not ftype.integer:
            value = z3.Real(self._n(path))
        else:  # whole numbers, dates (days), and the words of an enum or a text (by index)
            value = z3.Int(self._n(path))
        if path in F.BOUNDED:
            return Var(path, known, value, z3.Bool(self._n(path + ":bounded")), z3.Int(self._n(path + ":lo")),
                       z3.Int(self._n(path + ":hi")), z3.Bool(self._n(path + ":open")))
        return Var(path, known, value)

    def values(self, path: str) -> list[str]:
        """The words an enum or text fact may hold, by index."""
        ftype = F.FIELDS[path].type
        return list(F.ENUMS[ftype.enum]) if ftype.kind == F.ENUM else self.texts

    def word(self, path: str, text: str) -> z3.ArithRef:
        values = self.values(path)
        return z3.IntVal(values.index(text) if text in values else len(values))  # past the end: no case has it

    def constant(self, path: str, value: Any) -> z3.ExprRef:
        """A fact's value as a z3 constant (a text no rule names is the space's other text)."""
        kind = F.FIELDS[path].type.kind
        if kind == F.BOOLEAN:
            return z3.BoolVal(bool(value))
        if kind == F.DATE:
            return z3.IntVal(day(value))
        if kind in (F.ENUM, F.TEXT):
            values = self.values(path)
            return z3.IntVal(values.index(value) if value in values else len(values) - 1)
        return number(value)

    def fix(self, case: Any, free: Iterable[str] = ()) -> list[z3.BoolRef]:
        """Constraints that make the space's case the given one (a `Case`), but for the facts in `free`
        (fact paths, and `national_averages.<indicator>`)."""
        free = set(free)
        names = [*self.facts, *(f"national_averages.{k}" for k in self.avg)]
        return [c for n in names if n not in free for c in self.pin(case, n)]

    def pin(self, case: Any, name: str) -> list[z3.BoolRef]:
        """Constraints holding one fact (or national average) as the case has it: its value, or unknown
        with the bounds the case knows."""
        if name.startswith("national_averages."):
            a = self.avg[name.split(".", 1)[1]]
            value = case.averages.get(name.split(".", 1)[1])
            return [a.known, a.value == number(value)] if value is not None else [z3.Not(a.known)]
        v = self.vars[name]
        value = case.values.get(name)
        if value is not None:
            return [v.known, v.value == self.constant(name, value)]
        out = [z3.Not(v.known)]
        if v.bounded is not None:
            b = case.bounds.get(name)
            if b is None:
                out.append(z3.Not(v.bounded))
            else:
                out += [v.bounded, v.lo == b[0], v.open if b[1] is None else z3.And(z3.Not(v.open), v.hi == b[1])]
        return out

    # --- what makes a case possible --------------------------------------------------------------

    def domain(self) -> list[z3.BoolRef]:
        """Constraints every case meets (types, ranges, what the input can say)."""
        out: list[z3.BoolRef] = []
        for path, v in self.vars.items():
            out.extend(self._range(path, v.value, F.FIELDS[path].type, False))
            if path in F.ALWAYS_KNOWN:
                out.append(v.known)
            if v.bounded is not None:
                out.append(z3.Implies(v.known, z3.And(v.bounded, v.lo == v.value, v.hi == v.value, z3.Not(v.open))))
                out.append(z3.Implies(v.bounded, z3.And(v.lo >= 0, z3.Or(v.open, v.lo <= v.hi))))
                out.append(z3.Implies(z3.Not(v.bounded), z3.And(v.lo == 0, v.hi == 0, z3.Not(v.open))))
                if self.scope not in ("unit", "huvudman"):  # an agreement states the count, or does not
                    out.append(v.bounded == v.known)
                elif self.delivered:
                    when = F.COUNTED_WHEN.get(path)
                    if when is None:
                        out.append(v.bounded)
                    elif when[0] in self.vars:
                        c = self.vars[when[0]]
                        out.append(v.bounded == z3.And(c.known, c.value == z3.BoolVal(when[1])))
                    out.append(z3.Implies(z3.And(v.bounded, z3.Not(v.known)), z3.Or(v.open, v.lo < v.hi)))
                    if path not in F.OPEN_ENDED:
                        out.append(z3.Not(v.open))
        for k, a in self.avg.items():
            out.extend(self._range(f"national_averages.{k}", a.value, F.INDICATORS[k], False))
        for group in F.EVENT_GROUPS:
            present = self.vars.get(f"{group}.present")
            if present is not None:
                for path in self.facts:
                    if path.startswith(group + ".") and path != f"{group}.present":
                        out.append(z3.Implies(z3.Not(present.value), z3.Not(self.vars[path].known)))
        out.extend(self._years())
        out.extend(self._grades())
        out.extend(self._counts())
        return out

    def plausible(self) -> list[z3.BoolRef]:
        """What narrows a witness to values a reader recognises, beside `domain`: numbers and dates in the
        catalogue's plausible ranges, products kept apart by `margins`. Made once (again when a reading has
        added margins since)."""
        if self._plausible is None or self._plausible[0] != len(self.margins):
            out = [c for path, v in self.vars.items() if F.FIELDS[path].type.kind in (F.NUMBER, F.DATE)
                   for c in self._range(path, v.value, F.FIELDS[path].type, True)]
            out += [c for k, a in self.avg.items() for c in self._range(f"national_averages.{k}", a.value, F.INDICATORS[k], True)]
            self._plausible = (len(self.margins), out + list(self.margins))
        return self._plausible[1]

    def _grades(self) -> list[z3.BoolRef]:
        """A rule reading `unit.grades` as text: the years taught are those its range says (none when the text
        is not a range, and the results then say), as `engine.inputs.case` reads them."""
        grades = self.vars.get("unit.grades")
        if grades is None:
            return []
        from ..inputs.case import _GRADES
        ranges = {}
        for i, w in enumerate(self.texts):
            m = _GRADES.match(w)
            if m is not None:
                low, high = (0 if m.group(1).upper() == "F" else int(m.group(1))), int(m.group(2))
                if low <= high:
                    ranges[i] = (low, high)
        out = [self.grades_given == z3.And(grades.known, z3.Or([grades.value == i for i in ranges] or [z3.BoolVal(False)]))]
        for i, (low, high) in ranges.items():
            for y in YEARS:
                v = self.vars.get(f"unit.teaches_y{y}")
                if v is not None:
                    out.append(z3.Implies(z3.And(grades.known, grades.value == i), z3.And(v.known, v.value == (low <= y <= high))))
        return out

    def _range(self, path: str, value: z3.ExprRef, ftype: F.FactType, plausible: bool) -> list[z3.BoolRef]:
        if ftype.kind == F.NUMBER:
            lo, hi = F.plausible(path, ftype) if plausible else (
                0 if ftype.integer or ftype.unit == "share" else -F.MAX_QUANTITY, 1 if ftype.unit == "share" else F.MAX_QUANTITY)
            return [value >= number(lo), value <= number(hi)]
        if ftype.kind == F.DATE:
            return [value >= FIRST_DAY, value <= LAST_DAY] if plausible else [value >= 1]
        if ftype.kind in (F.ENUM, F.TEXT):
            return [value >= 0, value < len(self.values(path))]
        return []

    def _years(self) -> list[z3.BoolRef]:
        """`unit.teaches_y3/6/9` as `unit.grades` and the results give them (engine.inputs.case._teaches)."""
        taught = {y: self.vars.get(f"unit.teaches_y{y}") for y in YEARS}
        if not any(taught.values()):
            return []
        out = []
        g = self.grades_given
        for y, v in taught.items():
            if v is None:
                continue
            results = [self.vars[f"unit.results.{k}"].known for k in YEAR_RESULTS[y]]
            out.append(z3.If(g, v.known, v.known == z3.Or(results)))
            out.append(z3.Implies(z3.And(z3.Not(g), v.known), v.value))
        t3, t6, t9 = (taught[y] for y in YEARS)
        if t3 is not None and t6 is not None and t9 is not None:  # a range of years has no gap
            out.append(z3.Implies(g, z3.Not(z3.And(t3.value, z3.Not(t6.value), t9.value))))
        return out

    def _counts(self) -> list[z3.BoolRef]:
        """A huvudman's counts of its units cannot exceed their number, nor a part its whole."""
        out = []
        for part, whole in F.COUNT_PARTS:
            p, w = self.vars.get(part), self.vars.get(whole)
            if p is None or w is None or p.bounded is None or w.bounded is None:
                continue
            out.append(z3.Implies(z3.And(p.bounded, w.bounded), z3.And(p.lo <= w.hi, z3.Or(w.open, z3.Not(p.open)),
                                                                         z3.Or(p.open, w.open, p.hi <= w.hi))))
        return out


# --- a pack's rules over a space ---------------------------------------------------------------

class Term(NamedTuple):
    """An operand: whether it is known, and its value."""

    known: z3.BoolRef
    value: z3.ExprRef


class Reading:
    """One scope of one pack over a space: each rule's truth, its effect, the outcome and the priority.

    `cut` replaces derived facts by free three-valued constants (to ask whether their value can matter).
    """

    def __init__(self, pack: Pack, scope: str, space: Space, cut: Mapping[str, TV] | None = None) -> None:
        self.pack, self.scope, self.space = pack, scope, space
        self.rules = {r.id: r for r in pack.rules if r.scope == scope}
        self.policy = pack.outcome_policy(scope)
        self.cut = dict(cut or {})
        self.derivers: dict[str, list[str]] = {}
        self.exceptions: dict[str, list[str]] = {}
        for r in self.rules.values():
            if r.then.derive:
                self.derivers.setdefault(r.then.derive, []).append(r.id)
            for target in r.exception_to:
                self.exceptions.setdefault(target, []).append(r.id)
        self._params = {p.name: p for p in pack.parameters}

    # --- conditions ----------------------------------------------------------------------------

    @functools.lru_cache(maxsize=None)
    def value(self, rule_id: str) -> TV:
        """Whether the rule's condition holds."""
        return self.condition(self.rules[rule_id].when)

    @functools.lru_cache(maxsize=None)
    def applies(self, rule_id: str, without: str | None = None) -> TV:
        """Whether the rule's effect applies: it holds and none of its exceptions (but `without`) holds."""
        excepted = [k_not(self.value(e)) for e in self.exceptions.get(rule_id, ()) if e != without]
        return k_and([self.value(rule_id), *excepted]) if excepted else self.value(rule_id)

    def derived(self, name: str) -> TV:
        if name in self.cut:
            return self.cut[name]
        return k_or(self.applies(r) for r in self.derivers.get(name, ()))

    def condition(self, c: Condition) -> TV:
        if isinstance(c, All):
            return k_and(self.condition(i) for i in c.items)
        if isinstance(c, Any_):
            return k_or(self.condition(i) for i in c.items)
        if isinstance(c, Not):
            return k_not(self.condition(c.item))
        if isinstance(c, Known):
            k = self.space.vars[c.fact].known
            return TV(k, z3.Not(k)) if c.want_known else TV(z3.Not(k), k)
        if isinstance(c, Derived):
            return self.derived(c.name)
        assert isinstance(c, Compare)
        return self.compare(c)

    def compare(self, c: Compare) -> TV:
        left = self.space.vars[c.fact]
        if isinstance(c.right, tuple):  # in, not_in
            hit = z3.Or([left.value == self.literal(c.fact, lit.value) for lit in c.right])
            holds = hit if c.op == "in" else z3.Not(hit)
            return TV(z3.And(left.known, holds), z3.And(left.known, z3.Not(holds)))
        if c.fact in F.BOUNDED or (isinstance(c.right, FactRef) and c.right.path in F.BOUNDED):
            return self._bounded(c)
        right = self.operand(c.fact, c.right)
        both = z3.And(left.known, right.known)
        holds = _op(c.op, left.value, right.value)
        if getattr(c.right, "times", None):
            self.space.margins.append(z3.Implies(both, _apart(left.value, right.value)))
        return TV(z3.And(both, holds), z3.And(both, z3.Not(holds)))

    def _bounded(self, c: Compare) -> TV:
        """A count compared as intervals (engine.core.logic.interval_compare)."""
        lv = self.space.vars[c.fact]
        left = _interval(lv) if lv.bounded is not None else (lv.known, lv.value, lv.value, z3.BoolVal(False))
        if isinstance(c.right, FactRef) and c.right.path in F.BOUNDED:
            rv = self.space.vars[c.right.path]
            ok, lo, hi, open_ = _interval(rv)
            if c.right.times:
                ratio = self.param(c.right.times)
                ok, lo, hi = z3.And(ok, ratio.known), lo * ratio.value, hi * ratio.value
                self.space.margins.append(z3.Implies(z3.And(left[0], ok), z3.And(_apart(left[1], lo), _apart(left[2], hi))))
            right = (ok, lo, hi, open_)
        else:
            r = self.operand(c.fact, c.right)
            right = (r.known, r.value, r.value, z3.BoolVal(False))
        both = z3.And(left[0], right[0])
        t, f = _interval_compare(c.op, left[1:], right[1:])
        return TV(z3.And(both, t), z3.And(both, f))

    def literal(self, fact: str, value: Any) -> z3.ExprRef:
        kind = F.FIELDS[fact].type.kind
        if kind == F.BOOLEAN:
            return z3.BoolVal(bool(value))
        if kind in (F.ENUM, F.TEXT):
            return self.space.word(fact, value)
        if kind == F.DATE:
            return z3.IntVal(day(value))
        return number(value)

    def operand(self, fact: str, o: Any) -> Term:
        if isinstance(o, Literal):
            return Term(z3.BoolVal(True), self.literal(fact, o.value))
        if isinstance(o, ParamRef):
            return self.param(o.name)
        if isinstance(o, NationalAverage):
            a = self.space.avg[o.indicator]
            base = Term(a.known, a.value)
        else:
            v = self.space.vars[o.path]
            base = Term(v.known, v.value)
        if o.times is None:
            return base
        ratio = self.param(o.times)
        return Term(z3.And(base.known, ratio.known), base.value * ratio.value)

    def param(self, name: str) -> Term:
        """A parameter's value for the case: per school form where it has such values."""
        p = self._params[name]
        def const(v: Any) -> z3.ExprRef:
            return z3.IntVal(day(v)) if p.unit == "date" else number(v)
        if not p.by_school_form:
            return Term(z3.BoolVal(p.value is not None), const(p.value if p.value is not None else 0))
        form = self.space.vars["unit.school_form"]
        value = const(p.value) if p.value is not None else z3.IntVal(0)
        listed = []
        for f, v in p.by_school_form:
            is_form = form.value == self.space.word("unit.school_form", f)
            listed.append(is_form)
            value = z3.If(is_form, const(v), value)
        known = z3.And(form.known, z3.BoolVal(True) if p.value is not None else z3.Or(listed))
        return Term(known, value)

    # --- the decision --------------------------------------------------------------------------

    @functools.cached_property
    def outcomes(self) -> list[str]:
        return list(F.OUTCOMES[self.scope])

    def code(self, outcome: str) -> int:
        return self.outcomes.index(outcome)

    def _by_outcome(self, rail: str) -> dict[str, z3.BoolRef]:
        out: dict[str, list] = {}
        for rid, r in self.rules.items():
            if r.then.outcome:
                a = self.applies(rid)
                out.setdefault(r.then.outcome, []).append(a.t if rail == "t" else a.unknown)
        return {o: z3.Or(v) for o, v in out.items()}

    @functools.cached_property
    def resolved(self) -> tuple[z3.ArithRef, z3.BoolRef]:
        """(the outcome of the rules that surely apply, or the default; whether it hinges on missing data)."""
        sure, maybe = self._by_outcome("t"), self._by_outcome("u")
        prec = self.policy.precedence
        best: z3.ArithRef = z3.IntVal(self.code(self.policy.default))
        hinge: z3.BoolRef = z3.Or([m for o, m in maybe.items() if o != self.policy.default] or [z3.BoolVal(False)])
        for i in reversed(range(len(prec))):
            o = prec[i]
            if o not in sure:
                continue
            higher = [maybe[h] for h in prec[:i] if h in maybe]
            best = z3.If(sure[o], z3.IntVal(self.code(o)), best)
            hinge = z3.If(sure[o], z3.Or(higher or [z3.BoolVal(False)]), hinge)
        return best, hinge

    @functools.cached_property
    def outcome(self) -> z3.ArithRef:
        best, hinge = self.resolved
        return z3.If(hinge, z3.IntVal(self.code(self.policy.on_unknown)), best)

    def is_outcome(self, outcome: str) -> z3.BoolRef:
        return self.outcome == self.code(outcome)

    def decides(self, rule_id: str) -> z3.BoolRef:
        """The rule names the outcome: its effect surely applies and its outcome is the one given."""
        best, hinge = self.resolved
        o = self.rules[rule_id].then.outcome
        return z3.And(self.applies(rule_id).t, best == self.code(o), z3.Not(hinge))

    def by_default(self) -> z3.BoolRef:
        """The outcome is the default, with no rule behind it."""
        sure = self._by_outcome("t")
        best, hinge = self.resolved
        return z3.And(z3.Not(z3.Or(list(sure.values()) or [z3.BoolVal(False)])), z3.Not(hinge))

    @functools.cached_property
    def priority(self) -> tuple[z3.ArithRef, z3.BoolRef]:
        """(the priority: the sum over priority rules that surely apply; whether one of them may apply)."""
        total: z3.ArithRef = z3.RealVal(0)
        unknown = []
        for rid, r in self.rules.items():
            p = r.then.priority
            if p is None:
                continue
            a = self.applies(rid)
            amount = self.param(p.name).value if isinstance(p, ParamRef) else number(p)
            total = total + z3.If(a.t, amount, 0)
            unknown.append(a.unknown)
        return total, z3.Or(unknown or [z3.BoolVal(False)])


def _apart(a: z3.ExprRef, b: z3.ExprRef) -> z3.BoolRef:
    """`a` and `b` differ by more than floating-point error (a thousandth of the smallest step of a number)."""
    margin = z3.RealVal(Fraction(1, 10000))
    return z3.Or(a - b >= margin, b - a >= margin)


def _interval(v: Var) -> tuple:
    return (v.bounded, v.lo, v.hi, v.open)


def _op(op: str, a: z3.ExprRef, b: z3.ExprRef) -> z3.BoolRef:
    return {"eq": lambda: a == b, "ne": lambda: a != b, "lt": lambda: a < b, "le": lambda: a <= b,
            "gt": lambda: a > b, "ge": lambda: a >= b}[op]()


def _interval_compare(op: str, left: tuple, right: tuple) -> tuple[z3.BoolRef, z3.BoolRef]:
    """(surely, surely not) of `left op right` on intervals (at least, at most, no upper bound)."""
    llo, lhi, lopen = left
    rlo, rhi, ropen = right
    n = z3.Not
    lt_all, ge_all = z3.And(n(lopen), lhi < rlo), z3.And(n(ropen), llo >= rhi)
    le_all, gt_all = z3.And(n(lopen), lhi <= rlo), z3.And(n(ropen), llo > rhi)
    if op == "lt":
        return lt_all, ge_all
    if op == "le":
        return le_all, gt_all
    if op == "gt":
        return gt_all, le_all
    if op == "ge":
        return ge_all, lt_all
    same = z3.And(n(lopen), n(ropen), llo == lhi, rlo == rhi, llo == rlo)
    apart = z3.Or(lt_all, gt_all)
    return (same, apart) if op == "eq" else (apart, same)
