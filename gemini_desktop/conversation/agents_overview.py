"""What Settings › Agents says about each agent and how it installs one, without widgets (so it is tested without).

Looking an agent up and asking its version can take seconds (an ACP initialize), an install minutes: the page runs
these on worker threads and shows what they return; everything here is blocking on purpose.
"""

from __future__ import annotations

import logging
import shlex
import shutil
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from gemini_desktop.engine.agents.install import (
    InstallCancelled,
    InstallError,
    Progress,
    acp_version,
    archive_address,
    install_archive,
)
from gemini_desktop.engine.agents.locate import agent_version, find_agent, private_dir
from gemini_desktop.engine.agents.profiles import CUSTOM, AgentProfile, Locate
from gemini_desktop.engine.types import EngineError
from gemini_desktop.logs import redact
from gemini_desktop.mcp_config import parse_pairs
from gemini_desktop.settings import CustomAgent

log = logging.getLogger(__name__)

PROBE_TIMEOUT = 10.0
NPM_OUTPUT_LINES = 6  # what a failed npm install shows of its output


class InstallWay(StrEnum):
    """How the page offers to get an agent that is not found."""

    NPM = "npm"  # Install: npm into the app's own folder, as the first-run panel does for gemini
    ARCHIVE = "archive"  # Install: the registry's archive for this computer, downloaded and unpacked
    MANUAL = "manual"  # the user installs it (its vendor's way) or chooses its program
    COMMAND = "command"  # the custom agent: a command typed on the page


class InstallAction(StrEnum):
    """What an agent's install button offers, from where its program was found."""

    INSTALL = "install"  # not found
    UPDATE = "update"  # the app's own npm install: npm fetches the newest version
    REINSTALL = "reinstall"  # the app's own archive install: the registry has one version
    NONE = "none"  # found elsewhere (PATH, a chosen program): the app leaves it to whoever installed it


@dataclass(frozen=True)
class AgentRow:
    """One agent as the page shows it: the program found and its version, or why it cannot run."""

    profile: AgentProfile
    program: str = ""  # the program found ("" when none)
    version: str = ""
    problem: str = ""  # why it cannot run (names the agent); "" when it can

    @property
    def found(self) -> bool:
        return bool(self.program)


def install_way(profile: AgentProfile) -> InstallWay:
    if profile.locate is Locate.CUSTOM:
        return InstallWay.COMMAND
    if profile.npm_package and not profile.is_gemini:  # gemini has its own first-run install
        return InstallWay.NPM
    if profile.locate is Locate.ARCHIVE and archive_address(profile):
        return InstallWay.ARCHIVE
    return InstallWay.MANUAL


def install_action(row: AgentRow, root: Path) -> InstallAction:
    """The button of `row` when the app installs agents under `root` (gemini's own first-run install aside)."""
    if not row.found:
        return InstallAction.INSTALL
    if str(private_dir(row.profile, root)) not in row.program:
        return InstallAction.NONE
    return InstallAction.UPDATE if install_way(row.profile) is InstallWay.NPM else InstallAction.REINSTALL


def missing_tools(way: InstallWay) -> list[str]:
    """What this computer lacks for an Install of that kind (npm installs need node and npm)."""
    return [tool for tool in ("node", "npm") if shutil.which(tool) is None] if way is InstallWay.NPM else []


def custom_profile(agent: CustomAgent) -> AgentProfile:
    """The custom agent's profile with its arguments and environment (its program is found from the command)."""
    return CUSTOM.with_command("", agent.args, dict(agent.env))


def inspect(profile: AgentProfile, explicit: str | None, root: Path, *, gemini_install_dir: Path | None = None,
            timeout: float = PROBE_TIMEOUT) -> AgentRow:
    """Find `profile`'s program and its version; the agents that do not tell it without starting are asked over
    ACP `initialize`, which also proves they speak ACP. Bounded by `timeout`."""
    try:
        command = find_agent(profile, explicit, root, gemini_install_dir)
    except EngineError as exc:
        return AgentRow(profile, problem=str(exc))
    program = " ".join((command.program, *command.args))
    if command.version:
        return AgentRow(profile, program, command.version)
    if profile.is_gemini:  # gemini speaks ACP only with its flag: its --version is enough here
        return AgentRow(profile, program, agent_version(profile, command, timeout))
    try:
        return AgentRow(profile, program, acp_version(profile, command, timeout))
    except InstallError as exc:
        log.warning("%s", exc)
        return AgentRow(profile, program, problem=redact(str(exc)))


class CustomAgentInvalid(ValueError):
    """Which field of the custom agent cannot be read ("args" or "env") and why (the page words it)."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(field, detail)
        self.field = field
        self.detail = detail


def read_custom_agent(command: str, args: str, env: str) -> CustomAgent:
    """The custom agent as typed on the page (arguments as in a shell, env as NAME=value lines). The command may
    be empty: the agent is then not set up, which its row says."""
    try:
        words = tuple(shlex.split(args))
    except ValueError as exc:
        raise CustomAgentInvalid("args", str(exc)) from None
    try:
        pairs = parse_pairs(env, "=")
    except ValueError as exc:
        raise CustomAgentInvalid("env", str(exc)) from None
    return CustomAgent(command.strip(), words, pairs)


Finished = Callable[[str], None]  # "" when installed, else why not (naming the agent)


class InstallJob:
    """One Install on a worker thread, cancellable; `progress` and `finished` are called on that thread."""

    def __init__(self, profile: AgentProfile, root: Path, *, progress: Progress, finished: Finished,
                 source: str | None = None) -> None:
        """`source` replaces where it comes from: the archive's address, or the npm package (a local mirror, the
        tests)."""
        self.profile = profile
        self.root = root
        self.source = source
        self._progress = progress
        self._finished = finished
        self.cancelled = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._run, name=f"install-{self.profile.name}", daemon=True).start()

    def cancel(self) -> None:
        self.cancelled.set()

    def _run(self) -> None:
        try:
            if install_way(self.profile) is InstallWay.NPM:
                self._npm_install()
            else:
                install_archive(self.profile, url=self.source, root=self.root, progress=self._progress,
                                cancel=self.cancelled)
        except InstallError as exc:
            self._finished(str(exc))
            return
        except Exception as exc:  # a worker thread must always report back, or the page waits forever
            log.exception("installing %s failed", self.profile.display_name)
            self._finished(f"Installing {self.profile.display_name} failed: {exc}")
            return
        self._finished("")

    def _npm_install(self) -> None:
        """npm into the agent's own folder below the app's; a failed or cancelled first install leaves none."""
        missing = missing_tools(InstallWay.NPM)
        if missing:
            raise InstallError(f"{self.profile.display_name} needs {' and '.join(missing)}: install Node.js 20 "
                               "or newer (it includes npm), then try again.")
        folder = private_dir(self.profile, self.root)
        existed = folder.exists()
        npm = str(shutil.which("npm"))
        arguments = [npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund", "--no-update-notifier",
                     self.source or self.profile.npm_package]
        log.info("installing %s: %s", self.profile.display_name, " ".join(arguments))
        try:
            folder.mkdir(parents=True, exist_ok=True)
            code, output = self._run_npm(arguments)
        except OSError as exc:
            code, output = None, str(exc)
        if code == 0 and not self.cancelled.is_set():
            log.info("installed %s into %s", self.profile.display_name, folder)
            return
        if not existed:
            shutil.rmtree(folder, ignore_errors=True)
        if self.cancelled.is_set():
            raise InstallCancelled("The install was cancelled.")
        tail = "\n".join(output.strip().splitlines()[-NPM_OUTPUT_LINES:])
        log.warning("npm install of %s failed (exit %s): %s", self.profile.display_name, code, tail)
        raise InstallError(f"Installing {self.profile.display_name} with npm failed (exit code {code})."
                           + (f"\n{redact(tail)}" if tail else ""))

    def _run_npm(self, arguments: list[str]) -> tuple[int | None, str]:
        with subprocess.Popen(arguments, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT) as child:
            reader = _Collector(child)
            while child.poll() is None:
                if self.cancelled.wait(0.2):
                    child.kill()
            reader.join()
            self._progress(1, 1)
            return child.returncode, reader.text


class _Collector(threading.Thread):
    """Reads npm's output while it runs (a full pipe would stop it)."""

    def __init__(self, child: subprocess.Popen[bytes]) -> None:
        super().__init__(daemon=True)
        self._child = child
        self.text = ""
        self.start()

    def run(self) -> None:
        assert self._child.stdout is not None
        self.text = self._child.stdout.read().decode(errors="replace")[-64 * 1024:]
