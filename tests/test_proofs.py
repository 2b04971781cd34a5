"""`sbs check`: each finding planted in fixtures/check/planted.yaml is reported with its code, its place
and a witness the engine confirms; the shipped packs pass."""
from __future__ import annotations

import json
import shutil

import pytest
import yaml
from click.testing import CliRunner

from cli.main import cli
from engine.batch.packtests import run_tests
from engine.core.runner import Engine
from engine.symbolic.check import check_pack
from policy import Diagnostics, load_pack
from policy.model import Expectation, TestCase

from .conftest import FIXTURES, ROOT, SHARED

PLANTED = FIXTURES / "check" / "planted.yaml"


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope=SHARED)
def planted():
    pack = load_pack(PLANTED, Diagnostics())
    found = _run("check", str(PLANTED), "--format", "json")
    return pack, found, {(f["code"], f["rule"]): f for f in json.loads(found.stdout)["findings"]}


def _line(text: str) -> int:
    """The line of the fixture where `text` is written."""
    return next(i for i, line in enumerate(PLANTED.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def _evaluate(pack, witness: dict):
    """The engine's decision of a witness, as the pack's YAML tests evaluate it."""
    case = TestCase(witness["name"], witness.get("scope", "unit"), witness["facts"], Expectation())
    return run_tests(pack, Engine(pack), [case], default_refusals=True)[0]


def test_an_error_finding_fails_the_check(planted):
    _, found, _ = planted
    assert found.exit_code == 1


def test_a_rule_that_can_never_fire_names_the_parts_that_contradict(planted):
    _, _, by = planted
    f = by[("check_never_fires", "tiny-and-large")]
    assert f["severity"] == "error" and f["witness"] is None
    assert f["location"].endswith(f"planted.yaml:{_line('id: tiny-and-large')}:5")
    assert f"unit.pupils < small ({_line('lt: {param: small}')}:" in f["message"]
    assert f"unit.pupils > large ({_line('gt: {param: large}')}:" in f["message"]


def test_a_masked_rule_has_a_witness_where_it_fires_and_another_rule_decides(planted):
    pack, _, by = planted
    f = by[("check_masked", "small-special-school")]
    assert f["location"].endswith(f":{_line('id: small-special-school')}:5")
    got = _evaluate(pack, f["witness"])
    assert got.statuses["small-special-school"] == "fired"
    assert got.outcome == "excluded" == f["witness"]["expect"]["outcome"]
    assert "check_masked: small-special-school" == f["witness"]["name"]  # a test to paste, named by the finding
    assert "`state-school`" in f["message"]


def test_a_rule_that_is_never_false(planted):
    pack, _, by = planted
    f = by[("check_never_false", "always")]
    assert f["severity"] == "warning"
    assert _evaluate(pack, f["witness"]).statuses["always"] == "fired"


def test_an_exception_that_never_holds_with_its_rule(planted):
    _, _, by = planted
    f = by[("check_exception_never_applies", "small-exception")]
    assert "`big-unit`" in f["message"] and f["location"].endswith(f":{_line('id: small-exception')}:5")


def test_a_refusal_by_default_has_a_witness_the_pack_tests_would_fail(planted):
    pack, _, by = planted
    f = by[("check_default_refusal", None)]
    assert f["severity"] == "error"
    case = TestCase("w", "unit", f["witness"]["facts"], Expectation(outcome="not_eligible"))
    failures = run_tests(pack, Engine(pack), [case])[0].failures
    assert any("refused by the default outcome" in x for x in failures)
    # the finding points at the outcome policy whose default refuses, even when rules are involved
    assert f["location"].endswith(f":{_line('unit: {precedence')}:3")


def test_an_outcome_no_case_reaches(planted):
    _, _, by = planted
    f = by[("check_unreachable_outcome", None)]
    assert "`deferred`" in f["message"] and f["location"].endswith(f":{_line('unit: {precedence')}:3")


def test_a_derived_fact_that_cannot_matter(planted):
    _, _, by = planted
    f = by[("check_derived_irrelevant", "deficient")]
    assert f["location"].endswith(f":{_line('then: {derive: deficient}')}:11")
    assert f["message"] == ("`deficient` cannot change any unit decision: "
                            "whatever its value, every outcome and priority stays the same")


def test_every_planted_finding_and_no_other(planted):
    _, _, by = planted
    assert sorted(by) == sorted([
        ("check_never_fires", "tiny-and-large"), ("check_masked", "small-special-school"), ("check_never_false", "always"),
        ("check_masked", "deficient-special-school"), ("check_exception_never_applies", "small-exception"),
        ("check_default_refusal", None), ("check_unreachable_outcome", None), ("check_derived_irrelevant", "deficient")])


def test_a_witness_pasted_into_the_packs_tests_passes(planted, tmp_path):
    """The witness is a YAML test case an officer can paste as it is: `sbs test` runs it and it passes."""
    _, _, by = planted
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "pack.yaml").write_text(PLANTED.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "pack" / "tests").mkdir()
    tests = [by[k]["witness"] for k in (("check_masked", "small-special-school"), ("check_never_false", "always"))]
    (tmp_path / "pack" / "tests" / "witnesses.yaml").write_text(yaml.safe_dump({"tests": tests}, allow_unicode=True),
                                                                encoding="utf-8")
    result = _run("test", str(tmp_path / "pack"))
    assert "2 tests, 2 passed" in result.stdout, result.stdout


def test_a_finding_recorded_as_intended_does_not_fail(tmp_path):
    text = PLANTED.read_text(encoding="utf-8")
    text = text.replace("    then: {outcome: not_eligible}\n\n  # check_masked",
                        "    then: {outcome: not_eligible}\n    intended: {check_never_fires: kept to show the proof}\n\n  # check_masked")
    text = text.replace("  unit: {precedence: [excluded, deferred, not_eligible, manual_review, eligible], default: not_eligible, on_unknown: manual_review}",
                        "  unit:\n    precedence: [excluded, deferred, not_eligible, manual_review, eligible]\n    default: not_eligible\n"
                        "    on_unknown: manual_review\n    intended: {check_default_refusal: every size is named in the next version}")
    path = tmp_path / "pack.yaml"
    path.write_text(text, encoding="utf-8")
    before = load_pack(PLANTED, Diagnostics())
    after = load_pack(path, Diagnostics())
    assert after.sha256 == before.sha256, "what a pack records as intended is not part of its hash"
    found = check_pack(after)
    assert {f.code: f.intended for f in found if f.severity == "error"} == {
        "check_never_fires": "kept to show the proof", "check_default_refusal": "every size is named in the next version"}
    result = _run("check", str(path))
    assert result.exit_code == 0 and "intended: kept to show the proof" in result.stdout


def test_an_intended_mark_names_a_finding_sbs_check_makes(tmp_path, load_text):
    from .conftest import HEAD
    pack, diags = load_text(HEAD + """
rules:
  - id: r
    text: {sv: R., en: R.}
    source: GP2016 2.3.2
    when: {fact: unit.in_underlag, eq: true}
    then: {outcome: eligible}
    intended: {check_never_firing: typo}
""")
    assert pack is None and any(d.code == "schema_unknown_key" and "check_never_fires" in d.hint for d in diags.errors)


def test_the_shipped_packs_pass():
    """Every finding on a shipped pack is recorded as intended (or the version is kept only for replay)."""
    result = _run("check", "--format", "json")
    assert result.exit_code == 0
    findings = json.loads(result.stdout)["findings"]
    assert findings and all(f["intended"] for f in findings)


def test_an_engine_that_decides_a_witness_otherwise_is_an_engine_error(monkeypatch):
    """A witness the engine decides otherwise than the proof is never shown as a finding: exit 1, loudly."""
    from engine.batch.packtests import TestResult
    from engine.symbolic import witness as W

    def wrong(self, pack, scope, facts):
        return TestResult(TestCase("w", scope, facts, Expectation()), (), {}, "manual_review")

    monkeypatch.setattr(W.Confirmer, "run", wrong)
    result = CliRunner().invoke(cli, ["check", str(PLANTED)])
    assert result.exit_code == 1
    assert "engine error: check_disagreement: planted@1.0.0: the engine decides this unit case `manual_review`" in result.stderr


def test_every_witness_shows_its_own_finding_and_runs_agree(planted):
    """Each masked rule's witness fires that rule (a witness was once another finding's, by a reused id), and
    two runs print the same findings."""
    import subprocess
    import sys
    pack, found, by = planted
    for rule in ("small-special-school", "deficient-special-school"):
        assert _evaluate(pack, by[("check_masked", rule)]["witness"]).statuses[rule] == "fired", rule
    runs = {subprocess.run([sys.executable, "-m", "cli.main", "check", str(PLANTED), "--format", "json"],
                           capture_output=True, text=True, cwd=ROOT).stdout for _ in range(2)}
    assert runs == {found.stdout}


@pytest.mark.parametrize("name", ["ratio", "grades_text", "text_facts"])
def test_the_z3_reading_agrees_with_the_engine_on_hard_cases(name):
    """A ratio times a national average (floats against exact numbers), a rule reading `unit.grades` as text
    beside the years it implies, and one text fact compared with another: each witness decided by the
    engine as the proof says, never an engine error."""
    result = CliRunner().invoke(cli, ["check", str(FIXTURES / "check" / f"{name}.yaml"), "--format", "json"])
    assert "check_disagreement" not in result.output, result.output
    findings = json.loads(result.stdout)["findings"]
    codes = {(f["code"], f["rule"]) for f in findings}
    if name == "grades_text":  # F-3 never teaches year 9
        assert ("check_never_fires", "f3-teaching-y9") in codes and ("check_never_fires", "f3-teaching-y9-refused") in codes
    if name == "text_facts":  # a unit may share its buildings with another
        assert ("check_never_fires", "self-building") not in codes


def test_a_context_fact_stated_null_in_a_test_is_unknown(tmp_path):
    """`context: {unit.same_building_eligible: null}` reads as unknown, as the witnesses of `sbs check` and
    `sbs compare` mean it (it was read as left out, so false)."""
    from .conftest import RULES
    pack_dir = tmp_path / "p"
    shutil.copytree(RULES / "sbs-2019-3.1", pack_dir, ignore=shutil.ignore_patterns("tests"))
    (pack_dir / "tests").mkdir()
    (pack_dir / "tests" / "sb.yaml").write_text(
        "tests:\n"
        "  - name: shared building unknown\n"
        "    facts:\n"
        "      unit: {school_form: grundskola, grades: F-2, in_underlag: true, pupils: 300}\n"
        "      huvudman: {in_newcomer_programme: false}\n"
        "      context: {unit.same_building_eligible: null}\n"
        "    expect: {outcome: manual_review, unknown: [same-building-complement]}\n", encoding="utf-8")
    result = _run("test", str(pack_dir))
    assert "1 test, 1 passed" in result.stdout, result.stdout


def test_a_pack_without_findings_says_so(tmp_path):
    from .test_mutation import TINY
    (tmp_path / "pack.yaml").write_text(TINY.replace("precedence: [excluded, manual_review, eligible, not_eligible]",
                                                     "precedence: [excluded, manual_review, eligible]"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(tmp_path)])
    assert result.exit_code == 0 and "" == result.stdout
    assert "tiny@1.0.0: no findings\n" == result.stderr



def test_a_default_refusal_a_rule_might_explain_names_it_and_points_at_the_outcome_policy():
    """sbs@2.1.0's gap (recorded as intended): refusing rules that might apply, each unknown, are named in the
    finding, which still points at the outcome policy whose default refuses, where the missing reason goes."""
    from .conftest import RULES
    path = RULES / "sbs-2016-2.1" / "pack.yaml"
    pack = load_pack(path.parent, Diagnostics())
    line = next(i for i, ln in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if ln.startswith("  unit:"))
    [found] = [f for f in check_pack(pack) if f.code == "check_default_refusal" and f.scope == "unit"]
    assert (found.location.line, found.location.column) == (line, 3)
    assert found.message.endswith("`added-unit-without-underlag-huvudman`, `added-unit-without-eligible-underlag-unit` "
                                  "might apply, each unknown, and none surely does")
