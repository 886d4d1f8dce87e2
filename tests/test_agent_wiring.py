"""Each conversation launches its own agent: bad agents fail with their name and stderr, the others go on."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gemini_desktop.conversation.model import Notice
from gemini_desktop.engine import EngineConfig, EngineError, GeminiCommand
from gemini_desktop.engine.agents.launch import AgentLauncher, AgentSetup
from gemini_desktop.engine.session_manager import ManagerPolicy, SessionManager
from gemini_desktop.settings import AppSettings, LaunchOptions
from gemini_desktop.store import HistoryStore
from gemini_desktop.ui.main_window import MainWindow
from tests.support.qt_async import until

AGENT = Path(__file__).parent / "support" / "scripted_agent.py"


def wrapper(folder: Path, mode: str) -> Path:
    """An agent program the way a user would name one: an executable that ignores the profile's arguments."""
    script = folder / f"agent-{mode}"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{AGENT}" {mode}\n')
    script.chmod(0o755)
    return script


def gemini_config(tmp_path: Path) -> EngineConfig:
    """"gemini" here is the scripted agent: these tests are about the agents beside it, not gemini-cli."""
    return EngineConfig(gemini=GeminiCommand(program=sys.executable, args=(str(AGENT), "normal"), acp_flag=""),
                        cwd=tmp_path, start_timeout=10.0, max_restarts=0, state_dir=tmp_path / "state")


@pytest.fixture
def manager_for(tmp_path: Path, run_async: Callable[..., Any],
                monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., SessionManager]]:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))  # no qwen on PATH
    made: list[SessionManager] = []

    def make(program: str | None, policy: ManagerPolicy | None = None, default_agent: str = "") -> SessionManager:
        launcher = AgentLauncher(lambda name: AgentSetup(program=program) if name == "qwen-code" else AgentSetup(),
                                 tmp_path / "agents")
        policy = policy or ManagerPolicy(warm_spare=False, check_interval=3600)
        manager = SessionManager(gemini_config(tmp_path), policy, launcher=launcher, default_agent=default_agent)
        made.append(manager)
        return manager

    yield make
    for manager in made:
        run_async(manager.shutdown(), timeout=20)


def test_an_agent_that_is_not_installed_is_named_and_gemini_goes_on(
        manager_for: Callable[..., SessionManager], tmp_path: Path,
        run_async: Callable[..., Any]) -> None:
    manager = manager_for(None)
    assert not manager.launcher.installed("qwen-code") and manager.launcher.installed("gemini")

    async def scenario() -> str:
        with pytest.raises(EngineError, match=r"Qwen Code was not found.*npm install -g @qwen-code/qwen-code"):
            await manager.open_new(tmp_path, agent="qwen-code")
        with pytest.raises(EngineError, match="Unknown agent 'nonsense'"):
            await manager.open_new(tmp_path, agent="nonsense")
        gemini = await manager.open_new(tmp_path)
        assert gemini.agent == "gemini"
        return (await gemini.client.chat("hi")).text

    assert run_async(scenario(), timeout=30) == "ok: hi"
    assert manager.conversations and all(c.agent == "gemini" for c in manager.conversations)


@pytest.mark.parametrize(("mode", "expected"), [
    ("exit", r"Qwen Code exited with code 3\nQwen Code printed:\nscripted agent: refusing to start"),
    ("other-protocol", r"Qwen Code speaks ACP version 99; Gemini Desktop speaks version 1\.\nQwen Code printed:\n"
                       r"scripted agent: other-protocol on purpose"),
    ("bad-initialize", r"Qwen Code could not be started: Qwen Code sent an answer this app cannot read\.\n"
                       r"Qwen Code printed:\nscripted agent: bad-initialize on purpose"),
])
def test_a_broken_agent_says_its_name_and_stderr_and_the_next_conversation_works(
        manager_for: Callable[..., SessionManager], tmp_path: Path, run_async: Callable[..., Any],
        caplog: pytest.LogCaptureFixture, mode: str, expected: str) -> None:
    manager = manager_for(str(wrapper(tmp_path, mode)))
    assert manager.launcher.installed("qwen-code")

    async def scenario() -> str:
        with pytest.raises(EngineError, match=expected):
            await manager.open_new(tmp_path, agent="qwen-code")
        broken = next(c for c in manager.conversations if c.agent == "qwen-code")
        assert broken.client.process_id is None  # nothing left running
        gemini = await manager.open_new(tmp_path)
        return (await gemini.client.chat("still here?")).text

    with caplog.at_level(logging.WARNING):
        assert run_async(scenario(), timeout=40) == "ok: still here?"
    assert any(record.getMessage().startswith("Qwen Code could not start") for record in caplog.records)


def test_the_cap_counts_every_agents_children_and_the_spare_is_the_default_agents(
        manager_for: Callable[..., SessionManager], tmp_path: Path, run_async: Callable[..., Any]) -> None:
    manager = manager_for(str(wrapper(tmp_path, "normal")), ManagerPolicy(max_live_processes=2, check_interval=3600),
                          "qwen-code")

    async def scenario() -> None:
        manager.warm_up(tmp_path)
        spare = await manager.spare_ready()
        assert spare is not None and manager.live_processes == 1
        gemini = await manager.open_new(tmp_path, agent="gemini")  # not the spare: that one is Qwen Code's
        assert gemini.agent == "gemini" and gemini.client.process_id != spare
        qwen = await manager.open_new(tmp_path)  # the default agent: the spare's process
        assert qwen.agent == "qwen-code" and qwen.client.process_id == spare
        assert (await qwen.client.chat("hi")).text == "ok: hi"
        second = await manager.open_new(tmp_path, agent="gemini")  # a third child for a cap of 2:
        await until(lambda: gemini.client.process_id is None, timeout=10)  # the least recently used yields
        assert manager.live_processes == 2 and qwen.client.process_id == spare
        assert second.client.process_id is not None
        assert (await gemini.client.chat("back?")).text == "ok: back?"  # resumed on its own agent
        assert gemini.client.agent.is_gemini

    run_async(scenario(), timeout=60)


def test_the_window_shows_a_broken_agent_in_its_conversation(
        tmp_path: Path, run_async: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """File › New conversation with › Qwen Code, where Qwen Code is a program chosen in Settings that exits."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))
    settings = AppSettings(tmp_path / "settings.ini")
    settings.set_agent_program("qwen-code", str(wrapper(tmp_path, "exit")))
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    window = MainWindow(store, settings, LaunchOptions(), gemini_config(tmp_path))
    try:
        window.show()
        run_async(window.start(), timeout=30)
        menu = window.menus.agent_menu
        menu.refresh()
        assert menu.entries["qwen-code"].text() == "Qwen Code"
        assert menu.entries["gemini"].text() == "Gemini CLI (default)"
        assert menu.entries["claude-code"].text() == "Claude Code (not installed)"
        assert menu.commands["qwen-code"].text() == "New conversation with Qwen Code"
        menu.entries["qwen-code"].trigger()
        broken = window.view
        run_async(until(lambda: any(isinstance(e, Notice) and "refusing to start" in e.text
                                    for e in broken.transcript.model.entries), timeout=20))
        notice = next(e for e in broken.transcript.model.entries if isinstance(e, Notice) and e.kind == "error")
        assert notice.text.startswith("Qwen Code exited with code 3")
        window.new_session()  # Ctrl+N: the default agent, unaffected
        run_async(until(lambda: window.client is not None and window.client.state == "ready", timeout=20))
        assert window.client is not None and window.client.agent.is_gemini
        assert run_async(window.client.chat("hello"), timeout=20).text == "ok: hello"
    finally:
        window.close()
        run_async(until(lambda: window.is_shut_down), timeout=30)
        store.close()
