"""Claude Code on the same engine: the pinned claude-code-acp (npm, installed privately by scripts/dev.py)
against a fake Anthropic Messages API on 127.0.0.1 (tests/support/fake_anthropic.py), through the conversation
layer as the app runs it. Skipped, saying why, only when the npm package could not be installed."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gemini_desktop.conversation.controller import ConversationController
from gemini_desktop.engine import (
    EngineConfig,
    EngineError,
    GeminiCommand,
    GeminiSessionClient,
    MessageChunk,
    SessionState,
)
from gemini_desktop.engine.agents.profiles import CLAUDE
from gemini_desktop.engine.child_launch import child_env
from gemini_desktop.store import HistoryStore
from tests.support.agent_turns import answer_texts, answer_the_tool_call
from tests.support.cli_env import cached_claude_entry, claude_environment
from tests.support.fake_anthropic import DEFAULT_MODEL, FakeAnthropic
from tests.support.processes import pid_alive, processes_with_home
from tests.support.qt_async import until

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def claude_command() -> GeminiCommand:
    """The pinned claude-code-acp that `python3 scripts/dev.py test` installed (or the one the environment names);
    skipped when it could not be installed (dev.py then sets the variable empty and says why)."""
    named = os.environ.get("GEMINI_DESKTOP_TEST_CLAUDE")
    if named == "":
        pytest.skip("@zed-industries/claude-code-acp could not be installed from npm here")
    cached = sorted((ROOT / ".cache").glob("claude-code-acp-*"))
    entries = [Path(named)] if named else [entry for entry in map(cached_claude_entry, cached) if entry]
    if not entries:
        pytest.skip("@zed-industries/claude-code-acp is not installed: run the tests with scripts/dev.py test")
    node = shutil.which("node")
    assert node, "Node.js is needed for the end-to-end tests"
    return GeminiCommand(program=node, args=(str(entries[0]),), acp_flag="")


@pytest.fixture
def fake_anthropic() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as fake:
        yield fake


@pytest.fixture
def claude_home(tmp_path: Path) -> Path:
    home = tmp_path / "claude-home"
    home.mkdir()
    return home


@pytest.fixture
def claude_config(claude_command: GeminiCommand, fake_anthropic: FakeAnthropic, claude_home: Path,
                  workdir: Path) -> EngineConfig:
    return EngineConfig(gemini=claude_command, agent=CLAUDE, cwd=workdir, model=DEFAULT_MODEL,
                        env=claude_environment(claude_home, fake_anthropic.base_url),
                        start_timeout=60.0, stall_timeout=60.0, permission_timeout=60.0, wedge_timeout=15.0,
                        restart_backoff=0.2)  # a killed claude is restarted without the 1 s pause


@pytest.fixture
def claude(claude_config: EngineConfig, run_async: Callable[..., Any]) -> Iterator[GeminiSessionClient]:
    engine = GeminiSessionClient(claude_config)
    yield engine
    run_async(engine.stop_session(), timeout=20)


@pytest.fixture
def conversation(claude: GeminiSessionClient, tmp_path: Path) -> Iterator[ConversationController]:
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    yield ConversationController(claude, store)
    store.close()


def test_the_profile_runs_claude_code_offline(claude_config: EngineConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    env = child_env(claude_config, False)
    assert env["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] == "1" and env["DISABLE_TELEMETRY"] == "1"
    assert env["ANTHROPIC_BASE_URL"].startswith("http://127.0.0.1:")
    monkeypatch.setenv("IS_SANDBOX", "yes")
    assert child_env(claude_config, False).get("IS_SANDBOX") == ("1" if os.geteuid() == 0 else None)


def test_three_turns_keep_context_in_one_claude_process(claude: GeminiSessionClient, fake_anthropic: FakeAnthropic,
                                                        run_async: Callable[..., Any]) -> None:
    async def scenario() -> None:
        await claude.start_session()
        pid = claude.process_id
        assert claude.agent_name == "Claude Code"
        fake_anthropic.reply("The capital is Paris.")
        first = await claude.chat("What is the capital of France?")
        assert first.text == "The capital is Paris."
        second = await claude.chat("And of Italy?")
        assert second.text == "echo: And of Italy?"
        third = await claude.chat("Which did I ask first?")
        assert third.text == "echo: Which did I ask first?"
        assert claude.process_id == pid
        texts = "\n".join(fake_anthropic.main_requests()[-1].texts())
        for earlier in ("What is the capital of France?", "The capital is Paris.", "And of Italy?",
                        "echo: And of Italy?"):
            assert earlier in texts

    run_async(scenario(), timeout=150)


@pytest.mark.parametrize("approve", [True, False], ids=["approved", "rejected"])
def test_a_tool_call_asks_the_app_and_follows_the_answer(approve: bool, claude: GeminiSessionClient,
                                                        conversation: ConversationController,
                                                        fake_anthropic: FakeAnthropic, workdir: Path,
                                                        run_async: Callable[..., Any]) -> None:
    target = workdir / "hello.txt"
    fake_anthropic.reply("I will write the file.", tool="Write",
                         tool_input={"file_path": str(target), "content": "hello from claude\n"})
    fake_anthropic.reply("Done.")

    async def scenario() -> None:
        await claude.start_session()
        entry = await answer_the_tool_call(conversation, "Write hello.txt", approve)
        assert str(target) in entry.call.paths

    run_async(scenario(), timeout=150)
    results = [result for request in fake_anthropic.main_requests() for result in request.tool_results()]
    if approve:
        assert len(results) == 1 and not results[0].get("is_error")
        assert target.read_text(encoding="utf-8") == "hello from claude\n"
        assert "Done." in answer_texts(conversation)[-1]
    else:  # Claude Code ends the turn on a refusal: the model is not asked again, nothing is written
        assert results == [] and len(fake_anthropic.main_requests()) == 1
        assert not target.exists()


def cancel_mid_answer(claude: GeminiSessionClient, fake_anthropic: FakeAnthropic) -> Any:
    """Start a turn whose answer the fake holds after its first word, and cancel it once that word is shown."""
    async def cancelled() -> None:
        await claude.start_session()
        held = fake_anthropic.reply("a long answer that never ends", hold=True)
        chunks: list[Any] = []
        claude.event.connect(lambda event: chunks.append(event) if isinstance(event, MessageChunk) else None)
        turn = asyncio.ensure_future(claude.chat("Write forever"))
        await until(lambda: any(chunk.text.strip() for chunk in chunks), timeout=60)
        claude.cancel()
        result = await asyncio.wait_for(turn, 15)
        assert result.stop_reason == "cancelled"
        held.release()

    return cancelled()


def test_cancel_mid_answer_ends_the_turn_at_once(claude: GeminiSessionClient, fake_anthropic: FakeAnthropic,
                                                 run_async: Callable[..., Any]) -> None:
    run_async(cancel_mid_answer(claude, fake_anthropic), timeout=120)
    assert claude.state == SessionState.READY


@pytest.mark.xfail(reason="claude-code-acp 0.16.2: now and then (seen in 2 of 3 runs, 2026-12) it streams the "
                          "cancelled answer on without ever answering the cancelled prompt (the engine drops that "
                          "text), and then never answers the next prompt either; the engine then replaces it (see "
                          "the test below)", strict=False)
def test_the_first_message_after_a_cancel_is_answered(claude: GeminiSessionClient, fake_anthropic: FakeAnthropic,
                                                      run_async: Callable[..., Any]) -> None:
    async def scenario() -> None:
        await cancel_mid_answer(claude, fake_anthropic)
        after = await asyncio.wait_for(claude.chat("Still there?"), 20)
        assert after.text == "echo: Still there?"

    run_async(scenario(), timeout=100)


def test_the_users_next_message_after_a_cancel_is_answered(claude: GeminiSessionClient,
                                                          fake_anthropic: FakeAnthropic,
                                                          caplog: pytest.LogCaptureFixture,
                                                          run_async: Callable[..., Any]) -> None:
    """Whatever claude-code-acp does after the cancel, the app never hangs: when it never answers the first message
    after it (the upstream fault above), that turn fails within wedge_timeout and the agent is replaced, so the
    message sent again is answered."""
    async def scenario() -> str:
        await cancel_mid_answer(claude, fake_anthropic)
        try:
            return (await asyncio.wait_for(claude.chat("Still there?"), 3 * claude.config.wedge_timeout)).text
        except EngineError as wedged:
            assert "did not answer this message" in str(wedged) and "taken for wedged" in caplog.text
        return (await asyncio.wait_for(claude.chat("Still there?"), 90)).text

    with caplog.at_level(logging.WARNING):
        text = run_async(scenario(), timeout=200)
    assert text.startswith("echo: ") and text.endswith("Still there?")


def test_a_killed_claude_is_restarted_and_the_conversation_goes_on(claude: GeminiSessionClient,
                                                                   fake_anthropic: FakeAnthropic,
                                                                   claude_home: Path,
                                                                   run_async: Callable[..., Any]) -> None:
    async def scenario() -> None:
        await claude.start_session()
        fake_anthropic.reply("Remember: the password is swordfish.")
        await claude.chat("Remember a password for me")
        pid = claude.process_id
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        await until(lambda: claude.state == SessionState.READY and claude.process_id not in (None, pid), timeout=90)
        answer = await claude.chat("What was the password?")
        assert answer.text == "echo: What was the password?"
        assert "swordfish" in "\n".join(fake_anthropic.main_requests()[-1].texts())  # loaded, or sent along

    run_async(scenario(), timeout=200)


def test_no_claude_process_outlives_the_stop(claude: GeminiSessionClient, claude_home: Path,
                                             run_async: Callable[..., Any]) -> None:
    async def scenario() -> None:
        await claude.start_session()
        await claude.chat("hello")
        pid = claude.process_id
        assert pid is not None and len(processes_with_home(claude_home)) >= 2  # claude-code-acp and its claude
        started = time.monotonic()
        await claude.stop_session()
        # claude-code-acp outlives its stdin: quitting must not wait out the 3 s granted to agents that exit then
        assert time.monotonic() - started < 2.5
        await until(lambda: not pid_alive(pid) and not processes_with_home(claude_home), timeout=15)

    run_async(scenario(), timeout=150)
