"""`sbs compare`: is there a case two pack versions decide differently? A witness per pair of outcomes.

Both versions are read over one space of facts, so z3 looks for a single case that the first decides one
way and the second another. Besides the outcome, a huvudman's priority (it orders the round) and, for
units, a derived fact that a huvudman's counts read (`units.low_results`, ...) are decisions too: a case
on which only they differ is a witness as well. Every witness is decided by the engine with both packs,
which must agree with the proof; the rules whose status differs on it are read from those decisions.
"""
from __future__ import annotations

from typing import Any, Iterable

import attrs
import z3

from policy import facts as F
from policy.model import Pack

from .encode import Reading, Space, fresh_context
from .witness import Confirmer, Disagreement, Witness, base_solver, loose, realize, solve


@attrs.frozen
class Difference:
    """One case the two versions decide differently."""

    scope: str
    before: str
    after: str
    facts: dict
    statuses: dict[str, tuple[str | None, str | None]]  #: rule -> (status with the first, with the second)
    priority: tuple[Any, Any] | None = None
    derived: dict[str, tuple[Any, Any]] | None = None
    decisions: tuple = attrs.field(default=(), eq=False, repr=False)  #: the engine's, with each pack

    @property
    def rules(self) -> list[str]:
        return sorted(self.statuses)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"scope": self.scope, "from": self.before, "to": self.after, "facts": self.facts,
                               "rules": self.rules, "statuses": {r: list(s) for r, s in sorted(self.statuses.items())}}
        if self.priority is not None:
            out["priority"] = list(self.priority)
        if self.derived:
            out["derived"] = {k: list(v) for k, v in sorted(self.derived.items())}
        return out


@attrs.frozen
class Comparison:
    before: Pack
    after: Pack
    scopes: tuple[str, ...]
    differences: tuple[Difference, ...]
    missing: tuple[str, ...] = ()  #: scopes one of the packs has no rules for

    @property
    def equivalent(self) -> bool:
        return not self.differences

    def to_json(self) -> dict[str, Any]:
        return {"from": self.before.ref, "to": self.after.ref, "scopes": list(self.scopes),
                "equivalent": self.equivalent, "witnesses": [d.to_json() for d in self.differences],
                "not_compared": list(self.missing)}


def _same_numbers(a: tuple, b: tuple) -> bool:
    try:
        return all(float(x) == float(y) for x, y in zip(a, b))
    except (TypeError, ValueError):
        return False


def _scopes(pack: Pack) -> set[str]:
    return {r.scope for r in pack.rules if pack.outcome_policy(r.scope) is not None}


def _value(model: z3.ModelRef, term: z3.ExprRef) -> Any:
    v = model.eval(term, model_completion=True)
    if z3.is_int_value(v):
        return v.as_long()
    if z3.is_rational_value(v):
        q = v.as_fraction()
        return int(q) if q.denominator == 1 else float(q)
    return z3.is_true(v)


class Comparer:
    def __init__(self, before: Pack, after: Pack, scope: str, confirmer: Confirmer) -> None:
        self.scope = scope
        self.space = Space(scope, [before, after])
        self.a, self.b = Reading(before, scope, self.space), Reading(after, scope, self.space)
        self.solver = base_solver(self.space)
        self.confirmer = confirmer

    def witness(self, model: z3.ModelRef, goals: list | None = None, **extra: Any) -> Difference:
        """The difference on the model's case: with `goals`, only the facts that matter to them are stated."""
        omit = loose(self.space, model, goals, self.solver, [self.a, self.b]) if goals is not None else frozenset()
        facts = realize(self.space, model, omit)
        wa: Witness = self.confirmer.confirm(self.a, model, facts)
        wb: Witness = self.confirmer.confirm(self.b, model, facts)
        statuses = {r: (wa.statuses.get(r), wb.statuses.get(r)) for r in {*wa.statuses, *wb.statuses}
                    if wa.statuses.get(r) != wb.statuses.get(r)}
        return Difference(self.scope, wa.outcome, wb.outcome, facts, statuses, **extra, decisions=(wa.decision, wb.decision))

    def run(self) -> list[Difference]:
        out = []
        outcomes = self.a.outcomes
        for before in outcomes:
            for after in outcomes:
                if before == after:
                    continue
                goals = [self.a.is_outcome(before), self.b.is_outcome(after)]
                model = solve(self.space, goals, self.solver)
                if model is not None:
                    out.append(self.witness(model, goals))
        same = self.a.outcome == self.b.outcome
        (pa, ua), (pb, ub) = self.a.priority, self.b.priority
        ranked = self.a.policy.ranking  # a priority orders the round: it matters where the outcome is ranked
        where = [same] if ranked is None else [self.a.is_outcome(ranked.ranked), self.b.is_outcome(ranked.ranked)]
        model = solve(self.space, [*where, z3.Or(z3.And(z3.Not(ua), z3.Not(ub), pa != pb), ua != ub)], self.solver)
        if model is not None:
            def shown(p: z3.ExprRef, u: z3.ExprRef) -> Any:
                return "unknown" if z3.is_true(model.eval(u, model_completion=True)) else _value(model, p)
            d = self.witness(model, priority=(shown(pa, ua), shown(pb, ub)))
            self.agree("priority", d.priority, d.decisions, lambda x: "unknown" if x.priority_unknown else x.priority)
            out.append(d)
        for name in self.counted():
            da, db = self.a.derived(name), self.b.derived(name)
            model = solve(self.space, [same, z3.Or(da.t != db.t, da.f != db.f)], self.solver)
            if model is not None:
                def truth(v: Any) -> str:
                    return ("true" if z3.is_true(model.eval(v.t, model_completion=True))
                            else "false" if z3.is_true(model.eval(v.f, model_completion=True)) else "unknown")
                d = self.witness(model, derived={name: (truth(da), truth(db))})
                self.agree(name, d.derived[name], d.decisions, lambda x: x.derived.get(name, "false"))  # not derived: not counted
                out.append(d)
        return out

    def agree(self, what: str, ours: tuple, decisions: tuple, read: Any) -> None:
        """The engine's decisions of a witness show the difference the proof found, or it is an engine error."""
        theirs = tuple(read(d) for d in decisions)
        if [str(x) for x in theirs] != [str(x) for x in ours] and not (what == "priority" and _same_numbers(theirs, ours)):
            raise Disagreement(f"{self.a.pack.ref} and {self.b.pack.ref}: the engine gives {what} {theirs[0]} and "
                               f"{theirs[1]} on a {self.scope} case, the z3 reading {ours[0]} and {ours[1]}")

    def counted(self) -> list[str]:
        """Derived facts of unit rules that a huvudman's counts read, where either pack has huvudman rules."""
        if self.scope != "unit":
            return []
        packs = (self.a.pack, self.b.pack)
        if not any(r.scope == "huvudman" for p in packs for r in p.rules):
            return []
        return [n for n in F.AGGREGATED_DERIVED if n in self.a.derivers or n in self.b.derivers]


def compare_packs(before: Pack, after: Pack, scopes: Iterable[str] | None = None) -> Comparison:
    """Every difference between two packs' decisions, per scope (default: the scopes both have rules for)."""
    fresh_context()
    both, either = _scopes(before) & _scopes(after), _scopes(before) | _scopes(after)
    wanted = [s for s in F.SCOPES if s in (set(scopes) if scopes else either)]
    confirmer = Confirmer()
    found: list[Difference] = []
    for scope in wanted:
        if scope in both:
            found.extend(Comparer(before, after, scope, confirmer).run())
    return Comparison(before, after, tuple(s for s in wanted if s in both), tuple(found),
                      tuple(s for s in wanted if s not in both))
