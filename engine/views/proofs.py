"""Text of the proofs (`sbs check`, `sbs compare`, `sbs explain --why-not`): what an officer reads."""
from __future__ import annotations

import textwrap
from typing import Iterable

from ..symbolic.check import Finding


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
