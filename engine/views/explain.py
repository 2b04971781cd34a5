"""One decision as text a legal reviewer reads: what decided it, every rule with its comparisons, the
missing data and the sources. Rendered from the decision alone (`engine.core.results.Decision`, read from
its record), in Swedish or English; it never recomputes anything.
"""
from __future__ import annotations

from typing import Any, Mapping

from policy import facts as F
from policy.model import OPERATORS

from .. import messages as M
from ..core.evaluate import Detail
from ..core.logic import show
from ..core.results import Decision, RuleOutcome, missing_name


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
    else:  # a literal: yes/no or a word (a number or date to compare with is a parameter: type_literal_threshold)
        return _value(right.get("value"), w)
    if "times" in right:
        base += f" × {right['times']['param']} {_value(right['times']['value'], w)} = {_value(right.get('product'), w, unit)}"
    return base


def _missing_label(m: Mapping[str, Any], w: dict) -> str:
    """What is missing, as the trace names it: a national average as such (`riksgenomsnitt merit_value_y9`),
    never by its indicator alone, which reads like the unit's own result."""
    return f"{w['average']} {m['national_average']}" if "national_average" in m else missing_name(m)


def _why_missing(m: Mapping[str, Any], facts: Mapping[str, Any], w: dict) -> str:
    """Why a fact has no value: the record's reason, said as DELIVERY.md reads an absent group. A field of an
    injunction the delivery does not have does not apply (no injunction is on record); a field of the economic
    annex the delivery does not have is missing because the annex is; a count taken only for some units does
    not apply to the others."""
    fact = m.get("fact")
    if m.get("reason") == "missing" and isinstance(fact, str):
        group = next((g for g in F.EVENT_GROUPS if fact.startswith(g + ".")), None)
        if group in ("unit.injunction", "huvudman.injunction") and facts.get(f"{group}.present") is False:
            return w["not_applicable"].format(present=f"{group}.present", false=w["false"])
        if group == "huvudman.economy" and facts.get("huvudman.economy.present") is False:
            return w["no_annex"]
        when = F.COUNTED_WHEN.get(fact)
        if when is not None and when[0] in facts and facts[when[0]] != when[1]:
            return w["counted_when"].format(fact=when[0], value=w["true" if when[1] else "false"])
    return M.translate(m["reason"], w["lang"])


def condition_lines(c: Detail, w: dict, indent: str, members: Mapping | None = None, facts: Mapping | None = None) -> list[str]:
    """An evaluated condition as indented lines, each ending in its result.

    `members` (the record's `input.members`) names the units behind a count, so a reviewer sees which
    unit's fine or outcome a huvudman rule rests on.
    """
    result = w[show(c.result)]
    if c.kind in ("all", "any", "not"):
        lines = [f"{indent}{w[c.kind]} → {result}"]
        for item in c.items:
            lines += condition_lines(item, w, indent + "  ", members, facts)
        return lines
    if c.kind in ("known", "unknown"):
        test = w["known"] if c.kind == "known" else w["unknown_test"]
        return [f"{indent}{c.fact}: {_value(c.value, w, _unit(c.fact))}; {test} → {result}"]
    if c.kind == "derived":
        return [f"{indent}{w['derived']} {c.fact} → {result}"]
    unit = _unit(c.fact)
    left = _value(c.value, w, unit) if c.bounds is None else f"? ({_bounds(c.bounds, w)})"
    line = f"{indent}{c.fact}: {left} {OPERATORS[c.op]} {_right(c.right, w, unit)} → {result}"
    for m in c.missing:
        line += f"  [{_missing_label(m, w)}: {_why_missing(m, facts or {}, w)}]"
    units = (members or {}).get(c.fact)
    if units:
        label = w["counted_one"] if len(units["counted"]) + len(units.get("unknown", ())) == 1 else w["counted"]
        line += f"  ({label}: {', '.join(units['counted']) or '–'}"
        line += f"; {w['unknown_units']}: {', '.join(units['unknown'])})" if units.get("unknown") else ")"
    return [line]


def _sources(r: RuleOutcome) -> str:
    """The sources of a rule, each section once (two quotes from one section name it once)."""
    return "; ".join(M.sections(r.source))


def _why(d: Decision, w: dict, lang: str) -> str:
    """What the outcome rests on: the round, an officer, the deciding rules, the missing data, or the default."""
    r = d.ranking or {}
    if "uncertain_against" in r and d.outcome == r.get("result"):
        why = w["straddles"].format(best=r["best"], worst=r["worst"], capacity=M.number(r["capacity"]["value"], lang))
        if d.hinges_on:
            why += f"; {w['hinges_on']} {', '.join(d.hinges_on)}"
        if r["uncertain_against"]:
            why += "; " + w["against"].format(ids=", ".join(r["uncertain_against"]))
        return why
    if d.forced:
        return f"{w['forced']}: {d.forced['decided_by']}, {d.forced['decided_on']}"
    if d.decided_by:
        return f"{w['decided_by']} {', '.join(d.decided_by)}"
    if d.hinges_on:
        return f"{w['hinges_on']} {', '.join(d.hinges_on)}"
    return w["default"]


def _rank(d: Decision, w: dict, lang: str) -> list[str]:
    """The place in the round: rank, capacity, priority and the tie-break facts; the range when unsure."""
    r = d.ranking
    out = [f"{w['rank']}: {d.rank} {w['of']} {r['of']} ({w['capacity']} {M.number(r['capacity']['value'], lang)}); "
           f"{w['priority']} {M.number(d.priority, lang)}"
           + (f" + {w['priority_unknown']} ({', '.join(d.priority_unknown)})" if d.priority_unknown else "")
           + "".join(f"; {t['fact']} = {_value(t['value'], w, _unit(t['fact']))}"
                     + (f" ({_bounds(t['bounds'], w)})" if "bounds" in t else "") for t in r["then_by"])]
    if "best" in r:
        out.append(f"{w['best_worst'].format(best=r['best'], worst=r['worst'])}; {w['round_result']}: {M.outcome(r['result'], lang)}")
    return out


def _rule_lines(r: RuleOutcome, d: Decision, w: dict, lang: str) -> list[str]:
    """One rule: its status, text and sources, its interpretation, what set it aside, its comparisons."""
    by = r.overridden_by
    status = w["forced_status"] if r.forced else w[r.status]
    out = [f"- [{status}] {r.rule} — {r.text[lang]} ({_sources(r)})"]
    if r.interpretation is not None:
        out.append(f"    {w['interpretation']}: {r.interpretation[lang]}")
    if by and "override" in by:
        o = by["override"]
        if r.forced:  # the officer decided the outcome through this rule, not against it
            out.append(f"    {w['forced_by_line']} {o['decided_by']}, {o['decided_on']} → {M.outcome(o.get('outcome'), lang)}; "
                       f"{w['reason']}: {o['reason']}")
        else:
            out.append(f"    {w['set_aside_by']} {o['decided_by']}, {o['decided_on']}; {w['reason']}: {o['reason']}")
    elif by:
        out.append(f"    {w['exception']} {by['rule']}")
    if r.condition is not None:
        out += condition_lines(r.condition, w, "    ", d.members, d.facts)
    return out


def _piece(fact: str, p: Mapping[str, Any], lang: str) -> str:
    """`< 224,4 → valbar`, `≥ 224,4 → ej valbar`, `= 10 → …`, `ja → …`."""
    to = M.outcome(p["outcome"], lang)
    if "value" in p:
        return f"{M.value_text(fact, p['value'], lang)} → {to}"
    lo, hi = p.get("from"), p.get("to")
    if lo is not None and lo == hi:
        return f"= {M.value_text(fact, lo, lang)} → {to}"
    parts = []
    if lo is not None:
        parts.append(f"{'≥' if p['from_included'] else '>'} {M.value_text(fact, lo, lang)}")
    if hi is not None:
        parts.append(f"{'≤' if p['to_included'] else '<'} {M.value_text(fact, hi, lang)}")
    joined = f" {M.words(lang)['and']} ".join(parts) or M.words(lang)["any_value"]
    return f"{joined} → {to}"


def needed_lines(needed: Mapping[str, Any], lang: str) -> list[str]:
    """What is still needed, one line per missing fact: `- meritvärdet i årskurs 9 (unit.results.merit_value_y9):
    < 224,4 → valbar; ≥ 224,4 → ej valbar`, then the facts that cannot decide the case alone."""
    w = M.words(lang)
    if "error" in needed:
        return [f"- {w['error']}: {M.error_text(needed['error'], lang)}"]
    out = []
    for f in needed.get("facts", ()):
        name, path = M.fact_name(f["fact"], lang), f["fact"]
        label = f"{name} ({path})" if name != path else path
        out.append(f"- {label}: " + "; ".join(_piece(path, p, lang) for p in f["decides"]))
    if not out and not needed.get("with_other_decisions"):
        out.append(f"- {w['no_single_fact']}")
    if needed.get("cannot_decide"):
        out.append(f"- {w['cannot_decide']}: " + ", ".join(needed["cannot_decide"]))
    if needed.get("with_other_decisions"):
        out.append(f"- {w['with_other_decisions']}: " + ", ".join(needed["with_other_decisions"]))
    return out


def explain_text(decision: "Decision | Mapping[str, Any]", lang: str = "sv") -> str:
    """A decision (or the record stating it) as readable text."""
    d = Decision.of(decision)
    w = M.words(lang)
    head = f"{w[d.kind]} {d.id}" + (f" {d.name}" if d.name else "")
    if d.kind == "unit":
        head += f" ({w['huvudman']} {d.huvudman_id})"
    out = [head]
    if d.error:
        out.append(f"{w['outcome']}: {w['error']}: {M.error_text(d.error, lang)}")
    else:
        out.append(f"{w['outcome']}: {M.outcome(d.outcome, lang)} — {_why(d, w, lang)}")
        if d.rank:
            out += _rank(d, w, lang)
    p = d.pack
    out.append(f"{w['pack']} {p['id']}@{p['version']} sha256 {p['sha256']}; {w['input']} sha256 {d.input_sha256}; "
               f"{w['engine']} {d.engine_version}")
    if d.derived:
        out += ["", f"{w['derived_facts']}: " + ", ".join(f"{k} = {w.get(v, v)}" for k, v in d.derived.items())]
    out += ["", f"{w['rules']}:"]
    for r in d.trace:
        out += _rule_lines(r, d, w, lang)
    if d.missing:
        out += ["", f"{w['missing']}:"]
        for m in d.missing:
            what = _missing_label(m, w)
            who = f"{w['huvudman']} {m['huvudman']}" if "huvudman" in m else ""
            head = ": ".join(x for x in (who, what) if x)
            out.append(f"- {head}: {M.translate(m['reason'], lang)}")  # a count's reason states its bounds
    if d.needed:
        out += ["", f"{w['needed']}:"] + needed_lines(d.needed, lang)
    if d.overrides:
        out += ["", f"{w['overrides']}:"]
        out += [f"- {w[o['action']]} {o['rule']}" + (f" → {M.outcome(o['outcome'], lang)}" if "outcome" in o else "")
                + f": {o['reason']} ({o['decided_by']}, {o['decided_on']})" for o in d.overrides]
    return "\n".join(out) + "\n"
