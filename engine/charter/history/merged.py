"""The inventory at successive commits: models.yaml, merged with the files of a split layout.

A split inventory keeps `models/<model>.yaml` and `datasets/<dataset>.yaml` beside the root
`models.yaml` (see `charter.layout`). The history follows every one of these files:
each commit applies the files it added, changed or removed, and the inventory at the commit
is the root with each file's record in its section. A record's file is parsed once per
content (its blob id) and comes back as the same object while the file is unchanged, so a
model moved from models.yaml into its own file (or back) is the same record: no event.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from charter.errors import CharterError
from charter.history.pieces import PieceParser
from charter.layout import ROOT_FILE, classify
from charter.source.yamlsource import load_yaml_text


class MergedInventory:
    """The root's parse and the entity files of the current commit."""

    def __init__(self, whole: bool = False) -> None:
        self._parser = PieceParser()
        self._whole = whole  # parse models.yaml whole at each commit (the plain twin)
        self._root: Mapping[str, Any] | None = None
        self._root_error: str | None = None
        self._files: dict[str, str] = {}  # path -> blob
        self._records: dict[str, Any] = {}  # blob -> the record, or why it cannot be read

    @staticmethod
    def follows(path: str) -> bool:
        return path == ROOT_FILE or classify(path) is not None

    def apply(self, path: str, blob: str | None, data: bytes | None) -> None:
        """Take one file change of the commit into account."""
        if path == ROOT_FILE:
            self._apply_root(blob, data)
        elif blob is None:
            self._files.pop(path, None)
        else:
            self._files[path] = blob
            if blob not in self._records:
                self._records[blob] = _record(path, data)

    def _apply_root(self, blob: str | None, data: bytes | None) -> None:
        self._root, self._root_error = None, None
        if blob is None:
            return
        if data is None:
            self._root_error = f"{ROOT_FILE} is missing from the clone"
            return
        try:
            self._root = (self._parser.parse_whole(data) if self._whole
                          else self._parser.parse(data))
        except CharterError as exc:
            self._root_error = f"{ROOT_FILE} does not parse: {exc.render()}"

    def current(self) -> tuple[Mapping[str, Any] | None, str | None]:
        """The inventory (None: there is none yet), or why this commit's cannot be read."""
        if self._root_error is not None:
            return None, self._root_error
        if not self._files:
            return self._root, None
        if self._root is None:
            first = min(self._files)
            return None, f"{first} is part of a split inventory, whose root {ROOT_FILE} is missing"
        sections: dict[str, dict[str, Any]] = {}
        for path in sorted(self._files):
            entry = classify(path)
            assert entry is not None  # only entity files are kept
            if entry.problem is not None:
                return None, f"{path} is not part of the inventory: {entry.problem}"
            record = self._records[self._files[path]]
            if isinstance(record, str):
                return None, record
            sections.setdefault(entry.section, {})[entry.name] = record
        merged = dict(self._root)
        for section, records in sections.items():
            inline = merged.get(section)
            if inline is None:
                inline = {}
            if not isinstance(inline, Mapping):
                return None, f"`{section}` must be a mapping when {section}/ holds files"
            twice = sorted(set(inline) & set(records))
            if twice:
                return None, (f"{section[:-1]} `{twice[0]}` is defined twice: in {ROOT_FILE} "
                              f"and in {section}/{twice[0]}.yaml")
            merged[section] = {**inline, **records}
        return merged, None


def _record(path: str, data: bytes | None) -> Any:
    """The record a file holds, or (a str) why it cannot be read."""
    if data is None:
        return f"{path} is missing from the clone"
    try:
        value = load_yaml_text(data, path).data
    except CharterError as exc:
        return f"{path} does not parse: {exc.render()}"
    if not isinstance(value, dict):
        return f"{path} does not hold a mapping (the record of one model or dataset)"
    return value
