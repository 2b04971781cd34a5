"""The words of every view, in Swedish and English: labels, outcome names, reasons for missing data,
engine errors, and numbers written as each language writes them (224,4 and 85,6 % in Swedish).

Records keep language-neutral codes (outcomes, rule ids, fact paths) and state each reason for missing
data, and each engine error, in English, as they always have, so stored records replay byte for byte.
Every such text is made here from a template (`Template.en`); a view finds the template back
(`translate`) and writes it in the reader's language. A text no template matches (a future reason in an
old engine's record) is shown as it stands.
"""
from __future__ import annotations

import decimal as decimal_module
import re
from typing import Any, Mapping

import attrs

LANGS = ("sv", "en")


def _english_names() -> dict[str, str]:
    from policy.facts import FIELDS
    return {p: f.en for p, f in FIELDS.items()}

#: The outcome of a decision as a reader names it; records keep the codes.
OUTCOMES: dict[str, dict[str, str]] = {
    "sv": {
        "eligible": "valbar", "not_eligible": "ej valbar", "excluded": "utesluten", "deferred": "avvaktar",
        "manual_review": "manuell prövning", "proposed": "föreslås", "waitlisted": "väntelista",
        "not_proposed": "ej föreslagen", "compliant": "uppfyller kraven", "non_compliant": "uppfyller inte kraven",
        "flagged": "flaggad",
    },
    "en": {
        "eligible": "eligible", "not_eligible": "not eligible", "excluded": "excluded", "deferred": "deferred",
        "manual_review": "manual review", "proposed": "proposed", "waitlisted": "waitlisted",
        "not_proposed": "not proposed", "compliant": "compliant", "non_compliant": "non-compliant",
        "flagged": "flagged",
    },
}


def outcome(code: str | None, lang: str) -> str:
    """An outcome code as the reader's language names it (an unknown code as it stands)."""
    if code is None:
        return WORDS[lang]["error"]
    return OUTCOMES[lang].get(code, code)


#: What a reader calls a fact (`sbs explain --why-not`, what is still needed); any other is named by its path.
FACT_NAMES: dict[str, dict[str, str]] = {
    "sv": {
        "unit.results.merit_value_y9": "meritvärdet i årskurs 9",
        "unit.results.share_eligible_vocational_y9": "andelen behöriga till yrkesprogram",
        "unit.results.share_passed_all_subjects_y9": "andelen med godkänt i alla ämnen",
        "unit.results.grade_value_y6_swedish": "betygsvärdet i svenska i årskurs 6",
        "unit.results.grade_value_y6_maths": "betygsvärdet i matematik i årskurs 6",
        "unit.results.share_passed_national_test_y3_swedish": "andelen godkända på nationella provet i svenska i årskurs 3",
        "unit.results.share_passed_national_test_y3_maths": "andelen godkända på nationella provet i matematik i årskurs 3",
        "unit.results.share_degree_within_3y": "andelen med examen inom 3 år",
        "unit.results.average_grade_points": "den genomsnittliga betygspoängen",
        "unit.socioeconomics.share_parents_post_secondary": "andelen elever med eftergymnasialt utbildade föräldrar",
        "unit.socioeconomics.share_foreign_background": "andelen elever med utländsk bakgrund",
        "unit.socioeconomics.share_newly_arrived": "andelen nyanlända elever",
        "unit.pupils": "antalet elever",
        "unit.ska_deficiencies": "brister i skolenhetens systematiska kvalitetsarbete",
        "unit.school_form": "skolformen",
        "unit.in_underlag": "skolenheten i Skolinspektionens underlag",
        "unit.injunction.present": "föreläggande mot skolenheten",
        "unit.injunction.decided": "dagen för föreläggandet",
        "unit.injunction.fine": "föreläggandet förenat med vite",
        "unit.injunction.supervision_concluded": "tillsynen avslutad",
        "unit.teaches_y3": "undervisning i årskurs 3",
        "unit.teaches_y6": "undervisning i årskurs 6",
        "unit.teaches_y9": "undervisning i årskurs 9",
        "unit.same_building_eligible": "en valbar skolenhet i samma skolbyggnader",
        "unit.huvudman_units_in_underlag": "huvudmannens skolenheter i underlaget",
        "unit.huvudman_units_eligible_in_underlag": "huvudmannens valbara skolenheter i underlaget",
        "unit.huvudman_units_fine": "huvudmannens skolenheter med vite",
        "unit.huvudman_units_fine_open": "huvudmannens skolenheter med vite och pågående tillsyn",
        "huvudman.injunction.present": "föreläggande mot huvudmannen",
        "huvudman.injunction.fine": "föreläggandet mot huvudmannen förenat med vite",
        "huvudman.injunction.supervision_concluded": "tillsynen av huvudmannen avslutad",
        "huvudman.units_with_fine": "huvudmannens skolenheter med vite",
        "huvudman.type": "huvudmannens typ",
        "huvudman.ongoing_sbs_dialogue": "pågående dialog inom samverkan för bästa skola",
        "huvudman.in_newcomer_programme": "huvudmannen i nyanländsatsningen",
        "huvudman.ska_deficiencies": "brister i huvudmannens systematiska kvalitetsarbete",
        "huvudman.economy.profit_sek": "huvudmannens resultat",
        "huvudman.economy.dividends_sek": "utdelningen till ägarna",
        "huvudman.economy.group_contributions_sek": "koncernbidragen",
        "huvudman.economy.equity_ratio": "soliditeten",
        "units.in_underlag": "antalet skolenheter i underlaget",
        "units.fine": "antalet skolenheter med vite",
        "units.fine_open": "antalet skolenheter med vite och pågående tillsyn",
        "units.eligible": "antalet valbara skolenheter",
        "units.eligible_in_underlag": "antalet valbara skolenheter i underlaget",
        "units.manual_review": "antalet skolenheter som prövas manuellt",
        "units.manual_review_in_underlag": "antalet skolenheter i underlaget som prövas manuellt",
        "units.deferred_in_underlag": "antalet skolenheter i underlaget som avvaktar",
        "units.low_results": "antalet skolenheter med låga resultat",
        "units.results_not_low": "antalet skolenheter utan låga resultat",
        "units.results_well_below": "antalet skolenheter klart under riksgenomsnittet",
        "units.results_well_above": "antalet skolenheter klart över riksgenomsnittet",
        "units.pupils_eligible": "antalet elever i valbara skolenheter",
        "agreement.kind": "överenskommelsens slag",
        "agreement.signed_by.name": "den som undertecknat",
        "agreement.signed_by.highest_responsible": "undertecknad av den högst ansvariga",
        "agreement.signed_on": "dagen för undertecknandet",
        "agreement.starts": "överenskommelsens första dag",
        "agreement.ends": "överenskommelsens sista dag",
        "agreement.duration_years": "överenskommelsens längd",
        "agreement.responsibilities.skolverket.count": "Skolverkets åtaganden",
        "agreement.responsibilities.huvudman.count": "huvudmannens åtaganden",
        "agreement.pupils_heard": "hur elevernas åsikter tagits till vara",
        "action_plan.present": "åtgärdsplanen bifogad",
        "action_plan.problems.count": "problem från nulägesanalysen",
        "action_plan.problems_without_causes.count": "problem utan angivna orsaker",
        "action_plan.strengths.count": "styrkor att bygga vidare på",
        "action_plan.risks.count": "risker att förebygga",
        "action_plan.insatser.count": "insatser i planen",
        "action_plan.insatser_huvudman_level.count": "insatser på huvudmannanivå",
        "action_plan.insatser_school_level.count": "insatser på skolnivå",
        "action_plan.estimated_cost_sek": "insatsernas sammanlagda beräknade kostnad",
        "action_plan.skolverket_contribution_sek": "Skolverkets sammanlagda bidrag",
        "insats.type": "insatsens slag",
        "insats.level": "insatsens nivå",
        "insats.programme": "programmet",
        "insats.provider": "lärosätet eller aktören",
        "insats.grounding": "insatsens vetenskapliga grund",
        "insats.responsible": "den som ansvarar för insatsen",
        "insats.scope": "insatsens omfattning",
        "insats.follow_up.how": "hur insatsen följs upp",
        "insats.follow_up.when": "när insatsen följs upp",
        "insats.follow_up.responsible": "den som ansvarar för uppföljningen",
        "insats.addresses_known_problems": "insatsen tar sig an problem i nulägesanalysen",
        "insats.addresses.count": "problem från nulägesanalysen som insatsen tar sig an",
        "insats.expected_effects.count": "förväntade effekter",
        "insats.participants.count": "deltagare",
        "insats.goals.count": "mål för insatsen",
        "insats.timeline.starts": "insatsens första dag",
        "insats.timeline.ends": "insatsens sista dag",
        "insats.estimated_cost_sek": "insatsens beräknade kostnad",
        "insats.skolverket_contribution_sek": "Skolverkets bidrag till insatsen",
    },
    "en": {
        "unit.results.merit_value_y9": "the merit value in year 9",
        "unit.results.share_eligible_vocational_y9": "the share eligible for vocational programmes",
        "unit.results.share_passed_all_subjects_y9": "the share passing all subjects",
        "unit.pupils": "the number of pupils",
        "unit.ska_deficiencies": "deficiencies in the unit's systematic quality work",
        "huvudman.ongoing_sbs_dialogue": "an ongoing SBS dialogue",
        "units.eligible_in_underlag": "the eligible units in the underlag",
        "agreement.duration_years": "the agreement's length",
        "insats.timeline.starts": "the insats's first day",
        "insats.timeline.ends": "the insats's last day",
    },
}


def fact_name(path: str, lang: str) -> str:
    """A fact as the reader's language names it: `meritvärdet i årskurs 9` (else its path)."""
    if path.startswith("national_averages."):
        base = fact_name("unit.results." + path.split(".", 1)[1], lang)
        return ("riksgenomsnittet för " if lang == "sv" else "the national average of ") + (
            base if base != "unit.results." + path.split(".", 1)[1] else path.split(".", 1)[1])
    return FACT_NAMES[lang].get(path) or (F_EN.get(path, path) if lang == "en" else path)


def value_text(path: str, value: Any, lang: str) -> str:
    """A fact's value as the reader writes it: numbers the language's way (a share in percent), yes or no."""
    if value is None:
        return {"sv": "saknas", "en": "missing"}[lang]
    if isinstance(value, bool):
        return {"sv": ("ja", "nej"), "en": ("yes", "no")}[lang][0 if value else 1]
    if isinstance(value, (int, float)):
        from policy.facts import FIELDS, INDICATORS
        key = path.split(".", 1)[1] if path.startswith("national_averages.") else None
        ftype = INDICATORS.get(key) if key else FIELDS[path].type if path in FIELDS else None
        return number(value, lang, ftype.unit if ftype else None)
    return str(value)


def plural(n: int, one: str, other: str) -> str:
    """`1 skolenhet`, `2 skolenheter`: the count and the form that goes with it."""
    return f"{n} {one if n == 1 else other}"


def named(name: str, id_: str) -> str:
    """`Hedmarks kommun (212000-1051)` on one line, or the id alone where the delivery gives no name."""
    return f"{one_line(name)} ({id_})" if name else id_


def sections(sources: Any) -> list[str]:
    """A rule's sources as cited: `GP2016 2.3.3 …`, each document's section once (two quotes from one
    section cite it once), in the rule's order; from a record's sources or the pack's citations."""
    return list(dict.fromkeys(f"{s['doc']} {s['section']}" if isinstance(s, Mapping) else str(s) for s in sources))


#: A parameter's unit as the reader's language names it (the pack's code in English).
UNIT_WORDS = {"sv": {"pupils": "elever", "share": "andel", "SEK": "kronor", "years": "år", "points": "poäng",
                     "count": "antal", "ratio": "kvot", "date": "datum"}}


def unit_word(unit: str, lang: str) -> str:
    """`elever` for `pupils` in Swedish; the unit as the pack writes it otherwise."""
    return UNIT_WORDS.get(lang, {}).get(unit, unit)


def one_line(text: Any) -> str:
    """A delivery's text (a name) on one line: a line break in it would cut a heading or a table row."""
    return " ".join(str(text).splitlines())


# --- numbers ---------------------------------------------------------------------------------------

_SEPARATORS = {"sv": (",", " ", " %"), "en": (".", ",", "%")}  #: decimal mark, thousands, percent sign


def number(value: Any, lang: str, unit: str | None = None) -> str:
    """A number as the language writes it: `224,4`, `85,6 %` (a share), `2 750 000`; to 15 significant
    digits (the precision of a float), so a product such as 0.771 × 0.9 reads 69,39 %, not
    69,390000000000001, and an amount of 12 345 678 901,3 SEK keeps its öre; never an exponent."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    decimal, thousands, percent = _SEPARATORS[lang]
    share = unit == "share"
    v = value * 100 if share else value
    text = str(v) if isinstance(v, int) else f"{v:.15g}"
    if "e" in text:  # .15g writes very large or small numbers in exponent form: write them out
        text = format(decimal_module.Decimal(text), "f")
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _, frac = text.partition(".")
    if len(whole) > 4:  # four-digit numbers are written whole (Språkrådet), longer ones grouped by three
        whole = thousands.join(whole[max(0, i - 3):i] for i in range(len(whole), 0, -3)[::-1])
    out = sign + whole + (decimal + frac if frac else "")
    return out + percent if share else out


# --- reasons and engine errors ---------------------------------------------------------------------

_FIELD = re.compile(r"\{(\w+)\}")


@attrs.frozen
class Template:
    """A text the engine writes into records (`en`), with its Swedish form; `{name}` marks a part that
    varies. Parts named `rest` are texts themselves (translated in turn), `outcome` an outcome code,
    `lo`, `hi`, `n`, `seconds` numbers; the others (ids, paths, grades) are codes shown as they are."""

    key: str
    en: str
    sv: str
    sv_many: str = ""  #: the Swedish form when `{ids}` lists more than one (the English text says "unit" for all)

    @property
    def pattern(self) -> re.Pattern:
        parts = _FIELD.split(self.en)  # literal, name, literal, name, ...
        # a part is one item of a `; `-joined list, except the texts that may hold such lists themselves
        regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" if p in ("rest", "exception") else f"(?P<{p}>[^;]*?)"
                        for i, p in enumerate(parts))
        return re.compile(f"^{regex}$", re.S)

    def text(self, **fields: Any) -> str:
        """The English text of the record."""
        return self.en.format(**fields)

    def render(self, lang: str, fields: Mapping[str, str]) -> str:
        out = {}
        for name, value in fields.items():
            if name == "rest":
                out[name] = translate(value, lang)
            elif name == "outcome":
                out[name] = OUTCOMES[lang].get(value, value)
            elif name in ("theirs", "ours"):  # a truth value as traces write it
                out[name] = logic_word(value, lang)
            elif name in ("lo", "hi", "n", "seconds") and re.fullmatch(r"-?\d+(\.\d+)?", value):
                out[name] = number(float(value) if "." in value else int(value), lang)
            else:
                out[name] = value
        text = self.en if lang == "en" else (self.sv_many if self.sv_many and ", " in fields.get("ids", "") else self.sv)
        return text.format(**out)


TEMPLATES: tuple[Template, ...] = (
    Template("missing", "missing", "uppgift saknas"),
    Template("marker_missing", "missing (.)", "uppgift saknas (.)"),
    Template("column_missing", "column missing", "kolumnen saknas i tabellen"),
    Template("marker_suppressed", "suppressed: fewer than 10 pupils (..)", "sekretess: färre än 10 elever (..)"),
    Template("marker_rounded", "rounded off: about 100 % (~100)", "avrundat: omkring 100 % (~100)"),
    Template("count_between", "between {lo} and {hi}: {rest}", "mellan {lo} och {hi}: {rest}"),
    Template("count_at_least", "at least {lo}: {rest}", "minst {lo}: {rest}"),
    Template("units_unknown_one", "{n} unit unknown ({ids})", "{n} skolenhet okänd ({ids})"),
    Template("units_unknown", "{n} units unknown ({ids})", "{n} skolenheter okända ({ids})"),
    Template("size_unknown_one", "the size of {n} eligible unit is unknown", "elevantalet i {n} valbar skolenhet är okänt"),
    Template("size_unknown", "the size of {n} eligible units is unknown", "elevantalet i {n} valbara skolenheter är okänt"),
    Template("review_may_be_eligible_one", "{n} unit under manual review may be eligible ({ids})",
             "{n} skolenhet under manuell prövning kan vara valbar ({ids})"),
    Template("review_may_be_eligible", "{n} units under manual review may be eligible ({ids})",
             "{n} skolenheter under manuell prövning kan vara valbara ({ids})"),
    Template("unknown", "unknown", "okänd"),
    Template("derived_unknown", "the rules deriving it are unknown", "reglerna som härleder den är okända"),
    Template("no_form_for_param", "depends on the school form, and unit.school_form is {rest}",
             "beror på skolformen, men unit.school_form är okänd ({rest})"),
    Template("no_value_for_form", "no value for school form {form}", "inget värde för skolformen {form}"),
    Template("huvudman_review_missing", "under manual review (missing data): it may yet be proposed",
             "under manuell prövning (saknade uppgifter): den kan ännu föreslås"),
    Template("huvudman_review", "under manual review ({rules}): it may yet be proposed",
             "under manuell prövning ({rules}): den kan ännu föreslås"),
    Template("evaluation_stopped", "not computed: the evaluation of this unit was stopped",
             "inte beräknat: utvärderingen av skolenheten stoppades"),
    Template("neighbour_absent", "unit {id}, sharing its buildings, is not in the delivery",
             "skolenhet {id}, som delar skolbyggnader med den, finns inte i leveransen"),
    Template("neighbour_underlag", "whether unit {id}, sharing its buildings, is in the underlag",
             "om skolenhet {id}, som delar skolbyggnader med den, finns i underlaget"),
    Template("neighbour_undecided", "unit {id}, sharing its buildings, is not decided (engine error)",
             "skolenhet {id}, som delar skolbyggnader med den, kunde inte avgöras (motorfel)"),
    Template("neighbour_outcome", "unit {id}, sharing its buildings, is {outcome}",
             "skolenhet {id}, som delar skolbyggnader med den, har utfallet {outcome}"),
    Template("grades_reversed", "unit.grades `{grades}` is not a range of school years such as 4-9 (its first year is after "
             "its last), and no result of year {year} is given",
             "unit.grades `{grades}` är inget intervall av årskurser som 4-9 (första årskursen kommer efter den sista), "
             "och inget resultat för årskurs {year} är angivet"),
    Template("grades_not_range", "unit.grades `{grades}` is not a range of school years such as 4-9, and no result of "
             "year {year} is given",
             "unit.grades `{grades}` är inget intervall av årskurser som 4-9, och inget resultat för årskurs {year} är angivet"),
    Template("grades_unknown", "unit.grades is {rest}, and no result of year {year} is given",
             "unit.grades är okänd ({rest}), och inget resultat för årskurs {year} är angivet"),
    # engine errors (the record's `error.message`)
    Template("engine_timeout", "no answer within {seconds} s; the worker was stopped and the batch went on",
             "inget svar inom {seconds} s; arbetsprocessen stoppades och körningen fortsatte"),
    Template("crash_signal", "the worker evaluating this case ended (signal {n}); the batch went on",
             "arbetsprocessen som utvärderade ärendet avslutades (signal {n}); körningen fortsatte"),
    Template("crash_exit", "the worker evaluating this case ended (exit code {n}); the batch went on",
             "arbetsprocessen som utvärderade ärendet avslutades (slutkod {n}); körningen fortsatte"),
    Template("raised", "the evaluation raised {exception}; the batch went on",
             "utvärderingen avbröts av undantaget {exception}; körningen fortsatte"),
    Template("engine_unit_error", "unit {ids} of this huvudman could not be decided",
             "skolenhet {ids} hos huvudmannen kunde inte avgöras", "skolenheterna {ids} hos huvudmannen kunde inte avgöras"),
    Template("engine_disagreement", "durable_rules finds rule `{rule}` {theirs}, the cross-check finds it {ours}; "
             "no decision is made",
             "durable_rules finner regeln `{rule}` {theirs}, korskontrollen finner den {ours}; inget beslut fattas"),
)
BY_KEY: dict[str, Template] = {t.key: t for t in TEMPLATES}
_COMPILED = tuple((t, t.pattern) for t in TEMPLATES)


def text(key: str, **fields: Any) -> str:
    """The English text of a reason or an engine error, as records state it."""
    return BY_KEY[key].text(**fields)


def translate(message: str, lang: str) -> str:
    """A record's reason or engine error in `lang`: found back by its template; parts joined by `; ` one
    by one; a text no template matches as it stands."""
    if lang == "en":
        return message
    for template, pattern in _COMPILED:
        m = pattern.match(message)
        if m:
            return template.render(lang, m.groupdict())
    if "; " in message:
        return "; ".join(translate(part, lang) for part in message.split("; "))
    return message


#: What an engine error is, by its code, when its message is not one of the templates (durable_rules' own).
ERROR_CODES = {
    "sv": {"engine_durable_error": "durable_rules gav ett fel", "engine_disagreement": "utvärderarna är oeniga",
           "engine_timeout": "tidsgränsen nåddes", "engine_crash": "arbetsprocessen avslutades",
           "engine_unit_error": "en skolenhet kunde inte avgöras"},
    "en": {"engine_durable_error": "durable_rules failed", "engine_disagreement": "the evaluators disagree",
           "engine_timeout": "timed out", "engine_crash": "the worker ended",
           "engine_unit_error": "a unit could not be decided"},
}


def error_text(error: Mapping[str, Any], lang: str) -> str:
    """A record's engine error in `lang`: its message by its template, or what its code means and the
    message as the library wrote it."""
    message = str(error.get("message", ""))
    out = translate(message, lang)
    if lang == "en" or out != message:
        return out
    what = ERROR_CODES[lang].get(str(error.get("code")))
    return f"{what} ({error.get('code')}): {message}" if what else message


def logic_word(value: str, lang: str) -> str:
    """`true`, `false`, `unknown` (as traces write them) in `lang`."""
    return WORDS[lang].get(value, value)


# --- words of the views ----------------------------------------------------------------------------

WORDS: dict[str, dict[str, str]] = {
    "sv": {
        "outcome": "utfall", "decided_by": "avgjort av", "hinges_on": "beror på okända uppgifter i",
        "sum_not_in_force": "varning: regelpaketet {pack} gäller inte leveransens datum {date}; det gällande är {current}",
        "sum_replaced": "varning: regelpaketet {pack} är ersatt av {by}; det gällande den {date} är {current}",
        "m_chart": "Antal beslut per utfall", "m_default": "ingen regel gav ett utfall; paketets standardutfall gäller",
        "m_trace": "Hela spårningen", "m_all": "alla", "m_form": "Skolform", "m_round": "Urvalsomgången",
        "m_reviews": "Manuell prövning", "m_params": "Parametrar", "m_order": "Föreslagna huvudmän rangordnas först efter handläggarens fastställda förslag, sedan efter prioritet och därefter efter uppgifterna i kolumnen för särskiljning; de som hamnar efter kapaciteten står på väntelista.",
        "m_tiebreak": "särskiljning", "m_forced": "fastställt av handläggare", "m_no_round": "Ingen huvudman rangordnades.",
        "m_none": "Inga.", "m_name": "namn", "m_source": "källa", "m_param": "parameter", "m_value": "värde", "m_unit": "enhet",
        "m_back": "Tillbaka till sammanfattningen",
        "needed": "Det som behövs för ett beslut (varje uppgift för sig, de andra fortfarande okända)",
        "cannot_decide": "avgör inte ensam",
        "with_other_decisions": "ändrar också andra beslut i leveransen, så de prövas med hela leveransen", "no_single_fact": "ingen enskild uppgift avgör ensam; flera behövs",
        "and": "och", "any_value": "vilket värde som helst",
        "forced": "fastställt av handläggare", "default": "ingen regel gav ett utfall; standardutfallet gäller",
        "rules": "Regler i utvärderingsordning", "missing": "Saknade uppgifter", "overrides": "Handläggarbeslut",
        "pack": "regelpaket", "input": "indata", "engine": "motor", "rank": "plats", "priority": "prioritet",
        "fired": "uppfylld", "not_fired": "ej uppfylld", "unknown": "okänd", "overridden": "åsidosatt",
        "not_reached": "ej prövad", "true": "sant", "false": "falskt", "interpretation": "tolkning",
        "not_applicable": "ej tillämplig, {present} är {false}", "counted_when": "räknas bara när {fact} är {value}",
        "no_annex": "uppgift saknas: den ekonomiska bilagan finns inte i leveransen",
        "set_aside_by": "åsidosatt av", "exception": "undantag genom regeln", "reason": "skäl",
        "all": "alla av", "any": "någon av", "not": "inte", "known": "är känd", "unknown_test": "är okänd",
        "derived": "härlett", "param": "parameter", "average": "riksgenomsnitt", "error": "motorfel",
        "ranking": "rangordning", "of": "av", "capacity": "kapacitet", "unit": "skolenhet", "huvudman": "huvudman",
        "derived_facts": "Härledda uppgifter", "between": "mellan {lo} och {hi}", "at_least": "minst {lo}",
        "counted": "skolenheter", "counted_one": "skolenhet", "unknown_units": "okända", "best_worst": "bästa möjliga plats {best}, sämsta {worst}",
        "round_result": "omgångens utfall",
        "straddles": "omgången kan inte placera huvudmannen: bästa möjliga plats {best}, sämsta {worst}, kapacitet {capacity}",
        "against": "ordningen mot {ids} avgörs inte av kända uppgifter",
        "force": "fastställer", "set_aside": "åsidosätter", "priority_unknown": "okänt tillägg",
        "forced_status": "fastställd", "forced_by_line": "fastställd av",
        # the report
        "report_huvudman": "Huvudmän i rangordning", "report_units": "Skolenheter",
        "report_traces": "Beslut per skolenhet och huvudman", "report_rules": "Regler", "col_name": "huvudman",
        "col_why": "avgörande regler", "col_missing": "saknade uppgifter", "col_rule": "regel", "col_text": "text",
        "forced_by": "fastställt av", "hinges": "beror på", "report_pack": "Regelpaket", "title": "Urval {id} ({date})",
        # the summary
        "sum_units": "skolenheter: {n} ({detail})", "sum_huvudman": "huvudmän: {n} ({detail})",
        "sum_none": "inga", "sum_undecided": "huvudmän: inga avgjorda: {why}",
        "sum_records": "poster: {n}, varav motorfel: {errors}",
        "sum_rows": "indatarader {rows} = {decisions} {decision_word} + {errors} {record_word} med motorfel ({verdict})",
        "sum_record_one": "post", "sum_record_many": "poster", "sum_decision_one": "beslut", "sum_decision_many": "beslut",
        "sum_accounted": "varje rad redovisad", "sum_differ": "RADER OCH POSTER SKILJER SIG ÅT",
        "no_huvudman_rules": "regelpaketet {pack} har inga regler för huvudmän, så bara skolenheter avgörs",
        # agreement check
        "ag_head": "{id} ({huvudman}) mot {pack}: {parts}, {broken}",
        "ag_part": "del prövad", "ag_parts": "delar prövade", "ag_broken_one": "krav ej uppfyllt",
        "ag_broken": "krav ej uppfyllda", "ag_verdict": "{verdict}", "ag_incomplete": "inte fullständigt bedömd",
        "ag_unassessed_one": "{n} ej bedömt", "ag_unassessed": "{n} ej bedömda",
        "non_compliant_label": "BRIST", "flagged_label": "FLAGGAD", "not_assessed_label": "EJ BEDÖMT",
        "error_label": "MOTORFEL", "ag_needs": "kräver {fields}", "ag_field": "uppgift {fields}",
        "ag_fields": "uppgifter {fields}",
        "agreement": "överenskommelse", "insats": "insats",
    },
    "en": {
        "outcome": "outcome", "decided_by": "decided by", "hinges_on": "hinges on missing data in",
        "sum_not_in_force": "warning: the pack {pack} is not in force on the delivery's date {date}; the one in force is {current}",
        "sum_replaced": "warning: the pack {pack} is replaced by {by}; the one in force on {date} is {current}",
        "m_chart": "Decisions per outcome", "m_default": "no rule gave an outcome; the pack's default applies",
        "m_trace": "The full trace", "m_all": "all", "m_form": "School form", "m_round": "The round",
        "m_reviews": "Manual review", "m_params": "Parameters", "m_order": "Proposed huvudmän are ranked by an officer's forced proposal first, then by priority, then by the facts under tie-break; those beyond the capacity are waitlisted.",
        "m_tiebreak": "tie-break", "m_forced": "forced by an officer", "m_no_round": "No huvudman was ranked.",
        "m_none": "None.", "m_name": "name", "m_source": "source", "m_param": "parameter", "m_value": "value", "m_unit": "unit",
        "m_back": "Back to the summary",
        "needed": "What a decision needs (each fact alone, the others still missing)",
        "cannot_decide": "cannot decide it alone",
        "with_other_decisions": "also change other decisions of the delivery, so they are tried with the whole delivery", "no_single_fact": "no single fact decides it alone; several are needed",
        "and": "and", "any_value": "any value",
        "forced": "forced by an officer", "default": "no rule gave an outcome; the default applies",
        "rules": "Rules in evaluation order", "missing": "Missing data", "overrides": "Officer overrides",
        "pack": "pack", "input": "input", "engine": "engine", "rank": "rank", "priority": "priority",
        "fired": "fired", "not_fired": "not fired", "unknown": "unknown", "overridden": "overridden",
        "not_reached": "not reached", "true": "true", "false": "false", "interpretation": "interpretation",
        "not_applicable": "not applicable, {present} is {false}", "counted_when": "counted only when {fact} is {value}",
        "no_annex": "missing: the delivery has no economic annex",
        "set_aside_by": "set aside by", "exception": "exception by rule", "reason": "reason",
        "all": "all of", "any": "any of", "not": "not", "known": "is known", "unknown_test": "is unknown",
        "derived": "derived", "param": "parameter", "average": "national average", "error": "engine error",
        "ranking": "ranking", "of": "of", "capacity": "capacity", "unit": "unit", "huvudman": "huvudman",
        "derived_facts": "Derived facts", "between": "between {lo} and {hi}", "at_least": "at least {lo}",
        "counted": "units", "counted_one": "unit", "unknown_units": "unknown", "best_worst": "best possible place {best}, worst {worst}",
        "round_result": "result in the round",
        "straddles": "the round cannot place the huvudman: best possible place {best}, worst {worst}, capacity {capacity}",
        "against": "its order against {ids} is not settled by known data",
        "force": "force", "set_aside": "set aside", "priority_unknown": "unknown addition",
        "forced_status": "forced", "forced_by_line": "forced by",
        "report_huvudman": "Huvudmän by rank", "report_units": "School units",
        "report_traces": "Each decision with its trace", "report_rules": "Rules", "col_name": "huvudman",
        "col_why": "deciding rules", "col_missing": "missing data", "col_rule": "rule", "col_text": "text",
        "forced_by": "forced by", "hinges": "hinges on", "report_pack": "Pack", "title": "Selection {id} ({date})",
        "sum_units": "units: {n} ({detail})", "sum_huvudman": "huvudmän: {n} ({detail})",
        "sum_none": "none", "sum_undecided": "huvudmän: none decided: {why}",
        "sum_records": "records: {n}, of them engine errors: {errors}",
        "sum_rows": "input rows {rows} = {decisions} {decision_word} + {errors} engine-error {record_word} ({verdict})",
        "sum_record_one": "record", "sum_record_many": "records", "sum_decision_one": "decision", "sum_decision_many": "decisions",
        "sum_accounted": "every row accounted for", "sum_differ": "ROWS AND RECORDS DIFFER",
        "no_huvudman_rules": "the pack {pack} has no huvudman rules, so only units are decided",
        "ag_head": "{id} ({huvudman}) against {pack}: {parts}, {broken}",
        "ag_part": "part checked", "ag_parts": "parts checked", "ag_broken_one": "requirement broken",
        "ag_broken": "requirements broken", "ag_verdict": "{verdict}", "ag_incomplete": "not fully assessed",
        "ag_unassessed_one": "{n} not assessed", "ag_unassessed": "{n} not assessed",
        "non_compliant_label": "FAIL", "flagged_label": "FLAG", "not_assessed_label": "NOT ASSESSED",
        "error_label": "ERROR", "ag_needs": "needs {fields}", "ag_field": "field {fields}",
        "ag_fields": "fields {fields}",
        "agreement": "agreement", "insats": "insats",
    },
}


def words(lang: str) -> dict[str, str]:
    """The words of the views in `lang` (`sv` or `en`), with the language itself under `lang`."""
    return {**WORDS[lang], "lang": lang}



F_EN: dict[str, str] = _english_names()  #: a fact's English description, from the catalogue
