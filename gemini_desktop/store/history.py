"""The durable history: one SQLite file, one writer connection, every write committed before returning."""

from __future__ import annotations

import functools
import json
import logging
import sqlite3
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gemini_desktop.paths import data_dir
from gemini_desktop.store.blobs import BlobStore
from gemini_desktop.store.connection import (
    IN_MEMORY,
    connect,
    create_private,
    is_full,
    is_locked,
    move_aside,
    readable_reason,
)
from gemini_desktop.store.export import conversation_json, conversation_markdown
from gemini_desktop.store.import_merge import REMEMBER_IMPORTED_FILE, merge_imported_sessions
from gemini_desktop.store.records import (
    ATTACHMENT_KINDS,
    MESSAGE_STATES,
    ROLES,
    SOURCES,
    AttachmentRecord,
    FileEditRecord,
    ImportedSession,
    MergeOutcome,
    MessageRecord,
    SearchHit,
    SessionRecord,
    StoreBusy,
    StoreError,
    StoreFull,
    ToolCallRecord,
    TurnSnapshotRecord,
)
from gemini_desktop.store.schema import UPSERT_TOOL_CALL
from gemini_desktop.store.search import search_messages
from gemini_desktop.store.text import CleanWrites, clean_parameters, clean_text, json_text

log = logging.getLogger(__name__)

TITLE_LENGTH = 80
CLOSE_PATIENCE = 2.0
SQLITE_MIN_INT, SQLITE_MAX_INT = -(2**63), 2**63 - 1

_SESSION_COLUMNS = """
    s.id, s.gemini_session_id, s.user_title, s.cwd, s.model, s.created, s.updated, s.source,
    s.agent,
    (SELECT count(*) FROM messages m WHERE m.session_id = s.id),
    (SELECT substr(m.text, 1, 400) FROM messages m
        WHERE m.session_id = s.id AND m.role = 'user' AND trim(m.text) != '' ORDER BY m.id LIMIT 1)
"""
_MESSAGE_COLUMNS = (
    "id, session_id, role, text, thoughts, created, updated, input_tokens, output_tokens, state"
)
_ATTACHMENT_COLUMNS = "message_id, kind, name, path, size, sha256, mime_type"
_TOOL_CALL_COLUMNS = (
    "id, session_id, message_id, tool_call_id, title, kind, status, paths, diff, decision, created, updated"
)
# The session and the answer (turn) are found at record time: the tool call's answer when it is saved already,
# else the session's newest answer (the one streaming while gemini edits).
_INSERT_FILE_EDIT = """
INSERT INTO file_edits (session_id, gemini_session_id, message_id, tool_call_id, path, before_sha256,
                        after_sha256, created)
SELECT s.id, ?1, COALESCE(
           (SELECT t.message_id FROM tool_calls t WHERE t.session_id = s.id AND t.tool_call_id = ?2
            AND t.message_id IS NOT NULL),
           (SELECT max(m.id) FROM messages m WHERE m.session_id = s.id AND m.role = 'assistant')),
       ?2, ?3, ?4, ?5, ?6
FROM (SELECT (SELECT max(id) FROM sessions WHERE gemini_session_id = ?1) AS id) AS s
"""
_FILE_EDIT_COLUMNS = ("id, session_id, gemini_session_id, message_id, tool_call_id, path, before_sha256, "
                      "after_sha256, created, undone")


def default_store_path() -> Path:
    return data_dir() / "history.sqlite3"


def _when(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def short_title(text: str) -> str:
    """A one-line title from a message: whitespace collapsed, cut at a readable length."""
    line = " ".join(text.split())
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1].rstrip() + "…"


class HistoryStore:
    """All reads and writes of the chat history. Thread-safe through one lock; not a QObject."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self._lock = threading.RLock()
        self.path = path
        self.recovery_message: str | None = None
        """Set when a damaged database was moved aside at open: tell the user (it names the backup)."""

    @functools.cached_property
    def blobs(self) -> BlobStore:
        """The content-addressed files that belong with this history (attached images), in `blobs/` next to
        the database (the user data dir by default); a history kept in memory keeps them for this run only."""
        if self.path == IN_MEMORY:
            return BlobStore(Path(tempfile.mkdtemp(prefix="gemini-desktop-blobs-")))
        return BlobStore(self.path.parent / "blobs")

    @classmethod
    def open(cls, path: Path | None = None) -> HistoryStore:
        path = Path(path) if path is not None else default_store_path()
        try:
            create_private(path)
            return cls(connect(path), path)
        except StoreError:
            raise
        except sqlite3.OperationalError as exc:
            if is_locked(exc):
                raise StoreError(
                    f"The history database {path} is locked by another program (is Gemini Desktop already "
                    "running?). Close it and try again."
                ) from exc
            raise StoreError(f"The history database {path} cannot be opened: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            damage = exc
        except OSError as exc:
            raise StoreError(f"The history database {path} cannot be opened: {exc}") from exc
        return cls._recover(path, damage)

    @classmethod
    def without_saving(cls, notice: str) -> HistoryStore:
        """A history held in memory only, for a run whose database cannot be used; `notice` says so to the user."""
        store = cls(connect(IN_MEMORY), IN_MEMORY)
        store.recovery_message = notice
        return store

    @classmethod
    def _recover(cls, path: Path, damage: sqlite3.DatabaseError) -> HistoryStore:
        log.error("history database %s is damaged: %s", path, damage)
        try:
            backup = move_aside(path)
            create_private(path)
            store = cls(connect(path), path)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(
                f"The history database {path} is damaged ({damage}) and a new one could not be created: {exc}"
            ) from exc
        store.recovery_message = (
            f"The history database was damaged ({damage}). It was kept as {backup} and a new, empty "
            "history was started."
        )
        log.warning("%s", store.recovery_message)
        return store

    def open_writer(self) -> HistoryStore:
        """A second connection to the same file for a writer thread, so its waits never block this one's reads.

        Unlike `open`, a damaged file is not moved aside here: the first connection owns that decision. A history
        held in memory has no file to share: its writer is the store itself (its lock keeps the threads apart).
        """
        if self.path == IN_MEMORY:
            return self
        try:
            return HistoryStore(connect(self.path), self.path)
        except sqlite3.Error as exc:
            raise self._store_error(exc) from exc

    def close(self) -> None:
        """Close the database, unless a write from another thread is stuck (then the process ends first,
        and SQLite rolls the unfinished transaction back): closing must never keep the app from quitting."""
        if not self._lock.acquire(timeout=CLOSE_PATIENCE):
            log.warning("history database still busy at close; leaving it to the end of the process")
            return
        try:
            try:
                self._db.execute("PRAGMA optimize")
            except sqlite3.Error as exc:
                log.warning("PRAGMA optimize failed: %s", exc)
            self._db.close()
        finally:
            self._lock.release()

    # -- plumbing ----------------------------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[CleanWrites]:
        """One committed write: either all of it reaches the disk or none of it."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._store_error(exc) from exc
            try:
                yield CleanWrites(self._db)
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise self._store_error(exc) from exc
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        """After a failed COMMIT (a full disk) SQLite may have ended the transaction itself already."""
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    def _query(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._db.execute(sql, clean_parameters(parameters)).fetchall()
            except sqlite3.Error as exc:
                raise self._store_error(exc) from exc

    def _store_error(self, error: sqlite3.Error) -> StoreError:
        """A StoreError whose text a user can read (the SQL detail goes to the log), typed by what to do next."""
        if is_locked(error):
            log.debug("history database busy: %s", error)
            return StoreBusy(f"The history database {self.path} is locked by another program.")
        if is_full(error):
            log.debug("history database full: %s", error)
            return StoreFull(f"The disk holding the history database {self.path} is full.")
        log.error("history database error: %s", error)
        return StoreError(f"The history database {self.path} could not be used ({readable_reason(error)}).")

    # -- sessions ----------------------------------------------------------------------------------

    def create_session(self, cwd: str, model: str | None = None, gemini_session_id: str | None = None,
                       title: str | None = None, source: str = "app", agent: str = "") -> SessionRecord:
        """`agent`: the agent profile's name ("" is gemini)."""
        if source not in SOURCES:
            raise ValueError(f"unknown session source {source!r}")
        now = time.time()
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO sessions (gemini_session_id, user_title, cwd, model, created, updated, source, agent)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (gemini_session_id, (title or "").strip() or None, cwd, model, now, now, source, agent),
            )
        created = self.get_session(int(cursor.lastrowid or 0))
        assert created is not None
        return created

    def set_gemini_session_id(self, session_id: int, gemini_session_id: str) -> None:
        with self._transaction() as db:
            db.execute("UPDATE sessions SET gemini_session_id = ? WHERE id = ?",
                       (gemini_session_id, session_id))

    def set_model(self, session_id: int, model: str) -> None:
        with self._transaction() as db:
            db.execute("UPDATE sessions SET model = ? WHERE id = ?", (model, session_id))

    def rename_session(self, session_id: int, title: str) -> None:
        """An empty title goes back to the automatic one (the first user message)."""
        with self._transaction() as db:
            db.execute("UPDATE sessions SET user_title = ? WHERE id = ?", (title.strip() or None, session_id))

    def get_session(self, session_id: int) -> SessionRecord | None:
        """None for an id SQLite cannot even hold (it would raise OverflowError): no such conversation."""
        if not SQLITE_MIN_INT <= session_id <= SQLITE_MAX_INT:
            return None
        found = self._sessions("s.id = ? AND s.deleted_at IS NULL", (session_id,))
        return found[0] if found else None

    def find_by_gemini_id(self, gemini_session_id: str) -> SessionRecord | None:
        found = self._sessions(
            "s.gemini_session_id = ? AND s.deleted_at IS NULL ORDER BY s.id LIMIT 1", (gemini_session_id,)
        )
        return found[0] if found else None

    def list_sessions(self, offset: int = 0, limit: int = 100) -> list[SessionRecord]:
        """Newest activity first; pages through `offset`/`limit` so long histories load quickly."""
        return self._sessions(
            "s.deleted_at IS NULL ORDER BY s.updated DESC, s.id DESC LIMIT ? OFFSET ?", (limit, offset)
        )

    def session_count(self) -> int:
        return int(self._query("SELECT count(*) FROM sessions WHERE deleted_at IS NULL")[0][0])

    def _sessions(self, where: str, parameters: Sequence[Any]) -> list[SessionRecord]:
        rows = self._query(f"SELECT {_SESSION_COLUMNS} FROM sessions s WHERE {where}", parameters)
        return [
            SessionRecord(
                id=row[0], gemini_session_id=row[1], title=row[2] or short_title(row[10] or ""),
                user_title=row[2], cwd=row[3], model=row[4], created=_when(row[5]), updated=_when(row[6]),
                source=row[7], message_count=row[9], agent=row[8],
            )
            for row in rows
        ]

    def delete_session(self, session_id: int) -> str:
        """Hide the session; the returned token brings it back with `undo_delete` until `purge_deleted`."""
        token = uuid.uuid4().hex
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE sessions SET deleted_at = ?, delete_token = ? WHERE id = ? AND deleted_at IS NULL",
                (time.time(), token, session_id),
            )
        if cursor.rowcount != 1:
            raise StoreError(f"Conversation {session_id} does not exist.")
        return token

    def undo_delete(self, token: str) -> bool:
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE sessions SET deleted_at = NULL, delete_token = NULL WHERE delete_token = ?", (token,)
            )
        return cursor.rowcount > 0

    def purge_deleted(self) -> int:
        """Really remove soft-deleted sessions with their messages and tool calls; returns how many."""
        with self._transaction() as db:
            cursor = db.execute("DELETE FROM sessions WHERE deleted_at IS NOT NULL")
        return cursor.rowcount

    # -- messages and tool calls -------------------------------------------------------------------

    def add_message(self, session_id: int, role: str, text: str, *, state: str = "complete",
                    thoughts: str = "", attachments: Sequence[AttachmentRecord] = ()) -> int:
        """Committed before it returns, with its attachments: a user's message is on disk before it is sent.

        Attachment records come from `store.attachments` (an image's blob is already in the BlobStore)."""
        _check(role, ROLES, "role")
        _check(state, MESSAGE_STATES, "state")
        for attachment in attachments:
            _check(attachment.kind, ATTACHMENT_KINDS, "attachment kind")
        now = time.time()
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO messages (session_id, role, text, thoughts, created, updated, state)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (session_id, role, text, thoughts, now, now, state),
            )
            message_id = int(cursor.lastrowid or 0)
            db.executemany(
                "INSERT INTO attachments (message_id, position, kind, name, path, size, sha256, mime_type)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(message_id, position, a.kind, a.name, a.path, a.size, a.sha256, a.mime_type)
                 for position, a in enumerate(attachments)],
            )
            db.execute("UPDATE sessions SET updated = ? WHERE id = ?", (now, session_id))
        return message_id

    def append_to_message(self, message_id: int, text: str, thoughts: str = "") -> None:
        """Save what streamed since the last call; a kill after this loses only what came later.

        Only the new text is written (as a part of its own), so the cost does not grow with the answer.
        """
        if not (text or thoughts):
            return
        with self._transaction() as db:
            db.execute("INSERT INTO message_parts (message_id, text, thoughts) VALUES (?, ?, ?)",
                       (message_id, text, thoughts))

    def finish_message(self, message_id: int, text: str, *, thoughts: str = "", state: str = "complete",
                       input_tokens: int = 0, output_tokens: int = 0) -> None:
        _check(state, MESSAGE_STATES, "state")
        now = time.time()
        with self._transaction() as db:
            db.execute(
                "UPDATE messages SET text = ?, thoughts = ?, state = ?, input_tokens = ?, output_tokens = ?,"
                " updated = ? WHERE id = ?",
                (text, thoughts, state, input_tokens, output_tokens, now, message_id),
            )
            db.execute("DELETE FROM message_parts WHERE message_id = ?", (message_id,))
            db.execute(
                "UPDATE sessions SET updated = ? WHERE id = (SELECT session_id FROM messages WHERE id = ?)",
                (now, message_id),
            )

    def mark_interrupted(self) -> int:
        """At start-up: answers still "streaming" were cut off by a crash or kill. Their saved parts join
        their text, so search finds them."""
        with self._transaction() as db:
            streamed = _joined_parts(db.execute(
                "SELECT message_id, text, thoughts FROM message_parts ORDER BY message_id, id"))
            db.executemany("UPDATE messages SET text = text || ?, thoughts = thoughts || ? WHERE id = ?",
                           [(text, thoughts, message_id) for message_id, (text, thoughts) in streamed.items()])
            db.execute("DELETE FROM message_parts")
            cursor = db.execute("UPDATE messages SET state = 'interrupted' WHERE state = 'streaming'")
        return cursor.rowcount

    def record_tool_call(self, session_id: int, message_id: int | None, tool_call_id: str, title: str,
                         kind: str, status: str, paths: Sequence[str], diff: str,
                         decision: str | None = None) -> None:
        """Insert or update by (session, tool_call_id); empty fields of an update keep what was known."""
        now = time.time()
        with self._transaction() as db:
            db.execute(UPSERT_TOOL_CALL, (session_id, message_id, tool_call_id, title, kind, status,
                                          json_text(list(paths)), diff, decision, now, now))

    def record_file_edit(self, gemini_session_id: str, tool_call_id: str, path: str, before_sha256: str | None,
                         after_sha256: str) -> int:
        """Committed before it returns: the edit is known before the file is written."""
        with self._transaction() as db:
            cursor = db.execute(_INSERT_FILE_EDIT, (gemini_session_id, tool_call_id, path, before_sha256,
                                                    after_sha256, time.time()))
        return int(cursor.lastrowid or 0)

    def file_edits(self, *, message_id: int | None = None, gemini_session_id: str | None = None,
                   tool_call_id: str | None = None) -> list[FileEditRecord]:
        """The edits of one answer (turn), or of one tool call of a gemini session; oldest first."""
        if message_id is not None:
            where, parameters = "message_id = ?", (message_id,)
        else:
            where, parameters = "gemini_session_id = ? AND tool_call_id = ?", (gemini_session_id, tool_call_id)
        rows = self._query(f"SELECT {_FILE_EDIT_COLUMNS} FROM file_edits WHERE {where} ORDER BY id", parameters)
        return [
            FileEditRecord(id=row[0], session_id=row[1], gemini_session_id=row[2], message_id=row[3],
                           tool_call_id=row[4], path=row[5], before_sha256=row[6], after_sha256=row[7],
                           created=_when(row[8]), undone=_when(row[9]) if row[9] is not None else None)
            for row in rows
        ]

    def mark_file_edits_undone(self, edit_ids: Sequence[int], *, undone: bool = True) -> None:
        now = time.time() if undone else None
        with self._transaction() as db:
            db.executemany("UPDATE file_edits SET undone = ? WHERE id = ?", [(now, edit) for edit in edit_ids])

    def save_plan(self, session_id: int, items: Sequence[tuple[str, str, str]]) -> None:
        """The session's latest plan, (content, status, priority) per item; it replaces the one before."""
        with self._transaction() as db:
            db.execute("INSERT INTO plans (session_id, items, updated) VALUES (?, ?, ?) ON CONFLICT (session_id)"
                       " DO UPDATE SET items = excluded.items, updated = excluded.updated",
                       (session_id, json_text([list(item) for item in items]), time.time()))

    def plan(self, session_id: int) -> list[tuple[str, str, str]]:
        """The session's latest plan ([] when it has none); malformed items are left out."""
        rows = self._query("SELECT items FROM plans WHERE session_id = ?", (session_id,))
        try:
            items = json.loads(rows[0][0]) if rows else []
        except ValueError:
            log.warning("the stored plan of session %s is unreadable; none shown", session_id)
            return []
        return [(str(item[0]), str(item[1]), str(item[2])) for item in items if isinstance(item, list)
                and len(item) == 3] if isinstance(items, list) else []

    def record_turn_snapshot(self, gemini_session_id: str, tool_call_id: str, key: str, work_tree: str,
                             paths: Sequence[str], skipped: Sequence[str]) -> None:
        """Tie a turn's snapshots to its conversation (by gemini's session id) and answer (by its tool call)."""
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO turn_snapshots (session_id, tool_call_id, snapshot_key, work_tree, "
                       "paths, skipped, created) SELECT max(id), ?, ?, ?, ?, ?, ? FROM sessions WHERE "
                       "gemini_session_id = ?", (tool_call_id, key, work_tree, json.dumps(list(paths)),
                                                 json.dumps(list(skipped)), time.time(), gemini_session_id))

    def turn_snapshots(self, session_id: int) -> list[TurnSnapshotRecord]:
        rows = self._query("SELECT (SELECT t.message_id FROM tool_calls t WHERE t.session_id = s.session_id AND "
                           "t.tool_call_id = s.tool_call_id), snapshot_key, work_tree, paths, skipped FROM "
                           "turn_snapshots s WHERE session_id = ? ORDER BY id", (session_id,))
        return [TurnSnapshotRecord(row[0], row[1], row[2], tuple(json.loads(row[3])), tuple(json.loads(row[4])))
                for row in rows]

    def link_branch(self, session_id: int, parent_id: int) -> None:
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO branches (session_id, parent_id, created) VALUES (?, ?, ?)",
                       (session_id, parent_id, time.time()))

    def branch_parent(self, session_id: int) -> int | None:
        """The conversation this one was branched from ("Edit and resend"), if any."""
        rows = self._query("SELECT parent_id FROM branches WHERE session_id = ?", (session_id,))
        return int(rows[0][0]) if rows else None

    def branches_of(self, session_id: int) -> list[int]:
        return [int(row[0]) for row in self._query(
            "SELECT session_id FROM branches WHERE parent_id = ? ORDER BY session_id", (session_id,))]

    def messages(self, session_id: int) -> list[MessageRecord]:
        """Oldest first; an answer still streaming (or cut off) includes every part saved so far."""
        with self._lock:
            rows = self._query(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE session_id = ? ORDER BY id", (session_id,)
            )
            streamed = _joined_parts(self._query(
                "SELECT p.message_id, p.text, p.thoughts FROM message_parts p JOIN messages m ON m.id = p.message_id"
                " WHERE m.session_id = ? ORDER BY p.message_id, p.id", (session_id,)))
            attached = self._attachments(
                "SELECT message_id FROM messages WHERE session_id = ?", (session_id,))
        return [
            MessageRecord(
                id=row[0], session_id=row[1], role=row[2], text=row[3] + streamed.get(row[0], ("", ""))[0],
                thoughts=row[4] + streamed.get(row[0], ("", ""))[1], created=_when(row[5]),
                updated=_when(row[6]), input_tokens=row[7], output_tokens=row[8], state=row[9],
                attachments=attached.get(row[0], ()),
            )
            for row in rows
        ]

    def _attachments(self, message_ids_sql: str, parameters: Sequence[Any]) -> dict[int, tuple[AttachmentRecord, ...]]:
        """The attachments of the messages the subquery selects, by message id, in the order they were added."""
        found: dict[int, list[AttachmentRecord]] = {}
        for row in self._query(f"SELECT {_ATTACHMENT_COLUMNS} FROM attachments WHERE message_id IN"
                               f" ({message_ids_sql}) ORDER BY message_id, position", parameters):
            found.setdefault(row[0], []).append(AttachmentRecord(*row[1:]))
        return {message_id: tuple(records) for message_id, records in found.items()}

    def tool_calls(self, session_id: int) -> list[ToolCallRecord]:
        rows = self._query(
            f"SELECT {_TOOL_CALL_COLUMNS} FROM tool_calls WHERE session_id = ? ORDER BY id", (session_id,)
        )
        return [
            ToolCallRecord(
                id=row[0], session_id=row[1], message_id=row[2], tool_call_id=row[3], title=row[4],
                kind=row[5], status=row[6], paths=tuple(_json_list(row[7])), diff=row[8], decision=row[9],
                created=_when(row[10]), updated=_when(row[11]),
            )
            for row in rows
        ]

    # -- search ------------------------------------------------------------------------------------

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Newest matching messages first (see `store.search.search_messages`)."""
        return search_messages(self._query, self._sessions_by_id, query, limit)

    def _sessions_by_id(self, session_ids: Sequence[int]) -> dict[int, SessionRecord]:
        placeholders = ",".join("?" * len(session_ids))
        return {record.id: record for record in self._sessions(f"s.id IN ({placeholders})", session_ids)}

    # -- export ------------------------------------------------------------------------------------

    def export_markdown(self, session_id: int) -> str:
        session = self._require(session_id)
        return conversation_markdown(session, self.messages(session_id), self.tool_calls(session_id))

    def export_json(self, session_id: int) -> str:
        session = self._require(session_id)
        return conversation_json(session, self.messages(session_id), self.tool_calls(session_id))

    def _require(self, session_id: int) -> SessionRecord:
        session = self.get_session(session_id)
        if session is None:
            raise StoreError(f"Conversation {session_id} does not exist.")
        return session

    # -- import support (used by cli_import) -------------------------------------------------------

    def imported_file_state(self, path: str) -> tuple[int, float] | None:
        rows = self._query("SELECT size, mtime FROM imported_files WHERE path = ?", (path,))
        return (rows[0][0], rows[0][1]) if rows else None

    def remember_imported_files(self, files: Sequence[tuple[str, int, float]]) -> None:
        """Files (path, size, mtime) read without anything to import: not read again until they change."""
        with self._transaction() as db:
            db.executemany(REMEMBER_IMPORTED_FILE, files)

    def merge_imported_sessions(
        self, batch: Sequence[tuple[ImportedSession, Sequence[tuple[str, int, float]]]]
    ) -> list[MergeOutcome]:
        """Merge a batch of CLI sessions (see `import_merge.merge_imported_sessions`) in one transaction."""
        with self._transaction() as db:
            return merge_imported_sessions(db, batch)


def _joined_parts(rows: Iterable[Sequence[Any]]) -> dict[int, tuple[str, str]]:
    """(message id, text, thoughts) parts, in order -> each message's streamed text and thoughts."""
    pieces: dict[int, tuple[list[str], list[str]]] = {}
    for message_id, text, thoughts in rows:
        texts, thought_texts = pieces.setdefault(message_id, ([], []))
        texts.append(text)
        thought_texts.append(thoughts)
    return {message_id: ("".join(texts), "".join(thought_texts)) for message_id, (texts, thought_texts)
            in pieces.items()}


def _json_list(raw: str) -> list[str]:
    try:
        value = json.loads(raw)
    except ValueError:
        return []
    return [clean_text(str(item)) for item in value] if isinstance(value, list) else []


def _check(value: str, allowed: Sequence[str], what: str) -> None:
    if value not in allowed:
        raise ValueError(f"unknown message {what} {value!r}; expected one of {', '.join(allowed)}")
