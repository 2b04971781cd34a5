"""Skolverket's own column names in a delivery's tables (engine/inputs/columns.py, `--columns FILE`)."""
from __future__ import annotations

import csv
import io
import json

import yaml
from click.testing import CliRunner

from cli.main import cli
from engine.inputs.columns import SHIPPED, key, load_columns
from policy import Diagnostics
from engine.inputs.delivery import read_delivery

from .conftest import FIXTURES
from .test_tables import _dir, _read, _records

SAMPLE = FIXTURES / "sample" / "csv"


def _swedish(tmp_path):
    """The sample's CSV delivery as Skolverket exports it: Swedish headers (the first shipped name of each
    column), percentages where the name says so, `Kommunal` for a kommun, semicolons."""
    shipped = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    out = tmp_path / "skolverket"
    out.mkdir()
    (out / "delivery.yaml").write_text((SAMPLE / "delivery.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    for table, name in (("units", "units.csv"), ("huvudman", "huvudman.csv")):
        first: dict[str, str] = {}
        for swedish, column in shipped[table].items():
            first.setdefault(column.replace(" (%)", ""), f"{swedish}|%" if column.endswith("(%)") else swedish)
        rows = list(csv.reader((SAMPLE / name).open(encoding="utf-8")))
        header = [first.get(h, h) for h in rows[0]]
        body = []
        for row in rows[1:]:
            cells = []
            for h, cell in zip(header, row):
                if h.endswith("|%") and cell:
                    cell = f"{float(cell) * 100:.1f}".replace(".", ",")  # 0.71 as Skolverket writes it: 71,0
                if h in ("Huvudmannatyp",) and cell == "kommun":
                    cell = "Kommunal"
                cells.append(cell)
            body.append(cells)
        text = io.StringIO()
        csv.writer(text, delimiter=";", lineterminator="\n").writerows([[h.replace("|%", "") for h in header], *body])
        (out / name).write_text(text.getvalue(), encoding="utf-8")
    return out


def test_skolverkets_names_give_the_same_decisions(tmp_path):
    """The sample delivery with Skolverket's headers, percentages and words decides every case byte for byte as
    with the model's column names."""
    swedish = _swedish(tmp_path)
    head = (swedish / "units.csv").read_text(encoding="utf-8").splitlines()[0]
    assert head.startswith("Skolenhetskod;Skolenhetens namn;Huvudmannens organisationsnummer;Skolform;Årskurser;Antal elever")
    assert "Kommunal" in (swedish / "huvudman.csv").read_text(encoding="utf-8")
    assert _records(SAMPLE) == _records(swedish)


def test_names_match_without_case_or_extra_spaces(tmp_path):
    """`SKOLENHETSKOD`, `antal  elever` and `Andel (%) behöriga till yrkesprogram` are the columns they name."""
    doc, errors = _read(_dir(tmp_path, "SKOLENHETSKOD;huvudmannens organisationsnummer;Skolform;antal  elever;"
                                       "Andel (%) behöriga till yrkesprogram\n48151623;212000-0999;Grundsärskola;310;71,2\n"))
    assert [] == errors
    u = doc.units[0]
    assert ("48151623", "grundsarskola", 310, 0.712) == (u["id"], u["school_form"], u["pupils"], u["results"]["share_eligible_vocational_y9"])


def test_a_name_and_the_models_column_for_one_field(tmp_path):
    """Two headers that name one column are one error naming both, at the second."""
    doc, errors = _read(_dir(tmp_path, "id;Skolenhetskod;huvudman_id\n48151623;48151623;212000-0999\n"))
    assert doc is None
    assert ["units.csv:1:4: delivery_duplicate_column: `id` and `Skolenhetskod` both name the column `id` (columns 1 and 2)"] == \
        [e.split("\n")[0] for e in errors]


def _own(tmp_path, text):
    path = tmp_path / "kolumner.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_analyst_extends_the_mapping(tmp_path):
    """A name of the analyst's own is refused without the file (did-you-mean offers Skolverket's names), and
    read with `--columns FILE`; the file's entries win over the shipped ones."""
    d = _dir(tmp_path, "Skolenhetskod;Huvudmannens organisationsnummer;Elevantal;Skolform\n48151623;212000-0999;310;Grundskola\n")
    doc, errors = _read(d)
    assert doc is None and "column `Elevantal` is not a field of a unit" in errors[0]
    (tmp_path / "b").mkdir()
    near = _read(_dir(tmp_path / "b", "Skolenhetskod;huvudman_id;Antal elev\n1;212000-0999;3\n"))[1]
    assert "did you mean `Antal elever`?" in near[0]
    own = _own(tmp_path, "units:\n  Elevantal: pupils\nvalues:\n  unit.school_form:\n    Grundskola: grundsarskola\n")
    diags = Diagnostics()
    doc = read_delivery(d, diags, columns=own)
    assert [] == diags.errors
    assert (310, "grundsarskola") == (doc.units[0]["pupils"], doc.units[0]["school_form"])


def test_evaluate_takes_columns(tmp_path):
    """`sbs evaluate --columns FILE` reads the analyst's names; a defect of the file is located there, exit 1."""
    d = _dir(tmp_path, "Skolenhetskod;huvudman_id;Elevantal\n48151623;212000-0999;310\n")
    own = _own(tmp_path, "units:\n  Elevantal: pupils\n")
    result = CliRunner().invoke(cli, ["evaluate", str(d), "--columns", str(own), "--format", "json"])
    assert 0 == result.exit_code, result.output
    assert ["48151623"] == [r["id"] for r in json.loads(result.stdout) if r["kind"] == "unit"]
    bad = _own(tmp_path, "units:\n  Elevantal: pupil\n  Andel: pupils (%)\nvalues:\n  huvudman.type:\n    Kommunal: komun\n")
    result = CliRunner().invoke(cli, ["evaluate", str(d), "--columns", str(bad)])
    assert 1 == result.exit_code
    lines = [line for line in result.stderr.splitlines() if "kolumner.yaml:" in line]
    assert [f"{bad}:2:14: schema_bad_value: `Elevantal`: `pupil` is not a column of a unit",
            f"{bad}:3:10: schema_bad_value: `Andel`: `pupils` is not a share, so `(%)` does not apply",
            f"{bad}:6:15: schema_bad_value: `Kommunal`: `komun` is not a value of huvudman.type"] == lines
    assert "did you mean `pupils`?" in result.stderr and "did you mean `kommun`?" in result.stderr


def test_the_shipped_mapping_names_real_columns():
    """Every shipped name maps to a column of the model (the loader checks it), and no two names differ only by case."""
    shipped = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    for table in ("units", "huvudman"):
        keys = [key(name) for name in shipped[table]]
        assert len(keys) == len(set(keys)), table
    d = Diagnostics()
    assert load_columns(None, d) is not None and [] == d.errors


# --- found by trying to break the tables -----------------------------------------------------------

def test_a_name_that_does_not_say_percent_holds_shares(tmp_path):
    """`Andel behöriga till yrkesprogram` holds shares (0,71), never divided silently; `Andel (%) …` percentages."""
    doc, errors = _read(_dir(tmp_path, "Skolenhetskod;huvudman_id;Andel behöriga till yrkesprogram\n48151623;212000-0999;0,71\n"))
    assert [] == errors and 0.71 == doc.units[0]["results"]["share_eligible_vocational_y9"]
    (tmp_path / "b").mkdir()
    doc, errors = _read(_dir(tmp_path / "b", "Skolenhetskod;huvudman_id;Andel (%) behöriga till yrkesprogram\n48151623;212000-0999;71\n"))
    assert [] == errors and 0.71 == doc.units[0]["results"]["share_eligible_vocational_y9"]


def test_an_own_name_that_says_percent_holds_percentages(tmp_path):
    d = _dir(tmp_path, "Skolenhetskod;huvudman_id;Examen inom 3 år (%)\n48151623;212000-0999;58\n")
    own = _own(tmp_path, "units:\n  Examen inom 3 år (%): results.share_degree_within_3y\n")
    diags = Diagnostics()
    doc = read_delivery(d, diags, columns=own)
    assert [] == diags.errors and 0.58 == doc.units[0]["results"]["share_degree_within_3y"]


def test_two_names_that_fold_to_one_are_an_error_in_the_mapping(tmp_path):
    """`Kommunal huvudman` and `kommunal  HUVUDMAN` mapped to different values: refused where the second is."""
    own = _own(tmp_path, "units:\n  Elevantal: pupils\n  ELEVANTAL: name\nvalues:\n  huvudman.type:\n"
                         "    Kommunal huvudman: kommun\n    kommunal  HUVUDMAN: enskild\n")
    diags = Diagnostics()
    assert read_delivery(_dir(tmp_path, "id;huvudman_id\n48151623;212000-0999\n"), diags, columns=own) is None
    assert [(3, 3, "`ELEVANTAL` and `Elevantal` are one name (case and spaces aside)"),
            (7, 5, "`kommunal  HUVUDMAN` and `Kommunal huvudman` are one word (case and spaces aside)")] == \
        [(e.location.line, e.location.column, e.message) for e in diags.errors]


def test_school_forms_and_types_as_skolverket_capitalises_them(tmp_path):
    owners = "Organisationsnummer;Huvudmannatyp\n212000-0999;Kommun\n"
    doc, errors = _read(_dir(tmp_path, "id;huvudman_id;Skolform\n48151623;212000-0999;Grundskola\n48151624;212000-0999;GYMNASIESKOLA\n",
                             owners))
    assert [] == errors
    assert ["grundskola", "gymnasieskola"] == [u["school_form"] for u in doc.units] and "kommun" == doc.huvudman[0]["type"]


def test_a_separator_at_the_end_of_each_line_is_no_column(tmp_path):
    """A trailing separator gives a nameless column: read when it is empty, an error at the cell when it is not."""
    doc, errors = _read(_dir(tmp_path, "id;huvudman_id;pupils;\n48151623;212000-0999;310;\n"))
    assert [] == errors and 310 == doc.units[0]["pupils"]
    (tmp_path / "b").mkdir()
    doc, errors = _read(_dir(tmp_path / "b", "id;huvudman_id;pupils;\n48151623;212000-0999;310;x\n"))
    assert ["units.csv:2:26: delivery_unknown_column: line 2: `x` is in column 4, which has no name in the header"] == \
        [e.split("\n")[0] for e in errors]


def test_a_mapping_file_that_does_not_exist(tmp_path):
    diags = Diagnostics()
    assert read_delivery(_dir(tmp_path, "id;huvudman_id\n48151623;212000-0999\n"), diags, columns=tmp_path / "none.yaml") is None
    assert ["file_not_found"] == [e.code for e in diags.errors]
    [e] = diags.errors
    assert [f"{tmp_path / 'none.yaml'}: file_not_found: no such file",
            "    hint: --columns names a YAML file of column names"] == e.render().splitlines()


def test_a_part_the_mapping_does_not_have_is_named_at_its_key(tmp_path):
    own = _own(tmp_path, "units:\n  Elevantal: pupils\nunit:\n  Skolform: school_form\n")
    diags = Diagnostics()
    assert read_delivery(_dir(tmp_path, "id;huvudman_id\n48151623;212000-0999\n"), diags, columns=own) is None
    assert [f"{own}:3:1: schema_unknown_key: `unit` is not a part of a column mapping",
            "    hint: did you mean `units`?"] == diags.errors[0].render().splitlines()


def test_a_name_may_map_to_an_extra_column_but_not_to_extra_alone_nor_to_a_field_the_model_lacks(tmp_path):
    """`extra.NAME` keeps a column out of evaluation; `extra.` alone and a made-up field are refused."""
    d = _dir(tmp_path, "Skolenhetskod;huvudman_id;Kommentar\n48151623;212000-0999;ny rektor\n")
    diags = Diagnostics()
    doc = read_delivery(d, diags, columns=_own(tmp_path, "units:\n  Kommentar: extra.kommentar\n"))
    assert [] == diags.errors and "48151623" == doc.units[0]["id"]  # kept out of evaluation
    bad = _own(tmp_path, "units:\n  Kommentar: extra.\n  Elevantal: pupils_in_total\n")
    diags = Diagnostics()
    assert read_delivery(d, diags, columns=bad) is None
    assert [(2, 14, "`Kommentar`: `extra.` is not a column of a unit"),
            (3, 14, "`Elevantal`: `pupils_in_total` is not a column of a unit")] == \
        [(e.location.line, e.location.column, e.message) for e in diags.errors]


def test_a_header_that_adds_percent_to_a_name_of_the_mapping_holds_percentages(tmp_path):
    """The mapping names `Examen inom 3 år`; the table's header says `Examen inom 3 år (%)`: 58 is read as 0,58."""
    d = _dir(tmp_path, "Skolenhetskod;huvudman_id;Examen inom 3 år (%)\n48151623;212000-0999;58\n")
    diags = Diagnostics()
    doc = read_delivery(d, diags, columns=_own(tmp_path, "units:\n  Examen inom 3 år: results.share_degree_within_3y\n"))
    assert [] == diags.errors and 0.58 == doc.units[0]["results"]["share_degree_within_3y"]


def test_a_table_part_that_is_not_a_mapping_is_named_as_the_officer_wrote_it(tmp_path):
    """`units:` or `huvudman:` written as a list: the error names the part by the key in the file."""
    d = _dir(tmp_path, "id;huvudman_id\n48151623;212000-0999\n")
    for part in ("units", "huvudman"):
        diags = Diagnostics()
        assert read_delivery(d, diags, columns=_own(tmp_path, f"{part}:\n  - Elevantal\n")) is None
        assert [f"`{part}` is a mapping of names"] == [e.message for e in diags.errors]
