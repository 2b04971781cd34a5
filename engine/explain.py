"""One decision record as text a legal reviewer reads: what decided it, every rule with its comparisons,
the missing data and the sources. Rendered from the record alone, in Swedish or English; it never
recomputes anything.
"""
from __future__ import annotations

from typing import Any

from policy.model import OPERATORS

WORDS = {
    "sv": {
        "outcome": "utfall", "decided_by": "avgjort av", "hinges_on": "beror på okända uppgifter i",
        "forced": "fastställt av handläggare", "default": "ingen regel gav ett utfall; standardutfallet gäller",
        "rules": "Regler i utvärderingsordning", "missing": "Saknade uppgifter", "overrides": "Handläggarbeslut",
        "pack": "regelpaket", "input": "indata", "engine": "motor", "rank": "plats", "priority": "prioritet",
        "fired": "uppfylld", "not_fired": "ej uppfylld", "unknown": "okänd", "overridden": "åsidosatt",
        "not_reached": "ej prövad", "true": "sant", "false": "falskt", "interpretation": "tolkning",
        "set_aside_by": "åsidosatt av", "exception": "undantag genom regeln", "reason": "skäl",
        "all": "alla av", "any": "någon av", "not": "inte", "known": "är känd", "unknown_test": "är okänd",
        "derived": "härlett", "param": "parameter", "average": "riksgenomsnitt", "error": "motorfel",
        "ranking": "rangordning", "of": "av", "capacity": "kapacitet", "unit": "skolenhet", "huvudman": "huvudman",
        "derived_facts": "Härledda uppgifter", "between": "mellan {lo} och {hi}", "at_least": "minst {lo}",
        "counted": "skolenheter", "unknown_units": "okända", "best_worst": "bästa möjliga plats {best}, sämsta {worst}",
        "round_result": "omgångens utfall",
        "straddles": "omgången kan inte placera huvudmannen: bästa möjliga plats {best}, sämsta {worst}, kapacitet {capacity}",
        "against": "ordningen mot {ids} avgörs inte av kända uppgifter",
    },
    "en": {
        "outcome": "outcome", "decided_by": "decided by", "hinges_on": "hinges on missing data in",
        "forced": "forced by an officer", "default": "no rule gave an outcome; the default applies",
        "rules": "Rules in evaluation order", "missing": "Missing data", "overrides": "Officer overrides",
        "pack": "pack", "input": "input", "engine": "engine", "rank": "rank", "priority": "priority",
        "fired": "fired", "not_fired": "not fired", "unknown": "unknown", "overridden": "overridden",
        "not_reached": "not reached", "true": "true", "false": "false", "interpretation": "interpretation",
        "set_aside_by": "set aside by", "exception": "exception by rule", "reason": "reason",
        "all": "all of", "any": "any of", "not": "not", "known": "is known", "unknown_test": "is unknown",
        "derived": "derived", "param": "parameter", "average": "national average", "error": "engine error",
        "ranking": "ranking", "of": "of", "capacity": "capacity", "unit": "unit", "huvudman": "huvudman",
        "derived_facts": "Derived facts", "between": "between {lo} and {hi}", "at_least": "at least {lo}",
        "counted": "units", "unknown_units": "unknown", "best_worst": "best possible place {best}, worst {worst}",
        "round_result": "result in the round",
        "straddles": "the round cannot place the huvudman: best possible place {best}, worst {worst}, capacity {capacity}",
        "against": "its order against {ids} is not settled by known data",
    },
}


def _value(v: Any, w: dict) -> str:
    if isinstance(v, bool):
        return w["true"] if v else w["false"]
    return "?" if v is None else str(v)


def _bounds(b: list, w: dict) -> str:
    """What is known of an unknown count: `between 1 and 3`, or `at least 2` without an upper bound."""
    return w["at_least"].format(lo=b[0]) if b[1] is None else w["between"].format(lo=b[0], hi=b[1])


def _right(right: dict, w: dict) -> str:
    if "values" in right:
        return "{" + ", ".join(map(str, right["values"])) + "}"
    if "param" in right:
        base = f"{w['param']} {right['param']} = {_value(right['value'], w)}"
    elif "national_average" in right:
        base = f"{w['average']} {right['national_average']} = {_value(right['value'], w)}"
    elif "fact" in right:
        base = f"{right['fact']} = {_value(right['value'], w)}"
        if right.get("bounds") is not None:
            base += f" ({_bounds(right['bounds'], w)})"
    else:
        return _value(right.get("value"), w)
    if "times" in right:
        base += f" × {right['times']['param']} {_value(right['times']['value'], w)} = {_value(right.get('product'), w)}"
    return base


def condition_lines(c: dict, w: dict, indent: str, members: dict | None = None) -> list[str]:
    """An evaluated condition as indented lines, each ending in its result.

    `members` (the record's `input.members`) names the units behind a count, so a reviewer sees which
    unit's fine or outcome a huvudman rule rests on.
    """
    result = w.get(c["result"], c["result"])
    for group in ("all", "any", "not"):
        if group in c:
            lines = [f"{indent}{w[group]} → {result}"]
            for item in c[group]:
                lines += condition_lines(item, w, indent + "  ", members)
            return lines
    if "known" in c or "unknown" in c:
        path = c.get("known") or c.get("unknown")
        test = w["known"] if "known" in c else w["unknown_test"]
        return [f"{indent}{path}: {_value(c['value'], w)}; {test} → {result}"]
    if "derived" in c:
        return [f"{indent}{w['derived']} {c['derived']} → {result}"]
    left = _value(c["value"], w) if c.get("bounds") is None else f"? ({_bounds(c['bounds'], w)})"
    line = f"{indent}{c['fact']}: {left} {OPERATORS[c['op']]} {_right(c['right'], w)} → {result}"
    for m in c.get("missing", []):
        what = m.get("fact") or m.get("param") or m.get("national_average") or m.get("derived")
        line += f"  [{what}: {m['reason']}]"
    units = (members or {}).get(c["fact"])
    if units:
        line += f"  ({w['counted']}: {', '.join(units['counted']) or '–'}"
        line += f"; {w['unknown_units']}: {', '.join(units['unknown'])})" if units.get("unknown") else ")"
    return [line]


def _sources(entry: dict) -> str:
    return "; ".join(f"{s['doc']} {s['section']}" for s in entry["source"])


def explain_text(record: dict, lang: str = "sv") -> str:
    """The record of one unit or huvudman as readable text."""
    w = WORDS[lang]
    facts = record["input"]["facts"]
    name = facts.get(f"{record['kind']}.name", "")
    head = f"{w[record['kind']]} {record['id']}" + (f" {name}" if name else "")
    if record["kind"] == "unit":
        head += f" ({w['huvudman']} {record['huvudman_id']})"
    out = [head]
    if record.get("error"):
        out.append(f"{w['outcome']}: {w['error']}: {record['error']['message']}")
    else:
        forced = [o for o in record.get("overrides", []) if o["action"] == "force"]
        r = record.get("ranking") or {}
        if "uncertain_against" in r and record["outcome"] == r.get("result"):
            why = w["straddles"].format(best=r["best"], worst=r["worst"], capacity=r["capacity"]["value"])
            if record["hinges_on"]:
                why += f"; {w['hinges_on']} {', '.join(record['hinges_on'])}"
            if r["uncertain_against"]:
                why += "; " + w["against"].format(ids=", ".join(r["uncertain_against"]))
        elif forced:
            why = f"{w['forced']}: {forced[0]['decided_by']}, {forced[0]['decided_on']}"
        elif record["decided_by"]:
            why = f"{w['decided_by']} {', '.join(record['decided_by'])}"
        elif record["hinges_on"]:
            why = f"{w['hinges_on']} {', '.join(record['hinges_on'])}"
        else:
            why = w["default"]
        out.append(f"{w['outcome']}: {record['outcome']} — {why}")
        if record.get("rank"):
            r = record["ranking"]
            out.append(f"{w['rank']}: {record['rank']} {w['of']} {r['of']} ({w['capacity']} {r['capacity']['value']}); "
                       f"{w['priority']} {record['priority']}"
                       + (f" + {w['unknown']} ({', '.join(record['priority_unknown'])})" if record.get("priority_unknown") else "")
                       + "".join(f"; {t['fact']} = {_value(t['value'], w)}" + (f" ({_bounds(t['bounds'], w)})" if "bounds" in t else "")
                                 for t in r["then_by"]))
            if "best" in r:
                out.append(f"{w['best_worst'].format(best=r['best'], worst=r['worst'])}; {w['round_result']}: {r['result']}")
    p = record["pack"]
    out.append(f"{w['pack']} {p['id']}@{p['version']} sha256 {p['sha256']}; {w['input']} sha256 {record['input_sha256']}; "
               f"{w['engine']} {record['engine_version']}")
    if record.get("derived"):
        out += ["", f"{w['derived_facts']}: " + ", ".join(f"{k} = {w.get(v, v)}" for k, v in record["derived"].items())]
    out += ["", f"{w['rules']}:"]
    for e in record["trace"]:
        out.append(f"- [{w[e['status']]}] {e['rule']} — {e['text'][lang]} ({_sources(e)})")
        if "interpretation" in e:
            out.append(f"    {w['interpretation']}: {e['interpretation'][lang]}")
        by = e.get("overridden_by")
        if by and "override" in by:
            o = by["override"]
            out.append(f"    {w['set_aside_by']} {o['decided_by']}, {o['decided_on']}; {w['reason']}: {o['reason']}")
        elif by:
            out.append(f"    {w['exception']} {by['rule']}")
        if "condition" in e:
            out += condition_lines(e["condition"], w, "    ", record["input"].get("members"))
    if record.get("missing"):
        out += ["", f"{w['missing']}:"]
        for m in record["missing"]:
            what = m.get("fact") or m.get("param") or m.get("national_average") or m.get("derived")
            who = f"{w['huvudman']} {m['huvudman']}" if "huvudman" in m else ""
            head = ": ".join(x for x in (who, what) if x)
            out.append(f"- {head}: {m['reason']}")  # a count's reason states its bounds
    if record.get("overrides"):
        out += ["", f"{w['overrides']}:"]
        out += [f"- {o['action']} {o['rule']}" + (f" → {o['outcome']}" if "outcome" in o else "")
                + f": {o['reason']} ({o['decided_by']}, {o['decided_on']})" for o in record["overrides"]]
    return "\n".join(out) + "\n"
