"""Deliveries as tables (CSV directory, XLSX workbook): Skolverket's conventions, located defects, and the
same records as the YAML and JSON forms."""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import pytest
import yaml

from engine import Engine
from engine.batch.tasks import evaluate_delivery
from engine.inputs.delivery import read_delivery
from engine.core.record import dumps
from policy import Diagnostics, load_pack

from .conftest import FIXTURES, RULES

SAMPLE = FIXTURES / "sample"
HEAD = "delivery: {id: SI-2016-1, date: 2016-01-28, source: Skolinspektionen}\nnational_averages: {merit_value_y9: 224.4, share_eligible_vocational_y9: 0.856}\n"
OWNERS = "id;name;type;ongoing_sbs_dialogue\n2120000999;Västerå kommun;kommun;nej\n"


def _dir(tmp_path, units: str, owners: str = OWNERS, encoding: str = "utf-8"):
    d = tmp_path / "delivery"
    d.mkdir()
    (d / "delivery.yaml").write_text(HEAD, encoding="utf-8")
    (d / "huvudman.csv").write_bytes(owners.encode(encoding))
    (d / "units.csv").write_bytes(units.encode(encoding))
    return d


def _workbook(path, units, head, dimensions=True):
    """A workbook delivery: the `units` sheet's rows, one kommun as huvudman, the `delivery` sheet's rows;
    without `dimensions`, the sheets do not declare their size (as some programs write them), so each row
    is read as long as it is."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in (("units", units), ("huvudman", [["id", "type"], ["212000-0999", "kommun"]]),
                       ("delivery", [["field", "value"], *head])):
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    if not dimensions:
        data = io.BytesIO()
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(data, "w") as dst:
            for item in src.infolist():
                body = src.read(item.filename)
                dst.writestr(item, re.sub(rb"<dimension[^>]*/>", b"", body) if item.filename.startswith("xl/worksheets/") else body)
        path.write_bytes(data.getvalue())
    return path


HEAD_ROWS = [["delivery.id", "SI-1"], ["delivery.date", "2016-01-28"], ["national_averages.merit_value_y9", 224.4]]


def _read(path):
    diags = Diagnostics()
    doc = read_delivery(path, diags)
    return doc, [e.render().split("/delivery/", 1)[-1] for e in diags.errors]


def _records(path):
    diags = Diagnostics()
    doc = read_delivery(path, diags)
    assert not diags.has_errors(), [e.render() for e in diags.errors]
    pack = load_pack(RULES / "sbs-2016", Diagnostics())
    return [dumps(r) for r in evaluate_delivery(Engine(pack), doc)]


class TestConventions:
    def test_skolverket_export(self, tmp_path):
        """Semicolons, decimal comma, a percentage column, ja/nej, a register code, an org number without hyphen."""
        units = ("id;huvudman_id;school_form;grades;pupils;in_underlag;results.merit_value_y9;results.share_eligible_vocational_y9 (%)\n"
                 "48151623;2120000999;GR;7-9;310;ja;191,5;71,2\n")
        doc, errors = _read(_dir(tmp_path, units))
        assert [] == errors
        u = doc.units[0]
        assert ("grundskola", True, 191.5, 0.712, "212000-0999") == (
            u["school_form"], u["in_underlag"], u["results"]["merit_value_y9"], u["results"]["share_eligible_vocational_y9"], u["huvudman_id"])
        assert "212000-0999" == doc.huvudman[0]["id"] and doc.huvudman[0]["ongoing_sbs_dialogue"] is False

    def test_markers_are_unknown_with_their_reason(self, tmp_path):
        """`..`, `.` and `~100` are unknown; the trace says why."""
        units = ("id;huvudman_id;school_form;grades;pupils;in_underlag;results.merit_value_y9;results.share_eligible_vocational_y9 (%);results.share_passed_all_subjects_y9 (%)\n"
                 "48151623;212000-0999;grundskola;7-9;310;true;..;.;~100\n")
        doc, errors = _read(_dir(tmp_path, units))
        assert [] == errors
        marked = {k: v for k, v in doc.unknown["48151623"].items() if v != "column missing"}  # the table lacks most columns
        assert {"unit.results.merit_value_y9": "suppressed: fewer than 10 pupils (..)",
                "unit.results.share_eligible_vocational_y9": "missing (.)",
                "unit.results.share_passed_all_subjects_y9": "rounded off: about 100 % (~100)"} == marked
        assert doc.unknown["48151623"]["unit.ska_deficiencies"] == "column missing"
        case = doc.unit_case(doc.units[0], doc.huvudman[0])
        assert "suppressed: fewer than 10 pupils (..)" == case.reason("unit.results.merit_value_y9")

    def test_windows_1252_and_bom(self, tmp_path):
        """A Windows-1252 file reads its å, ä, ö; a UTF-8 file with a byte-order mark reads its first column."""
        units = "id;name;huvudman_id;school_form\n48151623;Ängskolan Östra;212000-0999;grundskola\n"
        doc, errors = _read(_dir(tmp_path, units, encoding="cp1252"))
        assert ([], "Ängskolan Östra") == (errors, doc.units[0]["name"])
        (tmp_path / "bom").mkdir()
        doc, errors = _read(_dir(tmp_path / "bom", units, encoding="utf-8-sig"))
        assert ([], "48151623") == (errors, doc.units[0]["id"])

    def test_empty_group_is_absent(self, tmp_path):
        """A row whose injunction columns are all empty has no injunction on record (not an unknown one)."""
        units = "id;huvudman_id;school_form;injunction.fine;injunction.supervision_concluded\n48151623;212000-0999;grundskola;;\n"
        doc, errors = _read(_dir(tmp_path, units))
        assert doc.units[0]["injunction"] is None
        assert doc.unit_case(doc.units[0], doc.huvudman[0]).value("unit.injunction.present") is False


class TestDefects:
    @pytest.mark.parametrize("row, expected", [
        ("48151623;212000-0999;grundskolan;-5",
         ["units.csv:2:22: schema_wrong_type: unit 48151623: `unit.school_form` must be a school form, not `grundskolan`",
          "units.csv:2:34: schema_bad_value: unit 48151623: `unit.pupils` must be a whole number ≥ 0, not -5"]),
        ("4815162;212000-0999;grundskola;10",
         ["units.csv:2:1: delivery_bad_id: unit 4815162: skolenhetskod `4815162` is not 8 digits"]),
        ("48151623;212000-0998;grundskola;10",
         ["units.csv:2:10: delivery_unknown_huvudman: unit 48151623: huvudman `212000-0998` is not in the delivery"]),
    ])
    def test_row_and_field_named(self, tmp_path, row, expected):
        """A defect names the file, the row, the column, the record and the field."""
        doc, errors = _read(_dir(tmp_path, "id;huvudman_id;school_form;pupils\n" + row + "\n"))
        assert doc is None
        assert expected == [e.split("\n")[0] for e in errors]

    def test_unknown_column(self, tmp_path):
        """A column the model lacks is refused with a suggestion; `extra.` columns are allowed."""
        doc, errors = _read(_dir(tmp_path, "id;huvudman_id;pupil;extra.kommentar\n48151623;212000-0999;10;fri text\n"))
        assert doc is None
        assert 1 == len(errors) and "column `pupil` is not a field of a unit" in errors[0] and "did you mean `pupils`?" in errors[0]
        assert ":1:" in errors[0], "at the header, once"

    def test_missing_file(self, tmp_path):
        """A directory without units.csv is an error naming the file."""
        d = _dir(tmp_path, "id\n")
        (d / "units.csv").unlink()
        doc, errors = _read(d)
        assert doc is None and "units.csv: file_unreadable" in errors[0]


class TestSameDecisions:
    def test_yaml_json_csv_xlsx_give_identical_records(self, tmp_path):
        """The sample delivery as YAML, JSON, CSV and XLSX gives byte-identical decision records."""
        openpyxl = pytest.importorskip("openpyxl")
        as_json = tmp_path / "delivery.json"
        doc = yaml.safe_load((SAMPLE / "delivery.yaml").read_text(encoding="utf-8"))
        as_json.write_text(json.dumps(doc, default=str, ensure_ascii=False), encoding="utf-8")
        book = openpyxl.Workbook()
        book.remove(book.active)
        for name in ("units", "huvudman"):
            sheet = book.create_sheet(name)
            with (SAMPLE / "csv" / f"{name}.csv").open(encoding="utf-8") as f:
                for row in csv.reader(f):
                    sheet.append([_excel(c) for c in row])
        head = book.create_sheet("delivery")
        header = yaml.safe_load((SAMPLE / "csv" / "delivery.yaml").read_text(encoding="utf-8"))
        head.append(["field", "value"])
        for group, values in header.items():
            for k, v in values.items():
                head.append([f"{group}.{k}", v])
        as_xlsx = tmp_path / "delivery.xlsx"
        book.save(as_xlsx)
        yaml_records = _records(SAMPLE / "delivery.yaml")
        assert 44 == len(yaml_records)
        for other in (as_json, SAMPLE / "csv", as_xlsx):
            assert yaml_records == _records(other), other


def _excel(cell: str):
    """A cell as an analyst's workbook holds it: numbers as numbers, the rest as text."""
    try:
        return int(cell) if cell.isdigit() and len(cell) < 8 else float(cell) if "." in cell else cell
    except ValueError:
        return cell


class TestEncoding:
    """A table is UTF-8 whenever it is; Windows-1252 only when nothing in it is UTF-8 or the analyst says so."""

    UNITS = "id;name;huvudman_id;school_form\n48151623;Ängskolan Östra;212000-0999;grundskola\n48151624;Åsens skola;212000-0999;grundskola\n"

    def _mixed(self, tmp_path):
        """A UTF-8 file with one stray Windows-1252 byte (an `é` typed in another program) on line 3."""
        d = _dir(tmp_path, self.UNITS)
        raw = (d / "units.csv").read_bytes().replace("Åsens".encode(), "Åsens".encode() + b" caf\xe9")
        (d / "units.csv").write_bytes(raw)
        return d

    def test_a_stray_byte_in_utf8_is_refused_at_its_place(self, tmp_path):
        """Never re-decoded whole as Windows-1252 (mojibake in every å, ä, ö): the byte's line and column."""
        doc, errors = _read(self._mixed(tmp_path))
        assert doc is None
        assert ["units.csv:3:19: file_encoding: byte 0xE9 is not UTF-8, yet the file has UTF-8 text elsewhere"] == [e.split("\n")[0] for e in errors]

    def test_the_analyst_may_say_the_file_is_windows_1252(self, tmp_path):
        """`--encoding cp1252`: the mixed file is read as Windows-1252, as the analyst asked."""
        diags = Diagnostics()
        doc = read_delivery(self._mixed(tmp_path), diags, "cp1252")
        assert not diags.has_errors()
        assert "Ã…sens café skola" == doc.units[1]["name"]  # what the analyst asked for: the whole file as cp1252

    def test_a_file_without_utf8_text_is_windows_1252(self, tmp_path):
        """An old export with no UTF-8 sequence at all reads as Windows-1252 by itself."""
        doc, errors = _read(_dir(tmp_path, self.UNITS, encoding="cp1252"))
        assert ([], ["Ängskolan Östra", "Åsens skola"]) == (errors, [u["name"] for u in doc.units])

    @pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
    def test_utf16_is_named_with_the_fix(self, tmp_path, encoding):
        """A UTF-16 file (with or without BOM) is named as such, with how to save it."""
        d = _dir(tmp_path, self.UNITS)
        (d / "units.csv").write_bytes(self.UNITS.encode(encoding))
        diags = Diagnostics()
        assert read_delivery(d, diags) is None
        [e] = diags.errors
        assert ("file_encoding", "the file is UTF-16, not UTF-8", "save it as UTF-8 (in Excel: Save as › CSV UTF-8)") == (e.code, e.message, e.hint)

    @pytest.mark.parametrize("byte", [0x81, 0x8D, 0x8F, 0x90, 0x9D])
    def test_a_byte_undefined_in_windows_1252_is_an_error_at_its_place(self, tmp_path, byte):
        """Neither UTF-8 nor Windows-1252: located, never a traceback."""
        d = _dir(tmp_path, self.UNITS, encoding="cp1252")
        raw = (d / "units.csv").read_bytes().replace(b"skola", b"sk" + bytes([byte]) + b"la")
        (d / "units.csv").write_bytes(raw)
        doc, errors = _read(d)
        assert doc is None
        assert [f"units.csv:2:15: file_encoding: byte 0x{byte:02X} is neither UTF-8 nor Windows-1252"] == [e.split("\n")[0] for e in errors]

    def test_evaluate_takes_the_encoding(self, tmp_path):
        """`sbs evaluate --encoding cp1252` reads the mixed file; without it, exit 1 with the located error."""
        from click.testing import CliRunner

        from cli.main import cli

        d = self._mixed(tmp_path)
        plain = CliRunner().invoke(cli, ["evaluate", str(d)])
        assert 1 == plain.exit_code and "file_encoding" in plain.stderr
        told = CliRunner().invoke(cli, ["evaluate", str(d), "--encoding", "cp1252"])
        assert "file_encoding" not in told.stderr


class TestNothingMisread:
    """Defects that once changed decisions silently: each is now an error at its place."""

    def test_a_duplicated_column_is_an_error_at_the_header(self, tmp_path):
        """Two columns of one field: the second is located; the last one no longer wins."""
        units = "id;huvudman_id;pupils;pupils\n48151623;212000-0999;310;31\n"
        doc, errors = _read(_dir(tmp_path, units))
        assert doc is None
        assert ["units.csv:1:23: delivery_duplicate_column: column `pupils` appears twice (columns 3 and 4)"] == [e.split("\n")[0] for e in errors]

    @pytest.mark.parametrize("header, row, at", [
        ("id;huvudman_id;injunction.fine;injunction", "48151623;212000-0999;ja;", "1:32"),
        ("injunction;id;huvudman_id;injunction.fine", ";48151623;212000-0999;ja", "1:1"),
        ("id;huvudman_id;id.x", "48151623;212000-0999;1", "1:1"),
    ])
    def test_a_column_naming_a_group_of_another_column_is_an_error(self, tmp_path, header, row, at):
        """`injunction` beside `injunction.fine`: one located error at the header (was a traceback, or every
        unit's injunction silently dropped)."""
        doc, errors = _read(_dir(tmp_path, f"{header}\n{row}\n"))
        assert doc is None
        first = [e.split("\n")[0] for e in errors][0]
        assert first.startswith(f"units.csv:{at}: delivery_column_conflict: column `")

    @pytest.mark.parametrize("row, cells", [("48151623;212000-0999;310;ja;extra", 5), ("48151623;212000-0999;310", 3)])
    def test_a_row_of_the_wrong_width_is_an_error(self, tmp_path, row, cells):
        """A cell too many (dropped before) or too few (padded with unknowns before, so a cut file evaluated)."""
        units = f"id;huvudman_id;pupils;in_underlag\n48151624;212000-0999;200;nej\n{row}\n"
        doc, errors = _read(_dir(tmp_path, units))
        assert doc is None
        assert [f"units.csv:3:1: delivery_row_length: line 3 (record 48151623) has {cells} cells; the header has 4"] == [e.split("\n")[0] for e in errors]

    @pytest.mark.parametrize("column", ["results.merit_value_y9 (%)", "pupils [%]"])
    def test_percent_only_on_shares(self, tmp_path, column):
        """`(%)` on points or a count would divide it by 100: refused at the header."""
        units = f"id;huvudman_id;{column}\n48151623;212000-0999;191\n"
        doc, errors = _read(_dir(tmp_path, units))
        assert doc is None and "delivery_bad_percent" in errors[0] and "not a share" in errors[0]
        assert errors[0].startswith(f"units.csv:1:16: delivery_bad_percent: column `{column.split()[0]}` is in")

    def test_stated_counts_catch_a_file_cut_short(self, tmp_path):
        """A delivery that states its counts and holds fewer records is refused; without the counts it is read."""
        d = _dir(tmp_path, "id;huvudman_id\n48151623;212000-0999\n")
        (d / "delivery.yaml").write_text(HEAD.replace("source: Skolinspektionen}", "source: Skolinspektionen, units: 2, huvudman: 1}"), encoding="utf-8")
        doc, errors = _read(d)
        assert doc is None
        assert ["delivery.yaml:1:78: delivery_count_mismatch: the delivery states 2 units (`delivery.units`) but holds 1"] == [e.split("\n")[0] for e in errors]

    def test_stated_counts_in_yaml_and_json(self, tmp_path):
        """The same for a YAML or JSON delivery cut short."""
        doc = yaml.safe_load((SAMPLE / "delivery.yaml").read_text(encoding="utf-8"))
        doc["delivery"].update(units=30, huvudman=14)
        for form in ("yaml", "json"):
            path = tmp_path / f"d.{form}"
            cut = dict(doc, units=doc["units"][:29])
            path.write_text(json.dumps(cut, default=str, ensure_ascii=False), encoding="utf-8")
            diags = Diagnostics()
            assert read_delivery(path, diags) is None
            assert ["delivery_count_mismatch"] == [e.code for e in diags.errors]
            path.write_text(json.dumps(doc, default=str, ensure_ascii=False), encoding="utf-8")
            diags = Diagnostics()
            assert read_delivery(path, diags) is not None, [e.render() for e in diags.errors]

    def test_a_field_twice_in_the_delivery_sheet(self, tmp_path):
        """A workbook's `delivery` sheet naming a field twice: an error naming both rows."""
        path = _workbook(tmp_path / "d.xlsx", [["id", "huvudman_id"], ["48151623", "212000-0999"]],
                         [*HEAD_ROWS[:2], ["delivery.date", "2016-08-28"], HEAD_ROWS[2]])
        diags = Diagnostics()
        assert read_delivery(path, diags) is None
        assert ["`delivery.date` is given twice (rows 3 and 4)"] == [e.message for e in diags.errors]


    @pytest.mark.parametrize("key, table", [("units", "units.csv"), ("huvudman", "huvudman.csv")])
    def test_records_in_the_header_beside_their_table_are_an_error(self, tmp_path, key, table):
        """delivery.yaml beside units.csv and huvudman.csv holds the header; records listed in it as well would be
        dropped for the table's: an error at the key, naming the table, never a silent choice."""
        d = _dir(tmp_path, "id;huvudman_id;pupils\n48151623;212000-0999;310\n")
        (d / "delivery.yaml").write_text(HEAD + f"{key}:\n  - {{id: \"48151699\"}}\n", encoding="utf-8")
        doc, errors = _read(d)
        assert doc is None
        assert [f"delivery.yaml:3:1: delivery_duplicate_field: `{key}` is given in delivery.yaml and as the table {table}"] == \
            [e.split("\n")[0] for e in errors]


class TestNoGuessing:
    @pytest.mark.parametrize("cell", ["1_000", "٣١٠", "3١0", "1e", "0x10"])
    def test_odd_numbers_are_not_numbers(self, tmp_path, cell):
        """`1_000` and digits of another script are not numbers: the field's check reports them."""
        doc, errors = _read(_dir(tmp_path, f"id;huvudman_id;pupils\n48151623;212000-0999;{cell}\n"))
        assert doc is None and ["schema_wrong_type"] == [e.split(": ")[1] for e in errors]

    @pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b"])
    def test_a_control_character_is_refused_at_its_place(self, tmp_path, char):
        """NUL and other control characters in a table are refused, as in YAML text, with line and column."""
        doc, errors = _read(_dir(tmp_path, f"id;huvudman_id;name\n48151623;212000-0999;Lind{char}skolan\n"))
        assert doc is None
        assert [f"units.csv:2:26: delivery_control_character: the file holds the control character U+{ord(char):04X}"] == [e.split("\n")[0] for e in errors]


class TestTheFileItself:
    """What is wrong with a table's file before any cell is read: named at the file, line 1."""

    def test_an_empty_table(self, tmp_path):
        doc, errors = _read(_dir(tmp_path, ""))
        assert doc is None
        assert ["units.csv:1:1: schema_missing_key: the table is empty; the first line names the columns"] == errors

    def test_a_directory_where_the_table_should_be(self, tmp_path):
        d = _dir(tmp_path, "id\n")
        (d / "units.csv").unlink()
        (d / "units.csv").mkdir()
        doc, errors = _read(d)
        assert doc is None and ["units.csv: file_unreadable: cannot read the file: Is a directory"] == errors

    def test_a_table_too_large(self, tmp_path, monkeypatch):
        from engine.inputs import tables
        monkeypatch.setattr(tables, "MAX_TABLE_BYTES", 1024 * 1024)
        d = _dir(tmp_path, "id;huvudman_id;name\n" + "48151623;212000-0999;Lindskolan\n" * 40000)
        doc, errors = _read(d)
        assert doc is None and ["units.csv: yaml_too_large: the file is larger than 1 MiB"] == errors

    def test_utf16_is_named_at_the_start_of_the_file(self, tmp_path):
        d = _dir(tmp_path, "id;huvudman_id\n48151623;212000-0999\n", encoding="utf-16")
        doc, errors = _read(d)
        assert doc is None and "units.csv:1:1: file_encoding: the file is UTF-16, not UTF-8" in [e.split("\n")[0] for e in errors]

    def test_a_stray_byte_after_an_empty_first_line_is_on_its_own_line(self, tmp_path):
        d = _dir(tmp_path, "")
        (d / "units.csv").write_bytes("\nid;huvudman_id;name\n48151623;212000-0999;Åsen caf".encode() + b"\xe9\n")
        doc, errors = _read(d)
        assert doc is None
        assert errors[0].startswith("units.csv:3:30: file_encoding: byte 0xE9 is not UTF-8")

    def test_an_empty_line_between_rows_is_skipped_and_the_rows_after_it_are_read(self, tmp_path):
        units = "id;huvudman_id;pupils\n48151623;212000-0999;310\n\n;;\n48151624;212000-0999;200\n"
        doc, errors = _read(_dir(tmp_path, units))
        assert [] == errors and ["48151623", "48151624"] == [u["id"] for u in doc.units]

    def test_a_line_break_inside_a_quoted_cell_is_part_of_the_cell(self, tmp_path):
        """The CSV is read as written: a name on two lines (CR LF inside quotes) keeps its line break, and the
        next row is still numbered by the file's lines."""
        units = 'id;huvudman_id;name;pupils\r\n48151623;212000-0999;"Lind\r\nskolan";310\r\n4815162;212000-0999;x;1\r\n'
        d = _dir(tmp_path, "")
        (d / "units.csv").write_bytes(units.encode())
        doc, errors = _read(d)
        assert ["units.csv:4:1: delivery_bad_id: unit 4815162: skolenhetskod `4815162` is not 8 digits"] == [e.split("\n")[0] for e in errors]
        (d / "units.csv").write_bytes(units.replace("4815162;", "48151624;").encode())
        doc, errors = _read(d)
        assert [] == errors and "Lind\r\nskolan" == doc.units[0]["name"]

    def test_a_sheet_with_blank_cells_beyond_its_header_is_read(self, tmp_path):
        """Excel keeps cells that hold only spaces beyond the table: no column, no error. A value there is an
        error at its row, whether the sheet declares its size (a column without a name) or not (a row longer
        than the header)."""
        units = [["id", "huvudman_id", "pupils"], ["48151623", "212000-0999", 310, None, "  "]]
        for dimensions, code in ((True, "delivery_unknown_column"), (False, "delivery_row_length")):
            path = _workbook(tmp_path / "d.xlsx", units, HEAD_ROWS, dimensions)
            diags = Diagnostics()
            doc = read_delivery(path, diags)
            assert [] == diags.errors and 310 == doc.units[0]["pupils"]
            _workbook(path, [*units, ["48151624", "212000-0999", 200, None, "x"]], HEAD_ROWS, dimensions)
            diags = Diagnostics()
            assert read_delivery(path, diags) is None and [code] == [e.code for e in diags.errors]

    def test_a_delivery_sheet_without_national_averages_is_named_at_the_sheet(self, tmp_path):
        path = _workbook(tmp_path / "d.xlsx", [["id", "huvudman_id"], ["48151623", "212000-0999"]], HEAD_ROWS[:2])
        diags = Diagnostics()
        assert read_delivery(path, diags) is None
        assert [f"{path}[delivery]:1:1: schema_missing_key: a delivery has no `national_averages`"] == \
            [e.render().splitlines()[0] for e in diags.errors]
