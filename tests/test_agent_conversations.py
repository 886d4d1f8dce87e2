"""A Qwen Code conversation beside a gemini one, through the Workspace and the controllers, as the app runs
them: the real pinned Qwen Code (found in the app's private npm folder) against a fake OpenAI server, the real
gemini-cli against the fake Gemini server; then the Qwen conversation continued after the app restarts."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from gemini_desktop.api.server import ApiServer
from gemini_desktop.app import main
from gemini_desktop.conversation.open_conversations import OpenConversations
from gemini_desktop.conversation.workspace import Workspace
from gemini_desktop.engine import EngineConfig, SessionState
from gemini_desktop.engine.agents.launch import AgentLauncher, AgentSetup
from gemini_desktop.paths import api_token
from gemini_desktop.settings import AppSettings, LaunchOptions
from gemini_desktop.store import HistoryStore
from tests.support.cli_env import qwen_arguments, qwen_environment
from tests.support.fake_gemini import FakeGemini
from tests.support.fake_openai import DEFAULT_MODEL, FakeOpenAI
from tests.support.processes import processes_with_home
from tests.support.qt_async import until

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def agents_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The pinned Qwen Code as the app's own private npm install; only node on PATH (no `qwen` there)."""
    cached = sorted((ROOT / ".cache").glob("qwen-code-*"))
    if not cached:
        pytest.fail("Qwen Code is not installed: run the tests with `python3 scripts/dev.py test`")
    folder = tmp_path / "agents"
    folder.mkdir()
    (folder / "qwen-code").symlink_to(cached[-1])
    node = shutil.which("node")
    assert node, "Node.js is needed for the end-to-end tests"
    monkeypatch.setenv("PATH", os.path.dirname(node))
    return folder


@pytest.fixture
def qwen_launcher(tmp_path: Path, agents_dir: Path, fake_openai: FakeOpenAI) -> AgentLauncher:
    """Qwen Code pointed at the fake OpenAI server, with a home of its own."""
    qwen_home = tmp_path / "qwen-home"
    qwen_home.mkdir(exist_ok=True)
    setup = AgentSetup(args=qwen_arguments(fake_openai.base_url), env=qwen_environment(qwen_home),
                       model=DEFAULT_MODEL)
    return AgentLauncher(lambda name: setup if name == "qwen-code" else AgentSetup(), agents_dir)


def answers(store: HistoryStore, history_id: int) -> list[str]:
    return [m.text for m in store.messages(history_id) if m.role == "assistant" and m.state == "complete"]


def test_a_qwen_conversation_beside_a_gemini_one_and_after_a_restart(
        tmp_path: Path, engine_config: EngineConfig, fake_gemini: FakeGemini, fake_openai: FakeOpenAI,
        qwen_launcher: AgentLauncher, run_async: Callable[..., Any]) -> None:
    qwen_home = tmp_path / "qwen-home"
    settings = AppSettings(tmp_path / "settings.ini")
    settings.warm_spare = False
    store = HistoryStore.open(tmp_path / "history.sqlite3")

    def launch() -> tuple[Workspace, OpenConversations]:
        workspace = Workspace(settings, engine_config=engine_config, agents=qwen_launcher)
        return workspace, OpenConversations(workspace, store)

    async def first_run() -> int:
        workspace, conversations = launch()
        qwen_key = await conversations.open_new(agent="qwen-code")
        gemini_key = await conversations.open_new()
        assert qwen_key and gemini_key
        qwen, gemini = conversations.get(qwen_key), conversations.get(gemini_key)
        assert qwen is not None and gemini is not None
        assert qwen.client.agent.name == "qwen-code" and gemini.client.agent.is_gemini
        pid = qwen.client.process_id
        fake_openai.reply("The capital is Paris.")
        fake_gemini.reply("Gemini here.")
        qwen.submit("What is the capital of France?")
        gemini.submit("Who are you?")
        await until(lambda: qwen.store_session_id is not None and gemini.store_session_id is not None
                    and len(answers(store, qwen.store_session_id)) == 1
                    and len(answers(store, gemini.store_session_id)) == 1, timeout=90)
        qwen.submit("And of Italy?")
        history_id = qwen.store_session_id
        assert history_id is not None
        await until(lambda: len(answers(store, history_id)) == 2, timeout=60)
        assert answers(store, history_id) == ["The capital is Paris.", "echo: And of Italy?"]
        assert answers(store, gemini.store_session_id) == ["Gemini here."]
        assert qwen.client.process_id == pid  # one process for both turns
        texts = "\n".join(fake_openai.stream_requests()[-1].texts())
        assert "What is the capital of France?" in texts and "The capital is Paris." in texts
        record, gemini_record = store.get_session(history_id), store.get_session(gemini.store_session_id)
        assert record is not None and record.agent == "qwen-code"
        assert gemini_record is not None and gemini_record.agent == ""
        assert workspace.manager is not None and workspace.manager.live_processes == 2
        await conversations.close_all()
        await workspace.shutdown()
        await until(lambda: not processes_with_home(qwen_home), timeout=15)
        return history_id

    async def after_restart(history_id: int) -> None:
        workspace, conversations = launch()
        key = await conversations.open_history(history_id)
        assert key is not None
        controller = conversations.get(key)
        assert controller is not None and controller.client.agent.name == "qwen-code"
        assert controller.client.state == SessionState.READY
        controller.submit("Which did I ask first?")
        await until(lambda: len(answers(store, history_id)) == 3, timeout=90)
        texts = "\n".join(fake_openai.stream_requests()[-1].texts())
        assert "What is the capital of France?" in texts  # loaded by Qwen Code, or sent along
        await conversations.close_all()
        await workspace.shutdown()

    try:
        history_id = run_async(first_run(), timeout=200)
        run_async(after_restart(history_id), timeout=150)
    finally:
        store.close()


def test_serve_with_qwen_as_the_default_agent_answers_the_official_openai_client(
        tmp_path: Path, engine_config: EngineConfig, fake_gemini: FakeGemini, fake_openai: FakeOpenAI,
        qwen_launcher: AgentLauncher, run_async: Callable[..., Any]) -> None:
    """What `serve --agent qwen-code` runs: plain model ids go to Qwen Code, `gemini/…` to gemini."""
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    workspace = Workspace(AppSettings(tmp_path / "settings.ini"), LaunchOptions(agent="qwen-code"), engine_config,
                          agents=qwen_launcher)
    conversations = OpenConversations(workspace, store)
    server = ApiServer(conversations, api_token, port=0)

    async def scenario() -> None:
        port = await server.start()
        client = openai.AsyncOpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=api_token(), max_retries=0)
        fake_openai.reply("Noted: blue.")
        messages: list[Any] = [{"role": "user", "content": "My colour is blue."}]
        first = await client.chat.completions.create(model=DEFAULT_MODEL, messages=messages, user="colours")
        assert first.choices[0].message.content == "Noted: blue."
        messages += [{"role": "assistant", "content": "Noted: blue."}, {"role": "user", "content": "Colour?"}]
        second = await client.chat.completions.create(model=f"qwen-code/{DEFAULT_MODEL}", messages=messages,
                                                      user="colours")
        assert second.choices[0].message.content == "echo: Colour?"
        assert "My colour is blue." in "\n".join(fake_openai.stream_requests()[-1].texts())
        fake_gemini.reply("Gemini answers.")
        other = await client.chat.completions.create(model="gemini/gemini-2.5-flash",
                                                     messages=[{"role": "user", "content": "Hi"}])
        assert other.choices[0].message.content == "Gemini answers."
        ids = [model.id async for model in await client.models.list()]
        assert f"qwen-code/{DEFAULT_MODEL}" in ids and "gemini-2.5-flash" in ids
        with pytest.raises(openai.BadRequestError, match="Unknown agent 'nope'"):
            await client.chat.completions.create(model="nope/x", messages=[{"role": "user", "content": "Hi"}])
        agents = sorted(conversations.get(key).client.agent.name for key in conversations.open_keys())
        assert agents == ["gemini", "qwen-code"]
        await client.close()

    try:
        run_async(scenario(), timeout=200)
    finally:
        run_async(server.stop())
        run_async(conversations.close_all(), timeout=30)
        run_async(workspace.shutdown(), timeout=30)
        store.close()


def test_an_unknown_agent_on_the_command_line_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    for arguments in (["--agent", "nope"], ["serve", "--agent", "nope"]):
        assert main(arguments) == 2
        assert "Unknown agent 'nope': choose one of gemini, antigravity, qwen-code" in capsys.readouterr().err
