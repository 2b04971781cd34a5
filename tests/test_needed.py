"""What is still needed: a decision that hinges on missing data says, per missing fact, which values of it
decide the case (each piece decided by the engine), and which facts cannot decide it alone."""
from __future__ import annotations

import copy
import json

import pytest
import yaml
from click.testing import CliRunner

from cli.main import cli
from engine import Engine, unit_case
from engine import messages as M
from engine.core.results import Decision
from engine.views.explain import explain_text, needed_lines
from policy import Diagnostics
from policy.registry import Registry

from .conftest import FIXTURES, RULES, SHARED

SAMPLE = FIXTURES / "sample" / "delivery.yaml"


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope=SHARED)
def records():
    return {r["id"]: r for r in map(json.loads, _run("evaluate", str(SAMPLE), "--workers", "0").stdout.splitlines())}


def test_only_decisions_that_hinge_on_missing_data_say_what_is_needed(records):
    with_needed = {i for i, r in records.items() if "needed" in r}
    hinging = {i for i, r in records.items() if r["outcome"] == "manual_review" and r["hinges_on"]}
    assert with_needed == hinging and with_needed


def test_each_piece_is_what_the_delivery_gives_once_the_value_is_there(records, tmp_path):
    """The gymnasiesärskola without statistics: each missing result, given, below or above its threshold."""
    record = records["48151626"]
    needed = record["needed"]
    assert [f["fact"] for f in needed["facts"]] == ["unit.results.share_degree_within_3y", "unit.results.average_grade_points"]
    doc = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    averages = record["input"]["national_averages"]
    for f in needed["facts"]:
        indicator = f["fact"].rsplit(".", 1)[1]
        [below, above] = f["decides"]
        assert below["to"] == averages[indicator] and below["from"] is None and not below["to_included"]
        assert above["from"] == averages[indicator] and above["from_included"]
        for value, piece in ((averages[indicator] * 0.9, below), (averages[indicator], above)):
            changed = copy.deepcopy(doc)
            unit = next(u for u in changed["units"] if u["id"] == "48151626")
            unit.setdefault("results", {})[indicator] = round(value, 3)
            path = tmp_path / "d.yaml"
            path.write_text(yaml.safe_dump(changed, allow_unicode=True), encoding="utf-8")
            again = {r["id"]: r for r in map(json.loads, _run("evaluate", str(path), "--workers", "0").stdout.splitlines())}
            assert again["48151626"]["outcome"] == piece["outcome"], (indicator, value)


def test_explain_says_what_is_needed_the_swedish_way():
    text = _run("explain", str(SAMPLE), "48151626").stdout
    assert "Det som behövs för ett beslut" in text
    assert "- andelen med examen inom 3 år (unit.results.share_degree_within_3y): < 69 % → valbar; ≥ 69 % → manuell prövning" in text
    english = _run("explain", str(SAMPLE), "48151626", "--lang", "en").stdout
    assert "< 69% → eligible; ≥ 69% → manual review" in english


def test_facts_that_cannot_decide_alone_are_named():
    """Year-9 results and socioeconomic data all missing: no one of them alone settles the unit."""
    pack = Registry.load([RULES], Diagnostics()).get("sbs@2.1.0")
    facts = {
        "unit": {"id": "48150001", "school_form": "grundskola", "grades": "7-9", "pupils": 300, "in_underlag": True,
                 "ska_deficiencies": False},
        "huvudman": {"id": "212000-0001", "type": "kommun", "ska_deficiencies": False, "in_newcomer_programme": False},
        "national_averages": {"merit_value_y9": 224.4, "share_eligible_vocational_y9": 0.856, "share_passed_all_subjects_y9": 0.771,
                              "share_parents_post_secondary": 0.58, "share_foreign_background": 0.24, "share_newly_arrived": 0.05},
    }
    record = Engine(pack, needed=True).evaluate(unit_case(facts, context={"unit.huvudman_units_in_underlag": 1,
                                                                          "unit.huvudman_units_fine": 0,
                                                                          "unit.huvudman_units_fine_open": 0}))
    assert record["outcome"] == "manual_review"
    needed = record["needed"]
    assert needed["facts"] == []
    assert "unit.results.merit_value_y9" in needed["cannot_decide"]
    assert "unit.socioeconomics.share_newly_arrived" in needed["cannot_decide"]
    assert "ingen enskild uppgift avgör ensam" in explain_text(record)


def test_a_record_written_before_it_said_what_is_needed_still_replays(records, tmp_path):
    old = {k: v for k, v in records["48151626"].items() if k != "needed"}
    path = tmp_path / "old.jsonl"
    path.write_text(json.dumps(old, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    result = _run("replay", str(path))
    assert result.exit_code == 0, result.output
    changed = dict(records["48151626"], needed={"facts": [], "cannot_decide": []})
    path.write_text(json.dumps(changed, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    assert CliRunner().invoke(cli, ["replay", str(path)]).exit_code == 1


def test_a_missing_fact_a_refusal_rests_on_is_needed_even_when_the_record_does_not_list_it(tmp_path):
    """A grundsärskola whose number of pupils is missing (and the merit value's national average): the
    small-unit rule is unknown on `unit.pupils`, which alone decides the unit; it is listed with its ranges."""
    doc = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    doc["national_averages"]["merit_value_y9"] = None
    next(u for u in doc["units"] if u["id"] == "48151632")["pupils"] = None
    path = tmp_path / "d.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    record = json.loads(_run("explain", str(path), "48151632", "--format", "json").stdout)
    assert record["outcome"] == "manual_review"
    pupils = next(f for f in record["needed"]["facts"] if f["fact"] == "unit.pupils")
    below = pupils["decides"][0]
    assert below["to"] == 10 and below["outcome"] == "not_eligible"


def test_a_fact_that_changes_other_decisions_is_not_given_ranges(tmp_path):
    """A huvudman's type changes its units' decisions (the vite and profit dilemmas), so the huvudman's
    counts would not stay: it is named under `with_other_decisions`, with no range that would mislead."""
    doc = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    h = next(h for h in doc["huvudman"] if h["id"] == "212000-0999")
    h["type"] = None
    path = tmp_path / "d.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    record = json.loads(_run("explain", str(path), "212000-0999", "--format", "json").stdout)
    needed = record.get("needed") or {}
    assert all(f["fact"] != "huvudman.type" for f in needed.get("facts", ()))
    if record["outcome"] == "manual_review" and record["hinges_on"]:
        assert "huvudman.type" in needed.get("with_other_decisions", []) or "huvudman.type" in needed.get("cannot_decide", [])


def test_a_fact_without_a_name_is_named_by_its_path_once():
    """A needed fact the reader's language has no name for is shown by its path alone, not `path (path)`;
    a national average is named after the result it averages."""
    needed = {"facts": [{"fact": "unit.grades", "decides": [{"value": "7-9", "outcome": "eligible"}]}]}
    assert ["- unit.grades: 7-9 → valbar"] == needed_lines(needed, "sv")
    assert "riksgenomsnittet för meritvärdet i årskurs 9" == M.fact_name("national_averages.merit_value_y9", "sv")
    assert ("riksgenomsnittet för undervisning_y12", "the national average of undervisning_y12") == \
        tuple(M.fact_name("national_averages.undervisning_y12", lang) for lang in ("sv", "en"))


def test_a_trace_says_a_fact_does_not_apply_rather_than_that_it_is_missing():
    """A count taken only for units outside the underlag, and a field of an injunction the delivery does not
    have, are not data the delivery lacks: the trace says why they have no value. A field of an economic annex
    the delivery does not have is missing, and the trace says it is the annex that is (DELIVERY.md)."""
    unit = _run("explain", str(SAMPLE), "48151623").stdout
    assert ("unit.huvudman_units_eligible_in_underlag: ? < parameter min_units_from_underlag = 1 → okänd  "
            "[unit.huvudman_units_eligible_in_underlag: räknas bara när unit.in_underlag är falskt]") in unit
    assert "huvudman.injunction.fine: ? = sant → okänd  [huvudman.injunction.fine: ej tillämplig, huvudman.injunction.present är falskt]" in unit
    english = _run("explain", str(SAMPLE), "212000-0999", "--lang", "en").stdout
    assert "[huvudman.injunction.fine: not applicable, huvudman.injunction.present is false]" in english
    assert "[huvudman.economy.profit_sek: missing: the delivery has no economic annex]" in english  # DELIVERY.md: unknown


def test_a_missing_national_average_is_needed_with_the_values_that_decide():
    """A delivery without the national merit value: the unit's merit value 200 decides against it, so the
    average itself is what is needed (above 200 the unit is eligible, at or below it not)."""
    pack = Registry.load([RULES], Diagnostics()).get("sbs@2.1.0")
    facts = {
        "unit": {"id": "48150001", "school_form": "grundskola", "grades": "7-9", "pupils": 300, "in_underlag": True,
                 "ska_deficiencies": True, "results": {"merit_value_y9": 200.0, "share_eligible_vocational_y9": 0.9,
                                                        "share_passed_all_subjects_y9": 0.9}},
        "huvudman": {"id": "212000-0001", "type": "kommun", "ska_deficiencies": False, "in_newcomer_programme": False,
                     "ongoing_sbs_dialogue": False},
        "national_averages": {"share_eligible_vocational_y9": 0.856, "share_passed_all_subjects_y9": 0.771},
    }
    record = Engine(pack, needed=True).evaluate(unit_case(facts, context={"unit.huvudman_units_in_underlag": 1,
                                                                          "unit.huvudman_units_fine": 0,
                                                                          "unit.huvudman_units_fine_open": 0}))
    assert "manual_review" == record["outcome"]
    [average] = record["needed"]["facts"]
    assert "national_averages.merit_value_y9" == average["fact"]
    assert [(p["from"], p["to"], p["outcome"]) for p in average["decides"]] == [(None, 200.0, "not_eligible"), (200.0, None, "eligible")]
    # the trace and the list of what is missing name the national average as such, not by its indicator
    # alone, which would read as the unit's own merit value (known: 200); the CSV and the reports by its path
    text = explain_text(record, "sv")
    assert "unit.results.merit_value_y9: 200 < riksgenomsnitt merit_value_y9 = ? → okänd  [riksgenomsnitt merit_value_y9: uppgift saknas]" in text
    assert "\n- riksgenomsnitt merit_value_y9: uppgift saknas\n" in text
    assert ["national_averages.merit_value_y9"] == Decision.of(record).missing_names


def test_a_range_of_one_value_is_written_as_that_value():
    """Where one value alone gives an outcome, the line says `= 50`, the Swedish way, between the ranges."""
    needed = {"facts": [{"fact": "unit.pupils", "decides": [
        {"from": 0, "to": 49, "from_included": True, "to_included": True, "outcome": "not_eligible"},
        {"from": 50, "to": 50, "from_included": True, "to_included": True, "outcome": "manual_review"},
        {"from": 50, "to": None, "from_included": False, "to_included": False, "outcome": "eligible"}]}]}
    assert ["- antalet elever (unit.pupils): ≥ 0 och ≤ 49 → ej valbar; = 50 → manuell prövning; > 50 → valbar"] == \
        needed_lines(needed, "sv")
    needed["facts"][0] = {"fact": "unit.results.merit_value_y9", "decides": [
        {"from": 224.5, "to": 224.5, "from_included": True, "to_included": True, "outcome": "eligible"}]}
    assert needed_lines(needed, "sv")[0].endswith(": = 224,5 → valbar")
