"""The UI follows what the running agent advertises (tests/support/offering_agent.py), not what gemini offers:
images, modes and `current_mode_update`, a model config option (`session/set_config_option`), typed sign-in
methods, `usage_update` in the context meter, `available_commands_update` in the `/` menu."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gemini_desktop.engine import EngineConfig, GeminiCommand, GeminiSessionClient, SessionState
from gemini_desktop.engine.events import ModelUpdate, ModeUpdate, UsageReport
from gemini_desktop.settings import AppSettings, LaunchOptions
from gemini_desktop.store import HistoryStore
from gemini_desktop.ui.main_window import MainWindow
from gemini_desktop.ui.sign_in_panel import SignInPanel
from tests.support.qt_async import until

AGENT = Path(__file__).parent / "support" / "offering_agent.py"


def offering(kind: str, tmp_path: Path) -> EngineConfig:
    return EngineConfig(gemini=GeminiCommand(program=sys.executable, args=(str(AGENT), kind)), cwd=tmp_path,
                        start_timeout=10.0, max_restarts=0, state_dir=tmp_path / "state")


@pytest.fixture
def rich(tmp_path: Path, run_async: Callable[..., Any]) -> Iterator[GeminiSessionClient]:
    client = GeminiSessionClient(offering("rich", tmp_path))
    yield client
    run_async(client.stop_session(), timeout=15)


def test_the_engine_reads_what_the_agent_advertises(rich: GeminiSessionClient,
                                                     run_async: Callable[..., Any]) -> None:
    events: list[object] = []
    rich.event.connect(events.append)

    async def scenario() -> None:
        await rich.start_session()
        assert rich.prompt_capabilities is not None and rich.prompt_capabilities.image
        assert [(m.id, m.kind) for m in rich.auth_methods] == [
            ("agent-login", "agent"), ("key-env", "env_var"), ("tty-login", "terminal")]
        key_env, terminal = rich.auth_methods[1], rich.auth_methods[2]
        assert [(v.name, v.secret, v.optional) for v in key_env.env_vars] == [
            ("OFFER_API_KEY", True, False), ("OFFER_REGION", False, True)]
        assert key_env.link == "https://example.invalid/keys"
        assert terminal.terminal_args == ("--login", "--no browser")
        assert terminal.terminal_env == (("OFFER_LOGIN", "1"),)
        assert rich.modes == ModeUpdate("ask", rich.modes.available) and len(rich.modes.available) == 2
        assert rich.models is not None and rich.models.config_id == "model"
        assert [c.id for c in rich.models.available] == ["small", "large"]
        await rich.set_model("large")  # over session/set_config_option: the agent answers with it
        assert rich.models.current == "large" and len(rich.models.available) == 2
        answer = await rich.chat("plan please")
        assert answer.text == "ok: plan please [model=large]"
        assert rich.modes.current == "plan" and [c.id for c in rich.modes.available] == ["ask", "plan"]
        await rich.set_mode("ask")
        assert rich.modes.current == "ask"

    run_async(scenario(), timeout=30)
    assert UsageReport(50_000, 200_000, 0.25, "USD") in events
    assert any(isinstance(e, ModelUpdate) and e.current == "large" for e in events)


@pytest.fixture
def make_window(tmp_path: Path, store: HistoryStore, run_async: Callable[..., Any]) -> Iterator[
        Callable[[str], MainWindow]]:
    made: list[MainWindow] = []

    def make(kind: str) -> MainWindow:
        window = MainWindow(store, AppSettings(tmp_path / "settings.ini"), LaunchOptions(),
                            engine_config=offering(kind, tmp_path))
        made.append(window)
        window.show()
        window.start()
        run_async(until(lambda: window.view.client is not None and window.view.client.state == SessionState.READY,
                        30, "ready"), timeout=40)
        return window

    yield make
    for window in made:
        window.close()
        run_async(until(lambda w=window: w.is_shut_down, 30, "window shut down"), timeout=40)


def red_image() -> QImage:
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    image.fill(QColor("red"))
    return image


def paste(qtbot: QtBot, window: MainWindow, image: QImage) -> None:
    mime = QMimeData()
    mime.setImageData(image)
    QApplication.clipboard().setMimeData(mime)
    qtbot.keyClick(window.view.prompt, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


def test_the_window_follows_a_rich_agent(make_window: Callable[[str], MainWindow], qtbot: QtBot,
                                         run_async: Callable[..., Any]) -> None:
    window = make_window("rich")
    view, status = window.view, window.status
    qtbot.waitUntil(lambda: status.model_box.count() == 2 and status.mode_box.count() == 2, timeout=5000)
    assert [status.model_box.itemText(i) for i in range(2)] == ["Small model", "Large model"]
    assert status.model_box.currentData() == "small" and status.mode_box.currentData() == "ask"
    commands = view.prompt.completer.model()
    # The agent sends its commands after answering session/new, so they may come a moment after READY.
    qtbot.waitUntil(lambda: sorted(commands.index(i, 0).data() for i in range(commands.rowCount()))
                    == ["/compact", "/review"], timeout=5000)
    paste(qtbot, window, red_image())
    assert [a.name for a in view.prompt.attachments()] == ["pasted image"]  # images are taken
    view.prompt.strip.clear()
    status.model_box.activated.emit(1)  # the user picks "Large model"
    run_async(until(lambda: view.client.models.current == "large", 10, "model chosen"), timeout=15)
    assert status.context_meter.text() == "Context: –"
    qtbot.keyClicks(view.prompt, "plan please")
    qtbot.keyClick(view.prompt, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: status.context_meter.text() == "Context: 25%", timeout=10000)
    assert "Cost so far: 0.25 USD" in status.context_meter.toolTip()
    assert "200,000" in status.context_meter.toolTip()
    qtbot.waitUntil(lambda: status.mode_box.currentData() == "plan", timeout=5000)
    assert status.model_box.currentData() == "large"


def test_an_agent_without_images_refuses_them_and_says_why(make_window: Callable[[str], MainWindow],
                                                           qtbot: QtBot) -> None:
    window = make_window("plain")
    view = window.view
    with qtbot.waitSignal(view.status_message, timeout=2000) as told:
        paste(qtbot, window, red_image())
    assert "does not accept images" in told.args[0]
    assert view.prompt.attachments() == ()
    assert "does not accept images" in view.attach_button.toolTip()
    assert window.status.model_box.count() == 0 and not window.status.mode_box.isEnabled()


def test_the_sign_in_panel_says_what_each_kind_of_method_needs(rich: GeminiSessionClient, qtbot: QtBot,
                                                               run_async: Callable[..., Any]) -> None:
    run_async(rich.start_session(), timeout=20)
    panel = SignInPanel()
    qtbot.addWidget(panel)
    panel.agent_command = ("/opt/agent/bin/agent", "--acp")
    panel.offer(rich.auth_methods, None, None)
    shown = {panel.method_box.itemText(i): panel.method_box.itemData(i) for i in range(panel.method_box.count())}
    assert list(shown) == ["Log in with the agent", "API key in the environment", "Log in in a terminal"]
    steps = {}
    for index in range(panel.method_box.count()):
        panel.method_box.setCurrentIndex(index)
        steps[panel.method_box.itemText(index)] = panel.agent_steps.text()
    assert steps["Log in with the agent"] == "Opens the agent's own login"
    assert "OFFER_API_KEY — Your API key" in steps["API key in the environment"]
    assert "OFFER_REGION" in steps["API key in the environment"]
    assert "https://example.invalid/keys" in steps["API key in the environment"]
    assert ("OFFER_LOGIN=1 /opt/agent/bin/agent --acp --login '--no browser'"
            in steps["Log in in a terminal"])
    with qtbot.waitSignal(panel.method_requested, timeout=1000) as asked:
        panel.findChild(type(panel.close_button), "signIn-agent").click()
    assert asked.args == ["tty-login"]
