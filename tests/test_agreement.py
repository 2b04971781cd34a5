"""Reading an agreement (överenskommelse with åtgärdsplan): computed facts, located defects, cases."""
from __future__ import annotations

import textwrap

import pytest

from engine.inputs.agreement import _years, agreement_case, insats_cases, read_agreement
from policy import Diagnostics

from .conftest import FIXTURES, PACK_META

VALID = FIXTURES / "agreements" / "valid.yaml"


@pytest.fixture
def read(tmp_path):
    """Read the valid agreement with one text replaced; returns (agreement or None, rendered errors)."""

    def go(old: str = "", new: str = ""):
        text = VALID.read_text(encoding="utf-8")
        assert old in text
        path = tmp_path / "ok.yaml"
        path.write_text(text.replace(old, new), encoding="utf-8")
        diags = Diagnostics()
        doc = read_agreement(path, diags)
        return doc, [d.render().split("/ok.yaml", 1)[-1] for d in diags.errors]

    return go


class TestRead:
    def test_computed_facts(self, read):
        """The valid agreement: three years, the parties' commitments counted, the plan's sums."""
        doc, errors = read()
        assert [] == errors
        v = doc.values
        assert (3.0, 2, 3) == (v["agreement.duration_years"], v["agreement.responsibilities.skolverket.count"], v["agreement.responsibilities.huvudman.count"])
        assert (True, 2, 2, 2750000.0, 2100000.0) == (v["action_plan.present"], v["action_plan.problems.count"], v["action_plan.insatser.count"],
                                                      v["action_plan.estimated_cost_sek"], v["action_plan.skolverket_contribution_sek"])

    def test_insats_cases(self, read):
        """One case per insats, carrying the agreement's facts; an insats naming an unknown problem is flagged."""
        doc, _ = read("addresses: [P2]", "addresses: [P2, P9]")
        agreement, (i1, i2) = agreement_case(doc), insats_cases(doc)
        assert ("agreement", "SBS-2016-017") == (agreement.scope, agreement.id)
        assert ("insats", "I1", True) == (i1.scope, i1.id, i1.value("insats.addresses_known_problems"))
        assert (False, 2) == (i2.value("insats.addresses_known_problems"), i2.value("insats.addresses.count"))
        assert "insatser" == i2.value("agreement.kind") and i2.value("action_plan.problems.count") is None

    def test_without_plan(self, read):
        """An agreement without its åtgärdsplan reads; the plan is recorded as not attached."""
        text = VALID.read_text(encoding="utf-8")
        doc, errors = read(text[text.index("action_plan:"):], "")
        assert ([], False) == (errors, doc.values["action_plan.present"])


class TestDefects:
    @pytest.mark.parametrize("old, new, expected", [
        ("  pupils_heard:", "  pupil_heard:", ":13:3: schema_unknown_key: unknown key `pupil_heard` in `agreement`"),
        ("kind: insatser", "kind: insats", ":4:9: schema_wrong_type: `agreement.kind` must be an agreement kind, not `insats`"),
        ("estimated_cost_sek: 850000", "estimated_cost_sek: mycket", ":39:27: schema_wrong_type: `insats.estimated_cost_sek` must be a number in SEK, not `mycket`"),
        ("ends: 2019-05-31\n  responsibilities", "ends: 2016-05-31\n  responsibilities", ":9:9: schema_bad_value: the agreement ends (2016-05-31) before it starts (2016-06-01)"),
        ("    - id: I2\n", "    - id: I1\n", ": agreement_duplicate_id: insats `I1` is listed twice"),
        ("    - id: P2\n", "    - id: P1\n", ":19:11: agreement_duplicate_id: problem `P1` is listed twice"),
        ("    - id: P1\n", "    - id: [P1]\n", ":16:11: schema_wrong_type: the problem's id must be text, not a list"),
        ("  id: SBS-2016-017\n", "", ":3:3: schema_missing_key: `agreement` has no `id`"),
        ("  id: SBS-2016-017\n", "  id: \"\"\n", ":3:7: schema_bad_value: `agreement.id` is empty\n    hint: an agreement names itself "
         "(`id`) and its huvudman (`huvudman_id`, the organisation number)"),
        ('huvudman_id: "212000-0999"', 'huvudman_id: "  "', ":5:16: schema_bad_value: `agreement.huvudman_id` is empty"),
        ('signed_by: {name: "K. Lind", role: kommunstyrelsens ordförande, highest_responsible: true}', "signed_by: [K. Lind]",
         ":6:14: schema_wrong_type: `agreement.signed_by` must be a mapping with name, role and highest_responsible, not a list"),
        ('signed_by: {name: "K. Lind",', 'signed_by: {nam: "K. Lind",', ":6:15: schema_unknown_key: unknown key `nam` in `agreement.signed_by`"),
        ("action_plan:\n  problems:", "action_plan: se bilaga\nplan:\n  problems:",
         ":14:14: schema_wrong_type: `action_plan` must be a mapping with problems, strengths, risks and insatser, not `se bilaga`"),
    ])
    def test_located(self, read, old, new, expected):
        """Each defect is reported at its place with its code; nothing is checked further."""
        doc, errors = read(old, new)
        assert doc is None
        assert any(expected in e for e in errors), errors


class TestYears:
    @pytest.mark.parametrize("starts, ends, years", [
        ("2016-06-01", "2019-05-31", 3.0),
        ("2016-06-01", "2017-05-31", 1.0),
        ("2016-01-01", "2016-06-30", 182 / 366),
        ("2016-02-29", "2019-02-28", 3.0),
    ])
    def test_length(self, starts, ends, years):
        """Whole years, then the share of the next year; both days count."""
        assert years == pytest.approx(_years(starts, ends))

    def test_a_day_more_is_more_than_three(self):
        """Three years and a day is more than three years."""
        assert _years("2016-06-01", "2019-06-01") > 3


class TestRules:
    PACK = """\
    outcomes:
      agreement: {precedence: [non_compliant, manual_review, flagged, compliant], default: compliant, on_unknown: manual_review}
      insats: {precedence: [non_compliant, manual_review, flagged, compliant], default: compliant, on_unknown: manual_review}
    parameters:
      max_years: {unit: years, value: 3, source: GP2016 2.5.1}
    rules:
      - id: at-most-three-years
        scope: agreement
        text: {sv: Högst tre år., en: At most three years.}
        source: GP2016 2.5.1
        when: {fact: agreement.duration_years, gt: {param: max_years}}
        then: {outcome: non_compliant}
      - id: grounded
        scope: insats
        text: {sv: Vetenskaplig grund., en: Grounded in science.}
        source: GP2016 2.4.3
        when: {unknown: insats.grounding}
        then: {outcome: non_compliant}
    tests:
      - name: three years and a day is too long
        scope: agreement
        facts: {agreement: {duration_years: 3.01}}
        expect: {outcome: non_compliant, fired: [at-most-three-years]}
      - name: an insats without grounding fails
        scope: insats
        facts: {insats: {id: I1}}
        expect: {outcome: non_compliant, fired: [grounded]}
    """

    def test_agreement_and_insats_rules_run(self, load_text, host, read):
        """Agreement and insats rules compile and run on the engine, from a document and from YAML tests."""
        from engine import Engine
        from engine.batch.packtests import run_tests

        pack, diags = load_text(textwrap.indent(PACK_META, "    ") + self.PACK, head=False)
        assert pack is not None, [d.render() for d in diags]
        engine = Engine(pack, host)
        assert ("agreement", "insats") == engine.scopes
        doc, _ = read('grounding: "Kollegialt', 'grounding_note: "Kollegialt')
        assert doc is None  # an unknown key is refused
        doc, _ = read("ends: 2019-05-31\n  responsibilities", "ends: 2019-06-01\n  responsibilities")
        record = engine.evaluate(agreement_case(doc))
        assert ("agreement", "non_compliant", ["at-most-three-years"]) == (record["kind"], record["outcome"], record["decided_by"])
        assert ["compliant", "compliant"] == [engine.evaluate(c)["outcome"] for c in insats_cases(doc)]
        assert all(r.passed for r in run_tests(engine.pack, engine)), [r.failures for r in run_tests(engine.pack, engine)]
