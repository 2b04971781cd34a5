"""`sbs backtest`: a candidate pack re-decides every logged delivery beside the decisions logged."""
from __future__ import annotations

import json
import re
import shutil
import sqlite3
import zlib

import pytest
from click.testing import CliRunner

from cli.main import cli

from .conftest import FIXTURES, RULES, SHARED

SAMPLE = FIXTURES / "sample" / "delivery.yaml"
OVERRIDES = FIXTURES / "sample" / "overrides.yaml"


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope=SHARED)
def log(tmp_path_factory):
    path = tmp_path_factory.mktemp("bt") / "decisions.sqlite"
    assert _run("evaluate", str(SAMPLE), "--overrides", str(OVERRIDES), "--log", str(path), "--workers", "0").exit_code == 0
    assert _run("evaluate", str(SAMPLE), "--pack", "sbs@2.0.0", "--log", str(path), "--workers", "0").exit_code == 0
    return path


def test_the_pack_that_decided_a_delivery_decides_it_again_the_same_way(log):
    """The delivery rebuilt from its records, the officers' overrides applied: nothing changes."""
    out = json.loads(_run("backtest", "--log", str(log), "--from", "sbs@2.1.0", "--to", "sbs@2.1.0", "--format", "json").stdout)
    assert out["total"]["changed"] == 0 and out["total"]["decisions"] == 44
    assert out["deliveries"][0]["overrides_not_applied"] == []
    assert out["total"]["proposed"]["from"] == out["total"]["proposed"]["to"]


def test_a_candidate_changes_what_diff_says_it_changes(log):
    out = json.loads(_run("backtest", "--log", str(log), "--from", "sbs@2.0.0", "--to", "sbs@3.1.0", "--format", "json").stdout)
    diff = json.loads(_run("diff", str(SAMPLE), "--from", "sbs@2.0.0", "--to", "sbs@3.1.0", "--format", "json").stdout)
    got = {(c["kind"], c["id"], c["from"], c["to"]) for c in out["deliveries"][0]["changed"]}
    assert got == {(c["kind"], c["id"], c["from"], c["to"]) for c in diff["changed"]} and got
    assert sum(n for counts in out["total"]["transitions"].values() for n in counts.values()) == len(got)
    names = {p["name"] for p in out["parameters"]}
    assert "spread_below_ratio" in names
    p = next(p for p in out["parameters"] if p["name"] == "spread_below_ratio")
    assert p["sbs@2.0.0"] is None and p["sbs@3.1.0"]["value"] == 0.9


def test_every_logged_delivery_by_default_its_last_run(log):
    out = json.loads(_run("backtest", "--log", str(log), "--to", "sbs@3.1.0", "--format", "json").stdout)
    assert [d["from"] for d in out["deliveries"]] == ["sbs@2.0.0"]


def test_text_and_html_speak_swedish(log):
    text = _run("backtest", "--log", str(log), "--from", "sbs@2.0.0", "--to", "sbs@3.1.0").stdout
    assert "Backtest av sbs@3.1.0 på 1 leverans ur beslutsloggen" in text
    assert "skolenhet: utesluten → valbar: 1" in text and "spread_below_ratio: sbs@2.0.0 saknas | sbs@3.1.0 0,9" in text
    page = _run("backtest", "--log", str(log), "--from", "sbs@2.0.0", "--to", "sbs@3.1.0", "--format", "html").stdout
    assert page.startswith("<!DOCTYPE html>") and '<section id="backtest">' in page and 'id="unit-48151721"' in page


def test_nothing_to_backtest_is_said(log):
    result = CliRunner().invoke(cli, ["backtest", "--log", str(log), "--from", "sbs@1.1.0", "--to", "sbs@3.1.0"])
    assert result.exit_code == 1 and "no logged run matches --from sbs@1.1.0" in result.output


def test_the_swedish_backtest_is_swedish(log):
    """A change the round made is named in Swedish, and officers' overrides are the handläggare's decisions."""
    text = _run("backtest", "--log", str(log), "--from", "sbs@2.0.0", "--to", "sbs@2.1.0").stdout
    assert "(the round)" not in text and "omgången" in text
    html_text = _run("backtest", "--log", str(log), "--from", "sbs@2.0.0", "--to", "sbs@2.1.0", "--format", "html").stdout
    assert "(the round)" not in html_text and "omgången" in html_text
    english = _run("backtest", "--log", str(log), "--from", "sbs@2.0.0", "--to", "sbs@2.1.0", "--lang", "en").stdout
    assert "(the round)" in english
    from engine.views.proofs import _BT
    assert "officer" not in _BT["sv"]["dropped"] and "handläggar" in _BT["sv"]["dropped"]


def test_a_logged_delivery_that_cannot_be_rebuilt_is_an_error_naming_the_log_the_run_and_the_field(log, tmp_path):
    """A log edited by hand (or damaged) is refused with the record and the field, exit 1, never a traceback."""
    damaged = tmp_path / "damaged.sqlite"
    shutil.copy(log, damaged)
    db = sqlite3.connect(damaged)
    run_id, seq, blob = db.execute("SELECT run_id, seq, record FROM records WHERE case_id = '48151623' "
                                   "ORDER BY rowid DESC LIMIT 1").fetchone()
    record = json.loads(zlib.decompress(blob))
    record["input"]["facts"]["unit.pupils"] = "många"
    db.execute("UPDATE records SET record = ? WHERE run_id = ? AND seq = ?",
               (zlib.compress(json.dumps(record, ensure_ascii=False).encode()), run_id, seq))
    db.commit()
    db.close()
    result = CliRunner().invoke(cli, ["backtest", "--log", str(damaged), "--to", "sbs@2.1.0", "--workers", "0"])
    assert result.exit_code == 1 and not isinstance(result.exception, ValueError), result.output
    assert str(damaged) in result.output and f"run {run_id}" in result.output
    assert "SI-2016-1 cannot be rebuilt" in result.output
    assert "unit 48151623: `unit.pupils` must be a number" in result.output


def test_a_candidate_without_an_overridden_rule_lists_the_overrides_it_cannot_apply(log, tmp_path):
    """A draft that renames `small-unit` and raises its threshold for grundskola: the handläggare's set-aside
    of `small-unit` cannot apply and is listed; the parameter is shown per school form, both sides."""
    draft = tmp_path / "draft"
    shutil.copytree(RULES / "sbs-2016-2.1", draft)
    for path in [*draft.glob("rules/*.yaml"), *draft.glob("tests/*.yaml")]:
        path.write_text(re.sub(r"\bsmall-unit\b", "small-unit-2", path.read_text(encoding="utf-8")), encoding="utf-8")
    pack = (draft / "pack.yaml").read_text(encoding="utf-8")
    edited = pack.replace("  version: 2.1.0\n", "  version: 2.1.1-draft\n").replace("      grundskola: 50\n", "      grundskola: 60\n")
    assert edited.count("2.1.1-draft") == 1 and "grundskola: 60" in edited
    (draft / "pack.yaml").write_text(edited, encoding="utf-8")
    args = ["--draft", str(draft), "backtest", "--log", str(log), "--from", "sbs@2.1.0", "--to", "sbs@2.1.1-draft", "--workers", "0"]
    sv = _run(*args).stdout
    assert "  handläggarnas beslut som inte kan tillämpas (regeln saknas i sbs@2.1.1-draft): 48151725 small-unit\n" in sv
    assert ("  small_unit_pupils: sbs@2.1.0 grundsarskola 10, grundskola 50, gymnasiesarskola 10, gymnasieskola 50"
            " | sbs@2.1.1-draft grundsarskola 10, grundskola 60, gymnasiesarskola 10, gymnasieskola 50\n") in sv
    en = _run(*args, "--lang", "en").stdout
    assert "  officers' overrides that cannot apply (the rule is not in sbs@2.1.1-draft): 48151725 small-unit\n" in en
    out = json.loads(_run(*args, "--format", "json").stdout)
    assert [{"target": "48151725", "rule": "small-unit"}] == [
        {k: o[k] for k in ("target", "rule")} for o in out["deliveries"][0]["overrides_not_applied"]]


def test_a_page_with_no_change_says_so(log):
    page = _run("backtest", "--log", str(log), "--from", "sbs@2.1.0", "--to", "sbs@2.1.0", "--format", "html").stdout
    assert "<p>inga beslut ändras; föreslagna huvudmän: " in page
    changed = _run("backtest", "--log", str(log), "--from", "sbs@2.0.0", "--to", "sbs@3.1.0", "--format", "html").stdout
    assert re.search(r"<p>[1-9][0-9]* av 44 beslut ändras; föreslagna huvudmän: ", changed)
