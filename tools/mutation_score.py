"""Print the mutation score from mutmut's CI/CD statistics file."""
import json
import sys


def main(path: str) -> int:
    with open(path, encoding="utf-8") as f:
        stats = json.load(f)
    tested = stats["total"] - stats["skipped"]
    caught = stats["killed"] + stats["timeout"]
    score = 100.0 * caught / tested if tested else 0.0
    print(
        f"mutation score: {score:.1f}% ({caught} of {tested} mutants caught; "
        f"survived {stats['survived']}, no tests {stats['no_tests']}, "
        f"suspicious {stats['suspicious']}, segfault {stats['segfault']})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
