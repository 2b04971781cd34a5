"""What a change of pack does to a delivery: the decisions whose outcome differs, and the rules behind it.

A rule "made the difference" when its status differs between the two evaluations; a rule that exists in
only one of the packs counts as not fired in the other. Only what is needed of each decision is kept, so a national delivery fits.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from ..core.results import Decision


def _slim(d: Decision) -> tuple[str | None, int | None, dict[str, str]]:
    return d.outcome, d.rank, d.statuses()


def decision_changes(before: Iterable["Decision | Mapping[str, Any]"], after: Iterable["Decision | Mapping[str, Any]"]) -> list[dict]:
    """`{kind, id, from, to, rules}` for every unit and huvudman whose outcome differs, in delivery order."""
    old = {(d.kind, d.id): _slim(d) for d in map(Decision.of, before)}
    changed = []
    for d in map(Decision.of, after):
        key = (d.kind, d.id)
        outcome, rank, statuses = _slim(d)
        was, was_rank, was_statuses = old[key]
        if outcome == was:
            continue
        rules = sorted(r for r in set(statuses) | set(was_statuses)
                       if statuses.get(r, "not_fired") != was_statuses.get(r, "not_fired"))
        changed.append({"kind": key[0], "id": key[1], "from": was, "to": outcome, "rules": rules,
                        "rank": {"from": was_rank, "to": rank}})
    return changed
