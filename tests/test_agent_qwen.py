"""A second real ACP agent on the same engine: the pinned Qwen Code against a fake OpenAI-compatible server."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gemini_desktop.conversation.controller import ConversationController
from gemini_desktop.engine import EngineConfig, GeminiCommand, GeminiSessionClient, MessageChunk, SessionState
from gemini_desktop.engine.agents.profiles import QWEN
from gemini_desktop.engine.child_launch import child_args
from gemini_desktop.store import HistoryStore
from tests.support.agent_turns import answer_texts, answer_the_tool_call
from tests.support.cli_env import qwen_arguments, qwen_environment
from tests.support.fake_openai import DEFAULT_MODEL, FakeOpenAI
from tests.support.processes import pid_alive, processes_with_home
from tests.support.qt_async import until

pytestmark = pytest.mark.e2e


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def qwen_home(tmp_path: Path) -> Path:
    home = tmp_path / "qwen-home"
    home.mkdir()
    return home


@pytest.fixture
def qwen_config(qwen_command: GeminiCommand, fake_openai: FakeOpenAI, qwen_home: Path, workdir: Path) -> EngineConfig:
    return EngineConfig(gemini=qwen_command, agent=QWEN, cwd=workdir, model=DEFAULT_MODEL,
                        env=qwen_environment(qwen_home), extra_args=qwen_arguments(fake_openai.base_url),
                        start_timeout=60.0, stall_timeout=60.0,
                        restart_backoff=0.2)  # a killed qwen is restarted without the 1 s pause


@pytest.fixture
def qwen(qwen_config: EngineConfig, run_async: Callable[..., Any]) -> Iterator[GeminiSessionClient]:
    engine = GeminiSessionClient(qwen_config)
    yield engine
    run_async(engine.stop_session(), timeout=20)


@pytest.fixture
def conversation(qwen: GeminiSessionClient, tmp_path: Path) -> Iterator[ConversationController]:
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    yield ConversationController(qwen, store)
    store.close()


def test_the_profile_launches_qwen_in_acp_mode_with_the_model(qwen_config: EngineConfig) -> None:
    args = child_args(qwen_config, qwen_config.gemini.acp_flag)
    assert args[1:4] == ["--acp", "-m", DEFAULT_MODEL]
    assert "GEMINI_CLI_NO_RELAUNCH" not in qwen_config.env


def test_three_turns_keep_context_in_one_qwen_process(qwen: GeminiSessionClient, fake_openai: FakeOpenAI,
                                                      run_async: Callable[..., Any]) -> None:
    async def scenario() -> None:
        await qwen.start_session()
        pid = qwen.process_id
        assert qwen.agent_name == "Qwen Code"
        assert qwen.prompt_capabilities is not None and qwen.prompt_capabilities.image
        fake_openai.reply("The capital is Paris.")
        first = await qwen.chat("What is the capital of France?")
        assert first.text == "The capital is Paris."
        assert first.stop_reason == "end_turn"
        second = await qwen.chat("And of Italy?")
        assert second.text == "echo: And of Italy?"
        third = await qwen.chat("Which did I ask first?")
        assert third.text == "echo: Which did I ask first?"
        assert qwen.process_id == pid
        texts = "\n".join(fake_openai.stream_requests()[-1].texts())
        for earlier in ("What is the capital of France?", "The capital is Paris.", "And of Italy?"):
            assert earlier in texts

    run_async(scenario(), timeout=150)


@pytest.mark.parametrize("approve", [True, False], ids=["approved", "rejected"])
def test_a_tool_call_asks_the_app_and_follows_the_answer(approve: bool, qwen: GeminiSessionClient,
                                                        conversation: ConversationController,
                                                        fake_openai: FakeOpenAI, workdir: Path,
                                                        run_async: Callable[..., Any]) -> None:
    target = workdir / "hello.txt"
    fake_openai.reply("I will write the file.", tool="write_file",
                      tool_args={"file_path": str(target), "content": "hello from qwen\n"})
    fake_openai.reply("Done.")

    async def scenario() -> None:
        await qwen.start_session()
        assert qwen.modes is not None and qwen.modes.current == "auto"  # Qwen's own default: a classifier decides
        await qwen.set_mode("default")  # every edit asks, as the mode box sets it
        await answer_the_tool_call(conversation, "Write hello.txt", approve)

    run_async(scenario(), timeout=150)
    # later requests (Qwen's suggestions, its memory) repeat the history, the tool's result with it
    results = {result for request in fake_openai.stream_requests() for result in request.tool_results()}
    if approve:
        assert len(results) == 1 and "hello.txt" in results.pop()
        assert target.read_text(encoding="utf-8") == "hello from qwen\n"
        assert "Done." in answer_texts(conversation)[-1]
    else:  # as Claude Code does, Qwen Code ends the turn on a refusal: nothing written, the model not told
        assert results == set() and not target.exists()


def test_cancel_ends_the_turn_and_the_next_one_works(qwen: GeminiSessionClient, fake_openai: FakeOpenAI,
                                                     run_async: Callable[..., Any]) -> None:
    async def scenario() -> None:
        await qwen.start_session()
        held = fake_openai.reply("a long answer that never ends", hold=True)
        chunks: list[Any] = []
        qwen.event.connect(lambda event: chunks.append(event) if isinstance(event, MessageChunk) else None)
        turn = asyncio.ensure_future(qwen.chat("Write forever"))
        # Stopped while it streams, as a person does. Qwen Code 0.24.4 answers "cancelled" at once but may keep
        # its model request open, and whatever that request still receives then streams into the next turn with
        # nothing to tell the two apart; so the held rest is let go only once the next turn is answered.
        await until(lambda: bool(chunks), timeout=30)
        qwen.cancel()
        result = await asyncio.wait_for(turn, 10)
        assert result.stop_reason == "cancelled"
        after = await qwen.chat("Still there?")
        held.release()
        assert after.text == "echo: Still there?"

    run_async(scenario(), timeout=150)


def test_a_killed_qwen_is_restarted_and_the_conversation_goes_on(qwen: GeminiSessionClient, fake_openai: FakeOpenAI,
                                                                 run_async: Callable[..., Any]) -> None:
    async def scenario() -> None:
        await qwen.start_session()
        fake_openai.reply("Remember: the password is swordfish.")
        await qwen.chat("Remember a password for me")
        pid = qwen.process_id
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        await until(lambda: qwen.state == SessionState.READY and qwen.process_id not in (None, pid), timeout=90)
        answer = await qwen.chat("What was the password?")
        assert answer.text == "echo: What was the password?"
        texts = "\n".join(fake_openai.stream_requests()[-1].texts())
        assert "swordfish" in texts  # loaded by the new process, or sent along with the message

    run_async(scenario(), timeout=200)


def test_no_qwen_process_outlives_the_stop(qwen: GeminiSessionClient, qwen_home: Path,
                                           run_async: Callable[..., Any]) -> None:
    async def scenario() -> None:
        await qwen.start_session()
        await qwen.chat("hello")
        pid = qwen.process_id
        assert pid is not None
        await qwen.stop_session()
        await until(lambda: not pid_alive(pid) and not processes_with_home(qwen_home), timeout=15)

    run_async(scenario(), timeout=150)
