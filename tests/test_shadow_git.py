"""Shadow-git snapshots of a working folder: every change between two snapshots (however it was made) is found,
put back and redone, the user's own .git and ignored files untouched, and a new run finds the snapshots again."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from gemini_desktop.store.shadow_git import ShadowRepo


def digest_of_tree(folder: Path) -> str:
    files = sorted(path for path in folder.rglob("*") if path.is_file())
    return hashlib.sha256(b"".join(str(path).encode() + path.read_bytes() for path in files)).hexdigest()


def test_a_turn_s_changes_are_listed_undone_and_redone_and_the_user_s_git_is_untouched(tmp_path: Path) -> None:
    work = tmp_path / "project"
    work.mkdir()
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    (work / ".gitignore").write_text("build/\n")
    (work / "a.txt").write_text("original\n")
    (work / "c.txt").write_text("to be deleted\n")
    (work / "build").mkdir()
    (work / "build" / "out.bin").write_bytes(b"ignored")
    user_git = digest_of_tree(work / ".git")
    repo = ShadowRepo(tmp_path / "data" / "snapshots", work)

    before = repo.snapshot("before turn 1")
    (work / "a.txt").write_text("changed by sed -i\n")  # as a shell command would
    (work / "b.txt").write_text("created\n")
    (work / "c.txt").unlink()
    (work / "build" / "out.bin").write_bytes(b"rebuilt")
    after = repo.snapshot("after turn 1")
    assert sorted(repo.changed(before, after)) == ["a.txt", "b.txt", "c.txt"]  # the ignored file is not listed

    again = ShadowRepo(tmp_path / "data" / "snapshots", work)  # the app restarted
    again.restore(before, repo.changed(before, after))
    assert (work / "a.txt").read_text() == "original\n" and not (work / "b.txt").exists()
    assert (work / "c.txt").read_text() == "to be deleted\n"
    assert (work / "build" / "out.bin").read_bytes() == b"rebuilt"  # ignored: never touched
    again.restore(after, again.changed(before, after))  # redo
    assert (work / "a.txt").read_text() == "changed by sed -i\n" and (work / "b.txt").exists()
    assert not (work / "c.txt").exists()
    assert digest_of_tree(work / ".git") == user_git
    assert not list((work / ".git").glob("*.lock"))
    status = subprocess.run(["git", "-C", str(work), "log", "--oneline"], capture_output=True, text=True)
    assert status.returncode != 0  # the user's repository still has no commit of ours
