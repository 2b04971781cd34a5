"""The decision log: every run of `sbs evaluate --log FILE`, kept in an SQLite database (the standard
library's `sqlite3`), so a decision can be found, explained and replayed without the delivery at hand.

A run is one transaction: its delivery (id, date, source, sha256 of the files read), its pack (id,
version, sha256, and the pack's canonical form, stored once per hash, so the rule texts and sources are
in the log), the overrides applied, and every record as the run wrote it (its JSON line, compressed, with
the columns a search needs: kind, id, huvudman, outcome, rank, input sha256, and each rule's status).
A run that fails, or a process killed while it runs, leaves the log as it was (WAL journal, one
transaction). The start time of a run is kept in the run's row, outside every record.

The schema is versioned (`PRAGMA user_version`); `MIGRATIONS` takes an older log to the current version
in one transaction when it is opened.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import uuid
import zlib
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import orjson

from policy.canonical import canonical, canonical_bytes
from policy.model import Pack


def _script(db: sqlite3.Connection, sql: str) -> None:
    """Statements one by one (`executescript` would commit the migration's transaction half-way)."""
    for statement in sql.split(";"):
        if statement.strip():
            db.execute(statement)


def _v1(db: sqlite3.Connection) -> None:
    _script(db, """
        CREATE TABLE deliveries (
            sha256 TEXT PRIMARY KEY,             -- of the files read, in order
            delivery_id TEXT NOT NULL, date TEXT NOT NULL, source TEXT, path TEXT);
        CREATE TABLE packs (
            sha256 TEXT PRIMARY KEY, id TEXT NOT NULL, version TEXT NOT NULL,
            canonical TEXT NOT NULL);            -- the pack's canonical form: texts, sources, parameters
        CREATE TABLE runs (
            run_id TEXT PRIMARY KEY, started TEXT NOT NULL, engine_version TEXT NOT NULL, command TEXT NOT NULL,
            delivery TEXT NOT NULL REFERENCES deliveries(sha256), pack TEXT NOT NULL REFERENCES packs(sha256),
            overrides TEXT NOT NULL);            -- JSON list of the overrides applied
        CREATE TABLE records (
            run_id TEXT NOT NULL REFERENCES runs(run_id), seq INTEGER NOT NULL,
            kind TEXT NOT NULL, case_id TEXT NOT NULL, huvudman_id TEXT, outcome TEXT, rank INTEGER,
            input_sha256 TEXT, record BLOB NOT NULL,  -- the JSON line as written, zlib-compressed
            PRIMARY KEY (run_id, seq));
        CREATE INDEX records_case ON records(case_id);
        CREATE INDEX records_huvudman ON records(huvudman_id);
        CREATE INDEX records_outcome ON records(outcome);
        CREATE INDEX runs_delivery ON runs(delivery);
        CREATE INDEX runs_pack ON runs(pack);
    """)


def _v2(db: sqlite3.Connection) -> None:
    """Each record's rule statuses, for `sbs log query --rule R --status S` (filled in for older records)."""
    db.execute("ALTER TABLE records ADD COLUMN statuses TEXT")
    rows = db.execute("SELECT run_id, seq, record FROM records").fetchall()
    for run_id, seq, blob in rows:
        db.execute("UPDATE records SET statuses = ? WHERE run_id = ? AND seq = ?",
                   (_statuses(orjson.loads(zlib.decompress(blob))), run_id, seq))


#: Each version of the schema and how to reach it from the one before.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_v1, _v2)
SCHEMA_VERSION = len(MIGRATIONS)


class LogError(Exception):
    """The log cannot be used: not a decision log, or written by a newer sbs."""


def _statuses(record: dict) -> str:
    return json.dumps({e["rule"]: e["status"] for e in record.get("trace", ())}, separators=(",", ":"))


def files_sha256(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


class DecisionLog:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.migrate()
        except sqlite3.DatabaseError as e:
            raise LogError(f"{self.path} is not a decision log ({e})") from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "DecisionLog":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def migrate(self, to: int = SCHEMA_VERSION) -> None:
        """Take the log to version `to`, each step in the same transaction as the version it sets."""
        at = self.version
        if at > SCHEMA_VERSION:
            raise LogError(f"{self.path} is a decision log of schema {at}, written by a newer sbs (this one reads {SCHEMA_VERSION})")
        if at >= to:
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for step in MIGRATIONS[at:to]:
                step(self.db)
            self.db.execute(f"PRAGMA user_version = {int(to)}")
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    # --- writing a run ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def run(self, delivery: Any, files: list[Path], pack: Pack, overrides: list, command: str,
            engine_version: str) -> Iterator[Callable[[bytes], None]]:
        """A run of `sbs evaluate`: the context gives a function that logs each record's JSON line; the run is
        committed when the context ends normally, and rolled back otherwise (nothing of it is kept)."""
        run_id = uuid.uuid4().hex
        started = datetime.now(timezone.utc).isoformat(timespec="seconds")
        sha = files_sha256(files)
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute("INSERT OR IGNORE INTO deliveries VALUES (?, ?, ?, ?, ?)",
                            (sha, delivery.id, delivery.date, delivery.header.get("source"), str(delivery.path)))
            self.db.execute("INSERT OR IGNORE INTO packs VALUES (?, ?, ?, ?)",
                            (pack.sha256, pack.meta.id, pack.meta.version, canonical_bytes(canonical(pack)).decode("utf-8")))
            self.db.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (run_id, started, engine_version, command, sha, pack.sha256,
                             json.dumps([o.to_json() for o in overrides], ensure_ascii=False)))
            seq = 0

            def add(line: bytes) -> None:
                nonlocal seq
                r = orjson.loads(line)
                seq += 1
                self.db.execute("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                (run_id, seq, r["kind"], r["id"], r.get("huvudman_id") if r["kind"] == "unit" else r["id"],
                                 r.get("outcome"), r.get("rank"), r.get("input_sha256"), zlib.compress(line, 1),
                                 _statuses(r)))

            add.run_id = run_id  # type: ignore[attr-defined]
            yield add
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    # --- reading -----------------------------------------------------------------------------------

    def runs(self) -> list[dict]:
        rows = self.db.execute("""
            SELECT r.run_id, r.started, r.engine_version, r.command, d.delivery_id, d.date, d.sha256, p.id, p.version,
                   p.sha256, (SELECT COUNT(*) FROM records x WHERE x.run_id = r.run_id)
            FROM runs r JOIN deliveries d ON d.sha256 = r.delivery JOIN packs p ON p.sha256 = r.pack
            ORDER BY r.started, r.rowid""").fetchall()
        keys = ("run", "started", "engine_version", "command", "delivery", "delivery_date", "delivery_sha256",
                "pack_id", "pack_version", "pack_sha256", "records")
        return [dict(zip(keys, row)) for row in rows]

    def _select(self, where: str, args: tuple, columns: str = "") -> list[tuple]:
        return self.db.execute(f"""
            SELECT x.run_id, x.seq, x.kind, x.case_id, x.huvudman_id, x.outcome, x.rank, d.delivery_id, d.date,
                   p.id, p.version, r.started{columns}
            FROM records x JOIN runs r ON r.run_id = x.run_id JOIN deliveries d ON d.sha256 = r.delivery
                 JOIN packs p ON p.sha256 = r.pack
            WHERE {where} ORDER BY r.started, r.rowid, x.seq""", args).fetchall()

    @staticmethod
    def _row(row: tuple) -> dict:
        keys = ("run", "seq", "kind", "id", "huvudman_id", "outcome", "rank", "delivery", "delivery_date", "pack_id",
                "pack_version", "started")
        return dict(zip(keys, row))

    def history(self, case_id: str) -> list[dict]:
        """Every logged decision about a unit or a huvudman, oldest run first."""
        return [self._row(r) for r in self._select("x.case_id = ?", (case_id,))]

    def record(self, case_id: str, delivery: str | None = None, run: str | None = None) -> dict | None:
        """The last logged record of a unit or huvudman (of a delivery, or of a run)."""
        where, args = "x.case_id = ?", [case_id]
        if delivery is not None:
            where, args = where + " AND d.delivery_id = ?", [*args, delivery]
        if run is not None:
            where, args = where + " AND x.run_id LIKE ?", [*args, run + "%"]
        rows = self._select(where, tuple(args), ", x.record")
        return orjson.loads(zlib.decompress(rows[-1][-1])) if rows else None

    def query(self, rule: str | None = None, status: str | None = None, outcome: str | None = None,
              kind: str | None = None, delivery: str | None = None, run: str | None = None) -> list[dict]:
        """Logged decisions by a rule's status, an outcome, a kind, a delivery or a run."""
        where, args = ["1"], []
        if rule is not None:
            where.append("json_extract(x.statuses, ?) IS NOT NULL" if status is None else "json_extract(x.statuses, ?) = ?")
            args += [f'$."{rule}"'] + ([status] if status is not None else [])
        elif status is not None:
            where.append("EXISTS (SELECT 1 FROM json_each(x.statuses) WHERE value = ?)")
            args.append(status)
        for column, value in (("x.outcome", outcome), ("x.kind", kind), ("d.delivery_id", delivery)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        if run is not None:
            where.append("x.run_id LIKE ?")
            args.append(run + "%")
        return [self._row(r) for r in self._select(" AND ".join(where), tuple(args))]

    def lines(self, run: str) -> Iterator[tuple[str, int, bytes]]:
        """Every logged record's JSON line of a run (its id or a prefix of it), as the run wrote it."""
        for run_id, seq, blob in self.db.execute("SELECT run_id, seq, record FROM records WHERE run_id LIKE ? ORDER BY rowid",
                                                 (run + "%",)):
            yield run_id, seq, zlib.decompress(blob)

    def pack_canonical(self, sha256: str) -> dict | None:
        row = self.db.execute("SELECT canonical FROM packs WHERE sha256 = ?", (sha256,)).fetchone()
        return json.loads(row[0]) if row else None
