"""Node's compile cache for every agent child: a private folder that a real node fills, and the user's own
setting wins over it."""

from __future__ import annotations

import logging
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from gemini_desktop.engine import EngineConfig, GeminiCommand
from gemini_desktop.engine.agents.profiles import CUSTOM, GEMINI, PROFILES, QWEN, AgentProfile
from gemini_desktop.engine.child_launch import (
    COMPILE_CACHE_FOLDER,
    COMPILE_CACHE_SWITCHES,
    child_env,
    compile_cache_folder,
)
from gemini_desktop.engine.locate import parse_version

FIRST_NODE_WITH_THE_CACHE = (22, 1)


@pytest.fixture
def app_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A cache folder of this test's own, no compile cache chosen by the environment (the test command sets
    one for the whole run), and the app's folder looked up afresh."""
    for name in COMPILE_CACHE_SWITCHES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    compile_cache_folder.cache_clear()
    yield tmp_path / "cache" / "gemini-desktop" / COMPILE_CACHE_FOLDER
    compile_cache_folder.cache_clear()


def config_for(agent: AgentProfile, tmp_path: Path, env: dict[str, str] | None = None) -> EngineConfig:
    node = shutil.which("node")
    assert node, "Node.js is needed for these tests"
    return EngineConfig(gemini=GeminiCommand(program=node), cwd=tmp_path, agent=agent, env=env or {},
                        state_dir=tmp_path / "state")


def run_node(env: dict[str, str], tmp_path: Path) -> str:
    """A real node loading a module from a file (what the cache keeps), with the agent's environment; its
    version."""
    script = tmp_path / "agent.js"
    script.write_text("process.stdout.write(process.version)\n", encoding="utf-8")
    done = subprocess.run([shutil.which("node") or "node", str(script)], env=env, capture_output=True, text=True,
                          timeout=30, check=True)
    return done.stdout


@pytest.mark.parametrize("agent", list(PROFILES.values()), ids=list(PROFILES))
def test_every_agent_gets_a_private_compile_cache(agent: AgentProfile, tmp_path: Path, app_cache: Path) -> None:
    env = child_env(config_for(agent, tmp_path), False)
    assert env["NODE_COMPILE_CACHE"] == str(app_cache)
    assert stat.S_IMODE(app_cache.stat().st_mode) == 0o700


def test_a_real_node_fills_the_compile_cache(tmp_path: Path, app_cache: Path) -> None:
    env = child_env(config_for(GEMINI, tmp_path), False)
    version = run_node(env, tmp_path)
    if (parse_version(version) or ()) < FIRST_NODE_WITH_THE_CACHE:
        pytest.skip(f"Node {version} has no compile cache (22.1+ does): `python3 scripts/dev.py test` runs 22")
    assert [file for file in app_cache.rglob("*") if file.is_file()], "node wrote no compile cache"


@pytest.mark.parametrize("name, value", [("NODE_COMPILE_CACHE", "/their/own/cache"),
                                         ("NODE_DISABLE_COMPILE_CACHE", "1")])
def test_the_users_own_compile_cache_setting_wins(name: str, value: str, tmp_path: Path, app_cache: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Set in the user's environment or in an agent's own (a custom agent's settings), it stays as it is."""
    monkeypatch.setenv(name, value)
    from_the_user = child_env(config_for(QWEN, tmp_path), False)
    monkeypatch.delenv(name)
    from_the_agent = child_env(config_for(CUSTOM, tmp_path, {name: value}), False)
    for env in (from_the_user, from_the_agent):
        assert env[name] == value
        assert env.get("NODE_COMPILE_CACHE") == (value if name == "NODE_COMPILE_CACHE" else None)
    assert not app_cache.exists()


def test_an_impossible_cache_folder_is_said_once_and_the_child_still_starts(
        tmp_path: Path, app_cache: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "cache").write_text("a file where the cache folder should be")
    with caplog.at_level(logging.WARNING, logger="gemini_desktop.engine.child_launch"):
        envs = [child_env(config_for(GEMINI, tmp_path), False) for _ in range(2)]
    assert all("NODE_COMPILE_CACHE" not in env for env in envs)
    said = [record for record in caplog.records if record.name == "gemini_desktop.engine.child_launch"]
    assert len(said) == 1 and "compile cache" in said[0].getMessage()
    assert run_node(envs[1], tmp_path).startswith("v")
