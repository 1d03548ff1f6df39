"""The files of a split inventory, `models/<model>.yaml` and `datasets/<dataset>.yaml`, merged
into the root's sections.

Each file is read and parsed when its record is first used, so a pull request that touches one
file pays for that file: unchanged files are shared with the base (same object, parsed at most
once) or come from the cache by their content hash. Positions are kept per file, so a finding
in a record points into the record's own file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from typing import Any

from charter.errors import CharterError, Problem
from charter.source.layout import ENTITY_FOLDERS, ROOT_FILE, EntityFile, classify
from charter.source.segments import LazySection
from charter.source.yamlsource import KeyPath, Mark, SourceMap, load_yaml_text
from charter.vcs.cache import Cache
from charter.vcs.revisions import Revision

CACHE_KIND = "entity"


class RecordFile:
    """One entity file at one revision: its bytes, record and positions, each read once."""

    def __init__(self, revision: Revision, entry: EntityFile, content_id: str | None,
                 cache: Cache) -> None:
        self.revision = revision
        self.path = entry.path
        self.section = entry.section
        self.name = entry.name
        self._content_id = content_id
        self._cache = cache
        self._raw: bytes | None = None
        self._data: Any = None
        self._parsed = False
        self._source: SourceMap | None = None

    @property
    def content_id(self) -> str:
        """git's blob id of the file's bytes: equal ids, equal records."""
        if self._content_id is None:
            raw = self.raw()
            self._content_id = hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest()
        return self._content_id

    def raw(self) -> bytes:
        if self._raw is None:
            data = self.revision.read(self.path)
            if data is None:
                raise CharterError.at("the file disappeared while it was being read",
                                      file=self.path)
            self._raw = data
        return self._raw

    def text(self) -> str:
        return self.raw().decode("utf-8-sig", errors="replace")

    def data(self) -> Any:
        if not self._parsed:
            cached = self._cache.get_text(CACHE_KIND, self.content_id)
            if cached is not None:
                self._data = json.loads(cached)
            else:
                self._parse()
                self._cache.put_text(CACHE_KIND, self.content_id,
                                     json.dumps(self._data, separators=(",", ":")))
            self._parsed = True
        return self._data

    def source(self) -> SourceMap:
        if self._source is None:
            self._parse()
        assert self._source is not None
        return self._source

    def _parse(self) -> None:
        document = load_yaml_text(self.raw(), self.path)
        what = self.section[:-1]
        if not isinstance(document.data, dict):
            found = "is empty" if document.data is None else "does not hold a mapping"
            raise CharterError.at(
                f"{found}: {self.path} holds the record of {what} `{self.name}` (its fields, "
                f"as under `{self.section}.{self.name}` in {ROOT_FILE})", file=self.path, line=1)
        self._data, self._source = document.data, document.source


class MergedSection(Mapping[str, Any]):
    """A section (models or datasets): the records written inline in the root, then one per
    file, each parsed when first read."""

    def __init__(self, inline: Mapping[str, Any], files: Mapping[str, RecordFile]) -> None:
        self.inline = inline
        self.files = files
        self._names = [*inline, *files]

    def __getitem__(self, name: str) -> Any:
        record = self.files.get(name)
        if record is not None:
            return record.data()
        return self.inline[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self.files or name in self.inline

    def digests(self) -> dict[str, str | None]:
        """name -> a hash of the text that defines it (None: not known without parsing).

        Equal hashes mean equal records; different ones mean only "compare the records"."""
        out: dict[str, str | None] = dict.fromkeys(self.inline)
        if isinstance(self.inline, LazySection):
            out.update({n: f"segment:{d}" for n, d in self.inline.lazy_digests.items()})
        out.update({n: f"file:{f.content_id}" for n, f in self.files.items()})
        return out

    def text(self, name: str) -> str | None:
        """The text that defines `name`, None when it is not at hand (parsed whole)."""
        record = self.files.get(name)
        if record is not None:
            return record.text()
        return self.inline.text(name) if isinstance(self.inline, LazySection) else None

    def prefetch(self, names: list[str]) -> None:
        """Read the bytes of many files at once (one git process at a commit)."""
        wanted = [self.files[n] for n in names if n in self.files and self.files[n]._raw is None]
        if not wanted:
            return
        found = wanted[0].revision.read_many([f.path for f in wanted])
        for record in wanted:
            if record.path in found and record.revision is wanted[0].revision:
                record._raw = found[record.path]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MergedSection):
            mine, theirs = self.digests(), other.digests()
            if mine == theirs and None not in mine.values():
                return True
        return isinstance(other, Mapping) and dict(self.items()) == dict(other.items())

    __hash__ = None  # type: ignore[assignment]


class SplitSourceMap(SourceMap):
    """Positions in the root, and in each entity file for the keys of its record."""

    def __init__(self, root: SourceMap, files: Mapping[tuple[str, str], RecordFile]) -> None:
        super().__init__(root.file, root.marks)
        object.__setattr__(self, "_root", root)
        object.__setattr__(self, "_files", files)

    def _record(self, path: KeyPath) -> RecordFile | None:
        files: Mapping[tuple[str, str], RecordFile] = object.__getattribute__(self, "_files")
        return files.get((str(path[0]), str(path[1]))) if len(path) >= 2 else None

    def locate(self, path: KeyPath) -> Mark:
        record = self._record(path)
        if record is not None:
            return record.source().locate(path[2:])
        root: SourceMap = object.__getattribute__(self, "_root")
        return root.locate(path)

    def file_of(self, path: KeyPath) -> str:
        record = self._record(path)
        return record.path if record is not None else self.file


def entity_files(revision: Revision) -> list[EntityFile]:
    """The entity files of `revision`; a path the layout refuses is an error (fail closed)."""
    found = [f for f in (classify(p) for p in revision.entity_paths()) if f is not None]
    refused = [Problem(f"not part of the inventory: {f.problem}", f.path, 0, 0)
               for f in found if f.problem]
    if refused:
        raise CharterError(refused, summary="files in models/ or datasets/ that Charter "
                           "would not read: rename or move them")
    return found


def record_files(revision: Revision, found: list[EntityFile], cache: Cache,
                 donor: Mapping[str, RecordFile] | None,
                 changed: set[str] | None) -> dict[str, RecordFile]:
    """path -> file; one the donor (the base) holds with the same content is its object."""
    out = {}
    for entry in found:
        shared = donor.get(entry.path) if donor is not None else None
        blob = revision.blob_id(entry.path)
        if shared is not None and (shared.content_id == blob if revision.commit is not None
                                   else changed is not None and entry.path not in changed):
            out[entry.path] = shared
        else:
            out[entry.path] = RecordFile(revision, entry, blob, cache)
    return out


def merge_sections(data: dict[str, Any], files: Mapping[str, RecordFile],
                   root_source: SourceMap) -> tuple[dict[str, Any], SplitSourceMap]:
    """The root's data with every section holding its files' records too."""
    by_key = {(f.section, f.name): f for f in files.values()}
    merged = dict(data)
    problems: list[Problem] = []
    for section in ENTITY_FOLDERS:
        own = {name: f for (s, name), f in sorted(by_key.items()) if s == section}
        if not own:
            continue
        inline = data.get(section)
        if inline is None:
            inline = {}
        if not isinstance(inline, Mapping):
            mark = root_source.locate((section,))
            problems.append(Problem(f"`{section}` must be a mapping when {section}/ holds "
                                    "files", root_source.file, mark.line, mark.column,
                                    f"$.{section}"))
            continue
        for name in sorted(set(own) & set(inline)):
            mark = root_source.locate((section, name))
            problems.append(Problem(
                f"{section[:-1]} `{name}` is defined twice: here and in {own[name].path}",
                root_source.file, mark.line, mark.column, f"$.{section}.{name}",
                "keep one of them: the file, or the entry in models.yaml"))
        merged[section] = MergedSection(inline, own)
    if problems:
        raise CharterError(problems)
    return merged, SplitSourceMap(root_source, by_key)


def parse_all(files: Mapping[str, RecordFile]) -> None:
    """Parse every file now, so that the first error is reported before anything is judged."""
    for record in files.values():
        record.data()
