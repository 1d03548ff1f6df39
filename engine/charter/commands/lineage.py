"""`charter lineage`: the lineage graph of the inventory, printed, exported, or queried."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import networkx as nx

from charter.errors import CharterError
from charter.inventory.snapshot import load_snapshot, validation_problems
from charter.lineage import build_lineage, downstream, to_cyclonedx, to_dot, to_openlineage
from charter.lineage.resources import resource_overview
from charter.vcs import git
from charter.vcs.revisions import Revision

FORMATS = ("text", "json", "dot", "openlineage", "cyclonedx")


@dataclass(frozen=True)
class LineageOptions:
    root: Path
    output_format: str = "text"
    impacted_by: str | None = None
    ref: str | None = None  # None: the working tree


def run_lineage(options: LineageOptions) -> int:
    revision = Revision.at(options.root, options.ref) if options.ref else Revision.worktree(
        options.root)
    snapshot = load_snapshot(revision)
    if not snapshot.present:
        raise CharterError.at("models.yaml not found", file=str(options.root / "models.yaml"))
    problems = validation_problems(snapshot)
    if problems:
        raise CharterError(problems, summary=f"models.yaml ({revision.label}) is invalid")
    graph = build_lineage(snapshot.inventory)
    if options.impacted_by:
        click.echo(_impacted(graph, options.impacted_by, options.output_format), nl=False)
        return 0
    click.echo(render(graph, snapshot.inventory, options, revision.commit), nl=False)
    return 0


def render(graph: nx.DiGraph[str], inventory: Mapping[str, Any], options: LineageOptions,
           commit: str | None) -> str:
    if options.output_format == "dot":
        return to_dot(graph)
    if options.output_format == "json":
        return _json({"charter_lineage": 1, "nodes": _nodes(graph), "edges": _edges(graph),
                      "resources": resource_overview(inventory, _as_of(options.root, commit))})
    source = _source(options.root, commit)
    if options.output_format == "openlineage":
        events = to_openlineage(graph, commit=source["commit"], commit_time=source["time"],
                                namespace=source["namespace"], repo_url=source["repo_url"],
                                source_url=source["source_url"])
        return "".join(json.dumps(e, sort_keys=True) + "\n" for e in events)
    if options.output_format == "cyclonedx":
        return _json(to_cyclonedx(graph, inventory, commit=source["commit"],
                                  timestamp=source["time"]))
    return _text(graph)


def _as_of(root: Path, commit: str | None) -> dt.date:
    """The date deployments are judged current on: the commit's date, as the reports date
    it; for the working tree, today's (UTC)."""
    if commit is None:
        return dt.datetime.now(dt.UTC).date()
    committed = dt.datetime.fromisoformat(git.commit_info(root, commit)["committed"])
    return committed.astimezone(dt.UTC).date()


def _json(document: Any) -> str:
    return json.dumps(document, indent=2, default=str) + "\n"


def _nodes(graph: nx.DiGraph[str]) -> list[dict[str, Any]]:
    return [{"id": n, **{k: v for k, v in graph.nodes[n].items() if k != "record"}}
            for n in sorted(graph.nodes)]


def _edges(graph: nx.DiGraph[str]) -> list[dict[str, Any]]:
    return [{"source": a, "target": b, **graph.edges[a, b]} for a, b in sorted(graph.edges)]


def _text(graph: nx.DiGraph[str]) -> str:
    lines = []
    roots = sorted(n for n in graph.nodes if graph.nodes[n]["kind"] == "dataset"
                   and not any(graph.nodes[p]["kind"] == "dataset"
                               for p in graph.predecessors(n)))
    for root in roots:
        lines += _tree(graph, root, 0, set())
    return "\n".join(lines) + "\n" if lines else "no datasets in the inventory\n"


def _tree(graph: nx.DiGraph[str], node: str, depth: int, seen: set[str]) -> list[str]:
    data = graph.nodes[node]
    stage = f" ({data['stage']})" if data.get("stage") else ""
    lines = [f"{'  ' * depth}{data['kind']} {data['label']}{stage}"]
    if node in seen:
        return lines
    seen.add(node)
    for child in sorted(graph.successors(node)):
        relation = graph.edges[node, child]["relation"]
        if relation == "supersedes":
            continue
        lines += _tree(graph, child, depth + 1, seen)
    return lines


def _impacted(graph: nx.DiGraph[str], dataset: str, output_format: str) -> str:
    nodes = downstream(graph, dataset)
    if output_format == "json":
        return _json({"charter_lineage": 1, "dataset": dataset, "impacted": [
            {"id": n, "kind": graph.nodes[n]["kind"], "label": graph.nodes[n]["label"]}
            for n in nodes]})
    lines = [f"Downstream of {dataset}: {len(nodes)}"]
    lines += [f"  {graph.nodes[n]['kind']:<10} {graph.nodes[n]['label']}"
              + (f" ({graph.nodes[n]['stage']})" if graph.nodes[n].get("stage") else "")
              + (f" of {n.split(':')[1]}" if graph.nodes[n]["kind"] == "deployment" else "")
              for n in nodes]
    return "\n".join(lines) + "\n"


def _source(root: Path, commit: str | None) -> dict[str, Any]:
    """Where the inventory comes from: the commit, its time, and the repository's URLs."""
    commit = commit or git.resolve_commit(root, "HEAD")
    info = git.commit_info(root, commit) if commit else None
    remote = git.run_git(root, ["remote", "get-url", "origin"], check=False)
    web = _web_url(remote.stdout.decode().strip()) if remote.returncode == 0 else None
    namespace = web or root.resolve().as_uri()
    return {
        "commit": commit or "working-tree",
        "time": info["committed"] if info else "1970-01-01T00:00:00Z",
        "namespace": namespace,
        "repo_url": web,
        "source_url": f"{web}/blob/{commit}/models.yaml" if web and commit else None,
    }


def _web_url(remote: str) -> str | None:
    """https://host/org/repo for https and scp-like ssh remotes; credentials are dropped."""
    scp = re.fullmatch(r"[\w.-]+@([\w.-]+):(.+?)(?:\.git)?/?", remote)
    if scp:
        return f"https://{scp.group(1)}/{scp.group(2)}"
    web = re.fullmatch(r"(?:https?|ssh)://(?:[^@/]+@)?([\w.-]+(?::\d+)?)/(.+?)(?:\.git)?/?",
                       remote)
    return f"https://{web.group(1)}/{web.group(2)}" if web else None
