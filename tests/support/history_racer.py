"""One racer of tests/test_startup_robustness.py's concurrent first starts, in a module of its own: each racer is
a fresh spawned process that imports only this and the store (the test module would bring PySide6 and the app,
about 0.4 s of CPU per racer)."""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
from pathlib import Path

from gemini_desktop.store import HistoryStore


def open_and_write(path: str, start: multiprocessing.synchronize.Barrier, results: multiprocessing.Queue) -> None:
    start.wait()
    try:
        store = HistoryStore.open(Path(path))
        store.add_message(store.create_session("/project").id, "user", "hello")
        store.close()
        results.put("ok")
    except Exception as error:
        results.put(f"{type(error).__name__}: {error}")
