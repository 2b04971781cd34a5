"""The mutation score of the code (mutmut over policy/ and engine/), triaged.

    mutation_score.py                      the score of every mutant tested so far (partial runs say so)
    mutation_score.py --only GLOB…         the mutants whose names match (what `make mutation-quick` mutated)
    mutation_score.py --names FILE         the mutants named in FILE (a sample), with a 95 % interval
    mutation_score.py --sample N [--seed S]   print N mutant names drawn at random (the same for the same seed)
    mutation_score.py --retest             forget the verdicts of surviving and untested mutants, so the next
                                           run tests them again with the tests as they are now (mutmut maps
                                           new tests to the code itself): mutmut keeps a verdict until the
                                           function's own source changes

Verdicts are read from mutmut's files under mutants/. A surviving mutant listed in
`tools/mutation-equivalent.yaml` (its function, the line it changes and what it becomes, or `*` for any
mutation of that line, and why no test can tell it from the code) is equivalent: it is left out of the score and shown apart, with its reason. An
entry that no longer matches any mutant is reported, so the list cannot go stale silently.
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


def score(names: list[str], all_verdicts: dict, label: str, sampled_from: int | None = None) -> int:
    counts: Counter = Counter()
    missed, equivalent, used = [], [], set()
    entries = equivalents()
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
        return score(names, every, f" of {a.names.name}", sampled_from=len(every))
    if a.only:
        return score([n for n in every if any(fnmatch.fnmatch(n, g) for g in a.only)], every, " in " + " ".join(a.only))
    return score(sorted(every), every, "")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
