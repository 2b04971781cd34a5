"""What `sbs agreement check` reports: the requirements an agreement breaks, flags or leaves unassessed,
read from the decisions about the agreement and its insatser (never recomputed)."""
from __future__ import annotations

from typing import Iterable, Mapping

import attrs

from ..core.evaluate import Detail
from ..core.results import Decision


@attrs.frozen
class Finding:
    """One requirement of the check that is broken, flagged or not assessed, for one document part."""

    kind: str          #: agreement | insats
    id: str
    rule: str
    verdict: str       #: non_compliant | flagged | not_assessed
    fields: tuple[str, ...]
    text: Mapping[str, str]
    source: tuple[str, ...]

    def to_json(self) -> dict:
        return {"kind": self.kind, "id": self.id, "rule": self.rule, "verdict": self.verdict,
                "fields": list(self.fields), "text": dict(self.text), "source": list(self.source)}


def _fields(condition: Detail) -> list[str]:
    """The fact paths of the leaves that made a condition true."""
    out: list[str] = []
    if condition.kind in ("all", "any"):
        for item in condition.items:
            if item.result is True:
                out += [p for p in _fields(item) if p not in out]
    if condition.kind == "not":
        return []
    if condition.kind in ("compare", "known", "unknown") and isinstance(condition.fact, str) and condition.result is True:
        out.append(condition.fact)
    return out


def findings(decisions: Iterable["Decision | Mapping"]) -> list[Finding]:
    """What an agreement check reports, from the decisions (or records) of the agreement and its insatser."""
    out = []
    for d in map(Decision.of, decisions):
        for r in d.trace:
            outcome = r.effect.get("outcome")
            if r.status == "fired" and outcome in ("non_compliant", "flagged"):
                verdict, fields = outcome, _fields(r.condition)
            elif r.status == "unknown":
                verdict = "not_assessed"
                fields = [m.get("fact") or m.get("param") or m.get("national_average") or m.get("derived") for m in r.missing]
            else:
                continue
            out.append(Finding(d.kind, d.id, r.rule, verdict, tuple(fields), r.text,
                               tuple(f"{s['doc']} {s['section']}" for s in r.source)))
    return out
