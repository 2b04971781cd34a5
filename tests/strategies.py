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
