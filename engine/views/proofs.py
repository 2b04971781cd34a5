"""Text of the proofs (`sbs check`, `sbs compare`, `sbs explain --why-not`): what an officer reads."""
from __future__ import annotations

import textwrap
from typing import Iterable

import yaml

from .. import messages as M
from ..symbolic.check import Finding
from ..symbolic.counterfactual import WhyNot
from ..symbolic.compare import Comparison
from .diff import ROUND


def findings_text(findings: Iterable[Finding]) -> str:
    """Each finding at its place (`file:line:col: severity: code: message`), then the witness as a YAML test
    to paste under the pack's `tests:`; an intended finding with its reason, without the witness."""
    out = []
    for f in findings:
        where = f"[{f.pack} {f.scope}{' ' + f.rule if f.rule else ''}]"
        out.append(f"{f.location}: {f.severity}: {f.code}: {where} {f.message}")
        if f.intended is not None:
            out.append(textwrap.indent(textwrap.fill(f"intended: {f.intended}", 100), "  "))
        elif f.witness is not None:
            out.append("  witness, as a test case for the pack's tests:")
            out.append(textwrap.indent(f.witness.yaml(f.test_name(), f.expect).rstrip("\n"), "    "))
    return "\n".join(out) + ("\n" if out else "")


def findings_summary(findings: list[Finding], packs: Iterable[str]) -> str:
    lines = []
    for ref in packs:
        mine = [f for f in findings if f.pack == ref]
        failing = sum(f.fails for f in mine)
        intended = sum(f.intended is not None for f in mine)
        if not mine:
            lines.append(f"{ref}: no findings")
        else:
            lines.append(f"{ref}: {len(mine)} finding{'s' * (len(mine) != 1)}, {failing} failing, {intended} intended, "
                         f"{len(mine) - failing - intended} warning{'s' * (len(mine) - failing - intended != 1)}")
    return "\n".join(lines)


def comparison_text(c: Comparison) -> str:
    """Per scope: equivalent, or each pair of outcomes with the rules whose status differs and the case."""
    n = len(c.differences)
    head = "equivalent" if c.equivalent else f"not equivalent: {n} case{'s' * (n != 1)} decided differently"
    out = [f"{c.before.ref} → {c.after.ref}: {head}"]
    for scope in c.scopes:
        mine = [d for d in c.differences if d.scope == scope]
        if not mine:
            out.append(f"{scope}: equivalent (no {scope} case is decided differently)")
            continue
        for d in mine:
            what = f"{d.before} → {d.after}"
            if d.priority is not None:
                what += f", priority {d.priority[0]} → {d.priority[1]}"
            for name, (x, y) in (d.derived or {}).items():
                what += f", {name} {x} → {y}"
            out.append(f"{scope}: {what}")
            changed = ", ".join(f"{r} ({a or 'absent'} → {b or 'absent'})" for r, (a, b) in sorted(d.statuses.items()))
            out.append(f"  rules whose status differs: {changed or 'none'}")
            out.append("  the case:")
            out.append(textwrap.indent(yaml.safe_dump(d.facts, sort_keys=False, allow_unicode=True, width=110).rstrip("\n"), "    "))
    for scope in c.missing:
        out.append(f"{scope}: not compared (only one of the packs has {scope} rules)")
    return "\n".join(out) + "\n"


_WHY = {
    "sv": {"head": "Minsta ändringar som ger {target}:", "another": "ett annat utfall", "none": "Ingen ändring av de fakta som kan ändras ger {target}.",
           "instead": "i stället för", "was_missing": "saknas i dag", "rules": "regler som ändras", "fixed": "Hålls fasta (kan inte ändras av {who})",
           "unit": "skolenheten", "huvudman": "huvudmannen", "and": "och",
           "with_others": "Hålls också fasta, eftersom de ändrar skolenheternas beslut (pröva dem med --why-not på skolenheterna)"},
    "en": {"head": "The smallest changes that give {target}:", "another": "another outcome", "none": "No change of the facts that can change gives {target}.",
           "instead": "instead of", "was_missing": "missing now", "rules": "rules that change", "fixed": "Held fixed ({who} cannot change them)",
           "unit": "the unit", "huvudman": "the huvudman", "and": "and",
           "with_others": "Also held, as they change the units' decisions (ask --why-not of the units)"},
}


def change_text(c, sources: tuple[str, ...] | None, lang: str) -> str:
    """`meritvärdet i årskurs 9 231 i stället för 181 (GP2016 2.3.2 punkt 1)`: the sections of the rule it moves."""
    w = _WHY[lang]
    was = (f"{w['instead']} {M.value_text(c.fact, c.before, lang)}" if c.before is not None else f"({w['was_missing']})")
    return f"{M.fact_name(c.fact, lang)} {M.value_text(c.fact, c.after, lang)} {was}" + (f" ({'; '.join(sources)})" if sources else "")


def already_text(case_id: str, name: str, outcome: str, lang: str) -> str:
    """What `--why-not --to` says when the case already has that outcome."""
    word = {"sv": "är redan", "en": "is already"}[lang]
    return f"{case_id}{' ' + name if name else ''} {word} {M.outcome(outcome, lang)}."


def why_not_text(result: WhyNot, name: str, lang: str) -> str:
    w = _WHY[lang]
    target = M.outcome(result.to, lang) if result.to else w["another"]
    out = [f"{result.id}{' ' + name if name else ''}: {M.outcome(result.outcome, lang)}"]
    if not result.answers:
        out.append(w["none"].format(target=target))
    else:
        out.append(w["head"].format(target=target))
        for i, a in enumerate(result.answers, 1):
            changes = f" {w['and']} ".join(change_text(c, a.sources.get(c.fact), lang) for c in a.changes)
            out.append(f"{i}. {changes} → {M.outcome(a.outcome, lang)}")
            out.append(f"   {w['rules']}: {', '.join(a.rules)}")
    out.append(f"{w['fixed'].format(who=w[result.scope])}: {', '.join(result.fixed)}")
    if result.with_others:
        out.append(f"{w['with_others']}: {', '.join(result.with_others)}")
    return "\n".join(out) + "\n"


_BT = {
    "sv": {"head": "Backtest av {to} på {n} ur beslutsloggen", "one": "leverans", "many": "leveranser", "delivery": "Leverans {d} ({date}), beslutad med {frm}",
           "unchanged": "inga beslut ändras", "changed": "{n} av {total} beslut ändras", "decision": "beslut", "decisions": "beslut", "change": "ändras", "changes": "ändras", "proposed": "föreslagna huvudmän",
           "pupils": "elever som nås av förslaget", "total": "Totalt", "params": "Parametrar som skiljer",
           "rules": "regler", "dropped": "handläggarnas beslut som inte kan tillämpas (regeln saknas i {to})",
           "round": "(omgången)",
           "unit": "skolenhet", "huvudman": "huvudman", "missing": "saknas"},
    "en": {"head": "Backtest of {to} on {n} of the decision log", "one": "delivery", "many": "deliveries", "delivery": "Delivery {d} ({date}), decided by {frm}",
           "unchanged": "no decision changes", "changed": "{n} of {total} {noun} {verb}", "decision": "decision", "decisions": "decisions", "change": "change", "changes": "changes", "proposed": "huvudmän proposed",
           "pupils": "pupils reached by the proposal", "total": "In total", "params": "Parameters that differ",
           "rules": "rules", "dropped": "officers' overrides that cannot apply (the rule is not in {to})",
           "round": ROUND,
           "unit": "unit", "huvudman": "huvudman", "missing": "missing"},
}


def _param_value(v: dict | None, lang: str) -> str:
    if v is None:
        return _BT[lang]["missing"]
    if "by_school_form" in v:
        forms = ", ".join(f"{f} {M.number(x, lang, v.get('unit'))}" for f, x in v["by_school_form"].items())
        return forms + (f"; {M.number(v['value'], lang, v.get('unit'))}" if "value" in v else "")
    return M.number(v.get("value"), lang, v.get("unit")) if "value" in v else "–"


def backtest_text(bt, lang: str = "sv") -> str:
    w = _BT[lang]
    out = [w["head"].format(to=bt.to.ref, n=M.plural(len(bt.deliveries), w["one"], w["many"]))]
    for d in bt.deliveries:
        out += ["", w["delivery"].format(d=d.delivery, date=d.date, frm=d.before)]
        out.append("  " + (_changed(w, len(d.changed), d.decisions) if d.changed else w["unchanged"]))
        for kind, counts in d.transitions.items():
            for t, n in counts.items():
                frm, to = t.split(" → ")
                out.append(f"  {w[kind]}: {M.outcome(frm, lang)} → {M.outcome(to, lang)}: {n}")
        out.append(f"  {w['proposed']}: {d.proposed[0]} → {d.proposed[1]}; {w['pupils']}: "
                   f"{M.number(d.pupils[0], lang)} → {M.number(d.pupils[1], lang)}")
        for c in d.changed:
            out.append(f"  - {w[c['kind']]} {c['id']}: {M.outcome(c['from'], lang)} → {M.outcome(c['to'], lang)} "
                       f"({w['rules']}: {_rules(c['rules'], w) or '–'})")
        if d.dropped_overrides:
            out.append("  " + w["dropped"].format(to=bt.to.ref) + ": " + ", ".join(f"{o['target']} {o['rule']}" for o in d.dropped_overrides))
    t = bt.totals()
    out += ["", f"{w['total']}: " + (_changed(w, t["changed"], t["decisions"]) if t["changed"] else w["unchanged"])]
    for kind, counts in t["transitions"].items():
        for tr, n in counts.items():
            frm, to = tr.split(" → ")
            out.append(f"  {w[kind]}: {M.outcome(frm, lang)} → {M.outcome(to, lang)}: {n}")
    out.append(f"  {w['proposed']}: {t['proposed']['from']} → {t['proposed']['to']}; {w['pupils']}: "
               f"{M.number(t['pupils_reached']['from'], lang)} → {M.number(t['pupils_reached']['to'], lang)}")
    if bt.parameters:
        out += ["", w["params"] + ":"]
        for p in bt.parameters:
            sides = [f"{ref} {_param_value(v, lang)}" for ref, v in p.items() if ref != "name"]
            out.append(f"  {p['name']}: " + " | ".join(sides))
    return "\n".join(out) + "\n"


def _rules(rules: list[str], w: dict) -> str:
    """The rules of a change, the round named in the language (the JSON keeps its token)."""
    return ", ".join(w["round"] if r == ROUND else r for r in rules)


def backtest_html(bt, lang: str = "sv") -> str:
    """The backtest as a section of an HTML report: the text's tables, self-contained."""
    import html
    w = _BT[lang]
    t = bt.totals()
    rows = []
    for d in bt.deliveries:
        for c in d.changed:
            rows.append(f"<tr><td>{html.escape(d.delivery)}</td><td>{w[c['kind']]}</td>"
                        f"<td><a id=\"{c['kind']}-{html.escape(c['id'])}\"></a>{html.escape(c['id'])}</td>"
                        f"<td>{M.outcome(c['from'], lang)}</td><td>{M.outcome(c['to'], lang)}</td>"
                        f"<td>{html.escape(_rules(c['rules'], w))}</td></tr>")
    params = "".join(f"<tr><td>{html.escape(p['name'])}</td>" + "".join(
        f"<td>{html.escape(_param_value(v, lang))}</td>" for ref, v in p.items() if ref != "name") + "</tr>" for p in bt.parameters)
    refs = sorted({ref for p in bt.parameters for ref in p if ref != "name"})
    return (f"<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{html.escape(w['head'].format(to=bt.to.ref, n=M.plural(len(bt.deliveries), w['one'], w['many'])))}</title>"
            "<style>body{font-family:sans-serif;max-width:70em;margin:2em auto}table{border-collapse:collapse}"
            "td,th{border:1px solid #999;padding:.2em .5em;text-align:left}</style></head><body>"
            f"<section id=\"backtest\"><h1>{html.escape(w['head'].format(to=bt.to.ref, n=M.plural(len(bt.deliveries), w['one'], w['many'])))}</h1>"
            f"<p>{w['changed'].format(n=t['changed'], total=t['decisions']) if t['changed'] else w['unchanged']}; "
            f"{w['proposed']}: {t['proposed']['from']} → {t['proposed']['to']}; {w['pupils']}: "
            f"{M.number(t['pupils_reached']['from'], lang)} → {M.number(t['pupils_reached']['to'], lang)}</p>"
            "<table><tr><th>" + "</th><th>".join(("leverans" if lang == "sv" else "delivery", "", "id", "före" if lang == "sv" else "before",
                                                  "efter" if lang == "sv" else "after", w["rules"])) + "</th></tr>"
            + "".join(rows) + "</table>"
            + (f"<h2>{w['params']}</h2><table><tr><th></th>" + "".join(f"<th>{html.escape(r)}</th>" for r in refs)
               + "</tr>" + params + "</table>" if bt.parameters else "")
            + "</section></body></html>\n")


def _changed(w: dict, n: int, total: int) -> str:
    """`3 of 10 decisions change`, `1 of 10 decisions changes`, `1 of 1 decision changes`."""
    return w["changed"].format(n=n, total=total, noun=w["decision" if total == 1 else "decisions"], verb=w["changes" if n == 1 else "change"])
