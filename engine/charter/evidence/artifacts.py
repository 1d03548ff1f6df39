"""Load model artifacts without running code from the checked repository.

skops files load through `skops.io` with an explicit list of trusted types: skops's own
defaults plus `settings.trusted_types` of the trusted revision. Pickle and joblib files can run
arbitrary code when loaded, so they are refused unless the trusted revision lists their exact
sha256 in `settings.trusted_pickles`. While anything loads, the repository root is taken off
`sys.path`, so a module planted in the repository cannot shadow a library.
"""

from __future__ import annotations

import contextlib
import json
import sys
import warnings
import zipfile
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from charter.evidence.files import Fetched
from charter.evidence.problems import InputError

SUFFIXES = {".skops": "skops", ".pkl": "pickle", ".pickle": "pickle", ".joblib": "joblib",
            ".onnx": "onnx"}
LOADABLE = ("skops", "pickle", "joblib")


@dataclass(frozen=True)
class LoadedModel:
    estimator: Any
    format: str
    recorded_sklearn: str | None  # the scikit-learn version that saved the model
    # What the file records about the libraries that saved it: scikit-learn, and for skops
    # files the skops version and protocol.
    saved_with: Mapping[str, Any] = field(default_factory=dict)


def artifact_format(record: Mapping[str, Any], location: str) -> str:
    declared = record.get("format")
    if isinstance(declared, str):
        return declared
    return SUFFIXES.get(Path(location.split("?", 1)[0]).suffix.lower(), "other")


@contextlib.contextmanager
def repository_off_path(root: Path) -> Iterator[None]:
    saved = list(sys.path)
    root = root.resolve()
    # An entry that cannot be resolved might be the repository: leave it out too.
    sys.path[:] = [p for p in saved if p and _resolved(p) not in (root, None)]
    try:
        yield
    finally:
        sys.path[:] = saved


def _resolved(entry: str) -> Path | None:
    try:
        return Path(entry).resolve()
    except OSError:
        return None


def load_artifact(fetched: Fetched, fmt: str, root: Path, trusted_types: Collection[str],
                  trusted_pickles: Collection[str]) -> LoadedModel:
    if fmt not in LOADABLE:
        raise InputError("unsupported-format", f"{fetched.name}: format {fmt!r} cannot be "
                         f"evaluated; save the model with skops (supported: skops, and "
                         "pickle or joblib with a trusted hash)")
    with repository_off_path(root):
        if fmt == "skops":
            return _load_skops(fetched, trusted_types)
        return _load_pickle(fetched, fmt, trusted_pickles)


def _load_skops(fetched: Fetched, trusted_types: Collection[str]) -> LoadedModel:
    import skops.io as sio

    if not zipfile.is_zipfile(fetched.path):
        raise InputError("corrupt", f"{fetched.name}: not a skops file (not a zip archive; "
                         "truncated or corrupt?)")
    try:
        untrusted = sio.get_untrusted_types(file=fetched.path)
        refused = sorted(set(untrusted) - set(trusted_types))
        if refused:
            raise InputError("untrusted-types", f"{fetched.name}: refusing to load types that "
                             f"are not trusted: {', '.join(refused)} (after review, list them "
                             "in settings.trusted_types on the base branch)")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            estimator = sio.load(fetched.path, trusted=list(untrusted))
    except InputError:
        raise
    except Exception as exc:  # skops raises many types for a damaged archive
        raise InputError("corrupt", f"{fetched.name}: cannot load the skops file "
                         f"({type(exc).__name__}: {_first_line(exc)})") from None
    _require_predict(estimator, fetched)
    schema = _skops_schema(fetched)
    sklearn_version = _sklearn_version_in(schema)
    saved_with = {"scikit-learn": sklearn_version, "skops": schema.get("_skops_version"),
                  "skops_protocol": schema.get("protocol")}
    return LoadedModel(estimator, "skops", sklearn_version, saved_with)


def _load_pickle(fetched: Fetched, fmt: str, trusted_pickles: Collection[str]) -> LoadedModel:
    if fetched.sha256 not in trusted_pickles:
        raise InputError("untrusted-pickle", f"{fetched.name}: {fmt} files can run code when "
                         f"loaded and sha256 {fetched.sha256} is not in settings."
                         "trusted_pickles of the base revision; save the model with skops")
    from sklearn.exceptions import InconsistentVersionWarning

    recorded = None
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if fmt == "joblib":
                import joblib

                estimator = joblib.load(fetched.path)
            else:
                import pickle

                with fetched.path.open("rb") as handle:
                    estimator = pickle.load(handle)
    except Exception as exc:
        raise InputError("corrupt", f"{fetched.name}: cannot load the {fmt} file "
                         f"({type(exc).__name__}: {_first_line(exc)})") from None
    for warning in caught:
        if isinstance(warning.message, InconsistentVersionWarning):
            recorded = warning.message.original_sklearn_version
    if recorded is None:  # no warning: saved by the running version
        import sklearn

        recorded = sklearn.__version__
    _require_predict(estimator, fetched)
    return LoadedModel(estimator, fmt, recorded, {"scikit-learn": recorded})


def _require_predict(estimator: Any, fetched: Fetched) -> None:
    if not callable(getattr(estimator, "predict", None)):
        raise InputError("not-a-model", f"{fetched.name}: the artifact holds a "
                         f"{type(estimator).__name__}, which has no predict()")


def _skops_schema(fetched: Fetched) -> dict[str, Any]:
    """The archive's schema.json: skops just loaded it, so it must read."""
    try:
        with zipfile.ZipFile(fetched.path) as archive:
            schema = json.loads(archive.read("schema.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise InputError("corrupt", f"{fetched.name}: cannot read the skops schema "
                         f"({type(exc).__name__}: {_first_line(exc)})") from None
    if not isinstance(schema, dict):
        raise InputError("corrupt", f"{fetched.name}: the skops schema is not an object")
    return schema


def _sklearn_version_in(schema: dict[str, Any]) -> str | None:
    """The `_sklearn_version` scikit-learn stored in the state of the outermost estimator."""
    queue: list[Any] = [schema]
    while queue:
        node = queue.pop(0)
        if isinstance(node, dict):
            found = node.get("_sklearn_version")
            if isinstance(found, dict) and isinstance(found.get("content"), str):
                with contextlib.suppress(ValueError):  # not JSON: look further down
                    value = json.loads(found["content"])
                    return str(value)
            queue.extend(node.values())
        elif isinstance(node, list):
            queue.extend(node)
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else "no detail"


# How an evaluation gets its model: the engine loads each artifact once within a run.
ModelLoader = Callable[[Fetched, str], LoadedModel]
