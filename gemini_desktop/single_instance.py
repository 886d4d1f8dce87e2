"""One running app per user profile: a second launch hands its arguments to the first one and quits.

The first instance listens on a local socket (a Unix socket / Windows named pipe) named after the profile's
config directory, so two different profiles (or test homes) never capture each other. A later launch connects,
sends one JSON line {"command": "activate", "args": [...]}, waits for "ok", and the caller exits 0; the first
instance emits `activation_requested(args)` and its main window raises itself. Whatever arrives on the socket
is untrusted: size-limited, parsed defensively, and dropped with a log line when malformed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QDir, QLockFile, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from gemini_desktop.paths import config_dir

log = logging.getLogger(__name__)

ACTIVATE = "activate"
ACK = b"ok\n"
MAX_MESSAGE_BYTES = 64 * 1024
HANDOVER_TIMEOUT_MS = 2000
ELECTION_TIMEOUT_MS = 5000


def default_instance_key() -> str:
    """A socket name unique to this user profile (hash of its config directory)."""
    digest = hashlib.sha256(str(config_dir()).encode("utf-8")).hexdigest()[:16]
    return f"gemini-desktop-{digest}"


def encode_activation(arguments: Sequence[str]) -> bytes:
    return json.dumps({"command": ACTIVATE, "args": list(arguments)}).encode("utf-8") + b"\n"


def decode_activation(payload: bytes) -> list[str] | None:
    """The arguments of a well-formed activation message, or None for anything else."""
    try:
        message = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(message, dict) or message.get("command") != ACTIVATE:
        return None
    arguments = message.get("args", [])
    if not isinstance(arguments, list) or not all(isinstance(item, str) for item in arguments):
        return None
    return arguments


class SingleInstance(QObject):
    """Call `acquire(args)` after the QApplication exists and before building the main window."""

    activation_requested = Signal(list)

    def __init__(self, key: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.key = key or default_instance_key()
        self._server: QLocalServer | None = None
        self._buffers: dict[QLocalSocket, bytearray] = {}

    @property
    def is_primary(self) -> bool:
        return self._server is not None and self._server.isListening()

    def acquire(self, arguments: Sequence[str] = ()) -> bool:
        """True: we are the first instance and now listen. False: a running instance took `arguments`."""
        # Launches started together (a double click) must not both find "nobody listening": a lock file
        # serialises the check-then-listen. QLockFile notices a lock left by a crashed process.
        election = QLockFile(str(Path(QDir.tempPath()) / f"{self.key}.lock"))
        if not election.tryLock(ELECTION_TIMEOUT_MS):
            log.warning("Single-instance lock busy (%s); deciding without it", election.error())
        try:
            if self._hand_over(arguments):
                return False
            self._server = self._listen()
            return True
        finally:
            election.unlock()

    def _listen(self) -> QLocalServer | None:
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.key):
            # Nobody answers on the name, so it is left over from a crash: reclaim it.
            log.info("Removing stale single-instance socket %s (%s)", self.key, server.errorString())
            QLocalServer.removeServer(self.key)
            if not server.listen(self.key):
                log.warning("No single-instance socket, running standalone: %s", server.errorString())
                return None
        server.newConnection.connect(self._accept)
        log.debug("Single-instance server listening on %s", server.fullServerName())
        return server

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    def _hand_over(self, arguments: Sequence[str]) -> bool:
        socket = QLocalSocket()
        socket.connectToServer(self.key)
        if not socket.waitForConnected(HANDOVER_TIMEOUT_MS):
            return False
        socket.write(encode_activation(arguments))
        acknowledged = socket.waitForBytesWritten(HANDOVER_TIMEOUT_MS) and self._wait_for_ack(socket)
        if not acknowledged:
            log.warning("The running instance did not acknowledge activation: %s", socket.errorString())
        socket.disconnectFromServer()
        return True

    @staticmethod
    def _wait_for_ack(socket: QLocalSocket) -> bool:
        received = b""
        while len(received) < len(ACK) and socket.waitForReadyRead(HANDOVER_TIMEOUT_MS):
            received += socket.readAll().data()
        return received.startswith(ACK)

    def _accept(self) -> None:
        assert self._server is not None
        while (socket := self._server.nextPendingConnection()) is not None:
            self._buffers[socket] = bytearray()
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(lambda s=socket: self._forget(s))
            socket.errorOccurred.connect(lambda error, s=socket: self._on_error(s, error))
            self._read(socket)

    def _read(self, socket: QLocalSocket) -> None:
        buffer = self._buffers.get(socket)
        if buffer is None:
            return
        buffer += socket.readAll().data()
        if b"\n" not in buffer:
            if len(buffer) > MAX_MESSAGE_BYTES:
                log.warning("Dropping an oversized single-instance message (%d bytes)", len(buffer))
                self._drop(socket)
            return
        arguments = decode_activation(bytes(buffer.split(b"\n", 1)[0]))
        if arguments is None:
            log.warning("Ignoring a malformed single-instance message")
            self._drop(socket)
            return
        socket.write(ACK)
        socket.flush()
        socket.disconnectFromServer()
        self._buffers.pop(socket, None)
        log.info("Another launch asked to activate this instance (args=%s)", arguments)
        self.activation_requested.emit(arguments)

    def _on_error(self, socket: QLocalSocket, error: QLocalSocket.LocalSocketError) -> None:
        if error != QLocalSocket.LocalSocketError.PeerClosedError:
            log.debug("Single-instance connection error: %s", socket.errorString())

    def _drop(self, socket: QLocalSocket) -> None:
        self._buffers.pop(socket, None)
        socket.abort()
        socket.deleteLater()

    def _forget(self, socket: QLocalSocket) -> None:
        self._buffers.pop(socket, None)
        socket.deleteLater()

