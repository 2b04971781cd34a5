"""Views of decision records: the batch summary, CSV rows, and the report in Markdown (Swedish, or English
with `lang="en"`); the HTML report for the selection meeting is `engine.views.meeting`.

Renderers read decisions (`engine.core.results.Decision`, read from records) only; they never recompute one. Both report formats render one model
(`report`), so they always say the same.
"""
from __future__ import annotations

import csv
import html as _html
import io
import re
import tempfile
from collections import Counter
from typing import Any, Iterable, Iterator, Mapping

from .. import messages as M
from ..core.results import Decision
from .explain import explain_text

UNIT_OUTCOMES = ("eligible", "not_eligible", "excluded", "deferred", "manual_review")
HUVUDMAN_OUTCOMES = ("proposed", "waitlisted", "not_proposed", "deferred", "manual_review")

class Summary:
    """Counts of a batch, kept as records pass by (so records can stream)."""

    def __init__(self, undecided: str | None = None, not_in_force: dict | None = None) -> None:
        self.units: Counter = Counter()
        self.huvudman: Counter = Counter()
        self.errors = 0
        self.undecided = undecided  #: why huvudmän get no records, when the pack decides none
        self.not_in_force = not_in_force  #: the pack was named, and is not the one in force on the delivery's date

    def add(self, record: dict) -> None:
        self.count(record["kind"], record.get("outcome"))

    def count(self, kind: str, outcome: str | None) -> None:
        """Count one record by its kind and outcome (None: an engine-error record)."""
        if outcome is None:
            self.errors += 1
        (self.units if kind == "unit" else self.huvudman)[outcome or "error"] += 1

    @property
    def records(self) -> int:
        return sum(self.units.values()) + sum(self.huvudman.values())

    def lines(self, rows: int | None = None, lang: str | None = None) -> list[str]:
        """The summary; with the number of input rows, the account that every row gave one record.

        Without `lang`, outcomes are named by their codes (the analyst's summary on stderr, which scripts read);
        with it, in that language (the report).
        """
        w = M.WORDS[lang or "en"]
        n = (lambda v: M.number(v, lang)) if lang else str

        def row(counter: Counter, order: tuple[str, ...]) -> str:
            name = (lambda o: M.outcome(None if o == "error" else o, lang)) if lang else (lambda o: o)
            return ", ".join(f"{name(o)} {n(counter[o])}" for o in (*order, "error") if counter[o])

        out = [
            w["sum_units"].format(n=n(sum(self.units.values())), detail=row(self.units, UNIT_OUTCOMES) or w["sum_none"]),
            w["sum_undecided"].format(why=self.undecided) if self.undecided else
            w["sum_huvudman"].format(n=n(sum(self.huvudman.values())), detail=row(self.huvudman, HUVUDMAN_OUTCOMES) or w["sum_none"]),
            w["sum_records"].format(n=n(self.records), errors=n(self.errors)),
        ]
        if self.not_in_force is not None:
            why = self.not_in_force
            key = "sum_replaced" if why["replaced_by"] else "sum_not_in_force"
            out.append(w[key].format(pack=why["pack"], date=why["date"], by=why["replaced_by"] or "",
                                     current=why["in_force"] or "–"))
        if rows is not None:
            verdict = w["sum_accounted"] if rows == self.records else w["sum_differ"]
            decided = self.records - self.errors
            out.append(w["sum_rows"].format(rows=n(rows), decisions=n(decided), errors=n(self.errors), verdict=verdict,
                                            decision_word=w["sum_decision_one" if decided == 1 else "sum_decision_many"],
                                            record_word=w["sum_record_one" if self.errors == 1 else "sum_record_many"]))
        return out


def _priority(d: Decision, lang: str) -> str:
    """A huvudman's priority; one that rests on rules whose truth is unknown says so, never shown as sure."""
    p = "" if d.priority is None else M.number(d.priority, lang) if isinstance(d.priority, (int, float)) else str(d.priority)
    if d.priority_unknown:
        return f"{p} + {M.WORDS[lang]['priority_unknown']} ({', '.join(d.priority_unknown)})"
    return p


def _why(d: Decision, h: dict) -> str:
    if d.error:
        return f"{h['error']}: {M.error_text(d.error, h['lang'])}"
    if d.forced:
        return f"{h['forced_by']} {d.forced['decided_by']}: {d.forced['reason']}"
    ranking = d.ranking or {}
    if "uncertain_against" in ranking and d.outcome == ranking.get("result"):  # the round could not place it
        why = h["straddles"].format(best=ranking["best"], worst=ranking["worst"],
                                    capacity=M.number(ranking["capacity"]["value"], h["lang"]))
    else:
        why = ", ".join(d.decided_by) or (f"{h['hinges']} " + ", ".join(d.hinges_on) if d.hinges_on else "")
    return "; ".join(filter(None, [why, *set_aside(d, h)]))


def set_aside(d: Decision, w: Mapping[str, str]) -> list[str]:
    """The rules an officer set aside, by whom, as a table row says it: `small-unit åsidosatt av A. Andersson`."""
    return [f"{o['rule']} {w['set_aside_by']} {o['decided_by']}" for o in d.overrides if o["action"] == "set_aside"]


class ReportBuilder:
    """What the report says, gathered one record at a time: the rows of its tables (small), the rules' texts,
    and each decision's trace written at once to a temporary file, so a national register's report is
    made in the memory of its tables, not of its records."""

    def __init__(self, lang: str = "sv") -> None:
        self.lang, self.h = lang, M.words(lang)
        self.summary = Summary()
        self.huvudman: list[tuple[tuple, str, list]] = []  #: (sort key, id, row)
        self.units: list[list] = []
        self.rules: dict[str, tuple[str, str]] = {}  #: rule -> (its text, its sections)
        self.pack: dict | None = None
        self.spill = tempfile.TemporaryFile(mode="w+", encoding="utf-8", newline="")
        self.traces: dict[tuple[str, str], tuple[int, int, str]] = {}
        self.unit_order: list[tuple[str, str]] = []

    def add(self, decision: "Decision | dict") -> None:
        """Take one decision (or the record stating it) into the report."""
        d, h = Decision.of(decision), self.h
        self.summary.count(d.kind, d.outcome)
        self.pack = self.pack or d.pack
        label = M.named(d.name, d.id)
        if d.kind == "huvudman":
            key = (d.rank is None, d.rank or 0, d.id)
            self.huvudman.append((key, d.id, [d.rank or "", label, M.outcome(d.outcome, self.lang), _priority(d, self.lang), _why(d, h)]))
        else:
            self.units.append([label, d.huvudman_id, M.outcome(d.outcome, self.lang), _why(d, h), ", ".join(d.missing_names)])
            self.unit_order.append((d.kind, d.id))
        for r in d.trace:
            self.rules[r.rule] = (r.text[self.lang], "; ".join(M.sections(r.source)))
        text = explain_text(d, self.lang)
        start = self.spill.tell()
        self.spill.write(text)
        self.traces[(d.kind, d.id)] = (start, len(text), label)

    def _traces(self) -> Iterator[tuple[str, str]]:
        order = [*self.unit_order, *(("huvudman", hid) for _, hid, _ in sorted(self.huvudman, key=lambda x: x[0]))]
        for k in order:
            start, length, label = self.traces[k]
            self.spill.seek(start)
            yield label, self.spill.read(length)

    def model(self, title: str) -> dict[str, Any]:
        """The report's parts; the traces are read back one at a time."""
        h, pack = self.h, self.pack
        return {
            "title": title,
            "summary": self.summary.lines(self.summary.records, self.lang),
            "pack": f"{h['report_pack']} {pack['id']}@{pack['version']}, sha256 {pack['sha256']}" if pack else "",
            "huvudman": ([h["rank"], h["col_name"], h["outcome"], h["priority"], h["col_why"]],
                         [row for _, _, row in sorted(self.huvudman, key=lambda x: x[0])]),
            "units": ([h["unit"], h["col_name"], h["outcome"], h["col_why"], h["col_missing"]], self.units),
            "traces": self._traces(),
            "rules": ([h["col_rule"], h["col_text"], h["m_source"]], [(rule, *cells) for rule, cells in sorted(self.rules.items())]),
            "headings": h,
            "lang": self.lang,
        }


def report(records: Iterable[dict], title: str, lang: str = "sv") -> dict[str, Any]:
    """What the report says: summary, huvudmän by rank, units, each decision's trace, the rules' texts."""
    builder = ReportBuilder(lang)
    for r in records:
        builder.add(r)
    return builder.model(title)


def _md_text(text: object) -> str:
    """Text from a delivery, safe in Markdown: HTML in a name is shown, never run."""
    return _html.escape(str(text), quote=False)


def _md_line(text: object) -> str:
    """Text from a delivery on one line (a table cell, a heading): a line break in a name would end it early."""
    return M.one_line(_md_text(text))


def _md_cell(text: object) -> str:
    return _md_line(text).replace("|", "\\|")


def _fence(text: str) -> str:
    """A code fence longer than any run of backticks in `text`, so a name cannot close it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _md_table(head: list[str], rows: Iterable[Iterable[Any]]) -> list[str]:
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head), *("| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows)]


def markdown_parts(m: dict[str, Any]) -> Iterator[str]:
    """The report as Markdown, in pieces (a national register's report is written as it is made)."""
    h = m["headings"]
    out = [f"# {_md_text(m['title'])}", "", *[f"- {_md_text(line)}" for line in m["summary"]], "", m["pack"], ""]
    out += [f"## {h['report_huvudman']}", "", *_md_table(*m["huvudman"]), ""]
    out += [f"## {h['report_units']}", "", *_md_table(*m["units"]), ""]
    out += [f"## {h['report_traces']}", ""]
    yield "\n".join(out) + "\n"
    for heading, text in m["traces"]:
        fence = _fence(text)
        yield "\n".join([f"### {_md_line(heading)}", "", f"{fence}text", text.rstrip("\n"), fence, ""]) + "\n"
    yield "\n".join([f"## {h['report_rules']}", "", *_md_table(*m["rules"])]) + "\n"


def markdown(records: Iterable[dict], title: str, lang: str = "sv") -> str:
    """The report as Markdown."""
    return "".join(markdown_parts(report(records, title, lang)))


def html(records: Iterable[dict], title: str, lang: str = "sv") -> str:
    """The report for the selection meeting as one self-contained HTML page (`engine.views.meeting`)."""
    from .meeting import MeetingReport, write_pages
    report, summary, parts = MeetingReport(lang), Summary(), []
    for r in records:
        report.add(r)
        summary.add(r)
    write_pages(report, title, summary.lines(summary.records, lang), parts.append, None)
    return "".join(parts)


CSV_COLUMNS = ["kind", "id", "name", "huvudman_id", "outcome", "rank", "priority", "decided_by", "hinges_on",
               "missing", "overrides", "error", "pack", "pack_sha256", "input_sha256"]


def safe_cell(value: Any) -> Any:
    """A cell a spreadsheet will not run: text starting with `=`, `+`, `-`, `@` (or a tab or CR) is prefixed
    with `'`, so a name such as `=HYPERLINK(…)` is shown as written (formula injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_line(cells: list) -> str:
    """One row of CSV text (`\\n` ends it, cells quoted where they need it)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(cells)
    return buf.getvalue()


def csv_row(decision: "Decision | dict") -> list[Any]:
    """One decision (or its record) as a row of `CSV_COLUMNS` (lists joined by spaces; text made safe for spreadsheets)."""
    return [safe_cell(c) for c in _csv_cells(Decision.of(decision))]


def _csv_cells(d: Decision) -> list[Any]:
    return [
        d.kind, d.id, d.name, d.huvudman_id or "", d.outcome or "", d.rank or "", "" if d.priority is None else d.priority,
        " ".join(d.decided_by), " ".join(d.hinges_on),
        " ".join(d.missing_names),
        " ".join(f"{o['rule']}:{o['action']}" for o in d.overrides), (d.error or {}).get("message", ""),
        f"{d.pack['id']}@{d.pack['version']}", d.pack["sha256"], d.input_sha256,
    ]
