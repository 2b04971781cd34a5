"""Reference outputs: what each command prints for the bundled sample, byte for byte.

A legal reviewer must be able to reproduce a decision's text exactly; an officer must see every change of
wording, of a number's form or of a schema before it ships. Each command below runs in this process (click's
runner; evaluation without workers) and its output must equal the file under `fixtures/reference/`. The
editor schemas are shipped files (`policy/pack.schema.json`, `policy/delivery.schema.json`) that editors
can point at directly; they must be what `sbs schema` prints.

To accept a change: `SBS_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_reference.py`, then review `git diff`.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli

from .conftest import ROOT, SHARED

REFERENCE = Path("fixtures") / "reference"
SAMPLE = ["fixtures/sample/delivery.yaml", "--pack", "sbs@2.1.0", "--overrides", "fixtures/sample/overrides.yaml"]
EVALUATE = ["evaluate", *SAMPLE, "--workers", "0"]


def _each(command: str, pattern: str, *rest: str) -> list[list[str]]:
    """The command on each file of a glob, in name order: a transcript."""
    return [[*command.split(), str(p.relative_to(ROOT)), *rest] for p in sorted(ROOT.glob(pattern))]


#: output file → the command's arguments, or a list of commands whose transcript it is (each command line,
#: its stdout, its stderr, its exit code). Paths are relative to the project, so no output names this machine.
COMMANDS: dict[str, list[str] | list[list[str]]] = {
    "policy/pack.schema.json": ["schema"],
    "policy/delivery.schema.json": ["schema", "--delivery"],
    f"{REFERENCE}/records.jsonl": EVALUATE,
    f"{REFERENCE}/records.csv": [*EVALUATE, "--format", "csv"],
    f"{REFERENCE}/report.sv.md": [*EVALUATE, "--format", "md"],
    f"{REFERENCE}/report.en.md": [*EVALUATE, "--format", "md", "--lang", "en"],
    f"{REFERENCE}/meeting.sv.html": [*EVALUATE, "--format", "html"],
    f"{REFERENCE}/meeting.en.html": [*EVALUATE, "--format", "html", "--lang", "en"],
    # one decision of each kind of reason: eligible; the complement, forced; manual review on missing data;
    # both criteria not met; a small unit; deferred for vite; economic review; a huvudman forced; an unknown dialogue
    **{f"{REFERENCE}/explain.{case}.{lang}.txt": ["explain", *SAMPLE, case, "--lang", lang]
       for case in ("48151623", "48151624", "48151626", "48151652", "48151632", "48151641", "48151661",
                    "212000-1041", "232100-1001") for lang in ("sv", "en")},
    f"{REFERENCE}/explain.48151652.json": ["explain", *SAMPLE, "48151652", "--format", "json"],
    f"{REFERENCE}/why-not.48151652.sv.txt": ["explain", *SAMPLE, "48151652", "--why-not"],
    f"{REFERENCE}/why-not.48151652.en.json": ["explain", *SAMPLE, "48151652", "--why-not", "--format", "json", "--lang", "en"],
    f"{REFERENCE}/diff.2.0.0-2.1.0.txt": ["diff", "fixtures/sample/delivery.yaml", "--from", "sbs@2.0.0", "--to", "sbs@2.1.0",
                                          "--overrides", "fixtures/sample/overrides.yaml"],
    f"{REFERENCE}/check.txt": ["check"],
    f"{REFERENCE}/check.planted.txt": ["check", "fixtures/check/planted.yaml"],
    # which pairs of outcomes two versions can give one case is a fact about the packs; the witness z3 finds
    # for each pair is one of many valid ones, and another code path (even mutmut's) may find another
    f"{REFERENCE}/compare.2.0.0-2.1.0.pairs.json": ["compare", "sbs@2.0.0", "sbs@2.1.0", "--format", "json"],
    f"{REFERENCE}/agreement.valid.sv.txt": ["agreement", "check", "fixtures/agreements/valid.yaml", "--pack", "sbs@2.1.0"],
    f"{REFERENCE}/packs.txt": ["packs"],
    # policy mutation of the smallest pack: every mutant's status, edit and place (equivalents are proven)
    f"{REFERENCE}/mutate.sbs-2015.txt": ["test", "--mutate", "policy/rules/sbs-2015", "--workers", "1"],
    f"{REFERENCE}/mutate.sbs-2015.json": ["test", "--mutate", "policy/rules/sbs-2015", "--workers", "1", "--format", "json"],
    # what an officer is told of a broken pack, of a file that is not YAML, of a broken agreement
    f"{REFERENCE}/validate.invalid.txt": _each("validate", "fixtures/invalid/*.yaml"),
    f"{REFERENCE}/validate.invalid-yaml.txt": _each("validate", "fixtures/invalid-yaml/*.yaml"),
    f"{REFERENCE}/validate.json": ["validate", "fixtures/invalid/type_mismatch_date.yaml", "fixtures/invalid/unknown_key.yaml",
                                   "--format", "json"],
    f"{REFERENCE}/agreement.invalid.txt": _each("agreement check", "fixtures/agreements/invalid/*.yaml", "--pack", "sbs@2.1.0"),
}


def _pairs(stdout: str) -> str:
    """`compare`'s JSON without its witnesses' facts: the pairs of outcomes, by scope."""
    out = json.loads(stdout)
    out["witnesses"] = sorted([w["scope"], w["from"], w["to"]] for w in out["witnesses"])
    return json.dumps(out, indent=1, ensure_ascii=False) + "\n"


def _output(command: list[str] | list[list[str]]) -> str:
    if command and isinstance(command[0], str):
        result = CliRunner().invoke(cli, command, catch_exceptions=False)
        assert result.exit_code in (0, 1), result.output  # `check` of the planted fixture reports findings: exit 1
        return _pairs(result.stdout) if command[0] == "compare" else result.stdout
    out = []
    for each in command:
        result = CliRunner().invoke(cli, each, catch_exceptions=False)
        out.append(f"$ sbs {' '.join(each)}\n{result.stdout}" + (f"[stderr]\n{result.stderr}" if result.stderr else "")
                   + f"[exit {result.exit_code}]\n")
    return "\n".join(out)


@pytest.fixture
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


#: outputs that show a witness z3 found (a refusal's smallest changes, a finding's case): the same code gives
#: the same witness, but another code path (mutmut's trampolines) may find another, equally valid one
WITNESSES = {f"{REFERENCE}/why-not.48151652.sv.txt", f"{REFERENCE}/why-not.48151652.en.json", f"{REFERENCE}/check.txt",
             f"{REFERENCE}/check.planted.txt"}


@pytest.mark.parametrize("path", [pytest.param(p, marks=pytest.mark.witness) if p in WITNESSES else p for p in sorted(COMMANDS)])
def test_output_is_the_reference(path, at_root):
    """The command's output is byte-identical to the reference file."""
    output = _output(COMMANDS[path])
    reference = Path(path)
    if os.environ.get("SBS_UPDATE_GOLDEN"):
        reference.parent.mkdir(parents=True, exist_ok=True)
        reference.write_text(output, encoding="utf-8")
    assert reference.read_text(encoding="utf-8") == output


def test_every_reference_file_is_checked():
    """No stale reference file: each one under fixtures/reference/ is a command's output above."""
    shipped = {str(p.relative_to(ROOT)) for p in (ROOT / REFERENCE).iterdir()}
    assert shipped == {p for p in COMMANDS if p.startswith(str(REFERENCE))}


@pytest.mark.parametrize("pack", ["sbs-2015", "sbs-2016-2.1"])
def test_the_mutants_of_a_pack_are_the_reference(pack, at_root):
    """Every one-edit mutant `sbs test --mutate` makes of a pack, as a reviewer reads it: its edit, its place,
    its scopes, whether the pack's checks accept it (the JSON shows only those that are not killed)."""
    from policy import Diagnostics, load_pack
    from policy.mutate import mutants

    loaded = load_pack(Path("policy") / "rules" / pack, Diagnostics())
    lines = [json.dumps({**m.to_json(), "scopes": sorted(m.scopes), "round_only": m.round_only, "valid": valid},
                        ensure_ascii=False) for m, valid in mutants(loaded)]
    reference = ROOT / "fixtures" / "reference-mutants" / f"{pack}.jsonl"
    if os.environ.get("SBS_UPDATE_GOLDEN"):
        reference.parent.mkdir(parents=True, exist_ok=True)
        reference.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert reference.read_text(encoding="utf-8") == "\n".join(lines) + "\n"


@pytest.fixture(scope=SHARED)
def logged(tmp_path_factory):
    """A decision log of the sample decided by sbs@2.0.0 (paths relative to the project)."""
    path = tmp_path_factory.mktemp("log") / "decisions.sqlite"
    here = os.getcwd()
    os.chdir(ROOT)
    try:
        assert 0 == CliRunner().invoke(cli, ["evaluate", "fixtures/sample/delivery.yaml", "--pack", "sbs@2.0.0", "--workers", "0",
                                             "--log", str(path)], catch_exceptions=False).exit_code
    finally:
        os.chdir(here)
    return path


@pytest.mark.parametrize("name, args", [("backtest.sv.txt", []), ("backtest.en.txt", ["--lang", "en"]),
                                        ("backtest.sv.html", ["--format", "html"])])
def test_backtest_is_the_reference(logged, at_root, name, args):
    """What sbs@2.1.0 would have changed in the logged delivery, as the officers read it."""
    result = CliRunner().invoke(cli, ["backtest", "--log", str(logged), "--to", "sbs@2.1.0", *args], catch_exceptions=False)
    assert 0 == result.exit_code, result.output
    reference = ROOT / "fixtures" / "reference-backtest" / name
    if os.environ.get("SBS_UPDATE_GOLDEN"):
        reference.parent.mkdir(parents=True, exist_ok=True)
        reference.write_text(result.stdout, encoding="utf-8")
    assert reference.read_text(encoding="utf-8") == result.stdout


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_workbook_is_the_reference(tmp_path, at_root, lang):
    """The workbook of the sample (sheets, headers in the language, numbers as numbers) is the same bytes."""
    out = tmp_path / "decisions.xlsx"
    result = CliRunner().invoke(cli, [*EVALUATE, "--format", "xlsx", "--lang", lang, "--out", str(out)], catch_exceptions=False)
    assert 0 == result.exit_code, result.output
    reference = ROOT / "fixtures" / "reference-workbooks" / f"decisions.{lang}.xlsx"
    if os.environ.get("SBS_UPDATE_GOLDEN"):
        reference.parent.mkdir(parents=True, exist_ok=True)
        reference.write_bytes(out.read_bytes())
    assert _cells(reference) == _cells(out)  # a readable difference first
    assert reference.read_bytes() == out.read_bytes()


def _cells(path: Path) -> dict:
    from openpyxl import load_workbook

    book = load_workbook(path)
    return {sheet.title: [[(c.value, c.number_format) for c in row] for row in sheet.iter_rows()] for sheet in book}


@pytest.mark.witness  # a letter tells a refused huvudman what would have changed its decision (--why-not)
def test_letters_are_the_reference(tmp_path, at_root):
    """The letters of the sample (one per huvudman, Markdown and HTML) are byte-identical to the reference."""
    out = tmp_path / "letters"
    result = CliRunner().invoke(cli, [*EVALUATE, "--format", "letters", "--out", str(out)], catch_exceptions=False)
    assert 0 == result.exit_code, result.output
    reference = ROOT / "fixtures" / "reference-letters"
    written = {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    if os.environ.get("SBS_UPDATE_GOLDEN"):
        for name, data in written.items():
            (reference / name).parent.mkdir(parents=True, exist_ok=True)
            (reference / name).write_bytes(data)
    assert {p.relative_to(reference): p.read_bytes() for p in sorted(reference.rglob("*")) if p.is_file()} == written
