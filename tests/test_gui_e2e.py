"""The real window driving the real gemini-cli (against the fake Gemini API): what a user does, end to end."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMessageBox, QPushButton, QTextBrowser
from pytestqt.qtbot import QtBot

from gemini_desktop.engine import EngineConfig, EngineError, GeminiCommand, SessionState
from gemini_desktop.settings import AppSettings, LaunchOptions
from gemini_desktop.store import HistoryStore, StoreError
from gemini_desktop.ui import window_closing as main_window_module
from gemini_desktop.ui.main_window import MainWindow
from gemini_desktop.ui.settings_dialog import SettingsDialog
from gemini_desktop.ui.tool_card import PermissionPrompt
from tests.support.cli_env import cli_environment
from tests.support.fake_gemini import FakeGemini, FunctionCall
from tests.support.keyrings import MemoryKeyring
from tests.support.processes import pid_alive
from tests.support.qt_async import until

pytestmark = pytest.mark.e2e

WindowFactory = Callable[..., MainWindow]






@pytest.fixture
def make_window(tmp_path: Path, qtbot: QtBot, run_async: Callable[..., Any]) -> Iterator[WindowFactory]:
    """A MainWindow on a given EngineConfig, with its own history database and settings file."""
    made: list[tuple[MainWindow, HistoryStore]] = []

    def make(config: EngineConfig, options: LaunchOptions | None = None, store: HistoryStore | None = None
             ) -> MainWindow:
        """`store`: another window's, as after a restart (else a database of its own)."""
        store = store or HistoryStore.open(tmp_path / f"history-{len(made)}.sqlite3")
        window = MainWindow(store, AppSettings(tmp_path / "settings.ini"), options, engine_config=config)
        made.append((window, store))
        window.show()
        window.start()
        return window

    yield make
    for window, _store in made:
        if not window.is_shut_down:
            window.close()
            run_async(until(lambda w=window: w.is_shut_down, 30, "window shut down"), timeout=40)
    for store in {id(store): store for _, store in made}.values():
        store.close()


def transcript_text(window: MainWindow) -> str:
    return window.transcript.model.to_markdown()


async def ready(window: MainWindow) -> None:
    await until(lambda: window.client is not None and window.client.state == SessionState.READY, 45,
                "session ready")


async def idle(window: MainWindow) -> None:
    assert window.controller is not None
    await until(lambda: not window.controller.busy and window.client.state == SessionState.READY, 45,
                "turn finished")


def type_and_send(qtbot: QtBot, window: MainWindow, text: str) -> None:
    qtbot.keyClicks(window.prompt, text)
    qtbot.keyClick(window.prompt, Qt.Key.Key_Return)


def stored(window: MainWindow) -> list[tuple[str, str, str]]:
    """What the history holds for the shown conversation, once the writes queued so far are committed."""
    assert window.controller is not None and window.controller.wait_until_saved(10)
    assert window.controller.store_session_id is not None
    return [(m.role, m.text, m.state) for m in window.store.messages(window.controller.store_session_id)]


def test_message_streams_into_the_transcript_and_the_store(
        make_window: WindowFactory, engine_config: EngineConfig, fake_gemini: FakeGemini, qtbot: QtBot,
        run_async: Callable[..., Any]) -> None:
    async def scenario() -> None:
        window = make_window(engine_config)
        assert window.isVisible()
        await ready(window)
        held = fake_gemini.reply("Hello ", "from the fake.", hold_after=1)
        type_and_send(qtbot, window, "Say hello")
        assert window.prompt.toPlainText() == ""
        await until(lambda: "Hello" in transcript_text(window), what="first chunk shown")
        assert "from the fake." not in transcript_text(window)
        assert window.stop_button.isEnabled()
        assert window.status.busy.isVisible()
        # The partial answer reaches the database while the turn is still open (checkpointed every second).
        await until(lambda: stored(window)[-1] == ("assistant", "Hello ", "streaming"), 5, "checkpoint")
        held.release()
        await idle(window)
        text = transcript_text(window)
        assert "Say hello" in text and "Hello from the fake." in text
        assert stored(window) == [("user", "Say hello", "complete"),
                                  ("assistant", "Hello from the fake.", "complete")]
        assert "19" in window.status.usage_label.text()
        assert not window.stop_button.isEnabled()
        assert not window.status.busy.isVisible()

    run_async(scenario(), timeout=90)


def test_message_sent_while_busy_is_queued_then_sent(
        make_window: WindowFactory, engine_config: EngineConfig, fake_gemini: FakeGemini, qtbot: QtBot,
        run_async: Callable[..., Any]) -> None:
    async def scenario() -> None:
        window = make_window(engine_config)
        await ready(window)
        held = fake_gemini.reply("a", "b", hold_after=1)
        type_and_send(qtbot, window, "first")
        await until(lambda: "a" in stored(window)[-1][1] or "a" in transcript_text(window), what="first chunk")
        type_and_send(qtbot, window, "second")
        await until(lambda: window.status.queue_label.text() == "1 queued", 5, "queued status")
        assert window.status.queue_label.isVisible()
        assert len(fake_gemini.stream_requests()) == 1
        held.release()
        await until(lambda: "Echo: second" in transcript_text(window), 45, "second answer")
        await idle(window)
        assert window.status.queue_label.text() == ""
        assert [role for role, _text, _state in stored(window)] == ["user", "assistant", "user", "assistant"]
        assert stored(window)[1][1] == "ab"
        assert fake_gemini.stream_requests()[-1].last_user_text() == "second"

    run_async(scenario(), timeout=120)


@pytest.mark.parametrize("how", ["button", "escape"])
def test_stop_cancels_the_running_turn(
        how: str, make_window: WindowFactory, engine_config: EngineConfig, fake_gemini: FakeGemini,
        qtbot: QtBot, run_async: Callable[..., Any]) -> None:
    async def scenario() -> None:
        window = make_window(engine_config)
        await ready(window)
        held = fake_gemini.reply("partial ", "never shown", hold_after=1)
        try:
            type_and_send(qtbot, window, "long question")
            await until(lambda: "partial" in transcript_text(window), what="partial answer")
            if how == "button":
                qtbot.mouseClick(window.stop_button, Qt.MouseButton.LeftButton)
            else:
                window.activateWindow()
                window.prompt.setFocus()
                qtbot.keyClick(window.prompt, Qt.Key.Key_Escape)
            await idle(window)
        finally:
            held.release()
        assert "never shown" not in transcript_text(window)
        assert stored(window)[-1] == ("assistant", "partial ", "interrupted")
        # The session is still usable afterwards.
        type_and_send(qtbot, window, "again")
        await until(lambda: "Echo: again" in transcript_text(window), 45, "next answer")

    run_async(scenario(), timeout=120)


@pytest.mark.parametrize("approve", [True, False])
def test_tool_call_runs_only_when_approved(
        approve: bool, make_window: WindowFactory, engine_config: EngineConfig, fake_gemini: FakeGemini,
        workdir: Path, qtbot: QtBot, run_async: Callable[..., Any]) -> None:
    target = workdir / "x.txt"

    async def scenario() -> None:
        window = make_window(engine_config)
        await ready(window)
        fake_gemini.reply(FunctionCall("write_file", {"file_path": str(target), "content": "hi"}))
        fake_gemini.reply("done")

        def prompts() -> list[PermissionPrompt]:
            return [p for p in window.transcript.findChildren(PermissionPrompt) if p.isVisible()]

        type_and_send(qtbot, window, "write the file")
        await until(prompts, 45, "permission prompt")
        [prompt] = prompts()
        option = "proceed_once" if approve else "cancel"
        qtbot.mouseClick(prompt.buttons[option], Qt.MouseButton.LeftButton)
        await idle(window)
        assert target.exists() == approve
        if approve:
            assert target.read_text() == "hi"
            await until(lambda: "done" in transcript_text(window), 10, "answer after the tool")
        assert window.controller is not None and window.controller.wait_until_saved(10)
        assert window.controller.store_session_id is not None
        [call] = window.store.tool_calls(window.controller.store_session_id)
        assert call.decision == ("proceed_once" if approve else "rejected")
        assert str(target) in call.paths or str(target) in call.diff or call.title

    run_async(scenario(), timeout=120)


def test_crash_banner_and_restart_keep_the_conversation(
        make_window: WindowFactory, engine_config: EngineConfig, fake_gemini: FakeGemini, qtbot: QtBot,
        run_async: Callable[..., Any]) -> None:
    # No automatic recovery during the test: the banner's Restart is what brings the session back.
    config = dataclasses.replace(engine_config, restart_backoff=600.0)

    async def scenario() -> None:
        window = make_window(config)
        await ready(window)
        fake_gemini.reply("Noted: 42.")
        type_and_send(qtbot, window, "Remember the number 42")
        await idle(window)
        assert window.client is not None
        old_pid = window.client.process_id
        assert old_pid is not None
        os.kill(old_pid, signal.SIGKILL)
        await until(window.crash_banner.isVisible, 15, "crash banner")
        assert window.client.state == SessionState.CRASHED
        assert window.crash_banner.reason.text().startswith("Gemini stopped unexpectedly")
        qtbot.mouseClick(window.crash_banner.restart_button, Qt.MouseButton.LeftButton)
        await ready(window)
        assert not window.crash_banner.isVisible()
        assert window.client.process_id not in (None, old_pid)
        assert not pid_alive(old_pid)
        type_and_send(qtbot, window, "Which number?")
        await until(lambda: "Echo: Which number?" in transcript_text(window), 45, "answer after restart")
        texts = "\n".join(fake_gemini.stream_requests()[-1].texts())
        assert "Remember the number 42" in texts
        assert "Noted: 42." in texts
        assert "Resumed:" in transcript_text(window)

    run_async(scenario(), timeout=150)


def test_a_closed_conversation_opens_from_history_read_only_and_resumes_on_send(
        make_window: WindowFactory, engine_config: EngineConfig, fake_gemini: FakeGemini, qtbot: QtBot,
        run_async: Callable[..., Any]) -> None:
    async def scenario() -> None:
        window = make_window(engine_config)
        await ready(window)
        fake_gemini.reply("Blue it is.")
        type_and_send(qtbot, window, "My favourite colour is blue")
        await idle(window)
        assert window.controller is not None and window.controller.wait_until_saved(10)
        first_session = window.controller.store_session_id
        assert first_session is not None
        first_pid = window.client.process_id
        window.menus.close_conversation_action.trigger()
        await until(lambda: not pid_alive(first_pid), 10, "closed conversation's gemini stopped")
        assert "Blue" not in transcript_text(window) and len(window.views) == 1
        await ready(window)
        window.open_history(first_session)
        assert "Blue it is." in transcript_text(window)  # at once, from our store
        assert window.controller is None and window.view.read_only
        type_and_send(qtbot, window, "What colour?")
        await until(lambda: "Echo: What colour?" in transcript_text(window), 45, "answer after resume")
        assert "Resumed:" in transcript_text(window)
        assert window.controller is not None and window.controller.store_session_id == first_session
        texts = "\n".join(fake_gemini.stream_requests()[-1].texts())
        assert "My favourite colour is blue" in texts
        assert window.controller.wait_until_saved(10)
        assert [m.role for m in window.store.messages(first_session)] == ["user", "assistant"] * 2

    run_async(scenario(), timeout=150)


def test_a_language_change_restarts_into_the_same_conversation(
        make_window: WindowFactory, engine_config: EngineConfig, fake_gemini: FakeGemini, qtbot: QtBot,
        run_async: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    def choose_chinese(dialog: SettingsDialog) -> int:
        dialog.language_box.setCurrentIndex(dialog.language_box.findData("zh_CN"))
        dialog.accept()
        return 1

    monkeypatch.setattr(SettingsDialog, "exec", choose_chinese)
    monkeypatch.setattr(QMessageBox, "exec", lambda box: 0)
    monkeypatch.setattr(QMessageBox, "clickedButton",
                        lambda box: next(b for b in box.buttons() if b.text() == "Restart now"))

    async def scenario() -> None:
        window = make_window(engine_config)
        await ready(window)
        fake_gemini.reply("Noted: the meeting is at noon.")
        type_and_send(qtbot, window, "The meeting is at noon")
        await idle(window)
        assert window.client is not None
        pid = window.client.process_id
        history_id = window.history_id
        assert pid is not None and history_id is not None
        window.menus.settings_action.trigger()
        assert window.settings.language == "zh_CN" and window.restart_requested
        await until(lambda: window.is_shut_down, 20, "shutdown for the restart")
        assert not pid_alive(pid)

        again = make_window(engine_config, LaunchOptions(resume=history_id), store=window.store)
        await until(lambda: "Noted: the meeting is at noon." in transcript_text(again), 20, "conversation shown")
        await ready(again)
        assert again.history_id == history_id
        type_and_send(qtbot, again, "When is the meeting?")
        await until(lambda: "Echo: When is the meeting?" in transcript_text(again), 45, "answer after the restart")
        assert "The meeting is at noon" in "\n".join(fake_gemini.stream_requests()[-1].texts())

    run_async(scenario(), timeout=150)


def test_closing_the_window_stops_the_child(
        make_window: WindowFactory, engine_config: EngineConfig, run_async: Callable[..., Any]) -> None:
    async def scenario() -> None:
        window = make_window(engine_config)
        await ready(window)
        assert window.client is not None
        pid = window.client.process_id
        assert pid is not None and pid_alive(pid)
        window.close()
        await until(lambda: window.is_shut_down, 20, "shutdown")
        assert not window.isVisible()
        assert not pid_alive(pid)

    run_async(scenario(), timeout=90)


def test_html_and_script_links_in_model_output_are_inert(
        make_window: WindowFactory, engine_config: EngineConfig, fake_gemini: FakeGemini, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch, run_async: Callable[..., Any]) -> None:
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url.toString())))
    hostile = ('<b>bold?</b><script>alert("x")</script><img src="file:///etc/passwd"> '
               '[js](javascript:alert(1)) [local](file:///etc/passwd) <https://example.com/>')

    async def scenario() -> None:
        window = make_window(engine_config)
        await ready(window)
        fake_gemini.reply(hostile)
        type_and_send(qtbot, window, "be nasty")
        await idle(window)
        browser = window.transcript.findChild(QTextBrowser, "transcriptDocument")
        assert browser is not None
        shown = browser.toPlainText()
        assert '<script>alert("x")</script>' in shown and "<b>bold?</b>" in shown  # shown as text
        assert "<script" not in browser.toHtml()
        for href in ("javascript:alert(1)", "file:///etc/passwd"):
            position = window.transcript.anchor_position(href)
            if position is not None:
                qtbot.mouseClick(browser.viewport(), Qt.MouseButton.LeftButton, pos=position)
        assert opened == []
        position = window.transcript.anchor_position("https://example.com/")
        assert position is not None
        qtbot.mouseClick(browser.viewport(), Qt.MouseButton.LeftButton, pos=position)
        assert opened == ["https://example.com/"]

    run_async(scenario(), timeout=90)


def test_api_key_entered_in_the_auth_panel_signs_gemini_in(
        make_window: WindowFactory, engine_config: EngineConfig, cli_home: Path, fake_gemini: FakeGemini,
        tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        memory_keyring: MemoryKeyring, run_async: Callable[..., Any]) -> None:
    caplog.set_level(logging.DEBUG)
    without_key = cli_environment(cli_home, fake_gemini.base_url, api_key=None)
    engine_config = dataclasses.replace(engine_config, env=without_key)
    secret = "AIzaFakeKeyForTheTests0123456789"

    async def scenario() -> None:
        window = make_window(engine_config)
        await until(window.auth_panel.isVisible, 45, "sign-in panel")
        assert window.client is not None and window.client.state == SessionState.FAILED
        # "Log in with Google" asks the engine for the browser sign-in and says what to expect.
        asked: list[str] = []

        async def browser_sign_in_times_out(method_id: str, api_key: str | None = None) -> None:
            asked.append(method_id)
            raise EngineError("Signing in did not finish within 30 s.")

        monkeypatch.setattr(window.client, "authenticate", browser_sign_in_times_out)
        qtbot.mouseClick(window.auth_panel.google_button, Qt.MouseButton.LeftButton)
        assert "browser window should open" in window.auth_panel.status.text()
        await until(lambda: "did not finish" in window.auth_panel.status.text(), 10, "sign-in outcome")
        assert asked == ["oauth-personal"]
        window.auth_panel.key_field.setText(secret)
        qtbot.mouseClick(window.auth_panel.findChild(QPushButton, "useApiKeyButton"), Qt.MouseButton.LeftButton)
        assert window.auth_panel.key_field.text() == ""
        await ready(window)
        assert not window.auth_panel.isVisible()
        assert window.client.config.api_key == secret
        assert "GEMINI_API_KEY" not in window.client.config.env
        type_and_send(qtbot, window, "hi")
        await until(lambda: "Echo: hi" in transcript_text(window), 45, "answer once signed in")
        assert fake_gemini.stream_requests()[-1].headers.get("x-goog-api-key") == secret
        # The key signs in the conversations opened afterwards too, not only the one whose panel took it.
        window.new_session()
        await until(lambda: len(window.views) == 2 and window.client is not None
                    and window.client.state == SessionState.READY, 45, "a second conversation, signed in")
        assert window.client.config.api_key == secret
        type_and_send(qtbot, window, "again")
        await until(lambda: "Echo: again" in transcript_text(window), 45, "answer in the second conversation")
        # The way in is named (never the key) in the status bar and in Settings, which can change it or sign out.
        assert window.status.engine_label.toolTip() == "Signed in with: Gemini API key"
        assert secret in memory_keyring.secrets.values()
        named: list[str] = []

        def change(dialog: SettingsDialog) -> int:
            named.append(dialog.sign_in_label.text())
            dialog.findChild(QPushButton, "changeSignInButton").click()
            return dialog.result()

        monkeypatch.setattr(SettingsDialog, "exec", change)
        window.show_settings()
        assert named == ["Gemini API key"]
        panel = window.auth_panel
        assert panel.isVisible() and "Choose another way in" in panel.message.text()
        assert [panel.method_box.itemData(i) for i in range(panel.method_box.count())] == [
            "api-key", "vertex", "code-assist", "gateway", "google"]  # from the four methods gemini 0.61 advertised
        qtbot.mouseClick(panel.close_button, Qt.MouseButton.LeftButton)
        assert not panel.isVisible()
        dialog = SettingsDialog(window.settings, window, sign_in=window.workspace.sign_in,
                                sign_out=window.workspace.sign_out)
        dialog.sign_out_button.click()
        assert not dialog.sign_out_button.isEnabled() and "Signed out" in dialog.sign_in_label.text()
        assert memory_keyring.secrets == {} and window.workspace.sign_in is None
        assert "gemini's own settings" in window.status.engine_label.toolTip()
        dialog.reject()

    run_async(scenario(), timeout=150)
    settings_file = tmp_path / "settings.ini"
    assert not settings_file.exists() or secret not in settings_file.read_text()
    assert secret not in caplog.text


def test_status_bar_pickers_commands_folder_and_copy(
        make_window: WindowFactory, engine_config: EngineConfig, fake_gemini: FakeGemini, tmp_path: Path,
        qtbot: QtBot, run_async: Callable[..., Any]) -> None:
    other_folder = tmp_path / "other"
    other_folder.mkdir()
    async def scenario() -> None:
        window = make_window(engine_config)
        await ready(window)
        client = window.client
        assert client is not None
        await until(lambda: window.status.mode_box.count() > 0 and window.status.model_box.count() > 0, 10,
                    "mode and model choices")
        assert window.status.model_box.currentData() == engine_config.model
        assert window.status.mode_box.currentData() == "default"
        await until(lambda: window.prompt.completer.model().rowCount() > 0, 10, "slash commands")
        window.status.mode_box.activated.emit(window.status.mode_box.findData("autoEdit"))
        await until(lambda: client.modes is not None and client.modes.current == "autoEdit", 10, "mode switch")

        fake_gemini.reply("Copied answer.")
        type_and_send(qtbot, window, "copy me")
        await idle(window)
        window.menus.copy_markdown_action.trigger()
        clipboard = QGuiApplication.clipboard().text()
        assert "copy me" in clipboard and "Copied answer." in clipboard

        window.open_folder(other_folder)  # a new conversation there; the first one stays open
        await ready(window)
        assert window.client is not client and window.client.config.cwd == other_folder
        assert len(window.views) == 2
        assert window.status.folder_label.text() == "other"
        assert window.windowTitle().endswith("other")
        assert "copy me" not in transcript_text(window)
        type_and_send(qtbot, window, "where am I?")
        await idle(window)
        assert window.controller is not None and window.controller.wait_until_saved(10)
        assert window.controller.store_session_id is not None
        record = window.store.get_session(window.controller.store_session_id)
        assert record is not None and record.cwd == str(other_folder)

    run_async(scenario(), timeout=150)


def test_failed_turn_is_marked_and_the_next_message_works(
        make_window: WindowFactory, engine_config: EngineConfig, fake_gemini: FakeGemini, qtbot: QtBot,
        run_async: Callable[..., Any]) -> None:
    async def scenario() -> None:
        window = make_window(engine_config)
        await ready(window)
        for _ in range(12):  # more than the CLI's retries
            fake_gemini.reply_error(400, "Invalid argument from the fake server")
        type_and_send(qtbot, window, "this will fail")
        await until(lambda: stored(window)[-1][2] == "failed", 45, "failed turn stored")
        await idle(window)
        assert "gemini reported an error" in transcript_text(window)
        fake_gemini._replies.clear()
        type_and_send(qtbot, window, "and this works")
        await until(lambda: "Echo: and this works" in transcript_text(window), 45, "next answer")

    run_async(scenario(), timeout=120)


def test_a_broken_history_database_does_not_stop_the_chat(
        make_window: WindowFactory, engine_config: EngineConfig, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch,
        run_async: Callable[..., Any]) -> None:
    async def scenario() -> None:
        window = make_window(engine_config)
        await ready(window)

        def broken(*_args: object, **_kwargs: object) -> None:
            raise StoreError("the disk is full")

        monkeypatch.setattr(HistoryStore, "add_message", broken)  # every connection: the writer has its own
        type_and_send(qtbot, window, "still there?")
        await until(lambda: "Echo: still there?" in transcript_text(window), 45, "answer without history")
        assert "cannot be saved to the history: the disk is full" in transcript_text(window)

    run_async(scenario(), timeout=90)


def test_a_hung_shutdown_still_kills_the_child(
        make_window: WindowFactory, engine_config: EngineConfig, monkeypatch: pytest.MonkeyPatch,
        run_async: Callable[..., Any]) -> None:
    monkeypatch.setattr(main_window_module, "SHUTDOWN_GRACE_MS", 300)

    async def scenario() -> None:
        window = make_window(engine_config)
        await ready(window)
        assert window.controller is not None and window.client is not None
        pid = window.client.process_id
        assert pid is not None

        async def hangs() -> None:
            await asyncio.sleep(3600)

        monkeypatch.setattr(window.controller, "shutdown", hangs)
        window.close()
        await until(lambda: window.is_shut_down, 5, "forced shutdown")
        await until(lambda: not pid_alive(pid), 5, "gemini killed")
        client = window.client
        await until(lambda: client.state == SessionState.STOPPED, 10, "client stopped")
        await asyncio.sleep(2.5)  # longer than the engine's restart back-off: no replacement child appears
        assert client.process_id is None and client.state == SessionState.STOPPED

    run_async(scenario(), timeout=90)


def test_locating_gemini_from_the_first_run_panel_starts_the_session(
        tmp_path: Path, cli_home: Path, fake_gemini: FakeGemini, gemini_command: GeminiCommand, workdir: Path,
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, run_async: Callable[..., Any]) -> None:
    for name, value in cli_environment(cli_home, fake_gemini.base_url).items():
        monkeypatch.setenv(name, value)  # as if the user's shell had them: the app passes its environment on
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here") + os.pathsep + os.path.dirname(gemini_command.program))
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    settings = AppSettings(tmp_path / "settings.ini")
    window = MainWindow(store, settings, LaunchOptions(gemini=str(tmp_path / "missing"), cwd=workdir,
                                                       model="gemini-2.5-flash"))

    async def scenario() -> None:
        window.show()
        started = window.start()
        assert started is not None
        await started
        assert window.missing_panel.isVisible() and window.client is None
        entry = gemini_command.args[0]
        window.missing_panel.located.emit(entry)
        type_and_send(qtbot, window, "found you")  # typed while the engine still loads: kept, then sent
        assert window.controller is None
        assert "as soon as it is ready" in window.status.currentMessage()
        await ready(window)
        assert not window.missing_panel.isVisible()
        assert window.client is not None and window.client.config.gemini.args == (entry,)
        assert window.client.config.cwd == workdir
        assert settings.gemini_path == entry
        await until(lambda: "Echo: found you" in transcript_text(window), 45, "answer")
        window.close()
        await until(lambda: window.is_shut_down, 20, "shutdown")

    try:
        run_async(scenario(), timeout=120)
    finally:
        store.close()
