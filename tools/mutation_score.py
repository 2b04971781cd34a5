"""Print the mutation score from mutmut's CI/CD statistics file (partial runs say so)."""
import json
import sys


def main(path: str) -> int:
    with open(path, encoding="utf-8") as f:
        s = json.load(f)
    caught = s["killed"] + s["timeout"] + s["segfault"]  # a mutant that crashes or hangs the tests is detected
    tested = caught + s["survived"] + s["no_tests"] + s["suspicious"]
    untested = s["total"] - s["skipped"] - tested
    score = 100.0 * caught / tested if tested else 0.0
    print(
        f"mutation score: {score:.1f}% ({caught} of {tested} tested mutants caught; survived {s['survived']}, "
        f"no tests {s['no_tests']}, suspicious {s['suspicious']}, crashed {s['segfault']}, timeout {s['timeout']})"
    )
    if untested > 0:
        print(f"partial run: {untested} of {s['total']} mutants not tested yet; `make mutation` resumes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
