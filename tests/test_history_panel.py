"""The sidebar's history, offscreen: grouping by day, search as you type, open, resume, delete + undo, rename,
export, through the hover buttons, the keys and the context menu."""

from __future__ import annotations

import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QLocale, QModelIndex, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QStyleOptionViewItem,
    QTextBrowser,
)
from pytestqt.qtbot import QtBot

from gemini_desktop.conversation.sidebar_rows import OpenRow, RowKind
from gemini_desktop.store import HistoryStore
from gemini_desktop.ui.design import SPACE
from gemini_desktop.ui.sidebar import Sidebar
from gemini_desktop.ui.sidebar_model import DETAIL_ROLE, HTML_ROLE, ROW_ROLE, SESSION_ID_ROLE
from gemini_desktop.ui.transcript import HISTORY_PAGE

DAY = 24 * 3600


def add_session(store: HistoryStore, cwd: str, question: str, *, age_days: float = 0.0,
                model: str = "gemini-2.5-flash") -> int:
    session = store.create_session(cwd, model)
    store.add_message(session.id, "user", question)
    store.add_message(session.id, "assistant", f"Answer to: {question}")
    if age_days:
        raw = sqlite3.connect(store.path)
        with raw:
            raw.execute("UPDATE sessions SET updated = ? WHERE id = ?", (time.time() - age_days * DAY, session.id))
        raw.close()
    return session.id


def make_panel(qtbot: QtBot, store: HistoryStore) -> Sidebar:
    panel = Sidebar(store)
    qtbot.addWidget(panel)
    panel.resize(320, 700)
    panel.show()
    return panel


def texts(panel: Sidebar) -> list[str]:
    """The rows' words, without the bidi isolates around untrusted text."""
    return [str(panel.model.index(row).data()).replace("\u2068", "").replace("\u2069", "")
            for row in range(panel.model.rowCount())]


def index_of(panel: Sidebar, kind: RowKind, nth: int = 0) -> QModelIndex:
    found = [panel.model.index(row) for row, shown in enumerate(panel.model.rows()) if shown.kind is kind]
    return found[nth]


def hit_indexes(panel: Sidebar) -> list[QModelIndex]:
    return [panel.model.index(row) for row, shown in enumerate(panel.model.rows()) if shown.kind is RowKind.HIT]


def month_label(days_ago: float) -> str:
    day = (datetime.now() - timedelta(days=days_ago)).date()
    return QLocale().toString(QDate(day.year, day.month, 1), "MMMM yyyy")


def click_row(qtbot: QtBot, view: QAbstractItemView, index: QModelIndex) -> None:
    view.scrollTo(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())


def click_hover_button(qtbot: QtBot, panel: Sidebar, index: QModelIndex, action: str) -> None:
    """Move over the row (its buttons show), then click the button of `action`."""
    panel.list.scrollTo(index)
    rect = panel.list.visualRect(index)
    qtbot.mouseMove(panel.list.viewport(), rect.center())
    buttons = dict((a.name, r) for a, r in panel.delegate.button_rects(rect, index.data(ROW_ROLE)))
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=buttons[action].center())


def test_sessions_are_grouped_by_day_newest_first(qtbot: QtBot, store: HistoryStore) -> None:
    old = add_session(store, "/work/alpha", "How do trigram indexes work?", age_days=40)
    add_session(store, "/work/beta", "Yesterday's question", age_days=1)
    add_session(store, "/work/gamma", "Three days ago", age_days=3)
    fix = add_session(store, "/work/alpha", "Fix the build", model="gemini-2.5-pro")
    add_session(store, "/work/beta", "Another one today")
    panel = make_panel(qtbot, store)

    assert panel.objectName() == "sidebar"
    assert texts(panel) == ["Today", "Another one today", "Fix the build", "Yesterday", "Yesterday's question",
                            "Previous 7 days", "Three days ago", month_label(40), "How do trigram indexes work?"]
    row = index_of(panel, RowKind.HISTORY, 1)
    assert row.data(SESSION_ID_ROLE) == fix
    detail = row.data(DETAIL_ROLE)
    assert len(detail) == 5 and detail[2] == ":"  # today: just the time of day
    tooltip = row.data(Qt.ItemDataRole.ToolTipRole)
    assert "\u2068/work/alpha\u2069" in tooltip and "gemini-2.5-pro" in tooltip and "2 message" in tooltip
    assert index_of(panel, RowKind.HISTORY, 4).data(SESSION_ID_ROLE) == old
    header = index_of(panel, RowKind.HEADER)
    assert not header.flags() & Qt.ItemFlag.ItemIsSelectable  # a day is a title, never a selection


def test_open_conversations_are_above_the_history_in_the_same_list(qtbot: QtBot, store: HistoryStore) -> None:
    add_session(store, "/work/alpha", "Stored one")
    panel = make_panel(qtbot, store)
    panel.set_rows([OpenRow("Chat A", "/a", "streaming"), OpenRow("Chat B", "/b", "waiting_approval", unread=True,
                                                                  agent="Claude Code")], 0)
    assert texts(panel) == ["Open", "Chat A — streaming", "● Chat B — Claude Code · waiting for approval", "Today",
                            "Stored one"]
    assert panel.row_text(1).startswith("●")
    scroll = panel.list.verticalScrollBar().value()
    panel.list.setCurrentIndex(index_of(panel, RowKind.HISTORY))
    panel.set_rows([OpenRow("Chat A", "/a", "idle"), OpenRow("Chat B", "/b", "idle")], 1)  # an update: no reset
    assert panel.selected_row() is not None and panel.selected_row().kind is RowKind.HISTORY  # type: ignore[union-attr]
    assert panel.list.verticalScrollBar().value() == scroll
    with qtbot.waitSignal(panel.conversation_chosen, timeout=1000) as chosen:
        click_row(qtbot, panel.list, index_of(panel, RowKind.OPEN, 1))
    assert chosen.args == [1]
    with qtbot.waitSignal(panel.close_requested, timeout=1000) as closing:
        click_hover_button(qtbot, panel, index_of(panel, RowKind.OPEN, 0), "close")
    assert closing.args == [0]


def test_a_conversation_with_another_agent_than_gemini_names_it(qtbot: QtBot, store: HistoryStore) -> None:
    store.create_session("/work/alpha", None, title="With Claude", agent="claude-code")
    store.create_session("/work/alpha", None, title="With Gemini", agent="")
    store.create_session("/work/alpha", None, title="With a future agent", agent="some-new-agent")
    panel = make_panel(qtbot, store)
    assert sorted(texts(panel)[1:]) == ["With Claude · Claude Code", "With Gemini",
                                        "With a future agent · some-new-agent"]


def test_long_history_is_paged(qtbot: QtBot, store: HistoryStore) -> None:
    for index in range(230):
        store.create_session(f"/p{index % 4}")
    panel = make_panel(qtbot, store)
    qtbot.wait(50)
    assert panel.model.loaded_sessions == 100
    bar = panel.list.verticalScrollBar()
    for _ in range(5):
        bar.setValue(bar.maximum())
        qtbot.wait(10)
    assert panel.model.loaded_sessions == 230


def test_clicking_a_conversation_asks_to_open_it_at_once(qtbot: QtBot, store: HistoryStore) -> None:
    session_id = add_session(store, "/p", "<script>alert(1)</script> & <a href='http://x'>link</a>")
    panel = make_panel(qtbot, store)
    assert panel.select_session(session_id)
    with qtbot.waitSignal(panel.open_requested, timeout=1000) as opened:
        click_row(qtbot, panel.list, panel.list.currentIndex())
    assert opened.args == [session_id, None, ""]
    panel.list.setFocus()
    with qtbot.waitSignal(panel.open_requested, timeout=1000) as by_key:
        qtbot.keyClick(panel.list, Qt.Key.Key_Return)
    assert by_key.args == [session_id, None, ""]


def test_a_search_hit_asks_to_open_its_conversation_at_that_message(qtbot: QtBot, store: HistoryStore) -> None:
    session = store.create_session("/p", "m")
    for index in range(3 * HISTORY_PAGE):
        store.add_message(session.id, "user" if index % 2 == 0 else "assistant",
                          "the quokka question" if index == 7 else f"filler {index}")
    panel = make_panel(qtbot, store)
    panel.search_field.insert("quokka")
    qtbot.waitUntil(lambda: len(hit_indexes(panel)) == 1, timeout=2000)
    hit = store.messages(session.id)[7].id
    with qtbot.waitSignal(panel.open_requested, timeout=1000) as opened:
        click_row(qtbot, panel.list, hit_indexes(panel)[0])
    assert opened.args == [session.id, hit, "quokka"]


def test_search_as_you_type_shows_highlighted_hits(qtbot: QtBot, store: HistoryStore) -> None:
    wanted = add_session(store, "/old", "我们讨论<b>会话恢复</b>的细节", age_days=90)
    english = add_session(store, "/old", "How does session restoration work?", age_days=60)
    for index in range(20):
        add_session(store, f"/n{index}", f"unrelated cooking question {index}")
    panel = make_panel(qtbot, store)
    panel.set_rows([OpenRow("Restoration plan", "/x", "idle"), OpenRow("Cooking", "/y", "idle")], 0)

    qtbot.keyClicks(panel.search_field, "restora")
    assert panel._search_timer.isActive()  # debounced, not run per keystroke
    qtbot.waitUntil(lambda: len(hit_indexes(panel)) == 2, timeout=2000)  # question and answer
    assert {index.data(SESSION_ID_ROLE) for index in hit_indexes(panel)} == {english}
    assert "<b><u>restora</u></b>tion" in hit_indexes(panel)[0].data(HTML_ROLE)
    assert [panel.model.rows()[row].open_row for row in (1,)] == [OpenRow("Restoration plan", "/x", "idle")]
    assert panel.row_text(1) == ""  # "Cooking" does not match: filtered out

    panel.search_field.clear()
    panel.search_field.insert("会话恢复")  # what an input method commits (QTest cannot type CJK keys)
    qtbot.waitUntil(lambda: [index.data(SESSION_ID_ROLE) for index in hit_indexes(panel)] == [wanted, wanted],
                    timeout=2000)
    assert panel.searching
    item = hit_indexes(panel)[1]  # newest first: the answer, then the question
    assert "You:" in item.data()
    rich = item.data(HTML_ROLE)
    assert "<b><u>会话恢复</u></b>" in rich
    assert "&lt;b&gt;" in rich and "<b>会话" not in rich.replace("<b><u>会话恢复", "")
    with qtbot.waitSignal(panel.open_requested, timeout=1000) as opened:
        click_row(qtbot, panel.list, hit_indexes(panel)[1])
    assert opened.args[0] == wanted and opened.args[2] == "会话恢复"

    panel.search_field.clear()
    qtbot.keyClicks(panel.search_field, "zzzz-nowhere")
    qtbot.waitUntil(lambda: panel.status_label.isVisible(), timeout=2000)
    assert hit_indexes(panel) == [] and "zzzz-nowhere" in panel.status_label.text()

    panel.search_field.clear()
    qtbot.waitUntil(lambda: not panel.searching, timeout=2000)
    assert panel.row_text(1) == "\u2068Cooking\u2069 — idle" and panel.model.loaded_sessions == 22


MARKDOWN_ANSWER = """## Reading a file safely

Use a **context manager** so the `file` is closed even when an error is raised, and [the docs](https://docs.python.org)
say so too:

```python
from pathlib import Path


def first_line(path: Path) -> str:
    with path.open(encoding="utf-8") as handle:
        return handle.readline()
```

| approach | closes on error |
|---|---|
| `with open(...)` | yes |
"""


def test_a_hit_shows_the_plain_words_on_at_most_two_lines(qtbot: QtBot, store: HistoryStore) -> None:
    session = store.create_session("/work/project")
    store.add_message(session.id, "user", "How do I read a file safely in Python?")
    store.add_message(session.id, "assistant", MARKDOWN_ANSWER)
    panel = make_panel(qtbot, store)
    qtbot.keyClicks(panel.search_field, "context")
    qtbot.waitUntil(lambda: len(hit_indexes(panel)) == 1, timeout=2000)
    [index] = hit_indexes(panel)

    words = str(index.data())
    assert "Reading a file safely · Use a context manager so the file is closed" in words
    assert not any(markdown in words for markdown in ("##", "**", "`", "](", "|"))
    assert "<b><u>context</u></b> manager" in index.data(HTML_ROLE)

    option = QStyleOptionViewItem()
    option.initFrom(panel.list)
    document = panel.delegate.hit_document(option, index)
    title, said = document.begin(), document.begin().next()
    assert title.layout().lineCount() == 1 and said.layout().lineCount() == 2
    assert said.text().endswith("…") and "context" in said.text()
    line = QFontMetrics(option.font).height()
    assert panel.delegate.sizeHint(option, index).height() < 4 * line + 2 * SPACE["sm"]
    panel.list.viewport().grab()  # the row paints from the same document


def test_resume_emits_the_store_session_id(qtbot: QtBot, store: HistoryStore) -> None:
    first = add_session(store, "/p", "first")
    add_session(store, "/p", "second")
    panel = make_panel(qtbot, store)
    assert not panel.resume_action.isEnabled()
    assert panel.select_session(first)
    assert panel.resume_action.isEnabled()
    with qtbot.waitSignal(panel.resume_requested, timeout=1000) as blocker:
        click_hover_button(qtbot, panel, panel.list.currentIndex(), "resume")
    assert blocker.args == [first]
    where = panel.list.visualRect(index_of(panel, RowKind.HISTORY, 0)).center()
    with qtbot.waitSignal(panel.resume_requested, timeout=1000) as double:
        qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=where)  # as a real double click
        qtbot.mouseDClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert double.args[0] != first


def test_delete_asks_first_then_undo(qtbot: QtBot, store: HistoryStore, monkeypatch: pytest.MonkeyPatch) -> None:
    keep = add_session(store, "/p", "keep me")
    doomed = add_session(store, "/p", "delete me")
    panel = make_panel(qtbot, store)
    answers = iter([QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes])
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda _parent, _title, text, *a: asked.append(text) or next(answers)))
    assert panel.select_session(doomed)
    panel.list.setFocus()
    qtbot.keyClick(panel.list, Qt.Key.Key_Delete)
    assert "delete me" in asked[0]
    assert {s.id for s in store.list_sessions()} == {keep, doomed}  # answered No
    click_hover_button(qtbot, panel, panel.list.currentIndex(), "delete")
    assert [s.id for s in store.list_sessions()] == [keep]
    assert not panel.select_session(doomed)
    assert panel.undo_bar.isVisible()

    qtbot.mouseClick(panel.undo_button, Qt.MouseButton.LeftButton)
    assert not panel.undo_bar.isVisible()
    assert {s.id for s in store.list_sessions()} == {keep, doomed}
    assert panel.select_session(doomed)


def test_rename_and_exports_through_the_dialogs(qtbot: QtBot, store: HistoryStore, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    session_id = add_session(store, "/p", "original question")
    panel = make_panel(qtbot, store)
    assert panel.select_session(session_id)
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *args, **kwargs: ("Renamed 对话", True)))
    panel.list.setFocus()
    qtbot.keyClick(panel.list, Qt.Key.Key_F2)
    assert store.get_session(session_id).title == "Renamed 对话"  # type: ignore[union-attr]
    assert panel.selected_session_id() == session_id
    assert "Renamed 对话" in texts(panel)

    markdown_file = tmp_path / "out.md"
    json_file = tmp_path / "out.json"
    targets = iter([str(markdown_file), str(json_file)])
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (next(targets), "")))
    click_hover_button(qtbot, panel, panel.list.currentIndex(), "export")
    panel.export_json_action.trigger()
    assert markdown_file.read_text(encoding="utf-8") == store.export_markdown(session_id)
    assert json_file.read_text(encoding="utf-8") == store.export_json(session_id)


def test_the_context_menu_offers_what_fits_the_row(qtbot: QtBot, store: HistoryStore) -> None:
    add_session(store, "/p", "stored")
    panel = make_panel(qtbot, store)
    panel.set_rows([OpenRow("Chat", "/a", "idle")], 0)
    shown: list[list[str]] = []
    for kind in (RowKind.OPEN, RowKind.HISTORY):
        panel.list.setCurrentIndex(index_of(panel, kind))
        shown.append([action.text() for action in panel._row_menu_actions()])
    assert shown == [["Open", "Close conversation"],
                     ["Open", "Resume", "Rename…", "Export as Markdown…", "Export as JSON…", "Delete…"]]
    assert panel.delete_action.shortcut().toString() == "Del" and panel.rename_action.shortcut().toString() == "F2"


def test_every_interactive_widget_has_an_accessible_name(qtbot: QtBot, store: HistoryStore) -> None:
    panel = make_panel(qtbot, store)
    kinds = (QAbstractButton, QLineEdit, QAbstractItemView, QTextBrowser)
    widgets = [w for kind in kinds for w in panel.findChildren(kind)]
    assert len(widgets) >= 3
    unnamed = [w for w in widgets if not w.accessibleName() and w.parent() is not panel.search_field]
    assert unnamed == []
    assert panel.list.accessibleDescription()

