"""The @ picker's index: gemini's view of a working folder (ignore files honoured), ranked, refreshed incrementally."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from gemini_desktop.engine import file_index
from gemini_desktop.engine.file_index import FileIndex, FileIndexCache


def make_tree(root: Path) -> Path:
    files = [
        "README.md", "src/app.py", "src/file_index.py", "src/util/helpers.py", "src/util/debug.log",
        "build/output.bin", "notes/keep.log", "notes/secret.txt", "notes/todo.txt", "private/diary.md",
        ".env", ".config/settings.json", ".git/HEAD", "docs/guide.md",
    ]
    for name in files:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name)
    (root / ".gitignore").write_text("*.log\nbuild/\n")
    (root / "notes" / ".gitignore").write_text("secret.txt\n!keep.log\n")  # nested: deepest rule wins
    (root / ".geminiignore").write_text("private/\n")
    return root


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "not reached in time"
        time.sleep(0.01)


def all_paths(index: FileIndex) -> set[str]:
    return {match.path for match in index.query("", limit=10_000)}


def test_ignored_and_hidden_entries_are_absent_unless_asked_for(tmp_path: Path) -> None:
    root = make_tree(tmp_path)
    index = FileIndex(root)
    index.build()
    assert index.ready
    assert all_paths(index) == {
        "README.md", "src/", "src/app.py", "src/file_index.py", "src/util/", "src/util/helpers.py",
        "notes/", "notes/keep.log", "notes/todo.txt", "docs/", "docs/guide.md",
    }
    hidden = FileIndex(root, include_hidden=True)
    hidden.build()
    assert {".env", ".gitignore", ".geminiignore", ".config/", ".config/settings.json"} <= all_paths(hidden)
    assert not any(path.startswith(".git/") for path in all_paths(hidden))  # never: it is git's, not the user's
    ignored = FileIndex(root, include_ignored=True)
    ignored.build()
    assert {"build/output.bin", "src/util/debug.log", "notes/secret.txt", "private/diary.md"} <= all_paths(ignored)
    assert ".env" not in all_paths(ignored)


@pytest.mark.parametrize("ranked_one_by_one", [True, False], ids=["few-candidates", "scans-in-c"])
def test_ranking_puts_name_prefixes_first_then_word_starts_then_substrings_then_letters_in_order(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ranked_one_by_one: bool) -> None:
    if not ranked_one_by_one:  # as in a big tree, where many entries hold every letter of the query
        monkeypatch.setattr(file_index, "DIRECT_CHECK", 0)
    for name in ["deep/down/index_of_things.py", "index.py", "my_index.txt", "reindexed.md", "i_n_d_e_x.c",
                 "zindex_longer_name.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    index = FileIndex(tmp_path)
    index.build()
    ranked = [(match.path, match.tier) for match in index.query("index")]
    assert ranked == [
        ("index.py", 0), ("deep/down/index_of_things.py", 0),
        ("my_index.txt", 1),
        ("reindexed.md", 2), ("zindex_longer_name.txt", 2),
        ("i_n_d_e_x.c", 3),
    ]
    assert index.query("INDEX.PY")[0].path == "index.py"  # case does not matter
    assert index.query("qqq") == []
    assert [(match.path, match.tier) for match in index.query("dd/")] == [
        ("deep/down/", 4), ("deep/down/index_of_things.py", 4)]  # letters in order across folders


def test_refresh_lists_again_only_the_folders_that_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_tree(tmp_path)
    index = FileIndex(root)
    index.build()
    listed: list[str] = []
    original = FileIndex._list
    monkeypatch.setattr(FileIndex, "_list", lambda self, relative: listed.append(relative) or original(self, relative))
    assert not index.refresh()
    assert listed == []
    (root / "src" / "util" / "fresh_module.py").write_text("new")
    assert index.refresh()
    assert listed == ["src/util/"]
    assert index.query("fresh_mod")[0].path == "src/util/fresh_module.py"


def test_refresh_follows_removed_folders_new_folders_and_edited_ignore_files(tmp_path: Path) -> None:
    root = make_tree(tmp_path)
    index = FileIndex(root)
    index.build()
    (root / "docs" / "guide.md").unlink()
    (root / "docs").rmdir()
    (root / "new" / "deeper").mkdir(parents=True)
    (root / "new" / "deeper" / "thing.txt").write_text("")
    gitignore = root / "notes" / ".gitignore"
    stamp = gitignore.stat().st_mtime_ns
    gitignore.write_text("secret.txt\n!keep.log\ntodo.txt\n")  # edited in place: the folder's mtime stays
    os.utime(gitignore, ns=(stamp + 10**9, stamp + 10**9))
    assert index.refresh()
    paths = all_paths(index)
    assert "docs/" not in paths and "docs/guide.md" not in paths
    assert {"new/", "new/deeper/", "new/deeper/thing.txt"} <= paths
    assert "notes/todo.txt" not in paths and "notes/keep.log" in paths


def test_the_cache_builds_off_the_calling_thread_and_reuses_the_index_per_folder(tmp_path: Path) -> None:
    root = make_tree(tmp_path)
    now = [0.0]
    cache = FileIndexCache(refresh_after=5.0, clock=lambda: now[0])
    scanners: list[str] = []

    index = cache.get(root)
    index.on_update = lambda _: scanners.append(threading.current_thread().name)
    wait_until(lambda: index.ready)
    assert cache.get(root) is index
    assert cache.get(root, include_hidden=True) is not index  # hidden entries: an index of their own
    assert threading.current_thread().name not in scanners
    (root / "added.txt").write_text("")
    now[0] = 10.0
    cache.get(root)  # older than refresh_after: refreshed in the background
    wait_until(lambda: "added.txt" in all_paths(index))
    cache.forget(root)  # the last conversation in that folder closed: its indexes are let go
    assert cache.get(root) is not index


def test_a_line_break_in_a_file_name_does_not_shift_the_other_entries(tmp_path: Path) -> None:
    (tmp_path / "evil\nname.txt").write_text("")
    (tmp_path / "zeta.md").write_text("")
    index = FileIndex(tmp_path)
    index.build()
    assert [match.path for match in index.query("zeta")] == ["zeta.md"]
    assert [match.path for match in index.query("evil name")] == ["evil\nname.txt"]
    assert all_paths(index) == {"evil\nname.txt", "zeta.md"}
