"""GeminiSessionClient against the real gemini-cli and the fake Gemini API server."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gemini_desktop.engine import (
    AuthRequired,
    EngineConfig,
    GeminiSessionClient,
    MessageChunk,
    ModeUpdate,
    PermissionRequest,
    ProcessCrashed,
    ResumeMethod,
    SessionState,
    ToolCall,
)
from tests.support.cli_env import cli_environment
from tests.support.fake_gemini import FakeGemini, FunctionCall
from tests.support.processes import pid_alive
from tests.support.qt_async import until

pytestmark = pytest.mark.e2e




@pytest.fixture
def client(engine_config: EngineConfig, run_async: Callable[..., Any]) -> Iterator[GeminiSessionClient]:
    engine = GeminiSessionClient(engine_config)
    yield engine
    run_async(engine.stop_session(), timeout=20)




def test_two_chats_share_one_process_and_context(client: GeminiSessionClient, fake_gemini: FakeGemini,
                                                 run_async: Callable[..., Any]) -> None:
    async def scenario() -> None:
        await client.start_session()
        pid = client.process_id
        fake_gemini.reply("The capital is Paris.")
        first = await client.chat("What is the capital of France?")
        assert first.text == "The capital is Paris."
        assert first.stop_reason == "end_turn"
        assert first.usage is not None and first.usage.total_tokens > 0
        second = await client.chat("And of Italy?")
        assert second.text == "Echo: And of Italy?"
        assert client.process_id == pid
        texts = fake_gemini.stream_requests()[-1].texts()
        assert "What is the capital of France?" in texts
        assert "The capital is Paris." in texts
        assert client.total_usage.total_tokens >= 2 * first.usage.total_tokens

    run_async(scenario())


def test_first_chat_starts_the_process(client: GeminiSessionClient, run_async: Callable[..., Any]) -> None:
    assert client.state == SessionState.STOPPED
    result = run_async(client.chat("hello"))
    assert result.text == "Echo: hello"
    assert client.state == SessionState.READY


def test_streaming_arrives_in_chunks_before_the_turn_ends(client: GeminiSessionClient, fake_gemini: FakeGemini,
                                                          run_async: Callable[..., Any]) -> None:
    seen: list[str] = []
    finished: list[int] = []
    client.event.connect(lambda e: isinstance(e, MessageChunk) and not finished and seen.append(e.text))
    client.turn_finished.connect(lambda turn_id, result: finished.append(turn_id))
    fake_gemini.reply("one ", "two ", "three ", "four", delay=0.05)
    result = run_async(client.chat("count"))
    assert seen == ["one ", "two ", "three ", "four"]
    assert result.text == "one two three four"
    assert finished


@pytest.mark.parametrize("approve", [True, False])
def test_tool_call_permission(client: GeminiSessionClient, fake_gemini: FakeGemini, workdir: Path,
                              run_async: Callable[..., Any], approve: bool) -> None:
    target = workdir / "hello.txt"
    asked: list[PermissionRequest] = []
    cards: list[ToolCall] = []
    client.event.connect(lambda e: isinstance(e, ToolCall) and cards.append(e))

    async def decide(request: PermissionRequest) -> str | None:
        asked.append(request)
        option = request.option_of_kind("allow_once")
        return option.option_id if approve and option else None

    client.permission_handler = decide
    fake_gemini.reply(FunctionCall("write_file", {"file_path": str(target), "content": "hi there"}))
    fake_gemini.reply("Done.")
    result = run_async(client.chat("write the file"))
    assert len(asked) == 1
    assert asked[0].tool_call.kind == "edit"
    assert asked[0].tool_call.diffs and asked[0].tool_call.diffs[0].new_text == "hi there"
    assert {o.kind for o in asked[0].options} >= {"allow_once", "reject_once"}
    assert target.exists() is approve
    assert cards and cards[-1].tool_call_id == asked[0].tool_call.tool_call_id
    assert result.stop_reason in {"end_turn", "cancelled"}


def test_no_permission_handler_means_reject(client: GeminiSessionClient, fake_gemini: FakeGemini, workdir: Path,
                                            run_async: Callable[..., Any]) -> None:
    target = workdir / "nope.txt"
    fake_gemini.reply(FunctionCall("write_file", {"file_path": str(target), "content": "x"}))
    fake_gemini.reply("ok")
    run_async(client.chat("write"))
    assert not target.exists()


def test_failing_permission_handler_means_reject(client: GeminiSessionClient, fake_gemini: FakeGemini,
                                                 workdir: Path, run_async: Callable[..., Any]) -> None:
    target = workdir / "nope.txt"

    async def broken(request: PermissionRequest) -> str | None:
        raise RuntimeError("dialog exploded")

    client.permission_handler = broken
    fake_gemini.reply(FunctionCall("write_file", {"file_path": str(target), "content": "x"}))
    fake_gemini.reply("ok")
    run_async(client.chat("write"))
    assert not target.exists()


def test_cancel_mid_stream(client: GeminiSessionClient, fake_gemini: FakeGemini,
                           run_async: Callable[..., Any]) -> None:
    """The rest of the held stream goes out just before Stop, so gemini often streams it (and even answers the
    cancelled prompt end_turn) after the client ended the turn: it must not open the next answer."""
    held = fake_gemini.reply("partial ", "rest", hold_after=1)
    chunks: list[str] = []
    client.event.connect(lambda e: isinstance(e, MessageChunk) and chunks.append(e.text))

    async def scenario() -> None:
        await client.start_session()
        pending = asyncio.ensure_future(client.chat("tell me a long story"))
        await until(lambda: bool(chunks))
        held.release()
        client.cancel()
        result = await pending
        assert result.stop_reason == "cancelled"
        assert result.text.startswith("partial")
        shown_before = len(chunks)
        after = await client.chat("still there?")
        assert after.text == "Echo: still there?"
        assert chunks[shown_before:] == ["Echo: still there?"]

    run_async(scenario())


def test_messages_sent_at_once_are_answered_in_order(client: GeminiSessionClient, fake_gemini: FakeGemini,
                                                     run_async: Callable[..., Any]) -> None:
    started: list[str] = []
    client.turn_started.connect(lambda turn_id, text: started.append(text))

    async def scenario() -> list[str]:
        await client.start_session()
        fake_gemini.reply("first answer", delay=0.1)
        results = await asyncio.gather(client.chat("one"), client.chat("two"), client.chat("three"))
        return [r.text for r in results]

    assert run_async(scenario()) == ["first answer", "Echo: two", "Echo: three"]
    assert started == ["one", "two", "three"]
    assert [r.last_user_text() for r in fake_gemini.stream_requests()] == ["one", "two", "three"]


def test_restart_keeps_the_conversation(client: GeminiSessionClient, fake_gemini: FakeGemini,
                                        run_async: Callable[..., Any]) -> None:
    async def scenario() -> None:
        await client.start_session()
        fake_gemini.reply("Remembered: blue.")
        await client.chat("My favourite colour is blue.")
        old_pid = client.process_id
        outcome = await client.restart_session()
        assert outcome.method in {ResumeMethod.LOADED, ResumeMethod.REBUILT}
        assert client.process_id != old_pid and old_pid is not None and not pid_alive(old_pid)
        await client.chat("What is my favourite colour?")
        texts = fake_gemini.stream_requests()[-1].texts()
        assert "My favourite colour is blue." in texts
        assert "Remembered: blue." in texts

    run_async(scenario(), timeout=90)


def test_stop_leaves_no_process(engine_config: EngineConfig, run_async: Callable[..., Any]) -> None:
    client = GeminiSessionClient(engine_config)
    run_async(client.start_session())
    pid = client.process_id
    assert pid is not None and pid_alive(pid)
    run_async(client.stop_session(timeout=5))
    assert not pid_alive(pid)
    assert client.state == SessionState.STOPPED
    assert client.process_id is None


def test_killed_child_is_detected_restarted_and_reloaded(client: GeminiSessionClient, fake_gemini: FakeGemini,
                                                         run_async: Callable[..., Any]) -> None:
    crashes: list[tuple[str, str]] = []
    client.crashed.connect(lambda reason, tail: crashes.append((reason, tail)))
    client.reconfigure(restart_backoff=0.2)

    async def scenario() -> None:
        await client.start_session()
        fake_gemini.reply("Noted: the code word is heron.")
        await client.chat("The code word is heron.")
        held = fake_gemini.reply("thinking about it", "...", hold_after=1)
        pending = asyncio.ensure_future(client.chat("What is the code word?"))
        await until(lambda: client.state == SessionState.BUSY and len(fake_gemini.stream_requests()) == 2)
        old_pid = client.process_id
        assert old_pid is not None
        os.kill(old_pid, signal.SIGKILL)
        with pytest.raises(ProcessCrashed) as failure:
            await pending
        assert "signal" in str(failure.value) or "code" in str(failure.value)
        held.release()
        await until(lambda: client.state == SessionState.READY, timeout=60)
        assert client.process_id not in (None, old_pid)
        await client.chat("Once more: what is the code word?")
        texts = fake_gemini.stream_requests()[-1].texts()
        assert "The code word is heron." in texts
        assert "Noted: the code word is heron." in texts

    run_async(scenario(), timeout=120)
    assert crashes


def test_missing_api_key_reports_auth_required(engine_config: EngineConfig, cli_home: Path,
                                               fake_gemini: FakeGemini, run_async: Callable[..., Any]) -> None:
    without_key = cli_environment(cli_home, fake_gemini.base_url, api_key=None)
    engine_config = dataclasses.replace(engine_config, env=without_key)
    client = GeminiSessionClient(engine_config)
    reported: list[Any] = []
    client.auth_required.connect(reported.append)
    try:
        with pytest.raises(AuthRequired) as failure:
            run_async(client.start_session())
        assert {m.id for m in failure.value.methods} >= {"gemini-api-key", "oauth-personal"}
        assert reported and reported[0].methods == failure.value.methods
        assert client.state == SessionState.FAILED
    finally:
        run_async(client.stop_session())


def test_model_api_error_fails_only_that_turn(client: GeminiSessionClient, fake_gemini: FakeGemini,
                                              run_async: Callable[..., Any]) -> None:
    failures: list[str] = []
    client.turn_failed.connect(lambda turn_id, reason: failures.append(reason))

    async def scenario() -> None:
        await client.start_session()
        for _ in range(12):  # the CLI retries 429s; give it enough to exhaust its retries quickly
            fake_gemini.reply_error(400, "Invalid argument from the fake server")
        with pytest.raises(Exception, match="error"):
            await client.chat("this will fail")
        fake_gemini._replies.clear()
        ok = await client.chat("and this works")
        assert ok.text == "Echo: and this works"

    run_async(scenario(), timeout=90)
    assert failures


def test_resume_by_id_in_a_new_process(engine_config: EngineConfig, fake_gemini: FakeGemini,
                                       run_async: Callable[..., Any]) -> None:
    first = GeminiSessionClient(engine_config)
    second = GeminiSessionClient(engine_config)
    replays: list[Any] = []
    second.replayed.connect(replays.append)
    try:
        run_async(first.start_session())
        fake_gemini.reply("I will remember 42.")
        run_async(first.chat("Remember the number 42."))
        session_id = first.session_id
        transcript = first.transcript
        run_async(first.stop_session())
        outcome = run_async(second.start_session(resume_id=session_id, transcript=transcript), timeout=90)
        assert outcome.method in {ResumeMethod.LOADED, ResumeMethod.REBUILT}
        assert replays and [t.text for t in replays[-1]] == ["Remember the number 42.", "I will remember 42."]
        run_async(second.chat("Which number?"))
        assert "Remember the number 42." in fake_gemini.stream_requests()[-1].texts()
    finally:
        run_async(second.stop_session())


def test_yolo_mode_skips_permission_and_model_switch_reaches_the_api(
        client: GeminiSessionClient, fake_gemini: FakeGemini, workdir: Path, run_async: Callable[..., Any]) -> None:
    asked: list[PermissionRequest] = []

    async def decide(request: PermissionRequest) -> str | None:
        asked.append(request)
        return None

    client.permission_handler = decide
    chunks: list[str] = []
    client.event.connect(lambda e: isinstance(e, MessageChunk) and chunks.append(e.text))

    async def scenario() -> None:
        await client.start_session()
        assert client.modes is not None and {m.id for m in client.modes.available} >= {"default", "yolo"}
        assert client.models is not None and client.models.current
        await client.set_mode("yolo")
        assert client.modes.current == "yolo"
        fake_gemini.reply(FunctionCall("write_file", {"file_path": str(workdir / "auto.txt"), "content": "y"}))
        fake_gemini.reply("written")
        await client.chat("write it")
        await client.set_model("gemini-2.5-pro")
        await client.chat("which model?")

    run_async(scenario())
    assert (workdir / "auto.txt").read_text() == "y"
    assert not asked
    assert not any(text.startswith("[MODE_UPDATE]") for text in chunks)
    assert "gemini-2.5-pro:streamGenerateContent" in fake_gemini.stream_requests()[-1].path


def test_resume_a_session_made_by_gemini_p_in_the_terminal(engine_config: EngineConfig, fake_gemini: FakeGemini,
                                                           gemini_command: Any, run_async: Callable[..., Any]) -> None:
    import json
    import subprocess

    fake_gemini.reply("Terminal answer: the password is swordfish.")
    env = dict(os.environ, **engine_config.env, GEMINI_CLI_NO_RELAUNCH="true")
    made = subprocess.run([gemini_command.program, *gemini_command.args, "-p", "The password is swordfish.",
                           "-o", "json", "-m", "gemini-2.5-flash"],
                          cwd=engine_config.cwd, env=env, capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr[-2000:]
    session_id = json.loads(made.stdout)["session_id"]
    client = GeminiSessionClient(engine_config)
    try:
        outcome = run_async(client.start_session(resume_id=session_id), timeout=90)
        assert outcome.method in {ResumeMethod.LOADED, ResumeMethod.REBUILT}
        assert [t.text for t in client.transcript] == ["The password is swordfish.",
                                                       "Terminal answer: the password is swordfish."]
        run_async(client.chat("What is the password?"))
        texts = fake_gemini.stream_requests()[-1].texts()
        assert "The password is swordfish." in texts
        assert "Terminal answer: the password is swordfish." in texts
    finally:
        run_async(client.stop_session())


def test_the_engine_settings_overlay_reaches_gemini(engine_config: EngineConfig, fake_gemini: FakeGemini,
                                                    cli_home: Path, tmp_path: Path,
                                                    run_async: Callable[..., Any]) -> None:
    """Session retention (which deletes resumed conversations in 0.61) is turned off through a system-defaults
    layer; gemini silently skips such a file in an insecure place, so prove it is read: a model set there wins.
    The overlay comes from the child environment every start builds, so that builds it here: one start, not two."""
    import json

    from gemini_desktop.engine.child_launch import child_env
    from tests.support.cli_env import CLI_SETTINGS, make_cli_home

    make_cli_home(cli_home, {k: v for k, v in CLI_SETTINGS.items() if k != "model"})
    engine_config = dataclasses.replace(engine_config, state_dir=tmp_path / "engine-state", model=None)
    overlay = engine_config.state_dir / "system-defaults.json"
    assert child_env(engine_config, False)["GEMINI_CLI_SYSTEM_DEFAULTS_PATH"] == str(overlay)
    written = json.loads(overlay.read_text())
    assert written["general"]["sessionRetention"]["enabled"] is False
    overlay.write_text(json.dumps({**written, "model": {"name": "gemini-2.5-pro"}}))
    client = GeminiSessionClient(engine_config)
    try:
        run_async(client.start_session())
        run_async(client.chat("which model reads this?"))
        assert "/models/gemini-2.5-pro:streamGenerateContent" in fake_gemini.stream_requests()[-1].path
    finally:
        run_async(client.stop_session())


def test_a_mode_change_made_by_gemini_itself_reaches_the_mode_state(
        client: GeminiSessionClient, fake_gemini: FakeGemini, run_async: Callable[..., Any]) -> None:
    """gemini-cli 0.61 reports it only as the text chunk "[MODE_UPDATE] plan": never shown, always applied."""
    modes: list[ModeUpdate] = []
    chunks: list[str] = []
    client.event.connect(lambda e: isinstance(e, ModeUpdate) and modes.append(e))
    client.event.connect(lambda e: isinstance(e, MessageChunk) and chunks.append(e.text))

    async def approve(request: PermissionRequest) -> str | None:
        option = request.option_of_kind("allow_once")
        return option.option_id if option else None

    client.permission_handler = approve

    async def scenario() -> None:
        await client.start_session()
        assert client.modes is not None and client.modes.current == "default"
        fake_gemini.reply(FunctionCall("enter_plan_mode", {"reason": "think first"}))
        fake_gemini.reply("Planning now.")
        await client.chat("plan it")

    run_async(scenario())
    assert modes[-1].current == "plan"
    assert client.modes is not None and client.modes.current == "plan"
    assert {m.id for m in client.modes.available} >= {"default", "yolo"}
    assert not any("[MODE_UPDATE]" in text for text in chunks)


def test_a_stopped_conversation_resumes_by_load_with_every_message_and_leaves_no_stray_file(
        engine_config: EngineConfig, fake_gemini: FakeGemini, cli_home: Path, run_async: Callable[..., Any]) -> None:
    """Stopped and resumed in the minute it began (the CLI's file name collides with the load's new recording):
    gemini loads it, all messages come back, and the load's metadata-only file is gone."""
    first = GeminiSessionClient(engine_config)
    second = GeminiSessionClient(engine_config)
    try:
        run_async(first.start_session())
        for question, answer in (("Question one.", "Answer one."), ("Question two.", "Answer two.")):
            fake_gemini.reply(answer)
            run_async(first.chat(question))
        session_id, transcript = first.session_id, first.transcript
        run_async(first.stop_session())
        assert session_id is not None
        before = {p.name for p in (cli_home / ".gemini" / "tmp").glob(f"*/chats/*{session_id[:8]}*")}
        outcome = run_async(second.start_session(resume_id=session_id, transcript=transcript), timeout=90)
        assert outcome.method is ResumeMethod.LOADED, outcome.detail
        assert [t.text for t in second.transcript] == ["Question one.", "Answer one.", "Question two.", "Answer two."]
        after = sorted((cli_home / ".gemini" / "tmp").glob(f"*/chats/*{session_id[:8]}*"))
        assert len(after) == len(before) == 1
        fake_gemini.reply("Answer three.")
        run_async(second.chat("Question three."))
        assert "Question one." in fake_gemini.stream_requests()[-1].texts()
    finally:
        run_async(second.stop_session())
        run_async(first.stop_session())
