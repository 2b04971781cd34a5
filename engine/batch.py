"""A whole delivery: every unit, then every huvudman from its units' decisions, then the round.

Units are decided first. A unit sharing buildings with another (`same_building_as`, either way) is
given `unit.same_building_eligible`: whether that unit, of the same huvudman and from the underlag, is
eligible on its own criteria (decided without any complement). A huvudman's record follows from its
own facts and the `units.*` aggregates of its units; if one of its units could not be decided, neither
can the huvudman. Proposed huvudmän are then ranked and cut at the round's capacity. Records come out
units first (streamed, in delivery order), then huvudmän (in delivery order, once all are ranked).
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterator

from .case import aggregates, huvudman_case
from .delivery import Delivery
from .overrides import Override
from .record import error_record
from .round import rank_round
from .runner import ENGINE_VERSION, Engine


def _neighbours(delivery: Delivery) -> dict[str, list[str]]:
    """For each unit, the ids of the units it shares buildings with (named by it, or naming it)."""
    out: dict[str, list[str]] = defaultdict(list)
    for u in delivery.units:
        other = u.get("same_building_as")
        if other:
            out[u["id"]].append(other)
            out[other].append(u["id"])
    return {k: sorted(set(v)) for k, v in out.items()}


class _Complement:
    """`unit.same_building_eligible` for a unit, from its neighbours' decisions on their own criteria."""

    def __init__(self, engine: Engine, delivery: Delivery, overrides: list[Override]) -> None:
        self.engine, self.delivery, self.overrides = engine, delivery, overrides
        self.units = {u["id"]: u for u in delivery.units}
        self.neighbours = _neighbours(delivery)
        self._own: dict[str, str | None] = {}

    def own_outcome(self, unit_id: str) -> str | None:
        """The unit's outcome without any complement (None: it could not be decided)."""
        if unit_id not in self._own:
            u = self.units[unit_id]
            case = self.delivery.unit_case(u, self.delivery.owner(u), {"unit.same_building_eligible": False})
            self._own[unit_id] = self.engine.evaluate(case, self.overrides).get("outcome")
        return self._own[unit_id]

    def context(self, unit: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """The unit's context fact, and why it is unknown when it is."""
        unknown: list[str] = []
        for other in self.neighbours.get(unit["id"], ()):
            n = self.units.get(other)
            if n is None:
                unknown.append(f"unit {other}, sharing its buildings, is not in the delivery")
                continue
            if n["huvudman_id"] != unit["huvudman_id"] or n.get("in_underlag") is False:
                continue
            outcome = self.own_outcome(other)
            if outcome == "eligible" and n.get("in_underlag") is True:
                return {"unit.same_building_eligible": True}, {}
            if n.get("in_underlag") is None and outcome == "eligible":
                unknown.append(f"whether unit {other}, sharing its buildings, is in the underlag")
            elif outcome in ("manual_review", None):
                unknown.append(f"unit {other}, sharing its buildings, is {outcome or 'not decided (engine error)'}")
        if unknown:
            return {"unit.same_building_eligible": None}, {"unit.same_building_eligible": "; ".join(unknown)}
        return {"unit.same_building_eligible": False}, {}


def evaluate_delivery(engine: Engine, delivery: Delivery, overrides: list[Override] = ()) -> Iterator[dict]:
    """Every decision record of a delivery: units as they are decided, then the ranked huvudmän."""
    overrides = list(overrides)
    complement = _Complement(engine, delivery, overrides)
    by_owner: dict[str, list[tuple[dict, Any]]] = defaultdict(list)
    for unit in delivery.units:
        context, why = complement.context(unit)
        case = delivery.unit_case(unit, delivery.owner(unit), context, why)
        record = engine.evaluate(case, overrides)
        slim = {"outcome": record.get("outcome"), "derived": record.get("derived"), "id": record["id"]}
        by_owner[unit["huvudman_id"]].append((slim, case))
        yield record
    if "huvudman" not in engine.scopes:
        return
    records = []
    for h in delivery.huvudman:
        mine = by_owner.get(h["id"], [])
        facts = {"huvudman": h, "delivery": delivery.header, "national_averages": delivery.averages}
        case = huvudman_case(facts, aggregates([r for r, _ in mine], [c for _, c in mine]), delivery.unknown.get(h["id"]))
        failed = [r["id"] for r, _ in mine if r["outcome"] is None]
        if failed:
            compiled = engine.prepare("huvudman", case.averages)[0]
            records.append(error_record(compiled, case, "engine_unit_error",
                                        f"unit {', '.join(failed)} of this huvudman could not be decided", None,
                                        ENGINE_VERSION))
        else:
            records.append(engine.evaluate(case, overrides))
    rank_round(records, engine.pack)
    yield from records

