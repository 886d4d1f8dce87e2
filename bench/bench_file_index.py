"""The @ picker over a generated 100,000-file tree (issue 10): first results, and each keystroke once indexed,
against a plain directory walk per keystroke, side by side in one run.

"First results" is the picker opening on a folder it has never seen: the index starts scanning on its own thread
and the picker shows what the first folders scanned hold (breadth first: the entries nearest the top) while the
rest is scanned; the time until the whole tree is indexed is printed for information. A keystroke is one query of
the text typed so far (the best of three runs, to keep a busy machine's noise out); the walk does what a picker
without an index would do at each keystroke: walk the folder and keep the entries whose path holds the typed
letters in order.

Run: `.venv/bin/python bench/bench_file_index.py` (exit status 1 if a target is missed); `main()` returns rows.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rows import Row, report

from gemini_desktop.engine.file_index import FileIndex, FileIndexCache

FILES = 100_000
IGNORED_SHARE = 0.1  # a tenth of the files are build output or logs the .gitignore hides
FOLDERS = 6_000
WORDS = ("app core util model view test data config main index parser render store engine client file image "
         "http api widget session history window theme layout network cache event").split()
# a name, a path across folders, scattered letters, letters in few names, no match at all
TYPED = ("render_store", "src/widget", "histwin", "etx", "zqv")
FIRST_RESULTS_TARGET = 0.100
KEYSTROKE_TARGET = 0.016
SPEEDUP_TARGET = 20.0
WALKED_KEYSTROKES = 3


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def make_tree(root: Path) -> None:
    rng = random.Random(10)
    (root / ".gitignore").write_text("build/\n*.log\n")
    visible, built = [root / "src"], [root / "build"]
    for folder in (*visible, *built):
        folder.mkdir()
    for number in range(FOLDERS - 2):
        family = built if rng.random() < IGNORED_SHARE else visible
        child = rng.choice(family) / f"{rng.choice(WORDS)}_{number}"
        child.mkdir()
        family.append(child)
    for number in range(FILES):
        ignored = rng.random() < IGNORED_SHARE
        extension = "log" if ignored and rng.random() < 0.5 else rng.choice(("py", "ts", "md", "json"))
        folder = rng.choice(built if ignored and extension != "log" else visible)
        (folder / f"{rng.choice(WORDS)}_{rng.choice(WORDS)}{number}.{extension}").touch()


def first_results(root: Path) -> tuple[float, float, int]:
    """(seconds until the picker has results, seconds until the whole tree is indexed, entries)."""
    started = time.perf_counter()
    index = FileIndexCache().get(root)
    while not index.query(""):
        time.sleep(0.001)
    first = time.perf_counter() - started
    while not index.ready:
        time.sleep(0.005)
    return first, time.perf_counter() - started, index.entry_count


def keystrokes(index: FileIndex) -> list[float]:
    times = []
    for word in TYPED:
        for end in range(1, len(word) + 1):
            best = float("inf")
            for _ in range(3):
                started = time.perf_counter()
                index.query(word[:end])
                best = min(best, time.perf_counter() - started)
            times.append(best)
    return times


def walk_keystroke(root: Path, typed: str) -> float:
    started = time.perf_counter()
    letters = re.compile(".*?".join(re.escape(char) for char in typed.lower()))
    found = []
    for folder, names, files in os.walk(root):
        relative = os.path.relpath(folder, root)
        found += [path for name in names + files
                  if letters.search(path := os.path.join(relative, name).lower())]
    return time.perf_counter() - started


def main() -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-file-index-") as scratch:
        root = Path(scratch)
        make_tree(root)
        first, full, entries = first_results(root)
        index = FileIndex(root)
        index.build()
        typed = keystrokes(index)
        walked = [walk_keystroke(root, TYPED[0][:end]) for end in range(1, WALKED_KEYSTROKES + 1)]
    median = statistics.median(typed)
    speedup = statistics.mean(walked) / median
    return [
        Row(f"tree: {FILES} files in {FOLDERS} folders, a .gitignore hiding a tenth", f"{entries} entries listed",
            "", None),
        Row("first results of a folder never seen (scan on its own thread)", ms(first),
            f"< {ms(FIRST_RESULTS_TARGET)}", first < FIRST_RESULTS_TARGET),
        Row("whole tree indexed (background, for information)", ms(full), "", None),
        Row(f"keystroke once indexed, median of {len(typed)}", ms(median), f"< {ms(KEYSTROKE_TARGET)}",
            median < KEYSTROKE_TARGET),
        Row("keystroke once indexed, slowest", ms(max(typed)), f"< {ms(KEYSTROKE_TARGET)}",
            max(typed) < KEYSTROKE_TARGET),
        Row("plain directory walk per keystroke (baseline)", ms(statistics.mean(walked)), "", None),
        Row("speed-up per keystroke (walk / index, median)", f"{speedup:.0f}x", f">= {SPEEDUP_TARGET:.0f}x",
            speedup >= SPEEDUP_TARGET),
    ]


if __name__ == "__main__":
    sys.exit(report(main()))
