"""Each turn's snapshots of its working folder: what the turn changed (however), its undo, the undo's redo, pruning.

Before a turn's first tool call that may change files the folder is snapshotted, and again when the turn ends;
"Undo changes" lists the files that differ between the two, with a diff, and puts back the "before" side. A
file the user changed after the turn (it differs from the "after" side now) is kept unless chosen. The folder's
state at the undo is snapshotted too, so "Redo" puts the undone files back as they were.

Snapshots are parentless commits named by refs (refs/turns/<key>/...) rather than a branch, so pruning a turn
is deleting its refs and letting git collect what no other turn uses. Only plumbing commands run, so no hook
ever does. Bounded: a file over `max_file_bytes` or a folder with more than `max_folder_entries` files directly
in it is left out (named in `skipped`). The index of turns is a JSON file beside the repository, so all of it
survives a restart. Blocking (git subprocesses): call it from a worker thread.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import stat
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from gemini_desktop.store.records import StoreError
from gemini_desktop.store.shadow_git import ShadowRepo

DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_FOLDER_ENTRIES = 5000
DEFAULT_MAX_AGE_DAYS = 30
DEFAULT_MAX_DISK_MB = 500
BULK_FILES = 200  # from this many files to add at once, they are written as one pack
_LOCKS: dict[Path, threading.RLock] = {}
_LOCKS_GUARD = threading.Lock()
F = TypeVar("F", bound=Callable[..., Any])


def _serialized(method: F) -> F:
    """One operation at a time per shadow repository: its git index has one lock file, and the index of turns
    is read, changed and written back (a turn's "after" may run while the next turn's "before" starts)."""
    @functools.wraps(method)
    def run(self: TurnSnapshots, *args: Any, **kwargs: Any) -> Any:
        with _LOCKS_GUARD:
            lock = _LOCKS.setdefault(self.git_dir, threading.RLock())
        with lock:
            return method(self, *args, **kwargs)
    return run  # type: ignore[return-value]


@dataclass(frozen=True)
class SnapshotLimits:
    """What one snapshot leaves out, and how long / how much the snapshots are kept (Settings)."""

    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_folder_entries: int = DEFAULT_MAX_FOLDER_ENTRIES
    max_age_days: float = DEFAULT_MAX_AGE_DAYS
    max_disk_mb: float = DEFAULT_MAX_DISK_MB


@dataclass(frozen=True)
class FileChange:
    """One file a turn changed: its diff (before -> after) and whether the user changed it since."""

    path: str
    diff: str
    changed_since: bool


@dataclass(frozen=True)
class TurnUndo:
    """What an undo (or redo) did: files put back, and files kept because the user changed them since."""

    restored: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


class TurnSnapshots(ShadowRepo):
    """The turns of one working folder, their before/after snapshots and undo state, kept under `root`."""

    def __init__(self, root: Path, work_tree: Path, limits: SnapshotLimits | None = None) -> None:
        super().__init__(root, work_tree)
        self.limits = limits or SnapshotLimits()
        self._index_path = self.git_dir.with_suffix(".turns.json")
        self._limits_path = self.git_dir / "gemini-desktop-limits"
        self._last: tuple[tuple[int, int, int] | None, str] | None = None  # index stamp and commit of the last snapshot

    # -- the index of turns ------------------------------------------------------------------------------

    def _turns(self) -> dict[str, dict]:
        try:
            data = json.loads(self._index_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise StoreError(f"The undo index {self._index_path} cannot be read ({exc}).") from exc
        return data if isinstance(data, dict) else {}

    def _save(self, turns: dict[str, dict]) -> None:
        self._index_path.parent.mkdir(parents=True, exist_ok=True)
        partial = self._index_path.with_suffix(".tmp")
        partial.write_text(json.dumps(turns), encoding="utf-8")
        os.replace(partial, self._index_path)

    @_serialized
    def turn(self, key: str) -> dict | None:
        """The stored state of a turn (before, after, skipped, undone...), or None if it has no snapshot."""
        return self._turns().get(key)

    # -- snapshots ---------------------------------------------------------------------------------------

    def _select(self) -> tuple[list[str], list[str], list[str]]:
        """What this snapshot must put in the index and take out of it, and what the bounds leave out.

        One `git ls-files` lists the untracked-but-not-ignored files (tagged "?") and the tracked files whose
        stat changed ("C"; git compares them with the index). Only those are measured against the size limit,
        so a turn costs one listing and a few stat calls, not a stat of every file. The tracked files ("H")
        are listed too only when a folder may have filled past the count limit (it has untracked files: the
        index never keeps a folder over it) or the limits changed (all are measured again then).
        Returns (stage, drop, skipped)."""
        exclude = self.git_dir / "info" / "exclude"
        if exclude.is_file() and exclude.stat().st_size:
            exclude.write_text("", encoding="utf-8")  # an older version kept the bounds there
        listed = self._git("ls-files", "-z", "-t", "--others", "--modified", "--exclude-standard")
        entries = [(entry[:1], entry[2:]) for entry in dict.fromkeys(listed.split("\0")) if entry]
        previous = self._limits_path.read_text(encoding="utf-8") if self._limits_path.is_file() else None
        recheck = "H" if previous not in (None, self._limits_text()) else ""
        if recheck or any(tag == "?" for tag, _ in entries):
            entries += [("H", path) for path in self._git("ls-files", "-z", "--cached").split("\0") if path]
        per_folder = Counter(_parent(path) for tag, path in entries if tag in "H?")
        crowded = {folder for folder, count in per_folder.items() if count > self.limits.max_folder_entries}
        stage, big, replaced = [], [], []
        for tag, path in entries:
            if tag not in "C?" + recheck or path.endswith("/") or _inside(path, crowded):
                continue  # a path ending in "/" is a repository of its own: git keeps none of its files
            try:
                status = os.lstat(os.path.join(self.work_tree, path))
            except OSError:
                stage.append(path)  # deleted (or gone since listed): staged as a removal
                continue
            if stat.S_ISDIR(status.st_mode):
                replaced.append(path)  # a file became a folder: its files are listed on their own
            else:
                (big if status.st_size > self.limits.max_file_bytes else stage).append(path)
        left_out = set(big)
        drop = [path for tag, path in entries if tag in "HC" and (path in left_out or _inside(path, crowded))]
        drop += replaced
        skipped = [*(f"{folder}/" for folder in sorted(crowded)), *sorted(left_out)]
        return [path for path in dict.fromkeys(stage) if path not in left_out], drop, skipped

    def _commit(self, key: str, side: str) -> tuple[str, list[str]]:
        """Snapshot the folder as a parentless commit under the turn's ref. The index keeps each file's stat
        from the last snapshot, so git hashes only what changed; many new files at once (the first snapshot)
        go into one pack instead of a loose object each (core.bigFileThreshold streams them, for this
        command only), which is faster to write and a fraction of the disk."""
        self._ensure()
        stage, drop, skipped = self._select()
        if drop:
            self._git("update-index", "--force-remove", "-z", "--stdin", stdin=_nul_list(drop))
        if stage:
            bulk = ["-c", "core.bigFileThreshold=1"] if len(stage) >= BULK_FILES else []
            self._git(*bulk, "update-index", "--add", "--remove", "--replace", "-z", "--stdin",
                      stdin=_nul_list(stage))
        self._limits_path.write_text(self._limits_text(), encoding="utf-8")  # what the index now keeps to
        if stage or drop or self._last is None or self._last[0] != self._index_stamp():
            tree = self._git("write-tree").strip()
            commit = self._git("commit-tree", tree, "-m", f"{side} {key}").strip()
            self._last = (self._index_stamp(), commit)
        else:
            commit = self._last[1]  # the index is as the last snapshot left it: the same tree, so its commit
        self._git("update-ref", f"refs/turns/{_ref(key)}/{side}", commit)
        return commit, skipped

    def _limits_text(self) -> str:
        return f"{self.limits.max_file_bytes} {self.limits.max_folder_entries}"

    def _index_stamp(self) -> tuple[int, int, int] | None:
        """The index file's identity: git replaces the file whenever it writes it, so an unchanged stamp means
        an unchanged index."""
        try:
            status = os.stat(self.git_dir / "index")
        except OSError:
            return None
        return status.st_ino, status.st_size, status.st_mtime_ns

    @_serialized
    def before_turn(self, key: str) -> list[str]:
        """Snapshot the folder before the turn's first changing tool call (once per turn); returns what was
        left out by the bounds."""
        turns = self._turns()
        if key in turns:
            return list(turns[key].get("skipped", []))
        commit, skipped = self._commit(key, "before")
        turns[key] = {"before": commit, "after": None, "at": time.time(), "skipped": skipped}
        self._save(turns)
        return skipped

    @_serialized
    def after_turn(self, key: str) -> list[str]:
        """Snapshot the folder as the turn left it; returns the files it changed (empty when none)."""
        turns = self._turns()
        if key not in turns:
            return []
        commit, _ = self._commit(key, "after")
        turns[key]["after"] = commit
        self._save(turns)
        return self.changed(turns[key]["before"], commit)

    def _now(self, key: str) -> str:
        return self._commit(key, "now")[0]

    # -- undo and redo -----------------------------------------------------------------------------------

    @_serialized
    def changes(self, key: str) -> list[FileChange]:
        """The files the turn changed, with diffs, each marked if the user changed it since (listed first)."""
        state = self._require(key)
        paths = self.changed(state["before"], state["after"])
        if not paths:
            return []
        since = set(self.changed(state["after"], self._now(key))) & set(paths)
        return [FileChange(path, self._git("diff", state["before"], state["after"], "--", path), path in since)
                for path in paths]

    @_serialized
    def undo(self, key: str, overwrite: frozenset[str] = frozenset(), skip: frozenset[str] = frozenset()) -> TurnUndo:
        """Put back the turn's files as they were before it; a file changed since is kept unless in `overwrite`,
        and a file in `skip` (the user unticked it) is kept too."""
        state = self._require(key)
        if state.get("undone_from"):
            return TurnUndo()
        paths = self.changed(state["before"], state["after"])
        now = self._now(key)
        since = set(self.changed(state["after"], now)) & set(paths)
        restored = [p for p in paths if (p not in since or p in overwrite) and p not in skip]
        kept = sorted(set(paths) - set(restored))
        if not restored:
            return TurnUndo([], kept)  # all kept: nothing to take back, the turn can still be undone
        self.restore(state["before"], restored)
        self._git("update-ref", f"refs/turns/{_ref(key)}/undone", now)
        turns = self._turns()
        turns[key].update(undone_from=now, undone_paths=restored)
        self._save(turns)
        return TurnUndo(restored, kept)

    @_serialized
    def redo(self, key: str) -> TurnUndo:
        """Take an undo back: the files it restored are put back as they were when it ran."""
        state = self._require(key)
        if not state.get("undone_from"):
            return TurnUndo()
        paths = list(state.get("undone_paths", []))
        if paths:
            self.restore(state["undone_from"], paths)
        turns = self._turns()
        turns[key].update(undone_from=None, undone_paths=[])
        self._save(turns)
        return TurnUndo(paths, [])

    def _require(self, key: str) -> dict:
        state = self._turns().get(key)
        if state is None or not state.get("after"):
            raise StoreError("This turn has no snapshot to undo (it was pruned, or never changed files).")
        return state

    # -- pruning -----------------------------------------------------------------------------------------

    def disk_bytes(self) -> int:
        """What the shadow repository takes on disk: the blocks its files fill (a small loose object takes a
        whole block), or their sizes where the system does not say (Windows)."""
        return sum(_allocated(f.stat()) for f in self.git_dir.rglob("*") if f.is_file())

    @_serialized
    def prune(self, now: float | None = None) -> list[str]:
        """Drop turns older than the age limit, then the oldest while the repository is over the disk limit;
        returns the keys dropped."""
        turns = self._turns()
        if not turns:
            return []
        cutoff = (now if now is not None else time.time()) - self.limits.max_age_days * 86400
        dropped = [key for key, state in turns.items() if state.get("at", 0) < cutoff]
        self._drop(turns, dropped)
        budget = self.limits.max_disk_mb * 1024 * 1024
        for key in sorted(turns, key=lambda k: turns[k].get("at", 0)):
            if self.disk_bytes() <= budget:
                break
            self._drop(turns, [key])
            dropped.append(key)
        return dropped

    def _drop(self, turns: dict[str, dict], keys: list[str]) -> None:
        if not keys:
            return
        for key in keys:
            turns.pop(key, None)
            refs = self._git("for-each-ref", "--format=%(refname)", f"refs/turns/{_ref(key)}/").split()
            for ref in refs:
                self._git("update-ref", "-d", ref)
        self._save(turns)
        self._last = None  # its commit may be one that gc collects now
        self._git("gc", "-q", "--prune=now")

    def forget(self) -> None:
        """Remove this folder's snapshots altogether."""
        shutil.rmtree(self.git_dir, ignore_errors=True)
        self._last = None
        self._index_path.unlink(missing_ok=True)


def _ref(key: str) -> str:
    """A turn key as a ref name component (any string is allowed as a key)."""
    return hashlib.sha256(key.encode()).hexdigest()[:24]


def _parent(path: str) -> str:
    """The folder a listed path is directly in ("." for the top), as the count limit counts it."""
    return path.rstrip("/").rpartition("/")[0] or "."


def _inside(path: str, folders: set[str]) -> bool:
    """Whether `path` is in one of `folders` (at any depth)."""
    if not folders:
        return False
    if "." in folders:
        return True
    parts = path.split("/")
    return any("/".join(parts[:depth]) in folders for depth in range(1, len(parts)))


def _allocated(status: os.stat_result) -> int:
    blocks = getattr(status, "st_blocks", None)
    return status.st_size if blocks is None else blocks * 512


def _nul_list(paths: list[str]) -> str:
    return "".join(f"{path}\0" for path in paths)
