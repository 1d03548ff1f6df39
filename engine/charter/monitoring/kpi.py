"""Business KPI observations of a model: `monitoring/<model>/kpi.yaml`.

```yaml
charter: 1
observations:
  - {period: 2025-09, value: 4.1, note: after the autumn campaign, recorded_by: sam}
```
Periods are months (YYYY-MM) or days (YYYY-MM-DD), each once, oldest first. The file is
append-only: an observation once recorded is never edited or removed (the gate checks it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from charter.errors import CharterError, Problem
from charter.source.yamlsource import SourceMap, load_yaml_text


@dataclass(frozen=True)
class KpiFile:
    path: str
    observations: tuple[dict[str, Any], ...]
    source: SourceMap

    def line_of(self, index: int) -> int:
        return self.source.locate(("observations", index)).line


def kpi_problems(path: str, data: bytes) -> tuple[KpiFile | None, list[Problem]]:
    """The observations in the file, or the problems that make it unusable."""
    from charter.source.schema import validate

    try:
        document = load_yaml_text(data, path)
    except CharterError as error:
        return None, list(error.problems)
    problems = validate(document.data, document.source, "kpi")
    if problems:
        return None, problems
    observations = tuple(dict(o) for o in document.data["observations"])
    found = KpiFile(path, observations, document.source)
    return found, _order_problems(found)


def read_kpi(path: str, data: bytes) -> KpiFile:
    """A sound KPI file; bad input raises CharterError pointing at file:line and key."""
    found, problems = kpi_problems(path, data)
    if problems or found is None:
        raise CharterError(problems, summary=f"{path} is not a sound KPI observations file")
    return found


def _order_problems(found: KpiFile) -> list[Problem]:
    problems = []
    seen: dict[str, int] = {}
    previous = ""
    for i, observation in enumerate(found.observations):
        period = str(observation["period"])
        mark = found.source.locate(("observations", i, "period"))
        key = f"$.observations[{i}].period"
        if period in seen:
            problems.append(Problem(f"period {period} is recorded twice", found.path,
                                    mark.line, mark.column, key,
                                    hint=f"first at line {found.line_of(seen[period])}"))
        elif period < previous:
            problems.append(Problem(f"period {period} comes after {previous}: observations "
                                    "are recorded oldest first", found.path, mark.line,
                                    mark.column, key))
        seen.setdefault(period, i)
        previous = max(previous, period)
    return problems


def edited_observations(base: Sequence[Mapping[str, Any]],
                        head: Sequence[Mapping[str, Any]]) -> list[str]:
    """What the head did to observations already recorded at the base (nothing: it only
    appended)."""
    now = {str(o.get("period")): o for o in head}
    out = []
    for old in base:
        period = str(old.get("period"))
        new = now.get(period)
        if new is None:
            out.append(f"the observation of {period} was removed")
        elif dict(new) != dict(old):
            changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
            out.append(f"the observation of {period} was edited ({', '.join(changed)})")
    return out

