"""The command line: click parses here, the commands do the work elsewhere."""

from __future__ import annotations

import datetime as dt
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from click.core import ParameterSource

from charter import __version__
from charter.config import COLOR_CHOICES, ENVVARS
from charter.errors import EXIT_BAD_INPUT, CharterError


class _State:
    debug = False
    verbosity = 0  # -1 quiet, 0 normal, 1 verbose
    color: str | None = None  # --color, or CHARTER_COLOR
    config_color: str | None = None

    @classmethod
    def reset(cls) -> None:
        cls.debug, cls.verbosity, cls.color, cls.config_color = False, 0, None, None


if TYPE_CHECKING:
    _ParamType = click.ParamType[dt.date]
else:  # click before 8.2 has no generic ParamType
    _ParamType = click.ParamType


class DateType(_ParamType):
    """A calendar date, YYYY-MM-DD; click names the option in the error."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{str(value)!r} is not a date (YYYY-MM-DD)", param, ctx)


DATE = DateType()


def _today(value: dt.date | None) -> dt.date:
    return value if value is not None else dt.datetime.now(dt.UTC).date()


def _repo_root(path: str | None) -> Path:
    from charter.vcs import git

    start = Path(path or ".").resolve()
    if not start.is_dir():
        raise CharterError.at(f"{start} is not a directory")
    return git.find_root(start) or start


def _style() -> Any:
    from charter.reporters import Style, colour_mode

    return Style(colour_mode(_State.color, _State.config_color, os.environ), _State.verbosity)


def _set_quiet(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        _State.verbosity = -1


def _set_verbose(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        _State.verbosity = 1


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        _State.debug = True


def _set_color(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        _State.color = value


def _common_options() -> list[click.Option]:
    """Accepted before and after the subcommand: `charter -q check` = `charter check -q`."""
    return [
        click.Option(["-q", "--quiet"], is_flag=True, expose_value=False, callback=_set_quiet,
                     help="Print only the outputs asked for with --format; no notes or "
                     "verdict line."),
        click.Option(["-v", "--verbose"], is_flag=True, expose_value=False,
                     callback=_set_verbose, help="Also say which files were written."),
        click.Option(["--debug"], is_flag=True, expose_value=False, callback=_set_debug,
                     help="Show where each setting came from, and tracebacks of internal "
                     "errors."),
        click.Option(["--color", "color"], type=click.Choice(COLOR_CHOICES),
                     expose_value=False, callback=_set_color, envvar="CHARTER_COLOR",
                     help="Colour: auto (terminals only; NO_COLOR and FORCE_COLOR are "
                     "honoured), always (files too), never."),
    ]


class ConfiguredCommand(click.Command):
    """A command whose defaults come from the project's settings (.charter.yaml or
    [tool.charter]) when neither the command line nor the environment gives them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params += _common_options()
        for param in self.params:
            if isinstance(param, click.Option) and param.envvar is None and param.name:
                param.envvar = ENVVARS.get((str(self.name), param.name))
                if param.envvar:  # not show_envvar: click would name it in every error
                    param.help = f"{param.help or ''} Environment: {param.envvar}.".strip()

    def invoke(self, ctx: click.Context) -> Any:
        _apply_config(ctx)
        return super().invoke(ctx)


class CharterGroup(click.Group):
    command_class = ConfiguredCommand


class CommandGroup(CharterGroup):
    """A group of subcommands (`charter cache info`) that takes the common options too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params += _common_options()


def _apply_config(ctx: click.Context) -> None:
    from charter.config import load_config

    repo = ctx.params.get("repo")
    root = _repo_root(repo if isinstance(repo, str) else None)
    config = load_config(root)
    _State.config_color = config.color
    if config.cache_max_mib is not None:
        os.environ.setdefault("CHARTER_CACHE_MAX_MIB", str(config.cache_max_mib))
    settings = {param: (key, value, config)
                for param, (key, value) in config.for_command(str(ctx.command.name)).items()}
    if ctx.command.name == "check":
        settings = _judging_settings(ctx, root, config, settings)
    sources: dict[str, str] = {}
    for param in ctx.command.params:
        if not isinstance(param, click.Option) or not param.expose_value or not param.name:
            continue
        source = ctx.get_parameter_source(param.name)
        if source is ParameterSource.COMMANDLINE:
            sources[param.name] = "command line"
        elif source is ParameterSource.ENVIRONMENT:
            sources[param.name] = f"environment {param.envvar}"
        elif param.name in settings:
            key, raw, origin = settings[param.name]
            ctx.params[param.name] = _config_value(ctx, param, key, raw, origin)
            sources[param.name] = origin.where(key)
        else:
            sources[param.name] = "default"
    if _State.debug:
        for param in ctx.command.params:
            if param.name in sources:
                label = param.opts[0].lstrip("-").replace("-", "_") if param.opts else \
                    param.name
                click.echo(f"charter: debug: {label} = {_shown(ctx.params[param.name])} "
                           f"({sources[param.name]})", err=True)


Settings = dict[str, tuple[str, Any, Any]]  # parameter -> (key, raw value, its Config)
DEFAULT_BASE = "charter.default_base"  # context key: the default base, found once


def _judging_settings(ctx: click.Context, root: Path, config: Any,
                      settings: Settings) -> Settings:
    """`charter check`'s judging settings (base, policies_from, evidence, today) as the base
    revision's settings file has them: a pull request that edits `.charter.yaml` or
    `[tool.charter]` cannot choose its own base, rules, evidence or date. The base here is
    the one given on the command line or in the environment, else the default (the merge
    base with the pull request's target, else origin/main, else main), found without the
    settings file; with none of those (a local repository without main), the working tree's
    settings apply."""
    from charter.config import JUDGING, PYPROJECT, YAML_FILE, load_config_at
    from charter.gate.base import default_base_ref
    from charter.gate.request import EMPTY_BASE
    from charter.vcs import git

    ref = ctx.params.get("base") if _given(ctx, "base") else None
    if ref == EMPTY_BASE:
        return settings
    found = (ref, ref) if isinstance(ref, str) else default_base_ref(root)
    # a full sha is resolved too: a shallow clone may lack it (the gate then says so)
    commit = git.resolve_commit(root, found[0]) if found else None
    if found is None or commit is None:
        return settings  # no base: nothing to trust more than the working tree (or an error)
    entries = {e.path: e for e in git.list_tree(root, commit, [YAML_FILE, PYPROJECT])
               if "/" not in e.path}
    trusted = load_config_at(lambda path: git.read_blob(root, entries[path].blob)
                             if path in entries else None, f"at {found[1]}")
    if ref is None and "base" not in trusted.values:
        ctx.meta[DEFAULT_BASE] = found  # the gate uses it rather than finding it again
    params = {p.name: p for p in ctx.command.params if isinstance(p, click.Option)}
    for param, (key, raw, origin) in settings.items():
        if key in JUDGING and param in params:  # a bad value is an error even when unused
            _config_value(ctx, params[param], key, raw, origin)
    out = {param: value for param, value in settings.items() if value[0] not in JUDGING}
    out.update({param: (key, value, trusted) for param, (key, value)
                in trusted.for_command("check").items() if key in JUDGING})
    for key in JUDGING:
        if (key in config.values and config.values[key] != trusted.values.get(key)
                and not _given(ctx, key)):
            base_value = trusted.values.get(key)
            shown = "unset" if base_value is None else repr(_plain(base_value))
            _note(f"{config.where(key)}: {key} {_plain(config.values[key])!r} is not the base "
                  f"revision's ({shown}) and does not apply: what judges a change comes from "
                  "its base, so a new setting takes effect once merged")
    return out


def _given(ctx: click.Context, param: str) -> bool:
    """Set on the command line or in the environment, which outrank any settings file."""
    return ctx.get_parameter_source(param) in (ParameterSource.COMMANDLINE,
                                               ParameterSource.ENVIRONMENT)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _note(message: str) -> None:
    if _State.verbosity >= 0:
        click.echo(f"charter: note: {message}", err=True)


def _shown(value: Any) -> str:
    return repr(_plain(value))


def _config_value(ctx: click.Context, param: click.Option, key: str, raw: Any,
                  config: Any) -> Any:
    if param.multiple and isinstance(raw, str):
        raw = [raw]
    if param.multiple and not isinstance(raw, list):
        raise config.error(key, f"{key}: expected a list, not {raw!r}")
    try:
        return param.type_cast_value(ctx, raw)
    except click.BadParameter as exc:
        raise config.error(key, f"{key}: {exc.message}") from None


@click.group(cls=CharterGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="charter")
@click.option("-q", "--quiet", is_flag=True, expose_value=False, callback=_set_quiet,
              help="As the subcommand's --quiet.")
@click.option("-v", "--verbose", is_flag=True, expose_value=False, callback=_set_verbose,
              help="As the subcommand's --verbose.")
@click.option("--debug", is_flag=True, expose_value=False, callback=_set_debug,
              help="Show where each setting came from, and tracebacks of internal errors.")
@click.option("--color", type=click.Choice(COLOR_CHOICES), expose_value=False,
              callback=_set_color, envvar="CHARTER_COLOR", help="As the subcommand's --color.")
def cli() -> None:
    """Charter: govern machine-learning models with versioned YAML and policies."""


F = TypeVar("F", bound=Callable[..., Any])


def _evidence_engine(command: F) -> F:
    """--engine and --spark-master, as `charter evidence` and `charter monitor` take them."""
    command = click.option(
        "--spark-master", metavar="URL", help="The Spark master for --engine spark: "
        "local[*], spark://HOST:PORT, yarn, k8s://... (default: "
        "settings.evidence.spark_master, else local[*]).")(command)
    return click.option("--engine", type=click.Choice(["pandas", "spark"]),
                        help="Compute with pandas on this machine or with Apache Spark "
                        "(default: settings.evidence.engine, else pandas).")(command)


@cli.command()
@click.option("--base", metavar="REF", help="Base revision (default: merge base with the "
              "PR target in GitHub Actions, else origin/main, else main; 'none': empty).")
@click.option("--head", metavar="REF", help="Head revision (default: the working tree).")
@click.option("--policies-from", type=click.Choice(["base", "head"]), default="base",
              show_default=True, help="Which revision's rules and waivers judge the change.")
@click.option("--today", type=DATE, metavar="DATE",
              help="Evaluation date, for reproducible results.")
@click.option("--all", "scope_all", is_flag=True, help="Judge every entity, not only the "
              "changed ones (scheduled runs).")
@click.option("--format", "-f", "formats", multiple=True, metavar="NAME[=PATH]",
              help="Output format, repeatable: text, json, sarif, junit, markdown, github; "
              "with =PATH to write a file.")
@click.option("--evidence", type=click.Choice(["auto", "all", "none"]), default="auto",
              show_default=True, help="Compute evidence for changed versions, all, or none.")
@click.option("--no-cache", is_flag=True, help="Do not read or write .charter/cache.")
@click.option("--repo", metavar="DIR", help="Repository root (default: the current one).")
@click.option("--reviews-from", type=click.Choice(["github"]), help="Check the sign-offs "
              "the change writes (validation.by, approvals, waivers) against the pull "
              "request's reviews, read with GITHUB_TOKEN.")
@click.option("--reviews", "reviews_file", metavar="FILE", help="Check the sign-offs the "
              "change writes against reviews in a JSON file (GitHub's shape), for other CI "
              "systems.")
@click.option("--pull-request", type=click.IntRange(min=1), metavar="N",
              help="Pull request number (default: from GITHUB_EVENT_PATH).")
@click.option("--repository", metavar="OWNER/NAME", help="Repository of the pull request "
              "(default: GITHUB_REPOSITORY).")
@click.option("--pr-head", metavar="SHA", help="The pull request's head commit that approvals "
              "must name (default: pull_request.head.sha of the event).")
@click.option("--github-api", metavar="URL", help="GitHub REST API base (default: "
              "GITHUB_API_URL, else https://api.github.com).")
@click.option("--reports", "reports_dir", metavar="DIR", help="Also write the change report "
              "PDF and its manifest.json into DIR.")
@click.option("--no-github", is_flag=True, help="In GitHub Actions, do not print annotations "
              "or write the step summary and step outputs.")
def check(base: str | None, head: str | None, policies_from: str, today: dt.date | None,
          scope_all: bool, formats: tuple[str, ...], evidence: str, no_cache: bool,
          repo: str | None, reviews_from: str | None, reviews_file: str | None,
          pull_request: int | None, repository: str | None, pr_head: str | None,
          github_api: str | None, reports_dir: str | None, no_github: bool) -> None:
    """Judge a change against the policies; exit 1 when a blocking rule fails."""
    from charter.commands.check import run_check
    from charter.gate import CheckOptions
    from charter.github.reviews import ReviewOptions
    from charter.reporters import OutputSpec

    if reviews_from and reviews_file:
        raise click.UsageError("give --reviews-from or --reviews, not both")
    source = reviews_from or reviews_file
    reviews = ReviewOptions(source, pull_request, repository, pr_head, github_api) if source \
        else None

    options = CheckOptions(
        root=_repo_root(repo), base=base, head=head, policies_from=policies_from,
        today=_today(today), scope_all=scope_all, use_cache=not no_cache,
        evidence=evidence, reviews=reviews,
        default_base=click.get_current_context().meta.get(DEFAULT_BASE),
    )
    outputs = tuple(OutputSpec.parse(f) for f in formats)
    sys.exit(run_check(options, outputs, reports_dir, github=not no_github, style=_style()))


@cli.command()
@click.argument("target", required=False, metavar="[MODEL[@VERSION]]")
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="A readable table, or the evidence as JSON.")
@click.option("--today", type=DATE, metavar="DATE",
              help="Date recorded in the JSON document.")
@click.option("--base", metavar="REF", help="Where champions and trust settings come from "
              "(default: as for `charter check`; 'none': no champion, no trusted pickle).")
@click.option("--no-cache", is_flag=True, help="Recompute everything; do not use .charter/cache.")
@_evidence_engine
@click.option("--repo", metavar="DIR", help="Repository root (default: the current one).")
def evidence(target: str | None, output: str, today: dt.date | None, base: str | None,
             no_cache: bool, engine: str | None, spark_master: str | None,
             repo: str | None) -> None:
    """Measure integrity, metrics, champion, fairness, drift and importance of versions."""
    from charter.commands.evidence import EvidenceOptions, run_evidence_command

    options = EvidenceOptions(root=_repo_root(repo), target=target, output=output,
                              today=today, base=base, use_cache=not no_cache,
                              engine=engine, spark_master=spark_master)
    sys.exit(run_evidence_command(options))


@cli.command()
@click.argument("target", required=False, metavar="[MODEL[@VERSION]]")
@click.option("--as-of", "as_of", type=DATE, metavar="DATE",
              help="The date the runs judge (default: today; never in the future).")
@click.option("--since", type=DATE, metavar="DATE",
              help="Backfill: each day from DATE to --as-of, run what the schedule would "
              "have run that day (every_days applies, even to a named version).")
@click.option("--dry-run", is_flag=True, help="Compute and show the runs; write nothing.")
@click.option("--output", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="A table, or the runs as JSON.")
@click.option("--github-issues", is_flag=True,
              help="Then open, update or close one GitHub issue per amber or red version "
              "(GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL): the only network use.")
@click.option("--repository", metavar="OWNER/NAME",
              help="The repository of the issues (default: GITHUB_REPOSITORY).")
@_evidence_engine
@click.option("--repo", metavar="DIR", help="Repository root (default: the current one).")
def monitor(target: str | None, as_of: dt.date | None, since: dt.date | None, dry_run: bool,
            output: str, github_issues: bool, repository: str | None, engine: str | None,
            spark_master: str | None, repo: str | None) -> None:
    """Run the due monitoring checks and record each run in monitoring/.

    For every production version that declares monitoring.live (or the one named), a run is
    due when the version has none yet or its latest is at least monitoring.every_days old
    (naming MODEL@VERSION runs it anyway). Drift per feature compares the newest live
    partition of a period ended by the date with monitoring.reference (PSI, KS, chi-square;
    default bands when checks.drift declares none: PSI amber from 0.1, red from 0.25);
    performance measures checks.performance.metric on the newest partition whose labels
    arrived (label_delay_days) against evaluation.metrics. Each run is written once to
    monitoring/MODEL/VERSION/DATE-DIGEST.json. Exit 0 even when a band is red (the gate
    judges the ledger), 2 on bad input.
    """
    from charter.commands.monitor import MonitorOptions, run_monitor_command

    today = _today(None)
    options = MonitorOptions(root=_repo_root(repo), as_of=as_of or today, today=today,
                             target=target, since=since, dry_run=dry_run, output=output,
                             github_issues=github_issues, repository=repository,
                             engine=engine, spark_master=spark_master)
    sys.exit(run_monitor_command(options))


@cli.command()
@click.option("--ref", metavar="REF", help="Validate a git revision instead of the work tree.")
@click.option("--repo", metavar="DIR", help="Repository root (default: the current one).")
@click.argument("files", nargs=-1, required=False)
def validate(ref: str | None, repo: str | None, files: tuple[str, ...]) -> None:
    """Check models.yaml and policies/ against the schemas and each other."""
    from charter.commands.validate import run_validate

    del files  # pre-commit passes the changed files; the inventory is validated as a whole
    sys.exit(run_validate(_repo_root(repo), ref))


@cli.command()
@click.argument("name", type=click.Choice(["models", "policies", "policy-tests", "kpi",
                                           "result", "history", "lineage", "evidence"]))
def schema(name: str) -> None:
    """Print a JSON Schema: of an input (models.yaml, a policy file, a policy test file, a KPI
    observations file) or of an output (check's JSON result, history, lineage or evidence as
    JSON)."""
    from charter.schemas.outputs import OUTPUT_SCHEMAS, output_schema_text

    if name in OUTPUT_SCHEMAS:
        click.echo(output_schema_text(name), nl=False)
        return
    from charter.source.schema import schema_text

    click.echo(schema_text(name), nl=False)


@cli.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the shell completion script, e.g. `eval "$(charter completion bash)"` in
    ~/.bashrc, or `charter completion fish > ~/.config/fish/completions/charter.fish`."""
    from click.shell_completion import get_completion_class

    script_class = get_completion_class(shell)
    assert script_class is not None
    click.echo(script_class(cli, {}, PROG_NAME, COMPLETE_VAR).source())


@cli.command()
@click.argument("rule_id", required=False)
@click.option("--operators", is_flag=True, help="Describe the operators of the rule language.")
@click.option("--repo", metavar="DIR", help="Repository root (default: the current one).")
def explain(rule_id: str | None, operators: bool, repo: str | None) -> None:
    """Print a rule in plain words, with its references."""
    from charter.commands.explain import run_explain

    click.echo(run_explain(_repo_root(repo), rule_id, operators), nl=False)


@cli.command("test")
@click.argument("path", required=False)
@click.option("--coverage", is_flag=True, help="List rules and conditions no test exercises.")
@click.option("--require-tests", is_flag=True, help="Fail when a local rule has no test.")
@click.option("--today", type=DATE, metavar="DATE",
              help="Evaluation date of cases that give none.")
@click.option("--format", "-f", "formats", multiple=True, metavar="NAME[=PATH]",
              help="Output format, repeatable: text, json, junit, with an optional file path.")
@click.option("--repo", metavar="DIR", help="Repository root (default: from PATH, or the "
              "current one).")
def test_command(path: str | None, coverage: bool, require_tests: bool,
                 today: dt.date | None,
                 formats: tuple[str, ...], repo: str | None) -> None:
    """Run the policy unit tests in policies/tests (or PATH); exit 1 when one fails."""
    from charter.commands.testing import TestOptions, locate, parse_output, run_test

    root, tests = locate(path, repo)
    options = TestOptions(root=root, tests=tests, today=_today(today), coverage=coverage,
                          require_tests=require_tests,
                          outputs=tuple(parse_output(f) for f in formats))
    sys.exit(run_test(options))


@cli.command()
@click.option("--output", "-o", metavar="PATH", help="Write the catalogue to PATH (default: "
              "standard output).")
@click.option("--check", "check_only", is_flag=True, help="Exit 1 when PATH is not up to date.")
@click.option("--ref", metavar="REF", help="Document the rules of a git revision instead of "
              "the work tree.")
@click.option("--repo", metavar="DIR", help="Repository root (default: the current one).")
def docs(output: str | None, check_only: bool, ref: str | None, repo: str | None) -> None:
    """Write a Markdown catalogue of every rule in force (packs and local)."""
    from charter.commands.docs import run_docs

    sys.exit(run_docs(_repo_root(repo), ref, output, check_only))


@cli.command()
@click.argument("directory", required=False, default=".")
@click.option("--action", metavar="OWNER/REPO@REF",
              help="The Charter GitHub Action the workflow uses, pinned to a tag or a full "
              "commit SHA (default: this version's release tag).")
@click.option("--layout", type=click.Choice(["single", "split"]), default="single",
              show_default=True, help="One models.yaml, or models.yaml as the root with one "
              "file per model in models/ and per dataset in datasets/.")
def init(directory: str, action: str | None, layout: str) -> None:
    """Scaffold a governance repository: models.yaml, policies with tests, a workflow."""
    from charter.commands.init import run_init

    target = Path(directory)
    if target.exists() and not target.is_dir():
        raise CharterError.at(f"{target} is not a directory")
    sys.exit(run_init(target, _today(None), action, layout))


@cli.command()
@click.argument("model", required=False)
@click.option("--since", type=DATE, metavar="DATE", help="Only events on or after this date.")
@click.option("--ref", default="HEAD", show_default=True, metavar="REF",
              help="The branch or commit whose first-parent history is replayed.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]),
              default="text", show_default=True)
@click.option("--in-production-on", type=DATE, metavar="DATE",
              help="List the versions that were in production on this date.")
@click.option("--ever-in-production", is_flag=True,
              help="List every version ever in production, with its periods.")
@click.option("--fail-on-violations", is_flag=True,
              help="Exit 1 when the history breaks the lifecycle rules after the fact.")
@click.option("--no-cache", is_flag=True, help="Do not read or write .charter/cache.")
@click.option("--authors-from", type=click.Choice(["github"]), help="Credit merged pull "
              "requests to the logins GitHub names as their author and merger (reads "
              "GITHUB_TOKEN; the network is used only with this option).")
@click.option("--repository", metavar="OWNER/NAME", help="Repository of the pull requests "
              "(default: GITHUB_REPOSITORY).")
@click.option("--github-api", metavar="URL", help="GitHub REST API base (default: "
              "GITHUB_API_URL, else https://api.github.com).")
@click.option("--repo", metavar="DIR", help="Repository root (default: the current one).")
def history(model: str | None, since: dt.date | None, ref: str, output_format: str,
            in_production_on: dt.date | None, ever_in_production: bool,
            fail_on_violations: bool, no_cache: bool, authors_from: str | None,
            repository: str | None, github_api: str | None, repo: str | None) -> None:
    """Replay the history of models.yaml and policies/: who changed what, when, under which
    rules."""
    from charter.commands.history import HistoryOptions, run_history

    options = HistoryOptions(
        root=_repo_root(repo), model=model, since=since, ref=ref,
        output_format=output_format,
        in_production_on=in_production_on,
        ever_in_production=ever_in_production, fail_on_violations=fail_on_violations,
        use_cache=not no_cache, authors_from=authors_from, repository=repository,
        github_api=github_api)
    sys.exit(run_history(options))


@cli.command()
@click.option("--format", "output_format",
              type=click.Choice(["text", "json", "dot", "openlineage", "cyclonedx"]),
              default="text", show_default=True, help="Print, or export the graph.")
@click.option("--impacted-by", metavar="DATASET[@VERSION]",
              help="List everything downstream of a dataset (all its versions without @).")
@click.option("--ref", metavar="REF", help="Read a git revision instead of the work tree.")
@click.option("--repo", metavar="DIR", help="Repository root (default: the current one).")
def lineage(output_format: str, impacted_by: str | None, ref: str | None,
            repo: str | None) -> None:
    """Datasets → model versions → deployments: print, export, or find what a dataset feeds."""
    from charter.commands.lineage import LineageOptions, run_lineage

    sys.exit(run_lineage(LineageOptions(_repo_root(repo), output_format, impacted_by, ref)))


@cli.command()
@click.argument("models", nargs=-1)
@click.option("--out", default="reports", show_default=True, metavar="DIR",
              help="Folder to write the PDFs and manifest.json into.")
@click.option("--ref", default="HEAD", show_default=True, metavar="REF",
              help="The commit to report on: every report is the record of one commit.")
@click.option("--evidence/--no-evidence", default=True, show_default=True,
              help="Measure metrics, fairness, importance and drift for the dossiers.")
@click.option("--page-size", type=click.Choice(["a4", "letter"]), default="a4",
              show_default=True, help="Paper size of the PDFs.")
@click.option("--today", type=DATE, metavar="DATE", help="Date for date-based rules "
              "(default: the commit's date, so reports are reproducible).")
@click.option("--only", "kinds", multiple=True, type=click.Choice(["dossier", "inventory",
              "lineage"]), help="Write only these kinds of report (repeatable).")
@click.option("--jobs", "-j", "workers", type=click.IntRange(1), metavar="N",
              help="Render in N processes (default: one per core).")
@click.option("--force", is_flag=True, help="Re-render even when a report's inputs are "
              "unchanged.")
@click.option("--repo", metavar="DIR", help="Repository root (default: the current one).")
def report(models: tuple[str, ...], out: str, ref: str, evidence: bool, page_size: str,
           today: dt.date | None, kinds: tuple[str, ...], workers: int | None, force: bool,
           repo: str | None) -> None:
    """Write model dossiers (all models, or MODEL...), the inventory and lineage PDFs."""
    from charter.commands.report import KINDS, ReportOptions, run_report

    options = ReportOptions(
        root=_repo_root(repo), models=models, out=Path(out), ref=ref, evidence=evidence,
        page_size=page_size, today=today, kinds=kinds or KINDS,
        workers=workers, force=force,
    )
    sys.exit(run_report(options))


@cli.command()
@click.option("--out", default="site", show_default=True, metavar="DIR",
              help="Folder to write the site into.")
@click.option("--ref", default="HEAD", show_default=True, metavar="REF",
              help="The commit the site is the record of.")
@click.option("--evidence/--no-evidence", default=True, show_default=True,
              help="Measure metrics, fairness, importance and drift for the model pages.")
@click.option("--pdfs/--no-pdfs", default=True, show_default=True,
              help="Render the PDFs the pages link to (with charter report's build).")
@click.option("--today", type=DATE, metavar="DATE", help="Date for date-based rules "
              "(default: the commit's date).")
@click.option("--jobs", "-j", "workers", type=click.IntRange(1), metavar="N",
              help="Render the PDFs in N processes (default: one per core).")
@click.option("--sign-key", type=click.Path(exists=True, dir_okay=False), metavar="FILE",
              help="Sign manifest.json with this private key (PEM; passphrase in "
              "CHARTER_SIGNING_PASSPHRASE).")
@click.option("--sign-cert", type=click.Path(exists=True, dir_okay=False), metavar="FILE",
              help="The X.509 certificate of --sign-key.")
@click.option("--sign-chain", multiple=True, type=click.Path(exists=True, dir_okay=False),
              metavar="FILE", help="Intermediate certificates to embed (repeatable).")
@click.option("--repo", metavar="DIR", help="Repository root (default: the current one).")
def site(out: str, ref: str, evidence: bool, pdfs: bool, today: dt.date | None,
         workers: int | None, sign_key: str | None, sign_cert: str | None,
         sign_chain: tuple[str, ...], repo: str | None) -> None:
    """Write the auditors' portal: a static, offline site of every model, its reports and
    exports, with a manifest of every file (signed with --sign-key)."""
    from charter.commands.site import SiteOptions, run_site

    options = SiteOptions(
        root=_repo_root(repo), out=Path(out), ref=ref, evidence=evidence, pdfs=pdfs,
        today=today, workers=workers, sign_key=Path(sign_key) if sign_key else None,
        sign_cert=Path(sign_cert) if sign_cert else None,
        sign_chain=tuple(Path(c) for c in sign_chain))
    sys.exit(run_site(options))


@cli.command()
@click.argument("target", metavar="DIR_OR_URL")
@click.option("--trust", multiple=True, type=click.Path(exists=True, dir_okay=False),
              metavar="CERT", help="A certificate (PEM or DER) the signer must chain to, or "
              "be (repeatable).")
@click.option("--fingerprint", "fingerprints", multiple=True, metavar="SHA256",
              help="The sha256 of the signer's certificate (repeatable).")
@click.option("--repo", metavar="DIR", help="Repository whose pinned signer "
              "(.github/charter-site-signer.pem) to trust when neither option is given.")
def verify(target: str, trust: tuple[str, ...], fingerprints: tuple[str, ...],
           repo: str | None) -> None:
    """Check every file of a site (a folder, or the URL it is published at) against its
    manifest, and the manifest's signature. Exit 0 when all match, 1 when anything differs,
    2 on bad input."""
    from charter.commands.verify import run_verify

    sys.exit(run_verify(target, [Path(t) for t in trust], fingerprints,
                        Path(repo) if repo else None))


@cli.group(cls=CommandGroup)
def cache() -> None:
    """Show or empty the local cache of parses and evidence (.charter/cache; its cap is
    CHARTER_CACHE_MAX_MIB, 256 by default)."""


@cache.command("info")
@click.option("--repo", metavar="DIR", help="Repository root (default: the current one).")
def cache_info(repo: str | None) -> None:
    """Where the cache is, its entries per kind, its size and its cap."""
    from charter.commands.cache import run_cache_info

    sys.exit(run_cache_info(_repo_root(repo)))


@cache.command("clear")
@click.option("--repo", metavar="DIR", help="Repository root (default: the current one).")
def cache_clear(repo: str | None) -> None:
    """Remove every entry of the cache."""
    from charter.commands.cache import run_cache_clear

    sys.exit(run_cache_clear(_repo_root(repo)))


PROG_NAME = "charter"
COMPLETE_VAR = "_CHARTER_COMPLETE"


def _run(entry: Callable[..., Any]) -> int:
    _State.reset()
    try:
        entry(standalone_mode=False, prog_name=PROG_NAME, complete_var=COMPLETE_VAR)
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_BAD_INPUT
    except CharterError as exc:
        click.echo(f"charter: error: {exc.render()}", err=True)
        return EXIT_BAD_INPUT
    except click.exceptions.Abort:
        click.echo("charter: aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a traceback is a bug: report it in one line unless --debug
        if _State.debug:
            traceback.print_exc()
        else:
            click.echo(f"charter: internal error: {type(exc).__name__}: {exc} "
                       "(run with --debug for the traceback)", err=True)
        return EXIT_BAD_INPUT
    return 0


def main() -> int:
    return _run(cli)
