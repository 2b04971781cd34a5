"""The round: rank the huvudmän of one delivery as the pack declares, and cut at the round's capacity.

The pack's `outcomes.huvudman.ranking` names the outcome that is ranked (`proposed`), the capacity
parameter and the outcome beyond it (`waitlisted`), and the facts that break ties after the priority.
Officers' forced proposals come first (an officer's decision is final); then the rest by priority
(highest first), each `then_by` fact (highest first, unknown last), and the organisation number. Each
ranked record gets its `rank` and a `ranking` entry that says why it stands where it stands.
"""
from __future__ import annotations

from typing import Any

from policy.model import Pack, Ranking


def _forced(record: dict) -> bool:
    return any(o["action"] == "force" for o in record["overrides"])


def _key(record: dict, ranking: Ranking) -> tuple:
    forced = _forced(record)
    facts = record["input"]["context"]
    ties = []
    for ref in ranking.then_by:
        v = facts.get(ref.path)
        ties.append((1, 0) if v is None else (0, -v))  # unknown sorts last
    return (0 if forced else 1, -record["priority"], *ties, record["id"])


def rank_round(records: list[dict], pack: Pack) -> None:
    """Give the ranked huvudman records their rank, outcome and explanation, in place."""
    policy = pack.outcome_policy("huvudman")
    if policy is None or policy.ranking is None:
        return
    ranking = policy.ranking
    capacity = pack.parameter(ranking.capacity.name).value
    ranked = sorted((r for r in records if r.get("outcome") == ranking.ranked), key=lambda r: _key(r, ranking))
    for position, record in enumerate(ranked, start=1):
        within = position <= capacity
        facts = record["input"]["context"]
        why: dict[str, Any] = {
            "position": position,
            "of": len(ranked),
            "capacity": {"param": ranking.capacity.name, "value": capacity},
            "forced": _forced(record),
            "priority": record["priority"],
            "then_by": [{"fact": ref.path, "value": facts.get(ref.path)} for ref in ranking.then_by],
            "order": "forced proposals first, then priority (highest first), "
                     + "".join(f"{ref.path} (highest first, unknown last), " for ref in ranking.then_by)
                     + "then id",
            "result": ranking.ranked if within else ranking.beyond,
        }
        if record.get("priority_unknown"):
            why["priority_unknown"] = record["priority_unknown"]
        _place(record, position, why, ranking.ranked if within else ranking.beyond)


def _place(record: dict, position: int, why: dict, outcome: str) -> None:
    """Set outcome, rank and ranking, keeping the record's key order (rank, then ranking after priority)."""
    items = list(record.items())
    record.clear()
    for k, v in items:
        if k == "outcome":
            v = outcome
        elif k == "rank":
            v = position
        record[k] = v
        if k == "priority":
            record["ranking"] = why
