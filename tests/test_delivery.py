"""Reading deliveries: every defect named by file, line, column, record and field; good ones read whole."""
from __future__ import annotations

import textwrap

import pytest

from engine.inputs.delivery import org_number, read_delivery
from policy import Diagnostics

from .conftest import FIXTURES

GOOD = """\
delivery: {id: SI-2016-1, date: 2016-01-28, source: Skolinspektionen}
national_averages: {school_year: 2014/15, merit_value_y9: 224.4}
huvudman:
  - {id: "212000-0999", name: Västerå kommun, type: kommun}
units:
  - id: "48151623"
    huvudman_id: "212000-0999"
    school_form: grundskola
    pupils: 310
"""


@pytest.fixture
def read(tmp_path):
    """Read delivery text; returns (delivery or None, the rendered errors)."""

    def go(text: str, name: str = "delivery.yaml"):
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        diags = Diagnostics()
        doc = read_delivery(path, diags)
        return doc, [d.render().split(str(tmp_path) + "/", 1)[-1] for d in diags.errors]

    return go


class TestGood:
    def test_reads_records_in_order(self, read):
        """A valid delivery gives its header, averages and records in the given order."""
        doc, errors = read(GOOD + '  - {id: "48151624", huvudman_id: "212000-0999"}\n')
        assert [] == errors
        assert ("SI-2016-1", "2016-01-28") == (doc.id, doc.date)
        assert ["48151623", "48151624"] == [u["id"] for u in doc.units]
        assert {"212000-0999": "huvudman", "48151623": "unit", "48151624": "unit"} == doc.targets()

    def test_extra_is_kept_out_of_evaluation(self, read):
        """Fields under `extra:` are allowed and never reach a case."""
        doc, errors = read(GOOD + "    extra: {kommentar: fritt fält}\n")
        assert [] == errors
        case = doc.unit_case(doc.units[0], doc.huvudman[0])
        assert not any("kommentar" in p or "extra" in p for p in case.values)

    def test_json_reads_like_yaml(self, read):
        """The same delivery as JSON reads to the same records."""
        json_text = ('{"delivery": {"id": "SI-2016-1", "date": "2016-01-28", "source": "Skolinspektionen"},'
                     ' "national_averages": {"school_year": "2014/15", "merit_value_y9": 224.4},'
                     ' "huvudman": [{"id": "212000-0999", "name": "Västerå kommun", "type": "kommun"}],'
                     ' "units": [{"id": "48151623", "huvudman_id": "212000-0999", "school_form": "grundskola", "pupils": 310}]}')
        yaml_doc, _ = read(GOOD)
        json_doc, errors = read(json_text, "delivery.json")
        assert [] == errors
        assert (yaml_doc.units, yaml_doc.huvudman, yaml_doc.averages) == (json_doc.units, json_doc.huvudman, json_doc.averages)

    def test_json_defects_are_located(self, read):
        """A JSON delivery with a defect gets the same located errors as YAML (line and column of the field)."""
        text = ('{"delivery": {"id": "SI-2016-1", "date": "2016-01-28"},\n "national_averages": {"merit_value_y9": 224.4},\n'
                ' "huvudman": [{"id": "212000-0999", "type": "kommun"}],\n'
                ' "units": [{"id": "48151623", "huvudman_id": "212000-0999", "pupils": -3, "pupils": 4}]}\n')
        doc, errors = read(text, "delivery.json")
        assert doc is None
        assert ["delivery.json:4:71: schema_bad_value: unit 48151623: `unit.pupils` must be a whole number ≥ 0, not -3",
                "delivery.json:4:75: yaml_duplicate_key: key `pupils` appears twice in one mapping"] == [e.split("\n")[0] for e in errors]

    def test_organisation_number_without_hyphen(self, read):
        """An organisation number without the hyphen is read as the same huvudman."""
        doc, errors = read(GOOD.replace('id: "212000-0999"', 'id: "2120000999"'))
        assert [] == errors
        assert "212000-0999" == doc.huvudman[0]["id"] == doc.units[0]["huvudman_id"]

    def test_sample_delivery_reads(self):
        """The bundled sample delivery has no defect."""
        diags = Diagnostics()
        doc = read_delivery(FIXTURES / "sample" / "delivery.yaml", diags)
        assert [] == [d.render() for d in diags.errors]
        assert (30, 14) == (len(doc.units), len(doc.huvudman))


class TestDefects:
    @pytest.mark.parametrize("change, expected", [
        (("pupils: 310", "pupil: 310"),
         "delivery.yaml:9:5: schema_unknown_key: unit 48151623: unknown key `pupil` in `unit`"),
        (("pupils: 310", "pupils: -3"),
         "delivery.yaml:9:13: schema_bad_value: unit 48151623: `unit.pupils` must be a whole number ≥ 0, not -3"),
        (("pupils: 310", "pupils: många"),
         "delivery.yaml:9:13: schema_wrong_type: unit 48151623: `unit.pupils` must be a number in pupils, not `många`"),
        (("school_form: grundskola", "school_form: grundskolan"),
         "delivery.yaml:8:18: schema_wrong_type: unit 48151623: `unit.school_form` must be a school form, not `grundskolan`"),
        (('id: "48151623"', 'id: "4815162"'),
         "delivery.yaml:6:9: delivery_bad_id: unit 4815162: skolenhetskod `4815162` is not 8 digits"),
        (('huvudman_id: "212000-0999"', 'huvudman_id: "212000-0998"'),
         "delivery.yaml:7:18: delivery_unknown_huvudman: unit 48151623: huvudman `212000-0998` is not in the delivery"),
        (('{id: "212000-0999",', '{id: "21200-0999",'),
         ["delivery.yaml:4:10: delivery_bad_id: huvudman 21200-0999: organisation number `21200-0999` is not NNNNNN-NNNN",
          "delivery.yaml:7:18: delivery_unknown_huvudman: unit 48151623: huvudman `212000-0999` is not in the delivery"]),
        (("merit_value_y9: 224.4", "merit_value_y9: 1e9x"),
         "delivery.yaml:2:59: schema_wrong_type: `national_averages.merit_value_y9` must be a number in points, not `1e9x`"),
    ])
    def test_each_defect_located(self, read, change, expected):
        """Each defect is reported once, at the field, naming the record (and what it leaves unresolved)."""
        doc, errors = read(GOOD.replace(*change))
        assert doc is None
        assert ([expected] if isinstance(expected, str) else expected) == [e.split("\n")[0] for e in errors]

    def test_share_outside_0_1(self, read):
        """A share given as a percentage is refused with the hint that shares are fractions."""
        doc, errors = read(GOOD + "    results: {share_eligible_vocational_y9: 85.6}\n")
        assert doc is None
        assert "`unit.results.share_eligible_vocational_y9` is a share and must lie between 0 and 1, not 85.6" in errors[0]

    def test_duplicate_ids(self, read):
        """A skolenhetskod used twice is an error pointing at the second, naming the first."""
        doc, errors = read(GOOD + '  - {id: "48151623", huvudman_id: "212000-0999"}\n')
        assert doc is None
        assert 1 == len(errors)
        assert "delivery_duplicate_id: unit 48151623: the id `48151623` is used twice" in errors[0]
        assert "the first is at" in errors[0]

    def test_every_defect_at_once(self, read):
        """Defects in several records are all reported in one run."""
        doc, errors = read(GOOD.replace("pupils: 310", "pupils: -1") + '  - {id: "1", huvudman_id: "212000-0999"}\n')
        assert 2 == len(errors)

    def test_missing_date(self, read):
        """A delivery without a date cannot pick its pack: an error."""
        doc, errors = read(GOOD.replace(" date: 2016-01-28,", ""))
        assert doc is None
        assert "schema_missing_key: the delivery has no `date`" in errors[0]

    def test_unknown_top_level_key(self, read):
        """An unknown top-level key is an error with a suggestion."""
        doc, errors = read(GOOD.replace("units:", "unit:"))
        assert doc is None
        assert any("unknown key `unit`" in e for e in errors)

    def test_not_yaml(self, read):
        """A file that is not YAML or JSON is a located syntax error, not a traceback."""
        doc, errors = read("units: [\n")
        assert doc is None
        assert errors[0].startswith("delivery.yaml:") and "yaml_syntax" in errors[0]


class TestOrgNumber:
    def test_forms(self):
        """With or without the hyphen, the same number; anything else is not one."""
        assert "212000-0999" == org_number("2120000999") == org_number("212000-0999")
        assert org_number("212000-099") is None


class TestLimits:
    def test_alias_bomb(self, read):
        """A delivery whose aliases expand without bound is refused, located, before it is expanded."""
        bomb = 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n' + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n"
            for i in range(8))
        doc, errors = read(bomb)
        assert doc is None
        assert 1 == len(errors) and "yaml_too_large: more than 100000 nodes after expanding aliases" in errors[0]

    def test_oversized(self, read, monkeypatch):
        """A file over the size limit is refused without being parsed."""
        import engine.inputs.delivery as delivery

        monkeypatch.setattr(delivery, "MAX_DELIVERY_BYTES", 100)
        doc, errors = read(GOOD)
        assert doc is None
        assert ["delivery.yaml: yaml_too_large: the file is larger than 0 MiB"] == [e.split("\n")[0] for e in errors]


class TestNeverATraceback:
    """Inputs that once ended in a traceback: each is now a located error, exit 1."""

    @pytest.fixture
    def sample(self):
        import yaml
        return yaml.safe_load((FIXTURES / "sample" / "delivery.yaml").read_text(encoding="utf-8"))

    def _errors(self, path):
        diags = Diagnostics()
        assert read_delivery(path, diags) is None
        return [(d.code, d.message) for d in diags.errors]

    @pytest.mark.parametrize("form", ["json", "yaml"])
    def test_a_huge_integer(self, tmp_path, sample, form):
        """A number of 400 digits in a decimal field: out of range, at its place (was OverflowError)."""
        import json
        sample["units"][0]["results"]["merit_value_y9"] = int("9" * 400)
        path = tmp_path / f"d.{form}"
        path.write_text(json.dumps(sample, default=str), encoding="utf-8")
        [(code, message)] = self._errors(path)
        assert "schema_bad_value" == code and "must be a number of at most 15 digits, not a number of 400 digits" in message

    @pytest.mark.parametrize("form", ["json", "yaml"])
    def test_deep_nesting(self, tmp_path, form):
        """600 nested lists (1.2 KB): refused while composing (was RecursionError)."""
        path = tmp_path / f"d.{form}"
        path.write_text('{"delivery": ' + "[" * 600 + "]" * 600 + "}", encoding="utf-8")
        assert [("yaml_too_deep", "nesting deeper than 64 levels")] == self._errors(path)

    def test_a_lone_surrogate(self, tmp_path, sample):
        """`"\\ud800"` in a name: refused at its place (was UnicodeEncodeError when the record was written)."""
        import json
        text = json.dumps(sample, default=str).replace('"Lindskolan 7-9"', '"Lind\\ud800"', 1)
        assert "\\ud800" in text
        path = tmp_path / "d.json"
        path.write_text(text, encoding="utf-8")
        [(code, message)] = self._errors(path)
        assert code in ("schema_bad_value", "yaml_bad_scalar") and "lone surrogate" in message

    def test_a_lone_surrogate_in_yaml(self, tmp_path):
        """The same in YAML text: the loader refuses it."""
        path = tmp_path / "d.yaml"
        path.write_text('delivery: {id: "SI\\ud800"}\n', encoding="utf-8")
        assert "yaml_bad_scalar" in [c for c, _ in self._errors(path)]


class TestClearMessages:
    @pytest.mark.parametrize("name", ["d.yaml", "d.json"])
    def test_an_empty_file_says_so(self, tmp_path, name):
        """An empty delivery: "the file is empty", not silence."""
        (tmp_path / name).write_text("", encoding="utf-8")
        diags = Diagnostics()
        assert read_delivery(tmp_path / name, diags) is None
        assert [("file_empty", "the file is empty")] == [(d.code, d.message) for d in diags.errors]

    def test_a_csv_file_where_the_directory_belongs(self, tmp_path):
        """One table given: the message names the directory to give, without echoing the file."""
        diags = Diagnostics()
        assert read_delivery(FIXTURES / "sample" / "csv" / "units.csv", diags) is None
        [d] = diags.errors
        assert ("a CSV delivery is a directory, not one table", f"give the directory `{FIXTURES / 'sample' / 'csv'}`") == (d.message, d.hint[:len(f"give the directory `{FIXTURES / 'sample' / 'csv'}`")])
        assert "48151623" not in d.render()


class TestStreamedJson:
    """A JSON delivery's records are decoded one at a time; whatever the layout, it reads as the located reader reads it."""

    @pytest.fixture
    def sample(self):
        import yaml
        return yaml.safe_load((FIXTURES / "sample" / "delivery.yaml").read_text(encoding="utf-8"))

    @pytest.mark.parametrize("layout", ["compact", "indented", "units first", "spaces and a byte-order mark"])
    def test_every_layout_reads_as_yaml(self, tmp_path, sample, layout):
        """The same delivery in JSON of any layout gives the same records as its YAML."""
        import json
        import yaml
        doc = dict(sample)
        if layout == "units first":
            doc = {"units": doc.pop("units"), **doc}
        spaced = layout.startswith("spaces")
        text = json.dumps(doc, default=str, indent=2 if layout == "indented" else None,
                          separators=(" ,\r\n ", " :\t") if spaced else None)
        if spaced:
            text = "\ufeff \n" + text + "\n\t "
        (tmp_path / "d.json").write_text(text, encoding="utf-8")
        (tmp_path / "d.yaml").write_text(yaml.safe_dump(json.loads(text.lstrip("\ufeff")), allow_unicode=True), encoding="utf-8")
        got = [read_delivery(tmp_path / name, Diagnostics()) for name in ("d.json", "d.yaml")]
        assert [list(got[1].units), list(got[1].huvudman)] == [list(got[0].units), list(got[0].huvudman)]

    @pytest.mark.parametrize("damage, code", [
        (lambda t: t[:-1] + ', "units": []}', "yaml_duplicate_key"),
        (lambda t: t + " {}", "yaml_syntax"),
        (lambda t: t.replace('"units": [', '"units": [,', 1), "yaml_syntax"),
    ])
    def test_damage_between_records_is_located(self, tmp_path, sample, damage, code):
        """A key given twice, data after the document, a stray comma: the located reader names the place."""
        import json
        path = tmp_path / "d.json"
        path.write_text(damage(json.dumps(sample, default=str)), encoding="utf-8")
        diags = Diagnostics()
        assert read_delivery(path, diags) is None
        assert code in [d.code for d in diags.errors]

    @pytest.mark.parametrize("depth", [100, 600])
    def test_deep_nesting_inside_a_record_is_located(self, tmp_path, sample, depth):
        """Lists nested 100 or 600 deep in a unit's `extra`: `yaml_too_deep` at its place, as in YAML (was a
        RecursionError traceback at 600, and accepted at 100 where YAML refuses)."""
        import json
        text = json.dumps(sample, default=str).replace('"pupils": 310', '"pupils": 310, "extra": ' + "[" * depth + "]" * depth, 1)
        assert "[[[" in text
        path = tmp_path / "d.json"
        path.write_text(text, encoding="utf-8")
        diags = Diagnostics()
        assert read_delivery(path, diags) is None
        assert ["yaml_too_deep"] == [d.code for d in diags.errors]


class TestOneErrorPerDefect:
    """A defect is reported once, where it is, without errors that only follow from it."""

    def test_a_huvudman_with_a_bad_field_does_not_make_its_units_orphans(self, read):
        """`type: kommunX`: one error at the field, no `delivery_unknown_huvudman` for its units."""
        doc, errors = read(GOOD.replace("type: kommun}", "type: kommunX}"))
        assert doc is None
        assert ["schema_wrong_type"] == [e.split(": ")[1] for e in errors]

    def test_an_impossible_date_is_not_also_a_missing_date(self, read):
        """`date: 2016-02-30`: the date is wrong; the delivery does have a date."""
        doc, errors = read(GOOD.replace("date: 2016-01-28", "date: 2016-02-30"))
        assert doc is None
        assert "schema_missing_key" not in " ".join(errors) and errors

    @pytest.mark.parametrize("name", ["d.json", "d.yaml"])
    def test_a_number_beyond_what_python_reads_is_one_short_error(self, tmp_path, name):
        """5,000 digits in `pupils` (past Python's conversion limit): one error that counts the digits,
        not two that print them all."""
        text = GOOD.replace("pupils: 310", "pupils: " + "9" * 5000)
        if name.endswith(".json"):
            import json

            import yaml
            text = json.dumps(yaml.safe_load(GOOD), default=str).replace('"pupils": 310', '"pupils": ' + "9" * 5000)
        (tmp_path / name).write_text(text, encoding="utf-8")
        diags = Diagnostics()
        assert read_delivery(tmp_path / name, diags) is None
        [d] = diags.errors
        assert "a number of 5000 digits" in d.message and "9999" not in d.render()

    def test_a_lone_surrogate_under_extra_is_refused_as_in_yaml(self, tmp_path):
        """`"\\udc80"` in a unit's `extra`: JSON is refused at its place as YAML is (it was accepted)."""
        import json

        import yaml
        sample = yaml.safe_load((FIXTURES / "sample" / "delivery.yaml").read_text(encoding="utf-8"))
        sample["units"][0]["extra"] = {"note": "x"}
        text = json.dumps(sample, default=str).replace('"note": "x"', '"note": "\\udc80"')
        path = tmp_path / "d.json"
        path.write_text(text, encoding="utf-8")
        diags = Diagnostics()
        assert read_delivery(path, diags) is None
        assert ["yaml_bad_scalar"] == [d.code for d in diags.errors]

    def test_an_escaped_pair_is_a_character_and_read(self, tmp_path):
        """`"\\\\ud83d\\\\ude00"` (an emoji written as a pair of escapes) in a name: read, not refused."""
        import json

        import yaml
        sample = yaml.safe_load((FIXTURES / "sample" / "delivery.yaml").read_text(encoding="utf-8"))
        text = json.dumps(sample, default=str).replace('"Lindskolan 7-9"', '"Lindskolan \\ud83d\\ude00"', 1)
        assert "\\ud83d" in text
        path = tmp_path / "d.json"
        path.write_text(text, encoding="utf-8")
        diags = Diagnostics()
        doc = read_delivery(path, diags)
        assert [] == [d.code for d in diags.errors]
        assert any(u.get("name") == "Lindskolan \U0001F600" for u in doc.units)


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_delivery_stating_what_the_engine_computes_from_other_records_is_refused(tmp_path, suffix):
    """`same_building_eligible` in a unit (the engine computes it from its neighbour): one located error,
    nothing evaluated (it was a traceback after some records had been written)."""
    import json as json_module

    import yaml as yaml_module
    from click.testing import CliRunner

    from cli.main import cli
    doc = yaml_module.safe_load((FIXTURES / "sample" / "delivery.yaml").read_text(encoding="utf-8"))
    doc["units"][1]["same_building_eligible"] = True
    path = tmp_path / f"d{suffix}"
    path.write_text(json_module.dumps(doc, default=str) if suffix == ".json" else yaml_module.safe_dump(doc, allow_unicode=True),
                    encoding="utf-8")
    result = CliRunner().invoke(cli, ["evaluate", str(path), "--workers", "0"])
    assert result.exit_code == 1 and result.stdout == ""
    assert "`unit.same_building_eligible` is computed by the engine, not given" in result.output
    assert "Traceback" not in result.output


class TestIdHint:
    """What an analyst is told of a skolenhetskod that is not 8 digits, by where it was written."""

    @pytest.mark.parametrize("file", ["units.csv", "delivery.xlsx", "delivery.xlsm"])
    def test_a_table_lost_leading_zeros_to_a_spreadsheet(self, file):
        from engine.inputs.delivery import id_hint
        from policy.diagnostics import Location

        assert id_hint("4815162", Location(file)) == (
            "Excel drops leading zeros: `4815162` may be `04815162`; format the column as text (Format Cells → Text) "
            "before typing or pasting the codes, or write them with all 8 digits")
        assert id_hint("48151623X", Location(file)).startswith("format the column as text")  # not a number cut short
        assert id_hint("12345678", Location(file)).startswith("format the column as text")  # eight digits: nothing lost

    def test_a_yaml_number_lost_them_too(self):
        from engine.inputs.delivery import id_hint
        from policy.diagnostics import Location

        assert id_hint("4815162", Location("delivery.yaml")) == (
            '`4815162` may have lost leading zeros (`04815162`): write it in quotes, e.g. "48151623"')
        assert id_hint("481516234", Location("delivery.yaml")) == 'write it in quotes, e.g. "48151623"'
