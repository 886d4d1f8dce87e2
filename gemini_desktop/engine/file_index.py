"""The files and folders of a working folder, for the @ picker: gemini's own view of the folder, fast to search.

Qt-free and thread-safe: a scan runs off the UI thread (`FileIndexCache` starts it) while queries read the
latest published snapshot, so the picker shows results from the first folders scanned on, long before a big
tree is done. It lives in the engine because it mirrors what gemini itself reads: `.gitignore` files (nested
ones too, deepest rule wins) and `.geminiignore`, with `.git` never listed; hidden and ignored entries only when
asked for (an index of their own).

Refreshing is incremental: only folders whose mtime changed (an entry added, removed or renamed) or whose ignore
files changed are listed again. A query is a few scans over two joined strings in C (`str.find` and `re`), not
a Python loop over 100,000 paths: the entries are sorted shortest first, so each ranking tier can stop as soon as
it has enough, and the shortest matches come first within a tier.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import os
import re
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

log = logging.getLogger(__name__)

IGNORE_FILES = (".gitignore", ".geminiignore")
NEVER_LISTED = frozenset({".git"})
FIRST_PUBLISH = 1000  # entries scanned before the first snapshot; then each snapshot is 4x bigger
WORD_SEPARATORS = "/_-. "
DIRECT_CHECK = 4000  # up to this many entries holding every character of a query are ranked one by one


@dataclass(frozen=True)
class Match:
    path: str
    """Relative to the indexed folder, with "/" separators; a folder's path ends with "/"."""
    tier: int
    """0 the name starts with the query, 1 a word of the path does, 2 the path contains it, 3 the name has its
    letters in order, 4 the path has them in order (across folders)."""

    @property
    def is_folder(self) -> bool:
        return self.path.endswith("/")


class _Rules:
    """One folder's ignore rules: pathspec decides (gitignore semantics), behind one combined regex that tells
    in a single step that no rule concerns a path, which is the answer for most paths."""

    def __init__(self, lines: list[str]) -> None:
        self.spec = pathspec.GitIgnoreSpec.from_lines(lines)
        expressions = [_NAMED_GROUP.sub("(?:", pattern.regex.pattern) for pattern in self.spec.patterns
                       if getattr(pattern, "include", None) is not None and getattr(pattern, "regex", None)]
        self._any = re.compile("|".join(f"(?:{expression})" for expression in expressions)) if expressions else None

    def verdict(self, relative: str) -> bool | None:
        """True ignored, False re-included by a negation, None no rule for it."""
        if self._any is None or not self._any.search(relative):
            return None
        return self.spec.check_file(relative).include


_NAMED_GROUP = re.compile(r"\(\?P<\w+>")


@dataclass
class _Folder:
    mtime_ns: int
    files: list[str] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)
    rules: _Rules | None = None
    rule_stamps: tuple[tuple[str, int], ...] = ()  # (ignore file name, mtime_ns) of the ignore files it has


@dataclass(frozen=True)
class _Snapshot:
    """Entries sorted shortest first; their lower-case paths and names joined by newlines, for scans in C; and
    for each character, the set of entries containing it (a big int, entry i = bit count-1-i), so a query can
    rule out at once every entry lacking one of its characters."""

    entries: tuple[str, ...] = ()
    lowered: tuple[str, ...] = ()
    paths: str = "\n"
    path_starts: tuple[int, ...] = ()
    names: str = "\n"
    name_starts: tuple[int, ...] = ()
    having: dict[str, int] = field(default_factory=dict)
    in_names: dict[str, int] = field(default_factory=dict)  # how often each character occurs in the names

    @classmethod
    def of(cls, entries: list[str]) -> _Snapshot:
        entries.sort(key=lambda entry: (len(entry), entry))
        lowered = [entry.lower().replace("\n", " ") for entry in entries]  # a line break in a name: one line still
        names = [entry.rstrip("/").rsplit("/", 1)[-1] for entry in lowered]
        paths = "\n" + "\n".join(lowered)
        joined_names = "\n" + "\n".join(names)
        having = {char: int(bytes([char in line for line in lowered]).translate(_AS_BINARY_DIGITS), 2)
                  for char in set(paths) - {"\n"}}
        return cls(tuple(entries), tuple(lowered), paths, _line_starts(lowered), joined_names, _line_starts(names),
                   having, dict(Counter(joined_names)))

    def containing(self, needle: str) -> int:
        """The entries holding every character of `needle`, as a bit set (see `lines_in`)."""
        found = (1 << len(self.entries)) - 1
        for char in set(needle):
            found &= self.having.get(char, 0)
        return found

    def lines_in(self, bits: int) -> list[int]:
        digits = format(bits, f"0{len(self.entries)}b")
        lines, position = [], digits.find("1")
        while position >= 0:
            lines.append(position)
            position = digits.find("1", position + 1)
        return lines


_AS_BINARY_DIGITS = bytes.maketrans(b"\x00\x01", b"01")


def _line_starts(lines: list[str]) -> tuple[int, ...]:
    """Where each line starts in "\\n" + "\\n".join(lines)."""
    return tuple(itertools.accumulate((len(line) + 1 for line in lines[:-1]), initial=1)) if lines else ()


class FileIndex:
    """One folder's entries. `build` and `refresh` do the I/O (call them off the UI thread); `query` is cheap."""

    def __init__(self, root: Path, *, include_hidden: bool = False, include_ignored: bool = False) -> None:
        self.root = Path(root)
        self.include_hidden = include_hidden
        self.include_ignored = include_ignored
        self._folders: dict[str, _Folder] = {}
        self._snapshot = _Snapshot()
        self._scan_lock = threading.Lock()
        self.ready = False
        """True once a whole scan has finished (before that, queries see the part scanned so far)."""
        self.on_update: Callable[[FileIndex], None] | None = None
        """Called (on the scanning thread) after each new snapshot, so a picker can query again."""

    @property
    def entry_count(self) -> int:
        return len(self._snapshot.entries)

    # ----- scanning -----------------------------------------------------------------------------------------

    def build(self, should_stop: Callable[[], bool] = lambda: False) -> None:
        """Scan the whole folder, breadth first, publishing snapshots as it goes (nearest entries first)."""
        with self._scan_lock:
            self._folders = {}
            next_publish = FIRST_PUBLISH
            count = 0
            pending: deque[str] = deque([""])
            while pending and not should_stop():
                relative = pending.popleft()
                folder = self._list(relative)
                if folder is None:
                    continue
                self._folders[relative] = folder
                pending.extend(relative + name + "/" for name in folder.folders)
                count += len(folder.files) + len(folder.folders)
                if count >= next_publish:
                    self._publish()
                    next_publish = count * 4
            self._publish()
            self.ready = not pending

    def refresh(self) -> bool:
        """List again only the folders that changed since they were scanned; True when something did."""
        if not self.ready:
            self.build()
            return True
        with self._scan_lock:
            changed = False
            for relative in sorted(self._folders, key=len):
                folder = self._folders.get(relative)
                if folder is None:
                    continue  # dropped with a changed parent just now
                if self._rules_changed(relative, folder):
                    self._drop(relative)
                    self._scan_tree(relative)  # the rules below it changed: everything under it may have
                    changed = True
                    continue
                try:
                    mtime_ns = os.stat(self._absolute(relative)).st_mtime_ns
                except OSError:
                    mtime_ns = None
                if mtime_ns == folder.mtime_ns:
                    continue
                changed = True
                fresh = self._list(relative) if mtime_ns is not None else None
                if fresh is None or fresh.rule_stamps != folder.rule_stamps:
                    self._drop(relative)  # gone, or its ignore files came or went: the rules below it changed
                    if fresh is not None:
                        self._scan_tree(relative)
                    continue
                self._folders[relative] = fresh
                for gone in set(folder.folders) - set(fresh.folders):
                    self._drop(relative + gone + "/")
                for new in set(fresh.folders) - set(folder.folders):
                    self._scan_tree(relative + new + "/")
            if changed:
                self._publish()
            return changed

    def _scan_tree(self, relative: str) -> None:
        pending: deque[str] = deque([relative])
        while pending:
            current = pending.popleft()
            folder = self._list(current)
            if folder is not None:
                self._folders[current] = folder
                pending.extend(current + name + "/" for name in folder.folders)

    def _drop(self, relative: str) -> None:
        for key in [key for key in self._folders if key.startswith(relative)]:
            del self._folders[key]

    def _rules_changed(self, relative: str, folder: _Folder) -> bool:
        for name, mtime_ns in folder.rule_stamps:
            try:
                if os.stat(self._absolute(relative) / name).st_mtime_ns != mtime_ns:
                    return True
            except OSError:
                return True
        return False

    def _absolute(self, relative: str) -> Path:
        return self.root / relative if relative else self.root

    def _list(self, relative: str) -> _Folder | None:
        """One folder's visible entries (its own ignore files read first), or None when it cannot be read."""
        path = self._absolute(relative)
        try:
            mtime_ns = os.stat(path).st_mtime_ns
            with os.scandir(path) as listing:
                entries = [(entry.name, entry.is_dir(follow_symlinks=False)) for entry in listing]
        except OSError as exc:
            log.debug("file index: cannot list %s: %s", path, exc)
            return None
        folder = _Folder(mtime_ns)
        self._read_rules(path, folder, {name for name, _ in entries})
        chain = self._rule_chain(relative, folder)
        for name, is_folder in entries:
            if name in NEVER_LISTED or (not self.include_hidden and name.startswith(".")):
                continue
            if not self.include_ignored and _ignored(chain, relative + name + ("/" if is_folder else "")):
                continue
            (folder.folders if is_folder else folder.files).append(name)
        return folder

    def _read_rules(self, path: Path, folder: _Folder, names: set[str]) -> None:
        if self.include_ignored:
            return
        lines: list[str] = []
        stamps = []
        for name in IGNORE_FILES:
            if name not in names:
                continue
            try:
                with open(path / name, encoding="utf-8", errors="replace") as file:
                    lines += file.read().splitlines()
                stamps.append((name, os.stat(path / name).st_mtime_ns))
            except OSError as exc:
                log.debug("file index: cannot read %s: %s", path / name, exc)
        folder.rule_stamps = tuple(stamps)
        if lines:
            folder.rules = _Rules(lines)

    def _rule_chain(self, relative: str, folder: _Folder) -> list[tuple[str, _Rules]]:
        """The ignore rules that apply in a folder, deepest first, each with the folder it is relative to."""
        chain = [(relative, folder.rules)] if folder.rules is not None else []
        parts = relative.rstrip("/").split("/") if relative else []
        for depth in range(len(parts) - 1, -1, -1):
            base = "/".join(parts[:depth]) + "/" if depth else ""
            parent = self._folders.get(base)
            if parent is not None and parent.rules is not None:
                chain.append((base, parent.rules))
        return chain

    def _publish(self) -> None:
        entries = [relative + name for relative, folder in list(self._folders.items()) for name in folder.files]
        entries += [relative + name + "/" for relative, folder in list(self._folders.items())
                    for name in folder.folders]
        self._snapshot = _Snapshot.of(entries)
        if self.on_update is not None:
            self.on_update(self)

    # ----- searching ----------------------------------------------------------------------------------------

    def query(self, text: str, limit: int = 50) -> list[Match]:
        """The best `limit` entries for what the user typed after "@", best first (see `Match.tier`); within a
        tier, shorter paths first."""
        snapshot = self._snapshot
        needle = text.strip().lower().replace("\\", "/")
        if not needle:
            return [Match(entry, 0) for entry in snapshot.entries[:limit]]
        found: dict[int, int] = {}  # line -> tier, best first
        _collect(found, 0, _positions(snapshot.names, "\n" + needle), snapshot.name_starts, limit)
        candidates = snapshot.containing(needle)
        if len(found) < limit and candidates:
            # the whole query first, so the regex engine searches for it as a literal; the boundary is checked after
            boundary = re.compile(re.escape(needle) + "(?<=[" + re.escape("\n" + WORD_SEPARATORS) + "]"
                                  + re.escape(needle) + ")")
            in_order = re.compile("".join(f"[^\n{re.escape(char)}]*+{re.escape(char)}" for char in needle))
            if candidates.bit_count() <= DIRECT_CHECK:
                _classify(found, snapshot, snapshot.lines_in(candidates), needle, boundary, in_order, limit)
            else:
                _scan(found, snapshot, needle, boundary, limit)
        return [Match(snapshot.entries[line], tier) for line, tier in found.items()]


def _scan(found: dict[int, int], snapshot: _Snapshot, needle: str, boundary: re.Pattern[str], limit: int) -> None:
    """Many entries have all the query's characters: scans in C find enough of each tier early."""
    # Without a "/", a contiguous match lies inside one name (folders are entries too): the names, a quarter of
    # the paths' text, tell whether tiers 1 and 2 can have any.
    if needle in (snapshot.paths if "/" in needle else snapshot.names):
        _collect(found, 1, _positions(snapshot.paths, boundary), snapshot.path_starts, limit)
        _collect(found, 2, _positions(snapshot.paths, needle), snapshot.path_starts, limit)
    rare_in_names = snapshot.in_names.get(needle[0], 0) * 2 < len(snapshot.entries)
    _collect(found, 3, _positions(snapshot.names, _scattered(needle, rare_in_names)), snapshot.name_starts, limit)
    rare_in_paths = snapshot.having.get(needle[0], 0).bit_count() * 2 < len(snapshot.entries)
    _collect(found, 4, _positions(snapshot.paths, _scattered(needle, rare_in_paths)), snapshot.path_starts, limit)


def _scattered(needle: str, first_is_rare: bool) -> re.Pattern[str]:
    """The letters-in-order pattern to scan a haystack with. Possessive steps never backtrack, so a miss costs
    one pass over the rest of its line. It starts from each occurrence of the first letter (found as a literal
    by the regex engine) when that letter is rare, else from each line start (one try per line)."""
    steps = "".join(f"[^\n{re.escape(char)}]*+{re.escape(char)}" for char in needle[1:])
    if first_is_rare:
        return re.compile(re.escape(needle[0]) + steps)
    return re.compile(f"\n[^\n{re.escape(needle[0])}]*+{re.escape(needle[0])}" + steps)


def _collect(found: dict[int, int], tier: int, positions: Iterator[int], starts: tuple[int, ...],
             limit: int) -> None:
    if len(found) >= limit:
        return  # before the scan starts: finding even its first match can take a whole pass
    for position in positions:
        line = bisect.bisect_right(starts, position) - 1
        if line >= 0 and line not in found:
            found[line] = tier
            if len(found) >= limit:
                return


def _classify(found: dict[int, int], snapshot: _Snapshot, lines: list[int], needle: str,
              boundary: re.Pattern[str], in_order: re.Pattern[str], limit: int) -> None:
    """Rank a few candidate entries one by one (cheaper than scanning every path when few have its letters)."""
    ranked: list[tuple[int, int]] = []
    for line in lines:
        if line in found:
            continue
        path = snapshot.lowered[line]
        if needle in path:
            ranked.append((1 if boundary.search("\n" + path) else 2, line))
        elif in_order.match(path.rstrip("/").rsplit("/", 1)[-1]):
            ranked.append((3, line))
        elif in_order.match(path):
            ranked.append((4, line))
    for tier, line in sorted(ranked)[: max(0, limit - len(found))]:
        found[line] = tier


def _positions(haystack: str, pattern: re.Pattern[str] | str) -> Iterator[int]:
    """Where each match ends (its last character, always inside the matched line), in order; a plain string is
    found with str.find."""
    if isinstance(pattern, re.Pattern):
        for match in pattern.finditer(haystack):
            yield match.end() - 1
        return
    position = haystack.find(pattern)
    while position >= 0:
        yield position + len(pattern) - 1
        position = haystack.find(pattern, position + 1)


def _ignored(chain: list[tuple[str, _Rules]], relative: str) -> bool:
    """Deepest ignore file with a rule for this path decides (a negation there re-includes it)."""
    for base, rules in chain:
        verdict = rules.verdict(relative[len(base):])
        if verdict is not None:
            return verdict
    return False


def is_ignored(path: Path, root: Path) -> bool:
    """Whether the ignore files from `root` down to `path` hide it (as they hide it from gemini's file reading).

    Reads only the ignore files of the folders on the way: cheap enough for one attached path."""
    try:
        parts = Path(path).relative_to(root).parts
    except ValueError:
        return False
    chain: list[tuple[str, _Rules]] = []
    for depth in range(len(parts)):
        base = "/".join(parts[:depth]) + "/" if depth else ""
        lines: list[str] = []
        for name in IGNORE_FILES:
            try:
                lines += (root / base / name).read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                continue
        if lines:
            chain.insert(0, (base, _Rules(lines)))
        here = "/".join(parts[: depth + 1]) + ("/" if depth + 1 < len(parts) or Path(path).is_dir() else "")
        if _ignored(chain, here):
            return True
    return False


class FileIndexCache:
    """One index per (folder, options), built and refreshed on daemon threads; `get` never blocks on I/O."""

    def __init__(self, refresh_after: float = 2.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.refresh_after = refresh_after
        self._clock = clock
        self._indexes: dict[tuple[Path, bool, bool], FileIndex] = {}
        self._checked: dict[tuple[Path, bool, bool], float] = {}
        self._busy: set[tuple[Path, bool, bool]] = set()
        self._lock = threading.Lock()

    def get(self, root: Path, *, include_hidden: bool = False, include_ignored: bool = False) -> FileIndex:
        """The folder's index as it is now; builds it in the background the first time, and refreshes it in the
        background when it was last checked more than `refresh_after` seconds ago."""
        key = (Path(os.path.abspath(root)), include_hidden, include_ignored)
        with self._lock:
            index = self._indexes.get(key)
            if index is None:
                index = self._indexes[key] = FileIndex(key[0], include_hidden=include_hidden,
                                                       include_ignored=include_ignored)
            elif self._clock() - self._checked.get(key, 0.0) < self.refresh_after:
                return index
            if key in self._busy:
                return index
            self._busy.add(key)
            self._checked[key] = self._clock()
        threading.Thread(target=self._scan, args=(key, index), name="file-index", daemon=True).start()
        return index

    def _scan(self, key: tuple[Path, bool, bool], index: FileIndex) -> None:
        try:
            index.refresh()
        except Exception:
            log.exception("file index of %s failed", index.root)
        finally:
            with self._lock:
                self._busy.discard(key)
                self._checked[key] = self._clock()

    def forget(self, root: Path) -> None:
        """Drop a folder's indexes (a conversation that used it was closed)."""
        folder = Path(os.path.abspath(root))
        with self._lock:
            for key in [key for key in self._indexes if key[0] == folder]:
                del self._indexes[key]
                self._checked.pop(key, None)
