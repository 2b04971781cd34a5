"""`sbs test --mutate`: how many one-edit mutants of a pack its own YAML tests notice.

Each valid mutant (policy.mutate) is decided by the engine on every test of the pack, in this process or in
worker processes (forked, so the mutants are not sent anywhere); the first failing test kills it. A mutant
that no test kills is then compared with the pack by the z3 reading (engine.symbolic.compare): if no case
is decided otherwise (outcome, a huvudman's priority, a derived fact a huvudman counts), it is equivalent,
proven, and left out of the score. A parameter only the round's capacity reads cannot be seen by a test of
one case: such a mutant is listed as `round` and left out too. Every other survivor is the edit a reviewer
could miss, with a witness case; `suggest` turns the witness into a YAML test that kills it, checked on both packs.
"""
from __future__ import annotations

import os
from typing import Any, Callable, Iterable

import attrs
import yaml

from policy.model import Expectation, Pack, TestCase
from policy.mutate import Mutant, mutants

from ..core.runner import Engine
from .packtests import run_tests
from .workers import WorkerPool

KILLED, SURVIVED, EQUIVALENT, ROUND, INVALID = "killed", "survived", "equivalent", "round", "invalid"
DISAGREEMENT = "engine error"  #: the engine and the z3 reading decide the mutant's witness otherwise: reported, exit 1
TIMEOUT = 60  #: seconds one mutant may take on all the tests, or one survivor's judging (a hang counts as noticed)


@attrs.frozen
class Outcome:
    """What became of one mutant."""

    mutant: Mutant
    status: str                         #: killed, survived, equivalent, round, invalid or engine_error
    by: str | None = None               #: the test that killed it, or why it is equivalent, beyond one case or invalid
    witness: dict | None = None         #: for a survivor: a case the mutant decides otherwise
    suggestion: dict | None = None      #: for a survivor, with `suggest`: the YAML test that kills it

    def to_json(self) -> dict[str, Any]:
        out = {**self.mutant.to_json(), "status": self.status}
        if self.by:
            out["by"] = self.by
        if self.witness is not None:
            out["witness"] = self.witness
        if self.suggestion is not None:
            out["suggestion"] = self.suggestion
        return out


@attrs.frozen
class MutationRun:
    pack: Pack
    outcomes: tuple[Outcome, ...]

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def scored(self) -> int:
        """Mutants that count: killed or survived (not invalid, equivalent or beyond one case)."""
        return self.count(KILLED) + self.count(SURVIVED)

    @property
    def score(self) -> float:
        return self.count(KILLED) / self.scored if self.scored else 1.0

    def to_json(self) -> dict[str, Any]:
        return {"pack": self.pack.ref, "mutants": len(self.outcomes), "killed": self.count(KILLED),
                "survived": self.count(SURVIVED), "equivalent": self.count(EQUIVALENT), "round": self.count(ROUND),
                "invalid": self.count(INVALID), "engine_errors": self.count(DISAGREEMENT), "score": round(self.score, 4),
                "outcomes": [o.to_json() for o in self.outcomes if o.status != KILLED]}


# --- killing: the pack's tests on each mutant ---------------------------------------------------------

_STATE: dict[str, Any] = {}  #: what forked workers read: the mutants and the tests


def _try(i: int) -> tuple[str, str | None]:
    """Whether mutant `i` is noticed: (killed or survived or invalid, the test that noticed it)."""
    m: Mutant = _STATE["mutants"][i]
    tests: list[TestCase] = _STATE["tests"]
    order: list[int] = _STATE["order"]
    try:
        engine = Engine(m.pack)
    except Exception as e:  # noqa: BLE001 - a mutant the engine cannot compile is not a valid pack
        return INVALID, f"the engine cannot compile it: {e}"
    for k, t in enumerate(order):
        try:
            result = run_tests(m.pack, engine, [tests[t]], _STATE["default_refusals"])[0]
        except ValueError as e:  # the mutant has no rules left for the test's scope: the test cannot pass
            return KILLED, f"{tests[t].name} ({e})"
        if not result.passed:
            order.insert(0, order.pop(k))  # the test that noticed this one is tried first on the next
            return KILLED, tests[t].name
    return SURVIVED, None


def _map(fn: Callable[[int], Any], n: int, workers: int, per_worker: int, stopped: Callable[[int, str, str], Any],
         progress: Callable[[int], None] | None = None) -> list[Any]:
    """`fn` on 0..n-1: here with no workers, else in the watchdog's pool (`engine.batch.workers`), whose workers
    are replaced after `per_worker` items; a mutant that hangs or crashes its worker gets `stopped`'s answer."""
    if workers <= 0:
        out = []
        for i in range(n):
            out.append(fn(i))
            if progress:
                progress(1)
        return out
    out = []
    with WorkerPool(lambda: fn, stopped, min(workers, max(n, 1)), TIMEOUT, per_worker) as pool:
        for answer in pool.run_all(list(range(n))):
            out.append(answer)
            if progress:
                progress(1)
    return out


# --- survivors: equivalent, or a witness ----------------------------------------------------------------

def _judge(pack: Pack, m: Mutant, suggest: bool, default_refusals: bool) -> tuple[str, str | None, dict | None, dict | None]:
    """(status, why, witness, killing test) of a survivor: what goes back from a worker (the mutant stays here)."""
    from ..symbolic.compare import compare_packs  # noqa: PLC0415 - z3 only for survivors
    from ..symbolic.witness import Disagreement  # noqa: PLC0415
    try:
        comparison = compare_packs(pack, m.pack, m.scopes or None)
    except Disagreement as e:
        return DISAGREEMENT, str(e), None, None
    if comparison.equivalent:
        return EQUIVALENT, "no case is decided otherwise (proven with z3)", None, None
    d = comparison.differences[0]
    return SURVIVED, None, d.to_json(), _killing_test(pack, m, d, default_refusals) if suggest else None


def _killing_test(pack: Pack, m: Mutant, d: Any, default_refusals: bool) -> dict | None:
    """The witness as a YAML test expecting what the pack decides; kept only if it passes on the pack and
    fails on the mutant."""
    before = {r: s[0] for r, s in d.statuses.items() if s[0] in ("fired", "not_fired", "unknown")}
    expect: dict[str, Any] = {"outcome": d.before}
    if d.priority is not None:
        expect["priority"] = d.priority[0]
    for status in ("fired", "not_fired", "unknown"):
        rules = sorted(r for r, s in before.items() if s == status)
        if rules:
            expect[status] = rules
    name = f"guards against {m.description}" + (f" (line {m.loc.line})" if m.description in _STATE.get("ambiguous", ()) else "")
    expectation = Expectation(expect["outcome"], tuple(expect.get("fired", ())), tuple(expect.get("not_fired", ())),
                              tuple(expect.get("unknown", ())), priority=expect.get("priority"))
    engines = (_STATE.get("engine") or Engine(pack), Engine(m.pack))

    def kills(facts: dict) -> bool:
        case = TestCase(name, d.scope, facts, expectation)
        try:
            return run_tests(pack, engines[0], [case], default_refusals)[0].passed and \
                not run_tests(m.pack, engines[1], [case], default_refusals)[0].passed
        except ValueError:  # a scope with no rules left
            return False
    if not kills(d.facts):
        return None
    out: dict[str, Any] = {"name": name}
    if d.scope != "unit":
        out["scope"] = d.scope
    out["facts"] = _fewest(d.facts, kills)
    out["expect"] = expect
    return out


def _leaves(facts: Any, path: tuple = ()) -> list[tuple]:
    """The paths of a test's facts, the deepest first (a group after its members)."""
    if not isinstance(facts, dict) or not facts or set(facts) <= {"at_least", "at_most"}:  # a count's bounds are one fact
        return [path] if path else []
    out = [p for k, v in facts.items() for p in _leaves(v, (*path, k))]
    return out + ([path] if path else [])


def _without(facts: dict, path: tuple) -> dict:
    out = dict(facts)
    if len(path) == 1:
        out.pop(path[0], None)
    elif isinstance(out.get(path[0]), dict):
        out[path[0]] = _without(out[path[0]], path[1:])
    return out


def _fewest(facts: dict, kills: Callable[[dict], bool]) -> dict:
    """The facts with every one left out that the test does not need: left out one at a time, kept out when
    the test still passes on the pack and fails on the mutant (a test an officer can read)."""
    for path in _leaves(facts):
        trial = _without(facts, path)
        if trial != facts and kills(trial):
            facts = trial
    return facts


def _judged(i: int) -> tuple:
    return _judge(_STATE["pack"], _STATE["survivors"][i], _STATE["suggest"], _STATE["default_refusals"])


def run_mutation(pack: Pack, default_refusals: bool = False, workers: int | None = None, suggest: bool = False,
                 progress: Callable[[int], None] | None = None, only: Iterable[str] | None = None) -> MutationRun:
    """Every mutant of `pack` (of the operators `only`, if given), tried on its tests; survivors judged:
    equivalent (proven), beyond one case (the round), or a witness (and with `suggest`, a killing test)."""
    workers = (os.cpu_count() or 1) if workers is None else workers
    made = list(mutants(pack))
    if only is not None:
        wanted = set(only)
        made = [(m, ok) for m, ok in made if m.operator in wanted]
    valid = [m for m, ok in made if ok]
    _STATE.update(pack=pack, mutants=valid, tests=list(pack.tests), order=list(range(len(pack.tests))),
                  default_refusals=default_refusals, suggest=suggest)
    noticed = _map(_try, len(valid), workers, 60, lambda _i, code, message: (KILLED, f"the tests did not end on it: {code}: {message}"),
                   progress)
    by_id = {m.id: answer for m, answer in zip(valid, noticed)}
    out: dict[str, Outcome] = {}
    survivors = []
    for m, ok in made:
        status, by = by_id[m.id] if ok else (INVALID, "the pack's checks refuse it")
        if status != SURVIVED:
            out[m.id] = Outcome(m, status, by)
        elif m.round_only:
            out[m.id] = Outcome(m, ROUND, "only the round's capacity reads this parameter: no test of one case can show it")
        else:
            survivors.append(m)
    _STATE["survivors"] = survivors
    seen: dict[str, int] = {}
    for m, _ in made:
        seen[m.description] = seen.get(m.description, 0) + 1
    _STATE["ambiguous"] = {d for d, n in seen.items() if n > 1}  # a test's name says which line then
    _STATE["engine"] = Engine(pack) if suggest else None  # the pack's own engine, made once, forked to every worker
    judged = _map(_judged, len(survivors), workers, 6, lambda _i, code, message: (DISAGREEMENT, f"{code}: {message}", None, None))
    for m, (status, why, witness, test) in zip(survivors, judged):
        out[m.id] = Outcome(m, status, why, witness, test)
    return MutationRun(pack, tuple(out[m.id] for m, _ in made))


def suggestions_yaml(run: MutationRun) -> str:
    """The killing tests of the survivors, as YAML to paste under a test file's `tests:`."""
    tests = [o.suggestion for o in run.outcomes if o.suggestion is not None]
    return yaml.safe_dump(tests, sort_keys=False, allow_unicode=True, width=110) if tests else ""


__all__ = ["MutationRun", "Outcome", "run_mutation", "suggestions_yaml"]
