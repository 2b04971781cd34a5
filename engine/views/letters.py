"""A letter per huvudman (`sbs evaluate --format letters --out DIR`): the decision about the huvudman and its
units in plain Swedish (or English), what it means, the reasons with their sources, what would change a
refusal where a change is possible (`engine.symbolic.counterfactual.why_not`), and contact lines left as
template fields. Each letter is written as Markdown and as HTML (`<org.nr>.md`, `<org.nr>.html`), with an
`index.html` listing them.

Records are kept in a temporary file as they come, by huvudman, so a national register's letters are
made in the memory of one huvudman's records at a time.
"""
from __future__ import annotations

import html
import json
import tempfile
from pathlib import Path

from policy.model import Pack

from .. import messages as M
from ..core.results import Decision
from ..core.runner import NEEDED_SCOPES, Engine
from ..symbolic.counterfactual import readings_of, why_not
from ..symbolic.witness import Disagreement
from .explain import needed_lines
from .proofs import change_text

REFUSED = ("not_eligible", "not_proposed")  #: decisions a letter says what would change (an exclusion is by what a unit is)

TEXT = {
    "sv": {
        "title": "Beslut om urval till Samverkan för bästa skola",
        "intro": "Skolverket har prövat {named} och dess skolenheter i leveransen {delivery} den {date} mot urvalet för Samverkan för bästa skola (regelpaket {pack}).",
        "decision": "Beslutet", "reasons": "Skälen", "units": "Skolenheterna", "change": "Vad som skulle ändra beslutet",
        "contact": "Kontakt", "no_reason": "Ingen regel gav ett utfall; paketets standardutfall gäller.",
        "hinges": "Beslutet beror på uppgifter som saknas i leveransen.",
        "forced": "Beslutet har fastställts av {by} den {on}: {reason}",
        "set_aside": "Regeln {rule} ({sources}) har satts åt sidan av {by} den {on}: {reason}",
        "undecided": "Kan inte avgöras utan uppgifterna: {rule}",
        "fields": "Handläggare: {handläggare}\nTelefon: {telefon}\nE-post: {e-post}\nDiarienummer: {diarienummer}",
        "unit_line": "{named}: {outcome}.", "no_change": "Ingen ändring av de uppgifter som kan ändras ger ett annat beslut.",
        "index": "Brev till huvudmännen",
        "on_request": "Vad som skulle kunna ändra beslutet prövas på begäran.",
        "means": {
            "proposed": "Huvudmannen föreslås för samverkan för bästa skola. Skolverket tar kontakt för att inleda dialogen.",
            "waitlisted": "Huvudmannen uppfyller urvalet men ryms inte i denna urvalsomgång och står på väntelista.",
            "not_proposed": "Huvudmannen föreslås inte för samverkan för bästa skola i denna urvalsomgång.",
            "deferred": "Prövningen av huvudmannen avvaktar, till exempel tills tillsynen är avslutad.",
            "manual_review": "Huvudmannen prövas av en handläggare innan beslut fattas.",
        },
        "huvudman_outcome": "Huvudmannen: {outcome}.",
    },
    "en": {
        "title": "Decision on selection for Samverkan för bästa skola",
        "intro": "Skolverket has assessed {named} and its school units in the delivery {delivery} of {date} against the selection for Samverkan för bästa skola (pack {pack}).",
        "decision": "The decision", "reasons": "The reasons", "units": "The school units", "change": "What would change the decision",
        "contact": "Contact", "no_reason": "No rule gave an outcome; the pack's default applies.",
        "hinges": "The decision hinges on data missing from the delivery.",
        "forced": "The decision was made by {by} on {on}: {reason}",
        "set_aside": "Rule {rule} ({sources}) was set aside by {by} on {on}: {reason}",
        "undecided": "Cannot be decided without the data: {rule}",
        "fields": "Officer: {officer}\nPhone: {phone}\nE-mail: {e-mail}\nReference: {reference}",
        "unit_line": "{named}: {outcome}.", "no_change": "No change of the facts that can change gives another decision.",
        "index": "Letters to the huvudmän",
        "on_request": "What could change the decision is examined on request.",
        "means": {
            "proposed": "The huvudman is proposed for Samverkan för bästa skola. Skolverket will be in touch to begin the dialogue.",
            "waitlisted": "The huvudman meets the selection but does not fit in this round and is on the waiting list.",
            "not_proposed": "The huvudman is not proposed for Samverkan för bästa skola in this round.",
            "deferred": "The assessment of the huvudman waits, for example until the supervision is concluded.",
            "manual_review": "An officer assesses the huvudman before a decision is made.",
        },
        "huvudman_outcome": "The huvudman: {outcome}.",
    },
}


#: Past this many records the letters do not try what would change each refusal (it takes a solver a tenth
#: of a second or more a case); they say it is examined on request (`sbs explain … --why-not`).
CHANGES_UP_TO = 300


class Letters:
    def __init__(self, pack: Pack, lang: str = "sv", changes: bool = True) -> None:
        self.pack, self.lang, self.t, self.changes = pack, lang, TEXT[lang], changes
        self.spill = tempfile.TemporaryFile(mode="w+", encoding="utf-8", newline="")
        self.by_huvudman: dict[str, list[tuple[int, int]]] = {}
        self.engine: Engine | None = None
        self.readings: dict[str, tuple] = {}  #: the pack read by z3, per scope, for every letter

    def add(self, record: dict) -> None:
        owner = record["id"] if record["kind"] == "huvudman" else record.get("huvudman_id") or ""
        line = json.dumps(record, ensure_ascii=False) + "\n"
        start = self.spill.tell()
        self.spill.write(line)
        self.by_huvudman.setdefault(owner, []).append((start, len(line)))

    def _records(self, owner: str) -> list[dict]:
        out = []
        for start, length in self.by_huvudman[owner]:
            self.spill.seek(start)
            out.append(json.loads(self.spill.read(length)))
        return out

    def _cite(self, r) -> str:
        return f"{r.text[self.lang]} ({'; '.join(M.sections(r.source))})"

    def _reasons(self, d: Decision) -> list[str]:
        """The rules behind the decision, each with its sources: the deciding ones; an officer's forced rule
        after who decided, when and why; the rules a decision under review hinges on; rules set aside."""
        t = self.t
        by_rule = {r.rule: r for r in d.trace}
        if d.forced:
            f = d.forced
            out = [t["forced"].format(by=f["decided_by"], on=f["decided_on"], reason=f["reason"])]
            out += [self._cite(by_rule[f["rule"]])] if f["rule"] in by_rule else []
        elif d.decided_by:
            out = [self._cite(by_rule[r]) for r in d.decided_by if r in by_rule]
        elif d.hinges_on:
            out = [t["hinges"], *(t["undecided"].format(rule=self._cite(by_rule[r])) for r in d.hinges_on if r in by_rule)]
        else:
            out = [t["no_reason"]]
        for o in d.overrides:
            if o["action"] == "set_aside" and o["rule"] in by_rule:
                out.append(t["set_aside"].format(rule=o["rule"], sources="; ".join(M.sections(by_rule[o["rule"]].source)),
                                                 by=o["decided_by"], on=o["decided_on"], reason=o["reason"]))
        return out

    def _change(self, record: dict) -> list[str]:
        """What would change a refusal: the first answer of `--why-not`, phrased with its sources."""
        if record.get("outcome") not in REFUSED or record.get("error"):
            return []
        if not self.changes:
            return [self.t["on_request"]]
        self.engine = self.engine or Engine(self.pack)
        kind = record["kind"]
        if not self.readings:
            self.readings = readings_of(self.pack, [k for k in NEEDED_SCOPES if any(r.scope == k for r in self.pack.rules)])
        try:
            result = why_not(self.pack, record, engine=self.engine, space=self.readings[kind])
        except Disagreement:
            return []
        if not result.answers:
            return [self.t["no_change"]]
        a = next((x for x in result.answers if x.outcome in ("eligible", "proposed")), result.answers[0])
        joined = f" {M.words(self.lang)['and']} ".join(change_text(c, a.sources.get(c.fact), self.lang) for c in a.changes)
        return [f"{joined} → {M.outcome(a.outcome, self.lang)}"]

    def letter(self, owner: str) -> tuple[str, str]:
        """The letter to one huvudman, as (Markdown, title)."""
        t, lang = self.t, self.lang
        records = self._records(owner)
        huvudman = next((r for r in records if r["kind"] == "huvudman"), None)
        first = records[0]
        facts = first["input"]["facts"]
        name = M.one_line(facts.get("huvudman.name", ""))  # every record of a huvudman's carries its name
        out = [f"# {t['title']}", "", f"**{M.named(name, owner)}**", "",
               t["intro"].format(named=M.named(name, owner), delivery=facts.get("delivery.id", ""), date=facts.get("delivery.date", ""),
                                 pack=f"{first['pack']['id']}@{first['pack']['version']}"), ""]
        if huvudman is not None:
            d = Decision.of(huvudman)
            out += [f"## {t['decision']}", "", t["huvudman_outcome"].format(outcome=M.outcome(d.outcome, lang)), "",
                    t["means"].get(d.outcome or "", ""), "", f"## {t['reasons']}", ""]
            out += [f"- {r}" for r in self._reasons(d)]
            if d.needed:
                out += ["", f"{M.words(lang)['needed']}:", *needed_lines(d.needed, lang)]
            change = self._change(huvudman)
            if change:
                out += ["", f"{t['change']}:", *(f"- {c}" for c in change)]
            out.append("")
        units = [r for r in records if r["kind"] == "unit"]
        if units:
            out += [f"## {t['units']}", ""]
            for r in units:
                d = Decision.of(r)
                out.append(f"### {t['unit_line'].format(named=M.named(d.name, d.id), outcome=M.outcome(d.outcome, lang))}")
                out.append("")
                out += [f"- {x}" for x in self._reasons(d)]
                if d.needed:
                    out += ["", f"{M.words(lang)['needed']}:", *needed_lines(d.needed, lang)]
                change = self._change(r)
                if change:
                    out += ["", f"{t['change']}:", *(f"- {c}" for c in change)]
                out.append("")
        out += [f"## {t['contact']}", "", *(f"{line}  " for line in t["fields"].splitlines()), ""]
        return "\n".join(out), name

    def write(self, directory: Path) -> list[Path]:
        written = []
        index = []
        for owner in sorted(self.by_huvudman):
            if not owner:
                continue
            text, name = self.letter(owner)
            base = directory / owner
            base.with_suffix(".md").write_text(text, encoding="utf-8")
            page = _page(self.t["title"] + f": {name or owner}", _markdown_html(text), self.lang)
            base.with_suffix(".html").write_text(page, encoding="utf-8")
            written += [base.with_suffix(".md"), base.with_suffix(".html")]
            index.append(f'<li><a href="{html.escape(owner)}.html">{html.escape(M.named(name, owner))}</a> '
                         f'(<a href="{html.escape(owner)}.md">Markdown</a>)</li>')
        (directory / "index.html").write_text(_page(self.t["index"], f"<h1>{html.escape(self.t['index'])}</h1><ul>{''.join(index)}</ul>",
                                                    self.lang), encoding="utf-8")
        return written


def _page(title: str, body: str, lang: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            "<style>body{font-family:Georgia,serif;max-width:40em;margin:2em auto;line-height:1.5}</style></head>"
            f"<body>{body}</body></html>\n")


def _markdown_html(text: str) -> str:
    """The letter's Markdown (headings, bold, lists, paragraphs: all it uses) as HTML, every text escaped."""
    out: list[str] = []
    in_list = False
    for line in text.splitlines():
        if line.startswith("- "):
            if not in_list:
                out.append("<ul>")
                in_list = True
            out.append(f"<li>{html.escape(line[2:])}</li>")
            continue
        if in_list:
            out.append("</ul>")
            in_list = False
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            out.append(f"<h{level}>{html.escape(line[level:].strip())}</h{level}>")
        elif line.startswith("**") and line.endswith("**"):
            out.append(f"<p><strong>{html.escape(line[2:-2])}</strong></p>")
        elif line.strip():
            out.append(f"<p>{html.escape(line.rstrip())}</p>")
    if in_list:
        out.append("</ul>")
    return "\n".join(out)


def letters_of(records: list[dict], pack: Pack, lang: str, directory: Path) -> list[Path]:
    """The letters of a delivery's records, written under `directory`."""
    letters = Letters(pack, lang)
    for r in records:
        letters.add(r)
    return letters.write(directory)

