"""Cases: facts normalised and type-checked before any evaluator sees them."""
from __future__ import annotations

import pytest

from engine.inputs.case import FactError, aggregates, huvudman_case, unit_case, unit_summary


class TestUnitCase:
    def test_flattens_known_values(self):
        """Nested delivery fields become fact paths; nulls are left out (unknown)."""
        case = unit_case({
            "unit": {"id": "48151623", "pupils": 310, "results": {"merit_value_y9": 191.0, "grade_value_y6_maths": None}},
            "huvudman": {"id": "212000-0999", "type": "kommun"},
        })
        assert 191.0 == case.value("unit.results.merit_value_y9")
        assert "unit.results.grade_value_y6_maths" not in case.values
        assert ("48151623", "212000-0999") == (case.id, case.huvudman_id)

    def test_presence_of_event_groups(self):
        """An absent injunction is known to be absent; a present one with null fields has unknown fields."""
        none = unit_case({"unit": {}, "huvudman": {"injunction": None}})
        some = unit_case({"unit": {"injunction": {"fine": None}}, "huvudman": {}})
        assert (False, False) == (none.value("unit.injunction.present"), none.value("huvudman.injunction.present"))
        assert True is some.value("unit.injunction.present")
        assert "unit.injunction.fine" not in some.values

    @pytest.mark.parametrize("facts, path", [
        ({"unit": {"pupils": "310"}}, "unit.pupils"),
        ({"unit": {"pupils": -1}}, "unit.pupils"),
        ({"unit": {"pupils": 3.5}}, "unit.pupils"),
        ({"unit": {"in_underlag": "ja"}}, "unit.in_underlag"),
        ({"unit": {"school_form": "gymnasiet"}}, "unit.school_form"),
        ({"unit": {"results": {"share_degree_within_3y": 69}}}, "unit.results.share_degree_within_3y"),
        ({"unit": {"injunction": {"decided": "12/10/2015"}}}, "unit.injunction.decided"),
        ({"unit": {"elever": 3}}, "unit.elever"),
        ({"unit": {"injunction": {"present": True}}}, "unit.injunction.present"),
        ({"unit": {}, "national_averages": {"merit_value_y9": "224,4"}}, "national_averages.merit_value_y9"),
    ])
    def test_wrong_types_refused(self, facts, path):
        """A value of the wrong type never reaches an evaluator: the error names the path."""
        with pytest.raises(FactError) as e:
            unit_case(facts)
        assert path == e.value.path

    def test_input_hash_ignores_order(self):
        """The input hash is over the canonical facts: key order does not matter, values do."""
        a = unit_case({"unit": {"pupils": 3, "school_form": "grundskola"}, "huvudman": {"type": "kommun"}})
        b = unit_case({"huvudman": {"type": "kommun"}, "unit": {"school_form": "grundskola", "pupils": 3}})
        c = unit_case({"unit": {"pupils": 4, "school_form": "grundskola"}, "huvudman": {"type": "kommun"}})
        assert a.input_sha256 == b.input_sha256 != c.input_sha256

    def test_unknown_reason_kept(self):
        """Why a value is unknown is kept, for the trace."""
        case = unit_case({"unit": {}}, unknown={"unit.results.merit_value_y9": "suppressed: fewer than 10 pupils"})
        assert "suppressed: fewer than 10 pupils" == case.reason("unit.results.merit_value_y9")
        assert "missing" == case.reason("unit.pupils")


def _summary(record: dict, case) -> dict:
    """A unit's summary as the batch makes it from a record of this case."""
    return unit_summary({"id": case.id, **record, "input": case.input})


class TestHuvudmanCase:
    def test_aggregates(self):
        """The units.* facts count the huvudman's units and their outcomes."""
        units = [unit_case({"unit": {"school_form": "grundskola", "in_underlag": True, "pupils": 300}}), unit_case({"unit": {"school_form": "grundskola", "in_underlag": False, "pupils": 40}}),
                 unit_case({"unit": {"school_form": "grundskola", "in_underlag": True, "pupils": 120}})]
        records = [{"outcome": "eligible", "derived": {"low_results": "true"}},
                   {"outcome": "eligible", "derived": {"low_results": "true"}},
                   {"outcome": "not_eligible", "derived": {"low_results": "false"}}]
        agg = aggregates([_summary(r, u) for r, u in zip(records, units)])
        assert {"units.count": 3, "units.in_underlag": 2, "units.eligible": 2, "units.eligible_in_underlag": 1,
                "units.manual_review": 0, "units.manual_review_in_underlag": 0, "units.deferred_in_underlag": 0,
                "units.low_results": 2, "units.results_not_low": 1, "units.pupils_eligible": 340,
                "units.results_well_below": 0, "units.results_well_above": 0, "units.fine_open": 0, "units.fine": 0} == agg.values
        assert {} == agg.bounds
        case = huvudman_case({"huvudman": {"id": "212000-0999"}}, agg)
        assert 340 == case.value("units.pupils_eligible")

    def test_review_deferred_and_unknown_criterion(self):
        """Units under review or deferred count only from the underlag; an unknown criterion 1 makes the counts unknown, bounded."""
        units = [unit_case({"unit": {"school_form": "grundskola", "in_underlag": True}}),
                 unit_case({"unit": {"school_form": "grundskola", "in_underlag": False}}),
                 unit_case({"unit": {"school_form": "grundskola", "in_underlag": True}})]
        records = [{"outcome": "manual_review", "derived": {"low_results": "unknown"}},
                   {"outcome": "manual_review", "derived": {"low_results": "true"}},
                   {"outcome": "deferred", "derived": {"low_results": "false"}}]
        agg = aggregates([_summary(r, u) for r, u in zip(records, units)])
        assert (1, 1) == (agg.values["units.manual_review_in_underlag"], agg.values["units.deferred_in_underlag"])
        assert ((1, 2), (1, 2)) == (agg.bounds["units.low_results"], agg.bounds["units.results_not_low"])

    def test_forms_without_results_statistics_are_not_counted(self):
        """A preschool or a fritidshem neither lowers nor spreads a huvudman's results: not in the results counts."""
        units = [unit_case({"unit": {"school_form": "forskola", "in_underlag": False}}),
                 unit_case({"unit": {"school_form": "grundskola", "in_underlag": True}})]
        records = [{"outcome": "eligible", "derived": {"low_results": "false", "results_well_above": "unknown"}},
                   {"outcome": "eligible", "derived": {"low_results": "true", "results_well_above": "false"}}]
        agg = aggregates([_summary(r, u) for r, u in zip(records, units)])
        assert (1, 0, 0) == (agg.values["units.low_results"], agg.values["units.results_not_low"], agg.values["units.results_well_above"])

    def test_results_counts_follow_what_the_pack_derived(self):
        """A unit the pack found without results statistics is in no results count; one where that is unknown,
        or whose school form is unknown, makes the counts bounded; a unit record without the derived fact
        (an engine error's) is not counted."""
        def agg(*pairs):
            units = [unit_case({"unit": {"in_underlag": True, **({"school_form": f} if f else {})}}) for f, _ in pairs]
            return aggregates([_summary({"outcome": "eligible", "derived": d}, u) for (_, d), u in zip(pairs, units)])

        low = {"low_results": "true"}
        got = agg(("grundskola", {**low, "no_results_statistics": "true"}), ("grundskola", low))
        assert (1, 0) == (got.values["units.low_results"], got.values["units.results_not_low"])
        got = agg(("grundskola", {**low, "no_results_statistics": "unknown"}), ("grundskola", low))
        assert ((1, 2), (0, 1)) == (got.bounds["units.low_results"], got.bounds["units.results_not_low"])
        got = agg(("grundskola", {"results_well_above": "true"}), ("gymnasieskola", low))
        assert (1, 0, 1) == (got.values["units.low_results"], got.values["units.results_not_low"],
                             got.values["units.results_well_above"])
        got = agg((None, low), ("grundskola", {"low_results": "false"}))
        assert ((0, 1), (1, 2)) == (got.bounds["units.low_results"], got.bounds["units.results_not_low"])

    def test_units_under_review_may_add_pupils(self):
        """A unit under manual review may turn out eligible: the pupils reached are bounded, not smaller."""
        units = [unit_case({"unit": {"school_form": "grundskola", "in_underlag": True, "pupils": 300}}),
                 unit_case({"unit": {"school_form": "grundskola", "in_underlag": True, "pupils": 120}})]
        agg = aggregates([_summary(r, u) for r, u in zip([{"outcome": "eligible"}, {"outcome": "manual_review"}], units)])
        assert "units.pupils_eligible" not in agg.values
        assert (300, 420) == agg.bounds["units.pupils_eligible"]

    def test_units_under_review_without_pupils_leave_the_sum_known(self):
        """A unit under review that has no pupils cannot add any: the sum is known, not "between 300 and 300"."""
        units = [unit_case({"unit": {"school_form": "grundskola", "in_underlag": True, "pupils": 300}}),
                 unit_case({"unit": {"school_form": "grundskola", "in_underlag": True, "pupils": 0}})]
        agg = aggregates([_summary(r, u) for r, u in zip([{"outcome": "eligible"}, {"outcome": "manual_review"}], units)])
        assert 300 == agg.values["units.pupils_eligible"]
        assert "units.pupils_eligible" not in agg.bounds and "units.pupils_eligible" not in agg.unknown

    def test_context_only_from_the_delivery(self):
        """A unit case refuses a huvudman aggregate as context; a wrong type is an error."""
        with pytest.raises(FactError):
            unit_case({"unit": {}}, context={"units.count": 3})
        with pytest.raises(FactError):
            unit_case({"unit": {}}, context={"unit.same_building_eligible": "ja"})
        assert unit_case({"unit": {}}).value("unit.same_building_eligible") is False

    def test_unknown_size_makes_sum_unknown(self):
        """An eligible unit of unknown size makes the pupil sum unknown, never smaller."""
        agg = aggregates([_summary({"outcome": "eligible"}, unit_case({"unit": {"in_underlag": True}}))])
        assert "units.pupils_eligible" not in agg.values
        assert (0, None) == agg.bounds["units.pupils_eligible"]  # at least 0, no upper bound
        assert "at least 0: the size of 1 eligible unit is unknown" == agg.unknown["units.pupils_eligible"]

    def test_the_reason_counts_the_units_of_unknown_size(self):
        """The trace says how many eligible units' sizes are missing, in the singular for one."""
        def reason(*pupils):
            units = [unit_case({"unit": {"in_underlag": True, **({"pupils": p} if p is not None else {})}}) for p in pupils]
            return aggregates([_summary({"outcome": "eligible"}, u) for u in units]).unknown["units.pupils_eligible"]

        assert "at least 40: the size of 1 eligible unit is unknown" == reason(40, None)
        assert "at least 40: the size of 2 eligible units is unknown" == reason(None, 40, None)


class TestHuvudmanCaseFacts:
    def test_identity_and_averages(self):
        """A huvudman case is identified by its organisation number and keeps the delivery's averages."""
        case = huvudman_case({"huvudman": {"id": "212000-0999", "type": "kommun", "economy": None},
                              "national_averages": {"merit_value_y9": 224.4, "school_year": "2014/15"}}, {"units.count": 3})
        assert ("huvudman", "212000-0999", "212000-0999") == (case.scope, case.id, case.huvudman_id)
        assert {"merit_value_y9": 224.4} == dict(case.averages)
        assert (False, 3) == (case.value("huvudman.economy.present"), case.value("units.count"))

    def test_aggregate_types_checked(self):
        """An aggregate of the wrong type is refused like any fact."""
        with pytest.raises(FactError):
            huvudman_case({"huvudman": {"id": "212000-0999"}}, {"units.count": -1})
