"""Benchmark: `sbs evaluate` against GoRules zen-engine on the same national register, in one run.

    .venv/bin/python bench/bench_zen.py [--units 10000] [--huvudman 1700] [--memory 50000]

1. Writes the seeded register (bench/register.py) as a JSON delivery.
2. Times the whole `sbs evaluate` process (workers, every decision cross-checked, full trace, records to a
   file) and measures the peak resident memory of its process tree.
3. Creates a throw-away venv with zen-engine (PyPI `zen-engine`) and times a Python loop that evaluates
   each unit against a 40-row decision table (hit policy collect, trace on), writing each result as a
   JSON line.
4. Prints both rates and their ratio; with `--memory N`, also the peak memory of `sbs evaluate` on an
   N-unit register and its ratio to the first.

Run it on an idle machine; the figures go in the closing note, never into a test.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.register import register  # noqa: E402

ZEN_LOOP = r'''
import json, sys, time
import zen
units = json.load(open(sys.argv[1], encoding="utf-8"))["units"]
fields = ["unit.pupils", "unit.results.merit_value_y9", "unit.results.share_eligible_vocational_y9",
          "unit.socioeconomics.share_parents_post_secondary", "unit.school_form"]
forms = ['"grundskola"', '"gymnasieskola"', '"grundsarskola"', '"forskola"']
rules = [{"_id": f"r{r}", "i0": f"< {20 + r * 5}", "i1": f"< {200 + r}", "i2": f"< {0.7 + r / 200:.3f}",
          "i3": f"< {0.5 + r / 100:.2f}", "i4": forms[r % 4], "o0": f'"rule-{r}"',
          "o1": '"eligible"' if r % 2 else '"not_eligible"'} for r in range(40)]
table = {"contentType": "application/vnd.gorules.decision", "nodes": [
    {"id": "in", "type": "inputNode", "name": "in", "position": {"x": 0, "y": 0}},
    {"id": "dt", "type": "decisionTableNode", "name": "dt", "position": {"x": 1, "y": 0},
     "content": {"hitPolicy": "collect", "inputs": [{"id": f"i{k}", "name": f, "field": f} for k, f in enumerate(fields)],
                 "outputs": [{"id": "o0", "name": "rule", "field": "rule"}, {"id": "o1", "name": "outcome", "field": "outcome"}],
                 "rules": rules}},
    {"id": "out", "type": "outputNode", "name": "out", "position": {"x": 2, "y": 0}}],
    "edges": [{"id": "e1", "sourceId": "in", "targetId": "dt", "type": "edge"},
              {"id": "e2", "sourceId": "dt", "targetId": "out", "type": "edge"}]}
decision = zen.ZenEngine().create_decision(json.dumps(table))
start = time.perf_counter()
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for u in units:
        out.write(json.dumps(decision.evaluate({"unit": u}, {"trace": True}), default=str) + "\n")
print(time.perf_counter() - start)
'''


def _tree_rss_kb(pid: int) -> int:
    """The resident memory of a process and all its descendants, in KiB (Linux /proc)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total


def _sbs(delivery: Path, out: Path) -> tuple[float, float]:
    """Wall seconds and peak resident MB of the whole `sbs evaluate` process tree (sampled every 20 ms)."""
    sbs = Path(sys.executable).with_name("sbs")
    start = time.perf_counter()
    proc = subprocess.Popen([str(sbs), "evaluate", str(delivery), "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss_kb(proc.pid))
        time.sleep(0.02)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(proc.stderr.read())
    return wall, peak / 1024


def _zen(tmp: Path, delivery: Path) -> float:
    env = tmp / "zen-venv"
    if not env.exists():
        venv.create(env, with_pip=True)
        subprocess.run([str(env / "bin" / "python"), "-m", "pip", "install", "--quiet", "zen-engine"], check=True)
    script = tmp / "zen_loop.py"
    script.write_text(ZEN_LOOP, encoding="utf-8")
    done = subprocess.run([str(env / "bin" / "python"), str(script), str(delivery), str(tmp / "zen.jsonl")],
                          capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=10_000)
    ap.add_argument("--huvudman", type=int, default=1_700)
    ap.add_argument("--memory", type=int, default=0, help="also measure memory on a register of this many units")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sbs-bench-"))
    delivery = tmp / "register.json"
    delivery.write_text(json.dumps(register(args.units, args.huvudman), ensure_ascii=False), encoding="utf-8")
    wall, peak = _sbs(delivery, tmp / "records.jsonl")
    zen_seconds = _zen(tmp, delivery)
    sbs_rate, zen_rate = args.units / wall, args.units / zen_seconds
    print(f"sbs evaluate: {args.units} units, {args.huvudman} huvudmän in {wall:.1f} s whole-process = {sbs_rate:.0f} units/s; "
          f"peak memory {peak:.0f} MB")
    print(f"zen-engine:   {args.units} units, 40-row collect table, trace on, JSON lines: {zen_seconds:.1f} s = {zen_rate:.0f} units/s")
    print(f"ratio sbs / zen-engine: {sbs_rate / zen_rate:.2f} (target ≥ 1.5)")
    if args.memory:
        big = tmp / "register-big.json"
        huvudman = args.huvudman * args.memory // args.units
        big.write_text(json.dumps(register(args.memory, huvudman), ensure_ascii=False), encoding="utf-8")
        big_wall, big_peak = _sbs(big, tmp / "records-big.jsonl")
        print(f"sbs evaluate: {args.memory} units in {big_wall:.1f} s, peak memory {big_peak:.0f} MB; "
              f"ratio to {args.units} units: {big_peak / peak:.2f} (target ≤ 1.3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
