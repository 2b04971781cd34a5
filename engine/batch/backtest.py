"""Backtesting: a candidate pack re-decides every delivery of the decision log, beside the decisions logged.

Each logged delivery is rebuilt from its records (each unit's and huvudman's input facts and the national
averages: what the engine read, which is all a re-decision needs) and decided again with the candidate,
its overrides applied where the candidate has the rules they name. What changes is counted per delivery and
in total: outcomes by transition, the huvudmän proposed, the pupils reached by the proposal (pupils of the
eligible units of proposed huvudmän), and each unit or huvudman whose outcome changes, with the rules whose
status differs. The parameters that differ between the two packs are listed side by side.
"""
from __future__ import annotations

import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import Iterable

import attrs

from policy.canonical import canonical
from policy.diagnostics import Diagnostics
from policy.model import Pack

from ..inputs.delivery import read_delivery
from ..inputs.overrides import Override
from ..views.diff import decision_changes, parameter_differences
from .decisionlog import DecisionLog
from .replay import _nest


@attrs.frozen
class DeliveryBacktest:
    delivery: str
    date: str
    run: str
    before: str  #: the pack that decided it (id@version)
    transitions: dict[str, dict[str, int]]  #: kind -> "from → to" -> count
    proposed: tuple[int, int]
    pupils: tuple[int, int]
    changed: list[dict]
    dropped_overrides: list[dict]
    decisions: int

    def to_json(self) -> dict:
        return {"delivery": self.delivery, "date": self.date, "run": self.run, "from": self.before,
                "decisions": self.decisions, "transitions": self.transitions,
                "proposed": {"from": self.proposed[0], "to": self.proposed[1]},
                "pupils_reached": {"from": self.pupils[0], "to": self.pupils[1]},
                "changed": self.changed, "overrides_not_applied": self.dropped_overrides}


@attrs.frozen
class Backtest:
    to: Pack
    deliveries: tuple[DeliveryBacktest, ...]
    parameters: list[dict]  #: {name, from: {pack: value}, to}

    def totals(self) -> dict:
        transitions: dict[str, Counter] = {}
        for d in self.deliveries:
            for kind, counts in d.transitions.items():
                transitions.setdefault(kind, Counter()).update(counts)
        return {"deliveries": len(self.deliveries), "decisions": sum(d.decisions for d in self.deliveries),
                "changed": sum(len(d.changed) for d in self.deliveries),
                "transitions": {k: dict(sorted(v.items())) for k, v in transitions.items()},
                "proposed": {"from": sum(d.proposed[0] for d in self.deliveries), "to": sum(d.proposed[1] for d in self.deliveries)},
                "pupils_reached": {"from": sum(d.pupils[0] for d in self.deliveries), "to": sum(d.pupils[1] for d in self.deliveries)}}

    def to_json(self) -> dict:
        return {"to": self.to.ref, "to_sha256": self.to.sha256, "deliveries": [d.to_json() for d in self.deliveries],
                "total": self.totals(), "parameters": self.parameters}


class NotRebuilt(ValueError):
    """A logged run whose records no longer make a valid delivery (a log edited by hand, or damaged)."""


def rebuilt(records: list[dict]) -> dict:
    """The delivery a run decided, from its records: header, national averages, huvudmän and units."""
    units, huvudman = [], {}
    header, averages = {}, {}
    for r in records:
        nested = _nest(r["input"]["facts"])
        header = header or nested.get("delivery", {})
        averages = averages or r["input"]["national_averages"]
        if r["kind"] == "unit":
            units.append(nested["unit"])
        h = nested.get("huvudman")
        if h and h.get("id") and (r["kind"] == "huvudman" or h["id"] not in huvudman):
            huvudman[h["id"]] = h
    return {"delivery": header, "national_averages": averages, "huvudman": list(huvudman.values()), "units": units}


def pupils_reached(records: Iterable[dict]) -> int:
    """Pupils of the eligible units of the proposed huvudmän."""
    records = list(records)
    proposed = {r["id"] for r in records if r["kind"] == "huvudman" and r.get("outcome") == "proposed"}
    return sum(r["input"]["facts"].get("unit.pupils") or 0 for r in records
               if r["kind"] == "unit" and r.get("outcome") == "eligible" and r.get("huvudman_id") in proposed)


def transitions(changed: list[dict]) -> dict[str, dict[str, int]]:
    out: dict[str, Counter] = {}
    for c in changed:
        out.setdefault(c["kind"], Counter())[f"{c['from']} → {c['to']}"] += 1
    return {k: dict(sorted(v.items())) for k, v in out.items()}


def parameter_changes(before: dict, after: dict, before_ref: str, after_ref: str) -> list[dict]:
    """The parameters whose value differs (or that one pack lacks), side by side under each pack's ref."""
    return [{"name": c["name"], before_ref: c["from"], after_ref: c["to"]} for c in parameter_differences(before, after)]


def _overrides(raw: list[dict], pack: Pack) -> tuple[list[Override], list[dict]]:
    kept, dropped = [], []
    for o in raw:
        if pack.rule(o["rule"]) is None:
            dropped.append(o)
        else:
            kept.append(Override.from_json(o))
    return kept, dropped


def backtest(log: DecisionLog, to: Pack, before: str | None = None, deliveries: Iterable[str] = (),
             workers: int | None = None) -> Backtest:
    """Re-decide the last run of each logged delivery (by the pack `before` where given) with `to`."""
    from ..app import delivery_records
    wanted = set(deliveries)
    latest: dict[str, dict] = {}
    for run in log.runs():
        if before is not None and f"{run['pack_id']}@{run['pack_version']}" != before:
            continue
        if wanted and run["delivery"] not in wanted:
            continue
        latest[run["delivery_sha256"]] = run
    results, canonicals = [], {}
    for run in latest.values():
        old = [json.loads(line) for _, _, line in log.lines(run["run"])]
        overrides_raw = json.loads(log.db.execute("SELECT overrides FROM runs WHERE run_id = ?", (run["run"],)).fetchone()[0])
        overrides, dropped = _overrides(overrides_raw, to)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{run['delivery']}.json"
            path.write_text(json.dumps(rebuilt(old), ensure_ascii=False), encoding="utf-8")
            diags = Diagnostics()
            doc = read_delivery(path, diags)
            if doc is None:
                raise NotRebuilt(f"run {run['run']}: the logged delivery {run['delivery']} cannot be rebuilt: "
                                 + "; ".join(d.message for d in diags.errors))
            new = delivery_records(to, doc, overrides, workers)
        changed = decision_changes(old, new)
        proposed = tuple(sum(1 for r in rs if r["kind"] == "huvudman" and r.get("outcome") == "proposed") for rs in (old, new))
        ref = f"{run['pack_id']}@{run['pack_version']}"
        canonicals[ref] = log.pack_canonical(run["pack_sha256"])
        results.append(DeliveryBacktest(run["delivery"], run["delivery_date"], run["run"], ref, transitions(changed),
                                        proposed, (pupils_reached(old), pupils_reached(new)), changed, dropped, len(new)))
    after = canonical(to)
    parameters = [c for ref, doc in sorted(canonicals.items()) for c in parameter_changes(doc, after, ref, to.ref)]
    return Backtest(to, tuple(results), parameters)
