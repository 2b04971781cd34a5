"""Officer overrides: every one documented (reason, author, date), naming a real rule and target."""
from __future__ import annotations

import textwrap

import pytest

from engine.inputs.overrides import read_overrides
from policy import Diagnostics, load_pack

from .conftest import RULES, SHARED

TARGETS = {"48151623": "unit", "212000-0999": "huvudman"}
GOOD = """\
- target: "48151623"
  rule: small-unit
  action: set_aside
  reason: "Enheten delar ledning med Lindskolan F-3; samlat elevantal 410."
  decided_by: "A. Andersson, undervisningsråd"
  decided_on: 2016-02-02
"""


@pytest.fixture(scope=SHARED)
def pack():
    return load_pack(RULES / "sbs-2016", Diagnostics())


def _read(tmp_path, pack, text, targets=TARGETS):
    path = tmp_path / "overrides.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    diags = Diagnostics()
    return read_overrides(path, pack, targets, diags), diags


class TestReadOverrides:
    def test_valid(self, tmp_path, pack):
        """The DELIVERY.md example reads into one override."""
        overrides, diags = _read(tmp_path, pack, GOOD)
        assert [] == diags.errors
        assert [("48151623", "small-unit", "set_aside", "2016-02-02")] == [(o.target, o.rule, o.action, o.decided_on) for o in overrides]

    @pytest.mark.parametrize("field", ["reason", "decided_by", "decided_on"])
    def test_undocumented_refused(self, tmp_path, pack, field):
        """An override without a reason, an author or a date is an error at its line."""
        text = "\n".join(line for line in GOOD.splitlines() if not line.strip().startswith(field + ":")) + "\n"
        overrides, diags = _read(tmp_path, pack, text)
        assert [] == overrides
        [d] = diags.errors
        assert ("schema_missing_key", 1, f"has no `{field}`") == (d.code, d.location.line, d.message[-len(f"has no `{field}`"):])

    @pytest.mark.parametrize("change, code, hint", [
        (("small-unit", "small-units"), "override_unknown_rule", "did you mean `small-unit`?"),
        (('"48151623"', '"99999999"'), "override_unknown_target", ""),
        (('"48151623"', '"212000-0999"'), "override_wrong_scope", ""),
        (("set_aside", "force"), "override_missing_outcome", ""),
        (("action: set_aside", "action: set_aside\n  outcome: eligible"), "override_bad_outcome", ""),
        (("action: set_aside", "action: force\n  outcome: proposed"), "override_bad_outcome", ""),
        (("action: set_aside", "action: force\n  outcome: eligable"), "override_bad_outcome", "did you mean `eligible`?"),
        (("set_aside", "ignore"), "schema_bad_value", "expected one of `force`, `set_aside`"),
    ])
    def test_errors(self, tmp_path, pack, change, code, hint):
        """Unknown rules and targets, a rule of another scope, a force without outcome: each an error."""
        overrides, diags = _read(tmp_path, pack, GOOD.replace(*change))
        assert [] == overrides
        assert [code] == [d.code for d in diags.errors]
        assert hint in diags.errors[0].hint

    def test_two_forces_for_one_target(self, tmp_path, pack):
        """Two forced outcomes for one target contradict each other: an error."""
        force = GOOD.replace("set_aside", "force").replace("small-unit", "{rule}").replace("decided_by", "outcome: eligible\n  decided_by")
        _, diags = _read(tmp_path, pack, force.format(rule="small-unit") + force.format(rule="state-school"))
        [d] = diags.errors
        assert ("override_duplicate", "two forced outcomes for `48151623`") == (d.code, d.message)
        assert d.hint.startswith("the first is at ") and d.hint.endswith("overrides.yaml:1:3"), d.hint


class TestWrongTypes:
    @pytest.mark.parametrize("target", ['{id: "48151623"}', '["48151623"]', "true"])
    def test_a_target_of_the_wrong_type_is_an_error(self, tmp_path, pack, target):
        """Never dropped silently: a target that is not an id is an error at its place."""
        overrides, diags = _read(tmp_path, pack, GOOD.replace('"48151623"', target))
        assert [] == overrides
        assert [("schema_wrong_type", 1)] == [(d.code, d.location.line) for d in diags.errors]

    def test_an_organisation_number_without_hyphen_is_normalised(self, tmp_path, pack):
        """`2120000999` names the huvudman `212000-0999`, as in a delivery."""
        text = GOOD.replace('"48151623"', '"2120000999"').replace("small-unit", "huvudman-state")
        overrides, diags = _read(tmp_path, pack, text)
        assert [] == diags.errors
        assert ["212000-0999"] == [o.target for o in overrides]

    @pytest.mark.parametrize("field, value", [("reason", "[a, b]"), ("decided_by", "{name: x}"), ("rule", "12")])
    def test_other_fields_of_the_wrong_type(self, tmp_path, pack, field, value):
        """Any field of the wrong type is an error; the override is not kept."""
        lines = [f"  {field}: {value}" if line.strip().startswith(field + ":") else line for line in GOOD.splitlines()]
        overrides, diags = _read(tmp_path, pack, "\n".join(lines) + "\n")
        assert [] == overrides
        assert ["schema_wrong_type"] == [d.code for d in diags.errors]


class TestDates:
    @pytest.mark.parametrize("date, warned", [("2016-02-02", False), ("2014-12-31", True), ("2106-02-02", True)])
    def test_unlikely_dates_are_warnings(self, tmp_path, pack, date, warned):
        """A decision before the programme or over a year ahead is a warning; the override still applies."""
        overrides, diags = _read(tmp_path, pack, GOOD.replace("2016-02-02", date))
        assert 1 == len(overrides) and [] == diags.errors
        assert (["override_unlikely_date"] if warned else []) == [d.code for d in diags.warnings]


class TestEmpty:
    def test_an_empty_overrides_file_says_so(self, tmp_path, pack):
        """An empty file is an error that says so."""
        overrides, diags = _read(tmp_path, pack, "")
        assert ([], ["file_empty"]) == (overrides, [d.code for d in diags.errors])


class TestHuvudmanScope:
    def test_aggregates_reach_rules(self, engine_for):
        """A huvudman rule reads the aggregates of its units' decisions."""
        from engine import huvudman_case

        engine = engine_for("""\
            parameters:
              min_units: {unit: count, value: 1, source: GP2016 2.3.2 punkt 3}
            rules:
              - id: has-eligible-unit
                scope: huvudman
                text: {sv: Minst en vald enhet ur underlaget., en: At least one eligible unit from the underlag.}
                source: GP2016 2.3.2 punkt 3
                when: {fact: units.eligible_in_underlag, ge: {param: min_units}}
                then: {outcome: proposed}
            """)
        yes = engine.evaluate(huvudman_case({"huvudman": {"id": "212000-0999"}}, {"units.eligible_in_underlag": 2}))
        no = engine.evaluate(huvudman_case({"huvudman": {"id": "212000-0999"}}, {"units.eligible_in_underlag": 0}))
        assert ("proposed", "not_proposed") == (yes["outcome"], no["outcome"])
        assert ("huvudman", "212000-0999") == (yes["kind"], yes["id"])
        assert {"units.eligible_in_underlag": 2} == yes["input"]["context"]
