"""Between turns the manager keeps one child fewer than the cap (about 200 MB less at rest) while as many turns
as the cap allows still run at once: real gemini-cli, fake Gemini API."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gemini_desktop.engine import Activity, ManagerPolicy, SessionManager
from tests.support.fake_gemini import FakeGemini
from tests.support.processes import pid_alive
from tests.support.qt_async import until
from tests.test_session_manager import make_manager  # noqa: F401  (the fixture)

pytestmark = pytest.mark.e2e

CAP = 4
POLICY = ManagerPolicy(max_live_processes=CAP, idle_suspend_minutes=0, recycle_rss_mb=0)


def test_the_resting_slots_are_the_cap_less_one_and_never_below_a_conversation_and_its_spare() -> None:
    assert POLICY.resting_processes == CAP - 1
    assert ManagerPolicy(max_live_processes=2).resting_processes == 2
    assert ManagerPolicy(max_live_processes=1).resting_processes == 1
    assert ManagerPolicy(max_live_processes=8, resting_slack=0).resting_processes == 8


def test_at_rest_one_child_fewer_than_the_cap_stays_yet_cap_turns_still_run_at_once(
        make_manager: Callable[..., SessionManager], fake_gemini: FakeGemini, workdir: Path,  # noqa: F811
        run_async: Callable[..., Any]) -> None:
    manager = make_manager(POLICY)

    async def scenario() -> None:
        opened = []
        for index in range(3):  # every open conversation fits the resting slots: they keep theirs, no spare
            opened.append(await manager.open_new(workdir))
            await opened[-1].client.chat(f"conversation {index}")
        await until(lambda: manager.live_processes == CAP - 1 and manager.spare_process_id is None,
                    timeout=30, what="three conversations at rest and no spare")
        assert all(c.client.process_id is not None for c in opened)

        opened.append(await manager.open_new(workdir))  # more conversations than resting slots: the spare returns
        await opened[-1].client.chat("conversation 3")
        await until(lambda: manager.spare_process_id is not None and manager.live_processes == CAP - 1
                    and [c for c in opened if c.client.process_id is not None] == opened[-2:]
                    and [c.activity.activity for c in opened[:2]] == [Activity.SUSPENDED] * 2,
                    timeout=60, what="the two most recent conversations and a spare at rest, the others suspended")

        held = [fake_gemini.reply("busy ", "done", hold_after=1) for _ in opened]
        turns = [asyncio.ensure_future(c.client.chat("all at once")) for c in opened]
        await until(lambda: sum(c.activity.activity == Activity.STREAMING for c in opened) == CAP, timeout=90,
                    what="as many turns as the cap streaming at once")
        assert manager.live_processes <= CAP
        pids = [c.client.process_id for c in opened]
        assert all(pid is not None and pid_alive(pid) for pid in pids)
        for reply in held:
            reply.release()
        assert [(await turn).text for turn in turns] == ["busy done"] * CAP
        await until(lambda: manager.live_processes == CAP - 1, timeout=30, what="back at the resting slots")

    run_async(scenario(), timeout=300)
