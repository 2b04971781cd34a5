"""Loading packs: shipped packs valid, single-file and directory packs alike, the content hash."""
from __future__ import annotations

import shutil

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy import Diagnostics, load_pack
from policy.canonical import canonical, dump_yaml
from policy.model import All, Compare, Known, NationalAverage, ParamRef

from . import strategies as S
from .conftest import RULES, codes

SMALL = """\
parameters:
  small_unit_pupils:
    unit: pupils
    value: 50
    source: GP2016 2.3.3
rules:
  - id: small-unit
    text: {sv: Små enheter väljs inte., en: Small units are not selected.}
    source: GP2016 2.3.3
    when: {fact: unit.pupils, lt: {param: small_unit_pupils}}
    then: {outcome: not_eligible}
"""


class TestShippedPacks:
    def test_every_shipped_pack_is_valid(self):
        """Every pack under policy/rules loads without errors or warnings."""
        for path in sorted(p for p in RULES.iterdir() if p.is_dir() or p.suffix == ".yaml"):
            diags = Diagnostics()
            pack = load_pack(path, diags)
            assert [] == [d.render() for d in diags], path
            assert pack is not None and len(pack.sha256) == 64

    def test_reference_pack_reads_as_written(self):
        """The 2016 pack keeps its rules in file order with per-form thresholds."""
        pack = load_pack(RULES / "sbs-2016", Diagnostics())
        assert ("sbs", "2016-01-01") == (pack.meta.id, pack.meta.valid_from)
        assert ["school-form-out-of-scope", "newcomer-programme", "state-school", "vite-not-concluded", "small-unit"] == [r.id for r in pack.rules][:5]
        small = pack.parameter("small_unit_pupils")
        assert (10, 50, None) == (small.value_for("grundsarskola"), small.value_for("gymnasieskola"), small.value_for("sameskola"))


class TestParsing:
    def test_shorthands_equal_long_forms(self, load_text):
        """`source: GP2016 2.3.3` equals `{doc: GP2016, section: 2.3.3}`; scope defaults to unit."""
        short, _ = load_text(SMALL)
        long_form = SMALL.replace("    source: GP2016 2.3.3\n    when", "    source: [{doc: GP2016, section: '2.3.3'}]\n    scope: unit\n    when")
        longer, diags = load_text(long_form, name="long.yaml")
        assert [] == codes(diags)
        assert short.rules == longer.rules
        assert short.sha256 == longer.sha256

    def test_condition_forms(self, load_text):
        """all / comparison with national average and `times` / known read into the model."""
        pack, diags = load_text("""\
            parameters:
              ratio: {unit: ratio, value: 0.9, source: GP2016 2.3.2}
            rules:
              - id: low
                text: {sv: Lågt., en: Low.}
                source: GP2016 2.3.2
                when:
                  all:
                    - known: unit.results.merit_value_y9
                    - fact: unit.results.merit_value_y9
                      lt: {national_average: merit_value_y9, times: ratio}
                then: {outcome: eligible}
            """)
        assert [] == codes(diags)
        when = pack.rules[0].when
        assert isinstance(when, All)
        assert Known("unit.results.merit_value_y9") == when.items[0]
        assert Compare("unit.results.merit_value_y9", "lt", NationalAverage("merit_value_y9", "ratio")) == when.items[1]

    def test_all_errors_reported_at_once(self, load_text):
        """Several problems in one pack are all reported, sorted by line."""
        _, diags = load_text(SMALL.replace("unit.pupils", "unit.pupil").replace("small_unit_pupils}", "small_unit_pupilz}").replace("source: GP2016 2.3.3\n    when", "source: GP2017 2.3.3\n    when"))
        assert ["ref_unknown_source", "ref_unknown_fact", "ref_unknown_parameter"] == codes(diags)
        lines = [d.location.line for d in diags.errors]
        assert sorted(lines) == lines

    def test_priority_parameter_must_be_points(self, load_text):
        """A priority taken from a parameter must be in points."""
        _, diags = load_text("""\
            parameters:
              bonus: {unit: pupils, value: 10, source: GP2016 2.3.2}
            rules:
              - id: no-dialogue
                scope: huvudman
                text: {sv: Ingen dialog., en: No dialogue.}
                source: GP2016 2.3.2 punkt 4
                when: {fact: huvudman.ongoing_sbs_dialogue, eq: false}
                then: {priority: {param: bonus}}
            """)
        assert ["type_mismatch"] == codes(diags)

    def test_national_average_of_another_unit(self, load_text):
        """A share compared with a national average in points is a type error."""
        _, diags = load_text("""\
            rules:
              - id: low
                text: {sv: Lågt., en: Low.}
                source: GP2016 2.3.2
                when: {fact: unit.results.share_degree_within_3y, lt: {national_average: average_grade_points}}
                then: {outcome: eligible}
            """)
        assert ["type_mismatch"] == codes(diags)

    def test_other_indicator_warns(self, load_text):
        """Comparing with the average of a different indicator of the same unit is a warning, not an error."""
        pack, diags = load_text("""\
            rules:
              - id: low
                text: {sv: Lågt., en: Low.}
                source: GP2016 2.3.2
                when: {fact: unit.results.grade_value_y6_maths, lt: {national_average: grade_value_y6_swedish}}
                then: {outcome: eligible}
            """)
        assert pack is not None
        assert ["indicator_mismatch"] == [d.code for d in diags.warnings]

    def test_test_outcome_must_fit_scope(self, load_text):
        """A YAML test of a unit cannot expect a huvudman outcome."""
        _, diags = load_text(SMALL + """\
            tests:
              - name: small
                facts: {unit: {pupils: 3}}
                expect: {outcome: proposed}
            """.replace("            ", ""))
        assert ["ref_unknown_outcome"] == codes(diags)

    def test_null_in_a_test_overrides_a_default(self, load_text):
        """A test writes `null` to make a defaulted fact unknown; the default does not survive."""
        pack, diags = load_text(SMALL + """\
            test_defaults:
              unit: {pupils: 300, results: {merit_value_y9: 230.0}}
              national_averages: {merit_value_y9: 224.4}
            tests:
              - name: unknown
                facts: {unit: {pupils: null, results: null}, national_averages: {merit_value_y9: null}}
                expect: {outcome: manual_review}
            """.replace("            ", ""))
        assert [] == codes(diags)
        assert {"unit": {"pupils": None, "results": None}, "national_averages": {"merit_value_y9": None}} == pack.tests[0].facts

    def test_test_defaults_merge_under_tests(self, load_text):
        """`test_defaults` are merged under each test's facts; the test's own values win."""
        pack, diags = load_text(SMALL + """\
            test_defaults:
              unit: {school_form: grundskola, pupils: 300}
            tests:
              - name: small
                facts: {unit: {pupils: 3}}
                expect: {outcome: not_eligible}
            """.replace("            ", ""))
        assert [] == codes(diags)
        assert {"unit": {"school_form": "grundskola", "pupils": 3}} == pack.tests[0].facts


class TestContentHash:
    def test_reformatting_keeps_hash(self, load_text):
        """Comments, key order, quoting and flow or block style do not change the hash."""
        a, _ = load_text(SMALL, name="a.yaml")
        b, diags = load_text("""\
            # the same pack, written differently
            rules:
              - then:
                  outcome: "not_eligible"
                when:
                  lt:
                    param: small_unit_pupils
                  fact: 'unit.pupils'
                source: "GP2016 2.3.3"
                text:
                  en: Small units are not selected.
                  sv: Små enheter väljs inte.
                id: small-unit
            parameters:
              small_unit_pupils: {source: GP2016 2.3.3, value: 50.0, unit: pupils}
            """, name="b.yaml")
        assert [] == codes(diags)
        assert a.sha256 == b.sha256

    def test_threshold_change_changes_hash(self, load_text):
        """Changing a threshold changes the hash."""
        a, _ = load_text(SMALL, name="a.yaml")
        b, _ = load_text(SMALL.replace("value: 50", "value: 49"), name="b.yaml")
        assert a.sha256 != b.sha256

    def test_text_change_changes_hash(self, load_text):
        """Changing a rule's text changes the hash: the text is part of what a reviewer reads."""
        a, _ = load_text(SMALL, name="a.yaml")
        b, _ = load_text(SMALL.replace("Small units", "Tiny units"), name="b.yaml")
        assert a.sha256 != b.sha256

    def test_tests_not_in_hash(self, load_text):
        """Adding YAML tests does not change the hash: tests decide nothing."""
        a, _ = load_text(SMALL, name="a.yaml")
        b, _ = load_text(SMALL + "tests:\n  - name: t\n    facts: {unit: {pupils: 3}}\n    expect: {outcome: not_eligible}\n", name="b.yaml")
        assert a.sha256 == b.sha256 and len(b.tests) == 1

    def test_directory_and_single_file_agree(self, tmp_path):
        """The shipped directory pack and its canonical single-file form load equal, with one hash."""
        diags = Diagnostics()
        pack = load_pack(RULES / "sbs-2016", diags)
        single = tmp_path / "single.yaml"
        single.write_text(dump_yaml(pack), encoding="utf-8")
        again = load_pack(single, diags)
        assert [] == [d.render() for d in diags]
        assert pack == again
        assert pack.sha256 == again.sha256

    def test_splitting_files_differently_keeps_hash(self, tmp_path):
        """Moving a rules file's content into pack.yaml keeps the hash."""
        copy = tmp_path / "pack"
        shutil.copytree(RULES / "sbs-2016", copy)
        crit = copy / "rules" / "20-criteria.yaml"
        rules = crit.read_text(encoding="utf-8")
        crit.unlink()
        (copy / "rules" / "10-exclusions.yaml").write_text(
            (copy / "rules" / "10-exclusions.yaml").read_text(encoding="utf-8") + rules.split("rules:\n", 1)[1], encoding="utf-8"
        )
        original = load_pack(RULES / "sbs-2016", Diagnostics())
        moved = load_pack(copy, Diagnostics())
        assert original.sha256 == moved.sha256

    def test_param_ref_kept(self, load_text):
        """A parameter comparison keeps the parameter's name (the trace shows it)."""
        pack, _ = load_text(SMALL)
        assert ParamRef("small_unit_pupils") == pack.rules[0].when.right


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(S.conditions, min_size=1, max_size=4))
def test_load_dump_load_is_identity(tmp_path_factory, conds):
    """For generated well-typed conditions: load → canonical dump → load gives an equal pack and hash."""
    d = tmp_path_factory.mktemp("gen")
    first = d / "first.yaml"
    first.write_text(yaml.safe_dump(S.pack_document(conds), allow_unicode=True), encoding="utf-8")
    diags = Diagnostics()
    pack = load_pack(first, diags)
    assert [] == [x.render() for x in diags.errors]
    second = d / "second.yaml"
    second.write_text(dump_yaml(pack), encoding="utf-8")
    again = load_pack(second, diags)
    assert pack == again and pack.sha256 == again.sha256
    assert canonical(pack) == canonical(again)


TRILINGUAL_HEAD = """\
pack:
  id: demo
  version: 1.0.0
  format: 1
  valid_from: 2016-01-01
  languages: [sv, en, fi]
  title: {sv: Exempel, en: Example, fi: Esimerkki}
  sources:
    GP2016: {title: Genomförandeplan}
outcomes:
  unit: {precedence: [not_eligible, eligible], default: not_eligible, on_unknown: not_eligible}
parameters:
  small_unit_pupils: {unit: pupils, value: 50, source: GP2016 2.3.3}
"""
SMALL_UNIT_RULE = """\
rules:
  - id: small-unit
    text: {TEXT}
    source: GP2016 2.3.3
    when: {fact: unit.pupils, lt: {param: small_unit_pupils}}
    then: {outcome: not_eligible}
"""


class TestLanguages:
    """A pack declares its languages; every text carries each of them (Swedish and English always)."""

    def _load(self, load_text, head: str, text: str):
        return load_text(head + SMALL_UNIT_RULE.replace("{TEXT}", text), head=False)

    def test_a_third_language_is_carried_into_the_record(self, load_text):
        """A pack in sv, en and fi loads, and a decision's trace gives the rule's text in all three."""
        from engine import Engine, unit_case

        pack, diags = self._load(load_text, TRILINGUAL_HEAD, "{sv: Liten enhet, en: Small unit, fi: Pieni yksikkö}")
        assert [] == codes(diags)
        assert ("sv", "en", "fi") == pack.meta.languages
        record = Engine(pack).evaluate(unit_case({"unit": {"id": "48151623", "school_form": "grundskola", "pupils": 20}}))
        assert {"sv": "Liten enhet", "en": "Small unit", "fi": "Pieni yksikkö"} == record["trace"][0]["text"]

    def test_texts_keep_one_order_however_written(self, load_text):
        """`{fi, en, sv}` is the same text as `{sv, en, fi}`: the same pack hash."""
        a, _ = self._load(load_text, TRILINGUAL_HEAD, "{sv: Liten enhet, en: Small unit, fi: Pieni yksikkö}")
        b, _ = self._load(load_text, TRILINGUAL_HEAD, "{fi: Pieni yksikkö, en: Small unit, sv: Liten enhet}")
        assert a.sha256 == b.sha256

    def test_declaring_a_language_changes_the_hash_and_leaving_it_out_does_not(self, load_text):
        """`languages: [sv, en]` written out is the default: the same hash as a pack that says nothing."""
        head = TRILINGUAL_HEAD.replace("  languages: [sv, en, fi]\n", "  languages: [sv, en]\n").replace(", fi: Esimerkki", "")
        written, d1 = self._load(load_text, head, "{sv: Liten enhet, en: Small unit}")
        silent, d2 = self._load(load_text, head.replace("  languages: [sv, en]\n", ""), "{sv: Liten enhet, en: Small unit}")
        assert ([], []) == (codes(d1), codes(d2))
        assert written.sha256 == silent.sha256

    def test_a_declared_language_missing_from_a_rule_is_an_error_at_the_rule(self, load_text):
        """fi declared, the rule in sv and en only: `text_missing_language` at the rule, naming fi."""
        pack, diags = self._load(load_text, TRILINGUAL_HEAD, "{sv: Liten enhet, en: Small unit}")
        assert pack is None
        [d] = diags.errors
        assert ("text_missing_language", 15) == (d.code, d.location.line)  # the rule's `- id:` line
        assert "rule `small-unit` has no text in `fi`" in d.message

    def test_the_title_is_located_at_the_title(self, load_text):
        """fi declared, the title in sv and en: the error points at `title:` (line 7), not at `pack:`."""
        head = TRILINGUAL_HEAD.replace(", fi: Esimerkki", "")
        pack, diags = self._load(load_text, head, "{sv: Liten enhet, en: Small unit, fi: Pieni yksikkö}")
        [d] = diags.errors
        assert ("text_missing_language", 7) == (d.code, d.location.line)

    def test_an_undeclared_language_is_an_error(self, load_text):
        """A Finnish text in a pack that declares none: `text_undeclared_language`, with the fix."""
        head = TRILINGUAL_HEAD.replace("  languages: [sv, en, fi]\n", "").replace(", fi: Esimerkki", "")
        pack, diags = self._load(load_text, head, "{sv: Liten enhet, en: Small unit, fi: Pieni yksikkö}")
        assert pack is None
        [d] = diags.errors
        assert "text_undeclared_language" == d.code and "languages: [sv, en, fi]" in d.hint

    @pytest.mark.parametrize("languages", ["[sv, fi]", "[sv, en, sv]", "[sv, en, Finnish]"])
    def test_languages_must_name_swedish_and_english_once(self, load_text, languages):
        """Swedish and English are never optional; a language is a two- or three-letter code."""
        head = TRILINGUAL_HEAD.replace("[sv, en, fi]", languages)
        pack, diags = self._load(load_text, head, "{sv: Liten enhet, en: Small unit, fi: Pieni yksikkö}")
        assert pack is None
        assert "schema_bad_value" in codes(diags)

    def test_the_editor_schema_knows_languages(self):
        """The JSON Schema accepts `languages:` and a text in a further language, and refuses `languages: [sv]`."""
        import jsonschema
        import yaml

        from policy.schema import pack_schema

        doc = yaml.safe_load(TRILINGUAL_HEAD + SMALL_UNIT_RULE.replace("{TEXT}", "{sv: a, en: b, fi: c}"))
        doc["pack"]["valid_from"] = str(doc["pack"]["valid_from"])
        jsonschema.validate(doc, pack_schema())
        doc["pack"]["languages"] = ["sv"]
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(doc, pack_schema())


def test_pack_error_names_the_first_problem_and_counts_the_rest():
    """A library caller's exception reads like the CLI's first line, and says how many more there are."""
    from policy import PackError
    from policy.diagnostics import Diagnostic, Location

    one = Diagnostic("schema_unknown_key", "unknown key `whenn`", Location("r.yaml", 3, 5))
    two = Diagnostic("param_missing_unit", "parameter `x` has no unit", Location("r.yaml", 9, 1))
    assert "r.yaml:3:5: schema_unknown_key: unknown key `whenn`" == str(PackError([one]))
    assert "r.yaml:3:5: schema_unknown_key: unknown key `whenn` (and 2 more)" == str(PackError([one, two, two]))
    assert "invalid pack" == str(PackError([]))
    assert [one, two] == PackError([one, two]).diagnostics
