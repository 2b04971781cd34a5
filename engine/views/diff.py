"""What a change of pack does to a delivery: every decision whose outcome, rank or priority differs, the rules
and the comparisons behind it, a count by transition, and the parameters and rules that differ.

A rule "made the difference" when its status differs between the two evaluations; a rule that exists in
only one of the packs counts as not fired in the other. A decision that changes with no rule of its own
changing (a huvudman placed otherwise in the round because another one changed) names the round and the
rules that decide it now, so no change comes without a reason. Only what is needed of each decision is
kept, so a national delivery fits.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Iterable, Mapping

from policy.canonical import canonical
from policy.model import OPERATORS, Pack

from ..core.evaluate import Detail
from ..core.results import Decision

ROUND = "(the round)"  #: the reason of a change the round made, not a rule of the decision itself


def _slim(d: Decision) -> tuple:
    return d.outcome, d.rank, d.priority, d.statuses(), {r.rule: r.condition for r in d.trace}, d.decided_by


def _show(v: Any) -> str:
    return ("true" if v else "false") if isinstance(v, bool) else "unknown" if v is None else str(v)


def _operand(right: Mapping[str, Any] | None) -> str:
    if not right:
        return "?"
    if "values" in right:
        return "[" + ", ".join(map(str, right["values"])) + "]"
    name = right.get("param") or right.get("fact") or (f"national average {right['national_average']}" if "national_average" in right else "")
    value = _show(right.get("product", right.get("value")))
    if "times" in right:
        name += f" × {right['times'].get('param')}"
    return f"{name} {value}".strip() if name else value


def comparisons(detail: Detail | None) -> list[str]:
    """The comparisons of a rule's evaluated condition, with their values: `unit.pupils 38 < small_unit_pupils 40`."""
    out: list[str] = []

    def walk(d: Detail) -> None:
        if d.kind == "compare":
            shown = _show(d.value)
            result = {True: "true", False: "false", None: "unknown"}[d.result]
            out.append(f"{d.fact} {shown} {OPERATORS.get(d.op or '', d.op)} {_operand(d.right)}: {result}")
        elif d.kind in ("known", "unknown"):
            out.append(f"{d.kind} {d.fact}: {'true' if d.result else 'false'}")
        for item in d.items:
            walk(item)
    if detail is not None:
        walk(detail)
    return out


def decision_changes(before: Iterable["Decision | Mapping[str, Any]"], after: Iterable["Decision | Mapping[str, Any]"]) -> list[dict]:
    """`{kind, id, from, to, rules, rank, priority, conditions}` for every unit and huvudman whose outcome,
    rank or priority differs, in delivery order."""
    old = {(d.kind, d.id): _slim(d) for d in map(Decision.of, before)}
    changed = []
    for d in map(Decision.of, after):
        key = (d.kind, d.id)
        outcome, rank, priority, statuses, conditions, decided = _slim(d)
        was, was_rank, was_priority, was_statuses, _, _ = old[key]
        if (outcome, rank, priority) == (was, was_rank, was_priority):
            continue
        rules = sorted(r for r in set(statuses) | set(was_statuses)
                       if statuses.get(r, "not_fired") != was_statuses.get(r, "not_fired"))
        reasons = rules or [ROUND, *decided]
        changed.append({"kind": key[0], "id": key[1], "from": was, "to": outcome, "rules": reasons,
                        "rank": {"from": was_rank, "to": rank}, "priority": {"from": was_priority, "to": priority},
                        "conditions": {r: comparisons(conditions.get(r)) for r in rules if conditions.get(r) is not None}})
    return changed


def transitions(changed: list[dict]) -> dict[str, int]:
    """How many decisions go from each outcome to each other (`eligible → not_eligible: 12`); a change of
    rank or priority alone counts under its outcome (`proposed → proposed`)."""
    return dict(sorted(Counter(f"{c['from']} → {c['to']}" for c in changed).items()))


def parameter_differences(a: dict, b: dict) -> list[dict]:
    """`{name, from, to}` for each parameter whose unit or values differ between two canonical forms (a
    pack's, or one the decision log keeps); None for a pack that lacks it."""
    def pick(p: dict | None) -> dict | None:
        return None if p is None else {k: p[k] for k in ("unit", "value", "by_school_form") if k in p}
    out = []
    for name in sorted(set(a.get("parameters", {})) | set(b.get("parameters", {}))):
        x, y = pick(a["parameters"].get(name)), pick(b["parameters"].get(name))
        if x != y:
            out.append({"name": name, "from": x, "to": y})
    return out


def pack_changes(old: Pack, new: Pack) -> dict[str, list[dict]]:
    """The parameters and the rules that differ between two packs, side by side (as their canonical forms say)."""
    a, b = canonical(old), canonical(new)
    params = parameter_differences(a, b)
    ra, rb = ({r["id"]: r for r in doc["rules"]} for doc in (a, b))
    rules = []
    for rid in sorted(set(ra) | set(rb)):
        x, y = ra.get(rid), rb.get(rid)
        if x == y:
            continue
        what = "added" if x is None else "removed" if y is None else ", ".join(k for k in sorted(set(x) | set(y)) if x.get(k) != y.get(k))
        rules.append({"rule": rid, "change": what})
    return {"parameters": params, "rules": rules}
