"""Benchmark: policy mutation (`sbs test --mutate`) of each shipped pack on its own tests.

    .venv/bin/python bench/bench_mutation.py [--workers 2] [--suggest] [PACK_REF…]

Prints, per pack: the mutants made, how many are valid, the time to try them all on the pack's tests (in
worker processes) and to judge the survivors with z3, the score, and the largest memory of this process and
of its workers. Run it on an idle machine; the figures go in the closing note, never into a test.
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.batch.mutation import KILLED, SURVIVED, run_mutation  # noqa: E402
from policy import Diagnostics  # noqa: E402
from policy.registry import Registry  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("packs", nargs="*", help="pack refs (default: every shipped pack)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--suggest", action="store_true", help="also write and check a killing test per survivor")
    args = ap.parse_args()
    reg = Registry.load([ROOT / "policy" / "rules"], Diagnostics())
    for pack in reg.packs:
        if args.packs and pack.ref not in args.packs:
            continue
        t = time.perf_counter()
        run = run_mutation(pack, default_refusals=pack.ref in reg.replaced, workers=args.workers, suggest=args.suggest)
        s = time.perf_counter() - t
        mine = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
        print(f"{pack.ref}: {len(run.outcomes)} mutants in {s:.1f} s ({s / max(len(run.outcomes), 1) * 1000:.0f} ms each); "
              f"{run.count(KILLED)} killed, {run.count(SURVIVED)} survived; score {run.score * 100:.1f}%; "
              f"memory {mine} MB here, {workers} MB in the largest worker")


if __name__ == "__main__":
    main()
