"""`gemini-desktop serve`: the local API without a window (QCoreApplication: no display needed).

SIGTERM or SIGINT stops the server, then every conversation's gemini child and the warm spare, and the history
writes are flushed before the process exits.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from gemini_desktop.api.server import ApiServer
from gemini_desktop.engine.agents.launch import agent_argument
from gemini_desktop.engine.agents.profiles import PROFILES
from gemini_desktop.settings import DEFAULT_API_PORT

log = logging.getLogger(__name__)


class Closeable(Protocol):
    def close(self) -> None: ...


SignalHook = Callable[[Callable[[], None]], Closeable]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gemini-desktop serve",
                                     description="Serve the local API on 127.0.0.1 and ::1, without a window.")
    parser.add_argument("--port", type=int, default=DEFAULT_API_PORT,
                        help=f"port to listen on (default {DEFAULT_API_PORT}; 0 picks a free one)")
    parser.add_argument("--cwd", type=Path, metavar="DIR", help="folder of conversations that name none")
    parser.add_argument("--gemini", metavar="PATH", help="the gemini program (or its entry .js) to run")
    parser.add_argument("--model", metavar="ID", help="Gemini model to use, e.g. gemini-2.5-flash")
    parser.add_argument("--agent", metavar="NAME", type=agent_argument,
                        help=f"the agent of conversations that name none: {', '.join(PROFILES)}")
    return parser


def serve(arguments: Sequence[str], on_signal: SignalHook, executor: concurrent.futures.Executor) -> int:
    """Run until SIGTERM/SIGINT; 0 after a clean stop, 1 when the history or the port cannot be used."""
    from PySide6.QtCore import QCoreApplication
    from qasync import QEventLoop

    from gemini_desktop import APP_NAME, ORG_NAME, __version__
    from gemini_desktop.logs import setup_logging
    from gemini_desktop.settings import LaunchOptions

    try:
        args = build_parser().parse_args(list(arguments))
    except SystemExit as stop:  # --help, or a usage error argparse already printed
        return stop.code if isinstance(stop.code, int) else 0
    if args.cwd is not None and not args.cwd.expanduser().is_dir():
        print(f"gemini-desktop serve: --cwd {args.cwd} is not a folder", file=sys.stderr)
        return 2
    setup_logging()
    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORG_NAME)
    app.setApplicationVersion(__version__)
    loop = QEventLoop(app)
    loop.set_default_executor(executor)
    asyncio.set_event_loop(loop)
    options = LaunchOptions(gemini=args.gemini, cwd=args.cwd.expanduser().resolve() if args.cwd else None,
                            model=args.model, agent=args.agent)
    with loop:
        return loop.run_until_complete(_serve(options, args.port, on_signal))


async def _serve(options: object, port: int, on_signal: SignalHook) -> int:
    from gemini_desktop.conversation.open_conversations import OpenConversations
    from gemini_desktop.conversation.workspace import Workspace
    from gemini_desktop.paths import api_token, api_token_path
    from gemini_desktop.settings import AppSettings
    from gemini_desktop.store import HistoryStore, StoreError

    try:
        store = HistoryStore.open()
    except StoreError as failure:
        print(f"gemini-desktop serve: the history cannot be used: {failure}", file=sys.stderr)
        return 1
    stop = asyncio.get_running_loop().create_future()
    hook = on_signal(lambda: stop.done() or stop.set_result(None))
    workspace = Workspace(AppSettings(), options)  # type: ignore[arg-type]
    conversations = OpenConversations(workspace, store)
    server = ApiServer(conversations, api_token, port)
    try:
        api_token()  # made now, so a client can read it as soon as the port answers
        await server.start()
    except OSError as failure:
        print(f"gemini-desktop serve: cannot listen on port {port}: {failure}", file=sys.stderr)
        hook.close()
        store.close()
        return 1
    print(f"Local API on http://127.0.0.1:{server.port} (token: {api_token_path()})", flush=True)
    workspace.attach()
    try:
        await stop
    finally:
        log.info("serve: stopping")
        await server.stop()
        await conversations.close_all()
        await workspace.shutdown()
        hook.close()
        store.close()
    return 0
