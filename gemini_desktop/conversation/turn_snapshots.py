"""Snapshots taken around a conversation's turns, so "Undo changes" covers whatever a turn changed.

Attached to a session client beside its controller (the controller is not grown): the first tool call of a turn
that is not read-only (ACP kind other than read / search / fetch / think) starts a snapshot of the working
folder on a worker thread; a permission request waits for it at most `PERMISSION_WAIT_S`, so a slow disk delays
an approval a little and never blocks a turn. When the turn ends the folder is snapshotted again and the files
it changed are announced, and the turn's snapshots are tied to its answer in the history (so its undo survives
a restart). The git work never runs on the UI thread.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, Signal

from gemini_desktop.engine.events import ToolCall
from gemini_desktop.settings import AppSettings
from gemini_desktop.store import HistoryStore, StoreError
from gemini_desktop.store.connection import IN_MEMORY
from gemini_desktop.store.turn_snapshots import FileChange, SnapshotLimits, TurnSnapshots, TurnUndo

log = logging.getLogger(__name__)

T = TypeVar("T")
READ_ONLY_KINDS = frozenset({"read", "search", "fetch", "think"})
PERMISSION_WAIT_S = 2.0


class TurnSnapshotter(QObject):
    """Takes each turn's before/after snapshots; `started(key)` when a turn's first one begins,
    `turn_changed(key, paths, skipped)` once its last one is taken (`paths` empty: it changed nothing)."""

    started = Signal(str)
    turn_changed = Signal(str, list, list)
    failed = Signal(str)  # a snapshot could not be taken: the turn runs on, its undo covers less

    def __init__(self, client: Any, snapshots: TurnSnapshots, history: HistoryStore | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._client = client
        self.snapshots = snapshots
        self.history = history
        self._key: str | None = None
        self._before: asyncio.Task | None = None
        self._skipped: list[str] = []
        self._first_tool = ""  # the turn's first changing tool call: it names the turn's answer in the history
        self._finishing: set[asyncio.Future] = set()  # after-snapshots and pruning, kept until done
        self._ask: Callable[[Any], Awaitable[str | None]] | None = client.permission_handler
        client.permission_handler = self._ask_permission
        client.event.connect(self._on_event)
        client.turn_started.connect(self._on_turn_started)
        client.turn_finished.connect(self._on_turn_ended)
        client.turn_failed.connect(self._on_turn_ended)

    @property
    def current_key(self) -> str | None:
        """The key the running turn's snapshots are stored under (None between turns)."""
        return self._key

    def _on_turn_started(self, turn_id: int, _text: str = "") -> None:
        self._key = f"{self._client.session_id}/{turn_id}/{time.time():.6f}"
        self._before, self._skipped, self._first_tool = None, [], ""

    def _on_event(self, event: object) -> None:
        if isinstance(event, ToolCall) and event.kind not in READ_ONLY_KINDS:
            self._snapshot_before(event.tool_call_id)

    def _snapshot_before(self, tool_call_id: str) -> asyncio.Task | None:
        if self._key is None or self._before is not None:
            return self._before
        self._first_tool = tool_call_id
        self._before = asyncio.ensure_future(self._run(self.snapshots.before_turn, self._key))
        self.started.emit(self._key)
        return self._before

    async def _run(self, action: Callable[[str], T], key: str) -> T | None:
        try:
            return await asyncio.to_thread(action, key)
        except StoreError as failure:
            log.warning("turn snapshot failed: %s", failure)
            self.failed.emit(str(failure))
            return None

    async def _ask_permission(self, request: Any) -> str | None:
        """Let the "before" snapshot finish (within a bound) before the user can approve a changing tool."""
        if request.tool_call.kind not in READ_ONLY_KINDS:
            task = self._snapshot_before(request.tool_call.tool_call_id)
            if task is not None:
                try:
                    await asyncio.wait_for(asyncio.shield(task), PERMISSION_WAIT_S)
                except TimeoutError:
                    log.warning("the snapshot before %s took over %.0f s", request.tool_call.tool_call_id,
                                PERMISSION_WAIT_S)
        return await self._ask(request) if self._ask is not None else None

    async def changes(self, key: str) -> list[FileChange] | None:
        """What the turn changed, with diffs (to list before an undo); None when its snapshot is gone."""
        return await self._run(self.snapshots.changes, key)

    async def undo(self, key: str, overwrite: frozenset[str] = frozenset()) -> TurnUndo | None:
        """Put back every file the turn changed, keeping the user's later edits unless in `overwrite`."""
        return await self._run(lambda k: self.snapshots.undo(k, overwrite), key)

    async def redo(self, key: str) -> TurnUndo | None:
        """Take the turn's undo back."""
        return await self._run(self.snapshots.redo, key)

    def prune_soon(self) -> None:
        """Drop old turns' snapshots (by the age and disk limits) on a worker thread."""
        self._keep(asyncio.ensure_future(self._run(lambda _key: self.snapshots.prune(), "")))

    def _keep(self, task: asyncio.Future) -> None:
        self._finishing.add(task)
        task.add_done_callback(self._finishing.discard)

    def _on_turn_ended(self, _turn_id: int, _result: object = None) -> None:
        key, before, tool = self._key, self._before, self._first_tool
        self._key, self._before = None, None
        if key is not None and before is not None:
            self._keep(asyncio.ensure_future(self._finish(key, before, tool)))

    async def _finish(self, key: str, before: asyncio.Task, tool_call_id: str) -> None:
        skipped = await before
        changed = await self._run(self.snapshots.after_turn, key) if skipped is not None else None
        if changed and self.history is not None:
            session, folder = self._client.session_id or "", str(self.snapshots.work_tree)
            await self._run(lambda k: self.history.record_turn_snapshot(  # type: ignore[union-attr]
                session, tool_call_id, k, folder, changed, skipped or []), key)
        self.turn_changed.emit(key, changed or [], skipped or [])


def snapshots_root(store: HistoryStore) -> Path | None:
    """Where the shadow repositories of the store's conversations live (none for a history kept in memory)."""
    return None if store.path == IN_MEMORY else store.path.parent / "snapshots"


def snapshot_limits(settings: AppSettings) -> SnapshotLimits:
    return SnapshotLimits(max_age_days=settings.snapshot_max_age_days, max_disk_mb=settings.snapshot_max_disk_mb)


def attach_snapshots(controller: Any, store: HistoryStore, settings: AppSettings) -> TurnSnapshotter | None:
    """Snapshot the turns of `controller`'s conversation into the store's folder (none for an in-memory store, or
    when Settings turned snapshots off); each such turn ends with its undo, which names what the bounds left out."""
    root = snapshots_root(store)
    if root is None or not settings.snapshots_enabled:
        return None
    snapshots = TurnSnapshots(root, controller.client.config.cwd, snapshot_limits(settings))
    snapshotter = TurnSnapshotter(controller.client, snapshots, store, parent=controller)
    model = controller.model
    answers: list[int] = [0]  # the running turn's answer key

    def began(_user_key: int, answer_key: int) -> None:
        answers[0] = answer_key

    controller.turn_began.connect(began)
    snapshotter.started.connect(lambda key: model.expect_snapshot(answers[0], key, str(snapshots.work_tree)))
    snapshotter.turn_changed.connect(model.snapshot_taken)
    snapshotter.prune_soon()
    snapshotter.failed.connect(lambda reason: model.add_notice(
        QCoreApplication.translate("TurnSnapshotter", "No snapshot of this turn: {reason}").format(reason=reason)))
    return snapshotter
