"""Switching conversations: showing an already-built transcript vs rebuilding one from its model.

Run: `.venv/bin/python bench/bench_switch.py` or `python3 scripts/dev.py bench switch` (offscreen).

Two open conversations of 2,000 messages each, one TranscriptView per conversation in a QStackedWidget (the
shape of the window after issue 9). Measured, side by side in one run:
- switch: `setCurrentWidget` to the other view until its first paint is done (the product); target < 50 ms;
- replay: a fresh TranscriptView over the same model until its first paint (what a switch would cost if the
  window kept one transcript and rebuilt it per conversation); for information, and as the baseline;
- replay of a conversation that was streamed, not stored (every entry laid out, no paging), for information.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench_render import history  # the same 2,000-message conversation as the render benchmark
from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication, QStackedWidget, QTextBrowser

from gemini_desktop.conversation import ConversationModel
from gemini_desktop.ui.transcript import TranscriptView

SWITCHES = 20
REPLAYS = 3
TARGET_SWITCH_MS = 50.0


def painted_after(app: QApplication, view: TranscriptView, action: object) -> float:
    """Milliseconds from `action()` to the end of the first paint of `view`'s document."""
    browser = view.findChild(QTextBrowser, "transcriptDocument")
    assert browser is not None
    done: list[bool] = []
    browser.painted.connect(lambda: done.append(True))  # type: ignore[attr-defined]
    started = time.perf_counter()
    action()  # type: ignore[operator]
    while not done:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
        if time.perf_counter() - started > 30:
            raise RuntimeError("the view never painted")
    elapsed = (time.perf_counter() - started) * 1000
    browser.painted.disconnect()  # type: ignore[attr-defined]
    return elapsed


def streamed_model(messages: list[tuple[str, str, str]]) -> ConversationModel:
    """A conversation that was live, not loaded: a replay lays out every entry of it."""
    model = ConversationModel()
    for role, text, _state in messages:
        if role == "user":
            model.add_user_message(text)
        else:
            key = model.begin_assistant_message()
            model.append_text(key, text)
            model.finish_message(key)
    return model


def main() -> list[dict[str, object]]:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    rng = random.Random(20261202)
    models = [ConversationModel(), ConversationModel()]
    for model in models:
        model.load_history(history(rng))
    stack = QStackedWidget()
    stack.resize(1000, 800)
    views = [TranscriptView(model=model) for model in models]
    for view in views:
        stack.addWidget(view)
    stack.show()
    for view in views:
        painted_after(app, view, lambda view=view: stack.setCurrentWidget(view))
    switches = [painted_after(app, views[n % 2], lambda n=n: stack.setCurrentWidget(views[n % 2]))
                for n in range(SWITCHES)]

    def replay(model: ConversationModel) -> float:
        fresh = TranscriptView(model=model)
        stack.addWidget(fresh)
        elapsed = painted_after(app, fresh, lambda: stack.setCurrentWidget(fresh))
        stack.removeWidget(fresh)
        fresh.deleteLater()
        app.processEvents()
        return elapsed

    replays = [replay(models[n % 2]) for n in range(REPLAYS)]
    full = streamed_model(history(rng))
    full_replays = [replay(full) for _ in range(REPLAYS)]
    stack.close()
    switch_ms, replay_ms = statistics.median(switches), statistics.median(replays)
    return [
        {"metric": "switch to an open 2,000-message conversation (ms, median)", "ours": switch_ms,
         "baseline": replay_ms, "target": f"< {TARGET_SWITCH_MS:.0f} ms (baseline: rebuild the view per switch)",
         "pass": switch_ms < TARGET_SWITCH_MS},
        {"metric": "switch, slowest of the run (ms)", "ours": max(switches), "baseline": max(replays),
         "target": "(info)", "pass": None},
        {"metric": "replay a stored 2,000-message model into a fresh view (ms)", "ours": replay_ms,
         "baseline": float("nan"), "target": "(info: latest page laid out)", "pass": None},
        {"metric": "replay a streamed 2,000-message model into a fresh view (ms)",
         "ours": statistics.median(full_replays), "baseline": float("nan"),
         "target": "(info: every entry laid out)", "pass": None},
    ]


if __name__ == "__main__":
    rows = main()
    for row in rows:
        print(f"{row['metric']:62} {row['ours']:>9.1f} {row['baseline']:>9.1f}  {row['target']}  "
              f"{'' if row['pass'] is None else 'ok' if row['pass'] else 'MISSED'}")
    sys.exit(1 if any(row["pass"] is False for row in rows) else 0)
