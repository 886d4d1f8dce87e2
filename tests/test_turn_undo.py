"""The one undo path of a turn, without widgets: files from the snapshots and from the journal of gemini's writes
are listed once each with a diff, a file changed since is kept unless chosen, the journal covers what the snapshot
left out (an ignored file), redo takes the undo back; a stored turn's undo comes back with the history (not once
its snapshots are pruned)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gemini_desktop.conversation.file_edits import ConversationEdits, EditJournal
from gemini_desktop.conversation.model import ConversationModel, Notice, TurnEdits
from gemini_desktop.conversation.turn_snapshots import snapshots_root
from gemini_desktop.conversation.turn_undo import TurnUndoer, stored_turn_edits
from gemini_desktop.engine.events import ToolCall, ToolStatus
from gemini_desktop.store import FileEditLog, HistoryStore
from gemini_desktop.store.turn_snapshots import SnapshotLimits, TurnSnapshots


class Turn:
    """A conversation's model and journal, and one answer that writes files through the journal."""

    def __init__(self, store: HistoryStore) -> None:
        self.model = ConversationModel()
        self.journal = EditJournal(FileEditLog(store, store.blobs))
        self.answer = self.model.begin_assistant_message()
        self.edits = ConversationEdits(self.journal, self.model, lambda: "gemini-1", lambda: self.answer)

    def write(self, tool_call_id: str, path: Path, text: str) -> None:
        self.model.upsert_tool_call(ToolCall(tool_call_id, f"Writing to {path.name}", "edit", ToolStatus.COMPLETED))
        before = path.read_bytes() if path.exists() else None
        self.journal.record("gemini-1", tool_call_id, path, before, text.encode())
        path.write_text(text)

    def entry(self) -> TurnEdits:
        return next(e for e in self.model.entries if isinstance(e, TurnEdits))

    def notices(self) -> str:
        return "\n".join(e.text for e in self.model.entries if isinstance(e, Notice))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    (work / ".gitignore").write_text("ignored.log\n")
    (work / "notes.txt").write_text("before\n")
    return work


def test_a_journal_only_turn_keeps_a_file_changed_since_unless_chosen_and_redo_takes_the_undo_back(
        store: HistoryStore, folder: Path, run_async: Callable[..., Any]) -> None:
    turn = Turn(store)
    turn.write("w1", folder / "notes.txt", "after\n")
    turn.write("w2", folder / "new.txt", "made\n")
    turn.model.finish_message(turn.answer)
    undoer = TurnUndoer(turn.model, None, turn.edits)  # no snapshots (a history kept in memory)
    (folder / "new.txt").write_text("the user's edit\n")

    changes = run_async(undoer.changes(turn.entry().id), timeout=10)
    listed = {Path(change.path).name: change for change in changes.files}
    assert set(listed) == {"notes.txt", "new.txt"} and listed["new.txt"].changed_since
    assert "-before" in listed["notes.txt"].diff and "+after" in listed["notes.txt"].diff

    assert run_async(undoer.undo(turn.entry().id), timeout=10) == [str(folder / "notes.txt")]
    assert (folder / "notes.txt").read_text() == "before\n" and (folder / "new.txt").read_text() == "the user's edit\n"
    assert "Kept as they are now" in turn.notices() and turn.entry().undone
    assert run_async(undoer.undo(turn.entry().id), timeout=10) is None  # done already: nothing happens

    assert run_async(undoer.redo(turn.entry().id), timeout=10) == [str(folder / "notes.txt")]
    assert (folder / "notes.txt").read_text() == "after\n" and not turn.entry().undone
    chosen = frozenset({str(folder / "new.txt")})
    assert sorted(run_async(undoer.undo(turn.entry().id, overwrite=chosen), timeout=10)) == sorted(
        [str(folder / "notes.txt"), str(folder / "new.txt")])
    assert not (folder / "new.txt").exists()


def test_snapshot_and_journal_list_each_file_once_and_the_journal_covers_an_ignored_file(
        store: HistoryStore, folder: Path, tmp_path: Path, run_async: Callable[..., Any]) -> None:
    root = tmp_path / "snapshots"
    snapshots = TurnSnapshots(root, folder)
    turn = Turn(store)
    snapshots.before_turn("k")
    turn.model.expect_snapshot(turn.answer, "k", str(folder))
    turn.write("w1", folder / "notes.txt", "after\n")
    turn.write("w2", folder / "ignored.log", "a log gemini wrote\n")  # never in the snapshot: git ignores it
    (folder / "shell.txt").write_text("from a shell command\n")
    turn.model.finish_message(turn.answer)
    assert turn.entry().checking and turn.entry().settled is False
    turn.model.snapshot_taken("k", snapshots.after_turn("k"), [])
    assert sorted(turn.entry().paths) == ["notes.txt", "shell.txt"] and not turn.entry().checking

    undoer = TurnUndoer(turn.model, root, turn.edits)
    changes = run_async(undoer.changes(turn.entry().id), timeout=20)
    assert sorted(Path(c.path).name for c in changes.files) == ["ignored.log", "notes.txt", "shell.txt"]
    restored = run_async(undoer.undo(turn.entry().id), timeout=20)
    assert sorted(Path(p).name for p in restored) == ["ignored.log", "notes.txt", "shell.txt"]
    assert not (folder / "ignored.log").exists() and not (folder / "shell.txt").exists()
    assert (folder / "notes.txt").read_text() == "before\n"
    card = turn.model.tool_call("w1")
    assert card is not None and card.undone
    assert run_async(undoer.redo(card.id), timeout=20) == []  # the turn's snapshot put it back, not the journal
    assert card.undone and "use Redo under the turn" in turn.notices()
    assert (folder / "notes.txt").read_text() == "before\n"
    redone = run_async(undoer.redo(turn.entry().id), timeout=20)
    assert sorted(Path(p).name for p in redone) == ["ignored.log", "notes.txt", "shell.txt"]
    assert (folder / "ignored.log").read_text() == "a log gemini wrote\n"
    assert (folder / "shell.txt").read_text() == "from a shell command\n"


def test_a_stored_turn_gets_its_undo_back_after_its_answer_unless_its_snapshots_were_pruned(
        store: HistoryStore, folder: Path) -> None:
    root = snapshots_root(store)
    assert root is not None
    session = store.create_session(str(folder), gemini_session_id="gemini-1")
    keys = []
    for n in range(2):
        store.add_message(session.id, "user", f"question {n}")
        answer = store.add_message(session.id, "assistant", f"answer {n}")
        store.record_tool_call(session.id, answer, f"shell-{n}", "Shell", "execute", "completed", [], "")
        snapshots = TurnSnapshots(root, folder)
        snapshots.before_turn(f"turn-{n}")
        (folder / f"file{n}.txt").write_text(str(n))
        snapshots.after_turn(f"turn-{n}")
        store.record_turn_snapshot("gemini-1", f"shell-{n}", f"turn-{n}", str(folder), [f"file{n}.txt"], ["big.bin"])
        keys.append(f"turn-{n}")
    TurnSnapshots(root, folder).undo("turn-1")
    old = TurnSnapshots(root, folder, SnapshotLimits(max_age_days=1))
    old.prune(now=(old.turn("turn-0") or {})["at"] + 86400 + 0.5 * (
        (old.turn("turn-1") or {})["at"] - (old.turn("turn-0") or {})["at"]))

    messages = store.messages(session.id)
    found = stored_turn_edits(store, session.id, messages)
    assert list(found) == [3]  # after the second answer only: the first turn's snapshots were pruned
    assert found[3].snapshot == "turn-1" and found[3].undone and found[3].skipped == ("big.bin",)
    model = ConversationModel()
    model.load_history([(m.role, m.text, m.state) for m in messages], found)
    assert model.entries[4] is found[3] and found[3].message == model.entries[3].message
