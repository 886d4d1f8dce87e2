"""The window as a shell over many conversations: the real gemini-cli against the fake server, offscreen."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QTextBrowser
from pytestqt.qtbot import QtBot

from gemini_desktop.conversation.workspace import Workspace
from gemini_desktop.engine import EngineConfig, SessionState
from gemini_desktop.settings import AppSettings, LaunchOptions
from gemini_desktop.single_instance import SingleInstance
from gemini_desktop.store import HistoryStore
from gemini_desktop.ui.conversation_view import ConversationView
from gemini_desktop.ui.main_window import MainWindow
from gemini_desktop.ui.settings_dialog import SettingsDialog
from gemini_desktop.ui.sidebar_model import UNREAD_MARK
from gemini_desktop.ui.tool_card import PermissionPrompt
from gemini_desktop.ui.transcript import HISTORY_PAGE
from tests.support.fake_gemini import FakeGemini, FunctionCall
from tests.support.processes import pid_alive
from tests.support.qt_async import until

ROOT = Path(__file__).resolve().parent.parent
WindowFactory = Callable[..., MainWindow]


@pytest.fixture
def make_window(tmp_path: Path, store: HistoryStore, run_async: Callable[..., Any]) -> Iterator[WindowFactory]:
    """Windows sharing one history and one settings file, as two launches of the app do."""
    made: list[MainWindow] = []

    def make(config: EngineConfig | None = None, options: LaunchOptions | None = None) -> MainWindow:
        options = options or (LaunchOptions() if config else LaunchOptions(gemini=str(tmp_path / "no-gemini")))
        window = MainWindow(store, AppSettings(tmp_path / "settings.ini"), options, engine_config=config)
        made.append(window)
        window.show()
        window.start()
        return window

    yield make
    for window in made:
        if not window.is_shut_down:
            window.close()
            run_async(until(lambda w=window: w.is_shut_down, 30, "window shut down"), timeout=40)


async def ready(window: MainWindow) -> None:
    await until(lambda: window.client is not None and window.client.state == SessionState.READY, 45,
                "session ready")


def send(qtbot: QtBot, window: MainWindow, text: str) -> None:
    qtbot.keyClicks(window.prompt, text)
    qtbot.keyClick(window.prompt, Qt.Key.Key_Return)


def shown(view: ConversationView) -> str:
    return view.to_markdown()


@pytest.mark.e2e
def test_two_conversations_stream_at_once_each_with_only_its_own_context(
        make_window: WindowFactory, engine_config: EngineConfig, fake_gemini: FakeGemini, qtbot: QtBot,
        run_async: Callable[..., Any]) -> None:
    first_answer = fake_gemini.reply("Alpha begins ", "alpha ends.", hold_after=1)
    second_answer = fake_gemini.reply("Beta begins ", "beta ends.", hold_after=1)

    async def scenario() -> None:
        window = make_window(engine_config)
        await ready(window)
        first = window.view
        send(qtbot, window, "the alpha question")
        await until(lambda: "Alpha begins" in shown(first), 45, "first conversation streaming")
        second = window.new_session()
        await ready(window)
        send(qtbot, window, "the beta question")
        await until(lambda: "Beta begins" in shown(second), 45, "second conversation streaming")
        assert first.busy and second.busy  # both answers are open at the same time, each in its own view
        assert "Beta" not in shown(first) and "Alpha" not in shown(second)
        first_answer.release()
        second_answer.release()
        await until(lambda: "alpha ends." in shown(first) and "beta ends." in shown(second), 45, "both finished")
        requests = {request.last_user_text(): "\n".join(request.texts())
                    for request in fake_gemini.stream_requests()}
        assert "beta" not in requests["the alpha question"]
        assert "alpha" not in requests["the beta question"]
        assert first.client is not second.client and first.client.process_id != second.client.process_id

    run_async(scenario(), timeout=150)


@pytest.mark.e2e
def test_quit_stops_every_child_and_the_next_launch_restores_the_conversations_suspended(
        make_window: WindowFactory, engine_config: EngineConfig, fake_gemini: FakeGemini, qtbot: QtBot,
        run_async: Callable[..., Any], tmp_path: Path) -> None:
    # a cap of 5 leaves a resting slot for the spare beside three conversations (at 4 the third takes it)
    AppSettings(tmp_path / "settings.ini").max_live_processes = 5

    async def scenario() -> None:
        window = make_window(engine_config)
        for question in ("first question", "second question"):
            await ready(window)
            send(qtbot, window, question)
            await until(lambda q=question: f"Echo: {q}" in shown(window.view), 45, "answer")
            window.new_session()
        await ready(window)
        held = fake_gemini.reply("still streaming ", "never finished", hold_after=1)
        send(qtbot, window, "third question")
        await until(lambda: "still streaming" in shown(window.view), 45, "third conversation streaming")
        manager = window.workspace.manager
        assert manager is not None
        spare = await manager.spare_ready()
        pids = [view.client.process_id for view in window.views]
        assert len(pids) == 3 and spare is not None and None not in pids
        assert all(view.controller.wait_until_saved(10) for view in window.views)
        history_ids = [view.history_id for view in window.views]
        window.close()
        await until(lambda: not any(pid_alive(pid) for pid in (*pids, spare)), 5, "every child stopped")
        await until(lambda: window.is_shut_down, 10, "window shut down")
        held.release()

        AppSettings(tmp_path / "settings.ini").warm_spare = False  # what is checked next needs no gemini at all
        again = make_window(engine_config)
        assert [view.history_id for view in again.views] == history_ids
        assert all(view.read_only and view.client is None for view in again.views)
        assert [view.activity for view in again.views] == [("suspended", 0)] * 3
        assert again.view is again.views[2]
        assert "third question" in shown(again.view)
        assert "suspended" in again.sidebar.row_text(0)

    run_async(scenario(), timeout=200)


@pytest.mark.e2e
def test_a_second_launch_with_a_folder_opens_a_conversation_there_in_the_first_instance(
        make_window: WindowFactory, engine_config: EngineConfig, tmp_path: Path,
        run_async: Callable[..., Any]) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    instance = SingleInstance()
    assert instance.acquire([])
    window = make_window(engine_config)
    instance.activation_requested.connect(window.bring_to_front)

    async def scenario() -> None:
        await ready(window)
        second = subprocess.Popen([sys.executable, "-m", "gemini_desktop", "project"], cwd=tmp_path,
                                  env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            await until(lambda: second.poll() is not None, 30, "second launch handed over and quit")
        finally:
            if second.poll() is None:
                second.kill()
        assert second.returncode == 0
        assert len(window.views) == 2 and window.view.folder == folder
        await ready(window)
        assert window.client.config.cwd == folder

    try:
        run_async(scenario(), timeout=120)
    finally:
        instance.close()


def test_the_composer_has_the_keyboard_after_launch_and_after_every_switch(make_window: WindowFactory,
                                                                           qtbot: QtBot) -> None:
    window = make_window()
    assert window.focusWidget() is window.prompt
    qtbot.keyClicks(window.prompt, "draft one")
    first = window.view
    window.menus.new_session_action.trigger()
    second = window.view
    assert second is not first and window.focusWidget() is second.prompt
    assert second.prompt.toPlainText() == ""
    window.menus.next_conversation_action.trigger()
    assert window.view is first and window.focusWidget() is first.prompt
    assert first.prompt.toPlainText() == "draft one"  # each conversation keeps its own draft
    window.switch_to(1)
    assert window.focusWidget() is second.prompt


def test_conversation_keys_open_switch_and_close(make_window: WindowFactory, qtbot: QtBot) -> None:
    window = make_window()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    for key in (Qt.Key.Key_N, Qt.Key.Key_T):
        qtbot.keyClick(window.prompt, key, Qt.KeyboardModifier.ControlModifier)
    assert len(window.views) == 3 and window.view is window.views[2]
    qtbot.keyClick(window.prompt, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.view is window.views[0]
    qtbot.keyClick(window.prompt, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert window.view is window.views[1]
    qtbot.keyClick(window.prompt, Qt.Key.Key_Backtab,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.view is window.views[0]
    qtbot.keyClick(window.prompt, Qt.Key.Key_9, Qt.KeyboardModifier.ControlModifier)  # no ninth: nothing
    assert window.view is window.views[0]
    closing = window.views[0]
    qtbot.keyClick(window.prompt, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert closing not in window.views and len(window.views) == 2
    assert window.focusWidget() is window.prompt


def test_a_history_entry_is_shown_read_only_from_the_store_without_a_process(
        make_window: WindowFactory, store: HistoryStore) -> None:
    session = store.create_session("/p", "m")
    store.add_message(session.id, "user", "<script>alert(1)</script> & <a href='http://x'>link</a>")
    store.add_message(session.id, "assistant",
                      "## The plan\n\n```python\nprint('hi')\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    window = make_window()
    window.open_history(session.id)
    view = window.view
    assert view.read_only and view.client is None and view.resume_button.isVisible()
    document = view.transcript.findChild(QTextBrowser, "transcriptDocument")
    text = document.toPlainText()
    assert "<script>alert(1)</script> & <a href='http://x'>link</a>" in text
    assert "<script>" not in document.toHtml()
    assert "The plan" in text and "## The plan" not in text and "```" not in text
    assert "│ 1 │ 2 │" in text.replace("  ", " ")
    assert "suspended" in window.sidebar.row_text(window.views.index(view))
    window.open_history(session.id)
    assert window.views.count(view) == 1  # opening it again shows the same view


def test_a_search_hit_opens_its_conversation_at_that_message_with_the_word_selected(
        make_window: WindowFactory, store: HistoryStore) -> None:
    session = store.create_session("/p", "m")
    for index in range(3 * HISTORY_PAGE):
        store.add_message(session.id, "user" if index % 2 == 0 else "assistant",
                          "the quokka question" if index == 7 else f"filler {index}")
    window = make_window()
    window.open_history(session.id, store.messages(session.id)[7].id, "quokka")
    assert window.transcript.selected_text() == "quokka"
    assert window.transcript.earlier_count() == 7


def test_a_hand_over_acts_only_on_an_existing_absolute_folder(make_window: WindowFactory, tmp_path: Path) -> None:
    window = make_window()
    for hostile in (["--cwd", "relative/path"], ["--cwd", str(tmp_path / "missing")], ["--cwd", "/a\0b"],
                    ["--gemini", "/tmp/evil"], "--cwd /", ["--cwd", str(tmp_path), "--cwd", "/"]):
        window.bring_to_front(hostile)
    assert len(window.views) == 1
    window.bring_to_front(["--cwd", str(tmp_path)])
    assert len(window.views) == 2 and window.view.folder == tmp_path


def test_the_workspace_folder_is_the_launch_folder_else_the_last_used_one(tmp_path: Path) -> None:
    settings = AppSettings(tmp_path / "settings.ini")
    settings.working_dir = tmp_path
    assert Workspace(settings, LaunchOptions()).default_folder == tmp_path
    named = tmp_path / "named"
    named.mkdir()
    assert Workspace(settings, LaunchOptions(cwd=named)).default_folder == named


def test_the_settings_dialog_saves_the_process_policies(tmp_path: Path, qtbot: QtBot) -> None:
    settings = AppSettings(tmp_path / "s.ini")
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    assert (dialog.cap_box.value(), dialog.idle_box.value(), dialog.memory_box.value()) == (4, 15, 1024)
    assert dialog.idle_box.specialValueText() == "never"
    dialog.cap_box.setValue(2)
    dialog.idle_box.setValue(0)
    dialog.memory_box.setValue(2048)
    dialog.spare_box.setChecked(False)
    dialog.accept()
    reread = AppSettings(tmp_path / "s.ini")
    assert (reread.max_live_processes, reread.idle_suspend_minutes, reread.recycle_memory_mb) == (2, 0, 2048)
    assert reread.warm_spare is False


@pytest.mark.e2e
def test_background_work_is_marked_and_notified_and_a_permission_is_never_approved_for_the_user(
        make_window: WindowFactory, engine_config: EngineConfig, fake_gemini: FakeGemini, workdir: Path,
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, run_async: Callable[..., Any]) -> None:
    target = workdir / "x.txt"
    alerts: list[object] = []
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: False))
    monkeypatch.setattr(QApplication, "alert", staticmethod(lambda widget, msec=0: alerts.append(widget)))

    async def scenario() -> None:
        window = make_window(engine_config)
        monkeypatch.setattr(window, "isActiveWindow", lambda: False)
        await ready(window)
        asking = window.view
        fake_gemini.reply(FunctionCall("write_file", {"file_path": str(target), "content": "hi"}))
        fake_gemini.reply("written")
        send(qtbot, window, "write the file")
        other = window.new_session()  # the permission request arrives while another conversation is shown
        await until(lambda: asking.activity[0] == "waiting_approval", 45, "background permission request")
        row = window.sidebar.row_text(0)
        assert row.startswith(UNREAD_MARK) and "waiting for approval" in row
        assert alerts and window.view is other
        await asyncio.sleep(1)
        assert not target.exists() and asking.activity[0] == "waiting_approval"  # it waits for the user

        window.switch_to(0)
        assert not window.sidebar.row_text(0).startswith(UNREAD_MARK)
        prompt = next(p for p in asking.transcript.findChildren(PermissionPrompt) if p.isVisible())
        qtbot.mouseClick(prompt.buttons["proceed_once"], Qt.MouseButton.LeftButton)
        await until(lambda: "written" in shown(asking), 45, "answer after the approval")
        assert target.read_text() == "hi"

        await ready(window)
        window.switch_to(1)
        send(qtbot, window, "answer me later")
        window.switch_to(0)
        await until(lambda: "Echo: answer me later" in shown(other), 45, "background answer")
        await until(lambda: window.sidebar.row_text(1).startswith(UNREAD_MARK), 5, "unread mark")

    run_async(scenario(), timeout=150)
