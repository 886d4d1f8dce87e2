"""Durable chat history: SQLite (WAL, one writer, FTS5 trigram index) plus import of gemini-cli's own files.

No Qt in this package. Every write is committed before the call returns, so killing the app loses at most
the last unsaved second of a streaming answer and never a finished message. Every text written passes one
cleaning point (`store/text.py`: lone UTF-16 surrogates become U+FFFD) and every text read is decoded
tolerantly, so no message can make a write fail or a database unreadable.

Public API::

    from gemini_desktop.store import (HistoryStore, SessionRecord, MessageRecord, ToolCallRecord, SearchHit,
                                      AttachmentRecord, file_reference, image_record,
                                      StoreError, StoreBusy, StoreFull, import_cli_sessions, ImportReport,
                                      default_store_path, HistoryWriter, RowRef, WriterState)

    store = HistoryStore.open(path=None)      # None: default_store_path() in the user data dir
        # damaged file -> moved aside, a fresh database is created and store.recovery_message names the
        # backup (show it to the user); StoreError only when even that fails, or the file is locked.
        # The file is created owner-only (0600; its WAL/SHM follow); a concurrent first opener is waited for.
    HistoryStore.without_saving(notice)       # in memory only, for a run whose database cannot be used
    store.create_session(cwd, model=None, gemini_session_id=None, title=None, source="app", agent="")
        -> SessionRecord
    store.set_gemini_session_id(session_id, gemini_session_id)
    store.set_model(session_id, model)
    store.add_message(session_id, role, text, *, state="complete", thoughts="", attachments=()) -> message id
        # role "user" | "assistant"; state "complete" | "streaming" | "interrupted" | "failed"
        # attachments: AttachmentRecords, saved in the same transaction, in order:
    file_reference(path) -> AttachmentRecord  # a file (size, sha256 now, streamed) or a folder, as a reference
    image_record(blobs, data, mime_type, name, path="") -> AttachmentRecord   # the bytes go into the BlobStore
        # (stored once however often sent); both are slow for big inputs: call them off the UI thread
    store.append_to_message(message_id, text, thoughts="")      # about once a second while streaming: the text
        # new since the last call (saved as a part of its own, so the cost does not grow with the answer);
        # messages() joins the parts, finish_message() replaces them with the final text (search sees an
        # answer once it is finished, or marked interrupted)
    store.finish_message(message_id, text, *, thoughts="", state="complete", input_tokens=0, output_tokens=0)
    store.record_tool_call(session_id, message_id, tool_call_id, title, kind, status, paths, diff,
                           decision=None)                        # upsert by (session, tool_call_id)
    store.mark_interrupted() -> int           # at start-up: "streaming" -> "interrupted"
    store.get_session(id) -> SessionRecord | None                # None also for a (soft-)deleted session
    store.find_by_gemini_id(gemini_session_id) -> SessionRecord | None
    store.list_sessions(offset=0, limit=100) -> list[SessionRecord]   # newest activity first
    store.session_count() -> int
    store.messages(session_id) -> list[MessageRecord]            # oldest first, each with its .attachments
    store.tool_calls(session_id) -> list[ToolCallRecord]
    store.search(query, limit=50) -> list[SearchHit]             # newest first; all words must occur, in the
        # text or the message's attachment names (a hit found by a name shows the names in its snippet)
    store.rename_session(id, title)           # "" returns to the automatic title
    store.delete_session(id) -> undo token    # soft delete
    store.undo_delete(token) -> bool
    store.purge_deleted() -> int              # really remove soft-deleted sessions
    store.export_markdown(id) -> str          # attachments listed under their message (kind, path, size, sha256)
    store.export_json(id) -> str              # each message's "attachments": [{kind, name, path, size, sha256,
        # mime_type}]; an image's sha256 names its blob
    store.open_writer() -> HistoryStore      # a second connection to the same file, for a writer thread
    store.close()
        # StoreBusy (another program holds the write lock) and StoreFull (disk full) are StoreErrors that pass:
        # the same write succeeds later. Other StoreErrors carry a readable text; the SQL detail is logged.

    store.path ; store.recovery_message       # the file in use; the damage notice after a recovery, else None

    import_cli_sessions(store, gemini_home, should_stop=lambda: False) -> ImportReport
        # reads gemini_home/.gemini; incremental; streams each file, skips non-regular files, remembers
        # files with nothing usable; commits at most 100 messages per transaction; should_stop is checked
        # between files and batches (a stopped import continues at the next run).
        # ImportReport(sessions_added, sessions_updated, messages_added, files_skipped, errors: list[str]).
        # Sessions the app recorded itself (same gemini session id), or imported ones the app has continued,
        # are never merged again: the CLI's file would only repeat them. Run it off the UI thread or at
        # start-up; `store.merge_imported_sessions` / `imported_file_state` / `remember_imported_files`
        # exist only for it.

    writer = HistoryWriter(store, deliver, on_state=..., on_failure=...)   # ordered writes on a thread of
        # its own connection; busy/full writes are retried until they succeed (nothing is dropped) and the
        # state (WriterState.SAVING/BUSY/FULL) is reported once per change. deliver(callback) runs callbacks
        # where the caller wants them (a UI posts them to its thread).
    writer.submit(lambda store: ..., then=None, into=None)   # into: a RowRef that receives the new row id
        # before the next write runs, so later writes can refer to rows not written yet (RowRef.require())
    writer.when_saved(callback) ; writer.wait_idle(timeout) -> bool ; writer.close(timeout) -> writes lost

    store.blobs -> BlobStore                  # the history's own: blobs/ next to the database (attached images)
    blobs = BlobStore(root)                   # content-addressed files (sha256 names, owner-only, written
    blobs.put(data) / blobs.put_file(path) -> sha256   # atomically; the same content is stored once; a file
    blobs.read(sha256) -> bytes ; blobs.path(sha256) ; blobs.exists(sha256)   # is copied streamed)
        # BlobMissing (a StoreError) when a blob is gone or its bytes no longer match its name
    sha256_of_file(path) -> str               # streamed

    edits = FileEditLog(store, blobs)         # the engine's FileEditJournal (EngineConfig.file_journal):
    edits.record(gemini_session_id, tool_call_id, path, before, after)   # images as blobs, a file_edits row
        # linked to the session, the answer being streamed (or the tool call's) and the tool call
    edits.edits_of_turn(message_id) -> list[FileEditRecord]
    edits.undo_turn(message_id, overwrite=False) -> UndoOutcome(restored, changed)
    edits.undo_tool_call(gemini_session_id, tool_call_id, overwrite=False) -> UndoOutcome
        # every file back to before the turn (deleted if it did not exist), all or none; a file changed since
        # the edit (hash differs from the after-image) is listed in `changed` and nothing is restored unless
        # overwrite=True. StoreError (files already restored put back) when a file cannot be written.

`SessionRecord.title` is the display title: the user-given one (`user_title`), else the first user message
shortened, else "" (the UI shows its own placeholder). Times are timezone-aware UTC datetimes.
Search: words of 3+ characters use the trigram index (any substring, so Chinese works without word
breaks); a query made only of 1-2 character words (e.g. "会话") falls back to a newest-first scan.
`SearchHit.snippet` is plain text with the match in context; `SearchHit.matches` holds (start, length) of
every match inside the snippet, for highlighting. Nothing in these records is escaped: they hold model and
user text verbatim, so a UI must escape them.
"""

from gemini_desktop.store.attachments import file_reference, image_record
from gemini_desktop.store.blobs import BlobMissing, BlobStore, sha256_of_file
from gemini_desktop.store.cli_import import import_cli_sessions
from gemini_desktop.store.file_edits import FileEditLog, UndoOutcome
from gemini_desktop.store.history import HistoryStore, default_store_path
from gemini_desktop.store.records import (
    AttachmentRecord,
    FileEditRecord,
    ImportReport,
    MessageRecord,
    SearchHit,
    SessionRecord,
    StoreBusy,
    StoreError,
    StoreFull,
    ToolCallRecord,
)
from gemini_desktop.store.writer import HistoryWriter, RowRef, WriterState

__all__ = [
    "AttachmentRecord",
    "BlobMissing",
    "BlobStore",
    "FileEditLog",
    "FileEditRecord",
    "HistoryStore",
    "HistoryWriter",
    "ImportReport",
    "MessageRecord",
    "RowRef",
    "SearchHit",
    "SessionRecord",
    "StoreBusy",
    "StoreError",
    "StoreFull",
    "ToolCallRecord",
    "UndoOutcome",
    "WriterState",
    "default_store_path",
    "file_reference",
    "image_record",
    "import_cli_sessions",
    "sha256_of_file",
]
