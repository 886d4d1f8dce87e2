"""Transcript rendering benchmark: a 1 MB answer streamed into a 2,000-message conversation.

Run: `.venv/bin/python bench/bench_render.py` (offscreen; prints a table and PASS/FAIL, exit code 1 on FAIL).

Measured while chunks arrive from a fixed-rate QTimer, as a real stream would:
- longest event-loop stall: the biggest gap between ticks of a 1 ms heartbeat timer;
- median chunk-to-screen delay: from `append_text` to the end of the first paint of the transcript after
  the render that contains the chunk.
- opening the stored conversation: from `load_history` to its first paint (the product lays out the latest
  page and links to the rest; the baseline lays out everything), and then, for information, every earlier page.
- bounded work on a hostile answer: one 2,000-character chunk flushed into a single unbroken line, when that
  line holds 10 KB and when it holds 1 MB; the cost must not grow with the line (once a block passes the live
  cap it is appended as plain text, never re-rendered).
The naive baseline (re-render and re-import the whole transcript per chunk, kept here, not in the product)
is measured on the same transcript for the first few chunks only: each of its chunks already costs far more
than the product's worst case, and its cost only grows as the answer does, so its numbers are a lower bound.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication, QTextBrowser

from gemini_desktop.ui.markdown_render import MarkdownRenderer
from gemini_desktop.ui.theme import Theme
from gemini_desktop.ui.transcript import HISTORY_PAGE, TranscriptView

HISTORY_MESSAGES = 2000
ANSWER_BYTES = 1_000_000
CHUNKS = 5000
FEED_INTERVAL_MS = 2
NAIVE_CHUNKS = 8
TARGET_STALL_MS = 50.0
TARGET_DELAY_MS = 16.0
TARGET_RATIO = 10.0
TARGET_OPEN_SECONDS = 1.0
LINE_CHUNK = "word " * 400
LINE_EARLY_BYTES = 10_000
LINE_LATE_BYTES = 1_000_000
LINE_SAMPLES = 20
TARGET_LINE_GROWTH = 3.0

WORDS = ("render", "stream", "widget", "layout", "document", "python", "signal", "window", "cursor", "token",
         "block", "table", "paint", "event", "timer", "model", "answer", "chunk", "scroll", "bubble")


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 16))]
    if rng.random() < 0.3:
        words[rng.randrange(len(words))] = f"`{rng.choice(WORDS)}()`"
    if rng.random() < 0.2:
        words[rng.randrange(len(words))] = f"**{rng.choice(WORDS)}**"
    return " ".join(words).capitalize() + "."


def _code(rng: random.Random) -> str:
    lines = [f"def {rng.choice(WORDS)}_{i}(x: int) -> int:\n    return x * {i} + len('{rng.choice(WORDS)}')"
             for i in range(rng.randint(2, 8))]
    return "```python\n" + "\n\n".join(lines) + "\n```"


def _table(rng: random.Random) -> str:
    rows = [f"| {rng.choice(WORDS)} | {rng.randint(1, 999)} | `{rng.choice(WORDS)}` |" for _ in range(4)]
    return "| name | value | code |\n|---|---:|---|\n" + "\n".join(rows)


def markdown_block(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.35:
        return " ".join(_sentence(rng) for _ in range(rng.randint(2, 5)))
    if kind < 0.55:
        return _code(rng)
    if kind < 0.7:
        return "\n".join(f"- {_sentence(rng)}" for _ in range(rng.randint(2, 5)))
    if kind < 0.8:
        return f"## {_sentence(rng)}"
    if kind < 0.9:
        return _table(rng)
    return "> " + _sentence(rng)


def markdown_text(rng: random.Random, size: int) -> str:
    blocks: list[str] = []
    length = 0
    while length < size:
        blocks.append(markdown_block(rng))
        length += len(blocks[-1]) + 2
    return "\n\n".join(blocks)[:size]


def history(rng: random.Random) -> list[tuple[str, str, str]]:
    return [("user", _sentence(rng), "complete") if i % 2 == 0
            else ("assistant", markdown_text(rng, rng.randint(200, 1500)), "complete")
            for i in range(HISTORY_MESSAGES)]


def split_chunks(text: str, count: int) -> list[str]:
    step = -(-len(text) // count)
    return [text[i:i + step] for i in range(0, len(text), step)]


@dataclass
class Measurement:
    stall_ms: float
    p999_stall_ms: float
    median_delay_ms: float
    p95_delay_ms: float
    chunks: int
    seconds: float


class Heartbeat:
    """Ticks every millisecond; a long gap between ticks is a stall of the event loop."""

    def __init__(self) -> None:
        self.longest = 0.0
        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(1)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self.longest = max(self.longest, now - self._last)
        self._last = now


class DelayProbe:
    """Chunk times: `appended` -> `rendered` (in the document) -> delay at the next completed paint."""

    def __init__(self) -> None:
        self.waiting: list[float] = []
        self.rendered: list[float] = []
        self.delays: list[float] = []

    def appended(self) -> None:
        self.waiting.append(time.perf_counter())

    def on_render(self) -> None:
        self.rendered.extend(self.waiting)
        self.waiting.clear()

    def on_paint(self) -> None:
        now = time.perf_counter()
        self.delays.extend(now - t for t in self.rendered)
        self.rendered.clear()


def stream(chunks: list[str], feed: Callable[[str], None], probe: DelayProbe, done: Callable[[], None],
           settle: Callable[[], bool]) -> Measurement:
    """Feed chunks from a fixed-rate timer while the heartbeat watches the loop."""
    app = QCoreApplication.instance()
    assert app is not None
    heartbeat = Heartbeat()
    loop = QEventLoop()
    feeder = QTimer()
    feeder.setTimerType(Qt.TimerType.PreciseTimer)
    feeder.setInterval(FEED_INTERVAL_MS)
    remaining = iter(chunks)
    fed = 0
    give_up = float("inf")

    def next_chunk() -> None:
        nonlocal fed, give_up
        chunk = next(remaining, None)
        if chunk is None:
            feeder.stop()
            done()
            give_up = time.perf_counter() + 5
            QTimer.singleShot(50, check_settled)
            return
        probe.appended()
        feed(chunk)
        fed += 1

    def check_settled() -> None:
        if settle() or time.perf_counter() > give_up:
            loop.quit()
        else:
            QTimer.singleShot(10, check_settled)

    feeder.timeout.connect(next_chunk)
    started = time.perf_counter()
    heartbeat.start()
    feeder.start()
    loop.exec()
    heartbeat.stop()
    elapsed = time.perf_counter() - started
    delays = sorted(probe.delays) or [float("nan")]
    gaps = sorted(heartbeat.gaps) or [0.0]
    return Measurement(heartbeat.longest * 1000, gaps[int(len(gaps) * 0.999) - 1 if len(gaps) > 1 else 0] * 1000,
                       statistics.median(delays) * 1000,
                       delays[int(len(delays) * 0.95) - 1 if len(delays) > 1 else 0] * 1000, fed, elapsed)


class ProbedTranscript(TranscriptView):
    """The product view, with the render step reported to the delay probe."""

    def __init__(self, probe: DelayProbe) -> None:
        self.probe = probe
        super().__init__()
        self._browser.painted.connect(probe.on_paint)
        self._layout.flushed.connect(probe.on_render)


class NaiveTranscript(QTextBrowser):
    """The baseline: every chunk re-renders the live message and re-imports the whole transcript.

    Finished messages' HTML is cached, which flatters the baseline: only the import is repeated for them.
    """

    def __init__(self, renderer: MarkdownRenderer, probe: DelayProbe) -> None:
        super().__init__()
        self.renderer = renderer
        self.probe = probe
        self.finished_html: list[str] = []
        self.live = ""

    def load(self, messages: list[tuple[str, str, str]]) -> None:
        self.finished_html = [self.renderer.render(text).html for _, text, _ in messages]
        self.setHtml("".join(self.finished_html))

    def append_text(self, chunk: str) -> None:
        self.live += chunk
        self.document().setHtml("".join(self.finished_html) + self.renderer.render(self.live).html)
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())
        self.probe.on_render()

    def paintEvent(self, event: object) -> None:
        super().paintEvent(event)  # type: ignore[arg-type]
        self.probe.on_paint()


def timed_load(app: QCoreApplication, load: Callable[[], object]) -> float:
    """Seconds from the call to the first paint it causes being done."""
    started = time.perf_counter()
    load()
    app.processEvents()
    return time.perf_counter() - started


def _wait(app: QCoreApplication, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def run_product(app: QApplication, messages: list[tuple[str, str, str]], chunks: list[str]) -> tuple[
        Measurement, float, float]:
    """Opens the conversation (its latest page), then lays out all of it before streaming: the stream is
    measured against a window really holding every message."""
    probe = DelayProbe()
    view = ProbedTranscript(probe)
    view.resize(1000, 800)
    view.show()
    open_seconds = timed_load(app, lambda: view.model.load_history(messages))
    expand_seconds = timed_load(app, lambda: [view.show_earlier() for _ in range(view.earlier_count())])
    assert view.earlier_count() == 0
    _wait(app, 0.3)
    key = view.model.begin_assistant_message()
    measurement = stream(chunks, lambda chunk: view.model.append_text(key, chunk), probe,
                         lambda: (view.model.finish_message(key), probe.on_render()),
                         lambda: not probe.rendered and not probe.waiting)
    view.close()
    view.deleteLater()
    _wait(app, 0.1)
    return measurement, open_seconds, expand_seconds


def run_naive(app: QApplication, messages: list[tuple[str, str, str]], chunks: list[str]) -> tuple[
        Measurement, float]:
    probe = DelayProbe()
    view = NaiveTranscript(MarkdownRenderer(Theme.from_palette(app.palette())), probe)
    view.resize(1000, 800)
    view.show()
    open_seconds = timed_load(app, lambda: view.load(messages))
    _wait(app, 0.3)
    measurement = stream(chunks[:NAIVE_CHUNKS], view.append_text, probe, lambda: None,
                         lambda: not probe.rendered)
    view.close()
    view.deleteLater()
    return measurement, open_seconds


def run_long_line(app: QApplication) -> tuple[float, float]:
    """Median ms of one chunk's append + flush + paint into a single line of 10 KB, then of 1 MB."""
    view = TranscriptView()
    view.resize(1000, 800)
    view.show()
    key = view.model.begin_assistant_message()

    def flush_ms() -> float:
        started = time.perf_counter()
        view.model.append_text(key, LINE_CHUNK)
        view._layout.flush()
        app.processEvents()
        return (time.perf_counter() - started) * 1000

    def median_at(length: int) -> float:
        while view.renderer.work_chars < length:  # grow the line (cheaply) to the wanted length
            view.model.append_text(key, LINE_CHUNK * 50)
            view._layout.flush()
        return statistics.median(flush_ms() for _ in range(LINE_SAMPLES))

    early = median_at(LINE_EARLY_BYTES)
    late = median_at(LINE_LATE_BYTES)
    view.model.finish_message(key)
    view.close()
    view.deleteLater()
    _wait(app, 0.1)
    return early, late


def _row(metric: str, product: float, naive: float, target: str, passed: bool) -> dict[str, object]:
    return {"metric": metric, "product": product, "naive": naive,
            "ratio": naive / product if product > 0 else float("inf"), "target": target, "pass": passed}


def main() -> list[dict[str, object]]:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    rng = random.Random(20261124)
    messages = history(rng)
    answer = markdown_text(rng, ANSWER_BYTES)
    chunks = split_chunks(answer, CHUNKS)

    product, open_seconds, expand_seconds = run_product(app, messages, chunks)
    line_early_ms, line_late_ms = run_long_line(app)
    naive, naive_open_seconds = run_naive(app, messages, chunks)
    stall_ratio = naive.stall_ms / product.stall_ms
    delay_ratio = naive.median_delay_ms / product.median_delay_ms
    return [
        _row("longest event-loop stall (ms)", product.stall_ms, naive.stall_ms,
             f"< {TARGET_STALL_MS:.0f} ms, >= {TARGET_RATIO:.0f}x",
             product.stall_ms < TARGET_STALL_MS and stall_ratio >= TARGET_RATIO),
        _row("median chunk-to-screen delay (ms)", product.median_delay_ms, naive.median_delay_ms,
             f"< {TARGET_DELAY_MS:.0f} ms, >= {TARGET_RATIO:.0f}x",
             product.median_delay_ms < TARGET_DELAY_MS and delay_ratio >= TARGET_RATIO),
        _row("99.9th percentile heartbeat gap (ms)", product.p999_stall_ms, naive.p999_stall_ms,
             "(info: the longest stall minus rare outliers)", True),
        _row("95th percentile delay (ms)", product.p95_delay_ms, naive.p95_delay_ms, "(info)", True),
        _row("chunks streamed", product.chunks, naive.chunks, f"{CHUNKS} / first {NAIVE_CHUNKS}", True),
        _row("stream wall time (s)", product.seconds, naive.seconds, "(info)", True),
        _row("effective stream rate (KB/s)", len(answer) / 1000 / product.seconds,
             sum(map(len, chunks[:NAIVE_CHUNKS])) / 1000 / naive.seconds, "(info: real streams ~1-5)", True),
        _row("open a 2,000-message conversation (s)", open_seconds, naive_open_seconds,
             f"< {TARGET_OPEN_SECONDS:.1f} s", open_seconds < TARGET_OPEN_SECONDS),
        _row("then show all earlier messages (s)", expand_seconds, float("nan"),
             f"(info: {HISTORY_MESSAGES // HISTORY_PAGE - 1} clicks on \"Show more\")", True),
        _row("2 KB chunk into a 10 KB line (ms)", line_early_ms, float("nan"), "(info: the reference)", True),
        _row("2 KB chunk into a 1 MB line (ms)", line_late_ms, float("nan"),
             f"< {TARGET_LINE_GROWTH:.0f}x the 10 KB one", line_late_ms < TARGET_LINE_GROWTH * line_early_ms + 1.0),
    ]


def print_table(rows: list[dict[str, object]]) -> bool:
    print(f"{'metric':36} {'product':>10} {'naive':>10} {'ratio':>8}  target")
    for row in rows:
        print(f"{row['metric']!s:36} {row['product']:>10.2f} {row['naive']:>10.2f} {row['ratio']:>7.1f}x  "
              f"{row['target']}  {'ok' if row['pass'] else 'MISSED'}")
    print(f"naive baseline: first {NAIVE_CHUNKS} of {CHUNKS} chunks; its per-chunk cost grows with the answer, "
          "so its figures (and the ratios) are lower bounds.")
    passed = all(bool(row["pass"]) for row in rows)
    print("PASS" if passed else "FAIL")
    return passed


if __name__ == "__main__":
    sys.exit(0 if print_table(main()) else 1)
