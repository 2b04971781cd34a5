"""The round: rank the huvudmän of one delivery as the pack declares, and cut at the round's capacity.

The pack's `outcomes.huvudman.ranking` names the outcome that is ranked (`proposed`), the capacity
parameter and the outcome beyond it (`waitlisted`), and the facts that break ties after the priority.
Officers' forced proposals come first (an officer's decision is final); then the rest by priority
(highest first), each `then_by` fact (highest first, unknown last), and the organisation number. Each
ranked record gets its `rank` and a `ranking` entry that says why it stands where it stands.

The round reads a `Standing` of each huvudman (what its decision says of its place, a few fields, made
where the record is made) and gives a `Placement` of each ranked one; `place` writes a placement into the
record at the edge. So the round never holds whole records: a national register's huvudmän are thousands.
"""
from __future__ import annotations

import json
from typing import Any, Iterable, Iterator, Mapping

import attrs

from policy.model import Pack, ParamRef, Ranking

from .. import messages as M

INF = float("inf")


@attrs.frozen
class Tie:
    """A tie-break fact of a huvudman: its value, or its bounds when only they are known, and why it is unknown."""

    value: Any
    bounds: tuple | None
    reason: str | None


@attrs.frozen
class Standing:
    """What the round reads of one huvudman's decision."""

    id: str
    outcome: str | None
    priority: Any
    priority_unknown: tuple[str, ...]
    forced: bool
    decided_by: tuple[str, ...]
    missing: tuple[dict, ...]
    ties: Mapping[str, Tie]

    @classmethod
    def of(cls, record: Mapping[str, Any], pack: Pack) -> "Standing":
        """The standing of a huvudman record (its tie-break facts those of the pack's ranking).

        A huvudman the round does not rank or count (neither proposed nor under review) stands by its id and
        outcome alone: a national register has thousands, and their missing data is not the round's."""
        policy = pack.outcome_policy("huvudman")
        if policy is None or policy.ranking is None or record.get("outcome") not in (policy.ranking.ranked, policy.on_unknown):
            return cls(record["id"], record.get("outcome"), record.get("priority"), (), False, (), (), {})
        given = record.get("input") or {}
        bounds = given.get("bounds") or {}
        ties = {}
        if policy is not None and policy.ranking is not None:
            for ref in policy.ranking.then_by:
                b = bounds.get(ref.path)
                ties[ref.path] = Tie(given.get("context", {}).get(ref.path), None if b is None else tuple(b),
                                     given.get("unknown", {}).get(ref.path))
        return cls(record["id"], record.get("outcome"), record.get("priority"), tuple(record.get("priority_unknown", ())),
                   any(o["action"] == "force" for o in record.get("overrides", ())), tuple(record.get("decided_by", ())),
                   tuple(record.get("missing", ())), ties)


@attrs.frozen
class Placement:
    """Where the round puts a ranked huvudman: its rank, outcome and the explanation (`ranking`).

    `undecided`: the round cannot settle its place, so `hinges_on`, `decided_by` and `missing` are replaced.
    """

    rank: int
    outcome: str
    ranking: dict
    undecided: bool = False
    hinges_on: tuple[str, ...] = ()
    missing: tuple[dict, ...] = ()


def _unknown_points(s: Standing, pack: Pack) -> tuple[float, float]:
    """The least and the most the priority rules whose truth is unknown could add (each adds its points or nothing)."""
    low = high = 0
    for rid in s.priority_unknown:
        p = pack.rule(rid).then.priority
        points = pack.parameter(p.name).value if isinstance(p, ParamRef) else p
        if points is None:
            return -INF, INF
        low, high = low + min(points, 0), high + max(points, 0)
    return low, high


def _keys(s: Standing, ranking: Ranking, pack: Pack) -> tuple[tuple, tuple]:
    """The best and worst sort keys: unknown priorities added or not, tie-breaks at their bounds.

    The round ranks on the worst key, what is known for sure (an unknown tie-break last), so a place that
    is sure is the rank, and an unsure one lies between the best place and the rank.
    """
    forced = 0 if s.forced else 1
    low, high = _unknown_points(s, pack)
    best, worst = [forced, -(s.priority + high)], [forced, -(s.priority + low)]
    for ref in ranking.then_by:
        t = s.ties[ref.path]
        lo, hi = (t.value, t.value) if t.value is not None else (t.bounds or (None, None))
        best.append((0, -INF if hi is None else -hi))
        worst.append((1, 0) if lo is None else (0, -lo))
    return (*best, s.id), (*worst, s.id)


def _then_by(t: Tie, path: str) -> dict:
    """A tie-break fact as the ranking shows it: its value, and its bounds when only they are known."""
    out: dict[str, Any] = {"fact": path, "value": t.value}
    if t.value is None and t.bounds is not None:
        out["bounds"] = list(t.bounds)
    return out


def rank(standings: Iterable[Standing], pack: Pack) -> Iterator[tuple[str, Placement]]:
    """Each ranked huvudman's id and placement, best place first.

    A huvudman whose priority or tie-break facts are unknown could stand anywhere between its best and
    its worst place (the others' unknowns counted too). When those fall on both sides of the capacity,
    the round cannot place it: it goes to manual review, naming the missing facts. Otherwise its place stands.
    """
    policy = pack.outcome_policy("huvudman")
    if policy is None or policy.ranking is None:
        return
    ranking = policy.ranking
    capacity = pack.parameter(ranking.capacity.name).value
    standings = list(standings)
    candidates = [s for s in standings if s.outcome == ranking.ranked]
    # huvudmän under manual review (missing data, a unit under review) may yet be proposed: they could
    # take a place ahead; an officer's decision on them is not foreseen, so they count where they could stand
    possible = [s for s in standings if s.outcome == policy.on_unknown and not s.forced]
    keys = {s.id: _keys(s, ranking, pack) for s in (*candidates, *possible)}
    ranked = sorted(candidates, key=lambda s: keys[s.id][1])
    # what the round has said so far: a huvudman placed before another is read with its new outcome (and
    # its own missing data, never what the round added to it from others, which would be named as its own)
    now = {s.id: (s.outcome, s.decided_by, s.missing) for s in standings}
    for position, s in enumerate(ranked, start=1):
        best_key, worst_key = keys[s.id]
        best = 1 + sum(1 for o in ranked if o is not s and keys[o.id][1] < best_key)
        worst = 1 + sum(1 for o in (*ranked, *possible) if o is not s and keys[o.id][0] < worst_key)
        if worst <= capacity or s.forced:  # an officer's forced proposal is final, past the capacity too
            result = ranking.ranked
        elif best > capacity:
            result = ranking.beyond
        else:
            result = policy.on_unknown
        why: dict[str, Any] = {
            "position": position,
            "of": len(ranked),
            "capacity": {"param": ranking.capacity.name, "value": capacity},
            "forced": s.forced,
            "priority": s.priority,
            "then_by": [_then_by(s.ties[ref.path], ref.path) for ref in ranking.then_by],
            "order": "forced proposals first, then priority (highest first), "
                     + "".join(f"{ref.path} (highest first, at what is known of it, unknown last), " for ref in ranking.then_by)
                     + "then id",
            "result": result,
        }
        if best != worst:
            why["best"], why["worst"] = best, worst
        if s.priority_unknown:
            why["priority_unknown"] = list(s.priority_unknown)
        if result == policy.on_unknown:
            # the huvudmän whose order against this one the known facts do not settle
            against = sorted((o for o in (*ranked, *possible) if o is not s
                              and keys[o.id][0] < worst_key and not (o in ranked and keys[o.id][1] < best_key)),
                             key=lambda o: o.id)
            missing = _missing_of_round(s, against, ranking, now)
            now[s.id] = (result, (), now[s.id][2])  # its own missing data: the others' is theirs to name
            why["missing"] = missing
            why["uncertain_against"] = [o.id for o in against]
            yield s.id, Placement(position, result, why, True, s.priority_unknown, tuple(missing))
        else:
            now[s.id] = (result, now[s.id][1], now[s.id][2])
            yield s.id, Placement(position, result, why)


def _missing_of_round(s: Standing, against: list[Standing], ranking: Ranking, now: dict) -> list[dict]:
    """What a place the round cannot settle hinges on: this huvudman's missing data, its tie-breaks known only
    by their bounds, and the missing data of the huvudmän it cannot be ordered against (each named by its id)."""
    missing = list(now[s.id][2])
    seen = {_key(m) for m in missing}
    for who in (s, *against):
        outcome, decided_by, their_missing = now[who.id]
        extra = [{"fact": ref.path, "reason": t.reason if t.reason is not None else M.text("unknown"), "bounds": list(t.bounds)}
                 for ref in ranking.then_by if (t := who.ties[ref.path]).bounds is not None]
        if who is not s:
            extra = [{**m, "huvudman": who.id} for m in [*their_missing, *extra]]
            if outcome != ranking.ranked and not their_missing:
                rules = ", ".join(decided_by)
                reason = M.text("huvudman_review", rules=rules) if rules else M.text("huvudman_review_missing")
                extra.append({"huvudman": who.id, "reason": reason})
        for m in extra:
            k = _key(m)
            if k not in seen:
                seen.add(k)
                missing.append(m)
    return missing


def _key(entry: dict) -> str:
    """An entry of missing data as a key (entries are small dicts of text, numbers and lists)."""
    return json.dumps(entry, sort_keys=True)


def place(record: dict, p: Placement) -> None:
    """Write a placement into its record: outcome, rank, and `ranking` after the priority (the key order kept)."""
    if p.undecided:
        record["hinges_on"] = list(p.hinges_on)
        record["decided_by"] = []
        record["missing"] = list(p.missing)
    items = list(record.items())
    record.clear()
    for k, v in items:
        if k == "outcome":
            v = p.outcome
        elif k == "rank":
            v = p.rank
        record[k] = v
        if k == "priority":
            record["ranking"] = p.ranking


def rank_round(records: list[dict], pack: Pack) -> None:
    """Rank whole huvudman records in place (the round of `rank`, each placement written with `place`)."""
    placements = dict(rank([Standing.of(r, pack) for r in records], pack))
    for r in records:
        if r["id"] in placements:
            place(r, placements[r["id"]])
