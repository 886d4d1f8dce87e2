"""History writes under pressure: long answers, a full disk, text SQLite cannot encode, another program's lock.

The full-disk test runs on a small tmpfs (it needs root, or skips with the reason); the lock test holds a
real write transaction in a second process. Both drive the real window, the real gemini-cli and the fake
Gemini API, so what they prove is what a user sees.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from gemini_desktop.conversation.controller import Turn
from gemini_desktop.engine import EngineConfig, SessionState
from gemini_desktop.settings import AppSettings
from gemini_desktop.store import HistoryStore, import_cli_sessions
from gemini_desktop.store.writer import HistoryWriter
from gemini_desktop.ui.main_window import MainWindow
from gemini_desktop.ui.sidebar import Sidebar
from tests.support.fake_gemini import FakeGemini
from tests.support.qt_async import until

ROOT = Path(__file__).resolve().parent.parent
LONE = "\ud83d"  # the first half of 😀 without its second half
FULL_NOTICE = "cannot be saved: disk full"

WindowFactory = Callable[[Path], MainWindow]


@pytest.fixture
def make_window(tmp_path: Path, engine_config: EngineConfig, qtbot: QtBot,
                run_async: Callable[..., Any]) -> Iterator[WindowFactory]:
    """A started window on the real gemini-cli with its history database at the given path."""
    made: list[MainWindow] = []

    def make(database: Path) -> MainWindow:
        window = MainWindow(HistoryStore.open(database), AppSettings(tmp_path / "settings.ini"),
                            engine_config=engine_config)
        made.append(window)
        window.show()
        window.start()
        return window

    yield make
    for window in made:
        window.close()
        run_async(until(lambda w=window: w.is_shut_down, 30, "window shut down"), timeout=40)
        window.store.close()


async def ready(window: MainWindow) -> None:
    await until(lambda: window.client is not None and window.client.state == SessionState.READY, 45, "ready")


async def idle(window: MainWindow) -> None:
    await until(lambda: window.controller is not None and not window.controller.busy
                and window.client is not None and window.client.state == SessionState.READY, 45, "idle")


def conversation(store: HistoryStore) -> list[tuple[str, str, str]]:
    sessions = store.list_sessions()
    return [(m.role, m.text, m.state) for m in store.messages(sessions[0].id)] if sessions else []


def wal_bytes(store: HistoryStore) -> int:
    wal = store.path.with_name(store.path.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


# ---- item 3: a checkpoint costs the new text, not the answer

def test_a_checkpoint_writes_only_the_text_streamed_since_the_last_one(tmp_path: Path) -> None:
    turn = Turn(user_key=1)
    turn.chunks += ["Hello ", "wor"]
    turn.thoughts += ["hm"]
    assert turn.take_unsaved() == ("Hello wor", "hm")
    turn.chunks += ["ld"]
    assert turn.take_unsaved() == ("ld", "")
    assert turn.take_unsaved() == ("", "")

    store = HistoryStore.open(tmp_path / "history.sqlite3")
    try:
        session = store.create_session("/project")
        answer = store.add_message(session.id, "assistant", "", state="streaming")
        long_text = "word " * 800_000  # 4 MB streamed so far
        store.append_to_message(answer, long_text)
        with sqlite3.connect(store.path) as other:
            other.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert wal_bytes(store) == 0
        store.append_to_message(answer, "one more second of text. ", thoughts="still thinking")
        assert wal_bytes(store) < 64 * 1024, "a checkpoint rewrote the whole answer"
        [message] = store.messages(session.id)
        assert message.text == long_text + "one more second of text. "
        assert message.thoughts == "still thinking"

        store.finish_message(answer, "The final answer.")
        [message] = store.messages(session.id)
        assert (message.text, message.state) == ("The final answer.", "complete")
        assert [hit.message_id for hit in store.search("final answer")] == [answer]
    finally:
        store.close()


def test_a_history_held_in_memory_keeps_what_its_writer_saves(tmp_path: Path) -> None:
    """A run without a usable database still has a history for that run: the writer shares the one in memory."""
    store = HistoryStore.without_saving("in memory")
    writer = HistoryWriter(store, lambda callback: callback())
    try:
        session = store.create_session("/project")
        writer.submit(lambda db: db.add_message(session.id, "user", "kept for this run"))
        assert writer.wait_idle(10)
        assert [m.text for m in store.messages(session.id)] == ["kept for this run"]
    finally:
        writer.close(2)
        store.close()


# ---- item 4: a full disk

@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs Linux and root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(disk: Path) -> Path:
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 4096)
        except OSError:
            pass
    return filler


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries and checkpoints 4-5 times as often (and a lock waited for 0.3 s, not 2 s): the tests below watch
    several of each while the database stays unavailable, in a fraction of the time."""
    monkeypatch.setattr("gemini_desktop.store.writer.RETRY_INTERVAL", 0.2)
    monkeypatch.setattr("gemini_desktop.conversation.controller.CHECKPOINT_INTERVAL_MS", 250)
    monkeypatch.setattr("gemini_desktop.store.connection.LOCK_TIMEOUT", 0.3)


@pytest.mark.e2e
@pytest.mark.usefixtures("quick_retries")
def test_a_full_disk_shows_one_notice_keeps_the_answer_and_saves_it_once_space_is_back(
        small_disk: Path, make_window: WindowFactory, fake_gemini: FakeGemini, run_async: Callable[..., Any],
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    window = make_window(small_disk / "history.sqlite3")
    store = window.store

    async def scenario() -> None:
        await ready(window)
        filler = fill(small_disk)
        held = fake_gemini.reply("The first half, ", "and the second half.", hold_after=1)
        window.send_message("Tell me something")
        await until(lambda: "The first half" in window.transcript.model.to_markdown(), 45, "first half shown")
        await until(lambda: FULL_NOTICE in window.transcript.model.to_markdown().lower(), 10, "disk full notice")
        await asyncio.sleep(0.8)  # several checkpoints and retries while the disk stays full
        held.release()
        await idle(window)
        shown = window.transcript.model.to_markdown()
        assert "The first half, and the second half." in shown
        assert shown.lower().count(FULL_NOTICE) == 1
        assert conversation(store) == []  # nothing could be written: all of it waits in memory

        filler.unlink()
        assert window.controller is not None
        await until(lambda: window.controller.wait_until_saved(0.05), 20, "history saved once space is back")
        assert conversation(store) == [("user", "Tell me something", "complete"),
                                       ("assistant", "The first half, and the second half.", "complete")]
        await until(lambda: "history is saved again" in window.transcript.model.to_markdown().lower(), 5,
                    "told that the history is saved again")

    run_async(scenario(), timeout=120)
    waiting = [r.getMessage() for r in caplog.records
               if r.name == "gemini_desktop.store.writer" and "waiting" in r.getMessage()]
    assert len([line for line in waiting if "is full" in line]) == 1, waiting
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


# ---- item 7: lone surrogates and invalid UTF-8

def test_lone_surrogates_are_saved_and_a_history_holding_invalid_utf8_still_lists_and_opens(
        tmp_path: Path, qtbot: QtBot) -> None:
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    try:
        session = store.create_session(f"/pro{LONE}ject", title=f"title {LONE}")
        store.add_message(session.id, "user", f"question {LONE}")
        answer = store.add_message(session.id, "assistant", "", state="streaming")
        store.append_to_message(answer, f"streamed {LONE}", thoughts=f"thought {LONE}")
        store.record_tool_call(session.id, answer, "call-1", f"tool {LONE}", "edit", "completed", [f"/a{LONE}"], "")
        assert [m.text for m in store.messages(session.id)] == ["question \ufffd", "streamed \ufffd"]
        store.finish_message(answer, f"an emoji split in two: {LONE}\ude00, and a lone one: {LONE}")
        assert store.messages(session.id)[1].text == "an emoji split in two: 😀, and a lone one: \ufffd"
        assert store.get_session(session.id).title == "title \ufffd"  # type: ignore[union-attr]
        assert store.tool_calls(session.id)[0].paths == ("/a\ufffd",)

        home = tmp_path / "cli-home"
        chats = home / ".gemini" / "tmp" / "project" / "chats"
        chats.mkdir(parents=True)
        records = [{"sessionId": "cli-1", "projectHash": "f" * 64, "startTime": "2026-01-05T10:00:00.000Z"},
                   {"id": "u1", "timestamp": "2026-01-05T10:00:01.000Z", "type": "user",
                    "content": [{"text": f"imported {LONE}"}]},
                   {"id": "g1", "timestamp": "2026-01-05T10:00:02.000Z", "type": "gemini",
                    "content": f"reply {LONE}", "thoughts": []}]
        (chats / "session-2026-01-05T10-00-cli1.jsonl").write_text(
            "\n".join(json.dumps(record) for record in records) + "\n")  # json writes the surrogate as \ud83d
        report = import_cli_sessions(store, home)
        assert report.messages_added == 2 and not report.errors
        imported = store.find_by_gemini_id("cli-1")
        assert imported is not None
        assert [m.text for m in store.messages(imported.id)] == ["imported \ufffd", "reply \ufffd"]
        with sqlite3.connect(store.path) as strict:  # the file holds valid UTF-8 only
            strict.execute("SELECT text, thoughts FROM messages").fetchall()
            strict.execute("SELECT user_title, cwd FROM sessions").fetchall()

        # A database an older version filled with invalid UTF-8 still lists, opens, searches and exports.
        with sqlite3.connect(store.path) as raw:
            raw.execute("UPDATE messages SET text = CAST(X'62726f6b656e20ff20746578742061626364' AS TEXT)"
                        " WHERE id = ?", (answer,))
            raw.execute("UPDATE sessions SET user_title = CAST(X'74c0' AS TEXT) WHERE id = ?", (session.id,))
        with pytest.raises(sqlite3.OperationalError), sqlite3.connect(store.path) as strict:
            strict.execute("SELECT text FROM messages").fetchall()
        assert {s.title for s in store.list_sessions()} == {"t\ufffd", "imported \ufffd"}
        assert store.messages(session.id)[1].text == "broken \ufffd text abcd"
        assert [hit.message_id for hit in store.search("abcd")] == [answer]
        assert "broken" in store.export_markdown(session.id)

        panel = Sidebar(store)
        qtbot.addWidget(panel)
        panel.show()
        assert panel.model.loaded_sessions == 2
        assert panel.status_label.text() == ""
    finally:
        store.close()


# ---- item 13: another program holding the write lock

LOCK_HOLDER = textwrap.dedent("""
    import sqlite3, sys
    db = sqlite3.connect(sys.argv[1], isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    print("locked", flush=True)
    sys.stdin.readline()
    db.execute("COMMIT")
""")


@pytest.mark.e2e
@pytest.mark.usefixtures("quick_retries")
def test_another_program_holding_the_write_lock_for_seconds_delays_but_never_drops_a_turn(
        tmp_path: Path, make_window: WindowFactory, fake_gemini: FakeGemini, run_async: Callable[..., Any]) -> None:
    window = make_window(tmp_path / "history.sqlite3")
    store = window.store

    async def scenario() -> None:
        await ready(window)
        assert window.controller is not None and window.controller.wait_until_saved(10)
        holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(store.path)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
            fake_gemini.reply("Answered while the history was locked.")
            window.send_message("Are you there?")
            await until(lambda: "Answered while the history was locked." in window.transcript.model.to_markdown(), 45,
                        "answer shown while the database is locked")
            await idle(window)
            # Longer than a few lock waits (0.3 s each): the writes must be retried, not given up.
            assert not window.controller.wait_until_saved(1.0)
            assert conversation(store) == []
        finally:
            if holder.stdin is not None:
                holder.stdin.write("\n")
                holder.stdin.close()
            holder.wait(10)
        await until(lambda: window.controller.wait_until_saved(0.05), 20, "history saved once the lock is gone")
        assert conversation(store) == [("user", "Are you there?", "complete"),
                                       ("assistant", "Answered while the history was locked.", "complete")]
        assert "cannot be saved" not in window.transcript.model.to_markdown()

    run_async(scenario(), timeout=120)
