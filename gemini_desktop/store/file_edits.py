"""The journal of gemini's file edits, and undoing them: a turn's, or one tool call's.

The engine hands every edit's before- and after-image here before it writes the file (it implements the
engine's `FileEditJournal` protocol by shape; the store never imports the engine). Images are content-addressed
blobs, so an unchanged file edited ten times costs one copy. Undo restores the before-images only when every
file still holds what the edit wrote: a file the user changed since is reported, never silently overwritten.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from gemini_desktop.paths import replace_file_contents
from gemini_desktop.store.blobs import BlobStore, sha256_of_file
from gemini_desktop.store.history import HistoryStore
from gemini_desktop.store.records import FileEditRecord, StoreError
from gemini_desktop.store.turn_snapshots import FileChange

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UndoOutcome:
    """`restored`: files put back to their state before the edits. `changed`: files that differ from what the
    edits wrote (the user or another program changed them since); when any are listed and `overwrite` was not
    asked for, nothing was restored."""

    restored: tuple[Path, ...]
    changed: tuple[Path, ...]

    @property
    def refused(self) -> bool:
        return bool(self.changed) and not self.restored


@dataclass(frozen=True)
class _FileUndo:
    path: Path
    before_sha256: str | None  # the state before the first edit (None: the file did not exist)
    after_sha256: str  # what the last edit wrote
    edit_ids: tuple[int, ...]


UNREADABLE = "unreadable"  # never an after-image's hash: a file that cannot be read counts as changed


def _current_sha256(path: Path) -> str | None:
    try:
        return sha256_of_file(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.info("cannot read %s to compare it with the edit: %s", path, exc)
        return UNREADABLE


def _per_file(edits: Sequence[FileEditRecord]) -> list[_FileUndo]:
    """Several edits of one file in a turn fold into one: back to before the first, checked against the last."""
    grouped: dict[str, list[FileEditRecord]] = {}
    for edit in edits:
        if edit.undone is None:
            grouped.setdefault(edit.path, []).append(edit)
    return [_FileUndo(Path(path), group[0].before_sha256, group[-1].after_sha256, tuple(e.id for e in group))
            for path, group in grouped.items()]


def _put_back(path: Path, content: bytes | None) -> None:
    if content is None:
        path.unlink(missing_ok=True)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_file_contents(path, content)


class FileEditLog:
    """The history's side of file edits. Thread-safe (the store is): `record` runs on an engine worker thread."""

    def __init__(self, store: HistoryStore, blobs: BlobStore) -> None:
        self._store = store
        self._blobs = blobs

    def record(self, session_id: str, tool_call_id: str, path: Path, before: bytes | None, after: bytes) -> None:
        """The engine's journal call (`session_id` is gemini's). Both images are on disk when this returns."""
        before_sha256 = self._blobs.put(before) if before is not None else None
        after_sha256 = self._blobs.put(after)
        self._store.record_file_edit(session_id, tool_call_id, str(path), before_sha256, after_sha256)

    def edits_of_turn(self, message_id: int) -> list[FileEditRecord]:
        return self._store.file_edits(message_id=message_id)

    def undo_turn(self, message_id: int, *, overwrite: bool = False) -> UndoOutcome:
        """Every file the answer `message_id` edited goes back to how it was before that turn."""
        return self._undo(self._store.file_edits(message_id=message_id), overwrite)

    def undo_tool_call(self, gemini_session_id: str, tool_call_id: str, *, overwrite: bool = False) -> UndoOutcome:
        return self.undo_tool_calls(gemini_session_id, (tool_call_id,), overwrite=overwrite)

    def undo_tool_calls(self, gemini_session_id: str, tool_call_ids: Sequence[str], *,
                        overwrite: bool | Collection[str] = False, skip: Collection[str] = ()) -> UndoOutcome:
        """The edits of these tool calls together: a turn's undo as the window knows the turn (its tool calls),
        which holds even before the history has linked the edits to the answer's row. `overwrite` False: all
        files or none; True: all; paths: the files changed since that are put back anyway. `skip`: kept."""
        return self._undo(self._edits(gemini_session_id, tool_call_ids), overwrite, skip)

    def _edits(self, gemini_session_id: str, tool_call_ids: Sequence[str]) -> list[FileEditRecord]:
        edits = [edit for tool_call_id in dict.fromkeys(tool_call_ids) for edit in self._store.file_edits(
            gemini_session_id=gemini_session_id, tool_call_id=tool_call_id)]
        return sorted(edits, key=lambda edit: edit.id)

    def changes(self, gemini_session_id: str, tool_call_ids: Sequence[str]) -> list[FileChange]:
        """The files these tool calls changed (not undone yet), each with its diff and whether it changed since."""
        return [FileChange(str(f.path), self._diff(f), _current_sha256(f.path) != f.after_sha256)
                for f in _per_file(self._edits(gemini_session_id, tool_call_ids))]

    def _diff(self, change: _FileUndo) -> str:
        before, after = (self._blobs.read(sha).decode(errors="replace") if sha else ""
                         for sha in (change.before_sha256, change.after_sha256))
        return "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True),
                                            f"a/{change.path.name}", f"b/{change.path.name}"))

    def redo_tool_calls(self, gemini_session_id: str, tool_call_ids: Sequence[str]) -> tuple[Path, ...]:
        """Take an undo of these tool calls back: each file undone gets what their last edit wrote again."""
        undone = [edit for edit in self._edits(gemini_session_id, tool_call_ids) if edit.undone is not None]
        last = {edit.path: edit for edit in undone}
        for path, edit in last.items():
            _put_back(Path(path), self._blobs.read(edit.after_sha256))
        self._store.mark_file_edits_undone([edit.id for edit in undone], undone=False)
        return tuple(Path(path) for path in last)

    def _undo(self, edits: Sequence[FileEditRecord], overwrite: bool | Collection[str],
              skip: Collection[str] = ()) -> UndoOutcome:
        """Every image is read before a file is touched, and a file that cannot be written puts the ones already
        restored back to what they held."""
        files = [f for f in _per_file(edits) if str(f.path) not in skip]
        changed = tuple(f.path for f in files if _current_sha256(f.path) != f.after_sha256)
        if changed and overwrite is False:
            log.info("undo refused: %d file(s) changed since the edit", len(changed))
            return UndoOutcome((), changed)
        if not isinstance(overwrite, bool):
            files = [f for f in files if f.path not in changed or str(f.path) in overwrite]
        images = {f.path: self._blobs.read(f.before_sha256) if f.before_sha256 else None for f in files}
        done: list[tuple[Path, bytes | None]] = []
        for path, image in images.items():
            try:
                current = path.read_bytes() if path.exists() else None
                _put_back(path, image)
            except OSError as exc:
                self._roll_back(done)
                raise StoreError(f"Undo stopped: {path} could not be restored ({exc.strerror or exc}). "
                                 "The files already restored were put back as they were.") from exc
            done.append((path, current))
        self._store.mark_file_edits_undone([edit for f in files for edit in f.edit_ids])
        return UndoOutcome(tuple(images), changed)

    @staticmethod
    def _roll_back(done: Sequence[tuple[Path, bytes | None]]) -> None:
        for path, content in reversed(done):
            try:
                _put_back(path, content)
            except OSError:
                log.exception("could not put %s back after a failed undo", path)
