"""The JSON Schema for editors accepts every shipped pack file and refuses broken structure."""
from __future__ import annotations

import jsonschema
import pytest
import yaml

from policy import pack_schema
from policy import parse as P

from .conftest import FIXTURES, RULES


class _NoDates(yaml.SafeLoader):
    """A plain YAML reader, as an editor would use, keeping dates as text."""


_NoDates.yaml_implicit_resolvers = {
    k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"] for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _doc(path):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_NoDates)


@pytest.fixture(scope="module")
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
