"""'Undo changes' in the window: the real gemini-cli writes through the app, the transcript lists the turn's files
with their diffs (pytest-qt, in the undo dialog), undoes the turn and redoes it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gemini_desktop.conversation.model import ConversationModel, ToolCallEntry, TurnEdits
from gemini_desktop.engine import EngineConfig, ToolCall, ToolStatus
from gemini_desktop.ui.conversation_view import ConversationView
from gemini_desktop.ui.main_window import MainWindow
from gemini_desktop.ui.tool_card import PermissionPrompt
from gemini_desktop.ui.turn_undo_dialog import TurnUndoDialog
from tests.support.fake_gemini import FakeGemini, FunctionCall
from tests.support.qt_async import until
from tests.test_shell import WindowFactory, make_window, ready, send, shown  # noqa: F401 (fixtures)
from tests.test_transcript import click_anchor, text_of


async def write_turn(window: MainWindow, qtbot: QtBot, fake_gemini: FakeGemini, target: Path, content: str) -> None:
    """A turn whose write_file call the user approves; it ends with "Done." and its undo (snapshot taken)."""
    await ready(window)
    fake_gemini.reply(FunctionCall("write_file", {"file_path": str(target), "content": content}))
    fake_gemini.reply("Done.")
    send(qtbot, window, "write the file")
    view = window.view
    await until(lambda: any(p.isVisible() for p in view.transcript.findChildren(PermissionPrompt)), 45, "prompt")
    prompt = next(p for p in view.transcript.findChildren(PermissionPrompt) if p.isVisible())
    qtbot.mouseClick(prompt.buttons["proceed_once"], Qt.MouseButton.LeftButton)
    await until(lambda: "Done." in shown(view) and (turn := turn_undo(view)) is not None and not turn.checking, 45,
                "the answer with its undo")


def turn_undo(view: ConversationView) -> TurnEdits | None:
    return next((e for e in view.transcript.model.entries if isinstance(e, TurnEdits)), None)


def undo_dialog() -> TurnUndoDialog | None:
    return next((w for w in QApplication.topLevelWidgets()
                 if isinstance(w, TurnUndoDialog) and w.isVisible()), None)


def listed_files(dialog: TurnUndoDialog) -> dict[str, bool]:
    """Each listed file's label, and whether it is ticked (put back)."""
    items = [dialog.files.item(row) for row in range(dialog.files.count())]
    return {item.text(): item.checkState() == Qt.CheckState.Checked for item in items}


def content(path: Path) -> str | None:
    """The file's text; None while it is missing (git's checkout replaces a file: it is briefly absent)."""
    try:
        return path.read_text()
    except FileNotFoundError:
        return None


@pytest.mark.e2e
def test_a_write_file_turn_lists_its_file_with_a_diff_before_undoing_it_and_redo_takes_the_undo_back(
        make_window: WindowFactory, engine_config: EngineConfig, fake_gemini: FakeGemini, workdir: Path,  # noqa: F811
        qtbot: QtBot, run_async: Callable[..., Any]) -> None:
    target = workdir / "notes.txt"
    target.write_text("the user's text\n")

    async def scenario() -> None:
        window = make_window(engine_config)
        await write_turn(window, qtbot, fake_gemini, target, "gemini's text\n")
        view = window.view
        assert target.read_text() == "gemini's text\n"
        [card] = [e for e in view.transcript.model.entries if isinstance(e, ToolCallEntry)]
        assert card.edited and view.transcript.anchor_position(f"gd-undo:{card.id}") is not None
        turn = turn_undo(view)
        assert turn is not None and turn.paths == ("notes.txt",)
        assert "Undo changes: notes.txt" in text_of(view.transcript)

        click_anchor(view.transcript, qtbot, f"gd-undo:{turn.id}")
        await until(lambda: undo_dialog() is not None, 20, "the list of changes")
        dialog = undo_dialog()
        assert dialog is not None and listed_files(dialog) == {"notes.txt": True}  # in the snapshot, not twice
        assert "-the user's text" in dialog.diff.toPlainText() and "+gemini's text" in dialog.diff.toPlainText()
        assert target.read_text() == "gemini's text\n"  # nothing happens before the user confirms
        qtbot.mouseClick(dialog.apply, Qt.MouseButton.LeftButton)

        await until(lambda: content(target) == "the user's text\n", 20, "file restored")
        await until(lambda: turn.undone and card.undone, 5, "the undo shown as done")
        assert view.transcript.anchor_position(f"gd-undo:{turn.id}") is None
        assert "Changes undone" in shown(view) and "notes.txt" in shown(view)

        click_anchor(view.transcript, qtbot, f"gd-redo:{turn.id}")
        await until(lambda: content(target) == "gemini's text\n", 20, "the turn's text back")
        await until(lambda: not turn.undone and not card.undone, 5, "the undo offered again")
        assert view.transcript.anchor_position(f"gd-undo:{turn.id}") is not None

        view.transcript.message_action.emit("undo", turn.message)  # the answer's hover bar (or context menu)
        await until(lambda: undo_dialog() is not None, 20, "the same list, from the message's actions")
        undo_dialog().reject()
        await until(lambda: undo_dialog() is None, 5, "closed")
        assert target.read_text() == "gemini's text\n" and not turn.undone

    run_async(scenario(), timeout=150)


@pytest.mark.e2e
def test_undo_of_a_file_edited_since_lists_it_unticked_keeps_it_unless_the_user_ticks_it(
        make_window: WindowFactory, engine_config: EngineConfig, fake_gemini: FakeGemini, workdir: Path,  # noqa: F811
        qtbot: QtBot, run_async: Callable[..., Any]) -> None:
    target = workdir / "made.py"

    async def scenario() -> None:
        window = make_window(engine_config)
        await write_turn(window, qtbot, fake_gemini, target, "print('gemini')\n")
        view = window.view
        turn = turn_undo(view)
        assert turn is not None
        target.write_text("print('the user kept working')\n")

        click_anchor(view.transcript, qtbot, f"gd-undo:{turn.id}")
        await until(lambda: undo_dialog() is not None, 20, "the list")
        dialog = undo_dialog()
        assert dialog is not None
        [(label, ticked)] = listed_files(dialog).items()
        assert label.startswith("made.py") and "changed since" in label and not ticked
        qtbot.mouseClick(dialog.apply, Qt.MouseButton.LeftButton)
        await until(lambda: "Kept as they are now: made.py" in shown(view), 10, "the kept notice")
        assert target.read_text() == "print('the user kept working')\n" and not turn.undone

        click_anchor(view.transcript, qtbot, f"gd-undo:{turn.id}")
        await until(lambda: undo_dialog() is not None, 20, "the list again")
        dialog = undo_dialog()
        assert dialog is not None
        dialog.files.item(0).setCheckState(Qt.CheckState.Checked)
        qtbot.mouseClick(dialog.apply, Qt.MouseButton.LeftButton)
        await until(lambda: not target.exists(), 20, "the file gemini created is gone again")
        await until(lambda: turn.undone, 5, "the undo shown as done")

    run_async(scenario(), timeout=150)


def test_undoing_one_tool_call_leaves_the_turns_undo_for_the_other_calls_only() -> None:
    model = ConversationModel()
    answer = model.begin_assistant_message()
    for tool in ("a", "b", "read"):
        model.upsert_tool_call(ToolCall(tool, f"Tool {tool}", "edit", ToolStatus.COMPLETED))
    model.mark_edited("a", answer)
    model.mark_edited("b", answer)
    model.finish_message(answer)
    [turn] = [e for e in model.entries if isinstance(e, TurnEdits)]
    first, second, read = (model.tool_call(tool) for tool in ("a", "b", "read"))
    assert turn.tool_call_ids == ("a", "b") and not read.edited and model.undo_targets(read) == []
    assert not first.settled  # its card keeps a place in the document, to redraw its undo link

    model.mark_undone(model.undo_targets(first))

    assert first.undone and not first.settled  # its card still redraws: "Redo" takes the undo back
    assert not turn.undone and model.undo_targets(turn) == ["b"]
    model.mark_undone(model.undo_targets(turn))
    assert second.undone and turn.undone and model.undo_targets(turn) == []
