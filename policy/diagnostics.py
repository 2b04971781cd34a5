"""Locations and diagnostics: what every phase reports, with a stable code and a place in a file."""
from __future__ import annotations

import difflib
from typing import Iterable, Iterator

import attrs

ERROR = "error"
WARNING = "warning"

#: Most diagnostics printed for one run; the rest are counted, not shown.
MAX_SHOWN = 200


@attrs.frozen(order=True)
class Location:
    """A place in a source file: 1-based line and column, and the path of the node inside the document."""

    file: str
    line: int = 0
    column: int = 0
    path: str = attrs.field(default="", order=False)

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column}"
        return self.file


@attrs.frozen
class Diagnostic:
    """One finding: a stable `code` (tests and JSON rely on it), a message and an optional hint."""

    code: str
    message: str
    location: Location
    hint: str = ""
    severity: str = ERROR

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def render(self) -> str:
        """`file:line:col: code: message`, a warning marked as such, the hint on its own line."""
        head = f"{self.location}: {self.code}: {self.message}"
        if self.severity != ERROR:
            head = f"{self.location}: {self.severity}: {self.code}: {self.message}"
        return head + (f"\n    hint: {self.hint}" if self.hint else "")

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
            "file": self.location.file,
            "line": self.location.line,
            "column": self.location.column,
            "path": self.location.path,
        }


class Diagnostics:
    """A collector: phases add to it and go on, so a run reports every problem at once."""

    def __init__(self) -> None:
        self._items: list[Diagnostic] = []

    def error(self, code: str, message: str, location: Location, hint: str = "") -> None:
        self._items.append(Diagnostic(code, message, location, hint, ERROR))

    def warning(self, code: str, message: str, location: Location, hint: str = "") -> None:
        self._items.append(Diagnostic(code, message, location, hint, WARNING))

    def extend(self, items: Iterable[Diagnostic]) -> None:
        self._items.extend(items)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.sorted() if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.sorted() if not d.is_error]

    def has_errors(self) -> bool:
        return any(d.is_error for d in self._items)

    def sorted(self) -> list[Diagnostic]:
        """Sorted by file, line and column, then code; duplicates (same code, place, message) removed."""
        seen, out = set(), []
        for d in sorted(self._items, key=lambda d: (d.location, d.code, d.message)):
            key = (d.code, d.location, d.message)
            if key not in seen:
                seen.add(key)
                out.append(d)
        return out

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.sorted())

    def __len__(self) -> int:
        return len(self.sorted())


class PackError(ValueError):
    """Raised by library entry points that cannot go on; carries every diagnostic found."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        first = diagnostics[0].render() if diagnostics else "invalid pack"
        more = f" (and {len(diagnostics) - 1} more)" if len(diagnostics) > 1 else ""
        super().__init__(first + more)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A hint naming the closest valid choice, or listing the choices when none is close."""
    choices = sorted(set(choices))
    if not choices:
        return ""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean `{close[0]}`?"
    if len(choices) <= 12:
        return "expected one of " + ", ".join(f"`{c}`" for c in choices)
    return ""
