"""The views of a delivery where the engine could not decide a case (an engine-error record) and where a unit
has no name: the meeting report, the workbook and the Markdown report show the error as an error, never as a
decision, and name the case by its id."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cli.main import cli
from engine import Engine
from engine.core.record import error_record
from engine.core.runner import ENGINE_VERSION

from .conftest import FIXTURES

openpyxl = pytest.importorskip("openpyxl")
SAMPLE = FIXTURES / "sample" / "delivery.yaml"
BROKEN = "48151631"  # Fjällskolan, of Norrfjälls kommun
NAMELESS = "48151623"


@pytest.fixture()
def broken_case(monkeypatch, tmp_path):
    """The engine fails on one unit (as durable_rules may, with an error code); one unit has no name."""
    real = Engine.evaluate

    def evaluate(self, case, overrides=(), needed=True):
        if case.id == BROKEN:
            compiled, _, _ = self.prepare(case.scope, case.averages)
            return error_record(compiled, case, "engine_durable_error", "rule small-unit: error 201", "small-unit", ENGINE_VERSION)
        return real(self, case, overrides, needed)

    monkeypatch.setattr(Engine, "evaluate", evaluate)
    text = SAMPLE.read_text(encoding="utf-8").replace("    name: Lindskolan 7-9\n", "", 1)
    assert text != SAMPLE.read_text(encoding="utf-8")
    delivery = tmp_path / "delivery.yaml"
    delivery.write_text(text, encoding="utf-8")
    return delivery


def _evaluate(delivery, *args):
    result = CliRunner().invoke(cli, ["evaluate", str(delivery), "--workers", "0", *args])
    assert result.exit_code == 1 and "engine errors: 2" in result.stderr, result.output  # the records are written all the same
    return result.stdout


def test_the_meeting_report_shows_the_error_and_names_a_nameless_unit_by_its_id(broken_case):
    page = _evaluate(broken_case, "--format", "html")
    section = page[page.index(f'id="u-{BROKEN}"'):]
    section = section[:section.index("</section>")]
    assert 'data-outcome="error"' in section
    assert "durable_rules gav ett fel (engine_durable_error): rule small-unit: error 201" in section
    assert f'<tr data-outcome="error" data-form="grundskola"><td><a href="#u-{BROKEN}">{BROKEN}</a></td>' in page
    assert f"<h3>Skolenhet {NAMELESS} — " in page  # no name: the id alone, not "None" nor "()"


def test_the_workbook_counts_the_error_and_codes_it(broken_case, tmp_path):
    out = tmp_path / "beslut.xlsx"
    _evaluate(broken_case, "--format", "xlsx", "--out", str(out))
    book = openpyxl.load_workbook(out)
    rows = [list(r) for r in book["Beslut"].iter_rows(values_only=True)]
    row = next(r for r in rows if r[1] == BROKEN)
    assert "error" == row[5] and row[4] != "valbar"
    assert row[rows[0].index("Prioritet")] is None  # no priority: an empty cell, never the word None
    counts = {(r[0], r[2]): r[3] for r in book["Sammanfattning"].iter_rows(values_only=True) if r and len(r) > 3 and isinstance(r[3], int)}
    assert counts[("skolenhet", "error")] == 1
    records = [json.loads(line) for line in _evaluate(broken_case).splitlines()]
    assert sum(counts.values()) == len(records)
    assert {k: v for k, v in counts.items() if k[0] == "skolenhet"} == {
        ("skolenhet", o): sum(1 for r in records if r["kind"] == "unit" and (r["outcome"] or "error") == o)
        for o in {r["outcome"] or "error" for r in records if r["kind"] == "unit"}}


def test_the_markdown_report_names_a_nameless_unit_by_its_id(broken_case):
    report = _evaluate(broken_case, "--format", "md")
    assert f"| {NAMELESS} | 212000-0999 | " in report and f"### {NAMELESS}\n" in report
