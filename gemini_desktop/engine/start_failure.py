"""What a failed start tells the user: the agent's name, what went wrong, and the last lines it printed.

An agent that is not set up right (a missing key, an unsupported option, another protocol version) usually
says why on stderr; that is the part of the message that lets someone fix it, so it goes along, masked
like the log.
"""

from __future__ import annotations

from typing import Protocol

from acp import PROTOCOL_VERSION

from gemini_desktop.engine.process import ProcessOutcome
from gemini_desktop.engine.types import ProcessCrashed
from gemini_desktop.logs import redact

STDERR_LINES = 12  # enough for a stack trace's message, not a wall of text in the conversation


class StderrSource(Protocol):
    def stderr_tail(self, lines: int = 40) -> str: ...


class EndedProcess(StderrSource, Protocol):
    @property
    def outcome(self) -> ProcessOutcome | None: ...


def with_stderr(message: str, agent_name: str, tail: str) -> str:
    """`message`, then the end of what `agent_name` printed on stderr (masked), when it printed anything."""
    lines = [line for line in tail.strip().splitlines() if line.strip()][-STDERR_LINES:]
    if not lines:
        return message
    return f"{message}\n{agent_name} printed:\n" + redact("\n".join(lines))


def unreadable_start(agent_name: str, process: StderrSource | None = None) -> str:
    """An initialize answer (or a first session answer) this client cannot read."""
    message = f"{agent_name} could not be started: {agent_name} sent an answer this app cannot read."
    return with_stderr(message, agent_name, process.stderr_tail()) if process is not None else message


def wrong_protocol(agent_name: str, version: object, process: StderrSource) -> str:
    """An agent that answered initialize with another protocol version than the one this client speaks."""
    message = f"{agent_name} speaks ACP version {version}; Gemini Desktop speaks version {PROTOCOL_VERSION}."
    return with_stderr(message, agent_name, process.stderr_tail())


def crash_error(process: EndedProcess, agent_name: str, fallback: str, *, starting: bool = False) -> ProcessCrashed:
    """How the agent ended (`fallback` when it has not yet); while starting, the message carries the stderr tail
    too (no crash banner shows it then)."""
    outcome, tail = process.outcome, process.stderr_tail()
    message = outcome.describe(agent_name) if outcome is not None else fallback
    return ProcessCrashed(with_stderr(message, agent_name, tail) if starting else message,
                          outcome.exit_code if outcome else None, tail)
