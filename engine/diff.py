"""What a change of pack does to a delivery: the decisions whose outcome differs, and the rules behind it.

A rule "made the difference" when its status differs between the two evaluations; a rule that exists in
only one of the packs counts as not fired in the other. Only what is needed of each record is kept, so a national delivery fits.
"""
from __future__ import annotations

from typing import Iterable


def _slim(record: dict) -> tuple[str | None, int | None, dict[str, str]]:
    return record.get("outcome"), record.get("rank"), {e["rule"]: e["status"] for e in record["trace"]}


def decision_changes(before: Iterable[dict], after: Iterable[dict]) -> list[dict]:
    """`{kind, id, from, to, rules}` for every unit and huvudman whose outcome differs, in delivery order."""
    old = {(r["kind"], r["id"]): _slim(r) for r in before}
    changed = []
    for record in after:
        key = (record["kind"], record["id"])
        outcome, rank, statuses = _slim(record)
        was, was_rank, was_statuses = old[key]
        if outcome == was:
            continue
        rules = sorted(r for r in set(statuses) | set(was_statuses)
                       if statuses.get(r, "not_fired") != was_statuses.get(r, "not_fired"))
        changed.append({"kind": key[0], "id": key[1], "from": was, "to": outcome, "rules": rules,
                        "rank": {"from": was_rank, "to": rank}})
    return changed
