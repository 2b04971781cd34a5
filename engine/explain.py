"""One decision record as text a legal reviewer reads: what decided it, every rule with its comparisons,
the missing data and the sources. Rendered from the record alone, in Swedish or English; it never
recomputes anything.
"""
from __future__ import annotations

from typing import Any

from policy import facts as F
from policy.model import OPERATORS

from . import messages as M

def _unit(path: str | None) -> str | None:
    """The unit of a fact (`share`, `pupils`, …), so its numbers are written as such (85,6 %)."""
    field = F.FIELDS.get(path) if path else None
    return field.type.unit if field is not None else None


def _value(v: Any, w: dict, unit: str | None = None) -> str:
    if isinstance(v, bool):
        return w["true"] if v else w["false"]
    return "?" if v is None else M.number(v, w["lang"], unit)


def _bounds(b: list, w: dict) -> str:
    """What is known of an unknown count: `between 1 and 3`, or `at least 2` without an upper bound."""
    lo = M.number(b[0], w["lang"])
    return w["at_least"].format(lo=lo) if b[1] is None else w["between"].format(lo=lo, hi=M.number(b[1], w["lang"]))


def _right(right: dict, w: dict, unit: str | None) -> str:
    """The right side of a comparison, in the unit of the fact it is compared with."""
    if "values" in right:
        return "{" + ", ".join(map(str, right["values"])) + "}"
    if "param" in right:
        base = f"{w['param']} {right['param']} = {_value(right['value'], w, unit)}"
    elif "national_average" in right:
        base = f"{w['average']} {right['national_average']} = {_value(right['value'], w, unit)}"
    elif "fact" in right:
        base = f"{right['fact']} = {_value(right['value'], w, unit)}"
        if right.get("bounds") is not None:
            base += f" ({_bounds(right['bounds'], w)})"
    else:
        return _value(right.get("value"), w, unit)
    if "times" in right:
        base += f" × {right['times']['param']} {_value(right['times']['value'], w)} = {_value(right.get('product'), w, unit)}"
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
        return [f"{indent}{path}: {_value(c['value'], w, _unit(path))}; {test} → {result}"]
    if "derived" in c:
        return [f"{indent}{w['derived']} {c['derived']} → {result}"]
    unit = _unit(c["fact"])
    left = _value(c["value"], w, unit) if c.get("bounds") is None else f"? ({_bounds(c['bounds'], w)})"
    line = f"{indent}{c['fact']}: {left} {OPERATORS[c['op']]} {_right(c['right'], w, unit)} → {result}"
    for m in c.get("missing", []):
        what = m.get("fact") or m.get("param") or m.get("national_average") or m.get("derived")
        line += f"  [{what}: {M.translate(m['reason'], w['lang'])}]"
    units = (members or {}).get(c["fact"])
    if units:
        label = w["counted_one"] if len(units["counted"]) + len(units.get("unknown", ())) == 1 else w["counted"]
        line += f"  ({label}: {', '.join(units['counted']) or '–'}"
        line += f"; {w['unknown_units']}: {', '.join(units['unknown'])})" if units.get("unknown") else ")"
    return [line]


def _sources(entry: dict) -> str:
    """The sources of a rule, each section once (two quotes from one section name it once)."""
    return "; ".join(dict.fromkeys(f"{s['doc']} {s['section']}" for s in entry["source"]))


def explain_text(record: dict, lang: str = "sv") -> str:
    """The record of one unit or huvudman as readable text."""
    w = M.words(lang)
    facts = record["input"]["facts"]
    name = facts.get(f"{record['kind']}.name", "")
    head = f"{w[record['kind']]} {record['id']}" + (f" {name}" if name else "")
    if record["kind"] == "unit":
        head += f" ({w['huvudman']} {record['huvudman_id']})"
    out = [head]
    if record.get("error"):
        out.append(f"{w['outcome']}: {w['error']}: {M.error_text(record['error'], lang)}")
    else:
        forced = [o for o in record.get("overrides", []) if o["action"] == "force"]
        r = record.get("ranking") or {}
        if "uncertain_against" in r and record["outcome"] == r.get("result"):
            why = w["straddles"].format(best=r["best"], worst=r["worst"], capacity=M.number(r["capacity"]["value"], lang))
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
        out.append(f"{w['outcome']}: {M.outcome(record['outcome'], lang)} — {why}")
        if record.get("rank"):
            r = record["ranking"]
            out.append(f"{w['rank']}: {record['rank']} {w['of']} {r['of']} ({w['capacity']} {M.number(r['capacity']['value'], lang)}); "
                       f"{w['priority']} {M.number(record['priority'], lang)}"
                       + (f" + {w['priority_unknown']} ({', '.join(record['priority_unknown'])})" if record.get("priority_unknown") else "")
                       + "".join(f"; {t['fact']} = {_value(t['value'], w, _unit(t['fact']))}"
                                 + (f" ({_bounds(t['bounds'], w)})" if "bounds" in t else "") for t in r["then_by"]))
            if "best" in r:
                out.append(f"{w['best_worst'].format(best=r['best'], worst=r['worst'])}; {w['round_result']}: {M.outcome(r['result'], lang)}")
    p = record["pack"]
    out.append(f"{w['pack']} {p['id']}@{p['version']} sha256 {p['sha256']}; {w['input']} sha256 {record['input_sha256']}; "
               f"{w['engine']} {record['engine_version']}")
    if record.get("derived"):
        out += ["", f"{w['derived_facts']}: " + ", ".join(f"{k} = {w.get(v, v)}" for k, v in record["derived"].items())]
    out += ["", f"{w['rules']}:"]
    for e in record["trace"]:
        by = e.get("overridden_by")
        forced = bool(by and "override" in by and by["override"]["action"] == "force")
        status = w["forced_status"] if forced else w[e["status"]]
        out.append(f"- [{status}] {e['rule']} — {e['text'][lang]} ({_sources(e)})")
        if "interpretation" in e:
            out.append(f"    {w['interpretation']}: {e['interpretation'][lang]}")
        if by and "override" in by:
            o = by["override"]
            if forced:  # the officer decided the outcome through this rule, not against it
                out.append(f"    {w['forced_by_line']} {o['decided_by']}, {o['decided_on']} → {M.outcome(o.get('outcome'), lang)}; "
                           f"{w['reason']}: {o['reason']}")
            else:
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
            out.append(f"- {head}: {M.translate(m['reason'], lang)}")  # a count's reason states its bounds
    if record.get("overrides"):
        out += ["", f"{w['overrides']}:"]
        out += [f"- {w[o['action']]} {o['rule']}" + (f" → {M.outcome(o['outcome'], lang)}" if "outcome" in o else "")
                + f": {o['reason']} ({o['decided_by']}, {o['decided_on']})" for o in record["overrides"]]
    return "\n".join(out) + "\n"
