"""OpenAI-compatible chat completions over the long-lived conversations, so existing tools can use them.

OpenAI's protocol re-sends the whole transcript each time. A conversation id (the `X-Conversation-Id` header or
the `user` field) names one live conversation: when the incoming messages extend what that conversation already
holds, only the new user turn is sent (no process start, no re-sent history); otherwise a new conversation is
seeded from the list, and the id then names it.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Literal

from fastapi import FastAPI, Header, HTTPException
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from gemini_desktop.api.agent_models import agent_and_model, model_id
from gemini_desktop.api.turns import TurnFeed
from gemini_desktop.conversation.model import AnswerText, ConversationModel, UserMessage
from gemini_desktop.engine.types import EngineError, TranscriptTurn

if TYPE_CHECKING:
    from gemini_desktop.api.routes import Api

OWNER = "gemini-desktop"


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")  # name, tool_call_id...: accepted, not used
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = None

    @property
    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(part.text or "" for part in self.content if part.type == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, max_tokens...: gemini-cli decides these
    model: str | None = Field(default=None, max_length=200)
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    user: str | None = Field(default=None, max_length=200)


def transcript_of(model: ConversationModel) -> list[tuple[str, str]]:
    """What a conversation holds as OpenAI sees it: user messages and the answers' text, in order."""
    turns: list[tuple[str, str]] = []
    answer_of: int | None = None
    for entry in model.entries:
        if isinstance(entry, UserMessage):
            turns.append(("user", entry.text))
            answer_of = None
        elif isinstance(entry, AnswerText):
            if answer_of == entry.message:
                turns[-1] = ("assistant", turns[-1][1] + entry.text)
            else:
                turns.append(("assistant", entry.text))
                answer_of = entry.message
    return [(role, text.strip()) for role, text in turns]


def incoming_turns(messages: list[ChatMessage]) -> list[tuple[str, str]]:
    """System and developer messages lead the first user message (gemini has no separate system turn)."""
    turns: list[tuple[str, str]] = []
    preamble: list[str] = []
    for message in messages:
        if message.role in ("system", "developer"):
            preamble.append(message.text)
        elif message.role in ("user", "assistant"):
            text = message.text
            if message.role == "user" and preamble:
                text, preamble = "\n\n".join([*preamble, text]), []
            turns.append((message.role, text.strip()))
    return turns


def completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"


def chunk(ident: str, model: str, delta: dict[str, Any], finish: str | None = None) -> bytes:
    body = {"id": ident, "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n".encode()


FINISH_REASONS = {"end_turn": "stop", "max_tokens": "length", "cancelled": "stop", "max_turn_requests": "length"}


class OpenAiBridge:
    def __init__(self, api: Api) -> None:
        self.api = api
        self.bindings: dict[str, str] = {}  # conversation id given by the caller -> open conversation key

    async def target(self, conversation_id: str | None, turns: list[tuple[str, str]],
                     model: str | None) -> tuple[str, str]:
        """The open conversation to send to and the text to send: only the new user turn when the list
        extends a live conversation's transcript, else a new conversation seeded from the list."""
        if not turns or turns[-1][0] != "user" or not turns[-1][1]:
            raise HTTPException(422, "messages must end with a non-empty user message.")
        conversations = self.api.conversations
        agent, model = agent_and_model(model)
        key = self.bindings.get(conversation_id) if conversation_id else None
        controller = conversations.get(key) if key is not None else None
        if (controller is not None and transcript_of(controller.model) == turns[:-1] and not controller.busy
                and (agent is None or controller.client.agent.name == agent)):
            return key, turns[-1][1]  # type: ignore[return-value]
        earlier = [TranscriptTurn(role, text) for role, text in turns[:-1]]
        try:
            key = await (conversations.open_seeded(earlier, model=model, agent=agent) if earlier
                         else conversations.open_new(model=model, agent=agent))
        except EngineError as failure:  # the agent is not installed, or would not start
            raise HTTPException(503, str(failure)) from None
        if key is None:
            raise HTTPException(503, "gemini is not usable (not found, or the app is quitting).")
        if conversation_id:
            self.bindings[conversation_id] = key
        return key, turns[-1][1]

    async def complete(self, request: ChatRequest, conversation_id: str | None) -> Response:
        conversation_id = conversation_id or request.user
        self.api.admit(self.bindings.get(conversation_id) if conversation_id else None)
        key, text = await self.target(conversation_id, incoming_turns(request.messages), request.model)
        controller = self.api.controller(key)
        model = request.model or controller.client.config.model or OWNER
        feed = TurnFeed(controller)
        feed.send(text)
        ident = completion_id()
        headers = {"X-Conversation-Id": conversation_id or key}
        if request.stream:
            return StreamingResponse(self.stream(feed, ident, model), media_type="text/event-stream",
                                     headers=headers)
        answer, final = await feed.result()
        if final.kind == "error":
            return JSONResponse({"error": {"message": final.data["message"], "type": "gemini_error"}},
                                status_code=502, headers=headers)
        usage = final.data["usage"]
        return JSONResponse({
            "id": ident, "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer},
                         "finish_reason": FINISH_REASONS.get(final.data["stop_reason"], "stop")}],
            "usage": {"prompt_tokens": usage["input_tokens"], "completion_tokens": usage["output_tokens"],
                      "total_tokens": usage["total_tokens"]}}, headers=headers)

    async def stream(self, feed: TurnFeed, ident: str, model: str) -> AsyncIterator[bytes]:
        try:
            yield chunk(ident, model, {"role": "assistant", "content": ""})
            async for event in feed.events():
                if event.kind == "text":
                    yield chunk(ident, model, {"content": event.data["text"]})
                elif event.kind == "done":
                    yield chunk(ident, model, {}, FINISH_REASONS.get(event.data["stop_reason"], "stop"))
                elif event.kind == "error":
                    payload = {"error": {"message": event.data["message"], "type": "gemini_error"}}
                    yield f"data: {json.dumps(payload)}\n\n".encode()
            yield b"data: [DONE]\n\n"
        finally:
            feed.abandon()

    def models(self) -> dict[str, Any]:
        ids: list[str] = []
        for key in self.api.conversations.open_keys():
            client = self.api.controller(key).client
            offered = client.models.available if client.models is not None else ()
            ids += [model_id(client.agent.name, model) for model in (*(c.id for c in offered), client.config.model)
                    if model]
        workspace = self.api.conversations.workspace
        default = workspace.model_for(None)
        ids.append(model_id(workspace.default_agent, default) if default else "")
        unique = list(dict.fromkeys(model for model in ids if model))
        return {"object": "list", "data": [{"id": model, "object": "model", "created": 0, "owned_by": OWNER}
                                           for model in unique]}


def add_openai_routes(app: FastAPI, api: Api) -> None:
    bridge = OpenAiBridge(api)

    @app.post("/v1/chat/completions")
    async def chat_completions(request: ChatRequest,
                               x_conversation_id: str | None = Header(default=None, max_length=200)) -> Response:
        return await bridge.complete(request, x_conversation_id)

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        return bridge.models()
