"""The journal of gemini's file edits, and undoing them: a turn's, or one tool call's.

The engine hands every edit's before- and after-image here before it writes the file (it implements the
engine's `FileEditJournal` protocol by shape; the store never imports the engine). Images are content-addressed
blobs, so an unchanged file edited ten times costs one copy. Undo restores the before-images only when every
file still holds what the edit wrote: a file the user changed since is reported, never silently overwritten.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gemini_desktop.paths import replace_file_contents
from gemini_desktop.store.blobs import BlobStore, sha256_of_file
from gemini_desktop.store.history import HistoryStore
from gemini_desktop.store.records import FileEditRecord, StoreError

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
        return self._undo(self._store.file_edits(gemini_session_id=gemini_session_id, tool_call_id=tool_call_id),
                          overwrite)

    def _undo(self, edits: Sequence[FileEditRecord], overwrite: bool) -> UndoOutcome:
        """All files or none: every image is read before a file is touched, and a file that cannot be written
        puts the ones already restored back to what they held."""
        files = _per_file(edits)
        changed = tuple(f.path for f in files if _current_sha256(f.path) != f.after_sha256)
        if changed and not overwrite:
            log.info("undo refused: %d file(s) changed since the edit", len(changed))
            return UndoOutcome((), changed)
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
