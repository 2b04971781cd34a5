"""The `sbs` commands through click's runner: output, messages and exit codes."""
from __future__ import annotations

import csv
import io
import json
import re
import shutil

import pytest
from click.testing import CliRunner

from cli.main import cli

from .conftest import FIXTURES, RULES


@pytest.fixture
def run():
    def invoke(*args, **kw):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False, **kw)
    return invoke


class TestValidate:
    def test_valid_packs_exit_0(self, run):
        """The shipped packs validate: exit 0, nothing on stdout."""
        result = run("validate", str(RULES))
        assert 0 == result.exit_code
        assert "" == result.stdout
        assert "6 valid packs" in result.stderr

    def test_error_format_and_exit_1(self, run):
        """An error prints `file:line:col: code: message` and the hint; exit 1."""
        result = run("validate", str(FIXTURES / "invalid" / "unknown_key.yaml"))
        assert 1 == result.exit_code
        first, hint = result.stdout.splitlines()[:2]
        assert first.endswith("unknown_key.yaml:21:5: schema_unknown_key: unknown key `whenn` in rule")
        assert "    hint: did you mean `when`?" == hint

    def test_several_packs_all_reported(self, run):
        """Every pack given is checked; errors of each are printed."""
        result = run("validate", str(FIXTURES / "invalid" / "unknown_fact.yaml"), str(FIXTURES / "invalid" / "bad_date.yaml"))
        assert 1 == result.exit_code
        assert "ref_unknown_fact" in result.stdout and "schema_bad_value" in result.stdout

    def test_json_output(self, run):
        """`--format json` gives the diagnostics with code, line and column."""
        result = run("validate", "--format", "json", str(FIXTURES / "invalid" / "param_missing_unit.yaml"))
        out = json.loads(result.stdout)
        assert (1, False) == (result.exit_code, out["valid"])
        assert [("param_missing_unit", 14, 5)] == [(d["code"], d["line"], d["column"]) for d in out["diagnostics"]]

    def test_missing_path(self, run, tmp_path):
        """A path that does not exist is an error with exit 1."""
        result = run("validate", str(tmp_path / "nope.yaml"))
        assert 1 == result.exit_code
        assert "file_not_found" in result.stdout

    def test_compile_limits_checked(self, run, tmp_path):
        """A pack beyond durable_rules' limits fails validation, located at the rule."""
        from .conftest import HEAD

        rule = "  - id: r{i}\n    text: {{sv: R., en: R.}}\n    source: GP2016 2.3.2\n    when: {{fact: unit.in_underlag, eq: true}}\n    then: {{outcome: eligible}}\n"
        path = tmp_path / "big.yaml"
        path.write_text(HEAD + "rules:\n" + "".join(rule.format(i=i) for i in range(201)), encoding="utf-8")
        result = run("validate", str(path))
        assert 1 == result.exit_code
        assert "big.yaml:13:5: compile_limit: 201 rules have one identical condition" in result.stdout

    def test_no_argument_is_usage_error(self, run):
        """`sbs validate` without a pack is a usage error: exit 2."""
        assert 2 == CliRunner().invoke(cli, ["validate"]).exit_code


class TestPacks:
    def test_json_contract(self, run):
        """`sbs packs --format json` lists objects with id, version, valid_from, valid_to, sha256."""
        result = run("packs", "--format", "json")
        assert 0 == result.exit_code
        rows = json.loads(result.stdout)
        assert rows and all({"id", "version", "valid_from", "valid_to", "sha256", "replaced_by", "draft"} == set(r) for r in rows)
        assert {"1.0.0": "sbs@1.1.0", "2.0.0": "sbs@2.1.0", "3.0.0": "sbs@3.1.0"} == {
            r["version"]: r["replaced_by"] for r in rows if r["replaced_by"]}
        assert [("sbs", "1.0.0", "2015-01-01", "2015-12-31"), ("sbs", "1.1.0", "2015-01-01", "2015-08-27"),
                ("sbs", "2.0.0", "2016-01-01", "2019-06-30"), ("sbs", "2.1.0", "2015-08-28", "2019-06-30"),
                ("sbs", "3.0.0", "2019-07-01", None), ("sbs", "3.1.0", "2019-07-01", None)] == [
            (r["id"], r["version"], r["valid_from"], r["valid_to"]) for r in rows]

    def test_text_table(self, run):
        """The text listing has a header and one line per pack, open validity written `open`."""
        result = run("packs")
        header, *rows = result.stdout.splitlines()
        assert header.split() == ["id", "version", "valid_from", "valid_to", "sha256"]
        assert ["2015-12-31", "2015-08-27", "2019-06-30", "2019-06-30", "open", "open"] == [row.split()[3] for row in rows]

    def test_other_rules_directory(self, run):
        """`--rules DIR` lists the packs there; invalid ones are reported and exit 1."""
        result = run("--rules", str(FIXTURES / "invalid" / "overlap"), "packs", "--format", "json")
        assert 1 == result.exit_code
        assert ["1.0.0", "2.0.0"] == [r["version"] for r in json.loads(result.stdout)]
        assert "registry_validity_overlap" in result.stderr


class TestSchemaCommand:
    def test_prints_json_schema(self, run):
        """`sbs schema` prints a JSON Schema document."""
        result = run("schema")
        schema = json.loads(result.stdout)
        assert "https://json-schema.org/draft/2020-12/schema" == schema["$schema"]


class TestTestCommand:
    def test_shipped_packs_pass(self, run):
        """`sbs test` runs the shipped packs' YAML tests: all pass, coverage reported, exit 0."""
        from policy import Diagnostics, load_pack

        pack = load_pack(RULES / "sbs-2016", Diagnostics())
        n, rules = len(pack.tests), len(pack.rules)
        result = run("test")
        assert 0 == result.exit_code, result.stdout
        assert f"{pack.ref}: {n} tests, {n} passed, 0 failed" in result.stdout
        assert f"rule coverage: {rules} of {rules} rules fired in a test, {rules} of {rules} stayed silent in a test" in result.stdout

    def test_failure_located(self, run, tmp_path):
        """A failing YAML test is reported at the line of the expectation that failed, with what differed; exit 1."""
        from .conftest import HEAD

        path = tmp_path / "p.yaml"
        path.write_text(HEAD + """\
rules:
  - id: underlag
    text: {sv: I underlaget., en: In the underlag.}
    source: GP2016 2.3.2
    when: {fact: unit.in_underlag, eq: true}
    then: {outcome: eligible}
tests:
  - name: in the underlag
    facts: {unit: {in_underlag: true}}
    expect: {outcome: not_eligible}
""", encoding="utf-8")
        result = run("test", str(path))
        assert 1 == result.exit_code
        assert "p.yaml:21:23: FAIL in the underlag: outcome is eligible, expected not_eligible" in result.stdout
        assert "never not fired: underlag" in result.stdout


class TestEvaluate:
    SAMPLE = FIXTURES / "sample"

    def test_jsonl_records_and_summary(self, run):
        """Records as JSON Lines on stdout, one per unit and huvudman; the summary on stderr; exit 0."""
        result = run("evaluate", str(self.SAMPLE / "delivery.yaml"), "--overrides", str(self.SAMPLE / "overrides.yaml"))
        assert 0 == result.exit_code
        records = [json.loads(line) for line in result.stdout.splitlines()]
        assert 44 == len(records)
        assert "units: 30 (eligible 11, not_eligible 6, excluded 7, deferred 2, manual_review 4)" in result.stderr
        assert "records: 44, of them engine errors: 0" in result.stderr
        assert "input rows 44 = 44 decisions + 0 engine-error records (every row accounted for)" in result.stderr
        assert {"sbs"} == {r["pack"]["id"] for r in records}

    def test_markdown_report(self, run):
        """The Markdown report lists the ranked huvudmän and each unit's decision."""
        result = run("evaluate", str(self.SAMPLE / "delivery.yaml"), "--overrides", str(self.SAMPLE / "overrides.yaml"), "--format", "md")
        assert 0 == result.exit_code
        assert result.stdout.startswith("# Urval SI-2016-1 (2016-01-28)")
        assert "| 2 | Storviks kommun (212000-1061) | föreslås | 110 | unit-from-underlag-eligible |" in result.stdout
        assert "- skolenheter: 30 (valbar 11, ej valbar 6, utesluten 7, avvaktar 2, manuell prövning 4)" in result.stdout
        assert "| Byskolan (48151725) | 212000-1051 | valbar | selection-criteria-met; small-unit åsidosatt av A. Andersson, undervisningsråd |  |" in result.stdout
        assert "### Strandskolan 4-6 (48151734)" in result.stdout  # each decision with its trace
        assert "utfall: manuell prövning — beror på okända uppgifter i selection-criteria-met" in result.stdout
        rules = result.stdout[result.stdout.index("## Regler"):]  # each rule with its sections, as the HTML report
        assert "| regel | text | källa |" in rules
        assert ("| small-unit | Skolenheter med ett fåtal elever bör i normalfallet inte ingå i urvalet. | "
                "GP2016 2.3.2 punkt 4; GP2016 2.3.3 Små skolenheter |") in rules

    def test_a_priority_with_decimals_is_written_the_swedish_way(self, run, tmp_path):
        """A pack whose priority points have decimals: the Swedish reports write 110,5, the English 110.5."""
        draft = tmp_path / "draft"
        shutil.copytree(RULES / "sbs-2016-2.1", draft)
        pack = (draft / "pack.yaml").read_text(encoding="utf-8")
        edited = pack.replace("  priority_results:\n    unit: points\n    value: 10\n", "  priority_results:\n    unit: points\n    value: 10.5\n")
        assert edited != pack
        (draft / "pack.yaml").write_text(edited.replace("  version: 2.1.0\n", "  version: 2.1.1-draft\n"), encoding="utf-8")
        args = ("--draft", str(draft), "evaluate", str(self.SAMPLE / "delivery.yaml"), "--pack", "sbs@2.1.1-draft", "--workers", "0")
        sv = run(*args, "--format", "md").stdout
        assert "| 1 | Storviks kommun (212000-1061) | föreslås | 110,5 | unit-from-underlag-eligible |" in sv
        assert "110.5" not in sv
        assert "| proposed | 110.5 |" in run(*args, "--format", "md", "--lang", "en").stdout

    def test_a_name_on_two_lines_stays_on_one_line_in_the_markdown_report(self, run, tmp_path):
        """A name with a line break (a CSV cell written on two lines) would end a table row or a heading early."""
        delivery = tmp_path / "d.yaml"
        text = (self.SAMPLE / "delivery.yaml").read_text(encoding="utf-8")
        delivery.write_text(text.replace("    name: Lindskolan 7-9\n", '    name: "Lindskolan\\r\\n7-9"\n', 1), encoding="utf-8")
        report = run("evaluate", str(delivery), "--format", "md", "--workers", "0").stdout
        assert "| Lindskolan 7-9 (48151623) | 212000-0999 | valbar | selection-criteria-met |  |" in report
        assert "### Lindskolan 7-9 (48151623)\n" in report

    def test_report_in_english_as_html(self, run):
        """--format html --lang en: one page, English headings and texts, each trace folded under its decision."""
        result = run("evaluate", str(self.SAMPLE / "delivery.yaml"), "--format", "html", "--lang", "en")
        assert 0 == result.exit_code
        page = result.stdout
        assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page and page.rstrip().endswith("</html>")
        assert '<h2 id="huvudman">Huvudmän by rank</h2>' in page and 44 == page.count("<details>")
        assert "Units with very few pupils should normally not be selected." in page
        assert '<a href="#u-48151624">48151624</a></td><td>Lindskolan F-6</td>' in page

    def test_json_and_csv(self, run):
        """--format json is one array of the records; --format csv one row per unit and huvudman."""
        import csv as csv_module
        import io
        records = json.loads(run("evaluate", str(self.SAMPLE / "delivery.yaml"), "--format", "json").stdout)
        assert 44 == len(records) and "trace" in records[0]
        rows = list(csv_module.DictReader(io.StringIO(run("evaluate", str(self.SAMPLE / "delivery.yaml"), "--format", "csv").stdout)))
        assert 44 == len(rows)
        storvik = next(r for r in rows if r["id"] == "212000-1061")
        assert ("huvudman", "proposed", "1", "unit-from-underlag-eligible") == (storvik["kind"], storvik["outcome"], storvik["rank"], storvik["decided_by"])

    def test_out_written_atomically(self, run, tmp_path):
        """--out writes the file; a failing run leaves an existing file as it was and no temporary file."""
        out = tmp_path / "records.jsonl"
        assert 0 == run("evaluate", str(self.SAMPLE / "delivery.yaml"), "--out", str(out)).exit_code
        assert 44 == len(out.read_text(encoding="utf-8").splitlines())
        bad = tmp_path / "bad.yaml"
        bad.write_text((self.SAMPLE / "delivery.yaml").read_text(encoding="utf-8").replace("pupils: 310", "pupils: -310"), encoding="utf-8")
        before = out.read_bytes()
        result = run("evaluate", str(bad), "--out", str(out))
        assert 1 == result.exit_code
        assert before == out.read_bytes()
        assert ["records.jsonl", "bad.yaml"] == sorted((p.name for p in tmp_path.iterdir()), reverse=True)

    def test_bad_delivery_is_located(self, run, tmp_path):
        """A defect in the delivery: file:line:col, record and field on stderr, exit 1, nothing on stdout."""
        bad = tmp_path / "bad.yaml"
        bad.write_text((self.SAMPLE / "delivery.yaml").read_text(encoding="utf-8").replace("pupils: 310", "pupils: -310"), encoding="utf-8")
        result = run("evaluate", str(bad))
        assert 1 == result.exit_code
        assert "" == result.stdout
        assert "bad.yaml:74:13: schema_bad_value: unit 48151623: `unit.pupils` must be a whole number ≥ 0, not -310" in result.stderr
        assert "1 error; nothing was evaluated" in result.stderr

    def test_unknown_pack_is_usage_error(self, run):
        """A pack version that does not exist is a usage error (exit 2) naming the versions there are."""
        result = run("evaluate", str(self.SAMPLE / "delivery.yaml"), "--pack", "sbs@9.9.9")
        assert 2 == result.exit_code
        assert "no version `9.9.9` of pack `sbs`" in result.stderr

    def test_bad_override_is_located(self, run, tmp_path):
        """An override naming a rule the pack lacks: located error, exit 1."""
        ov = tmp_path / "ov.yaml"
        ov.write_text('- {target: "48151725", rule: smal-unit, action: set_aside, reason: r, decided_by: x, decided_on: 2016-02-02}\n', encoding="utf-8")
        result = run("evaluate", str(self.SAMPLE / "delivery.yaml"), "--overrides", str(ov))
        assert 1 == result.exit_code
        assert "ov.yaml:1:" in result.stderr and "override_unknown_rule" in result.stderr and "did you mean `small-unit`?" in result.stderr

    @pytest.mark.parametrize("date, version", [("2015-06-01", "1.1.0"), ("2015-08-27", "1.1.0"), ("2015-08-28", "2.1.0"),
                                               ("2016-01-28", "2.1.0"), ("2019-09-02", "3.1.0")])
    def test_delivery_date_picks_the_pack(self, run, tmp_path, date, version):
        """Without --pack, the version in force on the delivery date decides, and every record names it."""
        d = tmp_path / "d.yaml"
        d.write_text((self.SAMPLE / "delivery.yaml").read_text(encoding="utf-8").replace("date: 2016-01-28", f"date: {date}"), encoding="utf-8")
        result = run("evaluate", str(d))
        assert {version} == {json.loads(line)["pack"]["version"] for line in result.stdout.splitlines()}

    def test_2019_pack_selects_a_preschool(self, run):
        """Under the 2019 pack the sample's förskola with difficult conditions is eligible; under 2016 excluded."""
        outcomes = {}
        for ref in ("sbs@2.0.0", "sbs@3.0.0"):
            result = run("evaluate", str(self.SAMPLE / "delivery.yaml"), "--pack", ref)
            outcomes[ref] = {r["id"]: r for r in map(json.loads, result.stdout.splitlines())}["48151721"]
        assert "excluded" == outcomes["sbs@2.0.0"]["outcome"]
        assert ("eligible", ["preschool-difficult-conditions"]) == (outcomes["sbs@3.0.0"]["outcome"], outcomes["sbs@3.0.0"]["decided_by"])


class TestExplain:
    SAMPLE = FIXTURES / "sample"

    def test_unit_trace_in_swedish(self, run):
        """A unit's explanation names what decided it, each rule's comparison with values, sources, the pack hash."""
        result = run("explain", str(self.SAMPLE / "delivery.yaml"), "48151734")
        assert 0 == result.exit_code
        lines = result.stdout.splitlines()
        assert "skolenhet 48151734 Strandskolan 4-6 (huvudman 212000-1061)" == lines[0]
        assert "utfall: manuell prövning — beror på okända uppgifter i selection-criteria-met" == lines[1]
        assert "    unit.pupils: 110 < parameter small_unit_pupils = 50 → falskt" in lines
        assert "- unit.results.grade_value_y6_swedish: uppgift saknas" in lines
        assert any(line.startswith("- [ej uppfylld] small-unit — ") and "(GP2016 2.3.2 punkt 4; GP2016 2.3.3 Små skolenheter)" in line for line in lines)
        assert lines[2].startswith("regelpaket sbs@2.1.0 sha256 ") and "; indata sha256 " in lines[2]

    def test_override_and_english(self, run):
        """An officer's set-aside shows with who, when and why; --lang en gives the English texts."""
        result = run("explain", str(self.SAMPLE / "delivery.yaml"), "48151725", "--overrides", str(self.SAMPLE / "overrides.yaml"), "--lang", "en")
        assert 0 == result.exit_code
        assert "outcome: eligible — decided by selection-criteria-met" in result.stdout
        assert "- [overridden] small-unit — Units with very few pupils should normally not be selected." in result.stdout
        assert "    set aside by A. Andersson, undervisningsråd, 2016-02-02; reason: Byskolan delar rektor" in result.stdout

    def test_huvudman_by_organisation_number_without_hyphen(self, run):
        """A huvudman is explained with its rank and the values that placed it."""
        result = run("explain", str(self.SAMPLE / "delivery.yaml"), "2120001061", "--lang", "en")
        assert 0 == result.exit_code
        assert "rank: 1 of 6 (capacity 10); priority 110; units.pupils_eligible = ? (between 1530 and 1640)" in result.stdout.splitlines()

    def test_a_count_without_an_upper_bound(self, run, tmp_path):
        """An eligible-or-not unit of unknown size leaves the huvudman's pupil count open upwards: `minst`."""
        text = (self.SAMPLE / "delivery.yaml").read_text(encoding="utf-8")
        text = text.replace("    grades: 4-6\n    pupils: 110\n", "    grades: 4-6\n")
        (tmp_path / "delivery.yaml").write_text(text, encoding="utf-8")
        result = run("explain", str(tmp_path / "delivery.yaml"), "212000-1061")
        assert 0 == result.exit_code, result.output
        assert "; units.pupils_eligible = ? (minst 1530)" in result.stdout

    def test_unknown_id(self, run):
        """An id the delivery lacks: exit 1 with a suggestion."""
        result = run("explain", str(self.SAMPLE / "delivery.yaml"), "48151735")
        assert 1 == result.exit_code
        assert "the delivery has no unit or huvudman `48151735`; did you mean `48151734`?" in result.stderr


class TestDiff:
    SAMPLE = FIXTURES / "sample"

    def test_json_contract(self, run):
        """JSON: `changed` lists {kind, id, from, to, rules} for each decision whose outcome differs."""
        result = run("diff", str(self.SAMPLE / "delivery.yaml"), "--from", "sbs@2.0.0", "--to", "sbs@3.0.0", "--format", "json")
        assert 0 == result.exit_code
        out = json.loads(result.stdout)
        by_id = {c["id"]: c for c in out["changed"]}
        assert ["48151721", "48151722", "48151723"] == [c["id"] for c in out["changed"] if c["kind"] == "unit"]
        solrosen = by_id["48151721"]
        assert {"kind", "id", "from", "to", "rules"} <= set(solrosen)
        assert ("unit", "excluded", "eligible") == (solrosen["kind"], solrosen["from"], solrosen["to"])
        assert {"school-form-out-of-scope", "preschool-difficult-conditions"} <= set(solrosen["rules"])
        assert "small-unit" in by_id["48151722"]["rules"]  # unknown without a threshold in 2016, not judged in 2019
        assert "preschool-difficult-conditions" not in by_id["48151722"]["rules"]  # silent in 2019, absent in 2016

    def test_a_change_of_rank_alone_is_a_change_with_a_reason(self, run):
        """Two huvudmän swap places when a preschool becomes eligible: each is listed with its rank, its priority
        and a reason (the round, and the rules that decide it now), never an empty list."""
        out = json.loads(run("diff", str(self.SAMPLE / "delivery.yaml"), "--from", "sbs@2.0.0", "--to", "sbs@3.0.0",
                             "--format", "json").stdout)
        moved = {c["id"]: c for c in out["changed"] if c["kind"] == "huvudman"}
        assert moved["212000-1051"]["rank"] == {"from": 4, "to": 3} and moved["212000-1051"]["from"] == "proposed" == moved["212000-1051"]["to"]
        assert all(c["rules"] for c in out["changed"])
        assert moved["212000-1051"]["rules"][0] == "(the round)"
        assert out["transitions"] == {"excluded → eligible": 1, "excluded → not_eligible": 2, "proposed → proposed": 2}
        assert {"rule": "school-form-out-of-scope", "change": "removed"} in out["rules"]
        solrosen = next(c for c in out["changed"] if c["id"] == "48151721")
        assert solrosen["conditions"]["small-unit"] == [  # the comparisons of the new decision, with their values
            "unit.school_form forskola ∈ [grundskola, grundsarskola, gymnasieskola, gymnasiesarskola]: false",
            "unit.pupils 64 < small_unit_pupils unknown: unknown"]

    def test_parameters_that_differ_side_by_side(self, run):
        out = json.loads(run("diff", str(self.SAMPLE / "delivery.yaml"), "--from", "sbs@2.0.0", "--to", "sbs@2.1.0",
                             "--format", "json").stdout)
        p = {x["name"]: x for x in out["parameters"]}
        assert p["spread_below_ratio"]["from"] is None and p["spread_below_ratio"]["to"]["value"] == 0.9

    def test_same_pack_changes_nothing(self, run):
        """Comparing a pack with itself lists no change."""
        result = run("diff", str(self.SAMPLE / "delivery.yaml"), "--from", "sbs@2.0.0", "--to", "sbs@2.0.0")
        assert "sbs@2.0.0 → sbs@2.0.0 on SI-2016-1: 0 of 44 decisions change" == result.stdout.strip()

    def test_parameter_change_shows_its_effect(self, run, tmp_path):
        """A policy officer's change of one threshold shows which decisions it moves (here: a smaller round)."""
        import shutil
        rules = tmp_path / "rules"
        shutil.copytree(RULES, rules)
        draft = rules / "sbs-2016-draft"
        shutil.copytree(RULES / "sbs-2016-2.1", draft)
        text = (draft / "pack.yaml").read_text(encoding="utf-8")
        text = text.replace("  id: sbs\n", "  id: sbs-draft\n")  # a draft has its own id: it may overlap the versions in force
        text = text.replace("  replaces: [sbs@2.0.0]\n", "")
        text = text.replace("  round_capacity:\n    unit: count\n    value: 10", "  round_capacity:\n    unit: count\n    value: 5")
        (draft / "pack.yaml").write_text(text, encoding="utf-8")
        result = run("--rules", str(rules), "diff", str(self.SAMPLE / "delivery.yaml"), "--from", "sbs@2.1.0", "--to", "sbs-draft@2.1.0",
                     "--overrides", str(self.SAMPLE / "overrides.yaml"), "--format", "json")
        assert 0 == result.exit_code, result.stderr
        changed = json.loads(result.stdout)["changed"]
        moved = [(c["kind"], c["from"], c["to"]) for c in changed]
        # seven huvudmän were proposed: two no longer fit, and those whose place could fall on either side
        # of the new capacity (a priority that is unknown) go to an officer instead of being guessed
        assert moved and all(("huvudman", "proposed") == m[:2] and m[2] in ("waitlisted", "manual_review") for m in moved)
        assert 2 <= len(moved) and ("huvudman", "proposed", "manual_review") in moved


class TestReplay:
    SAMPLE = FIXTURES / "sample"

    @pytest.fixture
    def records(self, run, tmp_path):
        out = tmp_path / "records.jsonl"
        assert 0 == run("evaluate", str(self.SAMPLE / "delivery.yaml"), "--overrides", str(self.SAMPLE / "overrides.yaml"), "--out", str(out)).exit_code
        return out

    def _tamper(self, path, line_no, change):
        lines = path.read_text(encoding="utf-8").splitlines()
        record = json.loads(lines[line_no - 1])
        change(record)
        lines[line_no - 1] = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def test_untouched_records_reproduce(self, run, records):
        """Every record of a run reproduces byte for byte from its own input and pack hash: exit 0."""
        result = run("replay", str(records))
        assert 0 == result.exit_code
        assert "" == result.stdout
        assert "44 lines, 44 reproduced, 0 did not" in result.stderr

    @pytest.mark.parametrize("line_no, change, reason", [
        (1, lambda r: r["input"]["facts"].__setitem__("unit.pupils", 31),
         "unit 48151623: input hash differs: the recorded input does not hash to input_sha256"),
        (1, lambda r: r.__setitem__("outcome", "not_eligible"),
         "unit 48151623: outcome differs: recorded not_eligible, replayed eligible"),
        (2, lambda r: r["trace"][3]["text"].__setitem__("sv", "ändrad text"),
         "unit 48151624: trace differs (first at rule `small-unit`)"),
        (3, lambda r: r["pack"].__setitem__("sha256", "0" * 64),
         "unit 48151625: pack not found: sbs@2.1.0 sha256 " + "0" * 64),
        (44, lambda r: r.__setitem__("rank", 2),
         "huvudman 232100-1001: rank differs: recorded 2, replayed 7 (the round needs every huvudman record of the delivery)"),
        (5, lambda r: r.__setitem__("decided_by", ["someone-else"]),
         "unit 48151631: record differs in `decided_by`"),
    ])
    def test_tampered_record_is_reported(self, run, records, line_no, change, reason):
        """A changed record is reported at its line with the reason; the others still reproduce; exit 1."""
        self._tamper(records, line_no, change)
        result = run("replay", str(records))
        assert 1 == result.exit_code
        assert [f"{records}:{line_no}: {reason}"] == result.stdout.splitlines()

    def test_an_unknown_complement_reproduces(self, run, tmp_path):
        """A unit whose neighbour is under review has `unit.same_building_eligible` unknown: its record
        replays (the rebuilt case keeps it unknown, never false)."""
        import yaml
        doc = yaml.safe_load((self.SAMPLE / "delivery.yaml").read_text(encoding="utf-8"))
        for u in doc["units"]:
            if u["id"] == "48151623":
                u["pupils"] = None  # the upper-grade unit goes to manual review
        (tmp_path / "d.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        out = tmp_path / "r.jsonl"
        assert 0 == run("evaluate", str(tmp_path / "d.yaml"), "--out", str(out)).exit_code
        assert any('"unit.same_building_eligible":"unit 48151623' in line for line in out.read_text(encoding="utf-8").splitlines())
        result = run("replay", str(out))
        assert ("", 0) == (result.stdout, result.exit_code)

    @pytest.mark.parametrize("change, why", [
        (lambda r: r.__setitem__("id", [1]), "not a record: `id` is a list, not text"),
        (lambda r: r["pack"].__setitem__("sha256", {"a": 1}), "not a record: `pack.sha256` is a mapping, not text"),
        (lambda r: r["input"].__setitem__("facts", []), "not a record: `input.facts` is a list, not a mapping"),
    ])
    def test_a_field_of_the_wrong_type_is_reported(self, run, records, change, why):
        """A record whose id, pack hash or facts are of the wrong type: reported at its line, never a traceback."""
        self._tamper(records, 1, change)
        result = run("replay", str(records))
        assert 1 == result.exit_code
        assert result.stdout.startswith(f"{records}:1: {why}")

    def test_a_json_array_of_records_is_numbered_from_one(self, run, records, tmp_path):
        """`--format json` output replays too; a malformed item is reported by its number, counted from 1."""
        import json as _json
        items = [_json.loads(line) for line in records.read_text(encoding="utf-8").splitlines()]
        items.insert(2, {"kind": "unit", "id": "1"})
        array = tmp_path / "r.json"
        array.write_text(_json.dumps(items, ensure_ascii=False), encoding="utf-8")
        result = run("replay", str(array))
        assert 1 == result.exit_code
        assert [f"{array}:3: not a record: no `pack`"] == result.stdout.splitlines()

    @pytest.mark.parametrize("line, why", [
        (b"{oops", "not a record: Expecting property name"),
        (b"\xff{}", "not a record: byte 0xFF at column 1 is not UTF-8"),
        (b"[]", "not a record: a JSON array, not an object"),
        (b"null", "not a record: a JSON null, not an object"),
        (b'"a record"', "not a record: a JSON string, not an object"),
        (b"3.5", "not a record: a JSON number, not an object"),
        (b"true", "not a record: a JSON boolean, not an object"),
        (b'{"kind": "unit", "id": "1"}', "not a record: no `pack`"),
        (b'{"a": NaN}', "not a record: `NaN` is not a number a record can hold"),
        (b"[" * 100_000, "not a record:"),
        (b'{"kind": "unit", "kind": "unit"}', "not a record: the key `kind` appears twice"),
    ])
    def test_a_malformed_line_is_reported_and_replay_goes_on(self, run, records, line, why):
        """Each malformed line is a mismatch on that line, never a traceback; the other records still replay."""
        lines = records.read_bytes().splitlines()
        lines.insert(1, line)
        records.write_bytes(b"\n".join(lines) + b"\n")
        result = run("replay", str(records))
        assert 1 == result.exit_code
        out = result.stdout.splitlines()
        assert 1 == len(out) and out[0].startswith(f"{records}:2: {why}"), out
        assert "45 lines, 44 reproduced, 1 did not" in result.stderr

    @pytest.mark.parametrize("change, why", [
        (lambda b: b.replace(b'","outcome"', b'", "outcome"', 1), "the stored bytes differ"),
        (lambda b: b.replace(b'"id":"', b'"\\u0069d":"', 1), "the stored bytes differ"),
    ])
    @pytest.mark.parametrize("kind", ["unit", "huvudman"])
    def test_bytes_are_compared(self, run, records, change, why, kind):
        """Whitespace or an escape that parses to the same record is still a change of the stored record, of a
        unit as of a huvudman (decided with its round)."""
        lines = records.read_bytes().splitlines()
        at = next(i for i, line in enumerate(lines) if line.startswith(b'{"kind":"%s"' % kind.encode()))
        lines[at] = change(lines[at])
        assert lines[at] != records.read_bytes().splitlines()[at]
        records.write_bytes(b"\n".join(lines) + b"\n")
        result = run("replay", str(records))
        assert 1 == result.exit_code
        assert [why] == [line.split(": ", 2)[2][:len(why)] for line in result.stdout.splitlines()]
        assert result.stdout.startswith(f"{records}:{at + 1}: {kind} ")

    def test_duplicated_and_missing_records_are_counted(self, run, records):
        """A record given twice, and a round whose ranks are not all there: both reported."""
        lines = records.read_bytes().splitlines()
        ranked = next(i for i, l in enumerate(lines) if b'"rank":1,' in l)
        doubled = lines + [lines[0]]
        del doubled[ranked]
        records.write_bytes(b"\n".join(doubled) + b"\n")
        result = run("replay", str(records))
        assert 1 == result.exit_code
        first = json.loads(lines[0])
        assert result.stdout.startswith(f"{records}:{len(doubled)}: unit {first['id']}: the same record again: line 1 holds this unit")
        assert "cannot be replayed without the round's other huvudman records (no record holds rank 1)" in result.stdout

    def test_one_log_of_two_deliveries_replays(self, run, records, tmp_path):
        """The same units decided in two deliveries (the spring's and the autumn's) are two records each, not
        one given twice: a log that holds both replays."""
        import yaml as _yaml
        doc = _yaml.safe_load((self.SAMPLE / "delivery.yaml").read_text(encoding="utf-8"))
        doc["delivery"]["id"] = "SI-2016-2"
        autumn = tmp_path / "autumn.yaml"
        autumn.write_text(_yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        more = tmp_path / "autumn.jsonl"
        assert 0 == run("evaluate", str(autumn), "--overrides", str(self.SAMPLE / "overrides.yaml"), "--out", str(more)).exit_code
        records.write_bytes(records.read_bytes() + more.read_bytes())
        result = run("replay", str(records))
        assert 0 == result.exit_code, result.stdout

    def test_a_round_with_a_rank_missing_and_a_record_changed(self, run, records):
        """A round missing a rank whose other records differ by more than the round: the change is reported
        and so are the ranks no record holds, at the round's first line."""
        lines = records.read_text(encoding="utf-8").splitlines()
        del lines[next(i for i, l in enumerate(lines) if '"rank":1,' in l)]
        records.write_text("\n".join(lines) + "\n", encoding="utf-8")
        rounds = [i + 1 for i, l in enumerate(lines) if l.startswith('{"kind":"huvudman"')]
        changed = next(i + 1 for i, l in enumerate(lines) if '"rank":2,' in l)
        self._tamper(records, changed, lambda r: r.update(priority=r["priority"] + 1))
        out = run("replay", str(records)).stdout.splitlines()
        assert f"{records}:{rounds[0]}: huvudman ?: records missing from the round: no record holds rank 1" in out
        (said,) = [line for line in out if line.startswith(f"{records}:{changed}: huvudman ")]
        assert "the rest of the record reproduces" not in said

    def test_one_extracted_huvudman_record_says_its_round_is_missing(self, run, records, tmp_path):
        """One ranked huvudman record alone: its place needs its round, said once, counted once."""
        one = tmp_path / "one.jsonl"
        one.write_bytes(next(l for l in records.read_bytes().splitlines() if b'"rank":3,' in l) + b"\n")
        result = run("replay", str(one))
        assert 1 == result.exit_code and len(result.stdout.splitlines()) == 1
        assert "its place in the round (rank 3) cannot be replayed without the round's other huvudman records" in result.stdout
        assert "1 line, 0 reproduced, 1 did not" in result.stderr


class TestAgreementCheck:
    AGREEMENTS = FIXTURES / "agreements"
    FIELDS = {  # variant -> the rule it breaks and the field its finding names
        "longer-than-three-years": ("agreement-longer-than-three-years", "agreement.duration_years"),
        "responsibilities-missing": ("agreement-responsibilities-missing", "agreement.responsibilities.skolverket.count"),
        "not-signed-by-highest": ("agreement-not-signed-by-highest", "agreement.signed_by.highest_responsible"),
        "pupils-not-heard": ("agreement-pupils-not-heard", "agreement.pupils_heard"),
        "plan-not-attached": ("agreement-plan-not-attached", "action_plan.present"),
        "plan-without-problems": ("plan-without-problems", "action_plan.problems.count"),
        "plan-without-risks": ("plan-without-strengths-or-risks", "action_plan.risks.count"),
        "plan-without-insatser": ("plan-without-insatser", "action_plan.insatser.count"),
        "insats-type-missing": ("insats-type-missing", "insats.type"),
        "insats-programme-missing": ("insats-programme-missing", "insats.programme"),
        "insats-provider-missing": ("insats-provider-missing", "insats.provider"),
        "insats-not-tied-to-problem": ("insats-not-tied-to-problem", "insats.addresses_known_problems"),
        "insats-not-grounded": ("insats-not-grounded", "insats.grounding"),
        "insats-level-missing": ("insats-level-missing", "insats.level"),
        "insats-without-expected-effects": ("insats-without-expected-effects", "insats.expected_effects.count"),
        "insats-follow-up-incomplete": ("insats-follow-up-incomplete", "insats.follow_up.responsible"),
        "insats-plan-incomplete": ("insats-plan-incomplete", "insats.responsible"),
        "insats-contribution-above-cost": ("insats-contribution-above-cost", "insats.skolverket_contribution_sek"),
        "plan-problems-without-causes": ("plan-problems-without-causes", "action_plan.problems_without_causes.count"),
        "plan-insatser-one-level": ("plan-insatser-one-level", "action_plan.insatser_huvudman_level.count"),
        "insats-participants-or-scope-missing": ("insats-participants-or-scope-missing", "insats.participants.count"),
        "insats-without-goals": ("insats-without-goals", "insats.goals.count"),
        "insats-outside-agreement-period": ("insats-outside-agreement-period", "insats.timeline.ends"),
    }

    def test_valid_agreement_passes(self, run):
        """The complete agreement holds every requirement: exit 0; the economic one is not assessed without a delivery."""
        result = run("agreement", "check", str(self.AGREEMENTS / "valid.yaml"), "--lang", "en")
        assert 0 == result.exit_code
        lines = result.stdout.splitlines()
        assert "SBS-2016-017 (212000-0999) against sbs@2.1.0: 3 parts checked, 0 requirements broken, 1 not assessed " \
               "— not fully assessed" == lines[0]
        out = json.loads(run("agreement", "check", str(self.AGREEMENTS / "valid.yaml"), "--format", "json").stdout)
        assert (False, 0, 1) == (out["compliant"], out["broken"], out["not_assessed"])  # not assessed is not compliant
        (finding,) = out["findings"]  # two quotes from one section cite it once, as the text does
        assert ("agreement", "SBS-2016-017", "contribution-limited-by-economy", "not_assessed",
                ["GP2016 2.3.3 Huvudmän och skolenheter med vitesföreläggande"]) == \
               (finding["kind"], finding["id"], finding["rule"], finding["verdict"], finding["source"])
        assert [line.split(" — ")[0] for line in lines[1:]] == ["NOT ASSESSED agreement SBS-2016-017: contribution-limited-by-economy"]
        assert "needs huvudman.type" in lines[1]

    def test_the_check_in_swedish(self, run):
        """By default the check speaks Swedish: its verdicts, the parts it names, the plurals."""
        lines = run("agreement", "check", str(self.AGREEMENTS / "valid.yaml")).stdout.splitlines()
        assert "SBS-2016-017 (212000-0999) mot sbs@2.1.0: 3 delar prövade, 0 krav ej uppfyllda, 1 ej bedömt " \
               "— inte fullständigt bedömd" == lines[0]
        assert lines[1].startswith("EJ BEDÖMT överenskommelse SBS-2016-017: contribution-limited-by-economy — Skolverkets")
        assert "(kräver huvudman.type" in lines[1]
        broken = run("agreement", "check", str(self.AGREEMENTS / "invalid" / "insats-level-missing.yaml"),
                     "--delivery", str(FIXTURES / "sample" / "delivery.yaml")).stdout.splitlines()
        assert broken[0].endswith(": 3 delar prövade, 1 krav ej uppfyllt, 1 ej bedömt — uppfyller inte kraven")
        single = run("agreement", "check", str(self.AGREEMENTS / "invalid" / "plan-not-attached.yaml")).stdout.splitlines()
        assert single[0].endswith(": 1 del prövad, 1 krav ej uppfyllt — uppfyller inte kraven")
        plan = self.AGREEMENTS / "invalid" / "plan-not-attached.yaml"
        assert f"(kind: insatser i {plan}:4:9, action_plan saknas (i {plan}:2:1); GP2016 2.5.3)" in single[1]
        level = self.AGREEMENTS / "invalid" / "insats-level-missing.yaml"
        assert "BRIST insats I2: insats-level-missing — Insatsen riktas till huvudmannanivån eller till skolnivån. " \
               f"(level saknas (i {level}:41:7); GP2016 2.4.3)" in broken

    def test_every_variant_fails_on_its_requirement(self, run):
        """Each invalid variant breaks its requirement, named with the field it concerns: exit 1."""
        assert sorted([*self.FIELDS, "plan-cost-above-estimate"]) == sorted(p.stem for p in (self.AGREEMENTS / "invalid").glob("*.yaml"))
        for variant, (rule, field) in self.FIELDS.items():
            result = run("agreement", "check", str(self.AGREEMENTS / "invalid" / f"{variant}.yaml"), "--format", "json")
            assert 1 == result.exit_code, variant
            out = json.loads(result.stdout)
            broken = {f["rule"]: f for f in out["findings"] if f["verdict"] == "non_compliant"}
            assert rule in broken, (variant, broken)
            assert field in broken[rule]["fields"], (variant, broken[rule])
            assert out["compliant"] is False

    @pytest.mark.parametrize("dates", ["", '  signed_on: ""\n  starts: ""\n'])
    def test_no_date_to_choose_the_pack(self, run, tmp_path, dates):
        """An agreement with neither signed_on nor starts (absent or empty) cannot choose the pack in force: exit 1
        naming the file and both fields, with --pack as the way out; with --pack it is checked."""
        text = (self.AGREEMENTS / "valid.yaml").read_text(encoding="utf-8")
        kept = [line for line in text.splitlines(keepends=True) if not line.startswith(("  signed_on:", "  starts:"))]
        doc = tmp_path / "ok.yaml"
        doc.write_text("".join(kept).replace("agreement:\n", "agreement:\n" + dates, 1), encoding="utf-8")
        result = CliRunner().invoke(cli, ["agreement", "check", str(doc)])
        assert 1 == result.exit_code, result.output
        assert re.search(rf"{re.escape(str(doc))}:\d+:\d+: agreement.signed_on and agreement.starts are missing", result.stderr)
        assert "--pack" in result.stderr
        named = CliRunner().invoke(cli, ["agreement", "check", str(doc), "--pack", "sbs@2.1.0", "--format", "json"])
        assert "agreement-not-signed" in {f["rule"] for f in json.loads(named.stdout)["findings"] if f["verdict"] == "non_compliant"}
        assert "not in force" not in named.stderr  # no date, so nothing to be out of force on

    def test_a_failure_names_the_documents_fields(self, run, tmp_path):
        """A broken requirement names the fields of the document it was read from, at their place and with their
        values, and the comparison with its limit the language's way, not a computed fact."""
        doc = tmp_path / "ök.yaml"
        doc.write_text((self.AGREEMENTS / "valid.yaml").read_text(encoding="utf-8").replace("  ends: 2019-05-31", "  ends: 2019-06-30"),
                       encoding="utf-8")
        sv = run("agreement", "check", str(doc)).stdout
        assert f"(starts: 2016-06-01 i {doc}:8:11, ends: 2019-06-30 i {doc}:9:9; överenskommelsens längd 3,08 år > 3; " \
               "GP2016 1.5; GP2016 2.5.1)" in sv
        out = json.loads(run("agreement", "check", str(doc), "--format", "json").stdout)
        found = next(f for f in out["findings"] if f["rule"] == "agreement-longer-than-three-years")
        assert ["agreement.duration_years"] == found["fields"]  # the fact the rule reads is kept
        assert [("agreement.ends", 9, 9, "2019-06-30")] == [(a["field"], a["line"], a["column"], a.get("value")) for a in found["at"]
                                                           if a["field"] == "agreement.ends"]
        assert ["the agreement's length 3.08 years > 3"] == found["compared"]
        late = self.AGREEMENTS / "invalid" / "insats-outside-agreement-period.yaml"
        en = run("agreement", "check", str(late), "--lang", "en").stdout
        assert f"(timeline.ends: 2019-08-31 at {late}:53:44, agreement.ends: 2019-05-31 at {late}:9:9; " \
               "the insats's last day 2019-08-31 > 2019-05-31;" in en
        costly = self.AGREEMENTS / "invalid" / "plan-cost-above-estimate.yaml"
        assert "Skolverkets sammanlagda bidrag 6 100 000 > 6 000 000" in run("agreement", "check", str(costly)).stdout

    def test_what_the_failure_lines_say_of_lists_lengths_and_order(self, run, tmp_path):
        """A short list is shown as written (`addresses: [P3]`); a length just over three years is not rounded to
        three; an insats that ends before it starts, or costs less than nothing, is refused at its place."""
        late = self.AGREEMENTS / "invalid" / "insats-not-tied-to-problem.yaml"
        assert f"(addresses: [P3] i {late}:45:18;" in run("agreement", "check", str(late)).stdout
        doc = tmp_path / "ök.yaml"
        valid = (self.AGREEMENTS / "valid.yaml").read_text(encoding="utf-8")
        doc.write_text(valid.replace("  ends: 2019-05-31", "  ends: 2019-06-01"), encoding="utf-8")
        assert "överenskommelsens längd 3,003 år > 3" in run("agreement", "check", str(doc)).stdout
        doc.write_text(valid.replace("timeline: {starts: 2016-08-15, ends: 2018-06-15}", "timeline: {starts: 2018-08-15, ends: 2016-06-15}")
                       .replace("estimated_cost_sek: 850000", "estimated_cost_sek: -5"), encoding="utf-8")
        result = CliRunner().invoke(cli, ["agreement", "check", str(doc)])
        assert 1 == result.exit_code
        assert f"{doc}:38:44: schema_bad_value: the insats ends (2016-06-15) before it starts (2018-08-15)" in result.output
        assert f"{doc}:39:27: schema_bad_value: `insats.estimated_cost_sek` is an amount in SEK and cannot be negative, " \
               "not `-5`" in result.output

    def test_a_huvudman_the_delivery_lacks_is_located_in_the_agreement(self, run, tmp_path):
        doc = tmp_path / "ök.yaml"
        doc.write_text((self.AGREEMENTS / "valid.yaml").read_text(encoding="utf-8").replace('huvudman_id: "212000-0999"', 'huvudman_id: "212000-9999"'),
                       encoding="utf-8")
        result = CliRunner().invoke(cli, ["agreement", "check", str(doc), "--delivery", str(FIXTURES / "sample" / "delivery.yaml")])
        assert 1 == result.exit_code
        assert f"{doc}:5:16: agreement.huvudman_id: the delivery" in result.stderr and "has no huvudman `212000-9999`" in result.stderr

    def test_a_misspelt_insats_type_is_refused_with_did_you_mean(self, run, tmp_path):
        """`existing_program` is no insats type: refused at its place with the value it was likely meant to be."""
        doc = tmp_path / "ök.yaml"
        doc.write_text((self.AGREEMENTS / "valid.yaml").read_text(encoding="utf-8").replace("type: existing_programme", "type: existing_program"),
                       encoding="utf-8")
        result = CliRunner().invoke(cli, ["agreement", "check", str(doc)])
        assert 1 == result.exit_code
        assert f"{doc}:26:13: schema_wrong_type: `insats.type` must be an insats type, not `existing_program`" in result.stdout + result.stderr
        assert "did you mean `existing_programme`?" in result.stdout + result.stderr

    def test_cost_above_estimate_is_flagged_not_failed(self, run):
        """A plan above 6 MSEK is flagged for review; the check passes."""
        result = run("agreement", "check", str(self.AGREEMENTS / "invalid" / "plan-cost-above-estimate.yaml"))
        assert 0 == result.exit_code
        assert "FLAGGAD överenskommelse SBS-2016-017: plan-cost-above-estimate" in result.stdout

    def test_economic_dilemma_with_the_delivery(self, run, tmp_path):
        """With the delivery, an enskild huvudman under vite gets its contribution flagged; nothing is left unassessed."""
        doc = tmp_path / "ok.yaml"
        doc.write_text((self.AGREEMENTS / "valid.yaml").read_text(encoding="utf-8").replace('huvudman_id: "212000-0999"', 'huvudman_id: "556000-1001"'), encoding="utf-8")
        result = run("agreement", "check", str(doc), "--delivery", str(FIXTURES / "sample" / "delivery.yaml"), "--lang", "en")
        assert 0 == result.exit_code
        assert "FLAG agreement SBS-2016-017: contribution-limited-by-economy — Skolverket's financial contribution" in result.stdout
        assert "NOT ASSESSED" not in result.stdout
        sv = run("agreement", "check", str(doc), "--delivery", str(FIXTURES / "sample" / "delivery.yaml")).stdout
        assert "huvudmannens skolenheter med vite 1 ≥ 1" in sv and "huvudman.units_with_fine 1" not in sv

    @pytest.mark.parametrize("old, new, rule", [
        ('pupils_heard: "Elevråden vid Lindskolan och Björkgymnasiet deltog i nulägesanalysen (april 2016)."', 'pupils_heard: "  "', "agreement-pupils-not-heard"),
        ('grounding: "Kollegialt lärande med Skolverkets moduler; forskning om formativ bedömning."', 'grounding: ""', "insats-not-grounded"),
        ('scope: "Fyra moduler under två läsår, en träff varannan vecka"', 'scope: ""', "insats-participants-or-scope-missing"),
        ('responsible: skolchef', 'responsible: " "', "insats-plan-incomplete"),
    ])
    def test_blank_text_states_nothing(self, run, tmp_path, old, new, rule):
        """An empty or blank text in the document breaks its requirement as a missing one does."""
        doc = tmp_path / "blank.yaml"
        text = (self.AGREEMENTS / "valid.yaml").read_text(encoding="utf-8")
        assert old in text
        doc.write_text(text.replace(old, new, 1), encoding="utf-8")
        result = run("agreement", "check", str(doc), "--format", "json")
        assert 1 == result.exit_code
        assert rule in {f["rule"] for f in json.loads(result.stdout)["findings"] if f["verdict"] == "non_compliant"}

    def test_an_empty_id_is_an_error(self, run, tmp_path):
        """The document's own id may not be empty: located error, exit 1, nothing checked."""
        doc = tmp_path / "noid.yaml"
        doc.write_text((self.AGREEMENTS / "valid.yaml").read_text(encoding="utf-8").replace("  id: SBS-2016-017", '  id: ""'), encoding="utf-8")
        result = run("agreement", "check", str(doc))
        assert 1 == result.exit_code and "noid.yaml:3:7: schema_bad_value: `agreement.id` is empty" in result.stderr

    def test_a_fine_on_a_unit_limits_the_contribution(self, run, tmp_path):
        """An enskild huvudman without a fine of its own, profit or dividends, whose unit had a fine: flagged."""
        import yaml

        sample = yaml.safe_load((FIXTURES / "sample" / "delivery.yaml").read_text(encoding="utf-8"))
        for h in sample["huvudman"]:
            if h["id"] == "556000-1001":
                h["injunction"] = None
                h["economy"]["profit_sek"] = 0
        delivery = tmp_path / "delivery.json"
        delivery.write_text(json.dumps(sample, default=str, ensure_ascii=False), encoding="utf-8")
        doc = tmp_path / "ok.yaml"
        doc.write_text((self.AGREEMENTS / "valid.yaml").read_text(encoding="utf-8").replace('huvudman_id: "212000-0999"', 'huvudman_id: "556000-1001"'), encoding="utf-8")
        result = run("agreement", "check", str(doc), "--delivery", str(delivery), "--lang", "en")
        assert 0 == result.exit_code, result.stderr
        assert "FLAG agreement SBS-2016-017: contribution-limited-by-economy" in result.stdout
        sample["units"] = [u for u in sample["units"] if u["id"] != "48151661"]
        delivery.write_text(json.dumps(sample, default=str, ensure_ascii=False), encoding="utf-8")
        result = run("agreement", "check", str(doc), "--delivery", str(delivery), "--lang", "en")
        assert "contribution-limited-by-economy" not in result.stdout

    def test_huvudman_not_in_delivery(self, run, tmp_path):
        """An agreement whose huvudman the delivery lacks: an error, exit 1."""
        doc = tmp_path / "ok.yaml"
        doc.write_text((self.AGREEMENTS / "valid.yaml").read_text(encoding="utf-8").replace('"212000-0999"', '"212000-0998"'), encoding="utf-8")
        result = run("agreement", "check", str(doc), "--delivery", str(FIXTURES / "sample" / "delivery.yaml"))
        assert 1 == result.exit_code
        assert "agreement.huvudman_id: the delivery" in result.stderr and "has no huvudman `212000-0998`" in result.stderr

    def test_malformed_document(self, run, tmp_path):
        """A malformed agreement: the field path and its place, exit 1."""
        doc = tmp_path / "bad.yaml"
        doc.write_text((self.AGREEMENTS / "valid.yaml").read_text(encoding="utf-8").replace("estimated_cost_sek: 850000", "estimated_cost_sek: mycket"), encoding="utf-8")
        result = run("agreement", "check", str(doc))
        assert 1 == result.exit_code
        assert "bad.yaml:39:27: schema_wrong_type: `insats.estimated_cost_sek` must be a number in SEK, not `mycket`" in result.stderr

    def test_signing_date_picks_the_pack(self, run, tmp_path):
        """An agreement signed under the 2019 assignment is checked against sbs@3.0.0."""
        doc = tmp_path / "ok.yaml"
        doc.write_text((self.AGREEMENTS / "valid.yaml").read_text(encoding="utf-8").replace("signed_on: 2016-05-30", "signed_on: 2019-09-30"), encoding="utf-8")
        result = run("agreement", "check", str(doc), "--format", "json")
        assert (0, "3.1.0") == (result.exit_code, json.loads(result.stdout)["pack"]["version"])


class TestOutputNeverOverwritesInput:
    """`--out` naming an input (also through a symlink or a hard link) is a usage error before anything is read."""

    SAMPLE = FIXTURES / "sample"

    def _copy(self, tmp_path):
        import shutil
        shutil.copytree(self.SAMPLE, tmp_path / "sample")
        return tmp_path / "sample"

    @pytest.mark.parametrize("target", ["delivery", "overrides", "csv table", "symlink", "hard link"])
    def test_refused_and_input_untouched(self, run, tmp_path, target):
        """The delivery, the overrides file and a table of a CSV delivery are never overwritten: exit 2."""
        import os
        sample = self._copy(tmp_path)
        delivery, overrides = sample / "delivery.yaml", sample / "overrides.yaml"
        args = [str(delivery)]
        out = delivery
        if target == "overrides":
            out = overrides
        elif target == "csv table":
            args, out = [str(sample / "csv")], sample / "csv" / "units.csv"
        elif target == "symlink":
            out = tmp_path / "link.jsonl"
            out.symlink_to(delivery)
        elif target == "hard link":
            out = tmp_path / "hard.jsonl"
            os.link(delivery, out)
        before = {p: p.read_bytes() for p in sample.rglob("*") if p.is_file()}
        result = run("evaluate", *args, "--overrides", str(overrides), "--out", str(out))
        assert 2 == result.exit_code, result.stderr
        assert "--out" in result.stderr and "would overwrite" in result.stderr
        assert before == {p: p.read_bytes() for p in sample.rglob("*") if p.is_file()}


class TestValidateCompilesForAnyDelivery:
    def test_a_pack_that_only_fails_with_national_averages_is_refused_by_validate(self, run, tmp_path):
        """Ratios per school form on national averages compile to many pieces only once a delivery gives the
        averages: validate compiles with every average, so the pack never fails mid-batch; it is not counted valid."""
        forms = "{grundskola: 0.9, grundsarskola: 0.9, gymnasieskola: 0.9, gymnasiesarskola: 0.9, sameskola: 0.9, specialskola: 0.9, forskola: 0.9, forskoleklass: 0.9, fritidshem: 0.9}"
        indicators = ["merit_value_y9", "grade_value_y6_swedish", "grade_value_y6_maths", "average_grade_points",
                      "share_degree_within_3y", "share_eligible_vocational_y9"]
        parts = "\n".join(f"      - {{fact: unit.results.{k}, lt: {{national_average: {k}, times: r}}}}" for k in indicators)
        (tmp_path / "p.yaml").write_text(f"""\
pack:
  id: wide
  version: 1.0.0
  format: 1
  valid_from: 2016-01-01
  title: {{sv: Bred, en: Wide}}
  sources:
    GP2016: {{title: Genomförandeplan}}
outcomes:
  unit: {{precedence: [not_eligible, manual_review, eligible], default: not_eligible, on_unknown: manual_review}}
parameters:
  r: {{unit: ratio, by_school_form: {forms}, source: GP2016 2.3.2 punkt 1}}
rules:
  - id: low
    text: {{sv: Låga resultat., en: Low results.}}
    source: GP2016 2.3.2 punkt 1
    when:
      any:
{parts}
    then: {{outcome: eligible}}
""", encoding="utf-8")
        result = run("validate", str(tmp_path / "p.yaml"))
        assert 1 == result.exit_code
        assert "compile_limit" in result.stdout and "durable rules; at most" in result.stdout
        assert "simplify the condition or split the rule" in result.stdout  # what the officer can do about it
        assert "0 valid packs" in result.stderr


class TestUnitOnlyPack:
    def test_a_pack_without_huvudman_rules_says_why_huvudmän_have_no_records(self, run, tmp_path):
        """Only units are decided, every one of them: exit 0, and the summary says why no huvudman has a record."""
        from .conftest import PACK_META

        (tmp_path / "mini.yaml").write_text(PACK_META.replace("id: demo", "id: mini").replace("2016-01-01", "2015-01-01") + """\
outcomes:
  unit: {precedence: [excluded, eligible], default: eligible, on_unknown: eligible}
rules:
  - id: state-school
    text: {sv: Statliga skolor väljs inte., en: State schools are not selected.}
    source: {doc: GP2016, section: 2.3.3, quote: Skolverkets bedömning är att statliga skolor endast i undantagsfall kan prioriteras}
    when: {fact: unit.school_form, in: [sameskola, specialskola]}
    then: {outcome: excluded}
""", encoding="utf-8")
        result = run("--rules", str(tmp_path), "evaluate", str(FIXTURES / "sample" / "delivery.yaml"), "--workers", "0")
        assert 0 == result.exit_code, result.stderr
        assert 30 == len(result.stdout.splitlines())
        assert "huvudmän: none decided: the pack mini@1.0.0 has no huvudman rules, so only units are decided" in result.stderr
        assert "input rows 30 = 30 decisions + 0 engine-error records (every row accounted for)" in result.stderr
        assert "DIFFER" not in result.stderr


class TestReportsCannotBeHijacked:
    NAME = '<script>alert(1)</script> ```x'

    @pytest.fixture
    def delivery(self, tmp_path):
        text = (FIXTURES / "sample" / "delivery.yaml").read_text(encoding="utf-8")
        assert "name: Lindskolan 7-9\n" in text
        path = tmp_path / "d.yaml"
        path.write_text(text.replace("name: Lindskolan 7-9\n", "name: '<script>alert(1)</script> ```x'\n", 1)
                        .replace("name: Lindskolan F-6\n", "name: '=HYPERLINK(\"http://x\")'\n", 1), encoding="utf-8")
        return path

    def test_markdown_escapes_html_in_names(self, run, delivery):
        """A name holding HTML is shown, never run, and cannot close the trace's code fence."""
        result = run("evaluate", str(delivery), "--format", "md", "--workers", "0")
        assert 0 == result.exit_code, result.stderr
        outside, fence = [], None
        for line in result.stdout.splitlines():  # inside a code fence, text is shown as written
            if fence is None and line.startswith("```"):
                fence = line[:len(line) - len(line.lstrip("`"))]
            elif fence is not None and line == fence:
                fence = None
            elif fence is None:
                outside.append(line)
        assert not any("<script>" in line for line in outside) and any("&lt;script&gt;" in line for line in outside)
        assert "````text" in result.stdout  # the fence outgrows the name's backticks

    def test_csv_neutralises_formulas(self, run, delivery):
        """A cell starting with `=` is written `'=`: a spreadsheet shows it instead of running it."""
        result = run("evaluate", str(delivery), "--format", "csv", "--workers", "0")
        rows = list(csv.reader(io.StringIO(result.stdout)))
        names = {r[1]: r[2] for r in rows[1:]}
        assert "'=HYPERLINK(\"http://x\")" == names["48151624"]


class TestUnknownPriorityShown:
    def test_explain_and_report_never_show_an_unknown_priority_as_sure(self, run):
        """Region Norrmark's dialogue is unknown: its priority reads `0 + okänd (…)`, in explain and in the report."""
        sample = FIXTURES / "sample"
        explained = run("explain", str(sample / "delivery.yaml"), "232100-1001")
        assert "prioritet 0 + okänt tillägg (no-ongoing-dialogue" in explained.stdout
        report = run("evaluate", str(sample / "delivery.yaml"), "--overrides", str(sample / "overrides.yaml"), "--format", "md", "--workers", "0")
        row = next(line for line in report.stdout.splitlines() if "(232100-1001)" in line and line.startswith("|"))
        assert "| 0 + okänt tillägg (no-ongoing-dialogue" in row


class TestReplayCost:
    def test_each_pack_is_compiled_once(self, run, tmp_path, monkeypatch):
        """Replaying 44 records of one pack builds one engine, not one per record (it took 14 ms a record)."""
        import engine.batch.replay as replay_module

        out = tmp_path / "r.jsonl"
        assert 0 == run("evaluate", str(FIXTURES / "sample" / "delivery.yaml"), "--out", str(out)).exit_code
        built = []
        real = replay_module.Engine
        monkeypatch.setattr(replay_module, "Engine", lambda pack, **kw: built.append(pack.ref) or real(pack, **kw))
        assert 0 == run("replay", str(out)).exit_code
        assert ["sbs@2.1.0"] == built


class TestNoPackInForce:
    def test_a_delivery_dated_before_every_pack_is_an_input_error(self, run, tmp_path):
        """A delivery of 1900: exit 1 naming the file and `delivery.date` (was a usage error, exit 2, naming neither)."""
        text = (FIXTURES / "sample" / "delivery.yaml").read_text(encoding="utf-8").replace("date: 2016-01-28", "date: 1900-01-01", 1)
        assert "1900-01-01" in text
        path = tmp_path / "old.yaml"
        path.write_text(text, encoding="utf-8")
        result = run("evaluate", str(path))
        assert 1 == result.exit_code
        assert f"{path}: delivery.date 1900-01-01: no version of `sbs` is in force on 1900-01-01" in result.stderr


class TestTimeoutOption:
    @pytest.mark.parametrize("value", ["nan", "inf"])
    def test_a_timeout_must_be_a_finite_number_of_seconds(self, run, value):
        """`--timeout nan` passed the range check and left every case unwatched: a usage error now."""
        result = run("evaluate", str(FIXTURES / "sample" / "delivery.yaml"), "--timeout", value)
        assert 2 == result.exit_code
        assert "is not a number of seconds" in result.stderr
