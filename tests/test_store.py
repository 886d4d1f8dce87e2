"""The history store: durability across a kill, search (English and Chinese), soft delete, recovery, export."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gemini_desktop.store import HistoryStore, StoreError, connection, default_store_path

ROOT = Path(__file__).resolve().parent.parent


def test_default_path_is_in_the_user_data_dir() -> None:
    path = default_store_path()
    assert path.name == "history.sqlite3"
    assert "gemini-desktop" in path.parts


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_killed_mid_stream_keeps_user_message_and_partial_answer(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    script = textwrap.dedent(f"""
        import os, signal, sys
        from pathlib import Path
        from gemini_desktop.store import HistoryStore
        store = HistoryStore.open(Path({str(path)!r}))
        session = store.create_session("/project", "gemini-2.5-flash", gemini_session_id="g-1")
        store.add_message(session.id, "user", "Please explain WAL mode")
        answer = store.add_message(session.id, "assistant", "", state="streaming")
        for words, thoughts in (("WAL", "think"), (" keeps", "ing"), (" readers going", "")):
            store.append_to_message(answer, words, thoughts=thoughts)
        print(session.id, answer, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == -signal.SIGKILL, result.stderr
    session_id, answer_id = map(int, result.stdout.split())

    reopened = HistoryStore.open(path)
    try:
        assert reopened.recovery_message is None
        assert reopened.mark_interrupted() == 1
        user, answer = reopened.messages(session_id)
        assert (user.role, user.text, user.state) == ("user", "Please explain WAL mode", "complete")
        assert (answer.id, answer.text, answer.thoughts) == (answer_id, "WAL keeps readers going", "thinking")
        assert answer.state == "interrupted"
        assert reopened.find_by_gemini_id("g-1").id == session_id  # type: ignore[union-attr]
        assert reopened.mark_interrupted() == 0
    finally:
        reopened.close()


def test_every_write_is_visible_to_another_connection_at_once(store: HistoryStore) -> None:
    session = store.create_session("/p")
    message = store.add_message(session.id, "user", "saved before sending")
    other = sqlite3.connect(store.path)
    try:
        assert other.execute("SELECT text FROM messages WHERE id = ?", (message,)).fetchone() == (
            "saved before sending",)
    finally:
        other.close()


def test_session_fields_titles_and_activity_order(store: HistoryStore) -> None:
    first = store.create_session("/a", "gemini-2.5-pro")
    second = store.create_session("/b")
    assert first.title == "" and first.source == "app" and first.message_count == 0
    store.add_message(first.id, "user", "  How do I\n rename   a branch in git?  " + "x" * 200)
    store.set_model(second.id, "gemini-2.5-flash")
    store.set_gemini_session_id(second.id, "abc")
    listed = store.list_sessions()
    assert [s.id for s in listed] == [first.id, second.id]  # first has the newest activity
    assert listed[0].title.startswith("How do I rename a branch in git?")
    assert listed[0].title.endswith("…") and len(listed[0].title) <= 80
    assert listed[0].message_count == 1
    assert store.get_session(second.id).model == "gemini-2.5-flash"  # type: ignore[union-attr]
    assert store.find_by_gemini_id("abc").id == second.id  # type: ignore[union-attr]
    assert store.list_sessions(offset=1, limit=1) == [listed[1]]
    assert store.session_count() == 2

    store.rename_session(first.id, "Git branches")
    assert store.get_session(first.id).title == "Git branches"  # type: ignore[union-attr]
    store.rename_session(first.id, "  ")
    assert store.get_session(first.id).title.startswith("How do I")  # type: ignore[union-attr]


def test_finish_message_and_tool_call_upsert(store: HistoryStore) -> None:
    session = store.create_session("/p")
    answer = store.add_message(session.id, "assistant", "", state="streaming")
    store.record_tool_call(session.id, answer, "call-1", "Writing to a.txt", "edit", "pending", ["/p/a.txt"],
                           "+hello")
    store.record_tool_call(session.id, None, "call-1", "", "", "completed", [], "", decision="proceed_once")
    store.finish_message(answer, "done", thoughts="t", input_tokens=12, output_tokens=7)
    [call] = store.tool_calls(session.id)
    assert (call.message_id, call.title, call.status, call.paths, call.diff, call.decision) == (
        answer, "Writing to a.txt", "completed", ("/p/a.txt",), "+hello", "proceed_once")
    [message] = store.messages(session.id)
    assert (message.text, message.state, message.input_tokens, message.output_tokens) == ("done", "complete", 12, 7)
    with pytest.raises(ValueError):
        store.add_message(session.id, "system", "no")
    with pytest.raises(StoreError):
        store.add_message(9999, "user", "no such session")


def test_search_finds_old_sessions_in_english_and_chinese(store: HistoryStore) -> None:
    old = store.create_session("/old")
    store.add_message(old.id, "user", "我们今天讨论会话恢复的问题，以及 WAL checkpoint 的行为。")
    store.add_message(old.id, "assistant", "Session recovery relies on the <b>journal</b> & checkpoints.")
    for index in range(30):
        newer = store.create_session(f"/new{index}")
        store.add_message(newer.id, "user", f"unrelated question number {index} about cooking 菜谱")

    [hit] = store.search("会话恢复")
    assert hit.session.id == old.id and hit.role == "user"
    start, length = hit.matches[0]
    assert hit.snippet[start:start + length] == "会话恢复"

    two_chars = store.search("会话")  # shorter than a trigram: served by the fallback
    assert [h.session.id for h in two_chars] == [old.id]

    [english] = store.search("JOURNAL")
    assert english.role == "assistant" and "<b>journal</b>" in english.snippet  # plain text, not rendered
    start, length = english.matches[0]
    assert english.snippet[start:start + length].lower() == "journal"

    assert [h.session.id for h in store.search("checkpoint 会话")] == [old.id]
    assert store.search("cooking", limit=5)[0].session.cwd == "/new29"  # newest first
    assert len(store.search("cooking", limit=5)) == 5
    assert store.search("nothing-like-this") == []
    store.add_message(old.id, "user", "abc then def")
    assert store.search("abcdef") == []  # every trigram occurs, the word does not
    assert store.search("   ") == []
    assert store.search('quote " and 100%') == []


def test_long_message_snippet_shows_the_match_in_context(store: HistoryStore) -> None:
    session = store.create_session("/p")
    store.add_message(session.id, "assistant", "filler " * 200 + "the needle is here" + " tail" * 200)
    [hit] = store.search("needle")
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert len(hit.snippet) < 200
    start, length = hit.matches[0]
    assert hit.snippet[start:start + length] == "needle"


def test_a_snippet_is_plain_text_even_deep_in_a_long_markdown_answer(store: HistoryStore) -> None:
    session = store.create_session("/p")
    answer = ("# Title\n\n" + "Some **bold** words.\n\n" * 200 + "```python\n" + "x = [1]\n" * 200
              + "# the needle is here\n```\n\nAfter the *code*.\n")
    store.add_message(session.id, "assistant", answer)
    [hit] = store.search("needle")
    assert "x = [1] # the needle is here · After the code." in hit.snippet  # the code's own "#" stays
    assert "**" not in hit.snippet and "`" not in hit.snippet and hit.snippet.startswith("…")
    start, length = hit.matches[0]
    assert hit.snippet[start:start + length] == "needle"


def test_delete_undo_and_purge(store: HistoryStore) -> None:
    session = store.create_session("/p")
    answer = store.add_message(session.id, "assistant", "distinctive words here")
    store.record_tool_call(session.id, answer, "c", "t", "edit", "completed", [], "")
    token = store.delete_session(session.id)
    assert store.list_sessions() == [] and store.get_session(session.id) is None
    assert store.search("distinctive") == []
    assert store.undo_delete(token) is True
    assert store.get_session(session.id).message_count == 1  # type: ignore[union-attr]
    assert [h.message_id for h in store.search("distinctive")] == [answer]
    assert store.undo_delete(token) is False

    store.delete_session(session.id)
    assert store.purge_deleted() == 1
    assert store.messages(session.id) == [] and store.tool_calls(session.id) == []
    raw = sqlite3.connect(store.path)
    try:
        assert raw.execute("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'distinctive'").fetchone() \
            == (0,)
    finally:
        raw.close()
    with pytest.raises(StoreError):
        store.delete_session(session.id)


def test_corrupt_database_is_moved_aside_and_a_fresh_one_created(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"this is not an sqlite database at all" * 100)
    store = HistoryStore.open(path)
    try:
        assert store.recovery_message is not None
        backups = list(tmp_path.glob("history.sqlite3.corrupt-*"))
        assert len(backups) == 1 and backups[0].name.count("-") >= 2
        assert str(backups[0]) in store.recovery_message
        assert "damaged" in store.recovery_message
        assert backups[0].read_bytes().startswith(b"this is not")
        session = store.create_session("/p")
        assert store.get_session(session.id) is not None
    finally:
        store.close()


def test_locked_database_gives_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the opening's patience (10 s of retries, each waiting 2 s for the lock) is for a concurrent first start's
    # set-up: this lock is never released, so a fraction of it shows the same error
    monkeypatch.setattr(connection, "OPEN_PATIENCE", 0.3)
    monkeypatch.setattr(connection, "LOCK_TIMEOUT", 0.1)
    path = tmp_path / "history.sqlite3"
    HistoryStore.open(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        with pytest.raises(StoreError, match="locked"):
            HistoryStore.open(path)
        assert not list(tmp_path.glob("*.corrupt-*"))
    finally:
        holder.close()


def test_unopenable_location_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError):
        HistoryStore.open(blocker / "history.sqlite3")


def test_exports(store: HistoryStore) -> None:
    session = store.create_session("/proj", "gemini-2.5-flash", gemini_session_id="gid")
    store.add_message(session.id, "user", "Write hello.txt")
    answer = store.add_message(session.id, "assistant", "Done: created the file.", thoughts="plan it")
    store.record_tool_call(session.id, answer, "c1", "Writing to hello.txt", "edit", "completed",
                           ["/proj/hello.txt"], "+hello")
    store.rename_session(session.id, "Hello file")

    markdown = store.export_markdown(session.id)
    assert markdown.startswith("# Hello file\n")
    assert "## You\n\n```\nWrite hello.txt\n```" in markdown
    assert "## Gemini\n\n*Thoughts:*\n\n```\nplan it\n```\n\n```\nDone: created the file.\n```" in markdown
    assert "```diff\n+hello\n```" in markdown and "/proj" in markdown

    document = json.loads(store.export_json(session.id))
    assert document["session"]["title"] == "Hello file"
    assert document["session"]["gemini_session_id"] == "gid"
    assert [m["text"] for m in document["messages"]] == ["Write hello.txt", "Done: created the file."]
    assert document["tool_calls"][0]["paths"] == ["/proj/hello.txt"]
    with pytest.raises(StoreError):
        store.export_markdown(12345)


def test_reopen_keeps_schema_and_data(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    first = HistoryStore.open(path)
    session = first.create_session("/p")
    first.add_message(session.id, "user", "persisted")
    first.close()
    second = HistoryStore.open(path)
    try:
        assert [m.text for m in second.messages(session.id)] == ["persisted"]
        assert second.search("persisted")[0].session.id == session.id
    finally:
        second.close()
