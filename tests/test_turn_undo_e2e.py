"""The real gemini-cli, against the fake model server, runs a shell command that writes a file and a write_file
in one turn; the turn's snapshots (taken by TurnSnapshotter around it) undo both and redo them, also from a new
store object over the same data folder (an app restart)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gemini_desktop.conversation.controller import ConversationController
from gemini_desktop.conversation.turn_snapshots import TurnSnapshotter
from gemini_desktop.store.turn_snapshots import TurnSnapshots
from tests.support.fake_gemini import FakeGemini, FunctionCall
from tests.support.qt_async import until
from tests.test_plan import approve_all


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
        fake_gemini.reply(FunctionCall("run_shell_command", {"command": "echo from shell > shell_made.txt"}))
        fake_gemini.reply(FunctionCall("write_file", {"file_path": str(workdir / "notes.txt"),
                                                      "content": "gemini's text\n"}))
        fake_gemini.reply("Done.")
        controller.submit("change the files")
        for _ in range(60):
            approve_all(controller)
            if changed:
                break
            await until(lambda: bool(controller.model.pending_requests()) or bool(changed), 45, "next step")

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
