"""`sbs`: parse arguments, call one library function, render the result."""
from __future__ import annotations

import json
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import click

from engine.compile import compile_diagnostics
from engine.packtests import coverage, run_tests
from policy import DEFAULT_ROOT, Diagnostics, Registry, pack_schema
from policy.diagnostics import MAX_SHOWN

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


def _summary(registry: Registry, diags: Diagnostics) -> str:
    n_err, n_warn = len(diags.errors), len(diags.warnings)
    packs = f"{len(registry.packs)} valid pack{'s' * (len(registry.packs) != 1)}"
    if not n_err and not n_warn:
        return packs
    return f"{n_err} error{'s' * (n_err != 1)}, {n_warn} warning{'s' * (n_warn != 1)}; {packs}"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(VERSION, prog_name="sbs")
@click.option(
    "--rules", "rules_dir", envvar="SBS_RULES", type=click.Path(file_okay=False, path_type=Path),
    default=None, help="Directory of packs (default: the packs shipped with sbs; env SBS_RULES).",
)
@click.pass_context
def cli(ctx: click.Context, rules_dir: Path | None) -> None:
    """Explainable eligibility engine for Samverkan för bästa skola."""
    ctx.obj = {"rules": rules_dir or DEFAULT_ROOT}


@cli.command()
@click.argument("packs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def validate(packs: tuple[Path, ...], fmt: str) -> None:
    """Check packs (files or directories); print every error as file:line:col: code: message."""
    diags = Diagnostics()
    registry = Registry.load(packs, diags)
    for pack in registry.packs:  # a valid pack must also fit what durable_rules can hold
        diags.extend(compile_diagnostics(pack))
    if fmt == "json":
        out = {
            "valid": not diags.has_errors(),
            "packs": [{"id": p.meta.id, "version": p.meta.version, "sha256": p.sha256, "path": p.path} for p in registry.packs],
            "diagnostics": [d.to_json() for d in diags.sorted()],
        }
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        _echo_diagnostics(diags)
        click.echo(_summary(registry, diags), err=True)
    sys.exit(1 if diags.has_errors() else 0)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def packs(ctx: click.Context, fmt: str) -> None:
    """List the packs found: id, version, validity period, content hash."""
    diags = Diagnostics()
    registry = Registry.load([ctx.obj["rules"]], diags)
    if fmt == "json":
        rows = [
            {"id": p.meta.id, "version": p.meta.version, "valid_from": p.meta.valid_from,
             "valid_to": p.meta.valid_to, "sha256": p.sha256}
            for p in registry.packs
        ]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        header = ("id", "version", "valid_from", "valid_to", "sha256")
        rows = [(p.meta.id, p.meta.version, p.meta.valid_from, p.meta.valid_to or "open", p.sha256) for p in registry.packs]
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        for r in [header, *rows]:
            click.echo("  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip())
    if diags.has_errors():
        _echo_diagnostics(diags, err=True)
        click.echo(f"{len(diags.errors)} invalid pack file(s) not listed; run `sbs validate`", err=True)
        sys.exit(1)


@cli.command("test")
@click.argument("packs", nargs=-1, type=click.Path(path_type=Path))
@click.pass_context
def test_command(ctx: click.Context, packs: tuple[Path, ...]) -> None:
    """Run the YAML tests written beside packs (default: every pack found) and report rule coverage."""
    diags = Diagnostics()
    registry = Registry.load(packs or [ctx.obj["rules"]], diags)
    if diags.has_errors():
        _echo_diagnostics(diags)
        sys.exit(1)
    failed = 0
    for pack in registry.packs:
        results = run_tests(pack)
        bad = [r for r in results if not r.passed]
        failed += len(bad)
        for r in bad:
            for failure in r.failures:
                click.echo(f"{r.case.loc}: FAIL {r.case.name}: {failure}")
        seen = coverage(pack, results)
        never = {st: [rid for rid, got in seen.items() if st not in got] for st in ("fired", "not_fired")}
        click.echo(f"{pack.ref}: {len(results)} tests, {len(results) - len(bad)} passed, {len(bad)} failed")
        click.echo(f"  rule coverage: {len(seen) - len(never['fired'])} of {len(seen)} rules fired in a test, "
                   f"{len(seen) - len(never['not_fired'])} of {len(seen)} stayed silent in a test")
        for status, rules in never.items():
            if rules:
                click.echo(f"  never {status.replace('_', ' ')}: {', '.join(rules)}")
    sys.exit(1 if failed else 0)


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the pack format, for editors."""
    click.echo(json.dumps(pack_schema(), ensure_ascii=False, indent=2))


def main() -> None:
    cli(prog_name="sbs")


if __name__ == "__main__":
    main()
