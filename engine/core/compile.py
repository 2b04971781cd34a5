"""Compile a pack's rules of one scope into a durable_rules ruleset, within a subset known to be safe.

Each case is one flat fact `{kind: case, stage: 0, …}` in its own session, so no rule joins two facts
(durable_rules' join code gives wrong answers and crashes). Every pack rule becomes two durable rules:
its condition (`#t`) and the condition's negation pushed down to the comparisons (`#f`). A comparison
only matches when its fact exists, so when neither fires the rule is *unknown*.

The ruleset holds no reference tests (`$m`): nested inside `$or`/`$and` they crash durable_rules
(measured: segfaults in its expression code; error 113 past 29 of them). Every compared value is a
constant instead: parameters directly, a parameter with values per school form as a constant-only
`$or` over the school forms (an unknown school form matches neither side), national averages (times
a ratio) as constants of the delivery, so a ruleset is compiled per pack, scope and set of national
averages. A comparison of two facts of the case is the one form not decided inside durable_rules: the
case carries the sign of their difference, computed when the fact is built, and the rule tests it.

Derived facts chain by stages: a rule reading a derived fact sits in a later stage than the rules that
derive it (and their exceptions). The last rule of a stage (highest `pri`) asserts the next stage's
fact, carrying the derived values; forward chaining stays inside the session and its order is fixed.

What durable_rules cannot do safely is refused here, with the rule's location: more than
`MAX_FACT_KEYS` properties in the case fact, more than `MAX_RULES` rules, more than `MAX_IDENTICAL`
rules with one identical condition, more than `MAX_CONSTANTS` constants tested on one field.
"""
from __future__ import annotations

import functools
import hashlib
import json
from collections import Counter
from typing import Any, Mapping

import attrs

from policy import facts as F
from policy.check import derived_reads, find_cycle
from policy.diagnostics import Diagnostic, Location, PackError
from policy.model import (
    All,
    Any_,
    Compare,
    Condition,
    Derived,
    FactRef,
    Known,
    Literal,
    NationalAverage,
    Not,
    Pack,
    ParamRef,
    Rule,
)
from policy.operators import DURABLE, MEMBERSHIP, NEGATE

from ..inputs.case import Case, parameter_value

MAX_FACT_KEYS = 250  #: durable_rules refuses facts of more than 255 properties (error 302)
MAX_RULES = 600  #: measured: 1000 rules matching one fact fail with error 303
MAX_IDENTICAL = 200  #: measured: about 256 rules with one identical condition fail with error 108
MAX_CONSTANTS = 400  #: durable_rules hangs with 513 distinct constants on one field
MAX_GROUPS = 14  #: 2 of MAX_SEQUENCE_EXPRESSIONS (32) per `$and`/`$or`; error 113 at 32 (rete.c)
MAX_PIECES = 64  #: durable rules one side of one condition may be split into
SINK_PRI = 65535
NEVER = {"kind": "never"}  #: a test no case fact passes (every case fact has kind `case`)

_OPS = DURABLE    #: an operator's durable_rules test (policy.operators)
_NEGATE = NEGATE  #: an operator's negation on known values (policy.operators)


def key(path: str) -> str:
    """The flat property name of a fact path (no dots, so no nested-path semantics are relied on)."""
    return path.replace(".", "__")


def derived_key(name: str) -> str:
    return "d__" + name


def date_number(text: str) -> int:
    """`2016-01-28` as 20160128: dates compare as numbers, never as strings."""
    return int(text.replace("-", ""))


@attrs.frozen
class CompiledRule:
    """A pack rule in its place: evaluation index, stage, and the names of its two durable rules."""

    rule: Rule
    index: int
    stage: int



@attrs.frozen
class Compiled:
    """One scope of a pack, compiled: the rules in evaluation order and the durable ruleset (without actions)."""

    pack: Pack
    scope: str
    name: str
    order: tuple[CompiledRule, ...]
    stages: int
    ruleset: dict
    fields: tuple[str, ...]
    slots: tuple[tuple[str, Compare], ...]
    derivers: dict[str, tuple[str, ...]]
    exceptions: dict[str, tuple[str, ...]]
    averages: str  #: digest of the national averages compiled in

    @functools.cached_property
    def rules(self) -> dict[str, Rule]:
        """The scope's rules by id."""
        return {cr.rule.id: cr.rule for cr in self.order}

    @functools.cached_property
    def rank(self) -> dict[str, int]:
        """Each outcome's place in the pack's precedence for this scope (0 wins)."""
        return {o: i for i, o in enumerate(self.pack.outcome_policy(self.scope).precedence)}

    def fact(self, case: Case) -> dict:
        """The stage-0 fact of a case: the fields the rules read (known ones, dates as numbers) and the sign slots."""
        fact: dict[str, Any] = {"kind": "case", "stage": 0}
        for path in self.fields:
            value = case.values.get(path)
            if value is not None:
                fact[key(path)] = date_number(value) if F.FIELDS[path].type.kind == F.DATE else value
            if path in F.BOUNDED:
                interval = case.interval(path)
                if interval is not None:
                    _put_interval(fact, key(path), interval)
        for slot, c in self.slots:
            sign = _sign(c, case, self.pack)
            if sign is not None:
                _put_interval(fact, slot, sign)
        return fact


def _put_interval(fact: dict, k: str, interval: tuple) -> None:
    """`k__lo` and `k__hi` of a value known to lie in [at least, at most]; no `k__hi` without an upper bound."""
    fact[k + "__lo"] = interval[0]
    if interval[1] is not None:
        fact[k + "__hi"] = interval[1]


def _sign(c: Compare, case: Case, pack: Pack) -> tuple[int, int] | None:
    """The sign of fact minus the other fact (times its ratio) as (lowest, highest) of -1, 0, 1; None if unknown.

    Exact values give one sign twice; a count known only by its bounds gives the signs of the least and
    the greatest difference its bounds allow.
    """
    right = c.right
    assert isinstance(right, FactRef)
    ratio = 1
    if right.times is not None:
        ratio = parameter_value(pack.parameter(right.times), case)
        if ratio is None:
            return None
    left, other = case.values.get(c.fact), case.values.get(right.path)
    if left is not None and other is not None:
        other = other * ratio if right.times is not None else other
        if F.FIELDS[c.fact].type.kind in (F.NUMBER, F.DATE):
            s = (left > other) - (left < other)
        else:
            s = 0 if left == other else 1
        return s, s
    lb, rb = case.interval(c.fact), case.interval(right.path)
    if lb is None or rb is None:
        return None
    inf = float("inf")
    rlo, rhi = rb[0] * ratio, inf if rb[1] is None else rb[1] * ratio
    llo, lhi = lb[0], inf if lb[1] is None else lb[1]
    low, high = llo - rhi, lhi - rlo

    def sign(x: float) -> int:
        return (x > 0) - (x < 0)

    return sign(low), sign(high)


def interval_test(k: str, op: str, v: Any) -> dict:
    """The durable test that `k op v` surely holds when k is only known to lie in [`k__lo`, `k__hi`]."""
    lo, hi = k + "__lo", k + "__hi"
    if op in ("lt", "le"):
        return {_OPS[op]: {hi: v}}
    if op in ("gt", "ge"):
        return {_OPS[op]: {lo: v}}
    if op == "eq":
        return {"$and": [{"$eq": {lo: v}}, {"$eq": {hi: v}}]}
    return {"$or": [{"$lt": {hi: v}}, {"$gt": {lo: v}}]}


class _Compiler:
    def __init__(self, pack: Pack, scope: str, averages: Mapping[str, float]) -> None:
        self.pack, self.scope, self.averages = pack, scope, averages
        self.rules = [r for r in pack.rules if r.scope == scope]
        self.fields: set[str] = set()
        self.slots: list[tuple[str, Compare]] = []
        self.constants: Counter = Counter()
        self.errors: list[Diagnostic] = []

    def error(self, message: str, loc: Location, hint: str = "") -> None:
        self.errors.append(Diagnostic("compile_limit", message, loc, hint))

    # --- stages ------------------------------------------------------------------------------------

    def stages(self) -> dict[str, int]:
        """Stage of each rule: after every rule deriving what it reads, and after their exceptions."""
        derivers: dict[str, list[str]] = {}
        for r in self.rules:
            if r.then.derive:
                derivers.setdefault(r.then.derive, []).append(r.id)
        exc = self.exception_map()
        deps: dict[str, set[str]] = {}
        for r in self.rules:
            for name in derived_reads(r.when):
                for d in derivers.get(name, ()):
                    deps.setdefault(r.id, set()).update([d, *exc.get(d, ())])
        for cycle in find_cycle(deps):
            rule = next(x for x in self.rules if x.id == cycle[0])
            self.error("derived facts and exceptions depend on each other: " + " → ".join(cycle + [cycle[0]]), rule.loc)
            return {r.id: 0 for r in self.rules}
        stage: dict[str, int] = {}

        def of(rid: str) -> int:
            if rid not in stage:
                stage[rid] = 1 + max((of(d) for d in deps.get(rid, ())), default=-1)
            return stage[rid]

        for r in self.rules:
            of(r.id)
        return stage

    def exception_map(self) -> dict[str, tuple[str, ...]]:
        """For each rule, the rules that are exceptions to it."""
        out: dict[str, list[str]] = {}
        for r in self.rules:
            for target in r.exception_to:
                out.setdefault(target, []).append(r.id)
        return {k: tuple(v) for k, v in out.items()}

    # --- conditions --------------------------------------------------------------------------------

    def tf(self, cond: Condition) -> tuple[dict, dict]:
        """The durable conditions for `cond` true and `cond` false."""
        if isinstance(cond, All):
            parts = [self.tf(c) for c in cond.items]
            return {"$and": [t for t, _ in parts]}, {"$or": [f for _, f in parts]}
        if isinstance(cond, Any_):
            parts = [self.tf(c) for c in cond.items]
            return {"$or": [t for t, _ in parts]}, {"$and": [f for _, f in parts]}
        if isinstance(cond, Not):
            t, f = self.tf(cond.item)
            return f, t
        if isinstance(cond, Known):
            self.fields.add(cond.fact)
            has, lacks = {"$ex": {key(cond.fact): 1}}, {"$nex": {key(cond.fact): 1}}
            return (has, lacks) if cond.want_known else (lacks, has)
        if isinstance(cond, Derived):
            k = derived_key(cond.name)
            return {k: True}, {k: False}
        assert isinstance(cond, Compare)
        return self.compare(cond)

    def compare(self, c: Compare) -> tuple[dict, dict]:
        """No `$ex` guards: durable_rules' comparisons never match a missing field (measured for every operator)."""
        self.fields.add(c.fact)
        k = key(c.fact)
        if c.op in MEMBERSHIP:
            values = [lit.value for lit in c.right]
            for v in values:
                self.constants[(k, v)] += 1
            member = {"$or": [{"$eq": {k: v}} for v in values]}
            absent = {"$and": [{"$neq": {k: v}} for v in values]}
            return (member, absent) if c.op == "in" else (absent, member)
        if isinstance(c.right, FactRef):
            slot = f"x__{len(self.slots)}"
            self.slots.append((slot, c))
            return interval_test(slot, c.op, 0), interval_test(slot, _NEGATE[c.op], 0)
        branches = self.right_values(c)
        return self.branch(k, c.op, branches, c.fact in F.BOUNDED), self.branch(k, _NEGATE[c.op], branches, c.fact in F.BOUNDED)

    def right_values(self, c: Compare) -> list[tuple[str | None, Any]]:
        """The compared value as constants: [(None, v)] for every case, or [(school form, v), …, ("*", default)]."""
        right = c.right
        is_date = F.FIELDS[c.fact].type.kind == F.DATE
        if isinstance(right, Literal):
            return [(None, right.value)]
        if isinstance(right, ParamRef):
            base: list[tuple[str | None, Any]] = self.param_values(right.name)
        else:
            assert isinstance(right, NationalAverage)
            avg = self.averages.get(right.indicator)
            if avg is None:
                return []  # no national average in the delivery: the comparison is unknown for every case
            if right.times is None:
                return [(None, avg)]
            return [(form, avg * ratio) for form, ratio in self.param_values(right.times)]
        return [(form, date_number(v) if is_date else v) for form, v in base]

    def param_values(self, name: str) -> list[tuple[str | None, Any]]:
        p = self.pack.parameter(name)
        if not p.by_school_form:
            return [(None, p.value)]
        self.fields.add("unit.school_form")
        out: list[tuple[str | None, Any]] = [(form, v) for form, v in p.by_school_form if v is not None]
        if p.value is not None:
            out.append(("*", p.value))
        return out

    def branch(self, k: str, op: str, values: list[tuple[str | None, Any]], bounded: bool = False) -> dict:
        """`k op value`, the value chosen by the school form when it depends on it; never true without a value.

        A `bounded` fact (a count over other cases) is tested on its bounds, so a count that is unknown
        but settled by what is known of it still decides.
        """
        if not values:
            return NEVER
        for _, v in values:
            self.constants[(k, v)] += 1

        def test(v: Any) -> dict:
            return interval_test(k, op, v) if bounded else {_OPS[op]: {k: v}}

        if values[0][0] is None:
            return test(values[0][1])
        sf = key("unit.school_form")
        listed = [form for form, _ in values if form != "*"]
        alternatives = []
        for form, v in values:
            if form == "*":
                alternatives.append({"$and": [*({"$neq": {sf: f}} for f in listed), test(v)]})
            else:
                alternatives.append({"$and": [{"$eq": {sf: form}}, test(v)]})
        return {"$or": alternatives}

    # --- the ruleset -------------------------------------------------------------------------------

    def compile(self) -> Compiled:
        stage = self.stages()
        order = sorted(((stage.get(r.id, 0), i, r) for i, r in enumerate(self.rules)), key=lambda x: (x[0], x[1]))
        compiled = tuple(CompiledRule(r, n, s) for n, (s, _, r) in enumerate(order))
        n_stages = 1 + max((c.stage for c in compiled), default=0)
        ruleset: dict[str, dict] = {}
        identical: Counter = Counter()
        first_rule: dict[str, Rule] = {}
        pri = 0
        for s in range(n_stages):
            for c in (c for c in compiled if c.stage == s):
                for side, cond in zip("tf", self.tf(c.rule.when)):
                    flat = simplify(cond)
                    n = pieces_needed(flat)  # counted before any piece is built: a product of `any` groups grows fast
                    if n > MAX_PIECES:
                        self.error(f"the condition of `{c.rule.id}` needs {n} durable rules; at most {MAX_PIECES} are safe", c.rule.loc, "simplify the condition or split the rule")
                        pieces = [NEVER]
                    else:
                        pieces = split(flat)
                    for i, piece in enumerate(pieces):
                        body = {"$and": [{"kind": "case"}, {"stage": s}, *_members("$and", piece)]}
                        text = json.dumps(body, sort_keys=True)
                        identical[text] += 1
                        first_rule.setdefault(text, c.rule)
                        ruleset[f"{c.rule.id}#{side}#{i}"] = {"pri": pri, "all": [{"m": body}]}
                        pri += 1
            if s + 1 < n_stages:
                ruleset[f"_advance#{s}"] = {"pri": pri, "all": [{"m": {"$and": [{"kind": "case"}, {"stage": s}]}}]}
                pri += 1
        ruleset["_sink"] = {"pri": SINK_PRI, "all": [{"m": {"$ex": {"kind": 1}}}]}
        self.check_limits(ruleset, identical, first_rule)
        if self.errors:
            raise PackError(self.errors)
        derivers: dict[str, list[str]] = {}
        for c in compiled:
            if c.rule.then.derive:
                derivers.setdefault(c.rule.then.derive, []).append(c.rule.id)
        name = f"{self.pack.ref}#{self.pack.sha256[:16]}/{self.scope}/{averages_digest(self.averages)}"
        return Compiled(
            self.pack, self.scope, name, compiled, n_stages, ruleset, tuple(sorted(self.fields)),
            tuple(self.slots), {k: tuple(v) for k, v in derivers.items()}, self.exception_map(),
            averages_digest(self.averages),
        )

    def check_limits(self, ruleset: dict, identical: Counter, first_rule: dict[str, Rule]) -> None:
        where = self.rules[0].loc if self.rules else self.pack.meta.loc
        derived = {r.then.derive for r in self.rules if r.then.derive}
        n_keys = 2 + len(self.fields) + 2 * len(F.BOUNDED & self.fields) + 2 * len(self.slots) + len(derived)
        if n_keys > MAX_FACT_KEYS:
            self.error(f"the {self.scope} rules read {n_keys} facts and values; durable_rules takes at most {MAX_FACT_KEYS} per case", where, "split the pack or read fewer facts")
        if len(ruleset) > MAX_RULES:
            self.error(f"{len(ruleset)} compiled {self.scope} rules; at most {MAX_RULES} are safe", where, "each pack rule compiles to two")
        reported: set[str] = set()
        for text, count in identical.items():
            rule = first_rule[text]
            if count > MAX_IDENTICAL and rule.id not in reported:
                reported.add(rule.id)
                self.error(f"{count} rules have one identical condition; at most {MAX_IDENTICAL} are safe", rule.loc)
        per_field = Counter(k for k, _ in self.constants)
        for field, count in per_field.items():
            if count > MAX_CONSTANTS:
                self.error(f"{count} constants are tested on `{field}`; at most {MAX_CONSTANTS} are safe", where)


def _members(op: str, cond: dict) -> list[dict]:
    """The items of `cond` as members of an `op` group (itself if it is not such a group)."""
    return cond[op] if set(cond) == {op} else [cond]


def simplify(cond: dict) -> dict:
    """Flatten `$and` in `$and` and `$or` in `$or`, unwrap one-item groups: fewer groups, same meaning."""
    for op in ("$and", "$or"):
        if set(cond) == {op}:
            items: list[dict] = []
            for item in cond[op]:
                items.extend(_members(op, simplify(item)))
            return items[0] if len(items) == 1 else {op: items}
    return cond


def groups(cond: dict) -> int:
    """How many `$and`/`$or` groups a condition has (each costs two of durable_rules' 32 expression slots)."""
    for op in ("$and", "$or"):
        if set(cond) == {op}:
            return 1 + sum(groups(c) for c in cond[op])
    return 0


def pieces_needed(cond: dict, limit: int = MAX_PIECES) -> int:
    """How many pieces `split` would make of `cond`, computed without making them (capped just above `limit`)."""
    if groups(cond) + 1 <= MAX_GROUPS:
        return 1
    if set(cond) == {"$or"}:
        return min(limit + 1, sum(pieces_needed(item, limit) for item in cond["$or"]))
    items = cond["$and"]
    widest = max((i for i, c in enumerate(items) if set(c) == {"$or"}), key=lambda i: groups(items[i]))
    rest = items[:widest] + items[widest + 1:]
    total = 0
    for alt in items[widest]["$or"]:
        total += pieces_needed(simplify({"$and": rest + [alt]}), limit)
        if total > limit:
            return limit + 1
    return total


def split(cond: dict) -> list[dict]:
    """Pieces whose disjunction is `cond`, each within `MAX_GROUPS` (with the rule's own `$and`)."""
    if groups(cond) + 1 <= MAX_GROUPS:
        return [cond]
    if set(cond) == {"$or"}:
        return [piece for item in cond["$or"] for piece in split(item)]
    items = cond["$and"]
    widest = max((i for i, c in enumerate(items) if set(c) == {"$or"}), key=lambda i: groups(items[i]))
    rest = items[:widest] + items[widest + 1:]
    return [piece for alt in items[widest]["$or"] for piece in split(simplify({"$and": rest + [alt]}))]


def compile_pack(pack: Pack, scope: str, averages: Mapping[str, float] | None = None) -> Compiled:
    """Compile the rules of `scope` for a delivery's national averages; PackError (with locations) outside the safe subset."""
    return _Compiler(pack, scope, dict(averages or {})).compile()


def symbolic_averages() -> dict[str, float]:
    """A value for every national average, each distinct: compiled with them, a pack holds every constant
    and every condition a delivery's averages could give it, so what validates compiles for any delivery."""
    return {k: 1000.0 + i for i, k in enumerate(F.INDICATORS)}


def compile_diagnostics(pack: Pack) -> list[Diagnostic]:
    """What stops a valid pack from compiling (durable_rules' limits), for `sbs validate`: compiled with no
    national averages and with one for every indicator, the most a delivery can give."""
    out: list[Diagnostic] = []
    for scope in sorted({r.scope for r in pack.rules}):
        for averages in ({}, symbolic_averages()):
            try:
                compile_pack(pack, scope, averages)
            except PackError as e:
                out.extend(d for d in e.diagnostics if d not in out)
    return out


def averages_digest(averages: Mapping[str, float]) -> str:
    """A short name for a set of national averages (part of the ruleset's name)."""
    return hashlib.sha256(json.dumps(sorted(averages.items())).encode()).hexdigest()[:12]

