"""Text of the proofs (`sbs check`, `sbs compare`, `sbs explain --why-not`): what an officer reads."""
from __future__ import annotations

import textwrap
from typing import Iterable

import yaml

from .. import messages as M
from ..symbolic.check import Finding
from ..symbolic.counterfactual import WhyNot
from ..symbolic.compare import Comparison


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
           "unit": "skolenheten", "huvudman": "huvudmannen", "and": "och"},
    "en": {"head": "The smallest changes that give {target}:", "another": "another outcome", "none": "No change of the facts that can change gives {target}.",
           "instead": "instead of", "was_missing": "missing now", "rules": "rules that change", "fixed": "Held fixed ({who} cannot change them)",
           "unit": "the unit", "huvudman": "the huvudman", "and": "and"},
}


def change_text(c, source: str | None, lang: str) -> str:
    """`meritvärdet i årskurs 9 231 i stället för 181 (GP2016 2.3.2 punkt 1)`."""
    w = _WHY[lang]
    was = (f"{w['instead']} {M.value_text(c.fact, c.before, lang)}" if c.before is not None else f"({w['was_missing']})")
    return f"{M.fact_name(c.fact, lang)} {M.value_text(c.fact, c.after, lang)} {was}" + (f" ({source})" if source else "")


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
    return "\n".join(out) + "\n"
