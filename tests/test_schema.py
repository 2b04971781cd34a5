"""The JSON Schema for editors accepts every shipped pack file and refuses broken structure."""
from __future__ import annotations

import jsonschema
import pytest
import yaml

from policy import pack_schema
from policy import parse as P

from .conftest import FIXTURES, RULES, SHARED


class _NoDates(yaml.SafeLoader):
    """A plain YAML reader, as an editor would use, keeping dates as text."""


_NoDates.yaml_implicit_resolvers = {
    k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"] for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _doc(path):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_NoDates)


@pytest.fixture(scope=SHARED)
def validator():
    schema = pack_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


class TestSchema:
    @pytest.mark.parametrize("path", sorted(RULES.rglob("*.yaml")), ids=lambda p: str(p.relative_to(RULES)))
    def test_shipped_pack_files_validate(self, validator, path):
        """Every file of every shipped pack is valid against the schema."""
        assert [] == [e.message for e in validator.iter_errors(_doc(path))]

    @pytest.mark.parametrize("name", [
        "unknown_key.yaml", "wrong_type.yaml", "param_missing_unit.yaml", "param_missing_source.yaml",
        "rule_missing_source.yaml", "rule_missing_swedish.yaml", "unknown_fact.yaml", "bad_enum_literal.yaml",
        "bad_version.yaml", "share_out_of_range.yaml", "test_bad_fact.yaml",
    ])
    def test_structural_errors_refused(self, validator, name):
        """The structural faults an editor can see are refused by the schema too."""
        assert list(validator.iter_errors(_doc(FIXTURES / "invalid" / name)))

    def test_keys_match_parser(self):
        """The schema allows exactly the keys the parser reads."""
        schema = pack_schema()
        assert set(P.FILE_KEYS) == set(schema["properties"])
        assert set(P.PACK_KEYS) == set(schema["properties"]["pack"]["properties"])
        assert set(P.RULE_KEYS) == set(schema["properties"]["rules"]["items"]["properties"])
        assert set(P.PARAMETER_KEYS) == set(schema["properties"]["parameters"]["additionalProperties"]["properties"])

    def test_fact_paths_completed(self):
        """Editors can complete fact paths: `fact:` lists the catalogue."""
        schema = pack_schema()
        compare = next(c for c in schema["$defs"]["condition"]["oneOf"] if "lt" in c["properties"])
        assert "unit.results.merit_value_y9" in compare["properties"]["fact"]["enum"]


RULE = {"id": "r", "text": {"sv": "x", "en": "x"}, "source": "GP2016 2.3.2"}


@pytest.mark.parametrize("scope, when, outcome, valid", [
    (None, {"fact": "unit.pupils", "lt": 10}, "excluded", True),
    ("unit", {"fact": "huvudman.type", "eq": "kommun"}, "not_eligible", True),
    (None, {"fact": "agreement.kind", "eq": "insatser"}, "excluded", False),    # an agreement's fact in a unit rule
    (None, {"all": [{"unknown": "insats.level"}]}, "excluded", False),          # nested: still the unit's facts only
    ("huvudman", {"fact": "units.eligible", "ge": 1}, "proposed", True),
    ("huvudman", {"fact": "unit.pupils", "lt": 10}, "proposed", False),         # a unit's fact in a huvudman rule
    ("huvudman", {"fact": "units.eligible", "ge": 1}, "eligible", False),       # a unit's outcome for a huvudman
    ("insats", {"unknown": "insats.level"}, "non_compliant", True),
])
def test_a_rule_is_offered_only_its_scopes_facts_and_outcomes(validator, scope, when, outcome, valid):
    """The schema gives a rule the facts and outcomes of its scope (no scope: unit), so an editor completes only
    those and marks a fact of another scope where it is typed."""
    rule = {**RULE, **({"scope": scope} if scope else {}), "when": when, "then": {"outcome": outcome}}
    assert valid == (not list(validator.iter_errors({"rules": [rule]})))


def test_completion_lists_only_the_scopes_facts():
    """What an editor lists after `fact:` in an agreement rule: agreement, plan, huvudman and delivery facts."""
    schema = pack_schema()
    compare = next(c for c in schema["$defs"]["condition_agreement"]["oneOf"] if "lt" in c["properties"])
    listed = compare["properties"]["fact"]["enum"]
    assert "agreement.duration_years" in listed and "huvudman.type" in listed
    assert not [f for f in listed if f.startswith(("unit.", "units.", "insats."))]
    assert {"type": "string", "description": "an outcome of the rule's scope (below)"} == \
        schema["properties"]["rules"]["items"]["properties"]["then"]["properties"]["outcome"]


def test_the_delivery_schema_takes_the_sample_and_refuses_what_a_delivery_may_not_say():
    """`sbs schema --delivery`: the sample delivery validates; an unknown field, a computed fact, a share
    of 88 and a unit without its huvudman do not (checked by an independent validator)."""
    import json as json_module

    import jsonschema
    from click.testing import CliRunner

    from cli.main import cli

    from .conftest import FIXTURES
    schema = json_module.loads(CliRunner().invoke(cli, ["schema", "--delivery"]).stdout)
    validator = jsonschema.Draft202012Validator(schema)
    doc = _typed(FIXTURES / "sample" / "delivery.yaml")
    assert list(validator.iter_errors(doc)) == []
    for broken in ({"pupils_count": 3}, {"same_building_eligible": True}, {"results": {"share_degree_within_3y": 88}}):
        bad = json_module.loads(json_module.dumps(doc))
        bad["units"][0].update(broken)
        assert list(validator.iter_errors(bad)), broken
    bad = json_module.loads(json_module.dumps(doc))
    del bad["units"][0]["huvudman_id"]
    assert list(validator.iter_errors(bad))


def _typed(path):
    """A YAML delivery as JSON would give it (dates as text)."""
    import datetime
    import json as json_module

    import yaml as yaml_module
    return json_module.loads(json_module.dumps(yaml_module.safe_load(path.read_text(encoding="utf-8")),
                                               default=lambda v: v.isoformat() if isinstance(v, datetime.date) else str(v)))
