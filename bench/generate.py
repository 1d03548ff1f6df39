"""Generate synthetic governance repositories for benchmarks: inventories and rule sets."""

from __future__ import annotations

import argparse
import random
import subprocess
from pathlib import Path

STAGES = ["retired", "retired", "production", "staging", "development"]


def inventory_blocks(versions: int, per_model: int = 5, seed: int = 7
                     ) -> tuple[list[str], list[tuple[str, str, list[str]]]]:
    """The root's lines, and (section, name, lines) of each dataset and model as written
    under its section in models.yaml (the key line first)."""
    rng = random.Random(seed)
    models = versions // per_model
    root = ["charter: 1", "teams:", "  ds: {members: [dana, ravi]}",
            "  mr: {members: [vera], validates: true}"]
    blocks: list[tuple[str, str, list[str]]] = []
    for m in range(models):
        blocks.append(("datasets", f"data-{m}", [
            f"  data-{m}:", "    owner: ds", "    contains_pii: false", "    versions:",
            f'      "v1": {{path: data/{m}.csv, sha256: "{rng.getrandbits(256):064x}",'
            f" rows: {rng.randint(1000, 9000)}}}"]))
    for m in range(models):
        tier = rng.choice(["high", "medium", "low"])
        out = [f"  model-{m}:", f"    title: Model {m}", "    owner: ds",
               f"    risk_tier: {tier}", "    task: classification",
               f"    purpose: Purpose of model {m}", "    business_kpi: A KPI",
               "    intended_use: Decision support", "    limitations: Known limits",
               "    users: [team]", "    restrictions: [none]", "    inputs: [x]",
               "    outputs: [score]", "    review_every_days: 365",
               "    last_review: 2026-06-01", "    versions:"]
        for v in range(per_model):
            stage = STAGES[v]
            out += [f'      "1.{v}.0":', f"        stage: {stage}",
                    "        algorithm: GradientBoostingClassifier",
                    f'        artifact: {{path: models/{m}-{v}.skops, sha256: "'
                    f'{rng.getrandbits(256):064x}"}}',
                    '        requirements: {python: "3.11", scikit-learn: "1.5.2"}',
                    f"        training_data: [data-{m}@v1]",
                    "        evaluation:", f"          dataset: data-{m}@v1",
                    "          target: y",
                    f"          metrics: {{roc_auc: {rng.uniform(0.8, 0.95):.4f}}}",
                    "          sensitive_features: [sex]"]
            if stage in ("production", "retired", "staging"):
                out.append("        validation: {by: vera, date: 2026-05-01, outcome: approved}")
            if stage in ("production", "retired"):
                until = ", until: 2026-01-01" if stage == "retired" else ""
                out.append(f"        deployments: [{{target: api-{m}, since: 2025-01-01"
                           f"{until}}}]")
                out.append(f"        monitoring: {{reference: data-{m}@v1, "
                           f"current: data-{m}@v1}}")
            if stage == "retired":
                out.append("        retired: {date: 2026-01-01, reason: superseded}")
        blocks.append(("models", f"model-{m}", out))
    return root, blocks


def inventory_text(versions: int, per_model: int = 5, seed: int = 7) -> str:
    """models.yaml with `versions` model versions (per_model each) and a dataset per model."""
    root, blocks = inventory_blocks(versions, per_model, seed)
    out = list(root)
    for section in ("datasets", "models"):
        out.append(f"{section}:")
        out += [line for s, _, lines in blocks if s == section for line in lines]
    return "\n".join(out) + "\n"


def inventory_files(versions: int, layout: str = "single") -> dict[str, str]:
    """path -> text of the inventory: one models.yaml, or a root and one file per record."""
    if layout == "single":
        return {"models.yaml": inventory_text(versions)}
    root, blocks = inventory_blocks(versions)
    files = {"models.yaml": "\n".join(root) + "\n"}
    for section, name, lines in blocks:
        files[f"{section}/{name}.yaml"] = "\n".join(line[4:] for line in lines[1:]) + "\n"
    return files


def rules_text(count: int) -> str:
    """`count` rules of the kinds real policies hold (thresholds, presence, dates, lists)."""
    kinds = [
        ("version", "{stage: [staging, production]}", "{field: evaluation.metrics.roc_auc, "
         "gte: %.2f}"),
        ("version", "{stage: production}", "{field: validation.outcome, equals: approved}"),
        ("version", "{model.risk_tier: [high, medium]}", "{field: artifact.sha256, matches: "
         "'[0-9a-f]{64}'}"),
        ("model", "{risk_tier: high}", "{field: last_review, max_age_days: %d}"),
        ("version", "{stage: production}", "{field: deployments, count: {gte: 1}}"),
        ("dataset", "{contains_pii: false}", "{field: sha256, exists: true}"),
        ("version", "{stage: production}", "{any: [{field: monitoring.current, exists: true}, "
         "{field: model.risk_tier, equals: low}]}"),
    ]
    out = ["charter: 1", "rules:"]
    for i in range(count):
        applies, match, require = kinds[i % len(kinds)]
        if "%.2f" in require:
            require = require % (0.5 + (i % 10) / 100)
        elif "%d" in require:
            require = require % (400 + i)
        out += [f"  BENCH-{i:03d}:", f"    title: Benchmark rule {i}", "    severity: error",
                f"    applies_to: {applies}", f"    match: {match}", f"    require: {require}"]
    return "\n".join(out) + "\n"


def make_repo(root: Path, versions: int, rules: int, layout: str = "single") -> Path:
    """A git repository on `main` holding the generated inventory and rules."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "policies").mkdir(exist_ok=True)
    for path, text in inventory_files(versions, layout).items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    (root / "policies" / "bench.yaml").write_text(rules_text(rules))
    (root / ".gitignore").write_text(".charter/\n")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"],
                 ["-c", "user.name=Bench", "-c", "user.email=bench@example.com", "commit",
                  "-q", "-m", "generated inventory"]):
        subprocess.run(["git", *args], cwd=root, check=True)
    return root


def change_one_version(root: Path, model: int = 0) -> str:
    """The pull request: one development version gets a better claimed metric. Returns the
    file it edits (models.yaml, or the model's own file in a split inventory)."""
    own = root / "models" / f"model-{model}.yaml"
    path = own if own.is_file() else root / "models.yaml"
    text = path.read_text()
    anchor = '"1.4.0":\n' + ("    stage: development" if own.is_file() else
                             "        stage: development")
    index = text.index(anchor, text.index(f"model-{model}:") if path.name == "models.yaml"
                       else 0)
    start = text.index("roc_auc: ", index)
    end = text.index("}", start)
    path.write_text(text[:start] + "roc_auc: 0.9999" + text[end:])
    return str(path.relative_to(root))


def main() -> None:
    parser = argparse.ArgumentParser(description="Write a generated governance repository.")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--versions", type=int, default=1000)
    parser.add_argument("--rules", type=int, default=50)
    parser.add_argument("--layout", choices=["single", "split"], default="single")
    args = parser.parse_args()
    make_repo(args.folder, args.versions, args.rules, args.layout)
    print(f"{args.folder}: {args.versions} versions, {args.rules} rules, {args.layout} layout")


if __name__ == "__main__":
    main()
