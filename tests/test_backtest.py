"""`sbs backtest`: a candidate pack re-decides every logged delivery beside the decisions logged."""
from __future__ import annotations

import json
import shutil
import sqlite3
import zlib

import pytest
from click.testing import CliRunner

from cli.main import cli

from .conftest import FIXTURES

SAMPLE = FIXTURES / "sample" / "delivery.yaml"
OVERRIDES = FIXTURES / "sample" / "overrides.yaml"


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
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
