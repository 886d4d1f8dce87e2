"""History that is never lost, across engine, store and window, with the real gemini-cli and the fake server."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from gemini_desktop.engine import EngineConfig, GeminiCommand, ResumeMethod, SessionState
from gemini_desktop.engine.cli_sessions import cli_home, conversation_turns, session_files
from gemini_desktop.settings import AppSettings
from gemini_desktop.store import HistoryStore
from gemini_desktop.ui.main_window import MainWindow
from tests.support.fake_gemini import DEFAULT_MODEL, FakeGemini
from tests.support.processes import processes_with_home
from tests.support.qt_async import until

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parent.parent




@pytest.fixture
def window(engine_config: EngineConfig, tmp_path: Path, qtbot: QtBot,
           run_async: Callable[..., Any]) -> Iterator[MainWindow]:
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    main = MainWindow(store, AppSettings(tmp_path / "settings.ini"), engine_config=engine_config)
    main.show()
    main.start()
    run_async(until(lambda: main.client is not None and main.client.state == SessionState.READY))
    yield main
    main.close()
    run_async(until(lambda: main.is_shut_down, 30))
    store.close()


def idle(main: MainWindow) -> Callable[[], bool]:
    return lambda: main.client is not None and main.client.state == SessionState.READY and \
        main.controller is not None and not main.controller.busy


def stored(main: MainWindow) -> list[tuple[str, str, str]]:
    assert main.controller is not None and main.controller.wait_until_saved(10)
    session_id = main.store.list_sessions()[0].id
    return [(m.role, m.text, m.state) for m in main.store.messages(session_id)]


def test_restart_in_the_same_minute_loses_nothing(window: MainWindow, fake_gemini: FakeGemini,
                                                  run_async: Callable[..., Any]) -> None:
    assert window.client is not None
    fake_gemini.reply("Stored: the ship is called Nautilus.")
    window.send_message("The ship is called Nautilus.")
    run_async(until(idle(window)))
    first_id = window.client.session_id
    assert first_id is not None
    home = cli_home(window.client.config.env, Path.home())
    outcomes: list[Any] = []
    window.client.session_started.connect(outcomes.append)
    window.restart_session()  # seconds after the session's file was created: the same clock minute
    run_async(until(lambda: bool(outcomes) and idle(window)()), timeout=90)
    assert outcomes[-1].method in {ResumeMethod.LOADED, ResumeMethod.REBUILT}
    assert stored(window) == [("user", "The ship is called Nautilus.", "complete"),
                              ("assistant", "Stored: the ship is called Nautilus.", "complete")]
    files = session_files(home, first_id)
    assert files and any(t.text == "The ship is called Nautilus." for f in files for t in conversation_turns(f))
    window.send_message("What is the ship called?")
    run_async(until(lambda: len(stored(window)) == 4 and idle(window)()))
    texts = fake_gemini.stream_requests()[-1].texts()
    assert "The ship is called Nautilus." in texts
    assert "Stored: the ship is called Nautilus." in texts


def test_terminal_session_is_imported_and_resumed_with_its_context(
        window: MainWindow, fake_gemini: FakeGemini, gemini_command: GeminiCommand, engine_config: EngineConfig,
        run_async: Callable[..., Any]) -> None:
    fake_gemini.reply("Terminal: the meeting is on Thursday.")
    made = subprocess.run([gemini_command.program, *gemini_command.args, "-p", "The meeting is on Thursday.",
                           "-o", "json", "-m", DEFAULT_MODEL], cwd=engine_config.cwd,
                          env=dict(os.environ, **engine_config.env, GEMINI_CLI_NO_RELAUNCH="true"),
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr[-2000:]
    gemini_id = json.loads(made.stdout)["session_id"]
    run_async(window.import_cli_history())
    record = window.store.find_by_gemini_id(gemini_id)
    assert record is not None and record.source == "cli-import"
    assert record.title.startswith("The meeting is on Thursday")
    window.resume_session(record.id)
    run_async(until(lambda: window.client.session_id not in (None, gemini_id) or
                    "Terminal: the meeting" in window.transcript.model.to_markdown()), timeout=90)
    run_async(until(idle(window)), timeout=90)
    shown = window.transcript.model.to_markdown()
    assert "The meeting is on Thursday." in shown and "Terminal: the meeting is on Thursday." in shown
    assert "<session_context>" not in shown
    window.send_message("When is the meeting?")
    run_async(until(lambda: "Echo: When is the meeting?" in window.transcript.model.to_markdown() and idle(window)()))
    texts = fake_gemini.stream_requests()[-1].texts()
    assert "The meeting is on Thursday." in texts
    assert "Terminal: the meeting is on Thursday." in texts


def stored_messages(database: Path) -> list[tuple[str, str, str]]:
    """Read what the running app has committed; before its schema exists there is nothing yet."""
    if not database.exists():
        return []
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as reader:
            return reader.execute(  # an answer still streaming is its text plus its saved parts
                "SELECT role, text || coalesce((SELECT group_concat(p.text, '') FROM message_parts p"
                " WHERE p.message_id = m.id), ''), state FROM messages m ORDER BY id").fetchall()
    except sqlite3.OperationalError:
        return []


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_app_killed_mid_stream_keeps_the_message_and_the_partial_answer(
        tmp_path: Path, fake_gemini: FakeGemini, gemini_command: GeminiCommand, engine_config: EngineConfig) -> None:
    held = fake_gemini.reply("The first half of the answer, ", "and the rest.", hold_after=1)
    data = tmp_path / "xdg-data"
    env = dict(os.environ, **engine_config.env, XDG_DATA_HOME=str(data), XDG_CONFIG_HOME=str(tmp_path / "xdg-config"),
               XDG_STATE_HOME=str(tmp_path / "xdg-state"), XDG_CACHE_HOME=str(tmp_path / "xdg-cache"),
               QT_QPA_PLATFORM="offscreen")
    app = subprocess.Popen([sys.executable, "-m", "gemini_desktop", "--smoke-test", "--new-instance",
                            "--gemini", gemini_command.args[0], "--cwd", str(engine_config.cwd)],
                           cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    database = data / "gemini-desktop" / "history.sqlite3"
    try:
        deadline = time.monotonic() + 90
        partial: list[tuple[str, str, str]] = []
        while time.monotonic() < deadline and not any(r[0] == "assistant" and r[1] for r in partial):
            time.sleep(0.2)
            partial = stored_messages(database)
        assert any(r[0] == "assistant" and r[1] for r in partial), f"no checkpoint written: {partial}"
        children = processes_with_home(Path(engine_config.env["HOME"]))
        assert children, "the gemini child should be running"
        app.send_signal(signal.SIGKILL)
        app.wait(10)
    finally:
        held.release()
        if app.poll() is None:
            app.kill()
    deadline = time.monotonic() + 15
    while processes_with_home(Path(engine_config.env["HOME"])) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not processes_with_home(Path(engine_config.env["HOME"])), "gemini outlived the killed app"
    store = HistoryStore.open(database)
    try:
        assert store.mark_interrupted() == 1
        (session,) = store.list_sessions()
        messages = [(m.role, m.text, m.state) for m in store.messages(session.id)]
    finally:
        store.close()
    assert messages == [("user", "smoke test", "complete"),
                        ("assistant", "The first half of the answer, ", "interrupted")]
