"""The canonical form of a pack and its content hash.

The canonical form is the pack document with every shorthand written out (sources as lists of
`{doc, section}`, default scopes explicit, exceptions sorted), built from the model rather than the
text. Reformatting, reordering keys, splitting a pack into files or joining them leave the hash alone;
changing any value that can change a decision (a threshold, a condition, a text, a source) changes it.
Tests are not part of the hash: they do not decide anything.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

import yaml

from .model import (
    All, Any_, Citation, Compare, Condition, Derived, Effect, FactRef, Known, Literal,
    LANGUAGES, NationalAverage, Not, OutcomePolicy, Pack, ParamRef, Parameter, Rule, Text,
)


def _num(v: Any) -> Any:
    return int(v) if isinstance(v, float) and v.is_integer() else v


def _text(t: Text | None) -> dict | None:
    return None if t is None else dict(t)


def _cites(cites: tuple[Citation, ...]) -> list[dict]:
    out = []
    for c in cites:
        d = {"doc": c.doc, "section": c.section}
        if c.quote:
            d["quote"] = c.quote
        out.append(d)
    return out


def _operand(o: Any) -> Any:
    if isinstance(o, tuple):
        return [lit.value for lit in o]
    if isinstance(o, Literal):
        return _num(o.value)
    if isinstance(o, ParamRef):
        return {"param": o.name}
    d = {"national_average": o.indicator} if isinstance(o, NationalAverage) else {"fact": o.path}
    assert isinstance(o, (NationalAverage, FactRef))
    if o.times:
        d["times"] = o.times
    return d


def condition(c: Condition) -> dict:
    """A condition in normal form."""
    if isinstance(c, All):
        return {"all": [condition(i) for i in c.items]}
    if isinstance(c, Any_):
        return {"any": [condition(i) for i in c.items]}
    if isinstance(c, Not):
        return {"not": condition(c.item)}
    if isinstance(c, Compare):
        return {"fact": c.fact, c.op: _operand(c.right)}
    if isinstance(c, Known):
        return {"known" if c.want_known else "unknown": c.fact}
    assert isinstance(c, Derived)
    return {"derived": c.name}


def _effect(e: Effect) -> dict:
    d: dict[str, Any] = {}
    if e.outcome is not None:
        d["outcome"] = e.outcome
    if e.derive is not None:
        d["derive"] = e.derive
    if e.priority is not None:
        d["priority"] = {"param": e.priority.name} if isinstance(e.priority, ParamRef) else _num(e.priority)
    return d


def _rule(r: Rule) -> dict:
    d = {
        "id": r.id, "scope": r.scope, "text": _text(r.text), "source": _cites(r.source),
        "when": condition(r.when), "then": _effect(r.then),
    }
    if r.interpretation:
        d["interpretation"] = _text(r.interpretation)
    if r.exception_to:
        d["exception_to"] = list(r.exception_to)
    return d


def _parameter(p: Parameter) -> dict:
    d: dict[str, Any] = {"unit": p.unit, "source": _cites(p.source)}
    if p.value is not None:
        d["value"] = _num(p.value)
    if p.by_school_form:
        d["by_school_form"] = {form: _num(v) for form, v in p.by_school_form}
    if p.text:
        d["text"] = _text(p.text)
    if p.interpretation:
        d["interpretation"] = _text(p.interpretation)
    return d


def _outcome_policy(o: OutcomePolicy) -> dict:
    d: dict[str, Any] = {"precedence": list(o.precedence), "default": o.default, "on_unknown": o.on_unknown}
    if o.ranking is not None:
        r = o.ranking
        d["ranking"] = {"ranked": r.ranked, "capacity": {"param": r.capacity.name}, "beyond": r.beyond,
                        "then_by": [f.path for f in r.then_by]}
    return d


def canonical(pack: Pack) -> dict:
    """The pack as one document in normal form (without its tests)."""
    m = pack.meta
    meta: dict[str, Any] = {
        "id": m.id, "version": m.version, "format": m.format, "valid_from": m.valid_from,
        "valid_to": m.valid_to, "title": _text(m.title),
        "sources": {s.key: ({"title": s.title, "reference": s.reference} if s.reference else {"title": s.title}) for s in m.sources},
    }
    if m.supersedes:
        meta["supersedes"] = m.supersedes
    if m.replaces:
        meta["replaces"] = list(m.replaces)
    if m.languages != LANGUAGES:  # absent means Swedish and English, so older packs keep their hash
        meta["languages"] = list(m.languages)
    return {
        "pack": meta,
        "parameters": {p.name: _parameter(p) for p in pack.parameters},
        "rules": [_rule(r) for r in pack.rules],
        "outcomes": {o.scope: _outcome_policy(o) for o in pack.outcomes},
    }


def canonical_bytes(doc: Any) -> bytes:
    """Canonical JSON: sorted keys, no spaces, UTF-8; NaN and infinities refused."""
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def content_hash(pack: Pack) -> str:
    """sha256 of the canonical form, hex."""
    return hashlib.sha256(canonical_bytes(canonical(pack))).hexdigest()


def dump_yaml(pack: Pack) -> str:
    """The canonical form as a single-file pack (it loads back to an equal pack)."""
    return yaml.safe_dump(canonical(pack), allow_unicode=True, sort_keys=False, width=100)
