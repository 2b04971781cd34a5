"""`sbs evaluate --format xlsx`: the decisions, the summary and the round as a workbook with headers in the
report's language (engine/views/workbook.py)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cli.main import cli

from .conftest import FIXTURES

openpyxl = pytest.importorskip("openpyxl")
SAMPLE = FIXTURES / "sample" / "delivery.yaml"


def _book(tmp_path, *args, name="beslut.xlsx"):
    out = tmp_path / name
    result = CliRunner().invoke(cli, ["evaluate", str(SAMPLE), "--format", "xlsx", "--out", str(out), "--workers", "0", *args])
    assert 0 == result.exit_code, result.output
    return out


def _rows(path, sheet):
    return [list(r) for r in openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True)]


def test_three_sheets_with_swedish_headers(tmp_path):
    """Beslut (one row per record, the outcome in words beside its code), Sammanfattning, Omgång."""
    path = _book(tmp_path)
    assert ["Beslut", "Sammanfattning", "Omgång"] == openpyxl.load_workbook(path).sheetnames
    records = _rows(path, "Beslut")
    assert records[0][:8] == ["Typ", "Id", "Namn", "Huvudmannens organisationsnummer", "Utfall", "Utfallskod", "Plats", "Prioritet"]
    jsonl = CliRunner().invoke(cli, ["evaluate", str(SAMPLE), "--workers", "0"]).stdout.splitlines()
    expected = [json.loads(line) for line in jsonl]
    assert [(r["id"], r["outcome"]) for r in expected] == [(row[1], row[5]) for row in records[1:]]  # every record, in order
    first = records[1]
    assert ("skolenhet", "48151623", "valbar", "eligible") == (first[0], first[1], first[4], first[5])


def test_the_round_in_order_of_rank(tmp_path):
    """The round lists the ranked huvudmän by rank, as numbers, with outcome in words, priority and capacity."""
    path = _book(tmp_path)
    rows = _rows(path, "Omgång")
    assert ["Plats", "Huvudmannens organisationsnummer", "Namn", "Utfall", "Prioritet"] == rows[0][:5]
    ranks = [r[0] for r in rows[1:]]
    assert ranks == sorted(ranks) and all(isinstance(r, int) for r in ranks) and ranks
    records = json.loads(CliRunner().invoke(cli, ["evaluate", str(SAMPLE), "--format", "json", "--workers", "0"]).stdout)
    ranked = sorted((r for r in records if r["kind"] == "huvudman" and r.get("rank") is not None), key=lambda r: r["rank"])
    assert [r["id"] for r in ranked] == [r[1] for r in rows[1:]]
    assert {"föreslås"} <= {r[3] for r in rows[1:]}


def test_the_summary_counts_every_record(tmp_path):
    """The summary names the delivery and the pack, and its counts add up to the records."""
    path = _book(tmp_path)
    rows = _rows(path, "Sammanfattning")
    fields = {r[0]: r[1] for r in rows if r and r[0] and r[1] is not None}
    assert "SI-2016-1" == fields["Leverans"] and fields["Regelpaket"].startswith("sbs@")
    counts = [r for r in rows if r and isinstance(r[3] if len(r) > 3 else None, int)]
    assert len(_rows(path, "Beslut")) - 1 == sum(r[3] for r in counts)


def test_english_headers(tmp_path):
    path = _book(tmp_path, "--lang", "en")
    assert ["Decisions", "Summary", "Round"] == openpyxl.load_workbook(path).sheetnames
    assert "eligible" == _rows(path, "Decisions")[1][4]


def test_the_same_records_give_the_same_bytes(tmp_path):
    """Two runs write the same workbook, byte for byte (no time of the run inside)."""
    assert _book(tmp_path, name="a.xlsx").read_bytes() == _book(tmp_path, name="b.xlsx").read_bytes()


def test_a_workbook_needs_a_file(tmp_path):
    """Binary to a terminal helps no one: without --out it is a usage error saying so."""
    result = CliRunner().invoke(cli, ["evaluate", str(SAMPLE), "--format", "xlsx"])
    assert 2 == result.exit_code and "give --out FILE" in result.output


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "+46 8 123", "-1+2", "@SUM(A1)"])
def test_a_name_that_is_a_formula_stays_text(tmp_path, name):
    """A unit named `=HYPERLINK(…)` (or starting with +, - or @, which Excel reads as a formula too) is shown as
    written, never run by Excel."""
    text = SAMPLE.read_text(encoding="utf-8").replace("name: Lindskolan 7-9\n", f"name: '{name}'\n", 1)
    d = tmp_path / "d.yaml"
    d.write_text(text, encoding="utf-8")
    out = tmp_path / "x.xlsx"
    assert 0 == CliRunner().invoke(cli, ["evaluate", str(d), "--format", "xlsx", "--out", str(out), "--workers", "0"]).exit_code
    row = next(r for r in _rows(out, "Beslut") if r[1] == "48151623")
    assert name == row[2]  # as written, no apostrophe
    cell = next(c for c in openpyxl.load_workbook(out)["Beslut"]["C"] if c.value == row[2])
    assert "s" == cell.data_type and cell.quotePrefix  # text Excel will not run, even when the cell is edited


def test_a_directory_for_a_workbook_gets_an_xlsx_example(tmp_path):
    result = CliRunner().invoke(cli, ["evaluate", str(SAMPLE), "--format", "xlsx", "--out", str(tmp_path)])
    assert 2 == result.exit_code and f"--out {tmp_path / 'beslut.xlsx'}" in result.output


def test_an_unknown_priority_is_marked_in_the_decisions_and_the_round(tmp_path):
    path = _book(tmp_path)
    rows = _rows(path, "Beslut")
    column = rows[0].index("Prioritet beror på okänt i")
    records = [json.loads(line) for line in CliRunner().invoke(cli, ["evaluate", str(SAMPLE), "--workers", "0"]).stdout.splitlines()]
    unknown = {r["id"]: " ".join(r["priority_unknown"]) for r in records if r.get("priority_unknown")}
    assert unknown and unknown == {row[1]: row[column] for row in rows[1:] if row[column]}
    ranked = {r["id"] for r in records if r.get("rank") is not None}
    round_ = _rows(path, "Omgång")
    column = round_[0].index("Prioritet beror på okänt i")
    marked = {row[1]: row[column] for row in round_[1:] if row[column]}
    assert marked and {i: u for i, u in unknown.items() if i in ranked} == marked


def test_a_delivery_of_huvudmän_alone_has_no_unit_counts(tmp_path):
    """A delivery with no units gives a summary of huvudmän alone."""
    import yaml
    doc = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    doc["units"] = []
    d = tmp_path / "huvudman-only.yaml"
    d.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "h.xlsx"
    result = CliRunner().invoke(cli, ["evaluate", str(d), "--format", "xlsx", "--out", str(out), "--workers", "0"])
    assert 0 == result.exit_code, result.output
    counts = [r for r in _rows(out, "Sammanfattning") if r and len(r) > 3 and isinstance(r[3], int)]
    assert counts and {"huvudman"} == {r[0] for r in counts} and 14 == sum(r[3] for r in counts)
