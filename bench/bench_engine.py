"""Benchmark: evaluation with full traces and cross-check against raw durable_rules firing.

    .venv/bin/python bench/bench_engine.py [--units 10000] [--pack policy/rules/sbs-2016] [--repeat 3] [--scale K]

Prints, for the unit cases of a synthetic national register:
- raw: the compiled ruleset fired by durable_rules, facts prepared beforehand (the floor);
- each stage on top: the cross-check evaluation, the decision, the trace and record, the record's
  input hash, timed case by case with nothing kept (as a streaming batch runs);
- end to end: `Engine.evaluate`, and with each record serialised as a JSON line;
and the peak memory of the process. Every timed run evaluates freshly
built cases, so nothing computed for a case (its input hash) is reused. `--scale K` copies every rule
K times (ids suffixed), to see how the cost grows with the size of a pack. Run it on an idle machine.
"""
from __future__ import annotations

import argparse
import re
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.register import register  # noqa: E402
from engine import Engine, unit_case  # noqa: E402
from engine.core.decide import decide  # noqa: E402
from engine.core.record import decision_record, dumps  # noqa: E402
from engine.core.runner import ENGINE_VERSION  # noqa: E402
from policy import Diagnostics, load_pack  # noqa: E402
from policy.canonical import dump_yaml  # noqa: E402


def scaled(pack_path: str, k: int, tmp: Path) -> str:
    """The pack with every rule copied k times under new ids (same conditions and effects)."""
    pack = load_pack(pack_path, Diagnostics())
    text = dump_yaml(pack)
    rules_at = text.index("rules:\n")
    outcomes_at = text.index("outcomes:\n")
    rules = text[rules_at + len("rules:\n"):outcomes_at]
    copies = [re.sub(r"^- id: (\S+)", lambda m: f"- id: {m.group(1)}-copy{i}", rules, flags=re.M) for i in range(1, k)]
    path = tmp / "scaled.yaml"
    path.write_text(text[:outcomes_at] + "".join(copies) + text[outcomes_at:], encoding="utf-8")
    return str(path)


def _time(fn, items) -> float:  # noqa: D103
    start = time.perf_counter()
    for item in items:
        fn(item)
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=10_000)
    ap.add_argument("--huvudman", type=int, default=1_700)
    ap.add_argument("--pack", default=str(Path(__file__).resolve().parent.parent / "policy" / "rules" / "sbs-2016"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--scale", type=int, default=1)
    args = ap.parse_args()

    import tempfile
    tmp = Path(tempfile.mkdtemp())
    pack_path = scaled(args.pack, args.scale, tmp) if args.scale > 1 else args.pack
    diags = Diagnostics()
    pack = load_pack(pack_path, diags)
    if pack is None:
        print("\n".join(d.render() for d in diags.errors))
        return 1
    t0 = time.perf_counter()
    doc = register(args.units, args.huvudman)
    owners = {h["id"]: h for h in doc["huvudman"]}

    def fresh() -> list:
        return [unit_case({"unit": u, "huvudman": owners[u["huvudman_id"]], "delivery": doc["delivery"],
                           "national_averages": doc["national_averages"]}) for u in doc["units"]]

    cases = fresh()
    t_cases = time.perf_counter() - t0

    engine = Engine(pack)
    compiled, runner, evaluator = engine.prepare("unit", cases[0].averages)
    n_rules = len(compiled.order)
    n = len(cases)
    firings = sum(len(runner.fire(compiled.fact(c))) for c in cases[:1000]) / min(1000, n)

    stages: dict[str, list[float]] = {k: [] for k in ("fact", "raw", "crosscheck", "decide", "trace", "header", "end_to_end", "json")}
    clock = time.perf_counter
    for _ in range(args.repeat):
        sums = dict.fromkeys(("fact", "raw", "crosscheck", "decide", "header", "trace"), 0.0)
        for c in fresh():  # stage by stage, case by case; nothing is kept, as in a streaming batch
            t0 = clock()
            fact = compiled.fact(c)
            t1 = clock()
            runner.fire(fact)
            t2 = clock()
            results = evaluator.run(c)
            t3 = clock()
            decision = decide(compiled, c, results, [])
            t4 = clock()
            c.input_sha256  # the record header: canonical input facts and their hash
            t5 = clock()
            decision_record(compiled, c, results, decision, [], ENGINE_VERSION, engine._statics)
            t6 = clock()
            for k, a, b in (("fact", t0, t1), ("raw", t1, t2), ("crosscheck", t2, t3), ("decide", t3, t4), ("header", t4, t5), ("trace", t5, t6)):
                sums[k] += b - a
        for k, v in sums.items():
            stages[k].append(v)
        stages["end_to_end"].append(_time(engine.evaluate, fresh()))
        stages["json"].append(_time(lambda c: dumps(engine.evaluate(c)), fresh()))
    us = {k: 1e6 * statistics.median(v) / n for k, v in stages.items()}
    ours = us["crosscheck"] + us["decide"] + us["trace"]

    print(f"pack {pack.ref} ({n_rules} unit rules, {len(compiled.ruleset)} durable rules), "
          f"{n} units, {args.huvudman} huvudmän; {firings:.1f} firings per case; median of {args.repeat} runs, fresh cases each")
    print(f"register built and normalised: {t_cases:.2f} s ({1e6 * t_cases / n:.0f} µs/unit, not counted below)")
    print(f"  raw durable_rules firing     {us['raw']:7.1f} µs/unit  ({1e6 / us['raw']:6.0f} units/s)")
    print(f"  case fact for durable_rules  {us['fact']:7.1f} µs/unit")
    print(f"  cross-check evaluation       {us['crosscheck']:7.1f} µs/unit")
    print(f"  decision                     {us['decide']:7.1f} µs/unit")
    print(f"  trace and record             {us['trace']:7.1f} µs/unit")
    print(f"  record header (input hash)   {us['header']:7.1f} µs/unit")
    print(f"trace and cross-check on top of raw firing: {ours:.1f} µs/unit = {100 * ours / us['raw']:.1f} %")
    print(f"end to end, Engine.evaluate  {us['end_to_end']:7.1f} µs/unit  ({1e6 / us['end_to_end']:6.0f} units/s), "
          f"{100 * (us['end_to_end'] - us['raw']) / us['raw']:.1f} % over raw")
    print(f"end to end with a JSON line  {us['json']:7.1f} µs/unit  ({1e6 / us['json']:6.0f} units/s)")
    outcomes: dict[str, int] = {}
    for c in cases:
        o = engine.evaluate(c)["outcome"]
        outcomes[str(o)] = outcomes.get(str(o), 0) + 1
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"outcomes: {dict(sorted(outcomes.items()))}")
    print(f"peak memory (max RSS): {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
