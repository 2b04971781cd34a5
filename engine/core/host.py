"""Our own durable_rules host: no background threads, one session per case, every error surfaced.

durable_rules' module-level host (`durable.lang`) is global state and starts poller threads; this host
does neither. Actions only record what fired (and, at the end of a stage, assert the next stage's fact);
an exception inside an action, which durable_rules would swallow, is kept and raised after the case.
"""
from __future__ import annotations

import itertools
import json
import re
from typing import Any

import durable_rules_engine
import orjson
from durable import engine as durable_engine

from .compile import SINK_PRI, Compiled, derived_key
from .logic import derived_value

#: A number token with an exponent and no decimal point, e.g. `: 1e-05`; inside a string it is a false
#: alarm that only costs the exact (slower) encoding.
_UNSAFE_NUMBER = re.compile(r"[:\[,]\s*-?\d+[eE]")


def _encode(value: Any) -> str:
    if isinstance(value, float):
        text = repr(value)
        if "e" in text and "." not in text:
            mantissa, _, exponent = text.partition("e")
            return f"{mantissa}.0e{exponent}"
        return json.dumps(value, allow_nan=False)
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(str(k), ensure_ascii=False) + ":" + _encode(v) for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_encode(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


class _SafeJson:
    """The `json` durable_rules serialises with: its C reader segfaults on a number written with an
    exponent but no decimal point (measured: `1e-05`, `1e+16`, `5e-324` crash; `1.5e-05` does not), and
    Python writes 0.00001 as `1e-05`. Such floats are written `1.0e-05`, the same value."""

    loads = staticmethod(json.loads)

    @staticmethod
    def dumps(value: Any, **_: Any) -> str:
        """A fact as JSON for durable_rules: orjson's text (twenty times as fast as `json`, the same values)
        unless a number has an exponent without a decimal point, which `_encode` writes safely."""
        try:
            text = orjson.dumps(value).decode("utf-8")
        except (TypeError, UnicodeDecodeError):  # an integer beyond 64 bits, a lone surrogate: json says it
            text = json.dumps(value, ensure_ascii=False, allow_nan=False)
        return _encode(value) if _UNSAFE_NUMBER.search(text) else text


# durable_rules is used only through this module, so its serialiser is replaced here, once.
durable_engine.json = _SafeJson


class DurableError(RuntimeError):
    """durable_rules failed on a case (an error code, or an exception inside an action); `rule` if one is to blame."""

    def __init__(self, message: str, rule: str | None = None) -> None:
        super().__init__(message)
        self.rule = rule


class QuietHost(durable_engine.Host):
    """A durable_rules host without its poller threads; actions run synchronously inside `assert_facts`."""

    def _run(self) -> None:  # the base class starts two threading.Timer pollers here
        pass


class DurableRunner:
    """One compiled scope registered once; `fire` evaluates one case in a fresh session.

    It drives durable_rules' C engine directly (`durable_rules_engine`): assert the case, then take each
    activation in turn and complete it. Python's host layer would re-serialise the session state and parse
    the whole matched fact for every activation, which cost seven times the rule matching itself; here an
    activation costs one C call, and only the rule's name is read from it. The actions are ours alone: a
    rule's activation is recorded, `_advance#k` asserts the next stage's fact into the same session, the
    sink does nothing. Use `DurableRunner.get`, so a host registers each ruleset once.
    """

    def __init__(self, compiled: Compiled, host: QuietHost) -> None:
        self.compiled, self.host = compiled, host
        self._ids = itertools.count()
        self._advance = {name: int(name.split("#")[1]) for name in compiled.ruleset if name.startswith("_advance#")}
        self._handle = durable_rules_engine.create_ruleset(compiled.name, _SafeJson.dumps(compiled.ruleset))

    @classmethod
    def get(cls, compiled: Compiled, host: QuietHost) -> "DurableRunner":
        """The host's runner for this ruleset, registering it the first time."""
        runners = host.__dict__.setdefault("_sbs_runners", {})
        if compiled.name not in runners:
            runners[compiled.name] = cls(compiled, host)
        return runners[compiled.name]

    def _assert(self, fact: dict, many: bool = False) -> int:
        """Assert a fact (or a batch of one) and give its session's state handle; refusals are errors."""
        text = _SafeJson.dumps([fact] if many else fact)
        code, state = (durable_rules_engine.assert_facts if many else durable_rules_engine.assert_fact)(self._handle, text)
        if code == 1:  # cannot happen with the sink; kept loud
            raise DurableError(f"a fact was not handled: {text[:200]}")
        if code == 2:
            raise DurableError(f"a fact was observed twice in one session: {text[:200]}")
        return state

    def _next_stage(self, fact: dict, fired: list[str], stage: int, set_aside: frozenset[str]) -> dict:
        values = statuses(fired)
        nxt = dict(fact, stage=stage + 1)
        for name in self.compiled.derivers:
            v = derived_value(name, self.compiled.derivers, values, self.compiled.exceptions, set_aside)
            if v is not None:
                nxt[derived_key(name)] = v
        return nxt

    def fire(self, fact: dict, set_aside: frozenset[str] = frozenset()) -> list[str]:
        """The durable rules that fired for this fact, in firing order."""
        sid = f"c{next(self._ids)}"
        fact = dict(fact, sid=sid)
        fired: list[str] = []
        try:
            state = self._assert(fact, many=True)
            started = durable_rules_engine.start_action_for_state(self._handle, state)
            message = started[1] if started else None
            while message:
                name = message[2:message.index('"', 2)]  # the message is `{"<rule name>":{…}}`
                if name != "_sink":
                    fired.append(name)
                stage = self._advance.get(name)
                if stage is not None:
                    try:
                        nxt = self._next_stage(fact, fired, stage, set_aside)
                    except Exception as e:  # noqa: BLE001 - a fault in an action costs the case, loudly
                        raise DurableError(f"an action failed: {e!r}", getattr(e, "rule", None)) from e
                    self._assert(nxt)
                message = durable_rules_engine.complete_and_start_action(self._handle, state)
            return fired
        except durable_rules_engine.error as e:
            raise DurableError(str(e)) from e
        finally:
            try:
                durable_rules_engine.delete_state(self._handle, sid)
            except durable_rules_engine.error:  # the session may not exist if the assert failed early
                pass


def statuses(fired: list[str]) -> dict[str, bool]:
    """Rule id -> True (one of its `#t#…` fired) or False (one of its `#f#…`); rules with neither are absent (unknown).

    A rule whose condition and negation both fired is a fault of the engine, never a truth value.
    """
    out: dict[str, bool] = {}
    for name in fired:
        rid, _, side = name.partition("#")
        side = side[:1]
        if side in ("t", "f") and not rid.startswith("_"):
            value = side == "t"
            if out.get(rid, value) != value:
                raise DurableError(f"rule `{rid}` and its negation both fired", rid)
            out[rid] = value
    return out


__all__ = ["DurableError", "DurableRunner", "QuietHost", "SINK_PRI", "statuses"]
