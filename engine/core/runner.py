"""The engine: compile a pack once, then for each case fire durable_rules, cross-check, decide, record."""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Mapping

from policy.model import Pack

from .. import messages as M
from ..inputs.case import Case
from ..inputs.overrides import Override, for_target
from .compile import Compiled, averages_digest, compile_pack
from .decide import decide
from .evaluate import Evaluator
from .host import DurableError, DurableRunner, QuietHost, statuses
from .logic import show
from .record import decision_record, error_record, rule_static

try:
    ENGINE_VERSION = version("sbs")
except PackageNotFoundError:  # a checkout that is not installed
    ENGINE_VERSION = "0+unknown"


NEEDED_SCOPES = ("unit", "huvudman")  #: the decisions whose records say what is still needed


class Engine:
    """Evaluates cases of one pack.

    Compiling and registering happen once per scope and set of national averages (once per delivery);
    `evaluate` does no other set-up.
    """

    def __init__(self, pack: Pack, host: QuietHost | None = None, compiled: list[Compiled] = (), needed: bool = False) -> None:
        self.pack = pack
        #: say, in a record that hinges on missing data, what is still needed (engine.symbolic.counterfactual)
        self.needed = needed
        self._readings: dict[str, tuple] = {}
        self.host = host or QuietHost()
        self.scopes = tuple(sorted({r.scope for r in pack.rules}))
        self._by_digest: dict[tuple[str, str], tuple[Compiled, DurableRunner, Evaluator]] = {}
        self._prepared: dict[tuple, tuple[Compiled, DurableRunner, Evaluator]] = {}  # by the averages' items
        self._statics = {r.id: rule_static(r) for r in pack.rules}
        for c in compiled:
            self._by_digest[(c.scope, c.averages)] = (c, DurableRunner.get(c, self.host), Evaluator(c))
        for scope in self.scopes:  # compile errors surface here, before any case
            self.prepare(scope, {})

    def prepare(self, scope: str, averages: Mapping[str, float]) -> tuple[Compiled, DurableRunner, Evaluator]:
        """The compiled ruleset, its runner and its cross-check evaluator for a scope and national averages."""
        fast = (scope, *sorted(averages.items()))
        prepared = self._prepared.get(fast)
        if prepared is None:
            k = (scope, averages_digest(averages))
            if k not in self._by_digest:
                c = compile_pack(self.pack, scope, averages)
                self._by_digest[k] = (c, DurableRunner.get(c, self.host), Evaluator(c))
            prepared = self._prepared[fast] = self._by_digest[k]
        return prepared

    def evaluate(self, case: Case, overrides: list[Override] = (), needed: bool = True) -> dict:
        """The decision record of one case (an error record if the engine cannot decide it); `needed=False`
        leaves out what is still needed, for a record only its outcome is read of."""
        if case.scope not in self.scopes:
            raise ValueError(f"the pack {self.pack.ref} has no {case.scope} rules")
        compiled, runner, evaluator = self.prepare(case.scope, case.averages)
        mine = [o for o in for_target(overrides, case.id) if self.pack.rule(o.rule).scope == case.scope]
        set_aside = frozenset(o.rule for o in mine if o.action == "set_aside")
        try:
            durable = statuses(runner.fire(compiled.fact(case), set_aside))
        except DurableError as e:
            return error_record(compiled, case, "engine_durable_error", str(e), e.rule, ENGINE_VERSION)
        results = evaluator.run(case, set_aside)
        for r in results:
            theirs = durable.get(r.rule_id)
            if theirs != r.value:
                message = M.text("engine_disagreement", rule=r.rule_id, theirs=show(theirs), ours=show(r.value))
                return error_record(compiled, case, "engine_disagreement", message, r.rule_id, ENGINE_VERSION,
                                    {"durable_rules": show(theirs), "cross_check": show(r.value)})
        decision = decide(compiled, case, results, mine)
        record = decision_record(compiled, case, results, decision, mine, ENGINE_VERSION, self._statics)
        if needed and self.needed and decision.hinges_on and decision.forced is None and case.scope in NEEDED_SCOPES:
            record = self._with_needed(record, case.scope)
        return record

    def outcome(self, case: Case) -> str:
        """The outcome alone (before the round), by the cross-check evaluator and the pack's resolution, with
        no trace: what the analyses that try many values of a fact ask of the engine."""
        compiled, _, evaluator = self.prepare(case.scope, case.averages)
        return decide(compiled, case, evaluator.run(case), []).outcome

    def _with_needed(self, record: dict, scope: str) -> dict:
        """The record with `needed` after `missing`: each missing fact that could decide it, with the values
        that give each outcome, and those that cannot decide it alone."""
        from ..symbolic.counterfactual import readings_of, still_needed
        from ..symbolic.witness import DISAGREEMENT, Disagreement
        if not self._readings:
            self._readings = readings_of(self.pack, [k for k in NEEDED_SCOPES if k in self.scopes])
        try:  # the analysis asks only outcomes of this engine (`outcome`), never a record with what is needed
            needed: dict = still_needed(self.pack, record, self, self._readings[scope])
        except Disagreement as e:
            needed = {"error": {"code": DISAGREEMENT, "message": str(e)}}
        out = {}
        for k, v in record.items():
            out[k] = v
            if k == "missing":
                out["needed"] = needed
        return out
