"""Coroutines started from Qt slots (the window, the controllers): none of their failures may vanish."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


def run_soon(coro: Coroutine[Any, Any, T]) -> asyncio.Future[T]:
    """Schedule a coroutine from a Qt slot, logging (not losing) any exception it raises."""
    future = asyncio.ensure_future(coro)

    def report(done: asyncio.Future[Any]) -> None:
        if not done.cancelled() and done.exception() is not None:
            log.error("background action failed", exc_info=done.exception())

    future.add_done_callback(report)
    return future
