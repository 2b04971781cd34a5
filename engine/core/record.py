"""Decision records (BRIEF section 4): one JSON object per unit or huvudman, with its trace.

Records hold no clock time and are built in a fixed key order, so the same pack, input and overrides
give the same bytes (`dumps`). A record carries its input facts and their sha256, so it can be replayed.
"""
from __future__ import annotations

import json
from typing import Any

try:  # a faster serialiser, guarded to write the same bytes (see `dumps`)
    import orjson as _orjson
except ImportError:  # pragma: no cover - installed with sbs
    _orjson = None

from policy.model import Effect, ParamRef, Rule

from ..inputs.case import Case
from ..inputs.overrides import Override
from .compile import Compiled
from .decide import NOT_REACHED, Decision, RuleStatus
from .evaluate import Detail, RuleResult
from .logic import show


def _json(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _may_differ(raw: bytes) -> bool:
    """Whether orjson may have written a float otherwise than Python. Python writes a float below 1e-4 with
    an exponent (`1e-05`, `1.5e-07`); orjson writes such a float either with an exponent of its own form
    (`1.5e-7`) or as `0.00001`. So a digit before `e-`, or `0.0000`, sends the record to `json` (measured on
    20,000 floats: no other difference; from 1e16 on both write `1e+16`, `1.5e+17`). A text that merely
    looks so costs only time. Each `bytes.find` is one pass over the record, where a regular expression
    took a third of a millisecond."""
    i = raw.find(b"e-")
    while i > 0:
        if 48 <= raw[i - 1] <= 57:
            return True
        i = raw.find(b"e-", i + 2)
    return b"0.0000" in raw


def dumpb(record: dict) -> bytes:
    """A record as one line of JSON in UTF-8 (not escaped): the bytes `json.dumps` writes with compact
    separators. orjson writes them ten times as fast; where it could write a float otherwise, `json` does.
    Bytes, not text: a record goes from the worker to the file without being decoded and encoded again."""
    if _orjson is None:
        return _json(record).encode("utf-8")
    try:
        raw = _orjson.dumps(record)
    except (TypeError, ValueError):  # a lone surrogate, a NaN, an integer beyond 64 bits: json says what
        return _json(record).encode("utf-8", "surrogatepass")
    if _may_differ(raw):
        return _json(record).encode("utf-8")
    return raw


def dumps(record: dict) -> str:
    """A record as one line of JSON text (`dumpb`, decoded)."""
    return dumpb(record).decode("utf-8", "surrogatepass")


def detail_json(d: Detail) -> dict:
    """An evaluated condition as the trace shows it."""
    if d.kind in ("all", "any", "not"):
        out: dict[str, Any] = {d.kind: [detail_json(i) for i in d.items], "result": show(d.result)}
    elif d.kind in ("known", "unknown"):
        out = {d.kind: d.fact, "value": d.value, "result": show(d.result)}
    elif d.kind == "derived":
        out = {"derived": d.fact, "result": show(d.result)}
    else:
        out = {"fact": d.fact, "value": d.value, "op": d.op, "right": d.right, "result": show(d.result)}
        if d.bounds is not None:
            out["bounds"] = list(d.bounds)
    if d.missing:
        out["missing"] = list(d.missing)
    return out


def effect_json(e: Effect) -> dict:
    out: dict[str, Any] = {}
    if e.outcome:
        out["outcome"] = e.outcome
    if e.derive:
        out["derive"] = e.derive
    if e.priority is not None:
        out["priority"] = {"param": e.priority.name} if isinstance(e.priority, ParamRef) else e.priority
    return out


def rule_static(rule: Rule) -> dict:
    """What a rule's trace entry always says: effect, sources, texts (computed once per rule, shared by its entries)."""
    out: dict[str, Any] = {
        "effect": effect_json(rule.then),
        "source": [{"doc": c.doc, "section": c.section, **({"quote": c.quote} if c.quote else {})} for c in rule.source],
        "text": dict(rule.text),
    }
    if rule.interpretation:
        out["interpretation"] = dict(rule.interpretation)
    if rule.exception_to:
        out["exception_to"] = list(rule.exception_to)
    return out


def trace_entry(rule: Rule, static: dict, status: RuleStatus, result: RuleResult | None) -> dict:
    """One rule's entry in a trace; records are read-only, so the static parts are shared between records."""
    out: dict[str, Any] = {"rule": rule.id, "status": status.status, **static}
    if status.overridden_by:
        out["overridden_by"] = status.overridden_by
    if result is not None:
        out["condition"] = detail_json(result.detail)
        if result.value is None:
            out["missing"] = result.detail.missing_data()
    return out


def _data_missing(rule_id: str, by_id: dict[str, RuleResult], compiled: Compiled, seen: set[str]) -> list[dict]:
    """The missing data behind a rule's unknown result, following derived facts to the rules deriving them."""
    out: list[dict] = []
    seen.add(rule_id)
    for m in by_id[rule_id].detail.missing_data():
        if "derived" in m:
            for deriver in compiled.derivers.get(m["derived"], ()):
                if deriver not in seen and by_id[deriver].value is None:
                    out.extend(_data_missing(deriver, by_id, compiled, seen))
        else:
            out.append(m)
    return out


def _head(compiled: Compiled, case: Case, engine_version: str) -> dict:
    head: dict[str, Any] = {"kind": case.scope, "id": case.id}
    if case.scope == "unit":
        head["huvudman_id"] = case.huvudman_id
    return head


def _tail(compiled: Compiled, case: Case, engine_version: str) -> dict:
    pack = compiled.pack
    return {
        "pack": {"id": pack.meta.id, "version": pack.meta.version, "sha256": pack.sha256},
        "input_sha256": case.input_sha256,
        "input": case.input,
        "engine_version": engine_version,
    }


def decision_record(compiled: Compiled, case: Case, results: list[RuleResult], decision: Decision,
                    overrides: list[Override], engine_version: str, statics: dict[str, dict]) -> dict:
    by_id = {r.rule_id: r for r in results}
    missing: list[dict] = []
    for rid in (*decision.hinges_on, *decision.priority_unknown):  # what the outcome, or the place in the round, hinges on
        for m in _data_missing(rid, by_id, compiled, set()):
            if m not in missing:
                missing.append(m)
    record = _head(compiled, case, engine_version)
    record.update(
        outcome=decision.outcome,
        rank=None,
        priority=decision.priority,
        decided_by=list(decision.decided_by),
        hinges_on=list(decision.hinges_on),
        missing=missing,
        derived={name: show(v) for name, v in decision.derived.items()},
        overrides=[o.to_json() for o in overrides],
    )
    if decision.priority_unknown:
        record["priority_unknown"] = list(decision.priority_unknown)
    record.update(_tail(compiled, case, engine_version))
    record["trace"] = [trace_entry(cr.rule, statics[cr.rule.id], decision.statuses[cr.rule.id], by_id[cr.rule.id])
                       for cr in compiled.order]
    return record


def error_record(compiled: Compiled, case: Case, code: str, message: str, rule: str | None, engine_version: str,
                 detail: dict | None = None) -> dict:
    """A case the engine could not decide: no outcome, the error, every rule `not_reached`."""
    record = _head(compiled, case, engine_version)
    error: dict[str, Any] = {"code": code, "message": message}
    if rule is not None:
        error["rule"] = rule
    if detail:
        error.update(detail)
    record.update(outcome=None, rank=None, error=error)
    record.update(_tail(compiled, case, engine_version))
    record["trace"] = [trace_entry(cr.rule, rule_static(cr.rule), RuleStatus(NOT_REACHED, None), None) for cr in compiled.order]
    return record
