"""What an XLSX workbook must be before openpyxl reads it: within budgets, no formula, no merged cells.

A workbook is a zip of XML parts, and a small file can expand to gigabytes; openpyxl would expand it whole.
So the uncompressed size of each part is checked first (the delivery budget), then each sheet is scanned
as a stream for cells longer than `MAX_CELL` characters, formulas (a delivered statistic is a value: a
formula's cached value is whatever Excel last computed, and one never computed reads as empty, which would
make a statistic silently unknown) and merged cells (whose value openpyxl gives to the first cell only).
Each finding names the sheet and the cell.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree.ElementTree import iterparse

from policy.diagnostics import Diagnostics, Location

MAX_PART_BYTES = 256 * 1024 * 1024  #: the delivery budget, per uncompressed part of the workbook
MAX_CELL = 64 * 1024  #: the longest text a cell may hold
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _sheet_names(z: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part (`xl/worksheets/sheet1.xml`) → the sheet's name, from the workbook and its relations."""
    try:
        rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8")
        book = z.read("xl/workbook.xml").decode("utf-8")
    except (KeyError, UnicodeDecodeError):
        return {}
    targets = {m.group(1): m.group(2) for m in re.finditer(r'<Relationship[^>]*Id="([^"]+)"[^>]*Target="([^"]+)"', rels)}
    targets.update({m.group(2): m.group(1) for m in re.finditer(r'<Relationship[^>]*Target="([^"]+)"[^>]*Id="([^"]+)"', rels)})
    out = {}
    for m in re.finditer(r'<sheet\b[^>]*>', book):
        tag = m.group(0)
        name, rid = re.search(r'name="([^"]*)"', tag), re.search(r'r:id="([^"]*)"', tag)
        if name and rid and rid.group(1) in targets:
            target = targets[rid.group(1)].lstrip("/")
            out[target if target.startswith("xl/") else f"xl/{target}"] = name.group(1)
    return out


def check_workbook(path: Path, diags: Diagnostics) -> bool:
    """Whether the workbook may be read; every finding goes to `diags`, located by sheet and cell."""
    file = str(path)
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        diags.error("file_unreadable", f"not an XLSX workbook: {e}", Location(file))
        return False
    ok = True
    with z:
        for info in z.infolist():
            if info.file_size > MAX_PART_BYTES:
                diags.error("yaml_too_large", f"the part `{info.filename}` expands to {info.file_size // (1024 * 1024)} MiB; "
                            f"at most {MAX_PART_BYTES // (1024 * 1024)} MiB are read", Location(file))
                ok = False
        if not ok:
            return False
        names = _sheet_names(z)
        for part in (n for n in z.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")):
            ok &= _check_sheet(z, part, f"{file}[{names.get(part, part)}]", diags)
        if "xl/sharedStrings.xml" in z.namelist():
            with z.open("xl/sharedStrings.xml") as f:
                for n, (_, el) in enumerate(iterparse(f)):
                    if el.tag == f"{_NS}t" and el.text and len(el.text) > MAX_CELL:
                        diags.error("delivery_cell_too_long", f"a text of {len(el.text)} characters; at most {MAX_CELL} are read",
                                    Location(f"{file}[shared strings]"))
                        ok = False
                    el.clear()
    return ok


def _check_sheet(z: zipfile.ZipFile, part: str, where: str, diags: Diagnostics) -> bool:
    ok = True
    with z.open(part) as f:
        for _, el in iterparse(f):
            if el.tag == f"{_NS}c":
                ref = el.get("r", "?")
                formula, value = el.find(f"{_NS}f"), el.find(f"{_NS}v")
                if formula is not None:  # a delivered statistic is a value; what a formula shows depends on Excel
                    shown = f"(it shows {value.text})" if value is not None and value.text is not None else "with no computed value"
                    diags.error("delivery_formula", f"cell {ref} holds the formula `={formula.text or ''}` {shown}", _cell(where, ref),
                                "paste the values over the formulas (Paste Special → Values) and save the workbook again")
                    ok = False
                text = "".join(el.itertext())
                if len(text) > MAX_CELL:
                    diags.error("delivery_cell_too_long", f"cell {ref} holds {len(text)} characters; at most {MAX_CELL} are read",
                                _cell(where, ref))
                    ok = False
                el.clear()
            elif el.tag == f"{_NS}mergeCell":
                ref = el.get("ref", "?")
                diags.error("delivery_merged_cells", f"cells {ref} are merged; only the first would hold the value",
                            _cell(where, ref.split(":")[0]), "unmerge the cells and fill in each one")
                ok = False
    return ok


def _cell(where: str, ref: str) -> Location:
    """A cell reference (`C7`) as a location: line = row, column = column number."""
    m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    if not m:
        return Location(where)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return Location(where, int(m.group(2)), col)
