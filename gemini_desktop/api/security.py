"""The local API's guard, in front of every route: loopback Host only, a bearer token, a bounded body.

It is plain ASGI middleware so that it runs before FastAPI reads anything: a refused request costs nothing and
never reaches a conversation. Answers are JSON with a readable message; no CORS header is ever added, so a web
page in a browser cannot read an answer even when it guesses the port.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY_BYTES = 1024 * 1024
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
OPEN_ROUTES = frozenset({("GET", "/health")})


class BodyTooLarge(Exception):
    pass


# RFC 3986 section 3.2.2: a reg-name is unreserved, pct-encoded and sub-delims characters (a dotted IPv4
# address is one too); an IP literal is an IPv6 address in brackets. RFC 9110 section 7.2: an optional ":port".
_REG_NAME = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+")
_PORT = re.compile(r"(?::[0-9]{1,5})?")


def host_name(host_header: str) -> str | None:
    """The name of a Host header parsed strictly as host[:port] (`[::1]:8080` -> `::1`, `LocalHost` ->
    `localhost`); None for anything else (`localhost:1@evil.example`, spaces, two colons, an empty value)."""
    if host_header.startswith("["):
        literal, bracket, port = host_header[1:].partition("]")
        try:
            name = str(ipaddress.IPv6Address(literal)) if bracket else ""
        except ValueError:
            name = ""
    else:
        name = host_header.split(":", 1)[0]
        port = host_header[len(name):]
        name = name if _REG_NAME.fullmatch(name) else ""
    if not name or not _PORT.fullmatch(port) or (port and int(port[1:]) > 65535):
        return None
    return name.lower()


def bearer_token(authorization: str) -> str:
    scheme, _, token = authorization.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


async def send_error(send: Send, status: int, message: str, headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    body = json.dumps({"error": {"message": message}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """Refuses, before the app sees it: a non-loopback Host (DNS rebinding), a missing or wrong token (compared
    in constant time), a body over `max_body` bytes (declared or streamed)."""

    def __init__(self, app: App, token: Callable[[], str], max_body: int = MAX_BODY_BYTES) -> None:
        self._app = app
        self._token = token  # read at each request: a regenerated token takes effect at once
        self._max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
        if host_name(headers.get("host", "")) not in LOOPBACK_NAMES:
            await send_error(send, 421, "This server answers only requests addressed to localhost.")
            return
        if (scope["method"], scope["path"]) not in OPEN_ROUTES:
            given = bearer_token(headers.get("authorization", "")).encode()
            if not hmac.compare_digest(given, self._token().encode()):
                await send_error(send, 401, "Missing or wrong token: send 'Authorization: Bearer <token>' "
                                 "(the token is in Settings > Local API, or the api-token file).",
                                 ((b"www-authenticate", b"Bearer"),))
                return
        declared = headers.get("content-length", "0")
        if not declared.isdigit() or int(declared) > self._max_body:
            await send_error(send, 413, f"The body is over the limit of {self._max_body} bytes.")
            return
        await self._run_bounded(scope, receive, send)

    async def _run_bounded(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A chunked body declares no length: count what arrives and stop at the limit."""
        received = 0
        started = False

        async def bounded_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self._max_body:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self._app(scope, bounded_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await send_error(send, 413, f"The body is over the limit of {self._max_body} bytes.")
