"""Typed results (engine/core/results.py): a record read into a Decision, and its trace as events."""
from __future__ import annotations

import pytest

from engine import Engine, unit_case
from engine.core.record import detail_json
from engine.core.results import EVENT_KINDS, Decision, Event, detail_of
from policy import Diagnostics, load_pack

from .conftest import RULES, SHARED

UNIT = {"unit": {"id": "48151623", "huvudman_id": "212000-0999", "school_form": "grundskola", "grades": "7-9", "pupils": 310,
                 "in_underlag": True, "results": {"merit_value_y9": 198.5}},
        "huvudman": {"id": "212000-0999", "type": "kommun"},
        "delivery": {"id": "SI-TEST", "date": "2016-01-28"},
        "national_averages": {"merit_value_y9": 224.4}}


@pytest.fixture(scope=SHARED)
def record():
    return Engine(load_pack(RULES / "sbs-2016-2.1", Diagnostics())).evaluate(unit_case(UNIT))


class TestDecision:
    def test_a_record_reads_into_a_decision(self, record):
        """Outcome, deciding rules, pack and every rule's status come from the record, typed."""
        d = Decision.of(record)
        assert (record["outcome"], tuple(record["decided_by"]), record["pack"]["sha256"]) == (d.outcome, d.decided_by, d.pack["sha256"])
        assert {e["rule"]: e["status"] for e in record["trace"]} == d.statuses()
        assert Decision.of(d) is d

    def test_conditions_read_back_as_written(self, record):
        """Each rule's evaluated condition, read into the evaluator's tree, is written back identically."""
        for e in record["trace"]:
            if "condition" in e:
                assert e["condition"] == detail_json(detail_of(e["condition"]))


class TestEvents:
    def test_each_rule_is_considered_compared_and_ended(self, record):
        """A rule's events: considered, one `compared` per comparison, then its status; all kinds in the closed set."""
        d = Decision.of(record)
        events = list(d.events())
        assert {e.kind for e in events} <= set(EVENT_KINDS)
        low = [e for e in events if e.rule == "low-results-y9"]
        assert "considered" == low[0].kind and "fired" == low[-1].kind
        merit = next(e for e in low if e.fact == "unit.results.merit_value_y9")
        assert ("compared", 198.5, "lt", 224.4, True) == (merit.kind, merit.value, merit.op, merit.right["value"], merit.result)
        assert merit.at.startswith("all[")

    def test_an_unknown_comparison_says_what_is_missing(self, record):
        """A comparison on a missing result is unknown and names the missing fact."""
        unknown = [e for e in Decision.of(record).events() if e.kind == "compared" and e.result is None and e.fact]
        assert unknown and all(e.missing for e in unknown)
        assert any({"fact": "unit.results.share_eligible_vocational_y9", "reason": "missing"} in e.missing for e in unknown)

    def test_a_rule_not_reached_has_no_events(self, record):
        """An engine-error record's rules were not reached: no events."""
        broken = {**record, "outcome": None, "error": {"code": "engine_timeout", "message": "x"},
                  "trace": [{**e, "status": "not_reached"} for e in record["trace"]]}
        assert [] == list(Decision.of(broken).events())

    def test_the_kinds_are_closed(self):
        with pytest.raises(ValueError):
            Event("skipped", "small-unit")
