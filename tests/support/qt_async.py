"""asyncio on the Qt loop for tests and benchmarks, the way the app runs it: the Qt loop drives everything.

qasync's `run_until_complete` processes Qt events once more after it has cleared the running loop, so
callbacks fired then find no loop. Instead the loop is installed as permanently running and a coroutine is
awaited by processing Qt events until it is done, which also lets GUI tests mix qtbot waits with coroutines.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import qasync
from PySide6.QtCore import QCoreApplication
from PySide6.QtTest import QTest

T = TypeVar("T")


_executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="asyncio-on-qt")


def install_loop(app: QCoreApplication) -> asyncio.AbstractEventLoop:
    """Plain Python worker threads for to_thread(): qasync's QThread pool is not joined at interpreter exit."""
    loop = qasync.QEventLoop(app, already_running=True)
    loop.set_default_executor(_executor)
    asyncio.set_event_loop(loop)
    return loop


def uninstall_loop() -> None:
    _executor.shutdown(wait=True, cancel_futures=True)
    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop(None)


def drive(awaitable: Awaitable[T], timeout: float = 60.0) -> T:
    """Process Qt events until `awaitable` is done; cancel it and raise TimeoutError after `timeout` s."""
    task = asyncio.ensure_future(awaitable)
    deadline = time.monotonic() + timeout
    while not task.done():
        if time.monotonic() > deadline:
            task.cancel()
            end = time.monotonic() + 5
            while not task.done() and time.monotonic() < end:
                QTest.qWait(5)
            raise TimeoutError(f"not done within {timeout} s")
        QTest.qWait(1)
    return task.result()


async def until(predicate: Callable[[], object], timeout: float = 30.0, what: str = "condition") -> None:
    """Wait on the running loop until `predicate()` is true; TimeoutError after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"{what} not met within {timeout} s")
        await asyncio.sleep(0.02)
