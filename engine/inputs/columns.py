"""Skolverket's own column names for the tables of a delivery, mapped to the model's columns.

A table's header may name a column as the model does (`results.merit_value_y9`) or as Skolverket's exports
do (`Genomsnittligt meritvärde`). The shipped mapping (`columns.yaml` beside this file) holds the names an
analyst meets; `--columns FILE` adds to it, in the same form, and its entries win. Names are matched without
regard to case or to the spaces between words. The mapping is checked like a pack: every defect at its
file:line:col, with did-you-mean, before any table is read.
"""
from __future__ import annotations

import re
from pathlib import Path

import attrs

from policy import facts as F
from policy.diagnostics import Diagnostics, Location, did_you_mean
from policy.yamlsafe import MAP, SCALAR, YNode, load_file

SHIPPED = Path(__file__).with_name("columns.yaml")
ROOTS = {"units": "unit", "huvudman": "huvudman"}  #: the mapping's table keys → the records they hold
_PERCENT = re.compile(r"\s*[\(\[]\s*%\s*[\)\]]\s*$")
_SAYS_PERCENT = re.compile(r"[\(\[]\s*%\s*[\)\]]")


def key(name: str) -> str:
    """How a column name is compared: case folded, runs of spaces as one."""
    return " ".join(str(name).split()).casefold()


@attrs.frozen
class Columns:
    """Header names by table root (`unit`, `huvudman`): a name's key → the model's column (`pupils`,
    `results.share_degree_within_3y (%)`); and words of enumerated fields by fact path → the model's value."""

    names: dict[str, dict[str, str]] = attrs.field(factory=dict)
    values: dict[str, dict[str, str]] = attrs.field(factory=dict)
    shown: dict[str, dict[str, str]] = attrs.field(factory=dict)  #: root → key → the name as the mapping writes it

    def column(self, root: str, header: str) -> str | None:
        """The model's column a header names, or None if the mapping has no such name. A header that says
        `(%)` (anywhere) holds percentages, whether or not the mapping lists it with it."""
        names = self.names.get(root, {})
        found = names.get(key(header))
        if found is None and _PERCENT.search(header):
            found = names.get(key(_PERCENT.sub("", header)))
        if found is not None and _SAYS_PERCENT.search(header) and not _PERCENT.search(found):
            found = f"{found} (%)"  # the header says it holds percentages: `Andel (%) …`, `Examen inom 3 år (%)`
        return found

    def value(self, path: str, text: str) -> str:
        """The model's value for a word of an enumerated field (the word itself when the mapping has none)."""
        return self.values.get(path, {}).get(key(text), text)

    def headers(self, root: str) -> list[str]:
        """Skolverket's names a table of `root` may use, as written in the mappings (for did-you-mean)."""
        return list(self.shown.get(root, {}).values())

    def merged(self, other: "Columns") -> "Columns":
        """This mapping with `other`'s entries added; where both name a column or a word, `other` wins."""
        names = {r: {**self.names.get(r, {}), **other.names.get(r, {})} for r in {*self.names, *other.names}}
        values = {p: {**self.values.get(p, {}), **other.values.get(p, {})} for p in {*self.values, *other.values}}
        shown = {r: {**self.shown.get(r, {}), **other.shown.get(r, {})} for r in {*self.shown, *other.shown}}
        return Columns(names, values, shown)


def load_columns(path: Path | None, diags: Diagnostics) -> Columns | None:
    """The shipped mapping, extended by the file at `path` if one is given; None (defects in `diags`) if
    either cannot be read."""
    shipped = _read(SHIPPED, diags)
    if shipped is None or path is None:
        return shipped
    own = _read(Path(path), diags)
    return None if own is None else shipped.merged(own)


def _read(path: Path, diags: Diagnostics) -> Columns | None:
    if not path.exists():
        diags.error("file_not_found", "no such file", Location(str(path)), "--columns names a YAML file of column names")
        return None
    root = load_file(str(path), diags)
    if root is None:
        return None
    if root.kind != MAP:
        diags.error("schema_wrong_type", "a column mapping is a mapping with `units`, `huvudman` and `values`", root.loc)
        return None
    before = len(diags.errors)
    names: dict[str, dict[str, str]] = {}
    shown: dict[str, dict[str, str]] = {}
    values: dict[str, dict[str, str]] = {}
    for table, node in root.value.items():
        where = root.key_locs.get(table, root.loc)
        if table in ROOTS:
            names[ROOTS[table]], shown[ROOTS[table]] = _names(node, ROOTS[table], diags)
        elif table == "values":
            values = _values(node, diags)
        else:
            diags.error("schema_unknown_key", f"`{table}` is not a part of a column mapping", where,
                        did_you_mean(table, [*ROOTS, "values"]))
    return Columns(names, values, shown) if len(diags.errors) == before else None


def _pairs(node: YNode, what: str, diags: Diagnostics) -> list[tuple[str, YNode]]:
    if node.kind != MAP:
        diags.error("schema_wrong_type", f"{what} is a mapping of names", node.loc)
        return []
    out = []
    for name, target in node.value.items():
        if target.kind != SCALAR or not isinstance(target.value, str) or not target.value.strip():
            diags.error("schema_wrong_type", f"`{name}` must name a column of the model as text", target.loc)
        else:
            out.append((str(name), target))
    return out


def _names(node: YNode, root: str, diags: Diagnostics) -> tuple[dict[str, str], dict[str, str]]:
    """A table's names, each target checked to be a column of the model (a share's may end in ` (%)`)."""
    valid = sorted(p[len(root) + 1:] for p, f in F.FIELDS.items() if p.startswith(root + ".") and not f.computed)
    names, shown = {}, {}
    for name, target in _pairs(node, f"`{'units' if root == 'unit' else root}`", diags):
        if key(name) in shown:
            diags.error("schema_bad_value", f"`{name}` and `{shown[key(name)]}` are one name (case and spaces aside)",
                        node.key_locs.get(name, target.loc), "keep one of them")
            continue
        column = target.value.strip()
        bare = _PERCENT.sub("", column).strip()
        field = F.FIELDS.get(f"{root}.{bare}")
        if bare.startswith("extra.") and len(bare) > len("extra."):
            pass
        elif field is None or field.computed:
            diags.error("schema_bad_value", f"`{name}`: `{bare}` is not a column of a {root}", target.loc,
                        did_you_mean(bare, valid) or "a column of the model (DELIVERY.md), or `extra.NAME` to keep it out of evaluation")
            continue
        elif bare != column and not (field.type.kind == F.NUMBER and field.type.unit == "share"):
            diags.error("schema_bad_value", f"`{name}`: `{bare}` is not a share, so `(%)` does not apply", target.loc)
            continue
        names[key(name)], shown[key(name)] = column, name
    return names, shown


def _values(node: YNode, diags: Diagnostics) -> dict[str, dict[str, str]]:
    """Words of enumerated fields, each mapped to a value the field has."""
    enums = sorted(p for p, f in F.FIELDS.items() if f.type.kind == F.ENUM and p.startswith(("unit.", "huvudman.")))
    out: dict[str, dict[str, str]] = {}
    for path, words in _pairs_of_maps(node, diags):
        field = F.FIELDS.get(path)
        if path not in enums:
            diags.error("schema_bad_value", f"`{path}` is not an enumerated field of a unit or a huvudman", node.key_locs.get(path, node.loc),
                        did_you_mean(path, enums))
            continue
        allowed = F.ENUMS[field.type.enum]
        said: dict[str, str] = {}
        for word, target in _pairs(words, f"`values.{path}`", diags):
            if key(word) in said:
                diags.error("schema_bad_value", f"`{word}` and `{said[key(word)]}` are one word (case and spaces aside)",
                            words.key_locs.get(word, target.loc), "keep one of them")
                continue
            said[key(word)] = word
            if target.value.strip() not in allowed:
                diags.error("schema_bad_value", f"`{word}`: `{target.value}` is not a value of {path}", target.loc,
                            did_you_mean(target.value.strip(), allowed))
                continue
            out.setdefault(path, {})[key(word)] = target.value.strip()
    return out


def _pairs_of_maps(node: YNode, diags: Diagnostics) -> list[tuple[str, YNode]]:
    if node.kind != MAP:
        diags.error("schema_wrong_type", "`values` is a mapping of fields, each a mapping of words", node.loc)
        return []
    return [(str(k), v) for k, v in node.value.items()]
