"""Policy mutation (`sbs test --mutate`, issue 16): the edits made, what the pack's tests notice, survivors
proven equivalent or shown with a case, killing tests suggested and checked."""
from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from cli.main import cli
from engine.batch.mutation import EQUIVALENT, KILLED, ROUND, SURVIVED, run_mutation
from policy import Diagnostics, load_pack
from policy.mutate import mutants

from .conftest import FIXTURES, RULES

TINY = """\
pack:
  id: tiny
  version: 1.0.0
  format: 1
  valid_from: 2016-01-01
  title: {sv: Liten, en: Tiny}
  sources: {GP2016: {title: Genomförandeplan}}
parameters:
  small_unit_pupils:
    unit: pupils
    value: 40
    source: GP2016 2.3.2
outcomes:
  unit:
    precedence: [excluded, manual_review, eligible, not_eligible]
    default: eligible
    on_unknown: manual_review
rules:
  - id: small-unit
    text: {sv: Liten enhet., en: A small unit.}
    source: GP2016 2.3.2
    when:
      all:
        - fact: unit.school_form
          in: [grundskola, gymnasieskola]
        - fact: unit.pupils
          lt: {param: small_unit_pupils}
    then: {outcome: excluded}
tests:
  - name: a small grundskola is excluded
    facts: {unit: {school_form: grundskola, pupils: 10}}
    expect: {outcome: excluded}
  - name: a large grundskola is eligible
    facts: {unit: {school_form: grundskola, pupils: 100}}
    expect: {outcome: eligible}
"""


@pytest.fixture()
def tiny(tmp_path):
    d = tmp_path / "tiny"
    d.mkdir()
    (d / "pack.yaml").write_text(TINY, encoding="utf-8")
    return d


def _pack(path):
    diags = Diagnostics()
    pack = load_pack(path, diags)
    assert pack is not None, [str(e) for e in diags.errors]
    return pack


def test_the_edits_a_reviewer_could_miss(tiny):
    """Each edit is described as in a diff and located at the node it changes."""
    made = {m.description: (m, ok) for m, ok in mutants(_pack(tiny))}
    assert {
        "small-unit: lt → le on unit.pupils against parameter small_unit_pupils",
        "small-unit: in → not_in on unit.school_form against [grundskola, gymnasieskola]",
        "small-unit: `gymnasieskola` dropped from the in list of unit.school_form",
        "small-unit: all → any (2 conditions)",
        "small-unit: `unit.pupils lt parameter small_unit_pupils` dropped from all",
        "small-unit: outcome excluded → eligible",
        "parameter small_unit_pupils: 40 → 41 (+ 1)",
        "parameter small_unit_pupils: 40 → 39 (− 1)",
        "parameter small_unit_pupils: 40 → 80 (× 2)",
        "outcomes.unit: excluded ↔ eligible in the precedence",
        "small-unit: rule removed",
    } <= set(made)
    boundary, ok = made["small-unit: lt → le on unit.pupils against parameter small_unit_pupils"]
    assert ok and (boundary.loc.line, boundary.loc.column) == (26, 17)
    assert boundary.pack.rules[0].when.items[1].op == "le" and _pack(tiny).rules[0].when.items[1].op == "lt"


def test_survivors_are_shown_with_a_case_and_equivalents_proven(tiny):
    """Two tests far from the boundary leave `lt → le` alive: a survivor, with the case at 40 pupils it decides
    otherwise; swapping two outcomes no rule gives is proven equivalent."""
    run = run_mutation(_pack(tiny), workers=0, suggest=True)
    by = {o.mutant.description: o for o in run.outcomes}
    boundary = by["small-unit: lt → le on unit.pupils against parameter small_unit_pupils"]
    assert SURVIVED == boundary.status
    assert 40 == boundary.witness["facts"]["unit"]["pupils"]
    assert {"unit": {"pupils": 40}} == boundary.suggestion["facts"]  # the fewest facts that still kill it
    assert (boundary.witness["from"], boundary.witness["to"]) == ("eligible", "excluded")
    assert EQUIVALENT == by["outcomes.unit: manual_review ↔ not_eligible in the precedence"].status
    assert "no case is decided otherwise (proven with z3)" == by["outcomes.unit: manual_review ↔ not_eligible in the precedence"].by
    assert KILLED == by["small-unit: outcome excluded → eligible"].status
    assert by["small-unit: outcome excluded → eligible"].by == "a small grundskola is excluded"
    assert 0 < run.score < 1 and run.scored == run.count(KILLED) + run.count(SURVIVED)


def test_a_suggested_test_kills_its_survivor(tiny):
    """Pasting the suggestions raises the score to every non-equivalent mutant killed."""
    import yaml
    run = run_mutation(_pack(tiny), workers=0, suggest=True)
    suggested = [o.suggestion for o in run.outcomes if o.status == SURVIVED]
    assert suggested and all(suggested)
    assert suggested[0]["name"].startswith("guards against ")
    doc = yaml.safe_load(TINY)
    doc["tests"] += suggested
    (tiny / "pack.yaml").write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    again = run_mutation(_pack(tiny), workers=0)
    assert 0 == again.count(SURVIVED) and 1.0 == again.score


def test_the_command_reports_and_fails_under_the_threshold(tiny):
    """Text names each survivor at its place; exit 1 under --threshold, 0 at or above; JSON for tools."""
    result = CliRunner().invoke(cli, ["test", str(tiny), "--mutate", "--workers", "0"])
    assert 1 == result.exit_code
    lines = result.stdout.splitlines()
    assert lines[0].startswith("tiny@1.0.0: ") and "% (" in lines[0]
    assert any(line.strip().startswith(f"{tiny / 'pack.yaml'}:26:17: small-unit: lt → le on unit.pupils".replace(str(tiny), ""))
               or ":26:17: small-unit: lt → le on unit.pupils" in line for line in lines)
    assert "below the threshold of 95%" in result.stderr
    assert 0 == CliRunner().invoke(cli, ["test", str(tiny), "--mutate", "--workers", "0", "--threshold", "10"]).exit_code
    out = json.loads(CliRunner().invoke(cli, ["test", str(tiny), "--mutate", "--workers", "0", "--format", "json"]).stdout)
    pack = out["packs"][0]
    assert pack["pack"] == "tiny@1.0.0" and pack["killed"] + pack["survived"] + pack["equivalent"] + pack["invalid"] \
        + pack["round"] == pack["mutants"]
    assert all(o["status"] != KILLED for o in pack["outcomes"])


def test_suggest_prints_yaml_to_paste(tiny):
    result = CliRunner().invoke(cli, ["test", str(tiny), "--mutate", "--suggest", "--workers", "0"])
    assert "# tests that kill the survivors of tiny@1.0.0" in result.stdout
    assert "- name: 'guards against small-unit: lt → le on unit.pupils" in result.stdout


def test_mutation_needs_passing_tests(tiny):
    (tiny / "pack.yaml").write_text(TINY.replace("expect: {outcome: eligible}", "expect: {outcome: excluded}"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["test", str(tiny), "--mutate", "--workers", "0"])
    assert 1 == result.exit_code and "1 of its tests fail" in result.output


def test_the_rounds_capacity_is_beyond_a_case():
    """A parameter only the round's capacity reads cannot be shown by one case: listed apart, not a survivor."""
    run = run_mutation(_pack(RULES / "sbs-2016-2.1"), workers=0, only=("parameter",))
    rounds = [o for o in run.outcomes if o.status == ROUND]
    assert rounds and all(o.mutant.parameter == "round_capacity" for o in rounds)
    assert {"only the round's capacity reads this parameter: no test of one case can show it"} == {o.by for o in rounds}


def test_workers_give_what_one_process_gives(tiny):
    one = run_mutation(_pack(tiny), workers=0)
    two = run_mutation(_pack(tiny), workers=2)
    assert [(o.mutant.id, o.status) for o in one.outcomes] == [(o.mutant.id, o.status) for o in two.outcomes]


def test_a_derived_fact_that_differs_only_where_the_model_leaves_facts_free():
    """A regression: a derived fact compared on a model that leaves some facts unassigned read as unknown on
    the z3 side, and the engine's `false` was called a disagreement (sbs@3.1.0, results-well-above gt → ge)."""
    from engine.symbolic.compare import compare_packs
    pack = _pack(RULES / "sbs-2019-3.1")
    m = next(m for m, ok in mutants(pack) if m.description.startswith(
        "results-well-above: gt → ge on unit.results.average_grade_points"))
    c = compare_packs(pack, m.pack, m.scopes)
    assert not c.equivalent
    assert any(d.derived == {"results_well_above": ("false", "true")} for d in c.differences)




def test_a_test_may_expect_a_huvudmans_priority(tmp_path):
    """`expect: {priority: …}` is checked: a priority moved by one is noticed by a test that states it."""
    from engine.batch.packtests import run_tests
    from engine.core.runner import Engine
    from policy.model import Expectation, TestCase
    pack = _pack(RULES / "sbs-2016-2.1")
    engine = Engine(pack)
    case = next(t for t in pack.tests if t.scope == "huvudman" and t.expect.outcome == "proposed"
                and not run_tests(pack, engine, [t])[0].decision.priority_unknown)
    got = run_tests(pack, engine, [case])[0].decision.priority
    right = TestCase("p", "huvudman", case.facts, Expectation("proposed", priority=got))
    wrong = TestCase("p", "huvudman", case.facts, Expectation("proposed", priority=got + 1))
    results = run_tests(pack, Engine(pack), [right, wrong])
    assert results[0].passed
    assert [f"priority is {got}, expected {got + 1}"] == list(results[1].failures)


def test_a_priority_expectation_must_be_a_number(tmp_path):
    d = tmp_path / "tiny"
    d.mkdir()
    (d / "pack.yaml").write_text(TINY.replace("expect: {outcome: eligible}", "expect: {outcome: eligible, priority: high}"),
                                 encoding="utf-8")
    diags = Diagnostics()
    assert load_pack(d, diags) is None
    assert ["the expected priority must be a number or `unknown`, not `high`"] == [e.message for e in diags.errors]


def test_options_that_do_not_go_together(tiny):
    assert 2 == CliRunner().invoke(cli, ["test", str(tiny), "--suggest"]).exit_code
    result = CliRunner().invoke(cli, ["test", str(tiny), "--mutate", "-k", "small"])
    assert 2 == result.exit_code and "-k, -v and --junit do not apply" in result.output


def test_the_score_line_counts_one_mutant_and_many(tiny):
    from engine.views.mutation import score_text
    assert score_text(run_mutation(_pack(tiny), workers=0, only=("rule",))).startswith("tiny@1.0.0: 1 mutant; 1 killed, 0 survived")
    assert score_text(run_mutation(_pack(tiny), workers=0, only=("comparator",))).startswith("tiny@1.0.0: 2 mutants; ")


def test_a_priority_no_test_states_is_shown_and_a_test_suggested_that_states_it(tmp_path):
    """The 2016 pack with every `priority:` expectation taken out of its tests: moving a priority parameter
    survives; the survivor is shown with the priorities the case gets, and the suggested test expects the
    pack's priority (without it, the suggestion would not kill the mutant)."""
    import re
    from engine.views.mutation import mutation_text
    draft = tmp_path / "p"
    shutil.copytree(RULES / "sbs-2016-2.1", draft)
    for path in draft.glob("tests/*.yaml"):
        path.write_text(re.sub(r"(?m)^ *priority: .*\n", "", path.read_text(encoding="utf-8")), encoding="utf-8")
    run = run_mutation(_pack(draft), workers=0, suggest=True, only=("parameter",))
    by = {o.mutant.description: o for o in run.outcomes}
    moved = by["parameter priority_results: 10 → 11 (+ 1)"]
    assert SURVIVED == moved.status
    before, after = moved.witness["priority"]
    assert after == before + 1
    assert {"outcome": "proposed", "priority": before} == {k: moved.suggestion["expect"][k] for k in ("outcome", "priority")}
    line = next(line for line in mutation_text(run).splitlines() if "priority_results: 10 → 11" in line)
    assert line.endswith(f" — a huvudman case: proposed → proposed, priority {before} → {after}")


def test_every_edit_of_a_pack_with_each_kind_of_node():
    """The whole catalogue of a small pack with a `not`, in-lists of three and of one, a share, a count and a
    priority written as a number: what is edited, and what is not (an in-list of one item is never emptied, a
    share never doubled past 1)."""
    pack = _pack(FIXTURES / "mutate" / "edges.yaml")
    made = [(m.operator, m.description) for m, ok in mutants(pack) if ok]
    assert made == [
        ("all_any", "out-of-scope: all → any (2 conditions)"),
        ("drop_condition", "out-of-scope: `unit.school_form in [forskola, forskoleklass, fritidshem]` dropped from all"),
        ("drop_condition", "out-of-scope: `not (unit.pupils lt parameter small_unit_pupils)` dropped from all"),
        ("comparator", "out-of-scope: in → not_in on unit.school_form against [forskola, forskoleklass, fritidshem]"),
        ("in_list", "out-of-scope: `forskola` dropped from the in list of unit.school_form"),
        ("in_list", "out-of-scope: `forskoleklass` dropped from the in list of unit.school_form"),
        ("in_list", "out-of-scope: `fritidshem` dropped from the in list of unit.school_form"),
        ("not", "out-of-scope: `not` removed from `unit.pupils lt parameter small_unit_pupils`"),
        ("comparator", "out-of-scope: lt → le on unit.pupils against parameter small_unit_pupils"),
        ("outcome", "out-of-scope: outcome excluded → eligible"),
        ("outcome", "out-of-scope: outcome excluded → not_eligible"),
        ("outcome", "out-of-scope: outcome excluded → manual_review"),
        ("rule", "out-of-scope: rule removed"),
        ("all_any", "special: all → any (2 conditions)"),
        ("drop_condition", "special: `unit.school_form in [specialskola]` dropped from all"),
        ("drop_condition", "special: `unit.results.share_eligible_vocational_y9 lt parameter low_share` dropped from all"),
        ("comparator", "special: in → not_in on unit.school_form against [specialskola]"),
        ("comparator", "special: lt → le on unit.results.share_eligible_vocational_y9 against parameter low_share"),
        ("outcome", "special: outcome not_eligible → eligible"),
        ("outcome", "special: outcome not_eligible → excluded"),
        ("outcome", "special: outcome not_eligible → manual_review"),
        ("rule", "special: rule removed"),
        ("comparator", "none-in-underlag: lt → le on units.in_underlag against parameter min_units"),
        ("outcome", "none-in-underlag: outcome not_proposed → proposed"),
        ("outcome", "none-in-underlag: outcome not_proposed → manual_review"),
        ("rule", "none-in-underlag: rule removed"),
        ("comparator", "newcomer: eq → ne on huvudman.in_newcomer_programme against false"),
        ("priority", "newcomer: priority 10 → 11 (+ 1)"),
        ("priority", "newcomer: priority 10 → 9 (− 1)"),
        ("priority", "newcomer: priority 10 → 20 (× 2)"),
        ("rule", "newcomer: rule removed"),
        ("parameter", "parameter low_share: 0.6 → 0.61 (+ 0.01)"),
        ("parameter", "parameter low_share: 0.6 → 0.59 (− 0.01)"),
        ("parameter", "parameter min_units: 1 → 2 (+ 1)"),
        ("parameter", "parameter min_units: 1 → 0 (− 1)"),
        ("parameter", "parameter small_unit_pupils: 40 → 41 (+ 1)"),
        ("parameter", "parameter small_unit_pupils: 40 → 39 (− 1)"),
        ("parameter", "parameter small_unit_pupils: 40 → 80 (× 2)"),
        ("precedence", "outcomes.huvudman: manual_review ↔ not_proposed in the precedence"),
        ("precedence", "outcomes.huvudman: manual_review ↔ proposed in the precedence"),
        ("precedence", "outcomes.huvudman: not_proposed ↔ proposed in the precedence"),
        ("precedence", "outcomes.unit: excluded ↔ manual_review in the precedence"),
        ("precedence", "outcomes.unit: excluded ↔ eligible in the precedence"),
        ("precedence", "outcomes.unit: excluded ↔ not_eligible in the precedence"),
        ("precedence", "outcomes.unit: manual_review ↔ eligible in the precedence"),
        ("precedence", "outcomes.unit: manual_review ↔ not_eligible in the precedence"),
        ("precedence", "outcomes.unit: eligible ↔ not_eligible in the precedence"),
    ]
    by = {m.description: m for m, _ in mutants(pack)}
    dropped = by["out-of-scope: `forskola` dropped from the in list of unit.school_form"].pack.rules[0].when.items[0]
    assert ("forskoleklass", "fritidshem") == tuple(lit.value for lit in dropped.right)
    doubled = by["newcomer: priority 10 → 20 (× 2)"].pack.rules[3].then.priority
    assert 20 == doubled


def test_a_derived_fact_no_test_states_is_shown_and_a_test_suggested_that_states_it(tmp_path):
    """The 2019 pack without the tests that name `results-well-above`: moving its boundary changes no outcome,
    only the derived fact a huvudman counts. The survivor shows that fact before and after, and the
    suggested test expects the rule not to fire (the outcome alone would not kill the mutant)."""
    import yaml
    from engine.views.mutation import mutation_text
    draft = tmp_path / "p"
    shutil.copytree(RULES / "sbs-2019-3.1", draft)
    for path in draft.glob("tests/*.yaml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        doc["tests"] = [t for t in doc["tests"] if "results-well-above" not in yaml.safe_dump(t)]
        path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    run = run_mutation(_pack(draft), workers=0, suggest=True, only=("comparator",))
    by = {o.mutant.description: o for o in run.outcomes}
    moved = by["results-well-above: gt → ge on unit.results.merit_value_y9 against the national average × spread_above_ratio"]
    assert SURVIVED == moved.status and moved.witness["from"] == moved.witness["to"]
    assert {"results_well_above": ["false", "true"]} == {k: list(v) for k, v in moved.witness["derived"].items()}
    assert ["results-well-above"] == moved.suggestion["expect"]["not_fired"]
    line = next(line for line in mutation_text(run).splitlines() if moved.mutant.description in line)
    assert line.endswith(", results_well_above false → true")


def test_every_unit_a_parameter_may_have_has_its_step():
    """A parameter of any unit the format allows is moved by its own step (a share by a percentage point)."""
    from policy import facts as F
    from policy.mutate import ONE
    assert set(F.PARAMETER_UNITS) - {"date"} == set(ONE)
