"""Typed results: a decision record read into frozen classes, and its trace as a stream of events.

The JSON record (engine/core/record.py) is the edge: what is written, stored and replayed. Whatever reads a
decision (explain, the reports, diff, a huvudman's aggregates) reads a `Decision` made from it, never the
record's dict: a `Decision` holds each rule's `RuleOutcome`, whose evaluated condition is a tree of
`Detail` nodes (the cross-check evaluator's own type), and `events()` gives the trace as OPA gives its
trace: a closed set of event kinds (`EVENT_KINDS`), each naming its rule and where in the rule's
condition it happened, so a view is a filter over events.
"""
from __future__ import annotations

from typing import Any, Iterator, Mapping

import attrs

from .evaluate import Detail

#: The kinds of trace event: a rule is considered, each of its comparisons is made, and it ends fired,
#: not fired, unknown, or overridden (by an exception or an officer). A rule not reached (an engine
#: error) has no events.
EVENT_KINDS = ("considered", "compared", "fired", "not_fired", "unknown", "overridden")
_TRUTH = {"true": True, "false": False, "unknown": None}


def _truth(text: str | None) -> bool | None:
    return _TRUTH.get(text) if text is not None else None


def detail_of(node: Mapping[str, Any]) -> Detail:
    """An evaluated condition of a record's trace as the evaluator's tree (`record.detail_json` inverted)."""
    result = _truth(node.get("result"))
    missing = tuple(node.get("missing", ()))
    for group in ("all", "any", "not"):
        if group in node:
            return Detail(group, result, tuple(detail_of(i) for i in node[group]), missing=missing)
    for test in ("known", "unknown"):
        if test in node:
            return Detail(test, result, fact=node[test], value=node.get("value"), missing=missing)
    if "derived" in node:
        return Detail("derived", result, fact=node["derived"], missing=missing)
    bounds = node.get("bounds")
    return Detail("compare", result, (), node.get("fact"), node.get("value"), node.get("op"), node.get("right"),
                  missing, None if bounds is None else tuple(bounds))


@attrs.frozen
class Event:
    """One step of a rule's evaluation: its kind (`EVENT_KINDS`), the rule, and for a comparison where in
    the condition it stands (`all[2].any[0]`), the fact and its value, the operator, the right side, the
    result and why it is unknown."""

    kind: str
    rule: str
    at: str = ""
    fact: str | None = None
    value: Any = None
    op: str | None = None
    right: Mapping[str, Any] | None = None
    result: bool | None = None
    missing: tuple[Mapping[str, Any], ...] = ()

    def __attrs_post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"`{self.kind}` is not an event kind ({', '.join(EVENT_KINDS)})")


def _compared(rule: str, d: Detail, at: str) -> Iterator[Event]:
    if d.kind in ("all", "any", "not"):
        for i, item in enumerate(d.items):
            yield from _compared(rule, item, f"{at}.{d.kind}[{i}]" if at else f"{d.kind}[{i}]")
        return
    op = {"known": "known", "unknown": "unknown", "derived": "derived"}.get(d.kind, d.op)
    yield Event("compared", rule, at, d.fact, d.value, op, d.right, d.result, d.missing)


@attrs.frozen
class RuleOutcome:
    """One rule in a decision: its status, what it says and cites, what set it aside, its evaluated condition."""

    rule: str
    status: str  #: fired, not_fired, unknown, overridden or not_reached
    effect: Mapping[str, Any]
    source: tuple[Mapping[str, Any], ...]
    text: Mapping[str, str]
    interpretation: Mapping[str, str] | None = None
    exception_to: tuple[str, ...] = ()
    overridden_by: Mapping[str, Any] | None = None
    condition: Detail | None = None
    missing: tuple[Mapping[str, Any], ...] = ()

    @property
    def forced(self) -> bool:
        """Whether an officer decided the outcome through this rule (a `force` override)."""
        by = self.overridden_by
        return bool(by and "override" in by and by["override"]["action"] == "force")

    @classmethod
    def of(cls, entry: Mapping[str, Any]) -> "RuleOutcome":
        return cls(entry["rule"], entry["status"], entry.get("effect", {}), tuple(entry.get("source", ())), entry.get("text", {}),
                   entry.get("interpretation"), tuple(entry.get("exception_to", ())), entry.get("overridden_by"),
                   detail_of(entry["condition"]) if "condition" in entry else None, tuple(entry.get("missing", ())))

    def events(self) -> Iterator[Event]:
        """The rule's trace: considered, each comparison, then how it ended (nothing if it was not reached)."""
        if self.status == "not_reached":
            return
        yield Event("considered", self.rule)
        if self.condition is not None:
            yield from _compared(self.rule, self.condition, "")
        yield Event(self.status, self.rule, result=self.condition.result if self.condition is not None else None,
                    missing=self.missing)


def missing_name(m: Mapping[str, Any]) -> str:
    """What an entry of missing data names: a fact's path, a parameter, a national average by its path
    (`national_averages.merit_value_y9`, never the indicator alone, which reads as the unit's own result), or
    (in a condition's trace) a derived fact; a record's own `missing` follows a derived fact to the facts behind it."""
    if "national_average" in m:
        return f"national_averages.{m['national_average']}"
    return m.get("fact") or m.get("param") or m.get("derived") or ""


@attrs.frozen
class Decision:
    """A decision about one unit or huvudman, as its record states it."""

    kind: str
    id: str
    huvudman_id: str | None
    outcome: str | None
    rank: int | None
    priority: Any
    decided_by: tuple[str, ...]
    hinges_on: tuple[str, ...]
    missing: tuple[Mapping[str, Any], ...]
    derived: Mapping[str, str]
    overrides: tuple[Mapping[str, Any], ...]
    pack: Mapping[str, str]
    input_sha256: str
    facts: Mapping[str, Any]
    members: Mapping[str, Any]
    engine_version: str
    trace: tuple[RuleOutcome, ...]
    ranking: Mapping[str, Any] | None = None
    priority_unknown: tuple[str, ...] = ()
    error: Mapping[str, Any] | None = None
    #: what a decision that hinges on missing data still needs (engine.symbolic.counterfactual)
    needed: Mapping[str, Any] | None = None

    @classmethod
    def of(cls, record: "Mapping[str, Any] | Decision") -> "Decision":
        """The decision a record states (a `Decision` is given back as it is)."""
        if isinstance(record, Decision):
            return record
        given = record.get("input") or {}
        return cls(record["kind"], record["id"], record.get("huvudman_id"), record.get("outcome"), record.get("rank"),
                   record.get("priority"), tuple(record.get("decided_by", ())), tuple(record.get("hinges_on", ())),
                   tuple(record.get("missing", ())), record.get("derived") or {}, tuple(record.get("overrides", ())),
                   record["pack"], record["input_sha256"], given.get("facts", {}), given.get("members") or {},
                   record["engine_version"], tuple(RuleOutcome.of(e) for e in record["trace"]), record.get("ranking"),
                   tuple(record.get("priority_unknown", ())), record.get("error"), record.get("needed"))

    @property
    def name(self) -> str:
        """The unit's or huvudman's name as the delivery gives it (empty if it gives none)."""
        return self.facts.get(f"{self.kind}.name", "") or ""

    @property
    def forced(self) -> Mapping[str, Any] | None:
        """The officer's `force` override behind the outcome, if any."""
        return next((o for o in self.overrides if o["action"] == "force"), None)

    @property
    def missing_names(self) -> list[str]:
        """What the outcome still needs, each by its name (`missing_name`)."""
        return [missing_name(m) for m in self.missing]

    def statuses(self) -> dict[str, str]:
        """Rule id -> status."""
        return {r.rule: r.status for r in self.trace}

    def events(self) -> Iterator[Event]:
        """The whole trace as events, rule by rule in evaluation order."""
        for r in self.trace:
            yield from r.events()
