"""`sbs compare`: two versions read together by z3; every witness decided by the engine with both packs."""
from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from cli.main import cli
from engine.batch.packtests import run_tests
from engine.core.runner import Engine
from policy import Diagnostics
from policy.model import Expectation, TestCase
from policy.registry import Registry

from .conftest import RULES, SHARED


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope=SHARED)
def shipped():
    return Registry.load([RULES], Diagnostics())


def _decide(pack, scope: str, facts: dict):
    return run_tests(pack, Engine(pack), [TestCase("w", scope, facts, Expectation())], default_refusals=True)[0]


def test_2016_and_2019_differ_on_preschools_and_the_engine_confirms_each_witness(shipped):
    result = _run("compare", "sbs@2.0.0", "sbs@3.0.0", "--format", "json")
    assert result.exit_code == 0
    out = json.loads(result.stdout)
    assert out["equivalent"] is False and out["witnesses"]
    old, new = shipped.get("sbs@2.0.0"), shipped.get("sbs@3.0.0")
    for w in out["witnesses"]:
        assert set(w) >= {"scope", "from", "to", "facts", "rules"}
        assert _decide(old, w["scope"], w["facts"]).outcome == w["from"]
        assert _decide(new, w["scope"], w["facts"]).outcome == w["to"]
        assert w["rules"], "the rules whose status differs are named"
    # 2019 adds förskolor: a preschool the 2016 pack excludes as out of scope
    preschool = [w for w in out["witnesses"] if w["facts"].get("unit", {}).get("school_form") == "forskola"]
    assert preschool and all(w["from"] == "excluded" for w in preschool)
    assert "school-form-out-of-scope" in preschool[0]["rules"]


def test_a_pack_is_equivalent_to_itself_reformatted_under_another_id(tmp_path, shipped):
    """Key order, flow style, comments, another id and version: nothing that decides, so no witness."""
    import yaml
    draft = tmp_path / "draft"
    shutil.copytree(RULES / "sbs-2019-3.1", draft)
    for f in draft.rglob("*.yaml"):
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        if f.name == "pack.yaml":
            doc["pack"].update(id="utkast", version="0.1.0")
            doc["pack"].pop("replaces", None)
            doc["pack"].pop("supersedes", None)
        if "tests" in f.parts:
            f.unlink()
            continue
        f.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=True, default_flow_style=True, width=60),
                     encoding="utf-8")
    result = _run("compare", "sbs@3.1.0", str(draft), "--format", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["equivalent"] is True and out["witnesses"] == []
    assert out["scopes"] == ["unit", "huvudman", "agreement", "insats"]
    text = _run("compare", "sbs@3.1.0", str(draft)).stdout
    assert "sbs@3.1.0 → utkast@0.1.0: equivalent" in text and "unit: equivalent" in text


def _draft(tmp_path, text_edit):
    """A copy of sbs@3.1.0 as the draft `utkast` (its own id: it replaces and supersedes nothing), edited."""
    draft = tmp_path / "draft"
    shutil.copytree(RULES / "sbs-2019-3.1", draft)
    pack = draft / "pack.yaml"
    lines = [line for line in pack.read_text(encoding="utf-8").splitlines(keepends=True)
             if not line.startswith(("  replaces:", "  supersedes:"))]
    text = "".join(lines).replace("  id: sbs\n", "  id: utkast\n")
    pack.write_text(text_edit(text), encoding="utf-8")
    return draft


def test_a_draft_moving_one_threshold_differs_just_past_it(tmp_path, shipped):
    """The small-unit threshold of grundskolor from 50 to 40 pupils: a unit of 40 to 49 pupils is decided otherwise."""
    def edit(text):
        assert "      grundskola: 50\n" in text
        return text.replace("      grundskola: 50\n", "      grundskola: 40\n")
    draft = _draft(tmp_path, edit)
    out = json.loads(_run("compare", "sbs@3.1.0", str(draft), "--scope", "unit", "--format", "json").stdout)
    assert out["equivalent"] is False
    assert {w["scope"] for w in out["witnesses"]} == {"unit"}
    for w in out["witnesses"]:
        assert "small-unit" in w["rules"]
        unit = w["facts"]["unit"]
        assert unit["school_form"] == "grundskola" and 40 <= unit["pupils"] < 50
        assert w["statuses"]["small-unit"] == ["fired", "not_fired"]


def test_huvudman_priorities_that_differ_are_a_difference(tmp_path):
    """Two versions that propose the same huvudmän but rank them otherwise are not equivalent."""
    def edit(text):
        start = text.index("  priority_results:")
        return text[:start] + text[start:].replace("    value: 10\n", "    value: 11\n", 1)
    draft = _draft(tmp_path, edit)
    out = json.loads(_run("compare", "sbs@3.1.0", str(draft), "--scope", "huvudman", "--format", "json").stdout)
    [w] = out["witnesses"]
    assert w["from"] == w["to"] == "proposed"
    assert w["priority"][1] - w["priority"][0] == 1


def test_scopes_one_pack_lacks_are_said_not_compared():
    out = json.loads(_run("compare", "sbs@1.1.0", "sbs@2.1.0", "--format", "json").stdout)
    assert out["not_compared"] == ["agreement", "insats"]


def test_an_unknown_version_is_an_error():
    result = CliRunner().invoke(cli, ["compare", "sbs@9.9.9", "sbs@2.1.0"])
    assert result.exit_code == 1 and "no version `9.9.9`" in result.output


def test_a_scope_neither_pair_can_compare_is_not_called_equivalent():
    result = CliRunner().invoke(cli, ["compare", "sbs@1.0.0", "sbs@3.1.0", "--scope", "agreement"])
    assert result.exit_code == 1 and "nothing to compare" in result.output and "equivalent" not in result.output


def test_a_ref_without_a_version_is_a_usage_error():
    result = CliRunner().invoke(cli, ["compare", "sbs@", "sbs@3.1.0"])
    assert result.exit_code == 2 and "`sbs@` names no version" in result.output
    assert CliRunner().invoke(cli, ["check", "sbs@"]).exit_code == 2


def test_a_pack_named_twice_is_checked_once():
    once = json.loads(_run("check", "sbs@3.1.0", "--format", "json").stdout)["findings"]
    twice = json.loads(_run("check", "sbs@3.1.0", "sbs@3.1.0", "--format", "json").stdout)["findings"]
    assert len(twice) == len(once)


@pytest.mark.slow
def test_the_same_comparison_prints_the_same_witnesses_every_time():
    """Two processes with different hash seeds give byte-identical JSON (a set's order once steered the solver)."""
    import os
    import subprocess
    import sys

    from .conftest import ROOT
    outs = {subprocess.run([sys.executable, "-m", "cli.main", "compare", "sbs@2.1.0", "sbs@3.1.0", "--format", "json"],
                           capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
            for seed in ("1", "2")}
    assert len(outs) == 1 and '"witnesses"' in outs.pop()


def test_a_priority_written_otherwise_is_the_same_priority():
    """The engine's priority 2 and z3's 2.0 agree (no engine error); 2 and 3, or a number and `unknown`, do not."""
    from engine.symbolic.compare import _same_numbers

    assert _same_numbers((2, 1.5), ("2.0", "1.5"))
    assert not _same_numbers((2, 1), (2, 3))
    assert not _same_numbers(("unknown", 1), (1, 1))
    assert not _same_numbers((None, 1), (1, 1))


def test_a_derived_fact_the_round_counts_is_a_difference_even_when_the_outcome_is_not(tmp_path):
    """`spread_above_ratio` from 1.1 to 1.2: no unit is decided otherwise, but whether its results lie well above
    the average (which a huvudman's spread counts) changes; the witness names the fact with both values."""
    def edit(text):
        start = text.index("  spread_above_ratio:")
        return text[:start] + text[start:].replace("    value: 1.1\n", "    value: 1.2\n", 1)
    draft = _draft(tmp_path, edit)
    out = json.loads(_run("compare", "sbs@3.1.0", str(draft), "--scope", "unit", "--format", "json").stdout)
    assert out["equivalent"] is False and out["witnesses"]
    for w in out["witnesses"]:
        assert w["from"] == w["to"] and "results-well-above" in w["rules"]
        before, after = w["derived"]["results_well_above"]
        assert before != after
    text = _run("compare", "sbs@3.1.0", str(draft), "--scope", "unit").stdout
    assert f"results_well_above {before} → {after}" in text


def test_an_engine_that_disagrees_with_the_proof_is_an_error_naming_both(shipped):
    """A witness the engine decides otherwise than the z3 reading is never reported as a difference: it is an
    error naming both packs and what each side gives."""
    from engine.symbolic.compare import Comparer
    from engine.symbolic.witness import Confirmer, Disagreement

    pack = shipped.get("sbs@3.1.0")
    comparer = Comparer(pack, pack, "unit", Confirmer())
    with pytest.raises(Disagreement) as e:
        comparer.agree("outcome", ("eligible", "excluded"), ("eligible", "not_eligible"), lambda d: d)
    assert str(e.value) == ("sbs@3.1.0 and sbs@3.1.0: the engine gives outcome eligible and not_eligible on a unit case, "
                            "the z3 reading eligible and excluded")
    comparer.agree("priority", (2, 1.5), ("2.0", "1.5"), lambda d: d)  # the same numbers, written otherwise
