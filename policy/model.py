"""The pack model: frozen classes built once by the loader and shared read-only by the engine.

Locations are kept on every element for diagnostics but take no part in equality, so two packs that
differ only in layout compare equal (and hash equal, see `canonical`).
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Union

import attrs

from .diagnostics import Location

FORMAT_VERSION = 1


def _loc() -> Any:
    return attrs.field(default=Location(""), eq=False, repr=False)


#: The languages every text of a pack carries: Swedish (explanations are Swedish by default) and English.
LANGUAGES = ("sv", "en")


def _by_language(texts: Any) -> tuple[tuple[str, str], ...]:
    items = dict(texts)
    first = [(lang, items.pop(lang)) for lang in LANGUAGES if lang in items]
    return (*first, *sorted(items.items()))


@attrs.frozen
class Text(Mapping):
    """A text by language: Swedish and English, and any further language its pack declares (`languages:`).

    A read-only mapping from language code to text, in a fixed order (sv, en, then the others by code),
    so records and the canonical form are the same however the YAML was written.
    """

    by_language: tuple[tuple[str, str], ...] = attrs.field(converter=_by_language)

    def __getitem__(self, lang: str) -> str:
        for code, text in self.by_language:
            if code == lang:
                return text
        raise KeyError(lang)

    def __iter__(self) -> Iterator[str]:
        return (code for code, _ in self.by_language)

    def __len__(self) -> int:
        return len(self.by_language)


@attrs.frozen
class Citation:
    """Where a rule or parameter comes from: a source's short name and a section, optionally a quote."""

    doc: str
    section: str
    quote: str | None = None
    loc: Location = _loc()

    def __str__(self) -> str:
        return f"{self.doc} {self.section}"


@attrs.frozen
class Source:
    """A document the pack draws on, under its short name (GP2016, VAX2016, ...)."""

    key: str
    title: str
    reference: str | None = None
    loc: Location = _loc()


@attrs.frozen
class PackMeta:
    """Identity and validity of a pack version."""

    id: str
    version: str
    valid_from: str
    valid_to: str | None
    title: Text
    sources: tuple[Source, ...]
    supersedes: str | None = None
    format: int = FORMAT_VERSION
    loc: Location = _loc()
    #: versions this one corrects for their whole validity: kept for replay and an explicit `--pack`,
    #: never chosen by date
    replaces: tuple[str, ...] = ()
    #: the languages of every text in the pack: Swedish and English, and any the pack adds
    languages: tuple[str, ...] = LANGUAGES
    title_loc: Location = _loc()  #: where the title is written, for what is said of it

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


@attrs.frozen
class Parameter:
    """A named value with a unit and a source; optionally a different value per school form."""

    name: str
    unit: str
    value: Any
    by_school_form: tuple[tuple[str, Any], ...]
    source: tuple[Citation, ...]
    text: Text | None = None
    interpretation: Text | None = None
    loc: Location = _loc()

    def value_for(self, school_form: str | None) -> Any:
        """The value for a school form: its own if listed, else the general `value` (None if neither)."""
        for form, value in self.by_school_form:
            if form == school_form:
                return value
        return self.value


# --- operands: the right-hand side of a comparison -------------------------------------------------


@attrs.frozen
class Literal:
    """A written value: true/false or a word from a value set (numbers are parameters, not literals)."""

    value: Any
    loc: Location = _loc()


@attrs.frozen
class ParamRef:
    """A parameter's value (for a unit, the value for its school form)."""

    name: str
    loc: Location = _loc()


@attrs.frozen
class NationalAverage:
    """The delivery's national average of an indicator, optionally times a ratio parameter."""

    indicator: str
    times: str | None = None
    loc: Location = _loc()


@attrs.frozen
class FactRef:
    """Another fact of the same case, optionally times a ratio parameter."""

    path: str
    times: str | None = None
    loc: Location = _loc()


Operand = Union[Literal, ParamRef, NationalAverage, FactRef]

# --- conditions ------------------------------------------------------------------------------------

#: Comparison operators (name -> symbol in traces), those that order, those that list: `policy.operators`.
from . import operators as _operators  # noqa: E402  (the table is defined beside the model)

OPERATORS, ORDERING, MEMBERSHIP = _operators.OPERATORS, _operators.ORDERING, _operators.MEMBERSHIP


@attrs.frozen
class All:
    """True when every part is true (Kleene: false if any is false, else unknown if any is unknown)."""

    items: tuple["Condition", ...]
    loc: Location = _loc()


@attrs.frozen
class Any_:
    """True when some part is true (Kleene: true if any is true, else unknown if any is unknown)."""

    items: tuple["Condition", ...]
    loc: Location = _loc()


@attrs.frozen
class Not:
    """The negation (unknown stays unknown)."""

    item: "Condition"
    loc: Location = _loc()


@attrs.frozen
class Compare:
    """A fact compared with an operand; unknown when either side has no value."""

    fact: str
    op: str
    right: Operand | tuple[Literal, ...]
    loc: Location = _loc()


@attrs.frozen
class Known:
    """Whether a fact has a value (`known`) or has none (`unknown`); never itself unknown."""

    fact: str
    want_known: bool = True
    loc: Location = _loc()


@attrs.frozen
class Derived:
    """A derived fact (asserted by the rules that name it in `derive`): true if one of them fired."""

    name: str
    loc: Location = _loc()


Condition = Union[All, Any_, Not, Compare, Known, Derived]

# --- rules -----------------------------------------------------------------------------------------


@attrs.frozen
class Effect:
    """What a firing rule does: give an outcome, derive a fact, adjust the ranking priority."""

    outcome: str | None = None
    derive: str | None = None
    priority: int | float | ParamRef | None = None
    loc: Location = _loc()


@attrs.frozen
class Rule:
    """One rule: Swedish and English text, its source, a condition and an effect."""

    id: str
    scope: str
    text: Text
    source: tuple[Citation, ...]
    when: Condition
    then: Effect
    interpretation: Text | None = None
    exception_to: tuple[str, ...] = ()
    loc: Location = _loc()
    #: findings of `sbs check` the pack keeps on purpose: (code, why); not part of the hash (it decides nothing)
    intended: tuple[tuple[str, str], ...] = attrs.field(default=(), eq=False)


@attrs.frozen
class Ranking:
    """How the cases of one outcome are ranked across a delivery and cut at the round's capacity.

    Cases are ordered by priority (highest first), then by each `then_by` fact (highest first, unknown
    last), then by id; the first `capacity` keep the outcome `ranked`, the rest get `beyond`.
    """

    ranked: str
    capacity: ParamRef
    beyond: str
    then_by: tuple[FactRef, ...] = ()
    loc: Location = _loc()


@attrs.frozen
class OutcomePolicy:
    """How a scope's outcome is resolved: the precedence of firing outcomes, the default, on unknown."""

    scope: str
    precedence: tuple[str, ...]
    default: str
    on_unknown: str
    loc: Location = _loc()
    ranking: Ranking | None = None
    #: findings of `sbs check` about the scope's outcomes kept on purpose: (code, why); not part of the hash
    intended: tuple[tuple[str, str], ...] = attrs.field(default=(), eq=False)


@attrs.frozen
class Expectation:
    """What a test case expects: the outcome and, optionally, rules that fire, stay silent or are unknown, and
    a huvudman's priority."""

    outcome: str | None = None
    fired: tuple[str, ...] = ()
    not_fired: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    loc: Location = _loc()
    #: where each expectation is written: `outcome`, `fired:<rule>`, … -> its location (for a failure's line)
    where: tuple[tuple[str, Location], ...] = attrs.field(default=(), eq=False, repr=False)
    #: a huvudman's priority (the number that orders the round; `unknown` where it rests on unknown rules)
    priority: Any = None


@attrs.frozen
class TestCase:
    """A test written in YAML beside the pack: partial facts in, an expectation out."""

    __test__ = False  # not a pytest class

    name: str
    scope: str
    facts: Any
    expect: Expectation
    loc: Location = _loc()


@attrs.frozen
class Pack:
    """A loaded, validated pack version."""

    meta: PackMeta
    parameters: tuple[Parameter, ...]
    rules: tuple[Rule, ...]
    outcomes: tuple[OutcomePolicy, ...]
    tests: tuple[TestCase, ...] = attrs.field(default=(), eq=False)
    path: str = attrs.field(default="", eq=False)
    files: tuple[str, ...] = attrs.field(default=(), eq=False)
    sha256: str = attrs.field(default="", eq=False)

    @property
    def ref(self) -> str:
        return self.meta.ref

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def outcome_policy(self, scope: str) -> OutcomePolicy | None:
        return next((o for o in self.outcomes if o.scope == scope), None)
