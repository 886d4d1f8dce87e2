"""Checkpoint cost of a streaming answer: at 10 KB and at 4 MB, side by side in one run (issue 8, item 3).

A checkpoint saves about a second of new text. It used to rewrite (and re-index) the whole answer, so its cost
grew with the answer; now it appends the new text as a part of its own, and the answer is assembled on read and
folded once when it finishes (on the writer thread). The ratio 4 MB / 10 KB is the figure to trust.

Run: `.venv/bin/python bench/bench_checkpoint.py` (exit status 1 if a target is missed); `main()` returns rows.
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from itertools import cycle
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rows import Row

from gemini_desktop.conversation.turns import Turn
from gemini_desktop.store import HistoryStore, HistoryWriter

SMALL = 10 * 1024
LARGE = 4 * 1024 * 1024
VOCABULARY = ("the answer stream window database index query session model token python function error value "
              "会话 恢复 数据库 搜索 索引 窗口 线程 进程 内存 缓存 checkpoint append part text second").split()
NEW_TEXT = "Another second of streamed answer text, about two hundred characters of it. " * 3
ROUNDS = 15
RATIO_TARGET = 2.0


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


def prose(size: int, seed: int) -> str:
    """Varied text (the full-text index costs what it sees: a repeated letter would flatter the old way)."""
    rng = random.Random(seed)
    words = []
    length = 0
    while length < size:
        word = rng.choice(VOCABULARY) + (str(rng.randrange(1000)) if rng.random() < 0.2 else "")
        words.append(word)
        length += len(word) + 1
    return " ".join(words)[:size]


def streaming_answer(store: HistoryStore, size: int) -> int:
    """An answer that has streamed `size` bytes so far, saved as the app saves it (one part per second)."""
    session = store.create_session("/bench")
    answer = store.add_message(session.id, "assistant", "", state="streaming")
    for seed in range(50):
        store.append_to_message(answer, prose(size // 50, seed))
    return answer


def median_time(action: Callable[[], object]) -> float:
    timings = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def full_rewrite(database: sqlite3.Connection, answer: int, size: int) -> Callable[[], object]:
    """The old checkpoint, for comparison: the whole answer so far written (and indexed) again."""
    texts = cycle([prose(size, 98), prose(size, 99)])  # a new text each time, as a growing answer is

    def rewrite() -> None:
        with database:
            database.execute("UPDATE messages SET text = ?, updated = ? WHERE id = ?",
                             (next(texts), time.time(), answer))
    return rewrite


def ui_thread_cost(store: HistoryStore, size: int) -> float:
    """What a checkpoint costs the UI thread: take the new text of the turn and queue it for the writer."""
    writer = HistoryWriter(store, lambda callback: callback())
    turn = Turn(user_key=0)
    turn.chunks += [prose(1000, 7)] * (size // 1000)
    turn.take_unsaved()
    try:
        def checkpoint() -> None:
            turn.chunks.append(NEW_TEXT)
            text, thoughts = turn.take_unsaved()
            writer.submit(lambda _store: (text, thoughts))
        return median_time(checkpoint)
    finally:
        writer.close(10)


def main() -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-checkpoint-") as scratch:
        store = HistoryStore.open(Path(scratch) / "history.sqlite3")
        try:
            answers = {size: streaming_answer(store, size) for size in (SMALL, LARGE)}
            append = {size: median_time(lambda a=answer: store.append_to_message(a, NEW_TEXT))
                      for size, answer in answers.items()}
            ratio = append[LARGE] / append[SMALL]
            rows.append(Row("checkpoint (append the new text), answer 10 KB", ms(append[SMALL]), "", None))
            rows.append(Row("checkpoint (append the new text), answer 4 MB", ms(append[LARGE]), "", None))
            rows.append(Row("checkpoint cost ratio 4 MB / 10 KB", f"{ratio:.2f}x", f"<= {RATIO_TARGET:.0f}x",
                            ratio <= RATIO_TARGET))

            ui = {size: ui_thread_cost(store, size) for size in (SMALL, LARGE)}
            ui_ratio = ui[LARGE] / ui[SMALL]
            rows.append(Row("UI thread per checkpoint, answer 10 KB", ms(ui[SMALL]), "", None))
            rows.append(Row("UI thread per checkpoint, answer 4 MB", ms(ui[LARGE]), "", None))
            rows.append(Row("UI thread cost ratio 4 MB / 10 KB", f"{ui_ratio:.2f}x", f"<= {RATIO_TARGET:.0f}x",
                            ui_ratio <= RATIO_TARGET))

            with closing(sqlite3.connect(store.path)) as database:
                old = {size: median_time(full_rewrite(database, answers[size], size)) for size in (SMALL, LARGE)}
            rows.append(Row("old checkpoint (rewrite the whole answer), 10 KB", ms(old[SMALL]), "", None))
            rows.append(Row("old checkpoint (rewrite the whole answer), 4 MB", ms(old[LARGE]), "", None))
            rows.append(Row("old checkpoint cost ratio 4 MB / 10 KB", f"{old[LARGE] / old[SMALL]:.0f}x", "", None))

            final = prose(LARGE, 100)
            started = time.perf_counter()
            store.finish_message(answers[LARGE], final)
            rows.append(Row("finish a 4 MB answer, once (writer thread)", ms(time.perf_counter() - started), "",
                            None))
        finally:
            store.close()
    print_table(rows)
    return rows


def print_table(rows: list[Row]) -> None:
    width = max(len(row.metric) for row in rows)
    for row in rows:
        verdict = "" if row.passed is None else ("PASS" if row.passed else "FAIL")
        print(f"{row.metric:<{width}}  {row.value:>12}  {row.target:>8}  {verdict}")


if __name__ == "__main__":
    results = main()
    sys.exit(0 if all(row.passed is not False for row in results) else 1)
