"""Background tasks an engine object starts and must be able to cancel."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

log = logging.getLogger(__name__)


class TaskSet:
    """Keeps its tasks referenced (the event loop holds only weak references, so an unreferenced task can vanish
    mid-run), logs the failure of any of them instead of leaving it to "exception never retrieved", and cancels
    what is still running when its owner stops."""

    def __init__(self, owner: str) -> None:
        self._owner = owner
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, awaitable: Awaitable[Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(awaitable)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    async def cancel_and_wait(self, timeout: float) -> None:
        """Cancel, then give the tasks up to `timeout` seconds to run their clean-up, so none is left pending
        (and finishing against deleted Qt objects) when the loop closes."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s task failed", self._owner, exc_info=task.exception())
