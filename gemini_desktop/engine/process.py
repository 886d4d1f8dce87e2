"""An agent's child process (gemini or another ACP agent): a QObject that owns its QProcess, frames stdout into
JSON-RPC messages and stops it step by step (stdin closed, then terminate, then kill), so no child is ever left behind.

Modelled on qutebrowser's GUIProcess: one owner, a small outcome type, and nothing the child writes can
break us — a line that is not JSON, invalid UTF-8, or an enormous line is logged and skipped.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import json
import logging
import re
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, Signal

from gemini_desktop.engine.process_tree import end_group, end_leftovers, run_in_own_session, signal_group

log = logging.getLogger(__name__)
child_log = logging.getLogger("gemini_desktop.child")

MAX_LINE_CHARS = 64 * 1024 * 1024
# The rotating log holds 12 MB in all: a child's stderr may take a sixth of it over its whole life, in bursts
# of at most 64 KB refilled at 2 KB/s, so a flood can never push the app's own lines out of the log.
STDERR_LOG_BURST_CHARS = 64 * 1024
STDERR_LOG_CHARS_PER_SECOND = 2 * 1024
STDERR_LOG_TOTAL_CHARS = 2 * 1024 * 1024
STDERR_LOG_LINE_CHARS = 2000
MAX_NESTING = 256  # deeper JSON is never parsed: json, pydantic and copy all recurse and can run out of stack

_JSON_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*"'
_JSON_TOKEN = re.compile(_JSON_STRING + r"|[\[\]{}]")
_MEMBER_VALUE = re.compile(r"\s*:\s*(-?\d+|" + _JSON_STRING + ")")


def alive(qobject: QObject) -> bool:
    """Whether Qt has not deleted `qobject` yet: a parent torn down (a window, a client) deletes its children,
    also a process a coroutine is still stopping, and every later call on it would raise."""
    return shiboken6.isValid(qobject)


@dataclass(frozen=True)
class ProcessOutcome:
    """How the child ended: `crashed` means a signal or a failed start, not merely a non-zero exit."""

    exit_code: int | None
    crashed: bool
    error: str = ""

    def describe(self, agent_name: str = "gemini") -> str:
        if self.error:
            return self.error
        if self.crashed:
            return f"{agent_name} crashed (killed by a signal)"
        return f"{agent_name} exited with code {self.exit_code}"


class LineFramer:
    """Incremental UTF-8 decoding and newline framing; a character split across reads survives."""

    def __init__(self, max_chars: int = MAX_LINE_CHARS, agent: str = "gemini") -> None:
        self._agent = agent  # named in the log line of a dropped line
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pieces: list[str] = []
        self._pending_chars = 0
        self._max_chars = max_chars
        self._discarding = False

    def feed(self, data: bytes) -> list[str]:
        text = self._decoder.decode(data)
        lines: list[str] = []
        start = 0
        while True:
            newline = text.find("\n", start)
            if newline < 0:
                self._keep(text[start:])
                return lines
            self._keep(text[start:newline])
            if self._discarding:
                log.warning("dropped a line from %s longer than %d characters", self._agent, self._max_chars)
                self._discarding = False
            else:
                lines.append("".join(self._pieces))
            self._pieces.clear()
            self._pending_chars = 0
            start = newline + 1

    def _keep(self, piece: str) -> None:
        if self._discarding or not piece:
            return
        self._pending_chars += len(piece)
        if self._pending_chars > self._max_chars:
            self._pieces.clear()
            self._discarding = True
            return
        self._pieces.append(piece)


class StderrLogLimiter:
    """Decides which stderr lines reach the log (a token bucket of characters plus a lifetime budget) and
    counts the ones it holds back, so the log says how much is missing instead of being flooded."""

    def __init__(self, burst_chars: int = STDERR_LOG_BURST_CHARS,
                 chars_per_second: float = STDERR_LOG_CHARS_PER_SECOND,
                 total_chars: int = STDERR_LOG_TOTAL_CHARS, line_chars: int = STDERR_LOG_LINE_CHARS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._burst = burst_chars
        self._rate = chars_per_second
        self._budget_left = total_chars
        self._line_chars = line_chars
        self._clock = clock
        self._tokens = float(burst_chars)
        self._refilled_at = clock()
        self.dropped_lines = 0
        self.dropped_chars = 0

    def admit(self, line: str) -> str | None:
        """The line as it should be logged (shortened if very long), or None when it is held back."""
        if len(line) > self._line_chars:
            line = f"{line[:self._line_chars]}… ({len(line) - self._line_chars} more characters)"
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._refilled_at) * self._rate)
        self._refilled_at = now
        cost = max(len(line), 1)
        if cost > self._tokens or cost > self._budget_left:
            self.dropped_lines += 1
            self.dropped_chars += len(line)
            return None
        self._tokens -= cost
        self._budget_left -= cost
        return line

    def take_dropped(self) -> tuple[int, int]:
        """Lines and characters held back since the last call."""
        counts = (self.dropped_lines, self.dropped_chars)
        self.dropped_lines = self.dropped_chars = 0
        return counts


@dataclass(frozen=True)
class UnreadableMessage:
    """A line that cannot be read but names a JSON-RPC id, so the request it answers (or asks) still ends."""

    request_id: int | str
    method: str | None
    reason: str


def _shallow_scan(text: str) -> tuple[int, dict[str, Any]]:
    """Nesting depth and the top-level `id`/`method` of a JSON text, read without recursion (valid or not)."""
    depth = deepest = 0
    members: dict[str, Any] = {}
    for token in _JSON_TOKEN.finditer(text):
        lexeme = token.group()
        if lexeme in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth)
        elif lexeme in ("]", "}"):
            depth -= 1
        elif depth == 1:
            value = _MEMBER_VALUE.match(text, token.end())
            name = lexeme[1:-1]
            if value is not None and name in ("id", "method") and name not in members:
                with contextlib.suppress(ValueError):
                    members[name] = json.loads(value.group(1))
    return deepest, members


def _unreadable(text: str, reason: str, agent: str) -> UnreadableMessage | None:
    _, members = _shallow_scan(text)
    request_id, method = members.get("id"), members.get("method")
    if isinstance(request_id, int | str) and (method is None or isinstance(method, str)):
        log.warning("%s sent an unreadable message (%s) with id %r: %.200r", agent, reason, request_id, text)
        return UnreadableMessage(request_id, method, reason)
    log.warning("ignored an unreadable line from %s (%s): %.200r", agent, reason, text)
    return None


def parse_message(line: str, agent: str = "gemini") -> dict[str, Any] | UnreadableMessage | None:
    """A JSON-RPC message object; an UnreadableMessage for a broken one with an id; None (logged, naming
    `agent`) otherwise."""
    stripped = line.strip()
    if not stripped:
        return None
    if stripped.count("[") + stripped.count("{") > MAX_NESTING:
        depth, _ = _shallow_scan(stripped)
        if depth > MAX_NESTING:
            return _unreadable(stripped, f"nested {depth} levels deep", agent)
    try:
        message = json.loads(stripped)
    except (ValueError, RecursionError) as failure:
        if stripped.startswith("{"):
            return _unreadable(stripped, f"not valid JSON: {failure}", agent)
        log.warning("ignored a non-JSON line from %s: %.200r", agent, stripped)
        return None
    if not isinstance(message, dict):
        log.warning("ignored a JSON value that is not a message: %.200r", stripped)
        return None
    request_id = message.get("id")
    if request_id is not None and (isinstance(request_id, bool) or not isinstance(request_id, int | str)):
        log.warning("ignored a message with an invalid id: %.200r", stripped)
        return None
    if "method" in message and not isinstance(message["method"], str):
        log.warning("ignored a message with an invalid method: %.200r", stripped)
        return None
    return message


class AgentProcess(QObject):
    """Runs one agent's child. Emits parsed messages, stderr lines, and one `finished` outcome."""

    message_received = Signal(object)
    stderr_line = Signal(str)
    finished = Signal(object)  # ProcessOutcome

    def __init__(self, stderr_lines: int = 200, parent: QObject | None = None, agent: str = "gemini") -> None:
        """`agent`: the display name of the agent it runs, for the log lines about this child."""
        super().__init__(parent)
        self.agent = agent
        self._process = QProcess(self)
        self._process.setProcessChannelMode(QProcess.ProcessChannelMode.SeparateChannels)
        run_in_own_session(self._process)
        self._process.started.connect(self._remember_group)
        self._group: int | None = None
        self._process.readyReadStandardOutput.connect(self._read_stdout)
        self._process.readyReadStandardError.connect(self._read_stderr)
        self._process.finished.connect(self._on_finished)
        self._process.errorOccurred.connect(self._on_error)
        self._stdout = LineFramer(agent=agent)
        self._stderr = LineFramer(max_chars=64 * 1024, agent=agent)
        self._stderr_tail: deque[str] = deque(maxlen=stderr_lines)
        self._stderr_log = StderrLogLimiter()
        self._outcome: ProcessOutcome | None = None
        # set once the agent answered `initialize`. Before that it is still loading (it may not even read its stdin
        # yet) and holds no conversation: a stop then terminates it instead of waiting for it to notice EOF
        self.answered = False

    @property
    def pid(self) -> int | None:
        pid = self._process.processId()
        return pid or None

    @property
    def running(self) -> bool:
        return self._process.state() != QProcess.ProcessState.NotRunning

    @property
    def outcome(self) -> ProcessOutcome | None:
        return self._outcome

    def stderr_tail(self, lines: int = 40) -> str:
        return "\n".join(list(self._stderr_tail)[-lines:])

    def start(self, program: str, args: list[str], env: Mapping[str, str], cwd: str) -> None:
        environment = QProcessEnvironment()
        for key, value in env.items():
            environment.insert(key, value)
        self._process.setProcessEnvironment(environment)
        self._process.setWorkingDirectory(cwd)
        self._outcome = None
        log.info("starting %s %s in %s", program, " ".join(args), cwd)
        self._process.start(program, args)

    def write(self, data: bytes) -> bool:
        if not self.running:
            return False
        return self._process.write(data) == len(data)

    def close_stdin(self) -> None:
        self._process.closeWriteChannel()

    def terminate(self) -> None:
        """Polite stop; on Windows there is no SIGTERM for console children, so this kills."""
        if not self.running:
            return
        if sys.platform == "win32":
            self._process.kill()
        elif not signal_group(self._group, signal.SIGTERM):
            self._process.terminate()

    def kill(self) -> None:
        if self.running and not signal_group(self._group, signal.SIGKILL):
            self._process.kill()

    async def wait_finished(self, timeout: float) -> bool:
        """True once the child has exited (also if it had already, or Qt deleted this object, which kills it);
        False if it still runs after `timeout`."""
        if not alive(self) or not self.running:
            return True
        done = asyncio.get_running_loop().create_future()

        def on_finished(_: object = None) -> None:
            if not done.done():
                done.set_result(True)

        self.finished.connect(on_finished)
        self.destroyed.connect(on_finished)  # QProcess's destructor kills the child and waits for it
        try:
            await asyncio.wait_for(done, timeout)
            return True
        except TimeoutError:
            return not alive(self) or not self.running
        finally:
            if alive(self):
                with contextlib.suppress(RuntimeError, TypeError):
                    self.finished.disconnect(on_finished)
                    self.destroyed.disconnect(on_finished)

    async def stop(self, timeout: float, eof_grace: float | None = None) -> None:
        """Close stdin, then terminate, then kill: a child that ignores each step is still gone in about `timeout`.
        It gets `eof_grace` seconds (at most, and by default, 60 % of `timeout`) to exit once its stdin closed;
        0 terminates it at once. Returns early once Qt deletes this object meanwhile (its child is killed with it)."""
        if not alive(self):
            await end_group(self._group)
            return
        self.close_stdin()
        grace = timeout * 0.6 if eof_grace is None else min(eof_grace, timeout * 0.6)
        if grace <= 0 or not await self.wait_finished(grace):
            if grace > 0:
                log.info("%s did not exit after stdin closed; terminating pid %s", self.agent, self.pid)
            self.terminate()
            if not await self.wait_finished(timeout * 0.3):
                log.warning("%s ignored terminate; killing pid %s", self.agent, self.pid)
                self.kill()
                await self.wait_finished(max(timeout * 0.3, 1.0))
        await end_group(self._group)

    def _remember_group(self) -> None:
        self._group = self.pid if sys.platform != "win32" else None

    def _read_stdout(self) -> None:
        for line in self._stdout.feed(self._process.readAllStandardOutput().data()):
            message = parse_message(line, self.agent)
            if message is not None:
                self.message_received.emit(message)

    def _read_stderr(self) -> None:
        for line in self._stderr.feed(self._process.readAllStandardError().data()):
            self._stderr_tail.append(line)
            logged = self._stderr_log.admit(line)
            if logged is not None:
                self._log_dropped_stderr()
                child_log.info("%s", logged)
            self.stderr_line.emit(line)

    def _log_dropped_stderr(self) -> None:
        lines, chars = self._stderr_log.take_dropped()
        if lines:
            child_log.warning("%d lines (%d characters) of %s's stderr were left out of the log: "
                              "it wrote faster or more than the log can hold", lines, chars, self.agent)

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            reason = self._process.errorString()
            self._finish(ProcessOutcome(None, True, f"{self.agent} could not be started: {reason}"))

    def _on_finished(self, exit_code: int, status: QProcess.ExitStatus) -> None:
        self._read_stdout()
        self._read_stderr()
        self._log_dropped_stderr()
        crashed = status == QProcess.ExitStatus.CrashExit
        end_leftovers(self._group, self.agent)
        self._finish(ProcessOutcome(None if crashed else exit_code, crashed))

    def _finish(self, outcome: ProcessOutcome) -> None:
        if self._outcome is not None:
            return
        self._outcome = outcome
        log.info("%s child ended: %s", self.agent, outcome.describe(self.agent))
        self.finished.emit(outcome)


def child_rss_bytes(pid: int) -> int | None:
    """Resident memory of a process from /proc (Linux); None where that is not available."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            fields = line.split()
            return int(fields[1]) * 1024 if len(fields) > 1 and fields[1].isdigit() else None
    return None
