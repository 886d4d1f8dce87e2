"""The API key stays out of places it must not reach: the gemini child's environment (every tool the model
runs inherits it) and the crash banner's details (copied into bug reports and screenshots)."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from gemini_desktop.engine import EngineConfig, GeminiCommand, GeminiSessionClient, SessionState
from gemini_desktop.settings import AppSettings
from gemini_desktop.store import HistoryStore
from gemini_desktop.ui.main_window import MainWindow
from tests.support.cli_env import cli_environment
from tests.support.fake_gemini import FakeGemini
from tests.support.qt_async import until
from tests.support.scripted_agent import LEAKED_KEY

pytestmark = pytest.mark.e2e

AGENT = Path(__file__).parent / "support" / "scripted_agent.py"
SECRET = "AIzaSyKeptOutOfTheChildEnvironment012345"


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads the child's environment from /proc")
def test_the_api_key_reaches_gemini_over_acp_and_never_its_environment(
        engine_config: EngineConfig, cli_home: Path, fake_gemini: FakeGemini,
        run_async: Callable[..., Any]) -> None:
    config = dataclasses.replace(engine_config, env=cli_environment(cli_home, fake_gemini.base_url, api_key=None),
                                 api_key=SECRET)
    client = GeminiSessionClient(config)

    async def scenario() -> tuple[bytes, str]:
        try:
            await client.start_session()
            environment = Path(f"/proc/{client.process_id}/environ").read_bytes()
            return environment, (await client.chat("hi")).text
        finally:
            await client.stop_session()

    environment, answer = run_async(scenario(), timeout=120)
    assert SECRET.encode() not in environment
    assert b"GEMINI_API_KEY=" not in environment
    assert answer == "Echo: hi"
    assert fake_gemini.stream_requests()[-1].headers.get("x-goog-api-key") == SECRET


def test_the_crash_banner_masks_an_api_key_the_agent_printed_before_dying(
        tmp_path: Path, qtbot: QtBot, run_async: Callable[..., Any]) -> None:
    config = EngineConfig(gemini=GeminiCommand(program=sys.executable, args=(str(AGENT), "leak-key")),
                          cwd=tmp_path, start_timeout=10.0, max_restarts=0, state_dir=tmp_path / "state")
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    window = MainWindow(store, AppSettings(tmp_path / "settings.ini"), engine_config=config)
    qtbot.addWidget(window)
    window.show()

    async def scenario() -> None:
        window.start()
        await until(lambda: window.client is not None and window.client.state == SessionState.READY, 20, "ready")
        assert window.controller is not None
        window.controller.submit("anything")
        await until(window.crash_banner.isVisible, 20, "crash banner")

    try:
        run_async(scenario(), timeout=40)
        details = window.crash_banner.stderr_view.toPlainText()
        shown = window.crash_banner.reason.text() + "\n" + details
        assert "GEMINI_API_KEY=" in details and "[REDACTED]" in details  # the lines are there, the key is not
        assert LEAKED_KEY not in shown
    finally:
        window.close()
        run_async(until(lambda: window.is_shut_down, 20, "window shut down"), timeout=30)
        store.close()
