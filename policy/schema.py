"""The JSON Schema of the pack format, for editors (VS Code's YAML extension and others).

Built from the parser's key tables and the fact catalogue, so the schema and `sbs validate` accept
the same keys; the checks that need the whole pack (references, types, cycles) stay in `sbs validate`.
"""
from __future__ import annotations

from typing import Any

from . import codes as C
from . import facts as F
from . import parse as P
from . import reader as R
from . import testcases as T
from .operators import RANGE, TABLE, VALUES

SCHEMA_ID = "https://sbs.skolverket.invalid/schema/pack-1.json"


def _obj(props: dict[str, Any], keys: dict[str, bool], description: str = "") -> dict:
    assert set(props) == set(keys), (sorted(props), sorted(keys))
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    required = [k for k, req in keys.items() if req]
    if required:
        out["required"] = required
    if description:
        out["description"] = description
    return out


def _str(pattern: str | None = None, description: str = "", **kw: Any) -> dict:
    out: dict[str, Any] = {"type": "string", "minLength": 1, **kw}
    if pattern:
        out["pattern"] = pattern
    if description:
        out["description"] = description
    return out


DATE = {"type": "string", "pattern": R.DATE_RE.pattern, "description": "a date, YYYY-MM-DD"}
ID = _str(R.ID_RE.pattern)


def _group_schema(prefix: str, delivered: bool = False) -> dict:
    """The schema of a fact group of the delivery model (`unit`, `huvudman`, ...), from the catalogue: as the
    YAML tests give it, or (`delivered`) as a delivery does, without what the engine computes."""
    props: dict[str, Any] = {}
    for name in T.children(prefix):
        path = f"{prefix}.{name}"
        field = F.FIELDS.get(path)
        if field is None:
            props[name] = {"oneOf": [_group_schema(path, delivered), {"type": "null"}]}
        elif not field.computed or (field.context and not delivered) or path.split(".", 1)[0] in T.DOCUMENT_ROOTS:
            props[name] = {**_type_schema(field.type), "description": field.en}
    return {"type": "object", "properties": props, "additionalProperties": False}


def delivery_schema() -> dict:
    """The JSON Schema (draft 2020-12) of a delivery (DELIVERY.md) as YAML or JSON: the header, the national
    averages, the huvudmän and the units, with `extra` free on a record. Checks that need the whole
    delivery (ids, counts, references between records) are `sbs evaluate`'s."""
    def record(prefix: str, required: list[str]) -> dict:
        g = _group_schema(prefix, delivered=True)
        g["properties"]["extra"] = {"type": "object", "description": "kept out of evaluation"}
        g["required"] = required
        return g
    averages = {k: _type_schema(t) for k, t in F.INDICATORS.items()}
    averages["school_year"] = {"type": "string"}
    header = _group_schema("delivery", delivered=True)
    header["required"] = ["id", "date"]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://skolverket.se/sbs/delivery.schema.json",
        "title": "sbs delivery",
        "type": "object",
        "properties": {
            "delivery": header,
            "national_averages": {"type": "object", "properties": averages, "additionalProperties": False},
            "huvudman": {"type": "array", "items": record("huvudman", ["id"])},
            "units": {"type": "array", "items": record("unit", ["id", "huvudman_id"])},
        },
        "required": ["delivery", "units"],
        "additionalProperties": False,
    }


def _type_schema(t: F.FactType) -> dict:
    base: dict[str, Any]
    if t.kind == F.NUMBER:
        base = {"type": "integer" if t.integer else "number"}
        if t.unit == "share":
            base.update(minimum=0, maximum=1)
        elif t.integer:
            base["minimum"] = 0
    elif t.kind == F.BOOLEAN:
        base = {"type": "boolean"}
    elif t.kind == F.ENUM:
        base = {"enum": list(F.ENUMS[t.enum])}
    elif t.kind == F.DATE:
        base = {"type": "string", "pattern": R.DATE_RE.pattern}
    else:
        base = {"type": "string"}
    return {"oneOf": [base, {"type": "null"}]}


#: `intended:` on a rule or an outcome policy: findings of `sbs check` kept on purpose, each with its reason.
INTENDED = {
    "type": "object", "additionalProperties": False,
    "description": "findings of `sbs check` kept on purpose, each with the reason",
    "properties": {c: {"type": "string", "minLength": 1} for c in C.CHECK_FINDINGS},
}


def _context_schema() -> dict:
    """A test's `context`: what the rest of a delivery would tell the case, by fact path; a count may be
    given by its bounds."""
    props: dict[str, Any] = {}
    for path, field in F.FIELDS.items():
        if not field.context:
            continue
        props[path] = {**_type_schema(field.type), "description": field.en}
        if path in F.BOUNDED:
            bound = {"type": "integer", "minimum": 0}
            props[path]["oneOf"] = [*props[path]["oneOf"], {
                "type": "object", "required": ["at_least"], "additionalProperties": False,
                "properties": {"at_least": bound, "at_most": {"oneOf": [bound, {"type": "null"}]}}}]
    return {"type": "object", "properties": props, "additionalProperties": False}


def _facts_schema() -> dict:
    averages = {k: _type_schema(t) for k, t in F.INDICATORS.items()}
    averages["school_year"] = {"type": "string"}
    props = {
        "national_averages": {"type": "object", "properties": averages, "additionalProperties": False},
        "units": {"type": "array", "items": _group_schema("unit")},
        "context": _context_schema(),
    }
    for root in T.TEST_ROOT_KEYS:
        if root not in props:
            props[root] = _group_schema(root)
    return {"type": "object", "properties": props, "additionalProperties": False}


_UNIT_RANGES = {
    "share": {"type": "number", "minimum": 0, "maximum": 1},
    "pupils": {"type": "integer", "minimum": 0},
    "count": {"type": "integer", "minimum": 0},
    "date": DATE,
}


def _unit_range(unit: str, rng: dict) -> dict:
    """If a parameter has `unit`, its values lie in `rng` (a share between 0 and 1, pupils whole, ...)."""
    return {
        "if": {"properties": {"unit": {"const": unit}}, "required": ["unit"]},
        "then": {"properties": {"value": rng, "by_school_form": {"additionalProperties": rng}}},
    }


def _enum_literals() -> list[dict]:
    """A comparison of a fact with a value set names values of that set (school forms, huvudman types)."""
    out = []
    for path, field in F.FIELDS.items():
        if field.type.kind != F.ENUM:
            continue
        values = {"enum": list(F.ENUMS[field.type.enum])}
        out.append({
            "if": {"properties": {"fact": {"const": path}}, "required": ["fact"]},
            "then": {"properties": {
                "eq": {"anyOf": [values, {"type": "object"}]}, "ne": {"anyOf": [values, {"type": "object"}]},
                "in": {"type": "array", "items": values}, "not_in": {"type": "array", "items": values},
            }},
        })
    return out


def _operand(facts: list[str]) -> dict:
    scalar = {"type": ["string", "boolean", "number"]}
    return {
        "oneOf": [
            scalar,
            _obj({"param": {"type": "string"}}, {"param": True}, "a parameter's value"),
            _obj({"national_average": {"enum": list(F.INDICATORS)}, "times": {"type": "string"}},
                 {"national_average": True, "times": False}, "the delivery's national average of an indicator"),
            _obj({"fact": {"enum": facts}, "times": {"type": "string"}}, {"fact": True, "times": False},
                 "another fact of the same case"),
        ]
    }


def _condition(facts: list[str], name: str, operand: str) -> dict:
    """A condition over `facts`, its parts referring to `#/$defs/{name}` and their operands to `#/$defs/{operand}`
    (one per scope, so an editor offers only the facts a rule of that scope may read)."""
    scalar = {"type": ["string", "boolean", "number"]}
    compares = []
    for op in TABLE:
        if op.operands == VALUES:
            right = {"type": "array", "minItems": 1, "items": scalar}
        elif op.operands == RANGE:
            right = {"type": "array", "minItems": 2, "maxItems": 2, "items": {"$ref": f"#/$defs/{operand}"}}
        else:
            right = {"$ref": f"#/$defs/{operand}"}
        compares.append(_obj({"fact": {"enum": facts}, op.name: {**right, "description": f"{op.words['en']} ({op.symbol})"}},
                             {"fact": True, op.name: True}))
    return {
        "description": "a condition: all / any / not, a comparison of a fact, known / unknown, or a derived fact",
        "allOf": _enum_literals(),
        "oneOf": [
            _obj({"all": {"type": "array", "minItems": 1, "items": {"$ref": f"#/$defs/{name}"}}}, {"all": True}),
            _obj({"any": {"type": "array", "minItems": 1, "items": {"$ref": f"#/$defs/{name}"}}}, {"any": True}),
            _obj({"not": {"$ref": f"#/$defs/{name}"}}, {"not": True}),
            _obj({"known": {"enum": facts}}, {"known": True}),
            _obj({"unknown": {"enum": facts}}, {"unknown": True}),
            _obj({"derived": {"$ref": "#/$defs/id"}}, {"derived": True}),
            *compares,
        ],
    }


def _by_scope() -> tuple[dict, list[dict]]:
    """Per scope, the condition over the facts a rule of that scope may read; and the `if`/`then` pairs that give a
    rule of each scope (no `scope`: unit) that condition and that scope's outcomes."""
    defs: dict = {}
    pairs = []
    for scope in F.SCOPES:
        facts = sorted(p for p in F.FIELDS if F.lookup(p, scope) is not None)
        defs[f"condition_{scope}"] = _condition(facts, f"condition_{scope}", f"operand_{scope}")
        defs[f"operand_{scope}"] = _operand(facts)
        then = {"properties": {"when": {"$ref": f"#/$defs/condition_{scope}"},
                               "then": {"properties": {"outcome": {"enum": list(F.OUTCOMES[scope])}}}}}
        given = {"properties": {"scope": {"const": scope}}, "required": ["scope"]}
        pairs.append({"if": given if scope != "unit" else {"anyOf": [given, {"not": {"required": ["scope"]}}]}, "then": then})
    return defs, pairs


def pack_schema() -> dict:
    """The JSON Schema (draft 2020-12) of one pack file."""
    outcomes_all = sorted({o for v in F.OUTCOMES.values() for o in v})
    fact_paths = sorted(F.FIELDS)
    ids = {"oneOf": [{"$ref": "#/$defs/id"}, {"type": "array", "items": {"$ref": "#/$defs/id"}}]}
    operand, condition = _operand(fact_paths), _condition(fact_paths, "condition", "operand")
    citation_one = {
        "oneOf": [
            _str(r"^\S+\s+\S", "document short name and section, for example `GP2016 2.3.2`"),
            _obj({"doc": _str(), "section": {"type": ["string", "number"]}, "quote": _str()}, P.CITATION_KEYS),
        ]
    }
    param_value = {"oneOf": [{"type": "number"}, DATE]}
    defs = {
        "id": ID,
        "text": {**_obj({"sv": _str(description="Swedish"), "en": _str(description="English")}, R.TEXT_KEYS,
                        "Swedish and English, and each further language in the pack's `languages:`"),
                 "patternProperties": {R.LANG_RE.pattern: _str(description="the text in a language the pack declares")}},
        "citation": {"oneOf": [citation_one, {"type": "array", "minItems": 1, "items": citation_one}]},
        "operand": operand,
        "condition": condition,
        "facts": _facts_schema(),
    }
    scoped, by_scope = _by_scope()
    defs.update(scoped)
    meta = _obj(
        {
            "id": _str(R.ID_RE.pattern, "the pack id, the same for every version"),
            "version": _str(R.SEMVER_RE.pattern, "semantic version, for example 2.0.0"),
            "format": {"const": 1, "description": "version of the pack format"},
            "valid_from": DATE,
            "valid_to": {"oneOf": [DATE, {"type": "null"}], "description": "last day in force; empty: open"},
            "title": {"$ref": "#/$defs/text"},
            "sources": {
                "type": "object",
                "propertyNames": {"pattern": R.SOURCE_KEY_RE.pattern},
                "additionalProperties": _obj({"title": _str(), "reference": _str()}, P.SOURCE_KEYS),
            },
            "supersedes": {"oneOf": [_str(P.PACK_REF_RE.pattern), {"type": "null"}]},
            "replaces": {
                "oneOf": [_str(P.PACK_REF_RE.pattern), {"type": "array", "items": _str(P.PACK_REF_RE.pattern)}],
                "description": "versions this one corrects for their whole validity (kept for replay, never chosen by date)",
            },
            "languages": {"type": "array", "items": _str(R.LANG_RE.pattern), "uniqueItems": True,
                          "allOf": [{"contains": {"const": "sv"}}, {"contains": {"const": "en"}}],
                          "description": "the languages of every text: sv and en, and any further ones (default [sv, en])"},
        },
        P.PACK_KEYS,
        "identity and validity of the pack",
    )
    parameter = _obj(
        {
            "unit": {"enum": list(F.PARAMETER_UNITS)},
            "value": param_value,
            "by_school_form": {
                "type": "object",
                "propertyNames": {"enum": list(F.ENUMS["school_form"])},
                "additionalProperties": param_value,
            },
            "source": {"$ref": "#/$defs/citation"},
            "text": {"$ref": "#/$defs/text"},
            "interpretation": {"$ref": "#/$defs/text"},
        },
        P.PARAMETER_KEYS,
        "a named value with a unit and a source",
    )
    parameter["anyOf"] = [{"required": ["value"]}, {"required": ["by_school_form"]}]
    parameter["allOf"] = [_unit_range(unit, rng) for unit, rng in _UNIT_RANGES.items()]
    effect = _obj(
        {
            "outcome": {"type": "string", "description": "an outcome of the rule's scope (below)"},
            "derive": {"$ref": "#/$defs/id"},
            "priority": {"oneOf": [{"type": "number"}, _obj({"param": _str()}, {"param": True})]},
        },
        P.EFFECT_KEYS,
        "what the rule does when it fires",
    )
    effect["minProperties"] = 1
    rule = _obj(
        {
            "id": {"$ref": "#/$defs/id"},
            "scope": {"enum": list(F.SCOPES), "default": "unit"},
            "text": {"$ref": "#/$defs/text"},
            "source": {"$ref": "#/$defs/citation"},
            "interpretation": {"$ref": "#/$defs/text"},
            "when": {"description": "the condition, over the facts of the rule's scope (below)"},
            "then": effect,
            "exception_to": ids,
            "intended": INTENDED,
        },
        P.RULE_KEYS,
        "a rule: text in Swedish and English, its source, a condition and an effect",
    )
    rule["allOf"] = by_scope  # an editor offers only the facts and outcomes of the rule's scope
    ranking = _obj(
        {
            "ranked": {"enum": outcomes_all},
            "capacity": _obj({"param": {"type": "string"}}, {"param": True}, "a parameter in `count`"),
            "beyond": {"enum": outcomes_all},
            "then_by": {"type": "array", "items": {"enum": sorted(F.FIELDS)}},
        },
        P.RANKING_KEYS,
        "how huvudmän are ranked across a delivery and cut at the round's capacity",
    )
    outcome_policy = _obj(
        {
            "precedence": {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"enum": outcomes_all}},
            "default": {"enum": outcomes_all},
            "on_unknown": {"enum": outcomes_all},
            "ranking": ranking,
            "intended": INTENDED,
        },
        P.OUTCOME_KEYS,
    )
    expect = _obj(
        {"outcome": {"enum": outcomes_all}, "fired": ids, "not_fired": ids, "unknown": ids,
         "priority": {"oneOf": [{"type": "number"}, {"const": "unknown"}], "description": "a huvudman's priority"}}, T.EXPECT_KEYS
    )
    expect["minProperties"] = 1
    test = _obj(
        {
            "name": _str(),
            "scope": {"enum": list(F.SCOPES), "default": "unit"},
            "facts": {"$ref": "#/$defs/facts"},
            "expect": expect,
        },
        T.TEST_KEYS,
    )
    top = _obj(
        {
            "pack": meta,
            "parameters": {
                "type": "object",
                "propertyNames": {"pattern": R.ID_RE.pattern},
                "additionalProperties": parameter,
            },
            "rules": {"type": "array", "items": rule},
            "outcomes": {
                "type": "object",
                "propertyNames": {"enum": list(F.SCOPES)},
                "additionalProperties": outcome_policy,
            },
            "tests": {"type": "array", "items": test},
            "test_defaults": {"$ref": "#/$defs/facts"},
        },
        P.FILE_KEYS,
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "sbs rule pack (format 1)",
        **top,
        "$defs": defs,
    }
