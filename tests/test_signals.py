"""`sbs evaluate` ended from outside: no worker outlives it, Ctrl-C exits 130 with `--out` untouched."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import ROOT, SHARED

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc (Linux)")]


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture(scope=SHARED)
def register(tmp_path_factory):
    sys.path.insert(0, str(ROOT))
    from bench.register import register as build

    path = tmp_path_factory.mktemp("reg") / "register.json"
    path.write_text(json.dumps(build(4000, 700), ensure_ascii=False), encoding="utf-8")
    return path


def _start(register: Path, out: Path) -> subprocess.Popen:
    args = [sys.executable, "-m", "cli.main", "evaluate", str(register), "--workers", "2", "--out", str(out)]
    # Ctrl-C as at a terminal: a run started in the background by a shell (`sh -c 'make test' &`) inherits
    # SIGINT ignored, and a process that starts with it ignored never sees Ctrl-C
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # the workers are evaluating
    return proc


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_no_worker_outlives_the_run(register, tmp_path, sig):
    """kill -9 or SIGTERM of the main process: every worker ends too."""
    proc = _start(register, tmp_path / "records.jsonl")
    workers = _children(proc.pid)
    assert 2 <= len(workers)
    os.kill(proc.pid, sig)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [] == [w for w in workers if _alive(w)]
    if sig == signal.SIGTERM:
        assert not (tmp_path / "records.jsonl").exists()
        assert [] == list(tmp_path.glob(".records.jsonl.*.tmp"))


def test_ctrl_c_exits_130_and_keeps_the_output(register, tmp_path):
    """Ctrl-C (SIGINT to the whole process group): exit 130, one line, no tracebacks, --out untouched."""
    out = tmp_path / "records.jsonl"
    out.write_text("old\n", encoding="utf-8")
    proc = _start(register, out)
    workers = _children(proc.pid)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert 130 == proc.returncode
    assert "Traceback" not in err.decode() and "interrupted" in err.decode()
    assert "old\n" == out.read_text(encoding="utf-8")
    assert [] == list(tmp_path.glob(".records.jsonl.*.tmp"))
    time.sleep(0.5)
    assert [] == [w for w in workers if _alive(w)]
