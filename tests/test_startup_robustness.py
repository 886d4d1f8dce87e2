"""Start-up and quit under hostile conditions: a read-only profile, concurrent first starts, a blocked import."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gemini_desktop.engine.types import GeminiCommand
from gemini_desktop.store import HistoryStore
from tests.support.fake_gemini import FakeGemini
from tests.support.history_racer import open_and_write
from tests.test_app_cli import app_command, app_environment, children
from tests.test_cli_import import chats_dir, header, user, write_jsonl

QUIT_GUARD = 30.0  # seconds; only turns a quit that hangs into a failure (a working quit takes ~1-5 s)
RACE_ROUNDS = 5
RACERS = 6


@contextlib.contextmanager
def read_only_folder(path: Path) -> Iterator[Path]:
    """A folder the app cannot write to: permissions for a normal user, a read-only mount for root."""
    path.mkdir()
    if os.geteuid() != 0:
        path.chmod(0o555)
        try:
            yield path
        finally:
            path.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(path)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"running as root and cannot mount a read-only folder: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=True)


@pytest.mark.e2e
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs POSIX permissions or mount")
def test_a_read_only_data_folder_starts_the_app_without_history_and_names_the_folder(
        tmp_path: Path, cli_home: Path, fake_gemini: FakeGemini, gemini_command: GeminiCommand,
        workdir: Path) -> None:
    env = app_environment(tmp_path, cli_home, fake_gemini)
    with read_only_folder(tmp_path / "read-only-data") as data_home:
        env["XDG_DATA_HOME"] = str(data_home)
        done = subprocess.run(app_command(gemini_command, workdir, "--smoke-test"), env=env,
                              capture_output=True, text=True, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "SMOKE-TEST PASSED" in done.stdout, output
    assert f"history store unusable ({data_home / 'gemini-desktop'})" in done.stderr, output
    assert "running without a saved history" in done.stderr
    assert "Traceback" not in output and "Uncaught exception" not in output


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs POSIX permissions or mount")
def test_when_the_history_cannot_be_opened_the_user_is_told_the_folder_and_may_go_on_without_history(
        qapp: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    from gemini_desktop import app, store

    shown: list[str] = []

    def go_on() -> None:
        dialog = qapp.activeModalWidget()
        assert isinstance(dialog, QMessageBox)
        shown.append(dialog.text())
        [button] = [button for button in dialog.buttons() if button.text() == "Continue without history"]
        button.click()

    with read_only_folder(tmp_path / "read-only-data") as data_home:
        unwritable = data_home / "gemini-desktop" / "history.sqlite3"
        monkeypatch.setattr(store.history, "default_store_path", lambda: unwritable)
        monkeypatch.setattr(store, "default_store_path", lambda: unwritable)
        QTimer.singleShot(0, go_on)
        history = app.open_history(ask_user=True)
        assert history is not None
        history.add_message(history.create_session("/project").id, "user", "kept in memory only")
        history.close()
        assert list(data_home.iterdir()) == []
    assert str(data_home / "gemini-desktop") in shown[0]
    assert "Make sure you can write to the folder" in shown[0]
    assert history.recovery_message is not None and str(data_home / "gemini-desktop") in history.recovery_message


def test_first_starts_racing_on_one_fresh_profile_all_open_the_same_history(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    failures: list[str] = []
    for number in range(RACE_ROUNDS):
        path = tmp_path / f"round-{number}" / "history.sqlite3"
        path.parent.mkdir()
        start, results = context.Barrier(RACERS), context.Queue()
        racers = [context.Process(target=open_and_write, args=(str(path), start, results)) for _ in range(RACERS)]
        for racer in racers:
            racer.start()
        outcomes = [results.get(timeout=120) for _ in racers]
        for racer in racers:
            racer.join()
        failures += [outcome for outcome in outcomes if outcome != "ok"]
        store = HistoryStore.open(path)
        assert store.session_count() == RACERS
        store.close()
    assert failures == []


BLOCKED_IMPORT_PROBE = """
import sys
from pathlib import Path
from gemini_desktop import app
from gemini_desktop.store import cli_import

fifo, marker = Path(sys.argv[1]), Path(sys.argv[2])

def blocked_read(path, *args, **kwargs):
    marker.write_text(str(path))
    with open(fifo, "rb") as never_ready:  # blocks in the kernel: nobody ever opens the other end
        return never_ready.read()

cli_import.read_session_file = blocked_read
sys.exit(app.main(sys.argv[3:]))
"""


@pytest.mark.e2e
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses a FIFO, /proc and POSIX signals")
def test_quitting_while_the_import_is_blocked_on_io_ends_the_app_and_gemini(
        tmp_path: Path, cli_home: Path, fake_gemini: FakeGemini, gemini_command: GeminiCommand,
        workdir: Path) -> None:
    write_jsonl(chats_dir(cli_home, "proj") / "session-2026-01-05T10-00-slow0001.jsonl", header("slow0001"),
                user("u", "hello"))
    fifo, marker = tmp_path / "never-ready", tmp_path / "import-started"
    os.mkfifo(fifo)
    command = [sys.executable, "-c", BLOCKED_IMPORT_PROBE, str(fifo), str(marker),
               *app_command(gemini_command, workdir, "--new-instance")[3:]]
    app_process = subprocess.Popen(command, env=app_environment(tmp_path, cli_home, fake_gemini),
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        gemini_pids: list[int] = []
        while (not gemini_pids or not marker.exists()) and time.monotonic() < deadline:
            assert app_process.poll() is None, app_process.communicate()[0]
            time.sleep(0.1)
            gemini_pids = children(app_process.pid)
        assert marker.exists(), "the import never started"
        assert gemini_pids, "the app never started gemini"
        app_process.send_signal(signal.SIGTERM)  # the same path as closing the window
        output, _ = app_process.communicate(timeout=QUIT_GUARD)
    finally:
        if app_process.poll() is None:
            app_process.kill()
            app_process.communicate()
    assert app_process.returncode == 0, output
    assert "quitting without waiting for background work still running" in output
    for pid in gemini_pids:
        assert not Path(f"/proc/{pid}").exists(), f"gemini child {pid} outlived the app"
