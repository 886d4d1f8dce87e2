"""The engine's handling of the CLI's session files: read, back up, restore, rebuild."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gemini_desktop.engine.cli_sessions import (
    FileBackup,
    conversation_turns,
    project_chats_dir,
    session_files,
    write_session_file,
)
from gemini_desktop.engine.types import TranscriptTurn

SESSION = "1234abcd-0000-4000-8000-000000000001"


def cli_file(home: Path, name: str, records: list[dict]) -> Path:
    chats = home / ".gemini" / "tmp" / "proj" / "chats"
    chats.mkdir(parents=True, exist_ok=True)
    path = chats / name
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def conversation(home: Path) -> Path:
    return cli_file(home, f"session-2026-11-24T06-00-{SESSION[:8]}.jsonl", [
        {"sessionId": SESSION, "projectHash": "abc", "startTime": "t", "lastUpdated": "t", "kind": "main"},
        {"$set": {"messages": [{"id": "p", "type": "user", "content": [{"text": "<session_context>\nx"}]}]}},
        {"id": "1", "type": "user", "content": [{"text": "hello"}]},
        {"id": "2", "type": "gemini", "content": "hi there", "model": "m"},
        {"id": "3", "type": "gemini", "content": "", "toolCalls": [{"name": "write_file"}]},
        {"id": "4", "type": "user", "content": [{"functionResponse": {"name": "write_file"}}]},
        {"id": "2", "type": "gemini", "content": "hi there!", "model": "m"},
        "not a record",
        {"id": "5", "type": "info", "content": "noise"},
    ])


def test_conversation_turns_skip_preamble_and_tool_plumbing(tmp_path: Path) -> None:
    path = conversation(tmp_path)
    (path.parent / "broken.jsonl").write_text("{not json\n")
    assert conversation_turns(path) == [TranscriptTurn("user", "hello"), TranscriptTurn("assistant", "hi there!")]


def test_backup_detects_damage_and_restores(tmp_path: Path) -> None:
    original = conversation(tmp_path)
    kept = original.read_text()
    backup = FileBackup.take(tmp_path, SESSION, tmp_path / "backups")
    assert backup.user_messages == 1 and not backup.damaged()
    original.write_text(json.dumps({"sessionId": SESSION, "kind": "main"}) + "\n")
    stray = cli_file(tmp_path, f"session-2026-11-24T06-01-{SESSION[:8]}.jsonl", [{"sessionId": SESSION}])
    assert backup.damaged()
    backup.restore()
    assert original.read_text() == kept
    assert not stray.exists()
    assert session_files(tmp_path, SESSION) == [original]


def test_rebuilt_file_is_named_in_an_earlier_minute_and_reads_back(tmp_path: Path) -> None:
    conversation(tmp_path)
    (tmp_path / ".gemini" / "projects.json").write_text(json.dumps({"projects": {str(tmp_path / "w"): "proj"}}))
    chats = project_chats_dir(tmp_path, tmp_path / "w")
    assert chats == tmp_path / ".gemini" / "tmp" / "proj" / "chats"
    turns = [TranscriptTurn("user", "你好"), TranscriptTurn("assistant", "hello")]
    new_id = write_session_file(chats, turns, "gemini-2.5-flash")
    (written,) = session_files(tmp_path, new_id)
    assert json.loads(written.read_text().splitlines()[0])["projectHash"] == "abc"
    assert conversation_turns(written) == turns
    this_minute = datetime.now(UTC).strftime("%Y-%m-%dT%H-%M")
    earlier = (datetime.now(UTC) - timedelta(minutes=2)).strftime("%Y-%m-%dT%H-%M")
    assert this_minute not in written.name
    assert earlier in written.name or (datetime.now(UTC) - timedelta(minutes=3)).strftime("%Y-%m-%dT%H-%M") \
        in written.name


def test_a_replay_keeps_the_first_question_apart_from_the_preamble() -> None:
    """gemini replays the preamble and the first question as two user chunks: joining them lost one message."""
    from gemini_desktop.engine.transcript import consolidate_replay, user_turn_count

    replay = [("user", "<session_context>\nThis is the Gemini CLI."), ("user", "Question one."),
              ("assistant", "Answer "), ("assistant", "one."), ("user", "[Function Response: x]"),
              ("user", "Question two."), ("user", "Question three.")]
    turns = consolidate_replay(replay)
    assert [(t.role, t.text) for t in turns] == [("user", "Question one."), ("assistant", "Answer one."),
                                                 ("user", "Question two."), ("user", "Question three.")]
    assert user_turn_count(turns) == 3
