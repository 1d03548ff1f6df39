"""`charter docs`: the Markdown catalogue of the rules in force."""

from __future__ import annotations

from conftest import GitRepo

REASON = "Monitoring runs in the scoring platform | audited <quarterly>."


def test_catalogue_lists_pack_local_overridden_and_disabled_rules(governed: GitRepo) -> None:
    governed.write("policies/packs.yaml", f"""\
charter: 1
extends: [charter:sr-11-7]
disable:
  SR117-007: {REASON}
rules:
  SR117-010:
    title: Production artifacts are pinned by hash, or stored immutably
    severity: warning
    applies_to: version
    match: {{stage: production}}
    require: {{field: artifact.sha256, exists: true}}
""")
    run = governed.charter("docs")
    assert run.code == 0, run.err
    out = run.out
    assert out.startswith("# Governance rules in force\n")
    assert ("| [SR117-001](#sr117-001) | Production versions are validated and approved "
            "before use | error | model versions | built-in pack `charter:sr-11-7` |") in out
    assert ("| [VAL-001](#val-001) | Production versions are validated and approved | error "
            "| model versions | `policies/rules.yaml:3` |") in out
    assert ("`policies/packs.yaml:6`, replacing the rule of `charter:sr-11-7`") in out
    escaped = "Monitoring runs in the scoring platform \\| audited &lt;quarterly&gt;."
    assert f"| SR117-007 | {escaped} |" in out
    assert "### SR117-008" in out
    assert "- SR 11-7 §V (Model Validation): periodic review, at least annually, of each model" \
        in out
    assert "| CHARTER-W004 | Waiver expires soon | warning |" in out
    assert "### SR117-007" not in out


def test_docs_writes_a_file_and_check_detects_drift(governed: GitRepo) -> None:
    assert governed.charter("docs", "--output", "docs/POLICIES.md").code == 0
    assert (governed.root / "docs/POLICIES.md").read_text().startswith("# Governance rules")
    assert governed.charter("docs", "--output", "docs/POLICIES.md", "--check").code == 0
    rules = (governed.root / "policies/rules.yaml").read_text()
    governed.write("policies/rules.yaml", rules.replace("AUC of 0.75", "AUC of 0.80"))
    run = governed.charter("docs", "--output", "docs/POLICIES.md", "--check")
    assert run.code == 1
    assert "docs/POLICIES.md is out of date" in run.err
