"""GeminiSessionClient: one long-lived gemini child per chat, spoken to over ACP, driven from the Qt loop.

The first message starts the child; later ones reuse it (context, MCP connections and approvals stay in the
process). Messages are queued FIFO and never interleaved. A child that dies is restarted with back-off and
the same conversation is loaded again; a resume never trusts the CLI's file as the only copy.

This class holds the state and the public lifecycle; its mixins do one job each: AgentChild (the process),
TurnRunner (the queue and the turns), SessionOpening (new, load, resume), AgentRequests (sign-in, mode, model)
and AgentHandlers (what the agent sends).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import acp
from acp import schema
from PySide6.QtCore import QObject, Signal

from gemini_desktop.engine import translate
from gemini_desktop.engine.agent_callbacks import AgentCallbacks
from gemini_desktop.engine.agent_child import AgentChild
from gemini_desktop.engine.agent_handlers import AgentHandlers
from gemini_desktop.engine.agent_requests import AgentRequests
from gemini_desktop.engine.agent_updates import AgentOffer
from gemini_desktop.engine.agents.profiles import AgentProfile
from gemini_desktop.engine.cancel_aftermath import CancelAftermath
from gemini_desktop.engine.file_access import FileAccess
from gemini_desktop.engine.permissions import PendingPermissions
from gemini_desktop.engine.process import AgentProcess, alive
from gemini_desktop.engine.session_opening import SessionOpening
from gemini_desktop.engine.start_failure import unreadable_start
from gemini_desktop.engine.tasks import TaskSet
from gemini_desktop.engine.transport import QProcessTransport
from gemini_desktop.engine.turn_queue import TurnQueue
from gemini_desktop.engine.turn_runner import EngineTurn, TurnRunner
from gemini_desktop.engine.types import (
    EngineConfig,
    EngineError,
    PermissionHandler,
    ResumeOutcome,
    SessionState,
    TranscriptTurn,
    Usage,
)

log = logging.getLogger(__name__)


class GeminiSessionClient(QObject, AgentChild, TurnRunner, SessionOpening, AgentRequests, AgentHandlers):
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
        self._queue: TurnQueue[EngineTurn] = TurnQueue()
        self._current: EngineTurn | None = None
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


