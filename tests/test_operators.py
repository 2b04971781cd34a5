"""The operator table: every operator a pack can write is known to the parser, the checker, the schema,
both evaluators and the explainer from one row; `between` is syntax lowered into `all: [ge, le]`."""
from __future__ import annotations

import jsonschema
import pytest

from engine import Engine
from engine.inputs.case import unit_case
from engine.views.explain import explain_text
from policy import facts as F
from policy import operators as O
from policy import pack_schema
from policy.model import All, Compare, ParamRef

PARAMS = """\
parameters:
  low: {unit: pupils, value: 50, source: GP2016 2.3.3}
  high: {unit: pupils, value: 200, source: GP2016 2.3.3}
"""


def _pack(when: str) -> str:
    return PARAMS + f"""\
rules:
  - id: mid-size
    text: {{sv: Skolenheten har mellan low och high elever., en: The unit has between low and high pupils.}}
    source: GP2016 2.3.3
    when: {when}
    then: {{outcome: eligible}}
"""


class TestTable:
    def test_every_row_is_complete(self):
        """A core operator has a negation, a meaning and a durable test (membership is compiled as a list); a
        syntax operator lowers; every operator has a symbol and words in both languages."""
        for op in O.TABLE:
            assert op.symbol and set(op.words) == {"sv", "en"}, op.name
            if op.core:
                assert op.negation in O.BY_NAME and O.BY_NAME[op.negation].negation == op.name, op.name
                assert op.python is not None, op.name
                assert op.durable is not None or op.operands == O.VALUES, op.name
            else:
                assert op.negation is None and op.python is None and op.durable is None, op.name

    @pytest.mark.parametrize("name", [op.name for op in O.TABLE if op.core and op.operands != O.VALUES])
    def test_negation_is_the_complement_on_known_values(self, name):
        """`not (a op b)` is `a negation b` whenever both are known: what the compiler's `#f` rule relies on."""
        op, neg = O.PYTHON[name], O.PYTHON[O.NEGATE[name]]
        for a in (1, 2, 3):
            assert op(a, 2) != neg(a, 2)


class TestBetween:
    def test_lowered_to_its_core_form_with_the_same_hash(self, load_text):
        """`between: [low, high]` is read as `all: [ge low, le high]`: the checker, the hash and both
        evaluators see only core forms, so the pack written out has the same hash."""
        sugared, diags = load_text(_pack("{fact: unit.pupils, between: [{param: low}, {param: high}]}"))
        assert sugared is not None, [d.render() for d in diags]
        cond = sugared.rules[0].when
        assert isinstance(cond, All) and [c.op for c in cond.items] == ["ge", "le"]
        assert [ParamRef("low"), ParamRef("high")] == [attrs_free(c.right) for c in cond.items]
        assert all(isinstance(c, Compare) and c.fact == "unit.pupils" for c in cond.items)
        written, _ = load_text(_pack("{all: [{fact: unit.pupils, ge: {param: low}}, {fact: unit.pupils, le: {param: high}}]}"),
                               name="other.yaml")
        assert written.sha256 == sugared.sha256

    @pytest.mark.parametrize("when, code, line_col", [
        ("{fact: unit.pupils, between: [{param: low}]}", "schema_bad_value", (19, 40)),
        ("{fact: unit.pupils, between: {param: low}}", "schema_wrong_type", (19, 40)),
        ("{fact: unit.school_form, between: [{param: low}, {param: high}]}", "type_operator", (19, 18)),
        ("{fact: unit.pupils, between: [{param: low}, {param: nowhere}]}", "ref_unknown_parameter", (19, 63)),
        ("{fact: unit.pupils, between: [{param: low}, 300]}", "type_literal_threshold", (19, 55)),
    ])
    def test_errors_are_located(self, load_text, when, code, line_col):
        """A range of one bound, a range on text, an unknown or a literal bound: an error at its place."""
        pack, diags = load_text(_pack(when))
        found = [(d.code, (d.location.line, d.location.column)) for d in diags.errors]
        assert pack is None and code in [c for c, _ in found], found
        assert [(code, line_col)] == found
        if code == "type_operator":  # said of what the officer wrote, once
            assert diags.errors[0].message.startswith("`between` orders values, but `unit.school_form` is")

    @pytest.mark.parametrize("pupils, status", [
        (49, "not_fired"), (50, "fired"), (120, "fired"), (200, "fired"), (201, "not_fired"), (None, "unknown"),
    ])
    def test_both_evaluators_agree_inclusive_at_both_ends(self, load_text, pupils, status):
        """The bounds belong to the range; a missing fact is unknown. The engine fails loudly if durable_rules
        and the cross-check disagree, so a decided record is both evaluators' answer."""
        pack, _ = load_text(_pack("{fact: unit.pupils, between: [{param: low}, {param: high}]}"))
        unit = {"school_form": "grundskola", **({"pupils": pupils} if pupils is not None else {})}
        record = Engine(pack).evaluate(unit_case({"unit": unit}))
        assert "error" not in record, record.get("error")
        assert status == {e["rule"]: e["status"] for e in record["trace"]}["mid-size"]

    def test_explained_as_its_two_bounds(self, load_text):
        """The trace shows the two comparisons the range stands for, with the values compared."""
        pack, _ = load_text(_pack("{fact: unit.pupils, between: [{param: low}, {param: high}]}"))
        text = explain_text(Engine(pack).evaluate(unit_case({"unit": {"school_form": "grundskola", "pupils": 201}})), "sv")
        assert "    alla av → falskt" in text
        assert "      unit.pupils: 201 ≥ parameter low = 50 → sant" in text
        assert "      unit.pupils: 201 ≤ parameter high = 200 → falskt" in text

    def test_in_the_editor_schema(self):
        """The JSON Schema offers `between` with exactly two bounds."""
        validator = jsonschema.Draft202012Validator(pack_schema())
        rule = {"id": "r", "scope": "unit", "text": {"sv": "x", "en": "x"}, "source": "GP2016 1.1",
                "then": {"outcome": "eligible"}}
        doc = lambda when: {"rules": [{**rule, "when": when}]}  # noqa: E731
        assert [] == list(validator.iter_errors(doc({"fact": "unit.pupils", "between": [{"param": "a"}, {"param": "b"}]})))
        assert list(validator.iter_errors(doc({"fact": "unit.pupils", "between": [{"param": "a"}]})))
        assert "unit.pupils" in F.FIELDS


def attrs_free(ref):
    """A parameter reference without its location, to compare with one built here."""
    return ParamRef(ref.name) if isinstance(ref, ParamRef) else ref


def test_a_share_is_written_as_a_percentage_on_both_sides_of_the_trace(load_text):
    """A share and a share parameter read `88 %` and `50 %`, in a comparison and in a `known` test alike."""
    pack, diags = load_text("""\
parameters:
  share_floor: {unit: share, value: 0.5, source: GP2016 2.3.2 punkt 1}
rules:
  - id: low-share
    text: {sv: Låg andel behöriga., en: A low share of eligible pupils.}
    source: GP2016 2.3.2 punkt 1
    when:
      all:
        - known: unit.results.share_eligible_vocational_y9
        - {fact: unit.results.share_eligible_vocational_y9, lt: {param: share_floor}}
    then: {outcome: eligible}
""")
    assert pack is not None, [d.render() for d in diags.errors]
    case = unit_case({"unit": {"school_form": "grundskola", "results": {"share_eligible_vocational_y9": 0.88}}})
    text = explain_text(Engine(pack).evaluate(case), "sv")
    assert "      unit.results.share_eligible_vocational_y9: 88 %; är känd → sant" in text
    assert "      unit.results.share_eligible_vocational_y9: 88 % < parameter share_floor = 50 % → falskt" in text
