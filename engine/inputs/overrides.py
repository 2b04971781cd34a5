"""Officer overrides (DELIVERY.md "Overrides"): documented exceptions for one unit or huvudman.

`set_aside` removes a rule's effect for one target; `force` records an outcome for it. Each needs a
reason, an author and a date; a rule or target that does not exist is an error. Both show in the
trace and in the record.
"""
from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any, Iterable, Mapping

import attrs

from policy import facts as F
from policy.diagnostics import Diagnostics, Location, did_you_mean
from policy.model import Pack
from policy.reader import OPTIONAL, REQUIRED, Reader
from policy.yamlsafe import SEQ, load_file

from .delivery import org_number

OVERRIDE_KEYS = {
    "target": REQUIRED, "rule": REQUIRED, "action": REQUIRED, "outcome": OPTIONAL,
    "reason": REQUIRED, "decided_by": REQUIRED, "decided_on": REQUIRED,
}
ACTIONS = ("set_aside", "force")


@attrs.frozen
class Override:
    target: str
    rule: str
    action: str
    outcome: str | None
    reason: str
    decided_by: str
    decided_on: str
    loc: Location = attrs.field(default=Location(""), eq=False, repr=False)

    @classmethod
    def from_json(cls, o: Mapping[str, Any]) -> "Override":
        """An override as a record or the decision log states it (`to_json` read back)."""
        return cls(o["target"], o["rule"], o["action"], o.get("outcome"), o["reason"], o["decided_by"], o["decided_on"])

    def to_json(self) -> dict:
        out = {"target": self.target, "rule": self.rule, "action": self.action}
        if self.outcome is not None:
            out["outcome"] = self.outcome
        out.update(reason=self.reason, decided_by=self.decided_by, decided_on=self.decided_on)
        return out


def read_overrides(path: str | Path, pack: Pack, targets: Mapping[str, str] | None, diags: Diagnostics) -> list[Override]:
    """Read and check an overrides file; `targets` maps ids to their kind (`unit`/`huvudman`), None skips that check."""
    node = load_file(str(path), diags)
    if node is None:
        return []
    r = Reader(diags)
    out: list[Override] = []
    if node.kind != SEQ:
        r.wrong(node, "an overrides file", "a list of overrides")
        return out
    for item in node.value:
        m = r.mapping(item, OVERRIDE_KEYS, "an override")
        if m is None:
            continue
        target_id = _target(r, m.get("target"))
        rule_id = r.string(m.get("rule"), "the rule")
        action = r.choice(m.get("action"), "the action", ACTIONS)
        reason = r.string(m.get("reason"), "the reason")
        author = r.string(m.get("decided_by"), "decided_by")
        date = r.date(m.get("decided_on"), "decided_on")
        outcome = r.string(m.get("outcome"), "the outcome")
        ok = None not in (target_id, rule_id, action, reason, author, date)
        rule = pack.rule(rule_id) if rule_id else None
        if rule_id and rule is None:
            diags.error("override_unknown_rule", f"the pack {pack.ref} has no rule `{rule_id}`", m["rule"].loc, did_you_mean(rule_id, [x.id for x in pack.rules]))
            ok = False
        if target_id and targets is not None:
            kind = targets.get(target_id)
            if kind is None:
                diags.error("override_unknown_target", f"the delivery has no unit or huvudman `{target_id}`", m["target"].loc)
                ok = False
            elif rule is not None and rule.scope != kind:
                diags.error("override_wrong_scope", f"`{target_id}` is a {kind}, but rule `{rule_id}` is a {rule.scope} rule", m["rule"].loc)
                ok = False
        if action == "force":
            allowed = F.OUTCOMES[rule.scope] if rule is not None else ()
            if outcome is None:
                diags.error("override_missing_outcome", "a forced override needs the `outcome` to record", item.loc)
                ok = False
            elif allowed and outcome not in allowed:
                diags.error("override_bad_outcome", f"`{outcome}` is not an outcome of a {rule.scope}", m["outcome"].loc, did_you_mean(outcome, allowed))
                ok = False
        elif action == "set_aside" and outcome is not None:
            diags.error("override_bad_outcome", "a set-aside gives no outcome; remove `outcome` or use `action: force`", m["outcome"].loc)
            ok = False
        if ok:
            out.append(Override(target_id, rule_id, action, outcome, reason, author, date, item.loc))
            _check_date(date, m["decided_on"].loc, diags)
    _check_duplicates(out, diags)
    return out


#: The first day an officer could have decided anything for the programme (it began in 2015).
EARLIEST_DECISION = "2015-01-01"


def _check_date(date: str, loc: Location, diags: Diagnostics, today: datetime.date | None = None) -> None:
    """A decision dated before the programme or more than a year ahead is likely a typing slip: a warning."""
    today = today or datetime.date.today()
    latest = (today + datetime.timedelta(days=366)).isoformat()
    if date < EARLIEST_DECISION or date > latest:
        diags.warning("override_unlikely_date", f"decided_on {date} is {'before the programme began (2015)' if date < EARLIEST_DECISION else 'more than a year ahead'}",
                      loc, "check the year; the override is applied as written")


def _target(r: Reader, node) -> str | None:
    """The id an override names: a skolenhetskod or an organisation number (normalised with its hyphen)."""
    if node is None:
        return None
    value = node.value if node.kind == "scalar" else None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        r.wrong(node, "the target", "a skolenhetskod or an organisation number, in quotes")
        return None
    text = str(value).strip()
    return org_number(text) or text  # the one normalisation every organisation number gets


def _check_duplicates(overrides: Iterable[Override], diags: Diagnostics) -> None:
    seen: dict[tuple[str, str], Override] = {}
    forced: dict[str, Override] = {}
    for o in overrides:
        first = seen.get((o.target, o.rule))
        if first is not None:
            diags.error("override_duplicate", f"rule `{o.rule}` is overridden twice for `{o.target}`", o.loc, f"the first is at {first.loc}")
        seen[(o.target, o.rule)] = o
        if o.action == "force":
            if o.target in forced:
                diags.error("override_duplicate", f"two forced outcomes for `{o.target}`", o.loc, f"the first is at {forced[o.target].loc}")
            forced[o.target] = o


def for_target(overrides: Iterable[Override], target: str) -> list[Override]:
    return [o for o in overrides if o.target == target]
