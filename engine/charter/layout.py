"""Where an inventory lives: the root `models.yaml`, and optionally one file per model or dataset.

A split inventory keeps `models.yaml` as its root (format version, settings, teams, and any
models or datasets still written inline) and adds `models/<model>.yaml` and
`datasets/<dataset>.yaml`. Each entity file holds one record, exactly the mapping that would sit
under `models.<model>` (or `datasets.<dataset>`) in the single file; its name is the file's stem,
so CODEOWNERS can give each file its own owners. The same entity defined twice (inline and in a
file) is an error, as is a YAML file in those folders that is not a well-named `.yaml` file
directly inside the folder: an inventory file that Charter would skip is a change the gate
would not judge. Files that are not YAML at all (model artifacts kept in `models/`, data
in `datasets/`) are not part of the inventory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

ROOT_FILE = "models.yaml"
ENTITY_FOLDERS = {"models": "models", "datasets": "datasets"}  # section -> folder
ENTITY_SUFFIX = ".yaml"
LEDGER_FOLDER = "monitoring"  # monitoring runs and KPI observations (charter.monitoring.ledger)
YAML_SUFFIXES = (".yaml", ".yml")  # any case: a file that reads as YAML may be meant as a record
_SECTION_OF = {folder: section for section, folder in ENTITY_FOLDERS.items()}
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")  # the schema's pattern for model and dataset names


@dataclass(frozen=True)
class EntityFile:
    """A file under models/ or datasets/: the record it holds, or why it cannot hold one."""

    path: str
    section: str  # "models" or "datasets"
    name: str  # the model or dataset name: the file's stem
    problem: str | None = None  # set when the file's name cannot name an entity


def entity_file_path(section: str, name: str) -> str:
    """The path of the file that holds `name` in `section` of a split inventory."""
    return f"{ENTITY_FOLDERS[section]}/{name}{ENTITY_SUFFIX}"


def classify(path: str) -> EntityFile | None:
    """The entity file `path` is, or None when it is not in an entity folder at all.

    Every YAML file directly or indirectly inside `models/` or `datasets/` counts: one with the
    wrong suffix, a bad name or in a subfolder comes back with a `problem`, so the loader can
    refuse it (fail closed) instead of ignoring part of the inventory. Other files (artifacts,
    data) are not inventory.
    """
    folder, slash, rest = path.partition("/")
    if not slash or folder not in _SECTION_OF or not rest.lower().endswith(YAML_SUFFIXES):
        return None
    if "/" not in rest and rest.endswith(ENTITY_SUFFIX) and _NAME.fullmatch(stem := rest[:-5]):
        return EntityFile(path, _SECTION_OF[folder], stem)  # the common case, checked fast
    pure = PurePosixPath(path)
    if pure.suffix.lower() not in YAML_SUFFIXES:
        return None
    section = next((s for s, folder in ENTITY_FOLDERS.items() if pure.parts[0] == folder), None)
    if section is None:
        return None
    name = pure.stem if pure.suffix == ENTITY_SUFFIX else pure.name
    if len(pure.parts) > 2:
        return EntityFile(path, section, name,
                          f"inventory files sit directly in {pure.parts[0]}/, not in subfolders")
    if pure.suffix != ENTITY_SUFFIX:
        return EntityFile(path, section, name,
                          f"inventory files end in {ENTITY_SUFFIX}: rename it to "
                          f"{pure.parts[0]}/{pure.stem}{ENTITY_SUFFIX}")
    if not _NAME.fullmatch(name):
        return EntityFile(path, section, name,
                          f"`{name}` is not a valid {section[:-1]} name (lower-case letters, "
                          "digits, '.', '_' and '-', starting with a letter or digit)")
    return EntityFile(path, section, name)


def is_inventory_path(path: str) -> bool:
    """True for the root file and for every path inside an entity folder."""
    return path == ROOT_FILE or classify(path) is not None
