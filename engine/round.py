"""The round: rank the huvudmän of one delivery as the pack declares, and cut at the round's capacity.

The pack's `outcomes.huvudman.ranking` names the outcome that is ranked (`proposed`), the capacity
parameter and the outcome beyond it (`waitlisted`), and the facts that break ties after the priority.
Officers' forced proposals come first (an officer's decision is final); then the rest by priority
(highest first), each `then_by` fact (highest first, unknown last), and the organisation number. Each
ranked record gets its `rank` and a `ranking` entry that says why it stands where it stands.
"""
from __future__ import annotations

from typing import Any

from policy.model import Pack, ParamRef, Ranking


def _forced(record: dict) -> bool:
    return any(o["action"] == "force" for o in record["overrides"])


def _tie(record: dict, path: str) -> tuple[Any, Any]:
    """(least, greatest) a tie-break fact can be: its value, its bounds, or anything when unknown."""
    given = record["input"]
    v = given["context"].get(path)
    if v is not None:
        return v, v
    lo, hi = (given.get("bounds") or {}).get(path, (None, None))
    return (lo, hi)


def _unknown_points(record: dict, pack: Pack) -> tuple[float, float]:
    """The least and the most the priority rules whose truth is unknown could add (each adds its points or nothing)."""
    low = high = 0
    for rid in record.get("priority_unknown", ()):
        p = pack.rule(rid).then.priority
        points = pack.parameter(p.name).value if isinstance(p, ParamRef) else p
        if points is None:
            return -INF, INF
        low, high = low + min(points, 0), high + max(points, 0)
    return low, high


INF = float("inf")


def _keys(record: dict, ranking: Ranking, pack: Pack) -> tuple[tuple, tuple, tuple]:
    """The record's sort key as the round ranks it (unknown tie-breaks last), and its best and worst keys."""
    forced = 0 if _forced(record) else 1
    low, high = _unknown_points(record, pack)
    nominal, best, worst = [forced, -record["priority"]], [forced, -(record["priority"] + high)], [forced, -(record["priority"] + low)]
    for ref in ranking.then_by:
        lo, hi = _tie(record, ref.path)
        v = record["input"]["context"].get(ref.path)
        nominal.append((1, 0) if v is None else (0, -v))  # unknown sorts last
        best.append((0, -INF if hi is None else -hi))
        worst.append((1, 0) if lo is None else (0, -lo))
    rid = record["id"]
    return (*nominal, rid), (*best, rid), (*worst, rid)


def rank_round(records: list[dict], pack: Pack) -> None:
    """Give the ranked huvudman records their rank, outcome and explanation, in place.

    A huvudman whose priority or tie-break facts are unknown could stand anywhere between its best and
    its worst place (the others' unknowns counted too). When those fall on both sides of the capacity,
    the round cannot place it: it goes to manual review, naming the missing facts. Otherwise its place stands.
    """
    policy = pack.outcome_policy("huvudman")
    if policy is None or policy.ranking is None:
        return
    ranking = policy.ranking
    capacity = pack.parameter(ranking.capacity.name).value
    candidates = [r for r in records if r.get("outcome") == ranking.ranked]
    keys = {id(r): _keys(r, ranking, pack) for r in candidates}
    ranked = sorted(candidates, key=lambda r: keys[id(r)][0])
    for position, record in enumerate(ranked, start=1):
        _, best_key, worst_key = keys[id(record)]
        best = 1 + sum(1 for o in ranked if o is not record and keys[id(o)][2] < best_key)
        worst = 1 + sum(1 for o in ranked if o is not record and keys[id(o)][1] < worst_key)
        if worst <= capacity:
            result = ranking.ranked
        elif best > capacity:
            result = ranking.beyond
        else:
            result = policy.on_unknown
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
            "result": result,
        }
        if best != worst:
            why["best"], why["worst"] = best, worst
        if record.get("priority_unknown"):
            why["priority_unknown"] = record["priority_unknown"]
        if result == policy.on_unknown:
            record["hinges_on"] = list(record.get("priority_unknown", ()))
            record["decided_by"] = []
            why["missing"] = record["missing"]
            # the huvudmän whose order against this one the known facts do not settle
            why["uncertain_against"] = sorted(
                o["id"] for o in ranked if o is not record
                and keys[id(o)][1] < worst_key and not keys[id(o)][2] < best_key)
        _place(record, position, why, result)


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
