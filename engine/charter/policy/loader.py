"""Load the policy set of a revision: built-in packs, then the local policy files.

The lifecycle pack is always on; a local file adds others with `extends: [charter:NAME]`.
A local rule with a pack rule's id replaces it; `disable: {ID: justification}` turns a pack
rule off on the record (the justification is shown wherever the rules in force are).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from charter import __version__
from charter.errors import CharterError, Problem
from charter.policy.conditions import ConditionError
from charter.policy.rules import Rule, Waiver, compile_rule
from charter.source.schema import validate
from charter.source.yamlsource import Document, Mark, format_path, load_yaml_text
from charter.suggest import did_you_mean
from charter.vcs.revisions import Revision

ALWAYS_ON_PACKS = ("charter:lifecycle", "charter:evidence")
MIN_JUSTIFICATION = 10


@dataclass(frozen=True)
class PolicySet:
    rules: Mapping[str, Rule]
    waivers: tuple[Waiver, ...] = ()
    files: tuple[str, ...] = ()
    digest: str = ""
    disabled: Mapping[str, str] = field(default_factory=dict)  # rule id -> justification
    overridden: Mapping[str, str] = field(default_factory=dict)  # rule id -> pack it replaced

    def rules_for(self, kind: str) -> list[Rule]:
        return [r for r in self.rules.values() if r.applies_to == kind]


def pack_names() -> list[str]:
    folder = resources.files("charter.packs")
    return sorted(f"charter:{p.name[:-5]}" for p in folder.iterdir() if p.name.endswith(".yaml"))


def read_pack(name: str) -> bytes:
    if name not in pack_names():
        raise KeyError(name)
    return resources.files("charter.packs").joinpath(f"{name.split(':', 1)[1]}.yaml").read_bytes()


def load_policies(revision: Revision) -> PolicySet:
    """Every rule and waiver in force at `revision`; bad files raise CharterError (exit 2)."""
    local: list[tuple[str, str, Document]] = []
    for path in revision.policy_files():
        data = revision.read(path)
        if data is None:
            continue
        local.append((path, path, _parse(data, path)))
    return assemble_policies(local)


def assemble_policies(local: list[tuple[str, str, Document]]) -> PolicySet:
    """The always-on packs, the packs the local files extend, then the local files."""
    packs = [(name, f"<{name}>", _parse(read_pack(name), f"<{name}>"))
             for name in (*ALWAYS_ON_PACKS, *_extended(local))]
    return _assemble(packs + local)


def _extended(documents: list[tuple[str, str, Document]]) -> list[str]:
    """Packs named by `extends:`, in order of first mention; unknown names are errors."""
    available = pack_names()
    wanted: list[str] = []
    problems: list[Problem] = []
    for _, file, document in documents:
        for i, name in enumerate(document.data.get("extends") or []):
            if name not in available:
                mark = document.source.locate(("extends", i))
                problems.append(Problem(f"unknown policy pack {name!r}", file, mark.line,
                                        mark.column, f"$.extends[{i}]",
                                        f"available: {', '.join(available)}"))
            elif name not in wanted and name not in ALWAYS_ON_PACKS:
                wanted.append(name)
    if problems:
        raise CharterError(problems, summary="invalid policies")
    return wanted


def _parse(text: bytes, file: str) -> Document:
    document = load_yaml_text(text, file)
    if not isinstance(document.data, Mapping):
        raise CharterError.at("a policy file is a mapping with `charter: 1`", file=file, line=1)
    problems = validate(document.data, document.source, "policies")
    if problems:
        raise CharterError(problems, summary=f"{file}: invalid policy file")
    return document


def _assemble(documents: list[tuple[str, str, Document]]) -> PolicySet:
    rules: dict[str, Rule] = {}
    waivers: list[Waiver] = []
    disabled: dict[str, str] = {}
    disabled_at: dict[str, tuple[str, Mark]] = {}
    overridden: dict[str, str] = {}
    problems: list[Problem] = []
    digest = hashlib.sha256(f"charter {__version__}\n".encode())
    for origin, file, document in documents:
        digest.update(f"{file}\n".encode())
        digest.update(repr(document.data).encode())
        for rule_id, raw in (document.data.get("rules") or {}).items():
            mark = document.source.locate(("rules", rule_id))
            if rule_id in rules and not rules[rule_id].origin.startswith("charter:"):
                problems.append(Problem(f"rule {rule_id} is defined twice", file, mark.line,
                                        mark.column, hint=f"first in {rules[rule_id].file}"))
                continue
            if rule_id in rules and not origin.startswith("charter:"):
                overridden[rule_id] = rules[rule_id].origin
            try:
                rules[rule_id] = compile_rule(rule_id, raw, origin, file, mark.line)
            except ConditionError as exc:
                path = ("rules", rule_id, *exc.path)
                where = document.source.locate(path)
                problems.append(Problem(str(exc), file, where.line, where.column,
                                        format_path(path)))
        for rule_id, reason in (document.data.get("disable") or {}).items():
            disabled[rule_id] = str(reason).strip()
            disabled_at[rule_id] = (file, document.source.locate(("disable", rule_id)))
        for i, raw in enumerate(document.data.get("waivers") or []):
            mark = document.source.locate(("waivers", i))
            waivers.append(_waiver(raw, file, mark.line))
    problems += _duplicate_waivers(waivers)
    problems += _bad_disables(rules, disabled, disabled_at)
    if problems:
        raise CharterError(problems, summary="invalid policies")
    for rule_id in disabled:
        rules.pop(rule_id, None)
    return PolicySet(rules, tuple(waivers), tuple(f for _, f, _ in documents),
                     digest.hexdigest(), disabled, overridden)


def _bad_disables(rules: Mapping[str, Rule], disabled: Mapping[str, str],
                  where: Mapping[str, tuple[str, Mark]]) -> list[Problem]:
    """Only a pack rule can be disabled, and only with a justification worth the name."""
    problems = []
    packs = sorted(r for r, rule in rules.items() if rule.origin.startswith("charter:"))
    for rule_id, reason in disabled.items():
        file, mark = where[rule_id]
        path = f"$.disable.{rule_id}"
        rule = rules.get(rule_id)
        if rule is None:
            hint = did_you_mean(rule_id, packs, quote=False) or "`charter docs` lists the rules"
            problems.append(Problem(f"cannot disable {rule_id}: no pack rule has that id", file,
                                    mark.line, mark.column, path, hint))
        elif not rule.origin.startswith("charter:"):
            problems.append(Problem(f"cannot disable {rule_id}: it is defined in {rule.file}; "
                                    "delete or change the local rule instead", file,
                                    mark.line, mark.column, path))
        elif len(reason) < MIN_JUSTIFICATION:
            problems.append(Problem(f"disabling {rule_id} needs a justification of at least "
                                    f"{MIN_JUSTIFICATION} characters", file, mark.line,
                                    mark.column, path, "say why the rule does not apply here"))
    return problems


def _waiver(raw: Mapping[str, Any], file: str, line: int) -> Waiver:
    granted = raw.get("granted")
    return Waiver(
        id=str(raw["id"]), rule=str(raw["rule"]), target=str(raw["target"]),
        justification=str(raw["justification"]), approved_by=str(raw["approved_by"]),
        expires=dt.date.fromisoformat(str(raw["expires"])),
        granted=dt.date.fromisoformat(str(granted)) if granted else None,
        file=file, line=line,
    )


def _duplicate_waivers(waivers: list[Waiver]) -> list[Problem]:
    seen: dict[str, Waiver] = {}
    problems = []
    for waiver in waivers:
        if waiver.id in seen:
            problems.append(Problem(f"waiver {waiver.id} is defined twice", waiver.file,
                                    waiver.line, hint=f"first at {seen[waiver.id].file}:"
                                    f"{seen[waiver.id].line}"))
        seen[waiver.id] = waiver
    return problems
