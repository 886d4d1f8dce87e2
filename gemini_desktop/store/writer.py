"""History writes in order on a thread of their own, retried while the database is busy or the disk is full.

A window must never wait on the disk or on another program's lock, and a turn must never be lost because the
database was unavailable for a while: a write that fails for a reason that passes (`StoreBusy`, `StoreFull`)
stays first in the queue and is tried again until it succeeds, while the writes behind it wait in memory.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import Any

from gemini_desktop.store.history import HistoryStore
from gemini_desktop.store.records import StoreBusy, StoreError, StoreFull

log = logging.getLogger(__name__)

RETRY_INTERVAL = 1.0


class WriterState(StrEnum):
    SAVING = "saving"
    BUSY = "busy"  # another program holds the database's write lock
    FULL = "full"  # the disk is full


class RowNotSaved(StoreError):
    """A write refers to a row whose own write failed; that failure was already reported."""


class RowRef:
    """The id of a row a queued write creates; writes queued after it read it when they run."""

    def __init__(self, value: int | None = None) -> None:
        self.value = value

    def require(self) -> int:
        if self.value is None:
            raise RowNotSaved("An earlier history write failed, so this one has nothing to belong to.")
        return self.value


@dataclass
class _Write:
    operation: Callable[[HistoryStore], Any]
    then: Callable[[Any], None] | None
    into: RowRef | None


Deliver = Callable[[Callable[[], None]], None]


class HistoryWriter:
    """One thread, one connection of its own, one queue.

    `deliver` runs a callback where the owner wants it (a UI posts it to its own thread); `then`,
    `on_state` and `on_failure` are only ever called through it.
    """

    def __init__(self, store: HistoryStore, deliver: Deliver, *,
                 on_state: Callable[[WriterState], None] = lambda _state: None,
                 on_failure: Callable[[StoreError], None] = lambda _error: None,
                 retry_interval: float | None = None) -> None:
        """`retry_interval`: seconds between tries of a write that failed for a passing reason (RETRY_INTERVAL)."""
        self._store = store
        self._deliver = deliver
        self._on_state = on_state
        self._on_failure = on_failure
        self._retry_interval = RETRY_INTERVAL if retry_interval is None else retry_interval
        self._queue: deque[_Write] = deque()
        self._changed = threading.Condition()
        self._working = False
        self._closing = False
        self._abandon = threading.Event()
        self._state = WriterState.SAVING
        self._trouble_since = 0.0
        self._failing = False
        self._thread = threading.Thread(target=self._run, name="history-writer", daemon=True)
        self._thread.start()

    @property
    def pending(self) -> int:
        with self._changed:
            return len(self._queue) + self._working

    def submit(self, operation: Callable[[HistoryStore], Any], then: Callable[[Any], None] | None = None,
               into: RowRef | None = None) -> None:
        """Queue a write. Once it is committed, its result (a row id) goes `into` the ref before the next
        write runs, and `then(result)` is delivered."""
        with self._changed:
            if self._closing:
                log.error("history write after the writer was closed: dropped")
                return
            self._queue.append(_Write(operation, then, into))
            self._changed.notify_all()

    def when_saved(self, callback: Callable[[], None]) -> None:
        """Deliver `callback` once every write queued so far is committed."""
        self.submit(lambda _store: None, then=lambda _result: callback())

    def wait_idle(self, timeout: float) -> bool:
        """Wait until everything queued so far is committed; False when that took longer than `timeout`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._queue or self._working:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True

    def close(self, timeout: float) -> int:
        """Finish the queue within `timeout`, then stop; returns how many writes had to be given up."""
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        self.wait_idle(timeout)
        self._abandon.set()
        with self._changed:
            lost = len(self._queue) + self._working
            self._queue.clear()
            self._changed.notify_all()
        self._thread.join(max(1.0, self._retry_interval))
        if lost:
            log.error("%d history writes could not be saved before quitting (%s)", lost, self._state)
        return lost

    def _run(self) -> None:
        connection: HistoryStore | None = None
        while (write := self._next()) is not None:
            connection = self._perform(write, connection)
            with self._changed:
                self._working = False
                self._changed.notify_all()
        if connection is not None and connection is not self._store:  # an in-memory history is its own writer
            connection.close()

    def _next(self) -> _Write | None:
        with self._changed:
            while not self._queue and not (self._closing or self._abandon.is_set()):
                self._changed.wait()
            if not self._queue:
                return None
            self._working = True
            return self._queue.popleft()

    def _perform(self, write: _Write, connection: HistoryStore | None) -> HistoryStore | None:
        """Commit one write, retrying while the failure is one that passes; returns the connection to keep."""
        while not self._abandon.is_set():
            try:
                connection = connection or self._store.open_writer()
                result = write.operation(connection)
            except (StoreBusy, StoreFull) as error:
                self._enter_trouble(WriterState.FULL if isinstance(error, StoreFull) else WriterState.BUSY, error)
                self._abandon.wait(self._retry_interval)
                continue
            except RowNotSaved as error:
                log.debug("history write skipped: %s", error)
                return connection
            except StoreError as error:
                self._leave_trouble()
                # One error line per run of failures: a broken database would otherwise log every second.
                log.log(logging.DEBUG if self._failing else logging.ERROR,
                        "history write failed and was dropped: %s", error)
                self._failing = True
                self._hand_over(partial(self._on_failure, error))
                return connection
            except Exception:  # one faulty write must not stop the ones behind it
                log.exception("history write failed and was dropped")
                return connection
            self._leave_trouble()
            self._failing = False
            if write.into is not None:
                write.into.value = result
            if write.then is not None:
                self._hand_over(partial(write.then, result))
            return connection
        return connection

    def _hand_over(self, callback: Callable[[], None]) -> None:
        """A failing `deliver` (its owner is gone) must not stop the writes still queued."""
        try:
            self._deliver(callback)
        except Exception as error:  # whatever the owner's hand-over raises (a deleted Qt object: RuntimeError)
            log.warning("history writer could not hand a result over: %s", error)

    def _enter_trouble(self, state: WriterState, error: StoreError) -> None:
        """One log line and one notice per episode, not one per retry."""
        if self._state == state:
            return
        if self._state == WriterState.SAVING:
            self._trouble_since = time.monotonic()
        self._state = state
        log.warning("history writes are waiting (%s); retrying every %.1f s, nothing is dropped",
                    error, self._retry_interval)
        self._hand_over(partial(self._on_state, state))

    def _leave_trouble(self) -> None:
        if self._state == WriterState.SAVING:
            return
        log.warning("history writes saved again after %.1f s", time.monotonic() - self._trouble_since)
        self._state = WriterState.SAVING
        self._hand_over(partial(self._on_state, WriterState.SAVING))
