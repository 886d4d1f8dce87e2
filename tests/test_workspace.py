"""The Workspace without any widget: settings become the manager's policy, gemini missing, restore, shutdown."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gemini_desktop.conversation.workspace import GeminiUnavailable, Workspace, usable_folder
from gemini_desktop.engine import EngineConfig, SessionState
from gemini_desktop.settings import AppSettings, LaunchOptions
from tests.support.processes import pid_alive


@pytest.fixture
def settings(tmp_path: Path) -> AppSettings:
    return AppSettings(tmp_path / "settings.ini")


def test_damaged_policy_settings_fall_back_to_the_defaults(settings: AppSettings) -> None:
    settings.path.write_text("[manager]\nmax_live_processes=lots\nidle_suspend_minutes=-5\n"
                             "recycle_memory_mb=1e99\nwarm_spare=maybe\n[session]\nopen=3,x,,7\ncurrent=zz\n")
    reread = AppSettings(settings.path)
    assert (reread.max_live_processes, reread.idle_suspend_minutes, reread.recycle_memory_mb) == (4, 15, 1024)
    assert reread.warm_spare is True
    assert reread.open_conversations == [3, 7] and reread.current_conversation is None


def test_the_open_conversations_are_remembered_for_the_next_launch(settings: AppSettings) -> None:
    Workspace(settings).remember_open([5, 2, 9], 2)
    reread = AppSettings(settings.path)
    assert reread.open_conversations == [5, 2, 9] and reread.current_conversation == 2


def test_a_handed_over_folder_must_be_an_existing_absolute_folder(tmp_path: Path) -> None:
    assert usable_folder(str(tmp_path)) == tmp_path.resolve()
    for hostile in ("", "relative", str(tmp_path / "missing"), "/a\0b", "/" + "x" * 5000,
                    str(Path(__file__))):
        assert usable_folder(hostile) is None


def test_without_gemini_no_conversation_opens_and_the_reason_is_kept(
        settings: AppSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        run_async: Callable[..., Any]) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    workspace = Workspace(settings, LaunchOptions(gemini=str(tmp_path / "no-gemini")))
    problems: list[object] = []
    workspace.unavailable.connect(problems.append)
    assert run_async(workspace.open_new()) is None
    assert isinstance(workspace.problem, GeminiUnavailable) and problems == [workspace.problem]
    assert workspace.manager is None and workspace.process_ids() == []


@pytest.mark.e2e
def test_the_settings_are_the_managers_policy_and_shutdown_stops_every_child(
        settings: AppSettings, engine_config: EngineConfig, run_async: Callable[..., Any]) -> None:
    settings.max_live_processes = 3
    settings.idle_suspend_minutes = 0
    settings.recycle_memory_mb = 512
    workspace = Workspace(settings, engine_config=engine_config)

    async def scenario() -> None:
        opened: list[str] = []
        conversation = await workspace.open_new(on_open=lambda c: opened.append(c.key))
        assert conversation is not None and opened == [conversation.key]
        assert conversation.client.state == SessionState.READY
        manager = workspace.manager
        assert manager is not None
        policy = manager.policy
        assert (policy.max_live_processes, policy.idle_suspend_minutes, policy.recycle_rss_mb,
                policy.warm_spare) == (3, 0, 512, True)
        settings.warm_spare = False
        workspace.apply_policy()
        assert manager.policy.warm_spare is False
        spare = await manager.spare_ready()
        pids = workspace.process_ids()
        assert conversation.client.process_id in pids and (spare is None or spare in pids)
        await workspace.shutdown()
        assert not any(pid_alive(pid) for pid in pids)
        assert await workspace.open_new() is None  # nothing starts once the app is quitting

    run_async(scenario(), timeout=120)
