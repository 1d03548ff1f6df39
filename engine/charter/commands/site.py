"""`charter site`: the auditors' portal of one commit, with the PDFs `charter report` renders
and the exports `charter lineage` and `charter check` write, listed in a signed manifest."""

from __future__ import annotations

import datetime as dt
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from charter.errors import CharterError
from charter.extras import require
from charter.vcs import git

if TYPE_CHECKING:
    from charter.report.facts import ReportFacts
    from charter.result import CheckResult

REPORTS_DIR = "reports"


@dataclass(frozen=True)
class SiteOptions:
    root: Path
    out: Path = Path("site")
    ref: str = "HEAD"
    evidence: bool = True
    pdfs: bool = True
    today: dt.date | None = None
    workers: int | None = None
    sign_key: Path | None = None
    sign_cert: Path | None = None
    sign_chain: tuple[Path, ...] = ()


def run_site(options: SiteOptions) -> int:
    require("reports", "charter site cannot render its pages")
    if options.evidence:
        require("evidence", "charter site cannot measure evidence for the model pages",
                "pass --no-evidence to build it without")
    if (options.sign_key is None) != (options.sign_cert is None):
        raise CharterError.at("--sign-key and --sign-cert go together")
    from charter.site.fresh import build_key, up_to_date
    from charter.site.manifest import sign_manifest, write_manifest

    out = options.out if options.out.is_absolute() else options.root / options.out
    commit = git.resolve_commit(options.root, options.ref)
    remote = git.run_git(options.root, ["remote", "get-url", "origin"], check=False)
    key = build_key(commit or "", {"ref": options.ref, "evidence": options.evidence,
                                   "pdfs": options.pdfs, "today": options.today,
                                   "remote": remote.stdout.decode().strip()},  # in exports
                    links(commit or ""))
    if commit and not options.evidence and up_to_date(out, key):
        sys.stdout.write(f"site: unchanged (commit {commit[:12]}, same options and engine): "
                         f"{_shown(out, options.root)}\n")
    else:
        from charter.report.facts import gather_facts

        facts = gather_facts(options.root, options.ref, options.today, options.evidence)
        files = build(facts, out, options)
        write_manifest(out, facts.commit, links(facts.commit), key)
        sys.stdout.write(f"site: {len(files)} files in {_shown(out, options.root)}\n")
    if options.sign_key is not None and options.sign_cert is not None:
        passphrase = os.environ.get("CHARTER_SIGNING_PASSPHRASE")
        signature = sign_manifest(out, options.sign_key, options.sign_cert, options.sign_chain,
                                  passphrase.encode() if passphrase else None)
        sys.stdout.write(f"signed: {_shown(signature, options.root)}\n")
    return 0


def build(facts: ReportFacts, out: Path, options: SiteOptions) -> list[str]:
    """The pages and every file they link to (the manifest is written after)."""
    from charter.report.build import build_reports
    from charter.report.dossier import dossier_job
    from charter.report.inventory_report import inventory_job
    from charter.report.lineage_report import lineage_job
    from charter.site.build import SiteInputs, build_site

    models = sorted(facts.inventory.get("models") or {})
    dossiers = [dossier_job(facts, m) for m in models]
    inventory = inventory_job(facts)
    reports: list[tuple[str, str, str, int]] = []
    if options.pdfs:
        jobs = [*dossiers, inventory, lineage_job(facts)]
        titles = {job.filename: job.title for job in jobs}
        written = build_reports(jobs, out / REPORTS_DIR, facts.commit, workers=options.workers)
        reports = [(f"{REPORTS_DIR}/{w.path}", titles[w.path], w.sha256, w.size)
                   for w in written]
    inputs = SiteInputs(facts=facts, models=models, dossiers=dossiers, inventory=inventory,
                        exports=exports(facts), reports=reports, links=links(facts.commit))
    return build_site(inputs, out)


def exports(facts: ReportFacts) -> dict[str, tuple[str, bytes]]:
    """The machine-readable files, each made by the command that writes it elsewhere."""
    from charter.commands.lineage import LineageOptions, render
    from charter.lineage import build_lineage
    from charter.reporters import renderer

    graph = build_lineage(facts.inventory)
    found: dict[str, tuple[str, bytes]] = {}
    for name, path, title in (("openlineage", "exports/openlineage.jsonl",
                               "OpenLineage run events"),
                              ("cyclonedx", "exports/cyclonedx.json", "CycloneDX ML-BOM")):
        text = render(graph, facts.inventory, LineageOptions(facts.root, name), facts.commit)
        found[path] = (title, text.encode())
    result = check_result(facts)
    found["exports/findings.json"] = ("Findings and rule results (JSON)",
                                      renderer("json")(result).encode())
    found["exports/charter.sarif"] = ("Findings (SARIF 2.1.0)",
                                      renderer("sarif")(result).encode())
    return found


def check_result(facts: ReportFacts) -> CheckResult:
    """What `charter check --all` at this commit reports, from the facts already judged."""
    from charter.findings import Finding
    from charter.result import CheckResult, RevisionInfo

    findings = sorted((r.finding for r in facts.results if r.finding is not None
                       and r.status in ("fail", "waived")), key=Finding.sort_key)
    head = RevisionInfo(facts.label, facts.commit)
    return CheckResult(
        findings=tuple(findings), rules=facts.policies.rules, head=head, base=head,
        policies_from="head", policy_digest=facts.policies.digest, today=facts.today,
        scope="all", entities_evaluated=len({(r.kind, r.entity) for r in facts.results}),
        disabled_rules=facts.policies.disabled, results=facts.results,
        links=links(facts.commit))


def links(commit: str) -> dict[str, str]:
    """Where the commit and the workflow run that built the site can be seen, in Actions."""
    server = os.environ.get("GITHUB_SERVER_URL", "").rstrip("/")
    repository = os.environ.get("GITHUB_REPOSITORY", "")
    run = os.environ.get("GITHUB_RUN_ID", "")
    if not (server.startswith("https://") and repository):
        return {}
    found = {"repository": f"{server}/{repository}",
             "commit": f"{server}/{repository}/commit/{commit}"}
    if run.isdigit():
        found["run"] = f"{server}/{repository}/actions/runs/{run}"
    return found


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


