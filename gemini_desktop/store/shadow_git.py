"""Snapshots of a working folder in a shadow git repository, for an undo that covers every change of a turn.

The repository lives in the app's data folder, one per working folder (named by a hash of its path); git is
driven with GIT_DIR / GIT_WORK_TREE pointing there, so the user's own `.git` is never read from or written to
(git never adds a `.git` entry, and the user's `.gitignore` files are honoured). Changes made by a shell command
the model ran are caught as well as writes through the app: a snapshot is the folder as it is.
Not wired to turns yet: this is the storage half (snapshot, what changed between two, restore either side).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from gemini_desktop.store.records import StoreError

log = logging.getLogger(__name__)

GIT_TIMEOUT_S = 60.0
# glibc hands freed memory back at once by default, so git's zlib state for each of thousands of new objects is
# faulted in afresh (the first snapshot of 10,000 files spent 0.8 s in the kernel for it, 0.2 s with this);
# other C libraries ignore the variable.
MALLOC_KEPT = {"MALLOC_TRIM_THRESHOLD_": str(16 * 1024 * 1024)}


class ShadowRepo:
    """Snapshots of `work_tree` kept under `root`; survives restarts (it is all on disk)."""

    def __init__(self, root: Path, work_tree: Path) -> None:
        self.work_tree = work_tree.resolve()
        digest = hashlib.sha256(str(self.work_tree).encode()).hexdigest()[:16]
        self.git_dir = root / digest

    def _git(self, *args: str, stdin: str | None = None) -> str:
        """Run git on the shadow repository with `stdin` fed to it (paths for `--stdin`); returns its output."""
        env = {**MALLOC_KEPT, **os.environ, "GIT_DIR": str(self.git_dir), "GIT_WORK_TREE": str(self.work_tree),
               "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_TERMINAL_PROMPT": "0",
               "GIT_AUTHOR_NAME": "Gemini Desktop", "GIT_AUTHOR_EMAIL": "snapshots@localhost",
               "GIT_COMMITTER_NAME": "Gemini Desktop", "GIT_COMMITTER_EMAIL": "snapshots@localhost"}
        try:
            done = subprocess.run(["git", *args], cwd=self.work_tree, env=env, input=stdin,
                                  capture_output=True, text=True, timeout=GIT_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise StoreError(f"The snapshot of {self.work_tree} could not be taken ({exc}).") from exc
        if done.returncode != 0:
            log.warning("git %s failed: %s", args[0], done.stderr.strip())
            raise StoreError(f"The snapshot of {self.work_tree} failed: {done.stderr.strip()[:300]}")
        return done.stdout

    def _ensure(self) -> None:
        if not (self.git_dir / "HEAD").is_file():
            self.git_dir.mkdir(parents=True, exist_ok=True)
            self._git("init", "-q")
            self._git("config", "core.autocrlf", "false")
            self._git("config", "core.quotePath", "false")

    def snapshot(self, label: str) -> str:
        """Commit the folder as it is now (tracked and untracked-but-not-ignored files); returns its id."""
        self._ensure()
        self._git("add", "-A", ".")
        self._git("commit", "-q", "--allow-empty", "--no-verify", "-m", label)
        return self._git("rev-parse", "HEAD").strip()

    def changed(self, before: str, after: str) -> list[str]:
        """Paths (relative to the folder) that differ between two snapshots."""
        return [line for line in self._git("diff", "--name-only", "-z", before, after).split("\0") if line]

    def restore(self, snapshot: str, paths: Sequence[str]) -> None:
        """Put `paths` back as `snapshot` had them: a path it did not have is removed (first, so a file that
        took the place of a folder, or a folder's files that took the place of a file, are out of the way)."""
        present = set(self._git("ls-tree", "-r", "-z", "--name-only", snapshot, "--", *paths).split("\0")) - {""}
        for path in paths:
            target = self.work_tree / path
            if path not in present and (target.is_symlink() or not target.is_dir()):
                with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                    target.unlink()
        if present:
            self._git("checkout", snapshot, "--", *sorted(present))
