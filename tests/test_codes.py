"""The registry of codes: every code the code reports is registered with its phase and severity, every
registered code is used, and the tables in README.md and policy/README.md are generated from it."""
from __future__ import annotations

import re

import pytest

from policy import codes as C

from .conftest import ROOT

PREFIXES = ("file", "text", "yaml", "schema", "pack", "param", "rule", "ref", "type", "outcome", "registry", "derive",
            "indicator", "compile", "override", "delivery", "agreement", "engine", "ranking", "check", "fmt")
LITERAL = re.compile(r'"((?:' + "|".join(PREFIXES) + r')_[a-z_]+)"')
CALL = re.compile(r'\.(error|warning)\(\s*"([a-z_]+)"', re.S)
#: Names with a code's prefix that are not codes (fields, keys, record members).
NOT_CODES = {"agreement_case", "agreement_kind", "delivery_path", "engine_version", "pack_ref", "pack_schema",
             "pack_sha256", "test_defaults", "delivery_date", "delivery_sha256", "pack_version", "pack_id", "outcome_code", "engine_errors"}
SOURCES = sorted(p for d in ("policy", "engine", "cli") for p in (ROOT / d).rglob("*.py"))


def _literals() -> set[str]:
    found = set()
    for path in SOURCES:
        found |= set(LITERAL.findall(path.read_text(encoding="utf-8")))
    return found - NOT_CODES


class TestRegistry:
    def test_every_code_used_is_registered_and_every_registered_code_used(self):
        """A new code needs a row (phase, severity, meaning); a code nobody reports any more loses it."""
        used = _literals()
        assert len(used) > 70
        assert [] == sorted(used - set(C.BY_CODE)), "codes used but not registered"
        assert [] == sorted(set(C.BY_CODE) - used), "codes registered but never used"
        assert len(C.CODES) == len(C.BY_CODE)

    def test_every_reported_code_is_registered(self):
        """Whatever its prefix, a code given to `error(…)` or `warning(…)` is in the registry."""
        reported = {code for path in SOURCES for _, code in CALL.findall(path.read_text(encoding="utf-8"))}
        assert [] == sorted(reported - set(C.BY_CODE))

    def test_severity_as_reported(self):
        """A code reported with `warning(…)` is registered as a warning, one with `error(…)` as an error."""
        wrong = []
        for path in SOURCES:
            for call, code in CALL.findall(path.read_text(encoding="utf-8")):
                if code in C.BY_CODE and C.BY_CODE[code].severity != call:
                    wrong.append((path.name, call, code))
        assert [] == wrong

    def test_every_row_is_complete(self):
        """Each code has a known phase and severity and a one-line meaning."""
        phases = {p for ps in C.TABLES.values() for p in ps}
        for c in C.CODES:
            assert c.phase in phases and c.severity in (C.ERROR, C.WARNING, C.RECORD), c
            assert c.doc and "\n" not in c.doc and "|" not in c.doc, c
        assert {c.code for c in C.CODES if c.severity == C.RECORD} == {c.code for c in C.CODES if c.code.startswith("engine_")}


class TestTables:
    @pytest.mark.parametrize("doc, name", list(C.TABLES))
    def test_tables_are_current(self, doc, name):
        """The documents' tables are the registry's (run `python -m policy.codes` after editing it)."""
        text = (ROOT / doc).read_text(encoding="utf-8")
        assert text == C.render(text, name, C.TABLES[(doc, name)])

    def test_render_replaces_the_block(self):
        """A stale table is replaced whole; a document without the block is an error."""
        begin = C._BEGIN.format(name="x")
        stale = f"before\n{begin}\n| old |\n{C._END}\nafter\n"
        out = C.render(stale, "x", ("evaluate",))
        assert out.startswith("before\n") and out.endswith(f"{C._END}\nafter\n") and "| old |" not in out
        assert "| `engine_timeout` | evaluate | record |" in out
        with pytest.raises(ValueError):
            C.render("no block here", "x", ("evaluate",))

    def test_the_maintainers_command_rewrites_only_stale_tables(self, tmp_path, capsys):
        """`python -m policy.codes` rewrites a stale table in place, says which, and leaves current ones alone."""
        for doc in {d for d, _ in C.TABLES}:
            (tmp_path / doc).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / doc).write_text((ROOT / doc).read_text(encoding="utf-8"), encoding="utf-8")
        readme = tmp_path / "policy" / "README.md"
        current = readme.read_text(encoding="utf-8")
        readme.write_text(current.replace("| `yaml_syntax` |", "| `yaml_syntaks` |"), encoding="utf-8")
        assert 0 == C.main(tmp_path)
        assert "policy/README.md: table `packs` rewritten\n" == capsys.readouterr().out
        assert current == readme.read_text(encoding="utf-8")
        assert 0 == C.main(tmp_path)
        assert "" == capsys.readouterr().out
