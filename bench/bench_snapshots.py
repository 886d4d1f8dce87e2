"""Snapshot cost of a 10,000-file working folder: the first snapshot, an incremental one before a turn, the
one after a turn that changed ten files, a turn's undo, and the disk the shadow repository takes (issue 19,
item 2).

The incremental snapshot is what a turn pays before its first changing tool call (off the UI thread): one
`git ls-files` finds what changed since the index last saw it, so only those files are measured and read
again. Goal: incremental < 200 ms.

Run: `.venv/bin/python bench/bench_snapshots.py` (exit status 1 if a target is missed); `main()` returns rows.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rows import Row, report

from gemini_desktop.store.turn_snapshots import TurnSnapshots

FILES = 10_000
PER_FOLDER = 100
ROUNDS = 5
INCREMENTAL_TARGET_MS = 200.0


def make_tree(root: Path) -> int:
    """FILES small source-like files, PER_FOLDER to a folder; returns their total size."""
    total = 0
    for n in range(FILES):
        folder = root / f"pkg{n // PER_FOLDER:03d}"
        folder.mkdir(exist_ok=True)
        text = f"def function_{n}(value):\n    return value * {n}  # module {n}\n" * 20
        (folder / f"mod{n:05d}.py").write_text(text)
        total += len(text)
    return total


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def main() -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-snapshots-") as scratch:
        work = Path(scratch) / "work"
        work.mkdir()
        size = make_tree(work)
        store = TurnSnapshots(Path(scratch) / "data", work)
        first = timed(lambda: store.before_turn("first"))
        store.after_turn("first")
        incremental, after, undo = [], [], []
        for round_ in range(ROUNDS):
            key = f"turn-{round_}"
            incremental.append(timed(lambda key=key: store.before_turn(key)))
            for n in range(10):
                (work / f"pkg{n:03d}" / f"mod{n * PER_FOLDER:05d}.py").write_text(f"# turn {round_}\n")
            after.append(timed(lambda key=key: store.after_turn(key)))
            undo.append(timed(lambda key=key: store.undo(key)))
        disk = store.disk_bytes()
    median = statistics.median(incremental)
    return [
        Row(f"folder: {FILES:,} files", f"{size / 1e6:.1f} MB", "", None),
        Row("first snapshot", f"{first:.0f} ms", "", None),
        Row(f"incremental snapshot, median of {ROUNDS}", f"{median:.0f} ms", f"< {INCREMENTAL_TARGET_MS:.0f} ms",
            median < INCREMENTAL_TARGET_MS),
        Row("snapshot after a turn that changed 10 files, median", f"{statistics.median(after):.0f} ms", "", None),
        Row("undo of a turn that changed 10 files, median", f"{statistics.median(undo):.0f} ms", "", None),
        Row(f"shadow repository on disk after {ROUNDS + 1} turns", f"{disk / 1e6:.1f} MB", "", None),
    ]


if __name__ == "__main__":
    sys.exit(report(main()))
