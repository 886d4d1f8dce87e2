"""The agent's child process behind a GeminiSessionClient: spawn and initialize it, stop it, notice its crash
and restart it with back-off on the same conversation.

A mixin of GeminiSessionClient (it uses the client's configuration, state and session): a child's life is one job,
kept apart from the conversation it carries and from the turns sent over it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import acp
from acp import schema

from gemini_desktop import __version__
from gemini_desktop.engine import translate
from gemini_desktop.engine.agent_callbacks import AgentCallbacks
from gemini_desktop.engine.child_launch import child_args, child_env
from gemini_desktop.engine.process import AgentProcess, ProcessOutcome, alive
from gemini_desktop.engine.sign_in import SignInMethod
from gemini_desktop.engine.start_failure import crash_error, unreadable_start, with_stderr, wrong_protocol
from gemini_desktop.engine.transport import QProcessTransport, is_unreadable
from gemini_desktop.engine.types import EngineError, ProcessCrashed, SessionState, StartTimeout

log = logging.getLogger(__name__)


class AgentChild:
    """Starting, stopping and recovering the agent process and its ACP connection."""

    _config: Any
    _process: AgentProcess | None
    _conn: acp.ClientSideConnection | None

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
        process.answered = True
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
            await process.stop(timeout, self.agent.eof_grace_s if process.answered else 0.0)
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
