"""One running app per user profile: a second launch hands its arguments to the first one and quits.

The first instance listens on a local socket (a Unix socket / Windows named pipe) named after the profile's
config directory, so two different profiles (or test homes) never capture each other. A later launch connects,
sends one JSON line {"command": "activate", "args": [...]}, waits for "ok", and the caller exits 0; the first
instance emits `activation_requested(args)` and its main window raises itself.

Another local user must never be able to take the name first (and so receive every launch's arguments and
keep the app from opening), nor talk to our instance: on Unix the socket lives in a folder only this user can
enter (the XDG runtime dir when it is private, else a 0700 folder of ours), and where the platform says who is
at the other end (SO_PEERCRED on Linux) both sides check that it is this user. Whatever arrives is still
untrusted: size- and shape-checked, only the options a running window may act on are kept (never a different
gemini program), connections that say nothing are closed within a second, and only a few may wait at once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import stat
import struct
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QTimer, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from gemini_desktop.paths import cache_dir, config_dir

log = logging.getLogger(__name__)

ACTIVATE = "activate"
ACK = b"ok\n"
MAX_MESSAGE_BYTES = 64 * 1024
MAX_ARGUMENTS = 64
MAX_ARGUMENT_CHARS = 4096
HANDED_OVER_OPTIONS = ("--cwd",)
"""What a running window may take from another launch. Everything else (--gemini above all: a program to run)
belongs to the launch that names it, which needs --new-instance for it."""
HANDOVER_TIMEOUT_MS = 2000
ELECTION_TIMEOUT_MS = 5000
IDLE_TIMEOUT_MS = 1000  # a real launch writes its message right after connecting
MAX_WAITING_CONNECTIONS = 8
MAX_SOCKET_PATH_BYTES = 100  # sockaddr_un holds 104 (macOS) to 108 (Linux) bytes with the final NUL
_PEER_CREDENTIALS = struct.Struct("3i")  # struct ucred: pid, uid, gid


def default_instance_key() -> str:
    """A socket name unique to this user profile (hash of its config directory)."""
    digest = hashlib.sha256(str(config_dir()).encode("utf-8")).hexdigest()[:16]
    return f"gemini-desktop-{digest}"


def _is_private_folder(path: Path) -> bool:
    """A real folder (not a link) that this user owns and nobody else may enter."""
    try:
        status = path.lstat()
    except OSError:
        return False
    return stat.S_ISDIR(status.st_mode) and status.st_uid == os.getuid() and not status.st_mode & 0o077


def _fits(folder: Path, name: str) -> bool:
    return len(os.fsencode(folder / name)) <= MAX_SOCKET_PATH_BYTES


def instance_folder(name: str = "") -> Path | None:
    """Where the socket `name` and its election lock live on Unix; None when no private folder will do.

    The shared temp folder would let anyone bind our name first, so: the XDG runtime dir when it is really
    private, else a 0700 folder of ours in the temp folder, else (someone else made that one) in our cache;
    and only where the socket's path fits in a socket address.
    """
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime and Path(runtime).is_absolute() and _is_private_folder(Path(runtime)) and _fits(Path(runtime), name):
        return Path(runtime)
    for folder in (Path(tempfile.gettempdir()) / f"gemini-desktop-{os.getuid()}", cache_dir() / "instance"):
        if not _fits(folder, name):
            continue
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
            if not folder.is_symlink() and folder.stat().st_uid == os.getuid():
                folder.chmod(0o700)
        except OSError as error:
            log.debug("Single-instance folder %s unusable: %s", folder, error)
        if _is_private_folder(folder):
            return folder
        log.warning("Not using %s for the single-instance socket: it is not a folder only this user can enter",
                    folder)
    return None


def peer_is_this_user(descriptor: int) -> bool:
    """Whether the process at the other end of a connected local socket runs as this user.

    True where the platform cannot tell (the owner-only folder is the guard there); on Linux, any failure to
    find out counts as a stranger.
    """
    if sys.platform == "win32" or not hasattr(socket, "SO_PEERCRED"):
        return True
    try:
        with socket.fromfd(descriptor, socket.AF_UNIX, socket.SOCK_STREAM) as duplicate:
            credentials = duplicate.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _PEER_CREDENTIALS.size)
    except OSError as error:
        log.warning("Cannot tell who is at the other end of the single-instance socket: %s", error)
        return False
    _pid, uid, _gid = _PEER_CREDENTIALS.unpack(credentials)
    return bool(uid == os.getuid())


def handed_over_arguments(arguments: Sequence[str]) -> list[str]:
    """The part of a command line a running window may act on (HANDED_OVER_OPTIONS with their values)."""
    kept: list[str] = []
    iterator = iter(arguments)
    for argument in iterator:
        name, has_value, value = argument.partition("=")
        if name not in HANDED_OVER_OPTIONS:
            continue
        if not has_value:
            value = next(iterator, "")
        if value and not value.startswith("-"):
            kept += [name, value]
    return kept


def encode_activation(arguments: Sequence[str]) -> bytes:
    return json.dumps({"command": ACTIVATE, "args": list(arguments)}).encode("utf-8") + b"\n"


def decode_activation(payload: bytes) -> list[str] | None:
    """The acceptable arguments of a well-formed activation message, or None for anything else."""
    try:
        message = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    if not isinstance(message, dict) or set(message) - {"command", "args"} or message.get("command") != ACTIVATE:
        return None
    arguments = message.get("args", [])
    if not isinstance(arguments, list) or len(arguments) > MAX_ARGUMENTS:
        return None
    if not all(isinstance(item, str) and len(item) <= MAX_ARGUMENT_CHARS and "\0" not in item
               for item in arguments):
        return None
    return handed_over_arguments(arguments)


@dataclass
class _Waiting:
    since: float  # time.monotonic() when the connection was accepted
    received: bytearray = field(default_factory=bytearray)


class SingleInstance(QObject):
    """Call `acquire(args)` after the QApplication exists and before building the main window."""

    activation_requested = Signal(list)

    def __init__(self, key: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.key = key or default_instance_key()
        self.server_name = self.key  # a Windows pipe: its access rights make it this user's
        self._lock_path = str(Path(tempfile.gettempdir()) / f"{self.key}.lock")
        self._usable = True
        if sys.platform != "win32":
            folder = instance_folder(self.key)
            self._usable = folder is not None
            if folder is not None:
                self.server_name = str(folder / self.key)
                self._lock_path = str(folder / f"{self.key}.lock")
        self._server: QLocalServer | None = None
        self._waiting: dict[QLocalSocket, _Waiting] = {}  # connections waiting for their message, oldest first
        self._sweeper = QTimer(self)
        self._sweeper.setInterval(IDLE_TIMEOUT_MS // 4)
        self._sweeper.timeout.connect(self._sweep)

    @property
    def is_primary(self) -> bool:
        return self._server is not None and self._server.isListening()

    def acquire(self, arguments: Sequence[str] = ()) -> bool:
        """True: we are the first instance and now listen. False: a running instance took `arguments`."""
        if not self._usable:
            log.warning("No private folder for the single-instance socket: running standalone")
            return True
        # Launches started together (a double click) must not both find "nobody listening": a lock file
        # serialises the check-then-listen. QLockFile notices a lock left by a crashed process.
        election = QLockFile(self._lock_path)
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
        if not server.listen(self.server_name):
            # Nobody answers on the name, so it is left over from a crash: reclaim it.
            log.info("Removing stale single-instance socket %s (%s)", self.server_name, server.errorString())
            QLocalServer.removeServer(self.server_name)
            if not server.listen(self.server_name):
                log.warning("No single-instance socket, running standalone: %s", server.errorString())
                return None
        server.newConnection.connect(self._accept)
        log.debug("Single-instance server listening on %s", server.fullServerName())
        return server

    def close(self) -> None:
        """Stop listening and end the connections still waiting."""
        self._sweeper.stop()
        for waiting in list(self._waiting):
            self._drop(waiting)
        if self._server is not None:
            self._server.close()
            self._server = None

    def _hand_over(self, arguments: Sequence[str]) -> bool:
        connection = QLocalSocket()
        connection.connectToServer(self.server_name)
        if not connection.waitForConnected(HANDOVER_TIMEOUT_MS):
            return False
        if not peer_is_this_user(connection.socketDescriptor()):
            log.warning("The single-instance socket %s belongs to another user: not handing over",
                        self.server_name)
            connection.abort()
            return False
        handed = handed_over_arguments(arguments)
        if len(handed) < len(arguments):
            log.info("The running window takes only %s from another launch; use --new-instance for the rest",
                     ", ".join(HANDED_OVER_OPTIONS))
        connection.write(encode_activation(handed))
        acknowledged = connection.waitForBytesWritten(HANDOVER_TIMEOUT_MS) and self._wait_for_ack(connection)
        if not acknowledged:
            log.warning("The running instance did not acknowledge activation: %s", connection.errorString())
        connection.disconnectFromServer()
        return True

    @staticmethod
    def _wait_for_ack(connection: QLocalSocket) -> bool:
        received = b""
        while len(received) < len(ACK) and connection.waitForReadyRead(HANDOVER_TIMEOUT_MS):
            received += connection.readAll().data()
        return received.startswith(ACK)

    def _accept(self) -> None:
        """Signals go to methods of ours, which find the connection as `sender()`: a lambda that holds a
        connection and is connected to that connection's own signal crashed PySide once it was deleted."""
        assert self._server is not None
        while (connection := self._server.nextPendingConnection()) is not None:
            connection.disconnected.connect(self._on_disconnected)
            if not peer_is_this_user(connection.socketDescriptor()):
                log.warning("Refused a single-instance connection from another user")
                self._drop(connection)
                continue
            while len(self._waiting) >= MAX_WAITING_CONNECTIONS:
                log.debug("Too many single-instance connections waiting; closing the oldest")
                self._drop(next(iter(self._waiting)))
            self._waiting[connection] = _Waiting(time.monotonic())
            connection.readyRead.connect(self._on_ready_read)
            if not self._sweeper.isActive():
                self._sweeper.start()
            self._read(connection)

    def _sweep(self) -> None:
        """Close the connections that have said nothing for IDLE_TIMEOUT_MS (one timer for all of them)."""
        too_old = time.monotonic() - IDLE_TIMEOUT_MS / 1000
        for connection in [c for c, waiting in self._waiting.items() if waiting.since <= too_old]:
            log.debug("Closing a single-instance connection that sent no message in time")
            self._drop(connection)
        if not self._waiting:
            self._sweeper.stop()

    def _on_ready_read(self) -> None:
        connection = self.sender()
        if isinstance(connection, QLocalSocket):
            self._read(connection)

    def _on_disconnected(self) -> None:
        connection = self.sender()
        if isinstance(connection, QLocalSocket):
            self._forget(connection)

    def _read(self, connection: QLocalSocket) -> None:
        waiting = self._waiting.get(connection)
        if waiting is None:
            return
        waiting.received += connection.readAll().data()
        if b"\n" not in waiting.received:
            if len(waiting.received) > MAX_MESSAGE_BYTES:
                log.warning("Dropping an oversized single-instance message (%d bytes)", len(waiting.received))
                self._drop(connection)
            return
        arguments = decode_activation(bytes(waiting.received.split(b"\n", 1)[0]))
        if arguments is None:
            log.warning("Ignoring a malformed single-instance message")
            self._drop(connection)
            return
        del self._waiting[connection]
        connection.write(ACK)
        connection.flush()
        connection.disconnectFromServer()
        log.info("Another launch asked to activate this instance (args=%r)", arguments)
        self.activation_requested.emit(arguments)

    def _drop(self, connection: QLocalSocket) -> None:
        self._forget(connection)
        connection.abort()

    def _forget(self, connection: QLocalSocket) -> None:
        self._waiting.pop(connection, None)
        connection.disconnect(self)
        connection.deleteLater()
