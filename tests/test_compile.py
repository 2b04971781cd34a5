"""Compiling to durable_rules: two rules per pack rule, stages for derived facts, the safe subset enforced."""
from __future__ import annotations

import pytest

from engine.core.compile import MAX_CONSTANTS, MAX_IDENTICAL, compile_pack
from policy import PackError

from .conftest import RULES

RULE = """\
  - id: {id}
    text: {{sv: Regel {id}., en: Rule {id}.}}
    source: GP2016 2.3.2
    when: {when}
    then: {then}
"""


def _rules(*specs):
    return "rules:\n" + "".join(RULE.format(id=i, when=w, then=t) for i, w, t in specs)


class TestCompile:
    def test_condition_and_negation(self, load_text):
        """Each rule compiles to `#t` and `#f`, with unique priorities, a stage test and a sink."""
        pack, _ = load_text(_rules(("a", "{fact: unit.in_underlag, eq: true}", "{outcome: eligible}")))
        c = compile_pack(pack, "unit")
        assert {"a#t#0", "a#f#0", "_sink"} == set(c.ruleset)
        pris = [r["pri"] for r in c.ruleset.values()]
        assert len(set(pris)) == len(pris)
        t = c.ruleset["a#t#0"]["all"][0]["m"]["$and"]
        assert [{"kind": "case"}, {"stage": 0}, {"$eq": {"unit__in_underlag": True}}] == t

    def test_derived_facts_make_stages(self, load_text):
        """A rule reading a derived fact sits in a later stage; a stage-advance rule links them."""
        pack, _ = load_text(_rules(
            ("use", "{derived: low}", "{outcome: eligible}"),
            ("make", "{fact: unit.in_underlag, eq: true}", "{derive: low}"),
        ))
        c = compile_pack(pack, "unit")
        assert [("make", 0), ("use", 1)] == [(cr.rule.id, cr.stage) for cr in c.order]
        assert "_advance#0" in c.ruleset
        assert c.ruleset["_advance#0"]["pri"] > c.ruleset["make#f#0"]["pri"]
        assert c.ruleset["use#t#0"]["pri"] > c.ruleset["_advance#0"]["pri"]

    def test_exceptions_of_derivers_come_first(self, load_text):
        """An exception to a deriving rule is evaluated before the rules that read the derived fact."""
        pack, _ = load_text(_rules(
            ("use", "{derived: low}", "{outcome: eligible}"),
            ("make", "{fact: unit.in_underlag, eq: true}", "{derive: low}"),
            ("later", "{derived: other}", "{outcome: excluded}"),
            ("other-maker", "{fact: unit.ska_deficiencies, eq: true}", "{derive: other}"),
        ).replace("  - id: later\n", "  - id: later\n    exception_to: make\n"))
        c = compile_pack(pack, "unit")
        stage = {cr.rule.id: cr.stage for cr in c.order}
        assert stage["use"] > stage["later"] > stage["other-maker"]

    def test_only_read_fields_in_fact(self, load_text):
        """The case fact holds the fields the rules read and the compared values, flat, dates as numbers."""
        from engine.inputs.case import unit_case

        pack, _ = load_text("""\
            parameters:
              cutoff: {unit: date, value: 2015-01-01, source: GP2016 6.1}
            rules:
              - id: recent
                text: {sv: Nyligen., en: Recently.}
                source: GP2016 6.1
                when: {fact: unit.injunction.decided, ge: {param: cutoff}}
                then: {outcome: eligible}
            """)
        c = compile_pack(pack, "unit")
        fact = c.fact(unit_case({"unit": {"pupils": 3, "injunction": {"decided": "2015-10-12"}}}))
        assert {"kind": "case", "stage": 0, "unit__injunction__decided": 20151012} == fact
        assert {"$gte": {"unit__injunction__decided": 20150101}} in c.ruleset["recent#t#0"]["all"][0]["m"]["$and"]

    def test_shipped_pack_compiles(self):
        """The reference pack compiles."""
        from policy import Diagnostics, load_pack

        compile_pack(load_pack(RULES / "sbs-2016", Diagnostics()), "unit")


class TestSafeSubset:
    def test_identical_conditions_refused(self, load_text):
        """More rules with one identical condition than durable_rules can hold: refused at the rule."""
        specs = [(f"r{i}", "{fact: unit.in_underlag, eq: true}", "{outcome: eligible}") for i in range(MAX_IDENTICAL + 1)]
        pack, _ = load_text(_rules(*specs))
        with pytest.raises(PackError) as e:
            compile_pack(pack, "unit")
        [d] = e.value.diagnostics
        assert ("compile_limit", 13) == (d.code, d.location.line)
        assert "identical condition" in d.message

    def test_too_many_constants_refused(self, load_text):
        """Hundreds of constants tested on one field (durable_rules hangs past 512): refused."""
        names = ", ".join(f"skola{i}" for i in range(MAX_CONSTANTS + 1))
        pack, _ = load_text(_rules(("names", f"{{fact: unit.name, in: [{names}]}}", "{outcome: excluded}")))
        with pytest.raises(PackError) as e:
            compile_pack(pack, "unit")
        assert "constants are tested on `unit__name`" in e.value.diagnostics[0].message


class TestSplitting:
    def test_large_condition_split_within_limit(self, load_text, host):
        """A condition needing more `$and`/`$or` groups than durable_rules allows is split; decisions stay right."""
        from engine import Engine, unit_case
        from engine.core.compile import MAX_GROUPS, groups

        flags = ["in_underlag", "ska_deficiencies"]
        parts = ", ".join(f"{{fact: unit.school_form, in: [grundskola, {f}]}}" for f in
                          ["gymnasieskola", "sameskola", "specialskola", "forskola", "fritidshem", "forskoleklass",
                           "grundsarskola", "gymnasiesarskola", "gymnasieskola", "sameskola", "specialskola", "forskola",
                           "fritidshem", "forskoleklass", "grundsarskola"])
        pack, diags = load_text(_rules(("big", f"{{all: [{parts}, {{fact: unit.{flags[0]}, eq: true}}]}}", "{outcome: eligible}")))
        assert pack is not None, [d.render() for d in diags]
        c = compile_pack(pack, "unit")
        pieces = [n for n in c.ruleset if n.startswith("big#")]
        assert len(pieces) > 2
        assert all(groups(c.ruleset[n]["all"][0]["m"]) <= MAX_GROUPS for n in pieces)
        engine = Engine(pack, host)
        for facts, outcome in [({"school_form": "grundskola", "in_underlag": True}, "eligible"),
                               ({"school_form": "gymnasieskola", "in_underlag": True}, "not_eligible"),
                               ({"school_form": "grundskola"}, "manual_review")]:
            record = engine.evaluate(unit_case({"unit": facts}))
            assert outcome == record["outcome"], record.get("error")

    @pytest.mark.parametrize("n", [6, 10, 18, 24, 40])
    def test_growing_products_are_refused_not_expanded(self, load_text, n):
        """`any` groups joined by `all` multiply into pieces: past the limit the pack is refused, never expanded.

        (A pack of 18 such groups used to take minutes and a gigabyte before the limit was checked.)
        """
        from engine.core.compile import MAX_PIECES, pieces_needed, simplify

        forms = ["grundskola", "gymnasieskola", "sameskola", "specialskola", "forskola", "fritidshem"]
        parts = ", ".join(f"{{any: [{{fact: unit.school_form, eq: {forms[i % 6]}}}, {{fact: unit.pupils, lt: {{param: p}}}},"
                          f" {{fact: unit.in_underlag, eq: true}}]}}" for i in range(n))
        text = "parameters:\n  p: {unit: pupils, value: 50, source: GP2016 2.3.3}\n" + _rules(("wide", f"{{all: [{parts}]}}", "{outcome: eligible}"))
        pack, diags = load_text(text)
        assert pack is not None, [d.render() for d in diags]
        if n <= 10:
            compile_pack(pack, "unit")  # small enough: compiles
            return
        with pytest.raises(PackError) as e:
            compile_pack(pack, "unit")
        assert any(d.code == "compile_limit" and "durable rules; at most" in d.message for d in e.value.diagnostics)
        assert MAX_PIECES < pieces_needed(simplify({"$and": [{"$or": [{"a": i}, {"b": i}, {"c": i}]} for i in range(n)]}))
