"""What the running agent offers, as it advertises it, instead of what gemini happens to offer.

ACP agents differ: the mode box comes from `modes` (and `current_mode_update`) or a session config option of
category "mode"; the model box from gemini's and Qwen's `models` block or a config option of category "model"
(chosen over `session/set_config_option`); sign-in methods come typed (ACP 1.21: agent, env_var, terminal);
`usage_update` says how full the context is. AgentOffer keeps the current choices and the last slash-command
list of one session (a view attached after the agent announced them still reads them) and turns each
`session/update` into the events the client emits, so the client only routes them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Any

import acp
from acp import schema

from gemini_desktop.engine import translate
from gemini_desktop.engine.events import (
    AuthEnvVar,
    AuthMethod,
    Choice,
    CommandsUpdate,
    ModelUpdate,
    ModeUpdate,
    SessionEvent,
    UsageReport,
)
from gemini_desktop.engine.types import EngineError

log = logging.getLogger(__name__)

Choices = ModeUpdate | ModelUpdate
RawRequest = Callable[[str, dict[str, Any]], Awaitable[Any]]


def auth_methods(methods: Iterable[Any] | None) -> tuple[AuthMethod, ...]:
    """The SDK's typed methods (an untyped one is ACP's default, "agent") as our records."""
    found = []
    for method in methods or []:
        kind = str(getattr(method, "type", "") or "agent")
        env_vars = tuple(AuthEnvVar(v.name, v.label or "", v.secret is not False, bool(v.optional))
                         for v in getattr(method, "vars", None) or [])
        found.append(AuthMethod(method.id, method.name, method.description or "", kind, env_vars,
                                str(getattr(method, "link", "") or ""),
                                tuple(getattr(method, "args", None) or ()),
                                tuple(sorted((getattr(method, "env", None) or {}).items()))))
    return tuple(found)


def usage_report(update: schema.UsageUpdate) -> UsageReport:
    cost = update.cost
    return UsageReport(update.used, update.size, cost.amount if cost else None, cost.currency if cost else "")


def _select_choices(option: schema.SessionConfigOptionSelect) -> tuple[Choice, ...]:
    """A select's options, flat (grouped ones in group order)."""
    items: list[Any] = []
    for item in option.options:
        items.extend(item.options if isinstance(item, schema.SessionConfigSelectGroup) else [item])
    return tuple(Choice(i.value, i.name or i.value, i.description or "") for i in items)


def config_choices(options: Iterable[Any] | None) -> list[Choices]:
    """The mode and model pickers among an agent's session config options (others are not shown yet)."""
    found: list[Choices] = []
    for option in options or []:
        if not isinstance(option, schema.SessionConfigOptionSelect) or option.category not in ("mode", "model"):
            continue
        kind = ModelUpdate if option.category == "model" else ModeUpdate
        found.append(kind(option.current_value, _select_choices(option), option.id))
    return found


class AgentOffer:
    """The modes, models and slash commands the agent offers in the current session, and the calls that choose
    a mode or model."""

    def __init__(self) -> None:
        self.modes: ModeUpdate | None = None
        self.models: ModelUpdate | None = None
        self.commands: CommandsUpdate | None = None

    def follow(self, update: Choices) -> Choices:
        """Keep `update` as current; an update that names only the current choice keeps the known list."""
        known = self.models if isinstance(update, ModelUpdate) else self.modes
        if known is not None and not update.available:
            update = type(update)(update.current, known.available, known.config_id)
        if isinstance(update, ModelUpdate):
            self.models = update
        else:
            self.modes = update
        return update

    def from_session(self, response: Any) -> list[Choices]:
        """A session/new, load or resume result: its `modes`, then its config options (which ACP prefers)."""
        if response is None:
            return []
        modes = translate.mode_update(getattr(response, "modes", None))
        found = [modes] if modes is not None else []
        return [self.follow(update) for update in found + config_choices(getattr(response, "config_options", None))]

    def from_raw_result(self, result: Any) -> ModelUpdate | None:
        """The `models` block of a raw session result (the SDK does not model it)."""
        models = translate.model_update(result.get("models")) if isinstance(result, dict) else None
        if models is None or (self.models is not None and self.models.config_id):
            return None
        self.models = models
        return models

    def events(self, update: Any, tools: translate.ToolCallTracker) -> Iterator[SessionEvent]:
        """The events one `session/update` means."""
        if isinstance(update, schema.ConfigOptionUpdate):
            yield from (self.follow(choice) for choice in config_choices(update.config_options))
            return
        if isinstance(update, schema.UsageUpdate):
            yield usage_report(update)
            return
        event = translate.session_event(update, tools)
        if isinstance(event, ModeUpdate | ModelUpdate):
            event = self.follow(event)
        elif isinstance(event, CommandsUpdate):
            self.commands = event
        if event is not None:
            yield event

    async def set_mode(self, conn: acp.ClientSideConnection, session_id: str, mode_id: str,
                       agent_name: str) -> list[Choices]:
        config_id = self.modes.config_id if self.modes is not None else ""
        try:
            if config_id:
                return self._chosen(await conn.set_config_option(config_id=config_id, session_id=session_id,
                                                                 value=mode_id), ModeUpdate(mode_id))
            await conn.set_session_mode(session_id=session_id, mode_id=mode_id)
        except acp.RequestError as exc:
            raise EngineError(f"{agent_name} refused the approval mode {mode_id!r}: {exc}") from None
        return [self.follow(ModeUpdate(mode_id))]

    async def set_model(self, conn: acp.ClientSideConnection, raw_request: RawRequest, session_id: str,
                        model_id: str, agent_name: str) -> list[Choices]:
        config_id = self.models.config_id if self.models is not None else ""
        try:
            if config_id:
                return self._chosen(await conn.set_config_option(config_id=config_id, session_id=session_id,
                                                                 value=model_id), ModelUpdate(model_id))
            await raw_request("session/set_model", {"sessionId": session_id, "modelId": model_id})
        except acp.RequestError as exc:
            raise EngineError(f"{agent_name} refused the model {model_id!r}: {exc}") from None
        return [self.follow(ModelUpdate(model_id))]

    def _chosen(self, response: Any, chosen: Choices) -> list[Choices]:
        """The options the agent answered with (all of them may change with one choice); if it answered none,
        the choice as made."""
        answered = config_choices(getattr(response, "config_options", None))
        return [self.follow(update) for update in answered] or [self.follow(chosen)]
