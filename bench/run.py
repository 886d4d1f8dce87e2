"""Run the benchmarks and print their figures: `python3 scripts/dev.py bench [engine|store|render|checkpoint ...]`.

Each benchmark measures our way and its baseline side by side in one run and prints ratios, because the
machines here are noisy: the ratios are the figures to trust, not the absolute times. Each one runs in a fresh
Python process, so that no figure depends on what ran before it (the memory one counts this process as "the app":
earlier benchmarks' generated messages and views would count too).
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

BENCHES = {
    "engine": ("bench_engine", "Engine: follow-up turn latency (issue 2)"),
    "store": ("bench_store", "History store: browser, search, import (issue 4)"),
    "render": ("bench_render", "Transcript: streaming into a long conversation (issue 3)"),
    "checkpoint": ("bench_checkpoint", "History: checkpoint cost of a streaming answer (issue 8)"),
    "switch": ("bench_switch", "Conversations: switching between two open 2,000-message ones (issue 9)"),
    "recycle": ("bench_recycle", "Recycling: 1,000 turns of one conversation with and without it (issue 9)"),
    "manager": ("bench_manager", "Session manager: memory of many conversations, New conversation (issue 9)"),
    "file_index": ("bench_file_index", "@ picker: a 100,000-file tree, first results and keystrokes (issue 10)"),
    "file_edits": ("bench_file_edits", "File edits: write_file through our fs capability vs the CLI (issue 12)"),
    "api": ("bench_api", "Local API: overhead per turn, concurrency, a long run's memory (issue 11)"),
    "snapshots": ("bench_snapshots", "Undo: snapshots of a 10,000-file folder, first, incremental, disk (issue 19)"),
    "agents": ("bench_agents", "Agents: follow-up turn per agent, long-lived vs a process per turn (issue 17)"),
}


def cells(row: object) -> tuple[str, ...]:
    """A row as printable cells; a True/False verdict reads PASS/FAIL."""
    if dataclasses.is_dataclass(row):
        values = dataclasses.astuple(row)  # type: ignore[arg-type]
    elif isinstance(row, dict):
        values = tuple(row.values())
    else:
        values = tuple(row)  # type: ignore[call-overload]
    def cell(value: object) -> str:
        if isinstance(value, bool) or value is None:
            return {True: "PASS", False: "FAIL", None: ""}[value]
        return f"{value:.4g}" if isinstance(value, float) else str(value)

    return tuple(cell(v) for v in values)


def print_rows(title: str, rows: list) -> None:
    rows = [cells(row) for row in rows]
    print(f"\n## {title}", flush=True)
    width = max(len(str(row[0])) for row in rows)
    for name, *values in rows:
        print(f"  {name!s:<{width}}  " + "  ".join(f"{v!s:>18}" for v in values), flush=True)


ONE = "--one"  # run.py --one NAME: that benchmark in this process (what main starts for each)


def run_one(name: str) -> int:
    """One benchmark in this process; 1 when a figure misses its target."""
    from PySide6.QtWidgets import QApplication

    _app = QApplication.instance() or QApplication(sys.argv[:1])  # some benchmarks build widgets
    module_name, title = BENCHES[name]
    rows = [cells(row) for row in importlib.import_module(module_name).main()]
    print_rows(title, rows)
    return 1 if any("FAIL" in value for row in rows for value in row) else 0


def main(names: list[str]) -> int:
    """Every named benchmark (all by default), each in a fresh process, one after the other."""
    failed = False
    for name in names or list(BENCHES):
        failed |= subprocess.call([sys.executable, str(Path(__file__).resolve()), ONE, name]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    if sys.argv[1:2] == [ONE]:
        sys.exit(run_one(sys.argv[2]))
    unknown = [n for n in sys.argv[1:] if n not in BENCHES]
    if unknown:
        sys.exit(f"unknown benchmark(s) {unknown}; choose from {sorted(BENCHES)}")
    sys.exit(main(sys.argv[1:]))
