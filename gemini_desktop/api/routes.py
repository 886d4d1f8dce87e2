"""The local API's routes: conversations, messages, permissions, history, health (OpenAI's are in openai_compat).

Every route works through `OpenConversations` (the controllers the window uses too) and the history store; a
bad request gets a 4xx with a readable message, never a traceback.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from gemini_desktop import __version__
from gemini_desktop.api.agent_models import agent_and_model
from gemini_desktop.api.security import BodyTooLarge, Guard
from gemini_desktop.api.turns import ApiEvent, TurnFeed, usage_json
from gemini_desktop.conversation.controller import ConversationController
from gemini_desktop.conversation.open_conversations import OpenConversations
from gemini_desktop.engine.types import EngineError
from gemini_desktop.store import SessionRecord, StoreError

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 200_000


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewConversation(Strict):
    folder: str | None = None
    model: str | None = Field(default=None, max_length=200)
    approval_mode: str | None = Field(default=None, max_length=100)
    history_id: int | None = Field(default=None, ge=1)


class NewMessage(Strict):
    text: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    stream: bool = True


class PermissionAnswer(Strict):
    option_id: str | None = Field(max_length=200)


def sse(event: ApiEvent) -> bytes:
    return f"event: {event.kind}\ndata: {json.dumps(event.data, ensure_ascii=False)}\n\n".encode()


async def sse_stream(feed: TurnFeed, extra: dict[str, Any]) -> AsyncIterator[bytes]:
    """The answer as Server-Sent Events; a client that goes away stops the following, not the turn."""
    try:
        yield sse(ApiEvent("accepted", extra))
        async for event in feed.events():
            yield sse(event)
    finally:
        feed.abandon()


def session_json(record: SessionRecord) -> dict[str, Any]:
    return {"history_id": record.id, "title": record.title, "folder": record.cwd, "model": record.model,
            "created": record.created.isoformat(), "updated": record.updated.isoformat(),
            "message_count": record.message_count, "source": record.source}


class Api:
    """The routes over one set of open conversations."""

    def __init__(self, conversations: OpenConversations) -> None:
        self.conversations = conversations

    @property
    def store(self) -> Any:
        return self.conversations.store

    def controller(self, key: str) -> ConversationController:
        controller = self.conversations.get(key)
        if controller is None:
            raise HTTPException(404, f"No open conversation {key!r}.")
        return controller

    def describe(self, key: str) -> dict[str, Any]:
        controller = self.controller(key)
        conversation = self.conversations.conversation(key)
        client = controller.client
        return {"id": key, "history_id": controller.store_session_id,
                "state": self.state(key), "folder": str(client.config.cwd),
                "model": client.config.model, "approval_mode": conversation.mode if conversation else None,
                "queued": client.queued_count, "usage": usage_json(client.total_usage),
                "pending_permissions": [entry.call.tool_call_id for entry in controller.model.pending_requests()]}

    def state(self, key: str) -> str:
        """The engine state the sidebar shows (starting, streaming, waiting_approval, idle, suspended...)."""
        conversation = self.conversations.conversation(key)
        return str(conversation.activity.activity) if conversation is not None else "closed"

    def health(self) -> dict[str, Any]:
        return {"app": "gemini-desktop", "version": __version__,
                "conversations": [{"id": key, "state": self.state(key)} for key in self.conversations.open_keys()]}

    def recent(self, limit: int) -> list[dict[str, Any]]:
        try:
            return [session_json(record) for record in self.store.list_sessions(limit=limit)]
        except StoreError as failure:
            raise HTTPException(503, f"The history cannot be read: {failure}") from failure

    async def create(self, body: NewConversation) -> dict[str, Any]:
        if body.history_id is not None:
            key = await self.conversations.open_history(body.history_id)
            if key is None:
                raise HTTPException(404, f"No conversation {body.history_id} in the history (or gemini is "
                                         "not usable).")
            return self.describe(key)
        folder = None
        if body.folder is not None:
            folder = Path(body.folder).expanduser()
            if not folder.is_absolute() or not folder.is_dir():
                raise HTTPException(422, f"folder must be an existing absolute folder: {body.folder!r}")
        agent, model = agent_and_model(body.model)
        try:
            key = await self.conversations.open_new(folder, model, body.approval_mode, agent)
        except EngineError as failure:  # that agent is not installed, or would not start
            raise HTTPException(503, str(failure)) from None
        if key is None:
            raise HTTPException(503, "gemini is not usable (not found, or the app is quitting).")
        modes = self.controller(key).client.modes
        offered = [choice.id for choice in modes.available] if modes is not None else []
        if body.approval_mode is not None and offered and body.approval_mode not in offered:
            await self.conversations.close(key)  # never leave a conversation in a mode the caller did not ask for
            raise HTTPException(422, f"approval_mode must be one of {offered}.")
        return self.describe(key)

    def admit(self, key: str | None) -> None:
        """Above the process cap a turn waits for a free process (the request just takes longer); beyond the
        queue limit the caller is told when to come back (429 with Retry-After) instead."""
        manager = self.conversations.workspace.manager
        if manager is None or not manager.needs_process(key) or -manager.free_processes < manager.policy.max_waiting:
            return
        log.info("local API: %d turns wait for a process, one more refused", manager.waiting)
        raise HTTPException(429, f"{manager.waiting} turns are waiting for a free process; try again later.",
                            headers={"Retry-After": str(manager.retry_after)})

    async def post_message(self, key: str, body: NewMessage) -> Response:
        controller = self.controller(key)
        self.admit(key)
        feed = TurnFeed(controller)
        message_key = feed.send(body.text)
        accepted = {"conversation": key, "message": message_key}
        if body.stream:
            return StreamingResponse(sse_stream(feed, accepted), media_type="text/event-stream",
                                     headers={"Cache-Control": "no-store"})
        text, final = await feed.result()
        return JSONResponse({**accepted, "text": text, final.kind: final.data},
                            status_code=200 if final.kind == "done" else 502)

    def answer_permission(self, key: str, tool_call_id: str, body: PermissionAnswer) -> dict[str, Any]:
        controller = self.controller(key)
        entry = controller.model.tool_call(tool_call_id)
        if entry is None or entry.request is None:
            raise HTTPException(409, f"No open permission request {tool_call_id!r} in this conversation.")
        offered = [option.option_id for option in entry.request.options]
        if body.option_id is not None and body.option_id not in offered:
            raise HTTPException(422, f"option_id must be one of {offered} (or null to reject).")
        controller.decide(tool_call_id, body.option_id)
        return {"tool_call_id": tool_call_id, "option_id": body.option_id}

    def history(self, history_id: int) -> dict[str, Any]:
        record = self._stored(history_id)
        messages = self.store.messages(history_id)
        return {**session_json(record), "messages": [
            {"role": m.role, "text": m.text, "state": m.state} for m in messages]}

    def export(self, history_id: int, format: str) -> Response:
        self._stored(history_id)
        if format == "json":
            return Response(self.store.export_json(history_id), media_type="application/json")
        return PlainTextResponse(self.store.export_markdown(history_id), media_type="text/markdown")

    def _stored(self, history_id: int) -> SessionRecord:
        record = self.store.get_session(history_id)
        if record is None:
            raise HTTPException(404, f"No conversation {history_id} in the history.")
        return record


def error_response(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": {"message": message, **extra}}, status_code=status)


def validation_response(_request: Request, failure: Exception) -> JSONResponse:
    """Which field is wrong and why, without echoing the body back."""
    assert isinstance(failure, RequestValidationError)
    problems = [{"field": ".".join(str(p) for p in error.get("loc", ()) if p != "body"), "problem": error["msg"]}
                for error in failure.errors()]
    if any(error.get("type") == "json_invalid" for error in failure.errors()):
        return error_response(400, "The body is not valid JSON.")
    return error_response(422, "; ".join(f"{p['field'] or 'body'}: {p['problem']}" for p in problems),
                          fields=problems)


def http_error(_request: Request, failure: Exception) -> JSONResponse:
    assert isinstance(failure, HTTPException)
    response = error_response(failure.status_code, str(failure.detail))
    response.headers.update(failure.headers or {})
    return response


def build_app(conversations: OpenConversations, token: Callable[[], str]) -> Guard:
    from gemini_desktop.api.openai_compat import add_openai_routes

    api = Api(conversations)
    app = FastAPI(title="Gemini Desktop local API", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url=None)

    app.add_exception_handler(RequestValidationError, validation_response)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(BodyTooLarge, lambda _r, _e: error_response(413, "The body is over the limit."))
    app.add_exception_handler(EngineError, lambda _r, e: error_response(502, f"gemini: {e}"))
    app.add_exception_handler(StoreError, lambda _r, e: error_response(503, f"The history cannot be read: {e}"))

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, failure: Exception) -> JSONResponse:
        log.exception("local API request failed")
        return error_response(500, f"Internal error ({type(failure).__name__}); see the app's log.")

    # Every route is `async def`: FastAPI runs plain functions on worker threads, and the conversations, their
    # models and the store's connection belong to the loop's thread.
    @app.get("/health")
    async def health() -> dict[str, Any]:
        return api.health()

    @app.get("/conversations")
    async def list_conversations(recent: int = 20) -> dict[str, Any]:
        return {"open": [api.describe(key) for key in conversations.open_keys()],
                "recent": api.recent(max(0, min(recent, 500)))}

    app.post("/conversations", status_code=201)(api.create)
    @app.get("/conversations/{key}")
    async def describe(key: str) -> dict[str, Any]:
        return api.describe(key)

    @app.delete("/conversations/{key}")
    async def close_conversation(key: str) -> dict[str, Any]:
        if not await conversations.close(key):
            raise HTTPException(404, f"No open conversation {key!r}.")
        return {"id": key, "closed": True}

    app.post("/conversations/{key}/messages")(api.post_message)

    @app.post("/conversations/{key}/cancel")
    async def cancel(key: str) -> dict[str, Any]:
        api.controller(key).cancel()
        return {"id": key, "cancelled": True}

    @app.post("/conversations/{key}/permissions/{tool_call_id}")
    async def answer_permission(key: str, tool_call_id: str, body: PermissionAnswer) -> dict[str, Any]:
        return api.answer_permission(key, tool_call_id, body)

    @app.get("/history/search")
    async def search(q: str, limit: int = 50) -> dict[str, Any]:
        hits = api.store.search(q, limit=max(1, min(limit, 500)))
        return {"hits": [{"history_id": hit.session.id, "title": hit.session.title, "message_id": hit.message_id,
                          "role": hit.role, "snippet": hit.snippet} for hit in hits]}

    @app.get("/history/{history_id}")
    async def history(history_id: int) -> dict[str, Any]:
        return api.history(history_id)

    @app.get("/history/{history_id}/export")
    async def export(history_id: int, format: Literal["markdown", "json"] = "markdown") -> Response:
        return api.export(history_id, format)

    add_openai_routes(app, api)
    return Guard(app, token)
