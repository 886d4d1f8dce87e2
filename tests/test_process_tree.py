"""An agent's own helpers never outlive it: stopped with it, and ended when it dies (real Python children)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from gemini_desktop.engine.process import AgentProcess
from gemini_desktop.engine.process_tree import end_group, group_running

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="process groups are a POSIX matter")

# The agent starts a helper that ignores SIGHUP and stdin, writes its pid to helper.pid, then waits for stdin to close
# (or dies at once with "die"); the helper would go on for a minute on its own.
AGENT = """
import subprocess, sys
HELPER = "import signal, time; signal.signal(signal.SIGHUP, signal.SIG_IGN); time.sleep(60)"
helper = subprocess.Popen([sys.executable, "-c", HELPER], stdin=subprocess.DEVNULL)
open("helper.pid", "w").write(str(helper.pid))
if sys.argv[1] == "die":
    raise SystemExit(7)
sys.stdin.read()
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:  # a zombie is gone for our purpose
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


def start_agent(qtbot: QtBot, tmp_path: Path, how: str) -> tuple[AgentProcess, int]:
    process = AgentProcess()
    pid_file = tmp_path / "helper.pid"
    process.start(sys.executable, ["-c", AGENT, how], dict(os.environ), str(tmp_path))
    qtbot.waitUntil(lambda: pid_file.exists() and pid_file.read_text().isdigit(), timeout=10_000)
    return process, int(pid_file.read_text())


def wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_stopping_the_agent_also_ends_the_helpers_it_started(qtbot: QtBot, tmp_path: Path,
                                                             run_async: Callable[..., Any]) -> None:
    process, helper = start_agent(qtbot, tmp_path, "wait")
    assert alive(helper)
    run_async(process.stop(3.0), timeout=10)
    assert not process.running
    assert not alive(helper), "the agent's helper outlived the stop"


def test_a_helper_left_by_an_agent_that_died_is_ended(qtbot: QtBot, tmp_path: Path) -> None:
    process, helper = start_agent(qtbot, tmp_path, "die")
    qtbot.waitUntil(lambda: process.outcome is not None, timeout=10_000)
    assert process.outcome.exit_code == 7
    qtbot.waitUntil(lambda: not alive(helper), timeout=5_000)


def test_a_group_left_with_only_a_zombie_is_not_waited_for(run_async: Callable[..., Any]) -> None:
    """An exited child nobody reaped yet holds nothing: shutdown does not wait out the grace period for it."""
    child = subprocess.Popen([sys.executable, "-c", "pass"], start_new_session=True)
    try:
        wait_gone(child.pid, 10)  # exited, and left unreaped: a zombie, the only member of its group
        assert os.path.exists(f"/proc/{child.pid}") and not group_running(child.pid)
        started = time.monotonic()
        run_async(end_group(child.pid, timeout=5.0), timeout=10)
        assert time.monotonic() - started < 2.0
    finally:
        child.wait()


def test_a_helper_that_ignores_sigterm_is_waited_for_and_killed(run_async: Callable[..., Any]) -> None:
    stubborn = subprocess.Popen([sys.executable, "-c", "import signal, sys, time\n"
                                 "signal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint(flush=True)\ntime.sleep(60)"],
                                start_new_session=True, stdout=subprocess.PIPE)
    try:
        assert stubborn.stdout is not None and stubborn.stdout.readline() == b"\n"  # its handler is set
        assert group_running(stubborn.pid)
        started = time.monotonic()
        run_async(end_group(stubborn.pid, timeout=0.5), timeout=10)
        assert time.monotonic() - started >= 0.5
        assert stubborn.wait(timeout=5) == -9
    finally:
        stubborn.kill()
        stubborn.wait()
