"""The start-up import of gemini-cli's session files against hostile files: deep nesting, FIFOs, huge files,
garbage, and an import that is stopped halfway."""

from __future__ import annotations

import os
import threading
import tracemalloc
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from gemini_desktop.cli_format import MAX_REPORTED_PROBLEMS
from gemini_desktop.store import HistoryStore, ImportReport, import_cli_sessions
from gemini_desktop.store.cli_import import BATCH_MESSAGES
from tests.test_cli_import import chats_dir, gemini, header, texts, user, write_jsonl

HANG_GUARD = 60.0  # seconds; only to turn a hang into a failure, never reached by a working import


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "cli-home"
    (path / ".gemini" / "tmp").mkdir(parents=True)
    return path


def conversation(pairs: int, session: str = "s") -> list[dict[str, Any]]:
    records = []
    for number in range(pairs):
        records += [user(f"{session}-u{number}", f"question {number}"),
                    gemini(f"{session}-g{number}", f"answer {number}")]
    return records


def import_with_hang_guard(store: HistoryStore, home: Path) -> ImportReport:
    """The import on a thread, so a blocked one fails this test instead of hanging the whole run."""
    outcome: list[ImportReport] = []
    worker = threading.Thread(target=lambda: outcome.append(import_cli_sessions(store, home)), daemon=True)
    worker.start()
    worker.join(HANG_GUARD)
    assert not worker.is_alive(), "the import blocked"
    return outcome[0]


def test_a_deeply_nested_line_is_skipped_and_the_files_other_messages_are_imported(
        store: HistoryStore, home: Path) -> None:
    chats = chats_dir(home, "proj")
    records = conversation(10)
    nested = "[" * 200_000 + "]" * 200_000
    write_jsonl(chats / "session-2026-01-05T10-00-deep0001.jsonl", header("deep0001"), *records[:10], nested,
                '{"id": "x", "content": ' + "[" * 100_000, *records[10:])

    report = import_with_hang_guard(store, home)

    assert (report.sessions_added, report.messages_added) == (1, 20)
    [session] = store.list_sessions()
    assert len(store.messages(session.id)) == 20
    assert sum("malformed record skipped" in error for error in report.errors) == 2


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_or_folder_among_the_session_files_is_skipped_without_blocking(
        store: HistoryStore, home: Path) -> None:
    chats = chats_dir(home, "proj")
    write_jsonl(chats / "session-2026-01-05T10-00-good0001.jsonl", header("good0001"), *conversation(2))
    os.mkfifo(chats / "session-2026-01-05T10-01-fifo0001.jsonl")
    (chats / "session-2026-01-05T10-02-dir00001.jsonl").mkdir()

    report = import_with_hang_guard(store, home)

    assert (report.sessions_added, report.messages_added) == (1, 4)
    assert sum("not a regular file" in error for error in report.errors) == 2


def test_a_large_session_file_is_streamed_and_only_what_is_stored_stays_in_memory(
        store: HistoryStore, home: Path) -> None:
    chats = chats_dir(home, "proj")
    tool_output = "x" * 200_000
    records: list[dict[str, Any]] = []
    for number in range(100):  # about 20 MB, nearly all of it tool output the history does not keep
        call = {"id": f"call-{number}", "name": "read_file", "args": {"absolute_path": f"/p/{number}"},
                "status": "success", "result": [{"functionResponse": {"response": {"output": tool_output}}}]}
        records += [user(f"u{number}", f"read file {number}"), gemini(f"g{number}", "done", toolCalls=[call])]
    path = write_jsonl(chats / "session-2026-01-05T10-00-big00001.jsonl", header("big00001"), *records)
    size = path.stat().st_size

    tracemalloc.start()
    try:
        report = import_cli_sessions(store, home)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert report.messages_added == 200 and report.errors == []
    assert peak < size / 4, f"peak {peak} bytes while importing a {size}-byte file"
    [session] = store.list_sessions()
    assert [call.paths for call in store.tool_calls(session.id)][:2] == [("/p/0",), ("/p/1",)]


def test_a_garbage_file_is_read_once_and_again_only_after_it_changes(store: HistoryStore, home: Path) -> None:
    chats = chats_dir(home, "proj")
    garbage = chats / "session-2026-01-05T10-00-junk0001.jsonl"
    garbage.write_bytes(b"not json at all \xff\xfe\n" * 50_000)  # about 1 MB, 50,000 bad lines

    first = import_cli_sessions(store, home)
    assert first.sessions_added == 0
    assert len(first.errors) <= MAX_REPORTED_PROBLEMS + 2  # a few examples and a count, not 50,000 lines
    assert any("more problems not listed" in error for error in first.errors)

    second = import_cli_sessions(store, home)
    assert (second.errors, second.files_skipped) == ([], 1)

    write_jsonl(garbage, header("junk0001"), *conversation(1))
    third = import_cli_sessions(store, home)
    assert (third.sessions_added, third.messages_added) == (1, 2)


def test_an_import_commits_in_small_batches_and_a_stopped_one_continues_without_loss(
        store: HistoryStore, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chats = chats_dir(home, "proj")
    write_jsonl(chats / "session-2026-01-05T10-00-long0001.jsonl", header("long0001"), *conversation(500, "a"))
    write_jsonl(chats / "session-2026-01-05T11-00-long0002.jsonl", header("long0002"), *conversation(3, "b"))
    transactions: list[int] = []
    merge = store.merge_imported_sessions

    def counting_merge(batch: Sequence[Any]) -> Any:
        transactions.append(sum(len(session.messages) for session, _ in batch))
        return merge(batch)

    monkeypatch.setattr(store, "merge_imported_sessions", counting_merge)
    stopped = import_cli_sessions(store, home, should_stop=lambda: len(transactions) >= 3)
    assert transactions == [BATCH_MESSAGES] * 3
    assert stopped.messages_added == 3 * BATCH_MESSAGES

    resumed = import_cli_sessions(store, home)
    assert max(transactions) <= BATCH_MESSAGES
    assert resumed.messages_added == 1006 - 3 * BATCH_MESSAGES
    long_session = store.find_by_gemini_id("long0001")
    assert long_session is not None
    expected = [(role, f"{word} {number}") for number in range(500)
                for role, word in (("user", "question"), ("assistant", "answer"))]
    assert texts(store, long_session.id) == expected
    assert import_cli_sessions(store, home).messages_added == 0


def test_the_engine_reads_a_session_file_the_same_tolerant_way(tmp_path: Path) -> None:
    from gemini_desktop.engine.cli_sessions import conversation_turns

    path = write_jsonl(tmp_path / "session-2026-01-05T10-00-deep0002.jsonl", header("deep0002"),
                       user("u", "hello"), "[" * 100_000, gemini("g", "hi"))
    assert [(turn.role, turn.text) for turn in conversation_turns(path)] == [("user", "hello"), ("assistant", "hi")]


def test_times_outside_what_can_be_shown_fall_back_and_the_history_still_lists(
        store: HistoryStore, home: Path) -> None:
    chats = chats_dir(home, "proj")
    write_jsonl(chats / "session-2026-01-05T10-00-time0001.jsonl",
                {**header("time0001"), "startTime": "0001-01-01T00:00:00+14:00",
                 "lastUpdated": "9999-12-31T23:59:59-14:00"},
                user("u", "hello", when="0001-01-01T00:00:00+14:00"), gemini("g", "hi", when="not a time"))

    assert import_cli_sessions(store, home).messages_added == 2
    [session] = store.list_sessions()
    assert [message.text for message in store.messages(session.id)] == ["hello", "hi"]
