"""The optional parts of Charter and the libraries each needs (`pip install 'charter[NAME]'`).

The core (validate, check without evidence, explain, schema, test, docs, init, history,
lineage) needs none of them. A command that needs an extra asks `require` first, so a missing
library is one clear error naming the extra (exit 2), not a traceback halfway through a run.
Keep these lists in step with `[project.optional-dependencies]` in pyproject.toml.
"""

from __future__ import annotations

import importlib.util

from charter.errors import CharterError

# extra -> (module imported, distribution installed)
EXTRAS: dict[str, tuple[tuple[str, str], ...]] = {
    "evidence": (("numpy", "numpy"), ("pandas", "pandas"), ("pyarrow", "pyarrow"),
                 ("sklearn", "scikit-learn"), ("scipy", "scipy"), ("skops", "skops"),
                 ("fsspec", "fsspec"), ("tqdm", "tqdm"), ("packaging", "packaging")),
    "reports": (("jinja2", "jinja2"), ("weasyprint", "weasyprint"),
                ("matplotlib", "matplotlib"), ("pyhanko", "pyhanko")),
    "spark": (("pyspark", "pyspark"),),
}


def missing(extra: str) -> list[str]:
    """The distributions of `extra` whose modules cannot be found."""
    return [dist for module, dist in EXTRAS[extra] if not _findable(module)]


def require(extra: str, what: str, alternative: str = "") -> None:
    """Raise bad input (exit 2) saying `what` cannot be done without `extra`."""
    absent = missing(extra)
    if not absent:
        return
    message = (f"{what}: the '{extra}' extra is not installed (no {', '.join(absent)}); "
               f"install it with pip install 'charter[{extra}]'")
    raise CharterError.at(f"{message}, or {alternative}" if alternative else message)


def _findable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package that fails, or a blocked module
        return False
