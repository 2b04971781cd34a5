"""Shared helpers: write a pack to a temporary file and load it."""
from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from hypothesis import settings

# Mutation runs need the same examples every time, or a surviving mutant is luck.
settings.register_profile("mutation", derandomize=True, max_examples=30)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

from policy import Diagnostics, load_pack

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
RULES = ROOT / "policy" / "rules"

PACK_META = """\
pack:
  id: demo
  version: 1.0.0
  format: 1
  valid_from: 2016-01-01
  title: {sv: Exempel, en: Example}
  sources:
    GP2016: {title: Genomförandeplan}
"""
HEAD = PACK_META + """\
outcomes:
  unit: {precedence: [excluded, deferred, not_eligible, manual_review, eligible], default: not_eligible, on_unknown: manual_review}
  huvudman: {precedence: [deferred, manual_review, not_proposed, proposed], default: not_proposed, on_unknown: manual_review}
"""


@pytest.fixture
def load_text(tmp_path):
    """Load YAML text as a single-file pack; returns (pack or None, diagnostics)."""

    def load(text: str, name: str = "pack.yaml", head: bool = True):
        path = tmp_path / name
        path.write_text((HEAD if head else "") + textwrap.dedent(text), encoding="utf-8")
        diags = Diagnostics()
        return load_pack(path, diags), diags

    return load


def codes(diags: Diagnostics) -> list[str]:
    """The codes of the errors, in order."""
    return [d.code for d in diags.errors]


def SHARED(fixture_name: str, config) -> str:
    """The scope of fixtures that build an output several tests read (a delivery's records, letters, a log):
    once per module, except while mutmut maps tests to the code they run (it sets MUTANT_UNDER_TEST to
    `stats`). There each test builds its own: a fixture shared by a module would be mapped to the module's
    first test alone, and a mutant of its code run against that one test would "survive" every other. When
    mutmut runs a mutant's tests, the mutant is in force for the whole process, so sharing is right again."""
    return "function" if os.environ.get("MUTANT_UNDER_TEST") == "stats" else "module"


@pytest.fixture(scope="session")
def host():
    """One durable_rules host for the test session (rulesets get unique names per pack hash)."""
    from engine.core.host import QuietHost

    return QuietHost()


@pytest.fixture
def engine_for(load_text, host):
    """Build an Engine from pack text (rules, parameters...) under the standard HEAD."""
    from engine import Engine

    def build(text: str, name: str = "pack.yaml"):
        pack, diags = load_text(text, name=name)
        assert pack is not None, [d.render() for d in diags]
        return Engine(pack, host)

    return build


def statuses_of(record: dict) -> dict:
    """Rule id -> status, from a record's trace."""
    return {e["rule"]: e["status"] for e in record["trace"]}
