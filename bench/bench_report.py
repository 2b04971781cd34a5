"""Benchmark: the meeting report, the letters and the decision log on a national register.

    .venv/bin/python bench/bench_report.py [--units 10000] [--huvudman 1700] [--runs 5]

Prints, for the seeded register (bench/register.py): the whole `sbs evaluate --format html --out DIR`
(wall time and peak memory of the process tree), the same with `--log` (and the log's size per 10,000
records), and the latency of `sbs log show` on a log holding `--runs` runs of the register. Run it on an
idle machine; the figures go in the closing note, never into a test.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_zen import _tree_rss_kb  # noqa: E402
from bench.register import register  # noqa: E402

SBS = str(Path(sys.executable).with_name("sbs"))


def run(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident MB of an `sbs` process tree (sampled every 20 ms)."""
    start = time.perf_counter()
    proc = subprocess.Popen([SBS, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss_kb(proc.pid))
        time.sleep(0.02)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr.read())
    return time.perf_counter() - start, peak / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=10000)
    ap.add_argument("--huvudman", type=int, default=1700)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        delivery = tmp / "register.json"
        delivery.write_text(json.dumps(register(args.units, args.huvudman), ensure_ascii=False), encoding="utf-8")
        records = args.units + args.huvudman
        wall, peak = run(["evaluate", str(delivery), "--format", "html", "--out", str(tmp / "report")])
        pages = list((tmp / "report").rglob("*.html"))
        biggest = max(p.stat().st_size for p in pages)
        print(f"report: {args.units} units / {args.huvudman} huvudmän in {wall:.1f} s, peak memory {peak:.0f} MB; "
              f"{len(pages)} pages, index {(tmp / 'report' / 'index.html').stat().st_size / 1e6:.1f} MB, "
              f"largest page {biggest / 1e6:.2f} MB, all {sum(p.stat().st_size for p in pages) / 1e6:.0f} MB")
        wall, peak = run(["evaluate", str(delivery), "--format", "letters", "--out", str(tmp / "letters")])
        print(f"letters: {wall:.1f} s, peak memory {peak:.0f} MB")
        log = tmp / "decisions.sqlite"
        times = []
        for _ in range(args.runs):
            wall, peak = run(["evaluate", str(delivery), "--out", str(tmp / "r.jsonl"), "--log", str(log)])
            times.append(wall)
        size = sum(p.stat().st_size for p in tmp.glob("decisions.sqlite*"))
        print(f"evaluate --log: {statistics.median(times):.1f} s a run (median of {args.runs}); log of {args.runs * records} "
              f"records: {size / 1e6:.0f} MB, {size / (args.runs * records) * 10000 / 1e6:.0f} MB per 10,000 records")
        unit = json.loads((tmp / "r.jsonl").open(encoding="utf-8").readline())["id"]
        shows = []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run([SBS, "log", "show", unit, "--log", str(log)], check=True, stdout=subprocess.DEVNULL,
                           env={**os.environ})
            shows.append(time.perf_counter() - start)
        print(f"sbs log show on {args.runs * records} records: median {statistics.median(shows) * 1000:.0f} ms "
              f"(the whole command, start-up included)")


if __name__ == "__main__":
    main()
