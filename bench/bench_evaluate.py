"""Benchmark: the whole `sbs evaluate` process on a synthetic national register.

    .venv/bin/python bench/bench_evaluate.py [--units 10000] [--huvudman 1700] [--format jsonl]

Writes the register as a JSON delivery to a temporary directory, runs `sbs evaluate` on it as a separate
process (records to a file), and prints the wall-clock time, units per second and the process's peak
memory. Run it on an idle machine.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.register import register  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=10_000)
    ap.add_argument("--huvudman", type=int, default=1_700)
    ap.add_argument("--format", default="jsonl")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    delivery = tmp / "register.json"
    delivery.write_text(json.dumps(register(args.units, args.huvudman), ensure_ascii=False), encoding="utf-8")
    sbs = Path(sys.executable).with_name("sbs")
    start = time.perf_counter()
    done = subprocess.run([str(sbs), "evaluate", str(delivery), "--format", args.format, "--out", str(tmp / "out")],
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(done.stderr.strip())
    print(f"delivery {delivery.stat().st_size / 1e6:.1f} MB; `sbs evaluate --format {args.format}`: {wall:.1f} s wall, "
          f"{args.units / wall:.0f} units/s end to end (with huvudmän and the round), peak memory {peak_mb:.0f} MB")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
