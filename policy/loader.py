"""Assembly: read a pack's files, merge their sections, check the whole, hash it.

A pack is a single YAML file, or a directory holding `pack.yaml` and any further `*.yaml` files below
it (rules split by topic, tests in `tests/`). Files are read in sorted path order, so rules keep the
order a reader sees in a listing.
"""
from __future__ import annotations

import os
from pathlib import Path

import attrs

from .canonical import content_hash
from .check import Checker
from .diagnostics import Diagnostics, Location
from .model import Pack
from .parse import FileSections, Parser
from .yamlsafe import load_file

PACK_FILE = "pack.yaml"


def display(path: Path) -> str:
    """A path as shown in messages: relative to the working directory when below it."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive
        return str(path)


def pack_files(path: Path) -> list[Path]:
    """The files of a pack at `path`, in reading order."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    return [path]


def load_pack(path: str | Path, diags: Diagnostics) -> Pack | None:
    """Load and check one pack; None if it has errors (they are in `diags`)."""
    path = Path(path)
    before = len(diags.errors)
    parser = Parser(diags)
    sections: list[FileSections] = []
    unreadable = False
    for f in pack_files(path):
        node = load_file(str(f), diags, display(f))
        if node is None:
            unreadable = True
        else:
            sections.append(parser.file(node, display(f)))
    if unreadable:  # what the file that cannot be read defines is missing: checks across files would only cascade
        return None
    pack = _assemble(path, sections, diags, parser)
    if pack is None or len(diags.errors) > before:
        return None
    return attrs.evolve(pack, sha256=content_hash(pack))


def _assemble(path: Path, sections: list[FileSections], diags: Diagnostics, parser: Parser) -> Pack | None:
    metas = [s for s in sections if s.meta_loc is not None]
    if not metas:
        where = display(path / PACK_FILE) if path.is_dir() else display(path)
        diags.error("pack_missing_metadata", "no file of the pack has a `pack:` section", Location(where), "add `pack:` with id, version, format, valid_from, title and sources")
        return None
    for extra in metas[1:]:
        diags.error("pack_duplicate_metadata", "a second `pack:` section in one pack", extra.meta_loc, f"the first is at {metas[0].meta_loc}")
    meta = metas[0].meta
    params, rules, outcomes, tests = [], [], [], []
    seen_params: dict[str, Location] = {}
    seen_scopes: dict[str, Location] = {}
    for s in sections:
        for p in s.parameters:
            if p.name in seen_params:
                diags.error("param_duplicate", f"parameter `{p.name}` is defined twice", p.loc, f"the first is at {seen_params[p.name]}")
                continue
            seen_params[p.name] = p.loc
            params.append(p)
        for o in s.outcomes:
            if o.scope in seen_scopes:
                diags.error("outcome_policy_duplicate", f"`outcomes.{o.scope}` is declared twice", o.loc, f"the first is at {seen_scopes[o.scope]}")
                continue
            seen_scopes[o.scope] = o.loc
            outcomes.append(o)
        rules.extend(s.rules)
        tests.extend(s.tests)
    if meta is None:
        return None
    Checker(meta, params, rules, outcomes, tests, diags, parser.seen_rule_ids, parser.seen_param_names,
            complete=parser.dropped == 0).run()
    return Pack(
        meta=meta,
        parameters=tuple(sorted(params, key=lambda p: p.name)),
        rules=tuple(rules),
        outcomes=tuple(sorted(outcomes, key=lambda o: o.scope)),
        tests=tuple(tests),
        path=display(path),
        files=tuple(s.file for s in sections),
    )
