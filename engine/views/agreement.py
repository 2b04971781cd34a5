"""What `sbs agreement check` reports: the requirements an agreement breaks, flags or leaves unassessed,
read from the decisions about the agreement and its insatser (never recomputed)."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import attrs

from policy.facts import FIELDS
from policy.operators import OPERATORS

from .. import messages
from ..core.evaluate import Detail
from ..core.results import Decision, missing_name
from ..inputs.agreement import Agreement, Place


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
    at: tuple[Place, ...] = ()         #: the document's fields behind `fields`, located, with their values
    compared: tuple[Detail, ...] = ()  #: the comparisons that made the requirement's condition true

    def to_json(self) -> dict:
        out = {"kind": self.kind, "id": self.id, "rule": self.rule, "verdict": self.verdict,
               "fields": list(self.fields), "text": dict(self.text), "source": list(self.source)}
        if self.at:
            out["at"] = [p.to_json() for p in self.at]
        if self.compared:
            out["compared"] = [compared_text(d, "en") for d in self.compared]
        return out

    def where(self, lang: str) -> str:
        """The document's fields as the check names them: `ends: 2019-06-30 i ök.yaml:9:9; överenskommelsens
        längd 3,08 år > 3`."""
        places = ", ".join(place_text(p, lang, self.kind) for p in self.at)
        compared = "; ".join(compared_text(d, lang) for d in self.compared)
        return "; ".join(x for x in (places, compared) if x)


_WORDS = {"sv": {"missing": "saknas", "items": "{n} angivna", "items_one": "{n} angiven", "at": "i", "given": "angiven", "in": "i"},
          "en": {"missing": "missing", "items": "{n} listed", "items_one": "{n} listed", "at": "at", "given": "given", "in": "in"}}


def place_text(p: Place, lang: str, kind: str = "agreement") -> str:
    """`ends: 2019-06-30 at ök.yaml:9:9`; `signed_on missing (in ök.yaml:3:3)`; `expected_effects: 0 listed at …`.
    A field is named as the part being checked writes it (`timeline.ends` of an insats, `agreement.ends` beside it)."""
    w = _WORDS[lang]
    name = p.field.removeprefix("insats.") if p.field.startswith("insats.") else p.field.removeprefix("agreement.") if kind == "agreement" else p.field
    if not p.given:
        return f"{name} {w['missing']} ({w['in']} {p.location})"
    if p.items is not None:
        if p.value:  # a short list of names: shown as written
            return f"{name}: [{', '.join(map(str, p.value))}] {w['at']} {p.location}"
        return f"{name}: {w['items_one' if p.items == 1 else 'items'].format(n=p.items)} {w['at']} {p.location}"
    shown = w["given"] if p.value is None else messages.value_text(p.field, p.value, lang) if p.field in FIELDS else str(p.value)
    return f"{name}: {shown} {w['at']} {p.location}"


def compared_text(d: Detail, lang: str) -> str:
    """A comparison with its fact and values, the language's way: `överenskommelsens längd 3,08 år > 3`."""
    unit = FIELDS[d.fact].type.unit if isinstance(d.fact, str) and d.fact in FIELDS else None
    right = (d.right or {}).get("product", (d.right or {}).get("value"))

    def shown(v: Any) -> str:
        if unit == "years" and isinstance(v, float):
            digits = 2  # 3,08 år; more where two digits would make it look equal to the limit (3,0027 år > 3)
            while digits < 6 and isinstance(right, (int, float)) and round(v, digits) == right and v != right:
                digits += 1
            v = round(v, digits)
        return messages.value_text(d.fact, v, lang) if isinstance(d.fact, str) and d.fact in FIELDS else str(v)
    years = {"sv": " år", "en": " years"}[lang] if unit == "years" else ""
    name = messages.fact_name(d.fact, lang) if isinstance(d.fact, str) else ""
    return f"{name} {shown(d.value)}{years} {OPERATORS[d.op]} {shown(right)}".strip()


def _true_leaves(condition: Detail) -> list[Detail]:
    """The leaves that made a condition true, each once (those inside a `not` excepted: it turns them over)."""
    out: list[Detail] = []
    if condition.kind in ("all", "any"):
        for item in condition.items:
            if item.result is True:
                out += [d for d in _true_leaves(item) if d not in out]
    elif condition.kind in ("compare", "known", "unknown") and condition.result is True:
        out.append(condition)
    return out


def _compared(condition: Detail) -> list[Detail]:
    """The comparisons of amounts, counts and dates that made a condition true; `kind = insatser` is said by
    its place."""
    return [d for d in _true_leaves(condition) if d.kind == "compare" and d.op in ("lt", "le", "gt", "ge")]


def _fields(condition: Detail) -> list[str]:
    """The fact paths of the leaves that made a condition true."""
    return list(dict.fromkeys(d.fact for d in _true_leaves(condition) if isinstance(d.fact, str)))


def findings(decisions: Iterable["Decision | Mapping"], doc: Agreement | None = None) -> list[Finding]:
    """What an agreement check reports, from the decisions (or records) of the agreement and its insatser;
    with the document, each broken or flagged requirement names the document's fields behind it."""
    out = []
    for d in map(Decision.of, decisions):
        for r in d.trace:
            outcome = r.effect.get("outcome")
            at: tuple[Place, ...] = ()
            compared: tuple[Detail, ...] = ()
            if r.status == "fired" and outcome in ("non_compliant", "flagged"):
                verdict, fields = outcome, _fields(r.condition)
                compared = tuple(_compared(r.condition)) if r.condition is not None else ()
                if doc is not None:  # the fields read, and a field compared against (an insats's end with the agreement's)
                    read = [*fields, *(c.right["fact"] for c in compared if isinstance((c.right or {}).get("fact"), str))]
                    at = tuple(dict.fromkeys(p for f in read if f.startswith(("agreement.", "action_plan.", "insats."))
                                             for p in doc.places(d.kind, d.id, f) if p.informative))
            elif r.status == "unknown":
                verdict = "not_assessed"
                fields = [missing_name(m) for m in r.missing]
            else:
                continue
            out.append(Finding(d.kind, d.id, r.rule, verdict, tuple(fields), r.text,
                               tuple(messages.sections(r.source)), at, compared))
    return out
