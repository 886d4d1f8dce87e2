"""One HTTP/1.1 exchange on the running asyncio loop, every header ours to choose (a wrong Host, no token, a
declared length that is not sent): what the local API's tests and benchmark need and a client library hides."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import Any

from gemini_desktop.paths import api_token


@dataclasses.dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def events(self) -> list[tuple[str, dict[str, Any]]]:
        found = []
        for block in self.body.decode().split("\n\n"):
            fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
            if "event" in fields:
                found.append((fields["event"], json.loads(fields["data"])))
        return found


async def request(port: int, method: str, path: str, body: object = None, *, token: str | None = "",
                  host: str = "127.0.0.1", raw: bytes | None = None, headers: dict[str, str] | None = None,
                  declared_length: int | None = None) -> Answer:
    """A plain HTTP/1.1 exchange on the running loop (Connection: close), so every header is ours to choose."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    payload = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: close",
             f"Content-Length: {len(payload) if declared_length is None else declared_length}",
             "Content-Type: application/json"]
    if token is not None:
        lines.append(f"Authorization: Bearer {token or api_token()}")
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
    await writer.drain()
    data = await reader.read()
    writer.close()
    head, _, content = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    found = {name.lower(): value for name, _, value in (h.partition(": ") for h in header_lines)}
    if found.get("transfer-encoding") == "chunked":
        content = dechunk(content)
    return Answer(int(status_line.split()[1]), found, content)


def dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        out, data = out + data[:size], data[size + 2:]
    return out
