"""The round: rank the huvudmän of one delivery as the pack declares, and cut at the round's capacity.

The pack's `outcomes.huvudman.ranking` names the outcome that is ranked (`proposed`), the capacity
parameter and the outcome beyond it (`waitlisted`), and the facts that break ties after the priority.
Officers' forced proposals come first (an officer's decision is final); then the rest by priority
(highest first), each `then_by` fact (highest first, unknown last), and the organisation number. Each
ranked record gets its `rank` and a `ranking` entry that says why it stands where it stands.
"""
from __future__ import annotations

import json
from typing import Any

from policy.model import Pack, ParamRef, Ranking

from . import messages as M


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


def _keys(record: dict, ranking: Ranking, pack: Pack) -> tuple[tuple, tuple]:
    """The record's best and worst sort keys: unknown priorities added or not, tie-breaks at their bounds.

    The round ranks on the worst key, what is known for sure (an unknown tie-break last), so a place that
    is sure is the rank, and an unsure one lies between the best place and the rank.
    """
    forced = 0 if _forced(record) else 1
    low, high = _unknown_points(record, pack)
    best, worst = [forced, -(record["priority"] + high)], [forced, -(record["priority"] + low)]
    for ref in ranking.then_by:
        lo, hi = _tie(record, ref.path)
        best.append((0, -INF if hi is None else -hi))
        worst.append((1, 0) if lo is None else (0, -lo))
    rid = record["id"]
    return (*best, rid), (*worst, rid)


def _then_by(record: dict, path: str) -> dict:
    """A tie-break fact as the ranking shows it: its value, and its bounds when only they are known."""
    given = record["input"]
    out: dict[str, Any] = {"fact": path, "value": given["context"].get(path)}
    bounds = (given.get("bounds") or {}).get(path)
    if out["value"] is None and bounds is not None:
        out["bounds"] = list(bounds)
    return out


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
    # huvudmän under manual review (missing data, a unit under review) may yet be proposed: they could
    # take a place ahead; an officer's decision on them is not foreseen, so they count where they could stand
    possible = [r for r in records if r.get("outcome") == policy.on_unknown and not _forced(r)]
    keys = {id(r): _keys(r, ranking, pack) for r in (*candidates, *possible)}
    ranked = sorted(candidates, key=lambda r: keys[id(r)][1])
    for position, record in enumerate(ranked, start=1):
        best_key, worst_key = keys[id(record)]
        best = 1 + sum(1 for o in ranked if o is not record and keys[id(o)][1] < best_key)
        worst = 1 + sum(1 for o in (*ranked, *possible) if o is not record and keys[id(o)][0] < worst_key)
        if worst <= capacity or _forced(record):  # an officer's forced proposal is final, past the capacity too
            result = ranking.ranked
        elif best > capacity:
            result = ranking.beyond
        else:
            result = policy.on_unknown
        why: dict[str, Any] = {
            "position": position,
            "of": len(ranked),
            "capacity": {"param": ranking.capacity.name, "value": capacity},
            "forced": _forced(record),
            "priority": record["priority"],
            "then_by": [_then_by(record, ref.path) for ref in ranking.then_by],
            "order": "forced proposals first, then priority (highest first), "
                     + "".join(f"{ref.path} (highest first, at what is known of it, unknown last), " for ref in ranking.then_by)
                     + "then id",
            "result": result,
        }
        if best != worst:
            why["best"], why["worst"] = best, worst
        if record.get("priority_unknown"):
            why["priority_unknown"] = record["priority_unknown"]
        if result == policy.on_unknown:
            # the huvudmän whose order against this one the known facts do not settle
            against = sorted((o for o in (*ranked, *possible) if o is not record
                              and keys[id(o)][0] < worst_key and not (o in ranked and keys[id(o)][1] < best_key)),
                             key=lambda o: o["id"])
            record["hinges_on"] = list(record.get("priority_unknown", ()))
            record["decided_by"] = []
            _missing_of_round(record, against, ranking)
            why["missing"] = record["missing"]
            why["uncertain_against"] = [o["id"] for o in against]
        _place(record, position, why, result)


def _missing_of_round(record: dict, against: list[dict], ranking: Ranking) -> None:
    """What a place the round cannot settle hinges on: this huvudman's tie-breaks known only by their bounds,
    and the missing data of the huvudmän it cannot be ordered against (each named by its id)."""
    missing = record["missing"]
    seen = {_key(m) for m in missing}
    for who in (record, *against):
        extra = [{"fact": ref.path, "reason": who["input"].get("unknown", {}).get(ref.path, M.text("unknown")), "bounds": list(b)}
                 for ref in ranking.then_by if (b := (who["input"].get("bounds") or {}).get(ref.path)) is not None]
        if who is not record:
            extra = [{**m, "huvudman": who["id"]} for m in [*who.get("missing", []), *extra]]
            if who.get("outcome") != ranking.ranked and not who.get("missing"):
                rules = ", ".join(who.get("decided_by", []))
                reason = M.text("huvudman_review", rules=rules) if rules else M.text("huvudman_review_missing")
                extra.append({"huvudman": who["id"], "reason": reason})
        for m in extra:
            k = _key(m)
            if k not in seen:
                seen.add(k)
                missing.append(m)


def _key(entry: dict) -> str:
    """An entry of missing data as a key (entries are small dicts of text, numbers and lists)."""
    return json.dumps(entry, sort_keys=True)


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
