"""After a cancelled turn, the next prompt waits (briefly, bounded) until the agent is done with the cancelled one.

Why: Stop ends a turn at once, without waiting for the agent (one that ignores session/cancel must not hold the
window busy), so the agent may still be streaming the cancelled answer when the next prompt goes out. Updates name
only the session, not the prompt they belong to, so such a late chunk would be read as the start of the next answer.
Seen: gemini-cli 0.61 under load streamed the cancelled answer's rest, then answered the cancelled prompt, after the
next prompt had gone out ("restEcho: still there?"); claude-code-acp 0.16.2 streams even after answering.

ACP has the agent send every pending update before it answers a cancelled prompt, so that answer marks the end of
the cancelled turn; a short quiet time after it covers agents that break the rule. Updates that arrive meanwhile are
logged, and their text is dropped rather than appended to the cancelled answer: that turn was already reported
finished (the user pressed Stop and saw where it stopped), and an answer growing after its end would change what
was shown and stored. Both waits are bounded, so an agent that never answers delays the next prompt once by at most
ANSWER_WAIT + QUIET_LIMIT seconds; a turn that follows no cancel never waits.

An agent that never answered its cancelled prompt may be wedged: claude-code-acp 0.16.2 now and then never
answers the next prompt either, nor sends anything. `unanswered` tells the turn runner so, which then gives the
next prompt a bounded silence before it replaces the agent (engine/turn_runner.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from gemini_desktop.engine.events import MessageChunk, SessionEvent, ThoughtChunk
from gemini_desktop.engine.tasks import TaskSet

log = logging.getLogger(__name__)

ANSWER_WAIT = 3.0  # s: the longest the next prompt waits for the agent to answer the cancelled one
QUIET = 0.2  # s without an update, after that answer, before the next prompt goes out
QUIET_LIMIT = 1.0  # s after that answer: an agent that never falls quiet delays the next prompt no longer
POLL = 0.05  # s between looks at the quiet time


class CancelAftermath:
    """Which cancelled prompt the agent may still be answering, and the late text of it that is dropped."""

    def __init__(self, tasks: TaskSet) -> None:
        self._tasks = tasks
        self._turn_id: int | None = None
        self._settling: asyncio.Task[None] | None = None
        self._last_update = 0.0
        self._dropped = 0
        self._unanswered: asyncio.Future[Any] | None = None  # a cancelled prompt the agent never answered

    def begin(self, turn_id: int, request: asyncio.Future[Any]) -> None:
        """Turn `turn_id` was cancelled; `request` is its session/prompt, answered or not."""
        request.add_done_callback(lambda done: done.cancelled() or done.exception())  # its outcome is not needed
        if self._settling is not None:
            self._settling.cancel()
        self._turn_id, self._dropped = turn_id, 0
        self._last_update = time.monotonic()
        self._settling = self._tasks.spawn(self._settle(turn_id, request))

    def late(self, event: SessionEvent) -> bool:
        """True when `event` is text of the cancelled turn arriving after its end: the caller drops it."""
        if self._settling is None:
            return False
        self._last_update = time.monotonic()
        if not isinstance(event, MessageChunk | ThoughtChunk):
            return False  # tool calls and the rest name what they are about: they go on as usual
        self._dropped += 1
        log.info("turn %s was cancelled: a late %s of it is dropped (%d characters)", self._turn_id,
                 type(event).__name__, len(event.text))
        return True

    def unanswered(self) -> bool:
        """The agent has still not answered a cancelled prompt it was given up on (it may be wedged)."""
        return self._unanswered is not None and not self._unanswered.done()

    def forget(self) -> None:
        """The agent was replaced: nothing it left unanswered matters any more."""
        self._unanswered = None

    async def settled(self, stop: asyncio.Event) -> None:
        """Return once the cancelled prompt has settled (at once when nothing was cancelled), or when `stop` is set."""
        settling = self._settling
        if settling is None or stop.is_set():
            return
        stopped = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({settling, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()

    async def _settle(self, turn_id: int, request: asyncio.Future[Any]) -> None:
        started = time.monotonic()
        try:
            await self._answered_and_quiet(turn_id, request)
        finally:
            if self._settling is asyncio.current_task():  # not replaced by a newer cancel
                self._settling = None
        log.info("turn %d: its cancelled prompt settled after %.2f s (%d late chunks dropped)", turn_id,
                 time.monotonic() - started, self._dropped)

    async def _answered_and_quiet(self, turn_id: int, request: asyncio.Future[Any]) -> None:
        """Wait for the answer (or error) to the cancelled prompt, then for QUIET seconds without an update."""
        await asyncio.wait({request}, timeout=ANSWER_WAIT)
        if not request.done():
            log.warning("turn %d: the agent did not answer its cancelled prompt within %.0f s; the next prompt "
                        "goes out anyway", turn_id, ANSWER_WAIT)
            self._unanswered = request
            given_up = time.monotonic()
            request.add_done_callback(lambda done: _log_late_answer(turn_id, done, time.monotonic() - given_up))
            return
        self._unanswered = None  # it follows the protocol: whatever it left unanswered before is not a wedge
        answered = time.monotonic()
        while (time.monotonic() - max(answered, self._last_update) < QUIET
               and time.monotonic() - answered < QUIET_LIMIT):
            await asyncio.sleep(POLL)


def _log_late_answer(turn_id: int, request: asyncio.Future[Any], late: float) -> None:
    """An answer after all (not the end of a connection closed under it): the agent was not wedged."""
    if not request.cancelled() and request.exception() is None:
        log.info("turn %d: the agent answered its cancelled prompt %.1f s after it was given up on", turn_id, late)
