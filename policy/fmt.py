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
from .model import Pack
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
    _quote_what_yaml11_reads_otherwise(root)
    out = io.StringIO()
    y.dump(root, out)
    return out.getvalue()


def _quote_what_yaml11_reads_otherwise(root: Any) -> None:
    """A text that a YAML 1.1 reader (PyYAML, many editors) would take for something else (`yes`, `1:20`,
    `2016-01-28 10:00`) stays quoted, though YAML 1.2 and the pack loader read it as text unquoted."""
    import yaml as pyyaml
    from ruamel.yaml.scalarstring import SingleQuotedScalarString

    resolver = pyyaml.resolver.Resolver()

    def fix(v: Any) -> Any:
        if type(v) is str and resolver.resolve(pyyaml.ScalarNode, v, (True, False)) != "tag:yaml.org,2002:str":
            return SingleQuotedScalarString(v)
        walk(v)
        return v

    def walk(node: Any) -> None:
        if hasattr(node, "move_to_end"):
            for k in list(node):
                node[k] = fix(node[k])
        elif isinstance(node, list):
            for i, v in enumerate(node):
                node[i] = fix(v)
    walk(root)


def format_pack(files: list[Path], diags: Diagnostics) -> list[Formatted]:
    """Each file of a pack in the canonical layout; a file whose values would change, or whose comments would be
    lost or moved, is an error (`fmt_changes_meaning`) and is given unchanged."""
    out = []
    for path in files:
        before = path.read_text(encoding="utf-8-sig")
        try:
            after = format_text(before)
        except Exception as e:  # noqa: BLE001 - ruamel's errors for what the pack loader accepted
            diags.error("fmt_changes_meaning", f"the file cannot be laid out: {e}", Location(str(path)))
            after = before
        if after != before:
            changed = _changed_value(before, after, str(path))
            if changed is not None:
                where, what = changed
                diags.error("fmt_changes_meaning", f"the canonical layout would read {what} otherwise; the file is left as it is",
                            where, "write the value the way the pack loader reads it (quoted, if it is a text)")
                after = before
            else:
                lost = _lost_comment(before, after)
                if lost is not None:
                    line, text = lost
                    diags.error("fmt_changes_meaning", f"the canonical layout would move or drop the comment `{text}`; "
                                "the file is left as it is", Location(str(path), line, before.splitlines()[line - 1].index("#") + 1),
                                "put the keys around it in the canonical order by hand (sbs fmt --diff shows it), or move the comment")
                    after = before
        out.append(Formatted(path, before, after))
    return out


def _comments(text: str) -> list[tuple[int, str, str]]:
    """Each comment as (line, text, what it belongs to): a comment on a line of its own belongs to the next line
    with content, one after content to its line's first word (quotes aside: the layout may change them)."""
    lines = text.splitlines()
    out = []
    for n, line in enumerate(lines):
        at = _comment_at(line)
        if at is None:
            continue
        comment, content = line[at:].strip(), line[:at].strip()
        if content:
            out.append((n + 1, comment, _words(content, 1)))
        else:
            follows = next((ln for ln in lines[n + 1:] if ln.strip() and _comment_at(ln) != len(ln) - len(ln.lstrip())), "")
            out.append((n + 1, comment, _words(follows.strip(), 2)))
    return out


def _words(content: str, n: int) -> str:
    """The first words of a line, its list dash and quotes aside (`id: r2`; `when:`)."""
    return " ".join(content.lstrip("- ").replace('"', "").replace("'", "").split()[:n])


def _comment_at(line: str) -> int | None:
    """Where a YAML comment starts on a line (a `#` at its start or after a space, outside quotes), or None."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"" and (i == 0 or line[i - 1] in " :[{,-"):
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return i
    return None


def _lost_comment(before: str, after: str) -> tuple[int, str] | None:
    """The first comment of `before` that `after` drops or puts elsewhere (line, text), or None."""
    kept = [(c, w) for _, c, w in _comments(after)]
    for line, comment, word in _comments(before):
        if (comment, word) in kept:
            kept.remove((comment, word))
        else:
            return line, comment
    return None


def _changed_value(before: str, after: str, file: str) -> tuple[Location, str] | None:
    """Where the pack loader would read `after` otherwise than `before` (the first place, and what), or None
    when it reads the same values and the officer's names in the same order."""
    a, b = Diagnostics(), Diagnostics()
    old, new = load_text(before, file, a), load_text(after, file, b)
    if old is None or new is None or b.has_errors():
        return Location(file), "the file"
    if old.plain() == new.plain() and _names(old.plain()) == _names(new.plain()):
        return None
    return _first_difference(old, new, file)


def _first_difference(old: Any, new: Any, file: str, path: str = "") -> tuple[Location, str]:
    from .yamlsafe import MAP, SEQ
    if old.kind == MAP and new.kind == MAP and set(old.value) == set(new.value):
        for k, v in old.value.items():
            if v.plain() != new.value[k].plain() or _names(v.plain()) != _names(new.value[k].plain()):
                return _first_difference(v, new.value[k], file, f"{path}.{k}" if path else str(k))
        return old.loc, f"the order of `{path}`"
    if old.kind == SEQ and new.kind == SEQ and len(old.value) == len(new.value):
        for i, (x, y) in enumerate(zip(old.value, new.value)):
            if x.plain() != y.plain() or _names(x.plain()) != _names(y.plain()):
                return _first_difference(x, y, file, f"{path}[{i}]")
    return old.loc, f"`{path}` ({old.plain()!r} as {new.plain()!r})"


def _names(value: Any) -> Any:
    """The order of keys wherever it is the officer's (a mapping with a key the format does not define)."""
    if isinstance(value, dict):
        inner = {k: _names(v) for k, v in value.items()}  # compared as a dict: its order does not count
        return inner if all(k in _FORMAT_KEYS for k in value) else (list(value), inner)
    if isinstance(value, list):
        return [_names(v) for v in value]
    return None


_FORMAT_KEYS = {*FILE, *PACK, *SOURCE, *CITATION, *PARAMETER, *RULE, *EFFECT, *OUTCOME, *RANKING, *TEXT, *TEST, *EXPECT}


def hash_after(pack_dir: Path, formatted: list[Formatted]) -> str | None:
    """The sha256 of the pack read from a copy with the formatted files (None if it cannot be read)."""
    from .loader import load_pack
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / pack_dir.name
        for f in pack_dir.rglob("*"):
            if f.is_file():  # a file linked from elsewhere is copied as its content
                target = copy / f.relative_to(pack_dir)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(f.read_bytes())
        for f in formatted:
            (copy / f.path.relative_to(pack_dir)).write_text(f.after, encoding="utf-8")
        after = load_pack(copy, Diagnostics())
    return after.sha256 if after is not None else None


def layout_pack(pack: Pack, diags: Diagnostics) -> list[Formatted]:
    """Every file of the (loaded, valid) pack in the canonical layout, checked file by file and then as a pack
    (its sha256 unchanged); where a check fails, the files are given unchanged and the failure is in `diags`."""
    from .loader import pack_files
    pack_dir = Path(pack.path)
    out = format_pack(pack_files(pack_dir), diags)
    if any(f.changed for f in out):
        after = hash_after(pack_dir, out)
        if after != pack.sha256:
            shown = f" (sha256 {pack.sha256[:12]}… would become {after[:12]}…)" if after else ""
            diags.error("fmt_changes_meaning", f"the canonical layout would change the pack{shown}; nothing is rewritten",
                        Location(str(pack_dir)))
            return [Formatted(f.path, f.before, f.before) for f in out]
    return out


def write(f: Formatted) -> None:
    """Replace the file with its canonical layout (a temporary file renamed into place)."""
    target = f.path.resolve()  # a linked file is rewritten where it is, the link kept
    tmp = target.with_name(f".{target.name}.fmt")
    tmp.write_text(f.after, encoding="utf-8")
    tmp.replace(target)


__all__ = ["Formatted", "canonical_layout", "format_pack", "format_text", "hash_after", "layout_pack", "write"]
