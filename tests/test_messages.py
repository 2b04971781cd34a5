"""The message catalogue: both languages complete, numbers written the Swedish way, every reason and
engine error a record states found back and shown in Swedish, and no English word in Swedish output."""
from __future__ import annotations

import html as _html
import re

import pytest

from engine import messages as M
from engine.app import delivery_records
from engine.inputs.delivery import read_delivery
from engine.core.evaluate import Detail
from engine.views.explain import condition_lines, explain_text
from engine.inputs.overrides import read_overrides
from engine.views.render import html, markdown
from policy import Diagnostics, Registry

from .conftest import FIXTURES, RULES, SHARED


def _facts(node) -> set[str]:
    """The fact paths a condition reads (its compared facts and known/unknown tests)."""
    if node is None:
        return set()
    out = {node.fact} if isinstance(getattr(node, "fact", None), str) else set()
    for child in getattr(node, "items", ()) or ():
        out |= _facts(child)
    inner = getattr(node, "item", None)
    return out | (_facts(inner) if inner is not None else set())


class TestCatalogue:
    def test_every_key_in_both_languages(self):
        """A word, an outcome or an error explanation that one language lacks would show as a code or fail."""
        for table in (M.WORDS, M.OUTCOMES, M.ERROR_CODES):
            assert set(M.LANGS) == set(table)
            assert set(table["sv"]) == set(table["en"])
            assert all(v.strip() for lang in M.LANGS for v in table[lang].values())

    def test_every_unit_a_parameter_may_carry_has_a_swedish_word(self):
        from policy.facts import PARAMETER_UNITS
        assert set(PARAMETER_UNITS) == set(M.UNIT_WORDS["sv"])
        assert ("elever", "pupils") == (M.unit_word("pupils", "sv"), M.unit_word("pupils", "en"))

    def test_every_fact_a_shipped_pack_reads_has_a_swedish_name(self):
        """What `agreement check`, `--why-not` and what is needed say of a fact, they say in Swedish:
        `huvudmannens skolenheter med vite 1 ≥ 1`, not `huvudman.units_with_fine 1 ≥ 1`."""
        from policy.facts import FIELDS
        registry = Registry.load([RULES], Diagnostics())
        read = {f for pack in registry.packs for r in pack.rules for f in _facts(r.when)} & set(FIELDS)
        assert len(read) > 50
        assert [] == sorted(f for f in read if M.fact_name(f, "sv") == f)

    def test_templates_have_the_same_parts_in_both_languages(self):
        """The Swedish form of a reason says everything the English one does (the same `{parts}`)."""
        field = re.compile(r"\{(\w+)\}")
        for t in M.TEMPLATES:
            assert sorted(field.findall(t.en)) == sorted(field.findall(t.sv)), t.key
            assert not t.sv_many or sorted(field.findall(t.en)) == sorted(field.findall(t.sv_many)), t.key
            assert t.en != t.sv, t.key
        assert len(M.TEMPLATES) == len(M.BY_KEY)

    def test_placeholders_agree(self):
        """`{name}` fields of the views' words are the same in both languages."""
        field = re.compile(r"\{(\w+)\}")
        for key in M.WORDS["sv"]:
            assert sorted(field.findall(M.WORDS["sv"][key])) == sorted(field.findall(M.WORDS["en"][key])), key


class TestNumbers:
    @pytest.mark.parametrize("value, unit, sv, en", [
        (224.4, None, "224,4", "224.4"),
        (0.856, "share", "85,6 %", "85.6%"),
        (0.771 * 0.9, "share", "69,39 %", "69.39%"),
        (224.4 * 1.1, None, "246,84", "246.84"),
        (2750000, "SEK", "2 750 000", "2,750,000"),
        (1230, "pupils", "1230", "1230"),
        (12345, None, "12 345", "12,345"),
        (-0.05, "share", "-5 %", "-5%"),
        (0, None, "0", "0"),
        (1e20, None, "100 000 000 000 000 000 000", "100,000,000,000,000,000,000"),
        (12345678901.3, "SEK", "12 345 678 901,3", "12,345,678,901.3"),
        (98765432109.87, "SEK", "98 765 432 109,87", "98,765,432,109.87"),
        (1e-7, "share", "0,00001 %", "0.00001%"),
        (0.1 + 0.2, None, "0,3", "0.3"),
        ("grundskola", None, "grundskola", "grundskola"),
    ])
    def test_written_as_the_language_does(self, value, unit, sv, en):
        """Decimal comma and `85,6 %` in Swedish, point and `85.6%` in English; no float artefacts."""
        assert (sv, en) == (M.number(value, "sv", unit), M.number(value, "en", unit))


class TestReasons:
    SAMPLE = {"lo": 1, "hi": 3, "n": 2, "ids": "48151623, 48151624", "id": "48151623", "outcome": "manual_review",
              "grades": "9-7", "year": 3, "rest": "missing", "seconds": "1.5", "exception": "RuntimeError: x",
              "rule": "small-unit", "theirs": "true", "ours": "false", "form": "grundskola",
              "rules": "huvudman-profit-dilemma"}

    def test_every_template_is_found_back(self):
        """Each reason or error a record states in English is shown in Swedish, its parts in place."""
        field = re.compile(r"\{(\w+)\}")
        for t in M.TEMPLATES:
            fields = {k: self.SAMPLE[k] for k in field.findall(t.en)}
            english = M.text(t.key, **fields)
            swedish = M.translate(english, "sv")
            assert swedish != english and "{" not in swedish, t.key
            assert english == M.translate(english, "en")
            for k in ("ids", "id", "grades"):
                if k in fields:
                    assert str(fields[k]) in swedish, t.key

    def test_composed_reasons(self):
        """A count's reason with several parts, and a reason inside a reason, are translated part by part."""
        text = M.text("count_between", lo=1230, hi=12440, rest="; ".join([
            M.text("size_unknown_one", n=1), M.text("review_may_be_eligible", n=2, ids="48151626, 48151627")]))
        assert ("mellan 1230 och 12 440: elevantalet i 1 valbar skolenhet är okänt; "
                "2 skolenheter under manuell prövning kan vara valbara (48151626, 48151627)") == M.translate(text, "sv")
        assert "unit.grades är okänd (uppgift saknas), och inget resultat för årskurs 9 är angivet" == \
            M.translate(M.text("grades_unknown", rest="missing", year=9), "sv")
        assert "skolenhet 48151623, som delar skolbyggnader med den, har utfallet manuell prövning" == \
            M.translate(M.text("neighbour_outcome", id="48151623", outcome="manual_review"), "sv")
        assert "skolenheterna 48151623, 48151624 hos huvudmannen kunde inte avgöras" == \
            M.translate(M.text("engine_unit_error", ids="48151623, 48151624"), "sv")
        assert "skolenhet 48151623 hos huvudmannen kunde inte avgöras" == M.translate(M.text("engine_unit_error", ids="48151623"), "sv")
        assert "durable_rules finner regeln `small-unit` sant, korskontrollen finner den okänd; inget beslut fattas" == \
            M.translate(M.text("engine_disagreement", rule="small-unit", theirs="true", ours="unknown"), "sv")

    def test_an_unknown_text_is_shown_as_it_stands(self):
        """A reason no template knows (an older engine's) is never garbled."""
        assert "uppgiften lämnades inte" == M.translate("uppgiften lämnades inte", "sv")
        error = {"code": "engine_durable_error", "message": "rule x: error 201"}
        assert "durable_rules gav ett fel (engine_durable_error): rule x: error 201" == M.error_text(error, "sv")


# --- no English word in Swedish output -------------------------------------------------------------

CODE = re.compile(r"`[^`]*`|\S*[._@/\d-]\S*|[a-z]+_[a-z_]+|sha256")  #: rule ids, fact paths, hashes, dates, numbers


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-zÅÄÖåäöÉé]+", CODE.sub(" ", text))}


@pytest.fixture(scope=SHARED)
def outputs() -> dict[str, list[str]]:
    """Swedish and English views of every record of the sample, with each pack in force or replaced."""
    diags = Diagnostics()
    registry = Registry.load([RULES], diags)
    doc = read_delivery(FIXTURES / "sample" / "delivery.yaml", diags)
    out: dict[str, list[str]] = {"sv": [], "en": [], "sv_texts": [], "en_texts": []}
    for ref in ("sbs@1.1.0", "sbs@2.1.0", "sbs@3.1.0"):
        pack = registry.get(ref)
        overrides = read_overrides(FIXTURES / "sample" / "overrides.yaml", pack, doc.targets(), Diagnostics())
        records = delivery_records(pack, doc, overrides, workers=0)
        for lang in ("sv", "en"):
            out[lang] += [explain_text(r, lang) for r in records]
            out[lang] += [markdown(records, "Urval", lang), html(records, "Urval", lang)]
        for r in records:
            for e in r["trace"]:
                for lang in ("sv", "en"):
                    out[f"{lang}_texts"] += [e["text"][lang], (e.get("interpretation") or {}).get(lang, "")]
        out["sv_texts"] += [str(v) for r in records for k, v in r["input"]["facts"].items() if isinstance(v, str)]
        out["sv_texts"] += [s["quote"] for r in records for e in r["trace"] for s in e["source"] if s.get("quote")]
        for p in pack.parameters:  # the report's table of parameters quotes the pack's own words
            out["sv_texts"] += [c.quote or "" for c in p.source] + [(t or {}).get("sv", "") for t in (p.text, p.interpretation)]
            out["en_texts"] += [(t or {}).get("en", "") for t in (p.text, p.interpretation)]
        out["sv_texts"] += [o.reason for o in overrides]
    return out


def test_swedish_output_has_no_english_word(outputs):
    """`sbs explain` and the reports in Swedish: every word outside codes, rule ids and fact paths is Swedish.

    The pack's Swedish texts and the delivery's names are taken out first (they are the sources' words and
    may name codes such as `eligible`); what is left is the views' own words. The English words are those of
    the English catalogue and the English rule texts that the Swedish catalogue does not also use (a word
    such as `huvudman` belongs to both)."""
    english = set()
    for lang_table in (M.WORDS["en"], M.OUTCOMES["en"], {t.key: t.en for t in M.TEMPLATES}):
        english |= _words(" ".join(lang_table.values()))
    english |= _words(" ".join(outputs["en_texts"]))
    english -= _words(" ".join([*M.WORDS["sv"].values(), *M.OUTCOMES["sv"].values(), *(t.sv for t in M.TEMPLATES)]))
    english -= {"underlag", "huvudman", "huvudmän", "vite", "insats", "insatser"}  # the sources' terms, in both
    assert {"missing", "eligible", "between", "unknown", "the", "of", "units", "records"} <= english
    theirs = sorted({t for t in outputs["sv_texts"] if t}, key=len, reverse=True)
    found = {}
    for text in outputs["sv"]:
        own = _html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)>.*?</\1>", " ", text, flags=re.S)))
        for t in theirs:
            own = own.replace(t, " ")
        for w in _words(own) & english:
            found.setdefault(w, text.splitlines()[0])
    assert {} == found


def test_english_output_keeps_english(outputs):
    """The same check the other way finds Swedish words in English views, proving the check can fail."""
    assert any("uppgift saknas" in t for t in outputs["sv"])
    assert not any("uppgift saknas" in t for t in outputs["en"])
    assert any("85,6 %" in t for t in outputs["sv"]) and any("85.6%" in t for t in outputs["en"])


def test_a_forced_rule_reads_as_decided_by_the_officer(outputs):
    """A rule an officer forced an outcome through is shown as decided by them, with the outcome, never as
    set aside."""
    text = next(t for t in outputs["sv"] if t.startswith("skolenhet 48151624 ") and "regelpaket sbs@2.1.0" in t)
    assert "- [fastställd] same-building-complement — " in text
    assert "    fastställd av A. Andersson, undervisningsråd, 2016-02-02 → valbar; skäl: Lindskolan F-6" in text
    assert "åsidosatt av A. Andersson" not in text


def test_the_report_names_what_a_decision_hinges_on_once():
    """Several rules a decision hinges on follow one `beror på`; a place the round cannot settle says so."""
    from engine.views.render import _why
    from engine.core.results import Decision

    def decision(**fields) -> Decision:
        return Decision.of({"kind": "huvudman", "id": "212000-0999", "pack": {}, "input_sha256": "", "engine_version": "",
                            "trace": [], "decided_by": [], **fields})

    h = M.words("sv")
    assert "beror på no-ongoing-dialogue, results-low-or-spread" == _why(
        decision(hinges_on=["no-ongoing-dialogue", "results-low-or-spread"]), h)
    straddling = decision(outcome="manual_review", ranking={"uncertain_against": ["212000-0001"], "result": "manual_review",
                                                            "best": 5, "worst": 8, "capacity": {"value": 10}})
    assert _why(straddling, h).startswith("omgången kan inte placera huvudmannen: bästa möjliga plats 5, sämsta 8")


def test_the_report_is_in_swedish_unless_told_otherwise():
    """`markdown` and `html` without a language write Swedish, the report's default as on the command line."""
    diags = Diagnostics()
    pack = Registry.load([RULES], diags).get("sbs@2.1.0")
    records = delivery_records(pack, read_delivery(FIXTURES / "sample" / "delivery.yaml", diags), [], workers=0)
    assert markdown(records, "Urval") == markdown(records, "Urval", "sv") != markdown(records, "Urval", "en")
    assert html(records, "Urval") == html(records, "Urval", "sv")


@pytest.mark.parametrize("kind, value, result, sv, en", [
    ("known", "2016-05-30", True, "agreement.signed_on: 2016-05-30; är känd → sant", "agreement.signed_on: 2016-05-30; is known → true"),
    ("unknown", None, True, "agreement.signed_on: ?; är okänd → sant", "agreement.signed_on: ?; is unknown → true"),
    ("unknown", "2016-05-30", False, "agreement.signed_on: 2016-05-30; är okänd → falskt",
     "agreement.signed_on: 2016-05-30; is unknown → false"),
])
def test_a_known_or_unknown_test_reads_as_such_in_a_trace(kind, value, result, sv, en):
    """`known:` and `unknown:` in a trace: the fact, its value (`?` when missing) and the test, in each language."""
    node = Detail(kind, result, fact="agreement.signed_on", value=value)
    assert [[f"  {sv}"], [f"  {en}"]] == [condition_lines(node, M.words(lang), "  ") for lang in ("sv", "en")]
