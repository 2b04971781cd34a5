"""Records kept in an unlinked temporary file, so a national register's memory does not grow with its size.

A `Spill` appends pickled values and gives each one's place; `Spilled` is a read-only sequence of values
in one spill. Reads use `os.pread`, which does not move the file position, so worker processes forked
after a spill is written read it through the descriptor they inherit, each at its own pace, without
holding a copy: a forked worker counts every page its parent holds as its own resident memory.
"""
from __future__ import annotations

import os
import pickle
import tempfile
from array import array
from typing import Any, Iterator, Sequence


class Spill:
    """An append-only file of pickled values (removed when closed or when the process ends)."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="sbs-")
        self._fd = self._file.fileno()
        self._end = 0

    def put(self, value: Any) -> tuple[int, int]:
        """Append a value; its (offset, size)."""
        raw = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        at = self._end
        os.pwrite(self._fd, raw, at)
        self._end += len(raw)
        return at, len(raw)

    def get(self, at: int, size: int) -> Any:
        return pickle.loads(os.pread(self._fd, size, at))

    def close(self) -> None:
        self._file.close()


class Spilled(Sequence):
    """A sequence of values written to a spill, read back (a new copy) on each access."""

    def __init__(self, spill: Spill | None = None) -> None:
        self.spill = spill or Spill()
        self._at = array("q")
        self._size = array("q")

    @classmethod
    def of(cls, values: "Iterator[Any] | Sequence[Any]", spill: Spill | None = None) -> "Spilled":
        out = cls(spill)
        for v in values:
            out.append(v)
        return out

    def append(self, value: Any) -> None:
        at, size = self.spill.put(value)
        self._at.append(at)
        self._size.append(size)

    def __len__(self) -> int:
        return len(self._at)

    def __getitem__(self, i):  # noqa: ANN001 - an index or a slice, as for any sequence
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        return self.spill.get(self._at[i], self._size[i])

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self)):
            yield self[i]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Spilled({len(self)} values)"
