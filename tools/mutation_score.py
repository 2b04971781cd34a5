"""Print the mutation score of mutmut's results.

`mutation_score.py STATS.json`: the whole run, from mutmut's CI/CD statistics file (partial runs say so).
`mutation_score.py --only GLOB…`: the mutants whose names match the globs (`policy.fmt.*`), from
`mutmut results --all true` (what `make mutation-quick` mutated).
`mutation_score.py --retest`: forget mutmut's verdicts of surviving and untested mutants (and its record of
which tests cover which function), so that the next `make mutation` tests them again with the tests as
they are now; mutmut itself keeps a verdict until the function's own source changes.
"""
import fnmatch
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

CAUGHT = ("killed", "timeout", "segfault")  #: a mutant that crashes or hangs the tests is detected


def _line(caught: int, tested: int, counts: Counter) -> str:
    score = 100.0 * caught / tested if tested else 0.0
    return (f"mutation score: {score:.1f}% ({caught} of {tested} tested mutants caught; survived {counts['survived']}, "
            f"no tests {counts['no_tests']}, suspicious {counts['suspicious']}, crashed {counts['segfault']}, "
            f"timeout {counts['timeout']})")


def whole(path: str) -> int:
    with open(path, encoding="utf-8") as f:
        s = json.load(f)
    caught = sum(s[k] for k in CAUGHT)
    tested = caught + s["survived"] + s["no_tests"] + s["suspicious"]
    untested = s["total"] - s["skipped"] - tested
    print(_line(caught, tested, Counter(s)))
    if untested > 0:
        print(f"partial run: {untested} of {s['total']} mutants not tested yet; `make mutation` resumes")
    return 0


def only(globs: list[str]) -> int:
    mutmut = Path(sys.executable).with_name("mutmut")
    out = subprocess.run([str(mutmut), "results", "--all", "true"], capture_output=True, text=True, check=True).stdout
    statuses = {}
    for line in out.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name and any(fnmatch.fnmatch(name, g) for g in globs):
            statuses[name] = status
    counts = Counter(statuses.values())
    caught = sum(counts[k] for k in CAUGHT)
    tested = caught + counts["survived"] + counts["no_tests"] + counts["suspicious"]
    print(_line(caught, tested, counts) + f" in {' '.join(globs)}")
    for name, status in sorted(statuses.items()):
        if status in ("survived", "no_tests", "suspicious"):
            print(f"  {status}: {name} (mutmut show {name})")
    return 0


def retest(root: Path = Path("mutants")) -> int:
    forgotten = 0
    for meta in sorted(root.rglob("*.py.meta")):
        data = json.loads(meta.read_text(encoding="utf-8"))
        codes = data.get("exit_code_by_key", {})
        for key, code in codes.items():
            if code in (0, 33):  # survived, no tests
                codes[key] = None
                forgotten += 1
        meta.write_text(json.dumps(data, indent=4), encoding="utf-8")
    (root / "mutmut-stats.json").unlink(missing_ok=True)
    print(f"{forgotten} verdicts forgotten; `make mutation` tests them again")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--retest"]:
        sys.exit(retest())
    if len(sys.argv) > 2 and sys.argv[1] == "--only":
        sys.exit(only(sys.argv[2:]))
    sys.exit(whole(sys.argv[1]))
