"""`sbs check`: what a pack's rules can and cannot do, proved on the z3 reading, each finding with a witness.

For every scope of a pack: a rule that can never fire (and the conditions that contradict each other),
a rule that cannot be false, a rule that fires but never decides (a rule of higher precedence, or an
exception, always applies with it), an exception that never changes its rule, a refusal reached by the
default outcome with no rule behind it, an outcome no case reaches, a derived fact whose value cannot
change a decision. A finding the pack records as intended on the rule (`intended:`) is listed, not failed.
"""
from __future__ import annotations

import json
from typing import Any, Iterable

import attrs
import z3

from policy import facts as F
from policy.canonical import condition
from policy.check import derived_reads
from policy.diagnostics import Location
from policy.model import (
    OPERATORS, All, Compare, Condition, Derived, Known, Literal, NationalAverage, Pack, ParamRef, Rule,
)

from ..batch.packtests import REFUSALS
from .encode import TV, Reading, Space, fresh_context
from .witness import Confirmer, Witness, base_solver, shown, solve

ERROR, WARNING = "error", "warning"


@attrs.frozen
class Finding:
    code: str
    severity: str
    pack: str
    scope: str
    rule: str | None
    location: Location
    message: str
    witness: Witness | None = None
    expect: dict | None = None  #: what the witness's test expects, when more than its outcome
    intended: str | None = None  #: why the pack keeps it so (`intended:` on the rule)

    @property
    def fails(self) -> bool:
        return self.severity == ERROR and self.intended is None

    def test_name(self) -> str:
        return f"{self.code}: {self.rule or self.scope}"

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "pack": self.pack, "scope": self.scope, "rule": self.rule,
                "location": str(self.location), "message": self.message,
                "witness": None if self.witness is None else self.witness.test(self.test_name(), self.expect),
                "intended": self.intended}


def _leaves(c: Condition) -> list[Condition]:
    """The parts of a condition that must all hold (nested `all` flattened)."""
    if isinstance(c, All):
        return [leaf for i in c.items for leaf in _leaves(i)]
    return [c]


class PackCheck:
    """The checks of one scope of one pack."""

    def __init__(self, pack: Pack, scope: str, confirmer: Confirmer, replaced_by: str | None = None) -> None:
        self.pack, self.scope, self.replaced_by = pack, scope, replaced_by
        self.space = Space(scope, [pack])
        self.reading = Reading(pack, scope, self.space)
        self.solver = base_solver(self.space)
        self.confirmer = confirmer
        self.policy = pack.outcome_policy(scope)
        self.findings: list[Finding] = []
        #: what each model was found for, by id (models are not hashable); the models are kept, so no id is reused
        self.goals: dict[int, tuple] = {}
        self.models: list[z3.ModelRef] = []
        self.witnesses: dict[int, Witness] = {}

    def sat(self, *goals: z3.BoolRef) -> z3.ModelRef | None:
        model = solve(self.space, goals, self.solver)
        if model is not None:
            self.models.append(model)
            self.goals[id(model)] = goals
        return model

    def confirm(self, model: z3.ModelRef) -> Witness:
        """The engine's decision of the model's case, stated with the facts that matter."""
        if id(model) not in self.witnesses:
            facts = shown(self.reading, model, self.goals[id(model)], self.solver)
            self.witnesses[id(model)] = self.confirmer.confirm(self.reading, model, facts)
        return self.witnesses[id(model)]

    def find(self, code: str, severity: str, rule: Rule | None, message: str, model: z3.ModelRef | None = None,
             expect: dict | None = None, location: Location | None = None, involved: Iterable[Rule] = ()) -> None:
        """Record a finding; it is intended when its rule, a rule involved, or (without a rule) the outcome
        policy records its code under `intended:`."""
        witness = None if model is None else self.confirm(model)
        if witness is not None and expect is not None:
            expect = {"outcome": witness.outcome, **expect}
        marks = [dict(r.intended) for r in ([rule] if rule is not None else []) + list(involved)]
        marks.append(dict(self.policy.intended) if rule is None else {})
        intended = next((m[code] for m in marks if code in m), None)
        if intended is None and self.replaced_by:
            intended = f"kept as it was for replay (replaced by {self.replaced_by})"
        loc = location or (rule.loc if rule is not None else self.policy.loc)
        self.findings.append(Finding(code, severity, self.pack.ref, self.scope, None if rule is None else rule.id, loc,
                                     message, witness, expect, intended))

    def run(self) -> list[Finding]:
        rules = self.reading.rules
        for rule in rules.values():
            self.rule(rule)
        for rule in rules.values():
            for target in rule.exception_to:
                if target in rules:
                    self.exception(rule, rules[target])
        self.default_refusal()
        self.outcomes()
        for name in sorted(self.reading.derivers):
            self.derived(name)
        return self.findings

    # --- one rule --------------------------------------------------------------------------------

    def rule(self, rule: Rule) -> None:
        value = self.reading.value(rule.id)
        fires = self.sat(value.t)
        if fires is None:
            self.find("check_never_fires", ERROR, rule, f"`{rule.id}` can never fire: {self.contradiction(rule)}")
            return
        if self.sat(value.f) is None:
            self.find("check_never_false", WARNING, rule, f"`{rule.id}` is never false: on known data it always fires, "
                      "so its condition decides nothing", fires, {"fired": [rule.id]})
        applies = self.reading.applies(rule.id)
        if rule.id in self.reading.exceptions and self.sat(applies.t) is None:
            by = ", ".join(f"`{e}`" for e in self.reading.exceptions[rule.id])
            self.find("check_masked", WARNING, rule, f"`{rule.id}` never applies: whenever it fires, its exception {by} "
                      "fires too", fires)
            return
        if rule.then.outcome and self.sat(self.reading.decides(rule.id)) is None:
            w = self.confirm(fires)
            by = [r for r, st in w.statuses.items() if st == "fired" and self.reading.rules[r].then.outcome == w.outcome]
            shown = (f"in the witness `{w.outcome}` is decided by {', '.join(f'`{r}`' for r in by)}" if by and w.outcome != rule.then.outcome
                     else f"in the witness the outcome is `{w.outcome}`")
            self.find("check_masked", WARNING, rule, f"`{rule.id}` never decides: whenever it fires, a rule of higher "
                      f"precedence applies too, or the outcome hinges on missing data ({shown})", fires, {"fired": [rule.id]})

    def contradiction(self, rule: Rule) -> str:
        """The parts of the rule's condition that cannot hold together (a smallest set z3 finds)."""
        leaves = _leaves(rule.when)
        s = z3.Solver()
        s.add(*self.space.domain())
        names = []
        for i, leaf in enumerate(leaves):
            name = z3.Bool(f"part{i}")
            s.add(z3.Implies(name, self.reading.condition(leaf).t))
            names.append(name)
        if s.check(*names) != z3.unsat:
            return "no case makes its condition true"
        core = sorted(int(str(n)[4:]) for n in s.unsat_core())
        parts = [f"{_describe(leaves[i])} ({leaves[i].loc.line}:{leaves[i].loc.column})" for i in core]
        return ("its condition " + parts[0] + " is never true") if len(parts) == 1 else \
            "no case meets all of " + "; ".join(parts)

    def exception(self, exc: Rule, rule: Rule) -> None:
        with_it, without = self.reading.applies(rule.id), self.reading.applies(rule.id, exc.id)
        differs = z3.Or(with_it.t != without.t, with_it.f != without.f)
        if self.sat(differs) is None:
            self.find("check_exception_never_applies", WARNING, exc,
                      f"`{exc.id}` is an exception to `{rule.id}` but never changes it: the two never hold together")

    # --- the scope's outcomes ----------------------------------------------------------------------

    def default_refusal(self, patterns: int = 5) -> None:
        """Cases refused by the default outcome with no rule behind them: one finding per set of rules that
        might apply (each unknown) and leave the refusal nameless, up to `patterns` of them."""
        default = self.policy.default
        if default not in REFUSALS:
            return
        refusing = [rid for rid, r in self.reading.rules.items() if r.then.outcome == default]
        blocked: list[z3.BoolRef] = []
        for _ in range(patterns):
            model = self.sat(self.reading.by_default(), *blocked)
            if model is None:
                return
            maybe = [r for r in refusing if z3.is_true(model.eval(self.reading.applies(r).unknown, model_completion=True))]
            for r in list(maybe):  # the fewest rules that leave the refusal nameless
                trial = [x for x in maybe if x != r]
                smaller = self.sat(self.reading.by_default(), *blocked,
                                   *(z3.Not(self.reading.applies(x).unknown) for x in refusing if x not in trial))
                if smaller is not None:
                    maybe, model = trial, smaller
            why = (f"; {', '.join(f'`{r}`' for r in maybe)} might apply, each unknown, and none surely does" if maybe else "")
            rules = [self.reading.rules[r] for r in maybe]
            self.find("check_default_refusal", ERROR, rules[0] if rules else None, f"{self.scope} cases are refused by "
                      f"the default outcome `{default}` with no rule behind it: the record names no reason and no source{why}",
                      model, location=self.policy.loc, involved=rules)
            if not maybe:
                return
            blocked.append(z3.Not(z3.And([self.reading.applies(r).unknown for r in maybe])))

    def outcomes(self) -> None:
        ranking = self.policy.ranking
        beyond = ranking.beyond if ranking is not None else None
        wanted = [*self.policy.precedence, self.policy.default, self.policy.on_unknown]
        for outcome in dict.fromkeys(wanted):
            if outcome == beyond:
                continue
            if self.sat(self.reading.is_outcome(outcome)) is None:
                self.find("check_unreachable_outcome", WARNING, None, f"no {self.scope} case can be `{outcome}`")

    def derived(self, name: str) -> None:
        """Whether a derived fact's value can change an outcome or a priority (or is read by another scope)."""
        readers = [r for r in self.pack.rules if r.scope != self.scope and name in derived_reads(r.when)]
        counted = name in F.AGGREGATED_DERIVED and any(r.scope == "huvudman" for r in self.pack.rules)
        if readers or counted:
            return
        a, b = (TV(z3.Bool(f"{name}:{i}:t"), z3.Bool(f"{name}:{i}:f")) for i in (1, 2))
        one, two = (Reading(self.pack, self.scope, self.space, {name: v}) for v in (a, b))
        differs = z3.Or(one.outcome != two.outcome, one.priority[0] != two.priority[0], one.priority[1] != two.priority[1])
        if self.sat(z3.Not(z3.And(a.t, a.f)), z3.Not(z3.And(b.t, b.f)), differs) is None:
            first = self.reading.rules[self.reading.derivers[name][0]]
            self.find("check_derived_irrelevant", WARNING, first, f"`{name}` cannot change any {self.scope} decision: "
                      "whatever its value, every outcome and priority stays the same", location=first.then.loc)


def _describe(c: Condition) -> str:
    """A condition as a reader writes it: `unit.pupils < small`, `unit.school_form ∈ [sameskola, specialskola]`."""
    if isinstance(c, Compare):
        if isinstance(c.right, tuple):
            right = "[" + ", ".join(str(lit.value) for lit in c.right) + "]"
        elif isinstance(c.right, Literal):
            right = str(c.right.value).lower() if isinstance(c.right.value, bool) else str(c.right.value)
        elif isinstance(c.right, ParamRef):
            right = c.right.name
        else:
            base = (f"the national average of {c.right.indicator}" if isinstance(c.right, NationalAverage) else c.right.path)
            right = base + (f" × {c.right.times}" if c.right.times else "")
        return f"{c.fact} {OPERATORS[c.op]} {right}"
    if isinstance(c, Known):
        return f"{c.fact} {'known' if c.want_known else 'unknown'}"
    if isinstance(c, Derived):
        return f"derived {c.name}"
    return json.dumps(condition(c), ensure_ascii=False)


def check_pack(pack: Pack, confirmer: Confirmer | None = None, replaced_by: str | None = None) -> list[Finding]:
    """Every finding of every scope of the pack; a replaced version's findings are kept as it was (never fail)."""
    confirmer = confirmer or Confirmer()
    out: list[Finding] = []
    for scope in F.SCOPES:
        if pack.outcome_policy(scope) is None or not any(r.scope == scope for r in pack.rules):
            continue
        out.extend(PackCheck(pack, scope, confirmer, replaced_by).run())
    return out


def check_packs(packs: Iterable[Pack], replaced: dict[str, str] | None = None) -> list[Finding]:
    fresh_context()
    confirmer = Confirmer()
    return [f for p in packs for f in check_pack(p, confirmer, (replaced or {}).get(p.ref))]
