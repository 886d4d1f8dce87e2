"""Faults the real CLI cannot be made to show, with a scripted ACP agent: each ends in a clear state, no hang."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QObject

from gemini_desktop.conversation.controller import ConversationController
from gemini_desktop.conversation.model import AnswerText, Notice
from gemini_desktop.conversation.turns import TurnEnd
from gemini_desktop.engine import (
    EngineConfig,
    EngineError,
    GeminiCommand,
    GeminiSessionClient,
    MessageChunk,
    ProcessCrashed,
    SessionState,
    StartTimeout,
    cancel_aftermath,
)
from gemini_desktop.engine.cancel_aftermath import CancelAftermath
from gemini_desktop.engine.process import LineFramer, parse_message
from gemini_desktop.engine.tasks import TaskSet
from gemini_desktop.store import HistoryStore
from tests.support.processes import pid_alive
from tests.support.qt_async import until

AGENT = Path(__file__).parent / "support" / "scripted_agent.py"


def scripted(mode: str, tmp_path: Path, **overrides: Any) -> EngineConfig:
    defaults: dict[str, Any] = {"start_timeout": 5.0, "stall_timeout": 1.0, "max_restarts": 0,
                                "state_dir": tmp_path / "state"}
    return EngineConfig(gemini=GeminiCommand(program=sys.executable, args=(str(AGENT), mode)), cwd=tmp_path,
                        **{**defaults, **overrides})


@pytest.fixture
def make_client(tmp_path: Path, run_async: Callable[..., Any]) -> Iterator[Callable[..., GeminiSessionClient]]:
    made: list[GeminiSessionClient] = []

    def make(mode: str, **overrides: Any) -> GeminiSessionClient:
        client = GeminiSessionClient(scripted(mode, tmp_path, **overrides))
        made.append(client)
        return client

    yield make
    for client in made:
        run_async(client.stop_session(timeout=3))


def test_garbage_output_is_survived(make_client: Callable[..., GeminiSessionClient],
                                    run_async: Callable[..., Any]) -> None:
    client = make_client("garbage")
    result = run_async(client.chat("hi"), timeout=30)
    assert result.text == "ok: hi (unknown method answered -32601)"
    assert client.state == SessionState.READY


def test_split_multibyte_character_survives(make_client: Callable[..., GeminiSessionClient],
                                            run_async: Callable[..., Any]) -> None:
    client = make_client("split-utf8")
    assert run_async(client.chat("x")).text == "héllo 世界"


def test_agent_that_never_answers_initialize_times_out(make_client: Callable[..., GeminiSessionClient],
                                                       run_async: Callable[..., Any]) -> None:
    client = make_client("silent", start_timeout=1.5)
    with pytest.raises(StartTimeout, match="did not answer within 2 s"):
        run_async(client.start_session(), timeout=20)
    assert client.state == SessionState.FAILED
    assert client.process_id is None


def test_agent_that_exits_at_once_reports_code_and_stderr(make_client: Callable[..., GeminiSessionClient],
                                                          run_async: Callable[..., Any]) -> None:
    client = make_client("exit")
    with pytest.raises(ProcessCrashed) as failure:
        run_async(client.start_session(), timeout=20)
    assert failure.value.exit_code == 3
    assert "refusing to start" in failure.value.stderr_tail
    assert client.state == SessionState.FAILED


def test_missing_program_fails_clearly(tmp_path: Path, run_async: Callable[..., Any]) -> None:
    config = scripted("normal", tmp_path)
    config = dataclasses.replace(config, gemini=GeminiCommand(program=str(tmp_path / "no-such-gemini")))
    client = GeminiSessionClient(config)
    with pytest.raises(ProcessCrashed, match="could not be started"):
        run_async(client.start_session(), timeout=20)
    assert client.state == SessionState.FAILED


def test_crash_mid_stream_fails_the_turn(make_client: Callable[..., GeminiSessionClient],
                                         run_async: Callable[..., Any]) -> None:
    client = make_client("crash-turn")
    crashes: list[tuple[str, str]] = []
    client.crashed.connect(lambda reason, tail: crashes.append((reason, tail)))
    with pytest.raises(ProcessCrashed, match="code 9"):
        run_async(client.chat("go"), timeout=20)
    assert crashes and "code 9" in crashes[0][0]


def test_silent_turn_is_reported_as_stalled_and_can_be_cancelled(make_client: Callable[..., GeminiSessionClient],
                                                                  run_async: Callable[..., Any]) -> None:
    client = make_client("hang-turn")
    stalls: list[float] = []
    client.stalled.connect(stalls.append)

    async def scenario() -> str:
        await client.start_session()
        pending = asyncio.ensure_future(client.chat("anyone?"))
        while not stalls:
            await asyncio.sleep(0.05)
        client.cancel()
        return (await pending).stop_reason

    assert run_async(scenario(), timeout=30) == "cancelled"
    assert stalls[0] >= 1.0


def test_queued_messages_are_dropped_on_cancel(make_client: Callable[..., GeminiSessionClient],
                                               run_async: Callable[..., Any]) -> None:
    client = make_client("hang-turn")

    async def scenario() -> list[str]:
        await client.start_session()
        turns = [asyncio.ensure_future(client.chat(text)) for text in ("a", "b", "c")]
        while client.state != SessionState.BUSY:
            await asyncio.sleep(0.02)
        assert client.queued_count == 2
        client.cancel()
        return [(await t).stop_reason for t in turns]

    assert run_async(scenario(), timeout=30) == ["cancelled"] * 3


@pytest.mark.parametrize(("when", "quiet"), [("before-answer", None), ("after-answer", 1.0)])
def test_a_cancelled_turns_late_chunk_never_opens_the_next_answer(
        make_client: Callable[..., GeminiSessionClient], run_async: Callable[..., Any],
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, when: str, quiet: float | None) -> None:
    """"before-answer" is met by waiting for the cancelled prompt's answer (the agent is LATE s late, longer than the
    quiet time); "after-answer" by the quiet time after it (made long here, so a loaded machine cannot miss it)."""
    if quiet is not None:
        monkeypatch.setattr(cancel_aftermath, "QUIET", quiet)
        monkeypatch.setattr(cancel_aftermath, "QUIET_LIMIT", 3 * quiet)
    client = make_client(f"late-chunk:{when}")
    chunks: list[str] = []
    client.event.connect(lambda event: isinstance(event, MessageChunk) and chunks.append(event.text))

    async def scenario() -> tuple[str, str, str]:
        await client.start_session()
        pending = asyncio.ensure_future(client.chat("tell me"))
        await until(lambda: bool(chunks), what="the first chunk")
        client.cancel()
        stopped = await pending
        later = await client.chat("again")
        return stopped.stop_reason, stopped.text, later.text

    with caplog.at_level(logging.INFO, logger=cancel_aftermath.__name__):
        assert run_async(scenario(), timeout=30) == ("cancelled", "partial ", "ok: again")
    assert chunks == ["partial ", "ok: again"]  # "rest" was never shown
    assert "a late MessageChunk of it is dropped" in caplog.text


def test_stop_while_the_next_turn_waits_for_a_cancelled_one_ends_it_at_once(
        make_client: Callable[..., GeminiSessionClient], run_async: Callable[..., Any]) -> None:
    client = make_client("wedged-cancel")  # never answers the cancelled prompt: the next one waits ANSWER_WAIT s
    chunks: list[str] = []
    started: list[int] = []
    client.event.connect(lambda event: isinstance(event, MessageChunk) and chunks.append(event.text))
    client.turn_started.connect(lambda turn_id, _text: started.append(turn_id))

    async def scenario() -> str:
        await client.start_session()
        first = asyncio.ensure_future(client.chat("think"))
        await until(lambda: bool(chunks), what="the first chunk")
        client.cancel()
        await first
        waiting = asyncio.ensure_future(client.chat("again"))
        await until(lambda: len(started) == 2, what="the second turn")
        client.cancel()
        for _ in range(20):  # no answer from the agent, nor the end of ANSWER_WAIT, is needed
            if waiting.done():
                break
            await asyncio.sleep(0)
        assert waiting.done(), "Stop left the turn waiting for the cancelled one before it"
        return waiting.result().stop_reason

    assert run_async(scenario(), timeout=30) == "cancelled"


def test_an_agent_deaf_after_a_cancel_is_replaced_and_the_next_message_answered(
        make_client: Callable[..., GeminiSessionClient], run_async: Callable[..., Any],
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """The agent never answers the cancelled prompt nor the next one: that turn fails after wedge_timeout s of
    silence with a clear message, the agent is restarted on the conversation, and the message after it is answered."""
    monkeypatch.setattr(cancel_aftermath, "ANSWER_WAIT", 0.5)
    client = make_client("deaf-after-cancel", wedge_timeout=1.5, stall_timeout=60.0)
    chunks: list[str] = []
    failures: list[str] = []
    client.event.connect(lambda event: isinstance(event, MessageChunk) and chunks.append(event.text))
    client.turn_failed.connect(lambda _turn_id, reason: failures.append(reason))

    async def scenario() -> tuple[str, str]:
        await client.start_session()
        first = asyncio.ensure_future(client.chat("write forever"))
        await until(lambda: bool(chunks), what="the first chunk")
        client.cancel()
        assert (await first).stop_reason == "cancelled"
        pid = client.process_id
        started = asyncio.get_running_loop().time()
        with pytest.raises(EngineError, match="did not answer this message") as unanswered:
            await asyncio.wait_for(client.chat("still there?"), 15)
        assert asyncio.get_running_loop().time() - started < 10
        answer = await asyncio.wait_for(client.chat("and now?"), 15)
        assert client.process_id not in (None, pid) and not pid_alive(pid)
        return str(unanswered.value), answer.text

    with caplog.at_level(logging.WARNING):
        reason, text = run_async(scenario(), timeout=60)
    assert "restarted" in reason and "Send the message again" in reason and failures == [reason]
    assert text.endswith("User:\nand now?")  # a new agent, given the conversation so far
    assert "taken for wedged and restarted" in caplog.text
    assert client.state == SessionState.READY


def test_the_user_sees_why_and_the_next_message_is_answered_when_the_agent_goes_deaf_after_a_cancel(
        make_client: Callable[..., GeminiSessionClient], run_async: Callable[..., Any], store: HistoryStore,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cancel_aftermath, "ANSWER_WAIT", 0.5)
    conversation = ConversationController(make_client("deaf-after-cancel", wedge_timeout=1.0, stall_timeout=60.0),
                                          store)
    ends: list[TurnEnd] = []
    conversation.turn_ended.connect(lambda _key, end: ends.append(end))

    def answer() -> str:
        return next((entry.text for entry in reversed(conversation.model.entries) if isinstance(entry, AnswerText)),
                    "")

    async def scenario() -> None:
        assert await conversation.start()
        conversation.submit("write forever")
        await until(lambda: answer() == "writing", what="the first chunk")
        conversation.cancel()
        conversation.submit("still there?")
        await until(lambda: len(ends) == 2 and conversation.client.state == SessionState.READY, timeout=20,
                    what="the deaf turn's end and the restart")
        conversation.submit("and now?")
        await until(lambda: len(ends) == 3, timeout=20, what="the answer")
        await conversation.shutdown()

    run_async(scenario(), timeout=60)
    assert [end.state for end in ends] == ["cancelled", "failed", "complete"] and answer().endswith("and now?")
    errors = [entry.text for entry in conversation.model.entries if isinstance(entry, Notice) and entry.kind == "error"]
    assert len(errors) == 1 and "did not answer this message" in errors[0] and "Send the message again" in errors[0]


def test_a_turn_after_no_cancel_goes_out_without_waiting() -> None:
    waiting = CancelAftermath(TaskSet("test")).settled(asyncio.Event())
    with pytest.raises(StopIteration):  # finished at its first step: it never gave the loop a turn
        waiting.send(None)


def test_line_framer_handles_split_and_oversized_lines() -> None:
    framer = LineFramer(max_chars=10)
    assert framer.feed(b"ab\nc") == ["ab"]
    snowman = "☃".encode()
    assert framer.feed(snowman[:1]) == []
    assert framer.feed(snowman[1:] + b"\n") == ["c☃"]
    assert framer.feed(b"x" * 50 + b"\nok\n") == ["ok"]
    assert framer.feed(b"\xff\n") == ["\ufffd"]


@pytest.mark.parametrize("line", ["", "   ", "nonsense", "[1]", '"text"', '{"id": [1]}', '{"id": true}',
                                  '{"method": 5}'])
def test_parse_message_rejects_what_is_not_a_message(line: str) -> None:
    assert parse_message(line) is None


def test_parse_message_accepts_requests_and_responses() -> None:
    assert parse_message('{"jsonrpc": "2.0", "id": 1, "result": {}}') == {"jsonrpc": "2.0", "id": 1, "result": {}}
    assert parse_message('{"jsonrpc": "2.0", "method": "x"}') == {"jsonrpc": "2.0", "method": "x"}


@pytest.mark.parametrize("mode", ["silent", "loading"])
def test_stop_during_a_slow_start_is_quick(mode: str, make_client: Callable[..., GeminiSessionClient],
                                           run_async: Callable[..., Any]) -> None:
    """A child that has not answered initialize holds no conversation: it is terminated at once, not granted the
    3 s (of a 5 s stop) to notice its stdin closed, which one still loading never does."""
    client = make_client(mode, start_timeout=60)

    async def scenario() -> float:
        starting = asyncio.ensure_future(client.start_session())
        while client.process_id is None:
            await asyncio.sleep(0.02)
        pid = client.process_id
        began = asyncio.get_running_loop().time()
        await client.stop_session()
        with pytest.raises(ProcessCrashed):
            await starting
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]
        return asyncio.get_running_loop().time() - began

    assert run_async(scenario(), timeout=30) < 2
    assert client.state == SessionState.STOPPED


@pytest.mark.qt_log_ignore("QProcess: Destroyed while process")  # Qt saying it killed the child with its parent
@pytest.mark.parametrize("deleted", ["while it stops", "before it stops"])
def test_a_client_torn_down_by_qt_mid_stop_never_touches_its_deleted_process(
        tmp_path: Path, run_async: Callable[..., Any], deleted: str) -> None:
    """A window (here a plain parent) deleted by Qt takes its clients and their AgentProcess children along,
    also when a coroutine is still stopping one: that stop ends quietly and no child is left."""
    owner = QObject()
    client = GeminiSessionClient(scripted("normal", tmp_path), owner)
    run_async(client.start_session(), timeout=30)
    pid = client.process_id
    assert pid is not None and pid_alive(pid)

    async def stop() -> None:
        stopping = asyncio.ensure_future(client.stop_session(timeout=3))
        if deleted == "while it stops":
            await asyncio.sleep(0)  # the stop is under way: stdin closed, waiting for the child to exit
        shiboken6.delete(owner)
        await stopping

    run_async(stop(), timeout=10)
    assert not pid_alive(pid)
