"""Reading located YAML: the primitives every section reader uses, each error reported and reading goes on."""
from __future__ import annotations

import datetime
import re
from typing import Any

from .diagnostics import Diagnostics, did_you_mean
from .model import LANGUAGES, Text
from .yamlsafe import MAP, SCALAR, SEQ, YNode

REQUIRED, OPTIONAL = True, False
TEXT_KEYS = {"sv": REQUIRED, "en": REQUIRED}
LANG_RE = re.compile(r"^[a-z]{2,3}$")  #: an ISO 639 language code: a text's key beyond `sv` and `en`


def text_keys(node: YNode) -> dict[str, bool]:
    """The keys a text may have: `sv` and `en`, and any other language code it gives."""
    more = {k: OPTIONAL for k in node.value if isinstance(k, str) and LANG_RE.match(k)} if node.kind == MAP else {}
    return {**more, **TEXT_KEYS}

ID_RE = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")
SOURCE_KEY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
SEMVER_RE = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?$"
)
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

#: Codes for missing keys that the format singles out, so tests and officers can tell them apart.
_MISSING_CODES = {
    ("parameter", "unit"): "param_missing_unit",
    ("parameter", "source"): "param_missing_source",
    ("rule", "source"): "rule_missing_source",
    ("rule", "text"): "rule_missing_text",
    ("rule text", "sv"): "rule_missing_text",
    ("rule text", "en"): "rule_missing_text",
}


def is_date(text: Any) -> bool:
    """A date written YYYY-MM-DD that exists in the calendar."""
    if not isinstance(text, str) or not DATE_RE.match(text):
        return False
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def is_number(value: Any) -> bool:
    return type(value) in (int, float) and value == value and abs(value) != float("inf")


class Reader:
    """Reads shapes from located YAML; errors go to the shared collector and reading goes on."""

    def __init__(self, diags: Diagnostics) -> None:
        self.d = diags
        #: names seen even where the element itself failed, so later checks do not report them twice
        self.seen_rule_ids: set[str] = set()
        self.seen_param_names: set[str] = set()
        self.dropped = 0  #: rules and parameters that failed to parse

    # --- primitives --------------------------------------------------------------------------------

    def wrong(self, node: YNode, what: str, expected: str) -> None:
        got = {MAP: "a mapping", SEQ: "a list"}.get(node.kind) or _describe_scalar(node.value)
        self.d.error("schema_wrong_type", f"{what} must be {expected}, not {got}", node.loc)

    def mapping(self, node: YNode, keys: dict[str, bool], what: str) -> dict[str, YNode] | None:
        """The mapping's entries; unknown keys and missing required keys are reported."""
        if node.kind != MAP:
            self.wrong(node, what, "a mapping")
            return None
        suggested = set()
        for key in node.value:
            if key not in keys:
                hint = did_you_mean(key, keys)
                if hint.startswith("did you mean"):
                    suggested.add(hint.split("`")[1])
                self.d.error("schema_unknown_key", f"unknown key `{key}` in {what}", node.key_locs[key], hint)
        for key, required in keys.items():
            present = key in node.value and not (node.value[key].kind == SCALAR and node.value[key].value is None)
            if required and not present and key not in suggested:
                code = _MISSING_CODES.get((what, key), "schema_missing_key")
                self.d.error(code, f"{what} has no `{key}`", node.loc, f"add `{key}:`")
        return {k: v for k, v in node.value.items() if k in keys and v.value is not None}

    def seq(self, node: YNode, what: str, allow_single: bool = False) -> list[YNode] | None:
        if node.kind == SEQ:
            return node.value
        if allow_single and node.kind == SCALAR:
            return [node]
        self.wrong(node, what, "a list")
        return None

    def string(self, node: YNode | None, what: str, pattern: re.Pattern | None = None, example: str = "") -> str | None:
        if node is None:
            return None
        if node.kind != SCALAR or not isinstance(node.value, str):
            self.wrong(node, what, "text")
            return None
        if not node.value.strip():
            self.d.error("schema_bad_value", f"{what} is empty", node.loc)
            return None
        if pattern is not None and not pattern.match(node.value):
            hint = f"for example `{example}`" if example else ""
            self.d.error("schema_bad_value", f"{what} `{node.value}` is not well formed", node.loc, hint)
            return None
        return node.value

    def date(self, node: YNode | None, what: str) -> str | None:
        if node is None:
            return None
        if node.kind == SCALAR and is_date(node.value):
            return node.value
        shown = node.value if node.kind == SCALAR else node.kind
        self.d.error("schema_bad_value", f"{what} `{shown}` is not a date", node.loc, "write it as YYYY-MM-DD, for example `2016-01-28`")
        return None

    def choice(self, node: YNode | None, what: str, choices: tuple[str, ...]) -> str | None:
        value = self.string(node, what)
        if value is not None and value not in choices:
            self.d.error("schema_bad_value", f"{what} `{value}` is not allowed", node.loc, did_you_mean(value, choices))
            return None
        return value

    def text(self, node: YNode | None, what: str) -> Text | None:
        if node is None:
            return None
        m = self.mapping(node, text_keys(node), what)
        if m is None:
            return None
        texts = {lang: self.string(m.get(lang), f"{what} `{lang}`") for lang in m}
        return Text(texts) if all(texts.get(lang) is not None for lang in TEXT_KEYS) and None not in texts.values() else None

    def languages(self, node: YNode | None) -> tuple[str, ...] | None:
        """A pack's `languages:`: codes, once each, Swedish and English among them (None if wrong)."""
        if node is None:
            return LANGUAGES
        items = self.seq(node, "`languages`")
        if items is None:
            return None
        codes = [self.string(n, "a language", LANG_RE, "fi") for n in items]
        if None in codes:
            return None
        if len(set(codes)) != len(codes) or not set(LANGUAGES) <= set(codes):
            self.d.error("schema_bad_value", f"`languages` {', '.join(codes)} must name `sv` and `en` and each language once",
                         node.loc, "every text is in Swedish and English; add any other language after them, e.g. [sv, en, fi]")
            return None
        return tuple(codes)

    def ids(self, node: YNode | None, what: str, pattern: re.Pattern = ID_RE) -> tuple[str, ...]:
        if node is None:
            return ()
        items = self.seq(node, what, allow_single=True) or []
        return tuple(v for v in (self.string(n, what, pattern, "small-unit") for n in items) if v is not None)

    # --- sections ----------------------------------------------------------------------------------


def _describe_scalar(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


