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
    """True if any is true; otherwise unknown if any is unknown; otherwise false (De Morgan of `k_and`,
    written out: the cross-check calls it for every `any` of every case)."""
    seen_unknown = False
    for v in values:
        if v is True:
            return True
        if v is None:
            seen_unknown = True
    return None if seen_unknown else False


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


def interval_compare(op: str, left: tuple, right: tuple) -> bool | None:
    """`left op right` where each side is only known to lie in [at least, at most] (at most None: no bound).

    True when every pair of values in the two ranges satisfies `op`, false when none does, otherwise
    unknown. Two exact values (at least = at most) compare as numbers do.
    """
    inf = float("inf")
    llo, lhi = left[0], inf if left[1] is None else left[1]
    rlo, rhi = right[0], inf if right[1] is None else right[1]
    if op == "lt":
        return True if lhi < rlo else False if llo >= rhi else None
    if op == "le":
        return True if lhi <= rlo else False if llo > rhi else None
    if op == "gt":
        return True if llo > rhi else False if lhi <= rlo else None
    if op == "ge":
        return True if llo >= rhi else False if lhi < rlo else None
    same = True if llo == lhi == rlo == rhi else False if (lhi < rlo or llo > rhi) else None
    if op == "eq":
        return same
    assert op == "ne", op
    return None if same is None else not same
