"""Under a permissive umask, what the app writes is still owner-only: another local user reads nothing."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gemini_desktop.engine.cli_sessions import FileBackup
from gemini_desktop.engine.types import GeminiCommand
from tests.support.fake_gemini import FakeGemini
from tests.test_app_cli import app_command, app_environment
from tests.test_cli_import import chats_dir, gemini, header, user, write_jsonl

pytestmark = pytest.mark.skipif(os.name != "posix", reason="Unix file modes")

PERMISSIVE_UMASK = 0o022


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    previous = os.umask(PERMISSIVE_UMASK)
    try:
        yield
    finally:
        os.umask(previous)


def modes_below(root: Path) -> dict[str, int]:
    """Path (relative to `root`) -> permission bits, for `root` and everything in it."""
    found = {".": stat.S_IMODE(root.stat().st_mode)}
    for path in root.rglob("*"):
        found[str(path.relative_to(root))] = stat.S_IMODE(path.lstat().st_mode)
    return found


@pytest.mark.e2e
def test_under_a_permissive_umask_every_folder_and_file_of_the_app_is_owner_only(
        permissive_umask: None, tmp_path: Path, cli_home: Path, fake_gemini: FakeGemini,
        gemini_command: GeminiCommand, workdir: Path) -> None:
    env = app_environment(tmp_path, cli_home, fake_gemini)
    done = subprocess.run(app_command(gemini_command, workdir, "--smoke-test"), env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr

    modes: dict[str, int] = {}
    for variable in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        app_folder = Path(env[variable]) / "gemini-desktop"
        if app_folder.exists():
            modes |= {f"{variable}/{name}": mode for name, mode in modes_below(app_folder).items()}
    names = {name.rsplit("/", 1)[-1] for name in modes}
    assert {"history.sqlite3", "gemini-desktop.log", "settings.ini",
            "system-defaults.json"} <= names, sorted(modes)
    readable_by_others = {name: oct(mode) for name, mode in modes.items() if mode & 0o077}
    assert readable_by_others == {}


def test_backups_of_the_cli_session_files_are_owner_only(permissive_umask: None, tmp_path: Path) -> None:
    home = tmp_path / "cli-home"
    original = write_jsonl(chats_dir(home, "proj") / "session-2026-01-05T10-00-priv0001.jsonl",
                           header("priv0001"), user("u", "my secret plan"), gemini("g", "noted"))
    assert stat.S_IMODE(original.stat().st_mode) & 0o044  # the CLI's own file, written under the same umask

    backup = FileBackup.take(home, "priv0001", tmp_path / "state" / "cli-backups")

    [copy] = backup.copies.values()
    assert copy.read_text() == original.read_text()
    assert copy.stat().st_mtime == original.stat().st_mtime
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert stat.S_IMODE(copy.parent.stat().st_mode) == 0o700


def test_a_database_left_readable_by_an_older_version_becomes_owner_only_with_its_wal_and_shm(
        permissive_umask: None, tmp_path: Path) -> None:
    from gemini_desktop.store import HistoryStore

    path = tmp_path / "history.sqlite3"
    HistoryStore.open(path).close()
    for existing in tmp_path.iterdir():
        existing.chmod(0o644)

    store = HistoryStore.open(path)
    store.create_session("/project")
    try:  # while it is open, with its write-ahead log and shared memory in use
        modes = {item.name: oct(stat.S_IMODE(item.stat().st_mode)) for item in tmp_path.iterdir()}
    finally:
        store.close()
    assert modes == {name: oct(0o600) for name in ("history.sqlite3", "history.sqlite3-wal", "history.sqlite3-shm")}


@pytest.mark.skipif(sys.platform == "win32", reason="Unix file modes")
def test_make_private_is_the_one_helper_for_folders_and_files(permissive_umask: None, tmp_path: Path) -> None:
    from gemini_desktop.paths import private_file, private_folder

    folder = private_folder(tmp_path / "a" / "b")
    created = private_file(folder / "new.txt")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(created.stat().st_mode) == 0o600
