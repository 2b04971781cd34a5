"""A delivery's decisions as an XLSX workbook for the analyst (`sbs evaluate --format xlsx --out FILE`).

Three sheets, headed in the report's language (Swedish by default):
- the decisions (`Beslut`): one row per record, the columns of `--format csv` with the outcome in words
  beside its code, and the rules an unknown priority rests on; text that Excel would run (`=…`) is stored
  as text with Excel's quote prefix, shown as written;
- the summary (`Sammanfattning`): the delivery, the pack and its sha256, the counts per outcome, the account
  that every row gave one record;
- the round (`Omgång`): the ranked huvudmän in order of rank, with outcome, priority, the tie-break that placed
  each and the capacity.

Numbers are numbers (Excel shows them the reader's way: 224,4 in a Swedish Excel). Rows stream into a
write-only workbook (openpyxl keeps them in temporary files), so a national register does not grow memory.
The file is the same bytes for the same records: the zip's timestamps and the document's dates are the
delivery's date, never the time of the run.
"""
from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections import Counter
from typing import Any, Callable

from .. import messages as M
from ..core.results import Decision
from .meeting import tiebreak_text

HEADERS = {
    "sv": {"records": "Beslut", "summary": "Sammanfattning", "round": "Omgång",
           "kind": "Typ", "id": "Id", "name": "Namn", "huvudman_id": "Huvudmannens organisationsnummer",
           "outcome": "Utfall", "outcome_code": "Utfallskod", "rank": "Plats", "priority": "Prioritet",
           "decided_by": "Avgjort av", "hinges_on": "Beror på okända uppgifter i", "missing": "Saknade uppgifter",
           "overrides": "Handläggarens ändringar", "error": "Fel", "pack": "Regelpaket", "pack_sha256": "Regelpaketets sha256",
           "input_sha256": "Indatas sha256", "tiebreak": "Särskiljning", "priority_unknown": "Prioritet beror på okänt i",
           "capacity": "Kapacitet", "count": "Antal", "field": "Uppgift", "value": "Värde",
           "delivery": "Leverans", "date": "Leveransdatum", "line": "Sammanfattning"},
    "en": {"records": "Decisions", "summary": "Summary", "round": "Round",
           "kind": "Kind", "id": "Id", "name": "Name", "huvudman_id": "Huvudman organisation number",
           "outcome": "Outcome", "outcome_code": "Outcome code", "rank": "Rank", "priority": "Priority",
           "decided_by": "Decided by", "hinges_on": "Hinges on missing data in", "missing": "Missing data",
           "overrides": "Officer overrides", "error": "Error", "pack": "Pack", "pack_sha256": "Pack sha256",
           "input_sha256": "Input sha256", "tiebreak": "Tie-break", "priority_unknown": "Priority hinges on unknown in",
           "capacity": "Capacity", "count": "Count", "field": "Field", "value": "Value",
           "delivery": "Delivery", "date": "Delivery date", "line": "Summary"},
}
RECORD_COLUMNS = ("kind", "id", "name", "huvudman_id", "outcome", "outcome_code", "rank", "priority", "priority_unknown", "decided_by",
                  "hinges_on", "missing", "overrides", "error", "pack", "pack_sha256", "input_sha256")
ROUND_COLUMNS = ("rank", "huvudman_id", "name", "outcome", "priority", "priority_unknown", "tiebreak")


class Workbook:
    """Records in, one workbook out: `add` each record as it comes, then `write` the file's bytes."""

    def __init__(self, lang: str = "sv") -> None:
        from openpyxl import Workbook as Book
        self.lang, self.h, self.w = lang, HEADERS[lang], M.words(lang)
        self.book = Book(write_only=True)
        self.records = self.book.create_sheet(self.h["records"])
        self.records.append([self.h[c] for c in RECORD_COLUMNS])
        self.counts: dict[str, Counter] = {"unit": Counter(), "huvudman": Counter()}
        self.ranked: list[Decision] = []
        self.pack: dict[str, str] = {}

    def add(self, record: "dict | Decision") -> None:
        d = Decision.of(record)
        self.pack = self.pack or dict(d.pack)
        self.counts[d.kind][d.outcome or "error"] += 1
        if d.kind == "huvudman" and d.rank is not None:
            self.ranked.append(d)
        cells = {
            "kind": self.w.get(d.kind, d.kind), "id": d.id, "name": d.name, "huvudman_id": d.huvudman_id or "",
            "outcome": M.outcome(d.outcome, self.lang), "outcome_code": d.outcome or "error",
            "rank": d.rank, "priority": d.priority if isinstance(d.priority, (int, float)) else None if d.priority is None else str(d.priority),
            "priority_unknown": " ".join(d.priority_unknown),
            "decided_by": " ".join(d.decided_by), "hinges_on": " ".join(d.hinges_on),
            "missing": " ".join(d.missing_names),
            "overrides": " ".join(f"{o['rule']}:{o['action']}" for o in d.overrides),
            "error": M.error_text(d.error, self.lang) if d.error else "",
            "pack": f"{d.pack['id']}@{d.pack['version']}", "pack_sha256": d.pack["sha256"], "input_sha256": d.input_sha256,
        }
        self.records.append([self._cell(self.records, cells[c]) for c in RECORD_COLUMNS])

    @staticmethod
    def _cell(sheet: Any, value: Any) -> Any:
        """A value as a cell: text is text, shown as written; one Excel would run (`=…`) is stored as text with
        Excel's quote prefix (no apostrophe in the name, and nothing runs when the cell is edited)."""
        if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
            from openpyxl.cell import WriteOnlyCell
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            cell.quotePrefix = True
            return cell
        return value

    def write(self, delivery_id: str, date: str, summary_lines: list[str], write: Callable[[bytes], None]) -> None:
        """The summary and the round after the decisions, and the workbook's bytes through `write`."""
        h, lang = self.h, self.lang
        summary = self.book.create_sheet(h["summary"])
        summary.append([h["field"], h["value"]])
        summary.append([h["delivery"], self._cell(summary, delivery_id)])
        summary.append([h["date"], date])
        if self.pack:
            summary.append([h["pack"], f"{self.pack['id']}@{self.pack['version']}"])
            summary.append([h["pack_sha256"], self.pack["sha256"]])
        for line in summary_lines:
            summary.append([h["line"], self._cell(summary, line)])
        summary.append([])
        summary.append([h["kind"], h["outcome"], h["outcome_code"], h["count"]])
        for kind in ("unit", "huvudman"):
            for outcome, n in sorted(self.counts[kind].items()):
                summary.append([self.w[kind], M.outcome(None if outcome == "error" else outcome, lang), outcome, n])
        round_ = self.book.create_sheet(h["round"])
        round_.append([h[c] for c in ROUND_COLUMNS] + [h["capacity"]])
        for d in sorted(self.ranked, key=lambda d: d.rank):
            r = d.ranking or {}
            ties = tiebreak_text(r, lang)
            cap = (r.get("capacity") or {}).get("value")
            round_.append([d.rank, d.id, self._cell(round_, d.name), M.outcome(d.outcome, lang),
                           d.priority if isinstance(d.priority, (int, float)) else None,
                           " ".join(d.priority_unknown), ties, cap])
        buf = io.BytesIO()
        self.book.save(buf)
        write(_fixed(buf.getvalue(), date))


_STAMP = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


def _fixed(data: bytes, date: str) -> bytes:
    """The workbook with the delivery's date as every timestamp (zip entries, the document's created and
    modified), so the same records give the same bytes."""
    day = max(datetime.date.fromisoformat(str(date)), datetime.date(1980, 1, 1))  # a checked delivery's date; zip starts in 1980
    stamp = f"{day.isoformat()}T00:00:00Z".encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in sorted(src.infolist(), key=lambda i: i.filename != "[Content_Types].xml"):  # that part first, as Excel writes it
            body = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                body = _STAMP.sub(lambda m: m.group(1) + stamp + m.group(2), body)
            info = zipfile.ZipInfo(item.filename, date_time=(day.year, day.month, day.day, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, body)
    return out.getvalue()


__all__ = ["Workbook", "HEADERS"]
