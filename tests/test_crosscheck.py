"""Property: for random conditions of the safe subset and random facts, durable_rules and the cross-check agree.

Facts include missing and null values, Swedish and non-ASCII text, and numbers on the parameters'
boundaries. A disagreement would surface as an engine-error record.
"""
from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import Engine, unit_case
from engine.core.host import QuietHost
from policy import Diagnostics, load_pack

from . import strategies as S

HOST = QuietHost()


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(conds=st.lists(S.conditions, min_size=1, max_size=4), cases=st.lists(S.unit_facts, min_size=1, max_size=6))
def test_durable_and_crosscheck_agree(tmp_path_factory, conds, cases):
    """Every rule gets the same truth value from both evaluators, so no case becomes an engine error."""
    path = tmp_path_factory.mktemp("prop") / "pack.yaml"
    path.write_text(yaml.safe_dump(S.pack_document(conds), allow_unicode=True), encoding="utf-8")
    diags = Diagnostics()
    pack = load_pack(path, diags)
    assert pack is not None, [d.render() for d in diags.errors]
    engine = Engine(pack, HOST)
    for facts in cases:
        record = engine.evaluate(unit_case(facts))
        assert "error" not in record, record["error"]
        assert {e["status"] for e in record["trace"]} <= {"fired", "not_fired", "unknown"}
