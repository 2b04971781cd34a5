"""Use cases the commands call: each runs durable_rules under the watchdog (`engine.batch.workers`).

A case that hangs or crashes durable_rules costs that case, never the command: in a delivery it becomes
an engine-error record, in an agreement check an engine-error record of that part, in a pack's tests a
failed test that says so. `workers=0` runs in this process, without the watchdog (for a debugger).
"""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, Callable

import attrs

from policy.model import Pack

from . import messages as M
from .batch.mutation import MutationRun
from .batch.packtests import TestResult, run_tests
from .batch.tasks import Encoded, Tasks, evaluate_delivery, record_of
from .batch.workers import WorkerPool, default_workers
from .core.record import dumpb, error_record
from .core.runner import ENGINE_VERSION, Engine
from .inputs.agreement import Agreement, agreement_case, insats_cases
from .inputs.case import Case
from .inputs.delivery import Delivery
from .inputs.overrides import Override
from .views.letters import CHANGES_UP_TO, Letters
from .views.meeting import MeetingReport, write_pages
from .views.workbook import Workbook
from .views.render import CSV_COLUMNS, ReportBuilder, Summary, csv_line, csv_row, markdown_parts

TIMEOUT = 30.0  #: seconds a case may take before the watchdog stops it


def _workers(workers: int | None) -> int:
    """The number of worker processes: one per core unless given (0: this process, without the watchdog)."""
    return default_workers() if workers is None else workers


@attrs.frozen
class Run:
    """What evaluating a delivery gave: the counts, the rows the pack decides, the workers used and the
    cases the watchdog stopped. `complete`: every row gave a decision (no engine-error record)."""

    summary: Summary
    rows: int
    workers: int
    incidents: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.summary.errors and self.summary.records == self.rows


def write_delivery(pack: Pack, delivery: Delivery, overrides: list[Override], write: Callable[[str | bytes], None],
                   fmt: str = "jsonl", lang: str = "sv", workers: int | None = None, timeout: float = TIMEOUT,
                   progress: Callable[[int], None] | None = None, log: Callable[[bytes], None] | None = None,
                   pages: Path | None = None, not_in_force: dict | None = None) -> Run:
    """Evaluate a delivery and write its records as `fmt` (jsonl, json, csv, xlsx, md, html) through `write`;
    `log` is given each record's JSON line too (the decision log), whatever the format. The HTML report is
    one page through `write`, or with `pages` an `index.html` and a page per huvudman under that directory.

    Records stream: a worker's JSON line goes to `write` as it comes, and the reports gather their tables
    as records pass (`ReportBuilder`), so memory does not grow with the delivery.
    """
    decides_huvudman = "huvudman" in {r.scope for r in pack.rules}
    summary = Summary(None if decides_huvudman else f"the pack {pack.ref} has no huvudman rules, so only units are decided",
                      not_in_force)
    rows = len(delivery.units) + (len(delivery.huvudman) if decides_huvudman else 0)  # every row the pack decides
    engine, n = Engine(pack, needed=True), _workers(workers)
    builder = ReportBuilder(lang) if fmt == "md" else None  # the report's tables; traces spill to a file
    if builder is not None:
        builder.summary.not_in_force = not_in_force
    meeting = MeetingReport(lang, pack, paged=pages is not None) if fmt == "html" else None
    letters = Letters(pack, lang, changes=rows <= CHANGES_UP_TO) if fmt == "letters" else None
    book = Workbook(lang) if fmt == "xlsx" else None
    pool = WorkerPool.for_delivery(engine, delivery, overrides, n, timeout, encode=True) if n else None
    with pool or contextlib.nullcontext():
        for i, answer in enumerate(evaluate_delivery(engine, delivery, overrides, pool.run_all if pool else None)):
            if progress is not None:
                progress(1)
            if isinstance(answer, Encoded):  # a worker's record, its JSON line written there
                summary.count(answer.kind, answer.outcome)
                line = answer.line
            else:
                summary.add(answer)
                line = dumpb(answer) if fmt in ("jsonl", "json") or log is not None else b""
            if log is not None:
                log(line)
            if fmt == "jsonl":
                write(line + b"\n")
            elif fmt == "json":
                write((b"[\n" if i == 0 else b",\n") + line)
            elif fmt == "csv":
                write(csv_line(CSV_COLUMNS) * (i == 0) + csv_line(csv_row(record_of(answer))))
            else:
                (builder or meeting or letters or book).add(record_of(answer))
    title = M.words(lang)["title"].format(id=delivery.id, date=delivery.date)
    if fmt == "json":
        write("\n]\n" if summary.records else "[]\n")
    elif builder is not None:
        for part in markdown_parts(builder.model(title)):
            write(part)
    elif meeting is not None:
        write_pages(meeting, title, summary.lines(summary.records, lang), write, pages)
    elif letters is not None:
        letters.write(pages)
    elif book is not None:
        book.write(delivery.id, str(delivery.date), summary.lines(rows, lang), write)
    return Run(summary, rows, n, tuple(pool.incidents) if pool else ())


def delivery_records(pack: Pack, delivery: Delivery, overrides: list[Override] = (), workers: int | None = None,
                     timeout: float = TIMEOUT) -> list[dict]:
    """Every record of a delivery, its cases run in worker processes under the watchdog."""
    engine, n = Engine(pack, needed=True), _workers(workers)
    if not n:
        return list(evaluate_delivery(engine, delivery, overrides))
    with WorkerPool.for_delivery(engine, delivery, overrides, n, timeout) as pool:
        return list(evaluate_delivery(engine, delivery, overrides, pool.run_all))


def case_record(pack: Pack, delivery: Delivery, overrides: list[Override], case_id: str, workers: int | None = None,
                timeout: float = TIMEOUT) -> dict:
    """The record of one unit or huvudman of a delivery, as the whole batch would give it.

    A unit's record needs only its own case and, where its rules look at them, cases of its huvudman's
    units (one sharing its buildings; the underlag units an added unit is selected through), which its task
    decides itself: the rest of the delivery is not evaluated. A huvudman's record needs its place in the
    round, so every case is.
    """
    kind = delivery.targets()[case_id]
    if kind == "huvudman":
        return next(r for r in delivery_records(pack, delivery, overrides, workers, timeout) if r["id"] == case_id)
    task = ("unit", next(i for i, u in enumerate(delivery.units) if u["id"] == case_id))
    engine = Engine(pack, needed=True)
    if not _workers(workers):
        return Tasks(engine, delivery, overrides).run(task)
    with WorkerPool.for_delivery(engine, delivery, overrides, 1, timeout) as pool:
        return pool.map([task])[0]


def agreement_records(pack: Pack, doc: Agreement, facts: dict[str, Any], workers: int | None = None,
                      timeout: float = TIMEOUT) -> list[dict]:
    """The records of an agreement and of each of its insatser, each part run under the watchdog.

    One worker is enough: an agreement has a few parts, and compiling the pack costs more than deciding them.
    """
    engine = Engine(pack)
    cases = [agreement_case(doc, facts), *insats_cases(doc, facts)]
    if not _workers(workers):
        return [engine.evaluate(c) for c in cases]

    def stopped(case: Case, code: str, message: str) -> dict:
        return error_record(engine.prepare(case.scope, case.averages)[0], case, code, message, None, ENGINE_VERSION)

    with WorkerPool(lambda: Engine(pack).evaluate, stopped, 1, timeout) as pool:
        return pool.map(cases)


def pack_test_results(pack: Pack, default_refusals: bool = False, workers: int | None = None,
                      timeout: float = TIMEOUT, cases: list | None = None) -> list[TestResult]:
    """The results of the pack's YAML tests (or of `cases`, some of them), each test run under the watchdog
    (a test that hangs fails)."""
    n = _workers(workers)
    tests = list(pack.tests if cases is None else cases)
    if not n or not tests:
        return run_tests(pack, cases=tests, default_refusals=default_refusals)

    def serve():
        engine = Engine(pack)
        return lambda i: _answer(run_tests(pack, engine, [tests[i]], default_refusals)[0])

    def stopped(i: int, code: str, message: str) -> tuple:
        return (f"engine error: {code}: {message}",), {}, None, None, (tests[i].loc,), ()

    with WorkerPool(serve, stopped, min(n, len(tests)), timeout) as pool:
        return [TestResult(t, *answer) for t, answer in zip(tests, pool.run_all(list(range(len(tests)))))]


class TestsFail(ValueError):
    """A pack whose own tests fail cannot be mutated: a mutant would be "killed" by a test that fails anyway."""

    __test__ = False  # not a pytest class


def mutate_pack(pack: Pack, default_refusals: bool = False, workers: int | None = None, suggest: bool = False) -> "MutationRun":
    """`sbs test --mutate` of one pack: its tests must pass (`TestsFail` says how many do not), then every mutant."""
    from .batch.mutation import run_mutation
    failing = [r for r in pack_test_results(pack, default_refusals=default_refusals, workers=workers) if not r.passed]
    if failing:
        raise TestsFail(f"{pack.ref}: {len(failing)} of its tests fail; mutation needs every test to pass (run `sbs test`)")
    return run_mutation(pack, default_refusals=default_refusals, workers=_workers(workers), suggest=suggest)


def _answer(result: TestResult) -> tuple:
    """What a worker sends back of a test's result (the test itself stays in the parent)."""
    return result.failures, result.statuses, result.outcome, result.decision, result.where, result.rules
