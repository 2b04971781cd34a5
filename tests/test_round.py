"""The round (engine/batch/round.py): ranks, the capacity, and places that unknown priorities leave open."""
from __future__ import annotations

import pytest

from engine import Engine, huvudman_case
from engine.inputs.case import Aggregated
from engine.batch.round import rank_round
from policy import Diagnostics, load_pack

from .conftest import RULES, SHARED

PROPOSED = {"units.count": 1, "units.in_underlag": 1, "units.eligible": 1, "units.eligible_in_underlag": 1,
            "units.manual_review": 0, "units.manual_review_in_underlag": 0, "units.deferred_in_underlag": 0,
            "units.low_results": 1, "units.results_not_low": 0, "units.results_well_below": 1,
            "units.results_well_above": 0, "units.fine_open": 0, "units.fine": 0}


@pytest.fixture(scope=SHARED)
def engine():
    return Engine(load_pack(RULES / "sbs-2016-2.1", Diagnostics()))


def _huvudman(engine: Engine, n: int, dialogue: bool | None, pupils: int) -> dict:
    facts = {"huvudman": {"id": f"212000-{n:04d}", "type": "kommun", "ongoing_sbs_dialogue": dialogue,
                          "in_newcomer_programme": False, "ska_deficiencies": False},
             "delivery": {"id": "SI-TEST", "date": "2016-01-28"}}
    return engine.evaluate(huvudman_case(facts, Aggregated({**PROPOSED, "units.pupils_eligible": pupils})))


class TestUnknownPriority:
    def test_a_place_on_both_sides_of_the_capacity_goes_to_manual_review(self, engine):
        """Nine sure huvudmän without a dialogue, one unknown, two with a dialogue: the unknown one could be 10th or 12th."""
        records = [_huvudman(engine, n, False, 500 - n) for n in range(1, 10)]
        records += [_huvudman(engine, 20, None, 100), _huvudman(engine, 21, True, 900), _huvudman(engine, 22, True, 800)]
        assert {"proposed"} == {r["outcome"] for r in records}
        rank_round(records, engine.pack)
        by_id = {r["id"]: r for r in records}
        unknown = by_id["212000-0020"]
        assert "manual_review" == unknown["outcome"]
        assert (10, 12) == (unknown["ranking"]["best"], unknown["ranking"]["worst"])
        assert ["no-ongoing-dialogue"] == unknown["hinges_on"]
        assert {"fact": "huvudman.ongoing_sbs_dialogue", "reason": "missing"} in unknown["missing"]
        # the two with a dialogue could be overtaken or not: their place straddles the capacity too
        assert "manual_review" == by_id["212000-0021"]["outcome"]
        assert ["212000-0020"] == by_id["212000-0021"]["ranking"]["uncertain_against"]
        assert "waitlisted" == by_id["212000-0022"]["outcome"]
        assert all("proposed" == by_id[f"212000-{n:04d}"]["outcome"] for n in range(1, 10))

    def test_a_place_that_stands_anyway_is_kept_and_lists_what_was_unknown(self, engine):
        """Five huvudmän, one with an unknown dialogue: whatever it is, all five fit in a round of ten."""
        records = [_huvudman(engine, n, False, 300) for n in range(1, 5)] + [_huvudman(engine, 9, None, 400)]
        rank_round(records, engine.pack)
        r = next(r for r in records if r["id"] == "212000-0009")
        assert ("proposed", 5) == (r["outcome"], r["rank"])
        assert (1, 5) == (r["ranking"]["best"], r["ranking"]["worst"])
        assert ["no-ongoing-dialogue"] == r["ranking"]["priority_unknown"]
        assert {"fact": "huvudman.ongoing_sbs_dialogue", "reason": "missing"} in r["missing"]

    def test_known_places_have_no_range(self, engine):
        """Without unknowns every place is sure: no best or worst in the ranking."""
        records = [_huvudman(engine, n, False, 300 + n) for n in range(1, 4)]
        rank_round(records, engine.pack)
        assert all("best" not in r["ranking"] for r in records)
        assert [3, 2, 1] == [r["rank"] for r in records]  # more pupils reached first


class TestUnknownCompetitors:
    def test_a_huvudman_that_may_yet_be_proposed_can_take_a_place(self, engine):
        """Ten sure huvudmän and one whose outcome hinges on missing data: the tenth place is not sure."""
        records = [_huvudman(engine, n, False, 500 - n) for n in range(1, 11)]
        facts = {"huvudman": {"id": "212099-0001", "type": "kommun", "ongoing_sbs_dialogue": False,
                              "in_newcomer_programme": False, "ska_deficiencies": False},
                 "delivery": {"id": "SI-TEST", "date": "2016-01-28"}}
        agg = Aggregated({**PROPOSED, "units.pupils_eligible": 900}, {}, {})
        agg = Aggregated({k: v for k, v in agg.values.items() if k != "units.fine_open"}, {"units.fine_open": (0, 1)},
                         unknown={"units.fine_open": "between 0 and 1: 1 unit unknown (30000001)"})
        unsure = engine.evaluate(huvudman_case(facts, agg))
        assert ("manual_review", ["units-vite-not-concluded"]) == (unsure["outcome"], unsure["hinges_on"])
        records.append(unsure)
        rank_round(records, engine.pack)
        tenth = next(r for r in records if r.get("rank") == 10)
        assert "manual_review" == tenth["outcome"]
        assert ["212099-0001"] == tenth["ranking"]["uncertain_against"]
        assert all("proposed" == r["outcome"] for r in records if r.get("rank") and r["rank"] < 10)


class TestExplainStraddle:
    def test_explain_says_why_the_round_could_not_place_it(self, engine):
        """The explanation names the best and worst place and the huvudmän it cannot be ordered against."""
        from engine.views.explain import explain_text

        records = [_huvudman(engine, n, False, 500 - n) for n in range(1, 10)]
        records += [_huvudman(engine, 20, None, 100), _huvudman(engine, 21, True, 900)]
        rank_round(records, engine.pack)
        text = explain_text(next(r for r in records if r["id"] == "212000-0021"))
        assert "utfall: manuell prövning — omgången kan inte placera huvudmannen: bästa möjliga plats 10, sämsta 11, kapacitet 10" in text
        assert "ordningen mot 212000-0020 avgörs inte av kända uppgifter" in text
        assert "standardutfallet" not in text


class TestForced:
    def test_forced_proposals_are_final_past_the_capacity(self, engine):
        """Twelve officers' forced proposals in a round of ten: all proposed, never waitlisted by organisation number."""
        from engine.inputs.overrides import Override

        records = []
        for n in range(1, 13):
            facts = {"huvudman": {"id": f"212000-{n:04d}", "type": "kommun", "ongoing_sbs_dialogue": False,
                                  "in_newcomer_programme": False, "ska_deficiencies": True},
                     "delivery": {"id": "SI-TEST", "date": "2016-01-28"}}
            force = Override(f"212000-{n:04d}", "huvudman-only-selection", "force", "proposed", "dialog om SKA", "A. Andersson", "2016-02-02")
            records.append(engine.evaluate(huvudman_case(facts, Aggregated({**PROPOSED, "units.eligible_in_underlag": 0, "units.pupils_eligible": 0})), [force]))
        rank_round(records, engine.pack)
        assert ["proposed"] * 12 == [r["outcome"] for r in records]


class TestMissingOfTheRound:
    def test_a_place_that_hinges_on_another_names_its_missing_data(self, engine):
        """A straddling place without unknowns of its own names the other huvudman's missing data."""
        records = [_huvudman(engine, n, False, 500 - n) for n in range(1, 10)]
        records += [_huvudman(engine, 20, None, 100), _huvudman(engine, 21, True, 900)]
        rank_round(records, engine.pack)
        r = next(r for r in records if r["id"] == "212000-0021")
        assert "manual_review" == r["outcome"]
        assert {"fact": "huvudman.ongoing_sbs_dialogue", "reason": "missing", "huvudman": "212000-0020"} in r["missing"]

    def test_each_missing_entry_is_named_by_the_huvudman_whose_data_it_is(self, engine):
        """Two unsure places and a huvudman under review: an entry the round lists under a huvudman is that one's own."""
        records = [_huvudman(engine, n, False, 500 - n) for n in range(1, 9)]
        records += [_huvudman(engine, 20, None, 100), _huvudman(engine, 22, None, 90)]
        facts = {"huvudman": {"id": "212099-0001", "type": "kommun", "ongoing_sbs_dialogue": False,
                              "in_newcomer_programme": False, "ska_deficiencies": False},
                 "delivery": {"id": "SI-TEST", "date": "2016-01-28"}}
        values = {k: v for k, v in {**PROPOSED, "units.pupils_eligible": 900}.items() if k != "units.fine_open"}
        records.append(engine.evaluate(huvudman_case(facts, Aggregated(
            values, {"units.fine_open": (0, 1)}, unknown={"units.fine_open": "between 0 and 1: 1 unit unknown (30000001)"}))))
        own = {r["id"]: list(r["missing"]) for r in records}
        rank_round(records, engine.pack)
        unsure = [r for r in records if r.get("rank") and r["outcome"] == "manual_review"]
        assert 2 <= len(unsure)
        for r in unsure:
            for m in r["missing"]:
                if "huvudman" in m and "fact" in m:
                    assert {k: v for k, v in m.items() if k != "huvudman"} in own[m["huvudman"]], (r["id"], m)
