"""The turns of a GeminiSessionClient: the FIFO queue of messages, one prompt at a time, its answer, its stall
watch and Stop.

A mixin of GeminiSessionClient (it uses the client's connection, state and signals): how a message becomes a
prompt and its answer a result is one job, kept apart from the process that carries it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import acp
from PySide6.QtCore import QCoreApplication

from gemini_desktop.engine import translate
from gemini_desktop.engine.attachments import AttachmentError, Message, PromptCapabilities, prompt_blocks
from gemini_desktop.engine.process import alive
from gemini_desktop.engine.transcript import remembered_text, seed_prompt
from gemini_desktop.engine.transport import UNREADABLE_ANSWER, is_unreadable
from gemini_desktop.engine.turn_queue import TurnQueue
from gemini_desktop.engine.types import (
    ChatResult,
    ContextUsage,
    EngineError,
    PromptFailed,
    SessionState,
    TranscriptTurn,
    Usage,
)

log = logging.getLogger(__name__)


@dataclass
class EngineTurn:
    """A message on its way through the queue to gemini, and what came back of it so far."""

    turn_id: int
    text: str
    future: asyncio.Future[ChatResult]
    message: Message
    chunks: list[str] = field(default_factory=list)
    thoughts: list[str] = field(default_factory=list)
    cancel_requested: asyncio.Event = field(default_factory=asyncio.Event)
    prompt: asyncio.Future[Any] | None = None
    wedged: EngineError | None = None  # why the agent is replaced instead of this turn waiting for its answer


class TurnRunner:
    """Queue, run, finish, fail and cancel turns."""

    _config: Any
    _current: EngineTurn | None
    _queue: TurnQueue[EngineTurn]

    def submit(self, message: str | Message) -> int:
        """Queue a message (text, or a Message with attachments, which it keeps while queued); the result
        arrives through turn_finished / turn_failed (and the returned id)."""
        return self._enqueue(Message.of(message)).turn_id

    async def chat(self, message: str | Message) -> ChatResult:
        return await self._enqueue(Message.of(message)).future

    def _enqueue(self, message: Message) -> EngineTurn:
        future: asyncio.Future[ChatResult] = asyncio.get_event_loop().create_future()
        future.add_done_callback(lambda f: f.cancelled() or f.exception())  # failures are reported by signal
        turn = EngineTurn(self._next_turn_id, remembered_text(message), future, message)
        self._next_turn_id += 1
        self._queue.append(turn)
        self.queue_changed.emit(len(self._queue))
        if self._state in (SessionState.STOPPED, SessionState.FAILED) and not self._lifecycle.locked():
            self._tasks.spawn(self._start_for_queue())
        else:
            self._kick_worker()
        return turn

    async def _start_for_queue(self) -> None:
        with contextlib.suppress(EngineError):
            await self.start_session(self._session_id, self._transcript)

    def _kick_worker(self) -> None:
        if self._worker is None or self._worker.done():
            self._worker = self._tasks.spawn(self._run_queue())

    async def _run_queue(self) -> None:
        while self._queue and self._state == SessionState.READY and self._conn is not None:
            turn = self._queue.popleft()
            self.queue_changed.emit(len(self._queue))
            await self._run_turn(turn)

    async def _run_turn(self, turn: EngineTurn) -> None:
        conn, session_id = self._require_conn(), self._session_id
        assert session_id is not None
        self._current = turn
        self._set_state(SessionState.BUSY)
        self.turn_started.emit(turn.turn_id, turn.message.text)
        text = seed_prompt(self._seed, turn.message.text) if self._seed else turn.message.text
        try:  # files are checked again and images read now, off the UI thread
            blocks = await asyncio.to_thread(prompt_blocks, Message(text, turn.message.attachments),
                                             self.prompt_capabilities or PromptCapabilities())
        except AttachmentError as exc:
            self._end_unsent(turn, exc)
            return
        await self._aftermath.settled(turn.cancel_requested)  # no time at all unless the turn before was cancelled
        if turn.cancel_requested.is_set():  # stopped while its attachments were read or the cancelled turn settled
            self._end_unsent(turn, None)
            return
        request = asyncio.ensure_future(conn.prompt(session_id=session_id, prompt=blocks))
        turn.prompt = prompt = asyncio.shield(request)  # Stop ends the turn; the request lives on to its answer
        watchdogs = [self._tasks.spawn(self._watch_stall(turn, prompt))]
        if self._aftermath.unanswered():
            watchdogs.append(self._tasks.spawn(self._watch_wedge(turn, prompt)))
        try:
            response = await prompt
        except asyncio.CancelledError:
            if turn.wedged is not None:
                self._replace_wedged_agent(turn, turn.wedged, request)
            else:
                self._finish_turn(turn, "cancelled", None)
                if self._conn is conn:  # not a stop: the connection the request went out on still runs
                    self._aftermath.begin(turn.turn_id, request)
        except acp.RequestError as exc:
            message = UNREADABLE_ANSWER if is_unreadable(exc) else f"{self.agent_name} reported an error: {exc}"
            self._fail_turn(turn, PromptFailed(message, exc.code, exc.data))
        except ConnectionError:
            if turn.cancel_requested.is_set():
                self._finish_turn(turn, "cancelled", None)
            else:
                self._fail_turn(turn, self._connection_lost(f"{self.agent_name} stopped"))
        except Exception as exc:  # whatever else an answer does to the SDK, it ends this turn only
            log.exception("turn %d: reading gemini's answer failed", turn.turn_id)
            self._fail_turn(turn, PromptFailed(UNREADABLE_ANSWER, None, repr(exc)))
        else:
            self._seed = None
            self._restarts = 0
            usage = translate.usage_from_meta(response.field_meta)
            self._finish_turn(turn, str(response.stop_reason), usage,
                              translate.context_usage_from_meta(response.field_meta))
        finally:
            for watchdog in watchdogs:
                watchdog.cancel()
            self._current = None
            if self._state == SessionState.BUSY:
                self._set_state(SessionState.READY)

    def _end_unsent(self, turn: EngineTurn, failure: EngineError | None) -> None:
        """A turn that ends before its prompt went out: refused (failure) or cancelled; the session stays ready."""
        self._current = None
        self._set_state(SessionState.READY)
        if failure is not None:
            self._fail_turn(turn, failure)
        else:
            self._finish_turn(turn, "cancelled", None)

    def _finish_turn(self, turn: EngineTurn, stop_reason: str, usage: Usage | None,
                     context: ContextUsage | None = None) -> None:
        result = ChatResult("".join(turn.chunks), stop_reason, usage, "".join(turn.thoughts), context)
        if usage is not None:
            self._total_usage = self._total_usage + usage
        if result.text or stop_reason != "cancelled":
            self._transcript += [TranscriptTurn("user", turn.text), TranscriptTurn("assistant", result.text)]
        if not turn.future.done():
            turn.future.set_result(result)
        self.turn_finished.emit(turn.turn_id, result)

    def _fail_turn(self, turn: EngineTurn, error: EngineError) -> None:
        log.warning("turn %d failed: %s", turn.turn_id, error)
        if not turn.future.done():
            turn.future.set_exception(error)
        if alive(self):
            self.turn_failed.emit(turn.turn_id, str(error))

    async def _watch_stall(self, turn: EngineTurn, prompt: asyncio.Future[Any]) -> None:
        """Report a turn that produces nothing."""
        limit = self._config.stall_timeout
        reported = False
        while not prompt.done():
            await asyncio.sleep(min(1.0, limit / 4))
            now = time.monotonic()
            transport = self._transport
            if transport is None or len(self._permissions):
                continue
            idle = now - transport.last_activity
            if idle >= limit and not reported:
                reported = True
                log.warning("turn %d: nothing from gemini for %.0f s", turn.turn_id, idle)
                self.stalled.emit(idle)
            elif idle < limit:
                reported = False

    async def _watch_wedge(self, turn: EngineTurn, prompt: asyncio.Future[Any]) -> None:
        """After a cancelled prompt the agent never answered, end this turn once the agent has been silent for
        wedge_timeout seconds since it went out (a permission request waiting for the user does not count)."""
        limit = self._config.wedge_timeout
        sent = time.monotonic()
        while not prompt.done():
            await asyncio.sleep(min(1.0, limit / 4))
            transport = self._transport
            if transport is None or len(self._permissions) or not self._aftermath.unanswered():
                continue
            idle = time.monotonic() - max(sent, transport.last_activity)
            if idle >= limit:
                log.warning("turn %d: %s sent nothing for %.0f s after a cancelled prompt it never answered: it is "
                            "taken for wedged and restarted", turn.turn_id, self.agent_name, idle)
                turn.wedged = EngineError(QCoreApplication.translate(
                    "Engine", "{agent} did not answer this message (nothing for {seconds} s after the previous answer "
                    "was stopped), so it was restarted and the conversation resumed. Send the message again.").format(
                    agent=self.agent_name, seconds=f"{limit:.0f}"))
                prompt.cancel()
                return

    def _replace_wedged_agent(self, turn: EngineTurn, error: EngineError, request: asyncio.Future[Any]) -> None:
        """Fail the turn and restart the agent on the same conversation, as after a crash; the queue waits for it."""
        request.add_done_callback(lambda done: done.cancelled() or done.exception())  # its outcome is not needed
        self._aftermath.forget()
        self._set_state(SessionState.RESTARTING)
        self._fail_turn(turn, error)
        self._tasks.spawn(self._restart_after_wedge())

    async def _restart_after_wedge(self) -> None:
        with contextlib.suppress(EngineError):  # a failed start is reported by the start (state FAILED, last_error)
            await self.restart_session()

    def edit_queued(self, turn_id: int, message: Message) -> bool:
        """Change a message still waiting for its turn; False once it was sent."""
        turn = self._queue.find(turn_id)
        if turn is not None:
            turn.message, turn.text = message, remembered_text(message)
        return turn is not None

    def withdraw(self, turn_id: int) -> bool:
        """Take back a message still waiting for its turn: it is never sent and reports nothing."""
        turn = self._queue.withdraw(turn_id)
        if turn is not None:
            turn.future.cancel()
            self.queue_changed.emit(len(self._queue))
        return turn is not None

    def reorder_queue(self, turn_ids: Sequence[int]) -> None:
        """The waiting messages go in this order (those not named keep their order behind them)."""
        self._queue.reorder(turn_ids)

    def cancel(self, *, keep_queue: bool = False) -> None:
        """Stop the running turn and, unless `keep_queue` (the next message is sent at once), drop the queued ones.

        The turn ends here at once, whatever the agent does with session/cancel: an agent that never answers
        it cannot hold the window busy. Its late answer to the prompt is ignored.
        """
        if not keep_queue:
            for turn in list(self._queue):
                self._finish_turn(turn, "cancelled", None)
            self._queue.clear()
            self.queue_changed.emit(0)
        self._permissions.withdraw_all()
        turn = self._current
        if turn is None or turn.cancel_requested.is_set():
            return
        turn.cancel_requested.set()
        if self._conn is not None and self._session_id is not None:
            self._tasks.spawn(self._conn.cancel(session_id=self._session_id))
        if turn.prompt is not None:
            turn.prompt.cancel()

    def _abort_turns(self, reason: str) -> None:
        self._fail_queue(reason)
        self._permissions.withdraw_all()
        if self._current is not None:
            self._current.cancel_requested.set()

    def _fail_queue(self, reason: str) -> None:
        while self._queue:
            self._fail_turn(self._queue.popleft(), EngineError(reason))
        if alive(self):
            self.queue_changed.emit(0)
