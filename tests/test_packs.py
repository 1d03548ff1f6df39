"""Built-in policy packs: their own tests, their references, and extends / override / disable."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from charter.policy.loader import PolicySet, assemble_policies, pack_names
from charter.policytests.cases import load_cases
from charter.policytests.suite import run_cases
from charter.source.yamlsource import load_yaml_text
from conftest import TODAY, GitRepo

PACK_TESTS = Path(__file__).parent / "packs"
PACKS = [name.split(":", 1)[1] for name in pack_names()]
REFERENCE_STYLE = {
    "sr-11-7": ("SR 11-7 §",),
    "eu-ai-act-high-risk": ("EU AI Act Art. ", "EU AI Act Annex IV point "),
    "responsible-ai": ("NIST AI RMF 1.0 ", "GDPR Art. ", "Model Cards"),
    "lifecycle": ("SR 11-7 §", "EU AI Act Art. ", "EU AI Act Annex IV point "),
    "evidence": ("SR 11-7 §", "EU AI Act Art. ", "EU AI Act Annex IV point "),
}


def pack_policies(pack: str) -> PolicySet:
    text = f"charter: 1\nextends: [charter:{pack}]\n".encode()
    document = load_yaml_text(text, "policies/packs.yaml")
    return assemble_policies([("policies/packs.yaml", "policies/packs.yaml", document)])


@pytest.mark.parametrize("pack", PACKS)
def test_pack_tests_pass_with_full_rule_and_condition_coverage(pack: str) -> None:
    policies = pack_policies(pack)
    file = PACK_TESTS / f"{pack}.yaml"
    own = sorted(r for r, rule in policies.rules.items() if rule.origin == f"charter:{pack}")
    suite = run_cases(policies, load_cases(file, file.name), dt.date.fromisoformat(TODAY),
                      [file.name], own)
    failures = [(r.case.name, m.expectation.rule, m.expectation.entity, m.actual, m.why)
                for r in suite.results for m in r.mismatches]
    assert failures == []
    assert [(r.rule, r.gap()) for r in suite.coverage.uncovered_rules] == []
    assert [(c.rule, c.path) for c in suite.coverage.unevaluated] == []


@pytest.mark.parametrize("pack", PACKS)
def test_every_pack_rule_has_a_title_remediation_and_precise_references(pack: str) -> None:
    policies = pack_policies(pack)
    rules = [r for r in policies.rules.values() if r.origin == f"charter:{pack}"]
    assert rules
    for rule in rules:
        assert rule.title and rule.remediation, rule.id
        assert rule.references, rule.id
        for reference in rule.references:
            assert reference.startswith(REFERENCE_STYLE[pack]), (rule.id, reference)


def test_pack_rule_ids_are_unique_across_packs() -> None:
    seen: dict[str, str] = {}
    for pack in PACKS:
        for rule_id, rule in pack_policies(pack).rules.items():
            if rule.origin == f"charter:{pack}":
                assert rule_id not in seen, (rule_id, pack, seen.get(rule_id))
                seen[rule_id] = pack


# Medium risk: SR117-007 asks for monitoring; the always-on LC-018 does so only at high risk.
PRODUCTION_ONLY = """\
charter: 1
teams:
  risk-analytics: {members: [dana]}
  model-risk: {members: [vera], validates: true}
models:
  credit:
    title: Credit default
    owner: risk-analytics
    risk_tier: medium
    purpose: Price loans by default risk
    intended_use: Pricing consumer loans
    limitations: Not for business loans
    last_review: 2026-06-01
    versions:
      "1.0.0":
        stage: production
        author: dana
        artifact: {path: models/credit.skops, sha256: "%s"}
        training_data: [loans@2024-06]
        evaluation: {dataset: loans@2024-07, target: defaulted, metrics: {roc_auc: 0.81}}
        validation: {by: vera, date: 2026-06-01, outcome: approved}
datasets:
  loans:
    owner: risk-analytics
    contains_pii: false
    versions:
      "2024-06": {path: data/loans-06.csv}
      "2024-07": {path: data/loans-07.csv}
""" % ("a" * 64)


@pytest.fixture
def extended(repo: GitRepo) -> GitRepo:
    repo.write("models.yaml", PRODUCTION_ONLY)
    repo.write("policies/governance.yaml", "charter: 1\nextends: [charter:sr-11-7]\n")
    repo.commit("inventory under SR 11-7")
    return repo


def check_all(repo: GitRepo, *args: str) -> tuple[int, str, str]:
    run = repo.charter("check", "--all", "--today", TODAY, "--evidence", "none", *args)
    return run.code, run.out, run.err


def test_extends_brings_the_pack_rules_into_force(extended: GitRepo) -> None:
    code, out, _ = check_all(extended)
    assert code == 1
    assert "SR117-007" in out  # a production version without monitoring
    assert "credit@1.0.0 is in production without an ongoing monitoring plan" in out
    code, out, _ = check_all(extended, "--format", "json")
    rules = json.loads(out)["policies"]["rules"]
    assert "SR117-001" in rules and "LC-001" in rules and "EUAI-001" not in rules


def test_a_local_rule_with_the_same_id_overrides_the_pack_rule(extended: GitRepo) -> None:
    extended.write("policies/governance.yaml", """\
charter: 1
extends: [charter:sr-11-7]
rules:
  SR117-007:
    title: Production versions are monitored, or say why not
    severity: warning
    applies_to: version
    match: {stage: production}
    require: {field: monitoring.every_days, exists: true}
""")
    extended.commit("soften monitoring")
    code, out, _ = check_all(extended)
    assert code == 0, out
    assert "warning SR117-007" in out.replace("  ", " ")
    explained = extended.charter("explain", "SR117-007")
    assert "Production versions are monitored, or say why not" in explained.out
    assert "Defined in policies/governance.yaml:4" in explained.out


def test_a_pack_rule_disabled_with_a_justification_is_off_and_reported(extended: GitRepo
                                                                       ) -> None:
    reason = "Monitoring runs in the scoring platform and is audited there (MRM-2026-14)."
    extended.write("policies/governance.yaml", f"""\
charter: 1
extends: [charter:sr-11-7]
disable:
  SR117-007: {reason}
""")
    extended.commit("disable SR117-007")
    code, out, _ = check_all(extended)
    assert code == 0, out
    assert f"disabled: SR117-007: {reason}" in out.splitlines()
    assert "SR117-007 " not in out.replace(f"disabled: SR117-007: {reason}", "")
    code, out, _ = check_all(extended, "--format", "json")
    assert json.loads(out)["policies"]["disabled"] == {"SR117-007": reason}
    explained = extended.charter("explain", "SR117-007")
    assert explained.out == f"SR117-007 is disabled: {reason}\n"
    code, out, _ = check_all(extended, "--format", "markdown")
    assert "### Pack rules disabled (1)" in out
    assert "| `SR117-007` | Monitoring runs in the scoring platform" in out


@pytest.mark.parametrize(("disable", "message"), [
    ("SR117-007: later", "$.disable.SR117-007: 'later' is too short"),
    ("SR117-007: '          x'", "disabling SR117-007 needs a justification of at least 10"),
    ("SR117-07: Monitoring lives in the platform", "cannot disable SR117-07: no pack rule has "
     "that id (did you mean SR117-007?)"),
    ("LOCAL-1: Nobody needs this rule anymore", "cannot disable LOCAL-1: it is defined in "
     "policies/governance.yaml; delete or change the local rule instead"),
])
def test_disabling_needs_a_pack_rule_and_a_justification(extended: GitRepo, disable: str,
                                                         message: str) -> None:
    extended.write("policies/governance.yaml", f"""\
charter: 1
extends: [charter:sr-11-7]
disable:
  {disable}
rules:
  LOCAL-1:
    title: Models have a title
    severity: info
    applies_to: model
    require: {{field: title, exists: true}}
""")
    code, _, err = check_all(extended, "--policies-from", "head")
    assert code == 2
    assert "policies/governance.yaml:4:" in err
    assert message in err
    assert "Traceback" not in err


def test_an_unknown_pack_is_an_error_that_lists_the_packs(extended: GitRepo) -> None:
    extended.write("policies/governance.yaml", "charter: 1\nextends: [charter:sr-117]\n")
    code, _, err = check_all(extended, "--policies-from", "head")
    assert code == 2
    assert "policies/governance.yaml:2:" in err
    assert "unknown policy pack 'charter:sr-117'" in err
    assert "charter:sr-11-7" in err


def test_a_pull_request_cannot_disable_a_pack_rule_that_judges_it(extended: GitRepo) -> None:
    extended.write("policies/governance.yaml", """\
charter: 1
extends: [charter:sr-11-7]
disable:
  SR117-007: Monitoring is not needed for this model at all.
""")
    code, out, _ = check_all(extended)
    assert code == 1  # the base's rules judge the change
    assert "SR117-007" in out
