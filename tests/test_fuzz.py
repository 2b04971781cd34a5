"""Attacks on the readers and the batch: every input either evaluates, one record per row, or is refused
with located errors and no record; never a traceback, never exit 0 with fewer records than rows."""
from __future__ import annotations

import copy
import json
import re
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from cli.main import cli

from .conftest import FIXTURES

pytestmark = pytest.mark.slow  # hundreds of runs of the readers

SAMPLE = yaml.safe_load((FIXTURES / "sample" / "delivery.yaml").read_text(encoding="utf-8"))
RULES = Path(tempfile.mkdtemp()) / "rules"  # the reference pack alone: each run reads one pack, not six
shutil.copytree(FIXTURES.parent / "policy" / "rules" / "sbs-2016-2.1", RULES / "sbs-2016-2.1")
LOCATED = re.compile(r"^\S+?:\d+:\d+: [a-z_]+: |^\S+?: [a-z_]+: ", re.M)
ODD = st.one_of(st.none(), st.booleans(), st.integers(min_value=-10**20, max_value=10**20),
                st.floats(allow_nan=False), st.text(max_size=12), st.lists(st.integers(), max_size=3),
                st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
                st.sampled_from(["ja", "..", "~100", "2016-13-45", "\x00", "\ud800", "48151623", "212000-0999", "1_000", "٣"]))


@st.composite
def damaged(draw) -> dict:
    """The sample delivery with a few fields of its records set to odd values, or removed, or records dropped."""
    doc = copy.deepcopy(SAMPLE)
    for _ in range(draw(st.integers(1, 4))):
        group = draw(st.sampled_from(["units", "huvudman", "delivery", "national_averages"]))
        target = doc[group] if group in ("delivery", "national_averages") else draw(st.sampled_from(doc[group]))
        keys = sorted(target)
        if not keys:
            continue
        key = draw(st.sampled_from(keys))
        action = draw(st.sampled_from(["odd", "drop", "nest"]))
        if action == "odd":
            target[key] = draw(ODD)
        elif action == "drop":
            del target[key]
        elif isinstance(target[key], dict) and target[key]:
            inner = draw(st.sampled_from(sorted(target[key])))
            target[key][inner] = draw(ODD)
    if draw(st.booleans()):
        doc["units"] = doc["units"][: draw(st.integers(0, len(doc["units"])))]
    return doc


def _check(result, doc_rows: int | None) -> None:
    """The promise: exit 0 with one record per row, or exit 1 with located errors (or engine-error records)."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stderr
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr[-500:])
    records = [json.loads(line) for line in result.stdout.splitlines()]
    if result.exit_code == 0:
        assert doc_rows is None or doc_rows == len(records)
        assert all(r.get("outcome") for r in records)
    elif records:  # evaluated, but some case could not be decided: an engine-error record says so
        assert any(r.get("error") for r in records)
    else:
        assert LOCATED.search(result.stderr), result.stderr[-500:]


def _rows(doc: dict) -> int | None:
    try:
        return len(doc["units"]) + len(doc["huvudman"])
    except (TypeError, KeyError):
        return None


@settings(max_examples=25, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate], suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(doc=damaged(), form=st.sampled_from(["json", "yaml"]))
def test_damaged_yaml_and_json(doc, form):
    """A damaged delivery in YAML or JSON."""
    path = Path(tempfile.mkdtemp()) / f"d.{form}"
    text = json.dumps(doc, default=str, ensure_ascii=False) if form == "json" else yaml.safe_dump(doc, allow_unicode=True)
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _check(CliRunner().invoke(cli, ["--rules", str(RULES), "evaluate", str(path), "--workers", "0"]), _rows(doc))


@settings(max_examples=25, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate], suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_bytes(data):
    """The sample's bytes (YAML, or a CSV table) cut, with bytes inserted or replaced."""
    tmp_path = Path(tempfile.mkdtemp())
    form = data.draw(st.sampled_from(["yaml", "units.csv", "huvudman.csv"]))
    if form == "yaml":
        path = tmp_path / "d.yaml"
        raw = (FIXTURES / "sample" / "delivery.yaml").read_bytes()
    else:
        shutil.copytree(FIXTURES / "sample" / "csv", tmp_path / "csv")
        path = tmp_path / "csv"
        raw = (path / form).read_bytes()
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(raw)))
        how = data.draw(st.sampled_from(["cut", "insert", "replace"]))
        junk = data.draw(st.binary(min_size=1, max_size=6))
        raw = raw[:at] if how == "cut" else raw[:at] + junk + raw[at + (how == "replace") * len(junk):]
    (path if form == "yaml" else path / form).write_bytes(raw)
    _check(CliRunner().invoke(cli, ["--rules", str(RULES), "evaluate", str(path), "--workers", "0"]), None)


@settings(max_examples=25, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate], suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(entries=st.lists(st.dictionaries(st.sampled_from(["target", "rule", "action", "outcome", "reason", "decided_by", "decided_on"]),
                                        ODD | st.sampled_from(["48151725", "small-unit", "set_aside", "force", "eligible", "2016-02-02"]),
                                        max_size=7), max_size=3))
def test_damaged_overrides(entries):
    """An overrides file of odd entries: applied, or refused with located errors."""
    path = Path(tempfile.mkdtemp()) / "o.yaml"
    path.write_text(json.dumps(entries, default=str, ensure_ascii=False), encoding="utf-8", errors="surrogatepass")
    result = CliRunner().invoke(cli, ["--rules", str(RULES), "evaluate", str(FIXTURES / "sample" / "delivery.yaml"), "--overrides", str(path), "--workers", "0"])
    _check(result, 44)


AGREEMENT = yaml.safe_load((FIXTURES / "agreements" / "valid.yaml").read_text(encoding="utf-8"))


@settings(max_examples=25, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate], suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_agreements(data):
    """An agreement with odd values: checked (exit 0 or 1 by its requirements) or refused, located; never a traceback."""
    doc = copy.deepcopy(AGREEMENT)
    for _ in range(data.draw(st.integers(1, 3))):
        part = data.draw(st.sampled_from(["agreement", "action_plan", "insats"]))
        insatser = doc["action_plan"].get("insatser") if isinstance(doc.get("action_plan"), dict) else None
        if part == "insats" and not (isinstance(insatser, list) and insatser and all(isinstance(i, dict) for i in insatser)):
            continue
        target = data.draw(st.sampled_from(insatser)) if part == "insats" else doc[part]
        if not isinstance(target, dict) or not target:
            continue
        key = data.draw(st.sampled_from(sorted(target)))
        target[key] = data.draw(ODD)
    path = Path(tempfile.mkdtemp()) / "ok.yaml"
    path.write_text(json.dumps(doc, default=str, ensure_ascii=False), encoding="utf-8", errors="surrogatepass")
    result = CliRunner().invoke(cli, ["--rules", str(RULES), "agreement", "check", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1) and "Traceback" not in result.stderr


@settings(max_examples=25, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate], suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_packs(data):
    """A pack file with bytes cut or replaced: valid, or refused with located errors; never a traceback."""
    tmp_path = Path(tempfile.mkdtemp())
    raw = (FIXTURES.parent / "policy" / "rules" / "sbs-2016-2.1" / "rules" / "40-huvudman.yaml").read_bytes()
    shutil.copytree(FIXTURES.parent / "policy" / "rules" / "sbs-2016-2.1", tmp_path / "p")
    at = data.draw(st.integers(0, len(raw)))
    junk = data.draw(st.binary(min_size=1, max_size=8))
    raw = raw[:at] + junk + raw[at + data.draw(st.integers(0, 8)):]
    (tmp_path / "p" / "rules" / "40-huvudman.yaml").write_bytes(raw)
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "p")])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1) and "Traceback" not in result.stderr
    if result.exit_code == 1:
        assert LOCATED.search(result.stdout), result.stdout[-500:]
