"""The mutation score of the code (mutmut over policy/ and engine/), triaged.

    mutation_score.py                      the score of every mutant tested so far (partial runs say so)
    mutation_score.py --only GLOB…         the mutants whose names match (what `make mutation-quick` mutated)
    mutation_score.py --names FILE         the mutants named in FILE (a sample), with a 95 % interval
    mutation_score.py --names FILE --rest K [--seed S]
                                           print K names drawn at random from FILE's mutants not tested yet
    mutation_score.py --names FILE --second REST
                                           the sample's score when its untested part was itself sampled (REST,
                                           drawn by --rest): a two-phase estimate with its 95 % interval
    mutation_score.py --sample N [--seed S]   print N mutant names drawn at random (the same for the same seed)
    mutation_score.py --retest             forget the verdicts of surviving and untested mutants, so the next
                                           run tests them again with the tests as they are now (mutmut maps
                                           new tests to the code itself): mutmut keeps a verdict until the
                                           function's own source changes

Verdicts are read from mutmut's files under mutants/. A surviving mutant listed in
`tools/mutation-equivalent.yaml` (its function, the line it changes and what it becomes, or `*` for any
mutation of that line, and why no test can tell it from the code) is equivalent: it is left out of the score and shown apart, with its reason. An
entry that no longer matches any mutant is reported, so the list cannot go stale silently.

A sample of ~1,200 mutants takes most of a day on 2 cores. When part of it has been tested (in mutmut's
order, so not at random), the rest can be sampled again (`--rest`): the second phase is a random
sample of the untested part, and the estimate weighs it by the size of that part (double sampling for
stratification). The tested part counts as a census of its stratum; both phases' errors go into the interval.
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import math
import random
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
EQUIVALENT = ROOT / "tools" / "mutation-equivalent.yaml"
CAUGHT = {1: "killed", 3: "killed", 36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout", 255: "timeout",
          -11: "segfault", -9: "segfault", 37: "type check"}
MISSED = {0: "survived", 33: "no tests", 5: "no tests", 35: "suspicious"}


def verdicts() -> dict[str, tuple[Path, int | None]]:
    """Every mutant's name → (its source file, mutmut's exit code or None if not tested yet)."""
    out = {}
    for meta in sorted(MUTANTS.rglob("*.py.meta")):
        source = meta.relative_to(MUTANTS).with_suffix("")
        for name, code in json.loads(meta.read_text(encoding="utf-8")).get("exit_code_by_key", {}).items():
            out[name] = (source, code)
    return out


def _function(name: str) -> str:
    return re.sub(r"__mutmut_\d+$", "", name).replace("ǁ", ".").replace(".x_", ".").replace(".x.", ".")


def diff(name: str, source: Path) -> tuple[list[str], list[str]]:
    """The lines a mutant removes and adds (mutmut's own diff)."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    import os
    here = os.getcwd()
    os.chdir(ROOT)
    try:
        text = get_diff_for_mutant(name, path=MUTANTS / source)
    finally:
        os.chdir(here)
    lines = [ln for ln in text.splitlines() if not ln.startswith(("---", "+++", "@@"))]
    return [ln[1:].strip() for ln in lines if ln.startswith("-")], [ln[1:].strip() for ln in lines if ln.startswith("+")]


def equivalents() -> list[dict]:
    if not EQUIVALENT.exists():
        return []
    return yaml.safe_load(EQUIVALENT.read_text(encoding="utf-8")) or []


def _matches(entry: dict, name: str, removed: list[str], added: list[str]) -> bool:
    """`line` is the line as written, or `*` (any line of the function); `becomes` the mutated line, a list of
    them, or `*` (any mutation of the line)."""
    if not fnmatch.fnmatch(_function(name), entry["function"]):
        return False
    if entry["line"] == "*":
        return True
    becomes = entry["becomes"]
    return (removed == [entry["line"]] and len(added) == 1
            and (becomes == "*" or added[0] in (becomes if isinstance(becomes, list) else [becomes])))


def classify(names: list[str], all_verdicts: dict, entries: list[dict]):
    """Count the mutants' verdicts; the equivalent ones (with their entry's kind and reason) and the missed apart."""
    counts: Counter = Counter()
    missed, equivalent, used = [], [], set()
    for name in names:
        source, code = all_verdicts[name]
        if code is None:
            counts["not tested"] += 1
        elif code in CAUGHT:
            counts["caught"] += 1
        elif code in MISSED:
            removed, added = diff(name, source) if code == 0 and entries else ([], [])
            entry = next((i for i, e in enumerate(entries) if _matches(e, name, removed, added)), None)
            if entry is not None:
                used.add(entry)
                kind = entries[entry].get("kind", "equivalent")
                equivalent.append((name, kind, entries[entry]["reason"]))
                counts[kind] += 1
            else:
                counts[MISSED[code]] += 1
                missed.append((name, MISSED[code]))
        else:
            counts[f"exit {code}"] += 1
    apart = {"not tested", *(e.get("kind", "equivalent") for e in entries)}
    tested = sum(v for k, v in counts.items() if k not in apart)
    return counts, tested, missed, equivalent, used


def two_phase(names: list[str], second: list[str], all_verdicts: dict) -> int:
    """The sample's score when its untested part U was sampled again (`second`, drawn at random from U).

    The tested part T is a census of its stratum; U's rate is estimated from `second` and weighed by |U|.
    Rates are of caught among mutants that count (equivalent and import-time ones left out), so the
    estimate is a ratio: (caught in T + |U|/k · caught in the second phase) / (likewise for those that count).
    """
    entries = equivalents()
    chosen = set(second)
    first = [n for n in names if n not in chosen and all_verdicts[n][1] is not None]
    rest = [n for n in names if n not in chosen and all_verdicts[n][1] is None]
    drawn = [n for n in second if n in all_verdicts]
    untested_second = [n for n in drawn if all_verdicts[n][1] is None]
    if untested_second:
        print(f"the second phase is not finished: {len(untested_second)} of {len(drawn)} not tested yet; "
              "`make mutation-rest` resumes", file=sys.stderr)
        return 1
    c1, t1, missed1, eq1, _ = classify(first, all_verdicts, entries)
    c2, t2, missed2, eq2, _ = classify(drawn, all_verdicts, entries)
    size_u = len(rest) + len(drawn)  # the untested part when the second phase was drawn
    w = size_u / len(drawn) if drawn else 0.0
    caught = c1["caught"] + w * c2["caught"]
    counted = t1 + w * t2
    p = caught / counted if counted else 0.0
    # variance: the first phase's (a random sample of all mutants) plus the second's (without replacement from U)
    n = t1 + t2 * w
    p2 = c2["caught"] / t2 if t2 else 0.0
    share_u = (w * t2) / counted if counted else 0.0
    var = p * (1 - p) / n if n else 0.0
    if t2:
        var += share_u ** 2 * (1 - len(drawn) / size_u) * p2 * (1 - p2) / t2
    half = 1.96 * math.sqrt(var)
    print(f"mutation score of the sample ({len(names)} mutants): {100 * p:.1f}% estimated "
          f"(95 %: {100 * max(0.0, p - half):.1f}%-{100 * min(1.0, p + half):.1f}%)")
    print(f"  tested in full: {len(first)} mutants, {c1['caught']} of {t1} caught ({100 * c1['caught'] / t1 if t1 else 0:.1f}%)")
    print(f"  the untested {size_u}, sampled at random: {len(drawn)} tested, {c2['caught']} of {t2} caught "
          f"({100 * p2:.1f}%); each stands for {w:.2f}")
    for name, kind, why in eq1 + eq2:
        print(f"  {kind}: {name}: {' '.join(why.split())}")
    for name, status in missed1 + missed2:
        print(f"  {status}: {name} (mutmut show {name})")
    return 0


def score(names: list[str], all_verdicts: dict, label: str, sampled_from: int | None = None) -> int:
    entries = equivalents()
    counts, tested, missed, equivalent, used = classify(names, all_verdicts, entries)
    p = counts["caught"] / tested if tested else 0.0
    line = f"mutation score{label}: {100 * p:.1f}% ({counts['caught']} of {tested} mutants caught"
    rest = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if k != "caught")
    print(line + (f"; {rest})" if rest else ")"))
    if sampled_from and tested:  # Wilson's interval for a proportion
        z = 1.96
        centre = (p + z * z / (2 * tested)) / (1 + z * z / tested)
        half = z * math.sqrt(p * (1 - p) / tested + z * z / (4 * tested * tested)) / (1 + z * z / tested)
        print(f"a random sample of {len(names)} of {sampled_from} mutants: the whole score lies in "
              f"{100 * (centre - half):.1f}%-{100 * (centre + half):.1f}% (95 %)")
    for name, kind, why in equivalent:
        print(f"  {kind}: {name}: {' '.join(why.split())}")
    for name, status in missed:
        print(f"  {status}: {name} (mutmut show {name})")
    if counts["not tested"]:
        print(f"partial: {counts['not tested']} mutants not tested yet; `make mutation` resumes")
    if entries and names is not None and len(names) == len(all_verdicts):
        for i, e in enumerate(entries):
            if i not in used:
                print(f"  stale entry in {EQUIVALENT.relative_to(ROOT)}: {e['function']}: {e['line']} → {e.get('becomes', '*')}")
    return 0


def retest() -> int:
    forgotten = 0
    for meta in sorted(MUTANTS.rglob("*.py.meta")):
        data = json.loads(meta.read_text(encoding="utf-8"))
        codes = data.get("exit_code_by_key", {})
        for key, code in codes.items():
            if code in MISSED:
                codes[key] = None
                forgotten += 1
        meta.write_text(json.dumps(data, indent=4), encoding="utf-8")
    print(f"{forgotten} verdicts forgotten; `make mutation` tests them again")
    return 0


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="+", metavar="GLOB")
    ap.add_argument("--names", type=Path)
    ap.add_argument("--sample", type=int, metavar="N")
    ap.add_argument("--seed", type=int, default=2016)
    ap.add_argument("--retest", action="store_true")
    ap.add_argument("--rest", type=int, metavar="K")
    ap.add_argument("--second", type=Path, metavar="REST")
    a = ap.parse_args(argv)
    if a.retest:
        return retest()
    every = verdicts()
    if not every:
        print("no mutants yet: run `make mutation`", file=sys.stderr)
        return 1
    if a.sample:
        for name in sorted(random.Random(a.seed).sample(sorted(every), min(a.sample, len(every)))):
            print(name)
        return 0
    if a.names:
        names = [n for n in a.names.read_text(encoding="utf-8").split() if n in every]
        if a.rest:
            untested = sorted(n for n in names if every[n][1] is None)
            for name in sorted(random.Random(a.seed).sample(untested, min(a.rest, len(untested)))):
                print(name)
            return 0
        if a.second:
            return two_phase(names, a.second.read_text(encoding="utf-8").split(), every)
        return score(names, every, f" of {a.names.name}", sampled_from=len(every))
    if a.only:
        return score([n for n in every if any(fnmatch.fnmatch(n, g) for g in a.only)], every, " in " + " ".join(a.only))
    return score(sorted(every), every, "")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
