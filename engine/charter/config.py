"""Project defaults for the command line: `.charter.yaml`, or `[tool.charter]` in pyproject.toml.

Precedence, highest first: the command line, the environment (`CHARTER_<KEY>`), this file,
the built-in default. Unknown keys are errors, so a typo never silently does nothing.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from charter.errors import CharterError
from charter.suggest import did_you_mean

YAML_FILE = ".charter.yaml"
PYPROJECT = "pyproject.toml"


@dataclass(frozen=True)
class Key:
    """A setting: where it applies (command, parameter), and its environment variable."""

    path: tuple[str, ...]
    targets: tuple[tuple[str, str], ...] = ()

    @property
    def name(self) -> str:
        return ".".join(self.path)

    @property
    def envvar(self) -> str:
        return "CHARTER_" + "_".join(self.path).upper()


KEYS: dict[str, Key] = {k.name: k for k in (
    Key(("base",), (("check", "base"), ("evidence", "base"))),
    Key(("policies_from",), (("check", "policies_from"),)),
    Key(("formats",), (("check", "formats"),)),
    Key(("evidence",), (("check", "evidence"),)),
    Key(("today",), (("check", "today"), ("evidence", "today"), ("test", "today"),
                     ("report", "today"))),
    Key(("color",)),
    Key(("cache_max_mib",)),
    Key(("report", "out"), (("report", "out"),)),
    Key(("report", "page_size"), (("report", "page_size"),)),
    Key(("report", "evidence"), (("report", "evidence"),)),
    Key(("report", "only"), (("report", "kinds"),)),
    Key(("report", "jobs"), (("report", "workers"),)),
)}
TABLES = {"report"}
# What decides how `charter check` judges a change: read from the base revision's settings,
# so a pull request cannot pick its own base, rules, evidence or date.
JUDGING = ("base", "policies_from", "evidence", "today")
ENVVARS: dict[tuple[str, str], str] = {target: key.envvar for key in KEYS.values()
                                       for target in key.targets}
COLOR_CHOICES = ("auto", "always", "never")


@dataclass(frozen=True)
class Config:
    file: str | None = None  # relative to the repository root
    values: Mapping[str, Any] = field(default_factory=dict)  # by dotted key
    lines: Mapping[str, int] = field(default_factory=dict)
    columns: Mapping[str, int] = field(default_factory=dict)  # of values, where known

    def value(self, *path: str) -> Any:
        return self.values.get(".".join(path))

    def where(self, name: str) -> str:
        line = self.lines.get(name)
        return f"{self.file}:{line}" if line else str(self.file)

    def for_command(self, command: str) -> dict[str, tuple[str, Any]]:
        """Parameter name → (dotted key, value) for the settings this command reads."""
        return {param: (name, self.values[name]) for name, key in KEYS.items()
                if name in self.values for cmd, param in key.targets if cmd == command}

    @property
    def color(self) -> str | None:
        return self.values.get("color")

    @property
    def cache_max_mib(self) -> int | None:
        return self.values.get("cache_max_mib")

    def error(self, name: str, message: str) -> CharterError:
        return CharterError.at(message, file=str(self.file), line=self.lines.get(name, 0),
                               column=self.columns.get(name, 0))


def load_config(root: Path) -> Config:
    """The settings in the working tree."""
    def read(name: str) -> bytes | None:
        path = root / name
        return path.read_bytes() if path.is_file() else None

    return _load(read, "")


def load_config_at(read: Callable[[str], bytes | None], label: str) -> Config:
    """The settings as a revision holds them; `read` gives a file's bytes at that revision
    (None: absent), `label` names it in messages ("at main (1a2b3c4d5e)")."""
    return _load(read, f" {label}")


def _load(read: Callable[[str], bytes | None], label: str) -> Config:
    data = read(YAML_FILE)
    if data is not None:
        return _checked(_from_yaml(data, YAML_FILE + label))
    data = read(PYPROJECT)
    if data is not None:
        return _checked(_from_pyproject(data, PYPROJECT + label))
    return Config()


def _from_yaml(raw: bytes, file: str) -> Config:
    from charter.source.yamlsource import load_yaml_text

    document = load_yaml_text(raw, file)
    data = document.data
    if data is None:
        return Config(file)
    if not isinstance(data, dict):
        raise CharterError.at("the settings must be a mapping of keys to values",
                              file=file, line=1)
    values, lines, columns = {}, {}, {}
    for name, value in _flatten(data):
        parts = tuple(name.split("."))
        mark = document.source.locate(parts)
        values[name], lines[name], columns[name] = value, mark.line, mark.column
    _reject_unknown(values, lines, file)
    return Config(file, values, lines, columns)


def _from_pyproject(raw: bytes, file: str) -> Config:
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise CharterError.at("not UTF-8 text", file=file) from None
    except tomllib.TOMLDecodeError as exc:
        raise CharterError.at(f"TOML syntax error: {exc}", file=file) from None
    table = data.get("tool", {}).get("charter")
    if table is None:
        return Config()
    if not isinstance(table, dict):
        raise CharterError.at("[tool.charter] must be a table", file=file)
    values = dict(_flatten(table))
    lines = {name: _toml_line(text, name) for name in values}
    _reject_unknown(values, lines, file)
    return Config(file, values, lines)


def _flatten(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if name in TABLES and isinstance(value, Mapping):
            out += _flatten(value, f"{name}.")
        else:
            out.append((name, value))
    return out


def _toml_line(text: str, name: str) -> int:
    """tomllib keeps no positions: find the key in the [tool.charter] part of the file."""
    *table, key = name.split(".")
    in_table = False
    pattern = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=")
    inline = re.compile(rf"^\s*{re.escape(table[0])}\s*=\s*\{{.*\b{re.escape(key)}\s*=") \
        if table else None
    headers = {"[tool.charter]"} | {f"[tool.charter.{t}]" for t in table}
    wanted = "[tool.charter." + ".".join(table) + "]" if table else "[tool.charter]"
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_table = stripped in headers
            current = stripped
            continue
        if not in_table:
            continue
        if inline is not None and inline.search(line):
            return number
        if pattern.search(line) and current == wanted:
            return number
    return 0


def _reject_unknown(values: Mapping[str, Any], lines: Mapping[str, int], file: str) -> None:
    for name in values:
        if name in KEYS:
            continue
        hint = did_you_mean(name, KEYS)
        message = f"unknown key {name!r}" + (f" ({hint})" if hint else "")
        raise CharterError.at(message + f"; known keys: {', '.join(KEYS)}", file=file,
                              line=lines.get(name, 0))


def _checked(config: Config) -> Config:
    color = config.values.get("color")
    if color is not None and color not in COLOR_CHOICES:
        raise config.error("color", f"color: {color!r} is not one of "
                           f"{', '.join(map(repr, COLOR_CHOICES))}")
    size = config.values.get("cache_max_mib")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 1):
        raise config.error("cache_max_mib", f"cache_max_mib: {size!r} is not a whole number "
                           "of mebibytes of at least 1")
    return config
