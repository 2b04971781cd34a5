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
import tempfile
from collections import defaultdict
from typing import IO, Any, Callable, Iterable, Iterator

import attrs

from . import messages as M
from .case import Aggregated, Case, aggregates, delivery_summary, eligible_underlag, huvudman_case, sibling_context, unit_summary
from .delivery import Delivery
from .overrides import Override
from .record import dumps, error_record
from .round import Standing, place, rank
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


class _Context:
    """What the delivery's other units tell a unit: its huvudman's counts and the same-building complement."""

    def __init__(self, engine: Engine, delivery: Delivery, overrides: list[Override]) -> None:
        self.engine, self.delivery, self.overrides = engine, delivery, overrides
        self.units = {u["id"]: u for u in delivery.units}
        self.neighbours = _neighbours(delivery)
        self._own: dict[str, str | None] = {}
        self._of_owner: dict[str, list[dict]] = defaultdict(list)
        for u in delivery.units:
            self._of_owner[u["huvudman_id"]].append(u)
        self._siblings: dict[str, Aggregated] = {
            h: sibling_context([delivery_summary(u) for u in us]) for h, us in self._of_owner.items()}

    def case(self, unit: dict[str, Any], context: dict[str, Any], why: dict[str, str] | None = None) -> Case:
        """The unit's case with `context` (the complement) and its huvudman's counts.

        A unit outside the underlag is also told how many of its huvudman's underlag units are eligible on
        their own criteria: it can only be selected through a huvudman that can be.
        """
        sib = self._siblings[unit["huvudman_id"]]
        values, unknown, bounds, members = dict(sib.values), dict(sib.unknown), dict(sib.bounds), dict(sib.members)
        if unit.get("in_underlag") is False:
            own = eligible_underlag([{"id": o["id"], "outcome": self.own_outcome(o["id"]), "in_underlag": o.get("in_underlag")}
                                     for o in self._of_owner[unit["huvudman_id"]] if o.get("in_underlag") is not False])
            values.update(own.values)
            unknown.update(own.unknown)
            bounds.update(own.bounds)
            members.update(own.members)
        return self.delivery.unit_case(unit, self.delivery.owner(unit), {**values, **context},
                                       {**unknown, **(why or {})}, bounds, members)

    def own_outcome(self, unit_id: str) -> str | None:
        """The unit's outcome without any complement (None: it could not be decided)."""
        if unit_id not in self._own:
            case = self.case(self.units[unit_id], {"unit.same_building_eligible": False})
            self._own[unit_id] = self.engine.evaluate(case, self.overrides).get("outcome")
        return self._own[unit_id]

    def complement(self, unit: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """The unit's `unit.same_building_eligible`, and why it is unknown when it is."""
        unknown: list[str] = []
        for other in self.neighbours.get(unit["id"], ()):
            n = self.units.get(other)
            if n is None:
                unknown.append(M.text("neighbour_absent", id=other))
                continue
            if n["huvudman_id"] != unit["huvudman_id"] or n.get("in_underlag") is False:
                continue
            outcome = self.own_outcome(other)
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

    This process runs them, or worker processes do (`engine.workers`): a task is decided from the
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
    summary for its huvudman's aggregates; a huvudman's standing for the round). Sending text rather than
    the record's dict saves pickling it and writing it again; `record` reads the dict back when a view needs it."""

    text: str
    kind: str
    id: str
    outcome: str | None
    summary: dict
    standing: Standing | None = None

    @property
    def record(self) -> dict:
        return json.loads(self.text)


def encode(record: dict, pack=None) -> Encoded:
    """A record with its JSON line and, for a unit, its summary; for a huvudman (given the pack), its standing."""
    if record["kind"] == "unit":
        return Encoded(dumps(record), "unit", record["id"], record.get("outcome"), unit_summary(record))
    return Encoded(dumps(record), record["kind"], record["id"], record.get("outcome"), {}, Standing.of(record, pack))


def record_of(answer: "dict | Encoded") -> dict:
    """The record of an answer, whichever form it came in."""
    return answer.record if isinstance(answer, Encoded) else answer


class _Spill:
    """Encoded records kept in a temporary file until the round has placed them (only their standings stay
    in memory: a national register has thousands of huvudmän, each record tens of kilobytes)."""

    def __init__(self) -> None:
        self.file: IO[bytes] | None = None

    def put(self, answer: Encoded) -> tuple[Encoded, int, int]:
        if self.file is None:
            self.file = tempfile.TemporaryFile(prefix="sbs-round-")
        raw = answer.text.encode("utf-8")
        at = self.file.seek(0, 2)
        self.file.write(raw)
        return attrs.evolve(answer, text=""), at, len(raw)

    def get(self, held: tuple[Encoded, int, int]) -> Encoded:
        answer, at, size = held
        self.file.seek(at)
        return attrs.evolve(answer, text=self.file.read(size).decode("utf-8"))

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


RunAll = Callable[[list[tuple]], Iterable["dict | Encoded"]]


def evaluate_delivery(engine: Engine, delivery: Delivery, overrides: list[Override] = (),
                      run_all: RunAll | None = None) -> Iterator["dict | Encoded"]:
    """Every decision record of a delivery: units as they are decided, then the ranked huvudmän.

    `run_all` runs a list of tasks and gives their records in task order (default: in this process); a
    pool may give records `Encoded` (`WorkerPool.for_delivery(encode=True)`): a huvudman's then waits for
    the round in a temporary file, and only the records the round places are read back and rewritten.
    """
    tasks = Tasks(engine, delivery, overrides)
    run_all = run_all or (lambda todo: map(tasks.run, todo))
    by_owner: dict[str, list[dict]] = defaultdict(list)
    for unit, record in zip(delivery.units, run_all([("unit", i) for i in range(len(delivery.units))])):
        by_owner[unit["huvudman_id"]].append(record.summary if isinstance(record, Encoded) else unit_summary(record))
        yield record
    if "huvudman" not in engine.scopes:
        return
    spill = _Spill()
    try:
        held: list = []
        standings: list[Standing] = []
        for answer in run_all([("huvudman", i, by_owner.get(h["id"], [])) for i, h in enumerate(delivery.huvudman)]):
            if isinstance(answer, Encoded):
                standings.append(answer.standing)
                held.append(spill.put(answer))
            else:
                standings.append(Standing.of(answer, engine.pack))
                held.append(answer)
        placements = rank(standings, engine.pack)
        for h in held:
            if isinstance(h, dict):
                if h["id"] in placements:
                    place(h, placements[h["id"]])
                yield h
                continue
            answer = spill.get(h)
            if answer.id in placements:
                record = answer.record
                place(record, placements[answer.id])
                answer = encode(record, engine.pack)
            yield answer
    finally:
        spill.close()
