"""Locked-down YAML: safe nodes only, every value with its file:line:column, limits on size and aliases.

What YAML 1.1 would silently coerce is kept as text: `yes`/`no`/`on`/`off` are strings, dates stay
strings (the pack checks them against one pattern), octal and sexagesimal numbers are strings.
Duplicate keys are errors, not last-one-wins. Aliases are expanded under a budget of nodes, so an
alias bomb is refused instead of exhausting memory.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any

import attrs
import yaml

from .diagnostics import Diagnostics, Location

MAX_BYTES = 4 * 1024 * 1024  #: largest YAML document accepted
MAX_NODES = 100_000  #: most nodes after alias expansion
MAX_DEPTH = 64  #: deepest nesting

_CORE = "tag:yaml.org,2002:"
MAP, SEQ, SCALAR = "map", "seq", "scalar"


_SURROGATE = re.compile("[\ud800-\udfff]")


def join_pairs(text: str) -> str:
    """Text with each pair of surrogates (`\\ud83d\\ude00`, as JSON writes a character beyond the BMP)
    made the one character it stands for; a lone surrogate stays, for `has_surrogate` to find."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def has_surrogate(text: str) -> bool:
    """Whether text holds a lone UTF-16 surrogate (`"\\ud800"` in JSON): no encoding can write it."""
    return bool(_SURROGATE.search(text))


class _Resolver(yaml.resolver.Resolver):
    """YAML 1.2 core schema, reduced: null, true/false, decimal integers and floats; the rest is text."""

    yaml_implicit_resolvers: dict = {}


_Resolver.add_implicit_resolver(
    _CORE + "null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
_Resolver.add_implicit_resolver(
    _CORE + "bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Resolver.add_implicit_resolver(_CORE + "int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789"))
_Resolver.add_implicit_resolver(
    _CORE + "float",
    re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*|[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+.0123456789"),
)


class _Loader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    _Resolver,
):
    """Composes nodes only; nothing is constructed by PyYAML, so no tag can build an object."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        _Resolver.__init__(self)
        self._depth = 0

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        """The depth limit enforced while composing: 600 nested `[` stop here, never in Python's recursion limit."""
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _TooDeep(self.peek_event().start_mark)
            return yaml.composer.Composer.compose_node(self, parent, index)  # shared with _FastLoader: no super()
        finally:
            self._depth -= 1


try:  # libyaml's parser, when PyYAML was built with it: the same events, four times as fast
    from yaml._yaml import CParser as _CParser
except ImportError:  # pragma: no cover - PyYAML without libyaml
    _CParser = None


if _CParser is not None:
    class _FastLoader(yaml.composer.Composer, _CParser, _Resolver):
        """libyaml's scanner and parser under our composer and resolver: the same nodes and marks as
        `_Loader` (a test compares them on every pack and fixture). Used only when the document parses;
        any problem is reported by `_Loader`, whose messages the diagnostics are written for."""

        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            _Resolver.__init__(self)
            self._depth = 0

        compose_node = _Loader.compose_node  # the same depth limit


_EMPTY_FLOW_ENTRY = re.compile(r"[:,\[{][ ]*,")


def _fast_node(text: str) -> yaml.Node | None | bool:
    """The composed document by libyaml, or False when it has a problem (or libyaml is missing).

    libyaml reads some documents otherwise than PyYAML: a tab inside a plain scalar (`över\tenskommelsen`),
    a `?` inside a plain scalar of a flow collection (`[h?uvudman]`), a byte-order mark inside the text, a
    tag in a flow collection (`[!a, b]`), an empty entry in a flow collection (`{a: ,b}`). A document
    holding a tab, `?`, `!`, a byte-order mark or a comma right after `:`, `,`, `[` or `{` goes to PyYAML's
    parser, so the same documents are accepted, with the same nodes, as before (measured by mutating packs
    and deliveries 40,000 times and comparing the two parsers; a test compares them on every shipped file).
    """
    if _CParser is None or any(c in text for c in ("\t", "?", "!", "\ufeff")) or _EMPTY_FLOW_ENTRY.search(text):
        return False
    loader = _FastLoader(text)
    try:
        return loader.get_single_node()
    except (yaml.YAMLError, RecursionError):
        return False
    finally:
        loader.dispose()


class _TooDeep(yaml.MarkedYAMLError):
    def __init__(self, mark: yaml.Mark) -> None:
        super().__init__(problem=f"nesting deeper than {MAX_DEPTH} levels", problem_mark=mark)


@attrs.define
class YNode:
    """A located YAML value: a mapping (str -> YNode), a sequence (list of YNode) or a scalar."""

    kind: str
    value: Any
    loc: Location
    key_locs: dict[str, Location] = attrs.field(factory=dict)

    def get(self, key: str) -> "YNode | None":
        return self.value.get(key) if self.kind == MAP else None

    def plain(self) -> Any:
        """The value without locations (dicts, lists and scalars)."""
        if self.kind == MAP:
            return {k: v.plain() for k, v in self.value.items()}
        if self.kind == SEQ:
            return [v.plain() for v in self.value]
        return self.value


class _TooBig(Exception):
    def __init__(self, code: str, message: str, loc: Location) -> None:
        super().__init__(message)
        self.code, self.message, self.loc = code, message, loc


class _Builder:
    """Turns composed nodes into YNodes, checking keys, tags and the expansion budget."""

    def __init__(self, file: str, diags: Diagnostics, max_nodes: int = MAX_NODES) -> None:
        self.file, self.diags, self.count, self.max_nodes = file, diags, 0, max_nodes

    def loc(self, node: yaml.Node, path: str) -> Location:
        m = node.start_mark
        return Location(self.file, m.line + 1, m.column + 1, path)

    def build(self, node: yaml.Node, path: str, depth: int) -> YNode:
        self.count += 1
        loc = self.loc(node, path)
        if self.count > self.max_nodes:
            raise _TooBig("yaml_too_large", f"more than {self.max_nodes} nodes after expanding aliases", loc)
        if depth > MAX_DEPTH:
            raise _TooBig("yaml_too_deep", f"nesting deeper than {MAX_DEPTH} levels", loc)
        if isinstance(node, yaml.MappingNode):
            self._collection_tag(node, "map", loc)
            return self._mapping(node, path, depth, loc)
        if isinstance(node, yaml.SequenceNode):
            self._collection_tag(node, "seq", loc)
            items = [self.build(n, f"{path}[{i}]", depth + 1) for i, n in enumerate(node.value)]
            return YNode(SEQ, items, loc)
        return YNode(SCALAR, self._scalar(node, loc), loc)

    def _mapping(self, node: yaml.MappingNode, path: str, depth: int, loc: Location) -> YNode:
        values: dict[str, YNode] = {}
        key_locs: dict[str, Location] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.diags.error("yaml_bad_key", "a mapping key must be plain text", self.loc(key_node, path))
                continue
            key = key_node.value
            child = f"{path}.{key}" if path else key
            key_loc = self.loc(key_node, child)
            if key in values:
                first = key_locs[key]
                self.diags.error(
                    "yaml_duplicate_key",
                    f"key `{key}` appears twice in one mapping",
                    key_loc,
                    f"the first `{key}` is at line {first.line}; keep one",
                )
                continue
            key_locs[key] = key_loc
            values[key] = self.build(value_node, child, depth + 1)
        return YNode(MAP, values, loc, key_locs)

    def _collection_tag(self, node: yaml.Node, kind: str, loc: Location) -> None:
        if node.tag != _CORE + kind:
            self._bad_tag(node.tag, loc)

    def _bad_tag(self, tag: str, loc: Location) -> None:
        self.diags.error(
            "yaml_tag_not_allowed", f"the tag `{tag}` is not allowed", loc,
            "write plain values; tags are not part of the pack format",
        )

    def _scalar(self, node: yaml.ScalarNode, loc: Location) -> Any:
        tag, text = node.tag, node.value
        try:
            if tag == _CORE + "str":
                if has_surrogate(text):
                    text = join_pairs(text)
                if has_surrogate(text):
                    self.diags.error("yaml_bad_scalar", "the text holds a lone surrogate (an escape such as \\ud800 without its pair)",
                                     loc, "no encoding can write it: correct the escape, or remove it")
                    return text.encode("utf-8", "backslashreplace").decode("utf-8")
                return text
            if tag == _CORE + "null":
                return None
            if tag == _CORE + "bool":
                return text.lower() == "true"
            if tag == _CORE + "int":
                return int(text)
            if tag == _CORE + "float":
                return float(text)
        except ValueError:
            digits = len(text.lstrip("+-").replace("_", ""))
            if tag == _CORE + "int" and digits > 15:  # beyond what Python converts; the value is reported once
                self.diags.error("yaml_bad_scalar", f"a number of {digits} digits; numbers have at most 15", loc,
                                 "a typing slip? statistics and amounts have fewer digits")
                return None
            shown = text if len(text) <= 40 else text[:40] + "…"
            self.diags.error("yaml_bad_scalar", f"`{shown}` is not a valid {tag[len(_CORE):]}", loc)
            return text
        self._bad_tag(tag, loc)
        return text


_UNCLOSED = "quoted text begun here is never closed"

#: where YAML breaks lines (PyYAML's reader counts these, and nothing else, as a new line)
_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


def _reader_location(e: Exception, text: str, file: str) -> Location:
    """Where a reader error is: its character position as line and column, lines broken as YAML breaks them."""
    pos = getattr(e, "position", None)
    if not isinstance(pos, int):
        return Location(file)
    breaks = list(_LINE_BREAK.finditer(text, 0, pos))
    return Location(file, len(breaks) + 1, pos - (breaks[-1].end() if breaks else 0) + 1)


def _reader_problem(e: Exception) -> str:
    char = getattr(e, "character", None)
    code = ord(char) if isinstance(char, str) and len(char) == 1 else char if isinstance(char, int) else None
    if code is not None:
        return f"the control character U+{code:04X} is not allowed in text"
    return str(e).splitlines()[0]


def _visible(ch: str) -> str:
    """A character as a line shows it: a tab as an arrow, a control character as its control picture."""
    if ch == "\t":
        return "\u2192"
    if ord(ch) < 0x20:
        return chr(0x2400 + ord(ch))
    if ord(ch) == 0x7F:
        return "\u2421"
    if unicodedata.category(ch) in ("Cc", "Cs"):
        return "\ufffd"
    return ch


def _width(text: str) -> int:
    """Terminal columns: a wide character (an emoji, a CJK ideograph) takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def syntax_hint(text: str, line: int, column: int, problem: str) -> str:
    """A plain hint for a YAML syntax error, then the offending line with a caret under the column.

    A tab: YAML indents with spaces. A line indented otherwise than the block it is in: the indentation
    of that block's other keys, and the line where the block began.
    """
    lines = _LINE_BREAK.split(text)
    src = lines[line - 1] if 0 < line <= len(lines) else ""
    hint = ""
    if problem.startswith("the control character"):
        hint = "remove the character: most editors do not show it (here it is shown as " + _visible(src[column - 1:column] or " ") + ")"
    elif problem.startswith(_UNCLOSED):
        hint = "close the quote; inside single quotes a ' is written '', inside double quotes a \" is written \\\""
    elif "\t" in src[:len(src) - len(src.lstrip())]:
        hint = "YAML indents with spaces, not tabs: replace the tab with spaces"
    elif "\t" in src or "'\\t'" in problem:
        hint = "a tab inside the line: YAML allows a tab only inside quotes; replace it with a space"
    elif any(k in problem for k in ("mapping values are not allowed", "expected <block end>", "did not find expected key",
                                    "could not find expected ':'")):
        previous = next((lines[i] for i in range(line - 2, -1, -1) if lines[i].strip() and not lines[i].lstrip().startswith("#")), None)
        if previous is not None and _indent(src) != _indent(previous):
            sibling = _indent(previous)
            began = next((i + 1 for i in range(line - 2, -1, -1) if lines[i].strip() and _indent(lines[i]) < sibling), None)
            hint = (f"this line is indented by {_indent(src)} spaces, the line before it by {sibling}"
                    + (f"; the block they are in began at line {began}" if began else "") + ": indent the keys of one block alike")
        else:
            hint = "check the indentation and that each key is followed by `: ` and a value"
    gutter = f"{line} | "
    shown = "".join(map(_visible, src))
    caret = " " * (len(gutter) + _width(shown[:max(column - 1, 0)])) + "^"
    return (hint + "\n" if hint else "") + f"        {gutter}{shown}\n        {caret}"


def _reader_error(e: Exception, text: str, file: str, diags: Diagnostics) -> None:
    where, problem = _reader_location(e, text, file), _reader_problem(e)
    diags.error("yaml_syntax", problem, where, syntax_hint(text, where.line, where.column, problem) if where.line else "")


def load_text(text: str, file: str, diags: Diagnostics, max_bytes: int = MAX_BYTES, max_nodes: int = MAX_NODES) -> YNode | None:
    """Parse one YAML document into located nodes; problems go to `diags` and give None.

    `max_nodes` bounds the nodes after alias expansion; 0 means "proportional to the document": a
    document written out has fewer nodes than half its bytes, so only alias expansion can exceed that.
    """
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        diags.error(
            "yaml_too_large", f"the document is larger than {max_bytes // (1024 * 1024)} MiB", Location(file)
        )
        return None
    max_nodes = max_nodes or max(MAX_NODES, size // 2)
    try:
        loader = _Loader(text)  # its reader refuses control characters at once
    except yaml.YAMLError as e:
        _reader_error(e, text, file, diags)
        return None
    try:
        node = _fast_node(text)
        if node is False:  # a problem: PyYAML's own parser finds it and says where
            node = loader.get_single_node()
    except _TooDeep as e:
        mark = e.problem_mark
        diags.error("yaml_too_deep", e.problem, Location(file, mark.line + 1, mark.column + 1),
                    "aliases and nesting are limited; write the values out")
        return None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = (e.problem or e.context or "invalid YAML").strip()
        if "quoted scalar" in (e.context or "") and "end of stream" in problem and e.context_mark:
            mark, problem = e.context_mark, _UNCLOSED + " (the file ends inside it)"
        where = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
        diags.error("yaml_syntax", problem, where, syntax_hint(text, where.line, where.column, problem) if mark else "")
        return None
    except yaml.YAMLError as e:  # reader errors (control characters) carry a position, not a mark
        _reader_error(e, text, file, diags)
        return None
    finally:
        loader.dispose()
    if node is None:
        only = "the file holds nothing but comments" if text.strip() else "the file is empty"
        diags.error("file_empty", only, Location(file), "an empty file holds nothing to read; remove it or fill it in")
        return None
    builder = _Builder(file, diags, max_nodes)
    try:
        return builder.build(node, "", 0)
    except _TooBig as e:
        diags.error(e.code, e.message, e.loc, "aliases and nesting are limited; write the values out")
        return None


def load_file(path: str, diags: Diagnostics, display: str | None = None, max_bytes: int = MAX_BYTES,
              max_nodes: int = MAX_NODES) -> YNode | None:
    """Read a UTF-8 file (a byte-order mark is accepted) and parse it with `load_text`."""
    name = display or path
    try:
        with open(path, "rb") as f:
            raw = f.read(max_bytes + 1)
    except OSError as e:
        diags.error("file_unreadable", f"cannot read the file: {e.strerror}", Location(name))
        return None
    if len(raw) > max_bytes:
        diags.error("yaml_too_large", f"the file is larger than {max_bytes // (1024 * 1024)} MiB", Location(name))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        bad = raw[e.start]
        start = raw.rfind(b"\n", 0, e.start) + 1
        line, col = raw.count(b"\n", 0, e.start) + 1, len(raw[start:e.start].decode("utf-8", "replace")) + 1
        try:
            seen = f" (`{bytes([bad]).decode('cp1252')}` in Windows-1252)"
        except UnicodeDecodeError:
            seen = ""
        diags.error("file_encoding", f"byte 0x{bad:02X}{seen} is not UTF-8", Location(name, line, col),
                    "save the file as UTF-8 (the editor's encoding setting)")
        return None
    return load_text(text, name, diags, max_bytes, max_nodes)
