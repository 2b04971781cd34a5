"""Witnesses: what the solver found, as a case the engine decides and an officer can paste as a YAML test.

Every witness is confirmed before it is shown: the engine evaluates it as the pack's YAML tests are
evaluated, and must give the outcome the solver gave. A disagreement is an engine error (`Disagreement`),
never a finding.
"""
from __future__ import annotations

import datetime
from fractions import Fraction
from typing import Any, Iterable

import attrs
import yaml
import z3

from policy import facts as F
from policy.model import Expectation, Pack, TestCase
from policy.testcases import DOCUMENT_ROOTS

from ..batch.packtests import TestResult, run_tests
from ..core.runner import Engine
from .encode import OTHER_TEXT, YEARS, Reading, Space

#: The grades that teach exactly these of years 3, 6 and 9 (a range of years has no gap).
GRADES = {(): "F-2", (3,): "F-3", (6,): "4-6", (9,): "7-9", (3, 6): "F-6", (6, 9): "4-9", (3, 6, 9): "F-9"}


DISAGREEMENT = "check_disagreement"  #: the code an engine error of this kind is reported under


class Disagreement(RuntimeError):
    """The engine decides a witness otherwise than the z3 reading of the same pack: an engine error."""


@attrs.frozen
class Witness:
    """A case the solver found: its facts as a YAML test states them, and what the engine decided."""

    scope: str
    facts: dict
    outcome: str
    statuses: dict = attrs.field(factory=dict)
    decision: Any = attrs.field(default=None, eq=False, repr=False)  #: the engine's `Decision` of it

    def test(self, name: str, expect: dict | None = None) -> dict:
        """A YAML test case of this witness (expecting what the engine decided, unless told otherwise)."""
        out: dict[str, Any] = {"name": name}
        if self.scope != "unit":
            out["scope"] = self.scope
        out["facts"] = self.facts
        out["expect"] = expect or {"outcome": self.outcome}
        return out

    def yaml(self, name: str, expect: dict | None = None) -> str:
        return yaml.safe_dump([self.test(name, expect)], sort_keys=False, allow_unicode=True, width=110)


def _number(v: z3.ExprRef, integer: bool) -> int | float:
    if z3.is_int_value(v):
        return v.as_long()
    q = Fraction(v.numerator_as_long(), v.denominator_as_long())
    return int(q) if integer and q.denominator == 1 else float(q)


def value_of(space: Space, model: z3.ModelRef, path: str) -> Any:
    """A fact's value in a model (None when the model leaves it unknown)."""
    v = space.vars[path]
    if not z3.is_true(model.eval(v.known, model_completion=True)):
        return None
    return decode(space, path, model.eval(v.value, model_completion=True))


def decode(space: Space, path: str, raw: z3.ExprRef) -> Any:
    ftype = F.FIELDS[path].type
    if ftype.kind == F.BOOLEAN:
        return z3.is_true(raw)
    if ftype.kind == F.DATE:
        return datetime.date.fromordinal(raw.as_long()).isoformat()
    if ftype.kind in (F.ENUM, F.TEXT):
        values = space.values(path)
        i = raw.as_long()
        return values[i] if 0 <= i < len(values) else OTHER_TEXT
    return _number(raw, ftype.integer)


def _put(out: dict, path: str, value: Any) -> None:
    parts = path.split(".")
    node = out
    for part in parts[:-1]:
        if node.get(part) is None:
            node[part] = {}
        node = node[part]
    node[parts[-1]] = value


def realize(space: Space, model: z3.ModelRef, omit: frozenset[str] = frozenset()) -> dict:
    """The facts of a model as a YAML test states them: unknown facts as `null` (a test default cannot
    fill them), an optional group absent as `null`, a count known only by its bounds under `context`.
    Facts in `omit` (`loose`: any value of theirs gives the same result) are left out."""
    out: dict[str, Any] = {}
    groups = {g: z3.is_true(model.eval(space.vars[f"{g}.present"].value, model_completion=True))
              for g in F.EVENT_GROUPS if f"{g}.present" in space.vars and f"{g}.present" not in omit}
    context: dict[str, Any] = {}
    for path in space.facts:
        field = F.FIELDS[path]
        if path in F.PRESENCE or path.startswith("unit.teaches_y") or path in omit:
            continue
        group = next((g for g in groups if path.startswith(g + ".")), None)
        if group is not None and not groups[group]:
            continue
        if field.context and space.scope in ("unit", "huvudman"):
            context[path] = _context_value(space, model, path)
            continue
        _put(out, path, value_of(space, model, path))
    for g, present in groups.items():
        if g.split(".", 1)[0] in DOCUMENT_ROOTS:  # an agreement document's parts say outright whether they are there
            _put(out, f"{g}.present", present)
        elif not present:
            _put(out, g, None)
        elif _get(out, g) is None:
            _put(out, g, {})
    taught = {y: space.vars.get(f"unit.teaches_y{y}") for y in YEARS if f"unit.teaches_y{y}" not in omit}
    if "unit.grades" not in space.vars and any(taught.values()) and z3.is_true(model.eval(space.grades_given, model_completion=True)):
        years = tuple(y for y, v in taught.items() if v is not None and z3.is_true(model.eval(v.value, model_completion=True)))
        _put(out, "unit.grades", GRADES.get(years, "F-9"))
    averages = {k: (None if not z3.is_true(model.eval(a.known, model_completion=True))
                    else _number(model.eval(a.value, model_completion=True), False))
                for k, a in space.avg.items() if f"avg:{k}" not in omit}
    if averages:
        out["national_averages"] = averages
    if context:
        out["context"] = context
    return out


def _get(out: dict, path: str) -> Any:
    node: Any = out
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _context_value(space: Space, model: z3.ModelRef, path: str) -> Any:
    v = space.vars[path]
    known = value_of(space, model, path)
    if known is not None or v.bounded is None or not z3.is_true(model.eval(v.bounded, model_completion=True)):
        return known
    lo = model.eval(v.lo, model_completion=True).as_long()
    hi = None if z3.is_true(model.eval(v.open, model_completion=True)) else model.eval(v.hi, model_completion=True).as_long()
    return {"at_least": lo, "at_most": hi}


def shown(reading: Reading, model: z3.ModelRef, goals: Iterable[z3.BoolRef], solver: z3.Solver) -> dict:
    """The facts of a witness that matter: those `loose` cannot leave out."""
    return realize(reading.space, model, loose(reading.space, model, goals, solver, [reading]))


class Confirmer:
    """Evaluates witnesses on the engine, one engine per pack."""

    def __init__(self) -> None:
        self._engines: dict[int, Engine] = {}

    def engine(self, pack: Pack) -> Engine:
        key = id(pack)
        if key not in self._engines:
            self._engines[key] = Engine(pack)
        return self._engines[key]

    def run(self, pack: Pack, scope: str, facts: dict) -> TestResult:
        case = TestCase("witness", scope, facts, Expectation())
        return run_tests(pack, self.engine(pack), [case], default_refusals=True)[0]

    def confirm(self, reading: Reading, model: z3.ModelRef, facts: dict | None = None) -> Witness:
        """The model's case, decided by the engine; it must give the outcome the z3 reading gives.

        (`facts` may leave out facts `loose` found free: the proof then holds for their every value, and
        the engine must agree whatever a test default or the absence of a value makes of them.)"""
        facts = realize(reading.space, model) if facts is None else facts
        ours = reading.outcomes[model.eval(reading.outcome, model_completion=True).as_long()]
        result = self.run(reading.pack, reading.scope, facts)
        theirs = result.outcome
        if theirs != ours:
            raise Disagreement(
                f"{reading.pack.ref}: the engine decides this {reading.scope} case `{theirs}`, the z3 reading `{ours}`:\n"
                + yaml.safe_dump(facts, sort_keys=False, allow_unicode=True))
        return Witness(reading.scope, facts, ours, result.statuses, result.decision)


def _pins(space: Space, model: z3.ModelRef, name: str) -> list[z3.BoolRef]:
    """Constraints holding a fact (or `avg:<indicator>`) to its value in the model."""
    v = space.avg[name[4:]] if name.startswith("avg:") else space.vars[name]
    ev = lambda t: model.eval(t, model_completion=True)  # noqa: E731
    out = [v.known == ev(v.known)]
    if z3.is_true(ev(v.known)):
        out.append(v.value == ev(v.value))
    if getattr(v, "bounded", None) is not None:
        out += [v.bounded == ev(v.bounded), v.lo == ev(v.lo), v.hi == ev(v.hi), v.open == ev(v.open)]
    return out


def loose(space: Space, model: z3.ModelRef, goals: Iterable[z3.BoolRef], solver: z3.Solver,
          readings: Iterable[Reading] = ()) -> frozenset[str]:
    """The facts a witness can leave out: with the rest held as in the model, any value of them (unknown
    included) still meets `goals` and gives each reading its outcome in the model. Found one at a time, so
    together they are free too. Counts over a delivery's units are always stated (a test leaving one out
    would make it unknown without bounds)."""
    goals = [*goals, *(r.outcome == model.eval(r.outcome, model_completion=True) for r in readings)]
    names = [p for p in space.facts if p not in F.BOUNDED] + [f"avg:{k}" for k in space.avg]
    pins = {n: _pins(space, model, n) for n in names}
    fixed = [c for p in space.facts if p in F.BOUNDED for c in _pins(space, model, p)]
    fixed.append(space.grades_given == model.eval(space.grades_given, model_completion=True))
    miss = z3.Not(z3.And(list(goals)))
    free: set[str] = set()
    for n in names:
        held = [c for m in names if m != n and m not in free for c in pins[m]]
        solver.push()
        solver.add(miss, *fixed, *held)
        proven = solver.check() == z3.unsat
        solver.pop()
        if not proven:
            continue
        solver.push()  # and left out, it reads as a case can have it (not a value the others rule out)
        solver.add(*fixed, *held, *(absent(space, m) for m in (*sorted(free), n)))
        if solver.check() == z3.sat:
            free.add(n)
        solver.pop()
    return frozenset(free)


def absent(space: Space, name: str) -> z3.BoolRef:
    """What a fact left out of a test reads as: unknown; an optional group not there; no shared building."""
    if name.startswith("avg:"):
        return z3.Not(space.avg[name[4:]].known)
    v = space.vars[name]
    if name in F.PRESENCE or name == "unit.same_building_eligible":
        return z3.And(v.known, z3.Not(v.value))
    return z3.Not(v.known)


def solve(space: Space, goals: Iterable[z3.BoolRef], solver: z3.Solver | None = None) -> z3.ModelRef | None:
    """A model of `goals` on a possible case, within the plausible ranges if there is one there."""
    s = solver or base_solver(space)
    s.push()
    s.add(*goals)
    try:
        if s.check() != z3.sat:
            return None
        s.push()
        s.add(*space.plausible())
        try:
            if s.check() == z3.sat:
                return s.model()
        finally:
            s.pop()
        s.check()
        return s.model()
    finally:
        s.pop()


def base_solver(space: Space) -> z3.Solver:
    s = z3.Solver()
    s.add(*space.domain())
    return s
