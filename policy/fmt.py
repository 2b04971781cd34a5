"""`sbs fmt`: a pack's files in the canonical layout, never a change of meaning.

The layout: each part's keys in one order (a rule: id, scope, text, source, interpretation, when, then,
exception_to, intended; a citation: doc, section, quote; sv before en; …), two spaces per level with a
list's dash indented under its key, and a text quoted only where YAML needs it (then in single quotes).
Names the officer chooses (sources, parameters, outcomes, facts) keep their order, and conditions are left
as written. Comments, blank lines and a list written inline (`[grundskola, grundsarskola]`) stay.

ruamel.yaml does the round trip, as it keeps comments (PyYAML drops them). Every file is then read back
with the pack loader and must give the same values, and the pack the same sha256; if not, nothing is
written and the file is named (`fmt_changes_meaning`).
"""
from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any, Iterator

import attrs

from .diagnostics import Diagnostics, Location
from .yamlsafe import load_text

FILE = ("pack", "outcomes", "parameters", "rules", "test_defaults", "tests")
PACK = ("id", "version", "format", "valid_from", "valid_to", "supersedes", "replaces", "languages", "title", "sources")
SOURCE = ("title", "reference")
CITATION = ("doc", "section", "quote")
PARAMETER = ("unit", "value", "by_school_form", "source", "text", "interpretation")
RULE = ("id", "scope", "text", "source", "interpretation", "when", "then", "exception_to", "intended")
EFFECT = ("outcome", "derive", "priority")
OUTCOME = ("precedence", "default", "on_unknown", "ranking", "intended")
RANKING = ("ranked", "then_by", "capacity", "beyond")
TEXT = ("sv", "en")
TEST = ("name", "scope", "facts", "expect")
EXPECT = ("outcome", "priority", "fired", "not_fired", "unknown")


@attrs.frozen
class Formatted:
    """One file of a pack: its text as it is and in the canonical layout."""

    path: Path
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _yaml() -> Any:
    from ruamel.yaml import YAML
    y = YAML()  # round trip: comments, blank lines and inline lists are kept
    y.indent(mapping=2, sequence=4, offset=2)
    y.width = 4096  # never re-wrap a long line
    y.preserve_quotes = False
    return y


def _order(node: Any, keys: tuple[str, ...]) -> None:
    """Put a mapping's keys in `keys`' order, if it has only keys of that part (else it is left as written)."""
    if not hasattr(node, "move_to_end") or not all(k in keys for k in node):
        return
    for k in sorted(node, key=keys.index):
        node.move_to_end(k)


def _each(node: Any) -> Iterator[Any]:
    """The mappings of a value that is one mapping or a list of them."""
    if isinstance(node, list):
        yield from (n for n in node if hasattr(n, "move_to_end"))
    elif hasattr(node, "move_to_end"):
        yield node


def _texts(node: Any) -> None:
    for key in ("text", "interpretation", "title"):
        for t in _each(node.get(key)) if hasattr(node, "get") else ():
            _order(t, TEXT)


def canonical_layout(root: Any) -> None:
    """Reorder the keys of a pack file's parts in place (the parts the format defines, by where they are)."""
    if not hasattr(root, "move_to_end"):
        return
    _order(root, FILE)
    pack = root.get("pack")
    if hasattr(pack, "move_to_end"):
        _order(pack, PACK)
        _texts(pack)
        for source in (pack.get("sources") or {}).values() if hasattr(pack.get("sources"), "values") else ():
            _order(source, SOURCE)
    outcomes = root.get("outcomes")
    for policy in outcomes.values() if hasattr(outcomes, "values") else ():
        _order(policy, OUTCOME)
        if hasattr(policy, "get"):
            _order(policy.get("ranking"), RANKING)
    parameters = root.get("parameters")
    for p in parameters.values() if hasattr(parameters, "values") else ():
        _order(p, PARAMETER)
        if hasattr(p, "get"):
            _texts(p)
            for c in _each(p.get("source")):
                _order(c, CITATION)
    for rule in _each(root.get("rules")):
        _order(rule, RULE)
        _texts(rule)
        for c in _each(rule.get("source")):
            _order(c, CITATION)
        _order(rule.get("then"), EFFECT)
    for test in _each(root.get("tests")):
        _order(test, TEST)
        _order(test.get("expect"), EXPECT)


def format_text(text: str) -> str:
    """A pack file's text in the canonical layout (the caller checks that its meaning is unchanged)."""
    y = _yaml()
    root = y.load(text)
    canonical_layout(root)
    out = io.StringIO()
    y.dump(root, out)
    return out.getvalue()


def format_pack(files: list[Path], diags: Diagnostics) -> list[Formatted]:
    """Each file of a pack in the canonical layout; a file whose values would change is an error
    (`fmt_changes_meaning`) and is given unchanged."""
    out = []
    for path in files:
        before = path.read_text(encoding="utf-8-sig")
        try:
            after = format_text(before)
        except Exception as e:  # noqa: BLE001 - ruamel's errors for what the pack loader accepted
            diags.error("fmt_changes_meaning", f"the file cannot be laid out: {e}", Location(str(path)))
            after = before
        if after != before and not _same_values(before, after, str(path)):
            diags.error("fmt_changes_meaning", "the canonical layout would change a value of this file; it is left as it is",
                        Location(str(path)), "write the value the way the pack loader reads it (quoted, if it is a text)")
            after = before
        out.append(Formatted(path, before, after))
    return out


def _same_values(before: str, after: str, file: str) -> bool:
    """Whether the pack loader reads the same values from both texts, and the officer's names in the same order."""
    a, b = Diagnostics(), Diagnostics()
    old, new = load_text(before, file, a), load_text(after, file, b)
    return old is not None and new is not None and not b.has_errors() and old.plain() == new.plain() \
        and _names(old.plain()) == _names(new.plain())


def _names(value: Any) -> Any:
    """The order of keys wherever it is the officer's (a mapping with a key the format does not define)."""
    if isinstance(value, dict):
        inner = {k: _names(v) for k, v in value.items()}  # compared as a dict: its order does not count
        return inner if all(k in _FORMAT_KEYS for k in value) else (list(value), inner)
    if isinstance(value, list):
        return [_names(v) for v in value]
    return None


_FORMAT_KEYS = {*FILE, *PACK, *SOURCE, *CITATION, *PARAMETER, *RULE, *EFFECT, *OUTCOME, *RANKING, *TEXT, *TEST, *EXPECT}


def same_hash(pack_dir: Path, formatted: list[Formatted]) -> tuple[str, str] | None:
    """The pack's sha256 before and after, read from a copy with the formatted files (None if unreadable)."""
    from .loader import load_pack
    before = load_pack(pack_dir, Diagnostics())
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / pack_dir.name
        for f in pack_dir.rglob("*"):
            if f.is_file():
                target = copy / f.relative_to(pack_dir)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(f.read_bytes())
        for f in formatted:
            (copy / f.path.resolve().relative_to(pack_dir.resolve())).write_text(f.after, encoding="utf-8")
        after = load_pack(copy, Diagnostics())
    if before is None or after is None:
        return None
    return before.sha256, after.sha256


def layout_pack(pack_dir: Path, diags: Diagnostics) -> list[Formatted]:
    """Every file of the pack at `pack_dir` in the canonical layout, checked file by file and then as a pack
    (the same sha256); where a check fails, the files are given unchanged and the failure is in `diags`."""
    from .loader import pack_files
    out = format_pack(pack_files(pack_dir), diags)
    if any(f.changed for f in out):
        hashes = same_hash(pack_dir, out)
        if hashes is None or hashes[0] != hashes[1]:
            shown = f" (sha256 {hashes[0][:12]}… would become {hashes[1][:12]}…)" if hashes else ""
            diags.error("fmt_changes_meaning", f"the canonical layout would change the pack{shown}; nothing is rewritten",
                        Location(str(pack_dir)))
            return [Formatted(f.path, f.before, f.before) for f in out]
    return out


def write(f: Formatted) -> None:
    """Replace the file with its canonical layout (a temporary file renamed into place)."""
    tmp = f.path.with_name(f".{f.path.name}.fmt")
    tmp.write_text(f.after, encoding="utf-8")
    tmp.replace(f.path)


__all__ = ["Formatted", "canonical_layout", "format_pack", "format_text", "layout_pack", "same_hash", "write"]
