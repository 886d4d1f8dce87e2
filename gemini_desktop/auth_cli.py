"""`gemini-desktop auth …`: choose and check the way gemini signs in, without a window (scripts, `serve`).

In the style of `gh auth`: `status` says the method, the account or project and whether gemini accepts it, one
line each, and exits 0 when usable, 1 when not (with what to do). The `use-*` commands check what they are given
before saving anything; secrets are read from a file or standard input, never from the command line (it shows in
`ps` and shell history).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from gemini_desktop.conversation.sign_in_choice import forget_sign_in, load_sign_in, save_sign_in
from gemini_desktop.engine.diagnosis import Diagnosis, diagnose
from gemini_desktop.engine.sign_in import (
    SignIn,
    SignInInvalid,
    api_key_sign_in,
    code_assist_sign_in,
    gateway_sign_in,
    vertex_sign_in,
)
from gemini_desktop.settings import AppSettings, LaunchOptions

log = logging.getLogger(__name__)

PROBE_PROMPT = "Reply with the single word OK."
PROBE_TIMEOUT = 90.0  # seconds for starting gemini, signing in and one short answer


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gemini-desktop auth",
                                     description="Choose and check how gemini signs in (used by the window and "
                                                 "by `gemini-desktop serve`).")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    status = commands.add_parser("status", help="the way in, and whether gemini accepts it (exit 0 or 1)")
    status.add_argument("--gemini", metavar="PATH", help="the gemini program (or its entry .js) to run")
    status.add_argument("--cwd", type=Path, metavar="DIR", help="folder gemini runs in (default: home)")
    key = commands.add_parser("use-api-key", help="a Gemini API key (read from standard input without --key-file)")
    key.add_argument("--key-file", type=Path, metavar="F")
    vertex = commands.add_parser("use-vertex", help="Vertex AI: project and location, or an express-mode key")
    vertex.add_argument("--project", default="", metavar="P")
    vertex.add_argument("--location", default="", metavar="L")
    credentials = vertex.add_mutually_exclusive_group()
    credentials.add_argument("--credentials", default="", metavar="FILE", help="a service-account key file")
    credentials.add_argument("--api-key-file", type=Path, metavar="F", help="an express-mode API key")
    code_assist = commands.add_parser("use-code-assist", help="Code Assist Standard/Enterprise: Google login with "
                                                              "the licence's project")
    code_assist.add_argument("--project", required=True, metavar="P")
    gateway = commands.add_parser("use-gateway", help="an AI API gateway speaking the Gemini API")
    gateway.add_argument("--url", required=True, metavar="URL")
    gateway.add_argument("--header", action="append", default=[], metavar="NAME=VALUE",
                         help="a header sent with every request (repeatable; values go to the keyring)")
    commands.add_parser("logout", help="forget the way in and its secrets")
    return parser


def main(arguments: Sequence[str], stdin: TextIO = sys.stdin, out: TextIO = sys.stdout,
         err: TextIO = sys.stderr) -> int:
    try:
        args = build_parser().parse_args(list(arguments))
    except SystemExit as stop:  # --help, or a usage error argparse already printed
        return stop.code if isinstance(stop.code, int) else 0
    from gemini_desktop.logs import setup_logging

    setup_logging(logging.WARNING)  # the command's own lines are its output; the log keeps what went wrong
    settings = AppSettings()
    if args.command == "status":
        return _status(settings, args, out)
    if args.command == "logout":
        forget_sign_in(settings)
        print("Signed out: no way in is chosen, and its secrets are gone from the keyring.", file=out)
        return 0
    try:
        sign_in = _chosen(args, stdin)
    except SignInInvalid as invalid:
        print(f"gemini-desktop auth: {invalid} Nothing was changed.", file=err)
        return 2
    stored = save_sign_in(settings, sign_in)
    print(f"Now signing in with: {sign_in.summary()}", file=out)
    if not stored:
        print("gemini-desktop auth: no usable system keyring: the secret could not be saved and will not be "
              "there next time.", file=err)
        return 1
    return 0


def _chosen(args: argparse.Namespace, stdin: TextIO) -> SignIn:
    if args.command == "use-api-key":
        return api_key_sign_in(_secret_from(args.key_file, stdin))
    if args.command == "use-vertex":
        express_key = _secret_from(args.api_key_file, stdin) if args.api_key_file else ""
        if express_key and args.project:
            raise SignInInvalid("Give either --project/--location or --api-key-file, not both.")
        return vertex_sign_in(args.project, args.location, args.credentials, express_key)
    if args.command == "use-code-assist":
        return code_assist_sign_in(args.project)
    return gateway_sign_in(args.url, list(args.header))


def _secret_from(path: Path | None, stdin: TextIO) -> str:
    if path is None:
        return stdin.readline().strip()
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise SignInInvalid(f"{path} cannot be read ({exc}).") from None


def _status(settings: AppSettings, args: argparse.Namespace, out: TextIO) -> int:
    sign_in = load_sign_in(settings)
    print(f"Method: {sign_in.summary() if sign_in else 'none chosen (gemini uses its own settings)'}", file=out)
    if sign_in is not None and sign_in.project:
        print(f"Project: {sign_in.project}", file=out)
    problem = _probe(settings, LaunchOptions(gemini=args.gemini, cwd=args.cwd))
    if problem is None:
        print("gemini: accepts it (answered a test prompt)", file=out)
        return 0
    if isinstance(problem, Diagnosis):
        print(f"gemini: refuses it: {problem.title}", file=out)
        print(f"What to do: {problem.advice}", file=out)
        print(f"Server said: {problem.details}", file=out)
    else:
        print(f"gemini: not usable: {problem}", file=out)
    return 1


def _probe(settings: AppSettings, options: LaunchOptions) -> Diagnosis | str | None:
    """Start gemini as the window would, sign in, and send one short prompt; None when it answered. The probe's
    conversation is removed from gemini's own history afterwards."""
    from PySide6.QtCore import QCoreApplication
    from qasync import QEventLoop

    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    loop = QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        return loop.run_until_complete(_probe_async(settings, options))


async def _probe_async(settings: AppSettings, options: LaunchOptions) -> Diagnosis | str | None:
    from gemini_desktop.conversation.workspace import Workspace
    from gemini_desktop.engine import cli_sessions
    from gemini_desktop.engine.client import GeminiSessionClient
    from gemini_desktop.engine.types import AuthRequired, EngineError

    workspace = Workspace(settings, options)
    try:
        config = await workspace.resolve_config()
    except EngineError as exc:
        return str(exc)
    client = GeminiSessionClient(config)
    try:
        await asyncio.wait_for(client.start_session(), PROBE_TIMEOUT)
        await asyncio.wait_for(client.chat(PROBE_PROMPT), PROBE_TIMEOUT)
    except AuthRequired as exc:
        return exc.diagnosis or diagnose(str(exc)) or str(exc)
    except EngineError as exc:
        return diagnose(str(exc), project=config.sign_in.project if config.sign_in else "") or str(exc)
    except TimeoutError:
        return f"gemini did not answer within {PROBE_TIMEOUT:.0f} s"
    finally:
        session_id = client.session_id
        await client.stop_session()
        if session_id:
            home = cli_sessions.cli_home({**os.environ, **config.env}, Path.home())
            for path in cli_sessions.session_files(home, session_id):
                path.unlink(missing_ok=True)
    return None

