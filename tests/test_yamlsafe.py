"""The locked-down YAML loader: no silent coercions, located errors, bounded expansion."""
from __future__ import annotations

import pytest

from policy import yamlsafe as Y
from policy.diagnostics import Diagnostics
from policy.yamlsafe import MAX_BYTES, load_file, load_text

from .conftest import ROOT


def _load(text: str):
    diags = Diagnostics()
    node = load_text(text, "t.yaml", diags)
    return node, diags


class TestScalars:
    def test_yaml_11_booleans_stay_text(self):
        """`yes`, `no`, `on`, `off` are words, not booleans (a school form code must not become false)."""
        node, diags = _load("a: yes\nb: no\nc: on\nd: NO\n")
        assert {"a": "yes", "b": "no", "c": "on", "d": "NO"} == node.plain()
        assert [] == diags.errors

    def test_dates_stay_text(self):
        """Dates are kept as written, for the pack to check against YYYY-MM-DD."""
        node, _ = _load("valid_from: 2016-01-01\n")
        assert {"valid_from": "2016-01-01"} == node.plain()

    def test_core_values(self):
        """true/false, null, decimal integers and floats are read as such; octal is text."""
        node, _ = _load("t: true\nf: False\nn: ~\ne:\ni: -12\nx: 1.5e2\no: 0o17\n")
        assert {"t": True, "f": False, "n": None, "e": None, "i": -12, "x": 150.0, "o": "0o17"} == node.plain()


class TestErrors:
    def test_duplicate_key_points_at_second(self):
        """A duplicate key is an error at the second occurrence, naming the first line."""
        _, diags = _load("a: 1\nb: 2\na: 3\n")
        [d] = diags.errors
        assert ("yaml_duplicate_key", 3, 1) == (d.code, d.location.line, d.location.column)
        assert "line 1" in d.hint

    def test_syntax_error_located(self):
        """A syntax error carries the line and column where the parser stopped."""
        _, diags = _load("a: [1, 2\nb: 3\n")
        [d] = diags.errors
        assert "yaml_syntax" == d.code
        assert d.location.line >= 1 and d.location.column >= 1

    def test_alias_bomb_refused(self):
        """Nested aliases that would expand to a billion nodes are refused, not expanded."""
        lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
        for prev, name in zip("abcdefgh", "bcdefghi"):
            lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
        node, diags = _load("\n".join(lines) + "\n")
        assert node is None
        assert ["yaml_too_large"] == [d.code for d in diags.errors]

    def test_recursive_alias_refused(self):
        """A self-referencing alias is refused (by the depth limit), not followed forever."""
        node, diags = _load("a: &a [*a]\n")
        assert node is None
        assert ["yaml_too_deep"] == [d.code for d in diags.errors]

    def test_small_aliases_allowed(self):
        """A few aliases are fine: officers may reuse a value."""
        node, diags = _load("a: &x {sv: Hej, en: Hello}\nb: *x\n")
        assert node.plain()["a"] == node.plain()["b"]
        assert [] == diags.errors

    def test_tags_refused(self):
        """Tags that would build Python objects in an unsafe loader are errors, on scalars and collections."""
        _, diags = _load("a: !!python/object/apply:os.system [echo]\nb: !!python/name:os.system x\n")
        assert ["yaml_tag_not_allowed", "yaml_tag_not_allowed"] == [d.code for d in diags.errors]
        assert [1, 2] == [d.location.line for d in diags.errors]

    def test_oversized_file(self, tmp_path):
        """A file above the size limit is refused before parsing."""
        path = tmp_path / "big.yaml"
        path.write_bytes(b"a: " + b"x" * (MAX_BYTES + 10))
        diags = Diagnostics()
        assert load_file(str(path), diags) is None
        assert ["yaml_too_large"] == [d.code for d in diags.errors]

    def test_bom_accepted_and_non_utf8_refused(self, tmp_path):
        """A UTF-8 byte-order mark is accepted; Windows-1252 bytes are an encoding error."""
        ok, bad = tmp_path / "ok.yaml", tmp_path / "bad.yaml"
        ok.write_bytes("\ufeffnamn: Ängskolan\n".encode("utf-8"))
        bad.write_bytes("namn: Ängskolan\n".encode("cp1252"))
        diags = Diagnostics()
        assert {"namn": "Ängskolan"} == load_file(str(ok), diags).plain()
        assert load_file(str(bad), diags) is None
        assert ["file_encoding"] == [d.code for d in diags.errors]

    def test_location_path(self):
        """Every node knows its path in the document, for messages like rules[1].when."""
        node, _ = _load("rules:\n  - id: a\n  - id: b\n    when: {fact: x}\n")
        when = node.value["rules"].value[1].value["when"]
        assert ("rules[1].when", 4, 11) == (when.loc.path, when.loc.line, when.loc.column)


def _tree(n):
    """A composed node as plain data: tags, values and marks (quoting styles aside)."""
    import yaml
    if n is None:
        return None
    if isinstance(n, yaml.MappingNode):
        return ("M", n.tag, n.start_mark.line, n.start_mark.column, [(_tree(k), _tree(v)) for k, v in n.value])
    if isinstance(n, yaml.SequenceNode):
        return ("S", n.tag, n.start_mark.line, n.start_mark.column, [_tree(v) for v in n.value])
    return ("s", n.tag, n.value, n.start_mark.line, n.start_mark.column)


@pytest.mark.skipif(Y._CParser is None, reason="PyYAML without libyaml")
@pytest.mark.parametrize("path", sorted(p for d in ("policy/rules", "fixtures") for p in (ROOT / d).rglob("*.yaml")
                                        if "alias" not in p.name), ids=lambda p: str(p.relative_to(ROOT)))
def test_fast_parser_composes_what_the_python_parser_does(path):
    """libyaml under our composer gives the same nodes, tags and marks (so the same locations) as PyYAML's
    own parser; a document with a problem goes to PyYAML's parser, whose messages the diagnostics quote."""
    text = path.read_bytes().decode("utf-8", errors="replace")  # a file in another encoding, read as an editor shows it
    try:
        slow = _tree(Y._Loader(text).get_single_node())
    except Exception:  # noqa: BLE001 - a broken fixture: the fast path must give it up
        assert Y._fast_node(text) is False
        return
    fast = Y._fast_node(text)
    if fast is not False:  # a document libyaml would read otherwise goes to PyYAML's parser (see `_fast_node`)
        assert slow == _tree(fast)


@pytest.mark.slow
@pytest.mark.skipif(Y._CParser is None, reason="PyYAML without libyaml")
def test_fast_parser_reads_damaged_documents_as_the_python_parser_does():
    """4,000 seeded damages of packs and deliveries (a character deleted, inserted or replaced, up to four
    times): wherever libyaml is used, it gives the nodes PyYAML's parser gives, and it never accepts a
    document PyYAML refuses. Without the routing of `_fast_node` about 2 % of them differ."""
    import random

    import yaml

    rng = random.Random(2026)
    files = [*sorted((ROOT / "policy" / "rules" / "sbs-2016-2.1").rglob("*.yaml")), ROOT / "fixtures" / "sample" / "delivery.yaml",
             ROOT / "fixtures" / "agreements" / "valid.yaml"]
    texts = [p.read_text(encoding="utf-8")[:3000] for p in files]
    alphabet = [*" \t\n\r:-[]{},'\"#&*!|>?%@`\\.~abc019å", "\u00a0", "\ufeff", "\x85", "\u2028"]
    differ = []
    for _ in range(4000):
        chars = list(rng.choice(texts))
        for _ in range(rng.randint(1, 4)):
            i, op = rng.randrange(len(chars)), rng.random()
            if op < 0.4:
                del chars[i]
            elif op < 0.8:
                chars.insert(i, rng.choice(alphabet))
            else:
                chars[i] = rng.choice(alphabet)
        text = "".join(chars)
        try:
            slow = _tree(Y._Loader(text).get_single_node())
        except (yaml.YAMLError, RecursionError):
            slow = False
        fast = Y._fast_node(text)
        if fast is not False and _tree(fast) != slow:
            differ.append(text)
    assert [] == differ[:3]


class TestEscapedPairs:
    """YAML 1.2 reads JSON: a character beyond the BMP written as a pair of `\\u` escapes is that character."""

    def test_a_pair_is_one_character_and_a_lone_half_an_error(self, tmp_path):
        from policy import Diagnostics
        from policy.yamlsafe import load_file

        path = tmp_path / "d.yaml"
        path.write_text('a: "Skola \\ud83d\\ude00"\nb: "x\\ud800"\n', encoding="utf-8")
        diags = Diagnostics()
        root = load_file(str(path), diags)
        assert "Skola \U0001F600" == root.value["a"].value
        assert [("yaml_bad_scalar", 2)] == [(d.code, d.location.line) for d in diags.errors]


class TestSyntaxErrorsShown:
    """What an officer sees of a syntax error: the right line, shown whole and legibly, the caret under the column."""

    def test_a_control_character_is_shown_and_named(self):
        """A bell or a vertical tab is invisible in an editor: the line shows it as its control picture, whole."""
        _, diags = _load("a: 1\nb: Tr\x07sigt \x0b ok\n")
        [d] = diags.errors
        assert ("yaml_syntax", 2, 6) == (d.code, d.location.line, d.location.column)
        assert "2 | b: Tr\u2407sigt \u240b ok\n" in d.hint and "\x07" not in d.hint
        assert d.hint.startswith("remove the character")

    def test_line_breaks_counted_as_yaml_counts_them(self):
        """A file saved with CR alone between lines (an old Mac editor) is located by its lines too."""
        _, diags = _load("a: 1\rb: 2\rc: \x07\r")
        [d] = diags.errors
        assert (3, 4) == (d.location.line, d.location.column)
        assert "3 | c: \u2407" in d.hint

    def test_caret_under_a_wide_character(self):
        """A character two columns wide in a terminal (an emoji) moves the caret by two."""
        _, diags = _load("a: \U0001F3EB \x07\n")
        [d] = diags.errors
        assert (1, 6) == (d.location.line, d.location.column)
        shown, caret = d.hint.splitlines()[-2:]
        assert shown.index("\u2407") == caret.index("^") - 1  # the emoji before it is one character, two columns

    def test_unclosed_quote_names_where_it_began(self):
        """An unclosed quote ends the file: the error says where the quote was opened and shows that line."""
        _, diags = _load("a: 1\nb: 'Trasigt, c: 2\nd: 3\n")
        [d] = diags.errors
        assert ("yaml_syntax", 2, 4) == (d.code, d.location.line, d.location.column)
        assert "quoted text begun here is never closed" in d.message
        assert "2 | b: 'Trasigt, c: 2" in d.hint

    def test_an_indented_comment_is_not_the_line_before(self):
        """The indentation hint compares the key with the key above it, not with an indented comment between."""
        _, diags = _load("a:\n  b: 1\n    # c is next\n   c: 2\n")
        [d] = diags.errors
        assert "indented by 3 spaces, the line before it by 2" in d.hint
