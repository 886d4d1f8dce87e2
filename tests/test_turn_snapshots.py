"""A turn's snapshots: every file it changed (by a shell command or a write) is listed with a diff, undone and
redone; a file the user changed since is kept unless chosen; a new store over the same folder (an app restart)
still undoes; the bounds leave out big files and crowded folders; pruning by age and disk."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from gemini_desktop.store import StoreError
from gemini_desktop.store.turn_snapshots import SnapshotLimits, TurnSnapshots


@pytest.fixture
def work(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "kept.txt").write_text("unchanged\n")
    (folder / "edited.txt").write_text("before\n")
    return folder


def run_turn(store: TurnSnapshots, key: str, work: Path) -> list[str]:
    store.before_turn(key)
    subprocess.run(["sh", "-c", "echo from shell > shell_made.txt"], cwd=work, check=True)
    (work / "edited.txt").write_text("after\n")
    return store.after_turn(key)


def test_shell_and_write_changes_are_undone_and_redone_also_after_a_restart(tmp_path: Path, work: Path) -> None:
    store = TurnSnapshots(tmp_path / "data", work)
    assert sorted(run_turn(store, "turn-1", work)) == ["edited.txt", "shell_made.txt"]

    restarted = TurnSnapshots(tmp_path / "data", work)  # a new app run over the same data folder
    changes = {change.path: change for change in restarted.changes("turn-1")}
    assert set(changes) == {"edited.txt", "shell_made.txt"}
    assert "-before" in changes["edited.txt"].diff and "+after" in changes["edited.txt"].diff
    assert not any(change.changed_since for change in changes.values())

    outcome = restarted.undo("turn-1")
    assert sorted(outcome.restored) == ["edited.txt", "shell_made.txt"] and outcome.kept == []
    assert (work / "edited.txt").read_text() == "before\n" and not (work / "shell_made.txt").exists()
    assert restarted.undo("turn-1").restored == []  # a second undo does nothing

    again = TurnSnapshots(tmp_path / "data", work)
    assert sorted(again.redo("turn-1").restored) == ["edited.txt", "shell_made.txt"]
    assert (work / "edited.txt").read_text() == "after\n"
    assert (work / "shell_made.txt").read_text() == "from shell\n"
    assert (work / "kept.txt").read_text() == "unchanged\n"


def test_a_file_the_user_changed_since_is_kept_unless_chosen(tmp_path: Path, work: Path) -> None:
    store = TurnSnapshots(tmp_path / "data", work)
    run_turn(store, "t", work)
    (work / "edited.txt").write_text("the user's own edit\n")
    assert {c.path: c.changed_since for c in store.changes("t")} == {"edited.txt": True, "shell_made.txt": False}
    outcome = store.undo("t")
    assert outcome.restored == ["shell_made.txt"] and outcome.kept == ["edited.txt"]
    assert (work / "edited.txt").read_text() == "the user's own edit\n"
    store.redo("t")
    assert store.undo("t", overwrite=frozenset({"edited.txt"})).kept == []
    assert (work / "edited.txt").read_text() == "before\n"


def test_big_files_and_crowded_folders_are_left_out_and_named(tmp_path: Path, work: Path) -> None:
    (work / "big.bin").write_bytes(b"x" * 2048)
    (work / "many").mkdir()
    for n in range(6):
        (work / "many" / f"{n}.txt").write_text(str(n))
    store = TurnSnapshots(tmp_path / "data", work, SnapshotLimits(max_file_bytes=1024, max_folder_entries=5))
    assert sorted(store.before_turn("t")) == ["big.bin", "many/"]
    (work / "big.bin").write_bytes(b"y" * 4096)
    (work / "many" / "0.txt").write_text("changed")
    (work / "edited.txt").write_text("after\n")
    assert store.after_turn("t") == ["edited.txt"]
    store.undo("t")
    assert (work / "big.bin").read_bytes() == b"y" * 4096  # never snapshotted, so never touched


def test_old_turns_are_pruned_by_age_and_then_by_disk(tmp_path: Path, work: Path) -> None:
    store = TurnSnapshots(tmp_path / "data", work, SnapshotLimits(max_age_days=1, max_disk_mb=1000))
    run_turn(store, "old", work)
    store.undo("old")
    run_turn(store, "new", work)
    assert store.prune(now=store.turn("new")["at"] + 86400 - 0.001) == ["old"]  # "old" began a moment earlier
    with pytest.raises(StoreError):
        store.undo("old")
    assert store.turn("new") is not None
    (work / "payload.bin").write_bytes(os.urandom(300_000))
    run_turn(store, "newest", work)
    tight = TurnSnapshots(tmp_path / "data", work, SnapshotLimits(max_disk_mb=0.2))
    dropped = tight.prune()
    assert dropped[0] == "new" and tight.disk_bytes() > 0
    assert tight.turn("new") is None
