"""The operators of the condition language, in one table that the parser, the type checker, the JSON
Schema, the canonical form, both evaluators and the explainer read.

Each row says what the operator takes (`operands`), how it is written in traces (`symbol`), its negation
on known values (what `not` of it is when both sides are known), its meaning on two known values
(`python`), its durable_rules test (`durable`), and how a reader says it (`words`). An operator that is
syntax over the core forms has a `lower` instead: the desugaring stage (`desugar`) rewrites it while the
pack is parsed, so the checker, the hash and both evaluators only ever see the core forms, and a pack
written with it has the hash of the same pack written out.
"""
from __future__ import annotations

import operator
from typing import Any, Callable, Mapping

import attrs

#: What an operator compares its fact with.
VALUE = "value"        #: one operand: a plain value, a parameter, a national average or another fact
ORDERED = "ordered"    #: as VALUE, for facts whose values are ordered (numbers, dates)
VALUES = "values"      #: a list of plain values
RANGE = "range"        #: two operands, low and high, both inclusive


@attrs.frozen
class Operator:
    name: str
    symbol: str
    operands: str
    words: Mapping[str, str]
    negation: str | None = None
    python: Callable[[Any, Any], bool] | None = None
    durable: str | None = None
    lower: Callable[..., Any] | None = None  #: (fact, operands, loc) -> a core condition

    @property
    def core(self) -> bool:
        return self.lower is None


def _between(fact: str, operands: tuple, loc: Any) -> Any:
    """`between: [low, high]` is `all: [ge low, le high]`: unknown when the fact or a bound is."""
    from .model import All, Compare
    low, high = operands
    return All((Compare(fact, "ge", low, loc), Compare(fact, "le", high, loc)), loc)


TABLE: tuple[Operator, ...] = (
    Operator("eq", "=", VALUE, {"sv": "är lika med", "en": "equals"}, "ne", operator.eq, "$eq"),
    Operator("ne", "≠", VALUE, {"sv": "är skild från", "en": "differs from"}, "eq", operator.ne, "$neq"),
    Operator("lt", "<", ORDERED, {"sv": "är mindre än", "en": "is less than"}, "ge", operator.lt, "$lt"),
    Operator("le", "≤", ORDERED, {"sv": "är högst", "en": "is at most"}, "gt", operator.le, "$lte"),
    Operator("gt", ">", ORDERED, {"sv": "är större än", "en": "is greater than"}, "le", operator.gt, "$gt"),
    Operator("ge", "≥", ORDERED, {"sv": "är minst", "en": "is at least"}, "lt", operator.ge, "$gte"),
    Operator("in", "∈", VALUES, {"sv": "är ett av", "en": "is one of"}, "not_in", lambda value, listed: value in listed),
    Operator("not_in", "∉", VALUES, {"sv": "är inget av", "en": "is none of"}, "in", lambda value, listed: value not in listed),
    Operator("between", "∈ [·, ·]", RANGE, {"sv": "ligger mellan (gränserna medräknade)", "en": "lies between (inclusive)"},
             lower=_between),
)
BY_NAME: dict[str, Operator] = {op.name: op for op in TABLE}

#: name -> the symbol traces write (every operator a pack may use)
OPERATORS: dict[str, str] = {op.name: op.symbol for op in TABLE}
ORDERING = tuple(op.name for op in TABLE if op.operands == ORDERED)
MEMBERSHIP = tuple(op.name for op in TABLE if op.operands == VALUES)
CORE = tuple(op.name for op in TABLE if op.core)
NEGATE: dict[str, str] = {op.name: op.negation for op in TABLE if op.negation}
DURABLE: dict[str, str] = {op.name: op.durable for op in TABLE if op.durable}
PYTHON: dict[str, Callable[[Any, Any], bool]] = {op.name: op.python for op in TABLE if op.python}


def desugar(fact: str, name: str, operands: Any, loc: Any) -> Any:
    """The desugaring stage: a comparison written with a syntax operator, as its core condition."""
    op = BY_NAME[name]
    if op.core:
        from .model import Compare
        return Compare(fact, name, operands, loc)
    return op.lower(fact, operands, loc)
