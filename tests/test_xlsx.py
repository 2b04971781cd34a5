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
    assert [("delivery_formula", "cell C2 holds a formula with no computed value", 2, 3)] == errors


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
