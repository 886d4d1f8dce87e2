"""The custom ACP agent as Settings › Agents saves it: the real Qwen Code typed in as a command with arguments and an
environment whose key lives in the keyring only, answering through the local API (its models listed as
`custom/…`); and an empty command, a missing one and one that exits at once, each named in the error."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from gemini_desktop.api.server import ApiServer
from gemini_desktop.conversation.agent_choice import AgentSetups
from gemini_desktop.conversation.open_conversations import OpenConversations
from gemini_desktop.conversation.workspace import Workspace
from gemini_desktop.engine import EngineConfig, EngineError, GeminiCommand
from gemini_desktop.engine.agents.launch import AgentLauncher
from gemini_desktop.engine.session_manager import ManagerPolicy, SessionManager
from gemini_desktop.paths import api_token
from gemini_desktop.settings import AppSettings, CustomAgent, LaunchOptions
from gemini_desktop.store import HistoryStore
from tests.support.cli_env import qwen_environment
from tests.support.fake_openai import DEFAULT_MODEL, FakeOpenAI
from tests.support.keyrings import MemoryKeyring

ROOT = Path(__file__).resolve().parent.parent
AGENT = Path(__file__).parent / "support" / "scripted_agent.py"
SECRET = "sk-custom-agent-secret-0123456789"


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def only_node(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    node = shutil.which("node")
    assert node, "Node.js is needed for the end-to-end tests"
    monkeypatch.setenv("PATH", os.path.dirname(node))


@pytest.mark.e2e
def test_qwen_code_as_the_custom_agent_answers_the_api_with_its_key_from_the_keyring(
        tmp_path: Path, engine_config: EngineConfig, fake_openai: FakeOpenAI, memory_keyring: MemoryKeyring,
        only_node: None, run_async: Callable[..., Any]) -> None:
    qwen = next((ROOT / ".cache").glob("qwen-code-*")) / "node_modules" / ".bin" / "qwen"
    home = tmp_path / "qwen-home"
    home.mkdir()
    settings = AppSettings(tmp_path / "settings.ini")
    env = (("OPENAI_API_KEY", SECRET), *qwen_environment(home).items())
    assert settings.save_custom_agent(CustomAgent(
        str(qwen), ("--acp", "--auth-type", "openai", "--openai-base-url", fake_openai.base_url), env))
    settings.sync()
    assert SECRET not in (tmp_path / "settings.ini").read_text()
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    workspace = Workspace(settings, LaunchOptions(agent="custom"), engine_config)
    conversations = OpenConversations(workspace, store)
    server = ApiServer(conversations, api_token, port=0)

    async def scenario() -> None:
        port = await server.start()
        client = openai.AsyncOpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=api_token(), max_retries=0)
        assert workspace.agent_installed("custom")
        fake_openai.reply("Custom agent here.")
        answer = await client.chat.completions.create(model=f"custom/{DEFAULT_MODEL}", user="custom",
                                                      messages=[{"role": "user", "content": "Who are you?"}])
        assert answer.choices[0].message.content == "Custom agent here."
        assert fake_openai.stream_requests()[-1].authorization == f"Bearer {SECRET}"
        ids = [model.id async for model in await client.models.list()]
        assert f"custom/{DEFAULT_MODEL}" in ids
        [key] = conversations.open_keys()
        assert conversations.get(key).client.agent.display_name == "Custom ACP agent"
        await client.close()

    try:
        run_async(scenario(), timeout=200)
    finally:
        run_async(server.stop())
        run_async(conversations.close_all(), timeout=30)
        run_async(workspace.shutdown(), timeout=30)
        store.close()


@pytest.mark.parametrize(("agent", "expected"), [
    (CustomAgent(), r"^Custom ACP agent has no command yet: set one in Settings › Agents\.$"),
    (CustomAgent("no-such-agent-program"), r"^Custom ACP agent was not found \(no program `no-such-agent-program`\)"),
    (CustomAgent(sys.executable, (str(AGENT), "exit")),
     r"^Custom ACP agent exited with code 3\nCustom ACP agent printed:\nscripted agent: refusing to start$"),
])
def test_a_custom_agent_that_cannot_run_is_named_and_gemini_goes_on(
        tmp_path: Path, run_async: Callable[..., Any], memory_keyring: MemoryKeyring, only_node: None,
        agent: CustomAgent, expected: str) -> None:
    settings = AppSettings(tmp_path / "settings.ini")
    settings.save_custom_agent(agent)
    gemini = EngineConfig(gemini=GeminiCommand(program=sys.executable, args=(str(AGENT), "normal"), acp_flag=""),
                          cwd=tmp_path, start_timeout=10.0, max_restarts=0, state_dir=tmp_path / "state")
    setups = AgentSetups(settings)
    manager = SessionManager(gemini, ManagerPolicy(warm_spare=False, check_interval=3600),
                             launcher=AgentLauncher(setups, tmp_path / "agents"))

    async def scenario() -> str:
        await setups.load()
        with pytest.raises(EngineError, match=expected):
            await manager.open_new(tmp_path, agent="custom")
        other = await manager.open_new(tmp_path)
        return (await other.client.chat("still here?")).text

    try:
        assert run_async(scenario(), timeout=40) == "ok: still here?"
    finally:
        run_async(manager.shutdown(), timeout=20)
