"""Compare what a version's record claims about its model with what the artifact holds.

`algorithm` must name the artifact's estimator class (the final step of a Pipeline); each
declared `parameters` key must equal the estimator's hyperparameter (numbers as numbers);
`requirements` for scikit-learn and skops must admit the versions that saved the file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from charter.evidence.environment import satisfies
from charter.source.yamlsource import KeyPath

# requirements key -> where the artifact records that library's version
CHECKED_LIBRARIES = ("scikit-learn", "skops")


def record_mismatches(record: Mapping[str, Any], facts: Mapping[str, Any]
                      ) -> list[tuple[KeyPath, str]]:
    """(models.yaml key inside the version, message) for every claim the artifact belies."""
    return [*_algorithm(record, facts), *_parameters(record, facts),
            *_requirements(record, facts)]


def described(facts: Mapping[str, Any]) -> str:
    container = facts.get("final_estimator_of")
    estimator = facts.get("estimator")
    return f"{estimator} (the final estimator of a {container})" if container else \
        str(estimator)


def _algorithm(record: Mapping[str, Any], facts: Mapping[str, Any]
               ) -> list[tuple[KeyPath, str]]:
    declared = record.get("algorithm")
    if declared is None:
        return []
    actual = str(facts.get("estimator"))
    text = str(declared)
    if text == actual or text.endswith(f".{actual}"):  # sklearn.linear_model.Ridge is fine
        return []
    return [(("algorithm",), f"algorithm is {text} in the record, but the artifact holds a "
             f"{described(facts)}")]


def _parameters(record: Mapping[str, Any], facts: Mapping[str, Any]
                ) -> list[tuple[KeyPath, str]]:
    declared = record.get("parameters")
    if not isinstance(declared, Mapping):
        return []
    actual = facts.get("parameters") or {}
    out: list[tuple[KeyPath, str]] = []
    for name, value in declared.items():
        key = ("parameters", str(name))
        if str(name) not in actual:
            out.append((key, f"parameters.{name} is declared, but the artifact's "
                        f"{facts.get('estimator')} has no such parameter"))
        elif not same_value(value, actual[str(name)]):
            out.append((key, f"parameters.{name} is {_show(value)} in the record, but "
                        f"{_show(actual[str(name)])} in the artifact's "
                        f"{facts.get('estimator')}"))
    return out


def _requirements(record: Mapping[str, Any], facts: Mapping[str, Any]
                  ) -> list[tuple[KeyPath, str]]:
    requirements = record.get("requirements")
    if not isinstance(requirements, Mapping):
        return []
    saved = facts.get("saved_with") or {}
    out: list[tuple[KeyPath, str]] = []
    for library in CHECKED_LIBRARIES:
        declared = requirements.get(library)
        if declared is None or (library == "skops" and facts.get("format") != "skops"):
            continue
        key = ("requirements", library)
        recorded = saved.get(library)
        if recorded is None:
            out.append((key, f"requirements declare {library} {declared} but the artifact "
                        f"does not record which {library} saved it"))
        elif not satisfies(str(recorded), str(declared)):
            out.append((key, f"requirements declare {library} {declared} but the artifact "
                        f"was saved with {recorded}"))
    return out


def same_value(declared: Any, actual: Any) -> bool:
    """Equal as YAML would mean it: 1 == 1.0 == "1e0"; true is not 1; lists item by item."""
    if isinstance(declared, bool) or isinstance(actual, bool):
        return type(declared) is type(actual) and declared == actual
    left, right = _number(declared), _number(actual)
    if left is not None and right is not None:
        return left == right or math.isclose(left, right, rel_tol=1e-9, abs_tol=0.0)
    if isinstance(declared, list) and isinstance(actual, list):
        return len(declared) == len(actual) and all(
            same_value(d, a) for d, a in zip(declared, actual, strict=True))
    if isinstance(declared, Mapping) and isinstance(actual, Mapping):
        return set(map(str, declared)) == set(actual) and all(
            same_value(v, actual[str(k)]) for k, v in declared.items())
    return bool(declared == actual)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):  # YAML 1.1 reads 1e-3 as text
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _show(value: Any) -> str:
    if value is None:
        return "null"
    return str(value) if not isinstance(value, str) else repr(value)
