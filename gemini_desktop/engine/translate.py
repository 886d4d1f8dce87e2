"""ACP SDK models -> our own event records. The one place that knows the SDK's and the CLI's wire shapes."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable
from typing import Any

from acp import schema
from acp.meta import AGENT_METHODS, CLIENT_METHODS
from acp.utils import validate_model, validate_model_from_dict
from pydantic import BaseModel, ValidationError

from gemini_desktop.engine.events import (
    Choice,
    CommandsUpdate,
    FileDiff,
    MessageChunk,
    ModelUpdate,
    ModeUpdate,
    PermissionOption,
    PermissionRequest,
    PlanEntry,
    PlanUpdate,
    SessionEvent,
    SlashCommand,
    ThoughtChunk,
    ToolCall,
    ToolStatus,
)
from gemini_desktop.engine.types import ContextUsage, ModelUsage, Usage

log = logging.getLogger(__name__)

MODE_UPDATE_PREFIX = "[MODE_UPDATE]"

# How the SDK reads the result of each request we send: strictly, or anything but an object as an empty one.
_RESULT_READERS: dict[str, tuple[Callable[[Any, type[BaseModel]], BaseModel], type[BaseModel]]] = {
    AGENT_METHODS["initialize"]: (validate_model, schema.InitializeResponse),
    AGENT_METHODS["session_new"]: (validate_model, schema.NewSessionResponse),
    AGENT_METHODS["session_prompt"]: (validate_model, schema.PromptResponse),
    AGENT_METHODS["session_load"]: (validate_model_from_dict, schema.LoadSessionResponse),
    AGENT_METHODS["session_set_mode"]: (validate_model_from_dict, schema.SetSessionModeResponse),
    AGENT_METHODS["authenticate"]: (validate_model_from_dict, schema.AuthenticateResponse),
}


def result_problem(method: str, result: Any) -> str | None:
    """Why the SDK could not read `result` as the answer to `method`; None when it can."""
    reader = _RESULT_READERS.get(method)
    if reader is None:
        return None
    validate, model = reader
    try:
        validate(result, model)
    except ValidationError as failure:
        first = failure.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "result"
        return f"{where}: {first['msg']} (got {result!r:.100})"
    return None


def client_methods(capabilities: schema.ClientCapabilities) -> frozenset[str]:
    """The agent-to-client methods a client with these capabilities answers; anything else is not found."""
    methods = {CLIENT_METHODS["session_request_permission"], CLIENT_METHODS["session_update"]}
    if capabilities.fs is not None and capabilities.fs.read_text_file:
        methods.add(CLIENT_METHODS["fs_read_text_file"])
    if capabilities.fs is not None and capabilities.fs.write_text_file:
        methods.add(CLIENT_METHODS["fs_write_text_file"])
    if capabilities.terminal:
        methods.update(method for key, method in CLIENT_METHODS.items() if key.startswith("terminal_"))
    return frozenset(methods)


def mode_from_text(text: str) -> ModeUpdate | None:
    """gemini-cli reports an approval-mode change as the text chunk `[MODE_UPDATE] <mode>`."""
    if not text.startswith(MODE_UPDATE_PREFIX):
        return None
    mode = text[len(MODE_UPDATE_PREFIX):].strip()
    return ModeUpdate(current=mode) if mode else None


def block_text(block: Any) -> str:
    """Text of a content block; other kinds (images, resources) get a short placeholder, never raw data."""
    if block is None:
        return ""
    text = getattr(block, "text", None)
    if isinstance(text, str):
        return text
    kind = getattr(block, "type", "content")
    return f"[{kind}]"


def _status(value: Any) -> ToolStatus | None:
    if value is None:
        return None
    try:
        return ToolStatus(str(value))
    except ValueError:
        return ToolStatus.RUNNING


def _tool_fields(update: Any) -> dict[str, Any]:
    """Only the fields this update actually carries, so merging never erases what an earlier one said."""
    fields: dict[str, Any] = {}
    if getattr(update, "title", None):
        fields["title"] = update.title
    if getattr(update, "kind", None):
        fields["kind"] = str(update.kind)
    status = _status(getattr(update, "status", None))
    if status is not None:
        fields["status"] = status
    locations = getattr(update, "locations", None)
    if locations:
        fields["paths"] = tuple(loc.path for loc in locations if getattr(loc, "path", None))
    content = getattr(update, "content", None)
    if content:
        diffs: list[FileDiff] = []
        texts: list[str] = []
        for item in content:
            if isinstance(item, schema.FileEditToolCallContent):
                diffs.append(FileDiff(item.path, item.old_text, item.new_text))
            elif isinstance(item, schema.ContentToolCallContent):
                texts.append(block_text(item.content))
        if diffs:
            fields["diffs"] = tuple(diffs)
            if "paths" not in fields:
                fields["paths"] = tuple(d.path for d in diffs)
        if texts:
            fields["text"] = "\n".join(texts)
    return fields


class ToolCallTracker:
    """Folds a tool call's start and updates into one current ToolCall per id."""

    def __init__(self) -> None:
        self._calls: dict[str, ToolCall] = {}

    def merge(self, update: Any) -> ToolCall:
        call_id = str(update.tool_call_id)
        current = self._calls.get(call_id, ToolCall(tool_call_id=call_id))
        merged = dataclasses.replace(current, **_tool_fields(update))
        self._calls[call_id] = merged
        return merged

    def clear(self) -> None:
        self._calls.clear()


def choices(items: Iterable[Any], id_attr: str) -> tuple[Choice, ...]:
    return tuple(
        Choice(str(getattr(item, id_attr)), str(getattr(item, "name", "") or getattr(item, id_attr)),
               str(getattr(item, "description", "") or ""))
        for item in items
    )


def mode_update(modes: schema.SessionModeState | None) -> ModeUpdate | None:
    if modes is None:
        return None
    return ModeUpdate(current=modes.current_mode_id, available=choices(modes.available_modes, "id"))


def model_update(raw: Any) -> ModelUpdate | None:
    """The CLI's `models` block (not modelled by the SDK): {currentModelId, availableModels:[{modelId,name}]}."""
    if not isinstance(raw, dict) or not isinstance(raw.get("currentModelId"), str):
        return None
    available = tuple(
        Choice(str(m.get("modelId")), str(m.get("name") or m.get("modelId")), str(m.get("description") or ""))
        for m in raw.get("availableModels") or []
        if isinstance(m, dict) and m.get("modelId")
    )
    return ModelUpdate(current=raw["currentModelId"], available=available)


def session_event(update: Any, tools: ToolCallTracker) -> SessionEvent | None:
    """Translate one `session/update`; None for kinds we do not show (logged at debug level)."""
    if isinstance(update, schema.AgentMessageChunk):
        text = block_text(update.content)
        if text.startswith(MODE_UPDATE_PREFIX):
            return mode_from_text(text)
        return MessageChunk("assistant", text)
    if isinstance(update, schema.UserMessageChunk):
        return MessageChunk("user", block_text(update.content))
    if isinstance(update, schema.AgentThoughtChunk):
        return ThoughtChunk(block_text(update.content))
    if isinstance(update, schema.ToolCallStart | schema.ToolCallProgress):
        return tools.merge(update)
    if isinstance(update, schema.AgentPlanUpdate):
        return PlanUpdate(tuple(PlanEntry(e.content, str(e.status), str(e.priority)) for e in update.entries))
    if isinstance(update, schema.AvailableCommandsUpdate):
        return CommandsUpdate(tuple(SlashCommand(c.name, c.description or "") for c in update.available_commands))
    if isinstance(update, schema.CurrentModeUpdate):
        return ModeUpdate(current=update.current_mode_id)
    log.debug("session update not shown: %s", type(update).__name__)
    return None


def permission_request(tool_call: Any, options: Iterable[Any], tools: ToolCallTracker) -> PermissionRequest:
    return PermissionRequest(
        tool_call=tools.merge(tool_call),
        options=tuple(PermissionOption(o.option_id, o.name, str(o.kind)) for o in options),
    )


def usage_from_meta(meta: dict[str, Any] | None) -> Usage | None:
    """gemini-cli reports usage only in the prompt result's `_meta.quota.token_count`."""
    if not isinstance(meta, dict):
        return None
    counts = (meta.get("quota") or {}).get("token_count") if isinstance(meta.get("quota"), dict) else None
    if not isinstance(counts, dict):
        return None
    try:
        return Usage(int(counts.get("input_tokens") or 0), int(counts.get("output_tokens") or 0))
    except (TypeError, ValueError):
        return None


def _token_pair(counts: Any) -> tuple[int, int] | None:
    if not isinstance(counts, dict):
        return None
    try:
        return max(int(counts.get("input_tokens") or 0), 0), max(int(counts.get("output_tokens") or 0), 0)
    except (TypeError, ValueError):
        return None


def context_usage_from_meta(meta: dict[str, Any] | None) -> ContextUsage | None:
    """`_meta.quota`: `token_count` in total and `model_usage` [{model, token_count}] per model; a malformed
    line is skipped, a malformed total means no figure (never a failed turn)."""
    quota = meta.get("quota") if isinstance(meta, dict) else None
    total = _token_pair(quota.get("token_count")) if isinstance(quota, dict) else None
    if total is None:
        return None
    lines = quota.get("model_usage") if isinstance(quota.get("model_usage"), list) else []
    per_model = []
    for line in lines:
        pair = _token_pair(line.get("token_count")) if isinstance(line, dict) else None
        if pair is not None and isinstance(line.get("model"), str) and line["model"]:
            per_model.append(ModelUsage(line["model"], *pair))
    return ContextUsage(*total, per_model=tuple(per_model))
