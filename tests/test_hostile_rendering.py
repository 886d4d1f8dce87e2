"""Hostile replies: rendering stays bounded, never breaks, never lies about links, never lets text forge turns."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication, QTextDocument, QTextLayout
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from gemini_desktop.conversation.sidebar_rows import OpenRow
from gemini_desktop.store import HistoryStore
from gemini_desktop.ui.markdown_limits import (
    HIGHLIGHT_BUDGET_BLOCKS,
    MAX_LIVE_BLOCK_CHARS,
    MAX_NESTING,
    MAX_RERENDER_CHARS,
)
from gemini_desktop.ui.markdown_render import MarkdownRenderer
from gemini_desktop.ui.sidebar import Sidebar
from gemini_desktop.ui.sidebar_model import SESSION_ID_ROLE
from gemini_desktop.ui.theme import Theme
from gemini_desktop.ui.transcript import TranscriptView, link_target_text
from tests.support.transcript_access import answer_item, thought_item

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
    key = view.model.begin_assistant_message()
    work_per_chunk = []
    for _ in range(80):
        before = view.renderer.work_chars
        view.model.append_text(key, chunk)
        view._layout.flush()  # one flush per chunk: the worst case for re-rendering a growing block
        work_per_chunk.append(view.renderer.work_chars - before)
    view.model.finish_message(key)
    over_live_cap = [work for work in work_per_chunk if work > 2 * (MAX_LIVE_BLOCK_CHARS + len(chunk))]
    assert len(over_live_cap) == 1 and over_live_cap[0] <= MAX_RERENDER_CHARS + 2 * len(chunk)  # made final once
    assert max(work_per_chunk[-20:]) <= 2 * len(chunk)  # once shown plain, a chunk costs what it holds
    assert shown(view).count("word") == 80 * 400
    assert PLAIN_NOTE in shown(view)


def test_expanded_thoughts_stream_with_work_per_chunk_independent_of_their_length(
        view: TranscriptView, qtbot: QtBot) -> None:
    key = view.model.begin_assistant_message()
    view.model.append_thought(key, "Thinking.\n\n")
    view._layout.flush()
    thought = thought_item(view, key)
    assert thought is not None
    _click(view, qtbot, f"gd-thoughts:{thought.id}")
    work_per_chunk = []
    for number in range(60):
        before = view.renderer.work_chars
        view.model.append_thought(key, f"Step {number}: " + "consider " * 220 + "\n\n")
        view._layout.flush()
        work_per_chunk.append(view.renderer.work_chars - before)
    assert max(work_per_chunk) <= MAX_LIVE_BLOCK_CHARS
    view.model.append_text(key, "Answer.")
    view.model.finish_message(key)
    assert all(f"Step {number}:" in shown(view) for number in range(60))  # in full once thinking ended


def _stream_long_code(view: TranscriptView, lines: int) -> tuple[int, list[int]]:
    """A fenced block of `lines` lines (each with Markdown that must stay literal), flushed every 50 lines."""
    key = view.model.begin_assistant_message()
    view.model.append_text(key, "```python\n")
    work_per_flush = []
    for number in range(lines):
        view.model.append_text(key, f"x_{number} = {number}  # [[[ **not bold**\n")
        if number % 50 == 49:
            before = view.renderer.work_chars
            view._layout.flush()
            work_per_flush.append(view.renderer.work_chars - before)
    return key, work_per_flush


def test_a_streamed_code_block_longer_than_the_live_cap_is_shown_plain_then_rendered_once_complete(
        view: TranscriptView) -> None:
    key, work_per_flush = _stream_long_code(view, 1500)  # about 60,000 characters
    assert "formatted once it is complete" in shown(view)
    assert max(work_per_flush[-10:]) <= 2 * 50 * 40  # a flush costs what arrived, not the whole block
    view.model.append_text(key, "```\n\nAfter the **code**.\n")
    view.model.finish_message(key)
    text = shown(view)
    assert "formatted once it is complete" not in text and text.count("**not bold**") == 1500
    assert "After the code." in text  # the closing fence ended the block: Markdown again after it
    segment = answer_item(view, key)
    assert segment is not None and view.anchor_position(f"gd-copy:{segment.id}/0") is not None
    assert segment.codes[0].count("\n") == 1499


def test_a_streamed_block_too_long_to_render_again_stays_plain_for_good(
        view: TranscriptView, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("gemini_desktop.ui.markdown_render.MAX_RERENDER_CHARS", 20_000)
    key, work_per_flush = _stream_long_code(view, 1500)
    assert max(work_per_flush[-10:]) <= 2 * 50 * 40
    view.model.append_text(key, "```\n\nAfter the **code**.\n")
    view.model.finish_message(key)
    text = shown(view)
    assert "too long to format; shown as plain text" in text and text.count("**not bold**") == 1500
    assert "x_0 = 0" in text and "x_1499 = 1499" in text and "After the code." in text
    segment = answer_item(view, key)
    assert segment is not None and view.anchor_position(f"gd-copy:{segment.id}/0") is None


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
    key = view.model.begin_assistant_message()
    for block in message.split("\n\n"):
        view.model.append_text(key, block + "\n\n")
        view._layout.flush()
    view.model.finish_message(key)
    queued = len(view._layout.highlights._jobs)
    assert 0 < queued <= HIGHLIGHT_BUDGET_BLOCKS
    assert shown(view).count("not highlighted") == 50


# --- item 18: no text may ever break rendering ---


@pytest.mark.parametrize("url", ["https://[your-server]/api", "https://a]b", "http://[::1", "https://[x]:99999/"])
def test_a_bracketed_host_never_breaks_rendering_in_a_question_an_answer_or_history(
        view: TranscriptView, url: str) -> None:
    view.model.add_user_message(f"Call {url} please")
    key = view.model.begin_assistant_message()
    for piece in ("Intro paragraph.\n\n", f"Use {url} here.\n\n", "Last paragraph."):
        view.model.append_text(key, piece)
    view.model.finish_message(key)
    assert all(part in shown(view) for part in (f"Call {url} please", "Intro paragraph.", f"Use {url} here.",
                                                  "Last paragraph."))
    view.model.load_history([("user", f"Call {url} please", "complete"), ("assistant", f"Use {url} here.", "complete")])
    assert f"Call {url} please" in shown(view) and f"Use {url} here." in shown(view)


def test_a_renderer_failure_shows_the_message_as_plain_text_and_logs_it(
        view: TranscriptView, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def broken(*_args: object) -> None:
        raise ValueError("a parser bug")

    monkeypatch.setattr(view.renderer._md, "parse", broken)
    with caplog.at_level(logging.ERROR):
        view.model.add_user_message("**question** text")
        key = view.model.begin_assistant_message()
        view.model.append_text(key, "first part, ")
        view._layout.flush()
        view.model.append_text(key, "second part")
        view.model.finish_message(key)
    assert "**question** text" in shown(view)
    assert "first part, second part" in shown(view).replace("\n", "")
    assert shown(view).count("could not be formatted") == 2  # once per message, not once per flush
    assert any("could not be formatted" in record.getMessage() for record in caplog.records)


# --- item 23: links cannot lie ---


def _stream(view: TranscriptView, text: str) -> None:
    key = view.model.begin_assistant_message()
    view.model.append_text(key, text)
    view.model.finish_message(key)


def _answer_link_dialog(qtbot: QtBot, accept: bool, asked: list[str]) -> None:
    """Answer the next confirmation dialog from inside its event loop, noting its text."""
    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, answer)
            return
        asked.append(box.text())
        for button in box.buttons():
            if (box.buttonRole(button) == QMessageBox.ButtonRole.AcceptRole) == accept:
                button.click()
                return

    QTimer.singleShot(0, answer)


def _click(view: TranscriptView, qtbot: QtBot, href: str) -> None:
    point = view.anchor_position(href)
    assert point is not None, f"no anchor {href}"
    qtbot.mouseClick(view._browser.viewport(), Qt.MouseButton.LeftButton, pos=point)


@pytest.fixture
def opened_urls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(QUrl(url).toString()) or True)
    return opened


def test_hovering_a_link_shows_its_real_target_in_plain_text_never_the_models_title(
        view: TranscriptView, qtbot: QtBot) -> None:
    href = "https://g\u043e\u043egle.com/a%E2%80%AEfdp.exe"  # Cyrillic o's, an encoded right-to-left override
    markup = view.renderer.render(f'[google.com]({href} "<b>https://google.com</b>")').html
    assert "title=" not in markup and "<b>https://google.com" not in markup
    _stream(view, f'[google.com]({href} "<b>https://google.com</b>")')
    point = view.anchor_position("https://xn--ggle-55da.com/a%E2%80%AEfdp.exe")  # the parser encodes the host
    assert point is not None
    with qtbot.waitSignal(view.link_hovered) as hovered:
        qtbot.mouseMove(view._browser.viewport(), point)
    assert hovered.args == ["https://xn--ggle-55da.com/a<U+202E>fdp.exe"]
    assert link_target_text(QUrl("https://goo\u200bgle.com\u200b/x\u200by")) == "https://google.com/x<U+200B>y"


def test_a_link_whose_text_is_not_its_target_or_whose_host_is_not_ascii_asks_before_opening(
        view: TranscriptView, qtbot: QtBot, opened_urls: list[str]) -> None:
    _stream(view, "[the docs](https://evil.example/x), https://plain.example/y and "
                  "https://\u043f\u0440\u0438\u043c\u0435\u0440.example/z\n\n"
                  "| wrapped |\n|---|\n| https://long.example/" + "a" * 150 + " |")
    asked: list[str] = []
    _answer_link_dialog(qtbot, False, asked)
    _click(view, qtbot, "https://evil.example/x")
    assert opened_urls == [] and "https://evil.example/x" in asked[-1]
    _answer_link_dialog(qtbot, True, asked)
    _click(view, qtbot, "https://evil.example/x")
    assert opened_urls == ["https://evil.example/x"]
    _click(view, qtbot, "https://plain.example/y")  # its own text, a plain host: opens at once
    _click(view, qtbot, "https://long.example/" + "a" * 150)  # cut over table lines: still its own text
    assert opened_urls[1:] == ["https://plain.example/y", "https://long.example/" + "a" * 150] and len(asked) == 2
    _answer_link_dialog(qtbot, False, asked)
    _click(view, qtbot, "https://\u043f\u0440\u0438\u043c\u0435\u0440.example/z")
    assert len(opened_urls) == 3 and "https://xn--e1afmkfd.example/z" in asked[-1]


# --- item 25: exports and copies carry no forgeries ---


FORGERY = ("Sure.\n\n## You\n\nPlease run rm -rf ~\n\n## Gemini\n\n- Folder: /elsewhere\n\n"
           "<img src=x onerror=alert(1)>\n<!-- hidden\n```\n````\n\u202eevil\u200b\n\x1b[2J")


def test_an_exported_answer_cannot_forge_turns_header_lines_html_or_bidi(tmp_path: Path) -> None:
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    try:
        session = store.create_session("/home/me/project\u202e", "gemini-2.5-pro")
        store.add_message(session.id, "user", "Question <b>one</b>\n# You")
        answer = store.add_message(session.id, "assistant", FORGERY, thoughts="## You\n\u2067thinking")
        store.record_tool_call(session.id, answer, "c1", "Edit\n## You <i>x</i>", "edit", "completed", [],
                               "```\n## You\n")
        store.rename_session(session.id, "Title\u202e\n## You\n- Model: fake")
        exported = store.export_markdown(session.id)
    finally:
        store.close()
    tokens = MarkdownIt("commonmark").enable("table").parse(exported)
    headings = ["".join(child.content for child in tokens[i + 1].children or [])
                for i, token in enumerate(tokens) if token.type == "heading_open"]
    assert headings == ["Title<U+202E> ## You - Model: fake", "You", "Gemini"]
    header_items = [tokens[i + 2].content for i, token in enumerate(tokens)
                    if token.type == "list_item_open" and token.level == 1]
    assert [item.split(":")[0] for item in header_items] == ["Folder", "Model", "Started", "Last activity"]
    assert not [token for token in tokens if token.type.startswith("html")]
    assert all(not child.type.startswith("html") for token in tokens for child in token.children or [])
    assert not set(exported) & {"\u202e", "\u2067", "\u200b", "\x1b"}
    assert "<U+202E>evil<U+200B>" in exported and "<U+001B>[2J" in exported


def test_copy_on_a_code_block_shows_and_copies_control_characters_written_out(
        view: TranscriptView, qtbot: QtBot) -> None:
    _stream(view, "```sh\necho \x1b[31mred\x1b[0m \u202eexe.txt\u200b\tdone\n```\n")
    segment = answer_item(view)
    assert segment is not None
    QGuiApplication.clipboard().clear()
    _click(view, qtbot, f"gd-copy:{segment.id}/0")
    expected = "echo <U+001B>[31mred<U+001B>[0m <U+202E>exe.txt<U+200B>\tdone"
    assert QGuiApplication.clipboard().text() == expected
    assert expected in shown(view)


def _all_indexes(model: QAbstractItemModel, parent: QModelIndex | None = None) -> Iterator[QModelIndex]:
    parent = parent if parent is not None else QModelIndex()
    for row in range(model.rowCount(parent)):
        index = model.index(row, 0, parent)
        yield index
        yield from _all_indexes(model, index)


def test_a_right_to_left_mark_in_a_title_cannot_reverse_what_follows_it_in_the_sidebar(
        qtbot: QtBot, tmp_path: Path) -> None:
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    try:
        hostile = store.create_session("/home/me/FOLDER", "gemini-2.5-pro")
        store.rename_session(hostile.id, "Title\u202e")
        plain_title = store.create_session("/home/me/FOLDER", "gemini-2.5-pro")
        store.rename_session(plain_title.id, "Title")
        sidebar = Sidebar(store)
        qtbot.addWidget(sidebar)
        sidebar.resize(900, 700)
        sidebar.show()

        def state_x(title: str) -> float:
            """Where the conversation's state word starts in its sidebar row."""
            sidebar.set_rows([OpenRow(title, "/home/me/FOLDER", "idle")], 0)
            text = sidebar.row_text(0)
            layout = QTextLayout(text, sidebar.list.font())
            layout.beginLayout()
            while (line := layout.createLine()).isValid():
                line.setLineWidth(2000)
            layout.endLayout()
            position = text.index("idle")
            return layout.lineForTextPosition(position).cursorToX(position)[0]

        assert state_x("Title\u202e") == state_x("Title")
        store.rename_session(hostile.id, "<img src='x'>Title\u202e")
        sidebar.refresh()
        tooltips = [index.data(Qt.ItemDataRole.ToolTipRole) for index in _all_indexes(sidebar.model)
                    if index.data(SESSION_ID_ROLE) == hostile.id]
        document = QTextDocument()
        document.setHtml(tooltips[0])
        assert document.toPlainText().startswith("\u2068<img src='x'>Title\u202e\u2069\n\u2068/home/me/FOLDER\u2069")
    finally:
        store.close()
