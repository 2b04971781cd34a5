"""Agreements (DELIVERY.md "Agreement"): an överenskommelse with its åtgärdsplan, read and checked, then
turned into cases: one for the agreement (scope `agreement`) and one per insats (scope `insats`).

Every defect of the document is reported at once with its file:line:col and field path. The facts the
rules read about lists (how many problems, whether an insats names only problems of the plan, the sums
of the costs, the agreement's length in years) are computed here, as the fact catalogue declares them.
A list the document does not give counts as empty (the document does not state it); a single value it
does not give is absent, and rules test that with `unknown:`. Without a delivery, the huvudman's and the
delivery's facts are unknown, so requirements that need them come out unknown, never failed.
"""
from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any, Mapping

import attrs

from policy import facts as F
from policy.diagnostics import Diagnostics, Location
from policy.reader import OPTIONAL, REQUIRED, Reader
from policy.yamlsafe import MAP, SCALAR, SEQ, YNode, load_file

from .case import Case, FactError, check_value, delivery_summary, fine_any, flatten_facts, huvudman_case, presence
from .delivery import org_number

DOCUMENT_KEYS = {"agreement": REQUIRED, "action_plan": OPTIONAL}
AGREEMENT_KEYS = {
    "id": REQUIRED, "kind": REQUIRED, "huvudman_id": REQUIRED, "signed_by": OPTIONAL, "signed_on": OPTIONAL,
    "starts": OPTIONAL, "ends": OPTIONAL, "responsibilities": OPTIONAL, "pupils_heard": OPTIONAL,
}
SIGNED_BY_KEYS = {"name": OPTIONAL, "role": OPTIONAL, "highest_responsible": OPTIONAL}
RESPONSIBILITY_KEYS = {"skolverket": OPTIONAL, "huvudman": OPTIONAL}
PLAN_KEYS = {"problems": OPTIONAL, "strengths": OPTIONAL, "risks": OPTIONAL, "insatser": OPTIONAL}
PROBLEM_KEYS = {"id": REQUIRED, "description": OPTIONAL, "causes": OPTIONAL}
INSATS_KEYS = {
    "id": REQUIRED, "type": OPTIONAL, "programme": OPTIONAL, "provider": OPTIONAL, "level": OPTIONAL,
    "addresses": OPTIONAL, "grounding": OPTIONAL, "expected_effects": OPTIONAL, "follow_up": OPTIONAL,
    "participants": OPTIONAL, "scope": OPTIONAL, "goals": OPTIONAL,
    "responsible": OPTIONAL, "timeline": OPTIONAL, "estimated_cost_sek": OPTIONAL, "skolverket_contribution_sek": OPTIONAL,
}
FOLLOW_UP_KEYS = {"how": OPTIONAL, "when": OPTIONAL, "responsible": OPTIONAL}
TIMELINE_KEYS = {"starts": OPTIONAL, "ends": OPTIONAL}


@attrs.frozen
class Agreement:
    """A checked agreement: the flat facts of the agreement, the plan's lists, each insats's facts."""

    path: str
    id: str
    huvudman_id: str
    values: Mapping[str, Any]                 #: agreement.* and action_plan.* facts (computed ones included)
    insatser: tuple[Mapping[str, Any], ...]   #: insats.* facts of each insats, in the plan's order
    root: YNode | None = attrs.field(default=None, eq=False, repr=False)  #: the document as read, located
    insats_nodes: tuple[YNode, ...] = attrs.field(default=(), eq=False, repr=False)

    def places(self, kind: str, part: str, fact: str) -> tuple["Place", ...]:
        """Where in the document a fact of the check is written: the fields it is read or computed from
        (`agreement.duration_years` from `starts` and `ends`), each with its place and value."""
        if self.root is None:
            return ()
        base = self.root
        if kind == "insats":
            base = next((n for n in self.insats_nodes if n.kind == MAP and n.get("id") is not None and str(n.get("id").value) == part), None)
            if base is None:
                return ()
        fields = FROM.get(fact) or ((fact[: -len(".count")] if fact.endswith(".count") else fact),)
        return tuple(_place(self.root if not f.startswith("insats.") else base, f) for f in fields)


@attrs.frozen
class Place:
    """A field of an agreement document: its path, where it is (or, when absent, where it would go) and its value."""

    field: str
    location: Location
    value: Any = None
    given: bool = True
    items: int | None = None  #: for a list, how many items it has

    @property
    def informative(self) -> bool:
        """Whether naming it tells the reader something: not a part that is merely there (`action_plan`)."""
        return not (self.given and self.value is None and self.items is None)  # a mapping merely given

    def to_json(self) -> dict:
        out = {"field": self.field, "file": self.location.file, "line": self.location.line, "column": self.location.column,
               "given": self.given}
        if self.items is not None:
            out["items"] = self.items
            if self.value is not None:
                out["value"] = list(self.value)
        elif self.given:
            out["value"] = self.value
        return out


#: facts of the check computed from other fields of the document, and those fields (the rest are fields themselves)
FROM: dict[str, tuple[str, ...]] = {
    "agreement.duration_years": ("agreement.starts", "agreement.ends"),
    "action_plan.problems_without_causes.count": ("action_plan.problems",),
    "action_plan.insatser_huvudman_level.count": ("action_plan.insatser",),
    "action_plan.insatser_school_level.count": ("action_plan.insatser",),
    "action_plan.estimated_cost_sek": ("action_plan.insatser",),
    "action_plan.skolverket_contribution_sek": ("action_plan.insatser",),
    "action_plan.present": ("action_plan",),
    "insats.addresses_known_problems": ("insats.addresses",),
}


def _place(base: YNode, field: str) -> Place:
    """The place of a document field under `base` (the document, or an insats for `insats.…`); an absent field
    is placed at the mapping that would hold it."""
    parts = field.split(".")[1:] if field.startswith("insats.") else field.split(".")
    node, loc = base, base.loc
    for part in parts:
        child = node.get(part) if node.kind == MAP else None
        if child is None or (child.kind == SCALAR and child.value is None):
            return Place(field, node.key_locs.get(part, loc) if child is not None else loc, given=False)
        node, loc = child, child.loc
    if node.kind == SCALAR:
        given = not (isinstance(node.value, str) and not node.value.strip())
        return Place(field, loc, node.value, given=given)
    if node.kind == MAP:
        return Place(field, loc, None)
    listed = [n.value for n in node.value if n.kind == SCALAR]
    short = len(listed) == len(node.value) and len(listed) <= 5 and all(len(str(v)) <= 20 for v in listed)
    return Place(field, loc, tuple(listed) if short else None, items=len(node.value))


class _Reader(Reader):
    def leaf(self, node: YNode | None, path: str) -> Any:
        """A scalar checked against the catalogue's type of `path` (None if absent, null, empty text or wrong).

        Empty or blank text states nothing: `pupils_heard: ""` leaves the requirement as unmet as no text.
        """
        if node is None or (node.kind == SCALAR and node.value is None):
            return None
        if node.kind == SCALAR and isinstance(node.value, str) and not node.value.strip():
            return None
        ftype = F.FIELDS[path].type
        if node.kind != SCALAR:
            self.wrong(node, f"`{path}`", ftype.describe())
            return None
        if ftype.kind == F.DATE:
            return self.date(node, f"`{path}`")
        try:
            return check_value(path, node.value, ftype)
        except FactError as e:
            self.d.error(e.code, e.message, node.loc, e.hint)
            return None

    def texts(self, node: YNode | None, what: str) -> list[str] | None:
        """A list of texts (None if absent or null)."""
        if node is None or (node.kind == SCALAR and node.value is None):
            return None
        out = []
        for item in self.seq(node, what) or []:
            text = self.string(item, f"an item of {what}")
            if text is not None:
                out.append(text)
        return out


def _years(starts: str, ends: str) -> float:
    """The length from `starts` to `ends` (both days included) in years: whole years, then days of the next."""
    a, b = datetime.date.fromisoformat(starts), datetime.date.fromisoformat(ends) + datetime.timedelta(days=1)
    years = b.year - a.year - ((b.month, b.day) < (a.month, a.day))

    def shifted(n: int) -> datetime.date:
        try:
            return a.replace(year=a.year + n)
        except ValueError:  # 29 February: in a common year the anniversary is 1 March (the end being exclusive)
            return datetime.date(a.year + n, 3, 1)

    start, nxt = shifted(years), shifted(years + 1)
    return round(years + (b - start).days / (nxt - start).days, 6)


def read_agreement(path: str | Path, diags: Diagnostics) -> Agreement | None:
    """Read and check an agreement document; None (with every defect in `diags`) if it cannot be checked."""
    root = load_file(str(path), diags)
    if root is None:
        return None
    r = _Reader(diags)
    top = r.mapping(root, DOCUMENT_KEYS, "an agreement document")
    if top is None:
        return None
    a = r.mapping(top["agreement"], AGREEMENT_KEYS, "`agreement`") if "agreement" in top else None
    if a is None:
        return None
    v: dict[str, Any] = {}
    for key in ("id", "kind", "huvudman_id", "signed_on", "starts", "ends", "pupils_heard"):
        v[f"agreement.{key}"] = r.leaf(a.get(key), f"agreement.{key}")
    for key in ("id", "huvudman_id"):  # the document's identity: never left unknown (a missing key is reported above)
        if v[f"agreement.{key}"] is None and not diags.has_errors():
            diags.error("schema_bad_value", f"`agreement.{key}` is empty", a[key].loc,
                        "an agreement names itself (`id`) and its huvudman (`huvudman_id`, the organisation number)")
    signed = r.mapping(a["signed_by"], SIGNED_BY_KEYS, "`agreement.signed_by`") if a.get("signed_by") is not None and a["signed_by"].kind == MAP else None
    if a.get("signed_by") is not None and a["signed_by"].kind != MAP and a["signed_by"].value is not None:
        r.wrong(a["signed_by"], "`agreement.signed_by`", "a mapping with name, role and highest_responsible")
    for key in SIGNED_BY_KEYS:
        v[f"agreement.signed_by.{key}"] = r.leaf((signed or {}).get(key), f"agreement.signed_by.{key}")
    resp = r.mapping(a["responsibilities"], RESPONSIBILITY_KEYS, "`agreement.responsibilities`") if a.get("responsibilities") is not None else None
    for party in RESPONSIBILITY_KEYS:
        items = r.texts((resp or {}).get(party), f"`agreement.responsibilities.{party}`")
        v[f"agreement.responsibilities.{party}.count"] = len(items or ())
    if v["agreement.starts"] and v["agreement.ends"]:
        if v["agreement.ends"] < v["agreement.starts"]:
            diags.error("schema_bad_value", f"the agreement ends ({v['agreement.ends']}) before it starts ({v['agreement.starts']})", a["ends"].loc)
        else:
            v["agreement.duration_years"] = _years(v["agreement.starts"], v["agreement.ends"])

    plan_node = top.get("action_plan")
    v["action_plan.present"] = plan_node is not None and plan_node.kind == MAP
    insatser: list[dict[str, Any]] = []
    if plan_node is not None and not v["action_plan.present"] and plan_node.value is not None:
        r.wrong(plan_node, "`action_plan`", "a mapping with problems, strengths, risks and insatser")
    if v["action_plan.present"]:
        plan = r.mapping(plan_node, PLAN_KEYS, "`action_plan`") or {}
        problems, without_causes = _problems(r, plan.get("problems"))
        v["action_plan.problems_without_causes.count"] = without_causes
        for key in ("strengths", "risks"):
            items = r.texts(plan.get(key), f"`action_plan.{key}`")
            v[f"action_plan.{key}.count"] = len(items or ())
        v["action_plan.problems.count"] = len(problems or ())
        seen: dict[str, Location] = {}
        listed = r.seq(plan["insatser"], "`action_plan.insatser`") if plan.get("insatser") is not None else None
        for node in listed or []:
            insats = _insats(r, node, problems or set(), seen)
            if insats is not None:
                insatser.append(insats)
        v["action_plan.insatser.count"] = len(insatser)
        levels = [i.get("insats.level") for i in insatser]
        for level in ("huvudman", "school"):  # unknown while an insats does not state its level
            v[f"action_plan.insatser_{level}_level.count"] = None if None in levels else levels.count(level)
        for key in ("estimated_cost_sek", "skolverket_contribution_sek"):
            amounts = [i.get(f"insats.{key}") for i in insatser]
            v[f"action_plan.{key}"] = float(sum(amounts)) if None not in amounts else None  # no insatser: 0
    if diags.has_errors() or v["agreement.id"] is None or v["agreement.huvudman_id"] is None:
        return None
    v["agreement.huvudman_id"] = org_number(v["agreement.huvudman_id"]) or v["agreement.huvudman_id"]  # as deliveries store it
    values = {k: x for k, x in v.items() if x is not None}
    nodes = tuple(plan["insatser"].value) if v["action_plan.present"] and plan.get("insatser") is not None and plan["insatser"].kind == SEQ else ()
    return Agreement(str(path), v["agreement.id"], v["agreement.huvudman_id"], values, tuple(insatser), root, nodes)


def _problems(r: _Reader, node: YNode | None) -> tuple[set[str] | None, int]:
    """The ids of the plan's problems, and how many of them name no cause."""
    if node is None or (node.kind == SCALAR and node.value is None):
        return None, 0
    ids: set[str] = set()
    without_causes = 0
    for item in r.seq(node, "`action_plan.problems`") or []:
        m = r.mapping(item, PROBLEM_KEYS, "a problem of the nulägesanalys")
        if m is None:
            continue
        pid = r.string(m.get("id"), "the problem's id")
        if m.get("description") is not None:
            r.string(m["description"], "the problem's description")
        causes = r.texts(m.get("causes"), "the problem's causes")
        without_causes += not causes
        if pid is not None:
            if pid in ids:
                r.d.error("agreement_duplicate_id", f"problem `{pid}` is listed twice", m["id"].loc)
            ids.add(pid)
    return ids, without_causes


def _insats(r: _Reader, node: YNode, problems: set[str], seen: dict[str, Location]) -> dict[str, Any] | None:
    m = r.mapping(node, INSATS_KEYS, "an insats")
    if m is None:
        return None
    v: dict[str, Any] = {}
    for key in ("id", "type", "programme", "provider", "level", "grounding", "responsible", "scope",
                "estimated_cost_sek", "skolverket_contribution_sek"):
        v[f"insats.{key}"] = r.leaf(m.get(key), f"insats.{key}")
    for group, keys in (("follow_up", FOLLOW_UP_KEYS), ("timeline", TIMELINE_KEYS)):
        g = m.get(group)
        sub = r.mapping(g, keys, f"`insats.{group}`") if g is not None and not (g.kind == SCALAR and g.value is None) else None
        for key in keys:
            v[f"insats.{group}.{key}"] = r.leaf((sub or {}).get(key), f"insats.{group}.{key}")
    starts, ends = v["insats.timeline.starts"], v["insats.timeline.ends"]
    if starts and ends and ends < starts:
        r.d.error("schema_bad_value", f"the insats ends ({ends}) before it starts ({starts})", m["timeline"].value["ends"].loc)
    for key in ("estimated_cost_sek", "skolverket_contribution_sek"):
        amount = v[f"insats.{key}"]
        if isinstance(amount, (int, float)) and amount < 0:
            r.d.error("schema_bad_value", f"`insats.{key}` is an amount in SEK and cannot be negative, not `{m[key].value}`", m[key].loc)
    addresses = r.texts(m.get("addresses"), "`insats.addresses`")
    v["insats.addresses.count"] = len(addresses or ())
    v["insats.addresses_known_problems"] = all(a in problems for a in addresses or ())
    for key in ("expected_effects", "participants", "goals"):
        items = r.texts(m.get(key), f"`insats.{key}`")
        v[f"insats.{key}.count"] = len(items or ())
    iid = v["insats.id"]
    if iid is not None:
        if iid in seen:
            r.d.error("agreement_duplicate_id", f"insats `{iid}` is listed twice", m["id"].loc, f"the first is at {seen[iid]}")
        seen[iid] = m["id"].loc
    return {k: x for k, x in v.items() if x is not None}


def agreement_case(doc: Agreement, facts: Mapping[str, Any] | None = None) -> Case:
    """The agreement's case; `facts` are the delivery's (`huvudman.*`, `delivery.*`) when a delivery is given."""
    return Case("agreement", doc.id, doc.huvudman_id, {**dict(facts or {}), **doc.values}, {})


def insats_cases(doc: Agreement, facts: Mapping[str, Any] | None = None) -> list[Case]:
    """One case per insats, each with the agreement's own facts (not the plan's) and the delivery's."""
    own = {k: x for k, x in doc.values.items() if k.startswith("agreement.")}
    return [Case("insats", str(i.get("insats.id", "")), doc.huvudman_id, {**dict(facts or {}), **own, **i}, {}) for i in doc.insatser]


def delivery_facts(delivery: Any, huvudman: Mapping[str, Any]) -> dict[str, Any]:
    """What a delivery tells an agreement check of its huvudman: its facts and the fines on its units.

    `huvudman.units_with_fine` counts the huvudman's units with a fine, concluded or not; it is left
    unknown when a unit's injunction does not say whether it carries one.
    """
    case = huvudman_case({"huvudman": huvudman, "delivery": delivery.header}, {}, delivery.unknown.get(huvudman["id"]))
    facts = {p: v for p, v in case.values.items() if p.startswith(("huvudman.", "delivery."))}
    fines = [fine_any(delivery_summary(u)) for u in delivery.units if u["huvudman_id"] == huvudman["id"]]
    if None not in fines:
        facts["huvudman.units_with_fine"] = sum(1 for f in fines if f)
    return facts


def case_from_facts(scope: str, facts: Mapping[str, Any]) -> Case:
    """An agreement or insats case from facts as a pack's YAML tests give them (nested by fact path)."""
    values: dict[str, Any] = {}
    for root in F.SCOPE_ROOTS[scope]:
        flatten_facts(root, facts.get(root), values, computed_given=True)
    groups: dict[str, Any] = {}  # an absent injunction or annex is none on record, as in a delivery
    presence(groups, {r: facts.get(r) or {} for r in ("huvudman",)})
    for path, present in groups.items():
        values.setdefault(path, present)
    own = values.get(f"{scope}.id") if scope == "insats" else values.get("agreement.id")
    return Case(scope, str(own or ""), values.get("agreement.huvudman_id") or values.get("huvudman.id"), values, {})


__all__ = ["case_from_facts", "Agreement", "Place", "agreement_case", "insats_cases", "read_agreement"]
