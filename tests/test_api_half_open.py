"""2,000 connections that send half a request head, against `gemini-desktop serve` limited to 1,024 open files:
a chat turn and a history search still succeed and the server's open files stay bounded (issue 18 item 2)."""

from __future__ import annotations

import os
import resource
import socket
import subprocess
from pathlib import Path

import pytest

from tests.support.fake_gemini import FakeGemini
from tests.support.http_exchange import request
from tests.test_api import on_own_loop, start_serve

pytestmark = pytest.mark.e2e

HALF_OPEN = 2_000
FILE_LIMIT = 1_024


def limit_open_files() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (FILE_LIMIT, FILE_LIMIT))


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


@pytest.mark.xfail(strict=True, reason="found 2026-12-07: with 2,000 half-sent heads held, the chat request "
                   "through `serve` did not complete within 90 s, and serve did not exit within 30 s of SIGTERM")
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
        opened = on_own_loop(request(port, "POST", "/conversations", {}, token=token))
        assert opened.status == 201, opened.body
        key = opened.json()["id"]
        said = on_own_loop(request(port, "POST", f"/conversations/{key}/messages",
                                   {"text": "are you there?", "stream": False}, token=token))
        assert said.status == 200 and said.json()["text"] == "Still answering."
        found = on_own_loop(request(port, "GET", "/history/search?q=there", token=token))
        assert found.status == 200 and found.json()["hits"], found.body
        peak = max(peak, open_files(serving.pid))
        print(f"{len(held)} half-open connections held by the client; server's open files at most {peak}")
        assert len(held) >= HALF_OPEN // 2 and peak < 200
    finally:
        for connection in held:
            connection.close()
        serving.terminate()
        try:
            serving.wait(30)
        except subprocess.TimeoutExpired:
            serving.kill()
            serving.wait()
