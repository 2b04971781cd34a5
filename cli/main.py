"""`sbs`: parse arguments, call one library function, render the result."""
from __future__ import annotations

import contextlib
import difflib
import errno
import json
import math
import os
import signal
import sqlite3
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import click

from cli.errors import EngineError, InputError, NotFound
from engine import messages
from engine import ENGINE_VERSION
from engine.app import TestsFail, agreement_records, case_record, delivery_records, mutate_pack, pack_test_results, write_delivery
from engine.batch.output import AtomicFile, OutputError
from engine.batch.backtest import NotRebuilt, backtest as run_backtest
from engine.batch.decisionlog import DecisionLog, LogError
from engine.batch.packtests import coverage, junit_xml
from engine.batch.replay import ReplayFile, ReplayLog, stored_record
from engine.core.compile import compile_diagnostics
from engine.inputs.agreement import delivery_facts, read_agreement
from engine.inputs.delivery import clobbers, input_files, org_number, read_delivery
from engine.inputs.encoding import ENCODINGS
from engine.inputs.overrides import read_overrides
from engine.views.agreement import findings
from engine.views.diff import comparisons, decision_changes, pack_changes, transitions
from engine.symbolic.check import check_packs
from engine.symbolic.compare import compare_packs
from engine.symbolic.counterfactual import why_not
from engine.symbolic.witness import Disagreement
from engine.views.explain import explain_text
from engine.views.meeting import PAGED
from engine.views.proofs import (
    already_text, backtest_html, backtest_text, comparison_text, findings_summary, findings_text, why_not_text,
)
from policy import DEFAULT_ROOT, Diagnostics, PackNotFound, Registry, pack_schema
from policy.fmt import layout_pack, write as write_layout
from engine.batch.mutation import DISAGREEMENT, suggestions_yaml
from engine.views.mutation import mutation_text, score_text
from policy.registry import PACK_FILE, not_in_force, not_in_force_text
from policy.schema import delivery_schema
from policy.diagnostics import MAX_SHOWN, did_you_mean
from policy.facts import OUTCOMES, SCOPES

try:
    VERSION = version("sbs")
except PackageNotFoundError:  # running from a checkout without installing
    VERSION = "0+unknown"


def _echo_diagnostics(diags: Diagnostics, err: bool = False) -> None:
    items = diags.sorted()
    for d in items[:MAX_SHOWN]:
        click.echo(d.render(), err=err)
    if len(items) > MAX_SHOWN:
        click.echo(f"... and {len(items) - MAX_SHOWN} more", err=err)


def _summary(registry: Registry, diags: Diagnostics, invalid: int = 0) -> str:
    n_err, n_warn = len(diags.errors), len(diags.warnings)
    valid = len(registry.packs) - invalid
    packs = f"{valid} valid pack{'s' * (valid != 1)}"
    if not n_err and not n_warn:
        return packs
    return f"{n_err} error{'s' * (n_err != 1)}, {n_warn} warning{'s' * (n_warn != 1)}; {packs}"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(VERSION, prog_name="sbs")
@click.option(
    "--rules", "rules_dir", envvar="SBS_RULES", type=click.Path(file_okay=False, path_type=Path),
    default=None, help="Directory of packs (default: the packs shipped with sbs; env SBS_RULES).",
)
@click.option(
    "--draft", "drafts", multiple=True, type=click.Path(path_type=Path),
    help="A draft pack (or a directory of them), loaded beside the packs: named by ID@VERSION, never chosen by date. Repeatable.",
)
@click.pass_context
def cli(ctx: click.Context, rules_dir: Path | None, drafts: tuple[Path, ...]) -> None:
    """Explainable eligibility engine for Samverkan för bästa skola."""
    ctx.obj = {"rules": rules_dir or DEFAULT_ROOT, "drafts": drafts}


def _add_drafts(ctx: click.Context, _param: click.Parameter, value: tuple[Path, ...]) -> None:
    root = ctx.find_root()
    root.ensure_object(dict)
    root.obj["drafts"] = (*root.obj.get("drafts", ()), *value)


#: `--draft DIR` on a command as well as before it (`sbs diff … --draft DIR`, `sbs --draft DIR diff …`)
DRAFT_OPTION = click.option("--draft", "drafts", multiple=True, type=click.Path(path_type=Path), expose_value=False,
                            callback=_add_drafts, help="A draft pack (or a directory of them), loaded beside the packs "
                                                       "and named by ID@VERSION; never chosen by date. Repeatable.")


def _load(ctx: click.Context, diags: Diagnostics) -> Registry:
    """The packs of `--rules` and the drafts of `--draft`."""
    root = ctx.find_root().obj
    return Registry.load([root["rules"]], diags, root.get("drafts", ()))


@cli.command()
@click.argument("packs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def validate(packs: tuple[Path, ...], fmt: str) -> None:
    """Check packs (files or directories); print every error as file:line:col: code: message."""
    diags = Diagnostics()
    registry = Registry.load(packs, diags)
    too_big = set()
    for pack in registry.packs:  # a valid pack must also fit what durable_rules can hold, for any delivery
        found = compile_diagnostics(pack)
        if any(d.severity == "error" for d in found):
            too_big.add(pack.ref)
        diags.extend(found)
    if fmt == "json":
        out = {
            "valid": not diags.has_errors(),
            "packs": [{"id": p.meta.id, "version": p.meta.version, "sha256": p.sha256, "path": p.path}
                      for p in registry.packs if p.ref not in too_big],
            "diagnostics": [d.to_json() for d in diags.sorted()],
        }
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        _echo_diagnostics(diags)
        click.echo(_summary(registry, diags, len(too_big)), err=True)
    sys.exit(1 if diags.has_errors() else 0)


def _mutate(packs: list, replaced: dict, suggest: bool, threshold: float, fmt: str, workers: int | None) -> None:
    """`sbs test --mutate`: each pack's mutants on its tests (its own tests must pass first); exit 1 under the threshold."""
    runs, below = [], []
    for pack in packs:
        try:
            run = mutate_pack(pack, pack.ref in replaced, workers, suggest)
        except TestsFail as e:
            raise click.ClickException(str(e)) from None
        runs.append(run)
        if run.score * 100 < threshold:
            below.append(run)
        if fmt == "text":
            click.echo(mutation_text(run), nl=False)
            if suggest and any(o.suggestion for o in run.outcomes):
                click.echo(f"# tests that kill the survivors of {run.pack.ref}: review each, then paste under `tests:`")
                click.echo(suggestions_yaml(run), nl=False)
    if fmt == "json":
        click.echo(json.dumps({"threshold": threshold, "packs": [r.to_json() for r in runs]}, ensure_ascii=False, indent=2))
    for run in below:
        click.echo(f"{score_text(run)}: below the threshold of {threshold:g}%", err=True)
    broken = [o for r in runs for o in r.outcomes if o.status == DISAGREEMENT]
    for o in broken:
        click.echo(f"engine error: {o.mutant.loc}: {o.mutant.description}: {o.by}", err=True)
    sys.exit(1 if below or broken else 0)


@cli.command("fmt")
@click.argument("packs", nargs=-1, metavar="[PACK]...")
@click.option("--check", is_flag=True, help="Change nothing; exit 1 if a file is not in the canonical layout (for CI).")
@click.option("--diff", "show_diff", is_flag=True, help="Print what would change as a unified diff; write nothing.")
@DRAFT_OPTION
@click.pass_context
def fmt_command(ctx: click.Context, packs: tuple[str, ...], check: bool, show_diff: bool) -> None:
    """Lay out packs' files canonically: key order, quoting, indentation (comments kept). A pack's sha256 never
    changes: each file is read back and must give the same values. PACK: a directory or ID@VERSION; none:
    every pack of --rules."""
    _, chosen = _packs_named(ctx, packs)
    diags = Diagnostics()
    dry = check or show_diff  # --diff shows what would change and writes nothing
    files = [f for pack in chosen for f in layout_pack(pack, diags)]
    changed = [f for f in files if f.changed]
    for f in changed:
        if show_diff:
            click.echo("".join(difflib.unified_diff(f.before.splitlines(keepends=True), f.after.splitlines(keepends=True),
                                                    str(f.path), f"{f.path} (canonical)")), nl=False)
        if not dry:
            write_layout(f)
        click.echo(f"{'would reformat' if dry else 'reformatted'} {f.path}", err=True)
    for d in diags.sorted():
        click.echo(d.render(), err=True)
    refused = {d.location.file for d in diags.errors}
    same = len(files) - len(changed) - len(refused)
    click.echo(f"{messages.plural(len(changed), 'file', 'files')} {'would be reformatted' if dry else 'reformatted'}, "
               f"{same} {'would be ' if dry else ''}left unchanged"
               + (f", {messages.plural(len(refused), 'file', 'files')} cannot be laid out" if refused else ""), err=True)
    sys.exit(1 if diags.has_errors() or (check and changed) else 0)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@DRAFT_OPTION
@click.pass_context
def packs(ctx: click.Context, fmt: str) -> None:
    """List the packs found: id, version, validity period, content hash."""
    diags = Diagnostics()
    registry = _load(ctx, diags)
    replaced = registry.replaced
    if fmt == "json":
        rows = [
            {"id": p.meta.id, "version": p.meta.version, "valid_from": p.meta.valid_from,
             "valid_to": p.meta.valid_to, "sha256": p.sha256, "replaced_by": replaced.get(p.ref),
             "draft": p.ref in registry.drafts}
            for p in registry.packs
        ]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        header = ("id", "version", "valid_from", "valid_to", "sha256")
        rows = [(p.meta.id, p.meta.version, p.meta.valid_from, p.meta.valid_to or "open", p.sha256) for p in registry.packs]
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        for r, p in zip([header, *rows], [None, *registry.packs]):
            note = f"  replaced by {replaced[p.ref]} (kept for replay; never chosen by date)" if p is not None and p.ref in replaced else ""
            note = "  draft (never chosen by date)" if p is not None and p.ref in registry.drafts else note
            click.echo(("  ".join(str(v).ljust(w) for v, w in zip(r, widths)) + note).rstrip())
    if diags.has_errors():
        _echo_diagnostics(diags, err=True)
        click.echo(f"{len(diags.errors)} invalid pack file(s) not listed; run `sbs validate`", err=True)
        sys.exit(1)


@cli.command("test")
@click.argument("packs", nargs=-1, type=click.Path(path_type=Path))
@click.option("-k", "pattern", default=None, help="Only the tests whose name contains PATTERN (any case).")
@click.option("-v", "verbose", is_flag=True, help="Each test; for a failure, the comparisons of the rules whose expectation failed.")
@click.option("--junit", "junit", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the results as JUnit XML (for CI).")
@click.option("--mutate", is_flag=True, help="Mutate each pack one edit at a time and report how many its tests notice.")
@click.option("--suggest", is_flag=True, help="With --mutate: a YAML test that kills each survivor, to review and paste.")
@click.option("--threshold", type=click.FloatRange(0, 100), default=95.0, show_default=True,
              help="With --mutate: exit 1 when a pack's score (percent) is below it.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="With --mutate: json for tools.")
@click.option("--workers", type=click.IntRange(min=0), default=None, help="With --mutate: worker processes (default: one per core).")
@DRAFT_OPTION
@click.pass_context
def test_command(ctx: click.Context, packs: tuple[Path, ...], pattern: str | None, verbose: bool, junit: Path | None,
                 mutate: bool, suggest: bool, threshold: float, fmt: str, workers: int | None) -> None:
    """Run the YAML tests written beside packs (default: every pack found) and report rule coverage.

    PACK is a pack, a directory of packs, or one test file of a pack (its pack is the directory above `tests/`).
    With --mutate, each valid one-edit mutant of the pack is run on its tests; a survivor is proven equivalent
    with z3 or shown with a case it decides otherwise (--suggest: a test that kills it)."""
    if (suggest or fmt != "text" or workers is not None) and not mutate:
        raise click.UsageError("--suggest, --format and --workers go with --mutate")
    if mutate and (pattern or junit or verbose):
        raise click.UsageError("--mutate runs every test of a pack on each mutant: -k, -v and --junit do not apply")
    diags = Diagnostics()
    files = {p.resolve() for p in packs if p.is_file() and p.parent.name == "tests" and (p.parent.parent / PACK_FILE).is_file()}
    roots = [p.parent.parent if p.resolve() in files else p for p in packs]
    registry = Registry.load(list(dict.fromkeys(roots)), diags) if packs else _load(ctx, diags)
    if diags.has_errors():
        _echo_diagnostics(diags)
        sys.exit(1)
    failed = 0
    replaced = registry.replaced
    if packs:  # versions replaced by packs of the rules directory count as replaced too
        replaced = {**_load(ctx, Diagnostics()).replaced, **replaced}
    if mutate:
        _mutate(registry.packs, replaced, suggest, threshold, fmt, workers)
    suites = []
    for pack in registry.packs:
        cases = [t for t in pack.tests
                 if (pattern is None or pattern.lower() in t.name.lower())
                 and (not files or Path(t.loc.file).resolve() in files)]
        results = pack_test_results(pack, default_refusals=pack.ref in replaced, cases=cases)
        bad = [r for r in results if not r.passed]
        failed += len(bad)
        for r in results:
            if r.passed:
                if verbose:
                    click.echo(f"{r.case.loc}: PASS {r.case.name}")
                continue
            for failure, where in zip(r.failures, r.where or [r.case.loc] * len(r.failures)):
                click.echo(f"{where}: FAIL {r.case.name}: {failure}")
            if verbose and r.decision is not None:
                for rule in dict.fromkeys(r.rules):
                    outcome = next((t for t in r.decision.trace if t.rule == rule), None)
                    for line in comparisons(outcome.condition if outcome else None):
                        click.echo(f"    {rule}: {line}")
        suites.append((pack, results))
        seen = coverage(pack, results)
        never = {st: [rid for rid, got in seen.items() if st not in got] for st in ("fired", "not_fired")}
        note = f" (replaced by {replaced[pack.ref]}: kept as it was, refusals by default not checked)" if pack.ref in replaced else ""
        chosen = f" of {len(pack.tests)}" if len(results) != len(pack.tests) else ""
        tests = "test" if len(pack.tests if chosen else results) == 1 else "tests"
        click.echo(f"{pack.ref}: {len(results)}{chosen} {tests}, {len(results) - len(bad)} passed, {len(bad)} failed{note}")
        if len(results) == len(pack.tests):
            click.echo(f"  rule coverage: {len(seen) - len(never['fired'])} of {messages.plural(len(seen), 'rule', 'rules')} fired in a test, "
                       f"{len(seen) - len(never['not_fired'])} of {len(seen)} stayed silent in a test")
            for status, rules in never.items():
                if rules:
                    click.echo(f"  never {status.replace('_', ' ')}: {', '.join(rules)}")
    if junit is not None:
        junit.write_text(junit_xml(suites), encoding="utf-8")
    sys.exit(1 if failed else 0)


def _packs_named(ctx: click.Context, names: tuple[str, ...]) -> tuple[Registry, list]:
    """Packs named by path (a pack's file or directory, or a directory of packs) or by `id@version` from
    `--rules`; none named: every pack of `--rules`. Invalid packs end the command (exit 1)."""
    diags = Diagnostics()
    shipped = _load(ctx, diags)
    paths = [Path(n) for n in names if Path(n).exists() or "@" not in n]
    registry = Registry.load(paths, diags) if paths else shipped
    if diags.has_errors():
        raise InputError(diags, _echo_diagnostics)
    chosen = list(registry.packs) if paths or not names else []
    for n in names:
        if n not in map(str, paths):
            pid, at, version = n.partition("@")
            if at and not version:
                raise click.UsageError(f"`{n}` names no version: write {pid}@VERSION (`sbs packs` lists them)")
            try:
                chosen.append(shipped.get(n))
            except PackNotFound as e:
                raise NotFound(f"{e.args[0]}; {e.args[1]}" if len(e.args) > 1 and e.args[1] else e.args[0])
    unique = list({(p.ref, p.sha256): p for p in chosen}.values())  # a pack named twice is checked once
    return Registry([*shipped.packs, *[p for p in unique if p not in shipped.packs]]), unique


@cli.command()
@click.argument("packs", nargs=-1, metavar="[PACK]...")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@DRAFT_OPTION
@click.pass_context
def check(ctx: click.Context, packs: tuple[str, ...], fmt: str) -> None:
    """Prove what packs' rules can and cannot do (z3): rules that never fire or never decide, exceptions
    that never apply, refusals by default, unreachable outcomes, derived facts that cannot matter.

    PACK is a pack's directory or file, a directory of packs, or ID@VERSION (default: every pack found).
    Each finding comes with a witness case the engine has confirmed, written as a YAML test. Exit 1 on an
    error that the pack does not record as intended.
    """
    registry, chosen = _packs_named(ctx, packs)
    try:
        found = check_packs(chosen, registry.replaced)
    except Disagreement as e:
        raise EngineError(str(e))
    if fmt == "json":
        click.echo(json.dumps({"findings": [f.to_json() for f in found]}, ensure_ascii=False, indent=2))
    else:
        click.echo(findings_text(found), nl=False)
        click.echo(findings_summary(found, [p.ref for p in chosen]), err=True)
    sys.exit(1 if any(f.fails for f in found) else 0)


@cli.command()
@click.argument("before", metavar="ID@V1")
@click.argument("after", metavar="ID@V2")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(list(SCOPES)),
              help="Compare only these scopes (repeatable; default: every scope both packs have rules for).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@DRAFT_OPTION
@click.pass_context
def compare(ctx: click.Context, before: str, after: str, scopes: tuple[str, ...], fmt: str) -> None:
    """Is there any case two pack versions decide differently? A witness case per pair of outcomes (z3),
    decided by the engine with both packs, with the rules whose status differs on it.

    Each pack is ID@VERSION from the packs found, or the path of a pack (a draft, under any id).
    Exit 0 either way; 1 only if a pack is invalid or not found.
    """
    _, (old,) = _packs_named(ctx, (before,))
    _, (new,) = _packs_named(ctx, (after,))
    try:
        result = compare_packs(old, new, scopes or None)
    except Disagreement as e:
        raise EngineError(str(e))
    if not result.scopes:
        raise NotFound(f"nothing to compare: {', '.join(result.missing) or 'no scope'} — only one of {old.ref} and "
                       f"{new.ref} has rules there")
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(comparison_text(result), nl=False)


LOG_OPTION_LANG = click.option("--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True)


def _pages_dir(fmt: str, out: Path | None, rows: int) -> Path | None:
    """Where a report of several pages (or the letters) goes: `--out` as a directory, or None for one page."""
    if fmt not in ("html", "letters"):
        return None
    wants_dir = out is not None and (out.is_dir() or str(out).endswith(os.sep))
    if fmt == "letters" or rows > PAGED:
        why = "letters are written one per huvudman" if fmt == "letters" else \
            f"a report of {rows} records is written as a directory (an index and a page per huvudman)"
        if out is None:
            raise click.UsageError(f"{why}: give --out DIR")
        if out.exists() and not out.is_dir():
            raise click.UsageError(f"{why}, and --out `{out}` is a file: give a directory")
        wants_dir = True
    if not wants_dir:
        return None
    out.mkdir(parents=True, exist_ok=True)
    return out


def _open_log(path: Path) -> DecisionLog:
    try:
        return DecisionLog(path)
    except (LogError, OSError, sqlite3.Error) as e:
        raise click.ClickException(str(e) if isinstance(e, LogError) else f"cannot open the decision log {path}: {e}")


class _Output:
    """Where records go: stdout, or a temporary file renamed into place when the run succeeds (engine/batch/output.py)."""

    def __init__(self, out: Path | None) -> None:
        self.file = AtomicFile(out) if out else None

    def write(self, data: str | bytes) -> None:
        if self.file is not None:
            self.file.write(data)
        else:
            click.echo(data, nl=False)

    def commit(self) -> None:
        if self.file is not None:
            self.file.commit()

    def abandon(self) -> None:
        if self.file is not None:
            self.file.abandon()


def _finite(seconds: float) -> float:
    """A number of seconds: `nan` and `inf` pass click's range check, so they are refused here."""
    if not math.isfinite(seconds):
        raise click.BadParameter(f"{seconds} is not a number of seconds")
    return seconds


def _fail(diags: Diagnostics) -> None:
    raise InputError(diags, lambda d: _echo_diagnostics(d, err=True))


def _delivery(ctx: click.Context, path: Path):
    """The registry of packs and the checked delivery (every defect printed, exit 1, if it has any)."""
    diags = Diagnostics()
    registry = _load(ctx, diags)
    doc = read_delivery(path, diags, ctx.obj.get("encoding"), ctx.obj.get("columns"))
    if diags.has_errors() or doc is None:
        _fail(diags)
    if diags.warnings:  # what the delivery lacks (a column) is said, and evaluation goes on
        _echo_diagnostics(diags, err=True)
    return registry, doc


def _pack(registry: Registry, ref: str | None, date: str, source: Path | None = None):
    """The pack named `ID@VERSION` (a usage error if there is none; a warning on stderr if it is not the one
    in force on the date), the version of `ID` in force on the date, or with no `--pack` the one in force
    (none in force: the delivery cannot be decided, exit 1, naming the file and field)."""
    try:
        if ref and "@" not in ref:
            registry.get(ref)  # an id no pack has: named as such
            return registry.in_force(date, ref)
        pack = registry.get(ref) if ref else registry.in_force(date)
        why = not_in_force(registry, pack, date) if ref and date and pack.ref not in registry.drafts else None
        if why is not None:
            click.echo(f"warning: {not_in_force_text(why)}; evaluated with {pack.ref} as asked", err=True)
            click.get_current_context().ensure_object(dict)["not_in_force"] = why
        return pack
    except PackNotFound as e:
        text = f"{e} ({e.hint})" if e.hint else str(e)
        if ref or source is None:
            raise click.UsageError(text)
        raise NotFound(f"{source}: delivery.date {date}: {text}; give a delivery of a date a pack covers, or --pack ID@VERSION")


def _overrides(path: Path | None, pack, doc) -> list:
    """The checked overrides for this pack and delivery (every defect printed, exit 1, if it has any)."""
    if path is None:
        return []
    diags = Diagnostics()
    overrides = read_overrides(path, pack, doc.targets(), diags)
    if diags.has_errors():
        _fail(diags)
    _echo_diagnostics(diags, err=True)  # warnings: the run goes on
    return overrides


def _prepare(ctx: click.Context, delivery: Path, pack_ref: str | None, overrides_path: Path | None):
    """The checked delivery, the pack (named, or in force on the delivery date) and the checked overrides."""
    registry, doc = _delivery(ctx, delivery)
    pack = _pack(registry, pack_ref, doc.date, delivery)
    return doc, pack, _overrides(overrides_path, pack, doc)


PACK_OPTION = click.option("--pack", "pack_ref", metavar="ID@VERSION", help="The pack to use (default: the one in force on the delivery date).")
OVERRIDES_OPTION = click.option("--overrides", "overrides_path", type=click.Path(path_type=Path), help="Officers' overrides (YAML).")
LANG_OPTION = click.option("--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True, help="Language of the text.")
ENCODING_OPTION = click.option(
    "--encoding", type=click.Choice(ENCODINGS), default=None, expose_value=False, is_eager=True,
    callback=lambda ctx, _param, value: ctx.ensure_object(dict).__setitem__("encoding", value),
    help="Encoding of CSV tables that are not UTF-8: cp1252 reads such a file as Windows-1252.")
COLUMNS_OPTION = click.option(
    "--columns", type=click.Path(path_type=Path), default=None, expose_value=False, is_eager=True,
    callback=lambda ctx, _param, value: ctx.ensure_object(dict).__setitem__("columns", value), metavar="FILE",
    help="Column names of your tables (YAML: units/huvudman name → model column), added to Skolverket's shipped ones.")


@cli.command()
@click.argument("delivery", type=click.Path(path_type=Path))
@click.argument("case_id", metavar="UNIT_ID")
@PACK_OPTION
@ENCODING_OPTION
@COLUMNS_OPTION
@OVERRIDES_OPTION
@LANG_OPTION
@click.option("--why-not", "why_not_", is_flag=True,
              help="The smallest changes of the case's changeable facts that give another outcome (z3; up to three).")
@click.option("--to", "to", type=click.Choice(sorted({o for os in OUTCOMES.values() for o in os})), default=None,
              help="With --why-not: the outcome wanted (default: any other).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@DRAFT_OPTION
@click.pass_context
def explain(ctx: click.Context, delivery: Path, case_id: str, pack_ref: str | None, overrides_path: Path | None, lang: str,
            why_not_: bool, to: str | None, fmt: str) -> None:
    """Explain one decision: what decided it, each rule with its comparisons, missing data, sources.

    UNIT_ID is a skolenhetskod, or a huvudman's organisation number. With --why-not: what the case would
    need to be decided otherwise; facts a unit cannot change (school form, huvudman type, organisation
    number, the delivery's date and averages) stay as they are.
    """
    stored = stored_record(delivery, org_number(case_id) or case_id.strip())
    if stored is not None:  # a records file: the stored decision, rendered as it was made
        if isinstance(stored, str):
            raise NotFound(stored)
        click.echo(f"{delivery}: the stored record of {stored['kind']} {stored['id']}, made with "
                   f"{stored['pack']['id']}@{stored['pack']['version']}, not evaluated again", err=True)
        if why_not_ or fmt == "json":
            if not why_not_:
                click.echo(json.dumps(stored, ensure_ascii=False, indent=2))
                return
            pack = next((p for p in _load(ctx, Diagnostics()).packs if p.sha256 == stored["pack"]["sha256"]), None)
            if pack is None:
                raise NotFound(f"the pack that made it ({stored['pack']['id']}@{stored['pack']['version']}) is not loaded")
            result = why_not(pack, stored, to)
            click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2) if fmt == "json" else
                       why_not_text(result, stored["input"]["facts"].get(f"{stored['kind']}.name", ""), lang), nl=fmt == "json")
            return
        click.echo(explain_text(stored, lang), nl=False)
        return
    doc, pack, overrides = _prepare(ctx, delivery, pack_ref, overrides_path)
    wanted = org_number(case_id) or case_id.strip()
    targets = doc.targets()
    if wanted not in targets:
        hint = did_you_mean(wanted, targets)
        raise NotFound(f"the delivery has no unit or huvudman `{case_id}`" + (f"; {hint}" if hint else ""))
    record = case_record(pack, doc, overrides, wanted)
    if to is not None and not why_not_:
        raise click.UsageError("--to goes with --why-not")
    if why_not_ and not record.get("error"):
        if to is not None and to not in OUTCOMES[record["kind"]]:
            raise click.UsageError(f"`{to}` is not an outcome of a {record['kind']}: " + ", ".join(OUTCOMES[record["kind"]]))
        if to is not None and to == record["outcome"]:
            name = record["input"]["facts"].get(f"{record['kind']}.name", "")
            click.echo(already_text(record["id"], name, to, lang))
            return
        try:
            result = why_not(pack, record, to)
        except Disagreement as e:
            raise EngineError(str(e))
        if fmt == "json":
            click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        else:
            click.echo(why_not_text(result, record["input"]["facts"].get(f"{record['kind']}.name", ""), lang), nl=False)
        return
    if fmt == "json":
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
    else:
        click.echo(explain_text(record, lang), nl=False)
    sys.exit(1 if record.get("error") else 0)


@cli.command()
@click.argument("delivery", type=click.Path(path_type=Path))
@click.option("--from", "from_ref", required=True, metavar="ID@V1", help="The pack in force now.")
@click.option("--to", "to_ref", required=True, metavar="ID@V2", help="The pack to compare with.")
@OVERRIDES_OPTION
@ENCODING_OPTION
@COLUMNS_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@DRAFT_OPTION
@click.pass_context
def diff(ctx: click.Context, delivery: Path, from_ref: str, to_ref: str, overrides_path: Path | None, fmt: str) -> None:
    """Which decisions of a delivery change between two pack versions, and the rules that made the difference."""
    registry, doc = _delivery(ctx, delivery)
    runs = []
    for ref in (from_ref, to_ref):
        pack = _pack(registry, ref, doc.date)
        runs.append((pack, delivery_records(pack, doc, _overrides(overrides_path, pack, doc))))
    (old_pack, before), (new_pack, after) = runs
    changed = decision_changes(before, after)
    differ = pack_changes(old_pack, new_pack)
    if fmt == "json":
        out = {"delivery": doc.id, "from": {"id": old_pack.meta.id, "version": old_pack.meta.version, "sha256": old_pack.sha256},
               "to": {"id": new_pack.meta.id, "version": new_pack.meta.version, "sha256": new_pack.sha256},
               "decisions": len(after), "changed": changed, "transitions": transitions(changed), **differ}
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        names = {r["id"]: r["input"]["facts"].get(f"{r['kind']}.name", "") for r in after}
        noun, verb = "decision" if len(after) == 1 else "decisions", "changes" if len(changed) == 1 else "change"
        click.echo(f"{old_pack.ref} → {new_pack.ref} on {doc.id}: {len(changed)} of {len(after)} {noun} {verb}")
        for t, n in transitions(changed).items():
            click.echo(f"  {t}: {n}")
        for c in changed:
            extra = "".join(f"; {k} {c[k]['from']} → {c[k]['to']}" for k in ("rank", "priority") if c[k]["from"] != c[k]["to"])
            click.echo(f"{c['kind']} {c['id']} {names[c['id']]}: {c['from']} → {c['to']}{extra} (rules: {', '.join(c['rules'])})")
            for rule, lines in c["conditions"].items():
                for line in lines:
                    click.echo(f"    {rule}: {line}")
        if differ["parameters"] or differ["rules"]:
            click.echo(f"what differs between {old_pack.ref} and {new_pack.ref}:")
            for p in differ["parameters"]:
                click.echo(f"  parameter {p['name']}: {json.dumps(p['from'], ensure_ascii=False)} → {json.dumps(p['to'], ensure_ascii=False)}")
            for r in differ["rules"]:
                click.echo(f"  rule {r['rule']}: {r['change']}")


@cli.command()
@click.argument("delivery", type=click.Path(path_type=Path))
@click.option("--pack", "pack_ref", metavar="ID@VERSION", help="The pack to use (default: the one in force on the delivery date).")
@click.option("--overrides", "overrides_path", type=click.Path(path_type=Path), help="Officers' overrides (YAML).")
@click.option("--out", type=click.Path(path_type=Path),
              help="Write here (atomically) instead of stdout; a directory for a report of several pages or letters.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "json", "csv", "xlsx", "md", "html", "letters"]), default="jsonl", show_default=True,
              help="xlsx: a workbook (decisions, summary, round) with headers in --lang, to --out FILE; "
                   "html: the report for the selection meeting (a directory, --out DIR, past 300 records); "
                   "letters: a letter per huvudman under --out DIR.")
@click.option("--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True, help="Language of the report.")
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="Worker processes (default: one per core); 0 evaluates in this process, without the watchdog.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True, callback=lambda _c, _p, v: _finite(v),
              help="Seconds a case may take before the watchdog stops it (an engine-error record).")
@ENCODING_OPTION
@COLUMNS_OPTION
@click.option("--log", "log_path", envvar="SBS_LOG", type=click.Path(dir_okay=False, path_type=Path),
              help="Append the run to this decision log (SQLite; created if missing; env SBS_LOG).")
@DRAFT_OPTION
@click.pass_context
def evaluate(ctx: click.Context, delivery: Path, pack_ref: str | None, overrides_path: Path | None, out: Path | None,
             fmt: str, lang: str, workers: int | None, timeout: float, log_path: Path | None) -> None:
    """Evaluate every unit and huvudman of a delivery; records with traces out, a summary on stderr.

    With --log, the run (delivery, pack, overrides, every record) is appended to the decision log in one
    transaction: if the run fails, the log is as it was."""
    if out is not None and not out.name:
        raise click.UsageError("--out names no file; give a file name, e.g. --out records.jsonl")
    if fmt == "xlsx" and out is None:
        raise click.UsageError("a workbook is written to a file: give --out FILE, e.g. --out beslut.xlsx")
    if out is not None and out.is_dir() and fmt not in ("html", "letters"):
        example = {"xlsx": "beslut.xlsx", "csv": "records.csv", "md": "report.md", "json": "records.json"}.get(fmt, "records.jsonl")
        raise click.UsageError(f"--out `{out}` is a directory; give a file name, e.g. --out {out / example}")
    if out is not None:
        hit = clobbers(out, [*input_files(delivery), *([overrides_path] if overrides_path else [])])
        if hit is not None:
            raise click.UsageError(f"--out `{out}` would overwrite the input `{hit}`; write the records to another file")
    doc, pack, overrides = _prepare(ctx, delivery, pack_ref, overrides_path)
    pages = _pages_dir(fmt, out, len(doc.units) + len(doc.huvudman))
    try:
        output = _Output(None if pages is not None else out)
    except OutputError as e:
        raise click.ClickException(str(e)) from None
    bar = None
    if sys.stderr.isatty() and len(doc.units) + len(doc.huvudman) > 200:
        bar = click.progressbar(length=len(doc.units) + len(doc.huvudman), label="evaluating", file=sys.stderr)
    log = _open_log(log_path) if log_path is not None else None
    command = " ".join(["sbs evaluate", str(delivery), *(f"--{k.replace('_', '-')} {v}" for k, v in (
        ("pack", pack_ref), ("overrides", overrides_path), ("format", fmt)) if v is not None)])
    try:
        with (log.run(doc, input_files(delivery), pack, overrides, command, ENGINE_VERSION) if log
              else contextlib.nullcontext()) as logged, bar or contextlib.nullcontext():
            run = write_delivery(pack, doc, overrides, output.write, fmt, lang, workers, timeout,
                                 progress=bar.update if bar is not None else None, log=logged, pages=pages,
                                 not_in_force=ctx.obj.get("not_in_force"))
            output.commit()
    except OutputError as e:
        output.abandon()
        raise click.ClickException(str(e)) from None
    except BaseException:
        output.abandon()
        raise
    click.echo(f"{delivery}: evaluated with {pack.ref} (sha256 {pack.sha256[:12]}…)"
               + (f" in {run.workers} worker process{'es' * (run.workers != 1)}" if run.workers else ""), err=True)
    if pages is not None:
        what = "letters" if fmt == "letters" else "the report"
        click.echo(f"{what} written under {pages}/ (index.html" + (" and a page per huvudman)" if fmt == "html" else ")"), err=True)
    if log is not None:
        click.echo(f"logged as run {logged.run_id} in {log_path}", err=True)
        log.close()
    for line in run.incidents:
        click.echo(f"stopped: {line}", err=True)
    for line in run.summary.lines(run.rows):
        click.echo(line, err=True)
    sys.exit(0 if run.complete else 1)


@cli.group()
def agreement() -> None:
    """Överenskommelser: check an agreement and its åtgärdsplan against the pack."""


@agreement.command("check")
@click.argument("document", metavar="ÖK_FILE", type=click.Path(path_type=Path))
@click.option("--delivery", "delivery_path", type=click.Path(path_type=Path), help="The delivery with the huvudman's facts.")
@PACK_OPTION
@ENCODING_OPTION
@COLUMNS_OPTION
@LANG_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def agreement_check(ctx: click.Context, document: Path, delivery_path: Path | None, pack_ref: str | None, lang: str, fmt: str) -> None:
    """Check every requirement of the pack on an agreement; exit 1 if one is broken.

    Flags (a cost above the estimate, the economic dilemmas) are reported and do not fail the check.
    Without --delivery, requirements that need the huvudman's facts are reported as not assessed.
    """
    diags = Diagnostics()
    registry = _load(ctx, diags)
    doc = read_agreement(document, diags)
    if doc is None or diags.has_errors():
        _fail(diags)
    facts: dict = {}
    date = doc.values.get("agreement.signed_on") or doc.values.get("agreement.starts")
    if delivery_path is not None:
        delivered = read_delivery(delivery_path, diags, ctx.obj.get("encoding"), ctx.obj.get("columns"))
        if delivered is None:
            _fail(diags)
        owner = next((h for h in delivered.huvudman if h["id"] == doc.huvudman_id), None)
        if owner is None:
            at = next(iter(doc.places("agreement", doc.id, "agreement.huvudman_id")), None)
            raise NotFound(f"{at.location if at else document}: agreement.huvudman_id: the delivery {delivery_path} has no "
                           f"huvudman `{doc.huvudman_id}`")
        facts = delivery_facts(delivered, owner)
    if not date and not pack_ref:
        at = next(iter(doc.places("agreement", doc.id, "agreement.signed_on")), None)
        raise NotFound(f"{at.location if at else document}: agreement.signed_on and agreement.starts are missing, so no pack "
                       "in force can be chosen; give them, or --pack ID@VERSION")
    pack = _pack(registry, pack_ref, date or "")
    if not any(r.scope == "agreement" for r in pack.rules):
        raise click.UsageError(f"the pack {pack.ref} has no requirements on agreements")
    records = agreement_records(pack, doc, facts)
    found = findings(records, doc)
    broken = [f for f in found if f.verdict == "non_compliant"]
    unassessed = [f for f in found if f.verdict == "not_assessed"]
    errors = [r for r in records if r.get("error")]
    if fmt == "json":
        click.echo(json.dumps({"agreement": doc.id, "huvudman_id": doc.huvudman_id,
                               "pack": {"id": pack.meta.id, "version": pack.meta.version, "sha256": pack.sha256},
                               # compliant only when every requirement was assessed and none is broken
                               "compliant": not broken and not errors and not unassessed,
                               "broken": len(broken), "not_assessed": len(unassessed), "findings": [f.to_json() for f in found],
                               "records": records}, ensure_ascii=False, indent=2))
    else:
        w = messages.words(lang)
        broken_text = messages.plural(len(broken), w["ag_broken_one"], w["ag_broken"])
        parts = messages.plural(len(records), w["ag_part"], w["ag_parts"])
        flagged = any(f.verdict == "flagged" for f in found)
        verdict = ("non_compliant" if broken or errors else None if unassessed else "flagged" if flagged else "compliant")
        click.echo(w["ag_head"].format(id=doc.id, huvudman=doc.huvudman_id, pack=pack.ref, parts=parts, broken=broken_text)
                   + (", " + w["ag_unassessed_one" if len(unassessed) == 1 else "ag_unassessed"].format(n=len(unassessed))
                      if unassessed else "")
                   + f" — {messages.outcome(verdict, lang) if verdict else w['ag_incomplete']}")
        for f in found:
            key = "ag_needs" if f.verdict == "not_assessed" else "ag_fields" if len(f.fields) > 1 else "ag_field"
            why = f.where(lang) if f.at and f.verdict != "not_assessed" else w[key].format(fields=", ".join(f.fields))
            click.echo(f"{w[f.verdict + '_label']} {w[f.kind]} {f.id}: {f.rule} — {f.text[lang]} ({why}; {'; '.join(f.source)})")
        for r in errors:
            click.echo(f"{w['error_label']} {w[r['kind']]} {r['id']}: {messages.error_text(r['error'], lang)}")
    sys.exit(1 if broken or errors else 0)


@cli.command("replay")
@click.argument("records_path", metavar="[RECORDS]", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--log", "log_path", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Replay the records of this decision log instead of a file.")
@click.option("--run", "run_id", default=None, help="With --log: only this run (its id, or the start of it).")
@click.pass_context
def replay_command(ctx: click.Context, records_path: Path | None, log_path: Path | None, run_id: str | None) -> None:
    """Re-evaluate stored decision records (JSON Lines, or a decision log) with the pack versions that made
    them; report any that differ."""
    if (records_path is None) == (log_path is None):
        raise click.UsageError("give a records file or --log FILE (one of them)")
    if run_id is not None and log_path is None:
        raise click.UsageError("--run goes with --log")
    diags = Diagnostics()
    if log_path is not None:
        log = _open_log(log_path)
        if run_id is not None and not any(r["run"].startswith(run_id) for r in log.runs()):
            raise NotFound(f"the log has no run `{run_id}`")
        replayed = ReplayLog(log, _load(ctx, diags).packs, run_id)
        for where, message in replayed:
            click.echo(f"{log_path}:{where}: {message}")
        n, bad = replayed.lines, replayed.failed
        click.echo(f"{n} record{'s' * (n != 1)}, {n - bad} reproduced, {bad} did not", err=True)
        sys.exit(1 if bad else 0)
    run = ReplayFile(records_path, _load(ctx, diags).packs)
    try:
        for line, message in run:
            click.echo(f"{records_path}:{line}: {message}")
    except OSError as e:
        if e.errno in _OUTPUT_ERRORS:
            raise
        raise click.UsageError(f"cannot read {records_path}: {e.strerror}")
    bad, lines = run.failed, run.lines
    click.echo(f"{lines} line{'s' * (lines != 1)}, {lines - bad} reproduced, {bad} did not", err=True)
    sys.exit(1 if bad else 0)


@cli.group("log")
def log_group() -> None:
    """The decision log (`sbs evaluate --log FILE`): runs, a stored decision explained, a unit's or huvudman's
    history, searches by rule status and outcome."""


LOG_OPTION = click.option("--log", "log_path", envvar="SBS_LOG", required=True,
                          type=click.Path(dir_okay=False, exists=True, path_type=Path),
                          help="The decision log (env SBS_LOG).")
TABLE_FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)


def _table(rows: list[dict], columns: tuple[str, ...], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        import csv
        import io
        buf = io.StringIO()
        w = csv.DictWriter(buf, columns, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        click.echo(buf.getvalue(), nl=False)
    else:
        shown = [[("" if r.get(c) is None else str(r.get(c))) for c in columns] for r in rows]
        widths = [max(len(c), *(len(s[i]) for s in shown)) if shown else len(c) for i, c in enumerate(columns)]
        for line in [list(columns), *shown]:
            click.echo("  ".join(v.ljust(w) for v, w in zip(line, widths)).rstrip())


@log_group.command("runs")
@LOG_OPTION
@TABLE_FORMAT
def log_runs(log_path: Path, fmt: str) -> None:
    """Every run in the log: id, start, delivery, pack, number of records."""
    with _open_log(log_path) as log:
        _table(log.runs(), ("run", "started", "delivery", "delivery_date", "pack_id", "pack_version", "records", "command"), fmt)


@log_group.command("show")
@click.argument("case_id", metavar="ID")
@LOG_OPTION
@click.option("--delivery", default=None, help="The decision of this delivery (default: the last one logged).")
@click.option("--run", "run_id", default=None, help="The decision of this run (its id, or the start of it).")
@LOG_OPTION_LANG
def log_show(case_id: str, log_path: Path, delivery: str | None, run_id: str | None, lang: str) -> None:
    """A stored decision explained from the log alone, as `sbs explain` gave it when it was made."""
    wanted = org_number(case_id) or case_id.strip()
    with _open_log(log_path) as log:
        record = log.record(wanted, delivery, run_id)
        if record is None:
            known = sorted({r["id"] for r in log.query()})
            hint = did_you_mean(wanted, known)
            raise NotFound(f"the log has no decision about `{case_id}`" + (f" in delivery {delivery}" if delivery else "")
                           + (f" in run {run_id}" if run_id else "") + (f"; {hint}" if hint else ""))
    click.echo(explain_text(record, lang), nl=False)


@log_group.command("history")
@click.argument("case_id", metavar="ID")
@LOG_OPTION
@TABLE_FORMAT
def log_history(case_id: str, log_path: Path, fmt: str) -> None:
    """Every decision ever logged about a unit or huvudman: run, delivery, pack version, outcome, rank."""
    wanted = org_number(case_id) or case_id.strip()
    with _open_log(log_path) as log:
        rows = log.history(wanted)
    if not rows and fmt == "text":
        raise NotFound(f"the log has no decision about `{case_id}`")
    _table(rows, ("started", "run", "delivery", "delivery_date", "pack_id", "pack_version", "kind", "outcome", "rank"), fmt)


@log_group.command("query")
@LOG_OPTION
@click.option("--rule", default=None, help="Decisions in which this rule has --status (any status without it).")
@click.option("--status", type=click.Choice(["fired", "not_fired", "unknown", "overridden", "not_reached"]), default=None)
@click.option("--outcome", default=None, help="Decisions with this outcome.")
@click.option("--kind", type=click.Choice(["unit", "huvudman"]), default=None)
@click.option("--delivery", default=None, help="Decisions of this delivery (its id).")
@click.option("--run", "run_id", default=None, help="Decisions of this run.")
@TABLE_FORMAT
def log_query(log_path: Path, rule: str | None, status: str | None, outcome: str | None, kind: str | None,
              delivery: str | None, run_id: str | None, fmt: str) -> None:
    """Logged decisions by a rule's status, an outcome, a kind, a delivery or a run."""
    with _open_log(log_path) as log:
        rows = log.query(rule, status, outcome, kind, delivery, run_id)
    _table(rows, ("started", "run", "delivery", "kind", "id", "huvudman_id", "outcome", "rank", "pack_id", "pack_version"), fmt)
    click.echo(f"{len(rows)} decision{'s' * (len(rows) != 1)}", err=True)


@cli.command()
@click.option("--log", "log_path", envvar="SBS_LOG", required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="The decision log (env SBS_LOG).")
@click.option("--to", "to_ref", required=True, metavar="ID@V", help="The candidate pack (a draft: its directory).")
@click.option("--from", "from_ref", default=None, metavar="ID@V", help="Only the runs decided by this version.")
@click.option("--delivery", "deliveries", multiple=True, help="Only this delivery (its id; repeatable).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text", show_default=True)
@click.option("--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True)
@click.option("--workers", type=click.IntRange(min=0), default=None, help="Worker processes (default: one per core).")
@DRAFT_OPTION
@click.pass_context
def backtest(ctx: click.Context, log_path: Path, to_ref: str, from_ref: str | None, deliveries: tuple[str, ...], fmt: str,
             lang: str, workers: int | None) -> None:
    """Re-decide every logged delivery (its last run) with a candidate pack, beside the version that decided it:
    changes by transition, huvudmän proposed, pupils reached, each changed decision with the rules that
    differ, and the parameters that differ."""
    _, (candidate,) = _packs_named(ctx, (to_ref,))
    with _open_log(log_path) as log:
        if not log.runs():
            raise NotFound(f"the log {log_path} holds no run")
        try:
            result = run_backtest(log, candidate, from_ref, deliveries, workers)
        except NotRebuilt as e:
            raise click.ClickException(f"{log_path}: {e}") from None
    if not result.deliveries:
        raise NotFound("no logged run matches" + (f" --from {from_ref}" if from_ref else "")
                       + (f" --delivery {', '.join(deliveries)}" if deliveries else ""))
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    elif fmt == "html":
        click.echo(backtest_html(result, lang), nl=False)
    else:
        click.echo(backtest_text(result, lang), nl=False)


@cli.command()
@click.option("--delivery", "of_delivery", is_flag=True, help="The JSON Schema of a delivery (YAML or JSON) instead.")
def schema(of_delivery: bool) -> None:
    """Print the JSON Schema of the pack format (or, with --delivery, of a delivery), for editors."""
    click.echo(json.dumps(delivery_schema() if of_delivery else pack_schema(), ensure_ascii=False, indent=2))


def _terminated(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds like an exit: the output is abandoned, the workers stopped


def main() -> None:
    for stream in (sys.stdout, sys.stderr):  # a message quoting odd input is written, never a traceback
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    signal.signal(signal.SIGTERM, _terminated)
    try:
        rc = cli(prog_name="sbs", standalone_mode=False)
    except click.exceptions.Abort:  # Ctrl-C while click reads: the same as below
        click.echo("interrupted; nothing was written", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("interrupted; nothing was written", err=True)
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except OSError as e:
        if e.errno not in _OUTPUT_ERRORS:
            raise
        _quiet_stdout()  # what is still buffered cannot be written either
        if e.errno != errno.EPIPE:  # a reader that stopped reading (`| head`) is not an error to report
            click.echo(f"cannot write the output: {e.strerror}", err=True)
        sys.exit(1)
    sys.exit(rc if isinstance(rc, int) else 0)


#: Errors of writing the output (standard output, usually): a full disk, a closed pipe, a device that fails.
_OUTPUT_ERRORS = (errno.ENOSPC, errno.EPIPE, errno.EIO, errno.EDQUOT, errno.EFBIG)


def _quiet_stdout() -> None:
    """Point standard output at /dev/null, so the interpreter's last flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    main()
