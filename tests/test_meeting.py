"""The report for the selection meeting (`--format html`): anchors, links, the round, what is needed, pages."""
from __future__ import annotations

import json
import re
import shutil

import pytest
from click.testing import CliRunner

from cli.main import cli

from .conftest import FIXTURES, ROOT, SHARED

SAMPLE = FIXTURES / "sample" / "delivery.yaml"
OVERRIDES = FIXTURES / "sample" / "overrides.yaml"


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope=SHARED)
def page():
    result = _run("evaluate", str(SAMPLE), "--overrides", str(OVERRIDES), "--format", "html", "--workers", "0")
    assert result.exit_code == 0
    return result.stdout


@pytest.fixture(scope=SHARED)
def records():
    out = _run("evaluate", str(SAMPLE), "--overrides", str(OVERRIDES), "--workers", "0").stdout
    return [json.loads(line) for line in out.splitlines()]


def _ids(page: str) -> set[str]:
    return set(re.findall(r'id="([^"]+)"', page))


def test_every_unit_huvudman_and_rule_has_an_anchor_and_every_link_lands(page, records):
    ids = _ids(page)
    for r in records:
        assert ("u-" if r["kind"] == "unit" else "h-") + r["id"] in ids
        for entry in r["trace"]:
            assert f"r-{entry['rule']}" in ids
    links = re.findall(r'href="#([^"]+)"', page)
    assert links and all(link in ids for link in links)
    for r in records:
        if r["kind"] == "unit":
            assert f'href="#u-{r["id"]}"' in page, "each unit is reached from the table"


def test_the_summary_opens_with_a_chart_the_round_and_the_reviews(page):
    head = page[:page.index('<h2 id="huvudman">')]
    assert "<svg" in head and "xmlns=\"http://www.w3.org/2000/svg\"" in head and "<script src" not in page
    assert re.search(r"<rect [^>]*fill=\"#2e7d32\"", head)
    assert "Urvalsomgången" in head and "Kapacitet: 10; föreslås: 7; väntelista: 0." in head
    ranked = re.findall(r'<tr data-outcome="proposed"><td>(\d+)</td>', head)
    assert ranked == [str(i) for i in range(1, 8)]
    assert "units.pupils_eligible = okänd (1530–1640)" in head, "the tie-break that placed each"
    reviews = head[head.index('id="reviews"'):]
    assert "andelen med examen inom 3 år (unit.results.share_degree_within_3y): &lt; 69 % → valbar" in reviews


def test_each_decision_opens_with_its_outcome_and_the_deciding_rule_with_its_source(page):
    start = page.index('id="u-48151725"')
    section = page[start:page.index("</section>", start)]
    assert ">valbar</span></h3>" in section
    assert 'Avgjort av <a href="#r-selection-criteria-met">selection-criteria-met</a></strong>' in section
    assert "<cite>(GP2016 2.3.2 punkt 3; GP2016 1.1)</cite>" in section and "<blockquote>" in section
    assert "åsidosätter" in section and "A. Andersson" in section and "2016-02-02" in section
    assert "<details><summary>Hela spårningen</summary><pre>" in section


def test_a_section_quoted_twice_is_cited_once():
    """A deciding rule with two quotes from one section (sbs@2.1.0's enskild huvudman under vite, GP2016 2.3.3)
    cites the section once and shows both quotes."""
    page = _run("evaluate", str(SAMPLE), "--pack", "sbs@2.1.0", "--format", "html", "--workers", "0").stdout
    cites = re.findall(r"<cite>\((.*?)\)</cite>", page)
    assert cites and all(len(c.split("; ")) == len(set(c.split("; "))) for c in cites), cites
    at = page.index('<a href="#r-huvudman-enskild-vite-economy">')
    assert page[at:page.index("</p>", at) + 4].endswith("<cite>(GP2016 2.3.3 Huvudmän och skolenheter med vitesföreläggande)</cite></p>")
    assert page[at:].split("</p>", 1)[1].startswith("<blockquote>En särskild problematik")


def test_the_huvudman_sections_hold_its_units(page):
    start = page.index('id="hs-212000-1051"')
    section = page[start:page.index('<section class="huvudman"', start + 10)]
    assert section.index('id="h-212000-1051"') < section.index('id="u-48151724"') < section.index('id="u-48151725"')


def test_parameters_with_their_sources_and_interpretations(page):
    start = page.index('id="p-small_unit_pupils"')
    row = page[start:page.index("</tr>", start)]
    assert "grundskola 50" in row and "GP2016 2.3.3" in row and "Källan nämner 10 elever" in row


def test_filter_markup_is_there_and_the_page_reads_without_script(page):
    assert '<select id="f-outcome">' in page and '<select id="f-form">' in page
    assert 'class="filter hidden"' in page, "hidden until the script shows it, so a page without script is whole"
    assert re.search(r'<section class="decision" id="u-48151721" data-outcome="excluded" data-form="forskola">', page)


def test_english(records):
    page = _run("evaluate", str(SAMPLE), "--format", "html", "--lang", "en", "--workers", "0").stdout
    assert '<html lang="en">' in page and "The round" in page and "Decided by" in page


@pytest.fixture(scope=SHARED)
def register_dir(tmp_path_factory):
    from bench.register import register
    tmp = tmp_path_factory.mktemp("paged")
    delivery = tmp / "register.json"
    delivery.write_text(json.dumps(register(400, 70)), encoding="utf-8")
    out = tmp / "report"
    result = _run("evaluate", str(delivery), "--format", "html", "--out", str(out), "--workers", "0")
    assert result.exit_code == 0, result.output
    assert f"the report written under {out}/" in result.stderr
    return delivery, out


def test_a_large_delivery_is_a_directory_of_pages(register_dir):
    _, out = register_dir
    index = (out / "index.html").read_text(encoding="utf-8")
    pages = sorted((out / "h").glob("*.html"))
    assert len(pages) == 70
    for link in set(re.findall(r'href="(h/[^"#]+)#([^"]+)"', index)):
        target = out / link[0]
        assert target.exists(), link
        assert f'id="{link[1]}"' in target.read_text(encoding="utf-8"), link
    one = pages[0].read_text(encoding="utf-8")
    assert '<a href="../index.html">' in one and 'href="../index.html#r-' in one


def test_a_large_delivery_needs_a_directory(register_dir):
    delivery, _ = register_dir
    result = CliRunner().invoke(cli, ["evaluate", str(delivery), "--format", "html", "--workers", "0"])
    assert result.exit_code == 2 and "a report of 470 records is written as a directory" in result.output


# --- in a real browser ---------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope=SHARED)
def browser():
    if CHROMIUM is None:
        pytest.skip("no chromium on this machine (.ci/run installs Debian's chromium)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.mark.browser
def test_in_a_browser_the_page_loads_links_reach_every_unit_and_the_filter_works(browser, page, records, tmp_path):
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    tab = browser.new_page(viewport={"width": 1280, "height": 1600})
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.goto(path.as_uri())
    assert errors == []
    assert tab.locator("form.filter").is_visible(), "the script shows the filter"
    for r in records:
        if r["kind"] != "unit":
            continue
        tab.locator(f'#units a[href="#u-{r["id"]}"], table a[href="#u-{r["id"]}"]').first.click()
        assert tab.evaluate("location.hash") == f"#u-{r['id']}"
        assert tab.locator(f"#u-{r['id']}").is_visible()
    rows = tab.locator('tr[data-outcome][data-form]')
    total = rows.count()
    tab.select_option("#f-outcome", "excluded")
    shown = [rows.nth(i) for i in range(total) if rows.nth(i).is_visible()]
    assert shown and all(row.get_attribute("data-outcome") == "excluded" for row in shown)
    assert tab.locator("#u-48151711").is_hidden()
    tab.select_option("#f-outcome", "")
    tab.select_option("#f-form", "grundskola")
    assert all(rows.nth(i).get_attribute("data-form") == "grundskola" for i in range(total) if rows.nth(i).is_visible())
    tab.select_option("#f-form", "")
    assert sum(1 for i in range(total) if rows.nth(i).is_visible()) == total
    (ROOT / "build").mkdir(exist_ok=True)
    tab.screenshot(path=str(ROOT / "build" / "report.png"))
    assert (ROOT / "build" / "report.png").stat().st_size > 10_000


def test_the_tables_name_an_officers_set_aside_as_the_markdown_does(page):
    """Byskolan is eligible with small-unit set aside by an officer: its row in the units table says so, as the
    Markdown report's row does (nothing is overridden silently)."""
    row = re.search(r'<tr data-outcome="eligible" data-form="[^"]*"><td><a href="#u-48151725">.*?</tr>', page).group(0)
    assert row.endswith("<td>selection-criteria-met; small-unit åsidosatt av A. Andersson, undervisningsråd</td></tr>")
    md = _run("evaluate", str(SAMPLE), "--overrides", str(OVERRIDES), "--format", "md", "--workers", "0").stdout
    assert "| selection-criteria-met; small-unit åsidosatt av A. Andersson, undervisningsråd |" in md


def test_the_appendix_cites_a_section_once_with_its_quotes_and_names_units_in_swedish(page):
    """The rules table names a section once above all its quotes; the parameters table writes each unit in the
    report's language."""
    row = re.search(r'<tr id="r-no-results-statistics">.*?</tr>', page).group(0)
    cited = re.findall(r"<td>(.*?)</td>", row)[2]
    assert cited.count("GP2016 2.3.2 punkt 1") == 1 and cited.count("<blockquote>") == 2 and "<br>" not in cited
    units = dict(re.findall(r'<tr id="p-([a-z_]+)"><td>[^<]*</td><td>[^<]*</td><td>([^<]*)</td>', page))
    assert ("kronor", "kvot", "elever", "år") == (units["cost_per_huvudman_sek"], units["generally_low_ratio"],
                                                  units["small_unit_pupils"], units["max_agreement_years"])
    english = _run("evaluate", str(SAMPLE), "--format", "html", "--lang", "en", "--workers", "0").stdout
    assert '<tr id="p-small_unit_pupils"><td>small_unit_pupils</td><td>' in english
    assert dict(re.findall(r'<tr id="p-([a-z_]+)"><td>[^<]*</td><td>[^<]*</td><td>([^<]*)</td>', english))["generally_low_ratio"] == "ratio"
