"""Kleene's three-valued logic (True, False, None for unknown) and the effect of exceptions on a rule."""
from __future__ import annotations

from typing import Iterable, Mapping

def k_not(v: bool | None) -> bool | None:
    return None if v is None else not v


def k_and(values: Iterable[bool | None]) -> bool | None:
    """False if any is false; otherwise unknown if any is unknown; otherwise true."""
    seen_unknown = False
    for v in values:
        if v is False:
            return False
        if v is None:
            seen_unknown = True
    return None if seen_unknown else True


def k_or(values: Iterable[bool | None]) -> bool | None:
    """True if any is true; otherwise unknown if any is unknown; otherwise false (De Morgan of `k_and`)."""
    return k_not(k_and(k_not(v) for v in values))


def show(v: bool | None) -> str:
    """`true`, `false` or `unknown`, as traces write them."""
    return "unknown" if v is None else ("true" if v else "false")


def effective(rule_id: str, values: Mapping[str, bool | None], exceptions: Mapping[str, tuple[str, ...]],
              set_aside: frozenset[str] = frozenset()) -> bool | None:
    """Whether a rule's effect applies: it holds and none of its exceptions holds; an officer's set-aside removes it."""
    if rule_id in set_aside:
        return False
    excepted_by = exceptions.get(rule_id)
    if not excepted_by:
        return values.get(rule_id)
    return k_and([values.get(rule_id), *(k_not(values.get(e)) for e in excepted_by)])


def derived_value(name: str, derivers: Mapping[str, tuple[str, ...]], values: Mapping[str, bool | None],
                  exceptions: Mapping[str, tuple[str, ...]], set_aside: frozenset[str] = frozenset()) -> bool | None:
    """A derived fact holds when the effect of one of the rules deriving it applies."""
    return k_or(effective(r, values, exceptions, set_aside) for r in derivers.get(name, ()))
