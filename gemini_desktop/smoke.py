"""`--smoke-test`: prove that an installed build really works, end to end, without anyone watching.

The app builds its main window as usual (offscreen in CI), then hands it here: show it, start a session with
the gemini it was given, send one message, wait for a complete answer, stop the child and close the window.
Exit status 0 only if every step worked. The outcome and timings go to the log, to stdout (a windowed
executable may have no console, hence the log too) and, when asked, to a JSON report file.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import SignalInstance
from PySide6.QtGui import QGuiApplication

log = logging.getLogger(__name__)

SMOKE_MESSAGE = "smoke test"
REPORT_PREFIX = "SMOKE-TEST"
EXPOSE_TIMEOUT = 10.0
START_GRACE = 3.0  # the main window starts gemini itself right after show(); give it that long to begin


class SmokeWindow(Protocol):
    """What the smoke test needs from the main window: a QWidget that owns a GeminiSessionClient.

    If it also has `send_message(text)`, the message goes through it, as if typed by the user.
    """

    client: Any

    def show(self) -> None: ...
    def close(self) -> bool: ...
    def isVisible(self) -> bool: ...
    def windowHandle(self) -> Any: ...


@dataclass
class SmokeReport:
    ok: bool = False
    stage: str = "starting"  # the step in progress; where it stopped when ok is False
    error: str = ""
    answer: str = ""
    stop_reason: str = ""
    agent_version: str = ""
    window_icon_renders: bool = False  # a packaging check: the SVG icon plugin made it into the bundle
    timings: dict[str, float] = field(default_factory=dict)  # seconds since the app started
    window_shown_epoch: float = 0.0  # wall clock, so a launcher can measure cold start from outside

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


class SmokeFailure(Exception):
    pass


class _Stopwatch:
    def __init__(self, report: SmokeReport, started_at: float) -> None:
        self._report = report
        self._started_at = started_at

    def mark(self, name: str) -> None:
        self._report.timings[name] = round(time.monotonic() - self._started_at, 3)


async def _next_emission(signal: SignalInstance, accept: Callable[..., bool], timeout: float) -> tuple[Any, ...]:
    """Await the first emission of `signal` whose arguments `accept` likes (connected before the caller acts)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[tuple[Any, ...]] = loop.create_future()

    def receive(*arguments: Any) -> None:
        if not future.done() and accept(*arguments):
            future.set_result(arguments)

    signal.connect(receive)
    try:
        return await asyncio.wait_for(future, timeout)
    finally:
        signal.disconnect(receive)


async def _show(window: SmokeWindow) -> None:
    window.show()
    deadline = time.monotonic() + EXPOSE_TIMEOUT
    while True:
        handle = window.windowHandle()
        if window.isVisible() and (handle is None or handle.isExposed()):
            return
        if time.monotonic() > deadline:
            raise SmokeFailure("the main window was never shown")
        await asyncio.sleep(0.01)


async def _ensure_session(client: Any, timeout: float) -> None:
    """Wait until the session is ready; start it ourselves only if the window has not done so in a moment."""
    deadline = time.monotonic() + timeout
    window_had_its_chance = False
    while True:
        state = str(client.state)
        if state in ("ready", "busy"):
            return
        if state in ("failed", "crashed"):
            raise SmokeFailure(f"the session {state}: {client.stderr_tail[-500:]}")
        remaining = deadline - time.monotonic()
        if state == "stopped" and window_had_its_chance:
            await asyncio.wait_for(client.start_session(), remaining)
            return
        try:
            wait = min(START_GRACE, remaining) if state == "stopped" else remaining
            await _next_emission(client.state_changed, lambda _state: True, wait)
        except TimeoutError:
            if state != "stopped" or remaining <= START_GRACE:
                raise
            window_had_its_chance = True


async def _exchange(window: SmokeWindow, client: Any, message: str, timeout: float) -> Any:
    """Send like the user does (the window's own send path: store, transcript, engine) and await the answer."""
    loop = asyncio.get_running_loop()
    outcome: asyncio.Future[Any] = loop.create_future()
    turn_ids: set[int] = set()

    def started(turn_id: int, _text: str) -> None:
        if not turn_ids:  # the smoke test is the only sender: the first turn after sending is ours
            turn_ids.add(turn_id)

    def finished(turn_id: int, result: Any) -> None:
        if turn_id in turn_ids and not outcome.done():
            outcome.set_result(result)

    def failed(turn_id: int, reason: str) -> None:
        if turn_id in turn_ids and not outcome.done():
            outcome.set_exception(SmokeFailure(f"the turn failed: {reason}"))

    connections = ((client.turn_started, started), (client.turn_finished, finished), (client.turn_failed, failed))
    for signal, slot in connections:
        signal.connect(slot)
    try:
        send = getattr(window, "send_message", None)
        if callable(send):
            send(message)
        else:
            turn_ids.add(client.submit(message))
        return await asyncio.wait_for(outcome, timeout)
    finally:
        for signal, slot in connections:
            signal.disconnect(slot)


async def _run(window: SmokeWindow, report: SmokeReport, clock: _Stopwatch, message: str,
               timeout: float) -> None:
    report.stage = "show window"
    await _show(window)
    report.window_shown_epoch = time.time()
    clock.mark("window_shown")
    report.window_icon_renders = not QGuiApplication.windowIcon().pixmap(32, 32).isNull()

    client = window.client
    report.stage = "start session"
    if client is None:
        raise SmokeFailure("the window has no gemini session (is gemini installed? see the log)")
    await _ensure_session(client, timeout)
    report.agent_version = str(getattr(client, "agent_version", ""))
    clock.mark("session_ready")

    report.stage = "send message"
    result = await _exchange(window, client, message, timeout)
    report.answer = str(result.text)
    report.stop_reason = str(result.stop_reason)
    clock.mark("answer_complete")
    if report.stop_reason != "end_turn" or not report.answer.strip():
        raise SmokeFailure(f"incomplete answer (stop reason {report.stop_reason!r}, {len(report.answer)} chars)")

    report.stage = "stop session"
    await client.stop_session()
    if client.process_id is not None or str(client.state) != "stopped":
        raise SmokeFailure(f"the gemini child is still running (state {client.state})")
    clock.mark("session_stopped")


def _publish(report: SmokeReport, report_path: Path | None) -> None:
    line = f"{REPORT_PREFIX} {'PASSED' if report.ok else 'FAILED'} {report.to_json()}"
    (log.info if report.ok else log.error)("%s", line)
    if sys.stdout is not None:
        print(line, flush=True)
    if report_path is not None:
        try:
            report_path.parent.mkdir(parents=True, exist_ok=True)
            report_path.write_text(report.to_json() + "\n", encoding="utf-8")
        except OSError as error:
            log.error("Could not write the smoke report to %s: %s", report_path, error)


async def run_smoke_test(window: SmokeWindow, *, timeout: float = 120.0, report_path: Path | None = None,
                         started_at: float | None = None, message: str = SMOKE_MESSAGE) -> int:
    """Drive one real exchange through `window.client`; return the process exit status (0 = it all worked).

    `started_at` is `time.monotonic()` taken first thing in main(), so the timings include start-up.
    """
    report = SmokeReport()
    clock = _Stopwatch(report, time.monotonic() if started_at is None else started_at)
    try:
        await asyncio.wait_for(_run(window, report, clock, message, timeout), timeout)
        report.ok = True
        report.stage = "done"
    except TimeoutError:
        report.error = f"timed out after {timeout:.0f} s"
    except Exception as error:  # any failure is the test's result, not a crash of the app
        report.error = f"{type(error).__name__}: {error}"
        log.debug("Smoke test failure", exc_info=True)
    finally:
        if not report.ok and window.client is not None:
            await _stop_quietly(window.client)
        window.close()
        clock.mark("total")
    _publish(report, report_path)
    return 0 if report.ok else 1


async def _stop_quietly(client: Any) -> None:
    """After a failure, still never leave a gemini child behind."""
    try:
        await asyncio.wait_for(client.stop_session(), 15.0)
    except Exception as error:  # already failing: record and go on
        log.warning("Stopping the session after a failed smoke test: %s", error)
