"""Command line, pre-flight checks, then QApplication + the qasync loop + the main window.

QApplication (which loads the platform plugin) is created only after the pre-flight checks pass, so a
missing system library produces our message (with the fix) instead of Qt's abort. The GUI modules are
imported inside run_gui so that --help and --version stay quick.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import dataclasses
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gemini_desktop import APP_ID, APP_NAME, ORG_NAME, __version__, preflight
from gemini_desktop.engine.agents.launch import agent_argument
from gemini_desktop.engine.agents.profiles import PROFILES
from gemini_desktop.settings import LaunchOptions

if TYPE_CHECKING:
    from gemini_desktop.api.switch import LocalApiSwitch
    from gemini_desktop.store import HistoryStore
    from gemini_desktop.ui.main_window import MainWindow

SMOKE_ENGINE_WAIT = 60.0  # seconds; without gemini the smoke test then fails with its own report
QUIT_PATIENCE = 1.0  # seconds quitting waits for background jobs (imports, keyring) before leaving them

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gemini-desktop",
        description=f"{APP_NAME}: a desktop chat window for Google's gemini CLI.",
        epilog="Subcommands: `gemini-desktop serve --help` (the local API without a window), "
               "`gemini-desktop auth --help` (choose and check how gemini signs in).",
    )
    parser.add_argument("--gemini", metavar="PATH", help="the gemini program (or its entry .js) to run")
    parser.add_argument("folder", nargs="?", type=Path, metavar="FOLDER",
                        help="open a new conversation in this folder (in the running window, if there is one)")
    parser.add_argument("--cwd", metavar="DIR", type=Path, help="the same as FOLDER")
    parser.add_argument("--model", metavar="ID", help="Gemini model to use, e.g. gemini-2.5-flash")
    parser.add_argument("--version", action="store_true", help="print the app and gemini versions, then exit")
    parser.add_argument("--agent", metavar="NAME", type=agent_argument,
                        help=f"the agent of new conversations in this launch: {', '.join(PROFILES)}")
    parser.add_argument("--new-instance", action="store_true",
                        help="open a separate window even when the app is already running")
    parser.add_argument("--smoke-test", action="store_true",
                        help="start, check that the app works, and exit (used by the packaging checks)")
    parser.add_argument("--smoke-report", type=Path, metavar="PATH",
                        help="with --smoke-test: also write the outcome as JSON here (windowed builds have no console)")
    parser.add_argument("--resume", type=int, metavar="ID",
                        help="continue the conversation with this history id (the app restarts itself this way)")
    return parser


def named_folder(args: argparse.Namespace) -> Path | None:
    folder = args.cwd or args.folder
    return folder.expanduser().resolve() if folder else None


def launch_options(args: argparse.Namespace) -> LaunchOptions:
    return LaunchOptions(gemini=args.gemini, cwd=named_folder(args), model=args.model,
                         new_instance=args.new_instance, smoke_test=args.smoke_test, smoke_report=args.smoke_report,
                         resume=args.resume, agent=args.agent)


def started_from_terminal() -> bool:
    """A launch from a shell works in the shell's folder; one from the desktop in the last used folder."""
    return any(stream is not None and stream.isatty() for stream in (sys.stdin, sys.stdout))


def in_terminal_folder(options: LaunchOptions, from_terminal: bool) -> LaunchOptions:
    """Without a named folder, a launch from a shell works in the shell's current folder (the desktop's in the
    last used one). Only after the hand-over: a second launch without a folder just brings the window up."""
    if options.cwd is None and from_terminal:
        return dataclasses.replace(options, cwd=Path.cwd())
    return options


def hand_over_arguments(options: LaunchOptions) -> list[str]:
    """What this launch asks of a running window: a new conversation in the named folder, as an absolute
    path resolved here (a relative one means nothing in the other process)."""
    return ["--cwd", str(options.cwd)] if options.cwd is not None else []


def relaunch_command(arguments: Sequence[str], resume: int | None) -> list[str]:
    """This app started again as it was started, continuing conversation `resume` if there is one."""
    kept: list[str] = []
    skip = False
    for argument in arguments:
        if skip or argument == "--resume" or argument.startswith("--resume="):
            skip = argument == "--resume"
            continue
        kept.append(argument)
    program = [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-m", "gemini_desktop"]
    return [*program, *kept, *(["--resume", str(resume)] if resume is not None else [])]


def version_text(explicit_gemini: str | None) -> str:
    lines = [f"{APP_NAME} {__version__}"]
    from gemini_desktop.engine.locate import find_gemini
    from gemini_desktop.engine.types import EngineError
    from gemini_desktop.ui.npm_installer import app_install_dir

    try:
        command = find_gemini(explicit_gemini, app_install_dir())
    except EngineError:
        lines.append("gemini-cli: not found")
    else:
        lines.append(f"gemini-cli {command.version or '(unknown version)'}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    started_at = time.monotonic()
    arguments = list(argv) if argv is not None else sys.argv[1:]
    if arguments[:1] == ["auth"]:  # choose and check the way in, without a window
        from gemini_desktop.auth_cli import main as auth_main

        return auth_main(arguments[1:])
    if arguments[:1] == ["serve"]:  # the local API without a window: a subcommand with its own options
        from gemini_desktop.api.headless import serve

        return serve(arguments[1:], SignalBridge, AbandonableExecutor(QUIT_PATIENCE))
    parser = build_parser()
    try:
        args = parser.parse_args(arguments)
    except SystemExit as stop:  # --help, or a usage error argparse already printed
        return stop.code if isinstance(stop.code, int) else 0
    folder = args.cwd or args.folder
    if folder is not None and not folder.expanduser().is_dir():
        print(f"gemini-desktop: {folder} is not a folder", file=sys.stderr)
        return 2
    if args.version:
        print(version_text(args.gemini))
        return 0
    problem = preflight.check(os.environ)
    if problem is not None:
        print(f"gemini-desktop: {problem.message}", file=sys.stderr)
        return preflight.PREFLIGHT_EXIT_CODE
    return run_gui(launch_options(args), arguments, started_at)


class SignalBridge:
    """Lets SIGINT/SIGTERM reach Python while Qt's loop runs: the C handler writes to a socket Qt watches."""

    def __init__(self, on_signal: Callable[[], None]) -> None:
        from PySide6.QtCore import QSocketNotifier

        self._on_signal = on_signal
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno())
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read)
        self._notifier.activated.connect(self._drain)
        self._previous = {sig: signal.signal(sig, self._handle) for sig in (signal.SIGINT, signal.SIGTERM)}

    def _drain(self) -> None:
        with contextlib.suppress(OSError):
            self._reader.recv(64)

    def _handle(self, signum: int, _frame: object) -> None:
        log.info("signal %s: shutting down", signum)
        self._on_signal()

    def close(self) -> None:
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._reader.close()
        self._writer.close()


class AbandonableExecutor(concurrent.futures.Executor):
    """The event loop's default executor (behind asyncio.to_thread): one daemon thread per job, so a job
    stuck in I/O (a FIFO, a hung keyring or network drive) can never keep the app from quitting. Shutting
    down waits `patience` seconds for running jobs, then leaves them behind: they end with the process."""

    def __init__(self, patience: float) -> None:
        self._patience = patience
        self._running: set[threading.Thread] = set()
        self._lock = threading.Lock()
        self._shut_down = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        if self._shut_down:
            raise RuntimeError("cannot start a background job after shutdown")
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        thread = threading.Thread(target=self._run, args=(future, fn, args, kwargs), name=_job_name(fn),
                                  daemon=True)
        with self._lock:
            self._running.add(thread)
        thread.start()
        return future

    def _run(self, future: concurrent.futures.Future[Any], fn: Callable[..., Any], args: tuple[Any, ...],
             kwargs: dict[str, Any]) -> None:
        try:
            if future.set_running_or_notify_cancel():
                try:
                    result = fn(*args, **kwargs)
                except BaseException as error:
                    future.set_exception(error)
                else:
                    future.set_result(result)
        finally:
            with self._lock:
                self._running.discard(threading.current_thread())

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._shut_down = True
        if not wait:
            return
        deadline = time.monotonic() + self._patience
        with self._lock:
            running = list(self._running)
        for thread in running:
            thread.join(max(0.0, deadline - time.monotonic()))
        stuck = [thread.name for thread in running if thread.is_alive()]
        if stuck:
            log.warning("quitting without waiting for background work still running: %s", ", ".join(stuck))


def _job_name(fn: Callable[..., Any]) -> str:
    """What asyncio.to_thread really runs (it wraps the function in a context's run)."""
    for candidate in (fn, *getattr(fn, "args", ())):
        name = getattr(candidate, "__qualname__", None)
        if callable(candidate) and name and name != "Context.run":
            return str(name)
    return "background job"


def open_history(ask_user: bool) -> HistoryStore | None:
    """The history database, or, when it cannot be used (a read-only or full data folder, a locked file),
    a history that is not saved if the user chooses to go on (None: they chose to quit).

    The message names the folder and what to do; the window repeats it, since nothing will be saved.
    """
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QMessageBox

    from gemini_desktop.store import HistoryStore, StoreError, default_store_path

    try:
        store = HistoryStore.open()
    except StoreError as error:
        problem: StoreError = error
    else:
        try:  # once per run, before any conversation writes: what was streaming when the last run ended is not
            store.mark_interrupted()
        except StoreError as error:
            log.warning("could not mark the answers the last run left streaming: %s", error)
        return store
    folder = default_store_path().parent
    log.error("history store unusable (%s): %s", folder, problem)
    if ask_user:
        question = QMessageBox(QMessageBox.Icon.Critical, APP_NAME, QCoreApplication.translate(
            "App", "Gemini Desktop cannot keep its history.\n\n{error}\n\nMake sure you can write to the folder "
            "{folder} (and that its disk is not full), then start Gemini Desktop again. You can also go on "
            "now: the app works, but nothing you do in this window will be saved.").format(
            error=problem, folder=folder))
        go_on = question.addButton(QCoreApplication.translate("App", "Continue without history"),
                                   QMessageBox.ButtonRole.AcceptRole)
        question.addButton(QMessageBox.StandardButton.Close)
        question.setDefaultButton(go_on)
        question.exec()
        if question.clickedButton() is not go_on:
            return None
    log.warning("running without a saved history")
    return HistoryStore.without_saving(QCoreApplication.translate(
        "App", "History is not being saved: {error} Make the folder {folder} writable and restart Gemini "
        "Desktop to keep your conversations.").format(error=problem, folder=folder))


def run_gui(options: LaunchOptions, arguments: Sequence[str] = (), started_at: float | None = None) -> int:
    from PySide6.QtCore import QProcess
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication
    from qasync import QEventLoop

    from gemini_desktop.i18n import install_translators
    from gemini_desktop.logs import setup_logging
    from gemini_desktop.paths import app_icon_path
    from gemini_desktop.settings import AppSettings
    from gemini_desktop.single_instance import SingleInstance

    setup_logging()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORG_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    if app_icon_path().is_file():
        app.setWindowIcon(QIcon(str(app_icon_path())))
    from gemini_desktop.ui import design

    app.setPalette(design.palette(design.system_prefers_dark()))  # the colours of docs/design.md
    settings = AppSettings()
    install_translators(app, settings.language)
    instance: SingleInstance | None = None
    if not (options.new_instance or options.smoke_test):
        instance = SingleInstance()
        if not instance.acquire(hand_over_arguments(options)):
            log.info("handed over to the running instance")
            return 0
    options = in_terminal_folder(options, started_from_terminal())
    loop = QEventLoop(app)
    loop.set_default_executor(AbandonableExecutor(QUIT_PATIENCE))
    asyncio.set_event_loop(loop)
    store = open_history(ask_user=not options.smoke_test)
    if store is None:
        if instance is not None:
            instance.close()
        return 1
    from gemini_desktop.ui.main_window import MainWindow  # not before: a launch that hands over needs no window

    window = MainWindow(store, settings, options)
    follow_local_api_setting(window)
    if instance is not None:
        instance.activation_requested.connect(window.bring_to_front)
    bridge = SignalBridge(window.close)
    try:
        with loop:
            status = loop.run_until_complete(_run_window(window, options, started_at))
    finally:
        bridge.close()
        if instance is not None:
            instance.close()
        store.close()
    if window.restart_requested:  # after the instance lock is gone, so the new process takes it over
        command = relaunch_command(arguments, window.history_id)
        log.info("restarting: %s", command)
        if not QProcess.startDetached(command[0], command[1:])[0]:
            log.error("could not restart the app with %s", command)
    return status


def follow_local_api_setting(window: MainWindow) -> None:
    """Settings > Local API, over the window's own conversations: served while it is on (off by default), moved
    when the port changes, stopped when quitting begins. The API's modules load only once it is turned on."""
    from gemini_desktop.conversation import run_soon
    from gemini_desktop.paths import api_token

    switch: LocalApiSwitch | None = None

    async def apply() -> None:
        nonlocal switch
        if switch is None:
            if not window.settings.api_enabled:
                return
            from gemini_desktop.api.switch import LocalApiSwitch as Switch

            settings = window.settings
            switch = Switch(window.conversations, lambda: settings.api_enabled, lambda: settings.api_port,
                                    api_token, parent=window)
            switch.changed.connect(lambda address: setattr(window, "local_api_address", address))
        await switch.apply()

    async def stop() -> None:
        if switch is not None:
            await switch.stop()

    window.settings_saved.connect(lambda: run_soon(apply()))
    window.closing.connect(lambda: run_soon(stop()))
    run_soon(apply())


async def _run_window(window: MainWindow, options: LaunchOptions, started_at: float | None) -> int:
    """Show the window, start gemini behind it, and return once the window has shut gemini down."""
    closed = asyncio.get_running_loop().create_future()
    window.shut_down.connect(lambda: closed.done() or closed.set_result(None))
    window.show()
    if started_at is not None:
        log.info("main window shown %.2f s after launch (ACP SDK already imported: %s)",
                 time.monotonic() - started_at, "acp" in sys.modules)
    window.start()
    status = 0
    if options.smoke_test:
        from gemini_desktop.smoke import run_smoke_test

        if window.client is None:  # the engine loads behind the shown window; the smoke test drives it
            attached = asyncio.get_running_loop().create_future()
            window.engine_attached.connect(lambda: attached.done() or attached.set_result(None))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(attached, SMOKE_ENGINE_WAIT)
        status = await run_smoke_test(window, started_at=started_at, report_path=options.smoke_report)
    await closed
    return status


if __name__ == "__main__":
    sys.exit(main())
