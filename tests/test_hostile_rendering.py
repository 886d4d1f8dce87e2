"""Hostile replies: rendering stays bounded, never breaks, never lies about links, never lets text forge turns."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest
from PySide6.QtGui import QTextDocument
from pytestqt.qtbot import QtBot

from gemini_desktop.ui.markdown_limits import HIGHLIGHT_BUDGET_BLOCKS, MAX_LIVE_BLOCK_CHARS, MAX_NESTING
from gemini_desktop.ui.markdown_render import MarkdownRenderer
from gemini_desktop.ui.theme import Theme
from gemini_desktop.ui.transcript import TranscriptView

PLAIN_NOTE = "shown as plain text"


@pytest.fixture
def renderer(qapp: object) -> MarkdownRenderer:
    return MarkdownRenderer(Theme.from_palette(qapp.palette()))  # type: ignore[attr-defined]


@pytest.fixture
def view(qtbot: QtBot, event_loop_qt: asyncio.AbstractEventLoop) -> Iterator[TranscriptView]:
    widget = TranscriptView()
    qtbot.addWidget(widget)
    widget.resize(700, 500)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget


def plain(markup: str) -> str:
    document = QTextDocument()
    document.setHtml(markup)
    return document.toPlainText()


def shown(view: TranscriptView) -> str:
    return view._browser.toPlainText().replace("\u200b", "")


# --- item 11: rendering any reply stays bounded ---


def test_a_long_single_line_streams_with_work_per_chunk_independent_of_what_came_before(
        view: TranscriptView) -> None:
    chunk = "word " * 400  # 2,000 characters, no newline: one ever-growing paragraph
    key = view.begin_assistant_message()
    work_per_chunk = []
    for _ in range(60):
        before = view.renderer.work_chars
        view.append_text(key, chunk)
        view._flush()  # one flush per chunk: the worst case for re-rendering a growing block
        work_per_chunk.append(view.renderer.work_chars - before)
    view.finish_message(key)
    assert max(work_per_chunk[-20:]) <= MAX_LIVE_BLOCK_CHARS + 2 * len(chunk)
    assert max(work_per_chunk[-20:]) <= 2 * len(chunk)  # once shown plain, a chunk costs what it holds
    assert shown(view).count("word") == 60 * 400
    assert PLAIN_NOTE in shown(view)


def test_a_streamed_code_block_longer_than_the_live_cap_is_shown_in_full_and_what_follows_renders(
        view: TranscriptView) -> None:
    key = view.begin_assistant_message()
    view.append_text(key, "```python\n")
    for number in range(1500):
        view.append_text(key, f"x_{number} = {number}  # [[[ **not bold**\n")
        if number % 50 == 0:
            view._flush()
    view.append_text(key, "```\n\nAfter the **code**.\n")
    view.finish_message(key)
    text = shown(view)
    assert "x_0 = 0" in text and "x_1499 = 1499" in text and text.count("**not bold**") == 1500
    assert "After the code." in text  # the closing fence ended the plain block: Markdown again


def test_content_nested_deeper_than_the_cap_is_shown_as_plain_text_not_dropped(renderer: MarkdownRenderer) -> None:
    quotes = "\n".join(">" * depth + f" quote level {depth}" for depth in range(1, MAX_NESTING + 10))
    lists = "\n".join("  " * depth + f"- list level {depth}" for depth in range(MAX_NESTING + 10))
    for source, label in ((quotes, "quote level"), (lists, "list level")):
        text = plain(renderer.render(source + "\n\nafter").html)
        levels = range(1, MAX_NESTING + 10) if label == "quote level" else range(MAX_NESTING + 10)
        assert all(f"{label} {depth}" in text for depth in levels), text
        assert PLAIN_NOTE in text and "after" in text


def test_thousands_of_nested_brackets_render_as_plain_text_with_a_note(renderer: MarkdownRenderer) -> None:
    before = renderer.work_chars
    text = plain(renderer.render("[" * 5000 + "deep" + "]" * 5000 + "(https://example.com)").html)
    assert "deep" in text and text.count("[") == 5000 + PLAIN_NOTE.count("[") + 1 and PLAIN_NOTE in text
    assert renderer.work_chars - before <= 3 * 10_100  # parsed once and shown once, nothing more


def test_a_table_beyond_the_cell_cap_is_shown_as_its_plain_source_with_a_note(renderer: MarkdownRenderer) -> None:
    columns, rows = 60, 100
    table = "\n".join(["|" + "|".join(f"h{c}" for c in range(columns)) + "|",
                       "|" + "---|" * columns,
                       *("|" + "|".join(f"r{r}c{c}" for c in range(columns)) + "|" for r in range(rows))])
    text = plain(renderer.render(f"{table}\n\nafter the table").html)
    assert "┌" not in text and PLAIN_NOTE in text
    assert f"r{rows - 1}c{columns - 1}" in text and "after the table" in text
    small = plain(renderer.render("| a | b |\n|---|---|\n| 1 | 2 |").html)
    assert "┌" in small and PLAIN_NOTE not in small


def test_code_highlighting_stops_at_the_message_budget_and_says_so(renderer: MarkdownRenderer,
                                                                      view: TranscriptView) -> None:
    blocks = HIGHLIGHT_BUDGET_BLOCKS + 50
    message = "\n\n".join(f"```python\nvalue_{n} = {n}\n```" for n in range(blocks))
    markup = renderer.render(message).html
    assert markup.count("not highlighted") == 50
    assert plain(markup).count("value_") == blocks
    key = view.begin_assistant_message()
    for block in message.split("\n\n"):
        view.append_text(key, block + "\n\n")
        view._flush()
    view.finish_message(key)
    queued = len(view._highlight_jobs)
    assert 0 < queued <= HIGHLIGHT_BUDGET_BLOCKS
    assert shown(view).count("not highlighted") == 50


# --- item 18: no text may ever break rendering ---


@pytest.mark.parametrize("url", ["https://[your-server]/api", "https://a]b", "http://[::1", "https://[x]:99999/"])
def test_a_bracketed_host_never_breaks_rendering_in_a_question_an_answer_or_history(
        view: TranscriptView, url: str) -> None:
    view.add_user_message(f"Call {url} please")
    key = view.begin_assistant_message()
    for piece in ("Intro paragraph.\n\n", f"Use {url} here.\n\n", "Last paragraph."):
        view.append_text(key, piece)
    view.finish_message(key)
    assert all(part in shown(view) for part in (f"Call {url} please", "Intro paragraph.", f"Use {url} here.",
                                                  "Last paragraph."))
    view.load_history([("user", f"Call {url} please", "complete"), ("assistant", f"Use {url} here.", "complete")])
    assert f"Call {url} please" in shown(view) and f"Use {url} here." in shown(view)


def test_a_renderer_failure_shows_the_message_as_plain_text_and_logs_it(
        view: TranscriptView, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def broken(*_args: object) -> None:
        raise ValueError("a parser bug")

    monkeypatch.setattr(view.renderer._md, "parse", broken)
    with caplog.at_level(logging.ERROR):
        view.add_user_message("**question** text")
        key = view.begin_assistant_message()
        view.append_text(key, "first part, ")
        view._flush()
        view.append_text(key, "second part")
        view.finish_message(key)
    assert "**question** text" in shown(view)
    assert "first part, second part" in shown(view).replace("\n", "")
    assert shown(view).count("could not be formatted") == 2  # once per message, not once per flush
    assert any("could not be formatted" in record.getMessage() for record in caplog.records)
