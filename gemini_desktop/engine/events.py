"""Qt-free, SDK-free records of what the agent tells us.

The UI and the store consume these instead of the ACP SDK's pydantic models, so a change in the SDK or in
the CLI's wire format is absorbed in one place (`translate.py`) rather than everywhere that shows or keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ToolStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"


@dataclass(frozen=True)
class MessageChunk:
    """A piece of streamed text. `role` is "assistant" or "user" (user chunks come from a replayed load)."""

    role: str
    text: str


@dataclass(frozen=True)
class ThoughtChunk:
    text: str


@dataclass(frozen=True)
class FileDiff:
    path: str
    old_text: str | None
    new_text: str


@dataclass(frozen=True)
class ToolCall:
    """The merged, current view of one tool call (start and every update folded together)."""

    tool_call_id: str
    title: str = ""
    kind: str = "other"
    status: ToolStatus = ToolStatus.PENDING
    paths: tuple[str, ...] = ()
    diffs: tuple[FileDiff, ...] = ()
    text: str = ""


@dataclass(frozen=True)
class PlanEntry:
    content: str
    status: str
    priority: str = "medium"


@dataclass(frozen=True)
class PlanUpdate:
    entries: tuple[PlanEntry, ...]


@dataclass(frozen=True)
class SlashCommand:
    name: str
    description: str = ""


@dataclass(frozen=True)
class CommandsUpdate:
    commands: tuple[SlashCommand, ...]


@dataclass(frozen=True)
class Choice:
    """A selectable mode or model offered by the agent."""

    id: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class ModeUpdate:
    """`config_id` names the session config option it came from ("" for ACP `modes`): choosing one then goes
    through `session/set_config_option` instead of `session/set_mode`."""

    current: str
    available: tuple[Choice, ...] = ()
    config_id: str = ""


@dataclass(frozen=True)
class ModelUpdate:
    """From the agent's `models` block, or its session config option of category "model" (`config_id`)."""

    current: str
    available: tuple[Choice, ...] = ()
    config_id: str = ""


@dataclass(frozen=True)
class UsageReport:
    """ACP `usage_update`: `used` of `size` context tokens, and what the session has cost so far if told."""

    used: int
    size: int
    cost: float | None = None
    currency: str = ""


@dataclass(frozen=True)
class PermissionOption:
    option_id: str
    name: str
    kind: str  # allow_once | allow_always | reject_once | reject_always


@dataclass(frozen=True)
class PermissionRequest:
    tool_call: ToolCall
    options: tuple[PermissionOption, ...] = field(default_factory=tuple)

    def option_of_kind(self, *kinds: str) -> PermissionOption | None:
        return next((o for o in self.options if o.kind in kinds), None)


@dataclass(frozen=True)
class AuthEnvVar:
    """A variable an `env_var` sign-in method asks the user to set (`secret` ones take a password field)."""

    name: str
    label: str = ""
    secret: bool = True
    optional: bool = False


@dataclass(frozen=True)
class AuthMethod:
    """A way in the agent advertises. `kind` is ACP's type: "agent" (the agent signs in itself when asked),
    "env_var" (the user sets `env_vars`, see `link`) or "terminal" (the user runs the agent with `terminal_args`
    and `terminal_env` in a terminal, once)."""

    id: str
    name: str
    description: str = ""
    kind: str = "agent"
    env_vars: tuple[AuthEnvVar, ...] = ()
    link: str = ""
    terminal_args: tuple[str, ...] = ()
    terminal_env: tuple[tuple[str, str], ...] = ()


SessionEvent = (
    MessageChunk | ThoughtChunk | ToolCall | PlanUpdate | CommandsUpdate | ModeUpdate | ModelUpdate | UsageReport
)
