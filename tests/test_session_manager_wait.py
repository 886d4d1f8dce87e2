"""Above the process cap a conversation's start waits for a free process, first come first served, and the
local API refuses turns beyond the queue limit (429 with Retry-After): real gemini-cli, fake Gemini API."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import HTTPException

from gemini_desktop.api.routes import Api
from gemini_desktop.engine import Activity, ActivityState, ManagerPolicy, SessionManager
from tests.support.fake_gemini import FakeGemini
from tests.support.qt_async import until
from tests.test_session_manager import make_manager  # noqa: F401  (the fixture)

pytestmark = pytest.mark.e2e


def test_starts_above_the_cap_wait_in_order_are_shown_waiting_and_beyond_the_limit_the_api_says_429(
        make_manager: Callable[..., SessionManager], fake_gemini: FakeGemini, workdir: Path,  # noqa: F811
        run_async: Callable[..., Any]) -> None:
    manager = make_manager(ManagerPolicy(max_live_processes=1, idle_suspend_minutes=0, recycle_rss_mb=0,
                                         warm_spare=False, max_waiting=2))
    seen: dict[str, list[ActivityState]] = {}
    peak = [0]

    def on_activity(key: str, state: ActivityState) -> None:
        seen.setdefault(key, []).append(state)
        peak[0] = max(peak[0], sum(c.client.process_id is not None for c in manager.conversations))

    manager.activity_changed.connect(on_activity)
    api = Api(SimpleNamespace(workspace=SimpleNamespace(manager=manager)))  # type: ignore[arg-type]

    async def scenario() -> None:
        first = await manager.open_new(workdir)
        held = fake_gemini.reply("First ", "answer.", hold_after=1)
        first_turn = asyncio.ensure_future(first.client.chat("one"))
        await until(lambda: first.activity.activity == Activity.STREAMING, what="the first turn streaming")
        api.admit(first.key)  # a conversation with its process never waits

        async def later(text: str) -> str:
            conversation = await manager.open_new(workdir)
            return (await conversation.client.chat(text)).text

        second = asyncio.ensure_future(later("two"))
        await until(lambda: manager.waiting == 1, what="the second start waiting")
        api.admit(None)  # one waits: a second may still
        third = asyncio.ensure_future(later("three"))
        await until(lambda: manager.waiting == 2, what="the third start waiting")
        waiting = [c for c in manager.conversations if c.waiting]
        assert [c.activity for c in waiting] == [ActivityState(Activity.WAITING_PROCESS, 0, 1, 1, "gemini")] * 2
        with pytest.raises(HTTPException) as refused:
            api.admit(None)
        assert refused.value.status_code == 429 and int(refused.value.headers["Retry-After"]) >= 1

        held.release()
        assert (await first_turn).text == "First answer."
        assert await second == "Echo: two" and await third == "Echo: three"
        order = [r.last_user_text() for r in fake_gemini.stream_requests()]
        assert order == ["one", "two", "three"]
        await until(lambda: manager.occupied_processes == 1, what="back at the cap")
        assert peak[0] == 1  # gemini children that ran at once
        assert Activity.SUSPENDED in [s.activity for s in seen[first.key]]

    run_async(scenario(), timeout=120)


def test_the_sidebar_says_which_agent_a_waiting_conversation_waits_for_and_how_busy_they_are(qapp: Any) -> None:
    from gemini_desktop.ui.sidebar_model import activity_text

    assert activity_text("waiting_process", 0, ("gemini", 4, 4)) == "waiting for a free gemini (4 of 4 busy)"
