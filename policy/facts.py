"""The fact catalogue: every fact path a rule may read, with its type and unit, per rule scope.

It is the delivery model of DELIVERY.md (and the agreement model) written as data. Paths marked
`computed` are not in the input documents; the engine derives them (presence of an optional group,
counts of lists, aggregates of a huvudman's units, an agreement's duration).
"""
from __future__ import annotations

import attrs

NUMBER, BOOLEAN, ENUM, TEXT, DATE = "number", "boolean", "enum", "text", "date"

#: The largest quantity a fact may hold (15 digits): beyond it a float loses whole units, and a larger
#: number in a delivery is a typing slip, not a statistic.
MAX_QUANTITY = 10 ** 15


def too_large(value: float | int) -> bool:
    """Whether a number is beyond what a fact may hold (or not a number at all: NaN)."""
    return not -MAX_QUANTITY <= value <= MAX_QUANTITY


def digits(value: float | int) -> str:
    """A number fit for a message: one of hundreds of digits is shown by its size."""
    return f"a number of {len(str(abs(int(value))))} digits" if isinstance(value, int) and too_large(value) else str(value)


#: Units of numeric facts and parameters. `ratio` is a dimensionless factor (for `times:`).
QUANTITY_UNITS = ("pupils", "share", "SEK", "years", "points", "count", "ratio")
#: Every unit a parameter may carry: the quantities plus `date`.
PARAMETER_UNITS = QUANTITY_UNITS + ("date",)

ENUMS: dict[str, tuple[str, ...]] = {
    "school_form": (
        "grundskola", "grundsarskola", "gymnasieskola", "gymnasiesarskola", "sameskola",
        "specialskola", "forskola", "forskoleklass", "fritidshem",
    ),
    "huvudman_type": ("kommun", "enskild", "stat", "region"),
    "agreement_kind": ("processtod", "insatser"),
    "insats_type": ("existing_programme", "coordinated_larosate", "tailored", "own"),
    "insats_level": ("huvudman", "school"),
}

#: Outcomes a rule may give, per scope. Their order here is only the order they are listed in.
OUTCOMES: dict[str, tuple[str, ...]] = {
    "unit": ("eligible", "not_eligible", "excluded", "deferred", "manual_review"),
    "huvudman": ("proposed", "waitlisted", "not_proposed", "deferred", "manual_review"),
    "agreement": ("compliant", "non_compliant", "flagged", "manual_review"),
    "insats": ("compliant", "non_compliant", "flagged", "manual_review"),
}

#: The roots of fact paths each scope sees: a unit rule sees its unit, the unit's huvudman and the delivery.
SCOPE_ROOTS: dict[str, tuple[str, ...]] = {
    "unit": ("unit", "huvudman", "delivery"),
    "huvudman": ("huvudman", "units", "delivery"),
    "agreement": ("agreement", "action_plan", "huvudman", "delivery"),
    "insats": ("insats", "agreement", "huvudman", "delivery"),
}
SCOPES = tuple(SCOPE_ROOTS)


@attrs.frozen
class FactType:
    """The type of a fact or operand: kind, and the unit (numbers, dates) or value set (enums)."""

    kind: str
    unit: str | None = None
    enum: str | None = None
    integer: bool = False

    def describe(self) -> str:
        if self.kind == NUMBER:
            return f"a number in {self.unit}"
        if self.kind == ENUM:
            name = self.enum.replace("_", " ")
            return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"
        return {BOOLEAN: "true or false", TEXT: "text", DATE: "a date"}[self.kind]

    @property
    def ordered(self) -> bool:
        """Whether `<`, `<=`, `>`, `>=` make sense: numbers and dates only (never text, see README)."""
        return self.kind in (NUMBER, DATE)


@attrs.frozen
class Field:
    """One fact path of the catalogue."""

    path: str
    type: FactType
    en: str
    computed: bool = False
    #: computed from *other* cases of the delivery (a huvudman's units, a unit's neighbour): part of the
    #: case's recorded input, because the case alone cannot reproduce it
    context: bool = False


def _n(unit: str, integer: bool = False) -> FactType:
    return FactType(NUMBER, unit=unit, integer=integer)


BOOL = FactType(BOOLEAN)
TXT = FactType(TEXT)
DAY = FactType(DATE, unit="date")

#: The indicators of a unit's results (criterion 1): each a national average and a field `unit.results.*`.
RESULTS: dict[str, FactType] = {
    "merit_value_y9": _n("points"),
    "share_eligible_vocational_y9": _n("share"),
    "share_passed_all_subjects_y9": _n("share"),
    "grade_value_y6_swedish": _n("points"),
    "grade_value_y6_maths": _n("points"),
    "share_passed_national_test_y3_swedish": _n("share"),
    "share_passed_national_test_y3_maths": _n("share"),
    "share_degree_within_3y": _n("share"),
    "average_grade_points": _n("points"),
}
#: The indicators of a unit's socioeconomic structure (criterion 2): each a national average and a field
#: `unit.socioeconomics.*`.
SOCIOECONOMICS: dict[str, FactType] = {
    "share_parents_post_secondary": _n("share"),
    "share_foreign_background": _n("share"),
    "share_newly_arrived": _n("share"),
}
#: National averages (riksgenomsnitt) of every indicator, and the unit of each.
INDICATORS: dict[str, FactType] = {**RESULTS, **SOCIOECONOMICS}
RESULT_INDICATORS = tuple(RESULTS)
SOCIOECONOMIC_INDICATORS = tuple(SOCIOECONOMICS)

#: Optional groups that record an event or an annex: absent means "none on record" (injunction) or
#: "not provided" (economy); each gets a computed `<group>.present` that is never unknown.
EVENT_GROUPS = ("unit.injunction", "huvudman.injunction", "huvudman.economy", "action_plan")
#: Their `….present` facts: computed, yet part of a case's recorded input (a group given with every field
#: null is present, which the fields alone do not show).
PRESENCE = frozenset(f"{g}.present" for g in EVENT_GROUPS)

_FIELDS: list[Field] = [
    Field("delivery.id", TXT, "the delivery's identifier"),
    Field("delivery.date", DAY, "the day the delivery was made"),
    Field("delivery.source", TXT, "who delivered it"),
    Field("delivery.units", _n("count", True), "how many units the delivery says it holds (a file cut short is caught)"),
    Field("delivery.huvudman", _n("count", True), "how many huvudmän the delivery says it holds"),
    Field("unit.id", TXT, "skolenhetskod (8 digits)"),
    Field("unit.name", TXT, "the unit's name"),
    Field("unit.huvudman_id", TXT, "the organisation number of the unit's huvudman"),
    Field("unit.school_form", FactType(ENUM, enum="school_form"), "school form"),
    Field("unit.grades", TXT, "the school years taught, for example 4-9"),
    *[Field(f"unit.teaches_y{y}", BOOL, f"the grades include year {y} (F counts as year 0)", computed=True) for y in (3, 6, 9)],
    Field("unit.pupils", _n("pupils", integer=True), "number of pupils"),
    Field("unit.in_underlag", BOOL, "listed by Skolinspektionen (false: added by Skolverket)"),
    Field("unit.injunction.present", BOOL, "an injunction is on record", computed=True),
    Field("unit.injunction.fine", BOOL, "the injunction carries a fine (vite)"),
    Field("unit.injunction.critical_factors", BOOL, "injunction on especially critical factors"),
    Field("unit.injunction.supervision_concluded", BOOL, "the supervision is concluded"),
    Field("unit.injunction.decided", DAY, "the day the injunction was decided"),
    Field("unit.ska_deficiencies", BOOL, "deficiencies in systematic quality work noted"),
    Field("unit.same_building_as", TXT, "id of a unit sharing the buildings"),
    Field("unit.same_building_eligible", BOOL, "a unit sharing its buildings (either names the other in "
          "same_building_as) is of the same huvudman and eligible from the underlag on its own criteria",
          computed=True, context=True),
    *[Field(path, _n("count", True), en, computed=True, context=True) for path, en in (
        ("unit.huvudman_units_in_underlag", "units of the unit's huvudman in the delivery (itself included) listed by Skolinspektionen"),
        ("unit.huvudman_units_fine_open", "units of the unit's huvudman in the delivery (itself included) with a fine whose supervision is not concluded"),
        ("unit.huvudman_units_fine", "units of the unit's huvudman in the delivery (itself included) with a fine, concluded or not"),
        ("unit.huvudman_units_eligible_in_underlag", "for a unit outside the underlag: the units of its huvudman in the underlag that are eligible on their own criteria"),
    )],
    *[Field(f"unit.results.{k}", INDICATORS[k], f"result: {k}") for k in RESULT_INDICATORS],
    *[Field(f"unit.socioeconomics.{k}", INDICATORS[k], f"socioeconomics: {k}") for k in SOCIOECONOMIC_INDICATORS],
    Field("huvudman.id", TXT, "organisationsnummer"),
    Field("huvudman.name", TXT, "the huvudman's name"),
    Field("huvudman.type", FactType(ENUM, enum="huvudman_type"), "kind of huvudman"),
    Field("huvudman.ongoing_sbs_dialogue", BOOL, "already in an SBS dialogue"),
    Field("huvudman.in_newcomer_programme", BOOL, "in the targeted newcomer programme (U2015/3356/S)"),
    Field("huvudman.ska_deficiencies", BOOL, "SKA deficiencies found at huvudman level"),
    Field("huvudman.injunction.present", BOOL, "an injunction is on record", computed=True),
    Field("huvudman.injunction.fine", BOOL, "the injunction carries a fine (vite)"),
    Field("huvudman.injunction.supervision_concluded", BOOL, "the supervision is concluded"),
    Field("huvudman.economy.present", BOOL, "the economic annex was provided", computed=True),
    Field("huvudman.units_with_fine", _n("count", True), "the huvudman's units in the delivery with an injunction "
          "carrying a fine, concluded or not", computed=True, context=True),
    Field("huvudman.economy.profit_sek", _n("SEK"), "last year's result after financial items"),
    Field("huvudman.economy.dividends_sek", _n("SEK"), "dividends paid to owners"),
    Field("huvudman.economy.group_contributions_sek", _n("SEK"), "group contributions (koncernbidrag) given"),
    Field("huvudman.economy.equity_ratio", _n("share"), "equity ratio (soliditet)"),
    *[Field(path, _n(unit, True), en, computed=True, context=True) for path, unit, en in (
        ("units.count", "count", "the huvudman's units in the delivery"),
        ("units.in_underlag", "count", "of them, listed by Skolinspektionen"),
        ("units.eligible", "count", "of them, with outcome eligible"),
        ("units.eligible_in_underlag", "count", "eligible and in the underlag"),
        ("units.manual_review", "count", "of them, with outcome manual_review"),
        ("units.manual_review_in_underlag", "count", "in the underlag with outcome manual_review"),
        ("units.deferred_in_underlag", "count", "in the underlag with outcome deferred"),
        ("units.low_results", "count", "units whose unit rules derived low_results (criterion 1 met)"),
        ("units.results_not_low", "count", "units whose unit rules found low_results false (criterion 1 not met); forms without results statistics are not counted"),
        ("units.results_well_below", "count", "units whose unit rules derived results_well_below (clearly below the national average)"),
        ("units.results_well_above", "count", "units whose unit rules derived results_well_above (clearly above the national average)"),
        ("units.fine_open", "count", "units with an injunction carrying a fine whose supervision is not concluded"),
        ("units.fine", "count", "units with an injunction carrying a fine, concluded or not"),
        ("units.pupils_eligible", "pupils", "pupils in the eligible units"),
    )],
    Field("agreement.id", TXT, "the agreement's identifier"),
    Field("agreement.kind", FactType(ENUM, enum="agreement_kind"), "processtod (first) or insatser (second)"),
    Field("agreement.huvudman_id", TXT, "the huvudman's organisation number"),
    Field("agreement.signed_by.name", TXT, "who signed for the huvudman"),
    Field("agreement.signed_by.role", TXT, "the signatory's role"),
    Field("agreement.signed_by.highest_responsible", BOOL, "the signatory is the highest responsible"),
    Field("agreement.signed_on", DAY, "the day it was signed"),
    Field("agreement.starts", DAY, "first day of the agreement"),
    Field("agreement.ends", DAY, "last day of the agreement"),
    Field("agreement.duration_years", _n("years"), "from starts to ends, in years", computed=True),
    Field("agreement.responsibilities.skolverket.count", _n("count", True), "Skolverket's commitments", computed=True),
    Field("agreement.responsibilities.huvudman.count", _n("count", True), "the huvudman's commitments", computed=True),
    Field("agreement.pupils_heard", TXT, "how pupils' views were gathered"),
    Field("action_plan.present", BOOL, "the åtgärdsplan is attached", computed=True),
    Field("action_plan.problems.count", _n("count", True), "problems from the nulägesanalys", computed=True),
    Field("action_plan.problems_without_causes.count", _n("count", True), "problems that name no cause", computed=True),
    Field("action_plan.strengths.count", _n("count", True), "strengths to build on", computed=True),
    Field("action_plan.risks.count", _n("count", True), "risks to prevent", computed=True),
    Field("action_plan.insatser.count", _n("count", True), "insatser in the plan", computed=True),
    Field("action_plan.insatser_huvudman_level.count", _n("count", True), "insatser aimed at the huvudman level", computed=True),
    Field("action_plan.insatser_school_level.count", _n("count", True), "insatser aimed at the school level", computed=True),
    Field("action_plan.estimated_cost_sek", _n("SEK"), "sum of the insatser's estimated cost", computed=True),
    Field("action_plan.skolverket_contribution_sek", _n("SEK"), "sum of Skolverket's contributions", computed=True),
    Field("insats.id", TXT, "the insats's identifier"),
    Field("insats.type", FactType(ENUM, enum="insats_type"), "how it is arranged and financed"),
    Field("insats.programme", TXT, "the existing programme, for existing_programme"),
    Field("insats.provider", TXT, "the lärosäte or actor, for coordinated_larosate and tailored"),
    Field("insats.level", FactType(ENUM, enum="insats_level"), "aimed at the huvudman or the school"),
    Field("insats.addresses.count", _n("count", True), "problems of the nulägesanalys it addresses", computed=True),
    Field("insats.addresses_known_problems", BOOL, "every problem it names is in the plan", computed=True),
    Field("insats.grounding", TXT, "its grounding in science and proven experience"),
    Field("insats.expected_effects.count", _n("count", True), "expected effects stated", computed=True),
    Field("insats.participants.count", _n("count", True), "who takes part (groups or roles listed)", computed=True),
    Field("insats.scope", TXT, "its scope (omfattning): how much, for how many, how often"),
    Field("insats.goals.count", _n("count", True), "goals stated for it", computed=True),
    Field("insats.follow_up.how", TXT, "how it is followed up"),
    Field("insats.follow_up.when", TXT, "when it is followed up"),
    Field("insats.follow_up.responsible", TXT, "who follows it up"),
    Field("insats.responsible", TXT, "who is responsible for it"),
    Field("insats.timeline.starts", DAY, "first day"),
    Field("insats.timeline.ends", DAY, "last day"),
    Field("insats.estimated_cost_sek", _n("SEK"), "estimated cost"),
    Field("insats.skolverket_contribution_sek", _n("SEK"), "Skolverket's financial contribution"),
]

FIELDS: dict[str, Field] = {f.path: f for f in _FIELDS}
#: School forms whose units have results statistics (GP2016 2.3.2 punkt 1; the särskola forms are judged on
#: them and are unknown without them). Units of other forms are left out of the counts of results.
RESULT_FORMS = ("grundskola", "grundsarskola", "gymnasieskola", "gymnasiesarskola")
#: Derived facts of unit rules that the huvudman's `units.*` counts read by name.
LOW_RESULTS, WELL_BELOW, WELL_ABOVE, NO_STATISTICS = "low_results", "results_well_below", "results_well_above", "no_results_statistics"
AGGREGATED_DERIVED = (LOW_RESULTS, WELL_BELOW, WELL_ABOVE, NO_STATISTICS)
#: The derived fact each count reads: a pack whose huvudman rules read the count must derive it in its unit
#: rules (`ref_unknown_derived` at `sbs validate`), or every unit would count as 0. `no_results_statistics`
#: is read too where a pack derives it (units without statistics are not counted), and may be left out.
COUNT_READS: dict[str, str] = {
    "units.low_results": LOW_RESULTS, "units.results_not_low": LOW_RESULTS,
    "units.results_well_below": WELL_BELOW, "units.results_well_above": WELL_ABOVE,
}
#: Facts that may be unknown with bounds (counts over other cases): rules compare them three-valued.
BOUNDED = frozenset(f.path for f in _FIELDS if f.context and f.type.kind == NUMBER)


#: Facts that are never unknown: whether an optional group is there, and how many units a huvudman has.
ALWAYS_KNOWN = PRESENCE | {"units.count"}
#: Counts whose upper bound may be unknown (the pupils of units whose size is not given); every other count over
#: a delivery's units lies between the units that surely count and those that may.
OPEN_ENDED = frozenset({"units.pupils_eligible"})
#: Counts a delivery gives a unit only when one of its facts has a value: the eligible underlag units of its
#: huvudman are counted for a unit outside the underlag alone.
COUNTED_WHEN: dict[str, tuple[str, bool]] = {"unit.huvudman_units_eligible_in_underlag": ("unit.in_underlag", False)}
#: A count of a huvudman's units is at most the count of a larger set of them (part, whole).
COUNT_PARTS = (
    ("units.in_underlag", "units.count"), ("units.eligible", "units.count"), ("units.manual_review", "units.count"),
    ("units.eligible_in_underlag", "units.eligible"), ("units.eligible_in_underlag", "units.in_underlag"),
    ("units.manual_review_in_underlag", "units.manual_review"), ("units.manual_review_in_underlag", "units.in_underlag"),
    ("units.deferred_in_underlag", "units.in_underlag"), ("units.fine_open", "units.fine"), ("units.fine", "units.count"),
    ("units.low_results", "units.count"), ("units.results_not_low", "units.count"),
    ("units.results_well_below", "units.count"), ("units.results_well_above", "units.count"),
    ("huvudman.units_with_fine", "units.count"),
)

# --- what may change, and by how much (`sbs explain --why-not`, witnesses of `sbs check`) ----------

#: Where a number of each unit plausibly lies: witnesses are sought there first, counterfactuals only there.
PLAUSIBLE_BY_UNIT: dict[str, tuple[float, float]] = {
    "share": (0, 1), "points": (0, 340), "pupils": (0, 2500), "SEK": (-10 ** 9, 10 ** 9), "count": (0, 60),
    "years": (0, 10), "ratio": (0, 10),
}
#: Facts whose plausible range is narrower than their unit's (grade values and grade points run 0-20).
PLAUSIBLE_BY_FACT: dict[str, tuple[float, float]] = {
    "grade_value_y6_swedish": (0, 20), "grade_value_y6_maths": (0, 20), "average_grade_points": (0, 20),
}
#: The smallest change of a number in each unit: a counterfactual names values on this grid.
STEP: dict[str, float] = {"share": 0.001, "points": 0.1, "pupils": 1, "SEK": 1, "count": 1, "years": 0.01, "ratio": 0.01}

#: Facts a case could have otherwise (`sbs explain --why-not`): a unit's results, its socioeconomic
#: structure, its size and its quality work; a huvudman's dialogue, programme, quality work and economy,
#: and how its units were decided. Everything else is held fixed: what the unit or huvudman is (school
#: form, kind, organisation number, place in the underlag), Skolinspektionen's injunctions (other units'
#: counts are made of them), and the delivery (its date and national averages).
CHANGEABLE: frozenset[str] = frozenset([
    *(f"unit.results.{k}" for k in RESULT_INDICATORS), *(f"unit.socioeconomics.{k}" for k in SOCIOECONOMIC_INDICATORS),
    "unit.pupils", "unit.ska_deficiencies",
    "huvudman.ongoing_sbs_dialogue", "huvudman.in_newcomer_programme", "huvudman.ska_deficiencies",
    "huvudman.economy.profit_sek", "huvudman.economy.dividends_sek", "huvudman.economy.group_contributions_sek",
    "huvudman.economy.equity_ratio",
    "units.eligible", "units.eligible_in_underlag", "units.manual_review", "units.manual_review_in_underlag",
    "units.deferred_in_underlag", "units.low_results", "units.results_not_low", "units.results_well_below",
    "units.results_well_above", "units.pupils_eligible",
])


def plausible(path: str, ftype: FactType) -> tuple[float, float]:
    """The plausible range of a number (a fact path, or `national_averages.<indicator>`)."""
    name = path.rsplit(".", 1)[-1]
    return PLAUSIBLE_BY_FACT.get(name, PLAUSIBLE_BY_UNIT.get(ftype.unit or "", (-MAX_QUANTITY, MAX_QUANTITY)))


def visible_paths(scope: str) -> list[str]:
    """Every fact path a rule of `scope` may read."""
    roots = SCOPE_ROOTS[scope]
    return [p for p in FIELDS if p.split(".", 1)[0] in roots]


def lookup(path: str, scope: str) -> Field | None:
    """The field at `path` if a rule of `scope` may read it."""
    field = FIELDS.get(path)
    if field is None or path.split(".", 1)[0] not in SCOPE_ROOTS[scope]:
        return None
    return field
