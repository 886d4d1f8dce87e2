"""The local API's bounds as a hostile local client tries them (issue 18): ids out of range, Host headers that
are not plainly host[:port], raw on a socket so that no client library tidies them first."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gemini_desktop.api.connections import REFUSAL, ConnectionLimits
from gemini_desktop.api.security import host_name
from gemini_desktop.api.server import ApiServer
from gemini_desktop.conversation.open_conversations import OpenConversations
from gemini_desktop.conversation.workspace import Workspace
from gemini_desktop.engine.types import EngineConfig
from gemini_desktop.paths import api_token
from gemini_desktop.settings import AppSettings, LaunchOptions
from gemini_desktop.store import HistoryStore
from tests.support.fake_gemini import FakeGemini
from tests.support.http_exchange import request
from tests.test_api import LocalApi, start_api


@pytest.fixture
def api(engine_config: EngineConfig, tmp_path: Path, fake_gemini: FakeGemini,
        run_async: Callable[..., Any]) -> Iterator[LocalApi]:
    with start_api(engine_config, tmp_path, fake_gemini, run_async) as local:
        yield local


async def raw_status(port: int, head: bytes) -> int:
    """Send `head` as it is (request line and headers, no body) and read the status code of the answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 10)
    finally:
        writer.close()
    return int(status_line.split()[1])


def test_out_of_range_history_ids_are_404_on_every_route_that_takes_one(api: LocalApi) -> None:
    for history_id in ("99999999999999999999999", str(2**63), str(-(2**63) - 1), "0", "-1"):
        for path in (f"/history/{history_id}", f"/history/{history_id}/export",
                     f"/history/{history_id}/export?format=json"):
            answer = api.call("GET", path)
            assert answer.status == 404, (path, answer.status, answer.body)
            assert b"Traceback" not in answer.body
    opened = api.call("POST", "/conversations", {"history_id": 99999999999999999999999})
    assert opened.status == 404, opened.body
    assert api.conversations.open_keys() == []


@pytest.mark.parametrize("value", [
    "localhost:1@evil.example", "127.0.0.1 :80", "127.0.0.1\t1", "", "localhost:", "localhost:80:80",
    "::1", "[::1", "[::1]x", "[::1]:", "[evil.example]", ":80", "127.0.0.1:99999", "127.0.0.1:-1",
    "local host", "localhost%00", "user@localhost", "evil.example#localhost", "localhost.:80",
])
def test_a_host_header_that_is_not_strictly_a_loopback_host_and_port_gets_421(api: LocalApi,
                                                                              value: str) -> None:
    head = f"GET /conversations HTTP/1.1\r\nHost: {value}\r\nAuthorization: Bearer {api_token()}\r\n\r\n"
    status = api.run(raw_status(api.port, head.encode("latin-1")), 20)
    assert status == 421


def test_strict_host_parsing_keeps_every_loopback_spelling_and_two_host_headers_are_refused(
        api: LocalApi) -> None:
    token = f"Authorization: Bearer {api_token()}\r\n"
    for value in ("localhost", "LocalHost:8080", "127.0.0.1", f"127.0.0.1:{api.port}", "[::1]", "[::1]:1",
                  "[0:0:0:0:0:0:0:1]:80"):
        head = f"GET /conversations HTTP/1.1\r\nHost: {value}\r\n{token}\r\n"
        assert api.run(raw_status(api.port, head.encode()), 20) == 200, value
    twice = f"GET /conversations HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n{token}\r\n"
    assert api.run(raw_status(api.port, twice.encode()), 20) == 400  # h11 refuses it before the guard
    # Spaces around a header value are not part of it (RFC 9112 section 5.1): h11 drops them before the guard,
    # so only a value that still holds one after that is a wrong Host; the parser itself never strips.
    spaced = f"GET /conversations HTTP/1.1\r\nHost: 127.0.0.1 \r\n{token}\r\n"
    assert api.run(raw_status(api.port, spaced.encode()), 20) == 200
    for value in ("127.0.0.1 ", " localhost", "localhost:1@evil.example", "", "a:b:c", "[::1]%eth0"):
        assert host_name(value) is None, value



async def held_heads(port: int, count: int) -> list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    held = []
    for _ in range(count):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /health HTTP/1.1\r\nHost: loc")  # half a head, never finished
        await writer.drain()
        held.append((reader, writer))
    return held


def test_a_half_sent_head_is_closed_after_its_deadline_and_connections_beyond_the_cap_give_way_or_are_refused(
        engine_config: EngineConfig, tmp_path: Path, run_async: Callable[..., Any]) -> None:
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    workspace = Workspace(AppSettings(tmp_path / "settings.ini"), LaunchOptions(), engine_config)
    conversations = OpenConversations(workspace, store)
    server = ApiServer(conversations, api_token, port=0,
                       limits=ConnectionLimits(max_connections=4, head_timeout=2.0, slow_head=0.5))
    port = run_async(server.start())
    try:
        held = run_async(held_heads(port, 4))
        refused = run_async(held_heads(port, 1))[0][0]
        assert run_async(asyncio.wait_for(refused.read(), 5)) == REFUSAL  # at the cap, none slow yet
        run_async(asyncio.sleep(0.7))
        assert run_async(request(port, "GET", "/health", token=None)).status == 200  # the oldest gave way
        assert run_async(asyncio.wait_for(held[0][0].read(), 5)) == b""
        started = time.monotonic()
        assert run_async(asyncio.wait_for(held[-1][0].read(), 5)) == b""  # closed at its deadline
        assert time.monotonic() - started < 2.5
        for _reader, writer in held:
            writer.close()
    finally:
        run_async(server.stop())
        run_async(workspace.shutdown())
        store.close()
