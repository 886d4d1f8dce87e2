"""gemini's file edits come through the app (ACP fs capability): journaled before they happen, undoable per turn."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gemini_desktop.engine import EngineConfig, GeminiSessionClient, PermissionRequest, ToolCall, ToolStatus
from gemini_desktop.engine.file_access import FileAccess, FileRefused
from gemini_desktop.store import BlobStore, FileEditLog, HistoryStore, StoreError
from tests.support.fake_gemini import FakeGemini, FunctionCall


class RecordingJournal:
    """Counts what reaches the journal, then hands it to the real one."""

    def __init__(self, inner: FileEditLog) -> None:
        self.inner = inner
        self.calls: list[tuple[str, str, Path, bytes | None, bytes]] = []

    def record(self, session_id: str, tool_call_id: str, path: Path, before: bytes | None, after: bytes) -> None:
        self.calls.append((session_id, tool_call_id, path, before, after))
        self.inner.record(session_id, tool_call_id, path, before, after)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    history = HistoryStore.open(tmp_path / "history.sqlite3")
    yield history
    history.close()


@pytest.fixture
def journal(store: HistoryStore, tmp_path: Path) -> RecordingJournal:
    return RecordingJournal(FileEditLog(store, BlobStore(tmp_path / "blobs")))


@pytest.fixture
def client(engine_config: EngineConfig, journal: RecordingJournal,
           run_async: Callable[..., Any]) -> Iterator[GeminiSessionClient]:
    engine = GeminiSessionClient(dataclasses.replace(engine_config, file_journal=journal))
    asked: list[PermissionRequest] = []

    async def approve(request: PermissionRequest) -> str | None:
        asked.append(request)
        option = request.option_of_kind("allow_once")
        return option.option_id if option else None

    engine.permission_handler = approve
    engine.asked = asked  # type: ignore[attr-defined]
    yield engine
    run_async(engine.stop_session(), timeout=20)


def start_turn(client: GeminiSessionClient, store: HistoryStore, run_async: Callable[..., Any]) -> int:
    """What the conversation controller does: a stored session for gemini's id, and the answer being streamed."""
    run_async(client.start_session())
    assert client.session_id is not None
    session = store.find_by_gemini_id(client.session_id) or store.create_session(
        str(client.config.cwd), gemini_session_id=client.session_id)
    store.add_message(session.id, "user", "edit it")
    return store.add_message(session.id, "assistant", "", state="streaming")


@pytest.mark.e2e
def test_a_write_file_call_comes_through_the_client_is_journaled_and_undo_of_the_turn_restores_the_file(
        client: GeminiSessionClient, journal: RecordingJournal, store: HistoryStore, fake_gemini: FakeGemini,
        workdir: Path, run_async: Callable[..., Any]) -> None:
    target = workdir / "notes.txt"
    target.write_text("the user's original text\n")
    target.chmod(0o640)
    answer = start_turn(client, store, run_async)
    fake_gemini.reply(FunctionCall("write_file", {"file_path": str(target), "content": "gemini's version\n"}))
    fake_gemini.reply("Done.")

    result = run_async(client.chat("edit it"))

    assert result.text == "Done."
    assert target.read_text() == "gemini's version\n"
    assert target.stat().st_mode & 0o777 == 0o640
    # The CLI did not write the file itself: the write reached our journal, with the previous content.
    assert [(c[2], c[3], c[4]) for c in journal.calls] == [
        (target.resolve(), b"the user's original text\n", b"gemini's version\n")]
    assert journal.calls[0][1] == client.asked[0].tool_call.tool_call_id  # type: ignore[attr-defined]
    [edit] = journal.inner.edits_of_turn(answer)
    assert edit.tool_call_id == journal.calls[0][1] and edit.before_sha256 is not None

    outcome = journal.inner.undo_turn(answer)

    assert outcome.restored == (target.resolve(),) and not outcome.changed
    assert target.read_text() == "the user's original text\n"
    assert target.stat().st_mode & 0o777 == 0o640
    assert journal.inner.undo_turn(answer).restored == ()  # already undone: nothing more to do


@pytest.mark.e2e
def test_undo_lists_a_file_the_user_changed_since_the_edit_and_overwrites_it_only_when_asked(
        client: GeminiSessionClient, journal: RecordingJournal, store: HistoryStore, fake_gemini: FakeGemini,
        workdir: Path, run_async: Callable[..., Any]) -> None:
    created = workdir / "new" / "made_by_gemini.py"
    created.parent.mkdir()
    answer = start_turn(client, store, run_async)
    fake_gemini.reply(FunctionCall("write_file", {"file_path": str(created), "content": "print('hi')\n"}))
    fake_gemini.reply("Created.")
    run_async(client.chat("create it"))
    assert created.read_text() == "print('hi')\n"
    assert journal.calls and journal.calls[0][3] is None  # the file did not exist before the edit
    created.write_text("print('the user kept working')\n")

    refused = journal.inner.undo_turn(answer)

    assert refused.refused and refused.changed == (created.resolve(),)
    assert created.read_text() == "print('the user kept working')\n"

    forced = journal.inner.undo_turn(answer, overwrite=True)

    assert forced.restored == (created.resolve(),)
    assert not created.exists()  # it did not exist before the turn


@pytest.mark.e2e
def test_a_write_whose_before_image_cannot_be_saved_fails_that_tool_call_only_and_the_file_is_untouched(
        engine_config: EngineConfig, fake_gemini: FakeGemini, workdir: Path, run_async: Callable[..., Any]) -> None:
    class FullJournal:
        def record(self, *args: object) -> None:
            raise OSError(28, "No space left on device")

    target = workdir / "keep.txt"
    target.write_text("precious\n")
    client = GeminiSessionClient(dataclasses.replace(engine_config, file_journal=FullJournal()))

    async def approve(request: PermissionRequest) -> str | None:
        option = request.option_of_kind("allow_once")
        return option.option_id if option else None

    client.permission_handler = approve
    fake_gemini.reply(FunctionCall("write_file", {"file_path": str(target), "content": "overwritten\n"}))
    fake_gemini.reply("I could not write it.")
    try:
        result = run_async(client.chat("overwrite it"))
        after = run_async(client.chat("still there?"))
    finally:
        run_async(client.stop_session(), timeout=20)

    assert result.text == "I could not write it." and after.text == "Echo: still there?"
    assert target.read_text() == "precious\n"
    # The model is told the write failed (gemini-cli 0.61 shows a JSON-RPC error from the client only as
    # "[object Object]"; our reason is in the log).
    assert "Error writing to file" in str(fake_gemini.stream_requests()[1].function_responses())


def test_a_write_outside_the_working_folder_is_refused_unless_the_user_allowed_that_path(tmp_path: Path) -> None:
    root, outside = tmp_path / "project", tmp_path / "elsewhere"
    root.mkdir()
    outside.mkdir()
    (root / "escape").symlink_to(outside)
    written: list[Path] = []

    class Journal:
        def record(self, session_id: str, tool_call_id: str, path: Path, before: bytes | None,
                   after: bytes) -> None:
            written.append(path)

    access = FileAccess(lambda: root, Journal())
    for sneaky in (outside / "x.txt", root / "escape" / "x.txt", root / ".." / "elsewhere" / "x.txt"):
        with pytest.raises(FileRefused, match="outside the working folder"):
            access.plan_write(str(sneaky))
    with pytest.raises(FileRefused, match="absolute"):
        access.plan_write("relative.txt")

    approved = ToolCall("call-1", kind="edit", status=ToolStatus.PENDING, paths=(str(outside / "x.txt"),))
    access.allow(approved)
    access.write("s", access.plan_write(str(outside / "x.txt")), "allowed")
    assert (outside / "x.txt").read_text() == "allowed" and written == [(outside / "x.txt").resolve()]
    with pytest.raises(FileRefused):
        access.plan_write(str(outside / "other.txt"))  # only the path the user saw in the prompt

    access.observe(dataclasses.replace(approved, status=ToolStatus.COMPLETED))
    with pytest.raises(FileRefused):
        access.plan_write(str(outside / "x.txt"))  # the approval was for that tool call only


def test_reads_honour_line_and_limit_and_a_missing_file_reads_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "lines.txt"
    path.write_text("one\ntwo\nthree\nfour\n")
    assert FileAccess.read(path) == "one\ntwo\nthree\nfour\n"
    assert FileAccess.read(path, line=2, limit=2) == "two\nthree\n"
    assert FileAccess.read(path, line=4) == "four\n"
    assert FileAccess.read(tmp_path / "missing.txt") == ""


def test_an_edit_whose_before_image_cannot_be_saved_is_not_made(tmp_path: Path) -> None:
    class BrokenJournal:
        def record(self, *args: object) -> None:
            raise OSError("disk full")

    target = tmp_path / "keep.txt"
    target.write_text("precious")
    access = FileAccess(lambda: tmp_path, BrokenJournal())
    with pytest.raises(FileRefused, match="could not be saved for undo"):
        access.write("s", access.plan_write(str(target)), "overwritten")
    assert target.read_text() == "precious"


def test_an_undo_that_cannot_write_one_file_puts_back_the_files_it_already_restored(
        store: HistoryStore, tmp_path: Path) -> None:
    log = FileEditLog(store, BlobStore(tmp_path / "blobs"))
    session = store.create_session(str(tmp_path), gemini_session_id="g-1")
    answer = store.add_message(session.id, "assistant", "", state="streaming")
    first, blocked = tmp_path / "a.txt", tmp_path / "b.txt"
    for path in (first, blocked):
        log.record("g-1", "call-1", path, b"before", b"after")
    first.write_bytes(b"after")
    blocked.mkdir()  # something else took b.txt's place: it can be neither read nor replaced

    assert log.undo_turn(answer).changed == (blocked,)
    with pytest.raises(StoreError, match="could not be restored"):
        log.undo_turn(answer, overwrite=True)

    assert first.read_bytes() == b"after" and blocked.is_dir()  # all or none
    assert [edit.undone for edit in log.edits_of_turn(answer)] == [None, None]
    blocked.rmdir()
    assert log.undo_turn(answer, overwrite=True).restored == (first, blocked)  # and it can be tried again
    assert first.read_bytes() == b"before" and blocked.read_bytes() == b"before"
