"""Deliveries as tables: a directory with units.csv, huvudman.csv and delivery.yaml, or an XLSX workbook
with the sheets units, huvudman and delivery. Rows become the same located document a YAML delivery
gives, so one set of checks reports every defect, at file:row:column.

Skolverket's export conventions are read as they come, never guessed from the values:
- separator `;` or `,` (from the header line), decimal comma or point, UTF-8 with or without BOM, or
  Windows-1252 when the file is not UTF-8;
- a column whose header ends in ` (%)` or ` [%]` holds percentages; its values are divided by 100, except
  a workbook cell Excel formats as a percent, which already holds the share it shows (88 % is 0.88);
- in a workbook, a number in a date column is the day number Excel stores (42397 is 2016-01-28);
- `.` (missing), `..` (too few pupils) and `~100` (rounded off) are unknown, with that reason;
- booleans `true`/`false` or `ja`/`nej`; school forms as names or register codes (GR, GRS, …);
- a group whose columns are all empty (an injunction, the economic annex) is absent.
"""
from __future__ import annotations

import csv
import datetime
import io
import re
from pathlib import Path
from typing import Any, Iterable, Iterator

from policy import facts as F
from policy.diagnostics import Diagnostics, Location, did_you_mean
from policy.yamlsafe import MAP, SCALAR, SEQ, YNode, load_file

from .. import messages as M
from .encoding import decode_table
from .columns import Columns, load_columns
from .xlsx import check_workbook

SCHOOL_FORM_CODES = {
    "GR": "grundskola", "GRS": "grundsarskola", "GY": "gymnasieskola", "GYS": "gymnasiesarskola",
    "SP": "specialskola", "SAM": "sameskola", "FKLASS": "forskoleklass", "FTH": "fritidshem", "FSK": "forskola",
}
MARKERS = {".": M.text("marker_missing"), "..": M.text("marker_suppressed"), "~100": M.text("marker_rounded")}
PERCENT = re.compile(r"\s*[\(\[]\s*%\s*[\)\]]\s*$")
TRUE, FALSE = {"true", "ja", "sant"}, {"false", "nej", "falskt"}
MAX_TABLE_BYTES = 256 * 1024 * 1024


class Table:
    """Rows of one table, each with its line and the located cells of its columns.

    `header_starts` are the 1-based columns where the header's names start; `padded` says the reader pads
    every row to one width (a workbook), so only cells past the header are a defect, not short rows.
    """

    def __init__(self, file: str, header: list[str], rows: Iterable[tuple[int, list[Any], list[int]]],
                 header_starts: list[int] | None = None, padded: bool = False) -> None:
        self.file, self.header, self.rows = file, header, rows
        self.header_starts = header_starts or list(range(1, len(header) + 1))
        self.padded = padded
        self.missing: tuple[str, ...] = ()  #: fact paths of the model with no column: unknown, "column missing"
        self.nameless: list[int] = []  #: columns with no name in the header: each of their cells must be empty


def _columns_of(line: str, sep: str) -> list[int]:
    """1-based character columns where each cell of a physical line starts (quotes respected)."""
    starts, quoted = [1], False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == sep and not quoted:
            starts.append(i + 2)
    return starts


def read_csv(path: Path, diags: Diagnostics, encoding: str | None = None) -> Table | None:
    """A CSV table; the separator is `;` if the header has one, else `,`."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        diags.error("file_unreadable", f"cannot read the file: {e.strerror}", Location(str(path)))
        return None
    if len(raw) > MAX_TABLE_BYTES:
        diags.error("yaml_too_large", f"the file is larger than {MAX_TABLE_BYTES // (1024 * 1024)} MiB", Location(str(path)))
        return None
    text = decode_table(raw, str(path), diags, encoding)
    if text is None:
        return None
    bad = _CONTROL.search(text)
    if bad is not None:  # refused as YAML text is: a NUL or a control character is no statistic
        line = text.count("\n", 0, bad.start()) + 1
        col = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        diags.error("delivery_control_character", f"the file holds the control character U+{ord(bad.group()):04X}",
                    Location(str(path), line, col), "a binary or corrupted file? save the table again as CSV")
        return None
    lines = text.splitlines()
    if not lines:
        diags.error("schema_missing_key", "the table is empty; the first line names the columns", Location(str(path), 1, 1))
        return None
    sep = ";" if ";" in lines[0] else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    header = next(reader)
    header_starts = _columns_of(lines[0], sep)

    def rows() -> Iterator[tuple[int, list[Any], list[int]]]:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            physical = lines[line - 1] if line - 1 < len(lines) else ""
            yield line, cells, _columns_of(physical, sep)

    return Table(str(path), header, rows(), header_starts)


def read_sheet(book: Any, name: str, file: str, diags: Diagnostics) -> Table | None:
    """One sheet of a workbook as a table (cells keep Excel's types; dates become YYYY-MM-DD)."""
    if name not in book.sheetnames:
        diags.error("schema_missing_key", f"the workbook has no sheet `{name}`", Location(file), f"sheets: {', '.join(book.sheetnames)}")
        return None
    sheet = book[name]
    it = sheet.iter_rows()
    header = [str(c.value if c.value is not None else "").strip() for c in next(it, ())]
    if not any(header):
        diags.error("schema_missing_key", f"the sheet `{name}` is empty; its first row names the columns", Location(f"{file}[{name}]", 1, 1))
        return None
    epoch = getattr(book, "epoch", None)

    def rows() -> Iterator[tuple[int, list[Any], list[int]]]:
        for n, row in enumerate(it, start=2):
            cells = [_sheet_value(c, epoch) for c in row]
            if any(str(c).strip() for c in cells):
                yield n, cells, list(range(1, len(cells) + 1))

    return Table(f"{file}[{name}]", header, rows(), padded=True)


class Shown(float):
    """A number in a cell Excel formats as a percent: it shows 88 % and holds 0.88, the share itself."""


class Dated(str):
    """A workbook cell Excel holds as a date (YYYY-MM-DD here): right for a date field, a mistake for a text
    field such as `grades`, which Excel turns from `7-9` into a date."""


def _scales(number_format: str) -> bool:
    """Whether Excel shows a cell's number times 100 with a percent sign: a `%` in its format, not quoted
    (`0.0"%"`) nor escaped (`0.0\\%`), which show the sign only."""
    bare = re.sub(r'"[^"]*"|\\.', "", number_format)
    return "%" in bare


class Serial(float):
    """A number in a workbook cell, read as an Excel date serial where the field is a date."""

    epoch: Any = None


def _sheet_value(cell: Any, epoch: Any) -> Any:
    """A workbook cell's value: dates as YYYY-MM-DD, a percent-formatted number marked as already a share,
    any other number marked so that a date field reads it as the day number Excel stores."""
    v = getattr(cell, "value", None)
    if v is None:
        return ""
    if isinstance(v, datetime.datetime):
        return Dated(v.date().isoformat())
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if _scales(getattr(cell, "number_format", None) or ""):
            return Shown(v)
        serial = Serial(v)
        serial.epoch = epoch
        return serial
    return v


def _serial_date(value: "Serial") -> str | None:
    """An Excel date serial (days since the workbook's epoch) as YYYY-MM-DD; None if it is no day Excel has."""
    from openpyxl.utils.datetime import from_excel
    if not 1 <= value < 2958466:
        return None
    kw = {"epoch": value.epoch} if value.epoch is not None else {}
    return from_excel(float(value), **kw).date().isoformat()


def _plain(value: Any) -> Any:
    """A workbook's number as the int or float it is (the marks are for reading only)."""
    if isinstance(value, (Shown, Serial)):
        return int(value) if float(value).is_integer() and not isinstance(value, Shown) else float(value)
    return value


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_INTEGER = re.compile(r"[-+]?[0-9]+")
_DECIMAL = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


def _number(text: str) -> Any:
    """A number as Skolverket writes it (decimal comma, spaces between thousands); ASCII digits only, so
    `1_000` or digits of another script stay text and the checks report them with the field."""
    t = text.replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if _INTEGER.fullmatch(t):
        return int(t)
    if _DECIMAL.fullmatch(t):
        return float(t)
    return text


def _cell(value: Any, field: F.Field | None, percent: bool, columns: Columns | None = None) -> tuple[Any, str | None]:
    """The typed value of a cell and, if it is a marker, why it is unknown."""
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return None, None
        if text in MARKERS:
            return None, MARKERS[text]
    else:
        text = value
    if field is None:
        return _plain(text), None
    kind = field.type.kind
    if kind == F.DATE and isinstance(text, Serial):
        return _serial_date(text) or _plain(text), None
    if kind == F.NUMBER:
        if isinstance(text, Shown):  # formatted as percent in the workbook: already the share it shows
            return float(text), None
        number = _number(text) if isinstance(text, str) else _plain(text)
        if percent and isinstance(number, (int, float)) and not isinstance(number, bool):
            number = round(number / 100, 10)
        return number, None
    text = _plain(text)
    if kind == F.BOOLEAN and isinstance(text, str):
        low = text.lower()
        return (True if low in TRUE else False if low in FALSE else text), None
    if kind == F.ENUM and isinstance(text, str) and columns is not None:
        text = columns.value(field.path, text)
    if kind == F.ENUM and isinstance(text, str) and text.strip().lower() in F.ENUMS[field.type.enum]:
        text = text.strip().lower()  # `Grundskola`, `Kommun` as Skolverket writes them
    if kind == F.ENUM and field.type.enum == "school_form" and isinstance(text, str):
        return SCHOOL_FORM_CODES.get(text.upper(), text), None
    if kind in (F.TEXT, F.DATE) and isinstance(text, (int, float)) and not isinstance(text, bool):
        return (str(int(text)) if float(text).is_integer() else str(text)), None
    return text, None


def _header(table: Table, root: str, diags: Diagnostics, mapping: Columns | None = None) -> list[tuple[str, F.Field | None, bool, int]]:
    """The columns of a table: name, field, whether it holds percentages, index. Defects of the header located.
    A header in Skolverket's words (`Antal elever`) is read as the model's column `mapping` names."""
    columns = []
    first: dict[str, int] = {}
    for i, header in enumerate(table.header):
        if not header.strip():  # a separator at the end of each line, a blank cell in a workbook's header
            table.nameless.append(i)
            continue
        name = (mapping.column(root, header) if mapping is not None and header.strip() else None) or header
        clean = PERCENT.sub("", name).strip()
        field = F.FIELDS.get(f"{root}.{clean}")
        percent = bool(PERCENT.search(name))
        where = Location(table.file, 1, table.header_starts[i] if i < len(table.header_starts) else i + 1)
        if clean in first:
            other = table.header[first[clean]]
            said = f"`{other}` and `{header}` both name the column `{clean}`" if other != header else f"column `{clean}` appears twice"
            diags.error("delivery_duplicate_column", f"{said} (columns {first[clean] + 1} and {i + 1})", where,
                        "each field has one column; remove or rename the other")
        first.setdefault(clean, i)
        if percent and field is not None and not (field.type.kind == F.NUMBER and field.type.unit == "share"):
            unit = field.type.unit if field.type.kind == F.NUMBER else field.type.kind
            diags.error("delivery_bad_percent", f"column `{clean}` is in {unit}, not a share: `(%)` does not apply", where,
                        "percentages are only for share columns (for example results.share_degree_within_3y (%))")
        columns.append((clean, field, percent, i))
    valid = sorted(p[len(root) + 1:] for p, f in F.FIELDS.items() if p.startswith(root + ".") and not f.computed)
    groups = {v.rsplit(".", 1)[0] for v in valid if "." in v}
    unknown_columns = set()
    present_names = {c[0] for c in columns}
    for clean, field, _, i in columns:
        under_another = any(clean.startswith(n + ".") for n in present_names)  # a conflict, reported as such below
        if field is None and clean not in groups and not clean.startswith("extra.") and clean != "extra" and not under_another:
            where = Location(table.file, 1, table.header_starts[i] if i < len(table.header_starts) else i + 1)
            hint = did_you_mean(clean, [*valid, *(mapping.headers(root) if mapping is not None else ())])
            diags.error("delivery_unknown_column", f"column `{clean}` is not a field of a {root}", where,
                        hint or "the columns are the model's fields (DELIVERY.md), nested names joined by a dot; "
                                "anything else goes in an `extra.…` column")
            unknown_columns.add(clean)
    present = {clean for clean, _, _, _ in columns}
    absent = [v for v in valid if v not in present and not any(p.startswith(v + ".") for p in present)]
    if absent:
        diags.warning("delivery_missing_column", f"{Path(table.file).name} has no column for "
                      + ", ".join(f"`{a}`" for a in absent)
                      + f": for every {root} {'they are' if len(absent) > 1 else 'it is'} unknown (column missing)",
                      Location(table.file, 1, 1), "add the columns, empty where the delivery does not say")
        table.missing = tuple(f"{root}.{a}" for a in absent)
    columns = [c for c in columns if c[0] not in unknown_columns]
    names = {clean for clean, _, _, _ in columns}
    conflicting = set()
    for clean, _, _, i in columns:
        inner = sorted(n for n in names if n.startswith(clean + "."))
        if inner:
            where = Location(table.file, 1, table.header_starts[i] if i < len(table.header_starts) else i + 1)
            diags.error("delivery_column_conflict", f"column `{clean}` names a group of fields, and column `{inner[0]}` one of its fields",
                        where, f"give the group's fields as columns of their own (`{inner[0]}`), never the group itself")
            conflicting.add(clean)
    return [c for c in columns if c[0] not in conflicting]


class _Rows:
    """A table's records, each made as the delivery's reader reaches it and then let go: a national
    register's rows are never all held as located nodes. The table is read once; `len` counts the
    records read (the reader asks it only when it has read them all)."""

    def __init__(self, make: Iterator[YNode]) -> None:
        self._make, self.count = make, 0

    def __iter__(self) -> Iterator[YNode]:
        for item in self._make:
            self.count += 1
            yield item

    def __len__(self) -> int:
        return self.count


def _records(table: Table, root: str, unknown: dict[str, dict[str, str]], diags: Diagnostics, mapping: Columns | None = None) -> YNode:
    """The table's rows as located records of `root` (`unit` or `huvudman`), made as they are read; a row
    of the wrong width is an error. The reasons for unknown cells go to `unknown` as each row is made."""
    columns = _header(table, root, diags, mapping)
    return YNode(SEQ, _Rows(_row_records(table, root, columns, unknown, diags, mapping)), Location(table.file, 1, 1))


def _row_records(table: Table, root: str, columns: list, unknown: dict[str, dict[str, str]], diags: Diagnostics,
                 mapping: Columns | None = None) -> Iterator[YNode]:
    width = len(table.header)
    id_at = next((i for clean, _, _, i in columns if clean == "id"), None)
    for line, cells, starts in table.rows:
        loc = Location(table.file, line, 1)
        extra = [c for c in cells[width:] if str(c).strip()]
        if (len(cells) != width and not table.padded) or extra:
            rid = str(cells[id_at]).strip() if id_at is not None and id_at < len(cells) else ""
            n = width + len(extra) if table.padded else len(cells)
            diags.error("delivery_row_length", f"line {line} ({f'record {rid}' if rid else 'a record'}) has {n} cells; the header has {width}",
                        loc, "a row cut short, or a separator too many: every row has one cell per column")
            continue
        record: dict[str, YNode] = {}
        key_locs: dict[str, Location] = {}
        reasons: dict[str, str] = {}
        grouped: set[str] = set()  # the groups (`injunction`, `results`, …) the table has columns of
        filled: set[str] = set()   # those of them with a value or a reason in this row
        for i in table.nameless:
            if i < len(cells) and str(cells[i]).strip():
                diags.error("delivery_unknown_column", f"line {line}: `{cells[i]}` is in column {i + 1}, which has no name in the header",
                            Location(table.file, line, starts[i] if i < len(starts) else i + 1),
                            "name the column in the first line, or remove the value")
        for clean, field, percent, i in columns:
            raw = cells[i] if i < len(cells) else ""
            if isinstance(raw, Dated) and field is not None and field.type.kind == F.TEXT:
                diags.error("schema_bad_value", f"`{root}.{clean}` is a date here ({raw}): Excel took what was typed for a date",
                            Location(table.file, line, starts[i] if i < len(starts) else i + 1),
                            "format the column as Text in Excel and type the values again (for grades: 7-9)")
            cell_loc = Location(table.file, line, starts[i] if i < len(starts) else 1)
            value, why = _cell(raw, field, percent, mapping)
            parts = clean.split(".")
            if len(parts) > 1:
                grouped.add(parts[0])
                if value is not None or why is not None:
                    filled.add(parts[0])
            if why is not None:
                reasons[f"{root}.{clean}"] = why
            node, locs = record, key_locs
            for part in parts[:-1]:
                if part not in node:
                    node[part] = YNode(MAP, {}, cell_loc)
                    locs[part] = cell_loc
                node, locs = node[part].value, node[part].key_locs
            node[parts[-1]] = YNode(SCALAR, value, cell_loc)
            locs[parts[-1]] = cell_loc
        for group in grouped - filled - {"extra"}:  # every column of the group empty: the group is absent
            record[group] = YNode(SCALAR, None, record[group].loc)
        for path in table.missing:
            reasons[path] = M.text("column_missing")
        rid = record.get("id")
        if reasons and rid is not None and rid.value is not None:
            unknown[str(rid.value)] = reasons
        yield YNode(MAP, record, loc, key_locs)


def table_document(path: Path, diags: Diagnostics, encoding: str | None = None,
                   columns: Path | None = None) -> tuple[YNode | None, dict[str, dict[str, str]]]:
    """A CSV directory or an XLSX workbook as a delivery document, and the reasons of unknown cells by record id.
    Headers may use Skolverket's names: the shipped mapping, extended by the file `columns` (engine/inputs/columns.py)."""
    unknown: dict[str, dict[str, str]] = {}
    mapping = load_columns(columns, diags)
    if mapping is None:
        return None, unknown
    if path.is_dir():
        units, owners = read_csv(path / "units.csv", diags, encoding), read_csv(path / "huvudman.csv", diags, encoding)
        head = load_file(str(path / "delivery.yaml"), diags)
    else:
        try:
            import openpyxl
        except ImportError:  # an optional install; say how to get it
            diags.error("file_unreadable", "reading XLSX needs openpyxl", Location(str(path)), "pip install openpyxl")
            return None, unknown
        if not check_workbook(path, diags):
            return None, unknown
        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as e:  # noqa: BLE001 - openpyxl raises many kinds for a file that is not a workbook
            diags.error("file_unreadable", f"not an XLSX workbook: {e}", Location(str(path)))
            return None, unknown
        units, owners = read_sheet(book, "units", str(path), diags), read_sheet(book, "huvudman", str(path), diags)
        head = _header_sheet(read_sheet(book, "delivery", str(path), diags), diags)
    if units is None or owners is None or head is None:
        return None, unknown
    if head.kind != MAP:
        diags.error("schema_wrong_type", "the delivery header must be a mapping", head.loc)
        return None, unknown
    twice = [(key, table) for key, table in (("huvudman", owners), ("units", units)) if key in head.value]
    for key, table in twice:  # the table holds them: records in the header too would be dropped silently
        diags.error("delivery_duplicate_field", f"`{key}` is given in {Path(head.loc.file).name} and as the table "
                    f"{Path(table.file).name}", head.key_locs[key],
                    "keep one: the tables hold the records, the header `delivery:` and `national_averages:`")
    if twice:
        return None, unknown
    doc = dict(head.value)
    doc["huvudman"] = _records(owners, "huvudman", unknown, diags, mapping)
    doc["units"] = _records(units, "unit", unknown, diags, mapping)
    return YNode(MAP, doc, head.loc, dict(head.key_locs)), unknown


def _header_sheet(table: Table | None, diags: Diagnostics) -> YNode | None:
    """The `delivery` sheet: rows of `field` and `value`, fields named `delivery.id`, `national_averages.…`."""
    if table is None:
        return None
    doc: dict[str, YNode] = {}
    for line, cells, _ in table.rows:
        name, value = (str(cells[0]).strip(), cells[1] if len(cells) > 1 else "")
        loc = Location(table.file, line, 1)
        group, _, key = name.partition(".")
        node = doc.setdefault(group, YNode(MAP, {}, loc))
        if key in node.value:
            diags.error("delivery_duplicate_field", f"`{name}` is given twice (rows {node.key_locs[key].line} and {line})", loc,
                        "each field has one row; remove the other")
            continue
        if isinstance(value, str):
            value = value.strip() or None
            if value is not None and group == "national_averages" and key != "school_year":
                value = _number(value)
        elif isinstance(value, Serial) and (field := F.FIELDS.get(name)) is not None and field.type.kind == F.DATE:
            value = _serial_date(value) or _plain(value)
        value = _plain(value)
        node.value[key] = YNode(SCALAR, value, Location(table.file, line, 2))
        node.key_locs[key] = loc
    return YNode(MAP, doc, Location(table.file, 1, 1), {k: v.loc for k, v in doc.items()})
