"""Our own durable_rules host: no background threads, one session per case, every error surfaced.

durable_rules' module-level host (`durable.lang`) is global state and starts poller threads; this host
does neither. Actions only record what fired (and, at the end of a stage, assert the next stage's fact);
an exception inside an action, which durable_rules would swallow, is kept and raised after the case.
"""
from __future__ import annotations

import itertools
import json
import re
from typing import Any, Callable

import durable_rules_engine
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
    """One compiled scope registered once in a host; `fire` evaluates one case in a fresh session.

    Use `DurableRunner.get`: a ruleset's actions are bound to the runner that registered it, so every
    engine of the same pack in one host must share that runner.
    """

    def __init__(self, compiled: Compiled, host: QuietHost) -> None:
        self.compiled, self.host = compiled, host
        self._sessions: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count()
        rules = {name: dict(rule, run=self._action(name)) for name, rule in compiled.ruleset.items()}
        self.host.register_rulesets({compiled.name: rules})

    @classmethod
    def get(cls, compiled: Compiled, host: QuietHost) -> "DurableRunner":
        """The host's runner for this ruleset, registering it the first time."""
        runners = host.__dict__.setdefault("_sbs_runners", {})
        if compiled.name not in runners:
            runners[compiled.name] = cls(compiled, host)
        return runners[compiled.name]

    def _action(self, name: str) -> Callable[[Any], None]:
        if name == "_sink":
            return lambda c: None
        if name.startswith("_advance#"):
            stage = int(name.split("#")[1])
            return lambda c: self._advance(c, stage)

        def record(c: Any) -> None:
            self._sessions[c.s.sid]["fired"].append(name)

        return record

    def _advance(self, c: Any, stage: int) -> None:
        session = self._sessions[c.s.sid]
        session["fired"].append(f"_advance#{stage}")
        try:
            values = statuses(session["fired"])
            nxt = dict(session["fact"], stage=stage + 1)
            for name in self.compiled.derivers:
                v = derived_value(name, self.compiled.derivers, values, self.compiled.exceptions, session["set_aside"])
                if v is not None:
                    nxt[derived_key(name)] = v
            c.assert_fact(nxt)
        except Exception as e:  # durable_rules would swallow it into the session state
            session["error"] = e

    def fire(self, fact: dict, set_aside: frozenset[str] = frozenset()) -> list[str]:
        """The durable rules that fired for this fact, in firing order."""
        sid = f"c{next(self._ids)}"
        self._sessions[sid] = {"fired": [], "fact": fact, "set_aside": set_aside, "error": None}
        try:
            self.host.assert_facts(self.compiled.name, [dict(fact, sid=sid)])
            session = self._sessions[sid]
            if session["error"] is not None:
                error = session["error"]
                raise DurableError(f"an action failed: {error!r}", getattr(error, "rule", None))
            return session["fired"]
        except durable_engine.MessageNotHandledException as e:  # cannot happen with the sink; kept loud
            raise DurableError(f"a fact was not handled: {e}") from e
        except durable_rules_engine.error as e:
            raise DurableError(str(e)) from e
        finally:
            self._sessions.pop(sid, None)
            try:
                self.host.delete_state(self.compiled.name, sid)
            except Exception:  # noqa: BLE001 - the session may not exist if the assert failed early
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
