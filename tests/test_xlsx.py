"""Workbooks checked before openpyxl reads them (engine/inputs/xlsx.py): formulas without values, merged cells, budgets."""
from __future__ import annotations

import zipfile

import pytest

from engine.inputs import xlsx
from engine.inputs.delivery import read_delivery
from policy import Diagnostics

openpyxl = pytest.importorskip("openpyxl")


def _book(tmp_path, change=None):
    book = openpyxl.Workbook()
    book.remove(book.active)
    units = book.create_sheet("units")
    units.append(["id", "huvudman_id", "pupils"])
    units.append(["48151623", "212000-0999", 310])
    owners = book.create_sheet("huvudman")
    owners.append(["id", "type"])
    owners.append(["212000-0999", "kommun"])
    head = book.create_sheet("delivery")
    for row in (["field", "value"], ["delivery.id", "SI-1"], ["delivery.date", "2016-01-28"], ["national_averages.merit_value_y9", 224.4]):
        head.append(row)
    if change:
        change(book)
    path = tmp_path / "d.xlsx"
    book.save(path)
    return path


def _errors(path):
    diags = Diagnostics()
    doc = read_delivery(path, diags)
    return doc, [(d.code, d.message, d.location.line, d.location.column) for d in diags.errors]


def test_a_plain_workbook_reads(tmp_path):
    """The checks pass a workbook with values only."""
    doc, errors = _errors(_book(tmp_path))
    assert [] == errors and 310 == doc.units[0]["pupils"]


def test_a_formula_without_a_value_is_an_error_at_its_cell(tmp_path):
    """openpyxl reads a formula never computed as empty: refused, naming the sheet and the cell."""
    def formula(book):
        book["units"]["C2"] = "=100+210"  # saved by openpyxl: the formula, no cached value
    doc, errors = _errors(_book(tmp_path, formula))
    assert doc is None
    assert [("delivery_formula", "cell C2 holds the formula `=100+210` with no computed value", 2, 3)] == errors


def test_merged_cells_are_an_error(tmp_path):
    """Merged cells hold their value in the first only: refused with the range."""
    def merge(book):
        book["units"].merge_cells("A2:B2")
    doc, errors = _errors(_book(tmp_path, merge))
    assert doc is None and [("delivery_merged_cells", "cells A2:B2 are merged; only the first would hold the value", 2, 1)] == errors


def test_a_long_cell_is_an_error(tmp_path):
    """A cell past 64 KiB (written by another program: openpyxl cuts at 32,767) is refused before it is read."""
    path = _book(tmp_path)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = next(n for n, b in parts.items() if n.startswith("xl/worksheets/") and b"212000-0999" in b)
    parts[sheet] = parts[sheet].replace(b"212000-0999", b"x" * (xlsx.MAX_CELL + 1), 1)
    with zipfile.ZipFile(path, "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)
    doc, errors = _errors(path)
    assert doc is None and [("delivery_cell_too_long", f"cell B2 holds {xlsx.MAX_CELL + 1} characters; at most {xlsx.MAX_CELL} are read", 2, 2)] == errors


def test_a_part_over_budget_is_refused_unread(tmp_path, monkeypatch):
    """An uncompressed part over the budget is refused from the zip's directory, before anything expands."""
    path = _book(tmp_path)
    monkeypatch.setattr(xlsx, "MAX_PART_BYTES", 100)
    doc, errors = _errors(path)
    assert doc is None and "yaml_too_large" == errors[0][0] and "expands to" in errors[0][1]


def test_not_a_workbook(tmp_path):
    """A file named .xlsx that is not a zip: one located error."""
    path = tmp_path / "d.xlsx"
    path.write_bytes(b"not a zip")
    doc, errors = _errors(path)
    assert doc is None and "file_unreadable" == errors[0][0]


def _with_cell_xml(path, old, new):
    """Rewrite one cell of the units sheet in the saved workbook's XML (what Excel stores and openpyxl cannot write)."""
    out = path.with_name("edited.xlsx")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode("utf-8")
                assert old in text, text
                data = text.replace(old, new).encode("utf-8")
            zout.writestr(item, data)
    return out


def test_a_formula_is_refused_at_its_cell_even_with_its_value(tmp_path):
    """A statistic computed by a formula is not a delivered value: refused at its cell, naming the formula,
    even when Excel stored what it computed."""
    path = _with_cell_xml(_book(tmp_path), '<c r="C2" t="n"><v>310</v></c>', '<c r="C2"><f>100+210</f><v>310</v></c>')
    doc, errors = _errors(path)
    assert doc is None
    assert [("delivery_formula", "cell C2 holds the formula `=100+210` (it shows 310)", 2, 3)] == errors


def _percent_book(tmp_path, header, value, number_format):
    def share(book):
        units = book["units"]
        units["D1"] = header
        units["D2"] = value
        units["D2"].number_format = number_format
    return _book(tmp_path, share)


@pytest.mark.parametrize("header, value, number_format, read", [
    ("results.share_degree_within_3y (%)", 0.88, "0%", 0.88),        # Excel's percent format: 88 % shown, 0.88 stored
    ("results.share_degree_within_3y (%)", 0.885, "0.0 %", 0.885),
    ("results.share_degree_within_3y (%)", 88, "General", 0.88),     # typed as the percent it is
    ("results.share_degree_within_3y", 0.88, "0%", 0.88),           # a share column holds shares either way
])
def test_a_percent_cell_is_read_as_it_shows(tmp_path, header, value, number_format, read):
    """A `(%)` column divides what is written by 100, once: a cell formatted as percent already holds the share."""
    doc, errors = _errors(_percent_book(tmp_path, header, value, number_format))
    assert [] == errors
    assert read == pytest.approx(doc.units[0]["results"]["share_degree_within_3y"])


def test_a_date_stored_as_an_excel_serial_is_a_date(tmp_path):
    """Excel stores dates as day numbers; one without a date format (42397) is read as the date it is."""
    def serials(book):
        book["delivery"]["B3"] = 42397  # delivery.date
        units = book["units"]
        units["D1"], units["E1"] = "injunction.fine", "injunction.decided"
        units["D2"], units["E2"] = "nej", 42370
    doc, errors = _errors(_book(tmp_path, serials))
    assert [] == errors
    assert ("2016-01-28", "2016-01-01") == (str(doc.date), str(doc.units[0]["injunction"]["decided"]))


def test_an_empty_sheet_is_an_error(tmp_path):
    def empty(book):
        book.remove(book["units"])
        book.create_sheet("units")
    doc, errors = _errors(_book(tmp_path, empty))
    assert doc is None and [("schema_missing_key", "the sheet `units` is empty; its first row names the columns", 1, 1)] == errors


@pytest.mark.parametrize("number_format", ['0.0"%"', "0.0\\%"])
def test_a_percent_sign_that_excel_does_not_scale(tmp_path, number_format):
    """A format that only shows a `%` sign holds the percentage as typed (71), divided once."""
    doc, errors = _errors(_percent_book(tmp_path, "results.share_degree_within_3y (%)", 71, number_format))
    assert [] == errors and 0.71 == pytest.approx(doc.units[0]["results"]["share_degree_within_3y"])


def test_grades_that_excel_made_a_date_are_refused_at_the_cell(tmp_path):
    import datetime
    def dated(book):
        book["units"]["D1"], book["units"]["D2"] = "grades", datetime.datetime(2016, 7, 9)
    doc, errors = _errors(_book(tmp_path, dated))
    assert doc is None
    assert [("schema_bad_value", "`unit.grades` is a date here (2016-07-09): Excel took what was typed for a date", 2, 4)] == errors


def test_an_xls_workbook_says_to_save_as_xlsx(tmp_path):
    path = tmp_path / "d.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    doc, errors = _errors(path)
    assert doc is None and [("file_unreadable", "an Excel 97–2003 workbook (.xls) cannot be read", 0, 0)] == errors


@pytest.mark.parametrize("serial, epoch, day", [
    (1, None, "1900-01-01"),          # Excel's first day
    (42397, None, "2016-01-28"),
    (2958465, None, "9999-12-31"),    # its last
    (0, None, None), (2958466, None, None), (-3, None, None),  # no day Excel has: refused at the cell
    (1, "1904", "1904-01-02"),        # a workbook that counts from 1904 (Excel for Mac)
])
def test_a_serial_is_the_day_excel_shows(serial, epoch, day):
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    from engine.inputs.tables import Serial, _serial_date

    value = Serial(serial)
    value.epoch = CALENDAR_MAC_1904 if epoch else None
    assert day == _serial_date(value)


def test_a_missing_sheet_is_named_with_the_sheets_there_are(tmp_path):
    """A workbook without its `huvudman` sheet: the error names the sheet, the file, and the sheets found."""
    path = _book(tmp_path, lambda book: book.remove(book["huvudman"]))
    diags = Diagnostics()
    assert read_delivery(path, diags) is None
    [d] = diags.errors
    assert ("schema_missing_key", "the workbook has no sheet `huvudman`", str(path)) == (d.code, d.message, d.location.file)
    assert "sheets: units, delivery" == d.hint


def test_a_value_of_the_delivery_sheet_is_located_at_its_cell(tmp_path):
    """A bad value on the `delivery` sheet is located at its row, in the value column (B)."""
    def bad_date(book):
        book["delivery"]["B3"] = "28 januari"
    doc, errors = _errors(_book(tmp_path, bad_date))
    assert doc is None and [(3, 2)] == [(line, col) for _, _, line, col in errors]


def test_a_sheet_the_workbook_does_not_list_is_named_by_its_part(tmp_path):
    """A worksheet part no sheet of the workbook points to (left by another program) is still checked, and
    its findings name the part, as the listed sheets' name the sheet."""
    path = _book(tmp_path, lambda book: book["units"].merge_cells("A2:B2"))
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = next(n for n, text in parts.items() if n.startswith("xl/worksheets/") and b"mergeCell " in text)
    parts["xl/worksheets/sheet9.xml"] = parts[sheet]
    with zipfile.ZipFile(path, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    diags = Diagnostics()
    assert read_delivery(path, diags) is None
    assert [f"{path}[units]", f"{path}[xl/worksheets/sheet9.xml]"] == \
        [d.location.file for d in diags.errors if d.code == "delivery_merged_cells"]
