"""The real gemini-cli, against the fake model server, runs a shell command that writes a file and a write_file
in one turn; the turn's snapshots (taken by TurnSnapshotter around it) undo both and redo them, also from a new
store object over the same data folder (an app restart)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gemini_desktop.conversation.controller import ConversationController
from gemini_desktop.conversation.file_edits import EditJournal
from gemini_desktop.conversation.model import ConversationModel, TurnEdits
from gemini_desktop.conversation.open_conversations import OpenConversations
from gemini_desktop.conversation.turn_snapshots import TurnSnapshotter, snapshots_root
from gemini_desktop.conversation.turn_undo import TurnUndoer
from gemini_desktop.conversation.workspace import Workspace
from gemini_desktop.engine import EngineConfig
from gemini_desktop.settings import AppSettings, LaunchOptions
from gemini_desktop.store import FileEditLog, HistoryStore
from gemini_desktop.store.turn_snapshots import TurnSnapshots
from tests.support.fake_gemini import FakeGemini, FunctionCall
from tests.support.qt_async import until
from tests.test_plan import approve_all


async def change_the_files(controller: ConversationController, fake_gemini: FakeGemini, workdir: Path,
                           done: Callable[[], bool]) -> None:
    """One turn: a shell command writes shell_made.txt, write_file rewrites notes.txt (each approved)."""
    fake_gemini.reply(FunctionCall("run_shell_command", {"command": "echo from shell > shell_made.txt"}))
    fake_gemini.reply(FunctionCall("write_file", {"file_path": str(workdir / "notes.txt"),
                                                  "content": "gemini's text\n"}))
    fake_gemini.reply("Done.")
    controller.submit("change the files")
    for _ in range(60):
        approve_all(controller)
        if done():
            return
        await until(lambda: bool(controller.model.pending_requests()) or done(), 45, "next step")


@pytest.mark.e2e
def test_a_shell_write_and_a_write_file_are_undone_and_redone_after_a_restart(
        controller: ConversationController, fake_gemini: FakeGemini, workdir: Path, tmp_path: Path,
        run_async: Callable[..., Any]) -> None:
    (workdir / "notes.txt").write_text("the user's text\n")
    snapshotter = TurnSnapshotter(controller.client, TurnSnapshots(tmp_path / "snapshots", workdir))
    changed: list[tuple[str, list[str]]] = []
    snapshotter.turn_changed.connect(lambda key, paths, _skipped: changed.append((key, paths)))

    async def scenario() -> None:
        assert await controller.start()
        await change_the_files(controller, fake_gemini, workdir, lambda: bool(changed))

    run_async(scenario(), timeout=150)
    assert (workdir / "shell_made.txt").read_text() == "from shell\n"
    [(key, paths)] = changed
    assert sorted(paths) == ["notes.txt", "shell_made.txt"]

    listed = run_async(snapshotter.changes(key), timeout=30)
    diff = {change.path: change.diff for change in listed}
    assert "-the user's text" in diff["notes.txt"] and "+gemini's text" in diff["notes.txt"]
    assert "+from shell" in diff["shell_made.txt"]
    (workdir / "shell_made.txt").write_text("the user's edit afterwards\n")
    kept = run_async(snapshotter.undo(key), timeout=30)
    assert kept is not None and kept.restored == ["notes.txt"] and kept.kept == ["shell_made.txt"]
    assert (workdir / "shell_made.txt").read_text() == "the user's edit afterwards\n"
    run_async(snapshotter.redo(key), timeout=30)
    (workdir / "shell_made.txt").write_text("from shell\n")

    restarted = TurnSnapshots(tmp_path / "snapshots", workdir)
    assert sorted(restarted.undo(key).restored) == ["notes.txt", "shell_made.txt"]
    assert (workdir / "notes.txt").read_text() == "the user's text\n" and not (workdir / "shell_made.txt").exists()
    assert sorted(restarted.redo(key).restored) == ["notes.txt", "shell_made.txt"]
    assert (workdir / "notes.txt").read_text() == "gemini's text\n"
    assert (workdir / "shell_made.txt").read_text() == "from shell\n"


def turn_of(model: ConversationModel) -> TurnEdits | None:
    return next((e for e in model.entries if isinstance(e, TurnEdits) and e.snapshot and not e.checking), None)


@pytest.mark.e2e
def test_the_window_path_undoes_and_redoes_a_shell_write_and_a_write_file_also_in_the_next_app_run(
        engine_config: EngineConfig, store: HistoryStore, fake_gemini: FakeGemini, workdir: Path, tmp_path: Path,
        run_async: Callable[..., Any]) -> None:
    """Through the conversations as the app opens them (journal and snapshots both on): the turn's undo lists each
    file once with its diff, undoes and redoes both; a new Workspace on the same store (an app restart) reopens
    the conversation from the history with its undo, which still undoes and redoes."""
    (workdir / "notes.txt").write_text("the user's text\n")
    settings = AppSettings(tmp_path / "settings.ini")

    def app_run() -> tuple[Workspace, OpenConversations]:
        workspace = Workspace(settings, LaunchOptions(cwd=str(workdir)), engine_config,
                              journal=EditJournal(FileEditLog(store, store.blobs)))
        return workspace, OpenConversations(workspace, store)

    async def first_run(conversations: OpenConversations) -> int:
        key = await conversations.open_new(workdir)
        controller = conversations.get(key or "")
        assert controller is not None
        await change_the_files(controller, fake_gemini, workdir, lambda: turn_of(controller.model) is not None)
        turn = turn_of(controller.model)
        assert turn is not None and sorted(turn.paths) == ["notes.txt", "shell_made.txt"]
        undoer = TurnUndoer(controller.model, snapshots_root(store), controller.edits)
        changes = await undoer.changes(turn.id)
        assert changes is not None
        diffs = {change.path: change.diff for change in changes.files}
        assert sorted(diffs) == ["notes.txt", "shell_made.txt"]  # the journaled write is listed once
        assert "+from shell" in diffs["shell_made.txt"] and "+gemini's text" in diffs["notes.txt"]
        assert sorted(await undoer.undo(turn.id) or []) == ["notes.txt", "shell_made.txt"]
        assert (workdir / "notes.txt").read_text() == "the user's text\n" and not (workdir / "shell_made.txt").exists()
        assert turn.undone
        assert sorted(await undoer.redo(turn.id) or []) == ["notes.txt", "shell_made.txt"]
        assert (workdir / "shell_made.txt").read_text() == "from shell\n" and not turn.undone
        assert controller.wait_until_saved(10)
        assert controller.store_session_id is not None
        return controller.store_session_id

    async def second_run(conversations: OpenConversations, history_id: int) -> None:
        key = await conversations.open_history(history_id)
        controller = conversations.get(key or "")
        assert controller is not None
        turn = turn_of(controller.model)
        assert turn is not None and not turn.undone and sorted(turn.paths) == ["notes.txt", "shell_made.txt"]
        undoer = TurnUndoer(controller.model, snapshots_root(store), controller.edits)
        assert sorted(await undoer.undo(turn.id) or []) == ["notes.txt", "shell_made.txt"]
        assert (workdir / "notes.txt").read_text() == "the user's text\n" and not (workdir / "shell_made.txt").exists()
        assert sorted(await undoer.redo(turn.id) or []) == ["notes.txt", "shell_made.txt"]
        assert (workdir / "notes.txt").read_text() == "gemini's text\n"

    workspace, conversations = app_run()
    try:
        history_id = run_async(first_run(conversations), timeout=150)
    finally:
        run_async(conversations.close_all(), timeout=30)
        run_async(workspace.shutdown(), timeout=30)
    workspace, conversations = app_run()
    try:
        run_async(second_run(conversations, history_id), timeout=150)
    finally:
        run_async(conversations.close_all(), timeout=30)
        run_async(workspace.shutdown(), timeout=30)
