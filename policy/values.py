"""The one check of a fact's value against the catalogue's type, used by every reader: deliveries (YAML,
JSON, CSV, workbooks), agreements, the packs' YAML tests and cases built in code.

`check_value` gives the value in its one form (whole numbers as int, quantities as float, so 191 and
191.0 give the same input hash) or raises `FactError`, which says what is wrong in the words a reader
reports, with the diagnostic code and a hint.
"""
from __future__ import annotations

from typing import Any

from . import facts as F
from .diagnostics import did_you_mean
from .reader import is_date, is_number
from .yamlsafe import has_surrogate

WRONG_TYPE, BAD_VALUE = "schema_wrong_type", "schema_bad_value"


class FactError(ValueError):
    """A fact of the wrong type or value: the path, the message, the diagnostic code and a hint."""

    def __init__(self, path: str, message: str, code: str = WRONG_TYPE, hint: str = "", found: Any = None) -> None:
        super().__init__(message)
        self.path, self.message, self.code, self.hint, self.found = path, message, code, hint, found


def wrong_type(path: str, ftype: F.FactType, value: Any) -> FactError:
    """The error of a value that is not of the fact's kind, with a hint (did you mean, quotes)."""
    hint = (did_you_mean(str(value), F.ENUMS[ftype.enum]) if ftype.kind == F.ENUM
            else "write it in quotes" if ftype.kind == F.TEXT else "")
    return FactError(path, f"`{path}` must be {ftype.describe()}, not `{value}`", WRONG_TYPE, hint, value)


def check_value(path: str, value: Any, ftype: F.FactType) -> Any:
    """The value in its one form if it fits the type, else FactError."""
    kind = ftype.kind
    if kind == F.NUMBER:
        if not is_number(value):
            raise wrong_type(path, ftype, value)
        if F.too_large(value):
            raise FactError(path, f"`{path}` must be a number of at most 15 digits, not {F.digits(value)}", BAD_VALUE,
                            "a typing slip? statistics and amounts have fewer digits", value)
        if ftype.unit == "share" and not 0 <= value <= 1:
            raise FactError(path, f"`{path}` is a share and must lie between 0 and 1, not {value}", BAD_VALUE,
                            "shares are fractions: 50 % is 0.5", value)
        if ftype.integer:
            if value < 0 or value != int(value):
                raise FactError(path, f"`{path}` must be a whole number ≥ 0, not {value}", BAD_VALUE, "", value)
            return int(value)
        return float(value)
    ok = {F.BOOLEAN: lambda v: isinstance(v, bool), F.ENUM: lambda v: isinstance(v, str) and v in F.ENUMS[ftype.enum],
          F.TEXT: lambda v: isinstance(v, str), F.DATE: is_date}[kind]
    if not ok(value):
        raise wrong_type(path, ftype, value)
    if isinstance(value, str) and has_surrogate(value):
        raise FactError(path, f"`{path}` holds a lone surrogate (an escape such as \\ud800 without its pair)", BAD_VALUE,
                        "no encoding can write it: correct the escape, or remove it", "\\ud800")
    return value
