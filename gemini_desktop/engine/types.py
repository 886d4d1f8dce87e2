"""Configuration, state and outcome types of the engine (no Qt, no SDK)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gemini_desktop.engine.agents.profiles import GEMINI, AgentProfile
from gemini_desktop.engine.events import AuthMethod, PermissionRequest
from gemini_desktop.mcp_config import McpServerConfig

if TYPE_CHECKING:
    from gemini_desktop.engine.diagnosis import Diagnosis
    from gemini_desktop.engine.file_access import FileEditJournal
    from gemini_desktop.engine.sign_in import SignIn


class SessionState(StrEnum):
    STOPPED = "stopped"
    STARTING = "starting"
    READY = "ready"
    BUSY = "busy"
    RESTARTING = "restarting"
    CRASHED = "crashed"
    FAILED = "failed"


@dataclass(frozen=True)
class GeminiCommand:
    """How to run the agent: `program` plus leading `args` (e.g. node + entry script), and its version
    (`acp_flag` is gemini's; other agents' ACP arguments are in their profile)."""

    program: str
    args: tuple[str, ...] = ()
    version: str = ""
    acp_flag: str = "--acp"


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.input_tokens + other.input_tokens, self.output_tokens + other.output_tokens)


@dataclass(frozen=True)
class ModelUsage:
    model: str
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True)
class ContextUsage:
    """One turn's usage as gemini reports it in the prompt result's `_meta.quota`: `token_count` and the
    per-model `model_usage`; see engine/context_window.py for how full that makes the context."""

    input_tokens: int
    output_tokens: int
    per_model: tuple[ModelUsage, ...] = ()
    # From an agent's ACP `usage_update`: the context window it reports (its own figure beats our table) and
    # the session's cost so far.
    window: int | None = None
    cost: float | None = None
    currency: str = ""


@dataclass(frozen=True)
class ChatResult:
    text: str
    stop_reason: str
    usage: Usage | None = None
    thoughts: str = ""
    context: ContextUsage | None = None


class ResumeMethod(StrEnum):
    NEW = "new"  # no resume asked: a fresh conversation
    LOADED = "loaded"  # session/load of the CLI's own file worked
    REBUILT = "rebuilt"  # the load failed or lost messages: the CLI's file restored from our backup, and a fresh
    # session file written from the fullest copy of the conversation (ours, the backup or the replay) loaded
    SEEDED = "seeded"  # a new session whose first prompt carries the earlier transcript
    RESUMED = "resumed"  # session/resume of an agent that advertises it (no replay: the agent keeps the history)


@dataclass(frozen=True)
class ResumeOutcome:
    method: ResumeMethod
    session_id: str
    detail: str = ""


@dataclass(frozen=True)
class TranscriptTurn:
    """One message of an earlier conversation, used to rebuild it when the CLI cannot load its own copy."""

    role: str  # "user" | "assistant"
    text: str


PermissionHandler = Callable[[PermissionRequest], Awaitable[str | None]]
"""Returns the chosen option id, or None to reject."""


@dataclass(frozen=True)
class EngineConfig:
    """A client's inputs, frozen: they change only through GeminiSessionClient.reconfigure, so no other
    object can change what a running client believes it was started with."""


    gemini: GeminiCommand
    cwd: Path
    model: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    # Given to gemini through ACP `authenticate` when it asks to be signed in, never in its environment (every
    # tool the model runs inherits that); only a gemini too old to take it over ACP gets it as GEMINI_API_KEY.
    api_key: str | None = field(default=None, repr=False)
    # Another way in (Vertex AI, Code Assist, a gateway) the user chose: its environment and `authenticate` call.
    sign_in: SignIn | None = field(default=None, repr=False)
    start_timeout: float = 60.0
    stall_timeout: float = 120.0
    # After a cancelled prompt the agent never answered, the next prompt's silence that means the agent is wedged
    # (claude-code-acp 0.16.2 can stop answering after a cancel): it is then restarted and the conversation resumed.
    wedge_timeout: float = 30.0
    permission_timeout: float = 600.0
    auth_timeout: float = 30.0
    max_restarts: int = 3
    restart_backoff: float = 1.0
    stderr_lines: int = 200
    extra_args: tuple[str, ...] = ()
    state_dir: Path | None = None  # backups of the CLI's session files and our settings overlay live here
    # Offer fs/read_text_file and fs/write_text_file: gemini's edits inside the working folder then come through
    # us, and each one's before-image goes to `file_journal` (the history) first, so a turn can be undone.
    serve_files: bool = True
    file_journal: FileEditJournal | None = None
    mcp_servers: tuple[McpServerConfig, ...] = ()  # passed to every session/new and session/load
    agent: AgentProfile = GEMINI  # which kind of agent `gemini` runs: its launch arguments, names and quirks


class EngineError(Exception):
    """A failure the UI shows as it is: the message is meant for the user."""


class ProcessCrashed(EngineError):
    def __init__(self, message: str, exit_code: int | None = None, stderr_tail: str = "") -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.stderr_tail = stderr_tail


class StartTimeout(EngineError):
    pass


class AuthRequired(EngineError):
    def __init__(self, message: str, methods: tuple[AuthMethod, ...], diagnosis: Diagnosis | None = None) -> None:
        super().__init__(message)
        self.methods = methods
        self.diagnosis = diagnosis


class PromptFailed(EngineError):
    def __init__(self, message: str, code: int | None = None, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.data = data
