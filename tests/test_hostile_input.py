"""Hostile input: whatever a file holds, the gate answers fast, with a message, and fails closed."""

from __future__ import annotations

import gzip
import os
import re
from pathlib import Path

import pytest

from conftest import TODAY, GitRepo, Run
from scenarios import check


def edit_inventory(repo: GitRepo, old: str, new: str) -> None:
    text = (repo.root / "models.yaml").read_text()
    assert old in text
    repo.write("models.yaml", text.replace(old, new))


# Ids and references with a trailing newline: `$` in a pattern must mean the end of the text.
TRAILING_NEWLINES = {
    "model id": ("  credit:\n", '  "credit\\n":\n', "$.models"),
    "version id": ('      "1.0.0":', '      "9.9.9\\n":', "$.models.credit.versions"),
    "dataset id": ("  loans:\n", '  "loans\\n":\n', "$.datasets"),
    "artifact hash": ('a"}', 'a\\n"}', "artifact.sha256"),
}


@pytest.mark.parametrize("old, new, where", TRAILING_NEWLINES.values(),
                         ids=list(TRAILING_NEWLINES))
def test_validate_refuses_ids_with_a_trailing_newline(governed: GitRepo, old: str, new: str,
                                                       where: str) -> None:
    edit_inventory(governed, old, new)

    run = governed.charter("validate")

    assert run.code == 2, run.out
    assert "models.yaml:" in run.err and where in run.err
    assert "Traceback" not in run.err


@pytest.mark.parametrize("old, new", [TRAILING_NEWLINES["model id"][:2],
                                      TRAILING_NEWLINES["version id"][:2]],
                         ids=["model id", "version id"])
def test_check_refuses_ids_with_a_trailing_newline(governed: GitRepo, old: str,
                                                    new: str) -> None:
    edit_inventory(governed, old, new)

    run = check(governed)

    assert run.code == 2, run.out
    assert "models.yaml:" in run.err and "does not match" in run.err


# Policy regexes are authored by people and the text they match by the pull request.
def regex_rule(pattern: str, field: str = "title") -> str:
    return f"""\
        charter: 1
        rules:
          NAME-001:
            title: Model titles follow the naming convention
            severity: error
            applies_to: model
            require: {{field: {field}, matches: '{pattern}'}}
        """


@pytest.mark.parametrize("pattern, title", [
    ("(a+)+$", "a" * 40 + "!"),
    (r"^(\w+\s?)*$", "Credit default probability for consumer loans " * 4 + "!"),
], ids=["nested quantifier", "words and spaces"])
def test_matches_runs_in_linear_time(governed: GitRepo, pattern: str, title: str) -> None:
    governed.write("policies/naming.yaml", regex_rule(pattern))
    governed.commit("naming convention")
    edit_inventory(governed, "title: Credit default\n", f"title: '{title}'\n")

    run = governed.charter("check", "--today", TODAY, "--evidence", "none", timeout=30)

    assert run.code == 1, run.err
    assert "NAME-001" in run.out and "models.yaml:" in run.out


def test_matches_still_matches_the_whole_text(governed: GitRepo) -> None:
    governed.write("policies/naming.yaml", regex_rule("[A-Z][a-z]+( [a-z]+)*"))
    governed.commit("naming convention")
    edit_inventory(governed, "title: Credit default\n", "title: Credit default\\n\n")
    assert check(governed).code == 1
    edit_inventory(governed, "title: Credit default\\n\n", "title: Credit default risk\n")
    assert check(governed).code == 0


@pytest.mark.parametrize("pattern, reason", [
    (r"(a)\1", "backreference"),
    ("(?=credit)c.*", "lookahead"),
])
def test_regex_the_linear_engine_cannot_take_is_refused_at_load(
        governed: GitRepo, pattern: str, reason: str) -> None:
    governed.write("policies/naming.yaml", regex_rule(pattern))

    run = governed.charter("validate")

    assert run.code == 2, (reason, run.out)
    assert "policies/naming.yaml:7:" in run.err
    assert "NAME-001" in run.err and pattern in run.err


# Governed files that are not plain files inside the repository are refused, never skipped.
OUTSIDE_RULES = """\
charter: 1
rules:
  EXTRA-001:
    title: Versions name their algorithm
    severity: error
    applies_to: version
    require: {field: algorithm, exists: true}
"""


def test_policy_symlink_leading_outside_the_repository_is_refused(governed: GitRepo,
                                                                  tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "rules.yaml"
    outside.parent.mkdir()
    outside.write_text(OUTSIDE_RULES)
    (governed.root / "policies" / "extra.yaml").symlink_to(outside)

    run = governed.charter("validate")

    assert run.code == 2, run.out
    assert "policies/extra.yaml" in run.err and str(outside) in run.err
    assert "outside the repository" in run.err


def test_committed_policy_symlink_leading_outside_is_refused(governed: GitRepo) -> None:
    (governed.root / "policies" / "extra.yaml").symlink_to("/etc/charter/rules.yaml")
    governed.commit("shared rules")

    run = governed.charter("validate", "--ref", "HEAD")

    assert run.code == 2, run.out
    assert "policies/extra.yaml" in run.err and "/etc/charter/rules.yaml" in run.err
    assert "outside the repository" in run.err


def test_policy_symlink_inside_the_repository_is_read(governed: GitRepo) -> None:
    rules = rule_count(governed.charter("validate"))
    governed.write("shared/rules.yaml", OUTSIDE_RULES)
    (governed.root / "policies" / "extra.yaml").symlink_to("../shared/rules.yaml")
    governed.commit("shared rules")

    for args in [(), ("--ref", "HEAD")]:
        run = governed.charter("validate", *args)
        assert run.code == 0, run.err
        assert rule_count(run) == rules + 1  # EXTRA-001


def rule_count(run: Run) -> int:
    found = re.search(r"; (\d+) rules and", run.out)
    assert found, run.out + run.err
    return int(found.group(1))


def test_history_says_it_cannot_follow_a_policy_symlink(governed: GitRepo) -> None:
    governed.write("shared/rules.yaml", OUTSIDE_RULES)
    (governed.root / "policies" / "extra.yaml").symlink_to("../shared/rules.yaml")
    governed.commit("shared rules")

    run = governed.charter("history", "--no-cache")

    assert run.code == 0, run.err
    assert "policies/extra.yaml: a symbolic link, which the history cannot follow" in run.out


@pytest.mark.parametrize("kind", ["directory", "broken symlink"])
@pytest.mark.parametrize("name", ["models.yaml", "policies/rules.yaml"])
def test_governed_file_that_is_not_a_file_is_bad_input(governed: GitRepo, name: str,
                                                       kind: str) -> None:
    target = governed.root / name
    target.unlink()
    if kind == "directory":
        target.mkdir()
    else:
        target.symlink_to("missing.yaml")

    run = governed.charter("validate")

    assert run.code == 2, run.out
    reason = "not a regular file" if kind == "directory" else "missing.yaml, which does not exist"
    assert f"{name}: " in run.err and reason in run.err
    assert "internal error" not in run.err


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
@pytest.mark.parametrize("name", ["models.yaml", "policies/rules.yaml"])
def test_unreadable_governed_file_is_bad_input(governed: GitRepo, name: str) -> None:
    (governed.root / name).chmod(0)

    run = governed.charter("validate")

    assert run.code == 2, run.out
    assert f"{name}: cannot read" in run.err and "internal error" not in run.err


def test_a_number_too_large_for_a_float_is_bad_input(governed: GitRepo) -> None:
    edit_inventory(governed, "roc_auc: 0.81", "roc_auc: " + "9" * 401)

    for run in (governed.charter("validate"), check(governed)):
        assert run.code == 2, run.out
        assert "models.yaml:26:" in run.err and "number too large (401 digits)" in run.err
        assert "internal error" not in run.err


@pytest.mark.parametrize("expression", ["(" * 5000 + "stage" + ")" * 5000, "!" * 5000 + "stage",
                                        "!" * 80 + "stage"],
                         ids=["5000 parentheses", "5000 negations", "80 negations"])
def test_a_deeply_nested_field_expression_is_bad_input(governed: GitRepo,
                                                       expression: str) -> None:
    policies = (governed.root / "policies" / "rules.yaml").read_text()
    governed.write("policies/rules.yaml", policies.replace(
        "field: validation.outcome", f"field: '{expression}'"))

    for run in (governed.charter("validate"), check(governed, "--policies-from", "head")):
        assert run.code == 2, run.out
        assert "policies/rules.yaml:8:" in run.err and "nests deeper than 64 levels" in run.err
        assert len(run.err) < 1000 and "internal error" not in run.err


@pytest.mark.parametrize("document", ["[" * 100_000 + "]" * 100_000,
                                      '{"reviews": ' + '{"a": ' * 100_000 + "1" + "}" * 100_001])
def test_deeply_nested_reviews_file_is_bad_input(governed: GitRepo, tmp_path: Path,
                                                 document: str) -> None:
    reviews = tmp_path / "reviews.json"
    reviews.write_text(document)
    edit_inventory(governed, "roc_auc: 0.81", "roc_auc: 0.82")

    run = check(governed, "--reviews", str(reviews), "--pr-head", "a" * 40)

    assert run.code == 2, run.out
    assert f"{reviews}: " in run.err and "nests too deeply" in run.err
    assert "internal error" not in run.err


def test_problems_from_an_expanding_alias_are_capped(governed: GitRepo) -> None:
    bad = "x-bad: &bad {stage: prod, algorithm: 1, bogus1: 1, bogus2: 2, bogus3: 3}\n"
    many = "x-many: &many {" + ", ".join(f'"v{i}": *bad' for i in range(100)) + "}\n"
    text = bad + many + (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text.replace('    versions:\n', '    versions:\n'
                                               '      <<: *many\n'))

    run = governed.charter("validate")

    assert run.code == 2
    lines = run.err.splitlines()
    assert lines[0] == "charter: error: models.yaml is invalid (500 problems)"
    assert len(lines) == 52 and lines[-1] == "… and 450 more problems"


def test_evaluation_data_with_a_million_columns_fails_fast_naming_the_limit(
        repo: GitRepo) -> None:
    from evidence_helpers import add_version, build_demo, sha256

    demo = build_demo(repo)
    names = ["income", "debt", "region", "group", "defaulted"]
    names += [f"c{i}" for i in range(1_000_000 - len(names))]
    (demo.root / "data/wide.csv").write_text(",".join(names) + "\n")
    demo.repo.write("models.yaml", demo.inventory().replace("datasets:\n", f"""datasets:
  loans-wide:
    owner: risk
    contains_pii: false
    versions:
      "1": {{path: data/wide.csv, sha256: {sha256(demo.root / 'data/wide.csv')}}}
"""))
    add_version(demo, "1.1.0", "development", "models/scorer-1.0.0.skops")
    head, _, tail = demo.inventory().rpartition("dataset: loans-holdout@1")
    demo.repo.write("models.yaml", f"{head}dataset: loans-wide@1{tail}")

    run = demo.repo.charter("check", "--today", TODAY, timeout=60)

    assert run.code == 1, run.err
    assert "EV-003" in run.out
    assert "data/wide.csv: the header line is longer than the limit of 1,048,576 bytes" in run.out


@pytest.mark.parametrize("name", ["wide.csv", "wide.csv.gz", "wide.parquet"])
def test_a_header_with_too_many_columns_is_refused_before_reading(tmp_path: Path,
                                                                  name: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from charter.evidence.files import FileStore
    from charter.evidence.frames import dataset_format, read_frame
    from charter.evidence.problems import InputError

    names = ["x", "y", *(f"c{i}" for i in range(10_000))]
    if name.endswith(".parquet"):
        pq.write_table(pa.table({n: [1] for n in names}), tmp_path / name)
    else:
        opener = gzip.open if name.endswith(".gz") else open
        with opener(tmp_path / name, "wt") as handle:
            handle.write(",".join(names) + "\n" + ",".join("1" * len(names)) + "\n")

    with pytest.raises(InputError) as error:
        read_frame(FileStore(tmp_path).fetch(name), dataset_format({}, name),
                   {"x": "feature", "y": "target"})

    assert error.value.code == "header-too-large"
    assert error.value.message == f"{name}: 10,002 columns, over the limit of 10,000"


def test_an_ordering_comparison_of_text_with_a_number_is_no_value(governed: GitRepo) -> None:
    """JMESPath orders only numbers with numbers and text with text: anything else is null,
    not an internal error that stops the gate."""
    governed.write("policies/limits.yaml", """\
        charter: 1
        rules:
          TITLE-001:
            title: No model's title sorts after the letter x
            severity: error
            applies_to: model
            require: {field: "[@][?title > `1`]", count: {equals: 0}}
          TITLE-002:
            title: Titles sort after the letter A
            severity: error
            applies_to: model
            require: {field: "[@][?title > 'A']", count: {equals: 1}}
        """)
    governed.commit("limits")
    edit_inventory(governed, "title: Credit default\n", "title: Zebra\n")

    run = governed.charter("check", "--today", TODAY, "--evidence", "none")

    assert run.code == 0, run.out + run.err
    assert "Traceback" not in run.err


def test_a_path_holding_a_nul_character_is_a_finding_not_an_internal_error(
        governed: GitRepo) -> None:
    """YAML can spell a NUL ("\\0") in a path; the system calls refuse it with ValueError."""
    edit_inventory(governed, "artifact: {path: models/credit-1.0.0.skops",
                   'artifact: {path: "models/credit\\0.skops"')
    for head in ((), ("--head", "HEAD")):
        if head:
            governed.commit("a NUL in a path")
        run = governed.charter("check", "--today", TODAY, "--all", *head)
        assert run.code == 1, run.out + run.err
        assert "internal error" not in run.err
        assert "'models/credit\\x00.skops': a path cannot hold a NUL character" in run.out
