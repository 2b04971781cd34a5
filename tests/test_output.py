"""Atomic output (engine/batch/output.py): the old file kept and no temporary file left when writing fails."""
from __future__ import annotations

import errno
import os
import subprocess
import sys

import pytest

from engine.batch.output import AtomicFile, OutputError, remove_stale


class _Full:
    """A stream on a full disk."""

    closed = False

    def write(self, text):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def close(self):
        self.closed = True


class TestAtomicFile:
    def test_a_missing_directory_is_one_clear_line(self, tmp_path):
        """No such directory: the message names it; nothing is created."""
        with pytest.raises(OutputError) as e:
            AtomicFile(tmp_path / "nowhere" / "records.jsonl")
        assert f"cannot write `{tmp_path / 'nowhere' / 'records.jsonl'}`: the directory `{tmp_path / 'nowhere'}` does not exist" == str(e.value)

    def test_a_full_disk_keeps_the_old_file_and_removes_the_temporary_one(self, tmp_path):
        """ENOSPC while writing: the old records stay, the temporary file is gone, the message says why."""
        out = tmp_path / "records.jsonl"
        out.write_text("old\n", encoding="utf-8")
        f = AtomicFile(out)
        f.stream.close()
        f.stream = _Full()
        with pytest.raises(OutputError) as e:
            f.write("new\n")
        assert "No space left on device; the old file is kept" in str(e.value)
        assert "old\n" == out.read_text(encoding="utf-8")
        assert [out] == list(tmp_path.iterdir())

    def test_temporary_files_of_dead_runs_are_removed(self, tmp_path):
        """A `.OUT.<pid>.tmp` of a process that is gone is removed by the next run; a live one is kept."""
        out = tmp_path / "records.jsonl"
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
        stale, live = tmp_path / f".records.jsonl.{dead}.tmp", tmp_path / f".records.jsonl.{os.getppid()}.tmp"
        stale.write_text("x", encoding="utf-8")
        live.write_text("y", encoding="utf-8")
        assert [stale] == remove_stale(out)
        assert live.exists() and not stale.exists()

    def test_evaluate_into_a_missing_directory(self, tmp_path):
        """`sbs evaluate --out` into a directory that does not exist: exit 1, one line, no traceback."""
        from click.testing import CliRunner

        from cli.main import cli

        from .conftest import FIXTURES

        result = CliRunner().invoke(cli, ["evaluate", str(FIXTURES / "sample" / "delivery.yaml"), "--workers", "0",
                                          "--out", str(tmp_path / "no" / "r.jsonl")])
        assert 1 == result.exit_code
        assert result.stderr.startswith("Error: cannot write") and "Traceback" not in result.stderr


class TestNotARegularFile:
    """`--out` naming a link, a pipe or a device writes into it; it never replaces it with a file."""

    def test_a_symbolic_link_is_kept_and_its_target_written(self, tmp_path):
        """OUT a link to a file: the target gets the records, the link stays a link."""
        target, link = tmp_path / "target.jsonl", tmp_path / "link.jsonl"
        target.write_text("old\n", encoding="utf-8")
        link.symlink_to(target)
        f = AtomicFile(link)
        f.write(b"new\n")
        f.commit()
        assert (True, "new\n") == (link.is_symlink(), target.read_text(encoding="utf-8"))

    def test_a_named_pipe_is_written_into_and_stays_a_pipe(self, tmp_path):
        """OUT a FIFO: a reader gets the records; the FIFO is still a FIFO."""
        import stat
        import threading

        fifo = tmp_path / "records.fifo"
        os.mkfifo(fifo)
        got = []
        reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
        reader.start()
        f = AtomicFile(fifo)
        f.write("a line\n")
        f.commit()
        reader.join(timeout=10)
        assert ([b"a line\n"], True) == (got, stat.S_ISFIFO(fifo.stat().st_mode))
        assert [] == [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]

    def test_an_empty_name_is_refused(self, tmp_path):
        """`--out ''` names no file: one clear line (was a ValueError traceback)."""
        from click.testing import CliRunner

        from cli.main import cli
        from tests.conftest import FIXTURES

        result = CliRunner().invoke(cli, ["evaluate", str(FIXTURES / "sample" / "delivery.yaml"), "--out", ""])
        assert 2 == result.exit_code
        assert "--out" in result.stderr and result.exception is None or isinstance(result.exception, SystemExit)


class TestStandardOutput:
    @pytest.mark.parametrize("args", [["evaluate", "{sample}/delivery.yaml"], ["explain", "{sample}/delivery.yaml", "48151623"]])
    def test_a_full_disk_under_stdout_is_one_line(self, args):
        """Records or an explanation sent to a full device: one line naming the failure, exit 1, no traceback."""
        from tests.conftest import FIXTURES

        if not os.path.exists("/dev/full"):
            pytest.skip("no /dev/full here")
        sbs = os.path.join(os.path.dirname(sys.executable), "sbs")
        argv = [a.format(sample=FIXTURES / "sample") for a in args]
        with open("/dev/full", "wb") as full:
            done = subprocess.run([sbs, *argv, "--workers", "0"] if args[0] == "evaluate" else [sbs, *argv],
                                  stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
        assert 1 == done.returncode
        assert "Traceback" not in done.stderr
        assert "cannot write the output: No space left on device" in done.stderr
