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
import os
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import acp
from acp import schema
from PySide6.QtCore import QObject, Signal

from gemini_desktop import __version__, paths
from gemini_desktop.cli_format import is_preamble
from gemini_desktop.engine import cli_sessions, translate
from gemini_desktop.engine.cli_sessions import FileBackup
from gemini_desktop.engine.events import (
    AuthMethod,
    MessageChunk,
    ModelUpdate,
    ModeUpdate,
    PermissionRequest,
    ThoughtChunk,
)
from gemini_desktop.engine.process import AgentProcess, ProcessOutcome
from gemini_desktop.engine.transport import QProcessTransport
from gemini_desktop.engine.types import (
    AuthRequired,
    ChatResult,
    EngineConfig,
    EngineError,
    PermissionHandler,
    ProcessCrashed,
    PromptFailed,
    ResumeMethod,
    ResumeOutcome,
    SessionState,
    StartTimeout,
    TranscriptTurn,
    Usage,
)

log = logging.getLogger(__name__)

CANCEL_GRACE = 10.0  # seconds the agent gets to end a cancelled turn before we end it ourselves
REPLAY_QUIET = 0.3  # replayed updates can trail the load response; wait this long after the last one
REPLAY_MAX_WAIT = 5.0
RETENTION_OFF = '{"general": {"sessionRetention": {"enabled": false}}}\n'
API_KEY_METHOD = "gemini-api-key"
API_KEY_META = "api-key"  # gemini-cli advertises it on the gemini-api-key method when authenticate takes a key
FUNCTION_RESPONSE_PREFIX = "[Function Response"


@dataclass
class _Turn:
    turn_id: int
    text: str
    future: asyncio.Future[ChatResult]
    chunks: list[str] = field(default_factory=list)
    thoughts: list[str] = field(default_factory=list)
    cancel_requested: asyncio.Event = field(default_factory=asyncio.Event)


def _is_auth_error(error: acp.RequestError) -> bool:
    text = str(error).lower()
    return error.code == -32000 or "auth" in text or "api key" in text


def _consolidate(chunks: Sequence[tuple[str, str]]) -> list[TranscriptTurn]:
    """Replayed chunks -> whole messages, without the CLI's preamble and tool-result echoes."""
    turns: list[TranscriptTurn] = []
    for role, text in chunks:
        if turns and turns[-1].role == role:
            turns[-1] = TranscriptTurn(role, turns[-1].text + text)
        else:
            turns.append(TranscriptTurn(role, text))
    return [
        t for t in turns
        if t.text.strip()
        and not (t.role == "user" and (is_preamble(t.text) or t.text.lstrip().startswith(FUNCTION_RESPONSE_PREFIX)))
    ]


def _user_turns(turns: Sequence[TranscriptTurn]) -> int:
    return sum(1 for t in turns if t.role == "user")


def _seed_text(turns: Sequence[TranscriptTurn], message: str) -> str:
    lines = ["This continues an earlier conversation, which follows. Carry on from it.", ""]
    lines += [f"{'User' if t.role == 'user' else 'Assistant'}: {t.text}" for t in turns]
    return "\n".join([*lines, "", "User:", message])


class _AgentCallbacks:
    """What the agent may call on us; everything is forwarded to the client object."""

    def __init__(self, owner: GeminiSessionClient) -> None:
        self._owner = owner

    async def session_update(self, session_id: str, update: Any, **kwargs: Any) -> None:
        self._owner._on_session_update(session_id, update)

    async def request_permission(self, session_id: str, tool_call: Any, options: list[Any],
                                 **kwargs: Any) -> schema.RequestPermissionResponse:
        return await self._owner._on_permission(session_id, tool_call, options)


class GeminiSessionClient(QObject):
    state_changed = Signal(str)
    event = Signal(object)
    turn_started = Signal(int, str)
    turn_finished = Signal(int, object)
    turn_failed = Signal(int, str)
    queue_changed = Signal(int)
    stalled = Signal(float)
    crashed = Signal(str, str)
    auth_required = Signal(object)
    session_started = Signal(object)
    replayed = Signal(object)
    permissions_pending = Signal(int)

    def __init__(self, config: EngineConfig, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._config = config
        self._state = SessionState.STOPPED
        self.permission_handler: PermissionHandler | None = None
        self._process: AgentProcess | None = None
        self._transport: QProcessTransport | None = None
        self._conn: acp.ClientSideConnection | None = None
        self._init: schema.InitializeResponse | None = None
        self._session_id: str | None = None
        self._tools = translate.ToolCallTracker()
        self._queue: deque[_Turn] = deque()
        self._current: _Turn | None = None
        self._next_turn_id = 1
        self._transcript: list[TranscriptTurn] = []
        self._seed: list[TranscriptTurn] | None = None
        self._replay: list[tuple[str, str]] | None = None
        self._replay_last = 0.0
        self._modes: ModeUpdate | None = None
        self._models: ModelUpdate | None = None
        self._total_usage = Usage()
        self._lifecycle = asyncio.Lock()
        self._stopping = False
        self._restarts = 0
        self._api_key_in_env = False
        self._key_offered_to: AgentProcess | None = None
        self._worker: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._permission_waits: set[asyncio.Future[Any]] = set()
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
        return len(self._permission_waits)

    @property
    def modes(self) -> ModeUpdate | None:
        return self._modes

    @property
    def models(self) -> ModelUpdate | None:
        return self._models

    @property
    def agent_version(self) -> str:
        info = self._init.agent_info if self._init is not None else None
        return str(getattr(info, "version", "") or self._config.gemini.version)

    @property
    def auth_methods(self) -> tuple[AuthMethod, ...]:
        methods = self._init.auth_methods if self._init is not None else None
        return tuple(AuthMethod(m.id, m.name, m.description or "") for m in methods or [])

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
        for task in list(self._tasks):
            task.cancel()

    async def _open(self, resume_id: str | None, transcript: list[TranscriptTurn],
                    starting: SessionState) -> ResumeOutcome:
        self._set_state(starting)
        try:
            await self._ensure_process()
            outcome = await (self._resume(resume_id, transcript) if resume_id else self._new())
        except EngineError as exc:
            self.last_error = str(exc)
            self._set_state(SessionState.FAILED)
            self._fail_queue(str(exc))
            raise
        self._set_state(SessionState.READY)
        self.session_started.emit(outcome)
        self._kick_worker()
        return outcome

    def _child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(self._config.env)
        if self._api_key_in_env and self._config.api_key:
            env["GEMINI_API_KEY"] = self._config.api_key
        env["GEMINI_CLI_NO_RELAUNCH"] = "true"
        if "GEMINI_CLI_SYSTEM_DEFAULTS_PATH" not in env:
            # Session retention deletes resumed conversations in gemini-cli 0.61 (upstream #27368).
            try:
                defaults = self._state_dir() / "system-defaults.json"
                if not defaults.exists():
                    paths.write_private_text(defaults, RETENTION_OFF)
            except OSError as exc:  # a read-only profile: gemini still runs, with its own defaults
                log.warning("cannot write gemini's settings overlay (%s): session retention stays on and may "
                            "delete resumed conversations", exc)
                return env
            if paths.in_world_writable_folder(defaults):
                log.warning("gemini will ignore %s (a folder above it is world-writable): session retention "
                            "stays on and may delete resumed conversations", defaults)
            env["GEMINI_CLI_SYSTEM_DEFAULTS_PATH"] = str(defaults)
        return env

    def _state_dir(self) -> Path:
        """Not under /tmp: gemini ignores a settings file below a world-writable folder as insecure."""
        if self._config.state_dir is None:
            return paths.state_dir()
        return paths.private_folder(self._config.state_dir)

    def _child_args(self, acp_flag: str) -> list[str]:
        args = [*self._config.gemini.args, acp_flag]
        if self._config.model:
            args += ["-m", self._config.model]
        return [*args, *self._config.extra_args]

    async def _ensure_process(self) -> None:
        if self._conn is not None and self._process is not None and self._process.running:
            return
        flag = self._config.gemini.acp_flag
        try:
            await self._spawn(flag)
        except ProcessCrashed as exc:
            if flag != "--acp" or "unknown argument" not in exc.stderr_tail.lower():
                raise
            log.info("this gemini does not know --acp; retrying with --experimental-acp")
            flag = "--experimental-acp"
            await self._spawn(flag)
        if self._config.api_key and not self._api_key_in_env and not self._takes_api_key_over_acp():
            log.info("gemini %s cannot take an API key over ACP: restarting it with the key in its environment",
                     self.agent_version)
            self._api_key_in_env = True
            await self._stop_process(2.0)
            await self._spawn(flag)

    def _takes_api_key_over_acp(self) -> bool:
        methods = self._init.auth_methods if self._init is not None else None
        return any(method.id == API_KEY_METHOD and API_KEY_META in (method.field_meta or {})
                   for method in methods or [])

    async def _signed_in(self, request: Callable[[], Awaitable[Any]]) -> Any:
        """Run a session request; if gemini asks to be signed in, offer our API key (once per process) over ACP
        `authenticate` and run it again. Someone signed in another way is never switched to the key."""
        try:
            return await request()
        except acp.RequestError as exc:
            process = self._process
            if (not _is_auth_error(exc) or not self._config.api_key or self._api_key_in_env
                    or process is None or self._key_offered_to is process or not self._takes_api_key_over_acp()):
                raise
            self._key_offered_to = process
            log.info("gemini asks to be signed in: authenticating with the API key over ACP")
            try:
                await self._authenticate(API_KEY_METHOD, self._config.api_key)
            except EngineError as failure:
                log.warning("the API key was not accepted: %s", failure)
                raise exc from None
        return await request()

    async def _spawn(self, acp_flag: str) -> None:
        process = AgentProcess(self._config.stderr_lines, self)
        process.finished.connect(lambda outcome: self._on_process_finished(process, outcome))
        self._process = process
        self._transport = QProcessTransport(process)
        self._transport.observers.append(self._observe_raw)
        self._conn = acp.connect_to_agent(_AgentCallbacks(self), self._transport)
        process.start(self._config.gemini.program, self._child_args(acp_flag), self._child_env(),
                      str(self._config.cwd))
        try:
            self._init = await asyncio.wait_for(
                self._conn.initialize(
                    protocol_version=acp.PROTOCOL_VERSION,
                    client_capabilities=schema.ClientCapabilities(),
                    client_info=schema.Implementation(name="gemini-desktop", title="Gemini Desktop",
                                                      version=__version__),
                ),
                self._config.start_timeout,
            )
        except TimeoutError:
            tail = process.stderr_tail()
            await self._stop_process(2.0)
            raise StartTimeout(
                f"gemini did not answer within {self._config.start_timeout:.0f} s of starting." +
                (f"\n{tail}" if tail else "")
            ) from None
        except (ConnectionError, acp.RequestError) as exc:
            await self._wait_finished(process, 2.0)
            raise self._crash_error(process, f"gemini stopped while starting ({exc})") from None
        log.info("gemini %s ready (pid %s, ACP %s)", self.agent_version, process.pid, self._init.protocol_version)

    def _crash_error(self, process: AgentProcess, fallback: str) -> ProcessCrashed:
        outcome = process.outcome
        message = outcome.describe() if outcome is not None else fallback
        return ProcessCrashed(message, outcome.exit_code if outcome else None, process.stderr_tail())

    def _observe_raw(self, message: dict[str, Any]) -> None:
        """The CLI's `models` block is not in the SDK's models; pick it from the raw session/new|load result."""
        result = message.get("result")
        if isinstance(result, dict) and "models" in result:
            models = translate.model_update(result["models"])
            if models is not None:
                self._models = models
                self.event.emit(models)

    async def _new(self) -> ResumeOutcome:
        conn = self._require_conn()
        try:
            response = await self._signed_in(lambda: conn.new_session(cwd=str(self._config.cwd), mcp_servers=[]))
        except acp.RequestError as exc:
            if _is_auth_error(exc):
                methods = self.auth_methods
                self.auth_required.emit(methods)
                raise AuthRequired(f"gemini is not signed in: {exc}", methods) from None
            raise EngineError(f"gemini could not start a session: {exc}") from None
        except ConnectionError:
            raise self._crash_error(self._require_process(), "gemini stopped") from None
        self._session_id = response.session_id
        self._transcript = []
        self._tools.clear()
        self._apply_modes(response.modes)
        return ResumeOutcome(ResumeMethod.NEW, response.session_id)

    async def _load(self, session_id: str) -> list[TranscriptTurn]:
        """session/load with the replay captured (not shown live); returns the replayed conversation."""
        conn = self._require_conn()
        self._replay = []
        self._replay_last = time.monotonic()
        self._session_id = session_id
        try:
            response = await self._signed_in(
                lambda: conn.load_session(cwd=str(self._config.cwd), session_id=session_id, mcp_servers=[]))
            deadline = time.monotonic() + REPLAY_MAX_WAIT
            while time.monotonic() - self._replay_last < REPLAY_QUIET and time.monotonic() < deadline:
                await asyncio.sleep(REPLAY_QUIET / 3)
            self._apply_modes(response.modes if response is not None else None)
            return _consolidate(self._replay)
        finally:
            self._replay = None

    async def _resume(self, resume_id: str, transcript: list[TranscriptTurn]) -> ResumeOutcome:
        home = cli_sessions.cli_home(self._child_env(), Path.home())
        backup = FileBackup.take(home, resume_id, self._state_dir() / "cli-backups")
        expected = max(_user_turns(transcript), backup.user_messages)
        problem = ""
        try:
            replayed = await self._load(resume_id)
        except acp.RequestError as exc:
            replayed, problem = [], f"gemini could not load it ({exc}{': ' + str(exc.data) if exc.data else ''})"
        except ConnectionError:
            raise self._crash_error(self._require_process(), "gemini stopped while loading") from None
        if not problem and _user_turns(replayed) < expected:
            problem = f"gemini loaded {_user_turns(replayed)} of {expected} messages"
        if not problem and backup.damaged():
            problem = "gemini damaged its session file while loading it"
        if not problem:
            self._adopt(replayed if _user_turns(replayed) >= _user_turns(transcript) else transcript)
            self.replayed.emit(list(self._transcript))
            return ResumeOutcome(ResumeMethod.LOADED, resume_id)
        log.warning("resume of %s: %s", resume_id, problem)
        if backup.copies:
            backup.restore()
        source = max((transcript, backup.turns(), replayed), key=_user_turns)
        return await self._rebuild(source, problem)

    async def _rebuild(self, turns: list[TranscriptTurn], problem: str) -> ResumeOutcome:
        home = cli_sessions.cli_home(self._child_env(), Path.home())
        chats = cli_sessions.project_chats_dir(home, self._config.cwd)
        if chats is not None and turns:
            new_id = cli_sessions.write_session_file(chats, turns, self._config.model)
            try:
                replayed = await self._load(new_id)
            except acp.RequestError as exc:
                replayed = []
                log.warning("loading the rebuilt session failed: %s", exc)
            if _user_turns(replayed) >= _user_turns(turns):
                self._adopt(turns)
                self.replayed.emit(list(self._transcript))
                return ResumeOutcome(ResumeMethod.REBUILT, new_id,
                                     f"{problem}; continued from Gemini Desktop's copy of the conversation")
        outcome = await self._new()
        self._adopt(turns)
        self._seed = list(turns) if turns else None
        return ResumeOutcome(ResumeMethod.SEEDED, outcome.session_id,
                             f"{problem}; the earlier conversation is sent along with your next message")

    def _adopt(self, turns: Sequence[TranscriptTurn]) -> None:
        self._transcript = list(turns)
        self._tools.clear()

    def _apply_modes(self, modes: schema.SessionModeState | None) -> None:
        update = translate.mode_update(modes)
        if update is not None:
            self._modes = update
            self.event.emit(update)

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
            process.close_stdin()
            if not await self._wait_finished(process, timeout * 0.6):
                log.info("gemini did not exit after stdin closed; terminating pid %s", process.pid)
                process.terminate()
                if not await self._wait_finished(process, timeout * 0.3):
                    log.warning("gemini ignored terminate; killing pid %s", process.pid)
                    process.kill()
                    await self._wait_finished(process, max(timeout * 0.3, 1.0))
        finally:
            self._stopping = False
            if self._process is process:
                self._process = None
                self._transport = None
            process.deleteLater()

    @staticmethod
    async def _wait_finished(process: AgentProcess, timeout: float) -> bool:
        if not process.running:
            return True
        done = asyncio.get_running_loop().create_future()

        def on_finished(_: object) -> None:
            if not done.done():
                done.set_result(True)

        process.finished.connect(on_finished)
        try:
            await asyncio.wait_for(done, timeout)
            return True
        except TimeoutError:
            return not process.running
        finally:
            with contextlib.suppress(RuntimeError, TypeError):
                process.finished.disconnect(on_finished)

    def _on_process_finished(self, process: AgentProcess, outcome: ProcessOutcome) -> None:
        if self._stopping or process is not self._process:
            return
        tail = self._process.stderr_tail() if self._process else ""
        self.last_error = outcome.describe()
        log.warning("gemini died unexpectedly: %s", self.last_error)
        self._conn = None
        if self._state in (SessionState.STARTING, SessionState.RESTARTING):
            return  # the start in progress reports it
        self._set_state(SessionState.CRASHED)
        self.crashed.emit(self.last_error, tail)
        if self._session_id is not None:
            self._spawn_task(self._recover())

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

    def submit(self, message: str) -> int:
        """Queue a message; the result arrives through turn_finished / turn_failed (and the returned id)."""
        return self._enqueue(message).turn_id

    async def chat(self, message: str) -> ChatResult:
        return await self._enqueue(message).future

    def _enqueue(self, message: str) -> _Turn:
        future: asyncio.Future[ChatResult] = asyncio.get_event_loop().create_future()
        future.add_done_callback(lambda f: f.cancelled() or f.exception())  # failures are reported by signal
        turn = _Turn(self._next_turn_id, message, future)
        self._next_turn_id += 1
        self._queue.append(turn)
        self.queue_changed.emit(len(self._queue))
        if self._state in (SessionState.STOPPED, SessionState.FAILED) and not self._lifecycle.locked():
            self._spawn_task(self._start_for_queue())
        else:
            self._kick_worker()
        return turn

    async def _start_for_queue(self) -> None:
        with contextlib.suppress(EngineError):
            await self.start_session(self._session_id, self._transcript)

    def _kick_worker(self) -> None:
        if self._worker is None or self._worker.done():
            self._worker = self._spawn_task(self._run_queue())

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
        self.turn_started.emit(turn.turn_id, turn.text)
        text = _seed_text(self._seed, turn.text) if self._seed else turn.text
        prompt = asyncio.ensure_future(conn.prompt(session_id=session_id, prompt=[acp.text_block(text)]))
        watchdog = self._spawn_task(self._watch_stall(turn, prompt))
        try:
            response = await prompt
        except asyncio.CancelledError:
            self._finish_turn(turn, "cancelled", None)
        except acp.RequestError as exc:
            self._fail_turn(turn, PromptFailed(f"gemini reported an error: {exc}", exc.code, exc.data))
        except ConnectionError:
            if turn.cancel_requested.is_set():
                self._finish_turn(turn, "cancelled", None)
            else:
                process = self._process
                self._fail_turn(turn, self._crash_error(process, "gemini stopped") if process
                                else ProcessCrashed("gemini stopped"))
        else:
            self._seed = None
            self._restarts = 0
            usage = translate.usage_from_meta(response.field_meta)
            self._finish_turn(turn, str(response.stop_reason), usage)
        finally:
            watchdog.cancel()
            self._current = None
            if self._state == SessionState.BUSY:
                self._set_state(SessionState.READY)

    def _finish_turn(self, turn: _Turn, stop_reason: str, usage: Usage | None) -> None:
        result = ChatResult("".join(turn.chunks), stop_reason, usage, "".join(turn.thoughts))
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
        self.turn_failed.emit(turn.turn_id, str(error))

    async def _watch_stall(self, turn: _Turn, prompt: asyncio.Future[Any]) -> None:
        """Report a turn that produces nothing; end a cancelled turn the agent does not end by itself."""
        limit = self._config.stall_timeout
        reported = False
        cancel_deadline: float | None = None
        while not prompt.done():
            await asyncio.sleep(min(1.0, limit / 4))
            now = time.monotonic()
            if turn.cancel_requested.is_set():
                cancel_deadline = cancel_deadline or now + CANCEL_GRACE
                if now >= cancel_deadline:
                    log.warning("gemini did not end the cancelled turn in %.0f s; ending it here", CANCEL_GRACE)
                    prompt.cancel()
                    return
            transport = self._transport
            if transport is None or self._permission_waits:
                continue
            idle = now - transport.last_activity
            if idle >= limit and not reported:
                reported = True
                log.warning("turn %d: nothing from gemini for %.0f s", turn.turn_id, idle)
                self.stalled.emit(idle)
            elif idle < limit:
                reported = False

    def cancel(self) -> None:
        """Stop the running turn (session/cancel) and drop the queued ones."""
        for turn in list(self._queue):
            self._finish_turn(turn, "cancelled", None)
        self._queue.clear()
        self.queue_changed.emit(0)
        self._reject_permissions()
        turn = self._current
        if turn is None or turn.cancel_requested.is_set():
            return
        turn.cancel_requested.set()
        if self._conn is not None and self._session_id is not None:
            self._spawn_task(self._conn.cancel(session_id=self._session_id))

    def _abort_turns(self, reason: str) -> None:
        self._fail_queue(reason)
        self._reject_permissions()
        if self._current is not None:
            self._current.cancel_requested.set()

    def _fail_queue(self, reason: str) -> None:
        while self._queue:
            self._fail_turn(self._queue.popleft(), EngineError(reason))
        self.queue_changed.emit(0)

    # ----- agent callbacks ----------------------------------------------------------------------------------

    def _on_session_update(self, session_id: str, update: Any) -> None:
        if session_id != self._session_id:
            log.debug("update for another session %s ignored", session_id)
            return
        if self._replay is not None and isinstance(update, schema.UserMessageChunk | schema.AgentMessageChunk):
            role = "user" if isinstance(update, schema.UserMessageChunk) else "assistant"
            self._replay.append((role, translate.block_text(update.content)))
            self._replay_last = time.monotonic()
            return
        event = translate.session_event(update, self._tools)
        if event is None:
            return
        turn = self._current
        if turn is not None and isinstance(event, MessageChunk) and event.role == "assistant":
            turn.chunks.append(event.text)
        elif turn is not None and isinstance(event, ThoughtChunk):
            turn.thoughts.append(event.text)
        elif isinstance(event, ModeUpdate):
            available = self._modes.available if self._modes else ()
            event = ModeUpdate(event.current, event.available or available)
            self._modes = event
        self.event.emit(event)

    async def _on_permission(self, session_id: str, tool_call: Any,
                             options: list[Any]) -> schema.RequestPermissionResponse:
        request = translate.permission_request(tool_call, options, self._tools)
        self.event.emit(request.tool_call)
        turn = self._current
        chosen = None
        if turn is not None and not turn.cancel_requested.is_set():
            chosen = await self._ask(request)
        if turn is not None and turn.cancel_requested.is_set():
            return schema.RequestPermissionResponse(outcome=schema.DeniedOutcome(outcome="cancelled"))
        valid = {o.option_id for o in request.options}
        if chosen in valid:
            return schema.RequestPermissionResponse(outcome=schema.AllowedOutcome(option_id=chosen,
                                                                                  outcome="selected"))
        reject = request.option_of_kind("reject_once", "reject_always")
        if reject is not None:
            return schema.RequestPermissionResponse(outcome=schema.AllowedOutcome(option_id=reject.option_id,
                                                                                  outcome="selected"))
        return schema.RequestPermissionResponse(outcome=schema.DeniedOutcome(outcome="cancelled"))

    async def _ask(self, request: PermissionRequest) -> str | None:
        """The handler's choice; no handler, a failure or a timeout all mean reject."""
        handler = self.permission_handler
        if handler is None:
            log.info("no permission handler: rejecting %s", request.tool_call.title)
            return None
        waiting = asyncio.ensure_future(handler(request))
        self._permission_waits.add(waiting)
        self.permissions_pending.emit(len(self._permission_waits))
        try:
            return await asyncio.wait_for(waiting, self._config.permission_timeout)
        except TimeoutError:
            log.warning("permission request timed out: rejecting %s", request.tool_call.title)
        except asyncio.CancelledError:
            log.info("permission request withdrawn: rejecting %s", request.tool_call.title)
        except Exception:
            log.exception("permission handler failed: rejecting %s", request.tool_call.title)
        finally:
            self._permission_waits.discard(waiting)
            self.permissions_pending.emit(len(self._permission_waits))
        return None

    def _reject_permissions(self) -> None:
        for waiting in list(self._permission_waits):
            waiting.cancel()

    # ----- settings that go to the agent --------------------------------------------------------------------

    async def set_mode(self, mode_id: str) -> None:
        conn, session_id = self._require_conn(), self._require_session()
        try:
            await conn.set_session_mode(session_id=session_id, mode_id=mode_id)
        except acp.RequestError as exc:
            raise EngineError(f"gemini refused the approval mode {mode_id!r}: {exc}") from None
        available = self._modes.available if self._modes else ()
        self._modes = ModeUpdate(mode_id, available)
        self.event.emit(self._modes)

    async def set_model(self, model_id: str) -> None:
        self.reconfigure(model=model_id)
        if self._conn is None or self._session_id is None:
            return
        try:
            await self._raw_request("session/set_model", {"sessionId": self._session_id, "modelId": model_id})
        except acp.RequestError as exc:
            raise EngineError(f"gemini refused the model {model_id!r}: {exc}") from None
        available = self._models.available if self._models else ()
        self._models = ModelUpdate(model_id, available)
        self.event.emit(self._models)

    async def authenticate(self, method_id: str, api_key: str | None = None) -> None:
        """Sign the agent in; bounded by auth_timeout because an offline key check never answers."""
        async with self._lifecycle:
            await self._ensure_process()
        await self._authenticate(method_id, api_key)

    async def _authenticate(self, method_id: str, api_key: str | None) -> None:
        conn = self._require_conn()
        meta = {API_KEY_META: api_key} if api_key else {}
        try:
            await asyncio.wait_for(conn.authenticate(method_id=method_id, **meta), self._config.auth_timeout)
        except TimeoutError:
            raise EngineError(f"Signing in did not finish within {self._config.auth_timeout:.0f} s.") from None
        except acp.RequestError as exc:
            raise EngineError(f"Signing in failed: {exc}") from None

    async def _raw_request(self, method: str, params: dict[str, Any]) -> Any:
        """A request the SDK has no typed call for (gemini's session/set_model)."""
        connection = getattr(self._require_conn(), "_conn", None)
        if connection is None:
            raise EngineError(f"this ACP SDK cannot send {method}")
        return await connection.send_request(method, params)

    # ----- helpers ------------------------------------------------------------------------------------------

    def _require_conn(self) -> acp.ClientSideConnection:
        if self._conn is None:
            raise EngineError("The gemini session is not running.")
        return self._conn

    def _require_process(self) -> AgentProcess:
        if self._process is None:
            raise EngineError("The gemini session is not running.")
        return self._process

    def _require_session(self) -> str:
        if self._session_id is None:
            raise EngineError("No gemini session is open.")
        return self._session_id

    def _set_state(self, state: SessionState) -> None:
        if state != self._state:
            log.info("engine state: %s -> %s", self._state, state)
            self._state = state
            self.state_changed.emit(str(state))

    def _spawn_task(self, awaitable: Awaitable[Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(awaitable)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("engine task failed", exc_info=task.exception())

