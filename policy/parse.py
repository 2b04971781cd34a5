"""Structure: one pack file's located YAML into model elements, reporting every structural error.

Cross-references and types are checked later (`check`); this module only reads shapes. The key tables
below are the format's vocabulary; `schema` builds the JSON Schema from the same tables.
"""
from __future__ import annotations

import re
from typing import Any

import attrs

from . import facts as F
from .diagnostics import Diagnostics, Location, did_you_mean
from .operators import BY_NAME, RANGE, desugar
from .model import (
    MEMBERSHIP, OPERATORS, All, Any_, Citation, Compare, Condition, Derived, Effect, FactRef, Known,
    Literal, NationalAverage, Not, Operand, OutcomePolicy, PackMeta, Parameter, ParamRef, Ranking, Rule, Source,
    TestCase, Text,
)
from .reader import ID_RE, OPTIONAL, REQUIRED, SEMVER_RE, SOURCE_KEY_RE, is_number, text_keys
from .testcases import TestCaseReader
from .yamlsafe import MAP, SCALAR, SEQ, YNode

FILE_KEYS = {
    "pack": OPTIONAL, "parameters": OPTIONAL, "rules": OPTIONAL, "outcomes": OPTIONAL,
    "tests": OPTIONAL, "test_defaults": OPTIONAL,
}
PACK_KEYS = {
    "id": REQUIRED, "version": REQUIRED, "format": REQUIRED, "valid_from": REQUIRED,
    "valid_to": OPTIONAL, "title": REQUIRED, "sources": REQUIRED, "supersedes": OPTIONAL, "replaces": OPTIONAL, "languages": OPTIONAL,
}
SOURCE_KEYS = {"title": REQUIRED, "reference": OPTIONAL}
CITATION_KEYS = {"doc": REQUIRED, "section": REQUIRED, "quote": OPTIONAL}
PARAMETER_KEYS = {
    "unit": REQUIRED, "value": OPTIONAL, "by_school_form": OPTIONAL, "source": REQUIRED,
    "text": OPTIONAL, "interpretation": OPTIONAL,
}
RULE_KEYS = {
    "id": REQUIRED, "scope": OPTIONAL, "text": REQUIRED, "source": REQUIRED,
    "interpretation": OPTIONAL, "when": REQUIRED, "then": REQUIRED, "exception_to": OPTIONAL, "intended": OPTIONAL,
}
EFFECT_KEYS = {"outcome": OPTIONAL, "derive": OPTIONAL, "priority": OPTIONAL}
OUTCOME_KEYS = {"precedence": REQUIRED, "default": REQUIRED, "on_unknown": REQUIRED, "ranking": OPTIONAL, "intended": OPTIONAL}
RANKING_KEYS = {"ranked": REQUIRED, "capacity": REQUIRED, "beyond": REQUIRED, "then_by": OPTIONAL}
GROUP_CONDITIONS = ("all", "any", "not")
LEAF_CONDITIONS = ("fact", "known", "unknown", "derived")
CONDITION_KEYS = GROUP_CONDITIONS + LEAF_CONDITIONS
PACK_REF_RE = re.compile(r"^[a-z][a-z0-9_-]*@\S+$")
OPERAND_KEYS = {"param": ("param",), "national_average": ("national_average", "times"), "fact": ("fact", "times")}

@attrs.define
class FileSections:
    """What one file contributes to its pack."""

    file: str
    meta: PackMeta | None = None
    meta_loc: Location | None = None
    parameters: list[Parameter] = attrs.field(factory=list)
    rules: list[Rule] = attrs.field(factory=list)
    outcomes: list[OutcomePolicy] = attrs.field(factory=list)
    tests: list[TestCase] = attrs.field(factory=list)


class Parser(TestCaseReader):
    """Reads one pack file's sections into model elements."""

    def __init__(self, diags: Diagnostics) -> None:
        super().__init__(diags)
        #: names seen even where the element itself failed, so later checks do not report them twice
        self.seen_rule_ids: set[str] = set()
        self.seen_param_names: set[str] = set()
        self.dropped = 0  #: rules and parameters that failed to parse

    def file(self, root: YNode, file: str) -> FileSections:
        out = FileSections(file)
        m = self.mapping(root, FILE_KEYS, "a pack file")
        if m is None:
            return out
        if "pack" in m:
            out.meta, out.meta_loc = self.meta(m["pack"]), m["pack"].loc
        if "parameters" in m:
            out.parameters = self.parameters(m["parameters"])
        if "rules" in m:
            for n in self.seq(m["rules"], "`rules`") or []:
                rule = self.rule(n)
                if rule is None:
                    self.dropped += 1
                else:
                    out.rules.append(rule)
        if "outcomes" in m:
            out.outcomes = self.outcomes(m["outcomes"])
        defaults = self.facts(m["test_defaults"], None, "`test_defaults`") if "test_defaults" in m else {}
        if "tests" in m:
            for n in self.seq(m["tests"], "`tests`") or []:
                case = self.test(n, defaults or {})
                if case:
                    out.tests.append(case)
        return out

    def meta(self, node: YNode) -> PackMeta | None:
        m = self.mapping(node, PACK_KEYS, "the pack metadata")
        if m is None:
            return None
        pid = self.string(m.get("id"), "the pack id", ID_RE, "sbs")
        version = self.string(m.get("version"), "the version", SEMVER_RE, "2.0.0")
        fmt = m.get("format")
        if fmt is not None and fmt.value != 1:
            self.d.error("schema_bad_value", f"format `{fmt.value}` is not supported", fmt.loc, "this version of sbs reads `format: 1`")
        valid_from = self.date(m.get("valid_from"), "valid_from")
        valid_to = self.date(m.get("valid_to"), "valid_to")
        if valid_from and valid_to and valid_to < valid_from:
            self.d.error("schema_bad_value", f"valid_to {valid_to} is before valid_from {valid_from}", m["valid_to"].loc)
        title = self.text(m.get("title"), "the pack title")
        sources = self.sources(m["sources"]) if "sources" in m else ()
        supersedes = self.string(m.get("supersedes"), "supersedes", PACK_REF_RE, "sbs@1.0.0")
        replaces = self.ids(m.get("replaces"), "replaces", PACK_REF_RE)
        languages = self.languages(m.get("languages"))
        if None in (pid, version, valid_from, title, languages) or (fmt is not None and fmt.value != 1):
            return None
        return PackMeta(pid, version, valid_from, valid_to, title, sources, supersedes, 1, node.loc, replaces, languages,
                        m["title"].loc)

    def sources(self, node: YNode) -> tuple[Source, ...]:
        if node.kind != MAP:
            self.wrong(node, "`sources`", "a mapping of short names to documents")
            return ()
        out = []
        for key, value in node.value.items():
            if not SOURCE_KEY_RE.match(key):
                self.d.error("schema_bad_value", f"source name `{key}` is not well formed", node.key_locs[key], "for example `GP2016`")
                continue
            m = self.mapping(value, SOURCE_KEYS, f"source `{key}`")
            if m is None:
                continue
            title = self.string(m.get("title"), f"the title of source `{key}`")
            if title:
                out.append(Source(key, title, self.string(m.get("reference"), "reference"), node.key_locs[key]))
        return tuple(out)

    def citations(self, node: YNode, what: str) -> tuple[Citation, ...]:
        """`GP2016 2.3.2`, `{doc: GP2016, section: 2.3.2, quote: ...}`, or a list of either."""
        items = node.value if node.kind == SEQ else [node]
        out = []
        for item in items:
            if item.kind == SCALAR and isinstance(item.value, str):
                doc, _, section = item.value.strip().partition(" ")
                if doc and section.strip():
                    out.append(Citation(doc, section.strip(), None, item.loc))
                    continue
                self.d.error("schema_bad_value", f"{what} `{item.value}` names no section", item.loc, "write the document and the section, for example `GP2016 2.3.2`")
                continue
            m = self.mapping(item, CITATION_KEYS, what)
            if m is None:
                continue
            doc = self.string(m.get("doc"), f"{what} `doc`")
            section = m.get("section")
            section_text = str(section.value) if section is not None and section.kind == SCALAR else None
            if section is not None and section_text is None:
                self.wrong(section, f"{what} `section`", "text")
            quote = self.string(m.get("quote"), f"{what} `quote`")
            if doc and section_text:
                out.append(Citation(doc, section_text, quote, item.loc))
        if not items:
            self.d.error("rule_missing_source" if "rule" in what else "param_missing_source", f"{what} is empty", node.loc)
        return tuple(out)

    def parameters(self, node: YNode) -> list[Parameter]:
        if node.kind != MAP:
            self.wrong(node, "`parameters`", "a mapping of names to parameters")
            return []
        out = []
        for name, value in node.value.items():
            loc = node.key_locs[name]
            if not ID_RE.match(name):
                self.d.error("schema_bad_value", f"parameter name `{name}` is not well formed", loc, "use lower case, digits and `_`, for example `small_unit_pupils`")
                continue
            self.seen_param_names.add(name)
            p = self.parameter(name, value, loc)
            if p:
                out.append(p)
            else:
                self.dropped += 1
        return out

    def parameter(self, name: str, node: YNode, loc: Location) -> Parameter | None:
        m = self.mapping(node, PARAMETER_KEYS, "parameter")
        if m is None:
            return None
        unit = self.choice(m.get("unit"), f"the unit of `{name}`", F.PARAMETER_UNITS)
        source = self.citations(m["source"], "the parameter source") if "source" in m else ()
        value = self.param_value(m["value"], name, unit) if "value" in m else None
        by_form: list[tuple[str, Any]] = []
        if "by_school_form" in m:
            forms = m["by_school_form"]
            if forms.kind != MAP:
                self.wrong(forms, f"`by_school_form` of `{name}`", "a mapping of school forms to values")
            else:
                for form, v in forms.value.items():
                    if form not in F.ENUMS["school_form"]:
                        self.d.error("schema_bad_value", f"`{form}` is not a school form", forms.key_locs[form], did_you_mean(form, F.ENUMS["school_form"]))
                        continue
                    by_form.append((form, self.param_value(v, name, unit)))
        if "value" not in m and "by_school_form" not in m:
            self.d.error("schema_missing_key", f"parameter `{name}` has neither `value` nor `by_school_form`", node.loc, "add `value:` (or values per school form under `by_school_form:`)")
            return None
        text = self.text(m.get("text"), f"the text of `{name}`")
        interp = self.text(m.get("interpretation"), f"the interpretation of `{name}`")
        if unit is None or not source:
            return None
        return Parameter(name, unit, value, tuple(sorted(by_form)), source, text, interp, loc)

    def param_value(self, node: YNode, name: str, unit: str | None) -> Any:
        v = node.value
        if unit == "date":
            return self.date(node, f"the value of `{name}`")
        if node.kind != SCALAR or not is_number(v):
            self.wrong(node, f"the value of `{name}`", f"a number ({unit})" if unit else "a number")
            return None
        if unit in ("pupils", "count") and (v < 0 or v != int(v)):
            self.d.error("schema_bad_value", f"the value of `{name}` must be a whole number of {unit} ≥ 0, not {v}", node.loc)
        elif unit == "share" and not 0 <= v <= 1:
            self.d.error("schema_bad_value", f"the value of `{name}` is a share and must lie between 0 and 1, not {v}", node.loc, "shares are fractions: 50 % is 0.5")
        elif unit in ("years", "ratio") and v < 0:
            self.d.error("schema_bad_value", f"the value of `{name}` must not be negative", node.loc)
        return int(v) if float(v).is_integer() else v

    def rule(self, node: YNode) -> Rule | None:
        m = self.mapping(node, RULE_KEYS, "rule")
        if m is None:
            return None
        rid = self.string(m.get("id"), "the rule id", ID_RE, "small-unit")
        if rid:
            self.seen_rule_ids.add(rid)
        scope = self.choice(m["scope"], "the rule scope", F.SCOPES) if "scope" in m else "unit"
        text = None
        if "text" in m:
            tm = self.mapping(m["text"], text_keys(m["text"]), "rule text")
            if tm is not None:
                named = {"sv": "the Swedish text", "en": "the English text"}
                texts = {lang: self.string(tm.get(lang), named.get(lang, f"the text in `{lang}`")) for lang in tm}
                text = Text(texts) if texts.get("sv") and texts.get("en") and all(texts.values()) else None
        source = self.citations(m["source"], "the rule source") if "source" in m else ()
        interp = self.text(m.get("interpretation"), "the interpretation")
        when = self.condition(m["when"]) if "when" in m else None
        then = self.effect(m["then"]) if "then" in m else None
        exc = self.ids(m.get("exception_to"), "exception_to")
        intended = self.intended(m["intended"]) if "intended" in m else ()
        if None in (rid, scope, text, when, then, intended) or not source:
            return None
        return Rule(rid, scope, text, source, when, then, interp, tuple(sorted(set(exc))), node.loc, intended)

    def intended(self, node: YNode) -> tuple[tuple[str, str], ...] | None:
        """`intended: {check_…: why}`: findings of `sbs check` the pack keeps on purpose, each with its reason."""
        from .codes import CHECK_FINDINGS
        m = self.mapping(node, {c: OPTIONAL for c in CHECK_FINDINGS}, "`intended`")
        if m is None:
            return None
        out = []
        for code, why in m.items():
            reason = self.string(why, f"why `{code}` is intended")
            if reason is None:
                return None
            out.append((code, reason))
        return tuple(sorted(out))

    def condition(self, node: YNode) -> Condition | None:
        if node.kind != MAP:
            self.wrong(node, "a condition", "a mapping (`all`, `any`, `not`, `fact`, `known`, `unknown` or `derived`)")
            return None
        forms = [k for k in node.value if k in CONDITION_KEYS]
        if len(forms) != 1:
            for key in node.value:
                if key not in CONDITION_KEYS and key not in OPERATORS and key != "times":
                    self.d.error("schema_unknown_key", f"unknown key `{key}` in a condition", node.key_locs[key], did_you_mean(key, CONDITION_KEYS + tuple(OPERATORS)))
            if not forms:
                self.d.error("schema_bad_value", "a condition needs one of `all`, `any`, `not`, `fact`, `known`, `unknown`, `derived`", node.loc)
            else:
                self.d.error("schema_bad_value", "a condition has exactly one of " + ", ".join(f"`{f}`" for f in forms), node.loc, "nest them under `all:` or `any:`")
            return None
        form = forms[0]
        if form == "fact":
            return self.compare(node)
        extra = [k for k in node.value if k != form]
        for key in extra:
            self.d.error("schema_unknown_key", f"unknown key `{key}` beside `{form}`", node.key_locs[key], "a condition has one key; nest them under `all:` or `any:`")
        value = node.value[form]
        if form in ("all", "any"):
            items = self.seq(value, f"`{form}`")
            if items is None:
                return None
            if not items:
                self.d.error("schema_bad_value", f"`{form}` is empty", value.loc, "list at least one condition")
                return None
            parts = [self.condition(n) for n in items]
            if None in parts:
                return None
            return (All if form == "all" else Any_)(tuple(parts), node.loc)
        if form == "not":
            inner = self.condition(value)
            return Not(inner, node.loc) if inner else None
        name = self.string(value, f"`{form}`")
        if name is None:
            return None
        if form == "derived":
            return Derived(name, value.loc)
        return Known(name, form == "known", value.loc)

    def compare(self, node: YNode) -> Compare | None:
        fact = self.string(node.value["fact"], "`fact`")
        ops = [k for k in node.value if k in OPERATORS]
        for key in node.value:
            if key != "fact" and key not in OPERATORS:
                self.d.error("schema_unknown_key", f"unknown key `{key}` in a comparison", node.key_locs[key], did_you_mean(key, OPERATORS))
        if len(ops) != 1:
            self.d.error("schema_bad_value", f"a comparison of `{fact}` needs exactly one operator", node.loc, "one of " + ", ".join(f"`{o}`" for o in OPERATORS))
            return None
        op = ops[0]
        right_node = node.value[op]
        if BY_NAME[op].operands == RANGE:
            items = self.seq(right_node, f"`{op}`")
            if items is None:
                return None
            if len(items) != 2:
                self.d.error("schema_bad_value", f"`{op}` takes two bounds, the low and the high one, not {len(items)}",
                             right_node.loc, f"write `{op}: [{{param: low}}, {{param: high}}]`")
                return None
            bounds = [self.operand(n, op) for n in items]
            if fact is None or None in bounds:
                return None
            field = F.FIELDS.get(fact)
            if field is not None and not field.type.ordered:  # said of `between`, not of the forms it lowers to
                self.d.error("type_operator", f"`{op}` orders values, but `{fact}` is {field.type.describe()}",
                             node.value["fact"].loc, "use `eq`, `ne`, `in` or `not_in`")
                return None
            return desugar(fact, op, tuple(bounds), node.value["fact"].loc)
        if op in MEMBERSHIP:
            items = self.seq(right_node, f"`{op}`")
            if items is None:
                return None
            if not items:
                self.d.error("schema_bad_value", f"`{op}` lists no values", right_node.loc)
                return None
            lits = []
            for n in items:
                if n.kind != SCALAR or n.value is None:
                    self.wrong(n, f"a value of `{op}`", "a plain value")
                    return None
                lits.append(Literal(n.value, n.loc))
            right: Any = tuple(lits)
        else:
            right = self.operand(right_node, op)
        if fact is None or right is None:
            return None
        return desugar(fact, op, right, node.value["fact"].loc)

    def operand(self, node: YNode, op: str) -> Operand | None:
        if node.kind == SCALAR:
            if node.value is None:
                self.d.error("schema_bad_value", f"`{op}` has no value", node.loc, "to test for missing data write `unknown: <fact>`")
                return None
            return Literal(node.value, node.loc)
        if node.kind != MAP:
            self.wrong(node, f"the value of `{op}`", "a plain value or one of `param`, `national_average`, `fact`")
            return None
        kinds = [k for k in node.value if k in OPERAND_KEYS]
        if len(kinds) != 1:
            for key in node.value:
                if key not in ("param", "national_average", "fact", "times"):
                    self.d.error("schema_unknown_key", f"unknown key `{key}` in the value of `{op}`", node.key_locs[key], did_you_mean(key, OPERAND_KEYS))
            self.d.error("schema_bad_value", f"the value of `{op}` needs exactly one of `param`, `national_average`, `fact`", node.loc)
            return None
        kind = kinds[0]
        allowed = OPERAND_KEYS[kind]
        for key in node.value:
            if key not in allowed:
                self.d.error("schema_unknown_key", f"unknown key `{key}` beside `{kind}`", node.key_locs[key], "`times` goes with `national_average` or `fact`" if key == "times" else did_you_mean(key, allowed))
                return None
        name = self.string(node.value[kind], f"`{kind}`")
        times = self.string(node.value.get("times"), "`times`")
        if name is None:
            return None
        if kind == "param":
            return ParamRef(name, node.value[kind].loc)
        if kind == "national_average":
            return NationalAverage(name, times, node.value[kind].loc)
        return FactRef(name, times, node.value[kind].loc)

    def effect(self, node: YNode) -> Effect | None:
        m = self.mapping(node, EFFECT_KEYS, "`then`")
        if m is None:
            return None
        if not m:
            self.d.error("schema_missing_key", "`then` has no effect", node.loc, "give an `outcome`, a fact to `derive` or a `priority`")
            return None
        outcome = self.string(m.get("outcome"), "the outcome")
        derive = self.string(m.get("derive"), "the derived fact", ID_RE, "low_results")
        priority: Any = None
        if "priority" in m:
            p = m["priority"]
            if p.kind == SCALAR and is_number(p.value):
                priority = p.value
            elif p.kind == MAP and set(p.value) == {"param"}:
                name = self.string(p.value["param"], "`param`")
                priority = ParamRef(name, p.value["param"].loc) if name else None
            else:
                self.wrong(p, "the priority", "a number or `{param: name}`")
        return Effect(outcome, derive, priority, node.loc)

    def outcomes(self, node: YNode) -> list[OutcomePolicy]:
        if node.kind != MAP:
            self.wrong(node, "`outcomes`", "a mapping of scopes to outcome policies")
            return []
        out = []
        for scope, value in node.value.items():
            if scope not in F.SCOPES:
                self.d.error("schema_unknown_key", f"unknown scope `{scope}` in `outcomes`", node.key_locs[scope], did_you_mean(scope, F.SCOPES))
                continue
            m = self.mapping(value, OUTCOME_KEYS, f"the outcome policy of `{scope}`")
            if m is None:
                continue
            allowed = F.OUTCOMES[scope]
            prec = [self.choice(n, f"an outcome of `{scope}`", allowed) for n in self.seq(m["precedence"], "`precedence`") or []] if "precedence" in m else []
            default = self.choice(m.get("default"), f"the default outcome of `{scope}`", allowed)
            on_unknown = self.choice(m.get("on_unknown"), f"the outcome on unknown of `{scope}`", allowed)
            if None in prec or default is None or on_unknown is None or not prec:
                continue
            if len(set(prec)) != len(prec):
                self.d.error("outcome_precedence_duplicate", f"`{scope}` precedence lists an outcome twice", m["precedence"].loc)
                continue
            ranking = self.ranking(m["ranking"], scope, allowed) if "ranking" in m else None
            if "ranking" in m and ranking is None:
                continue
            intended = self.intended(m["intended"]) if "intended" in m else ()
            if intended is None:
                continue
            out.append(OutcomePolicy(scope, tuple(prec), default, on_unknown, node.key_locs[scope], ranking, intended))
        return out

    def ranking(self, node: YNode, scope: str, allowed: tuple[str, ...]) -> Ranking | None:
        m = self.mapping(node, RANKING_KEYS, f"the ranking of `{scope}`")
        if m is None:
            return None
        ranked = self.choice(m.get("ranked"), "the ranked outcome", allowed)
        beyond = self.choice(m.get("beyond"), "the outcome beyond capacity", allowed)
        capacity = None
        cap = m.get("capacity")
        if cap is not None:
            if cap.kind == MAP and set(cap.value) == {"param"}:
                name = self.string(cap.value["param"], "`param`")
                capacity = ParamRef(name, cap.value["param"].loc) if name else None
            else:
                self.wrong(cap, "the capacity", "`{param: name}` (a parameter in `count`)")
        then_by = []
        for n in (self.seq(m["then_by"], "`then_by`", allow_single=True) or []) if "then_by" in m else []:
            path = self.string(n, "a fact path")
            then_by.append(FactRef(path, None, n.loc) if path else None)
        if None in (ranked, beyond, capacity) or None in then_by:
            return None
        if ranked == beyond:
            self.d.error("schema_bad_value", f"the ranked outcome and the outcome beyond capacity are both `{ranked}`", m["beyond"].loc)
            return None
        return Ranking(ranked, capacity, beyond, tuple(then_by), node.loc)
