"""Import of gemini-cli's own session files: a file the real CLI wrote, plus hand-made damaged and old ones."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gemini_desktop.engine.types import GeminiCommand
from gemini_desktop.store import HistoryStore, import_cli_sessions
from tests.support.cli_env import cli_environment
from tests.support.fake_gemini import DEFAULT_MODEL, FakeGemini

PREAMBLE = "<session_context>\nThis is the Gemini CLI. We are setting up the context for our chat.\n</session_context>"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "cli-home"
    (path / ".gemini" / "tmp").mkdir(parents=True)
    return path


def chats_dir(home: Path, name: str, project: str | None = None) -> Path:
    if project is not None:
        projects_file = home / ".gemini" / "projects.json"
        projects = json.loads(projects_file.read_text()) if projects_file.exists() else {"projects": {}}
        projects["projects"][project] = name
        projects_file.write_text(json.dumps(projects))
    path = home / ".gemini" / "tmp" / name / "chats"
    path.mkdir(parents=True, exist_ok=True)
    return path


def header(session_id: str, start: str = "2026-01-05T10:00:00.000Z") -> dict[str, Any]:
    return {"sessionId": session_id, "projectHash": "f" * 64, "startTime": start, "lastUpdated": start,
            "kind": "main"}


def user(message_id: str, text: str, when: str = "2026-01-05T10:00:01.000Z") -> dict[str, Any]:
    return {"id": message_id, "timestamp": when, "type": "user", "content": [{"text": text}]}


def gemini(message_id: str, text: str, when: str = "2026-01-05T10:00:02.000Z", **extra: Any) -> dict[str, Any]:
    return {"id": message_id, "timestamp": when, "type": "gemini", "content": text, "thoughts": [],
            "tokens": {"input": 10, "output": 5, "cached": 0, "thoughts": 0, "tool": 0, "total": 15},
            "model": "gemini-2.5-pro", **extra}


def write_jsonl(path: Path, *records: dict[str, Any] | str) -> Path:
    lines = [record if isinstance(record, str) else json.dumps(record) for record in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def texts(store: HistoryStore, session_id: int) -> list[tuple[str, str]]:
    return [(m.role, m.text) for m in store.messages(session_id)]


@pytest.mark.e2e
def test_imports_a_session_the_real_cli_wrote(store: HistoryStore, gemini_command: GeminiCommand,
                                              fake_gemini: FakeGemini, cli_home: Path, workdir: Path) -> None:
    env = {**os.environ, **cli_environment(cli_home, fake_gemini.base_url), "GEMINI_CLI_NO_RELAUNCH": "true"}

    def ask(*args: str) -> None:
        command = [gemini_command.program, *gemini_command.args, *args, "-o", "stream-json", "-m", DEFAULT_MODEL]
        result = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=90)
        assert result.returncode == 0, result.stderr[-2000:]

    fake_gemini.reply("Hi! ", "How can I help?")
    ask("-p", "hello")
    report = import_cli_sessions(store, cli_home)
    assert (report.sessions_added, report.messages_added, report.errors) == (1, 2, [])
    [session] = store.list_sessions()
    assert session.source == "cli-import" and session.model == DEFAULT_MODEL
    assert Path(session.cwd).resolve() == workdir.resolve()
    assert session.title == "hello" and session.gemini_session_id
    assert texts(store, session.id) == [("user", "hello"), ("assistant", "Hi! How can I help?")]
    assert store.messages(session.id)[1].output_tokens == 7

    again = import_cli_sessions(store, cli_home)
    assert (again.sessions_added, again.sessions_updated, again.messages_added) == (0, 0, 0)
    assert again.files_skipped >= 1

    fake_gemini.reply("Second answer.")
    ask("--resume", "latest", "-p", "and again")
    resumed = import_cli_sessions(store, cli_home)
    assert (resumed.sessions_added, resumed.sessions_updated, resumed.messages_added) == (0, 1, 2)
    assert texts(store, session.id)[2:] == [("user", "and again"), ("assistant", "Second answer.")]
    assert store.search("again")[0].session.id == session.id


def test_truncated_and_malformed_records_are_skipped_and_the_rest_kept(store: HistoryStore, home: Path) -> None:
    chats = chats_dir(home, "proj", project="/home/me/proj")
    write_jsonl(
        chats / "session-2026-01-05T10-00-aaaa1111.jsonl",
        header("aaaa1111-0000"),
        {"$set": {"messages": [user("pre", PREAMBLE)], "lastUpdated": "2026-01-05T10:00:00.500Z"}},
        user("u1", "What is 会话恢复?"),
        "{this is not json",
        ["a", "list"],  # type: ignore[arg-type]
        {"id": "i1", "timestamp": "2026-01-05T10:00:01.500Z", "type": "info", "content": "Switched model"},
        gemini("g1", "It means session restore."),
        {"id": "e1", "timestamp": "2026-01-05T10:00:03.000Z", "type": "error", "content": "quota"},
        '{"id": "g2", "timestamp": "2026-01-05T10:00:04.000Z", "type": "gemini", "content": "cut of',
    )
    report = import_cli_sessions(store, home)
    assert (report.sessions_added, report.messages_added) == (1, 2)
    assert len(report.errors) == 3
    assert any(":4: malformed" in error for error in report.errors)
    assert any(":9: malformed" in error for error in report.errors)
    [session] = store.list_sessions()
    assert session.cwd == "/home/me/proj" and session.model == "gemini-2.5-pro"
    assert texts(store, session.id) == [("user", "What is 会话恢复?"), ("assistant", "It means session restore.")]
    assert session.updated.timestamp() >= session.created.timestamp()
    assert store.search("会话恢复")[0].session.id == session.id


def test_old_single_object_format_in_an_unknown_project_dir(store: HistoryStore, home: Path) -> None:
    chats = chats_dir(home, "0123abcd" * 8)
    document = {**header("old-1"), "messages": [user("u", "old question"), gemini("g", "old answer")]}
    (chats / "session-2025-03-01T09-00-old1.json").write_text(json.dumps(document, indent=2))
    (chats / "session-2025-03-01T09-05-bad1.json").write_text('{"sessionId": "bad", "messages": [')
    report = import_cli_sessions(store, home)
    assert report.sessions_added == 1 and report.files_skipped == 1 and len(report.errors) >= 1
    [session] = store.list_sessions()
    assert session.cwd == "" and session.gemini_session_id == "old-1"
    assert texts(store, session.id) == [("user", "old question"), ("assistant", "old answer")]


def test_project_hash_maps_to_a_known_folder(store: HistoryStore, home: Path) -> None:
    import hashlib

    chats_dir(home, "named", project="/srv/app")
    chats = chats_dir(home, hashlib.sha256(b"/srv/app").hexdigest())
    write_jsonl(chats / "session-2025-03-01T09-00-hash.jsonl", header("h-1"), user("u", "hi"))
    import_cli_sessions(store, home)
    assert store.list_sessions()[0].cwd == "/srv/app"


def test_patches_rewinds_and_replaced_records(store: HistoryStore, home: Path) -> None:
    chats = chats_dir(home, "p", project="/p")
    write_jsonl(
        chats / "session-2026-01-05T10-00-bbbb2222.jsonl",
        header("bbbb2222"),
        user("u1", "first"),
        gemini("g1", "draft answer"),
        {"$rewindTo": "g1"},
        gemini("g2", "final answer", toolCalls=[{
            "id": "call-1", "name": "write_file", "displayName": "WriteFile", "status": "success",
            "args": {"file_path": "/p/a.txt", "content": "x"},
            "resultDisplay": {"fileDiff": "--- a\n+++ b\n+x", "fileName": "a.txt"},
        }]),
        {**gemini("g2", "final answer, edited"), "thoughts": [{"subject": "Plan", "description": "write it"}]},
        {"$set": {"lastUpdated": "2026-01-05T11:00:00.000Z", "summary": "s"}},
    )
    import_cli_sessions(store, home)
    [session] = store.list_sessions()
    assert texts(store, session.id) == [("user", "first"), ("assistant", "final answer, edited")]
    assert store.messages(session.id)[1].thoughts == "Plan\nwrite it"
    assert session.updated.isoformat().startswith("2026-01-05T11:00")
    # The record replaced later carries no toolCalls: the CLI's last record wins.
    assert store.tool_calls(session.id) == []


def test_tool_calls_are_imported(store: HistoryStore, home: Path) -> None:
    chats = chats_dir(home, "p", project="/p")
    write_jsonl(chats / "session-2026-01-05T10-00-cccc3333.jsonl", header("cccc3333"), user("u1", "make a.txt"),
                gemini("g1", "", toolCalls=[{
                    "id": "call-1", "name": "write_file", "displayName": "WriteFile", "status": "success",
                    "args": {"file_path": "/p/a.txt"}, "resultDisplay": {"fileDiff": "+x"}}]))
    import_cli_sessions(store, home)
    [session] = store.list_sessions()
    [call] = store.tool_calls(session.id)
    assert (call.tool_call_id, call.title, call.kind, call.status, call.paths, call.diff) == (
        "call-1", "WriteFile", "write_file", "success", ("/p/a.txt",), "+x")
    assert call.message_id == store.messages(session.id)[1].id


def test_files_of_one_session_are_merged_and_reimport_is_incremental(store: HistoryStore, home: Path) -> None:
    chats = chats_dir(home, "p", project="/p")
    original = write_jsonl(chats / "session-2026-01-05T10-00-dddd4444.jsonl", header("dddd4444"),
                           user("pre", PREAMBLE), user("u1", "question one"), gemini("g1", "answer one"))
    write_jsonl(chats / "session-2026-01-05T10-07-dddd4444.jsonl",
                header("dddd4444", "2026-01-05T10:07:00.000Z"))  # metadata-only file from a resume
    write_jsonl(chats / "session-2026-01-05T10-09-eeee5555.jsonl", header("eeee5555"), user("pre", PREAMBLE))
    first = import_cli_sessions(store, home)
    assert (first.sessions_added, first.messages_added, first.errors) == (1, 2, [])
    [session] = store.list_sessions()

    second = import_cli_sessions(store, home)
    assert (second.sessions_added, second.sessions_updated, second.messages_added) == (0, 0, 0)
    assert second.files_skipped == 3

    with original.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(user("u1", "question one")) + "\n")
        handle.write(json.dumps(user("u2", "question two", "2026-01-05T10:08:00.000Z")) + "\n")
    third = import_cli_sessions(store, home)
    assert (third.sessions_added, third.sessions_updated, third.messages_added) == (0, 1, 1)
    assert texts(store, session.id) == [("user", "question one"), ("assistant", "answer one"),
                                        ("user", "question two")]
    assert len(store.list_sessions()) == 1


def test_sessions_the_app_recorded_are_not_duplicated(store: HistoryStore, home: Path) -> None:
    app_session = store.create_session("/p", gemini_session_id="ffff6666")
    store.add_message(app_session.id, "user", "typed in the app")
    chats = chats_dir(home, "p", project="/p")
    write_jsonl(chats / "session-2026-01-05T10-00-ffff6666.jsonl", header("ffff6666"),
                user("u1", "typed in the app"), gemini("g1", "answer"))
    report = import_cli_sessions(store, home)
    assert (report.sessions_added, report.sessions_updated, report.messages_added) == (0, 0, 0)
    assert texts(store, app_session.id) == [("user", "typed in the app")]


def test_missing_or_broken_cli_home(store: HistoryStore, tmp_path: Path, home: Path) -> None:
    assert import_cli_sessions(store, tmp_path / "nowhere").sessions_added == 0
    (home / ".gemini" / "projects.json").write_text("{not json")
    chats = chats_dir(home, "x")
    write_jsonl(chats / "session-1.jsonl", "garbage only")
    report = import_cli_sessions(store, home)
    assert report.sessions_added == 0 and report.files_skipped == 1
    assert any("projects.json" in error for error in report.errors)


def test_an_imported_session_continued_in_the_app_is_not_imported_again(store: HistoryStore, home: Path) -> None:
    chats = chats_dir(home, "p", project="/p")
    path = write_jsonl(chats / "session-2026-01-05T10-00-abab7777.jsonl", header("abab7777"),
                       user("u1", "imported question"), gemini("g1", "imported answer"))
    import_cli_sessions(store, home)
    [session] = store.list_sessions()
    store.add_message(session.id, "user", "asked in the app")
    with path.open("a", encoding="utf-8") as handle:  # the CLI records the resumed turn in its own file too
        handle.write(json.dumps(user("u2", "asked in the app", "2026-01-05T11:00:00.000Z")) + "\n")
    report = import_cli_sessions(store, home)
    assert (report.sessions_updated, report.messages_added) == (0, 0)
    assert [text for _, text in texts(store, session.id)] == ["imported question", "imported answer",
                                                               "asked in the app"]
