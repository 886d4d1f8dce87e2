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


def test_type_changes_odd_names_and_a_repository_inside_are_snapshotted_undone_and_redone(
        tmp_path: Path, work: Path) -> None:
    (work / "was_file").write_text("a file\n")
    (work / "was_folder").mkdir()
    (work / "was_folder" / "inner.txt").write_text("inner\n")
    (work / "odd *[name]?.txt").write_text("odd\n")
    (work / "inner_repo").mkdir()
    subprocess.run(["git", "init", "-q"], cwd=work / "inner_repo", check=True)  # no commit: git add -A fails
    (work / "inner_repo" / "own.txt").write_text("its own\n")
    store = TurnSnapshots(tmp_path / "data", work)
    assert store.before_turn("t") == []
    (work / "was_file").unlink()
    (work / "was_file").mkdir()
    (work / "was_file" / "now_inside.txt").write_text("inside\n")
    (work / "was_folder" / "inner.txt").unlink()
    (work / "was_folder").rmdir()
    (work / "was_folder").write_text("now a file\n")
    (work / "odd *[name]?.txt").write_text("changed\n")
    (work / "edited.txt").unlink()
    assert sorted(store.after_turn("t")) == ["edited.txt", "odd *[name]?.txt", "was_file", "was_file/now_inside.txt",
                                            "was_folder", "was_folder/inner.txt"]
    store.undo("t")
    assert (work / "was_file").read_text() == "a file\n"
    assert (work / "was_folder" / "inner.txt").read_text() == "inner\n"
    assert (work / "odd *[name]?.txt").read_text() == "odd\n" and (work / "edited.txt").read_text() == "before\n"
    store.redo("t")
    assert (work / "was_file" / "now_inside.txt").read_text() == "inside\n"
    assert (work / "was_folder").read_text() == "now a file\n" and not (work / "edited.txt").exists()
    assert (work / "inner_repo" / "own.txt").read_text() == "its own\n"


def test_files_and_folders_crossing_a_bound_after_a_snapshot_are_left_out_and_named(
        tmp_path: Path, work: Path) -> None:
    (work / "grows.bin").write_bytes(b"x" * 100)
    (work / "fills").mkdir()
    (work / "fills" / "0.txt").write_text("0")
    store = TurnSnapshots(tmp_path / "data", work, SnapshotLimits(max_file_bytes=1024, max_folder_entries=5))
    assert store.before_turn("t1") == []
    store.after_turn("t1")
    (work / "grows.bin").write_bytes(b"x" * 2048)
    for n in range(1, 6):
        (work / "fills" / f"{n}.txt").write_text(str(n))
    assert sorted(store.before_turn("t2")) == ["fills/", "grows.bin"]
    (work / "grows.bin").write_bytes(b"y" * 4096)
    (work / "edited.txt").write_text("after\n")
    assert store.after_turn("t2") == ["edited.txt"]
    store.undo("t2")
    assert (work / "grows.bin").read_bytes() == b"y" * 4096 and (work / "fills" / "5.txt").exists()


def test_stricter_limits_leave_out_files_and_folders_already_snapshotted(tmp_path: Path, work: Path) -> None:
    (work / "few").mkdir()
    for n in range(4):
        (work / "few" / f"{n}.txt").write_text(str(n))
    store = TurnSnapshots(tmp_path / "data", work)
    store.before_turn("t1")
    store.after_turn("t1")
    stricter = TurnSnapshots(tmp_path / "data", work, SnapshotLimits(max_file_bytes=9, max_folder_entries=3))
    assert stricter.before_turn("t2") == ["few/", "kept.txt"]  # unchanged since their snapshot (Settings changed)
    (work / "kept.txt").write_text("changed by the turn\n")
    (work / "few" / "0.txt").write_text("changed by the turn\n")
    assert stricter.after_turn("t2") == []


def test_the_first_snapshot_of_many_files_is_one_pack_and_restores_them(tmp_path: Path, work: Path) -> None:
    for n in range(300):
        (work / f"f{n}.txt").write_text(f"file {n}\n")
    store = TurnSnapshots(tmp_path / "data", work)
    store.before_turn("t")
    loose = list((store.git_dir / "objects").glob("??/*"))
    assert len(list((store.git_dir / "objects" / "pack").glob("*.pack"))) == 1 and len(loose) < 50
    for n in range(300):
        (work / f"f{n}.txt").unlink()
    assert len(store.after_turn("t")) == 300
    store.undo("t")
    assert all((work / f"f{n}.txt").read_text() == f"file {n}\n" for n in range(300))


def test_bounds_an_older_version_kept_in_the_exclude_file_no_longer_hide_a_file(tmp_path: Path, work: Path) -> None:
    store = TurnSnapshots(tmp_path / "data", work)
    store.before_turn("t1")
    (store.git_dir / "info").mkdir(exist_ok=True)
    (store.git_dir / "info" / "exclude").write_text("/new.txt\n")  # as the older version left it
    (work / "new.txt").write_text("made by the turn\n")
    assert store.after_turn("t1") == ["new.txt"]


def test_an_unchanged_folder_reuses_the_last_snapshot_also_after_its_turn_is_pruned_or_forgotten(
        tmp_path: Path, work: Path) -> None:
    store = TurnSnapshots(tmp_path / "data", work, SnapshotLimits(max_age_days=1))
    store.before_turn("a")
    store.after_turn("a")
    store.before_turn("b")
    assert store.turn("b")["before"] == store.turn("a")["after"]  # nothing changed: no new tree or commit
    assert store.prune(now=store.turn("b")["at"] + 86400 * 2) == ["a", "b"]  # gc collects their commits
    store.before_turn("c")
    (work / "edited.txt").write_text("after\n")
    assert store.after_turn("c") == ["edited.txt"]
    store.forget()
    store.before_turn("d")
    (work / "edited.txt").write_text("again\n")
    assert store.after_turn("d") == ["edited.txt"]
    store.undo("d")
    assert (work / "edited.txt").read_text() == "after\n"
