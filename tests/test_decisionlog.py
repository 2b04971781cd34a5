"""The decision log: runs appended in one transaction, searched and explained from the log alone, replayed."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zlib

import pytest
from click.testing import CliRunner

from cli.main import cli
from engine.batch.decisionlog import MIGRATIONS, SCHEMA_VERSION, DecisionLog, LogError

from .conftest import FIXTURES, ROOT, SHARED

SAMPLE = FIXTURES / "sample" / "delivery.yaml"


def _run(*args: str, **kw):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, **kw)


@pytest.fixture(scope=SHARED)
def logged(tmp_path_factory):
    path = tmp_path_factory.mktemp("log") / "decisions.sqlite"
    assert _run("evaluate", str(SAMPLE), "--log", str(path), "--workers", "0", "--format", "md").exit_code == 0
    assert _run("evaluate", str(SAMPLE), "--log", str(path), "--workers", "0", "--pack", "sbs@2.0.0").exit_code == 0
    return path


def test_a_run_is_logged_with_its_delivery_pack_and_every_record(logged):
    with DecisionLog(logged) as log:
        runs = log.runs()
        assert [(r["pack_version"], r["records"], r["delivery"]) for r in runs] == [("2.1.0", 44, "SI-2016-1"), ("2.0.0", 44, "SI-2016-1")]
        assert runs[0]["delivery_sha256"] == runs[1]["delivery_sha256"]
        canonical = log.pack_canonical(runs[0]["pack_sha256"])
        assert any(r["id"] == "small-unit" and r["source"] for r in canonical["rules"]), "rule texts and sources are in the log"
        assert log.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_show_explains_a_stored_decision_as_explain_did(logged):
    shown = _run("log", "show", "48151711", "--log", str(logged), "--delivery", "SI-2016-1").stdout
    assert "sbs@2.0.0" in shown, "the last logged decision by default"
    first = json.loads(_run("log", "runs", "--log", str(logged), "--format", "json").stdout)[0]["run"]
    from_log = _run("log", "show", "48151711", "--log", str(logged), "--run", first[:8]).stdout
    assert from_log == _run("explain", str(SAMPLE), "48151711").stdout
    assert _run("log", "show", "48151711", "--log", str(logged), "--run", first, "--lang", "en").stdout == \
        _run("explain", str(SAMPLE), "48151711", "--lang", "en").stdout


def test_history_lists_every_decision_about_a_unit(logged, monkeypatch):
    monkeypatch.setenv("SBS_LOG", str(logged))
    rows = json.loads(_run("log", "history", "48151711", "--format", "json").stdout)
    assert [(r["pack_version"], r["outcome"]) for r in rows] == [("2.1.0", "not_eligible"), ("2.0.0", "not_eligible")]
    with_hyphen = _run("log", "history", "212000-1041").stdout
    assert with_hyphen.count("huvudman") == 2
    assert _run("log", "history", "2120001041").stdout == with_hyphen, "an organisation number without its hyphen"


def test_query_by_rule_status_and_outcome(logged):
    rows = json.loads(_run("log", "query", "--log", str(logged), "--rule", "small-unit", "--status", "fired",
                           "--format", "json").stdout)
    assert {r["id"] for r in rows} == {"48151632", "48151725", "48151742"} and len(rows) == 6
    eligible = json.loads(_run("log", "query", "--log", str(logged), "--outcome", "eligible", "--kind", "unit",
                               "--format", "json").stdout)
    assert eligible and all(r["outcome"] == "eligible" and r["kind"] == "unit" for r in eligible)
    csv_text = _run("log", "query", "--log", str(logged), "--outcome", "proposed", "--format", "csv").stdout
    assert csv_text.splitlines()[0] == "started,run,delivery,kind,id,huvudman_id,outcome,rank,pack_id,pack_version"


def test_query_each_filter_alone(logged):
    """Each filter of `log query` selects exactly the logged records it names, read back from the records."""
    with DecisionLog(logged) as log:
        runs = [r["run"] for r in log.runs()]
        stored = [(run, json.loads(line)) for each in runs for run, _, line in log.lines(each)]

        def ids(rows):
            return sorted((r["run"], r["id"]) for r in rows)

        def expected(keep):
            return sorted((run, r["id"]) for run, r in stored if keep(run, r))

        def statuses(r):
            return {e["rule"]: e["status"] for e in r.get("trace", [])}

        assert ids(log.query(rule="small-unit")) == expected(lambda run, r: "small-unit" in statuses(r))
        assert ids(log.query(status="overridden")) == expected(lambda run, r: "overridden" in statuses(r).values())
        assert {i for _, i in ids(log.query(status="overridden"))} == {"48151624", "212000-1041"}  # by an exception (no officer here)
        assert ids(log.query(run=runs[1][:8])) == expected(lambda run, r: run == runs[1])
        assert 44 == len(log.query(run=runs[1][:8]))
        assert ids(log.query(delivery="SI-2016-1", kind="huvudman")) == expected(lambda run, r: r["kind"] == "huvudman")
        assert [] == log.query(delivery="SI-2099-1")


def test_replay_from_the_log(logged):
    result = _run("replay", "--log", str(logged))
    assert result.exit_code == 0 and "88 records, 88 reproduced, 0 did not" in result.stderr


def test_replay_from_the_log_reports_a_record_changed_in_it(logged, tmp_path):
    path = tmp_path / "changed.sqlite"
    src = sqlite3.connect(logged)
    src.backup(dst := sqlite3.connect(path))
    src.close()
    raw = json.loads(zlib.decompress(dst.execute("SELECT record FROM records WHERE case_id = '48151711'").fetchone()[0]))
    raw["outcome"] = "eligible"
    dst.execute("UPDATE records SET record = ? WHERE case_id = '48151711'", (zlib.compress(json.dumps(raw).encode()),))
    dst.commit()
    dst.close()
    result = CliRunner().invoke(cli, ["replay", "--log", str(path)])
    assert result.exit_code == 1 and "unit 48151711: outcome differs: recorded eligible, replayed not_eligible" in result.output


def test_an_older_log_is_migrated_and_its_records_found_by_rule(logged, tmp_path):
    """A log of schema 1 (no rule statuses) opens at the current schema, its records searchable by rule."""
    path = tmp_path / "v1.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    MIGRATIONS[0](db)
    db.execute("PRAGMA user_version = 1")
    with DecisionLog(logged) as current:
        run = current.runs()[0]
        for table, key in (("deliveries", run["delivery_sha256"]), ("packs", run["pack_sha256"])):
            row = current.db.execute(f"SELECT * FROM {table} WHERE sha256 = ?", (key,)).fetchone()
            db.execute(f"INSERT INTO {table} VALUES ({','.join('?' * len(row))})", row)
        row = current.db.execute("SELECT * FROM runs WHERE run_id = ?", (run["run"],)).fetchone()
        db.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?)", row)
        for rec in current.db.execute("SELECT run_id, seq, kind, case_id, huvudman_id, outcome, rank, input_sha256, record "
                                      "FROM records WHERE run_id = ?", (run["run"],)):
            db.execute("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rec)
    db.close()
    with DecisionLog(path) as log:
        assert log.version == SCHEMA_VERSION == 2
        assert {r["id"] for r in log.query(rule="small-unit", status="fired")} == {"48151632", "48151725", "48151742"}


def test_a_log_of_a_newer_schema_or_another_file_is_refused(tmp_path):
    newer = tmp_path / "newer.sqlite"
    sqlite3.connect(newer).execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(LogError, match="newer sbs"):
        DecisionLog(newer)
    junk = tmp_path / "junk.sqlite"
    junk.write_text("not a database\n" * 100)
    result = CliRunner().invoke(cli, ["log", "runs", "--log", str(junk)])
    assert result.exit_code == 1 and "is not a decision log" in result.output


def test_an_unknown_unit_is_not_found(logged):
    result = CliRunner().invoke(cli, ["log", "show", "48151712x", "--log", str(logged)])
    assert result.exit_code == 1 and "no decision about `48151712x`" in result.output and "48151712" in result.output


@pytest.mark.slow
def test_a_run_killed_midway_leaves_the_log_as_it_was(tmp_path, logged):
    """SIGKILL while a 3,000-unit run writes its records: the log holds the runs before it, intact."""
    from bench.register import register
    path = tmp_path / "log.sqlite"
    src = sqlite3.connect(logged)
    src.backup(dst := sqlite3.connect(path))
    src.close()
    dst.close()
    delivery = tmp_path / "big.json"
    delivery.write_text(json.dumps(register(3000, 500)), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "evaluate", str(delivery), "--log", str(path),
                             "--out", str(tmp_path / "r.jsonl")], cwd=ROOT, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    wal = path.with_name(path.name + "-wal")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not wal.exists() or wal.stat().st_size < 2_000_000):
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with DecisionLog(path) as log:
        assert log.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert [r["records"] for r in log.runs()] == [44, 44]
        assert log.db.execute("SELECT COUNT(*) FROM records").fetchone()[0] == 88


def test_a_run_records_the_delivery_by_the_sha256_of_its_bytes_and_rows_say_what_they_are(logged):
    """The delivery is identified by the sha256 of its files' bytes (anyone can recompute it with sha256sum);
    each row of a history or query names its delivery, its date and when the run started."""
    import hashlib

    with DecisionLog(logged) as log:
        assert hashlib.sha256(SAMPLE.read_bytes()).hexdigest() == log.runs()[0]["delivery_sha256"]
        row = log.history("48151711")[0]
        assert ("SI-2016-1", "2016-01-28") == (row["delivery"], row["delivery_date"])
        assert row["started"] == log.runs()[0]["started"]
