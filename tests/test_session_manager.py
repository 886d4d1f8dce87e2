"""SessionManager against the real gemini-cli and the fake Gemini API: many conversations, few processes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gemini_desktop.engine import (
    Activity,
    ActivityState,
    Conversation,
    EngineConfig,
    ManagerPolicy,
    MessageChunk,
    PermissionRequest,
    SessionManager,
)
from tests.support.fake_gemini import FakeGemini, FunctionCall, RecordedRequest
from tests.support.processes import pid_alive, processes_with_home
from tests.support.qt_async import until

pytestmark = pytest.mark.e2e

NO_BACKGROUND = ManagerPolicy(idle_suspend_minutes=0, recycle_rss_mb=0, warm_spare=False)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def make_manager(engine_config: EngineConfig, run_async: Callable[..., Any]) -> Iterator[Callable[..., SessionManager]]:
    made: list[SessionManager] = []

    def make(policy: ManagerPolicy = NO_BACKGROUND, **kwargs: Any) -> SessionManager:
        manager = SessionManager(engine_config, policy, **kwargs)
        made.append(manager)
        return manager

    yield make
    for manager in made:
        run_async(manager.shutdown(), timeout=20)


def request_for(fake: FakeGemini, user_text: str) -> RecordedRequest:
    return next(r for r in reversed(fake.stream_requests()) if r.last_user_text() == user_text)


def record_activity(manager: SessionManager) -> dict[str, list[ActivityState]]:
    seen: dict[str, list[ActivityState]] = {}
    manager.activity_changed.connect(lambda key, state: seen.setdefault(key, []).append(state))
    return seen


def streaming(conversation: Conversation) -> Callable[[], bool]:
    return lambda: conversation.activity.activity == Activity.STREAMING


def test_two_conversations_stream_at_once_and_each_request_carries_only_its_own_context(
        make_manager: Callable[..., SessionManager], fake_gemini: FakeGemini, workdir: Path,
        run_async: Callable[..., Any]) -> None:
    manager = make_manager()

    async def scenario() -> None:
        alpha = await manager.open_new(workdir)
        beta = await manager.open_new(workdir)
        chunks: dict[str, list[str]] = {alpha.key: [], beta.key: []}
        for conversation in (alpha, beta):
            conversation.client.event.connect(
                lambda e, key=conversation.key: isinstance(e, MessageChunk) and chunks[key].append(e.text))
        held_alpha = fake_gemini.reply("Alpha noted ", "(111).", hold_after=1)
        first = asyncio.ensure_future(alpha.client.chat("Alpha secret is 111"))
        await asyncio.to_thread(fake_gemini.wait_for_stream_requests, 1)
        held_beta = fake_gemini.reply("Beta noted ", "(222).", hold_after=1)
        second = asyncio.ensure_future(beta.client.chat("Beta secret is 222"))
        await until(lambda: bool(chunks[alpha.key]) and bool(chunks[beta.key]), what="both streaming")
        assert alpha.activity.activity == beta.activity.activity == Activity.STREAMING
        assert alpha.client.process_id != beta.client.process_id
        held_beta.release()
        held_alpha.release()
        assert (await first).text == "Alpha noted (111)."
        assert (await second).text == "Beta noted (222)."
        await asyncio.gather(alpha.client.chat("alpha: what was it?"), beta.client.chat("beta: what was it?"))

    run_async(scenario(), timeout=120)
    alpha_texts = request_for(fake_gemini, "alpha: what was it?").texts()
    beta_texts = request_for(fake_gemini, "beta: what was it?").texts()
    assert "Alpha secret is 111" in alpha_texts and "Alpha noted (111)." in alpha_texts
    assert not any("Beta" in text for text in alpha_texts)
    assert "Beta secret is 222" in beta_texts and "Beta noted (222)." in beta_texts
    assert not any("Alpha" in text for text in beta_texts)


def test_over_the_cap_the_least_recently_used_idle_conversation_is_suspended_and_resumes_with_its_context(
        make_manager: Callable[..., SessionManager], fake_gemini: FakeGemini, workdir: Path,
        run_async: Callable[..., Any]) -> None:
    manager = make_manager(ManagerPolicy(max_live_processes=2, idle_suspend_minutes=0, recycle_rss_mb=0,
                                         warm_spare=False))
    seen = record_activity(manager)

    async def scenario() -> None:
        first = await manager.open_new(workdir)
        fake_gemini.reply("Red, noted.")
        await first.client.chat("My colour is red.")
        second = await manager.open_new(workdir)
        await second.client.chat("My colour is green.")
        first_pid, second_pid = first.client.process_id, second.client.process_id
        assert first_pid is not None and second_pid is not None
        third = await manager.open_new(workdir)
        await until(lambda: first.activity.activity == Activity.SUSPENDED, what="the LRU one suspended")
        assert not pid_alive(first_pid)
        assert pid_alive(second_pid) and second.activity.activity == Activity.IDLE
        assert third.activity.activity == Activity.IDLE and manager.live_processes == 2

        answer = await first.client.chat("What is my colour?")
        assert answer.text == "Echo: What is my colour?"
        assert Activity.RESUMING in [state.activity for state in seen[first.key]]
        await until(lambda: second.activity.activity == Activity.SUSPENDED, what="the next LRU one suspended")
        assert not pid_alive(second_pid)
        assert manager.live_processes == 2

    run_async(scenario(), timeout=150)
    texts = request_for(fake_gemini, "What is my colour?").texts()
    assert "My colour is red." in " ".join(texts) and "Red, noted." in " ".join(texts)
    assert "My colour is green." not in " ".join(texts)


def test_a_streaming_queued_or_approval_waiting_conversation_is_never_suspended_and_a_new_one_waits(
        make_manager: Callable[..., SessionManager], fake_gemini: FakeGemini, workdir: Path,
        run_async: Callable[..., Any]) -> None:
    manager = make_manager(ManagerPolicy(max_live_processes=2, idle_suspend_minutes=0, recycle_rss_mb=0,
                                         warm_spare=False))

    async def scenario() -> None:
        streamer = await manager.open_new(workdir)
        asker = await manager.open_new(workdir)
        decision: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()

        async def wait_for_user(request: PermissionRequest) -> str | None:
            return await decision

        asker.client.permission_handler = wait_for_user
        held = fake_gemini.reply("long ", "story", hold_after=1)
        running = asyncio.ensure_future(streamer.client.chat("tell a story"))
        queued = asyncio.ensure_future(streamer.client.chat("and another"))
        await asyncio.to_thread(fake_gemini.wait_for_stream_requests, 1)
        fake_gemini.reply(FunctionCall("write_file", {"file_path": str(workdir / "a.txt"), "content": "x"}))
        asking = asyncio.ensure_future(asker.client.chat("write a file"))
        await until(lambda: asker.activity.activity == Activity.WAITING_APPROVAL, what="a permission request")
        assert streamer.activity == ActivityState(Activity.STREAMING, queued=1)
        pids = [streamer.client.process_id, asker.client.process_id]

        opening = asyncio.ensure_future(manager.open_new(workdir))
        await until(lambda: manager.waiting == 1, what="the third waiting for a process")
        assert manager.live_processes == 2  # nothing could yield: the third waits instead of exceeding the cap
        assert all(pid is not None and pid_alive(pid) for pid in pids)
        assert streamer.activity.activity == Activity.STREAMING
        assert asker.activity.activity == Activity.WAITING_APPROVAL

        held.release()
        decision.set_result(None)
        assert (await running).text == "long story"
        assert (await queued).text == "Echo: and another"
        await asking
        third = await opening
        assert third.activity.activity == Activity.IDLE
        await until(lambda: manager.live_processes <= 2, timeout=15, what="back at the cap once turns end")

    run_async(scenario(), timeout=150)


def test_a_new_conversation_takes_the_warm_spare_and_a_new_spare_starts_after(
        make_manager: Callable[..., SessionManager], workdir: Path, run_async: Callable[..., Any]) -> None:
    manager = make_manager(ManagerPolicy(idle_suspend_minutes=0, recycle_rss_mb=0))

    async def scenario() -> None:
        manager.warm_up(workdir)
        spare_pid = await manager.spare_ready()
        assert spare_pid is not None
        conversation = await manager.open_new(workdir)
        assert conversation.client.process_id == spare_pid
        assert (await conversation.client.chat("hi")).text == "Echo: hi"
        next_spare = await manager.spare_ready()
        assert next_spare is not None and next_spare != spare_pid and pid_alive(next_spare)
        assert manager.live_processes == 2

    run_async(scenario(), timeout=120)


def test_shutdown_stops_every_child_and_the_spare_within_five_seconds(
        make_manager: Callable[..., SessionManager], fake_gemini: FakeGemini, workdir: Path, cli_home: Path,
        run_async: Callable[..., Any]) -> None:
    manager = make_manager(ManagerPolicy(idle_suspend_minutes=0, recycle_rss_mb=0))

    async def scenario() -> list[int]:
        conversations = [await manager.open_new(workdir) for _ in range(2)]  # within the resting slots: a spare
        held = fake_gemini.reply("never ", "ends", hold_after=1)
        pending = asyncio.ensure_future(conversations[0].client.chat("stream"))
        await until(streaming(conversations[0]), what="a streaming conversation")
        spare = await manager.spare_ready()
        assert spare is not None
        pids = [c.client.process_id for c in conversations] + [spare]
        assert all(pid is not None and pid_alive(pid) for pid in pids)
        pending.add_done_callback(lambda _: held.release())
        return [pid for pid in pids if pid is not None]

    pids = run_async(scenario(), timeout=150)
    run_async(manager.shutdown(), timeout=5)
    assert not [pid for pid in pids if pid_alive(pid)]
    assert processes_with_home(cli_home) == []


def test_an_idle_child_over_the_memory_threshold_is_recycled_and_keeps_its_context(
        make_manager: Callable[..., SessionManager], fake_gemini: FakeGemini, workdir: Path,
        run_async: Callable[..., Any]) -> None:
    manager = make_manager(ManagerPolicy(idle_suspend_minutes=0, recycle_rss_mb=1, warm_spare=False))

    async def scenario() -> None:
        conversation = await manager.open_new(workdir)
        fake_gemini.reply("Noted: the code is 4711.")
        await conversation.client.chat("The code is 4711.")
        old_pid = conversation.client.process_id
        assert old_pid is not None
        await manager.check_policies()
        assert conversation.client.process_id not in (None, old_pid)
        assert not pid_alive(old_pid)
        await conversation.client.chat("What is the code?")

    run_async(scenario(), timeout=150)
    texts = " ".join(request_for(fake_gemini, "What is the code?").texts())
    assert "The code is 4711." in texts and "Noted: the code is 4711." in texts


def test_a_conversation_idle_longer_than_the_idle_time_is_suspended(
        make_manager: Callable[..., SessionManager], workdir: Path, run_async: Callable[..., Any]) -> None:
    clock = FakeClock()
    manager = make_manager(ManagerPolicy(idle_suspend_minutes=15, recycle_rss_mb=0, warm_spare=False),
                           clock=clock)

    async def scenario() -> None:
        old = await manager.open_new(workdir)
        await old.client.chat("first")
        recent = await manager.open_new(workdir)
        clock.now += 10 * 60
        await recent.client.chat("second")
        old_pid = old.client.process_id
        assert old_pid is not None
        clock.now += 6 * 60
        await manager.check_policies()
        assert old.activity.activity == Activity.SUSPENDED and not pid_alive(old_pid)
        assert recent.activity.activity == Activity.IDLE and recent.client.process_id is not None

    run_async(scenario(), timeout=120)


def test_a_suspended_conversation_resumes_in_its_approval_mode(
        make_manager: Callable[..., SessionManager], fake_gemini: FakeGemini, workdir: Path,
        run_async: Callable[..., Any]) -> None:
    clock = FakeClock()
    manager = make_manager(ManagerPolicy(idle_suspend_minutes=1, recycle_rss_mb=0, warm_spare=False), clock=clock)
    target = workdir / "yolo.txt"
    asked: list[PermissionRequest] = []

    async def record(request: PermissionRequest) -> str | None:
        asked.append(request)
        return None

    async def scenario() -> None:
        conversation = await manager.open_new(workdir, mode="yolo")
        conversation.client.permission_handler = record
        assert conversation.client.modes is not None and conversation.client.modes.current == "yolo"
        clock.now += 120
        await manager.check_policies()
        assert conversation.activity.activity == Activity.SUSPENDED
        fake_gemini.reply(FunctionCall("write_file", {"file_path": str(target), "content": "no questions"}))
        fake_gemini.reply("Written.")
        await conversation.client.chat("write it")
        assert conversation.client.modes is not None and conversation.client.modes.current == "yolo"

    run_async(scenario(), timeout=120)
    assert asked == []
    assert target.read_text(encoding="utf-8") == "no questions"


def test_an_earlier_conversation_opens_without_a_process_and_its_first_message_resumes_it(
        make_manager: Callable[..., SessionManager], fake_gemini: FakeGemini, workdir: Path,
        run_async: Callable[..., Any]) -> None:
    manager = make_manager()

    async def scenario() -> None:
        earlier = await manager.open_new(workdir)
        fake_gemini.reply("Noted: the boat is called Ada.")
        await earlier.client.chat("My boat is called Ada.")
        session_id, transcript = earlier.client.session_id, earlier.client.transcript
        assert session_id is not None
        await manager.close(earlier.key)
        assert manager.get(earlier.key) is None

        reopened = await manager.open_existing(session_id, transcript, workdir)
        assert reopened.activity.activity == Activity.SUSPENDED and reopened.client.process_id is None
        assert manager.live_processes == 0
        assert await manager.open_existing(session_id, transcript, workdir) is reopened
        await reopened.client.chat("What is my boat called?")

    run_async(scenario(), timeout=120)
    texts = " ".join(request_for(fake_gemini, "What is my boat called?").texts())
    assert "My boat is called Ada." in texts and "Noted: the boat is called Ada." in texts
