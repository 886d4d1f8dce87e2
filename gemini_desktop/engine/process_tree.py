"""An agent's child runs in a session of its own so that its whole tree can be stopped.

Agents start helpers of their own (claude-code-acp runs `claude`, Qwen Code forks a worker, shell tools run
commands) and those outlive the agent when only the agent is signalled: they would keep running, holding
memory and files, after the app quit. The agent is the leader of a new session, so its process group is
everything it started that did not leave on purpose.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time

from PySide6.QtCore import QProcess, QTimer

log = logging.getLogger(__name__)

LEFTOVER_GRACE_S = 2.0


def run_in_own_session(process: QProcess) -> None:
    """On Windows a console child's helpers end with its console; there is no process group to manage."""
    if sys.platform != "win32":
        process.setUnixProcessParameters(QProcess.UnixProcessFlag.CreateNewSession)


def signal_group(group: int | None, signum: int) -> bool:
    """Send `signum` to the process group; True if any process of it is still there to receive it."""
    if group is None or sys.platform == "win32":
        return False
    try:
        os.killpg(group, signum)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def end_leftovers(group: int | None, agent: str) -> bool:
    """After the leader ended: ask what is left of its group to stop, and kill it after a grace period."""
    if not signal_group(group, signal.SIGTERM):
        return False
    log.info("%s left processes behind (group %s); stopping them", agent, group)
    QTimer.singleShot(int(LEFTOVER_GRACE_S * 1000), lambda: signal_group(group, signal.SIGKILL))
    return True


def group_running(group: int | None) -> bool:
    """Whether a process of the group still runs. On Linux its zombies do not count: they hold nothing, and an
    orphan's is reaped by whatever init the system has, late or (an app run as a container's pid 1) never."""
    if not signal_group(group, 0):
        return False
    if not sys.platform.startswith("linux"):
        return True
    try:
        pids = [entry.name for entry in os.scandir("/proc") if entry.name.isdigit()]
    except OSError:  # no /proc to tell zombies apart
        return True
    wanted = str(group).encode()
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as stat:
                state, _parent, pgrp = stat.read().rsplit(b")", 1)[1].split()[:3]
        except OSError:  # it ended while we looked
            continue
        if pgrp == wanted and state != b"Z":
            return True
    return False


async def end_group(group: int | None, timeout: float = LEFTOVER_GRACE_S) -> None:
    """Shutdown does not return while the group still has processes: at quit no timer would run to kill them."""
    if not signal_group(group, signal.SIGTERM):
        return
    deadline = time.monotonic() + timeout
    while group_running(group):
        if time.monotonic() >= deadline:
            log.warning("processes of group %s ignored SIGTERM; killing them", group)
            signal_group(group, signal.SIGKILL)
            return
        await asyncio.sleep(0.05)
