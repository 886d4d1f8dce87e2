"""The SQLite file under the history: opening it configured, creating it owner-only, moving a damaged one
aside, and telling apart the errors SQLite raises (locked, full, damaged) so the store can say what to do next."""

from __future__ import annotations

import sqlite3
import time
from datetime import datetime
from pathlib import Path

from gemini_desktop.paths import make_private, private_file
from gemini_desktop.store.schema import migrate
from gemini_desktop.store.text import decode_text

LOCK_TIMEOUT = 2.0
OPEN_PATIENCE = 10.0  # seconds an opening waits for a concurrent opener's set-up
OPEN_RETRY_PAUSE = 0.05
MMAP_BYTES = 256 * 1024 * 1024  # reading the index through the page cache makes search ~2x faster
IN_MEMORY = Path(":memory:")  # a history kept for this run only


def primary_code(error: sqlite3.Error) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def is_locked(error: sqlite3.Error) -> bool:
    if primary_code(error) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return True
    text = str(error).lower()
    return "locked" in text or "busy" in text


def is_full(error: sqlite3.Error) -> bool:
    return primary_code(error) == sqlite3.SQLITE_FULL


def connect(path: Path) -> sqlite3.Connection:
    """A configured connection. Another process setting up the same database at the same moment (two first
    starts) can hold it briefly, and switching to WAL does not wait for it: retry for a few seconds."""
    deadline = time.monotonic() + OPEN_PATIENCE
    while True:
        try:
            return _configured_connection(path)
        except sqlite3.OperationalError as exc:
            if not is_locked(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(OPEN_RETRY_PAUSE)


def _configured_connection(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=LOCK_TIMEOUT, isolation_level=None, check_same_thread=False)
    connection.text_factory = decode_text
    try:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        migrate(connection)
    except BaseException:
        connection.close()
        raise
    return connection


def create_private(path: Path) -> None:
    """The database owner-only before SQLite opens it: SQLite gives its WAL and SHM files the same mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    private_file(path)
    for companion in _companions(path):
        if companion.exists():
            make_private(companion)


def _companions(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]


def move_aside(path: Path) -> Path:
    """Keep a damaged database (and its WAL files) under a new name, so nothing is thrown away."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    backup = path.with_name(f"{path.name}.corrupt-{stamp}")
    counter = 1
    while backup.exists():
        backup = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
        counter += 1
    path.rename(backup)
    for companion in _companions(path):
        if companion.exists():
            companion.rename(backup.with_name(backup.name + companion.name[len(path.name):]))
    return backup


def readable_reason(error: sqlite3.Error) -> str:
    """A short, readable cause for the user; the raw SQLite message is logged instead."""
    reasons = {
        sqlite3.SQLITE_CORRUPT: "the file is damaged",
        sqlite3.SQLITE_NOTADB: "the file is not a history database",
        sqlite3.SQLITE_READONLY: "the file is read-only",
        sqlite3.SQLITE_PERM: "permission denied",
        sqlite3.SQLITE_CANTOPEN: "the file cannot be opened",
        sqlite3.SQLITE_IOERR: "a disk error",
    }
    return reasons.get(primary_code(error) or -1, "an unexpected database error; details are in the log")
