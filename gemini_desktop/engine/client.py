"""GeminiSessionClient: one long-lived gemini child per chat, spoken to over ACP, driven from the Qt loop.

The first message starts the child; later ones reuse it (context, MCP connections and approvals stay in the
process). Messages are queued FIFO and never interleaved. A child that dies is restarted with back-off and
the same conversation is loaded again; a resume never trusts the CLI's file as the only copy.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import acp
from acp import schema
from PySide6.QtCore import QObject, Signal

from gemini_desktop import __version__
from gemini_desktop.engine import translate
from gemini_desktop.engine.agent_callbacks import AgentCallbacks
from gemini_desktop.engine.agent_handlers import AgentHandlers
from gemini_desktop.engine.agent_requests import AgentRequests
from gemini_desktop.engine.agent_updates import AgentOffer
from gemini_desktop.engine.agents.profiles import AgentProfile
from gemini_desktop.engine.attachments import (
    AttachmentError,
    Message,
    PromptCapabilities,
    prompt_blocks,
)
from gemini_desktop.engine.cancel_aftermath import CancelAftermath
from gemini_desktop.engine.child_launch import child_args, child_env
from gemini_desktop.engine.file_access import FileAccess
from gemini_desktop.engine.permissions import PendingPermissions
from gemini_desktop.engine.process import AgentProcess, ProcessOutcome, alive
from gemini_desktop.engine.session_opening import SessionOpening
from gemini_desktop.engine.sign_in import SignInMethod
from gemini_desktop.engine.start_failure import crash_error, unreadable_start, with_stderr, wrong_protocol
from gemini_desktop.engine.tasks import TaskSet
from gemini_desktop.engine.transcript import remembered_text, seed_prompt
from gemini_desktop.engine.transport import UNREADABLE_ANSWER, QProcessTransport, is_unreadable
from gemini_desktop.engine.turn_queue import TurnQueue
from gemini_desktop.engine.types import (
    ChatResult,
    ContextUsage,
    EngineConfig,
    EngineError,
    PermissionHandler,
    ProcessCrashed,
    PromptFailed,
    ResumeOutcome,
    SessionState,
    StartTimeout,
    TranscriptTurn,
    Usage,
)

log = logging.getLogger(__name__)


@dataclass
class _Turn:
    turn_id: int
    text: str
    future: asyncio.Future[ChatResult]
    message: Message
    chunks: list[str] = field(default_factory=list)
    thoughts: list[str] = field(default_factory=list)
    cancel_requested: asyncio.Event = field(default_factory=asyncio.Event)
    prompt: asyncio.Future[Any] | None = None


class GeminiSessionClient(QObject, SessionOpening, AgentRequests, AgentHandlers):
    state_changed = Signal(str)
    event = Signal(object)
    turn_started = Signal(int, str)
    turn_finished = Signal(int, object)
    turn_failed = Signal(int, str)
    queue_changed = Signal(int)
    stalled = Signal(float)
    crashed = Signal(str, str)
    auth_required = Signal(object)  # AuthRequired
    session_started = Signal(object)
    replayed = Signal(object)
    permissions_pending = Signal(int)

    def __init__(self, config: EngineConfig, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._config = config
        self._state = SessionState.STOPPED
        self.permission_handler: PermissionHandler | None = None
        self.process_gate: Callable[[], Awaitable[None]] | None = None  # awaited before a child starts (the cap)
        self.process_donor: Callable[[], Awaitable[bool]] | None = None  # True: a started child was handed over
        self._callbacks: AgentCallbacks | None = None
        self._process: AgentProcess | None = None
        self._transport: QProcessTransport | None = None
        self._conn: acp.ClientSideConnection | None = None
        self._init: schema.InitializeResponse | None = None
        self._session_id: str | None = None
        self._tools = translate.ToolCallTracker()
        self._files = FileAccess(lambda: self._config.cwd, config.file_journal)
        self._queue: TurnQueue[_Turn] = TurnQueue()
        self._current: _Turn | None = None
        self._next_turn_id = 1
        self._transcript: list[TranscriptTurn] = []
        self._seed: list[TranscriptTurn] | None = None
        self._replay: list[tuple[str, str]] | None = None
        self._replay_last = 0.0
        self._offer = AgentOffer()
        self._total_usage = Usage()
        self._plans_asked = self._plans_shown = 0  # write_todos calls seen, and the newest whose plan was shown
        self._lifecycle = asyncio.Lock()
        self._stopping = False
        self._restarts = 0
        self._api_key_in_env = False
        self._key_offered_to: AgentProcess | None = None
        self._worker: asyncio.Task[None] | None = None
        self._tasks = TaskSet("engine")
        self._aftermath = CancelAftermath(self._tasks)  # a cancelled prompt the agent may still answer
        self._permissions = PendingPermissions(self.permissions_pending.emit)
        self.last_error = ""

    # ----- public state -------------------------------------------------------------------------------------

    @property
    def config(self) -> EngineConfig:
        return self._config

    def reconfigure(self, **changes: Any) -> None:
        """The one call that changes this client's inputs (env, cwd, model, api_key ...); a changed folder,
        environment or key reaches gemini at the next start of its child."""
        self._config = dataclasses.replace(self._config, **changes)

    @property
    def state(self) -> SessionState:
        return self._state

    @property
    def session_id(self) -> str | None:
        return self._session_id

    @property
    def process_id(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def queued_count(self) -> int:
        return len(self._queue)

    @property
    def pending_permissions(self) -> int:
        """Permission requests waiting for the handler's answer (the turn cannot go on until they are answered)."""
        return len(self._permissions)

    @property
    def agent(self) -> AgentProfile:
        return self._config.agent

    @property
    def agent_name(self) -> str:
        """How messages name the agent (gemini's keep the CLI's own name)."""
        return "gemini" if self._config.agent.is_gemini else self._config.agent.display_name

    @property
    def agent_version(self) -> str:
        info = self._init.agent_info if self._init is not None else None
        return str(getattr(info, "version", "") or self._config.gemini.version)

    @property
    def stderr_tail(self) -> str:
        return self._process.stderr_tail() if self._process is not None else ""

    @property
    def total_usage(self) -> Usage:
        return self._total_usage

    @property
    def transcript(self) -> list[TranscriptTurn]:
        return list(self._transcript)

    # ----- lifecycle ----------------------------------------------------------------------------------------

    async def start_session(self, resume_id: str | None = None, transcript: Sequence[TranscriptTurn] = (),
                            cwd: Path | None = None) -> ResumeOutcome:
        """Start (or reuse) the child and open a conversation: new, or `resume_id` loaded safely."""
        async with self._lifecycle:
            if cwd is not None and Path(cwd) != self._config.cwd:
                await self._stop_process()
                self.reconfigure(cwd=Path(cwd))
            return await self._open(resume_id, list(transcript), SessionState.STARTING)

    def prepare_resume(self, session_id: str, transcript: Sequence[TranscriptTurn] = ()) -> None:
        """Name the conversation a stopped client resumes (safely) on its first message, without starting a child
        now: a conversation can be open on screen long before it needs a process."""
        if self._state != SessionState.STOPPED:
            raise EngineError("Only a stopped session can be pointed at another conversation.")
        self._session_id = session_id
        self._adopt(transcript)

    async def new_session(self) -> ResumeOutcome:
        return await self.start_session()

    async def restart_session(self) -> ResumeOutcome:
        """A fresh child on the same conversation."""
        async with self._lifecycle:
            resume_id, transcript = self._session_id, list(self._transcript)
            self._set_state(SessionState.RESTARTING)
            await self._stop_process()
            return await self._open(resume_id, transcript, SessionState.RESTARTING)

    async def stop_session(self, timeout: float = 5.0) -> None:
        """Cancel everything, close stdin, then terminate, then kill: never leaves a child behind."""
        self._abort_turns("The session was stopped.")
        if self._lifecycle.locked():
            await self._stop_process(timeout)  # a start in progress fails fast instead of holding shutdown up
        async with self._lifecycle:
            await self._stop_process(timeout)
            self._set_state(SessionState.STOPPED)
        self._tasks.cancel_all()

    async def _open(self, resume_id: str | None, transcript: list[TranscriptTurn],
                    starting: SessionState) -> ResumeOutcome:
        self._set_state(starting)
        try:
            await self._ensure_process()
            outcome = await (self._resume(resume_id, transcript) if resume_id else self._new())
        except EngineError as exc:
            self._start_failed(exc)
            raise
        except Exception:  # an answer the SDK chokes on must not leave the state at "starting"
            log.exception("starting the %s session failed", self.agent_name)
            error = EngineError(unreadable_start(self.agent_name, self._process))
            self._start_failed(error)
            raise error from None
        self._set_state(SessionState.READY)
        self.session_started.emit(outcome)
        self._kick_worker()
        return outcome

    def _child_env(self) -> dict[str, str]:
        return child_env(self._config, self._api_key_in_env)

    async def _ensure_process(self) -> None:
        if self._conn is not None and self._process is not None and self._process.running:
            return
        if self.process_donor is not None and await self.process_donor():
            return
        if self.process_gate is not None:
            await self.process_gate()
        flag = self._config.gemini.acp_flag
        try:
            await self._spawn(flag)
        except ProcessCrashed as exc:
            if (not self.agent.acp_flag_by_version or flag != "--acp"
                    or "unknown argument" not in exc.stderr_tail.lower()):
                raise
            log.info("this gemini does not know --acp; retrying with --experimental-acp")
            flag = "--experimental-acp"
            await self._spawn(flag)
        if (self.agent.api_key_over_authenticate and self._config.api_key and not self._api_key_in_env
                and not self._takes_api_key_over_acp()):
            log.info("%s %s cannot take an API key over ACP: restarting it with the key in its environment",
                     self.agent_name, self.agent_version)
            self._api_key_in_env = True
            await self._stop_process(2.0)
            await self._spawn(flag)
        sign_in = self._config.sign_in
        if sign_in is not None and sign_in.method is not SignInMethod.API_KEY:
            await self._sign_in_first(sign_in)

    async def _spawn(self, acp_flag: str) -> None:
        process = AgentProcess(self._config.stderr_lines, self, self.agent_name)
        process.finished.connect(lambda outcome: self._on_process_finished(process, outcome))
        self._process = process
        self._transport = QProcessTransport(process, translate.client_methods(self._client_capabilities()))
        self._transport.observers.append(self._observe_raw)
        self._callbacks = AgentCallbacks(self._on_session_update, self._on_permission, self._files)
        self._conn = acp.connect_to_agent(self._callbacks, self._transport)
        process.start(self._config.gemini.program, child_args(self._config, acp_flag), self._child_env(),
                      str(self._config.cwd))
        try:
            self._init = await asyncio.wait_for(
                self._conn.initialize(
                    protocol_version=acp.PROTOCOL_VERSION,
                    client_capabilities=self._client_capabilities(),
                    client_info=schema.Implementation(name="gemini-desktop", title="Gemini Desktop",
                                                      version=__version__),
                ),
                self._config.start_timeout,
            )
        except TimeoutError:
            tail = process.stderr_tail()
            await self._stop_process(2.0)
            raise StartTimeout(with_stderr(f"{self.agent_name} did not answer within {self._config.start_timeout:.0f} "
                                           "s of starting.", self.agent_name, tail)) from None
        except (ConnectionError, acp.RequestError) as exc:
            if isinstance(exc, acp.RequestError) and is_unreadable(exc):
                unreadable = EngineError(unreadable_start(self.agent_name, process))
                await self._stop_process(2.0)
                raise unreadable from None
            await process.wait_finished(2.0)
            name = self.agent_name
            raise crash_error(process, name, f"{name} stopped while starting ({exc})", starting=True) from None
        if self._init.protocol_version != acp.PROTOCOL_VERSION:
            other = EngineError(wrong_protocol(self.agent_name, self._init.protocol_version, process))
            await self._stop_process(2.0)
            raise other
        log.info("%s %s ready (pid %s, ACP %s)", self.agent_name, self.agent_version, process.pid,
                 self._init.protocol_version)

    def _connection_lost(self, fallback: str) -> ProcessCrashed:
        """The SDK's connection ended. If gemini still runs, the connection died under it (a failure inside the
        SDK): kill gemini so the crash path reports it and restarts it, instead of every later turn failing."""
        process = self._process
        if process is None:
            return ProcessCrashed(fallback)
        if process.running and not self._stopping:
            log.error("the connection to gemini (pid %s) broke while gemini still runs: restarting it", process.pid)
            process.kill()
            return ProcessCrashed("The connection to gemini broke; gemini is restarted.", None,
                                  process.stderr_tail())
        return crash_error(process, self.agent_name, fallback)

    def _observe_raw(self, message: dict[str, Any]) -> None:
        """The CLI's `models` block is not in the SDK's models; pick it from the raw session/new|load result."""
        models = self._offer.from_raw_result(message.get("result"))
        if models is not None:
            self.event.emit(models)

    async def _stop_process(self, timeout: float = 5.0) -> None:
        process, conn = self._process, self._conn
        self._conn = None
        if process is None:
            return
        self._stopping = True
        try:
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()
            await process.stop(timeout)
        finally:
            self._stopping = False
            if self._process is process:
                self._process = None
                self._transport = None
            if alive(process):  # a torn-down client (or its window) took its process along already
                process.deleteLater()

    def _on_process_finished(self, process: AgentProcess, outcome: ProcessOutcome) -> None:
        if self._stopping or process is not self._process:
            return
        tail = self._process.stderr_tail() if self._process else ""
        self.last_error = outcome.describe(self.agent_name)
        log.warning("%s died unexpectedly: %s", self.agent_name, self.last_error)
        self._conn = None
        if self._state in (SessionState.STARTING, SessionState.RESTARTING):
            return  # the start in progress reports it
        self._set_state(SessionState.CRASHED)
        self.crashed.emit(self.last_error, tail)
        if self._session_id is not None:
            self._tasks.spawn(self._recover())

    async def _recover(self) -> None:
        """Restart with back-off and reload the same conversation; give up after max_restarts tries."""
        while self._restarts < self._config.max_restarts:
            delay = self._config.restart_backoff * (2 ** self._restarts)
            self._restarts += 1
            await asyncio.sleep(delay)
            if self._state not in (SessionState.CRASHED, SessionState.FAILED):
                return
            try:
                async with self._lifecycle:
                    await self._stop_process(2.0)
                    await self._open(self._session_id, list(self._transcript), SessionState.RESTARTING)
                return
            except EngineError as exc:
                log.warning("restart %d of %d failed: %s", self._restarts, self._config.max_restarts, exc)
        self._set_state(SessionState.FAILED)

    # ----- turns --------------------------------------------------------------------------------------------

    def submit(self, message: str | Message) -> int:
        """Queue a message (text, or a Message with attachments, which it keeps while queued); the result
        arrives through turn_finished / turn_failed (and the returned id)."""
        return self._enqueue(Message.of(message)).turn_id

    async def chat(self, message: str | Message) -> ChatResult:
        return await self._enqueue(Message.of(message)).future

    def _enqueue(self, message: Message) -> _Turn:
        future: asyncio.Future[ChatResult] = asyncio.get_event_loop().create_future()
        future.add_done_callback(lambda f: f.cancelled() or f.exception())  # failures are reported by signal
        turn = _Turn(self._next_turn_id, remembered_text(message), future, message)
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

    async def _run_turn(self, turn: _Turn) -> None:
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
        watchdog = self._tasks.spawn(self._watch_stall(turn, prompt))
        try:
            response = await prompt
        except asyncio.CancelledError:
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
            watchdog.cancel()
            self._current = None
            if self._state == SessionState.BUSY:
                self._set_state(SessionState.READY)

    def _end_unsent(self, turn: _Turn, failure: EngineError | None) -> None:
        """A turn that ends before its prompt went out: refused (failure) or cancelled; the session stays ready."""
        self._current = None
        self._set_state(SessionState.READY)
        if failure is not None:
            self._fail_turn(turn, failure)
        else:
            self._finish_turn(turn, "cancelled", None)

    def _finish_turn(self, turn: _Turn, stop_reason: str, usage: Usage | None,
                     context: ContextUsage | None = None) -> None:
        result = ChatResult("".join(turn.chunks), stop_reason, usage, "".join(turn.thoughts), context)
        if usage is not None:
            self._total_usage = self._total_usage + usage
        if result.text or stop_reason != "cancelled":
            self._transcript += [TranscriptTurn("user", turn.text), TranscriptTurn("assistant", result.text)]
        if not turn.future.done():
            turn.future.set_result(result)
        self.turn_finished.emit(turn.turn_id, result)

    def _fail_turn(self, turn: _Turn, error: EngineError) -> None:
        log.warning("turn %d failed: %s", turn.turn_id, error)
        if not turn.future.done():
            turn.future.set_exception(error)
        if alive(self):
            self.turn_failed.emit(turn.turn_id, str(error))

    async def _watch_stall(self, turn: _Turn, prompt: asyncio.Future[Any]) -> None:
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

    # ----- helpers ------------------------------------------------------------------------------------------

    def _require_conn(self) -> acp.ClientSideConnection:
        if self._conn is None:
            raise EngineError(f"The {self.agent_name} session is not running.")
        return self._conn

    def _require_process(self) -> AgentProcess:
        if self._process is None:
            raise EngineError(f"The {self.agent_name} session is not running.")
        return self._process

    def _require_session(self) -> str:
        if self._session_id is None:
            raise EngineError(f"No {self.agent_name} session is open.")
        return self._session_id

    def _start_failed(self, error: EngineError) -> None:
        log.warning("%s could not start: %s", self.agent_name, error)
        self.last_error = str(error)
        self._set_state(SessionState.FAILED)
        self._fail_queue(str(error))

    def _set_state(self, state: SessionState) -> None:
        if state != self._state:
            log.info("engine state: %s -> %s", self._state, state)
            self._state = state
            if alive(self):  # a stop that ends after Qt deleted the client has no one left to tell
                self.state_changed.emit(str(state))


