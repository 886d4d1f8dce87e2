"""Single instance across real processes: hand-over of arguments, stale sockets after a crash, bad input."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtNetwork import QLocalSocket

from gemini_desktop import single_instance
from gemini_desktop.single_instance import SingleInstance, default_instance_key, encode_activation

ROOT = Path(__file__).resolve().parent.parent

# One app launch: claim the key, or hand the remaining arguments to the instance that holds it.
LAUNCH = r"""
import json, os, sys
from PySide6.QtCore import QCoreApplication, QTimer
from gemini_desktop.single_instance import SingleInstance

app = QCoreApplication(sys.argv[:1])
instance = SingleInstance(sys.argv[1])
if not instance.acquire(sys.argv[2:]):
    print("handed-over", flush=True)
    sys.exit(0)
print("primary", flush=True)

received = []

def activated(arguments):
    print("activated " + json.dumps(arguments), flush=True)
    received.append(arguments)
    if len(received) == int(os.environ.get("ACTIVATIONS_BEFORE_QUIT", "1")):
        app.quit()

instance.activation_requested.connect(activated)
QTimer.singleShot(30000, lambda: app.exit(3))
sys.exit(app.exec())
"""


def launch(key: str, *arguments: str, activations_before_quit: int = 1) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", LAUNCH, key, *arguments],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen", ACTIVATIONS_BEFORE_QUIT=str(activations_before_quit)),
    )


def wait_primary(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    assert line == "primary", f"first launch did not become primary: {line!r}"


def remaining_output(process: subprocess.Popen[str]) -> str:
    """What the process prints until it exits (read through the same buffered pipe as readline())."""
    assert process.stdout is not None
    output = process.stdout.read()
    process.wait(timeout=15)
    return output


@pytest.fixture
def key() -> str:
    return f"gd-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def test_second_launch_hands_arguments_to_first_and_exits_zero(
    key: str, processes: list[subprocess.Popen[str]]
) -> None:
    first = launch(key)
    processes.append(first)
    wait_primary(first)

    second = subprocess.run(
        [sys.executable, "-c", LAUNCH, key, "--cwd", "/a folder/with spaces"],
        cwd=ROOT, capture_output=True, text=True, timeout=30,
    )
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "handed-over"

    out = remaining_output(first)
    assert first.returncode == 0
    assert out.strip() == "activated " + json.dumps(["--cwd", "/a folder/with spaces"])


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes vanish with their process on Windows")
def test_stale_socket_left_by_a_crash_is_reclaimed(key: str, processes: list[subprocess.Popen[str]]) -> None:
    crashed = launch(key)
    processes.append(crashed)
    wait_primary(crashed)
    crashed.send_signal(signal.SIGKILL)
    crashed.wait(timeout=10)
    assert Path(SingleInstance(key).server_name).exists(), "the killed instance should have left its socket file"

    successor = launch(key)
    processes.append(successor)
    wait_primary(successor)

    handed = subprocess.run([sys.executable, "-c", LAUNCH, key, "--cwd=/x"], cwd=ROOT, capture_output=True,
                            text=True, timeout=30)
    assert handed.stdout.strip() == "handed-over"
    out = remaining_output(successor)
    assert out.strip() == 'activated ["--cwd", "/x"]'


def test_malformed_messages_are_ignored_and_server_keeps_working(qtbot, key: str) -> None:
    instance = SingleInstance(key)
    assert instance.acquire([]) is True
    assert instance.is_primary
    received: list[list[str]] = []
    instance.activation_requested.connect(received.append)
    try:
        garbage_messages = (b"not json\n", b'{"command": "rm", "args": []}\n',
                            b'{"command": "activate", "args": [1]}\n', b"\xff\xfe\n", b"x" * 70_000)
        for garbage in garbage_messages:
            socket = QLocalSocket()
            socket.connectToServer(instance.server_name)
            assert socket.waitForConnected(2000)
            socket.write(garbage)
            socket.waitForBytesWritten(2000)
            qtbot.waitUntil(lambda s=socket: s.state() == QLocalSocket.LocalSocketState.UnconnectedState,
                            timeout=3000)
        assert received == []

        socket = QLocalSocket()
        socket.connectToServer(instance.server_name)
        assert socket.waitForConnected(2000)
        socket.write(encode_activation(["--cwd", "/project"]))
        qtbot.waitUntil(lambda: received == [["--cwd", "/project"]], timeout=3000)
    finally:
        instance.close()
    assert not instance.is_primary


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG_CONFIG_HOME is Linux only")
def test_default_key_is_per_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = default_instance_key()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "other-profile"))
    assert default_instance_key() != first
    assert default_instance_key().startswith("gemini-desktop-")


def test_simultaneous_launches_elect_exactly_one_primary(
    key: str, processes: list[subprocess.Popen[str]]
) -> None:
    launches = [launch(key, "--cwd", f"/launch-{index}", activations_before_quit=3) for index in range(4)]
    processes.extend(launches)
    assert all(process.stdout is not None for process in launches)
    first_lines = [process.stdout.readline().strip() for process in launches]  # type: ignore[union-attr]

    assert first_lines.count("primary") == 1, first_lines
    assert first_lines.count("handed-over") == 3, first_lines
    primary = launches[first_lines.index("primary")]
    out = remaining_output(primary)
    others = {f"/launch-{index}" for index, line in enumerate(first_lines) if line == "handed-over"}
    assert {json.loads(line.split(" ", 1)[1])[1] for line in out.splitlines()} == others


@pytest.mark.skipif(sys.platform == "win32", reason="Windows pipes are per-user by their access rights")
def test_the_socket_lives_in_a_folder_only_this_user_can_enter(
        qtbot, key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another user who could bind the name first would receive every launch's arguments, and the app would
    never open: a shared or someone else's folder is never used."""
    shared_runtime = Path(tempfile.mkdtemp(prefix="rt"))  # short: a Unix socket's path has ~100 bytes
    shared_runtime.chmod(0o755)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(shared_runtime))
    # The app's cache (the last resort) must fit a socket address wherever the checkout and its test folders are.
    short_cache = Path(tempfile.mkdtemp(prefix="c", dir="/tmp" if Path("/tmp").is_dir() else None))
    monkeypatch.setenv("XDG_CACHE_HOME", str(short_cache))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "shared-tmp"))
    (tmp_path / "shared-tmp").mkdir()
    (tmp_path / "someone-elses").mkdir(mode=0o777)
    (tmp_path / "shared-tmp" / f"gemini-desktop-{os.getuid()}").symlink_to(tmp_path / "someone-elses")

    folder = single_instance.instance_folder()
    assert folder is not None and folder not in (shared_runtime, tmp_path / "shared-tmp")
    assert folder.resolve() != (tmp_path / "someone-elses").resolve()
    status = folder.lstat()
    assert stat.S_ISDIR(status.st_mode) and status.st_uid == os.getuid() and stat.S_IMODE(status.st_mode) == 0o700

    shared_runtime.chmod(0o700)
    assert single_instance.instance_folder() == shared_runtime
    instance = SingleInstance(key)
    try:
        assert instance.acquire([]) is True
        assert Path(instance.server_name).parent == shared_runtime
        assert Path(instance.server_name).exists()
    finally:
        instance.close()
        shutil.rmtree(shared_runtime)
        shutil.rmtree(short_cache)


@pytest.mark.skipif(not hasattr(socket, "SO_PEERCRED"), reason="the peer's user is known on Linux only")
def test_a_connection_from_another_user_is_refused(qtbot, key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    instance = SingleInstance(key)
    assert instance.acquire([]) is True
    received: list[list[str]] = []
    instance.activation_requested.connect(received.append)
    try:
        we_are = os.getuid()
        monkeypatch.setattr(single_instance.os, "getuid", lambda: we_are + 1)  # so we are a stranger to it
        stranger = QLocalSocket()
        stranger.connectToServer(instance.server_name)
        assert stranger.waitForConnected(2000)
        stranger.write(encode_activation(["--cwd", "/home/victim/project"]))
        qtbot.waitUntil(lambda: stranger.state() == QLocalSocket.LocalSocketState.UnconnectedState, timeout=3000)
        assert received == []
    finally:
        instance.close()


def test_a_hand_over_carries_only_what_a_running_window_may_act_on(qtbot, key: str) -> None:
    """Never a different gemini program (or a resume, a model, a smoke test) from another launch."""
    instance = SingleInstance(key)
    assert instance.acquire([]) is True
    received: list[list[str]] = []
    instance.activation_requested.connect(received.append)
    hostile = ["--gemini", "/tmp/evil", "--cwd", "/project", "--model", "x", "--resume", "3", "--smoke-test",
               "--smoke-report", "/tmp/r", "--gemini=/tmp/evil2", "--cwd", "--gemini"]
    try:
        for message in (encode_activation(hostile),
                        json.dumps({"command": "activate", "args": [], "gemini": "/tmp/evil"}).encode() + b"\n",
                        encode_activation(["--cwd"] * 65), encode_activation(["--cwd", "/" + "x" * 5000]),
                        encode_activation(["--cwd", "/a\0b"])):
            sender = QLocalSocket()
            sender.connectToServer(instance.server_name)
            assert sender.waitForConnected(2000)
            sender.write(message)
            qtbot.waitUntil(lambda s=sender: s.state() == QLocalSocket.LocalSocketState.UnconnectedState,
                            timeout=3000)
        assert received == [["--cwd", "/project"]]
    finally:
        instance.close()


def test_idle_connections_are_closed_and_only_a_few_may_wait(
        qtbot, key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    instance = SingleInstance(key)
    assert instance.acquire([]) is True
    received: list[list[str]] = []
    instance.activation_requested.connect(received.append)

    def idle_connections(count: int) -> list[QLocalSocket]:
        made = []
        for _ in range(count):  # the server runs on this thread: let it accept while the crowd connects
            idle = QLocalSocket()
            idle.connectToServer(instance.server_name)
            qtbot.waitUntil(lambda s=idle: s.state() != QLocalSocket.LocalSocketState.ConnectingState,
                            timeout=3000)
            made.append(idle)
        return made

    def still_open(sockets: list[QLocalSocket]) -> int:
        return sum(s.state() == QLocalSocket.LocalSocketState.ConnectedState for s in sockets)

    try:
        monkeypatch.setattr(single_instance, "IDLE_TIMEOUT_MS", 600_000)  # the bound alone, without the timeout
        crowd = idle_connections(200)
        qtbot.waitUntil(lambda: still_open(crowd) == single_instance.MAX_WAITING_CONNECTIONS, timeout=10000)

        monkeypatch.undo()
        silent = idle_connections(3)
        qtbot.waitUntil(lambda: still_open(silent) == 0, timeout=10000)  # said nothing: closed after a second

        launch = QLocalSocket()
        launch.connectToServer(instance.server_name)
        assert launch.waitForConnected(2000)
        launch.write(encode_activation(["--cwd", "/project"]))
        qtbot.waitUntil(lambda: received == [["--cwd", "/project"]], timeout=3000)
    finally:
        instance.close()
