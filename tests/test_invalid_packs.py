"""Every broken pack under fixtures/invalid fails with its code, at its line and column.

One file per error class; the table says what each must report. A fixture without a row fails the
last test, so the table stays complete.
"""
from __future__ import annotations

import pytest

from policy import Diagnostics, Registry

from .conftest import FIXTURES

INVALID = FIXTURES / "invalid"

# (fixture, code, line, column, fragment of the message, fragment of the hint)
CASES = [
    ("unknown_key.yaml", "schema_unknown_key", 21, 5, "unknown key `whenn` in rule", "did you mean `when`?"),
    ("wrong_type.yaml", "schema_wrong_type", 19, 11, "rule text must be a mapping", ""),
    ("duplicate_rule_id.yaml", "rule_duplicate_id", 23, 5, "rule id `small-unit` is used twice", "duplicate_rule_id.yaml:18:5"),
    ("unknown_parameter.yaml", "ref_unknown_parameter", 21, 43, "parameter `small_unit_pupil` is not defined", "did you mean `small_unit_pupils`?"),
    ("unknown_rule.yaml", "ref_unknown_rule", 23, 5, "names rule `small-units`", "did you mean `small-unit`?"),
    ("exception_cycle.yaml", "rule_exception_cycle", 24, 5, "shared-building → small-unit → shared-building", ""),
    ("unknown_fact.yaml", "ref_unknown_fact", 21, 18, "no fact `unit.pupil`", "did you mean `unit.pupils`?"),
    ("fact_wrong_scope.yaml", "ref_unknown_fact", 21, 18, "`units.eligible` cannot be read by a unit rule", "huvudman"),
    ("type_mismatch_unit.yaml", "type_mismatch", 21, 61, "a number in share, but parameter `profit_threshold_sek` is a number in SEK", ""),
    ("type_mismatch_text.yaml", "type_mismatch", 16, 35, "a number in pupils, but is compared with `många`", ""),
    ("type_mismatch_date.yaml", "type_mismatch", 16, 47, "`unit.injunction.decided` is a date, but is compared with the number 2016",
     "a date is compared with a date parameter"),
    ("literal_threshold.yaml", "type_literal_threshold", 16, 35, "the number 50 written in the rule", "parameters"),
    ("param_missing_unit.yaml", "param_missing_unit", 14, 5, "no `unit`", ""),
    ("param_missing_source.yaml", "param_missing_source", 14, 5, "no `source`", ""),
    ("rule_missing_source.yaml", "rule_missing_source", 18, 5, "no `source`", ""),
    ("rule_missing_swedish.yaml", "rule_missing_text", 19, 11, "no `sv`", ""),
    ("unknown_source.yaml", "ref_unknown_source", 20, 13, "cites `GP2015`", "did you mean `GP2016`?"),
    ("unknown_derived.yaml", "ref_unknown_derived", 16, 21, "no unit rule derives `low_result`", ""),
    ("count_without_derived.yaml", "ref_unknown_derived", 26, 18, "`units.low_results` counts the units whose unit rules derive `low_results`", "derive: low_results"),
    ("derive_cycle.yaml", "rule_derive_cycle", 13, 5, "derive-a → derive-b → derive-a", ""),
    ("bad_enum_literal.yaml", "type_bad_literal", 16, 52, "`specialskolan` is not a school form", "did you mean `specialskola`?"),
    ("ordering_on_text.yaml", "type_operator", 16, 18, "`lt` orders values", ""),
    ("outcome_not_in_precedence.yaml", "outcome_not_in_precedence", 17, 11, "gives `deferred`", "outcomes.unit.precedence"),
    ("missing_outcome_policy.yaml", "outcome_policy_missing", 13, 5, "no `outcomes.huvudman`", ""),
    ("by_school_form_scope.yaml", "param_by_school_form_scope", 23, 53, "a huvudman case has no school form", ""),
    ("share_out_of_range.yaml", "schema_bad_value", 15, 12, "between 0 and 1, not 85", "0.5"),
    ("bad_date.yaml", "schema_bad_value", 6, 15, "`2016-02-30` is not a date", "YYYY-MM-DD"),
    ("bad_version.yaml", "schema_bad_value", 4, 12, "the version `v1` is not well formed", ""),
    ("duplicate_key.yaml", "yaml_duplicate_key", 23, 5, "key `then` appears twice", "line 22"),
    ("yaml_syntax.yaml", "yaml_syntax", 11, 105, "expected ','", ""),
    ("alias_bomb.yaml", "yaml_too_large", 2, 35, "after expanding aliases", ""),
    ("tag_not_allowed.yaml", "yaml_tag_not_allowed", 22, 21, "os.system", ""),
    ("test_unknown_rule.yaml", "ref_unknown_rule", 28, 7, "test `small grundskola` names rule `small-units`", "did you mean `small-unit`?"),
    ("test_bad_fact.yaml", "schema_unknown_key", 26, 39, "unknown key `pupil` in `unit`", "did you mean `pupils`?"),
    ("overlap", "registry_validity_overlap", 3, 3, "`broken@2.0.0` (valid 2015-12-01 – open) overlaps `broken@1.0.0`", "valid_to"),
]
#: Fixtures that report a second error at the same place, by design.
ALSO = {"tag_not_allowed.yaml": {"ref_unknown_outcome"}}


def _errors(name: str):
    diags = Diagnostics()
    Registry.load([INVALID / name], diags)
    return diags.errors


class TestInvalidPacks:
    @pytest.mark.parametrize("name, code, line, column, message, hint", CASES, ids=[c[0] for c in CASES])
    def test_reports_code_at_location(self, name, code, line, column, message, hint):
        """The pack fails with the expected code at the expected line and column, message and hint."""
        errors = _errors(name)
        found = [d for d in errors if d.code == code]
        assert found, [d.render() for d in errors]
        d = found[0]
        assert (line, column) == (d.location.line, d.location.column)
        assert message in d.message
        assert hint in d.hint
        assert d.location.file.endswith(name) or name == "overlap"

    @pytest.mark.parametrize("name", [c[0] for c in CASES])
    def test_reports_nothing_else(self, name):
        """Each fixture has one problem, so one error (no follow-on noise)."""
        expected = {c[1] for c in CASES if c[0] == name} | ALSO.get(name, set())
        assert expected == {d.code for d in _errors(name)}

    def test_every_fixture_has_a_row(self):
        """Each file under fixtures/invalid is in the table."""
        on_disk = {p.name for p in INVALID.iterdir()}
        assert on_disk == {c[0] for c in CASES}
