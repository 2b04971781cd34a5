"""The engine end to end: each condition form under true, false and unknown; decisions; overrides; determinism."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import attrs
import pytest

from engine import Engine, unit_case
from engine.inputs.overrides import Override
from engine.core.record import dumps

from .conftest import ROOT, SHARED, statuses_of

FORMS = """\
parameters:
  small: {unit: pupils, by_school_form: {grundskola: 50, grundsarskola: 10}, source: GP2016 2.3.3}
  ratio: {unit: ratio, value: 0.9, source: GP2016 2.3.2}
  cutoff: {unit: date, value: 2015-01-01, source: GP2016 6.1}
rules:
  - id: bool-eq
    text: {sv: I underlaget., en: In the underlag.}
    source: GP2016 2.3.2
    when: {fact: unit.in_underlag, eq: true}
    then: {derive: low}
  - id: enum-ne
    text: {sv: Inte grundskola., en: Not grundskola.}
    source: GP2016 2.3.2
    when: {fact: unit.school_form, ne: grundskola}
    then: {derive: flag}
  - id: member
    text: {sv: Statlig skolform., en: State school form.}
    source: GP2016 2.3.2
    when: {fact: unit.school_form, in: [sameskola, specialskola]}
    then: {derive: flag}
  - id: not-member
    text: {sv: Inte statlig., en: Not state.}
    source: GP2016 2.3.2
    when: {fact: unit.school_form, not_in: [sameskola, specialskola]}
    then: {derive: flag}
  - id: param-per-form
    text: {sv: Liten enhet., en: Small unit.}
    source: GP2016 2.3.3
    when: {fact: unit.pupils, lt: {param: small}}
    then: {derive: flag}
  - id: average-times
    text: {sv: Lågt meritvärde., en: Low merit value.}
    source: GP2016 2.3.2
    when: {fact: unit.results.merit_value_y9, lt: {national_average: merit_value_y9, times: ratio}}
    then: {derive: low}
  - id: fact-ref
    text: {sv: Svenska under matematik., en: Swedish below maths.}
    source: GP2016 2.3.2
    when: {fact: unit.results.grade_value_y6_swedish, lt: {fact: unit.results.grade_value_y6_maths}}
    then: {derive: flag}
  - id: date-param
    text: {sv: Föreläggande efter brytdagen., en: Injunction after the cut-off.}
    source: GP2016 6.1
    when: {fact: unit.injunction.decided, ge: {param: cutoff}}
    then: {derive: flag}
  - id: is-known
    text: {sv: Elevantal känt., en: Pupils known.}
    source: GP2016 2.3.3
    when: {known: unit.pupils}
    then: {derive: flag}
  - id: is-unknown
    text: {sv: Elevantal okänt., en: Pupils unknown.}
    source: GP2016 2.3.3
    when: {unknown: unit.pupils}
    then: {derive: flag}
  - id: all-of
    text: {sv: Båda., en: Both.}
    source: GP2016 2.3.2
    when: {all: [{fact: unit.in_underlag, eq: true}, {fact: unit.ska_deficiencies, eq: true}]}
    then: {derive: flag}
  - id: any-of
    text: {sv: Någon., en: Either.}
    source: GP2016 2.3.2
    when: {any: [{fact: unit.in_underlag, eq: true}, {fact: unit.ska_deficiencies, eq: true}]}
    then: {derive: flag}
  - id: negation
    text: {sv: Inte i underlaget., en: Not in the underlag.}
    source: GP2016 2.3.2
    when: {not: {fact: unit.in_underlag, eq: true}}
    then: {derive: flag}
  - id: reads-derived
    text: {sv: I underlaget eller lågt meritvärde., en: In the underlag or a low merit value.}
    source: GP2016 2.3.2
    when: {derived: low}
    then: {outcome: eligible}
  - id: reads-flag
    text: {sv: Flaggan., en: The flag.}
    source: GP2016 2.3.2
    when: {derived: flag}
    then: {outcome: eligible}
"""
AVG = {"merit_value_y9": 200.0}

# (rule, facts, expected status)
CASES = [
    ("bool-eq", {"unit": {"in_underlag": True}}, "fired"),
    ("bool-eq", {"unit": {"in_underlag": False}}, "not_fired"),
    ("bool-eq", {"unit": {}}, "unknown"),
    ("enum-ne", {"unit": {"school_form": "gymnasieskola"}}, "fired"),
    ("enum-ne", {"unit": {"school_form": "grundskola"}}, "not_fired"),
    ("enum-ne", {"unit": {}}, "unknown"),
    ("member", {"unit": {"school_form": "sameskola"}}, "fired"),
    ("member", {"unit": {"school_form": "grundskola"}}, "not_fired"),
    ("member", {"unit": {}}, "unknown"),
    ("not-member", {"unit": {"school_form": "grundskola"}}, "fired"),
    ("not-member", {"unit": {"school_form": "specialskola"}}, "not_fired"),
    ("not-member", {"unit": {}}, "unknown"),
    ("param-per-form", {"unit": {"school_form": "grundsarskola", "pupils": 9}}, "fired"),
    ("param-per-form", {"unit": {"school_form": "grundsarskola", "pupils": 10}}, "not_fired"),
    ("param-per-form", {"unit": {"school_form": "grundskola", "pupils": 49}}, "fired"),
    ("param-per-form", {"unit": {"school_form": "grundskola", "pupils": 50}}, "not_fired"),
    ("param-per-form", {"unit": {"school_form": "grundskola"}}, "unknown"),
    ("param-per-form", {"unit": {"pupils": 5}}, "unknown"),
    ("param-per-form", {"unit": {"school_form": "gymnasieskola", "pupils": 5}}, "unknown"),
    ("average-times", {"unit": {"results": {"merit_value_y9": 179.9}}, "national_averages": AVG}, "fired"),
    ("average-times", {"unit": {"results": {"merit_value_y9": 180.0}}, "national_averages": AVG}, "not_fired"),
    ("average-times", {"unit": {"results": {"merit_value_y9": 150.0}}}, "unknown"),
    ("average-times", {"unit": {}, "national_averages": AVG}, "unknown"),
    ("fact-ref", {"unit": {"results": {"grade_value_y6_swedish": 11.5, "grade_value_y6_maths": 12.0}}}, "fired"),
    ("fact-ref", {"unit": {"results": {"grade_value_y6_swedish": 12.0, "grade_value_y6_maths": 12.0}}}, "not_fired"),
    ("fact-ref", {"unit": {"results": {"grade_value_y6_swedish": 11.5}}}, "unknown"),
    ("date-param", {"unit": {"injunction": {"decided": "2015-01-01"}}}, "fired"),
    ("date-param", {"unit": {"injunction": {"decided": "2014-12-31"}}}, "not_fired"),
    ("date-param", {"unit": {"injunction": {"fine": True}}}, "unknown"),
    ("is-known", {"unit": {"pupils": 0}}, "fired"),
    ("is-known", {"unit": {}}, "not_fired"),
    ("is-unknown", {"unit": {}}, "fired"),
    ("is-unknown", {"unit": {"pupils": 0}}, "not_fired"),
    ("all-of", {"unit": {"in_underlag": True, "ska_deficiencies": True}}, "fired"),
    ("all-of", {"unit": {"in_underlag": False}}, "not_fired"),  # false and unknown is false
    ("all-of", {"unit": {"in_underlag": True}}, "unknown"),  # true and unknown is unknown
    ("any-of", {"unit": {"ska_deficiencies": True}}, "fired"),  # unknown or true is true
    ("any-of", {"unit": {"in_underlag": False, "ska_deficiencies": False}}, "not_fired"),
    ("any-of", {"unit": {"in_underlag": False}}, "unknown"),  # false or unknown is unknown
    ("negation", {"unit": {"in_underlag": False}}, "fired"),
    ("negation", {"unit": {"in_underlag": True}}, "not_fired"),
    ("negation", {"unit": {}}, "unknown"),
    ("reads-derived", {"unit": {"in_underlag": True}}, "fired"),
    ("reads-derived", {"unit": {"in_underlag": False, "results": {"merit_value_y9": 180.0}}, "national_averages": AVG}, "not_fired"),
    ("reads-derived", {"unit": {"in_underlag": False}, "national_averages": AVG}, "unknown"),
    ("reads-derived", {"unit": {"results": {"merit_value_y9": 100.0}}, "national_averages": AVG}, "fired"),
]


@pytest.fixture(scope=SHARED)
def forms_engine(tmp_path_factory):
    from policy import Diagnostics, load_pack

    from .conftest import HEAD

    path = tmp_path_factory.mktemp("forms") / "forms.yaml"
    path.write_text(HEAD + FORMS, encoding="utf-8")
    pack = load_pack(path, Diagnostics())
    return Engine(pack)


class TestConditionForms:
    @pytest.mark.parametrize("rule, facts, expected", CASES, ids=[f"{c[0]}-{c[2]}-{i}" for i, c in enumerate(CASES)])
    def test_status(self, forms_engine, rule, facts, expected):
        """Each form gives the expected truth value; durable_rules and the cross-check agree on every rule."""
        record = forms_engine.evaluate(unit_case(facts))
        assert "error" not in record, record.get("error")
        assert expected == statuses_of(record)[rule]

    def test_trace_shows_comparison(self, forms_engine):
        """A comparison's trace has the fact, its value, the operator, the parameter and its value."""
        record = forms_engine.evaluate(unit_case({"unit": {"school_form": "grundskola", "pupils": 310}}))
        entry = next(e for e in record["trace"] if e["rule"] == "param-per-form")
        assert {"fact": "unit.pupils", "value": 310, "op": "lt", "right": {"param": "small", "value": 50}, "result": "false"} == entry["condition"]
        assert [{"doc": "GP2016", "section": "2.3.3"}] == entry["source"]
        assert "Liten enhet." == entry["text"]["sv"]

    def test_trace_names_missing_data(self, forms_engine):
        """An unknown comparison names the missing fact, and why a parameter has no value."""
        record = forms_engine.evaluate(unit_case({"unit": {"pupils": 5}}))
        entry = next(e for e in record["trace"] if e["rule"] == "param-per-form")
        assert "unknown" == entry["status"]
        assert [{"param": "small", "reason": "depends on the school form, and unit.school_form is missing"}] == entry["missing"]

    def test_times_shown(self, forms_engine):
        """`times` shows the average, the ratio and their product."""
        record = forms_engine.evaluate(unit_case({"unit": {"results": {"merit_value_y9": 170.0}}, "national_averages": AVG}))
        entry = next(e for e in record["trace"] if e["rule"] == "average-times")
        assert {"national_average": "merit_value_y9", "value": 200.0, "times": {"param": "ratio", "value": 0.9}, "product": 180.0} == entry["condition"]["right"]


DECIDE = """\
rules:
  - id: exclude
    text: {sv: Utesluten., en: Excluded.}
    source: GP2016 2.3.2
    when: {fact: unit.school_form, eq: specialskola}
    then: {outcome: excluded}
  - id: small
    text: {sv: Liten., en: Small.}
    source: GP2016 2.3.3
    when: {fact: unit.pupils, lt: {param: min_pupils}}
    then: {outcome: not_eligible}
  - id: shared-leadership
    text: {sv: Delar ledning med större enhet., en: Shares leadership with a larger unit.}
    source: GP2016 2.3.2 punkt 3
    exception_to: small
    when: {fact: unit.same_building_as, eq: "48151624"}
    then: {derive: shared}
  - id: criteria
    text: {sv: I underlaget., en: In the underlag.}
    source: GP2016 2.3.2
    when: {fact: unit.in_underlag, eq: true}
    then: {outcome: eligible}
parameters:
  min_pupils: {unit: pupils, value: 50, source: GP2016 2.3.3}
"""
BASE = {"school_form": "grundskola", "pupils": 300, "in_underlag": True, "same_building_as": "00000000"}


def _unit(**kw):
    return unit_case({"unit": {**BASE, "id": "48151623", **kw}})


@pytest.fixture(scope=SHARED)
def decide_engine(tmp_path_factory):
    from policy import Diagnostics, load_pack

    from .conftest import HEAD

    path = tmp_path_factory.mktemp("decide") / "decide.yaml"
    path.write_text(HEAD + DECIDE, encoding="utf-8")
    return Engine(load_pack(path, Diagnostics()))


class TestDecision:
    def test_precedence(self, decide_engine):
        """Several outcomes fire: the first in the pack's precedence wins and is named."""
        record = decide_engine.evaluate(_unit(school_form="specialskola"))
        assert ("excluded", ["exclude"]) == (record["outcome"], record["decided_by"])

    def test_default(self, decide_engine):
        """No outcome rule fires: the pack's default."""
        assert "not_eligible" == decide_engine.evaluate(_unit(in_underlag=False))["outcome"]

    def test_unknown_that_could_change_it(self, decide_engine):
        """An unknown rule whose outcome would rank higher sends the case to manual review, naming the data."""
        record = decide_engine.evaluate(_unit(school_form=None))
        assert ("manual_review", ["exclude"]) == (record["outcome"], record["hinges_on"])
        assert [{"fact": "unit.school_form", "reason": "missing"}] == record["missing"]

    def test_unknown_that_cannot_change_it(self, decide_engine):
        """An unknown rule whose outcome ranks lower does not matter."""
        record = decide_engine.evaluate(_unit(school_form="specialskola", in_underlag=None))
        assert ("excluded", []) == (record["outcome"], record["hinges_on"])

    def test_exception_sets_rule_aside(self, decide_engine):
        """When an exception fires, the rule it excepts is overridden, naming the exception."""
        record = decide_engine.evaluate(_unit(pupils=30, same_building_as="48151624"))
        entry = next(e for e in record["trace"] if e["rule"] == "small")
        assert ("overridden", {"rule": "shared-leadership"}) == (entry["status"], entry["overridden_by"])
        assert "eligible" == record["outcome"]

    def test_exception_not_firing(self, decide_engine):
        """When the exception does not fire, the rule applies."""
        assert "not_eligible" == decide_engine.evaluate(_unit(pupils=30))["outcome"]

    def test_unknown_exception(self, decide_engine):
        """An unknown exception makes the rule's effect unknown: manual review."""
        record = decide_engine.evaluate(_unit(pupils=30, same_building_as=None))
        assert ("manual_review", ["small"]) == (record["outcome"], record["hinges_on"])


OVR = dict(reason="Delar ledning med Lindskolan F-3; samlat elevantal 410.", decided_by="A. Andersson, undervisningsråd",
           decided_on="2016-02-02")


class TestOverrides:
    def test_set_aside(self, decide_engine):
        """`set_aside` removes the rule's effect for the target; trace and record show who, why and when."""
        ov = Override("48151623", "small", "set_aside", None, **OVR)
        record = decide_engine.evaluate(_unit(pupils=30), [ov])
        entry = next(e for e in record["trace"] if e["rule"] == "small")
        assert "eligible" == record["outcome"]
        assert ("overridden", ov.to_json()) == (entry["status"], entry["overridden_by"]["override"])
        assert [ov.to_json()] == record["overrides"]

    def test_force(self, decide_engine):
        """`force` records the officer's outcome, whatever the rules say."""
        ov = Override("48151623", "exclude", "force", "eligible", **OVR)
        record = decide_engine.evaluate(_unit(school_form="specialskola"), [ov])
        assert ("eligible", "overridden") == (record["outcome"], statuses_of(record)["exclude"])

    def test_other_target_untouched(self, decide_engine):
        """An override for another unit changes nothing here."""
        ov = Override("99999999", "small", "set_aside", None, **OVR)
        record = decide_engine.evaluate(_unit(pupils=30), [ov])
        assert ("not_eligible", []) == (record["outcome"], record["overrides"])


class TestCrossCheck:
    def test_corrupt_durable_ruleset(self, decide_engine):
        """If durable_rules answers differently (its ruleset corrupted here), the case gets an error record naming the rule."""
        c = decide_engine.prepare("unit", {})[0]
        rs = dict(c.ruleset)
        rs["small#t#0"], rs["small#f#0"] = dict(rs["small#f#0"], pri=rs["small#t#0"]["pri"]), dict(rs["small#t#0"], pri=rs["small#f#0"]["pri"])
        bad = attrs.evolve(c, ruleset=rs, name=c.name + "-corrupt")
        engine = Engine(c.pack, compiled=[bad])
        record = engine.evaluate(_unit(pupils=30))
        assert (None, "engine_disagreement", "small") == (record["outcome"], record["error"]["code"], record["error"]["rule"])
        assert {"not_reached"} == set(statuses_of(record).values())

    def test_corrupt_python_evaluator(self, decide_engine, monkeypatch):
        """If the cross-check evaluator is wrong (`<` made `<=` here), the boundary case is caught."""
        from engine.core import evaluate

        monkeypatch.setitem(evaluate._COMPARE, "lt", lambda a, b: a <= b)
        engine = Engine(decide_engine.pack, decide_engine.host)  # its evaluator is built with the corrupted `<`
        record = engine.evaluate(_unit(pupils=50))
        assert ("engine_disagreement", "small") == (record["error"]["code"], record["error"]["rule"])
        assert ("false", "true") == (record["error"]["durable_rules"], record["error"]["cross_check"])


class TestDeterminism:
    def test_same_records_twice(self, decide_engine):
        """The same case and overrides give byte-identical records."""
        ov = [Override("48151623", "small", "set_aside", None, **OVR)]
        assert dumps(decide_engine.evaluate(_unit(pupils=30), ov)) == dumps(decide_engine.evaluate(_unit(pupils=30), ov))

    @pytest.mark.slow
    def test_same_records_across_hash_seeds(self):
        """Records are identical across processes with different hash seeds."""
        script = (
            "import sys; from policy import Diagnostics, load_pack; from engine import Engine; "
            "from engine.batch.packtests import _unit_case; "
            "from engine.core.record import dumps; p = load_pack('policy/rules/sbs-2016', Diagnostics()); e = Engine(p); "
            "sys.stdout.write(''.join(dumps(e.evaluate(_unit_case(t.facts))) + '\\n' for t in p.tests if t.scope == 'unit'))"
        )
        outputs = set()
        for seed in ("0", "1", "4242"):
            env = dict(os.environ, PYTHONHASHSEED=seed)
            outputs.add(subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, check=True).stdout)
        from policy import Diagnostics, load_pack

        assert 1 == len(outputs)
        units = [t for t in load_pack(ROOT / "policy" / "rules" / "sbs-2016", Diagnostics()).tests if t.scope == "unit"]
        assert len(units) == len(outputs.pop().splitlines())

    def test_record_carries_versions_and_hashes(self, decide_engine):
        """A record names the pack id, version and hash, the input hash and the engine version."""
        record = decide_engine.evaluate(_unit())
        assert {"id", "version", "sha256"} == set(record["pack"])
        assert 64 == len(record["input_sha256"]) and record["engine_version"]
        assert json.loads(dumps(record)) == record


class TestPackTests:
    def test_shipped_pack_tests_pass(self):
        """Every YAML test of every shipped pack passes on the engine."""
        from engine.batch.packtests import run_tests
        from policy import Diagnostics, Registry

        from .conftest import RULES

        registry = Registry.load([RULES], Diagnostics())
        for pack in registry.packs:
            replaced = pack.ref in registry.replaced  # kept as it was: its tests may reach a refusal by default
            failures = [(r.case.name, r.failures) for r in run_tests(pack, default_refusals=replaced) if not r.passed]
            assert [] == failures, pack.ref

    def test_failure_reported(self, decide_engine):
        """A test whose expectation is wrong fails with what differed."""
        import attrs as _attrs

        from engine.batch.packtests import run_tests
        from policy.model import Expectation, TestCase

        case = TestCase("wrong", "unit", {"unit": {**BASE, "pupils": 30}}, Expectation("eligible", fired=("criteria",), not_fired=("small",)))
        [result] = run_tests(decide_engine.pack, decide_engine, [case])
        assert not result.passed
        assert ("outcome is not_eligible, expected eligible", "rule small is fired, expected not_fired") == result.failures
        assert _attrs.has(type(result))

    def test_coverage(self, decide_engine):
        """Coverage lists, per rule, the statuses the tests saw."""
        from engine.batch.packtests import coverage, run_tests
        from policy.model import Expectation, TestCase

        cases = [TestCase("small", "unit", {"unit": {**BASE, "pupils": 30}}, Expectation("not_eligible"))]
        seen = coverage(decide_engine.pack, run_tests(decide_engine.pack, decide_engine, cases))
        assert {"fired"} == seen["small"] and {"not_fired"} == seen["exclude"]


FACT_REFS = """\
parameters:
  half: {unit: ratio, value: 0.5, source: GP2016 5.1}
rules:
  - id: same-building-is-self
    text: {sv: Samma byggnad som sig själv., en: Same building as itself.}
    source: GP2016 2.3.2 punkt 3
    when: {fact: unit.same_building_as, eq: {fact: unit.id}}
    then: {outcome: excluded}
  - id: other-huvudman
    text: {sv: Annan huvudman., en: Another huvudman.}
    source: GP2016 2.3.2 punkt 3
    when: {fact: unit.huvudman_id, ne: {fact: huvudman.id}}
    then: {outcome: excluded}
  - id: maths-below-half-swedish
    text: {sv: Matematik under halva svenskan., en: Maths below half of Swedish.}
    source: GP2016 2.3.2
    when: {fact: unit.results.grade_value_y6_maths, lt: {fact: unit.results.grade_value_y6_swedish, times: half}}
    then: {outcome: excluded}
"""


class TestFactReferences:
    @pytest.mark.parametrize("unit, huvudman, expected", [
        ({"id": "10000001", "same_building_as": "10000001"}, {}, {"same-building-is-self": "fired"}),
        ({"id": "10000001", "same_building_as": "10000002"}, {}, {"same-building-is-self": "not_fired"}),
        ({"id": "10000001"}, {}, {"same-building-is-self": "unknown"}),
        ({"huvudman_id": "212000-0999"}, {"id": "212000-0999"}, {"other-huvudman": "not_fired"}),
        ({"huvudman_id": "212000-0999"}, {"id": "556000-0001"}, {"other-huvudman": "fired"}),
        ({"results": {"grade_value_y6_maths": 6.0, "grade_value_y6_swedish": 13.0}}, {}, {"maths-below-half-swedish": "fired"}),
        ({"results": {"grade_value_y6_maths": 6.5, "grade_value_y6_swedish": 13.0}}, {}, {"maths-below-half-swedish": "not_fired"}),
        ({"results": {"grade_value_y6_maths": 6.0}}, {}, {"maths-below-half-swedish": "unknown"}),
    ])
    def test_fact_against_fact(self, engine_for, unit, huvudman, expected):
        """Text equality, inequality and a scaled number compared between two facts of one case."""
        engine = engine_for(FACT_REFS, name="refs.yaml")
        record = engine.evaluate(unit_case({"unit": unit, "huvudman": huvudman}))
        assert "error" not in record, record.get("error")
        assert expected == {k: v for k, v in statuses_of(record).items() if k in expected}

    def test_scaled_reference_in_trace(self, engine_for):
        """The trace shows the other fact, the ratio and the product."""
        engine = engine_for(FACT_REFS, name="refs.yaml")
        record = engine.evaluate(unit_case({"unit": {"results": {"grade_value_y6_maths": 6.0, "grade_value_y6_swedish": 13.0}}}))
        entry = next(e for e in record["trace"] if e["rule"] == "maths-below-half-swedish")
        assert {"fact": "unit.results.grade_value_y6_swedish", "value": 13.0, "times": {"param": "half", "value": 0.5}, "product": 6.5} == entry["condition"]["right"]


class TestBoundedCounts:
    """A count over a huvudman's units that is unknown but bounded: both evaluators read it three-valued."""

    PACK = """\
        parameters:
          min_units: {unit: count, value: 1, source: GP2016 2.3.2 punkt 3}
          ratio: {unit: ratio, value: 1, source: GP2016 2.3.2 punkt 1}
        rules:
          - id: low
            text: {sv: Låga resultat., en: Low results.}
            source: GP2016 2.3.2 punkt 1
            when: {fact: unit.results.merit_value_y9, lt: {national_average: merit_value_y9}}
            then: {derive: low_results}
          - id: in-underlag
            scope: huvudman
            text: {sv: Minst en enhet i underlaget., en: At least one unit in the underlag.}
            source: GP2016 2.3.2 punkt 3
            when: {fact: units.in_underlag, ge: {param: min_units}}
            then: {outcome: proposed}
          - id: none-in-underlag
            scope: huvudman
            text: {sv: Ingen enhet i underlaget., en: No unit in the underlag.}
            source: GP2016 2.3.2 punkt 3
            when: {fact: units.in_underlag, lt: {param: min_units}}
            then: {outcome: not_proposed}
          - id: more-low
            scope: huvudman
            text: {sv: Fler låga än inte., en: More low than not.}
            source: GP2016 2.3.2 punkt 1
            when: {fact: units.low_results, gt: {fact: units.results_not_low, times: ratio}}
            then: {priority: 10}
        """

    @pytest.mark.parametrize("bounds, expected", [
        ({"units.in_underlag": (0, 2)}, {"in-underlag": "unknown", "none-in-underlag": "unknown"}),
        ({"units.in_underlag": (1, 3)}, {"in-underlag": "fired", "none-in-underlag": "not_fired"}),
        ({"units.low_results": (2, 3), "units.results_not_low": (0, 1)}, {"more-low": "fired"}),
        ({"units.low_results": (0, 1), "units.results_not_low": (1, 2)}, {"more-low": "not_fired"}),
        ({"units.low_results": (1, 2), "units.results_not_low": (1, 2)}, {"more-low": "unknown"}),
        ({"units.low_results": (0, None), "units.results_not_low": (1, 1)}, {"more-low": "unknown"}),
    ])
    def test_bounds_decide_when_they_settle_it(self, engine_for, bounds, expected):
        """A count known to lie in a range decides a comparison the range settles; otherwise the rule is unknown."""
        from engine import huvudman_case
        from engine.inputs.case import Aggregated

        engine = engine_for(self.PACK)
        known = {"units.in_underlag": 1, "units.low_results": 0, "units.results_not_low": 0}
        agg = Aggregated({k: v for k, v in known.items() if k not in bounds}, dict(bounds),
                         unknown={k: "between the bounds" for k in bounds})
        record = engine.evaluate(huvudman_case({"huvudman": {"id": "212000-0999"}}, agg))
        assert "error" not in record, record.get("error")  # durable_rules and the cross-check agree
        got = statuses_of(record)
        assert expected == {k: got[k] for k in expected}
        assert {p: list(b) for p, b in bounds.items()} == record["input"]["bounds"]

    def test_unsettled_count_is_missing_with_its_bounds(self, engine_for):
        """An outcome that hinges on a bounded count names the count, why it is unknown and its bounds."""
        from engine import huvudman_case
        from engine.inputs.case import aggregates

        engine = engine_for(self.PACK)
        units = [{"id": "48151623", "outcome": "eligible", "in_underlag": None, "pupils": 100},
                 {"id": "48151624", "outcome": "not_eligible", "in_underlag": False, "pupils": 50}]
        record = engine.evaluate(huvudman_case({"huvudman": {"id": "212000-0999"}}, aggregates(units)))
        assert "manual_review" == record["outcome"]
        missing = next(m for m in record["missing"] if m.get("fact") == "units.in_underlag")
        assert [0, 1] == missing["bounds"] and "48151623" in missing["reason"]
        assert {"counted": [], "unknown": ["48151623"]} == record["input"]["members"]["units.in_underlag"]


def test_facts_reach_durable_rules_without_a_number_its_reader_crashes_on():
    """A float Python writes with an exponent and no decimal point (`1e-05`) crashes durable_rules' C reader;
    such a number is written `1.0e-05`, the same value, wherever it sits in a fact; other values are JSON as is."""
    import json

    from engine.core.host import _UNSAFE_NUMBER, _SafeJson, _encode

    value = {"a": 1e-05, "b": [1e+16, 5e-324, 0.5, "å"], "c": {"d": 1.5e-05, "n": None, "t": True}, "e": (2e-07,)}
    text = _SafeJson.dumps(value)
    assert '{"a":1.0e-05,"b":[1.0e+16,5.0e-324,0.5,"å"],"c":{"d":1.5e-05,"n":null,"t":true},"e":[2.0e-07]}' == text
    assert not _UNSAFE_NUMBER.search(text)
    assert json.loads(text) == {**value, "e": [2e-07]}
    assert '{"x":0.25}' == _SafeJson.dumps({"x": 0.25})
    with pytest.raises(ValueError):
        _encode(float("nan"))  # never a NaN to durable_rules
