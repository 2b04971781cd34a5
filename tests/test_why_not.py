"""`sbs explain --why-not`: the smallest change of a case's changeable facts that gives another outcome,
applied to the delivery and evaluated again."""
from __future__ import annotations

import copy
import json

import pytest
import yaml
from click.testing import CliRunner

from cli.main import cli

from .conftest import FIXTURES, SHARED

SAMPLE = FIXTURES / "sample" / "delivery.yaml"


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope=SHARED)
def records():
    out = _run("evaluate", str(SAMPLE), "--workers", "0")
    return {r["id"]: r for r in map(json.loads, out.stdout.splitlines())}


def _applied(doc: dict, unit_id: str, changes: list[dict]) -> dict:
    """The delivery with an answer's changes made where an analyst would make them."""
    doc = copy.deepcopy(doc)
    unit = next(u for u in doc["units"] if u["id"] == unit_id)
    owner = next(h for h in doc["huvudman"] if h["id"] == unit["huvudman_id"])
    for c in changes:
        root, *path = c["fact"].split(".")
        node = unit if root == "unit" else owner
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = c["to"]
    return doc


@pytest.mark.slow
def test_every_refused_unit_of_the_sample_gets_a_change_the_engine_confirms_or_none(records, tmp_path):
    doc = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    refused = [i for i, r in records.items() if r["kind"] == "unit" and r["outcome"] in ("not_eligible", "excluded")]
    assert len(refused) >= 8
    answered = 0
    for unit_id in refused:
        out = _run("explain", str(SAMPLE), unit_id, "--why-not", "--format", "json")
        assert out.exit_code == 0, out.output
        result = json.loads(out.stdout)
        assert result["outcome"] == records[unit_id]["outcome"]
        assert "unit.school_form" in result["fixed"] or not result["answers"]
        if not result["answers"]:
            text = _run("explain", str(SAMPLE), unit_id, "--why-not").stdout
            assert "Ingen ändring av de fakta som kan ändras ger ett annat utfall." in text
            continue
        answered += 1
        first = result["answers"][0]
        assert first["outcome"] not in ("not_eligible", "excluded"), "a refused unit is shown what would select it"
        path = tmp_path / f"{unit_id}.yaml"
        path.write_text(yaml.safe_dump(_applied(doc, unit_id, first["changes"]), allow_unicode=True), encoding="utf-8")
        again = {r["id"]: r for r in map(json.loads, _run("evaluate", str(path), "--workers", "0").stdout.splitlines())}
        assert again[unit_id]["outcome"] == first["outcome"], (unit_id, first)
        for fact in (c["fact"] for c in first["changes"]):
            assert fact.startswith(("unit.results.", "unit.socioeconomics.", "unit.pupils", "unit.ska", "huvudman."))
    assert answered >= 5


def test_fewest_facts_then_the_smallest_step_and_the_rule_with_its_source(records):
    """Granbyskolan 7-9 has year-9 results above the national average: one result a step below it selects it."""
    result = json.loads(_run("explain", str(SAMPLE), "48151711", "--why-not", "--format", "json").stdout)
    assert len(result["answers"]) == 3 and all(len(a["changes"]) == 1 for a in result["answers"])
    merit = next(a for a in result["answers"] if a["changes"][0]["fact"] == "unit.results.merit_value_y9")
    averages = records["48151711"]["input"]["national_averages"]
    assert merit["changes"][0]["to"] == pytest.approx(averages["merit_value_y9"] - 0.1)
    assert merit["outcome"] == "eligible" and "low-results-y9" in merit["rules"]
    # held fixed: what the huvudman cannot change, never a fact an answer changes nor the years taught
    # (they follow the results given)
    assert "unit.school_form" in result["fixed"] and "unit.results.merit_value_y9" not in result["fixed"]
    assert not [f for f in result["fixed"] if f.startswith("unit.teaches_y")]
    text = _run("explain", str(SAMPLE), "48151711", "--why-not").stdout
    assert "meritvärdet i årskurs 9 224,3 i stället för 231 (GP2016 2.3.2 punkt 1) → valbar" in text
    english = _run("explain", str(SAMPLE), "48151711", "--why-not", "--lang", "en").stdout
    assert "the merit value in year 9 224.3 instead of 231 (GP2016 2.3.2 punkt 1) → eligible" in english


def test_the_outcome_asked_for(records):
    result = json.loads(_run("explain", str(SAMPLE), "48151725", "--why-not", "--to", "eligible", "--format", "json").stdout)
    assert result["to"] == "eligible"
    assert [c["fact"] for c in result["answers"][0]["changes"]] == ["unit.pupils"]
    assert result["answers"][0]["changes"][0] == {"fact": "unit.pupils", "from": 38, "to": 50}


def test_a_unit_of_a_school_form_outside_the_programme_has_no_answer():
    result = json.loads(_run("explain", str(SAMPLE), "48151691", "--why-not", "--format", "json").stdout)
    assert result["answers"] == [] and "unit.school_form" in result["fixed"]


def test_to_an_outcome_of_another_kind_is_a_usage_error():
    result = CliRunner().invoke(cli, ["explain", str(SAMPLE), "48151711", "--why-not", "--to", "proposed"])
    assert result.exit_code == 2 and "not an outcome of a unit" in result.output
    result = CliRunner().invoke(cli, ["explain", str(SAMPLE), "48151711", "--to", "eligible"])
    assert result.exit_code == 2 and "--to goes with --why-not" in result.output


def test_a_huvudmans_facts_its_units_read_are_held_and_said_so():
    """Leaving the newcomer programme changes the huvudman's units too, so its counts would not stay as they
    are: such facts are held, and named, never offered as an answer the delivery would not confirm."""
    result = json.loads(_run("explain", str(SAMPLE), "212000-1031", "--why-not", "--format", "json").stdout)
    assert "huvudman.in_newcomer_programme" in result["with_other_decisions"]
    for a in result["answers"]:
        assert not {c["fact"] for c in a["changes"]} & set(result["with_other_decisions"])


def test_the_outcome_the_case_has_is_not_an_answer():
    result = CliRunner().invoke(cli, ["explain", str(SAMPLE), "48151711", "--why-not", "--to", "not_eligible"])
    assert result.exit_code == 0 and "48151711 Granbyskolan 7-9 är redan ej valbar." in result.stdout
    assert "→" not in result.stdout


def test_a_case_without_a_name_is_named_by_its_id_alone(tmp_path):
    delivery = tmp_path / "d.yaml"
    text = SAMPLE.read_text(encoding="utf-8").replace("    name: Granbyskolan 7-9\n", "", 1)
    assert text != SAMPLE.read_text(encoding="utf-8")
    delivery.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["explain", str(delivery), "48151711", "--why-not", "--to", "not_eligible", "--lang", "en"])
    assert result.exit_code == 0 and "48151711 is already not eligible.\n" == result.stdout


def test_a_reading_kept_for_many_cases_answers_after_other_analyses(records):
    """A reading made once for a delivery's cases (the letters, what is still needed) answers in its own z3
    context even after another analysis started a new one: no context mismatch, as few changes as before
    (which of several equally small answers z3 finds first may differ: the context has grown)."""
    from engine.symbolic.counterfactual import readings_of, why_not
    from engine.symbolic.encode import fresh_context
    from policy import Diagnostics, load_pack

    from .conftest import RULES

    pack = load_pack(RULES / "sbs-2016-2.1", Diagnostics())
    record = records["48151652"]
    kept = readings_of(pack, ["unit"])["unit"]
    before = why_not(pack, record, space=kept)
    fresh_context()  # another analysis
    after = why_not(pack, record, space=kept)
    assert before.answers and after.answers
    assert len(before.answers[0].changes) == len(after.answers[0].changes)


def test_a_change_cites_every_section_of_the_rule_it_moves():
    """Norrmarks gymnasiesärskola is refused as a small unit (GP2016 2.3.2 punkt 4, and 2.3.3, where the thresholds are): the
    change that selects it cites both, in the text and in the JSON."""
    text = _run("explain", str(SAMPLE), "48151742", "--why-not").stdout
    assert "antalet elever 10 i stället för 9 (GP2016 2.3.2 punkt 4; GP2016 2.3.3 Små skolenheter) → " in text
    result = json.loads(_run("explain", str(SAMPLE), "48151742", "--why-not", "--format", "json").stdout)
    pupils = next(a for a in result["answers"] if [c["fact"] for c in a["changes"]] == ["unit.pupils"])
    assert {"unit.pupils": ["GP2016 2.3.2 punkt 4", "GP2016 2.3.3 Små skolenheter"]} == pupils["sources"]
