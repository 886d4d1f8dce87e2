"""A download site on 127.0.0.1 for the archive-agent install: serves zips holding a scripted ACP agent, and the
faults a real download can have (404, a body cut short, a hostile zip)."""

from __future__ import annotations

import io
import stat
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.support.scripted_http import serve_in_background

SCRIPTED_AGENT = Path(__file__).parent / "scripted_agent.py"


@dataclass
class Route:
    body: bytes
    claimed_length: int | None = None  # a Content-Length larger than the body: the download is cut short


class ArchiveServer:
    def __init__(self, server: ThreadingHTTPServer) -> None:
        self.routes: dict[str, Route] = {}
        self._server = server

    def url(self, path: str) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def serve(self, path: str, body: bytes, claimed_length: int | None = None) -> str:
        self.routes[path] = Route(body, claimed_length)
        return self.url(path)


def agent_zip(program: str = "agy_acp_server", mode: str = "normal", extra: dict[str, bytes] | None = None) -> bytes:
    """A zip holding the scripted agent as an executable `program` (run by this Python) and a README."""
    script = f"#!{sys.executable}\n".encode() + SCRIPTED_AGENT.read_bytes().replace(
        b'else "normal"', f'else "{mode}"'.encode(), 1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("README.txt", "A scripted ACP agent for the install tests.\n")
        info = zipfile.ZipInfo(program)
        info.external_attr = (stat.S_IFREG | 0o644) << 16  # not executable: the installer must make it so
        zipped.writestr(info, script)
        for name, data in (extra or {}).items():
            zipped.writestr(name, data)
    return buffer.getvalue()


def symlink_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        info = zipfile.ZipInfo("agy_acp_server")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zipped.writestr(info, "/bin/sh")
    return buffer.getvalue()


@contextmanager
def archive_server() -> Iterator[ArchiveServer]:
    holder: list[ArchiveServer] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            route = holder[0].routes.get(self.path)
            if route is None:
                self.send_error(404, "Not Found")
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/zip")
            self.send_header("Content-Length", str(route.claimed_length or len(route.body)))
            self.end_headers()
            self.wfile.write(route.body)
            self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder.append(ArchiveServer(server))
    serve_in_background(server, "archive-server")
    try:
        yield holder[0]
    finally:
        server.shutdown()
        server.server_close()
