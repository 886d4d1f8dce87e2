"""asyncio on the Qt loop for tests and benchmarks, the way the app runs it: the Qt loop drives everything.

qasync's `run_until_complete` processes Qt events once more after it has cleared the running loop, so
callbacks fired then find no loop. Instead the loop is installed as permanently running and a coroutine is
awaited by processing Qt events until it is done, which also lets GUI tests mix qtbot waits with coroutines.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import qasync
from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

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
    """Run Qt's event loop until `awaitable` is done; cancel it and raise TimeoutError after `timeout` s.

    A nested QEventLoop waits in the native event dispatcher like the app's own loop, so I/O wakes it at once
    (polling with short sleeps would add latency to every hop and distort the benchmarks).
    """
    task = asyncio.ensure_future(awaitable)
    if not _run_until_done(task, timeout):
        task.cancel()
        _run_until_done(task, 5.0)
        raise TimeoutError(f"not done within {timeout} s")
    return task.result()


def _run_until_done(task: asyncio.Future[object], timeout: float) -> bool:
    if task.done():
        return True
    waiting = QEventLoop()
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(waiting.quit)
    deadline.start(int(timeout * 1000))
    task.add_done_callback(lambda _: waiting.quit())
    waiting.exec()
    deadline.stop()
    return task.done()


async def until(predicate: Callable[[], object], timeout: float = 30.0, what: str = "condition") -> None:
    """Wait on the running loop until `predicate()` is true; TimeoutError after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"{what} not met within {timeout} s")
        await asyncio.sleep(0.02)
