"""The officer's and the analyst's day (issue 15): packs chosen by date, drafts beside the shipped packs."""
from __future__ import annotations

import json
import re

from click.testing import CliRunner

from cli.main import cli

from .conftest import FIXTURES

SAMPLE = FIXTURES / "sample" / "delivery.yaml"


def _run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_a_pack_id_without_a_version_is_the_version_in_force_on_the_delivery_date():
    """`--pack sbs` on a delivery of 2016-01-28 is sbs@2.1.0 (it took the newest, sbs@3.1.0)."""
    result = _run("evaluate", str(SAMPLE), "--pack", "sbs", "--workers", "0")
    assert result.exit_code == 0
    first = json.loads(result.stdout.splitlines()[0])
    assert (first["pack"]["id"], first["pack"]["version"]) == ("sbs", "2.1.0")
    assert "evaluated with sbs@2.1.0" in result.stderr


def test_an_explicit_version_not_in_force_runs_with_a_warning():
    result = _run("evaluate", str(SAMPLE), "--pack", "sbs@3.1.0", "--workers", "0")
    assert result.exit_code == 0
    assert json.loads(result.stdout.splitlines()[0])["pack"]["version"] == "3.1.0"
    assert "warning: sbs@3.1.0 is not in force on 2016-01-28 (valid from 2019-07-01); the pack in force is sbs@2.1.0" in result.stderr


def test_a_pack_id_with_no_version_in_force_is_an_error_naming_the_date():
    result = _run("evaluate", str(SAMPLE), "--pack", "nope", "--workers", "0")
    assert result.exit_code == 2 and "no pack `nope`" in result.output


def test_the_reports_summary_says_the_pack_is_not_in_force():
    md = _run("evaluate", str(SAMPLE), "--pack", "sbs@2.0.0", "--format", "md", "--workers", "0").stdout
    assert "- varning: regelpaketet sbs@2.0.0 är ersatt av sbs@2.1.0; det gällande den 2016-01-28 är sbs@2.1.0" in md
    page = _run("evaluate", str(SAMPLE), "--pack", "sbs@3.1.0", "--format", "html", "--workers", "0").stdout
    assert "varning: regelpaketet sbs@3.1.0 gäller inte leveransens datum 2016-01-28; det gällande är sbs@2.1.0" in page


import os  # noqa: E402
import shutil  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from .conftest import RULES  # noqa: E402


def _utkast(tmp_path, change=lambda text: text):
    """sbs@2.1.0 copied as the draft `utkast` (no `replaces:` or `supersedes:`, which name versions of `sbs`),
    its pack.yaml changed by `change`."""
    path = tmp_path / "utkast"
    shutil.copytree(RULES / "sbs-2016-2.1", path)
    pack = path / "pack.yaml"
    lines = [line for line in pack.read_text(encoding="utf-8").splitlines(keepends=True)
             if not line.startswith(("  replaces:", "  supersedes:"))]
    pack.write_text(change("".join(lines).replace("  id: sbs\n", "  id: utkast\n")), encoding="utf-8")
    return path


@pytest.fixture()
def draft(tmp_path):
    """sbs@2.1.0 copied as the draft `utkast`, the small-unit threshold of grundskolor moved from 50 to 40."""
    return _utkast(tmp_path, lambda text: text.replace("      grundskola: 50\n", "      grundskola: 40\n"))


def test_a_draft_is_loaded_beside_the_shipped_packs_and_never_chosen_by_date(draft):
    listed = json.loads(_run("packs", "--draft", str(draft), "--format", "json").stdout)
    assert {(p["id"], p["version"], p["draft"]) for p in listed} >= {("utkast", "2.1.0", True), ("sbs", "2.1.0", False)}
    result = _run("--draft", str(draft), "evaluate", str(SAMPLE), "--workers", "0")
    assert result.exit_code == 0 and json.loads(result.stdout.splitlines()[0])["pack"]["id"] == "sbs"
    named = _run("evaluate", str(SAMPLE), "--draft", str(draft), "--pack", "utkast@2.1.0", "--workers", "0")
    assert named.exit_code == 0 and json.loads(named.stdout.splitlines()[0])["pack"]["id"] == "utkast"
    assert "warning" not in named.stderr, "a draft is named on purpose"


def test_diff_compare_and_test_take_a_draft(draft):
    diff = _run("diff", str(SAMPLE), "--from", "sbs@2.1.0", "--to", "utkast@2.1.0", "--draft", str(draft), "--format", "json")
    assert diff.exit_code == 0 and json.loads(diff.stdout)["to"]["id"] == "utkast"
    compare = _run("compare", "sbs@2.1.0", "utkast@2.1.0", "--draft", str(draft), "--scope", "unit", "--format", "json")
    assert compare.exit_code == 0 and json.loads(compare.stdout)["equivalent"] is False
    tested = _run("test", "--draft", str(draft))
    assert "utkast@2.1.0:" in tested.stdout and "sbs@2.1.0:" in tested.stdout


def test_a_yaml_syntax_error_is_one_error_with_its_line_a_caret_and_a_hint(tmp_path):
    """A tab in one rule file of a pack: one error there, with the line and a caret and the plain hint; no
    `ref_unknown_*` or `param_unused` from the files that read what the broken file defines."""
    pack = tmp_path / "p"
    shutil.copytree(RULES / "sbs-2019-3.1", pack)
    f = pack / "rules" / "20-criteria.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("  - id: low-results-y6\n", "  - id: low-results-y6\n\tbad: tab\n", 1),
                 encoding="utf-8")
    result = _run("validate", str(pack))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert [line for line in lines if ": yaml_syntax: " in line] and not [line for line in lines if "ref_unknown" in line or "param_unused" in line]
    assert "YAML indents with spaces, not tabs" in result.stdout
    assert "47 | →bad: tab" in result.stdout and result.stdout.rstrip().endswith("^")


def test_a_dedent_error_says_where_the_block_began(tmp_path):
    path = tmp_path / "pack.yaml"
    path.write_text("pack:\n  id: x\n  version: 1.0.0\n   format: 1\n", encoding="utf-8")
    result = _run("validate", str(path))
    assert result.exit_code == 1 and ": yaml_syntax: " in result.stdout and "^" in result.stdout


def test_a_pack_given_through_a_pipe_is_read_not_a_traceback(tmp_path):
    import subprocess
    import sys

    from .conftest import ROOT
    result = subprocess.run([sys.executable, "-m", "cli.main", "validate", "/dev/stdin"], input="pack: x\n",
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1 and "Traceback" not in result.stderr and "/dev/stdin" in result.stdout


@pytest.fixture()
def failing_pack(tmp_path):
    """sbs@3.1.0 with one test whose expectations are wrong: its outcome and one rule's status."""
    pack = tmp_path / "p"
    shutil.copytree(RULES / "sbs-2019-3.1", pack)
    (pack / "tests" / "wrong.yaml").write_text(
        "tests:\n"
        "  - name: a small grundskola is eligible (wrong on purpose)\n"
        "    facts:\n"
        "      unit: {school_form: grundskola, grades: 7-9, pupils: 20, in_underlag: true}\n"
        "      huvudman: {in_newcomer_programme: false}\n"
        "    expect:\n"
        "      outcome: eligible\n"
        "      not_fired:\n"
        "        - small-unit\n", encoding="utf-8")
    return pack


def test_a_failure_is_located_at_the_expectation_that_failed_and_v_shows_the_comparisons(failing_pack):
    result = _run("test", str(failing_pack / "tests" / "wrong.yaml"), "-v")
    assert result.exit_code == 1
    assert "tests/wrong.yaml:7:16: FAIL a small grundskola is eligible (wrong on purpose): outcome is manual_review, expected eligible" in result.stdout
    assert "tests/wrong.yaml:9:11: FAIL a small grundskola is eligible (wrong on purpose): rule small-unit is fired, expected not_fired" in result.stdout
    assert "    small-unit: unit.pupils 20 < small_unit_pupils 50: true" in result.stdout
    shipped = _run("test", str(RULES / "sbs-2019-3.1")).stdout.split(": ", 1)[1].split(" tests")[0]
    assert f"1 of {int(shipped) + 1} tests, 0 passed, 1 failed" in result.stdout, "a test file runs its own tests only"


def test_k_filters_by_name_and_junit_is_written(failing_pack, tmp_path):
    junit = tmp_path / "junit.xml"
    result = _run("test", str(failing_pack), "-k", "SMALL GRUNDSKOLA", "--junit", str(junit))
    assert result.exit_code == 1 and re.search(r": 1 of \d+ tests", result.stdout)
    import xml.etree.ElementTree as ET
    root = ET.parse(junit).getroot()
    [suite] = root.findall("testsuite")
    assert suite.get("tests") == "1" and suite.get("failures") == "1"
    failure = suite.find("testcase/failure")
    assert failure is not None and "outcome is manual_review, expected eligible" in failure.get("message")


@pytest.mark.parametrize("name, form", [("records.jsonl", "jsonl"), ("records.json", "json")])
def test_explain_renders_a_stored_record_without_evaluating_it(tmp_path, name, form):
    """A stored record, in JSON Lines or in the JSON array `--format json` writes, is explained as it was stored."""
    records = tmp_path / name
    records.write_text(_run("evaluate", str(SAMPLE), "--format", form, "--workers", "0").stdout, encoding="utf-8")
    stored = _run("explain", str(records), "48151711")
    assert stored.exit_code == 0 and stored.stdout == _run("explain", str(SAMPLE), "48151711").stdout
    assert "the stored record of unit 48151711, made with sbs@2.1.0, not evaluated again" in stored.stderr
    missing = _run("explain", str(records), "48150000")
    assert missing.exit_code == 1 and "holds no record of `48150000`" in missing.output


def test_replay_reads_the_json_array_evaluate_writes(tmp_path):
    records = tmp_path / "records.json"
    records.write_text(_run("evaluate", str(SAMPLE), "--format", "json", "--workers", "0").stdout, encoding="utf-8")
    result = _run("replay", str(records))
    assert result.exit_code == 0 and "44 lines, 44 reproduced, 0 did not" in result.stderr


def test_an_id_that_lost_its_leading_zero_in_a_table_gets_a_hint_about_excel(tmp_path):
    """A skolenhetskod of 7 digits in units.csv: the hint names Excel and the code with its zero, not YAML quotes."""
    table = tmp_path / "csv"
    shutil.copytree(FIXTURES / "sample" / "csv", table)
    units = table / "units.csv"
    lines = units.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].replace("48151623", "4815162", 1)
    units.write_text("".join(lines), encoding="utf-8")
    result = _run("evaluate", str(table), "--workers", "0")
    assert result.exit_code == 1
    assert "Excel drops leading zeros: `4815162` may be `04815162`" in result.output and "quotes" not in result.output


def _table_with(tmp_path, change):
    import csv as csv_module
    table = tmp_path / "csv"
    shutil.copytree(FIXTURES / "sample" / "csv", table)
    rows = list(csv_module.reader((table / "units.csv").open(encoding="utf-8")))
    rows = change(rows)
    with (table / "units.csv").open("w", encoding="utf-8", newline="") as f:
        csv_module.writer(f).writerows(rows)
    return table


def test_an_unknown_column_is_one_error_at_the_header_with_did_you_mean(tmp_path):
    table = _table_with(tmp_path, lambda rows: [rows[0][:5] + ["pupil"] + rows[0][6:], *rows[1:]] if rows[0][5] == "pupils"
                        else [[("pupil" if c == "pupils" else c) for c in rows[0]], *rows[1:]])
    result = _run("evaluate", str(table), "--workers", "0")
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if ": delivery_unknown_column: " in line]
    assert len(errors) == 1 and ":1:" in errors[0] and "column `pupil` is not a field of a unit" in errors[0]
    assert "did you mean `pupils`?" in result.output
    assert "schema_unknown_key" not in result.output, "not one error per row"


def test_a_missing_column_is_a_warning_and_its_facts_unknown_with_the_reason(tmp_path):
    def drop(rows):
        i = rows[0].index("pupils")
        return [r[:i] + r[i + 1:] for r in rows]
    table = _table_with(tmp_path, drop)
    result = _run("evaluate", str(table), "--workers", "0")
    assert ("warning: delivery_missing_column: units.csv has no column for `pupils`: for every unit it is unknown "
            "(column missing)\n    hint: add the columns, empty where the delivery does not say\n") in result.stderr
    assert result.stderr.count("delivery_missing_column") == 1
    record = next(json.loads(line) for line in result.stdout.splitlines() if '"id":"48151725"' in line)
    assert {"fact": "unit.pupils", "reason": "column missing"} in record["missing"]


# --- sbs fmt ----------------------------------------------------------------------------------------

MESSY = '''# a comment the officer wrote
rules:
  - when: {fact: unit.pupils, lt: {param: small_unit_pupils}}   # inline, kept
    then: {outcome: excluded}
    source: {quote: "Små enheter", section: "2.3.2", doc: GP2016}
    text:
        en: A small unit.
        sv: "En liten enhet."
    id: small-unit
'''


@pytest.fixture()
def messy(tmp_path):
    """sbs@2.1.0 copied as `utkast`, with one rule file written in no order, over-indented and over-quoted."""
    path = _utkast(tmp_path)
    (path / "rules" / "99-messy.yaml").write_text(MESSY.replace("small-unit", "messy-small-unit"), encoding="utf-8")
    return path


def test_fmt_lays_out_a_pack_without_changing_its_hash(messy):
    """Keys in the format's order, two spaces a level, quotes only where YAML needs them; comments stay; the
    pack's sha256 is the same before and after; a second run changes nothing."""
    before = json.loads(_run("validate", str(messy), "--format", "json").stdout)["packs"][0]["sha256"]
    check = _run("fmt", str(messy), "--check")
    assert 1 == check.exit_code
    assert [line for line in check.stderr.splitlines() if line.startswith("would reformat ")] == \
        [f"would reformat {Path(os.path.relpath(messy / 'rules' / '99-messy.yaml'))}"]
    assert (messy / "rules" / "99-messy.yaml").read_text(encoding="utf-8").startswith("# a comment")  # --check writes nothing
    assert 0 == _run("fmt", str(messy)).exit_code
    text = (messy / "rules" / "99-messy.yaml").read_text(encoding="utf-8")
    assert text == '''# a comment the officer wrote
rules:
  - id: messy-small-unit
    text:
      sv: En liten enhet.
      en: A small unit.
    source: {doc: GP2016, section: 2.3.2, quote: Små enheter}
    when: {fact: unit.pupils, lt: {param: small_unit_pupils}}   # inline, kept
    then: {outcome: excluded}
'''
    after = json.loads(_run("validate", str(messy), "--format", "json").stdout)["packs"][0]["sha256"]
    assert before == after
    again = _run("fmt", str(messy), "--check")
    assert 0 == again.exit_code and "0 files would be reformatted" in again.stderr


def test_fmt_orders_what_a_rule_does_outcome_first(messy):
    """A rule that both decides and gives a priority reads `then: {outcome: …, priority: …}` once laid out."""
    (messy / "rules" / "98-both.yaml").write_text(
        "rules:\n  - id: both\n    scope: huvudman\n    text: {sv: Prioritet., en: Priority.}\n"
        "    source: GP2016 2.3.2 punkt 1\n    when: {fact: huvudman.ongoing_sbs_dialogue, eq: false}\n"
        "    then: {priority: 5, outcome: proposed}\n", encoding="utf-8")
    assert 0 == _run("fmt", str(messy)).exit_code
    assert "    then: {outcome: proposed, priority: 5}\n" in (messy / "rules" / "98-both.yaml").read_text(encoding="utf-8")


def test_fmt_diff_shows_the_change(messy):
    out = _run("fmt", str(messy), "--check", "--diff").stdout
    assert "-    id: messy-small-unit\n" in out and "+  - id: messy-small-unit\n" in out


def test_fmt_never_changes_a_value(messy, monkeypatch):
    """If the layout would read back as another value, the file is left as it is and the error names it."""
    import policy.fmt as fmt
    monkeypatch.setattr(fmt, "format_text", lambda text: text.replace("En liten enhet.", "En stor enhet."))
    result = _run("fmt", str(messy))
    assert 1 == result.exit_code
    assert f"{Path(os.path.relpath(messy / 'rules' / '99-messy.yaml'))}:8:13: fmt_changes_meaning: the canonical layout would read " \
        "`rules[0].text.sv` ('En liten enhet.' as 'En stor enhet.') otherwise" in result.stderr
    assert "En liten enhet." in (messy / "rules" / "99-messy.yaml").read_text(encoding="utf-8")


def test_fmt_never_changes_the_packs_hash(messy, monkeypatch):
    """Each file reads back as it was, yet the pack as a whole would hash otherwise: nothing is rewritten and
    the error gives both hashes as `sbs validate` shows them (12 hex digits)."""
    import policy.fmt as fmt
    before = json.loads(_run("validate", str(messy), "--format", "json").stdout)["packs"][0]["sha256"]
    monkeypatch.setattr(fmt, "hash_after", lambda pack_dir, out: "f" * 64)
    result = _run("fmt", str(messy))
    assert 1 == result.exit_code
    assert (f"fmt_changes_meaning: the canonical layout would change the pack (sha256 {before[:12]}… would become "
            "ffffffffffff…); nothing is rewritten") in result.stderr
    assert (messy / "rules" / "99-messy.yaml").read_text(encoding="utf-8").startswith("# a comment")


def test_the_shipped_packs_are_in_the_canonical_layout():
    """CI's check: every shipped pack's files are as `sbs fmt` writes them."""
    result = _run("fmt", "--check")
    assert 0 == result.exit_code, result.stderr


def test_counts_take_the_singular_for_one():
    """`1 decision`, `1 engine-error record`, `1 of 1 decision changes`: never `1 decisions`."""
    from engine.views.proofs import _BT, _changed  # noqa: PLC0415
    from engine.views.render import Summary  # noqa: PLC0415
    one = Summary()
    one.count("unit", "eligible")
    assert "input rows 1 = 1 decision + 0 engine-error records (every row accounted for)" == one.lines(1)[-1]
    one.count("unit", None)
    assert one.lines(2)[-1].startswith("input rows 2 = 1 decision + 1 engine-error record (")
    assert "indatarader 2 = 1 beslut + 1 post med motorfel" in one.lines(2, "sv")[-1]
    en = _BT["en"]
    assert ["1 of 1 decision changes", "1 of 44 decisions changes", "3 of 44 decisions change"] == \
        [_changed(en, 1, 1), _changed(en, 1, 44), _changed(en, 3, 44)]


def test_a_pack_file_in_another_encoding_is_located_at_its_first_foreign_byte(tmp_path):
    """A rule file saved as Windows-1252: the error names its line and column, and what the byte likely is."""
    path = tmp_path / "enc"
    shutil.copytree(RULES / "sbs-2016-2.1", path)
    rules = path / "rules" / "20-criteria.yaml"
    text = rules.read_text(encoding="utf-8")
    rules.write_bytes(text.encode("cp1252", errors="replace"))
    first = next(i for i, ch in enumerate(text) if ord(ch) > 127)
    line = text.count("\n", 0, first) + 1
    col = first - (text.rfind("\n", 0, first) + 1) + 1
    result = _run("validate", str(path))
    assert 1 == result.exit_code
    assert f"20-criteria.yaml:{line}:{col}: file_encoding: byte 0x{text[first].encode('cp1252')[0]:02X} " \
           f"(`{text[first]}` in Windows-1252) is not UTF-8" in result.stdout


def test_fmt_diff_writes_nothing(messy):
    before = (messy / "rules" / "99-messy.yaml").read_text(encoding="utf-8")
    result = _run("fmt", str(messy), "--diff")
    assert 0 == result.exit_code and "would reformat" in result.stderr
    assert before == (messy / "rules" / "99-messy.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("comment, gap", [("# the doc", ""), ("# --- the next section", ""), ("# --- the next section", "\n")])
def test_fmt_never_drops_or_moves_a_comment(messy, comment, gap):
    """A comment the layout would lose or carry into another rule: the file is left as it is, the comment named.
    A blank line between a comment and what it heads does not part them."""
    path = messy / "rules" / "98-comments.yaml"
    src = MESSY.replace("small-unit", "commented") if "section" in comment else MESSY.replace("small-unit", "commented").replace(
        "    source: {quote: \"Små enheter\", section: \"2.3.2\", doc: GP2016}\n",
        "    source:\n      quote: Små enheter\n      section: 2.3.2\n      doc:\n        # the doc\n        GP2016\n")
    if "section" in comment:
        src = src + "\n  # --- the next section\n" + gap + MESSY.split("rules:\n", 1)[1].replace("small-unit", "commented-2")
    path.write_text(src, encoding="utf-8")
    result = _run("fmt", str(messy))
    assert 1 == result.exit_code
    assert f"fmt_changes_meaning: the canonical layout would move or drop the comment `{comment}`" in result.stderr
    assert src == path.read_text(encoding="utf-8")


def test_fmt_keeps_quotes_yaml_11_needs(messy):
    """`'yes'` and `'1:20'` stay quoted: a YAML 1.1 reader (PyYAML, editors) would read a boolean and a number."""
    path = messy / "rules" / "99-messy.yaml"
    path.write_text(MESSY.replace("small-unit", "messy-small-unit").replace('quote: "Små enheter"', "quote: 'yes'")
                    .replace('section: "2.3.2"', "section: '1:20'"), encoding="utf-8")
    assert 0 == _run("fmt", str(messy)).exit_code
    assert "source: {doc: GP2016, section: '1:20', quote: 'yes'}" in path.read_text(encoding="utf-8")


def test_fmt_rewrites_a_linked_file_where_it_is(messy, tmp_path):
    """A pack file that is a link to a file elsewhere: laid out in place, the link kept, no traceback."""
    outside = tmp_path / "elsewhere.yaml"
    (messy / "rules" / "99-messy.yaml").rename(outside)
    (messy / "rules" / "99-messy.yaml").symlink_to(outside)
    result = _run("fmt", str(messy))
    assert 0 == result.exit_code, result.output
    assert (messy / "rules" / "99-messy.yaml").is_symlink()
    assert outside.read_text(encoding="utf-8").startswith("# a comment the officer wrote\nrules:\n  - id: messy-small-unit\n")


def test_a_tab_inside_a_line_is_not_called_indentation():
    from policy.yamlsafe import syntax_hint
    assert syntax_hint("a:\n  b: [x,\ty]\n", 2, 9, "found character '\\t' that cannot start any token").startswith(
        "a tab inside the line: YAML allows a tab only inside quotes")
    assert syntax_hint("a:\n\tb: 1\n", 2, 1, "found character '\\t' that cannot start any token").startswith(
        "YAML indents with spaces, not tabs")


def test_a_file_of_comments_is_said_to_hold_only_comments(tmp_path):
    from policy import Diagnostics
    from policy.yamlsafe import load_file
    path = tmp_path / "only.yaml"
    path.write_text("# nothing yet\n", encoding="utf-8")
    diags = Diagnostics()
    assert load_file(str(path), diags) is None
    assert [("file_empty", "the file holds nothing but comments")] == [(d.code, d.message) for d in diags.errors]


def test_one_missing_column_is_it(tmp_path):
    from .test_tables import _dir
    from engine.inputs.delivery import read_delivery
    from policy import Diagnostics
    diags = Diagnostics()
    columns = "id;name;huvudman_id;school_form;grades;pupils;in_underlag;injunction.fine;injunction.critical_factors;" \
              "injunction.supervision_concluded;injunction.decided;ska_deficiencies;same_building_as;results.merit_value_y9;" \
              "results.share_eligible_vocational_y9;results.share_passed_all_subjects_y9;results.grade_value_y6_swedish;" \
              "results.grade_value_y6_maths;results.share_passed_national_test_y3_swedish;results.share_passed_national_test_y3_maths;" \
              "results.share_degree_within_3y;results.average_grade_points;socioeconomics.share_parents_post_secondary;" \
              "socioeconomics.share_foreign_background"
    read_delivery(_dir(tmp_path, columns + "\n" + "48151623;x;212000-0999" + ";" * (columns.count(";") - 2) + "\n"), diags)
    assert any("has no column for `socioeconomics.share_newly_arrived`: for every unit it is unknown" in w.message for w in diags.warnings)


def test_fmt_orders_a_source_and_a_parameters_texts_and_citation(tmp_path):
    """In pack.yaml: a source's `reference` before its `title`, a parameter's `en` before `sv` and its citation's
    `quote` before `doc`; each is put in the format's order."""
    def mess(text):
        text = text.replace(
            "      title: Redovisning av genomförandeplan för uppdrag om samverkan för bästa skola samt redovisning av hur arbetet genomförts hittills\n"
            "      reference: Skolverket 2016-03-15, Dnr 2015:778 (U2015/3357/S)\n",
            "      reference: Skolverket 2016-03-15, Dnr 2015:778 (U2015/3357/S)\n"
            "      title: Redovisning av genomförandeplan för uppdrag om samverkan för bästa skola samt redovisning av hur arbetet genomförts hittills\n")
        return text.replace(
            "    text:\n      sv: Färre elever än så räknas som en mycket liten skolenhet.\n"
            "      en: Fewer pupils than this counts as a very small school unit.\n",
            "    text:\n      en: Fewer pupils than this counts as a very small school unit.\n"
            "      sv: Färre elever än så räknas som en mycket liten skolenhet.\n")
    path = _utkast(tmp_path, mess)
    canonical = _utkast(tmp_path / "c")
    assert (path / "pack.yaml").read_text(encoding="utf-8") != (canonical / "pack.yaml").read_text(encoding="utf-8")
    assert 0 == _run("fmt", str(path)).exit_code
    assert (path / "pack.yaml").read_text(encoding="utf-8") == (canonical / "pack.yaml").read_text(encoding="utf-8")


def test_fmt_refuses_a_layout_that_does_not_read_at_all(messy, monkeypatch):
    """A layout the YAML reader cannot read is a change of the whole file: refused, the file left as it is."""
    import policy.fmt as fmt
    monkeypatch.setattr(fmt, "format_text", lambda text: text + "  broken: [\n")
    result = _run("fmt", str(messy))
    assert 1 == result.exit_code
    assert f"{Path(os.path.relpath(messy / 'rules' / '99-messy.yaml'))}: fmt_changes_meaning: the canonical layout would read " \
        "the file otherwise" in result.stderr
    assert (messy / "rules" / "99-messy.yaml").read_text(encoding="utf-8").startswith("# a comment the officer wrote\nrules:\n  - when:")


def test_fmt_lays_out_a_file_in_a_folder_of_a_folder(messy):
    """A pack may keep its rules in folders within folders; the check of the hash reads the same tree."""
    deep = messy / "rules" / "more" / "deeper"
    deep.mkdir(parents=True)
    (messy / "rules" / "99-messy.yaml").rename(deep / "99-messy.yaml")
    result = _run("fmt", str(messy))
    assert 0 == result.exit_code, result.output
    assert (deep / "99-messy.yaml").read_text(encoding="utf-8").startswith("# a comment the officer wrote\nrules:\n  - id: messy-small-unit\n")


@pytest.mark.parametrize("line, at", [
    ("# top", 0), ("a: b # c", 5), ("a: x\t# c", 5), ("a: b#c", None),
    ("a: 'x # y' # z", 11), ('a: "x # y"', None), ("- 'q # r'", None), ('a: ["x # y", z] # k', 16),
    ("a: it's # c", 8), ("a: x'y # c", 7), ("a: x' # c", 6),  # an apostrophe inside a plain text opens no quote
])
def test_fmt_finds_a_comment_where_yaml_does(line, at):
    """`fmt` keeps every comment: it finds one where YAML does (after a space, outside quotes; an apostrophe in
    a plain text is no quote)."""
    import policy.fmt as fmt
    assert at == fmt._comment_at(line)


def test_fmt_names_no_hash_for_a_layout_that_does_not_load(messy):
    """The pack read back with a file that no longer loads has no hash: `hash_after` says so (None), and the
    pack's files are left as they are."""
    import policy.fmt as fmt
    rules = messy / "rules" / "99-messy.yaml"
    broken = fmt.Formatted(rules, rules.read_text(encoding="utf-8"), "rules: [\n")
    assert fmt.hash_after(messy, [broken]) is None
    assert rules.read_text(encoding="utf-8") == broken.before
    assert fmt.hash_after(messy, []) == json.loads(_run("validate", str(messy), "--format", "json").stdout)["packs"][0]["sha256"]
