"""Write a YAML/JSON delivery in its CSV form: units.csv, huvudman.csv and delivery.yaml in a directory.

    .venv/bin/python tools/delivery_csv.py fixtures/sample/delivery.yaml fixtures/sample/csv

Columns are the delivery model's fields, nested names joined by a dot; empty cells are unknown; a group
whose columns are all empty is absent (DELIVERY.md).
"""
import csv
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from policy import facts as F  # noqa: E402


def columns(root: str) -> list[str]:
    return [p.split(".", 1)[1] for p, f in F.FIELDS.items() if p.startswith(root + ".") and not f.computed]


def cell(record: dict, column: str) -> str:
    value = record
    for part in column.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def main(src: str, out: str) -> int:
    doc = yaml.safe_load(Path(src).read_text(encoding="utf-8"))
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    for name, root, rows in (("units.csv", "unit", doc["units"]), ("huvudman.csv", "huvudman", doc["huvudman"])):
        cols = columns(root)
        with (target / name).open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(cols)
            w.writerows([cell(r, c) for c in cols] for r in rows)
    header = {"delivery": {k: str(v) for k, v in doc["delivery"].items()}, "national_averages": doc["national_averages"]}
    (target / "delivery.yaml").write_text(
        f"# The header and national averages of {Path(src).name}, beside its units.csv and huvudman.csv.\n"
        + yaml.safe_dump(header, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
