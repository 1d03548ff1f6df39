"""Independence of validators and waiver approvers: not the version's author, and not in the
team that owns the model on the day it counts."""

from __future__ import annotations

from conftest import BASIC_INVENTORY, GitRepo, Run
from scenarios import check

VERA = "Vera Validator <vera@example.com>"


def new_version(validation: str = "", extra: str = "") -> str:
    """credit@1.1.0, in development, optionally validated."""
    text = ('      "1.1.0":\n'
            "        stage: development\n"
            f"{extra}"
            "        training_data: [loans@2024-06]\n"
            "        evaluation: {dataset: loans@2024-06, target: defaulted, "
            "metrics: {roc_auc: 0.84}}\n")
    if validation:
        text += f"        validation: {{{validation}}}\n"
    return text


def line_of(repo: GitRepo, needle: str, occurrence: int = -1) -> tuple[int, int]:
    lines = (repo.root / "models.yaml").read_text().splitlines()
    found = [(i + 1, line.index(needle) + 1) for i, line in enumerate(lines) if needle in line]
    return found[occurrence]


def feature(repo: GitRepo) -> GitRepo:
    repo.git("checkout", "-q", "-b", "feature")
    return repo


def test_the_author_named_in_the_record_cannot_validate_it(governed: GitRepo) -> None:
    feature(governed)
    governed.write("models.yaml", BASIC_INVENTORY + new_version(
        "by: vera, date: 2026-11-20, outcome: approved", "        author: vera\n"))
    run = check(governed, "--base", "main")
    assert run.code == 1, run.out + run.err
    line, column = line_of(governed, "by: vera")
    assert (f"LC-030       models.yaml:{line}:{column}  credit@1.1.0: vera validated a "
            "version they authored") in run.out, run.out


def test_naming_someone_else_as_author_does_not_let_the_git_author_validate(
        governed: GitRepo) -> None:
    """A record's `author` names an author; it does not make whoever wrote the version in git
    independent of it."""
    feature(governed)
    governed.write("models.yaml", BASIC_INVENTORY + new_version(
        "by: vera, date: 2026-11-20, outcome: approved", "        author: ravi\n"))
    governed.commit("credit 1.1.0", author=VERA)
    for head in ((), ("--head", "feature")):
        run = check(governed, "--base", "main", *head)
        assert run.code == 1, run.out + run.err
        assert "LC-030" in run.out and "credit@1.1.0: vera validated a version they authored" \
            in run.out, run.out
    governed.commit("credit 1.1.0 unvalidated")  # control: the author named, someone else wrote it
    governed.write("models.yaml", BASIC_INVENTORY + new_version(
        "by: victor, date: 2026-11-20, outcome: approved", "        author: ravi\n"))
    governed.commit("validated by victor", author="Victor <victor@example.com>")
    assert "LC-030" not in check(governed, "--base", "main").out


def test_the_git_author_who_later_joined_a_validating_team_cannot_validate(
        governed: GitRepo) -> None:
    governed.write("models.yaml", BASIC_INVENTORY + new_version())
    governed.commit("credit 1.1.0")  # by Dana Scientist <dana@example.com>
    moved = BASIC_INVENTORY.replace(
        "  risk-analytics: {members: [dana, ravi]}\n"
        "  model-risk: {members: [vera, victor], validates: true}\n",
        "  risk-analytics: {members: [ravi, {id: dana, until: 2026-08-31}]}\n"
        "  model-risk:\n"
        "    validates: true\n"
        "    members: [vera, victor, {id: dana, since: 2026-09-01}]\n")
    governed.write("models.yaml", moved + new_version())
    governed.commit("dana moved to model risk", author=VERA)
    feature(governed)
    governed.write("models.yaml", moved + new_version(
        "by: dana, date: 2026-11-20, outcome: approved"))
    run = check(governed, "--base", "main")
    assert run.code == 1, run.out + run.err
    assert "LC-030" in run.out and "credit@1.1.0: dana validated a version they authored" in (
        run.out)
    assert "LC-031" not in run.out  # she had left the owning team when she validated it
    victor = check_with(governed, moved, "by: victor, date: 2026-11-20, outcome: approved")
    assert victor.code == 0, victor.out


def check_with(repo: GitRepo, inventory: str, validation: str) -> Run:
    repo.write("models.yaml", inventory + new_version(validation))
    return check(repo, "--base", "main")


def test_git_authors_are_recognised_by_their_listed_emails(governed: GitRepo) -> None:
    inventory = BASIC_INVENTORY.replace(
        "  model-risk: {members: [vera, victor], validates: true}\n",
        "  model-risk:\n    validates: true\n"
        "    members: [victor, {id: vera, emails: [v.smith@bank.example]}]\n")
    governed.write("models.yaml", inventory + new_version())
    governed.commit("credit 1.1.0", author="V. Smith <v.smith@bank.example>")
    feature(governed)
    governed.write("models.yaml", inventory + new_version(
        "by: vera, date: 2026-11-20, outcome: approved"))
    run = check(governed, "--base", "main")
    assert run.code == 1, run.out + run.err
    assert "credit@1.1.0: vera validated a version they authored" in run.out


def test_an_uncommitted_version_is_authored_by_whoever_commits_it(governed: GitRepo) -> None:
    feature(governed)
    governed.write("models.yaml", BASIC_INVENTORY + new_version(
        "by: vera, date: 2026-11-20, outcome: approved"))
    as_vera = {"GIT_AUTHOR_NAME": "Vera Validator", "GIT_AUTHOR_EMAIL": "vera@example.com"}
    run = check(governed, "--base", "main", env=as_vera)
    assert run.code == 1, run.out + run.err
    assert "credit@1.1.0: vera validated a version they authored" in run.out
    as_dana = {"GIT_AUTHOR_NAME": "Dana Scientist", "GIT_AUTHOR_EMAIL": "dana@example.com"}
    assert check(governed, "--base", "main", env=as_dana).code == 0


def test_a_member_of_the_owning_team_on_the_validation_date_cannot_validate(
        governed: GitRepo) -> None:
    both = BASIC_INVENTORY.replace("members: [vera, victor]", "members: [vera, victor, ravi]")
    governed.write("models.yaml", both)
    governed.commit("ravi validates too")
    feature(governed)
    governed.write("models.yaml", both + new_version(
        "by: ravi, date: 2026-11-20, outcome: approved"))
    run = check(governed, "--base", "main")
    assert run.code == 1, run.out + run.err
    line, column = line_of(governed, "by: ravi")
    assert (f"LC-031       models.yaml:{line}:{column}  credit@1.1.0: ravi was in the team "
            "that owns credit when they validated it") in run.out, run.out


def test_leaving_the_owning_team_in_the_same_pull_request_does_not_qualify(
        governed: GitRepo) -> None:
    both = BASIC_INVENTORY.replace("members: [vera, victor]", "members: [vera, victor, ravi]")
    governed.write("models.yaml", both)
    governed.commit("ravi validates too")
    feature(governed)
    left = both.replace("members: [dana, ravi]", "members: [dana, {id: ravi, until: 2025-12-31}]")
    governed.write("models.yaml", left + new_version(
        "by: ravi, date: 2026-11-20, outcome: approved"))
    run = check(governed, "--base", "main")
    assert run.code == 1, run.out + run.err
    assert "credit@1.1.0: ravi was in the team that owns credit when they validated it" in (
        run.out)


def test_joining_the_owning_team_after_the_validation_keeps_it_independent(
        governed: GitRepo) -> None:
    joined = BASIC_INVENTORY.replace("members: [dana, ravi]",
                                     "members: [dana, ravi, {id: vera, since: 2026-09-01}]")
    governed.write("models.yaml", joined)
    governed.commit("vera joined risk analytics")
    run = check(governed, "--all")
    assert run.code == 0, run.out + run.err
    earlier = joined.replace("since: 2026-09-01", "since: 2026-05-01")
    governed.write("models.yaml", earlier)
    governed.commit("vera joined risk analytics before validating credit 1.0.0")
    run = check(governed, "--all")
    assert run.code == 1
    assert "credit@1.0.0: vera was in the team that owns credit when they validated it" in (
        run.out)


def test_a_validation_dated_before_joining_the_owning_team_is_judged_on_the_day_recorded(
        governed: GitRepo) -> None:
    """Ravi joined the owning team on 2026-09-01 and validates today, dating it 2026-08-15:
    on that date he was outside the team (LC-031 passes), but the date is his own claim; on
    the day it is recorded he is in the team."""
    teams = BASIC_INVENTORY.replace(
        "  risk-analytics: {members: [dana, ravi]}\n"
        "  model-risk: {members: [vera, victor], validates: true}\n",
        "  risk-analytics: {members: [dana, {id: ravi, since: 2026-09-01}]}\n"
        "  model-risk: {members: [vera, victor, ravi], validates: true}\n")
    assert teams != BASIC_INVENTORY
    governed.write("models.yaml", teams + new_version())
    governed.commit("credit 1.1.0, ravi joins")
    feature(governed)
    governed.write("models.yaml", teams + new_version(
        "by: ravi, date: 2026-08-15, outcome: approved"))
    for head in ((), ("--head", "feature")):
        if head:
            governed.commit("validated by ravi", author="Ravi <ravi@example.com>")
        run = check(governed, "--base", "main", *head)
        assert run.code == 1, (head, run.out + run.err)
        line, column = line_of(governed, "by: ravi")
        assert (f"LC-035       models.yaml:{line}:{column}  credit@1.1.0: ravi is in the team "
                "that owns credit on ") in run.out, run.out
        assert "LC-031" not in run.out, run.out
    governed.git("checkout", "-q", "main")  # control: a validator outside the team
    governed.git("checkout", "-q", "-b", "victor")
    governed.write("models.yaml", teams + new_version(
        "by: victor, date: 2026-08-15, outcome: approved"))
    run = check(governed, "--base", "main")
    assert "LC-035" not in run.out, run.out


WAIVER = """\
waivers:
  - id: W-1
    rule: PERF-001
    target: credit@0.9.0
    justification: Prototype, accepted by model risk until the retrained version ships.
    approved_by: {approver}
    expires: 2027-03-31
"""
PROTOTYPE = ('      "0.9.0":\n'
             "        stage: development\n"
             "        evaluation: {dataset: loans@2024-06, target: defaulted, "
             "metrics: {roc_auc: 0.6}}\n")


def waived(repo: GitRepo, approver: str, inventory: str = BASIC_INVENTORY,
           author: str = "Dana Scientist <dana@example.com>") -> None:
    """main: a waiver for credit@0.9.0; the pull request adds the failing version."""
    policies = (repo.root / "policies/rules.yaml").read_text()
    repo.write("policies/rules.yaml", policies + WAIVER.format(approver=approver))
    repo.write("models.yaml", inventory)
    repo.commit("waiver for the prototype")
    feature(repo)
    repo.write("models.yaml", inventory + PROTOTYPE)
    repo.commit("prototype", author=author)


def test_a_waiver_approved_by_a_member_of_the_owning_team_waives_nothing(
        governed: GitRepo) -> None:
    both = BASIC_INVENTORY.replace("members: [vera, victor]", "members: [vera, victor, ravi]")
    waived(governed, "ravi", both)
    run = check(governed, "--base", "main")
    assert run.code == 1, run.out + run.err
    assert ("CHARTER-W003" in run.out and "waiver W-1 does not waive PERF-001 for credit@0.9.0: "
            "its approver is not independent (ravi is a member of risk-analytics, the team "
            "that owns the model)") in run.out, run.out
    assert "0 waived" in run.out


def test_a_waiver_approved_by_the_versions_author_waives_nothing(governed: GitRepo) -> None:
    waived(governed, "vera", author=VERA)
    run = check(governed, "--base", "main")
    assert run.code == 1, run.out + run.err
    assert "its approver is not independent (vera is the author of credit@0.9.0)" in run.out


def test_an_independent_approver_waives(governed: GitRepo) -> None:
    waived(governed, "vera")
    run = check(governed, "--base", "main")
    assert run.code == 0, run.out + run.err
    assert "1 waived" in run.out


def test_the_rules_explain_themselves(governed: GitRepo) -> None:
    for rule, words in (("LC-030", "the git author of the commit that added the version"),
                        ("LC-031", "Someone in both a validating team and the owning team"),
                        ("CHARTER-W003", "not the author of the waived version")):
        run = governed.charter("explain", rule)
        assert run.code == 0, run.err
        assert " ".join(words.split()) in " ".join(run.out.split()), run.out


def test_the_history_judges_each_validation_with_the_author_of_its_time(
        governed: GitRepo) -> None:
    import json

    both = BASIC_INVENTORY.replace("members: [vera, victor]", "members: [vera, victor, dana]")
    governed.write("models.yaml", both + new_version())
    governed.commit("credit 1.1.0", date="2026-10-01T10:00:00")  # by dana
    governed.write("models.yaml", both + new_version(
        "by: dana, date: 2026-10-02, outcome: approved"))
    governed.commit("validate credit 1.1.0", author=VERA, date="2026-10-02T10:00:00")
    run = governed.charter("history", "--format", "json", "--no-cache")
    assert run.code == 0, run.err
    events = json.loads(run.out)["events"]
    validated = next(e for e in events if e["kind"] == "validated")
    assert validated["verdict"] == "fail"
    assert any(f.startswith("LC-030: credit@1.1.0: dana validated a version they authored")
               for f in validated["findings"]), validated


def test_a_later_edit_by_someone_else_does_not_change_who_authored_the_version(
        governed: GitRepo) -> None:
    """The author is whoever wrote the version's key line, not whoever touched it last."""
    governed.write("models.yaml", BASIC_INVENTORY + new_version())
    governed.commit("credit 1.1.0", author=VERA)
    governed.write("models.yaml", BASIC_INVENTORY + new_version(
        extra="        description: Retrained with monotone constraints.\n"))
    governed.commit("describe credit 1.1.0")  # by Dana Scientist
    feature(governed)
    governed.write("models.yaml", BASIC_INVENTORY + new_version(
        "by: vera, date: 2026-11-20, outcome: approved",
        "        description: Retrained with monotone constraints.\n"))
    run = check(governed, "--base", "main")
    assert run.code == 1, run.out + run.err
    assert "credit@1.1.0: vera validated a version they authored" in run.out


def test_a_validator_who_edited_what_the_version_is_cannot_validate_it(
        governed: GitRepo) -> None:
    """Dana added the version; Vera then rewrote its training data and parameters and
    validated it: she validated her own work, though she did not write the key line."""
    governed.write("models.yaml", BASIC_INVENTORY + new_version())
    governed.commit("credit 1.1.0")  # by Dana Scientist
    feature(governed)
    governed.write("models.yaml", BASIC_INVENTORY + new_version(
        extra="        parameters: {max_depth: 3}\n").replace(
        "training_data: [loans@2024-06]", "training_data: [loans@2024-09]"))
    governed.commit("retrain credit 1.1.0", author=VERA)
    governed.write("models.yaml", BASIC_INVENTORY + new_version(
        "by: vera, date: 2026-11-20, outcome: approved",
        "        parameters: {max_depth: 3}\n").replace(
        "training_data: [loans@2024-06]", "training_data: [loans@2024-09]"))
    for head in ((), ("--head", "feature")):
        if head:
            governed.commit("validate credit 1.1.0", author=VERA)
        run = check(governed, "--base", "main", *head)
        assert run.code == 1, (head, run.out + run.err)
        assert "credit@1.1.0: vera validated a version they authored" in run.out, run.out


def test_a_validator_who_edited_one_nested_line_of_the_artifact_cannot_validate_it(
        governed: GitRepo) -> None:
    """The edit may be one line deep inside a field, in a model's own file."""
    from scenarios import split_inventory, write_files

    artifact = ("        artifact:\n          path: models/credit-1.1.0.skops\n"
                f"          sha256: \"{'b' * 64}\"\n")
    write_files(governed, split_inventory(BASIC_INVENTORY + new_version(extra=artifact)))
    governed.commit("credit 1.1.0 in its own file")  # by Dana Scientist
    path = governed.root / "models" / "credit.yaml"
    text = path.read_text()
    assert "b" * 64 in text
    feature(governed)
    path.write_text(text.replace("b" * 64, "c" * 64))
    governed.commit("swap the artifact", author=VERA)
    validated = path.read_text().replace(
        "  1.1.0:\n    stage: development\n",
        "  1.1.0:\n    stage: development\n"
        "    validation: {by: vera, date: 2026-11-20, outcome: approved}\n")
    assert validated != path.read_text()
    path.write_text(validated)
    for head in ((), ("--head", "feature")):
        if head:
            governed.commit("validate credit 1.1.0", author=VERA)
        run = check(governed, "--base", "main", *head)
        assert "credit@1.1.0: vera validated a version they authored" in run.out, (
            head, run.out + run.err)


def test_a_line_break_only_the_parser_counts_does_not_shift_the_lines_blamed(
        governed: GitRepo) -> None:
    """A U+2028 inside a quoted description is a new line to the YAML parser, not to git:
    the lines blamed are git's, so the edited training data is still Vera's."""
    described = '        description: "Retrained.\u2028Monotone."\n'
    governed.write("models.yaml", BASIC_INVENTORY + new_version(extra=described))
    governed.commit("credit 1.1.0")  # by Dana Scientist
    feature(governed)
    governed.write("models.yaml", BASIC_INVENTORY + new_version(extra=described).replace(
        "training_data: [loans@2024-06]", "training_data: [loans@2024-09]"))
    governed.commit("retrain credit 1.1.0", author=VERA)
    governed.write("models.yaml", BASIC_INVENTORY + new_version(
        "by: vera, date: 2026-11-20, outcome: approved", described).replace(
        "training_data: [loans@2024-06]", "training_data: [loans@2024-09]"))
    for head in ((), ("--head", "feature")):
        if head:
            governed.commit("validate credit 1.1.0", author=VERA)
        run = check(governed, "--base", "main", *head)
        assert "credit@1.1.0: vera validated a version they authored" in run.out, (
            head, run.out + run.err)


def test_recording_the_validation_stage_and_description_does_not_make_an_author(
        governed: GitRepo) -> None:
    """What a validator records about a version (its validation, stage, description,
    approvals) is not what the version is."""
    governed.write("models.yaml", BASIC_INVENTORY + new_version())
    governed.commit("credit 1.1.0")  # by Dana Scientist
    feature(governed)
    governed.write("models.yaml", BASIC_INVENTORY + new_version(
        "by: vera, date: 2026-11-20, outcome: approved",
        "        description: Validated against the 2024 book.\n"
        "        approvals:\n          - {by: victor, date: 2026-11-21}\n").replace(
        "stage: development", "stage: staging"))
    governed.commit("validate and stage credit 1.1.0", author=VERA)
    for head in ((), ("--head", "feature")):
        run = check(governed, "--base", "main", *head)
        assert "LC-030" not in run.out, (head, run.out + run.err)


def test_the_history_counts_who_edited_what_the_version_is(governed: GitRepo) -> None:
    import json

    governed.write("models.yaml", BASIC_INVENTORY + new_version())
    governed.commit("credit 1.1.0", date="2026-10-01T10:00:00")  # by dana
    edited = new_version(extra="        parameters: {max_depth: 3}\n")
    governed.write("models.yaml", BASIC_INVENTORY + edited)
    governed.commit("tune credit 1.1.0", author=VERA, date="2026-10-02T10:00:00")
    governed.write("models.yaml", BASIC_INVENTORY + new_version(
        "by: vera, date: 2026-10-03, outcome: approved",
        "        parameters: {max_depth: 3}\n"))
    governed.commit("validate credit 1.1.0", author=VERA, date="2026-10-03T10:00:00")
    run = governed.charter("history", "--format", "json", "--no-cache")
    assert run.code == 0, run.err
    events = json.loads(run.out)["events"]
    validated = next(e for e in events if e["kind"] == "validated")
    assert any(f.startswith("LC-030: credit@1.1.0: vera validated a version they authored")
               for f in validated["findings"]), validated


def test_a_pull_request_cannot_add_the_validator_that_signs_it(governed: GitRepo) -> None:
    feature(governed)
    joined = BASIC_INVENTORY.replace("  model-risk: {members: [vera, victor], validates: true}\n",
                                     "  model-risk: {members: [vera, victor, zed], "
                                     "validates: true}\n")
    governed.write("models.yaml", joined + new_version(
        "by: zed, date: 2026-11-20, outcome: approved"))
    run = check(governed, "--base", "main")
    assert run.code == 1, run.out + run.err
    assert ("LC-032" in run.out and "credit@1.1.0: zed was not a validator on the base "
            "revision on the validation date") in run.out
    governed.git("checkout", "-q", "main")
    governed.write("models.yaml", joined)
    governed.commit("zed joins model risk, reviewed on its own")
    governed.git("checkout", "-q", "-b", "validation")
    governed.write("models.yaml", joined + new_version(
        "by: zed, date: 2026-11-20, outcome: approved"))
    later = check(governed, "--base", "main")
    assert "LC-032" not in later.out, later.out


def test_a_mailmap_in_the_pull_request_does_not_rename_the_git_author(
        governed: GitRepo) -> None:
    """`git blame` maps authors through the working tree's .mailmap, which the pull request
    writes: the git author is the one the commit records."""
    feature(governed)
    governed.write(".mailmap", "Ravi <ravi@example.com> <vera@example.com>\n")
    governed.write("models.yaml", BASIC_INVENTORY + new_version(
        "by: vera, date: 2026-11-20, outcome: approved", "        author: ravi\n"))
    governed.commit("credit 1.1.0", author=VERA)
    governed.write("models.yaml", BASIC_INVENTORY.replace("Credit default", "Credit default.")
                   + new_version("by: vera, date: 2026-11-20, outcome: approved",
                                 "        author: ravi\n"))
    governed.commit("a later edit elsewhere in the file")  # blame, not the one-commit shortcut
    for head in ((), ("--head", "feature")):
        run = check(governed, "--base", "main", *head)
        assert run.code == 1, (head, run.out + run.err)
        assert "credit@1.1.0: vera validated a version they authored" in run.out, run.out
