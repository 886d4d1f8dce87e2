"""Merging the sessions gemini-cli recorded itself into the history (the database half of `cli_import`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from gemini_desktop.store.records import ImportedMessage, ImportedSession, MergeOutcome
from gemini_desktop.store.schema import UPSERT_TOOL_CALL
from gemini_desktop.store.text import CleanWrites, clean_text, json_text

REMEMBER_IMPORTED_FILE = (
    "INSERT INTO imported_files (path, size, mtime) VALUES (?, ?, ?)"
    " ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime"
)


def merge_imported_sessions(
    db: CleanWrites, batch: Sequence[tuple[ImportedSession, Sequence[tuple[str, int, float]]]]
) -> list[MergeOutcome]:
    """Add CLI sessions, or append their new messages (deduplicated by the CLI's message id), and
    remember the files (path, size, mtime) they came from, all in the one transaction `db` writes in.

    A session the app itself recorded, or an imported one the app has since continued, is left alone:
    the app's copy is the complete one (and the CLI's file repeats what the app already stored).
    """
    outcomes: list[MergeOutcome] = []
    fresh: list[tuple[int, ImportedMessage]] = []
    for imported, files in batch:
        db.executemany(REMEMBER_IMPORTED_FILE, files)
        target = _import_target(db, imported)
        if target is None:
            outcomes.append(MergeOutcome(added=False, updated=False, messages_added=0))
            continue
        session_id, added = target
        new, edited = _sort_imported(db, session_id, imported)
        fresh += [(session_id, message) for message in new]
        if (new or edited) and not added:
            db.execute(
                "UPDATE sessions SET updated = max(updated, ?), model = coalesce(?, model),"
                " cwd = CASE WHEN cwd = '' THEN ? ELSE cwd END WHERE id = ?",
                (imported.updated, imported.model, imported.cwd, session_id),
            )
        outcomes.append(MergeOutcome(added=added, updated=bool(new or edited) and not added,
                                     messages_added=len(new)))
    _insert_imported(db, fresh)
    return outcomes


def _import_target(db: CleanWrites, imported: ImportedSession) -> tuple[int, bool] | None:
    """(session id, newly added), or None when the session must not be touched or has nothing to add."""
    row = db.execute(
        "SELECT id, source, deleted_at FROM sessions WHERE gemini_session_id = ? ORDER BY id LIMIT 1",
        (imported.gemini_session_id,),
    ).fetchone()
    if row is not None:
        continued_in_app = db.execute(
            "SELECT EXISTS (SELECT 1 FROM messages WHERE session_id = ? AND external_id IS NULL)", (row[0],)
        ).fetchone()[0]
        owned_by_import = row[1] == "cli-import" and row[2] is None and not continued_in_app
        return (int(row[0]), False) if owned_by_import else None
    if not any(message.role == "user" for message in imported.messages):
        return None
    cursor = db.execute(
        "INSERT INTO sessions (gemini_session_id, cwd, model, created, updated, source)"
        " VALUES (?, ?, ?, ?, ?, 'cli-import')",
        (imported.gemini_session_id, imported.cwd, imported.model, imported.created, imported.updated),
    )
    return int(cursor.lastrowid or 0), True


def _sort_imported(db: CleanWrites, session_id: int,
                   imported: ImportedSession) -> tuple[list[ImportedMessage], int]:
    """Split into messages not stored yet, and update the stored ones the CLI has since rewritten."""
    known = {row[0]: row[1:] for row in db.execute(  # only this batch's messages: imports come in many batches
        "SELECT external_id, id, text, thoughts FROM messages WHERE session_id = ?"
        " AND external_id IN (SELECT value FROM json_each(?))",
        (session_id, json.dumps([message.external_id for message in imported.messages])),
    )}
    new, edited = [], 0
    for message in imported.messages:
        stored = known.get(message.external_id)
        if stored is None:
            new.append(message)
            continue
        if stored[1:] != (clean_text(message.text), clean_text(message.thoughts)):
            db.execute(
                "UPDATE messages SET text = ?, thoughts = ?, input_tokens = ?, output_tokens = ? WHERE id = ?",
                (message.text, message.thoughts, message.input_tokens, message.output_tokens, stored[0]),
            )
            edited += 1
        db.executemany(UPSERT_TOOL_CALL, _tool_call_rows(session_id, stored[0], message))
    return new, edited


def _insert_imported(db: CleanWrites, fresh: list[tuple[int, ImportedMessage]]) -> None:
    """One INSERT for the whole batch: the full-text index flushes per statement, so per-row inserts
    would make an import of thousands of messages several times slower."""
    if not fresh:
        return
    before = db.execute("SELECT coalesce(max(id), 0) FROM messages").fetchone()[0]
    rows = [[session_id, m.role, m.text, m.thoughts, m.created, m.input_tokens, m.output_tokens, m.external_id]
            for session_id, m in fresh]
    db.execute(
        "INSERT INTO messages (session_id, role, text, thoughts, created, updated, input_tokens,"
        " output_tokens, state, external_id)"
        " SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),"
        " json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[4]'),"
        " json_extract(value, '$[5]'), json_extract(value, '$[6]'), 'complete', json_extract(value, '$[7]')"
        " FROM json_each(?) ORDER BY key",
        (json_text(rows),),
    )
    ids = {(row[0], row[1]): row[2] for row in db.execute(
        "SELECT session_id, external_id, id FROM messages WHERE id > ?", (before,))}
    db.executemany(UPSERT_TOOL_CALL, [
        row for session_id, message in fresh
        for row in _tool_call_rows(session_id, ids[(session_id, message.external_id)], message)
    ])


def _tool_call_rows(session_id: int, message_id: int, message: ImportedMessage) -> list[tuple[Any, ...]]:
    return [(session_id, message_id, call.tool_call_id, call.title, call.kind, call.status,
             json_text(list(call.paths)), call.diff, None, message.created, message.created)
            for call in message.tool_calls]
