"""Mutants of a pack: one edit a reviewer could miss, made on the pack model (`sbs test --mutate`).

Each mutant is the pack with one change, described as the reviewer would see it in a diff
(`low-results-y9: lt → le on unit.results.merit_value_y9 against the national average`) and located at
the node it changes. The edits:

- a comparator flipped at its boundary or negated (`lt`↔`le`, `gt`↔`ge`, `eq`↔`ne`), `in`↔`not_in`,
  `known`↔`unknown`;
- a condition dropped from `all`/`any`, `all`↔`any`, a `not` removed, an item dropped from an `in` list;
- a rule's outcome changed to each other outcome of its scope, a literal priority moved by one or doubled;
- a parameter (each school form's value too) moved by one of its unit (one pupil, one point, one SEK, one
  year, one percentage point of a share, one day) either way, or doubled;
- two outcomes of a scope's precedence swapped;
- an exception declaration removed, a rule removed.

A mutant is valid when the pack's checks pass on it (its tests aside: they are the judges). Mutants come in
a fixed order with ids `m1`, `m2`, … so a run can be compared with the next.
"""
from __future__ import annotations

import datetime
from itertools import combinations
from typing import Any, Iterator

import attrs

from . import facts as F
from .check import Checker
from .diagnostics import Diagnostics, Location
from .model import (
    All, Any_, Compare, Condition, FactRef, Known, Literal, NationalAverage, Not, Pack, Parameter, ParamRef, Rule,
)

FLIP = {"lt": "le", "le": "lt", "gt": "ge", "ge": "gt", "eq": "ne", "ne": "eq", "in": "not_in", "not_in": "in"}
#: "one" of each unit: what a parameter is moved by
ONE: dict[str, float] = {"pupils": 1, "count": 1, "points": 1, "SEK": 1, "years": 1, "share": 0.01, "ratio": 0.01}

OPERATORS = ("comparator", "known", "drop_condition", "all_any", "not", "in_list", "outcome", "priority",
             "parameter", "precedence", "exception", "rule")


@attrs.frozen
class Mutant:
    """The pack with one edit."""

    id: str
    operator: str       #: one of OPERATORS
    description: str    #: the edit as a reviewer reads it
    loc: Location       #: the node it changes
    pack: Pack = attrs.field(eq=False, repr=False)
    rule: str | None = None
    parameter: str | None = None
    #: the scopes whose decisions the edit can change (a rule's; a parameter's readers'; a policy's)
    scopes: tuple[str, ...] = ()
    #: a parameter only the round's capacity reads: no test of one case can show the edit
    round_only: bool = False

    def to_json(self) -> dict[str, Any]:
        out = {"id": self.id, "operator": self.operator, "description": self.description,
               "file": self.loc.file, "line": self.loc.line, "column": self.loc.column}
        if self.rule:
            out["rule"] = self.rule
        if self.parameter:
            out["parameter"] = self.parameter
        return out


# --- conditions --------------------------------------------------------------------------------------

def _nodes(cond: Condition, path: tuple[int, ...] = ()) -> Iterator[tuple[tuple[int, ...], Condition]]:
    """Every node of a condition with its path (indices into `items`; 0 for a `not`'s item)."""
    yield path, cond
    if isinstance(cond, (All, Any_)):
        for i, item in enumerate(cond.items):
            yield from _nodes(item, (*path, i))
    elif isinstance(cond, Not):
        yield from _nodes(cond.item, (*path, 0))


def _replace(cond: Condition, path: tuple[int, ...], new: Condition) -> Condition:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(cond, (All, Any_)):
        items = list(cond.items)
        items[head] = _replace(items[head], rest, new)
        return attrs.evolve(cond, items=tuple(items))
    assert isinstance(cond, Not)
    return attrs.evolve(cond, item=_replace(cond.item, rest, new))


def _operand(right: Any) -> str:
    if isinstance(right, NationalAverage):
        return "the national average" + (f" × {right.times}" if right.times else "")
    if isinstance(right, ParamRef):
        return f"parameter {right.name}"
    if isinstance(right, FactRef):
        return right.path + (f" × {right.times}" if right.times else "")
    if isinstance(right, Literal):
        return _show(right.value)
    if isinstance(right, tuple):
        return "[" + ", ".join(_show(x.value) for x in right) + "]"
    return str(right)


def _show(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _said(cond: Condition) -> str:
    """A condition in a few words: `unit.teaches_y9 eq true`, `all of 3`."""
    if isinstance(cond, Compare):
        return f"{cond.fact} {cond.op} {_operand(cond.right)}"
    if isinstance(cond, Known):
        return f"{'known' if cond.want_known else 'unknown'} {cond.fact}"
    if isinstance(cond, (All, Any_)):
        first = _said(cond.items[0]) if cond.items else ""
        return f"{'all' if isinstance(cond, All) else 'any'} of {len(cond.items)} ({first}{', …' if len(cond.items) > 1 else ''})"
    if isinstance(cond, Not):
        return f"not ({_said(cond.item)})"
    return f"derived {cond.name}"


def _condition_edits(rule: Rule) -> Iterator[tuple[str, str, Location, Condition]]:
    """(operator, description, location, new condition) for each edit of a rule's condition."""
    root = rule.when
    for path, node in _nodes(root):
        def edit(new: Condition) -> Condition:
            return _replace(root, path, new)
        if isinstance(node, Compare) and node.op in FLIP:
            op = FLIP[node.op]
            yield ("comparator", f"{rule.id}: {node.op} → {op} on {node.fact} against {_operand(node.right)}",
                   node.loc, edit(attrs.evolve(node, op=op)))
            if node.op in ("in", "not_in") and isinstance(node.right, tuple) and len(node.right) > 1:
                for i, item in enumerate(node.right):
                    rest = node.right[:i] + node.right[i + 1:]
                    yield ("in_list", f"{rule.id}: `{_show(item.value)}` dropped from the {node.op} list of {node.fact}",
                           item.loc if item.loc.line else node.loc, edit(attrs.evolve(node, right=rest)))
        elif isinstance(node, Known):
            yield ("known", f"{rule.id}: {'known → unknown' if node.want_known else 'unknown → known'} on {node.fact}",
                   node.loc, edit(attrs.evolve(node, want_known=not node.want_known)))
        elif isinstance(node, (All, Any_)):
            kind, other = ("all", Any_) if isinstance(node, All) else ("any", All)
            if len(node.items) > 1:
                yield ("all_any", f"{rule.id}: {kind} → {'any' if kind == 'all' else 'all'} ({len(node.items)} conditions)",
                       node.loc, edit(other(node.items, node.loc)))
                for i, item in enumerate(node.items):
                    rest = node.items[:i] + node.items[i + 1:]
                    yield ("drop_condition", f"{rule.id}: `{_said(item)}` dropped from {kind}",
                           item.loc if item.loc.line else node.loc, edit(attrs.evolve(node, items=rest)))
        elif isinstance(node, Not):
            yield "not", f"{rule.id}: `not` removed from `{_said(node.item)}`", node.loc, edit(node.item)


# --- numbers -----------------------------------------------------------------------------------------

def _moved(value: Any, unit: str) -> list[tuple[str, Any]]:
    """(how, value) for a parameter's value moved by one either way and doubled."""
    if unit == "date":
        try:
            day = datetime.date.fromisoformat(str(value))
        except ValueError:
            return []
        return [("− 1 day", str(day - datetime.timedelta(days=1))), ("+ 1 day", str(day + datetime.timedelta(days=1)))]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return []
    one = ONE[unit]  # every unit of a quantity (policy.facts.QUANTITY_UNITS) has its step
    out = [(f"+ {_show(one)}", _round(value + one)), (f"− {_show(one)}", _round(value - one)), ("× 2", _round(value * 2))]
    seen, kept = {value}, []
    for how, v in out:
        if v not in seen and not (unit in ("share",) and not 0 <= v <= 1):
            seen.add(v)
            kept.append((how, v))
    return kept


def _round(v: float) -> Any:
    r = round(v, 10)
    return int(r) if isinstance(v, int) or (isinstance(r, float) and r.is_integer() and isinstance(v, int)) else r


# --- the pack ----------------------------------------------------------------------------------------

def _readers(pack: Pack) -> dict[str, set[str]]:
    """The scopes whose rules (or ranking) read each parameter."""
    out: dict[str, set[str]] = {}
    for r in pack.rules:
        for _, node in _nodes(r.when):
            if isinstance(node, Compare):
                rights = node.right if isinstance(node.right, tuple) else (node.right,)
                for right in rights:
                    if isinstance(right, ParamRef):
                        out.setdefault(right.name, set()).add(r.scope)
                    if isinstance(right, (NationalAverage, FactRef)) and right.times:
                        out.setdefault(right.times, set()).add(r.scope)
        if isinstance(r.then.priority, ParamRef):
            out.setdefault(r.then.priority.name, set()).add(r.scope)
    return out


def _edits(pack: Pack, readers: dict[str, set[str]], capacity: set[str]
           ) -> Iterator[tuple[str, str, Location, Pack, str | None, str | None, tuple[str, ...]]]:
    rules = list(pack.rules)
    for i, rule in enumerate(rules):
        def with_rule(new: Rule) -> Pack:
            return attrs.evolve(pack, rules=tuple(rules[:i] + [new] + rules[i + 1:]))
        for op, what, loc, cond in _condition_edits(rule):
            yield op, what, loc, with_rule(attrs.evolve(rule, when=cond)), rule.id, None, (rule.scope,)
        policy = pack.outcome_policy(rule.scope)
        if rule.then.outcome is not None and policy is not None:
            for other in F.OUTCOMES[rule.scope]:
                if other != rule.then.outcome and other in policy.precedence:
                    yield ("outcome", f"{rule.id}: outcome {rule.then.outcome} → {other}", rule.then.loc or rule.loc,
                           with_rule(attrs.evolve(rule, then=attrs.evolve(rule.then, outcome=other))), rule.id, None, (rule.scope,))
        p = rule.then.priority
        if isinstance(p, (int, float)) and not isinstance(p, bool):
            for how, v in _moved(p, "points"):
                yield ("priority", f"{rule.id}: priority {_show(p)} → {_show(v)} ({how})", rule.then.loc or rule.loc,
                       with_rule(attrs.evolve(rule, then=attrs.evolve(rule.then, priority=v))), rule.id, None, (rule.scope,))
        for other in rule.exception_to:
            rest = tuple(x for x in rule.exception_to if x != other)
            yield ("exception", f"{rule.id}: no longer an exception to {other}", rule.loc,
                   with_rule(attrs.evolve(rule, exception_to=rest)), rule.id, None, (rule.scope,))
        yield ("rule", f"{rule.id}: rule removed", rule.loc, attrs.evolve(pack, rules=tuple(rules[:i] + rules[i + 1:])),
               rule.id, None, (rule.scope,))
    ranked = {o.ranking.capacity.name: o.scope for o in pack.outcomes if o.ranking}
    params = list(pack.parameters)
    for i, param in enumerate(params):
        scopes = tuple(sorted(readers.get(param.name, set()) | ({ranked[param.name]} if param.name in capacity else set())))

        def with_param(new: Parameter) -> Pack:
            return attrs.evolve(pack, parameters=tuple(params[:i] + [new] + params[i + 1:]))
        if param.value is not None:
            for how, v in _moved(param.value, param.unit):
                yield ("parameter", f"parameter {param.name}: {_show(param.value)} → {_show(v)} ({how})", param.loc,
                       with_param(attrs.evolve(param, value=v)), None, param.name, scopes)
        forms = list(param.by_school_form)
        for j, (form, value) in enumerate(forms):
            for how, v in _moved(value, param.unit):
                changed = tuple(forms[:j] + [(form, v)] + forms[j + 1:])
                yield ("parameter", f"parameter {param.name} for {form}: {_show(value)} → {_show(v)} ({how})", param.loc,
                       with_param(attrs.evolve(param, by_school_form=changed)), None, param.name, scopes)
    policies = list(pack.outcomes)
    for i, policy in enumerate(policies):
        for a, b in combinations(range(len(policy.precedence)), 2):
            order = list(policy.precedence)
            order[a], order[b] = order[b], order[a]
            yield ("precedence", f"outcomes.{policy.scope}: {policy.precedence[a]} ↔ {policy.precedence[b]} in the precedence",
                   policy.loc, attrs.evolve(pack, outcomes=tuple(policies[:i] + [attrs.evolve(policy, precedence=tuple(order))]
                                                                  + policies[i + 1:])), None, None, (policy.scope,))


def valid(pack: Pack) -> bool:
    """Whether a mutant passes the pack's checks (its tests aside)."""
    diags = Diagnostics()
    Checker(pack.meta, list(pack.parameters), list(pack.rules), list(pack.outcomes), [], diags, complete=False).run()
    return not diags.has_errors()


def mutants(pack: Pack) -> Iterator[tuple[Mutant, bool]]:
    """Every mutant of the pack, in a fixed order, each with whether it is valid."""
    read = _readers(pack)
    capacity = {o.ranking.capacity.name for o in pack.outcomes if o.ranking}
    for n, (op, what, loc, mutated, rule, param, scopes) in enumerate(_edits(pack, read, capacity), start=1):
        m = Mutant(f"m{n}", op, what, loc, mutated, rule, param, scopes, param in capacity and param not in read)
        yield m, valid(mutated)


__all__ = ["FLIP", "Mutant", "OPERATORS", "mutants", "valid"]
