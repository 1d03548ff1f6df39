"""`charter init --layout split`: the scaffold's inventory as a root and one file per record."""

from __future__ import annotations

import re

from charter.layout import ENTITY_FOLDERS, ROOT_FILE, entity_file_path

LAYOUTS = ("single", "split")
_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*):")
_ENTITY_KEY = re.compile(r"^  ([a-z0-9][a-z0-9._-]*):[ \t]*(#.*)?$")
SPLIT_NOTE = """\
# Models and datasets live in their own files: models/<model>.yaml and
# datasets/<dataset>.yaml, each holding the record that would sit under
# `models.<model>` (or `datasets.<dataset>`) here; CODEOWNERS can give each its owners.
"""


def split_layout(files: dict[str, str]) -> dict[str, str]:
    """The scaffold with models.yaml's block-style sections moved into entity files."""
    root: list[str] = []
    out: dict[str, list[str]] = {}
    section: str | None = None
    current: list[str] | None = None
    for line in files[ROOT_FILE].splitlines(keepends=True):
        top = _TOP_KEY.match(line)
        if top:
            section = top.group(1) if top.group(1) in ENTITY_FOLDERS else None
            current = None
            if section is not None:
                continue  # the section's records move to their files
        entity = _ENTITY_KEY.match(line) if section else None
        if section and entity:
            current = out.setdefault(entity_file_path(section, entity.group(1)), [])
        elif current is not None:
            current.append(line[4:] if line.startswith("    ") else line.lstrip(" "))
        else:
            root.append(line)
    split = {ROOT_FILE: "".join(root).rstrip("\n") + "\n\n" + SPLIT_NOTE}
    split.update({path: "".join(lines).strip("\n") + "\n" for path, lines in out.items()})
    return {**{p: t for p, t in files.items() if p != ROOT_FILE}, **split}
