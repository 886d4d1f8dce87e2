"""A hostile ACP agent (tests/support/scripted_agent.py) cannot hang a turn, break the session or get answers it
should not: every malformed answer fails that turn only, with a clear message, and the next turn works."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from gemini_desktop.engine import (
    EngineConfig,
    EngineError,
    GeminiCommand,
    GeminiSessionClient,
    MessageChunk,
    ProcessCrashed,
    PromptFailed,
    SessionState,
    cancel_aftermath,
    translate,
)
from gemini_desktop.engine.agent_callbacks import FILE_ERROR_CODE
from gemini_desktop.engine.agents.profiles import CUSTOM, GEMINI, AgentProfile
from gemini_desktop.engine.process import UnreadableMessage, parse_message
from gemini_desktop.engine.transport import UNREADABLE_ANSWER
from tests.support.qt_async import until

AGENT = Path(__file__).parent / "support" / "scripted_agent.py"
MALFORMED_KINDS = ("null-result", "string-result", "number-result", "unknown-stop-reason", "error-without-code",
                   "error-as-string", "neither-result-nor-error", "deep-result")


@pytest.fixture
def make_client(tmp_path: Path, run_async: Callable[..., Any]) -> Iterator[Callable[..., GeminiSessionClient]]:
    made: list[GeminiSessionClient] = []

    def make(mode: str, max_restarts: int = 0, serve_files: bool = True,
             agent: AgentProfile = GEMINI) -> GeminiSessionClient:
        client = GeminiSessionClient(EngineConfig(
            gemini=GeminiCommand(program=sys.executable, args=(str(AGENT), mode)),
            cwd=tmp_path, start_timeout=10.0, stall_timeout=30.0, max_restarts=max_restarts, restart_backoff=0.1,
            state_dir=tmp_path / "state", serve_files=serve_files, agent=agent))
        made.append(client)
        return client

    yield make
    for client in made:
        run_async(client.stop_session(timeout=3))


@pytest.mark.parametrize("kind", MALFORMED_KINDS)
def test_a_malformed_prompt_answer_fails_only_that_turn_and_the_session_stays_usable(
        make_client: Callable[..., GeminiSessionClient], run_async: Callable[..., Any], kind: str) -> None:
    client = make_client(f"malformed-prompt:{kind}")
    failures: list[tuple[int, str]] = []
    client.turn_failed.connect(lambda turn_id, reason: failures.append((turn_id, reason)))

    async def scenario() -> str:
        await client.start_session()
        pid = client.process_id
        with pytest.raises(PromptFailed, match=UNREADABLE_ANSWER):
            await client.chat("first")
        assert client.state == SessionState.READY
        later = await client.chat("again")
        assert client.process_id == pid
        return later.text

    assert run_async(scenario(), timeout=60) == "ok: again"
    assert [reason for _, reason in failures] == [UNREADABLE_ANSWER]


def test_a_deeply_nested_message_is_skipped_and_the_rest_of_the_same_read_arrives(
        make_client: Callable[..., GeminiSessionClient], run_async: Callable[..., Any]) -> None:
    client = make_client("deep-update")
    chunks: list[str] = []
    client.event.connect(lambda event: isinstance(event, MessageChunk) and chunks.append(event.text))

    assert run_async(client.chat("hi"), timeout=60).text == "ok: hi"
    assert chunks == ["ok: hi"]


def test_stop_ends_the_turn_at_once_even_when_the_agent_ignores_cancel(
        make_client: Callable[..., GeminiSessionClient], run_async: Callable[..., Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # the cancelled prompt is never answered: the next one goes out after ANSWER_WAIT, the 3 s of which prove nothing
    monkeypatch.setattr(cancel_aftermath, "ANSWER_WAIT", 0.5)
    client = make_client("wedged-cancel")
    chunks: list[str] = []
    client.event.connect(lambda event: isinstance(event, MessageChunk) and chunks.append(event.text))

    async def scenario() -> tuple[str, str, str]:
        await client.start_session()
        pending = asyncio.ensure_future(client.chat("think"))
        await until(lambda: bool(chunks), what="the first chunk")
        client.cancel()
        for _ in range(20):  # only our own tasks run: no answer from the agent is needed (nor ever comes)
            if pending.done():
                break
            await asyncio.sleep(0)
        assert pending.done(), "Stop left the turn waiting for the agent"
        stopped = pending.result()
        later = await client.chat("again")
        return stopped.stop_reason, stopped.text, later.text

    assert run_async(scenario(), timeout=60) == ("cancelled", "thinking hard", "ok: again")
    assert client.state == SessionState.READY


def test_a_connection_that_dies_under_a_running_gemini_restarts_it_and_the_conversation_goes_on(
        make_client: Callable[..., GeminiSessionClient], run_async: Callable[..., Any]) -> None:
    client = make_client("normal", max_restarts=1)
    crashes: list[str] = []
    client.crashed.connect(lambda reason, _tail: crashes.append(reason))

    async def break_the_sdk_receive_loop() -> None:
        raise RuntimeError("injected: the SDK's receive loop fails")

    async def scenario() -> str:
        await client.start_session()
        first_pid = client.process_id
        assert client._transport is not None
        client._transport.receive = break_the_sdk_receive_loop  # type: ignore[method-assign]
        with pytest.raises(ProcessCrashed, match="connection to gemini broke"):
            await client.chat("first")
        await until(lambda: bool(crashes) and client.state == SessionState.READY, what="the restart")
        assert client.process_id != first_pid
        return (await client.chat("again")).text

    text = run_async(scenario(), timeout=60)
    assert text.startswith("ok: ") and text.endswith("again")


def test_an_answer_that_breaks_the_screening_itself_still_ends_its_turn(
        make_client: Callable[..., GeminiSessionClient], run_async: Callable[..., Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    client = make_client("normal")

    def screening_fails(method: str, result: Any) -> str | None:
        raise RuntimeError("injected: a validator that fails")

    async def scenario() -> str:
        await client.start_session()
        monkeypatch.setattr(translate, "result_problem", screening_fails)
        with pytest.raises(PromptFailed, match=UNREADABLE_ANSWER):
            await client.chat("first")
        monkeypatch.undo()
        return (await client.chat("again")).text

    assert run_async(scenario(), timeout=60) == "ok: again"


@pytest.mark.parametrize("agent", [GEMINI, CUSTOM], ids=lambda agent: agent.name)
@pytest.mark.parametrize("serve_files", [False, True])
def test_client_methods_that_were_not_declared_are_answered_method_not_found(
        make_client: Callable[..., GeminiSessionClient], run_async: Callable[..., Any], serve_files: bool,
        agent: AgentProfile) -> None:
    """terminal/* is never declared; fs/* only when the client serves files (then a path outside the working
    folder is refused with an error of its own, not "method not found"), fs/read_text_file not to gemini, which
    reads files itself."""
    client = make_client("terminal-calls", serve_files=serve_files, agent=agent)
    text = run_async(client.chat("hi"), timeout=60).text
    terminal = ("terminal/create", "terminal/output", "terminal/wait_for_exit", "terminal/kill", "terminal/release")
    write_code = FILE_ERROR_CODE if serve_files else -32601
    read_code = -32601 if agent.reads_files_itself else write_code
    expected = [f"{method} -32601" for method in terminal] + [f"fs/read_text_file {read_code}",
                                                             f"fs/write_text_file {write_code}"]
    assert text == "ok: hi (" + ", ".join(expected) + ")"


@pytest.mark.parametrize("mode", ["bad-initialize", "bad-new"])
def test_a_broken_start_answer_fails_the_start_clearly_and_ends_failed(
        make_client: Callable[..., GeminiSessionClient], run_async: Callable[..., Any], mode: str) -> None:
    client = make_client(mode)
    states: list[str] = []
    client.state_changed.connect(states.append)

    async def scenario() -> BaseException:
        try:
            await client.start_session()
        except Exception as failure:  # the type is the point of the test
            return failure
        raise AssertionError("the start succeeded")

    failure = run_async(scenario(), timeout=60)
    assert isinstance(failure, EngineError) and not isinstance(failure, ValidationError)
    assert UNREADABLE_ANSWER in str(failure)
    assert client.state == SessionState.FAILED and states[-1] == str(SessionState.FAILED)
    assert UNREADABLE_ANSWER in client.last_error


@pytest.mark.parametrize("line", [
    '{"jsonrpc": "2.0", "id": 7, "result": {"x": ' + "[" * 1200 + "]" * 1200 + "}}",
    '{"jsonrpc": "2.0", "id": 7, "result": {"stopReason": "end_tu',
    '{"jsonrpc": "2.0", "result": {"id": 99, "text": "\\"id\\": 98", "x": ' + "[" * 1200 + "]" * 1200 + '}, "id": 7}',
])
def test_an_answer_that_cannot_be_parsed_still_names_the_request_it_ends(line: str) -> None:
    message = parse_message(line)
    assert isinstance(message, UnreadableMessage)
    assert message.request_id == 7 and message.method is None


def test_an_unparsable_line_without_an_id_is_dropped() -> None:
    assert parse_message('{"jsonrpc": "2.0", "method": "session/update", "params": ' + "[" * 2000) is None
