"""Mutation run of the guardrail enforcement points (issue 17, G-51).

    .venv/bin/python bench/mutants.py [--quick] [-n JOBS] [--only ID,ID] [--list] [--check]
                                      [--ref REF] [--timeout S]

Each mutant disables one enforcement point: an exact snippet of a file under ``src/credo`` and
what it becomes (a check that never fires, a filter dropped, a bound removed). The run takes
the committed tree at ``--ref`` (default HEAD; ``git archive``, so the shared working tree and
other people's uncommitted edits are never touched), copies it once per job into a temporary
directory, and for each mutant: applies it, runs the test files the table names with
``pytest -x -q -p no:cacheprovider -m "not postgres"`` (SQLite legs only: PostgreSQL costs a
server per run and the enforcement points are the same code), restores the file. A mutant is
killed when the tests fail (or time out), survives when they pass. Before the mutants, the
named tests run once unmutated: a mutant whose tests already fail is reported as
``baseline_red`` and counted in neither.

``--quick`` runs the mutants marked quick (one or two per guardrail family, a few minutes);
``--check`` only verifies that every snippet occurs exactly once; ``--list`` prints the table.
Last line: ``RESULT killed=N survived=M score=K/(K+M) ...``; the survivors are printed above
it. A survivor is a missing test or dead code."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from queue import Queue

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"


@dataclass(frozen=True)
class Mutant:
    id: str
    guardrail: str
    file: str  # relative to src/credo
    original: str
    mutated: str
    tests: tuple[str, ...]  # test files or node ids, relative to the repository
    quick: bool = False


def m(
    id_: str,
    guardrail: str,
    file: str,
    original: str,
    mutated: str,
    *tests: str,
    quick: bool = False,
) -> Mutant:
    return Mutant(id_, guardrail, file, original, mutated, tests, quick)


CATALOG_GR = "tests/catalog/test_guardrails.py"
CATALOG_LISTS = "tests/lists/test_catalogue_lists.py"
LIST_GR = "tests/lists/test_guardrail_lists.py"
WRITE_PATH = "tests/records/test_write_path.py"
PROVENANCE = "tests/records/test_guardrail_provenance.py"
CHECKS_GR = "tests/checks/test_guardrail_checks.py"
CHECK_API = "tests/checks/test_check_api.py"
DISPUTES = "tests/disputes/test_disputes.py"
REPAIR = "tests/disputes/test_repair_and_jobs.py"
ENTRIES = "tests/lists/test_entries.py"
PROPERTIES = "tests/lists/test_engine_properties.py"

MUTANTS: tuple[Mutant, ...] = (
    # -- A. catalogue and ingestion ----------------------------------------------------------
    m("g01_ceiling", "G-01", "catalog/guardrails.py",
      "        elif not at_most(rt.max_effect, ceiling.max):",
      "        elif False:", CATALOG_GR, quick=True),
    m("g02_domain_message", "G-02", "catalog/guardrails.py",
      "    if section in _DOMAIN_BEARING and isinstance(domain, str)"
      " and domain not in set(Domain):",
      "    if False:", CATALOG_GR),
    m("g03_field_tokens", "G-03", "catalog/vocab.py",
      "    for token in DENIED_FIELD_TOKENS:", "    for token in ():", CATALOG_GR),
    m("g03_field_categories", "G-03", "catalog/vocab.py",
      "    if category and category.lower() in DENIED_FIELD_CATEGORIES:", "    if False:",
      CATALOG_GR),
    m("g03_unknown_payload_field", "G-03", "records/validate.py",
      "            check = checks.get(name)", "            check = checks.get(name, lambda v: v)",
      WRITE_PATH, quick=True),
    m("g04_missing_provenance", "G-04", "records/validate.py",
      "        if provenance is None:", "        if False:", PROVENANCE, quick=True),
    m("g04_allowlist", "G-04", "records/validate.py",
      "        if kind not in _PROVENANCE:", "        if False:", PROVENANCE),
    m("g04_banned_by_name", "G-04", "records/validate.py",
      "        if kind in BANNED_PROVENANCE"
      " or any(b in str(kind).lower() for b in BANNED_PROVENANCE):",
      "        if False:", WRITE_PATH, PROVENANCE),
    m("g04_checked_once_per_file", "G-04", "records/validate.py",
      "            self._check_provenance_kind(kind)\n            self._provenance_ok.add(kind)",
      "            self._provenance_ok.add(kind)\n            self._check_provenance_kind(kind)",
      PROVENANCE),
    m("g05_evidence_required", "G-05", "records/validate.py",
      "            if record_type.polarity is Polarity.NEGATIVE"
      ' and action in ("assert", "correct"):',
      "            if False:", WRITE_PATH),
    m("g05_banned_evidence", "G-05", "catalog/guardrails.py",
      "            if kind in BANNED_EVIDENCE_KINDS:", "            if False:", CATALOG_GR),
    m("g06_finality_clause", "G-06", "records/effect.py",
      '    Clause("finality", "final", None, NOT_FINAL),\n', "", LIST_GR, WRITE_PATH, quick=True),
    m("g06_list_trigger_filter", "G-06", "records/repository.py",
      "    ).where(rc.record_type.in_(list(record_types)), in_effect(rule, None))",
      "    ).where(rc.record_type.in_(list(record_types)))", LIST_GR),
    m("g07_remit", "G-07", "records/validate.py",
      "        if type_id not in self.remit:", "        if False:", WRITE_PATH,
      "tests/api/test_records_api.py", quick=True),
    m("g07_criminal_official_only", "G-07", "catalog/guardrails.py",
      "            if rt.criminal and not furnisher.official_authority:", "            if False:",
      CATALOG_GR),
    m("g08_notice_period", "G-08", "catalog/guardrails.py",
      "    if days < needed:", "    if False:", CATALOG_GR),
    # -- B. measures -------------------------------------------------------------------------
    m("g09_only_own_triggers", "G-09", "checks/decide.py",
      "            if entry.list_id not in measure.triggered_by"
      ' or entry.status_on(on) != "effective":',
      '            if entry.status_on(on) != "effective":', LIST_GR, PROPERTIES, quick=True),
    m("g10_loader_relatedness", "G-10", "catalog/lists.py",
      "    if not related(measure.domain, list_def.domain):", "    if False:", CATALOG_LISTS),
    m("g10_runtime_names_lists", "G-10", "checks/decide.py",
      "        if list_id not in crossing.names_lists:\n            return False",
      "        if False:\n            return False", LIST_GR, quick=True),
    m("g10_runtime_forbidden_profile", "G-10", "checks/decide.py",
      '        if catalogue.profile.cross_domain_measures == "forbidden" or crossing is None:',
      "        if crossing is None:", LIST_GR),
    m("g11_severity", "G-11", "catalog/lists.py",
      "    if not benefit and tier is not None and measure.severity.rank > tier.rank:",
      "    if False:", CATALOG_LISTS),
    m("g11_measure_within_entry", "G-11", "checks/decide.py",
      "            until = min(entry.ends_on, measure.max_duration.add_to(entry.term_anchor))",
      "            until = measure.max_duration.add_to(entry.term_anchor)", PROPERTIES),
    m("g12_loader_counting", "G-12", "catalog/lists.py",
      "    if counted and light and rule.repeat_offence is None:", "    if False:", CATALOG_LISTS),
    m("g12_runtime_counting", "G-12", "lists/evaluate.py",
      "    if rule.repeat_offence is None:\n        return []",
      "    if rule.repeat_offence is None:\n"
      "        return [tuple(records[: rule.min_count])] if len(records) >= rule.min_count else []",
      LIST_GR, quick=True),
    m("g13_own_domain", "G-13", "catalog/ratings.py",
      "        elif record_type.domain != rating.domain:", "        elif False:",
      "tests/ratings/test_definitions.py"),
    m("g14_proxy_tokens", "G-14", "catalog/vocab.py",
      "    for token in PROXY_FIELD_TOKENS:", "    for token in ():",
      "tests/catalog/test_guardrail_proxies.py", quick=True),
    m("g14_list_conditions", "G-14", "catalog/lists.py",
      "            proxy = proxy_field_reason(condition.field, spec.category if spec else None)",
      "            proxy = None", "tests/catalog/test_guardrail_proxies.py"),
    m("g15_negative_list_positive_record", "G-15", "catalog/lists.py",
      "        if list_def.polarity is Polarity.NEGATIVE"
      " and record_type.polarity is Polarity.POSITIVE:",
      "        if False:", CATALOG_LISTS),
    m("g15_rewards_from_red_lists", "G-15", "catalog/lists.py",
      '    if benefit != (list_def.kind == "red"):', "    if False:", CATALOG_LISTS),
    m("g16_suppressed_clause", "G-16", "records/effect.py",
      '    Clause("suppressed", "not", None, SUSPENDED),\n', "", DISPUTES, quick=True),
    # -- C. subject integrity ----------------------------------------------------------------
    m("g17_list_names", "G-17", "catalog/lists.py",
      "    word = _associate_word(list_def.id, list_def.name.en)", "    word = None", LIST_GR),
    m("g17_measure_names", "G-17", "catalog/lists.py",
      "    word = _associate_word(measure.id, measure.name.en, measure.effect.en)",
      "    word = None", CATALOG_LISTS, quick=True),
    m("g18_subject_kinds", "G-18", "catalog/lists.py",
      "        kinds = set(list_def.subject_kinds) - set(record_type.subject_kinds)",
      "        kinds: set[Any] = set()", CATALOG_LISTS),
    m("g19_no_identifier", "G-19", "records/validate.py",
      "        if not pairs:", "        if False:", WRITE_PATH),
    m("g19_scheme_anchored", "G-19", "catalog/guardrails.py",
      "    if not _anchored(items):", "    if False:", "tests/catalog/test_schemes.py"),
    m("g20_claim_suspends", "G-20", "disputes/cases.py",
      '            repository.open_suppression(conn, chain["chain_id"], subject_id, kind.name,'
      " ref, now)",
      "            pass", DISPUTES, quick=True),
    m("g21_minors", "G-21", "lists/evaluate.py",
      "    return not allowed and is_minor(subject.birth_date, on)", "    return False", ENTRIES,
      PROPERTIES, quick=True),
    m("g21_loader_minors", "G-21", "catalog/lists.py",
      "    if negative and list_def.minors_authorised"
      " and not catalogue.profile.minors_on_negative_lists:",
      "    if False:", CATALOG_LISTS),
    m("g22_notice_window", "G-22", "lists/evaluate.py",
      "    notice = 0 if list_def.immediate_effect_article else profile.objection_window_days",
      "    notice = 0", ENTRIES, quick=True),
    # -- D. inquiries ------------------------------------------------------------------------
    m("g24_answer_before_commit", "G-24", "checks/inquiries.py",
      "            try:\n"
      "                await asyncio.get_running_loop()"
      ".run_in_executor(self._thread, self._commit, rows)",
      "            for _, done in batch:\n                if not done.done():\n"
      "                    done.set_result(None)\n            try:\n"
      "                await asyncio.get_running_loop()"
      ".run_in_executor(self._thread, self._commit, rows)",
      CHECKS_GR, quick=True),
    m("g24_not_awaited", "G-24", "checks/service.py",
      "        await self.writer.record(inquiry)",
      "        asyncio.get_running_loop().create_task(self.writer.record(inquiry))", CHECKS_GR),
    # -- E. disputes -------------------------------------------------------------------------
    m("g27_deadline_passed", "G-27", "disputes/cases.py",
      "    if outcome not in kind.suppresses and status_now(kind, case, now) == kind.lapses_to:",
      "    if False:", DISPUTES),
    m("g28_reasons", "G-28", "disputes/cases.py",
      "    if outcome in kind.needs_reasons and len(reasons.strip()) < MIN_REASONS:",
      "    if False:",
      DISPUTES, "tests/disputes/test_guardrail_objection.py", quick=True),
    m("g29_referral", "G-29", "disputes/case_notices.py",
      '    if dispute["category"] == "merits":', "    if False:", DISPUTES),
    m("g30_corrections", "G-30", "disputes/effects.py",
      "            notices.append(_correction(recipient, subject_id, chain_id, change))",
      "            pass", REPAIR),
    m("g31_deleted_stays_deleted", "G-31", "disputes/cases.py",
      "    for chain_id in chain_ids if suppression else []:", "    for chain_id in []:",
      DISPUTES),
    m("g31_refuse_reinsertion", "G-31", "records/service.py",
      "        if p.chain_id in deleted:", "        if False:", WRITE_PATH, DISPUTES),
    m("g33_objection_category", "G-33", "disputes/service.py",
      '    "objection",\n)', ")", "tests/disputes/test_guardrail_objection.py"),
    # -- F. decisions ------------------------------------------------------------------------
    m("g34_blank_transaction", "G-34", "web/api/check_models.py",
      "        if not value.strip():", "        if False:", CHECKS_GR, quick=True),
    m("g34_registered_purpose", "G-34", "checks/service.py",
      "        if party is None or purpose not in party.purposes:", "        if party is None:",
      f"{CHECK_API}::test_purpose_must_be_registered"),
    m("g35_records_in_provenance", "G-35", "checks/decide.py",
      '        "records": [_record_body(catalogue, r, statements, flags) for r in entry.records],',
      '        "records": [],',
      f"{CHECK_API}::test_airline_gets_a_restriction_with_full_provenance"),
    m("g36_counterfactual_improves", "G-36", "ratings/explain.py",
      "            if outcome.band in labels and labels.index(outcome.band) <= target:",
      "            if outcome.band in labels:", "tests/ratings/test_guardrail_explanations.py"),
    m("g36_reasons_ordered", "G-36", "ratings/explain.py",
      "    for term in sorted(terms, key=lambda t: -t[0]):",
      "    for term in sorted(terms, key=lambda t: t[0]):",
      "tests/ratings/test_guardrail_explanations.py", quick=True),
    m("g36_decision_counterfactual", "G-36", "checks/decide.py",
      '        "counterfactual": _counterfactual(decision),', '        "counterfactual": None,',
      f"{CHECK_API}::test_airline_gets_a_restriction_with_full_provenance"),
    m("g39_profile_bound", "G-39", "catalog/models.py",
      "    decision_validity_hours: int = Field(ge=1, le=24)",
      "    decision_validity_hours: int = Field(ge=1, le=48)", CHECKS_GR),
    m("g39_verify_expired", "G-39", "checks/service.py",
      "    if until <= now:", "    if False:", CHECKS_GR, quick=True),
    m("g40_ambiguous_identity", "G-40", "checks/service.py",
      "        if len(ids) > 1:\n"
      '            return Resolved(None, None, keys[0], ["identity_ambiguous"])',
      "        if False:\n"
      '            return Resolved(None, None, keys[0], ["identity_ambiguous"])',
      f"{CHECK_API}::test_ambiguous_identity_gives_no_adverse_finding"),
    # -- G. time limits ----------------------------------------------------------------------
    m("g41_expiry_clause", "G-41", "records/effect.py",
      '    Clause("expires_on", "gt", AS_OF, RETENTION_ENDED),\n', "", REPAIR, WRITE_PATH,
      "tests/records/test_guardrail_retention.py"),
    m("g42_minimum_period", "G-42", "disputes/repair.py",
      "    if ctx.clock.today() < eligible_on:", "    if False:", REPAIR),
    m("g44_loader_list_term", "G-44", "catalog/lists.py",
      "    if list_def.max_term is None or list_def.max_term.amount <= 0:", "    if False:",
      CATALOG_LISTS),
    m("g44_loader_measure_duration", "G-44", "catalog/lists.py",
      "    if measure.max_duration is None or measure.max_duration.amount <= 0:", "    if False:",
      CATALOG_LISTS),
    m("g44_measure_max_duration", "G-44", "checks/decide.py",
      "            until = min(entry.ends_on, measure.max_duration.add_to(entry.term_anchor))",
      "            until = entry.ends_on", LIST_GR, quick=True),
    m("g44_list_term", "G-44", "lists/evaluate.py",
      "    ends_on = min(first_end.ends_on, term_end)", "    ends_on = first_end.ends_on",
      PROPERTIES, quick=True),
    m("g44_rating_band_entry_ends", "G-44", "lists/evaluate.py",
      "        ends_on=list_def.max_term.add_to(effective_on),", "        ends_on=date.max,",
      LIST_GR),
    # -- H/I. officials, companies, audit, statistics ----------------------------------------
    m("g45_official_persons", "G-45", "catalog/guardrails.py",
      '        if rt.domain.value == "public_office_integrity" and rt.subject_kinds != [',
      "        if False and rt.subject_kinds != [", CATALOG_GR),
    m("g46_sole_traders_not_published", "G-46", "register/service.py",
      'ORGANISATION_KINDS = ("organisation", "public_body")',
      'ORGANISATION_KINDS = ("organisation", "public_body", "person")',
      "tests/guardrails/test_sole_traders.py", quick=True),
    m("g47_altered_entry", "G-47", "audit/service.py",
      '    if recomputed != row["hash"]:', "    if False:", "tests/audit/test_audit_chain.py",
      quick=True),
    m("g50_suppression", "G-50", "statistics/cells.py",
      "    hidden = {key for key, n in counts.items() if 0 < n < minimum}", "    hidden = set()",
      "tests/guardrails/test_aggregates.py", quick=True),
    m("g50_secondary_suppression", "G-50", "statistics/cells.py",
      "    if len(hidden) == 1:", "    if False:", "tests/guardrails/test_aggregates.py"),
    m("g50_console_uses_aggregates", "G-50", "web/portal/views.py",
      "    minimum = catalogue.registry.min_cell_size", "    minimum = 5",
      "tests/guardrails/test_aggregates.py::test_g50_the_console_charts_suppress_small_cells"),
    m("g51_startup_checks", "G-51", "catalog/loader.py",
      "    problems.extend(catalogue_problems(catalogue))", "    pass",
      "tests/guardrails/test_coverage.py"),
)  # fmt: skip


def export_tree(ref: str, target: Path) -> None:
    """The committed tree at ``ref`` (nothing of the shared working tree)."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", ref], check=True, capture_output=True
    ).stdout
    target.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)


def occurrences(tree: Path, mutant: Mutant) -> int:
    return (tree / "src" / "credo" / mutant.file).read_text(encoding="utf-8").count(mutant.original)


def run_tests(tree: Path, tests: tuple[str, ...], timeout: float) -> tuple[str, float]:
    """("passed" | "failed" | "timeout", seconds) for the tests in ``tree``."""
    env = {
        **os.environ,
        "PYTHONPATH": f"{tree / 'src'}{os.pathsep}{tree}",
        "PYTHONDONTWRITEBYTECODE": "1",
        "COLUMNS": "80",
    }
    command = [str(PYTHON), "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
               "-m", "not postgres", "--hypothesis-seed=0", *tests]  # fmt: skip
    start = time.monotonic()
    try:
        done = subprocess.run(command, cwd=tree, env=env, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", time.monotonic() - start
    # 0: passed; 5: no test collected (a wrong node id: reported as failed, never a pass)
    return ("passed" if done.returncode == 0 else "failed"), time.monotonic() - start


def mutate_and_run(tree: Path, mutant: Mutant, timeout: float) -> tuple[str, float]:
    path = tree / "src" / "credo" / mutant.file
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace(mutant.original, mutant.mutated, 1), encoding="utf-8")
    try:
        outcome, seconds = run_tests(tree, mutant.tests, timeout)
    finally:
        path.write_text(original, encoding="utf-8")
    return ("killed" if outcome != "passed" else "survived"), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="only the mutants marked quick")
    parser.add_argument("-n", "--jobs", type=int, default=1, help="mutants run side by side")
    parser.add_argument("--only", help="comma-separated mutant ids")
    parser.add_argument("--list", action="store_true", help="print the table and stop")
    parser.add_argument("--check", action="store_true", help="check the snippets and stop")
    parser.add_argument("--ref", default="HEAD", help="the commit to mutate (default HEAD)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per test run")
    args = parser.parse_args()
    chosen = [x for x in MUTANTS if x.quick or not args.quick]
    if args.only:
        wanted = set(args.only.split(","))
        chosen = [x for x in chosen if x.id in wanted]
    if args.list:
        for x in chosen:
            print(f"{x.id:34} {x.guardrail} {x.file:24} {' '.join(x.tests)}")
        print(f"{len(chosen)} mutants over {len({x.guardrail for x in chosen})} guardrails")
        return
    with tempfile.TemporaryDirectory(prefix="credo-mutants-") as scratch:
        base = Path(scratch) / "tree-0"
        export_tree(args.ref, base)
        stale = [f"{x.id}: {occurrences(base, x)} matches in {x.file}" for x in chosen
                 if occurrences(base, x) != 1]  # fmt: skip
        if stale:
            sys.exit("snippets that do not occur exactly once:\n  " + "\n  ".join(stale))
        if args.check:
            print(f"{len(chosen)} mutants, every snippet found once at {args.ref}")
            return
        trees: Queue[Path] = Queue()
        trees.put(base)
        for index in range(1, max(1, args.jobs)):
            copy = Path(scratch) / f"tree-{index}"
            shutil.copytree(base, copy)
            trees.put(copy)
        run(chosen, trees, args.jobs, args.timeout)


def run(chosen: list[Mutant], trees: Queue[Path], jobs: int, timeout: float) -> None:
    started = time.monotonic()
    baseline: dict[tuple[str, ...], str] = {}

    def baseline_of(tests: tuple[str, ...]) -> None:
        tree = trees.get()
        try:
            baseline[tests] = run_tests(tree, tests, timeout)[0]
        finally:
            trees.put(tree)

    def one(mutant: Mutant) -> tuple[Mutant, str, float]:
        if baseline[mutant.tests] != "passed":
            return mutant, "baseline_red", 0.0
        tree = trees.get()
        try:
            outcome, seconds = mutate_and_run(tree, mutant, timeout)
        finally:
            trees.put(tree)
        return mutant, outcome, seconds

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(baseline_of, sorted({x.tests for x in chosen})))
        results = []
        for mutant, outcome, seconds in pool.map(one, chosen):
            print(f"{outcome:12} {mutant.guardrail} {mutant.id:34} {seconds:6.1f}s", flush=True)
            results.append((mutant, outcome))
    killed = [x for x, o in results if o == "killed"]
    survived = [x for x, o in results if o == "survived"]
    red = [x for x, o in results if o == "baseline_red"]
    for x in survived:
        print(f"SURVIVED {x.guardrail} {x.id}: {x.file}: {x.original.strip()!r}")
    for x in red:
        print(f"BASELINE RED {x.guardrail} {x.id}: {' '.join(x.tests)} fail unmutated")
    judged = len(killed) + len(survived)
    score = len(killed) / judged if judged else 0.0
    print(
        f"RESULT killed={len(killed)} survived={len(survived)} score={score:.3f} "
        f"baseline_red={len(red)} mutants={len(results)} "
        f"guardrails={len({x.guardrail for x, _ in results})} "
        f"wall_s={time.monotonic() - started:.0f}"
    )


if __name__ == "__main__":
    main()
