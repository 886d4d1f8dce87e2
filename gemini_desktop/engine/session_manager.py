"""SessionManager: the one owner of every live gemini child, so many conversations can stay open at once.

A warm `gemini --acp` child holds about 250 MB, so one process per open conversation does not scale. The manager
caps the live processes, suspends the least recently used idle conversation when one more needs a process (its
child stopped; the conversation and its client stay; the next message resumes it through the client's safe
resume path), suspends conversations idle for too long, restarts a child that grew too big (gemini-cli grows by
about 1 MB per turn), and keeps one started spare so that a new conversation is ready at once.

It reacts to the clients' own signals rather than wrapping them, so whoever owns a conversation (its
controller) may talk to its client directly: a message sent to a suspended client starts it, and the manager
makes room the moment it starts.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
import time
import uuid
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from gemini_desktop.engine.agents.launch import AgentLauncher, agent_key
from gemini_desktop.engine.client import GeminiSessionClient
from gemini_desktop.engine.events import ModeUpdate
from gemini_desktop.engine.managed_conversation import (
    STARTING_STATES,
    Activity,
    ActivityState,
    Conversation,
    ManagerPolicy,
    activity_of,
    runs_child,
)
from gemini_desktop.engine.process import child_rss_bytes
from gemini_desktop.engine.tasks import TaskSet
from gemini_desktop.engine.types import EngineConfig, EngineError, SessionState, TranscriptTurn

log = logging.getLogger(__name__)

SpareTarget = tuple[Path, str | None, str]  # folder, model, agent


@dataclass
class _Spare:
    target: SpareTarget
    client: GeminiSessionClient
    started: asyncio.Future[bool]


@dataclass(eq=False)
class _Waiter:
    conversation: Conversation
    granted: asyncio.Future[None]
    since: float


class SessionManager(QObject):
    opened = Signal(str)  # key
    closed = Signal(str)  # key
    activity_changed = Signal(str, object)  # key, ActivityState

    def __init__(self, config: EngineConfig, policy: ManagerPolicy | None = None, *,
                 clock: Callable[[], float] = time.monotonic, parent: QObject | None = None,
                 launcher: AgentLauncher | None = None, default_agent: str = "") -> None:
        """`config` is gemini's; `launcher` derives every other agent's from it. The spare is of `default_agent`."""
        super().__init__(parent)
        self._config = config
        self.launcher = launcher or AgentLauncher()
        self.default_agent = agent_key(default_agent)
        self.policy = policy or ManagerPolicy()
        self._clock = clock
        self._conversations: dict[str, Conversation] = {}
        self._spare: _Spare | None = None
        self._spare_target: SpareTarget | None = None
        self._clients: set[GeminiSessionClient] = set()  # every client not yet stopped for good, spares too
        self._leaving: set[GeminiSessionClient] = set()  # let go of (closed, dropped spares), children still exiting
        self._targets: weakref.WeakKeyDictionary[GeminiSessionClient, SpareTarget] = weakref.WeakKeyDictionary()
        self._tasks = TaskSet("session manager")
        self._shutting_down = False
        self._checking: asyncio.Task[None] | None = None
        self._waiters: deque[_Waiter] = deque()  # starts waiting for a free process, first come first served
        self._recent_waits: deque[float] = deque(maxlen=16)  # how long the last granted ones waited (seconds)
        self._timer = QTimer(self)
        self._timer.setInterval(int(self.policy.check_interval * 1000))
        self._timer.timeout.connect(self._on_check_timer)
        self._spare_timer = QTimer(self, singleShot=True, interval=int(self.policy.spare_delay * 1000))
        self._spare_timer.timeout.connect(self._on_spare_timer)
        if self.policy.idle_suspend_minutes > 0 or self.policy.recycle_rss_mb > 0:
            self._timer.start()

    # ----- finding ------------------------------------------------------------------------------------------

    @property
    def conversations(self) -> list[Conversation]:
        return list(self._conversations.values())

    def get(self, key: str) -> Conversation | None:
        return self._conversations.get(key)

    def find_session(self, session_id: str) -> Conversation | None:
        return next((c for c in self._conversations.values() if c.client.session_id == session_id), None)

    @property
    def config(self) -> EngineConfig:
        """What conversations opened from now on start with (before their folder and model)."""
        return self._config

    def reconfigure(self, **changes: Any) -> None:
        """Change the inputs of conversations opened from now on (the MCP servers saved in Settings). The spare,
        started with the old ones, is replaced; open conversations keep theirs."""
        self._config = dataclasses.replace(self._config, **changes)
        if self._spare is not None:
            self._drop_spare()
            self._refresh_spare()

    @property
    def live_processes(self) -> int:
        return sum(c.has_process for c in self._conversations.values()) + (self._spare is not None)

    @property
    def spare_process_id(self) -> int | None:
        """The PID of a started spare (None while there is none or it is still starting)."""
        spare = self._spare
        if spare is None or not spare.started.done() or not spare.started.result():
            return None
        return spare.client.process_id

    async def spare_ready(self) -> int | None:
        """Wait for the spare being started (if any; one waiting for a quiet moment starts now); its PID, or None
        when there is none."""
        if self._spare_timer.isActive():
            self._spare_timer.stop()
            self._refresh_spare(at_once=True)
        spare = self._spare
        if spare is not None:
            await asyncio.shield(spare.started)
        return self.spare_process_id

    # ----- opening and closing ------------------------------------------------------------------------------

    def warm_up(self, cwd: Path, model: str | None = None) -> None:
        """Name the folder and model a new conversation most likely gets, and start a spare (of the default
        agent) for them."""
        self._spare_target = self._target(Path(cwd), model, self.default_agent)
        self._refresh_spare(at_once=True)

    async def open_new(self, cwd: Path, model: str | None = None, mode: str | None = None,
                       agent: str | None = None) -> Conversation:
        """A new conversation in `cwd` with `agent` (None: the default one), ready to send: the spare's child
        when it fits, else a cold start. EngineError when that agent cannot be launched (not installed)."""
        name = self.default_agent if agent is None else self.launcher.profile(agent).name
        target = self._target(Path(cwd), model, name)
        if target[2] == self.default_agent:
            self._spare_target = target
        client = await self._take_spare(target)
        conversation = self._register(client or self._new_client(*target), mode)
        try:
            if client is None:
                await conversation.client.start_session()
            await self._apply_mode(conversation)
        finally:
            self._refresh_spare()
        return conversation

    async def open_existing(self, session_id: str, transcript: Sequence[TranscriptTurn], cwd: Path,
                            model: str | None = None, mode: str | None = None, *,
                            start: bool = False, agent: str = "") -> Conversation:
        """An earlier conversation of `agent` ("": gemini; `transcript` is the safe-resume reference). Without
        `start` it opens suspended: its child starts on the first message or `resume()`. Opening one already open
        returns that one."""
        existing = self.find_session(session_id)
        if existing is not None:
            return existing
        client = self._new_client(Path(cwd), model, agent)
        client.prepare_resume(session_id, transcript)
        conversation = self._register(client, mode)
        if start:
            await self.resume(conversation.key)
        return conversation

    async def resume(self, key: str) -> None:
        """Start a suspended (or failed) conversation's child now, on the same conversation."""
        client = self._require(key).client
        if client.state in (SessionState.STOPPED, SessionState.FAILED):
            await client.start_session(client.session_id, client.transcript)

    def touch(self, key: str) -> None:
        """The user looked at or used this conversation: it is the last one to be suspended."""
        self._require(key).last_used = self._clock()

    async def close(self, key: str) -> None:
        """Stop the conversation's child and forget it (the conversation stays in the history)."""
        conversation = self._conversations.pop(key, None)
        if conversation is None:
            return
        for waiter in [w for w in self._waiters if w.conversation is conversation]:
            self._refuse_wait(waiter, "The conversation was closed.")
        self.closed.emit(key)
        try:
            await self._discard(conversation.client)
        finally:
            self._refresh_spare()

    async def shutdown(self) -> None:
        """Stop every child, the spare's too, all at once; nothing starts afterwards."""
        self._shutting_down = True
        self._timer.stop()
        self._spare_timer.stop()
        while self._waiters:
            self._refuse_wait(self._waiters[0], "The app is quitting.")
        self._spare = None
        clients = list(self._clients)
        results = await asyncio.gather(*(c.stop_session(self.policy.stop_timeout) for c in clients),
                                       return_exceptions=True)
        for client, result in zip(clients, results, strict=True):
            if isinstance(result, BaseException):
                log.error("stopping gemini (pid %s) failed: %s", client.process_id, result)
        await self._tasks.cancel_and_wait(self.policy.stop_timeout)

    # ----- policies -----------------------------------------------------------------------------------------

    async def check_policies(self) -> None:
        """Suspend conversations idle for too long; restart idle children that grew past the memory threshold."""
        now = self._clock()
        idle_limit = self.policy.idle_suspend_minutes * 60
        rss_limit = self.policy.recycle_rss_mb * 1024 * 1024
        work: list[Awaitable[None]] = []
        for conversation in self.conversations:
            if not conversation.can_yield:
                continue
            pid = conversation.client.process_id
            rss = child_rss_bytes(pid) if pid is not None and rss_limit > 0 else None
            if idle_limit > 0 and now - conversation.last_used >= idle_limit:
                conversation.suspending = True
                work.append(self._suspend(conversation, "idle"))
            elif rss is not None and rss > rss_limit:
                conversation.recycling = True
                work.append(self._recycle(conversation, rss))
        await asyncio.gather(*work)
        self._settle()

    def _on_check_timer(self) -> None:
        if self._checking is None or self._checking.done():
            self._checking = self._tasks.spawn(self.check_policies())

    def _make_room(self, needing: Conversation | None) -> None:
        """Over the cap: the spare goes first, then the least recently used idle conversations. A cap exceeded
        because nothing could yield is caught up the next time a conversation needs a process."""
        if self._shutting_down:
            return
        excess = self.live_processes + len(self._waiters) - self.policy.max_live_processes
        if excess > 0 and self._spare is not None:
            self._drop_spare()
            excess -= 1
        if excess <= 0:
            return
        candidates = sorted((c for c in self._conversations.values() if c is not needing and c.can_yield),
                            key=lambda c: c.last_used)
        for conversation in candidates[:excess]:
            conversation.suspending = True  # counted out at once, so a second start does not pick it again
            self._tasks.spawn(self._suspend(conversation, "over the cap"))
        if excess > len(candidates) and not self._waiters:  # waiting turns get theirs as turns end
            log.warning("%d agent processes for a cap of %d: no other conversation is idle, so none is suspended",
                        self.live_processes, self.policy.max_live_processes)

    def _turn_ended(self) -> None:
        self._make_room(None)
        self._settle()

    def _settle(self) -> None:
        """Between turns at most `resting_processes` children stay. Above it the spare goes first while every open
        conversation fits without it; with more conversations open than that, the least recently used idle ones
        are suspended instead, for the spare serves both a New conversation and the next resume."""
        if self._shutting_down or self._waiters:
            return
        resting = [c for c in self._conversations.values() if c.has_process and c.can_yield]
        limit = self.policy.resting_processes
        excess = len(resting) + (self._spare is not None) - limit
        if excess > 0 and self._spare is not None and len(self._conversations) <= limit:
            self._drop_spare()
            excess -= 1
        for conversation in sorted(resting, key=lambda c: c.last_used)[:max(0, excess)]:
            conversation.suspending = True
            self._tasks.spawn(self._suspend(conversation, "resting"))

    async def _suspend(self, conversation: Conversation, reason: str) -> None:
        """Stop an idle conversation's child; the conversation stays open and resumes on its next message."""
        client = conversation.client
        if not conversation.idle:
            conversation.suspending = False
            self._update(conversation)
            return  # a message arrived since it was chosen
        log.info("suspending conversation %s (pid %s, %s)", conversation.key, client.process_id, reason)
        try:
            await client.stop_session(self.policy.stop_timeout)
        finally:
            conversation.suspending = False
            self._update(conversation)
        if client.queued_count and conversation.key in self._conversations and not self._shutting_down:
            await self.resume(conversation.key)  # a message arrived while its child was stopping
        self._refresh_spare()

    async def _recycle(self, conversation: Conversation, rss: int) -> None:
        """A fresh child on the same conversation (safe resume): gemini-cli slows down as it grows."""
        try:
            if not conversation.idle:
                return
            log.info("restarting gemini of conversation %s: %d MB resident", conversation.key, rss // 2**20)
            await conversation.client.restart_session()
        except EngineError as exc:
            log.warning("restarting the grown gemini child failed: %s", exc)
        finally:
            conversation.recycling = False

    # ----- the spare ----------------------------------------------------------------------------------------

    def _refresh_spare(self, *, at_once: bool = False) -> None:
        """Keep one spare for the likely next conversation. Only the first (`warm_up`) starts at once; a
        replacement waits until every conversation has been idle for `spare_delay`, so that it never competes
        with a conversation's own start or turn for the CPU (and a short session never starts one at all)."""
        target = self._spare_target
        if not self.policy.warm_spare or self._shutting_down or target is None:
            return
        if self._spare is not None:
            if self._spare.target == target:
                return
            self._drop_spare()
        if not at_once and self.policy.spare_delay > 0:
            self._spare_timer.start()  # (re)starts the quiet period
            return
        if self._waiters or not self._room_for_spare():
            return
        try:
            client = self._new_client(*target)
        except EngineError as exc:
            log.warning("no spare: %s", exc)
            return
        spare = _Spare(target, client, asyncio.get_running_loop().create_future())
        self._spare = spare
        self._tasks.spawn(self._start_spare(spare))

    def _room_for_spare(self) -> bool:
        """A spare must never cost a conversation its process, and takes a resting slot (see `_settle`) only when
        more conversations are open than those slots: then it is what the next resume starts on."""
        after = self.occupied_processes + 1
        limit = self.policy.resting_processes
        return after <= self.policy.max_live_processes and (after <= limit or len(self._conversations) > limit)

    def _on_spare_timer(self) -> None:
        if any(c.holds_process and not c.idle for c in self._conversations.values()):
            self._spare_timer.start()  # a conversation is starting or answering: wait for the next quiet moment
        else:
            self._refresh_spare(at_once=True)

    async def _start_spare(self, spare: _Spare) -> None:
        try:
            await spare.client.start_session()
            log.info("spare gemini ready (pid %s) for %s", spare.client.process_id, spare.target[0])
            self._settle()
        except EngineError as exc:
            if self._spare is spare:
                log.warning("the spare gemini did not start: %s", exc)
                self._drop_spare()
            else:
                log.info("the spare gemini was stopped while it started (%s)", exc)
        finally:
            if not spare.started.done():
                spare.started.set_result(spare.client.state == SessionState.READY)

    def _drop_spare(self) -> None:
        spare, self._spare = self._spare, None
        if spare is not None:
            self._discard(spare.client)

    def _discard(self, client: GeminiSessionClient) -> asyncio.Task[None]:
        """Stop a client let go of for good; its child counts against the cap until it has exited (which can take
        seconds), so that a start it makes room for never runs beside it."""
        self._leaving.add(client)
        return self._tasks.spawn(self._stop_for_good(client))

    async def _stop_for_good(self, client: GeminiSessionClient) -> None:
        try:
            await client.stop_session(self.policy.stop_timeout)
        finally:
            self._leaving.discard(client)
            self._clients.discard(client)
            client.deleteLater()
            self._grant()

    async def _take_spare(self, target: SpareTarget) -> GeminiSessionClient | None:
        """The spare's client if it is for `target`; one still starting is waited for (it is ahead of a cold
        start) and stays counted as live meanwhile."""
        spare = self._spare
        if spare is None or spare.target != target:
            return None
        ready = await asyncio.shield(spare.started)
        if self._spare is not spare:
            return None  # dropped, failed or taken by another open_new meanwhile
        self._spare = None
        if ready and spare.client.state == SessionState.READY:
            return spare.client
        self._discard(spare.client)
        return None

    async def _hand_spare(self, conversation: Conversation) -> bool:
        """A resuming conversation gets the started spare when it is for the same folder, model and agent."""
        client = conversation.client
        target = self._targets.get(client)
        donor = await self._take_spare(target) if target is not None and client.session_id else None
        if donor is None:
            return False
        taken = client.take_process(donor)
        self._discard(donor)
        self._refresh_spare()
        return taken

    # ----- the conversations' clients -----------------------------------------------------------------------

    def _target(self, cwd: Path, model: str | None, agent: str) -> SpareTarget:
        """What a start really gets: no model is gemini's configured one, so a spare asked for either way fits."""
        if not model and self.launcher.profile(agent).is_gemini:
            model = self._config.model
        return cwd, model, agent

    def _new_client(self, cwd: Path, model: str | None, agent: str = "") -> GeminiSessionClient:
        """A client for `agent`: gemini's configuration, or the one the launcher derives from it (located now)."""
        config = self.launcher.config_for(dataclasses.replace(self._config, cwd=cwd), agent, model)
        client = GeminiSessionClient(config, self)
        self._clients.add(client)
        self._targets[client] = self._target(cwd, model, client.agent.name)
        return client

    def _register(self, client: GeminiSessionClient, mode: str | None) -> Conversation:
        conversation = Conversation(uuid.uuid4().hex, client, mode, self._clock())
        self._conversations[conversation.key] = conversation
        client.process_gate = lambda: self._wait_for_process(conversation)
        client.process_donor = lambda: self._hand_spare(conversation)
        client.state_changed.connect(lambda _state: self._on_state_changed(conversation))
        for signal in (client.queue_changed, client.permissions_pending, client.turn_started,
                       client.turn_finished, client.turn_failed):
            signal.connect(lambda *_: self._on_used(conversation))
        for ended in (client.turn_finished, client.turn_failed):  # above the cap, give back idle ones at once
            ended.connect(lambda *_: asyncio.get_running_loop().call_soon(self._turn_ended))
        client.session_started.connect(lambda _outcome: self._on_session_started(conversation))
        client.event.connect(lambda event: self._on_event(conversation, event))
        self.opened.emit(conversation.key)
        return conversation

    def _on_state_changed(self, conversation: Conversation) -> None:
        self._update(conversation)
        self._grant()  # a child that went away makes room for the first waiting start

    def _on_used(self, conversation: Conversation) -> None:
        conversation.last_used = self._clock()
        self._update(conversation)

    def _on_event(self, conversation: Conversation, event: object) -> None:
        """Remember a mode the user or the agent chose; a (re)starting child only reports gemini's default."""
        if isinstance(event, ModeUpdate) and conversation.client.state not in STARTING_STATES:
            conversation.mode = event.current

    def _on_session_started(self, conversation: Conversation) -> None:
        self._tasks.spawn(self._apply_mode(conversation))

    async def _apply_mode(self, conversation: Conversation) -> None:
        client, mode = conversation.client, conversation.mode
        if mode is None or (client.modes is not None and client.modes.current == mode):
            return
        try:
            await client.set_mode(mode)
        except EngineError as exc:
            log.warning("could not restore approval mode %s: %s", mode, exc)

    def _update(self, conversation: Conversation) -> None:
        state = self._activity(conversation)
        if state == conversation.activity:
            return
        conversation.activity = state
        if conversation.key in self._conversations:
            self.activity_changed.emit(conversation.key, state)

    def _activity(self, conversation: Conversation) -> ActivityState:
        client = conversation.client
        if conversation.waiting and any(w.conversation is conversation for w in self._waiters):
            return ActivityState(Activity.WAITING_PROCESS, client.queued_count, self.occupied_processes,
                                 self.policy.max_live_processes, client.agent_name)
        return activity_of(client)

    # ----- waiting for a process: above the cap, starts queue up first come first served ----------------------

    @property
    def occupied_processes(self) -> int:
        """Children running or starting, those being suspended or let go of, and the spare: what the cap bounds."""
        return (sum(c.holds_process for c in self._conversations.values()) + (self._spare is not None)
                + sum(runs_child(c) for c in self._leaving))

    @property
    def waiting(self) -> int:
        """Starts waiting for a free process."""
        return len(self._waiters)

    @property
    def free_processes(self) -> int:
        """How many more could start at once (negative: that many starts are waiting)."""
        return self.policy.max_live_processes - self.occupied_processes - len(self._waiters)

    def needs_process(self, key: str | None) -> bool:
        """Whether a turn for `key` (None: a new conversation) needs a child it does not have yet."""
        conversation = self._conversations.get(key) if key is not None else None
        return conversation is None or not conversation.has_process

    @property
    def retry_after(self) -> int:
        """Seconds a refused caller should wait: the recent waits for a process on average (1 to 60)."""
        waits = self._recent_waits
        return max(1, min(60, math.ceil(sum(waits) / len(waits)))) if waits else 5

    async def _wait_for_process(self, conversation: Conversation) -> None:
        """The client's gate before it starts a child: at once while there is room and nobody waits ahead, else
        when its turn in the queue comes (the idle conversations above the cap are suspended meanwhile)."""
        if self._shutting_down or conversation.key not in self._conversations:
            return
        waiter = _Waiter(conversation, asyncio.get_running_loop().create_future(), self._clock())
        conversation.waiting = True
        self._waiters.append(waiter)
        self._grant()
        if not waiter.granted.done():
            log.info("conversation %s waits for a free %s (%d of %d busy, %d waiting)", conversation.key,
                     conversation.client.agent_name, self.occupied_processes, self.policy.max_live_processes,
                     len(self._waiters))
            self._update(conversation)
            self._make_room(conversation)
        try:
            await waiter.granted
        finally:
            conversation.waiting = False
            if waiter in self._waiters:
                self._waiters.remove(waiter)
            self._update(conversation)

    def _grant(self) -> None:
        """Let the first waiting starts go while there is room (each counts as live from here on)."""
        while self._waiters and self.occupied_processes < self.policy.max_live_processes:
            waiter = self._waiters.popleft()
            waiter.conversation.waiting = False
            if not waiter.granted.done():
                self._recent_waits.append(self._clock() - waiter.since)
                waiter.granted.set_result(None)

    def _refuse_wait(self, waiter: _Waiter, reason: str) -> None:
        self._waiters.remove(waiter)
        waiter.conversation.waiting = False
        if not waiter.granted.done():
            waiter.granted.set_exception(EngineError(reason))

    def _require(self, key: str) -> Conversation:
        conversation = self._conversations.get(key)
        if conversation is None:
            raise EngineError("That conversation is not open.")
        return conversation


__all__ = ["Activity", "ActivityState", "Conversation", "ManagerPolicy", "SessionManager", "activity_of",
           "child_rss_bytes"]
