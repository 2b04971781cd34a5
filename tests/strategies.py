"""Hypothesis strategies: well-typed conditions over the fact catalogue, as pack YAML documents."""
from __future__ import annotations

from hypothesis import strategies as st

from policy import facts as F

UNIT_FIELDS = [f for f in F.visible_paths("unit")]
NUMERIC = [p for p in UNIT_FIELDS if F.FIELDS[p].type.kind == F.NUMBER]
BOOLEANS = [p for p in UNIT_FIELDS if F.FIELDS[p].type.kind == F.BOOLEAN]
ENUMS = [p for p in UNIT_FIELDS if F.FIELDS[p].type.kind == F.ENUM]
TEXTS = [p for p in UNIT_FIELDS if F.FIELDS[p].type.kind == F.TEXT]
RESULT_FIELDS = [p for p in NUMERIC if p.startswith(("unit.results.", "unit.socioeconomics."))]

#: One parameter per quantity unit used by the generated conditions, plus a ratio for `times`.
PARAMETERS = {
    "p_pupils": ("pupils", 50),
    "p_share": ("share", 0.5),
    "p_sek": ("SEK", 0),
    "p_points": ("points", 200.5),
    "p_ratio": ("ratio", 0.9),
}
PARAM_BY_UNIT = {unit: name for name, (unit, _) in PARAMETERS.items() if unit != "ratio"}

ordering = st.sampled_from(["lt", "le", "gt", "ge", "eq", "ne"])


@st.composite
def numeric_compare(draw):
    path = draw(st.sampled_from([p for p in NUMERIC if F.FIELDS[p].type.unit in PARAM_BY_UNIT]))
    unit = F.FIELDS[path].type.unit
    op = draw(ordering)
    if path in RESULT_FIELDS and draw(st.booleans()):
        right = {"national_average": path.rsplit(".", 1)[1]}
        if draw(st.booleans()):
            right["times"] = "p_ratio"
    else:
        right = {"param": PARAM_BY_UNIT[unit]}
    return {"fact": path, op: right}


@st.composite
def boolean_compare(draw):
    return {"fact": draw(st.sampled_from(BOOLEANS)), draw(st.sampled_from(["eq", "ne"])): draw(st.booleans())}


@st.composite
def enum_compare(draw):
    path = draw(st.sampled_from(ENUMS))
    values = F.ENUMS[F.FIELDS[path].type.enum]
    op = draw(st.sampled_from(["eq", "ne", "in", "not_in"]))
    if op in ("in", "not_in"):
        return {"fact": path, op: draw(st.lists(st.sampled_from(values), min_size=1, max_size=3, unique=True))}
    return {"fact": path, op: draw(st.sampled_from(values))}


@st.composite
def known_test(draw):
    return {draw(st.sampled_from(["known", "unknown"])): draw(st.sampled_from(UNIT_FIELDS))}


leaf = st.one_of(numeric_compare(), boolean_compare(), enum_compare(), known_test())

conditions = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.builds(lambda xs: {"all": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda xs: {"any": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda x: {"not": x}, inner),
    ),
    max_leaves=8,
)


def pack_document(rule_conditions: list[dict]) -> dict:
    """A valid single-file pack with one rule per condition."""
    return {
        "pack": {
            "id": "generated", "version": "1.0.0", "format": 1, "valid_from": "2016-01-01",
            "title": {"sv": "Genererat", "en": "Generated"},
            "sources": {"GP2016": {"title": "Genomförandeplan"}},
        },
        "outcomes": {"unit": {"precedence": ["excluded", "eligible"], "default": "eligible", "on_unknown": "manual_review"}},
        "parameters": {
            name: {"unit": unit, "value": value, "source": "GP2016 2.3.3"} for name, (unit, value) in PARAMETERS.items()
        },
        "rules": [
            {
                "id": f"rule-{i}",
                "text": {"sv": f"Regel {i} på svenska: å, ä, ö.", "en": f"Rule {i}."},
                "source": "GP2016 2.3.2",
                "when": cond,
                "then": {"outcome": "excluded"},
            }
            for i, cond in enumerate(rule_conditions)
        ],
    }


# --- facts for the generated conditions -----------------------------------------------------------

#: Values that sit on the generated parameters' boundaries, so `<` against `<=` is exercised.
_POOLS = {
    "pupils": [0, 1, 49, 50, 51, 310, 10**6],
    "share": [0.0, 0.45, 0.5, 0.5000000001, 0.55, 1.0],
    "SEK": [-10**9, -1, 0, 1, 10**15],  # the largest amount a fact may hold (policy.facts.MAX_QUANTITY)
    "points": [0.0, 13.4, 180.45, 200.5, 224.4, 340.0],
    "count": [0, 1, 2],
}
_TEXT = ["Ängskolan", "ÄNGSKOLAN", "ängskolan", "48151623", "x", "", "å", "ä", "212000-0999", "Öster 4–9 🏫"]


def _value(field):
    t = field.type
    if t.kind == F.NUMBER:
        pool = _POOLS[t.unit]
        base = st.sampled_from(pool)
        if not t.integer:
            base = st.one_of(base, st.floats(min_value=float(min(pool)), max_value=float(max(pool)), allow_nan=False))
        return base
    if t.kind == F.BOOLEAN:
        return st.booleans()
    if t.kind == F.ENUM:
        return st.sampled_from(F.ENUMS[t.enum])
    if t.kind == F.DATE:
        return st.sampled_from(["2014-12-31", "2015-01-01", "2016-02-29"])
    return st.sampled_from(_TEXT)


def _group(root):
    """A random group (`unit` or `huvudman`), every field present, null or absent."""
    fields = [f for p, f in F.FIELDS.items() if p.startswith(root + ".") and not f.computed]

    @st.composite
    def build(draw):
        out: dict = {}
        for f in fields:
            choice = draw(st.integers(0, 3))
            if choice == 0:
                continue  # absent
            value = None if choice == 1 else draw(_value(f))
            node = out
            parts = f.path.split(".")[1:]
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            node[parts[-1]] = value
        return out

    return build()


averages = st.fixed_dictionaries({}, optional={k: st.one_of(st.none(), st.sampled_from(_POOLS[t.unit])) for k, t in F.INDICATORS.items()})
unit_facts = st.fixed_dictionaries({"unit": _group("unit"), "huvudman": _group("huvudman"), "national_averages": averages})
