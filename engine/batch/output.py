"""Writing records to a file atomically: a temporary file beside it, renamed into place only when the run succeeds.

A run that fails (a full disk, an interruption) leaves the old file as it was and no temporary file behind;
the temporary files of runs that died without cleaning up (killed) are removed by the next run.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import IO


class OutputError(Exception):
    """The output cannot be written: one line that says which file and why."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(out: Path) -> list[Path]:
    """Remove `.OUT.<pid>.tmp` files beside `out` left by runs whose process is gone; the ones removed."""
    removed = []
    for tmp in out.parent.glob(f".{out.name}.*.tmp"):
        pid = tmp.name[len(out.name) + 2:-len(".tmp")]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            try:
                tmp.unlink()
                removed.append(tmp)
            except OSError:
                pass
    return removed


class AtomicFile:
    """UTF-8 written to `.OUT.<pid>.tmp`, renamed to OUT by `commit`; `abandon` removes it.

    OUT a symbolic link: its target is written so (the link stays). OUT a pipe, a device or a socket,
    which a file renamed over it would replace: it is written into directly, with nothing to keep.
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        target = out.resolve() if out.is_symlink() else out
        self.direct = target.exists() and not target.is_file() and not target.is_dir()
        self.tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        self.target = target
        if not target.parent.is_dir():
            what = "is not a directory" if target.parent.exists() else "does not exist"
            raise OutputError(f"cannot write `{out}`: the directory `{target.parent}` {what}")
        if not self.direct:
            remove_stale(target)
        try:
            self.stream: IO[bytes] | None = (target if self.direct else self.tmp).open("wb")
        except OSError as e:
            raise OutputError(f"cannot write `{out}`: {e.strerror}") from None

    def write(self, data: str | bytes) -> None:
        """Write text (as UTF-8) or bytes already in UTF-8."""
        try:
            self.stream.write(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data)
        except OSError as e:
            self.abandon()
            raise OutputError(f"cannot write `{self.out}`: {e.strerror}; the old file is kept") from None

    def commit(self) -> None:
        try:
            self.stream.close()
            if not self.direct:
                os.replace(self.tmp, self.target)
        except OSError as e:
            self.abandon()
            raise OutputError(f"cannot write `{self.out}`: {e.strerror}; the old file is kept") from None

    def abandon(self) -> None:
        try:
            if self.stream is not None and not self.stream.closed:
                self.stream.close()
        except OSError:
            pass
        if not self.direct:
            self.tmp.unlink(missing_ok=True)
