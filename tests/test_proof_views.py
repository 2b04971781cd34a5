"""The text of the proofs (`sbs check`, `sbs compare`, `sbs explain --why-not`), from findings, differences
and answers given here: what an officer reads of a witness, whichever witness z3 finds."""
from __future__ import annotations

from types import SimpleNamespace

from engine.symbolic.check import ERROR, WARNING, Finding
from engine.symbolic.compare import Comparison, Difference
from engine.symbolic.counterfactual import Answer, Change, WhyNot
from engine.symbolic.witness import Witness
from engine.views.proofs import comparison_text, findings_summary, findings_text, why_not_text
from policy.diagnostics import Location

PACK = "planted@1.0.0"
WHERE = Location("rules/10.yaml", 12, 5)


def _masked(**kw):
    return Finding("check_masked", ERROR, PACK, "unit", "small-special-school", WHERE,
                   "fires only where `state-school` decides", **kw)


def test_a_finding_with_its_witness_as_a_test_to_paste():
    witness = Witness("unit", {"unit": {"school_form": "specialskola", "pupils": 12}}, "excluded")
    text = findings_text([_masked(witness=witness, expect={"outcome": "excluded", "fired": ["small-special-school"]})])
    assert text == (
        "rules/10.yaml:12:5: error: check_masked: [planted@1.0.0 unit small-special-school] fires only where `state-school` decides\n"
        "  witness, as a test case for the pack's tests:\n"
        "    - name: 'check_masked: small-special-school'\n"
        "      facts:\n"
        "        unit:\n"
        "          school_form: specialskola\n"
        "          pupils: 12\n"
        "      expect:\n"
        "        outcome: excluded\n"
        "        fired:\n"
        "        - small-special-school\n")


def test_a_huvudman_witness_names_its_scope_and_an_intended_finding_its_reason_alone():
    witness = Witness("huvudman", {"huvudman": {"type": "stat"}}, "not_proposed")
    found = Finding("check_default_refusal", WARNING, PACK, "huvudman", None, WHERE, "a case no rule decides", witness=witness)
    text = findings_text([found])
    assert "rules/10.yaml:12:5: warning: check_default_refusal: [planted@1.0.0 huvudman] a case no rule decides\n" in text
    assert "    - name: 'check_default_refusal: huvudman'\n      scope: huvudman\n" in text
    assert "      expect:\n        outcome: not_proposed\n" in text
    kept = findings_text([_masked(witness=witness, intended="kept to show the proof")])
    assert kept.endswith("decides\n  intended: kept to show the proof\n") and "witness" not in kept
    assert "" == findings_text([])


def test_the_summary_counts_failing_intended_and_warnings_per_pack():
    found = [_masked(), _masked(intended="kept"), Finding("check_unreachable_outcome", WARNING, PACK, "unit", None, WHERE, "x")]
    assert ("planted@1.0.0: 3 findings, 1 failing, 1 intended, 1 warning\nother@1.0.0: no findings"
            == findings_summary(found, [PACK, "other@1.0.0"]))
    assert "planted@1.0.0: 1 finding, 1 failing, 0 intended, 0 warnings" == findings_summary([_masked()], [PACK])


def _comparison(*differences, missing=()):
    return Comparison(SimpleNamespace(ref="sbs@2.0.0"), SimpleNamespace(ref="sbs@2.1.0"), ("unit", "huvudman"),
                      tuple(differences), missing)


def test_a_comparison_names_each_pair_of_outcomes_the_rules_that_differ_and_the_case():
    d = Difference("unit", "eligible", "excluded", {"unit": {"school_form": "grundskola", "pupils": 45}},
                   {"small-unit": ("not_fired", "fired"), "new-rule": (None, "fired")})
    h = Difference("huvudman", "proposed", "proposed", {"huvudman": {"type": "kommun"}}, {},
                   priority=(110, 100), derived={"results_well_above": ("false", "true")})
    assert comparison_text(_comparison(d, h, missing=("agreement",))) == (
        "sbs@2.0.0 → sbs@2.1.0: not equivalent: 2 cases decided differently\n"
        "unit: eligible → excluded\n"
        "  rules whose status differs: new-rule (absent → fired), small-unit (not_fired → fired)\n"
        "  the case:\n"
        "    unit:\n"
        "      school_form: grundskola\n"
        "      pupils: 45\n"
        "huvudman: proposed → proposed, priority 110 → 100, results_well_above false → true\n"
        "  rules whose status differs: none\n"
        "  the case:\n"
        "    huvudman:\n"
        "      type: kommun\n"
        "agreement: not compared (only one of the packs has agreement rules)\n")


def test_an_equivalent_comparison_says_so_per_scope():
    one = Difference("unit", "eligible", "excluded", {"unit": {"pupils": 45}}, {"small-unit": ("not_fired", None)})
    assert comparison_text(_comparison()) == (
        "sbs@2.0.0 → sbs@2.1.0: equivalent\n"
        "unit: equivalent (no unit case is decided differently)\n"
        "huvudman: equivalent (no huvudman case is decided differently)\n")
    text = comparison_text(_comparison(one))
    assert text.startswith("sbs@2.0.0 → sbs@2.1.0: not equivalent: 1 case decided differently\n")
    assert "small-unit (not_fired → absent)" in text
    assert text.endswith("huvudman: equivalent (no huvudman case is decided differently)\n")


def _why(answers, **kw):
    return WhyNot("48151711", "unit", "not_eligible", kw.pop("to", None), tuple(answers),
                  ("unit.school_form", "unit.in_underlag"), **kw)


def test_why_not_lists_the_smallest_changes_with_their_sources_in_swedish_and_english():
    answers = [Answer("eligible", (Change("unit.results.merit_value_y9", 231.5, 180.0), Change("unit.pupils", None, 120)),
                      ("low-results-y9", "selection-criteria-met"), {"unit.results.merit_value_y9": ("GP2016 2.3.2 punkt 1",)}),
               Answer("manual_review", (Change("unit.results.merit_value_y9", 231.5, None),), ("selection-criteria-met",))]
    sv = why_not_text(_why(answers, with_others=("huvudman.type",)), "Granbyskolan 7-9", "sv")
    lines = sv.splitlines()
    assert lines[0] == "48151711 Granbyskolan 7-9: ej valbar"
    assert lines[1] == "Minsta ändringar som ger ett annat utfall:"
    assert lines[2].startswith("1. ") and " i stället för 231,5 (GP2016 2.3.2 punkt 1) och " in lines[2]
    assert lines[2].endswith(" 120 (saknas i dag) → valbar")
    assert lines[3] == "   regler som ändras: low-results-y9, selection-criteria-met"
    assert lines[4].startswith("2. ") and lines[4].endswith(" → manuell prövning")
    assert lines[6] == "Hålls fasta (kan inte ändras av skolenheten): unit.school_form, unit.in_underlag"
    assert lines[7] == ("Hålls också fasta, eftersom de ändrar skolenheternas beslut (pröva dem med --why-not på "
                        "skolenheterna): huvudman.type")
    en = why_not_text(_why(answers[:1], to="eligible"), "", "en")
    assert en.splitlines()[:2] == ["48151711: not eligible", "The smallest changes that give eligible:"]
    assert " instead of 231.5 (GP2016 2.3.2 punkt 1) and " in en and "(missing now) → eligible" in en
    assert en.endswith("Held fixed (the unit cannot change them): unit.school_form, unit.in_underlag\n")


def test_why_not_without_an_answer_says_that_no_change_gives_the_outcome():
    assert why_not_text(_why([], to="eligible"), "", "sv") == (
        "48151711: ej valbar\n"
        "Ingen ändring av de fakta som kan ändras ger valbar.\n"
        "Hålls fasta (kan inte ändras av skolenheten): unit.school_form, unit.in_underlag\n")


def test_a_backtest_writes_a_share_by_school_form_as_percentages_in_both_packs():
    """A share set per school form reads as the officer wrote it (per cent), on each side of the change."""
    from engine.batch.backtest import Backtest
    from engine.views.proofs import backtest_text
    share = {"unit": "share", "by_school_form": {"grundskola": 0.25, "gymnasieskola": 0.3}}
    bt = Backtest(SimpleNamespace(ref="sbs@2.1.1"), (), [
        {"name": "low_share", "sbs@2.1.0": share, "sbs@2.1.1": {**share, "value": 0.125}}])
    text = backtest_text(bt)
    assert ("  low_share: sbs@2.1.0 grundskola 25 %, gymnasieskola 30 % "
            "| sbs@2.1.1 grundskola 25 %, gymnasieskola 30 %; 12,5 %\n") in text
