"""Read the governed files from the working tree or from a git revision, by the same interface."""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from charter.errors import CharterError
from charter.layout import (
    ENTITY_FOLDERS,
    ENTITY_SUFFIX,
    LEDGER_FOLDER,
    ROOT_FILE,
    YAML_SUFFIXES,
    classify,
    entity_file_path,
)
from charter.vcs import git
from charter.vcs.cache import Cache

INVENTORY_FILE = ROOT_FILE
POLICY_DIR = "policies"
INVENTORY_PATHS = [INVENTORY_FILE, *ENTITY_FOLDERS.values()]
_ENTITY_PREFIXES = tuple(f"{folder}/" for folder in ENTITY_FOLDERS.values())
_SECTION_OF = {folder: section for section, folder in ENTITY_FOLDERS.items()}
_CACHED = ord("H")  # the tag of `git ls-files -v` for a tracked file git looks at
# One entry of `git ls-tree -z` for a regular file whose path the layout accepts as is.
_PLAIN_ENTRY = re.compile(r"100(?:644|755) blob ([0-9a-f]+)\t(models|datasets)/"
                          r"([a-z0-9][a-z0-9._-]*)\.yaml\0")


def is_policy_file(path: str) -> bool:
    """Top-level YAML files of policies/; subfolders (policy tests) are not rules."""
    if not path.startswith(f"{POLICY_DIR}/"):
        return False  # most paths of a large inventory: decided without building a path
    pure = PurePosixPath(path)
    return pure.parent == PurePosixPath(POLICY_DIR) and pure.suffix in (".yaml", ".yml")


@dataclass
class Revision:
    """The governed files of one revision: `commit` is None for the working tree."""

    root: Path
    commit: str | None
    label: str
    _blobs: dict[str, str] = field(default_factory=dict)
    _links: dict[str, str] = field(default_factory=dict)  # symbolic links at the commit
    # regular, well-named entity files at the commit: section -> name -> blob (the rest of
    # the entity folders, if anything, is in _blobs); None until they are listed: a pull
    # request asks about a few files of a folder that may hold tens of thousands
    _entities: dict[str, dict[str, str]] | None = field(default_factory=dict)
    _looked_up: dict[str, tuple[str, str] | None] = field(default_factory=dict, compare=False)
    _reader: tuple[int, git.BlobReader] | None = field(default=None, repr=False,
                                                       compare=False)
    _reading: threading.Lock = field(default_factory=threading.Lock, repr=False,
                                     compare=False)
    _scan: tuple[str, git.Started, git.Started | None] | None = field(
        default=None, repr=False, compare=False)
    _changed: dict[str, frozenset[str]] = field(default_factory=dict, repr=False,
                                                compare=False)
    # base -> path -> git's raw diff entry (":old_mode new_mode old_id new_id status")
    _entries: dict[str, dict[str, bytes]] = field(default_factory=dict, repr=False,
                                                  compare=False)
    _present: dict[str, bool] = field(default_factory=dict, repr=False, compare=False)
    # folder -> the working tree's files there that git does not track (from the scan)
    _untracked: dict[str, set[str]] = field(default_factory=dict, repr=False, compare=False)
    _links_listed: bool = field(default=False, repr=False, compare=False)  # inventory's

    def changed_since(self, base: str) -> frozenset[str]:
        """Every file that differs between commit `base` and this revision, asked of git once
        per revision (a working tree is read as it was at the first question: one gate run
        judges one state of it)."""
        if base not in self._changed:
            self._changed[base] = frozenset(self.changed_entries(base))
        return self._changed[base]

    def changed_entries(self, base: str) -> dict[str, bytes]:
        """`changed_since`, with git's raw diff entry of each path (":old_mode new_mode
        old_id new_id status"; a working tree's new id is zeros): one whole-tree diff per
        base and revision, shared by every question about the change."""
        if base not in self._entries:
            result = git.run_git(self.root, self._diff_args(base))
            self._entries[base] = _raw_entries(result.stdout)
        return self._entries[base]

    def _diff_args(self, base: str) -> list[str]:
        # `git diff` rather than `git diff-tree`: the plumbing reads the whole index first
        return ["diff", "--raw", "-z", "--no-abbrev", "--no-renames", *git.DIFF_EVERYTHING,
                base, *([self.commit] if self.commit else [])]

    @classmethod
    def worktree(cls, root: Path) -> Revision:
        return cls(root, None, "working tree")

    @classmethod
    def at(cls, root: Path, ref: str, label: str | None = None) -> Revision:
        commit = git.resolve_commit(root, ref)
        if commit is None:
            hint = " (the clone may be shallow: fetch with fetch-depth: 0)" if git.is_shallow(
                root) else ""
            raise CharterError.at(f"git revision {ref!r} does not exist{hint}")
        if label is None:
            label = ref if commit.startswith(ref) else f"{ref} ({commit[:10]})"
        revision = cls(root, commit, label)
        revision._blobs, revision._links = _list_blobs(root, commit, [INVENTORY_FILE,
                                                                       POLICY_DIR])
        revision._entities = None
        return revision

    def _listed_entities(self) -> dict[str, dict[str, str]]:
        """The entity folders at the commit, listed on first use."""
        if self._entities is None:
            assert self.commit is not None
            self._entities, odd = _list_entities(self.root, self.commit)
            self._blobs.update(odd[0])
            self._links.update(odd[1])
        return self._entities

    def entity_entry(self, section: str, name: str) -> tuple[bool, str | None]:
        """Whether `name` has a file in `section` at the commit, and its blob when it is a
        regular file (None: a link, known by reading it). A plain file, or none, is looked up
        alone: a pull request asks about a few files of folders that may hold many."""
        path = entity_file_path(section, name)
        if self._entities is None:
            found = self._lookup(path)
            if found is None:
                return False, None
            if found[0] in _PLAIN_MODES:
                return True, found[1]
        plain = self._listed_entities().get(section, {}).get(name)
        if plain is not None:
            return True, plain
        return path in self._blobs, None

    def _lookup(self, path: str) -> tuple[str, str] | None:
        assert self.commit is not None
        if path not in self._looked_up:
            self._looked_up[path] = _tree_entry(self.root, self.commit, path)
        return self._looked_up[path]

    def has_entity_folder(self, section: str) -> bool:
        """Whether the section's folder holds anything at the commit (a cheap answer; the
        folder may still hold no entity file)."""
        if self._entities is not None:
            return bool(self._entities.get(section)) or any(
                p.startswith(f"{ENTITY_FOLDERS[section]}/") for p in self._blobs)
        return self._lookup(ENTITY_FOLDERS[section]) is not None

    def policy_files(self) -> list[str]:
        if self.commit is not None:
            return sorted(p for p in self._blobs if is_policy_file(p))
        folder = self.root / POLICY_DIR
        if not folder.is_dir():
            return []
        # everything with a policy name, so a directory or a dangling link is refused, not skipped
        return sorted(f"{POLICY_DIR}/{p.name}" for p in folder.iterdir()
                      if is_policy_file(f"{POLICY_DIR}/{p.name}"))

    def entity_files(self) -> tuple[dict[str, dict[str, str | None]], list[str]]:
        """The files of the entity folders of a split inventory (models/, datasets/):
        section -> name -> blob id (None: known only by reading it) of the well-named
        regular files, and the paths of every other YAML file there, so that the loader can
        name what is wrong with them."""
        if self.commit is not None:
            plain: dict[str, dict[str, str | None]] = {
                section: dict(names) for section, names in self._listed_entities().items()}
            return plain, sorted(p for p in self._blobs if p.startswith(_ENTITY_PREFIXES))
        found: list[str] = []
        for folder in ENTITY_FOLDERS.values():
            _walk(self.root, folder, found)
        return {}, sorted(found)

    def inventory_files(self) -> list[str]:
        """models.yaml and the YAML files of the entity folders: what the inventory is read
        from, e.g. for a report's list of input hashes."""
        plain, odd = self.entity_files()
        paths = [entity_file_path(section, name) for section, names in plain.items()
                 for name in names]
        return [INVENTORY_FILE, *sorted(paths + odd)]

    def files_under(self, *folders: str) -> list[str]:
        """Every file under the folders (or the files themselves), links included, in order;
        at a commit they become readable. Only what is asked for is listed: a pull request
        reads a few folders of a ledger that may hold thousands of files."""
        if not folders:
            return []
        if self.commit is None:
            found: list[str] = []
            for folder in folders:
                if os.path.islink(self.root / folder) or (self.root / folder).is_file():
                    found.append(folder)
                else:
                    _walk_all(self.root, folder, found)
            return sorted(set(found))
        blobs, links = _list_blobs(self.root, self.commit, list(folders))
        self._blobs.update(blobs)
        self._links.update(links)
        return sorted(blobs)

    def is_link(self, path: str) -> bool:
        """A symbolic link at the commit: what it holds can change while it does not."""
        if self._entities is None and path.startswith(_ENTITY_PREFIXES):
            self._listed_entities()
        return path in self._links

    def start_inventory_scan(self, base: Revision) -> None:
        """Start the git processes `inventory_changes_since(base)` will read, so that they
        look at the working tree's files while the caller does other work."""
        if base.commit is None or base.root != self.root:
            return
        if self._scan is None or self._scan[0] != base.commit:
            # every file, not only the inventory's: the gate asks `changed_since` as well,
            # and git compares the trees (or looks at every file of the working tree) once
            diff = git.start_git(self.root, self._diff_args(base.commit))
            # the ledger's folder too: the gate asks which of its files git does not track
            listing = None if self.commit is not None else git.start_git(self.root, [
                "ls-files", "-z", "-v", "--cached", "--others", "--", *_SCANNED])
            self._scan = (base.commit, diff, listing)

    def inventory_changes_since(self, base: Revision, cache: Cache | None = None
                                ) -> set[str] | None:
        """Inventory paths whose content may differ from `base`'s (added, removed or edited);
        None when that cannot be known without reading everything.

        Both answers start from git's diff of the whole tree against `base` (kept for
        `changed_since`), and add every symbolic link and submodule of the base's inventory
        (what a link leads to can change while it does not; a link or submodule of this
        revision that the diff does not name is the base's, unchanged). The base's are found
        in its entity folders' tree objects, asked once per tree (`cache` keeps the answer):
        a tree without the bytes of such a mode holds none. A working tree adds what git's
        diff cannot see: untracked files, and files git was told not to look at
        (assume-unchanged, skip-worktree), from one listing of the index. The diff (and the
        listing) is the one cost that grows with the inventory; they run from
        `start_inventory_scan` on, at once."""
        self.start_inventory_scan(base)
        if self._scan is None:
            return None
        against, diff, listing = self._scan
        self._scan = None
        listed, listed_code = b"", 0
        if listing is not None:
            listed, listed_code = listing.result()
        out, code = diff.result()
        if code != 0 or listed_code != 0:
            return None
        entries = _raw_entries(out)
        self._entries.setdefault(against, entries)  # the same state of the tree
        self._changed.setdefault(against, frozenset(entries))
        inventory = {p: entry for p, entry in entries.items() if _in_inventory(p)}
        base._known_entries(inventory, old=True)
        odd = base.inventory_odd_entries(cache)
        if self.commit is not None:
            self._known_entries(inventory, old=False)
            self._links_from(odd, inventory)
            return set(inventory) | set(odd)
        unusual = _unusual_entries(listed)
        self._untracked[LEDGER_FOLDER] = {p for p, tag in unusual.items()
                                          if tag == b"? " and _in_ledger(p)}
        return (set(inventory) | {p for p in unusual if _in_inventory(p)} | set(odd)
                | set(base._links))

    def untracked(self, folder: str) -> set[str]:
        """The working tree's files under `folder` that git does not track, ignored ones
        included: git's diff never names them."""
        assert self.commit is None
        if folder not in self._untracked:
            result = git.run_git(self.root, ["ls-files", "-z", "--others", "--", folder])
            self._untracked[folder] = {p.decode(errors="surrogateescape")
                                       for p in result.stdout.split(b"\0") if p}
        return self._untracked[folder]

    def _known_entries(self, entries: dict[str, bytes], old: bool) -> None:
        """What a raw diff tells of this revision's entries (the old side or the new): the
        mode and object of each path it names, as `_lookup` would find them. A path missing
        on this side may be a folder here: left to be looked up."""
        assert self.commit is not None
        for path, meta in entries.items():
            fields = meta[1:].split(b" ")
            mode, blob = (fields[0], fields[2]) if old else (fields[1], fields[3])
            if mode != b"000000":
                self._looked_up.setdefault(path, (mode.decode(), blob.decode()))
                self._present.setdefault(path, True)

    def _links_from(self, base_odd: dict[str, tuple[str, str]],
                    changed: dict[str, bytes]) -> None:
        """This commit's links and submodules in the inventory: the base's where the diff
        names nothing, and what the diff gives for the paths it names."""
        odd = {p: e for p, e in base_odd.items() if p not in changed}
        for path in changed:
            found = self._looked_up.get(path)
            if found is not None and found[0] not in _PLAIN_MODES:
                odd[path] = found
        for path, (mode, blob) in odd.items():
            if mode == git.SYMLINK_MODE:
                self._blobs[path] = blob
                self._links[path] = blob
        self._links_listed = True

    def inventory_odd_entries(self, cache: Cache | None = None) -> dict[str, tuple[str, str]]:
        """path -> (mode, object) of every entry of the commit's inventory (models.yaml and
        the entity folders, at any depth) that is neither a regular file nor a folder:
        symbolic links and submodules. Read from the tree objects, without listing them: a
        tree whose bytes hold no link, submodule or subfolder mode has none (the common case,
        decided in C); only one that does is listed. Per tree, `cache` keeps the answer."""
        assert self.commit is not None
        memory = cache or Cache(None)
        found: dict[str, tuple[str, str]] = {}
        top = {name: (mode, oid) for mode, name, oid in self._tree_items(
            f"{self.commit}^{{tree}}") if name in INVENTORY_PATHS}
        for name in INVENTORY_PATHS:  # what `_lookup` would find: the root tree is read
            self._looked_up.setdefault(name, top.get(name))
        for name, (mode, oid) in top.items():
            if mode == _TREE_MODE and name != INVENTORY_FILE:
                found.update({f"{name}/{path}": entry for path, entry in
                              self._odd_in_tree(oid, memory).items()})
            elif mode not in _PLAIN_MODES:
                found[name] = (mode, oid)
        return found

    def _odd_in_tree(self, tree: str, cache: Cache) -> dict[str, tuple[str, str]]:
        known = cache.get(_ODD_KIND, tree)
        if isinstance(known, dict):
            return {path: (entry[0], entry[1]) for path, entry in known.items()}
        data = self._tree_bytes(tree)
        found: dict[str, tuple[str, str]] = {}
        if any(mode in data for mode in _ODD_MODE_BYTES):  # perhaps: listed to know
            listing = git.run_git(self.root, ["ls-tree", "-r", "-z", "--full-tree", tree])
            for item in _odd_tree_entries(listing.stdout):
                meta, _, raw_path = item.partition(b"\t")
                mode, _, oid = meta.decode().split(" ")
                found[raw_path.decode(errors="surrogateescape")] = (mode, oid)
        if len(data) >= _CACHED_TREE:
            cache.put(_ODD_KIND, tree, {path: list(entry) for path, entry in found.items()})
        return found

    def _tree_items(self, tree: str) -> list[tuple[str, str, str]]:
        """(mode, name, object id) of each entry of one tree object (not recursive)."""
        data = self._tree_bytes(tree)
        size = len(self.commit or "") // 2  # 20 bytes (SHA-1) or 32 (SHA-256)
        items = []
        at = 0
        while at < len(data):
            space = data.index(b" ", at)
            end = data.index(b"\0", space)
            items.append((data[at:space].decode(), data[space + 1:end].decode(
                errors="surrogateescape"), data[end + 1:end + 1 + size].hex()))
            at = end + 1 + size
        return [(mode.zfill(6), name, oid) for mode, name, oid in items]

    def _tree_bytes(self, tree: str) -> bytes:
        with self._reading:
            data = self._blob_reader().read(tree)
        if data is None:
            raise git.GitError.at(f"git object {tree} is missing from the repository")
        return data

    def lexists(self, path: str) -> bool:
        """Whether the revision has an entry at `path` (a link counts, whatever it leads to)."""
        if self.commit is None:
            return os.path.lexists(self.root / path)
        if path not in self._present:
            self._present[path] = self._lookup(path) is not None
        return self._present[path]

    def blob_id(self, path: str) -> str | None:
        """The blob id recorded at the commit for `path`, without following links."""
        return None if path in self._links else self._blob(path)

    def _blob(self, path: str) -> str | None:
        found = self._blobs.get(path)
        if found is not None or not path.startswith(_ENTITY_PREFIXES):
            return found
        if self._entities is None:
            entry = classify(path)
            if entry is not None and entry.problem is None and entry.path == path:
                looked = self._lookup(path)
                if looked is None or looked[0] in _PLAIN_MODES:
                    return None if looked is None else looked[1]
            self._listed_entities()  # a link or an odd path: what git lists decides
            found = self._blobs.get(path)
            if found is not None:
                return found
        folder, _, rest = path.partition("/")
        names = (self._entities or {}).get(_SECTION_OF.get(folder, ""))
        if names is not None and rest.endswith(ENTITY_SUFFIX):
            found = names.get(rest[:-len(ENTITY_SUFFIX)])
        return found

    def read_many(self, paths: list[str]) -> dict[str, bytes]:
        """The bytes of many files at once (one git process at a commit)."""
        if self.commit is None or any(p in self._links for p in paths):
            return {p: data for p in paths if (data := self.read(p)) is not None}
        blobs = {p: b for p in paths if (b := self._blob(p)) is not None}
        with self._reading:
            reader = self._blob_reader()
            reader.prefetch(list(blobs.values()))  # asked all at once: one round trip
            found = {path: reader.read_next() for path in blobs}
        return {path: data for path, data in found.items() if data is not None}

    def _blob_reader(self) -> git.BlobReader:
        if self._reader is None or self._reader[0] != os.getpid():
            reader = git.BlobReader(self.root)
            weakref.finalize(self, reader.close)
            self._reader = (os.getpid(), reader)
        return self._reader[1]

    def _read_blob(self, blob: str) -> bytes:
        """A blob's bytes, through one `git cat-file --batch` per revision and process (a
        process forked from this one opens its own: the pipes are not its to share)."""
        with self._reading:
            data = self._blob_reader().read(blob)
        if data is None:
            raise git.GitError.at(f"git object {blob} is missing from the repository")
        return data

    def read(self, path: str) -> bytes | None:
        """The file's bytes; None when it does not exist. A file that exists but cannot be
        used (a link leading outside the repository, a directory, no permission) is an error:
        skipping it would judge a change by fewer rules than its authors wrote."""
        if self.commit is not None:
            blob = self._resolve_blob(path)
            return None if blob is None else self._read_blob(blob)
        link = self.root / path
        if not os.path.lexists(link):
            return None
        target = self._followed(path)
        if not target.exists():
            raise CharterError.at(f"a symbolic link to {os.readlink(link)}, which does not "
                                  "exist", file=path)
        if not target.is_file():
            raise CharterError.at("not a regular file", file=path)
        try:
            return target.read_bytes()
        except OSError as exc:
            raise CharterError.at(f"cannot read: {exc.strerror}", file=path) from None

    def _resolve_blob(self, path: str) -> str | None:
        """The blob holding the file at `path`, following symbolic links inside the tree."""
        found = self._resolve(path)
        return None if found is None else found[1]

    def real_path(self, path: str) -> str:
        """The path of the file that holds `path`'s lines: itself, or where its symbolic
        links lead inside the repository (git blames a link's own text otherwise)."""
        if self.commit is not None:
            if (self._entities is None and not self._links_listed
                    and path.startswith(_ENTITY_PREFIXES)):
                entry = self._lookup(path)  # a pull request's few files: not the whole folder
                linked = entry is not None and entry[0] == git.SYMLINK_MODE
            else:
                linked = path in self._links
            found = self._resolve(path) if linked else None
            return path if found is None else found[0]
        if not os.path.islink(self.root / path):
            return path
        return self._followed(path).relative_to(self.root.resolve()).as_posix()

    def _followed(self, path: str) -> Path:
        """Where the working tree's `path` leads, refused outside the repository."""
        try:
            return _inside(self.root, path, (self.root / path).resolve())
        except RuntimeError:  # Path.resolve on a loop of links
            raise CharterError.at("a cycle of symbolic links", file=path) from None

    def _resolve(self, path: str) -> tuple[str, str] | None:
        """(path, blob) of the file holding `path` at the commit, following links."""
        assert self.commit is not None
        blob = self._blob(path)
        if blob is None:
            return None
        where, seen = path, {path}
        while where in self._links:
            link_target = self._read_blob(self._links[where]).decode(
                errors="surrogateescape")
            where = _follow(path, where, link_target)
            if where in seen:
                raise CharterError.at("a cycle of symbolic links", file=path)
            seen.add(where)
            entry = git.tree_entry(self.root, self.commit, where)
            if entry is None or entry.kind != "blob":
                what = "does not exist" if entry is None else "is not a regular file"
                raise CharterError.at(f"a symbolic link to {link_target}, which {what} at "
                                      f"commit {self.commit[:10]}", file=path)
            blob = entry.blob
            if entry.is_symlink:
                self._links[where] = blob
        return where, blob

    def content_id(self, path: str) -> str | None:
        """A content hash that names the file's bytes (git's blob id at a commit)."""
        if self.commit is not None:
            return self._resolve_blob(path)
        data = self.read(path)
        return None if data is None else hashlib.sha1(
            b"blob %d\0" % len(data) + data).hexdigest()


_SCANNED = (*INVENTORY_PATHS, LEDGER_FOLDER)


def _in_ledger(path: str) -> bool:
    return path == LEDGER_FOLDER or path.startswith(f"{LEDGER_FOLDER}/")


def _in_inventory(path: str) -> bool:
    """What the pathspec `-- models.yaml models datasets` keeps."""
    return path in INVENTORY_PATHS or path.startswith(_ENTITY_PREFIXES)


def _raw_entries(raw: bytes) -> dict[str, bytes]:
    """path -> ":old_mode new_mode old_id new_id status" of `git diff --raw -z` output."""
    items = raw.split(b"\0")
    return {path.decode(errors="surrogateescape"): meta
            for meta, path in zip(items[0::2], items[1::2], strict=False)
            if meta.startswith(b":")}


_TREE_MODE = "040000"
_ODD_KIND = "odd-entries"  # the cache's: tree id -> its links and submodules, at any depth
# The modes of a link, a submodule and a subfolder as a tree object spells them ("40000",
# without the leading zero): a tree whose bytes hold none of these holds no such entry.
_ODD_MODE_BYTES = (b"120000 ", b"160000 ", b"40000 ")
_CACHED_TREE = 1 << 16  # bytes (about 1,500 entries): a smaller tree is read as fast


def _list_blobs(root: Path, commit: str, paths: list[str]
                ) -> tuple[dict[str, str], dict[str, str]]:
    """path -> blob id of the files under `paths` at `commit`, and the symbolic links among
    them."""
    result = git.run_git(root, ["ls-tree", "-r", "-z", "--full-tree", commit, "--", *paths])
    return _blob_entries(result.stdout.split(b"\0"))


_PLAIN_MODES = ("100644", "100755")


def _tree_entry(root: Path, commit: str, path: str) -> tuple[str, str] | None:
    """(mode, object id) of the entry at exactly `path` at `commit`, or None."""
    result = git.run_git(root, ["ls-tree", "-z", "--full-tree", commit, "--", path])
    for item in result.stdout.split(b"\0"):
        meta, _, found = item.partition(b"\t")
        if found.decode(errors="surrogateescape") == path:
            mode, _, blob = meta.decode().split(" ")
            return mode, blob
    return None


def _list_entities(root: Path, commit: str) -> tuple[dict[str, dict[str, str]],
                                                     tuple[dict[str, str], dict[str, str]]]:
    """The entity folders at `commit`: section -> name -> blob of the well-named regular
    files, read by one scan of git's listing (a split inventory holds many), and the other
    entries as _list_blobs gives them."""
    result = git.run_git(root, ["ls-tree", "-r", "-z", "--full-tree", commit, "--",
                                *ENTITY_FOLDERS.values()])
    out = result.stdout
    listing = out.decode(errors="surrogateescape")  # once: names need no decoding each
    found = _PLAIN_ENTRY.findall(listing)
    # The matches cover the whole listing only if every entry is plain (each match is one
    # whole entry then): "100644 blob " + blob + "\t" + folder + "/" + name + ".yaml\0".
    covered = sum(len(blob) + len(folder) + len(name) for blob, folder, name in found)
    if covered + 20 * len(found) == len(listing):
        plain: dict[str, dict[str, str]] = {section: {} for section in ENTITY_FOLDERS}
        for blob, folder, name in found:
            plain[_SECTION_OF[folder]][name] = blob
        return plain, ({}, {})
    plain = {section: {} for section in ENTITY_FOLDERS}
    odd: list[bytes] = []
    for item in out.split(b"\0"):
        entry = _PLAIN_ENTRY.fullmatch(item.decode(errors="surrogateescape") + "\0")
        if entry is not None:
            blob, folder, name = entry.groups()
            plain[_SECTION_OF[folder]][name] = blob
        elif item:
            odd.append(item)
    return plain, _blob_entries(odd)


def _blob_entries(items: list[bytes]) -> tuple[dict[str, str], dict[str, str]]:
    blobs: dict[str, str] = {}
    links: dict[str, str] = {}
    for item in items:
        meta, _, raw_path = item.partition(b"\t")
        if meta[7:11] != b"blob":  # "<mode> blob <id>": trees and submodules are not files
            continue
        path, blob = raw_path.decode(errors="surrogateescape"), meta[12:].decode()
        blobs[path] = blob
        if meta[:6] == git.SYMLINK_MODE.encode():
            links[path] = blob
    return blobs, links


def _unusual_entries(listing: bytes) -> dict[str, bytes]:
    """path -> tag of the entries of `git ls-files -z -v --cached --others` that are not
    tracked files git looks at ("H "): untracked ("? "), skipped ("S ", or lower case:
    assume-unchanged), unmerged."""
    entries = listing.count(b"\0")
    usual = listing.startswith(b"H ") + listing.count(b"\0H ")
    if usual == entries:  # the common case, decided without a Python step per file
        return {}
    return {item[2:].decode(errors="surrogateescape"): item[:2]
            for item in listing.split(b"\0") if item and not item.startswith(b"H ")}


_REGULAR = (b"100644 blob ", b"100755 blob ")  # `ls-tree`: a regular file


def _odd_tree_entries(listing: bytes) -> list[bytes]:
    """The entries of a `git ls-tree -r -z` listing that are not regular files: symbolic
    links and submodules."""
    entries = listing.count(b"\0")
    regular = sum(listing.startswith(tag) + listing.count(b"\0" + tag) for tag in _REGULAR)
    if regular == entries:  # the common case, decided without a Python step per file
        return []
    return [item for item in listing.split(b"\0") if item and not item.startswith(_REGULAR)]


def _walk(root: Path, folder: str, found: list[str]) -> None:
    try:
        children = list(os.scandir(root / folder))
    except (FileNotFoundError, NotADirectoryError):
        return
    except OSError as exc:
        raise CharterError.at(f"cannot list: {exc.strerror}", file=folder) from None
    for child in children:
        path = f"{folder}/{child.name}"
        if child.is_dir(follow_symlinks=False):
            _walk(root, path, found)
        elif child.name.lower().endswith(YAML_SUFFIXES):
            found.append(path)


def _walk_all(root: Path, folder: str, found: list[str]) -> None:
    try:
        children = list(os.scandir(root / folder))
    except (FileNotFoundError, NotADirectoryError):
        return
    except OSError as exc:
        raise CharterError.at(f"cannot list: {exc.strerror}", file=folder) from None
    for child in children:
        path = f"{folder}/{child.name}"
        if child.is_dir(follow_symlinks=False):
            _walk_all(root, path, found)
        else:
            found.append(path)


def _inside(root: Path, path: str, target: Path) -> Path:
    if not target.is_relative_to(root.resolve()):
        raise CharterError.at(f"a symbolic link to {target}, outside the repository: refused "
                              "(Charter reads only files inside the repository)", file=path)
    return target


def _follow(path: str, link: str, target: str) -> str:
    """Where a committed symbolic link at `link` leads, as a path inside the repository."""
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(link), target))
    if posixpath.isabs(target) or joined == ".." or joined.startswith("../"):
        raise CharterError.at(f"a symbolic link to {target}, outside the repository: refused "
                              "(Charter reads only files inside the repository)", file=path)
    return joined
