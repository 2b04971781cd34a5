"""YAML tests beside a pack: partial facts checked against the delivery model, and expectations."""
from __future__ import annotations

import functools
from typing import Any

from . import facts as F
from .model import Expectation, TestCase
from .reader import OPTIONAL, REQUIRED, Reader
from .values import FactError, check_value
from .yamlsafe import SCALAR, SEQ, YNode

TEST_KEYS = {"name": REQUIRED, "scope": OPTIONAL, "facts": REQUIRED, "expect": REQUIRED}
EXPECT_KEYS = {"outcome": OPTIONAL, "priority": OPTIONAL, "fired": OPTIONAL, "not_fired": OPTIONAL, "unknown": OPTIONAL}
#: The roots of a test's facts, per scope.
TEST_ROOTS = {
    "unit": ("delivery", "national_averages", "unit", "huvudman", "context"),
    "huvudman": ("delivery", "national_averages", "huvudman", "units", "context"),
    "agreement": ("delivery", "agreement", "action_plan", "huvudman"),
    "insats": ("delivery", "agreement", "insats", "huvudman"),
}
DOCUMENT_ROOTS = ("agreement", "action_plan", "insats")  #: facts an agreement document gives, computed ones included
TEST_ROOT_KEYS = ("delivery", "national_averages", "unit", "huvudman", "units", "agreement", "action_plan", "insats",
                  "context")
BOUND_KEYS = {"at_least": REQUIRED, "at_most": OPTIONAL}


class TestCaseReader(Reader):
    """Reads `tests:` and `test_defaults:`."""

    #: whether a group may state what the rest of a delivery tells a case (`unit.same_building_eligible`, the
    #: counts): a test may, a delivery may not (the engine computes them from its other records)
    context_given = True

    def test(self, node: YNode, defaults: dict) -> TestCase | None:
        m = self.mapping(node, TEST_KEYS, "a test")
        if m is None:
            return None
        name = self.string(m.get("name"), "the test name")
        scope = self.choice(m["scope"], "the test scope", F.SCOPES) if "scope" in m else "unit"
        case_facts = self.facts(m["facts"], scope, "`facts`") if "facts" in m else None
        expect = self.expect(m["expect"]) if "expect" in m else None
        if None in (name, scope, case_facts, expect):
            return None
        return TestCase(name, scope, _merge(defaults, case_facts), expect, node.loc)

    def expect(self, node: YNode) -> Expectation | None:
        m = self.mapping(node, EXPECT_KEYS, "`expect`")
        if m is None:
            return None
        if not m:
            self.d.error("schema_missing_key", "`expect` states nothing", node.loc,
                         "give an `outcome`, a `priority` or rules that are `fired`, `not_fired` or `unknown`")
            return None
        outcome = self.string(m.get("outcome"), "the expected outcome")
        where = [("outcome", m["outcome"].loc)] if "outcome" in m else []
        priority = None
        if "priority" in m:
            where.append(("priority", m["priority"].loc))
            priority = m["priority"].value
            if not ((isinstance(priority, (int, float)) and not isinstance(priority, bool)) or priority == "unknown"):
                self.d.error("schema_wrong_type", f"the expected priority must be a number or `unknown`, not `{priority}`",
                             m["priority"].loc, "a huvudman's priority, for example `priority: 110`")
                return None
        for key in ("fired", "not_fired", "unknown"):
            if key in m:
                items = m[key].value if m[key].kind == SEQ else [m[key]]
                where += [(f"{key}:{n.value}", n.loc) for n in items if n.kind == SCALAR]
        return Expectation(
            outcome, self.ids(m.get("fired"), "fired"), self.ids(m.get("not_fired"), "not_fired"),
            self.ids(m.get("unknown"), "unknown"), node.loc, tuple(where), priority,
        )

    # --- facts of tests ----------------------------------------------------------------------------

    def facts(self, node: YNode, scope: str | None, what: str) -> dict | None:
        """Partial input facts, checked against the delivery model; `scope` None allows every root."""
        roots = TEST_ROOTS[scope] if scope else TEST_ROOT_KEYS
        m = self.mapping(node, {k: OPTIONAL for k in roots}, what)
        if m is None:
            return None
        out: dict[str, Any] = {}
        parts: list[Any] = []
        for root, value in m.items():
            if root == "national_averages":
                out[root] = self.averages(value)
                parts.append(out[root])
            elif root == "context":
                out[root] = self.context(value, scope)
                parts.append(out[root])
            elif root == "units":
                out[root] = [self.group(n, "unit") for n in self.seq(value, "`units`") or []]
                parts.extend(out[root])
            else:
                out[root] = self.group(value, root)
                parts.append(out[root])
        return None if any(p is None for p in parts) else out

    def averages(self, node: YNode) -> dict | None:
        """National averages, each checked against its indicator's unit (explicit nulls kept as unknown)."""
        keys = {k: OPTIONAL for k in (*F.INDICATORS, "school_year")}
        m = self.mapping(node, keys, "`national_averages`")
        if m is None:
            return None
        out = {}
        for k, v in node.value.items():
            if k not in keys:
                continue  # reported by `mapping`
            if v.kind == SCALAR and v.value is None:
                out[k] = None  # explicitly unknown: overrides a test default
            elif self._value_ok(v, F.INDICATORS.get(k, F.TXT), f"national_averages.{k}"):
                out[k] = v.value
        return out

    def context(self, node: YNode, scope: str | None) -> dict | None:
        """What the rest of a delivery would tell a case, stated outright by fact path: a value, `null`
        (unknown), or for a count only its bounds `{at_least, at_most}` (at_most null: no upper bound).
        A huvudman test's stated counts win over those of the units it lists."""
        scopes = (scope,) if scope else ("unit", "huvudman")
        names = [p for p, f in F.FIELDS.items() if f.context and any(F.lookup(p, s) for s in scopes)]
        m = self.mapping(node, {k: OPTIONAL for k in names}, "`context`")
        if m is None:
            return None
        out: dict[str, Any] = {}
        for path, value in node.value.items():  # `mapping` leaves out nulls, and a null here says "unknown"
            if path not in names:
                continue  # reported by `mapping`
            ftype = F.FIELDS[path].type
            if value.kind == SCALAR and value.value is None:
                out[path] = None
            elif value.kind == SCALAR:
                if self._value_ok(value, ftype, path):
                    out[path] = value.value
            elif path in F.BOUNDED:
                b = self.mapping(value, BOUND_KEYS, f"the bounds of `{path}`")
                if b is None or "at_least" not in b:
                    return None
                ok = self._value_ok(b["at_least"], ftype, path) and (
                    "at_most" not in b or b["at_most"].value is None or self._value_ok(b["at_most"], ftype, path))
                if ok:
                    out[path] = {"at_least": b["at_least"].value, "at_most": b["at_most"].value if "at_most" in b else None}
            else:
                self.wrong(value, f"`{path}`", ftype.describe())
        return out

    def group(self, node: YNode, prefix: str) -> dict | None:
        """A group of facts (`unit`, `huvudman`, …), every field checked against the catalogue and located."""
        names = children(prefix)
        m = self.mapping(node, {k: OPTIONAL for k in names}, f"`{prefix}`")
        if m is None:
            return None
        out: dict[str, Any] = {}
        for key, value in node.value.items():
            if key not in names:
                continue  # reported by `mapping`
            path = f"{prefix}.{key}"
            field = F.FIELDS.get(path)
            # a test may set context facts, and what an agreement document gives (its counts, sums, length)
            given = field is not None and (not field.computed or (field.context and self.context_given)
                                           or path.split(".", 1)[0] in DOCUMENT_ROOTS)
            if value.kind == SCALAR and value.value is None and (field is None or given):
                out[key] = None  # explicitly unknown: overrides a test default
            elif given:
                if self._value_ok(value, field.type, path):
                    out[key] = value.value
            elif field is not None:
                self.d.error("schema_unknown_key", f"`{path}` is computed by the engine, not given", node.key_locs[key])
            else:
                out[key] = self.group(value, path)
        return out

    def _value_ok(self, node: YNode, ftype: F.FactType, path: str) -> bool:
        """Whether a located value fits its fact (`policy.values.check_value`, as every reader checks)."""
        if node.kind != SCALAR:
            self.wrong(node, f"`{path}`", ftype.describe())
            return False
        try:
            check_value(path, node.value, ftype)
        except FactError as e:
            self.d.error(e.code, e.message, node.loc, e.hint)
            return False
        return True


def children(prefix: str) -> list[str]:
    """Names directly under a group of the catalogue (`unit` -> `id`, `injunction`, `results`, ...)."""
    return list(_children(prefix))


@functools.lru_cache(maxsize=None)
def _children(prefix: str) -> tuple[str, ...]:
    """The catalogue is fixed: each group's names are found once, not for every record a reader checks."""
    if prefix == "units":
        prefix = "unit"
    names: list[str] = []
    for path in F.FIELDS:
        if path.startswith(prefix + "."):
            head = path[len(prefix) + 1:].split(".", 1)[0]
            if head not in names:
                names.append(head)
    return tuple(names)



def _merge(base: dict, top: dict) -> dict:
    """Deep merge of test defaults under a test's own facts; the test's values win."""
    out = dict(base)
    for k, v in top.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out
