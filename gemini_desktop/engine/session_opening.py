"""Opening a session on a started agent: new, loaded, resumed, rebuilt from the app's copy, or seeded.

A mixin of GeminiSessionClient (it uses the client's connection, configuration and transcript): the ways to
continue a conversation are one job, kept apart from the process, the queue and the turns.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import acp

from gemini_desktop.engine import cli_sessions
from gemini_desktop.engine.agent_updates import AgentOffer
from gemini_desktop.engine.child_launch import state_dir
from gemini_desktop.engine.cli_sessions import FileBackup
from gemini_desktop.engine.transcript import consolidate_replay, user_turn_count
from gemini_desktop.engine.types import EngineError, ResumeMethod, ResumeOutcome, TranscriptTurn

log = logging.getLogger(__name__)

REPLAY_QUIET = 0.3  # replayed updates can trail the load response; wait this long after the last one
REPLAY_MAX_WAIT = 5.0


def is_auth_error(error: acp.RequestError) -> bool:
    text = str(error).lower()
    return error.code == -32000 or "auth" in text or "api key" in text


class SessionOpening:
    """The session/new, session/load and session/resume side of the client."""

    _config: Any
    _session_id: str | None
    _offer: AgentOffer

    async def _new(self) -> ResumeOutcome:
        conn = self._require_conn()
        try:
            response = await self._signed_in(lambda: conn.new_session(cwd=str(self._config.cwd),
                                                                       mcp_servers=self._mcp_servers()))
        except acp.RequestError as exc:
            if is_auth_error(exc):
                raise self._auth_required(str(exc)) from None
            raise EngineError(f"{self.agent_name} could not start a session: {exc}") from None
        except ConnectionError:
            raise self._connection_lost(f"{self.agent_name} stopped") from None
        self._session_id = response.session_id
        self._transcript = []
        self._tools.clear()
        self._apply_offer(response)
        return ResumeOutcome(ResumeMethod.NEW, response.session_id)

    async def _load(self, session_id: str) -> list[TranscriptTurn]:
        """session/load with the replay captured (not shown live); returns the replayed conversation."""
        conn = self._require_conn()
        self._replay = []
        self._replay_last = time.monotonic()
        self._session_id = session_id
        try:
            response = await self._signed_in(
                lambda: conn.load_session(cwd=str(self._config.cwd), session_id=session_id,
                                          mcp_servers=self._mcp_servers()))
            deadline = time.monotonic() + REPLAY_MAX_WAIT
            while time.monotonic() - self._replay_last < REPLAY_QUIET and time.monotonic() < deadline:
                await asyncio.sleep(REPLAY_QUIET / 3)
            self._apply_offer(response)
            return consolidate_replay(self._replay)
        finally:
            self._replay = None

    async def _resume(self, resume_id: str, transcript: list[TranscriptTurn]) -> ResumeOutcome:
        if not self.agent.cli_session_files:
            return await self._resume_by_capability(resume_id, transcript)
        home = cli_sessions.cli_home(self._child_env(), Path.home())
        cli_sessions.clear_the_minute(home, resume_id)
        backup = FileBackup.take(home, resume_id, state_dir(self._config) / "cli-backups")
        expected = max(user_turn_count(transcript), backup.user_messages)
        problem = ""
        try:
            replayed = await self._load(resume_id)
        except acp.RequestError as exc:
            detail = f": {exc.data}" if exc.data else ""
            replayed, problem = [], f"{self.agent_name} could not load it ({exc}{detail})"
        except ConnectionError:
            raise self._connection_lost(f"{self.agent_name} stopped while loading") from None
        if not problem and user_turn_count(replayed) < expected:
            problem = f"{self.agent_name} loaded {user_turn_count(replayed)} of {expected} messages"
        if not problem and backup.damaged():
            problem = "gemini damaged its session file while loading it"
        if not problem:
            cli_sessions.remove_strays(home, resume_id, list(backup.copies))
            self._adopt(replayed if user_turn_count(replayed) >= user_turn_count(transcript) else transcript)
            self.replayed.emit(list(self._transcript))
            return ResumeOutcome(ResumeMethod.LOADED, resume_id)
        log.warning("resume of %s: %s", resume_id, problem)
        if backup.copies:
            backup.restore()
        source = max((transcript, backup.turns(), replayed), key=user_turn_count)
        return await self._rebuild(source, problem, resume_id)

    async def _resume_by_capability(self, resume_id: str, transcript: list[TranscriptTurn]) -> ResumeOutcome:
        """An agent without gemini's session files: session/load (replay kept only if it is complete) or
        session/resume where advertised, else a new session that the transcript goes along with."""
        conn = self._require_conn()
        capabilities = self._init.agent_capabilities if self._init is not None else None
        sessions = capabilities.session_capabilities if capabilities is not None else None
        problem = f"{self.agent_name} cannot resume a conversation"
        try:
            if capabilities is not None and capabilities.load_session:
                replayed = await self._load(resume_id)
                self._adopt(replayed if user_turn_count(replayed) >= user_turn_count(transcript) else transcript)
                self.replayed.emit(list(self._transcript))
                return ResumeOutcome(ResumeMethod.LOADED, resume_id)
            if sessions is not None and sessions.resume is not None:
                self._session_id = resume_id
                response = await self._signed_in(lambda: conn.resume_session(
                    cwd=str(self._config.cwd), session_id=resume_id, mcp_servers=self._mcp_servers()))
                self._apply_offer(response)
                self._adopt(transcript)
                return ResumeOutcome(ResumeMethod.RESUMED, resume_id)
        except acp.RequestError as exc:
            problem = f"{self.agent_name} could not load it ({exc})"
        except ConnectionError:
            raise self._connection_lost(f"{self.agent_name} stopped while loading") from None
        log.info("resume of %s: %s", resume_id, problem)
        return await self._seeded(transcript, problem)

    async def _rebuild(self, turns: list[TranscriptTurn], problem: str, old_id: str) -> ResumeOutcome:
        home = cli_sessions.cli_home(self._child_env(), Path.home())
        chats = cli_sessions.project_chats_dir(home, self._config.cwd)
        if chats is not None and turns:
            new_id = cli_sessions.write_session_file(chats, turns, self._config.model)
            rebuilt = cli_sessions.RebuiltSessions(state_dir(self._config))
            rebuilt.add(new_id)
            written = cli_sessions.session_files(home, new_id)
            try:
                replayed = await self._load(new_id)
            except acp.RequestError as exc:
                replayed = []
                log.warning("loading the rebuilt session failed: %s", exc)
            cli_sessions.remove_strays(home, new_id, written)
            if user_turn_count(replayed) >= user_turn_count(turns):
                rebuilt.retire(home, old_id)
                self._adopt(turns)
                self.replayed.emit(list(self._transcript))
                return ResumeOutcome(ResumeMethod.REBUILT, new_id,
                                     f"{problem}; continued from Gemini Desktop's copy of the conversation")
        return await self._seeded(turns, problem)

    async def _seeded(self, turns: list[TranscriptTurn], problem: str) -> ResumeOutcome:
        """A new session that the earlier conversation goes along with, in the next prompt."""
        outcome = await self._new()
        self._adopt(turns)
        self._seed = list(turns) if turns else None
        return ResumeOutcome(ResumeMethod.SEEDED, outcome.session_id,
                             f"{problem}; the earlier conversation is sent along with your next message")

    def take_process(self, donor: Any) -> bool:
        """Take over `donor`'s started child (the manager's warm spare, same program, folder and model), so that
        a resume skips the second or more a new gemini takes to start and only loads the conversation."""
        process, transport, conn, callbacks = donor._process, donor._transport, donor._conn, donor._callbacks
        if process is None or transport is None or conn is None or callbacks is None or not process.running:
            return False
        donor._process = donor._transport = donor._conn = donor._callbacks = None
        # the donor's own finished handler stays connected, and ignores a process that is no longer its own
        process.finished.connect(lambda outcome: self._on_process_finished(process, outcome))
        process.setParent(self)
        transport.observers[:] = [self._observe_raw]
        callbacks.rebind(self._on_session_update, self._on_permission, self._files)
        self._process, self._transport, self._conn, self._callbacks = process, transport, conn, callbacks
        self._init, self._api_key_in_env, self._key_offered_to = donor._init, donor._api_key_in_env, None
        log.info("conversation took over the started %s child (pid %s)", self.agent_name, process.pid)
        return True

    def _adopt(self, turns: Sequence[TranscriptTurn]) -> None:
        self._transcript = list(turns)
        self._tools.clear()

    def _apply_offer(self, response: Any) -> None:
        """The modes and config options a session result offers (a None result offers nothing)."""
        for update in self._offer.from_session(response):
            self.event.emit(update)
