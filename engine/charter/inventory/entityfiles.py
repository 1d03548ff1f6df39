"""The files of a split inventory, `models/<model>.yaml` and `datasets/<dataset>.yaml`, merged
into the root's sections.

Each file is read and parsed when its record is first used, so a pull request that touches one
file pays for that file: unchanged files are shared with the base (same object, parsed at most
once) or come from the cache by their content hash. Positions are kept per file, so a finding
in a record points into the record's own file.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from charter.errors import CharterError, Problem
from charter.layout import (
    ENTITY_FOLDERS,
    ROOT_FILE,
    EntityFile,
    classify,
    entity_file_path,
)
from charter.regions import line_ends
from charter.source.segments import LazySection
from charter.source.yamlsource import KeyPath, Mark, SourceMap, load_yaml_text
from charter.vcs.cache import Cache
from charter.vcs.revisions import Revision

CACHE_KIND = "entity"
Item = TypeVar("Item")
Result = TypeVar("Result")
_SECTION_OF = {folder: section for section, folder in ENTITY_FOLDERS.items()}
# The common shape of an entity file's path, as classify() accepts it without a problem.
_PLAIN = re.compile(r"(models|datasets)/([a-z0-9][a-z0-9._-]*)\.yaml")


class RecordFile:
    """One entity file at one revision: its bytes, record and positions, each read once."""

    def __init__(self, revision: Revision, section: str, name: str, content_id: str | None,
                 cache: Cache) -> None:
        self.revision = revision
        self.path = entity_file_path(section, name)
        self.section = section
        self.name = name
        self._content_id = content_id
        self._cache = cache
        self._raw: bytes | None = None
        self._data: Any = None
        self._parsed = False
        self._source: SourceMap | None = None
        self._marks: str | None = None  # the positions as cached, read one at a time
        self._spots: Spots | None = None  # the positions as another process parsed them
        self._ends: list[int] | str | None = None  # each line's end (as cached: text)

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

    def unread(self) -> bool:
        """Neither read nor parsed, nor parsed in the cache: its bytes are still needed."""
        return (self._raw is None and not self._parsed and self._content_id is not None
                and self.revision.commit is not None
                and not self._cache.has(CACHE_KIND, self._content_id))

    def unparsed(self) -> bool:
        """Neither parsed nor known to be parsed in the cache."""
        return not self._parsed and self._source is None and not (
            self._content_id is not None and self._cache.has(CACHE_KIND, self._content_id))

    def data(self) -> Any:
        """The record: parsed once, with its positions, and both kept in the cache."""
        if not self._parsed:
            cached = self._cache.get_text(CACHE_KIND, self.content_id)
            if cached is not None:
                self._data, self._marks, self._ends = json.loads(cached)
            else:
                self._parse()
                assert self._source is not None
                if self._cache.folder is None:
                    # nothing reads it back: a file of the same bytes is the same object
                    self._parsed = True
                    return self._data
                ends = ",".join(map(str, self.line_ends()))
                self._cache.put_text(CACHE_KIND, self.content_id, json.dumps(
                    [self._data, pack_marks(self._source.marks), ends], separators=(",", ":")))
            self._parsed = True
        return self._data

    def source(self) -> SourceMap:
        if self._source is None and self._spots is not None:
            self._source = SourceMap(self.path, {path: Mark(line, column) for path, (
                line, column) in self._spots.items()})
            self._spots = None
        if self._source is None and self._marks is not None:
            self._source = SourceMap(self.path, unpack_marks(self._marks))
            self._marks = None
        if self._source is None:
            self._parse()
        assert self._source is not None
        return self._source

    def locate(self, path: KeyPath) -> Mark:
        """`source().locate(path)`, read from the cached positions without building them all
        (a full check points into every file that has a finding)."""
        if self._source is None and self._spots is not None:
            spots = self._spots
            for end in range(len(path), -1, -1):  # as SourceMap.locate
                spot = spots.get(path[:end])
                if spot is not None:
                    return Mark(*spot)
            return Mark(1, 1)
        if self._source is None and self._marks is not None:
            found = packed_locate(self._marks, path)
            if found is not None:
                return found
        return self.source().locate(path)

    def line_ends(self) -> list[int]:
        """regions.line_ends of the file's bytes, from the cache when it was parsed there."""
        if isinstance(self._ends, str):
            self._ends = [int(end) for end in self._ends.split(",")] if self._ends else []
        if self._ends is None:
            self._ends = line_ends(self.raw())
        return self._ends

    def parsed_elsewhere(self, positions: bool = True) -> Parse | None:
        """The parse as another process sends it back (positions as plain pairs, which
        cost a tenth of their parse to send), with the cache's text when there is a cache
        folder; None when it fails (the error is raised when the record is read here).
        Without `positions` (parsed in the process that keeps it), no pairs: the positions
        stay where the parse put them."""
        try:
            self._parse()
        except CharterError:
            return None
        assert self._source is not None
        spots = {path: (mark.line, mark.column) for path, mark in
                 self._source.marks.items()} if positions else None
        text = None
        if self._cache.folder is not None:
            ends = ",".join(map(str, self.line_ends()))
            text = json.dumps([self._data, pack_marks(self._source.marks), ends],
                              separators=(",", ":"))
        return self._data, spots, text

    def take(self, parse: Parse) -> None:
        """Keep a parse made by parsed_elsewhere() (in another process, or in this one
        without positions)."""
        data, spots, text = parse
        assert spots is not None or self._source is not None  # positions: sent or kept
        self._data, self._spots, self._parsed = data, spots, True
        if text is not None:
            self._cache.put_text(CACHE_KIND, self.content_id, text)

    def _parse(self) -> None:
        document = load_yaml_text(self.raw(), self.path)
        what = self.section[:-1]
        if not isinstance(document.data, dict):
            found = "is empty" if document.data is None else "does not hold a mapping"
            raise CharterError.at(
                f"{found}: {self.path} holds the record of {what} `{self.name}` (its fields, "
                f"as under `{self.section}.{self.name}` in {ROOT_FILE})", file=self.path, line=1)
        self._data, self._source = document.data, document.source


def _mark_key(path: Iterable[Any]) -> str:
    return json.dumps(list(path), separators=(",", ":"))


def pack_marks(marks: Mapping[KeyPath, Mark]) -> str:
    """The positions as text, one line per key path: `["a",0]<TAB>line<TAB>column`. A JSON
    key holds no raw tab or newline, so a path's line is found by one search of the text.
    Text marked `!` holds a key of another type (true, 1.5), which a search cannot match
    as a mapping would (True == 1): it is unpacked whole."""
    odd = any(type(part) not in (str, int) for path in marks for part in path)
    return "!" * odd + "".join(f"\n{_mark_key(path)}\t{mark.line}\t{mark.column}"
                   for path, mark in marks.items()) + "\n"


def unpack_marks(packed: str) -> dict[KeyPath, Mark]:
    marks = {}
    for line in packed.lstrip("!").split("\n"):
        if line:
            key, row, column = line.split("\t")
            marks[tuple(json.loads(key))] = Mark(int(row), int(column))
    return marks


def packed_locate(packed: str, path: KeyPath) -> Mark | None:
    """SourceMap.locate on packed positions; None when the path holds a key that the text
    cannot match exactly as a mapping would (only text and whole numbers are written)."""
    if packed.startswith("!") or any(type(part) not in (str, int) for part in path):
        return None
    for end in range(len(path), -1, -1):
        start = packed.find(f"\n{_mark_key(path[:end])}\t")
        if start >= 0:
            row, column = packed[packed.index("\t", start + 1) + 1:
                                 packed.index("\n", start + 1)].split("\t")
            return Mark(int(row), int(column))
    return Mark(1, 1)


Key = tuple[str, str]  # (section, name)
Spots = dict[KeyPath, tuple[int, int]]  # key path -> (line, column)
Parse = tuple[Any, "Spots | None", "str | None"]  # data, positions, the cache's text


Ids = dict[str, dict[str, "str | None"]]  # section -> name -> content id
SectionIds = Mapping[str, "str | None"]  # name -> content id (None: known by reading it)


class _CommitSection(Mapping[str, "str | None"]):
    """The files of one section at a commit: a name is looked up alone (a pull request asks
    about a few), the folder is listed only when it is gone through."""

    def __init__(self, revision: Revision, section: str, listing: _Listing) -> None:
        self._revision = revision
        self._section = section
        self._listing = listing

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        if self._listing.ids is not None:
            return self._listing.ids[self._section].get(name, default)
        present, blob = self._revision.entity_entry(self._section, name)
        return blob if present else default

    def __getitem__(self, name: str) -> str | None:
        if name not in self:
            raise KeyError(name)
        return self.get(name)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        if self._listing.ids is not None:
            return name in self._listing.ids[self._section]
        return self._revision.entity_entry(self._section, name)[0]

    def __iter__(self) -> Iterator[str]:
        return iter(self._listing.all()[self._section])

    def __len__(self) -> int:
        return len(self._listing.all()[self._section])

    def __bool__(self) -> bool:
        if self._listing.ids is not None:
            return bool(self._listing.ids[self._section])
        return self._revision.has_entity_folder(self._section)


class _Listing:
    """Every entity file of a revision, listed (and checked) when first needed."""

    def __init__(self, revision: Revision) -> None:
        self.revision = revision
        self.ids: Ids | None = None

    def all(self) -> Ids:
        if self.ids is None:
            self.ids = _listed_ids(self.revision)
        return self.ids


class _Overlay(Mapping[str, "str | None"]):
    """A section of the working tree: the base's, but for the paths git says changed."""

    def __init__(self, base: SectionIds, changed: dict[str, str | None], gone: set[str]
                 ) -> None:
        self._base = base
        self._changed = changed
        self._gone = gone

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        if name in self._changed:
            return self._changed[name]
        if name in self._gone:
            return default
        return self._base.get(name, default)

    def __getitem__(self, name: str) -> str | None:
        if name not in self:
            raise KeyError(name)
        return self.get(name)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        return name in self._changed or (name not in self._gone and name in self._base)

    def __iter__(self) -> Iterator[str]:
        yield from (n for n in self._base if n not in self._gone and n not in self._changed)
        yield from self._changed

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __bool__(self) -> bool:
        return bool(self._changed) or bool(self._base)


class EntityFiles:
    """The entity files of one revision: their names and content ids, known from git or the
    disk without reading them; each file's record is read when first asked for. A file the
    donor (the base) holds with the same content is the donor's object: parsed at most once.

    Kept as plain dictionaries of strings per section: a split inventory lists tens of
    thousands of files, and a pull request must not pay for building an object per file.
    """

    def __init__(self, revision: Revision, ids: Mapping[str, SectionIds], cache: Cache,
                 donor: EntityFiles | None = None, names_of: EntityFiles | None = None
                 ) -> None:
        self.revision = revision
        self.ids: dict[str, SectionIds] = {  # None: read
            section: ids.get(section, {}) for section in ENTITY_FOLDERS}
        self.records: dict[Key, RecordFile] = {}
        self._cache = cache
        self._donor = donor
        self._names: dict[str, list[str]] = {}  # section -> sorted names
        self._names_of = names_of  # files with the same names, sorted already or when asked
        self.changed: set[Key] | None = None  # when built from the donor: keys that differ

    def changed_since(self, other: EntityFiles) -> set[Key] | None:
        """Keys whose file differs from `other`'s (added, removed, edited or not known),
        when this revision's files were listed as changes to `other`'s; None otherwise."""
        return self.changed if other is self._donor else None

    def __bool__(self) -> bool:
        return any(self.ids.values())

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, tuple) or len(key) != 2:
            return False
        names = self.ids.get(key[0])
        return names is not None and key[1] in names

    def all_keys(self) -> list[Key]:
        return [(section, name) for section in ENTITY_FOLDERS for name in self.names(section)]

    def names(self, section: str) -> list[str]:
        found = self._names.get(section)
        if found is None:
            found = self._names[section] = (self._names_of.names(section) if self._names_of
                                            else sorted(self.ids[section]))
        return found

    def record(self, key: Key) -> RecordFile:
        found = self.records.get(key)
        if found is None:
            section, name = key
            content_id = self.ids[section][name]
            donor = self._donor
            if (donor is not None and content_id is not None
                    and donor.ids[section].get(name) == content_id):
                found = donor.record(key)
            else:
                found = RecordFile(self.revision, section, name, content_id, self._cache)
            self.records[key] = found
        return found

    def content_id(self, key: Key) -> str:
        content_id = self.ids[key[0]][key[1]]
        return content_id if content_id is not None else self.record(key).content_id


def load_entity_files(revision: Revision, cache: Cache, donor: EntityFiles | None
                      ) -> EntityFiles:
    """The entity files of `revision`; a path the layout refuses is an error (fail closed).

    A working tree checked against a base commit starts from the base's files and looks only
    at the paths git reports as changed, and the files of a commit are looked up one by one
    until something goes through them all: a pull request's cost does not grow with the
    inventory."""
    changed = (revision.inventory_changes_since(donor.revision, cache) if donor is not None
               else None)
    if donor is not None and changed is not None:
        edited: dict[str, dict[str, str | None]] = {section: {} for section in ENTITY_FOLDERS}
        gone: dict[str, set[str]] = {section: set() for section in ENTITY_FOLDERS}
        entries = []
        for path in changed:
            entry = classify(path)
            if entry is not None:
                gone[entry.section].add(entry.name)
                if revision.lexists(path):
                    entries.append(entry)
        _refuse([e for e in entries if e.problem])
        for entry in entries:
            gone[entry.section].discard(entry.name)
            edited[entry.section][entry.name] = None
        known = {s: _Overlay(donor.ids[s], edited[s], gone[s]) for s in ENTITY_FOLDERS}
        keys = {(e.section, e.name) for e in map(classify, changed) if e is not None}
        same = all(n in known[s] and n in donor.ids[s] for s, n in keys)  # edits only
        files = EntityFiles(revision, known, cache, donor, donor if same else None)
        files.changed = keys
        return files
    if revision.commit is not None:
        listing = _Listing(revision)
        return EntityFiles(revision, {s: _CommitSection(revision, s, listing)
                                      for s in ENTITY_FOLDERS}, cache, donor)
    return EntityFiles(revision, _listed_ids(revision), cache, donor)


def _listed_ids(revision: Revision) -> Ids:
    """Every entity file of the revision, from one listing; refuses odd paths."""
    plain, odd = revision.entity_files()
    ids: Ids = {section: dict(plain.get(section, {})) for section in ENTITY_FOLDERS}
    for path in odd:
        match = _PLAIN.fullmatch(path)
        if match is not None and not revision.is_link(path):
            ids[_SECTION_OF[match.group(1)]][match.group(2)] = revision.blob_id(path)
    entries = [e for e in map(classify, odd) if e is not None and e.problem]
    _refuse(entries)
    for path in odd:  # links, and files read from the disk: known by reading them
        entry = classify(path)
        if entry is not None and entry.name not in ids[entry.section]:
            ids[entry.section][entry.name] = None
    return ids


def _refuse(refused: list[EntityFile]) -> None:
    if refused:
        raise CharterError([Problem(f"not part of the inventory: {e.problem}", e.path)
                            for e in sorted(refused, key=lambda e: e.path)],
                           summary="files in models/ or datasets/ that Charter would not "
                           "read: rename or move them")


class MergedSection(Mapping[str, Any]):
    """A section (models or datasets): the records written inline in the root, then one per
    file, each parsed when first read."""

    def __init__(self, inline: Mapping[str, Any], section: str, files: EntityFiles) -> None:
        self.inline = inline
        self.section = section
        self.files = files

    @property
    def _own(self) -> list[str]:
        return self.files.names(self.section)

    @functools.cached_property
    def _names(self) -> list[str]:
        return [*self.inline, *self._own]

    def _in_file(self, name: object) -> bool:
        return (self.section, name) in self.files

    def __getitem__(self, name: str) -> Any:
        if self._in_file(name):
            record = self.files.record((self.section, name))
            if "_names" in self.__dict__ and record.unread():  # gone through in order
                self._read_ahead(name)
            return record.data()
        return self.inline[name]

    _AHEAD = 256

    def _read_ahead(self, name: str) -> None:
        """Read the files of the next names too, all at once: whoever goes through every
        record of a commit would otherwise wait on git once per file."""
        if "_index" not in self.__dict__:
            self.__dict__["_index"] = {n: i for i, n in enumerate(self._own)}
        start = self.__dict__["_index"].get(name)
        if start is not None:
            self._read(self._own[start:start + self._AHEAD])

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __bool__(self) -> bool:  # without going through every file
        return bool(self.inline) or bool(self.files.ids[self.section])

    def __contains__(self, name: object) -> bool:
        return self._in_file(name) or name in self.inline

    def digests(self) -> dict[str, str | None]:
        """name -> a hash of the text that defines it (None: not known without parsing).

        Equal hashes mean equal records; different ones mean only "compare the records"."""
        out: dict[str, str | None] = dict.fromkeys(self.inline)
        if isinstance(self.inline, LazySection):
            out.update({n: f"segment:{d}" for n, d in self.inline.lazy_digests.items()})
        section, files = self.section, self.files
        out.update({n: files.content_id((section, n)) for n in self._own})  # git's blob ids
        return out

    def text(self, name: str) -> str | None:
        """The text that defines `name`, None when it is not at hand (parsed whole)."""
        if self._in_file(name):
            return self.files.record((self.section, name)).text()
        return self.inline.text(name) if isinstance(self.inline, LazySection) else None

    def prefetch(self) -> None:
        """Read the bytes of every file at once (one git process per revision read from: a
        file unchanged since the base is read from the base)."""
        self._read(self._own)

    def _read(self, names: list[str]) -> None:
        read_records([self.files.record((self.section, name)) for name in names])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MergedSection):
            mine, theirs = self.digests(), other.digests()
            if mine == theirs and None not in mine.values():
                return True
        return isinstance(other, Mapping) and dict(self.items()) == dict(other.items())

    __hash__ = None  # type: ignore[assignment]


class SplitSourceMap(SourceMap):
    """Positions in the root, and in each entity file for the keys of its record."""

    def __init__(self, root: SourceMap, files: EntityFiles) -> None:
        super().__init__(root.file, root.marks)
        object.__setattr__(self, "_root", root)
        object.__setattr__(self, "_files", files)

    def _record(self, path: KeyPath) -> RecordFile | None:
        files: EntityFiles = object.__getattribute__(self, "_files")
        if len(path) < 2 or (key := (str(path[0]), str(path[1]))) not in files:
            return None
        return files.record(key)

    def locate(self, path: KeyPath) -> Mark:
        record = self._record(path)
        if record is not None:
            return record.locate(path[2:])
        root: SourceMap = object.__getattribute__(self, "_root")
        return root.locate(path)

    def file_of(self, path: KeyPath) -> str:
        record = self._record(path)
        return record.path if record is not None else self.file

    def line_end(self, file: str, line: int) -> int | None:
        """Known for an entity file without reading it again: from its cached parse."""
        match = _PLAIN.fullmatch(file)
        record = self._record((_SECTION_OF[match.group(1)], match.group(2))) if match else None
        if record is None or record.path != file:
            return None
        ends = record.line_ends()
        return ends[line - 1] if 0 < line <= len(ends) else None


def merge_sections(data: dict[str, Any], files: EntityFiles,
                   root_source: SourceMap) -> tuple[dict[str, Any], SplitSourceMap]:
    """The root's data with every section holding its files' records too."""
    merged = dict(data)
    problems: list[Problem] = []
    for section in ENTITY_FOLDERS:
        if not files.ids[section]:
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
        for name in sorted(n for n in inline if (section, n) in files):
            mark = root_source.locate((section, name))
            problems.append(Problem(
                f"{section[:-1]} `{name}` is defined twice: here and in "
                f"{entity_file_path(section, name)}", root_source.file, mark.line, mark.column,
                f"$.{section}.{name}", "keep one of them: the file, or the entry in models.yaml"))
        merged[section] = MergedSection(inline, section, files)
    if problems:
        raise CharterError(problems)
    return merged, SplitSourceMap(root_source, files)


def read_records(records: Iterable[RecordFile]) -> None:
    """Read the bytes of the records not read yet: one git process per revision."""
    by_revision: dict[int, list[RecordFile]] = {}
    for record in records:
        if record._raw is None:
            by_revision.setdefault(id(record.revision), []).append(record)
    for group in by_revision.values():
        found = group[0].revision.read_many([r.path for r in group])
        for record in group:
            record._raw = found.get(record.path)


class Share(Protocol):
    """`share(judge, items)`: judge(items), perhaps shared out between processes."""

    def __call__(self, judge: Callable[[Sequence[Item]], list[Result]],
                 items: Sequence[Item]) -> list[Result]: ...


def parse_shared(files: EntityFiles, share: Share) -> None:
    """Parse every file that neither is parsed nor has its parse in the cache, shared out
    between processes (the parse is a full check's largest cost). The records are the same
    as parsed one by one; a file that fails to parse is left as it is, so that its error is
    raised where it always was, when the record is first read."""
    records = list({id(r): r for r in map(files.record, files.all_keys())}.values())
    # A well-mixed order, so that each process's contiguous share holds large model files
    # and small dataset files alike (as listed, the models would all come first).
    todo = [r for r in records if r.unparsed()]
    todo = [todo[i] for i in sorted(range(len(todo)), key=lambda i: (i * _MIX) % 2**32)]
    read_records(todo)  # before the processes start: one git process reads them all
    parse = functools.partial(_parse_elsewhere, parent=os.getpid())
    for record, parsed in zip(todo, share(parse, todo), strict=True):
        if parsed is not None:
            record.take(parsed)


_MIX = 2654435761  # odd: i -> i * _MIX mod 2**32 permutes the indices


def _parse_elsewhere(records: Sequence[RecordFile], parent: int) -> list[Parse | None]:
    """Each record's parse; positions as pairs only in another process than `parent`, the
    one that keeps the records (its own share keeps the positions its parse made)."""
    positions = os.getpid() != parent
    return [record.parsed_elsewhere(positions) for record in records]


def parse_all(files: EntityFiles) -> None:
    """Parse every file now, so that the first error is reported before anything is judged."""
    for key in files.all_keys():
        files.record(key).data()
