"""Benchmark: the proofs on the z3 reading of the packs (`sbs check`, `sbs compare`, `--why-not`, what is
still needed), and what saying what is still needed costs `sbs evaluate`.

    .venv/bin/python bench/bench_proofs.py [--units 10000] [--huvudman 1700]

Prints, on this machine: `sbs check` per shipped pack; `sbs compare` of pairs of versions; `--why-not`
per refused unit of the sample delivery; what is still needed per record of a register that hinges on
missing data; and the whole `sbs evaluate` of the register. Run it on an idle machine; the figures go in
the closing note, never into a test.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.register import register  # noqa: E402
from engine.app import delivery_records  # noqa: E402
from engine.core.runner import Engine  # noqa: E402
from engine.inputs.delivery import read_delivery  # noqa: E402
from engine.symbolic.check import check_pack  # noqa: E402
from engine.symbolic.compare import compare_packs  # noqa: E402
from engine.symbolic.counterfactual import reading_of, still_needed, why_not  # noqa: E402
from policy import Diagnostics  # noqa: E402
from policy.registry import Registry  # noqa: E402


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=10000)
    ap.add_argument("--huvudman", type=int, default=1700)
    args = ap.parse_args()
    reg = Registry.load([ROOT / "policy" / "rules"], Diagnostics())
    print("sbs check, per pack (every scope, witnesses confirmed):")
    for p in reg.packs:
        found, s = timed(lambda: check_pack(p))
        print(f"  {p.ref}: {s:.2f} s, {len(found)} findings")
    print("sbs compare:")
    for a, b in (("sbs@2.0.0", "sbs@3.0.0"), ("sbs@2.0.0", "sbs@2.1.0"), ("sbs@2.1.0", "sbs@3.1.0"), ("sbs@3.1.0", "sbs@3.1.0")):
        c, s = timed(lambda: compare_packs(reg.get(a), reg.get(b)))
        print(f"  {a} → {b}: {s:.2f} s, {len(c.differences)} witnesses")
    doc = read_delivery(ROOT / "fixtures" / "sample" / "delivery.yaml", Diagnostics())
    pack = reg.in_force(doc.date)
    records = delivery_records(pack, doc, workers=0)
    engine = Engine(pack)
    times = []
    for r in records:
        if r["kind"] == "unit" and r["outcome"] in ("not_eligible", "excluded"):
            _, s = timed(lambda: why_not(pack, r, engine=engine))
            times.append(s)
    print(f"--why-not per refused unit of the sample ({len(times)}): median {statistics.median(times) * 1000:.0f} ms, "
          f"max {max(times) * 1000:.0f} ms (the solver and the engine's check of each answer; the CLI adds start-up)")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "register.json"
        path.write_text(json.dumps(register(args.units, args.huvudman), ensure_ascii=False), encoding="utf-8")
        t = time.perf_counter()
        subprocess.run([str(ROOT / ".venv" / "bin" / "sbs"), "evaluate", str(path), "--out", str(Path(tmp) / "r.jsonl")], check=True)
        whole = time.perf_counter() - t
        big = [json.loads(line) for line in (Path(tmp) / "r.jsonl").read_text(encoding="utf-8").splitlines()]
    hinging = [r for r in big if "needed" in r]
    pack = reg.get(f"{big[0]['pack']['id']}@{big[0]['pack']['version']}")
    plain, spaces = Engine(pack), {s: reading_of(pack, s) for s in ("unit", "huvudman")}
    times = [timed(lambda: still_needed(pack, r, plain, spaces[r["kind"]]))[1] for r in hinging]
    print(f"sbs evaluate, {args.units} units / {args.huvudman} huvudmän, whole process: {whole:.1f} s")
    if times:
        print(f"  records saying what is still needed: {len(hinging)} of {len(big)}; per record median "
              f"{statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms, "
              f"{sum(times):.1f} CPU-s in all (spread over the workers)")


if __name__ == "__main__":
    main()
