"""The report for the selection meeting (`sbs evaluate --format html`): a document an analyst projects.

It opens with the counts per outcome (an inline SVG chart), the round (the ranked huvudmän, the capacity
line, the tie-break that placed each) and every manual review with what is still needed; then a section
per huvudman with its units, each decision opening with its outcome in words and the rule that decided it
with its source and quote, then the full trace; then the rules and the parameters with their sources and
interpretations. Every huvudman (`h-…`), unit (`u-…`), rule (`r-…`) and parameter (`p-…`) has an anchor,
the tables link to the sections, and a small inline script filters by outcome and school form (the page
reads whole without it).

Records stream in: each decision's section is written to a temporary file as it comes, and only the
tables' rows are kept. A delivery of more than `PAGED` records is written as a directory: `index.html`
with the summary, the round and the tables, and one page per huvudman (`h/<org.nr>.html`), so a national
register is made in the memory of its tables and each page opens at once.
"""
from __future__ import annotations

import html
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from policy.model import Pack

from .. import messages as M
from ..core.results import Decision
from .explain import explain_text, needed_lines
from .render import set_aside

PAGED = 300  #: more records than this: one page per huvudman under a directory

UNIT_OUTCOMES = ("eligible", "not_eligible", "excluded", "deferred", "manual_review")
HUVUDMAN_OUTCOMES = ("proposed", "waitlisted", "not_proposed", "deferred", "manual_review")
COLOURS = {"eligible": "#2e7d32", "proposed": "#2e7d32", "waitlisted": "#9e9d24", "not_eligible": "#c62828",
           "not_proposed": "#c62828", "excluded": "#6d4c41", "deferred": "#ef6c00", "manual_review": "#1565c0"}

e = html.escape

STYLE = """
body{font-family:system-ui,sans-serif;max-width:72em;margin:1.5em auto;padding:0 1em;line-height:1.45;color:#222}
table{border-collapse:collapse;margin:.8em 0}td,th{border:1px solid #bbb;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f0f0f0}.o{font-weight:600;padding:0 .3em;border-radius:.2em;color:#fff}
section.huvudman{border-top:3px solid #444;margin-top:2em}section.decision{margin:1em 0 1em 1em;padding-left:.8em;border-left:4px solid #ccc}
.why{font-size:1.05em}blockquote{margin:.3em 0 .3em 1em;color:#444;font-style:italic}
pre{white-space:pre-wrap;background:#f6f6f6;padding:.5em;font-size:.9em}tr.capacity td{border-top:3px dashed #c62828}
.filter{background:#f6f6f6;padding:.5em;margin:1em 0}.hidden{display:none}nav a{margin-right:1em}
"""

SCRIPT = """
(function(){var o=document.getElementById('f-outcome'),f=document.getElementById('f-form');if(!o||!f)return;
function apply(){var ov=o.value,fv=f.value;document.querySelectorAll('[data-outcome]').forEach(function(el){
var ok=(!ov||el.getAttribute('data-outcome')===ov)&&(!fv||(el.getAttribute('data-form')||'')===fv);
el.classList.toggle('hidden',!ok);});}o.addEventListener('change',apply);f.addEventListener('change',apply);
document.querySelector('.filter').classList.remove('hidden');})();
"""


def tiebreak_text(ranking: Mapping[str, Any], lang: str) -> str:
    """The facts that placed a huvudman among equal priorities: `units.pupils_eligible = 160`, an unknown one
    with what is known of it (`okänd (120–)`)."""
    w = M.words(lang)
    return "; ".join(f"{t['fact']} = {M.number(t['value'], lang) if t.get('value') is not None else w['unknown']}"
                     + (f" ({M.number(t['bounds'][0], lang)}–{M.number(t['bounds'][1], lang) if t['bounds'][1] is not None else ''})"
                        if t.get("bounds") else "")
                     for t in ranking.get("then_by", ()))


def slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in str(text))


def _cited(sources: Iterable[tuple[str, str, str | None]]) -> str:
    """Sources (document, section, quote) as a table cell: each section named once, above its quotes."""
    quotes: dict[str, list[str]] = {}
    for doc, section, quote in sources:
        quotes.setdefault(f"{doc} {section}", []).extend([quote] if quote else [])
    return "<br>".join(e(name) + "".join(f"<blockquote>{e(q)}</blockquote>" for q in qs) for name, qs in quotes.items())


def _badge(outcome: str | None, lang: str) -> str:
    return f'<span class="o" style="background:{COLOURS.get(outcome or "", "#555")}">{e(M.outcome(outcome, lang))}</span>'


def chart(counts: Mapping[str, Counter], lang: str) -> str:
    """Counts per outcome as horizontal bars, one group per kind (inline SVG: no network, no script)."""
    w = M.words(lang)
    rows = [(w[kind], o, counts[kind][o]) for kind, order in (("unit", UNIT_OUTCOMES), ("huvudman", HUVUDMAN_OUTCOMES))
            for o in order if counts[kind][o]]
    top = max((n for _, _, n in rows), default=1)
    height = 22 * len(rows) + 10
    bars = []
    for i, (kind, o, n) in enumerate(rows):
        y = 5 + 22 * i
        width = max(2, int(380 * n / top))
        bars.append(f'<text x="0" y="{y + 14}" font-size="13">{e(kind)}: {e(M.outcome(o, lang))}</text>'
                    f'<rect x="230" y="{y}" width="{width}" height="16" fill="{COLOURS.get(o, "#555")}"/>'
                    f'<text x="{236 + width}" y="{y + 13}" font-size="13">{e(M.number(n, lang))}</text>')
    return (f'<svg role="img" aria-label="{e(w["m_chart"])}" width="680" height="{height}" viewBox="0 0 680 {height}" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(bars)}</svg>')


class MeetingReport:
    """The report, gathered one record at a time (`add`), written in parts (`pages`)."""

    def __init__(self, lang: str = "sv", pack: Pack | None = None, paged: bool = False) -> None:
        self.lang, self.w, self.pack, self.paged = lang, M.words(lang), pack, paged
        self.counts: dict[str, Counter] = {"unit": Counter(), "huvudman": Counter()}
        self.huvudman: dict[str, dict] = {}
        self.units: list[dict] = []
        self.rules: dict[str, Mapping[str, Any]] = {}
        self.params: dict[str, Any] = {}
        self.reviews: list[tuple[str, str, str, str, str, list[str]]] = []
        self.forms: set[str] = set()
        self.spill = tempfile.TemporaryFile(mode="w+", encoding="utf-8", newline="")
        self.sections: dict[str, list[tuple[int, int, int]]] = {}  #: huvudman id -> (its own first, start, length)
        self.pack_ref: Mapping[str, str] | None = None

    def page_of(self, huvudman_id: str | None) -> str:
        """Where a huvudman's section is: this page, or its own page (relative to the index)."""
        return f"h/{slug(huvudman_id)}.html" if self.paged and huvudman_id else ""

    def add(self, decision: "Decision | dict") -> None:
        d, lang = Decision.of(decision), self.lang
        self.pack_ref = self.pack_ref or d.pack
        self.counts[d.kind][d.outcome or "error"] += 1
        owner = d.id if d.kind == "huvudman" else d.huvudman_id
        form = d.facts.get("unit.school_form") or ""
        if form:
            self.forms.add(form)
        row = {"id": d.id, "name": d.name, "outcome": d.outcome, "rank": d.rank, "huvudman": owner, "form": form,
               "why": self._why_short(d), "priority": d.priority, "ranking": d.ranking}
        if d.kind == "huvudman":
            self.huvudman[d.id] = row
        else:
            self.units.append(row)
        if d.outcome == "manual_review":
            self.reviews.append((d.kind, d.id, d.name, owner or "", row["why"],
                                 needed_lines(d.needed, lang) if d.needed else []))
        for r in d.trace:
            self.rules.setdefault(r.rule, {"text": r.text, "source": r.source, "interpretation": r.interpretation})
        text = self.section(d, form)
        start = self.spill.tell()
        self.spill.write(text)
        self.sections.setdefault(owner or "", []).append((0 if d.kind == "huvudman" else 1, start, len(text)))

    # --- one decision --------------------------------------------------------------------------------

    def _why_short(self, d: Decision) -> str:
        if d.error:
            return self.w["error"]
        if d.forced:
            return f"{self.w['forced_by']} {d.forced['decided_by']}"
        why = ", ".join(d.decided_by) or (f"{self.w['hinges']} {', '.join(d.hinges_on)}" if d.hinges_on else self.w["m_default"])
        return "; ".join([why, *set_aside(d, self.w)])

    def _rule_link(self, rule: str) -> str:
        return f'<a href="{"../" if self.paged else ""}{"index.html" if self.paged else ""}#r-{slug(rule)}">{e(rule)}</a>'

    def section(self, d: Decision, form: str) -> str:
        w, lang = self.w, self.lang
        anchor = ("u-" if d.kind == "unit" else "h-") + slug(d.id)
        title = e(M.named(d.name, d.id))
        out = [f'<section class="decision" id="{anchor}" data-outcome="{e(d.outcome or "error")}" data-form="{e(form)}">',
               f"<h3>{e(w[d.kind]).capitalize()} {title} — {_badge(d.outcome, lang)}</h3>"]
        deciding = [r for r in d.trace if r.rule in d.decided_by]
        if d.error:
            out.append(f'<p class="why">{e(w["error"])}: {e(M.error_text(d.error, lang))}</p>')
        elif d.forced:
            f = d.forced
            out.append(f'<p class="why"><strong>{e(w["forced_by"])} {e(f["decided_by"])}</strong>, {e(f["decided_on"])}: '
                       f'{e(f["reason"])}</p>')
        elif deciding:
            for r in deciding:
                cites = "; ".join(M.sections(r.source))
                quotes = "".join(f"<blockquote>{e(s['quote'])}</blockquote>" for s in r.source if s.get("quote"))
                out.append(f'<p class="why"><strong>{e(w["decided_by"]).capitalize()} {self._rule_link(r.rule)}</strong>: '
                           f'{e(r.text[lang])} <cite>({e(cites)})</cite></p>{quotes}')
        elif d.hinges_on:
            out.append(f'<p class="why"><strong>{e(w["hinges_on"]).capitalize()}</strong> '
                       + ", ".join(self._rule_link(r) for r in d.hinges_on) + "</p>")
        else:
            out.append(f'<p class="why">{e(w["m_default"])}</p>')
        if d.needed:
            out.append(f"<p>{e(w['needed'])}:</p><ul>" + "".join(f"<li>{e(line[2:])}</li>" for line in needed_lines(d.needed, lang)) + "</ul>")
        if d.overrides:
            out.append(f"<p>{e(w['overrides'])}:</p><ul>" + "".join(
                f"<li>{e(w[o['action']])} {self._rule_link(o['rule'])}: {e(o['reason'])} ({e(o['decided_by'])}, {e(o['decided_on'])})</li>"
                for o in d.overrides) + "</ul>")
        out.append(f"<details><summary>{e(w['m_trace'])}</summary><pre>{e(explain_text(d, lang))}</pre></details></section>\n")
        return "\n".join(out)

    # --- the pages -----------------------------------------------------------------------------------

    def _order(self) -> list[str]:
        """Huvudmän by rank, then by outcome, then by id; units whose huvudman has no record last."""
        ranked = sorted(self.huvudman.values(), key=lambda h: (h["rank"] is None, h["rank"] or 0,
                                                               HUVUDMAN_OUTCOMES.index(h["outcome"]) if h["outcome"] in HUVUDMAN_OUTCOMES else 9, h["id"]))
        order = [h["id"] for h in ranked]
        order += sorted({u["huvudman"] or "" for u in self.units} - set(order))
        return order

    def _head(self, title: str) -> str:
        return (f'<!DOCTYPE html>\n<html lang="{self.lang}"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width"><title>{e(title)}</title><style>{STYLE}</style></head><body>\n')

    def _filter(self) -> str:
        w = self.w
        outcomes = "".join(f'<option value="{o}">{e(M.outcome(o, self.lang))}</option>' for o in (*HUVUDMAN_OUTCOMES, *UNIT_OUTCOMES)
                           if self.counts["unit"][o] or self.counts["huvudman"][o])
        forms = "".join(f'<option value="{e(f)}">{e(f)}</option>' for f in sorted(self.forms))
        return (f'<form class="filter hidden"><label>{e(w["outcome"]).capitalize()} <select id="f-outcome"><option value="">{e(w["m_all"])}</option>'
                f'{outcomes}</select></label> <label>{e(w["m_form"])} <select id="f-form"><option value="">{e(w["m_all"])}</option>'
                f"{forms}</select></label></form>")

    def _link(self, kind: str, id_: str, owner: str | None) -> str:
        page = self.page_of(owner)
        return f'<a href="{page}#{"u" if kind == "unit" else "h"}-{slug(id_)}">{e(id_)}</a>'

    def _summary(self, title: str, summary_lines: list[str]) -> str:
        w, lang = self.w, self.lang
        pack = self.pack_ref or {}
        out = [f"<h1>{e(title)}</h1>",
               f"<nav><a href=\"#round\">{e(w['m_round'])}</a><a href=\"#reviews\">{e(w['m_reviews'])}</a>"
               f"<a href=\"#huvudman\">{e(w['report_huvudman'])}</a><a href=\"#units\">{e(w['report_units'])}</a>"
               f"<a href=\"#rules\">{e(w['report_rules'])}</a><a href=\"#params\">{e(w['m_params'])}</a></nav>",
               "<ul>" + "".join(f"<li>{e(line)}</li>" for line in summary_lines) + "</ul>",
               f"<p>{e(w['report_pack'])} {e(pack.get('id', ''))}@{e(pack.get('version', ''))}, sha256 {e(pack.get('sha256', ''))}</p>",
               chart(self.counts, lang)]
        # the round
        ranked = sorted((h for h in self.huvudman.values() if h["rank"] is not None), key=lambda h: h["rank"])
        out.append(f'<h2 id="round">{e(w["m_round"])}</h2>')
        if ranked:
            cap = ((ranked[0]["ranking"] or {}).get("capacity") or {}).get("value")
            rows = []
            for h in ranked:
                r = h["ranking"] or {}
                ties = tiebreak_text(r, lang)
                rows.append(f'<tr data-outcome="{e(h["outcome"])}"><td>{h["rank"]}</td><td>{self._link("huvudman", h["id"], h["id"])} {e(h["name"])}</td>'
                            f'<td>{_badge(h["outcome"], lang)}</td><td>{e(M.number(h["priority"], lang)) if isinstance(h["priority"], (int, float)) else ""}'
                            f'{" + " + e(w["priority_unknown"]) if r.get("priority_unknown") else ""}</td><td>{e(ties)}'
                            + (" — " + e(w["m_forced"]) if r.get("forced") else "") + "</td></tr>")
                if cap is not None and h["rank"] == cap:
                    rows.append(f'<tr class="capacity"><td colspan="5">{e(w["capacity"]).capitalize()} {e(M.number(cap, lang))}</td></tr>')
            placed = sum(1 for h in ranked if h["outcome"] == "proposed")
            out.append(f"<p>{e(w['m_order'])} {e(w['capacity']).capitalize()}: {e(M.number(cap, lang)) if cap is not None else '–'}; "
                       f"{e(M.outcome('proposed', lang))}: {e(M.number(placed, lang))}; {e(M.outcome('waitlisted', lang))}: "
                       f"{e(M.number(len(ranked) - placed, lang))}.</p><table><tr><th>{e(w['rank'])}</th><th>{e(w['huvudman'])}</th><th>{e(w['outcome'])}</th>"
                       f"<th>{e(w['priority'])}</th><th>{e(w['m_tiebreak'])}</th></tr>{''.join(rows)}</table>")
        else:
            out.append(f"<p>{e(w['m_no_round'])}</p>")
        # manual reviews
        out.append(f'<h2 id="reviews">{e(w["m_reviews"])}</h2>')
        if self.reviews:
            items = []
            for kind, id_, name, owner, why, needed in self.reviews:
                items.append(f"<li>{e(w[kind])} {self._link(kind, id_, owner)} {e(name)}: {e(why)}"
                             + ("<ul>" + "".join(f"<li>{e(line[2:])}</li>" for line in needed) + "</ul>" if needed else "") + "</li>")
            out.append("<ul>" + "".join(items) + "</ul>")
        else:
            out.append(f"<p>{e(w['m_none'])}</p>")
        out.append(self._filter())
        # tables
        hrows = "".join(f'<tr data-outcome="{e(h["outcome"] or "error")}"><td>{h["rank"] or ""}</td><td>{self._link("huvudman", h["id"], h["id"])}</td>'
                        f'<td>{e(h["name"])}</td><td>{_badge(h["outcome"], lang)}</td><td>{e(h["why"])}</td></tr>'
                        for h in (self.huvudman[i] for i in self._order() if i in self.huvudman))
        out.append(f'<h2 id="huvudman">{e(w["report_huvudman"])}</h2><table><tr><th>{e(w["rank"])}</th><th>{e(w["huvudman"])}</th>'
                   f'<th>{e(w["m_name"])}</th><th>{e(w["outcome"])}</th><th>{e(w["col_why"])}</th></tr>{hrows}</table>')
        urows = "".join(f'<tr data-outcome="{e(u["outcome"] or "error")}" data-form="{e(u["form"])}"><td>{self._link("unit", u["id"], u["huvudman"])}</td>'
                        f'<td>{e(u["name"])}</td><td>{e(u["form"])}</td><td>{self._link("huvudman", u["huvudman"] or "", u["huvudman"]) if u["huvudman"] else ""}</td>'
                        f'<td>{_badge(u["outcome"], lang)}</td><td>{e(u["why"])}</td></tr>' for u in self.units)
        out.append(f'<h2 id="units">{e(w["report_units"])}</h2><table><tr><th>{e(w["unit"])}</th><th>{e(w["m_name"])}</th><th>{e(w["m_form"])}</th>'
                   f'<th>{e(w["huvudman"])}</th><th>{e(w["outcome"])}</th><th>{e(w["col_why"])}</th></tr>{urows}</table>')
        return "\n".join(out) + "\n"

    def _appendix(self) -> str:
        w, lang = self.w, self.lang
        rows = []
        for rule, r in sorted(self.rules.items()):
            cites = _cited((s["doc"], s["section"], s.get("quote")) for s in r["source"])
            interp = e(r["interpretation"][lang]) if r["interpretation"] else ""
            rows.append(f'<tr id="r-{slug(rule)}"><td>{e(rule)}</td><td>{e(r["text"][lang])}</td><td>{cites}</td><td>{interp}</td></tr>')
        out = [f'<h2 id="rules">{e(w["report_rules"])}</h2><table><tr><th>{e(w["col_rule"])}</th><th>{e(w["col_text"])}</th>'
               f'<th>{e(w["m_source"])}</th><th>{e(w["interpretation"])}</th></tr>{"".join(rows)}</table>']
        prows = []
        for p in (self.pack.parameters if self.pack is not None else ()):
            value = "; ".join(f"{f} {M.number(v, lang, p.unit)}" for f, v in p.by_school_form) if p.by_school_form else ""
            if p.value is not None:
                value = (value + "; " if value else "") + M.number(p.value, lang, p.unit)
            cites = _cited((c.doc, c.section, c.quote) for c in p.source)
            prows.append(f'<tr id="p-{slug(p.name)}"><td>{e(p.name)}</td><td>{e(value)}</td><td>{e(M.unit_word(p.unit, lang))}</td><td>{cites}</td>'
                         f'<td>{e(p.interpretation[lang]) if p.interpretation else ""}</td></tr>')
        out.append(f'<h2 id="params">{e(w["m_params"])}</h2><table><tr><th>{e(w["m_param"])}</th><th>{e(w["m_value"])}</th><th>{e(w["m_unit"])}</th>'
                   f'<th>{e(w["m_source"])}</th><th>{e(w["interpretation"])}</th></tr>{"".join(prows)}</table>')
        return "\n".join(out) + "\n"

    def _huvudman_part(self, hid: str) -> Iterator[str]:
        w, lang = self.w, self.lang
        h = self.huvudman.get(hid)
        name = h["name"] if h else ""
        yield (f'<section class="huvudman" id="hs-{slug(hid)}"><h2>{e(w["huvudman"]).capitalize()} {e(name)} ({e(hid)})'
               + (f" — {_badge(h['outcome'], lang)}" if h else "") + "</h2>\n")
        for _, start, length in sorted(self.sections.get(hid, [])):
            self.spill.seek(start)
            yield self.spill.read(length)
        yield "</section>\n"

    def pages(self, title: str, summary_lines: list[str]) -> Iterator[tuple[str, Iterator[str]]]:
        """(file name, its parts): one page, or `index.html` and a page per huvudman."""
        foot = f"<script>{SCRIPT}</script></body></html>\n"
        if not self.paged:
            def one() -> Iterator[str]:
                yield self._head(title) + self._summary(title, summary_lines)
                for hid in self._order():
                    yield from self._huvudman_part(hid)
                yield self._appendix() + foot
            yield "index.html", one()
            return
        yield "index.html", iter([self._head(title) + self._summary(title, summary_lines) + self._appendix() + foot])
        for hid in self._order():
            def page(hid: str = hid) -> Iterator[str]:
                yield self._head(f"{title}: {hid}") + f'<p><a href="../index.html">{e(self.w["m_back"])}</a></p>{self._filter()}'
                yield from self._huvudman_part(hid)
                yield foot
            yield self.page_of(hid) or "h/-.html", page()


def write_pages(report: MeetingReport, title: str, summary_lines: list[str], write: Callable[[str], None] | None,
                directory: Path | None) -> list[Path]:
    """One page through `write`, or the pages under `directory` (returns the files written)."""
    written = []
    for name, parts in report.pages(title, summary_lines):
        if directory is None:
            for part in parts:
                write(part)
            continue
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            for part in parts:
                f.write(part)
        written.append(path)
    return written
