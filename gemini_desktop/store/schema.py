"""Schema migrations: each entry moves the database one version forward; all pending ones run in one transaction.

Append new migrations to `MIGRATIONS`; never edit a shipped one: users' databases already ran it.
"""

from __future__ import annotations

import sqlite3

from gemini_desktop.store.records import StoreError

# The one write of a tool call row, shared by the app's recording and the CLI import; it relies on the
# (session_id, tool_call_id) unique index: empty fields of an update keep what was known.
UPSERT_TOOL_CALL = """
INSERT INTO tool_calls (session_id, message_id, tool_call_id, title, kind, status, paths, diff, decision,
                        created, updated)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (session_id, tool_call_id) DO UPDATE SET
    message_id = coalesce(excluded.message_id, message_id),
    title = CASE WHEN excluded.title != '' THEN excluded.title ELSE title END,
    kind = CASE WHEN excluded.kind != '' THEN excluded.kind ELSE kind END,
    status = CASE WHEN excluded.status != '' THEN excluded.status ELSE status END,
    paths = CASE WHEN excluded.paths != '[]' THEN excluded.paths ELSE paths END,
    diff = CASE WHEN excluded.diff != '' THEN excluded.diff ELSE diff END,
    decision = coalesce(excluded.decision, decision),
    updated = excluded.updated
"""

_V1 = """
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    gemini_session_id TEXT,
    user_title TEXT,
    cwd TEXT NOT NULL DEFAULT '',
    model TEXT,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    source TEXT NOT NULL DEFAULT 'app' CHECK (source IN ('app', 'cli-import')),
    deleted_at REAL,
    delete_token TEXT
);
CREATE INDEX sessions_by_activity ON sessions (updated DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX sessions_by_gemini_id ON sessions (gemini_session_id);
CREATE INDEX sessions_by_delete_token ON sessions (delete_token) WHERE delete_token IS NOT NULL;

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    text TEXT NOT NULL DEFAULT '',
    thoughts TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL,
    updated REAL NOT NULL,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'complete'
        CHECK (state IN ('complete', 'streaming', 'interrupted', 'failed')),
    external_id TEXT
);
CREATE INDEX messages_by_session ON messages (session_id, role, id);
CREATE INDEX messages_streaming ON messages (state) WHERE state = 'streaming';
CREATE UNIQUE INDEX messages_by_external_id ON messages (session_id, external_id)
    WHERE external_id IS NOT NULL;

CREATE TABLE tool_calls (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    message_id INTEGER REFERENCES messages (id) ON DELETE SET NULL,
    tool_call_id TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT '',
    paths TEXT NOT NULL DEFAULT '[]',
    diff TEXT NOT NULL DEFAULT '',
    decision TEXT,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    UNIQUE (session_id, tool_call_id)
);
CREATE INDEX tool_calls_by_message ON tool_calls (message_id);

-- Trigram finds any substring of 3+ characters, which also works for Chinese (no word breaks needed).
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    text, content = 'messages', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages WHEN old.text IS NOT new.text BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
END;

-- Which CLI session files were imported in which state, so re-import only reads what changed.
CREATE TABLE imported_files (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime REAL NOT NULL
);
"""

# A streaming answer is saved as appended parts, so a checkpoint costs the new text only (not the whole answer
# again, re-indexed); finish_message folds them into messages.text, where the full-text index sees them.
_V2 = """
CREATE TABLE message_parts (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    text TEXT NOT NULL DEFAULT '',
    thoughts TEXT NOT NULL DEFAULT ''
);
CREATE INDEX message_parts_by_message ON message_parts (message_id, id);
"""

# What a message was sent with: files and folders as references (path, size, sha256 at send time), images as
# the sha256 of their blob in the BlobStore. Searched by name alongside the message text.
_V3 = """
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('file', 'folder', 'image')),
    name TEXT NOT NULL DEFAULT '',
    path TEXT NOT NULL DEFAULT '',
    size INTEGER NOT NULL DEFAULT 0,
    sha256 TEXT NOT NULL DEFAULT '',
    mime_type TEXT NOT NULL DEFAULT ''
);
CREATE INDEX attachments_by_message ON attachments (message_id, position);
"""

# Every file edit gemini made through the app (fs/write_text_file): the before-image (NULL: the file did not
# exist) and the after-image as blob names, linked to the session, the answer (turn) and the tool call, so the
# edits of a turn or of one tool call can be undone.
_V4 = """
CREATE TABLE file_edits (
    id INTEGER PRIMARY KEY,
    session_id INTEGER REFERENCES sessions (id) ON DELETE CASCADE,
    gemini_session_id TEXT NOT NULL,
    message_id INTEGER REFERENCES messages (id) ON DELETE SET NULL,
    tool_call_id TEXT NOT NULL DEFAULT '',
    path TEXT NOT NULL,
    before_sha256 TEXT,
    after_sha256 TEXT NOT NULL,
    created REAL NOT NULL,
    undone REAL
);
CREATE INDEX file_edits_by_message ON file_edits (message_id, id);
CREATE INDEX file_edits_by_tool_call ON file_edits (gemini_session_id, tool_call_id, id);
"""

# The agent's latest plan (todo list) of a session, shown again when the conversation is resumed: items as a
# JSON list of [content, status, priority].
_V5 = """
CREATE TABLE plans (
    session_id INTEGER PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    items TEXT NOT NULL DEFAULT '[]',
    updated REAL NOT NULL
);
"""

# A conversation started by "Edit and resend" from an earlier one: the original stays, and each names the other.
_V6 = """
CREATE TABLE branches (
    session_id INTEGER PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    parent_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created REAL NOT NULL
);
CREATE INDEX branches_by_parent ON branches (parent_id);
"""

# Which kind of agent each conversation runs on (an agent profile's name); '' is gemini, as every conversation
# before agents had names.
_V7 = """
ALTER TABLE sessions ADD COLUMN agent TEXT NOT NULL DEFAULT '';
"""

# A turn's snapshots of its working folder (the shadow repository's key), tied to the turn: the answer is the one
# of its first changing tool call (found through tool_calls when read, so the order of writes does not matter).
# `paths`: the files the turn changed; `skipped`: what the bounds left out (JSON lists).
_V8 = """
CREATE TABLE turn_snapshots (
    id INTEGER PRIMARY KEY,
    session_id INTEGER REFERENCES sessions (id) ON DELETE CASCADE,
    tool_call_id TEXT NOT NULL,
    snapshot_key TEXT NOT NULL UNIQUE,
    work_tree TEXT NOT NULL,
    paths TEXT NOT NULL DEFAULT '[]',
    skipped TEXT NOT NULL DEFAULT '[]',
    created REAL NOT NULL
);
CREATE INDEX turn_snapshots_by_session ON turn_snapshots (session_id, id);
"""

MIGRATIONS: list[str] = [_V1, _V2, _V3, _V4, _V5, _V6, _V7, _V8]


def schema_version(connection: sqlite3.Connection) -> int:
    known = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").fetchone()
    if known is None:
        return 0
    row = connection.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def migrate(connection: sqlite3.Connection) -> int:
    """Bring the database to the newest version; a database from a newer app is refused, not damaged.

    Safe against another process opening the same database at the same moment (two first starts): the
    version is read again inside the write transaction, so whoever comes second finds the work done.
    """
    _refuse_newer(schema_version(connection))
    if schema_version(connection) == len(MIGRATIONS):
        return len(MIGRATIONS)
    connection.execute("BEGIN IMMEDIATE")
    try:
        connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        current = schema_version(connection)
        _refuse_newer(current)
        for version in range(current + 1, len(MIGRATIONS) + 1):
            for statement in _statements(MIGRATIONS[version - 1]):
                connection.execute(statement)
            connection.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    return len(MIGRATIONS)


def _refuse_newer(current: int) -> None:
    if current > len(MIGRATIONS):
        raise StoreError(
            f"The history database was written by a newer version of Gemini Desktop (schema {current}, "
            f"this version understands up to {len(MIGRATIONS)}). Please update the app."
        )


def _statements(script: str) -> list[str]:
    """Split a script on complete statements (trigger bodies contain semicolons of their own)."""
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        statements.append(pending.strip())
    return statements
