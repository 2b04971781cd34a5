"""Run the YAML tests written beside a pack, on the engine, and report each failure and the rules exercised."""
from __future__ import annotations

from typing import Iterable

import attrs

from policy import facts as F
from policy.model import Pack, TestCase

from .agreement import case_from_facts
from .case import aggregates, huvudman_case, unit_case, unit_summary
from .runner import Engine


@attrs.frozen
class TestResult:
    """One YAML test: passed or not, what differed, and the rule statuses it saw."""

    __test__ = False  # not a pytest class

    case: TestCase
    failures: tuple[str, ...]
    statuses: dict

    @property
    def passed(self) -> bool:
        return not self.failures


def _check(case: TestCase, record: dict) -> TestResult:
    statuses = {e["rule"]: e["status"] for e in record["trace"]}
    failures = []
    if "error" in record:
        failures.append(f"engine error: {record['error']['message']}")
    e = case.expect
    if e.outcome is not None and record["outcome"] != e.outcome:
        failures.append(f"outcome is {record['outcome']}, expected {e.outcome}")
    for wanted, rules in (("fired", e.fired), ("not_fired", e.not_fired), ("unknown", e.unknown)):
        for rule in rules:
            if statuses.get(rule) != wanted:
                failures.append(f"rule {rule} is {statuses.get(rule)}, expected {wanted}")
    return TestResult(case, tuple(failures), statuses)


def _unit_case(facts: dict):
    """A unit case from test facts, which may state the context the rest of a delivery would give."""
    unit = dict(facts.get("unit") or {})
    context = {f"unit.{k}": unit.pop(k) for k in list(unit) if F.FIELDS.get(f"unit.{k}") and F.FIELDS[f"unit.{k}"].context}
    return unit_case({**facts, "unit": unit}, context=context)


def run_tests(pack: Pack, engine: Engine | None = None, cases: Iterable[TestCase] | None = None) -> list[TestResult]:
    """Evaluate each test case of the pack (unit and huvudman scopes) and compare with its expectation."""
    engine = engine or Engine(pack)
    out = []
    for case in cases if cases is not None else pack.tests:
        facts = case.facts
        if case.scope == "unit":
            record = engine.evaluate(_unit_case(facts))
        elif case.scope == "huvudman":
            shared = {k: facts[k] for k in ("huvudman", "delivery", "national_averages") if k in facts}
            units = [_unit_case({**shared, "unit": u}) for u in facts.get("units", [])]
            records = [engine.evaluate(u) for u in units] if "unit" in engine.scopes else []
            record = engine.evaluate(huvudman_case(facts, aggregates([unit_summary(r) for r in records])))
        else:
            record = engine.evaluate(case_from_facts(case.scope, facts))
        out.append(_check(case, record))
    return out


def coverage(pack: Pack, results: list[TestResult]) -> dict[str, set[str]]:
    """For each rule of the pack, the statuses the tests saw it in (a rule no test reached has none)."""
    seen: dict[str, set[str]] = {r.id: set() for r in pack.rules}
    for r in results:
        for rule, status in r.statuses.items():
            seen.setdefault(rule, set()).add(status)
    return seen
