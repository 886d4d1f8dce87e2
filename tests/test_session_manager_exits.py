"""A child the manager lets go of (a dropped spare, a closed conversation) counts against the cap until it has
exited: a start waiting for a process must not run beside one that is still stopping. A scripted agent that
takes two seconds to exit stands in for a gemini that is slow to go on a loaded machine."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gemini_desktop.engine import ManagerPolicy, SessionManager
from tests.support.processes import processes_with_home
from tests.support.qt_async import until
from tests.test_engine_faults import scripted

CAP = 2


class PeakCounter:
    """The most scripted children alive at once, read from /proc (not from the manager's own bookkeeping)."""

    def __init__(self, home: Path) -> None:
        self.peak = 0
        self._home = home
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, len(processes_with_home(self._home)))
            time.sleep(0.02)

    def stop(self) -> int:
        self._done.set()
        self._thread.join()
        return self.peak


@pytest.fixture
def slow_exits(tmp_path: Path, run_async: Callable[..., Any]) -> Iterator[Callable[[bool], SessionManager]]:
    home = tmp_path / "home"
    home.mkdir()
    made: list[SessionManager] = []

    def make(warm_spare: bool) -> SessionManager:
        config = scripted("slow-exit", tmp_path, env={"HOME": str(home)})
        manager = SessionManager(config, ManagerPolicy(max_live_processes=CAP, idle_suspend_minutes=0,
                                                       recycle_rss_mb=0, warm_spare=warm_spare, stop_timeout=6.0))
        made.append(manager)
        return manager

    yield make
    for manager in made:
        run_async(manager.shutdown(), timeout=30)
    assert processes_with_home(home) == []


def test_a_start_waits_for_the_dropped_spare_to_exit_before_its_child_runs(
        slow_exits: Callable[[bool], SessionManager], tmp_path: Path, run_async: Callable[..., Any]) -> None:
    manager = slow_exits(True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    async def scenario() -> int:
        first = await manager.open_new(tmp_path)
        assert await manager.spare_ready() is not None  # the first conversation and the spare: at the cap
        counter = PeakCounter(tmp_path / "home")
        other = asyncio.ensure_future(manager.open_new(elsewhere))  # not the spare's folder: a cold start
        await until(lambda: manager.waiting == 1, what="the start waiting, the spare dropped for it")
        assert manager.spare_process_id is None
        assert (await first.client.chat("hi")).text == "ok: hi"  # its state changes let waiting starts go
        assert (await (await other).client.chat("there")).text == "ok: there"
        return counter.stop()

    assert run_async(scenario(), timeout=60) <= CAP


def test_a_start_waits_for_the_closed_conversations_child_to_exit(
        slow_exits: Callable[[bool], SessionManager], tmp_path: Path, run_async: Callable[..., Any]) -> None:
    manager = slow_exits(False)

    async def scenario() -> int:
        first = await manager.open_new(tmp_path)
        second = await manager.open_new(tmp_path)
        counter = PeakCounter(tmp_path / "home")
        closing = asyncio.ensure_future(manager.close(first.key))
        await until(lambda: manager.get(first.key) is None, what="the first conversation closing")
        third = await manager.open_new(tmp_path)
        assert (await third.client.chat("three")).text == "ok: three"
        await closing
        assert second.client.process_id is not None  # the closed one's child made room: nothing was suspended
        return counter.stop()

    assert run_async(scenario(), timeout=60) <= CAP
