"""From rule truth values to a decision: exceptions, officer overrides, the pack's precedence, and unknowns.

A rule's effect applies when the rule holds and none of its exceptions holds (Kleene: unknown if either
is unknown). The outcome is the highest in the pack's precedence among rules whose effect surely
applies, or the default. If a rule whose effect *might* apply (unknown) could have given an outcome
that ranks higher, or any other outcome when none surely applies, the decision hinges on missing data:
the outcome is the pack's `on_unknown`, and the record names those rules and the missing data.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import attrs

from policy.model import OutcomePolicy, ParamRef

from ..inputs.case import Case, parameter_value
from ..inputs.overrides import Override
from .compile import Compiled
from .evaluate import RuleResult
from .logic import derived_value, effective

FIRED, NOT_FIRED, UNKNOWN, OVERRIDDEN, NOT_REACHED = "fired", "not_fired", "unknown", "overridden", "not_reached"


class RuleStatus(NamedTuple):
    """A rule's place in the decision: its status, what set it aside, whether its effect applies."""

    status: str
    applies: bool | None
    overridden_by: dict | None = None


@attrs.frozen
class Decision:
    outcome: str
    decided_by: tuple[str, ...]
    hinges_on: tuple[str, ...]
    priority: float | int
    priority_unknown: tuple[str, ...]
    statuses: dict[str, RuleStatus]
    forced: Override | None = None
    derived: dict[str, bool | None] = attrs.field(factory=dict)


def _status(rule_id: str, value: bool | None, compiled: Compiled, values: dict, set_aside: dict[str, Override],
            forced: Override | None) -> RuleStatus:
    applies = effective(rule_id, values, compiled.exceptions, frozenset(set_aside))
    if forced is not None and forced.rule == rule_id:
        return RuleStatus(OVERRIDDEN, applies, {"override": forced.to_json()})
    if value is False:
        return RuleStatus(NOT_FIRED, applies)
    if rule_id in set_aside:
        return RuleStatus(OVERRIDDEN, applies, {"override": set_aside[rule_id].to_json()})
    by = [e for e in compiled.exceptions.get(rule_id, ()) if values.get(e) is True]
    if by:
        return RuleStatus(OVERRIDDEN, applies, {"rule": by[0]})
    return RuleStatus(FIRED if value else UNKNOWN, applies)


def decide(compiled: Compiled, case: Case, results: list[RuleResult], overrides: list[Override]) -> Decision:
    """Resolve one case's outcome; `overrides` are this case's (target = the case)."""
    policy: OutcomePolicy = compiled.pack.outcome_policy(compiled.scope)
    values = {r.rule_id: r.value for r in results}
    set_aside = {o.rule: o for o in overrides if o.action == "set_aside"}
    forced = next((o for o in overrides if o.action == "force"), None)
    statuses = {r.rule_id: _status(r.rule_id, r.value, compiled, values, set_aside, forced) for r in results}
    rules, rank = compiled.rules, compiled.rank

    sure = [rid for rid, s in statuses.items() if s.applies is True and rules[rid].then.outcome]
    maybe = [rid for rid, s in statuses.items() if s.applies is None and rules[rid].then.outcome]
    if sure:
        outcome = min((rules[r].then.outcome for r in sure), key=rank.__getitem__)
        decided_by = tuple(r for r in sure if rules[r].then.outcome == outcome)
        hinges = tuple(r for r in maybe if rank[rules[r].then.outcome] < rank[outcome])
    else:
        outcome, decided_by = policy.default, ()
        hinges = tuple(r for r in maybe if rules[r].then.outcome != policy.default)
    if hinges:
        outcome, decided_by = policy.on_unknown, ()

    priority: Any = 0
    priority_unknown = []
    for rid, s in statuses.items():
        p = rules[rid].then.priority
        if p is None:
            continue
        if s.applies is None:
            priority_unknown.append(rid)
        elif s.applies:
            priority += parameter_value(compiled.pack.parameter(p.name), case) if isinstance(p, ParamRef) else p
    if forced is not None:
        outcome, decided_by, hinges = forced.outcome, (), ()
    aside = frozenset(set_aside)
    derived = {name: derived_value(name, compiled.derivers, values, compiled.exceptions, aside)
               for name in sorted(compiled.derivers)}
    return Decision(outcome, decided_by, hinges, priority, tuple(priority_unknown), statuses, forced, derived)
