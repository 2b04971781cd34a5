"""Use cases the commands call: each runs durable_rules under the watchdog (`engine.workers`).

A case that hangs or crashes durable_rules costs that case, never the command: in a delivery it becomes
an engine-error record, in an agreement check an engine-error record of that part, in a pack's tests a
failed test that says so. `workers=0` runs in this process, without the watchdog (for a debugger).
"""
from __future__ import annotations

from typing import Any

from policy.model import Pack

from .agreement import Agreement, agreement_case, insats_cases
from .batch import Tasks, evaluate_delivery
from .case import Case
from .delivery import Delivery
from .overrides import Override
from .packtests import TestResult, run_tests
from .record import error_record
from .runner import ENGINE_VERSION, Engine
from .workers import WorkerPool, default_workers

TIMEOUT = 30.0  #: seconds a case may take before the watchdog stops it


def _workers(workers: int | None) -> int:
    return default_workers() if workers is None else workers


def delivery_records(pack: Pack, delivery: Delivery, overrides: list[Override] = (), workers: int | None = None,
                     timeout: float = TIMEOUT) -> list[dict]:
    """Every record of a delivery, its cases run in worker processes under the watchdog."""
    engine, n = Engine(pack), _workers(workers)
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
    engine = Engine(pack)
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
                      timeout: float = TIMEOUT) -> list[TestResult]:
    """The results of the pack's YAML tests, each test run under the watchdog (a test that hangs fails)."""
    n = _workers(workers)
    if not n or not pack.tests:
        return run_tests(pack, default_refusals=default_refusals)
    tests = list(pack.tests)

    def serve():
        engine = Engine(pack)
        return lambda i: _answer(run_tests(pack, engine, [tests[i]], default_refusals)[0])

    def stopped(i: int, code: str, message: str) -> tuple:
        return (f"engine error: {code}: {message}",), {}

    with WorkerPool(serve, stopped, min(n, len(tests)), timeout) as pool:
        return [TestResult(t, *answer) for t, answer in zip(tests, pool.run_all(list(range(len(tests)))))]


def _answer(result: TestResult) -> tuple:
    """What a worker sends back of a test's result (the test itself stays in the parent)."""
    return result.failures, result.statuses
