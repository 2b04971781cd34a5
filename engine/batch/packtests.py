"""Run the YAML tests written beside a pack, on the engine, and report each failure and the rules exercised."""
from __future__ import annotations

from typing import Iterable

import attrs

from policy import facts as F
from policy.model import Pack, TestCase

from ..core.results import Decision
from ..core.runner import Engine
from ..inputs.agreement import case_from_facts
from ..inputs.case import (
    Aggregated,
    aggregates,
    delivery_summary,
    eligible_underlag,
    huvudman_case,
    sibling_context,
    unit_case,
    unit_summary,
)


@attrs.frozen
class TestResult:
    """One YAML test: passed or not, what differed, and the rule statuses it saw."""

    __test__ = False  # not a pytest class

    case: TestCase
    failures: tuple[str, ...]
    statuses: dict
    outcome: str | None = None  #: what the engine decided
    decision: Decision | None = attrs.field(default=None, eq=False, repr=False)
    #: where each failure's expectation is written (the test's own place for a failure of the whole case)
    where: tuple = attrs.field(default=(), eq=False, repr=False)
    #: the rules whose expectation failed
    rules: tuple[str, ...] = attrs.field(default=(), eq=False, repr=False)

    @property
    def passed(self) -> bool:
        return not self.failures


#: Outcomes that refuse a case: each must be given by a rule that names the reason and its source.
REFUSALS = ("not_eligible", "not_proposed", "excluded", "non_compliant")


def _check(case: TestCase, record: "dict | Decision", default_refusals: bool = False) -> TestResult:
    d = Decision.of(record)
    statuses = d.statuses()
    e = case.expect
    where = dict(e.where)
    failures, places, rules_failed = [], [], []
    if d.error:
        failures.append(f"engine error: {d.error['message']}")
        places.append(case.loc)
    if not default_refusals and d.outcome in REFUSALS and not d.decided_by and not d.forced:
        failures.append(f"refused by the default outcome: no rule gives `{d.outcome}` here, so the record "
                        "names no reason; add a rule that does, with its source")
        places.append(where.get("outcome", case.loc))
    if e.outcome is not None and d.outcome != e.outcome:
        failures.append(f"outcome is {d.outcome}, expected {e.outcome}")
        places.append(where.get("outcome", case.loc))
    if e.priority is not None:
        got = "unknown" if d.priority_unknown else d.priority
        if not (got == e.priority or (e.priority != "unknown" and isinstance(got, (int, float)) and float(got) == float(e.priority))):
            failures.append(f"priority is {got}, expected {e.priority}")
            places.append(where.get("priority", case.loc))
    for wanted, rules in (("fired", e.fired), ("not_fired", e.not_fired), ("unknown", e.unknown)):
        for rule in rules:
            if statuses.get(rule) != wanted:
                failures.append(f"rule {rule} is {statuses.get(rule)}, expected {wanted}")
                places.append(where.get(f"{wanted}:{rule}", case.loc))
                rules_failed.append(rule)
    return TestResult(case, tuple(failures), statuses, d.outcome, d, tuple(places), tuple(rules_failed))


def stated(context: dict | None) -> Aggregated:
    """A test's `context`: values (`null`: unknown) and bounds of counts (`{at_least, at_most}`)."""
    values, bounds = {}, {}
    for path, v in (context or {}).items():
        if isinstance(v, dict):
            bounds[path] = (v["at_least"], v["at_most"])
        else:
            values[path] = v
    return Aggregated(values, bounds)


def _override(agg: Aggregated, top: Aggregated) -> Aggregated:
    """`agg` with every count `top` states replaced by what `top` says of it."""
    said = set(top.values) | set(top.bounds)
    def keep(d: dict) -> dict:
        return {p: v for p, v in d.items() if p not in said}
    return Aggregated({**keep(agg.values), **top.values}, {**keep(agg.bounds), **top.bounds},
                      keep(agg.members), keep(agg.unknown))


def _unit_case(facts: dict, siblings: Aggregated | None = None):
    """A unit case from test facts, which may state the context the rest of a delivery would give.

    In a huvudman test, `siblings` are the counts over the units it lists (what its delivery would give);
    a unit's own statement of them wins, and the test's `context` over both.
    """
    unit = dict(facts.get("unit") or {})
    context = {f"unit.{k}": unit.pop(k) for k in list(unit) if F.FIELDS.get(f"unit.{k}") and F.FIELDS[f"unit.{k}"].context}
    told = _override(stated(context), stated(facts.get("context")))
    agg = _override(siblings or Aggregated({}), told)
    rest = {k: v for k, v in facts.items() if k != "context"}
    return unit_case({**rest, "unit": unit}, agg.unknown, agg.values, agg.bounds, agg.members)


def _unit_records(engine: Engine, shared: dict, listed: list[dict], siblings: Aggregated) -> list[dict]:
    """The records of a huvudman test's units, as a delivery would decide them: the units outside the
    underlag told which of the underlag units are eligible on their own."""
    records = [engine.evaluate(_unit_case({**shared, "unit": u}, siblings)) if u.get("in_underlag") is not False else None
               for u in listed]
    own = eligible_underlag([{"id": u["id"], "outcome": r["outcome"], "in_underlag": u.get("in_underlag")}
                             for u, r in zip(listed, records) if r is not None])
    added = Aggregated({**siblings.values, **own.values}, {**siblings.bounds, **own.bounds},
                       {**siblings.members, **own.members}, {**siblings.unknown, **own.unknown})
    return [r if r is not None else engine.evaluate(_unit_case({**shared, "unit": u}, added)) for u, r in zip(listed, records)]


def run_tests(pack: Pack, engine: Engine | None = None, cases: Iterable[TestCase] | None = None,
              default_refusals: bool = False) -> list[TestResult]:
    """Evaluate each test case of the pack (unit and huvudman scopes) and compare with its expectation.

    A test whose case is refused by the default outcome (no rule names the reason) fails, unless
    `default_refusals` allows it (a replaced version, kept as it was for replay).
    """
    engine = engine or Engine(pack)
    out = []
    for case in cases if cases is not None else pack.tests:
        facts = case.facts
        if case.scope == "unit":
            record = engine.evaluate(_unit_case(facts))
        elif case.scope == "huvudman":
            shared = {k: facts[k] for k in ("huvudman", "delivery", "national_averages") if k in facts}
            listed = [{**u, "id": u.get("id") or f"{i + 1:08d}"} for i, u in enumerate(facts.get("units", []))]
            siblings = sibling_context([delivery_summary(u) for u in listed])
            records = _unit_records(engine, shared, listed, siblings) if "unit" in engine.scopes else []
            counts = _override(aggregates([unit_summary(r) for r in records]), stated(facts.get("context")))
            record = engine.evaluate(huvudman_case(facts, counts))
        else:
            record = engine.evaluate(case_from_facts(case.scope, facts))
        out.append(_check(case, record, default_refusals))
    return out


def coverage(pack: Pack, results: list[TestResult]) -> dict[str, set[str]]:
    """For each rule of the pack, the statuses the tests saw it in (a rule no test reached has none)."""
    seen: dict[str, set[str]] = {r.id: set() for r in pack.rules}
    for r in results:
        for rule, status in r.statuses.items():
            seen.setdefault(rule, set()).add(status)
    return seen


def junit_xml(suites: list) -> str:
    """JUnit XML of the packs' test results: a suite per pack, a case per test, a failure with its place."""
    from xml.sax.saxutils import escape, quoteattr
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<testsuites>"]
    for pack, results in suites:
        bad = sum(not r.passed for r in results)
        out.append(f"  <testsuite name={quoteattr(pack.ref)} tests=\"{len(results)}\" failures=\"{bad}\">")
        for r in results:
            head = f"    <testcase classname={quoteattr(pack.ref)} name={quoteattr(r.case.name)} file={quoteattr(str(r.case.loc.file))}"
            if r.passed:
                out.append(head + "/>")
                continue
            text = "\n".join(f"{w}: {f}" for f, w in zip(r.failures, r.where or [r.case.loc] * len(r.failures)))
            out.append(head + f"><failure message={quoteattr(r.failures[0])}>{escape(text)}</failure></testcase>")
        out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"
