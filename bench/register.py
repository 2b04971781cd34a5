"""A synthetic national register for benchmarks: fictional units and huvudmän with plausible distributions.

Seeded, so every run sees the same register. About 10,000 units under about 1,700 huvudmän
(290 kommuner, the rest mostly enskilda), results spread around the 2014/15 national averages,
socioeconomics skewed, a few per cent of values missing or suppressed, injunctions for about one unit
in ten.
"""
from __future__ import annotations

import random
from typing import Any

NATIONAL_AVERAGES = {
    "school_year": "2014/15",
    "merit_value_y9": 224.4, "share_eligible_vocational_y9": 0.856, "share_passed_all_subjects_y9": 0.771,
    "grade_value_y6_swedish": 13.4, "grade_value_y6_maths": 13.0,
    "share_passed_national_test_y3_swedish": 0.80, "share_passed_national_test_y3_maths": 0.72,
    "share_degree_within_3y": 0.69, "average_grade_points": 14.1,
    "share_parents_post_secondary": 0.58, "share_foreign_background": 0.24, "share_newly_arrived": 0.05,
}
FORMS = [  # (school form, weight, median pupils)
    ("grundskola", 48, 260), ("gymnasieskola", 13, 420), ("grundsarskola", 7, 12), ("gymnasiesarskola", 3, 25),
    ("forskoleklass", 12, 45), ("fritidshem", 14, 110), ("forskola", 2, 60), ("sameskola", 0.05, 30),
    ("specialskola", 0.08, 60),
]

SPANS = [("F-3", 8), ("F-6", 32), ("F-9", 22), ("4-9", 8), ("7-9", 30)]  # grundskola's spans of years
GRADES = {"grundsarskola": "1-9", "gymnasieskola": "1-3", "gymnasiesarskola": "1-4", "forskoleklass": "F-F",
          "sameskola": "F-6", "specialskola": "1-10"}


def _share(rng: random.Random, mean: float, sd: float) -> float:
    return round(min(1.0, max(0.0, rng.gauss(mean, sd))), 3)


def _maybe(rng: random.Random, value: Any, p_missing: float = 0.05) -> Any:
    return None if rng.random() < p_missing else value


def huvudman(rng: random.Random, i: int) -> dict:
    kind = "kommun" if i < 290 else ("stat" if i < 292 else ("region" if i < 300 else "enskild"))
    record: dict[str, Any] = {
        "id": f"{212000 + i:06d}-{rng.randrange(10000):04d}",
        "name": f"Huvudman {i}",
        "type": kind,
        "ongoing_sbs_dialogue": _maybe(rng, rng.random() < 0.08),
        "in_newcomer_programme": _maybe(rng, rng.random() < 0.03, 0.01),
        "ska_deficiencies": _maybe(rng, rng.random() < 0.15),
        "injunction": None,
        "economy": None,
    }
    if rng.random() < 0.06:
        record["injunction"] = {"fine": rng.random() < 0.3, "supervision_concluded": _maybe(rng, rng.random() < 0.5)}
    if kind == "enskild" and rng.random() < 0.8:
        record["economy"] = {
            "profit_sek": _maybe(rng, round(rng.gauss(500_000, 2_000_000))),
            "dividends_sek": _maybe(rng, max(0, round(rng.gauss(0, 800_000)))),
            "group_contributions_sek": _maybe(rng, max(0, round(rng.gauss(0, 400_000)))),
            "equity_ratio": _maybe(rng, _share(rng, 0.35, 0.15)),
        }
    return record


def unit(rng: random.Random, i: int, hid: str) -> dict:
    form = rng.choices([f for f, _, _ in FORMS], [w for _, w, _ in FORMS])[0]
    median = dict((f, m) for f, _, m in FORMS)[form]
    pupils = max(1, int(rng.lognormvariate(0, 0.6) * median))
    quality = rng.gauss(0, 1)  # one latent factor drives results and socioeconomics together
    results: dict[str, Any] = {}
    grades = GRADES.get(form)
    if form == "grundskola":
        grades = rng.choices([g for g, _ in SPANS], [w for _, w in SPANS])[0]
        low, high = (0 if grades[0] == "F" else int(grades.split("-")[0])), int(grades.split("-")[1])
        results = {  # statistics only for the years the unit teaches
            "merit_value_y9": _maybe(rng, round(224.4 + 22 * quality, 1), 0.1),
            "share_eligible_vocational_y9": _maybe(rng, _share(rng, 0.856 + 0.07 * quality, 0.03), 0.1),
            "share_passed_all_subjects_y9": _maybe(rng, _share(rng, 0.771 + 0.09 * quality, 0.04), 0.1),
        } if high >= 9 else {}
        if low <= 6 <= high:
            results["grade_value_y6_swedish"] = _maybe(rng, round(13.4 + 1.1 * quality, 1), 0.1)
            results["grade_value_y6_maths"] = _maybe(rng, round(13.0 + 1.2 * quality, 1), 0.1)
        if low <= 3:
            results["share_passed_national_test_y3_swedish"] = _maybe(rng, _share(rng, 0.80 + 0.08 * quality, 0.04), 0.15)
            results["share_passed_national_test_y3_maths"] = _maybe(rng, _share(rng, 0.72 + 0.09 * quality, 0.04), 0.15)
    elif form == "gymnasieskola":
        results = {
            "share_degree_within_3y": _maybe(rng, _share(rng, 0.69 + 0.1 * quality, 0.04)),
            "average_grade_points": _maybe(rng, round(14.1 + 1.0 * quality, 1)),
        }
    socio = None
    if form in ("grundskola", "gymnasieskola", "forskoleklass", "fritidshem", "forskola"):
        socio = {
            "share_parents_post_secondary": _maybe(rng, _share(rng, 0.58 + 0.12 * quality, 0.05)),
            "share_foreign_background": _maybe(rng, _share(rng, 0.24 - 0.12 * quality, 0.06)),
            "share_newly_arrived": _maybe(rng, _share(rng, 0.05 - 0.03 * quality, 0.02)),
        }
    injunction = None
    in_underlag = rng.random() < 0.1
    if in_underlag or rng.random() < 0.02:
        injunction = {
            "fine": rng.random() < 0.25, "critical_factors": rng.random() < 0.6,
            "supervision_concluded": _maybe(rng, rng.random() < 0.3), "decided": f"2015-{rng.randint(7, 12):02d}-{rng.randint(1, 28):02d}",
        }
    return {
        "id": f"{10_000_000 + i:08d}", "name": f"Skolenhet {i}", "huvudman_id": hid, "school_form": form,
        "grades": grades, "pupils": _maybe(rng, pupils, 0.02), "in_underlag": in_underlag, "injunction": injunction,
        "ska_deficiencies": _maybe(rng, rng.random() < 0.2 if injunction else False),
        "results": results, "socioeconomics": socio,
    }


def register(units: int = 10_000, huvudmän: int = 1_700, seed: int = 2016) -> dict:
    """The register as a delivery-shaped document (DELIVERY.md)."""
    rng = random.Random(seed)
    hm = [huvudman(rng, i) for i in range(huvudmän)]
    # kommuner own most units: a unit's huvudman is a kommun two times in three
    owners = [h["id"] for h in hm]
    weights = [12.0 if h["type"] == "kommun" else 1.0 for h in hm]
    us = [unit(rng, i, rng.choices(owners, weights)[0]) for i in range(units)]
    return {
        "delivery": {"id": "BENCH-1", "date": "2016-01-28", "source": "synthetic"},
        "national_averages": NATIONAL_AVERAGES,
        "huvudman": hm,
        "units": us,
    }


def main() -> None:
    """`python bench/register.py [--units N] [--huvudman M] [--seed S] [--out FILE]`: write a register as JSON."""
    import argparse
    import json
    import sys
    ap = argparse.ArgumentParser(description="Write a seeded synthetic national register as a JSON delivery (DELIVERY.md).")
    ap.add_argument("--units", type=int, default=10_000, help="school units (default 10000)")
    ap.add_argument("--huvudman", type=int, default=1_700, help="huvudmän (default 1700)")
    ap.add_argument("--seed", type=int, default=2016, help="the random seed (default 2016): the same seed, the same register")
    ap.add_argument("--out", default="-", help="the file to write (default: standard output)")
    args = ap.parse_args()
    doc = register(args.units, args.huvudman, args.seed)
    text = json.dumps(doc, ensure_ascii=False)
    if args.out == "-":
        sys.stdout.write(text + "\n")
    else:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
