"""What the conversation's agent advertised, kept in the Qt-free state the views read (no widget decides it).

The mode and model boxes follow the agent's modes and models (or its config options), the context meter its
`usage_update`, the composer's image attachments its `promptCapabilities.image`, and the sign-in panel says what
an `env_var` or `terminal` sign-in method needs the user to do.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from gemini_desktop.conversation.model import ConversationState
from gemini_desktop.engine.attachments import PromptCapabilities
from gemini_desktop.engine.events import AuthMethod, ModelUpdate, ModeUpdate, UsageReport
from gemini_desktop.engine.types import ContextUsage


def follow_offer(state: ConversationState, event: object) -> bool:
    """Record a model, mode or usage event in `state`; False for any other event."""
    if isinstance(event, ModelUpdate):
        state.model = event.current
    elif isinstance(event, ModeUpdate):
        state.mode = event.current
    elif isinstance(event, UsageReport):
        state.context = ContextUsage(event.used, 0, window=event.size or None, cost=event.cost,
                                     currency=event.currency)
    else:
        return False
    return True


def follow_capabilities(state: ConversationState, capabilities: PromptCapabilities | None) -> None:
    state.accepts_images = capabilities.image if capabilities is not None else None


def terminal_command(method: AuthMethod, agent_command: Sequence[str]) -> str:
    """The shell line a `terminal` method asks the user to run: the agent's own command with the method's
    arguments, its environment in front."""
    env = [f"{name}={shlex.quote(value)}" for name, value in method.terminal_env]
    return " ".join([*env, shlex.join([*agent_command, *method.terminal_args])])


def env_var_lines(method: AuthMethod) -> list[str]:
    """One line per variable an `env_var` method asks for: its name, and its label when it has one."""
    return [f"{var.name} — {var.label}" if var.label else var.name for var in method.env_vars]
