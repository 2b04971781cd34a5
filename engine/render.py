"""Views of decision records: the batch summary and the Markdown report for the selection meeting.

Renderers read records only; they never recompute a decision.
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable

UNIT_OUTCOMES = ("eligible", "not_eligible", "excluded", "deferred", "manual_review")
HUVUDMAN_OUTCOMES = ("proposed", "waitlisted", "not_proposed", "deferred", "manual_review")


class Summary:
    """Counts of a batch, kept as records pass by (so records can stream)."""

    def __init__(self) -> None:
        self.units: Counter = Counter()
        self.huvudman: Counter = Counter()
        self.errors = 0

    def add(self, record: dict) -> None:
        if record.get("outcome") is None:
            self.errors += 1
        (self.units if record["kind"] == "unit" else self.huvudman)[record.get("outcome") or "error"] += 1

    @property
    def records(self) -> int:
        return sum(self.units.values()) + sum(self.huvudman.values())

    def lines(self) -> list[str]:
        def row(counter: Counter, order: tuple[str, ...]) -> str:
            return ", ".join(f"{o} {counter[o]}" for o in (*order, "error") if counter[o])

        return [
            f"units: {sum(self.units.values())} ({row(self.units, UNIT_OUTCOMES) or 'none'})",
            f"huvudmän: {sum(self.huvudman.values())} ({row(self.huvudman, HUVUDMAN_OUTCOMES) or 'none'})",
            f"records: {self.records}, of them engine errors: {self.errors}",
        ]


def _cell(text: object) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def markdown(records: Iterable[dict], title: str, lang: str = "sv") -> str:
    """A report of a batch: summary, the huvudman ranking, and every unit's decision with its deciding rules."""
    records = list(records)
    units = [r for r in records if r["kind"] == "unit"]
    huvudman = [r for r in records if r["kind"] == "huvudman"]
    names = {r["id"]: r["input"]["facts"].get(f"{r['kind']}.name", "") for r in records}
    summary = Summary()
    for r in records:
        summary.add(r)
    texts = {e["rule"]: e["text"][lang] for r in records for e in r["trace"]}
    out = [f"# {title}", "", *[f"- {line}" for line in summary.lines()], ""]
    if records:
        p = records[0]["pack"]
        out += [f"Pack `{p['id']}@{p['version']}`, sha256 `{p['sha256']}`.", ""]

    out += ["## Huvudmän", "", "| rank | huvudman | outcome | priority | deciding rules |", "|---|---|---|---|---|"]
    for r in sorted(huvudman, key=lambda r: (r.get("rank") is None, r.get("rank") or 0, r["id"])):
        forced = [o for o in r.get("overrides", []) if o["action"] == "force"]
        why = ", ".join(f"`{x}`" for x in r.get("decided_by", [])) or ", ".join(f"hinges on `{x}`" for x in r.get("hinges_on", []))
        if forced:
            why = f"forced by {forced[0]['decided_by']}: {forced[0]['reason']}"
        if r.get("error"):
            why = r["error"]["message"]
        out.append(f"| {r.get('rank') or ''} | {_cell(names[r['id']])} ({r['id']}) | {r.get('outcome') or 'error'} "
                   f"| {r.get('priority', '')} | {_cell(why)} |")
    out += ["", "## Skolenheter", "", "| unit | huvudman | outcome | deciding rules | missing data |", "|---|---|---|---|---|"]
    for r in units:
        why = ", ".join(f"`{x}`" for x in r.get("decided_by", [])) or ", ".join(f"hinges on `{x}`" for x in r.get("hinges_on", []))
        aside = [f"`{o['rule']}` set aside by {o['decided_by']}" for o in r.get("overrides", []) if o["action"] == "set_aside"]
        missing = ", ".join(m.get("fact") or m.get("param") or m.get("national_average", "") for m in r.get("missing", []))
        out.append(f"| {_cell(names[r['id']])} ({r['id']}) | {r['huvudman_id']} | {r.get('outcome') or 'error'} "
                   f"| {_cell('; '.join(filter(None, [why, *aside])))} | {_cell(missing)} |")
    out += ["", "## Regler", "", "| rule | text |", "|---|---|"]
    out += [f"| `{rid}` | {_cell(text)} |" for rid, text in sorted(texts.items())]
    return "\n".join(out) + "\n"
