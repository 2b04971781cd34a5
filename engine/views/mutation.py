"""`sbs test --mutate` as text: per pack the score and every mutant that was not killed, at its place."""
from __future__ import annotations

from ..batch.mutation import DISAGREEMENT, EQUIVALENT, INVALID, KILLED, ROUND, SURVIVED, MutationRun

_HEADS = ((DISAGREEMENT, "ENGINE ERROR (the engine and the z3 reading decide the mutant's witness otherwise)"),
          (SURVIVED, "survived (an edit the tests do not notice; the witness is a case decided otherwise)"),
          (EQUIVALENT, "equivalent (proven: no case is decided otherwise)"),
          (ROUND, "beyond one case (only the round reads it)"),
          (INVALID, "invalid (the pack's checks refuse it)"))


def score_text(run: MutationRun) -> str:
    """`sbs@2.0.0: 556 mutants; 441 killed, 99 survived, …; score 81.7% (441 of 540)`."""
    n = len(run.outcomes)
    parts = [f"{run.count(KILLED)} killed", f"{run.count(SURVIVED)} survived", f"{run.count(EQUIVALENT)} equivalent",
             f"{run.count(ROUND)} beyond one case", f"{run.count(INVALID)} invalid"]
    if run.count(DISAGREEMENT):
        parts.append(f"{run.count(DISAGREEMENT)} ENGINE ERROR{'S' * (run.count(DISAGREEMENT) != 1)}")
    return (f"{run.pack.ref}: {n} mutant{'s' * (n != 1)}; {', '.join(parts)}; "
            f"score {run.score * 100:.1f}% ({run.count(KILLED)} of {run.scored})")


def mutation_text(run: MutationRun) -> str:
    out = [score_text(run)]
    for status, head in _HEADS:
        mine = [o for o in run.outcomes if o.status == status]
        if not mine:
            continue
        out.append(f"  {head}:")
        for o in mine:
            line = f"    {o.mutant.loc}: {o.mutant.description}" + (f": {o.by}" if status == DISAGREEMENT else "")
            if o.witness is not None:
                w = o.witness
                line += f" — a {w['scope']} case: {w['from']} → {w['to']}"
                if w.get("priority"):
                    line += f", priority {w['priority'][0]} → {w['priority'][1]}"
                if w.get("derived"):
                    line += ", " + ", ".join(f"{k} {a} → {b}" for k, (a, b) in w["derived"].items())
            out.append(line)
    return "\n".join(out) + "\n"


__all__ = ["mutation_text", "score_text"]
