"""Start-up and quit under hostile conditions: a read-only profile, concurrent first starts, a blocked import."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from gemini_desktop.store import HistoryStore

RACE_ROUNDS = 5
RACERS = 6


def _open_and_write(path: str, start: multiprocessing.synchronize.Barrier, results: multiprocessing.Queue) -> None:
    start.wait()
    try:
        store = HistoryStore.open(Path(path))
        store.add_message(store.create_session("/project").id, "user", "hello")
        store.close()
        results.put("ok")
    except Exception as error:
        results.put(f"{type(error).__name__}: {error}")


def test_first_starts_racing_on_one_fresh_profile_all_open_the_same_history(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    failures: list[str] = []
    for number in range(RACE_ROUNDS):
        path = tmp_path / f"round-{number}" / "history.sqlite3"
        path.parent.mkdir()
        start, results = context.Barrier(RACERS), context.Queue()
        racers = [context.Process(target=_open_and_write, args=(str(path), start, results)) for _ in range(RACERS)]
        for racer in racers:
            racer.start()
        outcomes = [results.get(timeout=120) for _ in racers]
        for racer in racers:
            racer.join()
        failures += [outcome for outcome in outcomes if outcome != "ok"]
        store = HistoryStore.open(path)
        assert store.session_count() == RACERS
        store.close()
    assert failures == []
