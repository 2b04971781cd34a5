"""A letter per huvudman (`--format letters --out DIR`): the decision in plain Swedish, with its reasons."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from cli.main import cli

from .conftest import FIXTURES, SHARED

SAMPLE = FIXTURES / "sample" / "delivery.yaml"
OVERRIDES = FIXTURES / "sample" / "overrides.yaml"


@pytest.fixture(scope=SHARED)
def letters(tmp_path_factory):
    out = tmp_path_factory.mktemp("letters") / "brev"
    result = CliRunner().invoke(cli, ["evaluate", str(SAMPLE), "--overrides", str(OVERRIDES), "--format", "letters",
                                      "--out", str(out), "--workers", "0"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


def test_one_letter_per_huvudman_in_markdown_and_html_with_an_index(letters):
    md = sorted(p.stem for p in letters.glob("*.md"))
    assert len(md) == 14 and sorted(p.stem for p in letters.glob("*.html") if p.stem != "index") == md
    index = (letters / "index.html").read_text(encoding="utf-8")
    assert set(re.findall(r'href="([^"]+)\.html"', index)) == set(md)
    # every page says its language, so a screen reader reads the Swedish as Swedish
    assert all('<html lang="sv">' in p.read_text(encoding="utf-8") for p in letters.glob("*.html"))


def test_a_letter_says_the_decision_what_it_means_and_why_with_sources(letters):
    text = (letters / "212000-1051.md").read_text(encoding="utf-8")
    assert text.startswith("# Beslut om urval till Samverkan för bästa skola\n\n**Hedmarks kommun (212000-1051)**\n")
    assert ("i leveransen SI-2016-1 den 2016-01-28 mot urvalet för Samverkan för bästa skola (regelpaket sbs@2.1.0).\n\n## Beslutet\n\nHuvudmannen: föreslås.\n\n"
            "Huvudmannen föreslås för samverkan för bästa skola. Skolverket tar kontakt för att inleda dialogen.\n\n"
            "## Skälen\n\n- Huvudmannen har minst en valbar skolenhet") in text
    assert "### Byskolan (48151725): valbar." in text
    assert "(GP2016 2.3.2 punkt 3)" in text
    assert "Handläggare: {handläggare}" in text and "Diarienummer: {diarienummer}" in text


def test_a_refused_unit_is_told_what_would_change_the_decision(letters):
    text = (letters / "212000-1041.md").read_text(encoding="utf-8")
    start = text.index("(48151711): ej valbar.")
    part = text[start:text.index("###", start) if "###" in text[start:] else len(text)]
    assert "Vad som skulle ändra beslutet:" in part
    assert "andelen med godkänt i alla ämnen 77 % i stället för 79 % (GP2016 2.3.2 punkt 1) → valbar" in part


def test_the_html_letter_escapes_what_the_delivery_says(letters):
    for path in sorted(letters.glob("*.html")):  # each letter, whatever it ends with (a list or a paragraph)
        if path.stem == "index":
            continue
        page = path.read_text(encoding="utf-8")
        assert page.startswith("<!DOCTYPE html>") and "<h1>Beslut om urval till Samverkan för bästa skola</h1>" in page
        assert "<li>" in page and "<script" not in page
        body = page[page.index("<body>") + len("<body>"):page.index("</body>")].strip().splitlines()
        element = re.compile(r"<(h\d|p|li)>.*</\1>")
        assert all(line in ("<ul>", "</ul>") or element.fullmatch(line) for line in body), (path.name, body)  # nothing stray
        lists = [line for line in body if line in ("<ul>", "</ul>")]  # every list opened is closed, none unopened
        assert lists and lists == ["<ul>", "</ul>"] * (len(lists) // 2), path.name
    page = (letters / "212000-1051.html").read_text(encoding="utf-8")
    assert "<h3>Byskolan (48151725): valbar.</h3>\n<ul>\n<li>" in page


def test_letters_need_a_directory():
    result = CliRunner().invoke(cli, ["evaluate", str(SAMPLE), "--format", "letters", "--workers", "0"])
    assert result.exit_code == 2 and "letters are written one per huvudman: give --out DIR" in result.output


def test_letters_in_english(tmp_path):
    out = tmp_path / "letters"
    assert CliRunner().invoke(cli, ["evaluate", str(SAMPLE), "--format", "letters", "--lang", "en", "--out", str(out),
                                    "--workers", "0"]).exit_code == 0
    text = (out / "212000-1051.md").read_text(encoding="utf-8")
    assert "Decision on selection for Samverkan för bästa skola" in text and "The huvudman: proposed." in text


def test_letters_do_not_depend_on_what_the_process_did_before(tmp_path):
    """A refusal's smallest change in a letter is found in a z3 context of its own: the letters of a
    delivery are the same bytes after other analyses in the same process (a service, a notebook)."""
    def letters(out):
        args = ["evaluate", str(FIXTURES / "sample" / "delivery.yaml"), "--pack", "sbs@2.1.0", "--workers", "0",
                "--format", "letters", "--out", str(out)]
        assert 0 == CliRunner().invoke(cli, args, catch_exceptions=False).exit_code
        return {p.name: p.read_text(encoding="utf-8") for p in sorted(out.iterdir())}

    first = letters(tmp_path / "a")
    for other in (["compare", "sbs@2.0.0", "sbs@3.1.0"], ["check", "sbs@3.1.0"],
                  ["explain", str(FIXTURES / "sample" / "delivery.yaml"), "48151711", "--why-not"]):
        CliRunner().invoke(cli, other, catch_exceptions=False)
    assert first == letters(tmp_path / "b")


def test_a_name_on_two_lines_stays_in_its_heading(tmp_path):
    """A name with a line break (a CSV cell on two lines) would cut the letter's heading in two."""
    delivery = tmp_path / "d.yaml"
    text = SAMPLE.read_text(encoding="utf-8")
    text = text.replace("    name: Lindskolan 7-9\n", '    name: "Lindskolan\\r\\n7-9"\n', 1)
    text = text.replace("name: Västerå kommun,", 'name: "Västerå\\nkommun",', 1)
    delivery.write_text(text, encoding="utf-8")
    out = tmp_path / "brev"
    assert CliRunner().invoke(cli, ["evaluate", str(delivery), "--format", "letters", "--out", str(out), "--workers", "0"]).exit_code == 0
    md = (out / "212000-0999.md").read_text(encoding="utf-8")
    assert "### Lindskolan 7-9 (48151623): valbar.\n" in md and "**Västerå kommun (212000-0999)**\n" in md
    page = (out / "212000-0999.html").read_text(encoding="utf-8")
    assert "<h3>Lindskolan 7-9 (48151623): valbar.</h3>" in page


def test_a_huvudman_and_a_unit_without_a_name_are_named_by_their_ids(tmp_path):
    delivery = tmp_path / "d.yaml"
    text = SAMPLE.read_text(encoding="utf-8").replace("    name: Lindskolan 7-9\n", "", 1)
    delivery.write_text(text.replace("name: Västerå kommun, ", "", 1), encoding="utf-8")
    out = tmp_path / "brev"
    assert CliRunner().invoke(cli, ["evaluate", str(delivery), "--format", "letters", "--out", str(out), "--workers", "0"]).exit_code == 0
    md = (out / "212000-0999.md").read_text(encoding="utf-8")
    assert "\n**212000-0999**\n" in md and "\n### 48151623: valbar.\n" in md
    assert "Skolverket har prövat 212000-0999 och dess skolenheter" in md
    assert '<a href="212000-0999.html">212000-0999</a>' in (out / "index.html").read_text(encoding="utf-8")
    assert "<title>Beslut om urval till Samverkan för bästa skola: 212000-0999</title>" in (out / "212000-0999.html").read_text(encoding="utf-8")


def test_a_list_at_the_end_of_a_letter_is_closed():
    """The letter's Markdown as HTML: a list that ends the text is closed like one that a paragraph follows."""
    from engine.views.letters import _markdown_html

    assert "<h2>Skälen</h2>\n<ul>\n<li>a &lt;b&gt;</li>\n<li>c</li>\n</ul>" == _markdown_html("## Skälen\n\n- a <b>\n- c")
    assert "<ul>\n<li>a</li>\n</ul>\n<p>Slut.</p>" == _markdown_html("- a\n\nSlut.")


def test_an_officers_decision_is_told_with_the_rule_and_its_source(letters):
    """A forced decision names the rule the officer applied with its source; a rule set aside is named with
    who set it aside, when and why (nothing is overridden silently)."""
    forced = (letters / "212000-0999.md").read_text(encoding="utf-8")
    part = forced[forced.index("### Lindskolan F-6 (48151624): valbar."):forced.index("### Björkgymnasiet (48151625)")]
    assert "- Beslutet har fastställts av A. Andersson, undervisningsråd den 2016-02-02: Lindskolan F-6 delar" in part
    assert "- En skolenhet som inte uppfyller kriterierna 1 och 2 kan i enskilda fall väljas ut som komplement" in part
    assert part.rstrip().endswith("(GP2016 2.3.2 punkt 3)")
    aside = (letters / "212000-1051.md").read_text(encoding="utf-8")
    part = aside[aside.index("### Byskolan (48151725): valbar."):]
    assert ("- Regeln small-unit (GP2016 2.3.2 punkt 4; GP2016 2.3.3 Små skolenheter) har satts åt sidan av "
            "A. Andersson, undervisningsråd den 2016-02-02: Byskolan delar rektor och lärarlag") in part.split("###")[1]


def test_a_decision_under_review_names_the_rules_it_hinges_on_and_what_each_value_gives(letters):
    text = (letters / "212000-0999.md").read_text(encoding="utf-8")
    part = text[text.index("### Björkgymnasiet, gymnasiesärskolan (48151626): manuell prövning."):text.index("## Kontakt")]
    lines = part.splitlines()
    assert lines[2] == "- Beslutet beror på uppgifter som saknas i leveransen."
    assert lines[3] == ("- Kan inte avgöras utan uppgifterna: Skolenheten finns i Skolinspektionens underlag, har låga "
                        "kunskapsresultat och svåra förutsättningar att förbättra dem på egen hand. (GP2016 2.3.2 punkt 3; GP2016 1.1)")
    assert "Det som behövs för ett beslut (varje uppgift för sig, de andra fortfarande okända):" in part
