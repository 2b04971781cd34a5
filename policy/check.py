"""Meaning: references, scopes, types and units, exception and derivation cycles of an assembled pack."""
from __future__ import annotations

from typing import Iterable, Iterator

from . import facts as F
from .diagnostics import Diagnostics, Location, did_you_mean
from .model import (
    MEMBERSHIP, ORDERING, All, Any_, Compare, Condition, Derived, FactRef, Known, Literal,
    NationalAverage, Not, OutcomePolicy, PackMeta, Parameter, ParamRef, Ranking, Rule, TestCase,
)


def walk(cond: Condition) -> Iterator[Condition]:
    """Every node of a condition tree, parents first."""
    yield cond
    if isinstance(cond, (All, Any_)):
        for item in cond.items:
            yield from walk(item)
    elif isinstance(cond, Not):
        yield from walk(cond.item)


def derived_reads(cond: Condition) -> set[str]:
    """The derived facts a condition reads."""
    return {c.name for c in walk(cond) if isinstance(c, Derived)}


def find_cycle(edges: dict[str, Iterable[str]]) -> list[list[str]]:
    """Every elementary cycle found by depth-first search, each once, starting at its smallest node."""
    cycles: list[list[str]] = []
    seen_keys: set[tuple[str, ...]] = set()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):]
                start = cycle.index(min(cycle))
                cycle = cycle[start:] + cycle[:start]
                if tuple(cycle) not in seen_keys:
                    seen_keys.add(tuple(cycle))
                    cycles.append(cycle)
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    return cycles


def _param_refs(rules: list[Rule]) -> set[str]:
    """Names of every parameter the rules refer to (in comparisons, `times` and priorities)."""
    names: set[str] = set()
    for rule in rules:
        if isinstance(rule.then.priority, ParamRef):
            names.add(rule.then.priority.name)
        for c in walk(rule.when):
            right = c.right if isinstance(c, Compare) else None
            if isinstance(right, ParamRef):
                names.add(right.name)
            elif isinstance(right, (NationalAverage, FactRef)) and right.times:
                names.add(right.times)
    return names


class Checker:
    """Checks one assembled pack; every finding goes to the collector."""

    def __init__(self, meta: PackMeta, params: list[Parameter], rules: list[Rule],
                 outcomes: list[OutcomePolicy], tests: list[TestCase], diags: Diagnostics,
                 extra_rule_ids: set[str] = frozenset(), extra_param_names: set[str] = frozenset(),
                 complete: bool = True) -> None:
        self.meta, self.rules, self.outcomes, self.tests, self.d = meta, rules, outcomes, tests, diags
        self.params = {p.name: p for p in params}
        self.rule_by_id: dict[str, Rule] = {}
        self.extra_rule_ids, self.extra_param_names = set(extra_rule_ids), set(extra_param_names)
        self.used_params: set[str] = set()
        self.complete = complete  # False when the parser dropped elements: no "unused" warnings then

    def run(self) -> None:
        self.used_params = _param_refs(self.rules) | {o.ranking.capacity.name for o in self.outcomes if o.ranking}
        self.check_citations()
        self.check_languages()
        self.check_rule_ids()
        policies = {o.scope: o for o in self.outcomes}
        for rule in self.rules:
            self.check_condition(rule)
            self.check_effect(rule, policies.get(rule.scope))
        self.check_exceptions()
        self.check_derivations()
        self.check_policies(policies)
        self.check_tests()
        for name, p in sorted(self.params.items()):
            if self.complete and name not in self.used_params:
                self.d.warning("param_unused", f"parameter `{name}` is not used by any rule", p.loc)

    # --- sources and ids ---------------------------------------------------------------------------

    def check_citations(self) -> None:
        known = {s.key for s in self.meta.sources}
        cited = [(c, "parameter") for p in self.params.values() for c in p.source]
        cited += [(c, "rule") for r in self.rules for c in r.source]
        for cite, what in cited:
            if cite.doc not in known:
                hint = did_you_mean(cite.doc, known) or "declare it under `pack.sources`"
                self.d.error("ref_unknown_source", f"the {what} cites `{cite.doc}`, which is not among the pack's sources", cite.loc, hint)

    def check_languages(self) -> None:
        """Every text is in each language the pack declares, and in no other."""
        declared = self.meta.languages
        texts = [(self.meta.title, "the pack title", self.meta.title_loc)]
        for p in self.params.values():
            texts += [(p.text, f"parameter `{p.name}`", p.loc), (p.interpretation, f"the interpretation of parameter `{p.name}`", p.loc)]
        for r in self.rules:
            texts += [(r.text, f"rule `{r.id}`", r.loc), (r.interpretation, f"the interpretation of rule `{r.id}`", r.loc)]
        for text, what, loc in texts:
            if text is None:
                continue
            for lang in declared:
                if lang not in text:
                    self.d.error("text_missing_language", f"{what} has no text in `{lang}`, a language the pack declares", loc,
                                 f"add `{lang}:` to its text, or remove `{lang}` from `languages:` in the pack section")
            for lang in text:
                if lang not in declared:
                    self.d.error("text_undeclared_language", f"{what} has a text in `{lang}`, which the pack does not declare", loc,
                                 f"add `{lang}` to `languages:` in the pack section (languages: [{', '.join(declared)}, {lang}])")

    def check_rule_ids(self) -> None:
        for rule in self.rules:
            first = self.rule_by_id.get(rule.id)
            if first is not None:
                self.d.error("rule_duplicate_id", f"rule id `{rule.id}` is used twice", rule.loc, f"the first is at {first.loc}; give each rule its own id")
            else:
                self.rule_by_id[rule.id] = rule

    def _rule_ref(self, rule_id: str, loc: Location, scope: str | None, what: str) -> bool:
        target = self.rule_by_id.get(rule_id)
        if target is None:
            if rule_id not in self.extra_rule_ids:
                self.d.error("ref_unknown_rule", f"{what} names rule `{rule_id}`, which the pack does not have", loc, did_you_mean(rule_id, self.rule_by_id))
            return False
        if scope is not None and target.scope != scope:
            self.d.error("ref_wrong_scope", f"{what} names rule `{rule_id}`, a {target.scope} rule, from the {scope} scope", loc)
            return False
        return True

    # --- conditions --------------------------------------------------------------------------------

    def _fact(self, path: str, scope: str, loc: Location) -> F.Field | None:
        field = F.lookup(path, scope)
        if field is not None:
            return field
        if path in F.FIELDS:
            roots = [s for s, r in F.SCOPE_ROOTS.items() if path.split(".", 1)[0] in r]
            self.d.error("ref_unknown_fact", f"`{path}` cannot be read by a {scope} rule", loc, f"it is a fact of {', '.join(roots)} rules")
        else:
            self.d.error("ref_unknown_fact", f"the delivery model has no fact `{path}`", loc, did_you_mean(path, F.visible_paths(scope)))
        return None

    def _param(self, name: str, loc: Location, scope: str) -> Parameter | None:
        p = self.params.get(name)
        if p is None:
            if name not in self.extra_param_names:
                self.d.error("ref_unknown_parameter", f"parameter `{name}` is not defined", loc, did_you_mean(name, self.params) or "define it under `parameters:`")
            return None
        if p.by_school_form and scope != "unit":
            self.d.error("param_by_school_form_scope", f"parameter `{name}` has values per school form, but a {scope} case has no school form", loc, "give it one `value` or use it in unit rules only")
        return p

    def _ratio(self, name: str | None, loc: Location, scope: str) -> bool:
        if name is None:
            return True
        p = self._param(name, loc, scope)
        if p is not None and p.unit != "ratio":
            self.d.error("type_mismatch", f"`times` takes a ratio parameter, but `{name}` is in {p.unit}", loc)
            return False
        return p is not None

    def check_condition(self, rule: Rule) -> None:
        derivable = {r.then.derive for r in self.rules if r.then.derive and r.scope == rule.scope}
        for cond in walk(rule.when):
            if isinstance(cond, Compare):
                self.check_compare(cond, rule.scope)
                self.check_count_reads(cond.fact, cond.loc)
                if isinstance(cond.right, FactRef):
                    self.check_count_reads(cond.right.path, cond.right.loc)
            elif isinstance(cond, Known):
                self._fact(cond.fact, rule.scope, cond.loc)
            elif isinstance(cond, Derived) and cond.name not in derivable:
                self.d.error("ref_unknown_derived", f"no {rule.scope} rule derives `{cond.name}`", cond.loc, did_you_mean(cond.name, derivable) or "add a rule with `then: {derive: " + cond.name + "}`")

    def check_count_reads(self, path: str, loc: Location) -> None:
        """A count over units that reads a derived fact by name (`units.low_results`) needs a unit rule deriving it."""
        name = F.COUNT_READS.get(path)
        if name is None or not self.complete:
            return
        if not any(r.scope == "unit" and r.then.derive == name for r in self.rules):
            self.d.error("ref_unknown_derived", f"`{path}` counts the units whose unit rules derive `{name}`, but no unit rule "
                         "of the pack derives it", loc, f"add a unit rule with `then: {{derive: {name}}}`, or read another count")

    def check_compare(self, c: Compare, scope: str) -> None:
        field = self._fact(c.fact, scope, c.loc)
        right_type = self._operand_type(c, scope)  # every reference is resolved, even if the fact is not
        if field is None:
            return
        left, op = field.type, c.op
        if op in MEMBERSHIP:
            if left.kind not in (F.ENUM, F.TEXT):
                self.d.error("type_operator", f"`{op}` lists values, but `{c.fact}` is {left.describe()}", c.loc)
                return
            for lit in c.right:
                self._literal(lit, left, c.fact, op)
            return
        if op in ORDERING and not left.ordered:
            self.d.error("type_operator", f"`{op}` orders values, but `{c.fact}` is {left.describe()}", c.loc, "use `eq`, `ne`, `in` or `not_in`")
            return
        right = c.right
        if isinstance(right, Literal):
            self._literal(right, left, c.fact, op)
            return
        if right_type is None:
            return
        what, rtype = right_type
        if isinstance(right, FactRef) and right.times is not None and left.kind != F.NUMBER:
            self.d.error("type_mismatch", "`times` scales numbers only", right.loc)
        elif self._same_type(left, rtype, c.fact, what, right.loc):
            if isinstance(right, NationalAverage) and c.fact.rsplit(".", 1)[-1] != right.indicator:
                self.d.warning("indicator_mismatch", f"`{c.fact}` is compared with the national average of another indicator, `{right.indicator}`", right.loc)

    def _operand_type(self, c: Compare, scope: str) -> tuple[str, F.FactType] | None:
        """Resolve the right-hand side's references; its description and type, or None."""
        right = c.right
        if isinstance(right, ParamRef):
            p = self._param(right.name, right.loc, scope)
            if p is None:
                return None
            return f"parameter `{p.name}`", (F.DAY if p.unit == "date" else F._n(p.unit))
        if isinstance(right, NationalAverage):
            ok = self._ratio(right.times, right.loc, scope)
            itype = F.INDICATORS.get(right.indicator)
            if itype is None:
                self.d.error("ref_unknown_indicator", f"there is no national average `{right.indicator}`", right.loc, did_you_mean(right.indicator, F.INDICATORS))
                return None
            return (f"the national average `{right.indicator}`", itype) if ok else None
        if isinstance(right, FactRef):
            ok = self._ratio(right.times, right.loc, scope)
            other = self._fact(right.path, scope, right.loc)
            return (f"`{right.path}`", other.type) if other is not None and ok else None
        return None

    def _literal(self, lit: Literal, left: F.FactType, fact: str, op: str) -> None:
        v = lit.value
        if type(v) in (int, float) and left.kind == F.NUMBER:
            self.d.error("type_literal_threshold", f"`{fact}` is compared with the number {v} written in the rule", lit.loc, "thresholds live in `parameters:` with a unit and a source; write `{param: <name>}`")
        elif isinstance(v, str) and left.kind == F.DATE:
            self.d.error("type_literal_threshold", f"`{fact}` is compared with the date {v} written in the rule", lit.loc, "dates to compare with are parameters with `unit: date`; write `{param: <name>}`")
        elif isinstance(v, bool):
            if left.kind != F.BOOLEAN:
                self.d.error("type_mismatch", f"`{fact}` is {left.describe()}, but is compared with `{str(v).lower()}`", lit.loc)
        elif isinstance(v, str) and left.kind == F.ENUM:
            values = F.ENUMS[left.enum]
            if v not in values:
                self.d.error("type_bad_literal", f"`{v}` is not a {left.enum.replace('_', ' ')}", lit.loc, did_you_mean(v, values))
        elif isinstance(v, str) and left.kind == F.TEXT:
            return
        else:
            shown = f"`{v}`" if isinstance(v, str) else f"the number {v}"
            hint = ("a date is compared with a date parameter (`unit: date`, a value such as 2016-01-01); write `{param: <name>}`"
                    if left.kind == F.DATE else "")
            self.d.error("type_mismatch", f"`{fact}` is {left.describe()}, but is compared with {shown}", lit.loc, hint)

    def _same_type(self, left: F.FactType, right: F.FactType, fact: str, what: str, loc: Location) -> bool:
        same = left.kind == right.kind and (
            (left.kind == F.NUMBER and left.unit == right.unit)
            or (left.kind == F.ENUM and left.enum == right.enum)
            or left.kind in (F.BOOLEAN, F.TEXT, F.DATE)
        )
        if not same:
            self.d.error("type_mismatch", f"`{fact}` is {left.describe()}, but {what} is {right.describe()}", loc, "compare values of the same kind and unit")
        return same

    # --- effects, exceptions, derivations ----------------------------------------------------------

    def check_effect(self, rule: Rule, policy: OutcomePolicy | None) -> None:
        eff = rule.then
        if eff.outcome is not None:
            allowed = F.OUTCOMES[rule.scope]
            if eff.outcome not in allowed:
                self.d.error("ref_unknown_outcome", f"`{eff.outcome}` is not an outcome of a {rule.scope}", eff.loc, did_you_mean(eff.outcome, allowed))
            elif policy is not None and eff.outcome not in policy.precedence:
                self.d.error("outcome_not_in_precedence", f"rule `{rule.id}` gives `{eff.outcome}`, which the `{rule.scope}` precedence does not list", eff.loc, f"add it to `outcomes.{rule.scope}.precedence`")
        if isinstance(eff.priority, ParamRef):
            p = self._param(eff.priority.name, eff.priority.loc, rule.scope)
            if p is not None and p.unit != "points":
                self.d.error("type_mismatch", f"a priority is in points, but `{p.name}` is in {p.unit}", eff.priority.loc)

    def check_exceptions(self) -> None:
        edges: dict[str, list[str]] = {}
        for rule in self.rules:
            for target in rule.exception_to:
                if target == rule.id:
                    self.d.error("rule_exception_cycle", f"rule `{rule.id}` is an exception to itself", rule.loc)
                elif self._rule_ref(target, rule.loc, rule.scope, f"the exception `{rule.id}`"):
                    edges.setdefault(rule.id, []).append(target)
        for cycle in find_cycle(edges):
            if len(cycle) > 1:
                where = self.rule_by_id[cycle[0]].loc
                path = " → ".join(cycle + [cycle[0]])
                self.d.error("rule_exception_cycle", f"exceptions form a cycle: {path}", where, "an exception cannot, through others, be an exception to itself")

    def check_derivations(self) -> None:
        derivers: dict[tuple[str, str], list[str]] = {}
        for rule in self.rules:
            if rule.then.derive:
                derivers.setdefault((rule.scope, rule.then.derive), []).append(rule.id)
        edges: dict[str, set[str]] = {}
        read: set[tuple[str, str]] = set()
        for rule in self.rules:
            for name in derived_reads(rule.when):
                read.add((rule.scope, name))
                edges.setdefault(rule.id, set()).update(derivers.get((rule.scope, name), ()))
        for cycle in find_cycle(edges):
            where = self.rule_by_id[cycle[0]].loc
            self.d.error("rule_derive_cycle", "derived facts depend on themselves: " + " → ".join(cycle + [cycle[0]]), where, "a rule cannot, through others, read the fact it derives")
        for (scope, name), ids in sorted(derivers.items()):
            counted = scope == "unit" and name in F.AGGREGATED_DERIVED and any(r.scope == "huvudman" for r in self.rules)
            if self.complete and (scope, name) not in read and not counted and not self.rule_by_id[ids[0]].then.outcome:
                self.d.warning("derive_unused", f"`{name}` is derived but no {scope} rule reads it", self.rule_by_id[ids[0]].then.loc)

    def check_policies(self, policies: dict[str, OutcomePolicy]) -> None:
        for scope in sorted({r.scope for r in self.rules} - set(policies)):
            first = next(r for r in self.rules if r.scope == scope)
            self.d.error("outcome_policy_missing", f"the pack has {scope} rules but no `outcomes.{scope}`", first.loc, "declare the precedence, default and on_unknown outcomes")
        for policy in policies.values():
            if policy.ranking is not None:
                self.check_ranking(policy.scope, policy.ranking)

    def check_ranking(self, scope: str, ranking: Ranking) -> None:
        if scope != "huvudman":
            self.d.error("ranking_scope", f"a ranking is declared for `{scope}`, but only huvudmän are ranked in a round", ranking.loc, "move `ranking` to `outcomes.huvudman`")
            return
        p = self._param(ranking.capacity.name, ranking.capacity.loc, scope)
        if p is not None and p.unit != "count":
            self.d.error("type_mismatch", f"the capacity is a number of huvudmän (`count`), but `{p.name}` is in {p.unit}", ranking.capacity.loc)
        for ref in ranking.then_by:
            self.check_count_reads(ref.path, ref.loc)
            field = self._fact(ref.path, scope, ref.loc)
            if field is not None and field.type.kind != F.NUMBER:
                self.d.error("type_operator", f"`{ref.path}` is {field.type.describe()}; a ranking orders by numbers only", ref.loc)

    def check_tests(self) -> None:
        for case in self.tests:
            e = case.expect
            if e.outcome is not None and e.outcome not in F.OUTCOMES[case.scope]:
                self.d.error("ref_unknown_outcome", f"`{e.outcome}` is not an outcome of a {case.scope}", e.loc, did_you_mean(e.outcome, F.OUTCOMES[case.scope]))
            for rid in (*e.fired, *e.not_fired, *e.unknown):
                self._rule_ref(rid, e.loc, case.scope, f"test `{case.name}`")
