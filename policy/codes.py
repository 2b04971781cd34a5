"""Every code `sbs` reports, in one registry: its phase, its severity and what it means.

Diagnostics (`file:line:col: code: message`) and engine-error records name these codes; tests and JSON
output rely on them, never on the prose. The tables of codes in README.md and policy/README.md are
generated from this registry (`python -m policy.codes` rewrites them; a test checks they are current),
and a test checks that the code uses no code the registry lacks, nor the registry one the code never uses.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import attrs

ERROR, WARNING, RECORD = "error", "warning", "record"  #: a diagnostic that fails, one that does not, an engine-error record


@attrs.frozen
class Code:
    code: str
    phase: str      #: read, load, check, registry, compile, overrides, delivery, agreement, evaluate
    severity: str   #: error, warning or record
    doc: str        #: one line: what it means


def _c(code: str, phase: str, doc: str, severity: str = ERROR) -> Code:
    return Code(code, phase, severity, doc)


CODES: tuple[Code, ...] = (
    # reading any file
    _c("file_not_found", "read", "the path does not exist"),
    _c("file_unreadable", "read", "the path cannot be read (a directory where a file belongs, or a CSV table given for its directory)"),
    _c("file_empty", "read", "the file is empty (a pack file, a delivery, overrides, an agreement)"),
    _c("file_encoding", "read", "not UTF-8 where it should be, UTF-16, or a byte undefined in Windows-1252 (line and column of the byte)"),
    _c("yaml_syntax", "read", "the file is not valid YAML (or JSON)"),
    _c("yaml_duplicate_key", "read", "a key appears twice in one mapping"),
    _c("yaml_bad_key", "read", "a mapping key that is not plain text"),
    _c("yaml_bad_scalar", "read", "a malformed number, a lone surrogate or a control character in a text"),
    _c("yaml_tag_not_allowed", "read", "a YAML tag (`!!python/…` and the like)"),
    _c("yaml_too_large", "read", "the file or its alias expansion is too large"),
    _c("yaml_too_deep", "read", "the document is nested too deep"),
    # the pack format
    _c("schema_unknown_key", "load", "a key the format does not have (with \"did you mean\")"),
    _c("schema_missing_key", "load", "a required key is missing"),
    _c("schema_wrong_type", "load", "a value of the wrong kind (a text where a mapping belongs, …)"),
    _c("schema_bad_value", "load", "a malformed value: a date, a version, an id, a share outside 0–1, a number too large, …"),
    _c("pack_missing_metadata", "load", "no file of the pack has `pack:`"),
    _c("pack_duplicate_metadata", "load", "more than one file of the pack has `pack:`"),
    _c("param_missing_unit", "load", "a parameter without a unit"),
    _c("param_missing_source", "load", "a parameter without a source"),
    _c("param_duplicate", "load", "a parameter defined twice"),
    _c("rule_missing_text", "load", "a rule without Swedish or English text"),
    _c("rule_missing_source", "load", "a rule without a source"),
    _c("rule_duplicate_id", "load", "two rules with one id"),
    # the checks of a pack
    _c("param_by_school_form_scope", "check", "a per-school-form parameter used outside unit rules"),
    _c("rule_exception_cycle", "check", "exceptions that, through each other, except themselves"),
    _c("rule_derive_cycle", "check", "derived facts that depend on themselves"),
    _c("ref_unknown_source", "check", "a citation of a document not under `pack.sources`"),
    _c("text_missing_language", "check", "a text (title, rule, parameter, interpretation) lacks a language the pack declares in `languages:`"),
    _c("text_undeclared_language", "check", "a text is given in a language the pack does not declare in `languages:`"),
    _c("ref_unknown_parameter", "check", "a parameter that is not defined"),
    _c("ref_unknown_rule", "check", "a rule that is not defined"),
    _c("ref_unknown_derived", "check", "a derived fact no rule of the scope derives (also one a `units.*` count reads)"),
    _c("ref_unknown_fact", "check", "a fact path the delivery model does not have, or that the rule's scope cannot read"),
    _c("ref_unknown_indicator", "check", "a national average that does not exist"),
    _c("ref_unknown_outcome", "check", "an outcome that does not belong to the scope"),
    _c("ref_wrong_scope", "check", "an exception or a test naming a rule of another scope"),
    _c("type_mismatch", "check", "values of different kinds or units compared"),
    _c("type_literal_threshold", "check", "a number or date written inside a condition"),
    _c("type_operator", "check", "an operator that does not apply (ordering text, `in` on numbers, `between` on words)"),
    _c("type_bad_literal", "check", "a word that is not in the fact's value set (a misspelt school form)"),
    _c("ranking_scope", "check", "a ranking declared for another scope than huvudmän"),
    _c("outcome_policy_missing", "check", "a scope's outcome policy is missing"),
    _c("outcome_policy_duplicate", "check", "a scope's outcome policy is declared twice"),
    _c("outcome_not_in_precedence", "check", "a rule gives an outcome its scope's precedence does not list"),
    _c("outcome_precedence_duplicate", "check", "a precedence repeats an outcome"),
    _c("param_unused", "check", "a parameter nobody reads", WARNING),
    _c("derive_unused", "check", "a derived fact nobody reads", WARNING),
    _c("indicator_mismatch", "check", "a comparison with the national average of another indicator", WARNING),
    # proofs on the z3 reading of a pack (`sbs check`); a rule's `intended:` keeps a finding on purpose
    _c("check_never_fires", "analysis", "a rule whose condition no case makes true (the message names the parts that contradict each other)"),
    _c("check_never_false", "analysis", "a rule whose condition no case with known data makes false", WARNING),
    _c("check_masked", "analysis", "a rule that fires but never decides: a rule of higher precedence, or its exception, always applies with it", WARNING),
    _c("check_exception_never_applies", "analysis", "an exception that never holds together with the rule it excepts", WARNING),
    _c("check_default_refusal", "analysis", "a case refused by the default outcome, no rule naming the reason (the witness shows one)"),
    _c("check_unreachable_outcome", "analysis", "an outcome of the scope's precedence no case can get", WARNING),
    _c("check_derived_irrelevant", "analysis", "a derived fact whose value changes no outcome and no priority", WARNING),
    _c("fmt_changes_meaning", "check", "`sbs fmt` would change a value of the file (the file is left as it is)"),
    _c("check_disagreement", "analysis", "the engine decides a witness otherwise than the z3 reading of the same pack: an engine error, never a finding"),
    # versions of packs
    _c("registry_duplicate_version", "registry", "two packs with one id@version"),
    _c("registry_validity_overlap", "registry", "two versions of one pack id in force on the same day"),
    _c("registry_replaces_other_id", "registry", "`replaces` names a version of another pack id"),
    _c("registry_unknown_superseded", "registry", "`supersedes` names a version that is not loaded", WARNING),
    _c("registry_unknown_replaced", "registry", "`replaces` names a version that is not loaded", WARNING),
    # compiling to durable_rules
    _c("compile_limit", "compile", "the pack is valid but exceeds what durable_rules can hold safely (facts per case, rules, "
       "identical conditions, constants on one field, pieces of a split condition); the message says which"),
    # officers' overrides
    _c("override_unknown_rule", "overrides", "the rule is not in the pack"),
    _c("override_unknown_target", "overrides", "the target is not a unit or huvudman of the delivery"),
    _c("override_wrong_scope", "overrides", "a unit rule named for a huvudman, or the other way round"),
    _c("override_missing_outcome", "overrides", "`force` without an outcome"),
    _c("override_bad_outcome", "overrides", "an outcome the scope does not have, or one given with `set_aside`"),
    _c("override_duplicate", "overrides", "the same rule overridden twice for one target, or two forced outcomes for one target"),
    _c("override_unlikely_date", "overrides", "`decided_on` before 2015 (the programme began then) or more than a year ahead: "
       "likely a typing slip", WARNING),
    # deliveries
    _c("delivery_control_character", "delivery", "a NUL or another control character in a table"),
    _c("delivery_column_conflict", "delivery", "a table's column names a group of fields another column gives a field of (`injunction` beside `injunction.fine`)"),
    _c("delivery_duplicate_column", "delivery", "a column given twice (at the second header's line and column)"),
    _c("delivery_unknown_column", "delivery", "a table's column that is no field of the model (once, at the header, with did-you-mean)"),
    _c("delivery_missing_column", "delivery", "a field of the model with no column in a table: unknown for every record, reason `column missing`", WARNING),
    _c("delivery_row_length", "delivery", "a row of another width than the header"),
    _c("delivery_bad_percent", "delivery", "`(%)` on a column that is not a share"),
    _c("delivery_duplicate_field", "delivery", "a field given twice in the `delivery` sheet of a workbook, or records listed in a table delivery's header beside their table"),
    _c("delivery_formula", "delivery", "a formula in a cell of a workbook (deliver values)"),
    _c("delivery_merged_cells", "delivery", "merged cells (workbooks)"),
    _c("delivery_cell_too_long", "delivery", "a cell over 64 KiB, or a sheet over 256 MiB (workbooks)"),
    _c("delivery_count_mismatch", "delivery", "the delivery states its counts (`delivery.units`, `delivery.huvudman`) and holds "
       "another number of records"),
    _c("delivery_bad_id", "delivery", "a skolenhetskod that is not 8 digits, or an organisation number not NNNNNN-NNNN"),
    _c("delivery_duplicate_id", "delivery", "an id used twice"),
    _c("delivery_unknown_huvudman", "delivery", "a unit's `huvudman_id` names no huvudman of the delivery"),
    _c("delivery_unknown_unit", "delivery", "a unit's `same_building_as` names no other unit of the delivery"),
    # agreements
    _c("agreement_duplicate_id", "agreement", "a problem or an insats listed twice in an agreement"),
    # evaluation: engine-error records (no decision is made for that case; the batch goes on)
    _c("engine_disagreement", "evaluate", "the two evaluators disagree on a rule", RECORD),
    _c("engine_durable_error", "evaluate", "durable_rules refused the case", RECORD),
    _c("engine_timeout", "evaluate", "the case gave no answer within `--timeout` seconds; its worker was stopped", RECORD),
    _c("engine_crash", "evaluate", "the case ended its worker, or raised (with the exception's message)", RECORD),
    _c("engine_unit_error", "evaluate", "a huvudman one of whose units could not be decided", RECORD),
)
BY_CODE: dict[str, Code] = {c.code: c for c in CODES}
#: The findings of `sbs check` a rule may record as intended.
CHECK_FINDINGS = tuple(c.code for c in CODES if c.code.startswith("check_") and c.code != "check_disagreement")

#: Which tables of which document list which phases.
TABLES = {
    ("README.md", "inputs"): ("read", "delivery", "agreement", "evaluate"),
    ("policy/README.md", "packs"): ("read", "load", "check", "registry", "compile"),
    ("policy/README.md", "analysis"): ("analysis",),
    ("policy/README.md", "overrides"): ("overrides",),
}
_BEGIN, _END = "<!-- codes:{name} (generated by `python -m policy.codes`; edit policy/codes.py) -->", "<!-- /codes -->"


def table(phases: tuple[str, ...]) -> str:
    """The Markdown table of the codes of `phases`, in the registry's order."""
    rows = [f"| `{c.code}` | {c.phase} | {c.severity} | {c.doc} |" for c in CODES if c.phase in phases]
    return "\n".join(["| code | phase | severity | meaning |", "|---|---|---|---|", *rows])


def render(text: str, name: str, phases: tuple[str, ...]) -> str:
    """`text` with the generated table between its markers (ValueError when they are missing)."""
    begin = _BEGIN.format(name=name)
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(_END), re.S)
    if not pattern.search(text):
        raise ValueError(f"no `{begin}` … `{_END}` block")
    return pattern.sub(lambda _: f"{begin}\n{table(phases)}\n{_END}", text, count=1)


def main(root: Path) -> int:
    """Rewrite the generated tables of the documents under `root`."""
    for (doc, name), phases in TABLES.items():
        path = root / doc
        text = path.read_text(encoding="utf-8")
        new = render(text, name, phases)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"{doc}: table `{name}` rewritten")
    return 0


if __name__ == "__main__":  # pragma: no cover - a maintainer's command
    sys.exit(main(Path(__file__).resolve().parent.parent))
