"""2,000 connections that send half a request head, against `gemini-desktop serve` limited to 1,024 open files:
a chat turn and a history search still succeed and the server's open files stay bounded (issue 18 item 2).

Beyond the cap a connection is refused at once (503), so the client here does what any client should: it tries
again shortly, and gets in as soon as a slow head gives way (within a second) or times out (within 5 s)."""

from __future__ import annotations

import asyncio
import errno
import os
import resource
import socket
import time
from pathlib import Path
from typing import Any

import pytest

from gemini_desktop.api.connections import REFUSAL, ConnectionGate, ConnectionLimits, GatedListener
from tests.support.fake_gemini import FakeGemini
from tests.support.http_exchange import Answer, request
from tests.test_api import on_own_loop, start_serve

pytestmark = pytest.mark.e2e

HALF_OPEN = 2_000
FILE_LIMIT = 1_024


def limit_open_files() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (FILE_LIMIT, FILE_LIMIT))


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


async def admitted(port: int, *args: Any, **kwargs: Any) -> Answer:
    """`request`, tried again every 0.2 s while the server refuses the connection at its cap (for 10 s at most)."""
    deadline = time.monotonic() + 10
    while True:
        try:
            answer = await request(port, *args, **kwargs)
            if answer.status != 503 or answer.body != REFUSAL.partition(b"\r\n\r\n")[2]:
                return answer
        except (ConnectionError, IndexError):  # reset (or closed before the 503 was read): refused as well
            pass
        assert time.monotonic() < deadline, "still refused after 10 s"
        await asyncio.sleep(0.2)


def test_two_thousand_half_sent_heads_leave_the_server_able_to_answer_within_a_bounded_number_of_files(
        tmp_path: Path, fake_gemini: FakeGemini, workdir: Path) -> None:
    fake_gemini.reply("Still answering.")
    serving, port, token, _home = start_serve(tmp_path, fake_gemini, workdir, preexec_fn=limit_open_files)
    held: list[socket.socket] = []
    peak = 0
    try:
        assert Path(f"/proc/{serving.pid}/limits").read_text().count(str(FILE_LIMIT)) >= 2
        for index in range(HALF_OPEN):
            try:
                connection = socket.create_connection(("127.0.0.1", port), timeout=5)
                connection.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: ")
                held.append(connection)
            except OSError:
                pass  # refused by the kernel's backlog: the server did not have to hold it
            if index % 100 == 0:
                peak = max(peak, open_files(serving.pid))
        opened = on_own_loop(admitted(port, "POST", "/conversations", {}, token=token))
        assert opened.status == 201, opened.body
        key = opened.json()["id"]
        said = on_own_loop(admitted(port, "POST", f"/conversations/{key}/messages",
                                   {"text": "are you there?", "stream": False}, token=token))
        assert said.status == 200 and said.json()["text"] == "Still answering."
        found = on_own_loop(admitted(port, "GET", "/history/search?q=there", token=token))
        assert found.status == 200 and found.json()["hits"], found.body
        peak = max(peak, open_files(serving.pid))
        print(f"{len(held)} half-open connections held by the client; server's open files at most {peak}")
        assert len(held) >= HALF_OPEN // 2 and peak < 200
        serving.terminate()
        assert serving.wait(30) == 0
        assert serving.stderr is not None and serving.stderr.read().count("Traceback") == 0
    finally:
        for connection in held:
            connection.close()
        if serving.poll() is None:
            serving.kill()
            serving.wait()


def test_out_of_files_a_gated_listener_still_drains_its_backlog_by_refusing_instead_of_failing() -> None:
    """At EMFILE asyncio would log a traceback per attempt and retry every second; the listener sheds instead."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    gate = ConnectionGate(ConnectionLimits(max_connections=1_000))
    listener = GatedListener(socket.AF_INET, socket.SOCK_STREAM)
    fillers: list[int] = []
    try:
        listener.gate = gate
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        listener.setblocking(False)
        clients = [socket.create_connection(listener.getsockname(), timeout=5) for _ in range(3)]
        resource.setrlimit(resource.RLIMIT_NOFILE, (open_files(os.getpid()) + 8, hard))
        with pytest.raises(OSError) as full:
            while True:
                fillers.append(os.open(os.devnull, os.O_RDONLY))
        assert full.value.errno == errno.EMFILE
        with pytest.raises(BlockingIOError):
            listener.accept()  # every waiting connection was accepted and closed, then the backlog was empty
        for client in clients:
            assert client.recv(100) == b""  # closed by the server, not left waiting in the backlog
            client.close()
    finally:
        for descriptor in fillers:
            os.close(descriptor)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        listener.close()
        gate.close()
