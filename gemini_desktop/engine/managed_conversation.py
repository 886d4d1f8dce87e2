"""What the session manager keeps of each open conversation, and the state the sidebar and the API show of it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from gemini_desktop.engine.client import GeminiSessionClient
from gemini_desktop.engine.types import SessionState

STARTING_STATES = (SessionState.STARTING, SessionState.RESTARTING)


def runs_child(client: GeminiSessionClient) -> bool:
    """A child running or being started: until its process has exited, it counts against the cap."""
    return client.process_id is not None or client.state in STARTING_STATES


@dataclass(frozen=True)
class ManagerPolicy:
    max_live_processes: int = 4  # conversations' children plus the spare; exceeded only when nothing can yield
    idle_suspend_minutes: float = 15.0  # 0 = never
    recycle_rss_mb: float = 1024.0  # an idle child above this is restarted on the same conversation; 0 = never
    warm_spare: bool = True
    spare_delay: float = 3.0  # seconds every conversation must be idle before a replacement spare starts
    check_interval: float = 30.0  # seconds between the idle and memory checks
    stop_timeout: float = 3.0  # per child, when suspending, closing and shutting down
    max_waiting: int = 32  # local API turns that may wait for a process; beyond it the API answers 429
    resting_slack: int = 1  # cap slots only turns use: between turns at most cap - this children stay

    @property
    def resting_processes(self) -> int:
        """Children kept between turns (idle conversations plus the spare): the cap's last slot serves a turn only,
        so as many turns as before run at once while one child fewer (~200 MB) sits idle. Never below 2 (a
        conversation and its spare) unless the cap itself is lower."""
        return min(self.max_live_processes, max(2, self.max_live_processes - self.resting_slack))


class Activity(StrEnum):
    STARTING = "starting"
    RESUMING = "resuming"
    STREAMING = "streaming"
    QUEUED = "queued"
    WAITING_PROCESS = "waiting_process"  # above the cap: its turn waits for a free process (FIFO)
    WAITING_APPROVAL = "waiting_approval"
    IDLE = "idle"
    SUSPENDED = "suspended"
    CRASHED = "crashed"
    FAILED = "failed"


@dataclass(frozen=True)
class ActivityState:
    activity: Activity
    queued: int = 0  # messages waiting behind the running turn
    busy: int = 0  # while waiting for a process: how many are live, of `cap`, and whose they are
    cap: int = 0
    agent: str = ""


def activity_of(client: GeminiSessionClient) -> ActivityState:
    """The one place where a conversation's visible state is derived from its client."""
    state, queued = client.state, client.queued_count
    if state == SessionState.CRASHED:
        kind = Activity.CRASHED
    elif state == SessionState.FAILED:
        kind = Activity.FAILED
    elif state == SessionState.RESTARTING or (state == SessionState.STARTING and client.session_id is not None):
        kind = Activity.RESUMING
    elif state == SessionState.STARTING:
        kind = Activity.STARTING
    elif state == SessionState.STOPPED:
        kind = Activity.SUSPENDED
    elif client.pending_permissions:
        kind = Activity.WAITING_APPROVAL
    elif state == SessionState.BUSY:
        kind = Activity.STREAMING
    else:
        kind = Activity.QUEUED if queued else Activity.IDLE
    return ActivityState(kind, queued)


class Conversation:
    """One open conversation: its client (owned by the manager), when it was last used, its approval mode."""

    def __init__(self, key: str, client: GeminiSessionClient, mode: str | None, now: float) -> None:
        self.key = key
        self.client = client
        self.agent = client.agent.name  # the profile its every (re)start launches
        self.mode = mode  # re-applied after a resume: a fresh child starts in gemini's default mode
        self.last_used = now
        self.activity = activity_of(client)
        self.suspending = False  # chosen for suspension: no longer counted as a live process
        self.waiting = False  # its start waits in the manager's FIFO for a free process
        self.recycling = False

    @property
    def has_process(self) -> bool:
        return not self.suspending and self.holds_process

    @property
    def holds_process(self) -> bool:
        """A child running or being started (one being suspended too, until it is gone)."""
        return not self.waiting and runs_child(self.client)

    @property
    def idle(self) -> bool:
        """A live child with nothing to do: not streaming, nothing queued, no permission request waiting."""
        client = self.client
        return client.state == SessionState.READY and client.queued_count == 0 and client.pending_permissions == 0

    @property
    def can_yield(self) -> bool:
        return self.idle and not (self.suspending or self.recycling)
