"""A whole delivery: every unit, then every huvudman from its units' decisions, then the round.

Units are decided first. A unit sharing buildings with another (`same_building_as`, either way) is
given `unit.same_building_eligible`: whether that unit, of the same huvudman and from the underlag, is
eligible on its own criteria (decided without any complement). A huvudman's record follows from its
own facts and the `units.*` aggregates of its units; if one of its units could not be decided, neither
can the huvudman. Proposed huvudmän are then ranked and cut at the round's capacity. Records come out
units first (streamed, in delivery order), then huvudmän (in delivery order, once all are ranked).
"""
from __future__ import annotations

import json
from typing import Any, Callable, Iterable, Iterator, Sequence

import attrs

from .. import messages as M
from ..core.record import dumpb, error_record
from ..core.runner import ENGINE_VERSION, Engine
from ..inputs.case import Case, aggregates, eligible_underlag, huvudman_case, unit_summary
from ..inputs.delivery import Delivery
from ..inputs.overrides import Override
from ..inputs.spill import Spilled
from .round import Standing, place, rank


class _Context:
    """What the delivery's other units tell a unit: its huvudman's counts and the same-building complement
    (from `Delivery.links`, worked out when the delivery was read)."""

    def __init__(self, engine: Engine, delivery: Delivery, overrides: list[Override]) -> None:
        self.engine, self.delivery, self.overrides = engine, delivery, overrides
        self.links = delivery.links
        self._own: dict[int, str | None] = {}

    def case(self, unit: dict[str, Any], context: dict[str, Any], why: dict[str, str] | None = None) -> Case:
        """The unit's case with `context` (the complement) and its huvudman's counts.

        A unit outside the underlag is also told how many of its huvudman's underlag units are eligible on
        their own criteria: it can only be selected through a huvudman that can be.
        """
        sib = self.delivery.siblings(unit["huvudman_id"])
        values, unknown, bounds, members = dict(sib.values), dict(sib.unknown), dict(sib.bounds), dict(sib.members)
        if unit.get("in_underlag") is False:
            mine = []
            for i in self.links.units_of(unit["huvudman_id"]):
                o = self.delivery.units[i]
                if o.get("in_underlag") is not False:
                    mine.append({"id": o["id"], "outcome": self.own_outcome(i, o), "in_underlag": o.get("in_underlag")})
            own = eligible_underlag(mine)
            values.update(own.values)
            unknown.update(own.unknown)
            bounds.update(own.bounds)
            members.update(own.members)
        return self.delivery.unit_case(unit, self.delivery.owner(unit), {**values, **context},
                                       {**unknown, **(why or {})}, bounds, members)

    def own_outcome(self, position: int, unit: dict[str, Any]) -> str | None:
        """The outcome of the unit at `position` without any complement (None: it could not be decided)."""
        if position not in self._own:
            case = self.case(unit, {"unit.same_building_eligible": False})
            self._own[position] = self.engine.evaluate(case, self.overrides, needed=False).get("outcome")
        return self._own[position]

    def complement(self, unit: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """The unit's `unit.same_building_eligible`, and why it is unknown when it is."""
        unknown: list[str] = []
        for other in self.links.neighbours.get(unit["id"], ()):
            at = self.links.position.get(other)
            if at is None:
                unknown.append(M.text("neighbour_absent", id=other))
                continue
            n = self.delivery.units[at]
            if n["huvudman_id"] != unit["huvudman_id"] or n.get("in_underlag") is False:
                continue
            outcome = self.own_outcome(at, n)
            if outcome == "eligible" and n.get("in_underlag") is True:
                return {"unit.same_building_eligible": True}, {}
            if n.get("in_underlag") is None and outcome == "eligible":
                unknown.append(M.text("neighbour_underlag", id=other))
            elif outcome in ("manual_review", None):
                unknown.append(M.text("neighbour_outcome", id=other, outcome=outcome) if outcome
                               else M.text("neighbour_undecided", id=other))
        if unknown:
            return {"unit.same_building_eligible": None}, {"unit.same_building_eligible": "; ".join(unknown)}
        return {"unit.same_building_eligible": False}, {}


class Tasks:
    """The work of one delivery as tasks: `("unit", i)` and `("huvudman", i, unit summaries)`.

    This process runs them, or worker processes do (`engine.batch.workers`): a task is decided from the
    delivery alone (a unit's neighbours are decided where the unit is), so any process gives the same record.
    """

    def __init__(self, engine: Engine, delivery: Delivery, overrides: list[Override] = ()) -> None:
        self.engine, self.delivery, self.overrides = engine, delivery, list(overrides)
        self.context = _Context(engine, delivery, self.overrides)

    def run(self, task: tuple) -> dict:
        """The record of one task."""
        if task[0] == "unit":
            unit = self.delivery.units[task[1]]
            context, why = self.context.complement(unit)
            return self.engine.evaluate(self.context.case(unit, context, why), self.overrides)
        case = self._huvudman_case(task)
        failed = [u["id"] for u in task[2] if u["outcome"] is None]
        if failed:
            return self._error(case, "engine_unit_error", M.text("engine_unit_error", ids=", ".join(failed)))
        return self.engine.evaluate(case, self.overrides)

    def stopped(self, task: tuple, code: str, message: str) -> dict:
        """The engine-error record of a task whose evaluation was stopped (it hung or crashed its process)."""
        if task[0] == "unit":
            unit = self.delivery.units[task[1]]
            reason = {"unit.same_building_eligible": M.text("evaluation_stopped")}
            case = self.context.case(unit, {"unit.same_building_eligible": None}, reason)
        else:
            case = self._huvudman_case(task)
        return self._error(case, code, message)

    def _huvudman_case(self, task: tuple):
        h = self.delivery.huvudman[task[1]]
        facts = {"huvudman": h, "delivery": self.delivery.header, "national_averages": self.delivery.averages}
        return huvudman_case(facts, aggregates(task[2]), self.delivery.unknown.get(h["id"]))

    def _error(self, case, code: str, message: str) -> dict:
        compiled = self.engine.prepare(case.scope, case.averages)[0]
        return error_record(compiled, case, code, message, None, ENGINE_VERSION)


@attrs.frozen
class Encoded:
    """A record as a worker sends it: its JSON line, written once, and what the batch needs of it (a unit's
    summary for its huvudman's aggregates; a huvudman's standing for the round). Sending the line's bytes
    rather than the record's dict saves pickling it and writing it again, and bytes rather than text save
    decoding and encoding it; `record` reads the dict back when a view needs it."""

    line: bytes  #: the record's JSON line in UTF-8, without its newline
    kind: str
    id: str
    outcome: str | None
    summary: dict
    standing: Standing | None = None

    @property
    def record(self) -> dict:
        return json.loads(self.line)


def encode(record: dict, pack=None) -> Encoded:
    """A record with its JSON line and, for a unit, its summary; for a huvudman (given the pack), its standing."""
    if record["kind"] == "unit":
        return Encoded(dumpb(record), "unit", record["id"], record.get("outcome"), unit_summary(record))
    return Encoded(dumpb(record), record["kind"], record["id"], record.get("outcome"), {}, Standing.of(record, pack))


def record_of(answer: "dict | Encoded") -> dict:
    """The record of an answer, whichever form it came in."""
    return answer.record if isinstance(answer, Encoded) else answer


RunAll = Callable[[list[tuple]], Iterable["dict | Encoded"]]


class _UnitTasks(Sequence):
    """The unit tasks of a delivery, `("unit", i)`, made when asked for."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> tuple:
        if not 0 <= i < self.n:
            raise IndexError(i)
        return ("unit", i)


class _HuvudmanTasks(Sequence):
    """The huvudman tasks of a delivery, `("huvudman", i, its units' summaries)`, read from the spill when asked for."""

    def __init__(self, delivery: Delivery, summaries: Spilled) -> None:
        self.delivery, self.summaries = delivery, summaries

    def __len__(self) -> int:
        return len(self.delivery.huvudman)

    def __getitem__(self, i: int) -> tuple:
        h = self.delivery.huvudman[i]
        return ("huvudman", i, [self.summaries[j] for j in self.delivery.links.units_of(h["id"])])


def evaluate_delivery(engine: Engine, delivery: Delivery, overrides: list[Override] = (),
                      run_all: RunAll | None = None) -> Iterator["dict | Encoded"]:
    """Every decision record of a delivery: units as they are decided, then the ranked huvudmän.

    `run_all` runs a sequence of tasks and gives their records in task order (default: in this process); a
    pool may give records `Encoded` (`WorkerPool.for_delivery(encode=True)`). What the huvudmän need of
    their units (the summaries), and a huvudman's record until the round has placed it, wait in a spill
    (engine/inputs/spill.py), so memory does not grow with the size of the delivery; only the records the round
    places are read back and rewritten.
    """
    tasks = Tasks(engine, delivery, overrides)
    run_all = run_all or (lambda todo: map(tasks.run, todo))
    summaries = Spilled()
    try:
        for record in run_all(_UnitTasks(len(delivery.units))):
            summaries.append(record.summary if isinstance(record, Encoded) else unit_summary(record))
            yield record
        if "huvudman" not in engine.scopes:
            return
        held = Spilled(summaries.spill)
        standings: list[Standing] = []
        for answer in run_all(_HuvudmanTasks(delivery, summaries)):
            standings.append(answer.standing if isinstance(answer, Encoded) else Standing.of(answer, engine.pack))
            held.append(answer)
        # placements wait in the spill too: an unsure place names every huvudman it is unsure against
        placed = {rid: summaries.spill.put(p) for rid, p in rank(standings, engine.pack)}
        del standings
        for answer in held:
            rid = answer.id if isinstance(answer, Encoded) else answer["id"]
            if rid in placed:
                record = record_of(answer)
                place(record, summaries.spill.get(*placed[rid]))
                answer = encode(record, engine.pack) if isinstance(answer, Encoded) else record
            yield answer
    finally:
        summaries.spill.close()
