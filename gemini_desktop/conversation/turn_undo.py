"""A turn's "Undo changes" and its "Redo": one code path, whatever changed the files.

A turn's files come from its snapshots (every change in the working folder, shell commands included) and from
the journal of the writes gemini made through the app (which also covers a file the snapshot left out: ignored,
too big, outside the folder). Both give the same list (a diff per file, and whether the user changed it since);
an undo puts back the files chosen (a file changed since is kept unless ticked), a redo takes the undo back.
Blocking file and git work runs on a worker thread; widgets only show the list and the choice (ui/turn_undo_dialog).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QCoreApplication

from gemini_desktop.conversation.file_edits import ConversationEdits, listed
from gemini_desktop.conversation.model import ConversationModel, Entry, ToolCallEntry, TurnEdits
from gemini_desktop.conversation.turn_snapshots import snapshots_root
from gemini_desktop.store import HistoryStore, StoreError
from gemini_desktop.store.records import MessageRecord
from gemini_desktop.store.turn_snapshots import FileChange, TurnSnapshots

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class TurnChanges:
    """What an undo would put back: the files (paths relative to the working folder when in it) and what the
    snapshot's bounds left out (never touched)."""

    files: list[FileChange] = field(default_factory=list)
    skipped: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Sources:
    snapshots: TurnSnapshots | None
    key: str
    journal_session: str | None
    tool_call_ids: tuple[str, ...]


class TurnUndoer:
    """The undo and redo of one conversation's turns (`TurnEdits`) and tool cards (`ToolCallEntry`)."""

    def __init__(self, model: ConversationModel, root: Path | None, edits: ConversationEdits | None) -> None:
        self._model = model
        self._root = root
        self._edits = edits
        self._busy: set[int] = set()

    def serves(self, model: ConversationModel, edits: ConversationEdits | None) -> bool:
        return model is self._model and edits is self._edits

    def _sources(self, entry: Entry) -> _Sources:
        snapshots, key, tools = None, "", ()
        if isinstance(entry, TurnEdits):
            tools = entry.tool_call_ids
            if entry.snapshot and self._root is not None:
                snapshots, key = TurnSnapshots(self._root, Path(entry.work_tree)), entry.snapshot
        elif isinstance(entry, ToolCallEntry) and entry.edited:
            tools = (entry.call.tool_call_id,)
        session = self._edits.session_of(tools) if self._edits is not None and tools else None
        return _Sources(snapshots, key, session, tools)

    def _list(self, sources: _Sources) -> tuple[list[FileChange], frozenset[str]]:
        """Blocking: the snapshot's files, then the journal's it does not hold; and the journal's paths it does."""
        files, in_snapshot = [], set()
        if sources.snapshots is not None:
            files = sources.snapshots.changes(sources.key)
            in_snapshot = {os.path.realpath(sources.snapshots.work_tree / f.path) for f in files}
        journal = (self._edits.journal.log.changes(sources.journal_session, sources.tool_call_ids)
                   if sources.journal_session is not None and self._edits is not None else [])
        covered = frozenset(f.path for f in journal if os.path.realpath(f.path) in in_snapshot)
        return files + [f for f in journal if f.path not in covered], covered

    async def changes(self, entry_id: int) -> TurnChanges | None:
        """The files an undo of this entry would put back (None: nothing, or it failed; a notice says why)."""
        entry = self._model.entry(entry_id)
        if entry is None:
            return None
        sources = self._sources(entry)
        files = await self._off_thread(lambda: self._list(sources)[0])
        if files is None:
            return None
        if not files:
            self._model.add_notice(QCoreApplication.translate(
                "ConversationEdits", "Nothing to undo: those changes were already undone."))
            return None
        return TurnChanges(files, entry.skipped if isinstance(entry, TurnEdits) else ())

    async def undo(self, entry_id: int, overwrite: frozenset[str] = frozenset(),
                   skip: frozenset[str] = frozenset()) -> list[str] | None:
        """Put back the entry's files; one changed since is kept unless in `overwrite`, one in `skip` is kept.
        Returns the files put back (None when it failed, was running already or was done meanwhile)."""
        entry = self._model.entry(entry_id)
        if not isinstance(entry, (TurnEdits, ToolCallEntry)) or entry.undone:
            return None
        sources = self._sources(entry)

        def run() -> tuple[list[str], list[str]]:
            files, covered = self._list(sources)
            restored: list[str] = []
            if sources.snapshots is not None:
                restored += sources.snapshots.undo(sources.key, overwrite, skip).restored
            if sources.journal_session is not None and self._edits is not None:
                outcome = self._edits.journal.log.undo_tool_calls(
                    sources.journal_session, sources.tool_call_ids, overwrite=overwrite, skip=skip | covered)
                restored += [str(path) for path in outcome.restored]
            return restored, [f.path for f in files if f.path not in restored]

        done = await self._exclusive(entry_id, run)
        if done is None:
            return None
        restored, kept = done
        if restored:
            self._model.mark_turn(entry, sources.tool_call_ids, undone=True)
            self._model.add_notice(QCoreApplication.translate(
                "ConversationEdits", "Changes undone: {files} restored.").format(files=listed(restored)))
        if kept:
            self._model.add_notice(QCoreApplication.translate(
                "ConversationEdits", "Kept as they are now: {files}.").format(files=listed(kept)), kind="warning")
        return restored

    async def redo(self, entry_id: int) -> list[str] | None:
        """Take the entry's undo back: the files it put back get what the turn had written again."""
        entry = self._model.entry(entry_id)
        if not isinstance(entry, (TurnEdits, ToolCallEntry)) or not entry.undone:
            return None
        sources = self._sources(entry)

        def run() -> list[str]:
            redone = sources.snapshots.redo(sources.key).restored if sources.snapshots is not None else []
            if sources.journal_session is not None and self._edits is not None:
                redone += [str(path) for path in self._edits.journal.log.redo_tool_calls(
                    sources.journal_session, sources.tool_call_ids)]
            return redone

        redone = await self._exclusive(entry_id, run)
        if redone is None:
            return None
        if not redone:  # a card whose file the turn's own undo put back: that undo's Redo brings it back
            self._model.add_notice(QCoreApplication.translate(
                "ConversationEdits", "Nothing to redo here: use Redo under the turn that undid these files."))
            return redone
        self._model.mark_turn(entry, sources.tool_call_ids, undone=False)
        self._model.add_notice(QCoreApplication.translate(
            "ConversationEdits", "Changes redone: {files} as the turn left them.").format(files=listed(redone)))
        return redone

    async def _exclusive(self, entry_id: int, action: Callable[[], T]) -> T | None:
        """One undo or redo of an entry at a time: a second click while its files are being put back does nothing."""
        if entry_id in self._busy:
            return None
        self._busy.add(entry_id)
        try:
            return await self._off_thread(action)
        finally:
            self._busy.discard(entry_id)

    async def _off_thread(self, action: Callable[[], T]) -> T | None:
        try:
            return await asyncio.to_thread(action)
        except StoreError as failure:
            log.warning("undo failed: %s", failure)
            self._model.add_notice(str(failure), kind="error")
            return None


def stored_turn_edits(store: HistoryStore, session_id: int, messages: Sequence[MessageRecord]) -> dict[int, TurnEdits]:
    """The undo of each stored turn whose snapshots are still kept, by the index of its answer in `messages`
    (what `ConversationModel.load_history` places after it): undo survives a restart of the app."""
    root = snapshots_root(store)
    if root is None:
        return {}
    where = {message.id: index for index, message in enumerate(messages)}
    found: dict[int, TurnEdits] = {}
    try:
        for record in store.turn_snapshots(session_id):
            index = where.get(record.message_id) if record.message_id is not None else None
            state = TurnSnapshots(root, Path(record.work_tree)).turn(record.snapshot_key) if index is not None else None
            if index is not None and state is not None and state.get("after"):
                found[index] = TurnEdits((), undone=bool(state.get("undone_from")), snapshot=record.snapshot_key,
                                         work_tree=record.work_tree, paths=record.paths, skipped=record.skipped)
    except (StoreError, ValueError) as failure:
        log.warning("the stored snapshots of session %s cannot be read: %s", session_id, failure)
    return found
