"""Counterfactuals (`sbs explain --why-not`) and what is still needed (a manual review on missing data).

Why not: the case's facts are held as the delivery gives them, but for those the fact catalogue calls
changeable (`facts.CHANGEABLE`): a unit's results, socioeconomic structure, size and quality work; a
huvudman's dialogue, programme, quality work, economy and how its units were decided. z3 looks for the
smallest change that gives another outcome (or the one asked for): fewest facts changed first, then the
smallest change of each, counted in steps of its own unit (`facts.STEP`: 0,1 merit points, 0,1 %
of a share, one pupil), within the plausible range of each. Up to three answers, each changing another
set of facts. Each answer is applied to the case and decided by the engine, which must agree.

What is still needed: for a case whose outcome hinges on missing data, each missing fact is given a value
alone (the others stay missing); the outcomes it can then reach, and the ranges of its value that give
each, are what an officer needs to know. The ranges are cut at the values the pack compares the fact with
for this case (its thresholds, the national averages), and each piece is decided by the engine.
"""
from __future__ import annotations

import contextlib

from typing import Any, Iterable, Iterator, Mapping

import attrs
import z3

from policy import facts as F
from policy.check import walk
from policy.model import Pack, Rule

from .. import messages as M
from ..batch.packtests import REFUSALS
from ..core.results import Decision, missing_name
from ..batch.replay import case_of
from ..core.runner import Engine
from ..inputs.case import _GRADES, Case
from .encode import Reading, Space, fresh_context, number, read_by, within
from .witness import Disagreement, base_solver, decode

#: A huvudman's outcome before the round: a waitlisted huvudman was proposed, and the round placed it.
BEFORE_ROUND = {"waitlisted": "proposed"}


@attrs.frozen
class Change:
    fact: str
    before: Any
    after: Any

    def to_json(self) -> dict:
        return {"fact": self.fact, "from": self.before, "to": self.after}


@attrs.frozen
class Answer:
    outcome: str
    changes: tuple[Change, ...]
    rules: tuple[str, ...]  #: rules whose status differs from the case as it is
    #: fact -> the sections of the first such rule reading it, each once (`GP2016 2.3.2 punkt 4`, …)
    sources: dict[str, tuple[str, ...]] = attrs.field(factory=dict)

    def to_json(self) -> dict:
        return {"outcome": self.outcome, "changes": [c.to_json() for c in self.changes], "rules": list(self.rules),
                "sources": {fact: list(cited) for fact, cited in self.sources.items()}}


@attrs.frozen
class WhyNot:
    id: str
    scope: str
    outcome: str
    to: str | None
    answers: tuple[Answer, ...]
    fixed: tuple[str, ...]
    #: changeable facts held too, because they also change other decisions of the delivery (a huvudman's
    #: facts its units' rules read): try them on the delivery, or ask `--why-not` of the units
    with_others: tuple[str, ...] = ()

    def to_json(self) -> dict:
        out = {"id": self.id, "outcome": self.outcome, "to": self.to, "answers": [a.to_json() for a in self.answers],
               "fixed": list(self.fixed)}
        if self.with_others:
            out["with_other_decisions"] = list(self.with_others)
        return out


def _grades_given(case: Case) -> bool:
    grades = case.values.get("unit.grades")
    m = _GRADES.match(grades) if isinstance(grades, str) else None
    if m is None:
        return False
    low = 0 if m.group(1).upper() == "F" else int(m.group(1))
    return low <= int(m.group(2))


def _reads(rule: Rule, fact: str) -> bool:
    return any(getattr(c, "fact", None) == fact or getattr(getattr(c, "right", None), "path", None) == fact
               for c in walk(rule.when))


class Setting:
    """One case over a pack's reading: the solver holds everything fixed but the facts in `free`."""

    def __init__(self, pack: Pack, record: dict, engine: Engine | None = None, space: tuple | None = None) -> None:
        self.pack, self.record = pack, record
        self.scope = record["kind"]
        self.case = case_of(record)
        self.space, self.reading, self.solver = space or reading_of(pack, self.scope)
        self.engine = engine or Engine(pack)
        self.outcome = BEFORE_ROUND.get(record["outcome"], record["outcome"])
        # the years taught follow the results given, unless the grades say them (and grades are not changed)
        self.taught = [] if _grades_given(self.case) else [p for p in self.space.facts if p.startswith("unit.teaches_y")]

    def held(self, free: Iterable[str]) -> list[z3.BoolRef]:
        """The case as it is, but for `free` (and the years taught, which follow the results given)."""
        out = self.space.fix(self.case, [*free, *self.taught])
        if self.taught:
            out.append(self.space.grades_given == _grades_given(self.case))
        return out

    def decide(self, changes: dict[str, Any]) -> dict:
        """The engine's record of the case with `changes` applied (fact path, or `national_averages.<k>` -> value)."""
        return self.engine.evaluate(self.changed(changes))

    def changed(self, changes: dict[str, Any]) -> Case:
        """The case with `changes` applied, rebuilt as a delivery would give it (years taught follow results)."""
        given = {k: (dict(v) if isinstance(v, dict) else v) for k, v in self.record["input"].items()}
        for path, value in changes.items():
            if path.startswith("national_averages."):
                given["national_averages"][path.split(".", 1)[1]] = value
                continue
            for part in ("unknown", "bounds", "members"):
                (given.get(part) or {}).pop(path, None)
            if F.FIELDS[path].context:
                given.setdefault("context", {})[path] = value
            else:
                given["facts"][path] = value
        return case_of({"kind": self.record["kind"], "input": given})

    def statuses(self, record: dict) -> dict[str, str]:
        return {e["rule"]: e["status"] for e in record.get("trace", ())}

    def z3_outcome(self, model: z3.ModelRef) -> str:
        return self.reading.outcomes[model.eval(self.reading.outcome, model_completion=True).as_long()]


#: A unit's facts that other units' counts are made of (`engine.inputs.case.SIBLING_COUNTS`, the eligible
#: underlag units of an added unit's huvudman).
SIBLING_FACTS = frozenset({"unit.in_underlag", "unit.injunction.fine", "unit.injunction.supervision_concluded"})


def through_others(pack: Pack, scope: str) -> frozenset[str]:
    """Facts whose value also changes other decisions of the delivery, which a case alone cannot show: a
    unit's place in the underlag and its injunction (its huvudman's other units count them), a huvudman's
    facts that its units' rules read (its counts follow from those units)."""
    if scope == "unit":
        return SIBLING_FACTS
    if scope == "huvudman":
        facts, _, _, _ = read_by(r for r in pack.rules if r.scope == "unit")
        return frozenset(f for f in facts if f.startswith("huvudman."))
    return frozenset()


def reading_of(pack: Pack, scope: str) -> tuple:
    space = Space(scope, [pack])
    return space, Reading(pack, scope, space), base_solver(space)


@contextlib.contextmanager
def _context(space: tuple | None) -> Iterator[None]:
    """A kept reading answers in its own z3 context; without one, the analysis starts a fresh context."""
    if space is None:
        fresh_context()
        yield
    else:
        with within(space[0]):
            yield


def readings_of(pack: Pack, scopes: Iterable[str]) -> dict[str, tuple]:
    """The pack read by z3 for each scope, in a new z3 context of their own, made in the scopes' order: the
    answers of many cases asked of them are then the same whatever the process did before (a reading made
    later in a context already used would number its terms otherwise, and z3's search follows the numbers)."""
    fresh_context()
    return {scope: reading_of(pack, scope) for scope in scopes}


# --- why not -----------------------------------------------------------------------------------------

def _step(path: str) -> float:
    return F.STEP.get(F.FIELDS[path].type.unit or "", 1)


def _others(outcome: str) -> list[str]:
    """What an answer must not give when no outcome is named: the case's own, and for a refusal any refusal
    (a refused unit asks what it would have needed to be selected, not how else to be refused)."""
    return list(REFUSALS) if outcome in REFUSALS else [outcome]


def why_not(pack: Pack, record: dict, to: str | None = None, answers: int = 3, engine: Engine | None = None,
            space: tuple | None = None) -> WhyNot:
    """The smallest changes of the case's changeable facts that give another outcome (or `to`); `space` is a
    reading of the pack to reuse (`readings_of`), for many cases of one delivery."""
    with _context(space):
        return _why_not(pack, record, to, answers, engine, space)


def _why_not(pack: Pack, record: dict, to: str | None, answers: int, engine: Engine | None, space: tuple | None) -> WhyNot:
    s = Setting(pack, record, engine, space)
    space, reading = s.space, s.reading
    others = through_others(pack, s.scope)
    changeable = [p for p in space.facts if p in F.CHANGEABLE and p not in others]
    fixed = tuple(p for p in space.facts if p not in F.CHANGEABLE and not p.startswith("unit.teaches_y")) + \
        tuple(f"national_averages.{k}" for k in space.avg)
    held_too = tuple(p for p in space.facts if p in F.CHANGEABLE and p in others)
    opt = z3.Optimize()
    opt.add(*space.domain(), *s.held(changeable))
    avoid = [o for o in _others(s.outcome) if o in reading.outcomes]
    target = reading.is_outcome(to) if to else z3.Not(z3.Or([reading.is_outcome(o) for o in avoid]))
    opt.add(target)
    changed, costs = {}, []
    for p in changeable:
        v = space.vars[p]
        ch = z3.Bool(f"changed:{p}")
        changed[p] = ch
        before = s.case.values.get(p)
        kind = F.FIELDS[p].type
        if kind.kind == F.BOOLEAN:
            moved = v.value != z3.BoolVal(bool(before)) if before is not None else z3.BoolVal(True)
            cost: z3.ArithRef = z3.RealVal(1)
        else:
            step = _step(p)
            k = z3.Int(f"steps:{p}")
            lo, hi = F.plausible(p, kind)
            grid = [v.value == k * number(step), v.value >= number(lo), v.value <= number(hi)]
            if kind.integer or v.bounded is not None:
                grid = [v.value == k, v.value >= int(lo), v.value <= int(hi)]
            moved = z3.And(*grid, *( [v.value != number(before)] if before is not None else []))
            cost = z3.RealVal(0)  # a value given where there was none: one fact changed, no distance
            if before is not None:
                diff = z3.If(v.value >= number(before), v.value - number(before), number(before) - v.value)
                cost = (z3.ToReal(diff) if diff.is_int() else diff) / z3.RealVal(step)
            if v.bounded is not None:
                moved = z3.And(moved, v.bounded, v.lo == v.value, v.hi == v.value, z3.Not(v.open))
        as_is = z3.And(*s.space.pin(s.case, p))
        opt.add(z3.If(ch, z3.And(v.known, moved), as_is))
        costs.append(z3.If(ch, cost, 0))
    if not changed:
        return WhyNot(s.case.id, s.scope, s.outcome, to, (), fixed, held_too)
    opt.minimize(z3.Sum([z3.If(c, 1, 0) for c in changed.values()]))
    opt.minimize(z3.Sum(costs))
    found: list[Answer] = []
    for _ in range(answers):
        if opt.check() != z3.sat:
            break
        model = opt.model()
        moved = [p for p, c in changed.items() if z3.is_true(model.eval(c, model_completion=True))]
        changes = {p: decode(space, p, model.eval(space.vars[p].value, model_completion=True)) for p in moved}
        found.append(_answer(s, model, changes))
        opt.add(z3.Or([z3.Not(changed[p]) for p in moved]))
    return WhyNot(s.case.id, s.scope, s.outcome, to, tuple(found), fixed, held_too)


def _answer(s: Setting, model: z3.ModelRef, changes: dict[str, Any]) -> Answer:
    ours = s.z3_outcome(model)
    new = s.decide(changes)
    theirs = new.get("outcome")
    if theirs != ours:
        raise Disagreement(f"{s.pack.ref}: with {changes} the engine decides {s.scope} {s.case.id} `{theirs}`, "
                           f"the z3 reading `{ours}`")
    before, after = s.statuses(s.record), s.statuses(new)
    rules = tuple(r for r in after if before.get(r) != after[r])
    sources = {}
    for p in changes:
        rule = next((s.reading.rules[r] for r in rules if _reads(s.reading.rules[r], p)), None)
        if rule is not None and rule.source:
            sources[p] = tuple(M.sections(rule.source))
    return Answer(ours, tuple(Change(p, s.case.values.get(p), v) for p, v in changes.items()), rules, sources)


# --- what is still needed ----------------------------------------------------------------------------

@attrs.frozen
class Piece:
    """A range of a missing fact's values (numbers), or one value (others), and the outcome it gives."""

    outcome: str
    value: Any = None
    low: Any = None
    low_included: bool = False
    high: Any = None
    high_included: bool = False
    ranged: bool = False

    def to_json(self) -> dict:
        if not self.ranged:
            return {"value": self.value, "outcome": self.outcome}
        return {"from": self.low, "from_included": self.low_included, "to": self.high, "to_included": self.high_included,
                "outcome": self.outcome}


def _thresholds(record: dict, name: str) -> list[float]:
    """The values the pack compares a missing fact (or national average) with, for this case, read from the
    comparisons of its trace (`Decision.events`)."""
    out = set()
    indicator = name.split(".", 1)[1] if name.startswith("national_averages.") else None
    for e in Decision.of(record).events():
        right = e.right
        if e.kind != "compared" or not isinstance(right, Mapping):
            continue
        ratio = (right.get("times") or {}).get("value", 1) if right.get("times") else 1
        if indicator is None and e.fact == name:
            v = right.get("product", right.get("value"))
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                out.add(v)
        elif (indicator is not None and right.get("national_average") == indicator) or (
                indicator is None and right.get("fact") == name):
            if isinstance(e.value, (int, float)) and not isinstance(e.value, bool) and ratio:
                out.add(e.value / ratio)
    return sorted(out)


class Needs:
    """What a case that hinges on missing data still needs: per missing fact, the outcomes its value gives."""

    def __init__(self, setting: Setting) -> None:
        self.s = setting

    def missing(self) -> list[str]:
        """The missing data any rule whose truth is unknown rests on (facts, national averages): the record's
        `missing` names only what its outcome hinges on, and a refusal's unknown rule may rest on more."""
        out: list[str] = []
        entries = [m for r in Decision.of(self.s.record).trace if r.status == "unknown" and r.condition is not None
                   for m in r.condition.missing_data()]
        for m in [*self.s.record.get("missing", ()), *entries]:
            name = missing_name(m) if "fact" in m or "national_average" in m else None
            known_here = name in self.s.space.vars or (name is not None and name.startswith("national_averages.")
                                                           and name.split(".", 1)[1] in self.s.space.avg)
            if name is not None and name not in out and known_here:
                out.append(name)
        return out

    def candidates(self, name: str) -> tuple[list[Any], list[float]]:
        """Values to try: each value of a yes/no or a word; for a number, each value the pack compares it with
        and one value in each range between them."""
        ftype = F.INDICATORS[name.partition(".")[2]] if name.startswith("national_averages.") else F.FIELDS[name].type
        if ftype.kind == F.BOOLEAN:
            return [True, False], []
        if ftype.kind == F.ENUM:
            return list(F.ENUMS[ftype.enum]), []
        if ftype.kind != F.NUMBER:
            return [], []
        ts = _thresholds(self.s.record, name)
        step = 1 if ftype.integer else F.STEP.get(ftype.unit or "", 1)
        lo, hi = (0, 1) if ftype.unit == "share" else (0 if ftype.integer else -F.MAX_QUANTITY, F.MAX_QUANTITY)
        bounds = self.s.case.bounds.get(name)
        if bounds is not None:
            lo, hi = bounds[0], bounds[1] if bounds[1] is not None else hi
        if not ts:
            return [min(max(lo, 0), hi)], []
        points = [ts[0] - step]
        for a, b in zip(ts, ts[1:]):
            points += [a, (a + b) / 2]
        points += [ts[-1], ts[-1] + step]
        if ftype.integer:
            points = [int(round(p)) for p in points]
        return [p for p in dict.fromkeys(points) if lo <= p <= hi], ts

    def decide(self, name: str, value: Any) -> str:
        return self.s.engine.outcome(self.s.changed({name: value}))

    def known(self, name: str) -> z3.BoolRef:
        if name.startswith("national_averages."):
            return self.s.space.avg[name.split(".", 1)[1]].known
        return self.s.space.vars[name].known

    def could_change(self, name: str, missing: list[str]) -> bool:
        """z3: can some value of the fact alone (the others still missing) give another outcome?
        (The case is held, but for the missing facts, on the solver already.)"""
        s = self.s
        s.solver.push()
        try:
            s.solver.add(self.known(name), *(c for m in missing if m != name for c in s.space.pin(s.case, m)),
                         z3.Not(s.reading.is_outcome(s.outcome)))
            return s.solver.check() == z3.sat
        finally:
            s.solver.pop()

    def run(self) -> dict:
        facts, cannot = [], []
        others = through_others(self.s.pack, self.s.scope)
        missing = self.missing()
        with_others = [m for m in missing if m in others]
        self.s.solver.push()
        try:
            self.s.solver.add(*self.s.held(missing))
            for name in missing:
                if name in others:
                    continue
                piece = self.fact(name, missing)
                if piece is None:
                    cannot.append(name)
                else:
                    facts.append(piece)
        finally:
            self.s.solver.pop()
        out: dict[str, Any] = {"facts": facts, "cannot_decide": cannot}
        if with_others:
            out["with_other_decisions"] = with_others
        return out

    def fact(self, name: str, missing: list[str]) -> dict | None:
        """The pieces of a missing fact's values and their outcomes (None: no value of it alone decides)."""
        if not self.could_change(name, missing):  # z3 proves no value of it alone decides: nothing to try
            return None
        values, ts = self.candidates(name)
        outcomes = [(v, self.decide(name, v)) for v in values]
        if all(o == self.s.outcome for _, o in outcomes):
            raise Disagreement(f"{self.s.pack.ref}: for {self.s.scope} {self.s.case.id} the z3 reading says a value of "
                               f"`{name}` can change the outcome, the engine finds none")
        return {"fact": name, "decides": [p.to_json() for p in _pieces(outcomes, ts)]}


def _pieces(outcomes: list[tuple[Any, str]], ts: list[float]) -> list[Piece]:
    """The outcome of each value tried, as ranges between the thresholds (merged where they agree)."""
    if not ts:
        return [Piece(o, value=v) for v, o in outcomes]
    pieces: list[Piece] = []
    for v, o in outcomes:
        if v in ts:
            low = high = v
            piece = Piece(o, low=v, low_included=True, high=v, high_included=True, ranged=True)
        else:
            low = max((t for t in ts if t < v), default=None)
            high = min((t for t in ts if t > v), default=None)
            piece = Piece(o, low=low, low_included=False, high=high, high_included=False, ranged=True)
        last = pieces[-1] if pieces else None
        if last is not None and last.outcome == o and last.high == piece.low:
            pieces[-1] = attrs.evolve(last, high=piece.high, high_included=piece.high_included)
        else:
            pieces.append(piece)
    return pieces


def still_needed(pack: Pack, record: dict, engine: Engine, space: tuple | None = None) -> dict:
    """What a record that hinges on missing data needs: the missing facts that could decide it, with the
    value ranges that give each outcome, and those that cannot decide it alone."""
    with _context(space):
        return Needs(Setting(pack, record, engine, space)).run()
