"""Issue 8 defects in the window: focus at launch, permission prompts that never steal the keyboard and stay
cheap by the thousand."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from gemini_desktop import APP_NAME, preflight
from gemini_desktop.engine.events import PermissionOption, PermissionRequest, ToolCall, ToolStatus
from gemini_desktop.engine.types import GeminiCommand
from gemini_desktop.settings import AppSettings, LaunchOptions
from gemini_desktop.store import HistoryStore
from gemini_desktop.ui.main_window import MainWindow
from gemini_desktop.ui.tool_card import PermissionPrompt
from gemini_desktop.ui.transcript import TranscriptView
from tests.support.fake_gemini import FakeGemini
from tests.support.qt_async import until
from tests.support.transcript_access import ask
from tests.test_app_cli import app_command, app_environment

ROOT = Path(__file__).resolve().parent.parent
XVFB = shutil.which("Xvfb")
XDOTOOL = shutil.which("xdotool")


def x11_unavailable() -> str:
    """Why the app cannot run on a private X server here ("" when it can)."""
    if not sys.platform.startswith("linux"):
        return "an X server check for Linux"
    if XVFB is None or XDOTOOL is None:
        return "needs Xvfb and xdotool (Debian/Ubuntu: apt-get install xvfb xauth xdotool)"
    problem = preflight.check({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"})
    return problem.message if problem is not None else ""


CLIPBOARD_TEXT = "from PySide6.QtGui import QGuiApplication as A; app = A([]); print(app.clipboard().text())"


@pytest.fixture
def x_display() -> Iterator[str]:
    """A private X server without a window manager: nothing but the app itself can give it the focus."""
    assert XVFB is not None
    reader, writer = os.pipe()
    server = subprocess.Popen([XVFB, "-displayfd", str(writer), "-nolisten", "tcp", "-screen", "0", "1600x1200x24"],
                              pass_fds=(writer,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(writer)
    try:
        with os.fdopen(reader) as lines:
            number = lines.readline().strip()
        assert number, "Xvfb did not start"
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def x_run(display: str, *arguments: str, timeout: float = 60) -> str:
    done = subprocess.run(arguments, env=dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb"),
                          capture_output=True, text=True, timeout=timeout, check=True)
    return done.stdout.strip()


@pytest.mark.e2e
@pytest.mark.skipif(bool(x11_unavailable()), reason=x11_unavailable())
def test_text_typed_right_after_launch_lands_in_the_composer(
        x_display: str, tmp_path: Path, cli_home: Path, fake_gemini: FakeGemini,
        gemini_command: GeminiCommand, workdir: Path) -> None:
    assert XDOTOOL is not None
    x_run(x_display, XDOTOOL, "mousemove", "1590", "1190")  # away from the window: no focus-follows-pointer
    env = dict(app_environment(tmp_path, cli_home, fake_gemini), DISPLAY=x_display, QT_QPA_PLATFORM="xcb")
    app = subprocess.Popen(app_command(gemini_command, workdir, "--new-instance"), env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    typed = "typed right after launch"
    try:
        x_run(x_display, XDOTOOL, "search", "--sync", "--onlyvisible", "--name", APP_NAME)
        x_run(x_display, XDOTOOL, "type", "--delay", "15", typed)
        x_run(x_display, XDOTOOL, "key", "ctrl+a", "ctrl+c")  # the composer's text, by the user's own keys
        deadline = time.monotonic() + 20
        copied = ""
        while copied != typed and time.monotonic() < deadline:
            copied = x_run(x_display, sys.executable, "-c", CLIPBOARD_TEXT)
            time.sleep(0.2)
        assert copied == typed
    finally:
        app.terminate()
        output, _ = app.communicate(timeout=30)
    assert app.returncode == 0, output


OPTIONS = (
    PermissionOption("allow-1", "Allow once", "allow_once"),
    PermissionOption("allow-all", "Allow for this session", "allow_always"),
    PermissionOption("reject-1", "Reject", "reject_once"),
)


def shell_request(call_id: str) -> PermissionRequest:
    return PermissionRequest(ToolCall(call_id, f"Run rm -rf build/{call_id}", "execute", ToolStatus.PENDING), OPTIONS)


@pytest.fixture
def window(tmp_path: Path, qtbot: QtBot, run_async: Callable[..., Any],
           monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    """The real main window, with no gemini to find: requests are put to its transcript as the engine would."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    shown = MainWindow(store, AppSettings(tmp_path / "settings.ini"),
                       LaunchOptions(gemini=str(tmp_path / "no-gemini-here")))
    shown.show()
    qtbot.waitExposed(shown)
    yield shown
    shown.close()
    run_async(until(lambda: shown.is_shut_down))
    store.close()


def type_as_keyboard(qtbot: QtBot, window: MainWindow, text: str) -> None:
    """Each key goes where the keyboard focus is at that moment, as a real keyboard's would."""
    for character in text:
        target = window.focusWidget()
        assert target is not None
        qtbot.keyClicks(target, character)


def test_typing_in_the_composer_never_answers_a_permission_request(
        window: MainWindow, qtbot: QtBot, event_loop_qt: asyncio.AbstractEventLoop) -> None:
    assert window.focusWidget() is window.prompt
    asked = ask(window.transcript, shell_request("call-1"))
    prompt = window.transcript.pending_prompt("call-1")
    assert prompt is not None and prompt.isVisible()
    assert window.focusWidget() is window.prompt, "the request took the keyboard"

    follow_up = "can you also add a test? yes, and then NO more"
    type_as_keyboard(qtbot, window, follow_up)
    assert window.prompt.toPlainText() == follow_up
    assert not asked.done(), "letters typed in the composer answered the request"

    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)  # the chord answers from anywhere
    assert asked.done() and asked.result() is None
    assert window.focusWidget() is window.prompt

    again = ask(window.transcript, shell_request("call-2"))
    second = window.transcript.pending_prompt("call-2")
    assert second is not None
    qtbot.mouseClick(second, Qt.MouseButton.LeftButton)  # the user moves to the request: bare keys answer there
    type_as_keyboard(qtbot, window, "y")
    assert again.done() and again.result() == "allow-1"
    assert window.focusWidget() is window.prompt, "the keyboard goes back to the composer after the answer"
    assert window.prompt.toPlainText() == follow_up


class WorkCounter:
    """Counts the work of the permission prompts: prompt placements, and how much of the document each edit
    made Qt lay out again (everything from the edit to the end: a redraw moves all that follows it)."""

    def __init__(self, view: TranscriptView, monkeypatch: pytest.MonkeyPatch) -> None:
        self.counts: Counter[str] = Counter()
        document = view._browser.document()
        document.contentsChange.connect(self._changed)
        self._document = document
        def counted(prompt: PermissionPrompt, *arguments: Any) -> None:
            self.counts["placements"] += 1
            QWidget.setGeometry(prompt, *arguments)

        monkeypatch.setattr(PermissionPrompt, "setGeometry", counted)

    def _changed(self, position: int, _removed: int, _added: int) -> None:
        self.counts["relaid out"] += self._document.characterCount() - position


def permission_work(count: int, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, *, withdrawn: bool
                    ) -> tuple[Counter[str], int]:
    """The work of showing `count` requests one per event-loop turn (as they arrive from gemini), then of
    ending them all: rejected by the user (Stop, closing) or withdrawn by the engine (the session ended)."""
    view = TranscriptView()
    qtbot.addWidget(view)
    view.resize(700, 500)
    view.show()
    qtbot.waitExposed(view)
    work = WorkCounter(view, monkeypatch)
    futures = []
    for index in range(count):
        futures.append(ask(view, shell_request(f"call-{index}")))
        QApplication.processEvents()
    most_children = len(view._browser.viewport().findChildren(PermissionPrompt))
    if withdrawn:
        for future in futures:
            future.cancel()
        qtbot.waitUntil(lambda: view.pending_prompt(f"call-{count - 1}") is None, timeout=30000)
    else:
        view.reject_pending_permissions()
    assert all(future.done() for future in futures)
    assert "Run rm -rf build/call-0" in view._browser.toPlainText()
    view.close()
    return work.counts, most_children


@pytest.mark.parametrize("withdrawn", [False, True], ids=["rejected", "withdrawn"])
def test_many_permission_requests_cost_linear_work_to_show_and_to_end(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, event_loop_qt: asyncio.AbstractEventLoop,
        withdrawn: bool) -> None:
    few, many = 60, 240
    work_few, _ = permission_work(few, qtbot, monkeypatch, withdrawn=withdrawn)
    work_many, children = permission_work(many, qtbot, monkeypatch, withdrawn=withdrawn)
    for kind in ("placements", "relaid out"):
        per_request_few, per_request_many = work_few[kind] / few, work_many[kind] / many
        assert per_request_many <= 1.5 * per_request_few, (kind, work_few, work_many)
    assert children <= 30, "prompts out of view stay children of the view, and every scroll moves them all"
