"""The history browser, offscreen: grouping, search as you type, resume, delete + undo, rename, export."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QTextBrowser,
)
from pytestqt.qtbot import QtBot

from gemini_desktop.store import HistoryStore
from gemini_desktop.ui.history_panel import HTML_ROLE, SESSION_ID_ROLE, HistoryPanel
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


def make_panel(qtbot: QtBot, store: HistoryStore) -> HistoryPanel:
    panel = HistoryPanel(store)
    qtbot.addWidget(panel)
    panel.resize(900, 700)
    panel.show()
    return panel


def children_texts(panel: HistoryPanel, parent: QModelIndex) -> list[str]:
    model = panel.model
    return [str(model.index(row, 0, parent).data()) for row in range(model.rowCount(parent))]


def button_for(panel: HistoryPanel, text: str) -> QAbstractButton:
    return next(b for b in panel.findChildren(QAbstractButton) if b.text() == text)


def test_sessions_are_grouped_by_date_then_folder_newest_first(qtbot: QtBot, store: HistoryStore) -> None:
    old = add_session(store, "/work/alpha", "How do trigram indexes work?", age_days=30)
    add_session(store, "/work/beta", "Yesterday's question", age_days=1)
    add_session(store, "/work/alpha", "Fix the build", model="gemini-2.5-pro")
    add_session(store, "/work/beta", "Another one today")
    panel = make_panel(qtbot, store)

    assert panel.objectName() == "historyPanel"
    root = QModelIndex()
    assert children_texts(panel, root) == ["Today", "Yesterday", "Older"]
    today = panel.model.index(0, 0)
    assert children_texts(panel, today) == ["beta", "alpha"]
    assert "\u2068/work/beta\u2069" in panel.model.index(0, 0, today).data(Qt.ItemDataRole.ToolTipRole)
    alpha_today = panel.model.index(1, 0, today)
    assert children_texts(panel, alpha_today) == ["Fix the build"]
    row = [str(panel.model.index(0, column, alpha_today).data()) for column in range(4)]
    assert row[1:3] == ["2", "gemini-2.5-pro"]
    assert len(row[3]) == 5 and row[3][2] == ":"  # today: just the time of day
    older = panel.model.index(2, 0)
    session_index = panel.model.index(0, 0, panel.model.index(0, 0, older))
    assert session_index.data(SESSION_ID_ROLE) == old
    assert panel.tree.isExpanded(older)


def test_a_conversation_with_another_agent_than_gemini_names_it(qtbot: QtBot, store: HistoryStore) -> None:
    store.create_session("/work/alpha", None, title="With Claude", agent="claude-code")
    store.create_session("/work/alpha", None, title="With Gemini", agent="")
    store.create_session("/work/alpha", None, title="With a future agent", agent="some-new-agent")
    panel = make_panel(qtbot, store)
    folder = panel.model.index(0, 0, panel.model.index(0, 0))
    assert sorted(children_texts(panel, folder)) == ["With Claude · Claude Code", "With Gemini",
                                                     "With a future agent · some-new-agent"]


def test_long_history_is_paged(qtbot: QtBot, store: HistoryStore) -> None:
    for index in range(230):
        store.create_session(f"/p{index % 4}")
    panel = make_panel(qtbot, store)
    qtbot.wait(50)
    assert panel.model.loaded_sessions == 100
    bar = panel.tree.verticalScrollBar()
    for _ in range(5):
        bar.setValue(bar.maximum())
        qtbot.wait(10)
    assert panel.model.loaded_sessions == 230


def click_row(qtbot: QtBot, view: QAbstractItemView, index: QModelIndex) -> None:
    view.scrollTo(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())


def test_clicking_a_conversation_asks_to_open_it_at_once(qtbot: QtBot, store: HistoryStore) -> None:
    session_id = add_session(store, "/p", "<script>alert(1)</script> & <a href='http://x'>link</a>")
    panel = make_panel(qtbot, store)
    assert panel.select_session(session_id)
    with qtbot.waitSignal(panel.open_requested, timeout=1000) as opened:
        click_row(qtbot, panel.tree, panel.tree.currentIndex())
    assert opened.args == [session_id, None, ""]


def test_a_search_hit_asks_to_open_its_conversation_at_that_message(qtbot: QtBot, store: HistoryStore) -> None:
    session = store.create_session("/p", "m")
    for index in range(3 * HISTORY_PAGE):
        store.add_message(session.id, "user" if index % 2 == 0 else "assistant",
                          "the quokka question" if index == 7 else f"filler {index}")
    panel = make_panel(qtbot, store)
    panel.search_field.insert("quokka")
    qtbot.waitUntil(lambda: panel.results_model.rowCount() == 1, timeout=2000)
    hit = store.messages(session.id)[7].id
    with qtbot.waitSignal(panel.open_requested, timeout=1000) as opened:
        click_row(qtbot, panel.results, panel.results_model.index(0, 0))
    assert opened.args == [session.id, hit, "quokka"]


def test_search_as_you_type_shows_highlighted_hits(qtbot: QtBot, store: HistoryStore) -> None:
    wanted = add_session(store, "/old", "我们讨论<b>会话恢复</b>的细节", age_days=90)
    english = add_session(store, "/old", "How does session restoration work?", age_days=60)
    for index in range(20):
        add_session(store, f"/n{index}", f"unrelated cooking question {index}")
    panel = make_panel(qtbot, store)

    qtbot.keyClicks(panel.search_field, "restora")
    assert panel._search_timer.isActive()  # debounced, not run per keystroke
    qtbot.waitUntil(lambda: panel.results_model.rowCount() == 2, timeout=2000)  # question and answer
    assert {panel.results_model.item(row).data(SESSION_ID_ROLE) for row in range(2)} == {english}
    assert "<b><u>restora</u></b>tion" in panel.results_model.item(0).data(HTML_ROLE)

    panel.search_field.clear()
    panel.search_field.insert("会话恢复")  # what an input method commits (QTest cannot type CJK keys)
    qtbot.waitUntil(lambda: [panel.results_model.item(row).data(SESSION_ID_ROLE)
                             for row in range(panel.results_model.rowCount())] == [wanted, wanted], timeout=2000)
    assert panel.lists.currentWidget() is panel.results
    item = panel.results_model.item(1)  # newest first: the answer, then the question
    assert "You:" in item.text()
    rich = item.data(HTML_ROLE)
    assert "<b><u>会话恢复</u></b>" in rich
    assert "&lt;b&gt;" in rich and "<b>会话" not in rich.replace("<b><u>会话恢复", "")
    with qtbot.waitSignal(panel.open_requested, timeout=1000) as opened:
        click_row(qtbot, panel.results, panel.results_model.index(1, 0))
    assert opened.args[0] == wanted and opened.args[2] == "会话恢复"

    panel.search_field.clear()
    qtbot.keyClicks(panel.search_field, "zzzz-nowhere")
    qtbot.waitUntil(lambda: panel.status_label.isVisible(), timeout=2000)
    assert panel.results_model.rowCount() == 0 and "zzzz-nowhere" in panel.status_label.text()

    panel.search_field.clear()
    qtbot.waitUntil(lambda: panel.lists.currentWidget() is panel.tree, timeout=2000)


def test_resume_emits_the_store_session_id(qtbot: QtBot, store: HistoryStore) -> None:
    first = add_session(store, "/p", "first")
    add_session(store, "/p", "second")
    panel = make_panel(qtbot, store)
    resume = button_for(panel, "Resume")
    assert not resume.isEnabled()
    assert panel.select_session(first)
    assert resume.isEnabled()
    with qtbot.waitSignal(panel.resume_requested, timeout=1000) as blocker:
        qtbot.mouseClick(resume, Qt.MouseButton.LeftButton)
    assert blocker.args == [first]


def test_delete_then_undo(qtbot: QtBot, store: HistoryStore) -> None:
    keep = add_session(store, "/p", "keep me")
    doomed = add_session(store, "/p", "delete me")
    panel = make_panel(qtbot, store)
    assert panel.select_session(doomed)
    qtbot.mouseClick(button_for(panel, "Delete"), Qt.MouseButton.LeftButton)
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
    panel.rename_action.trigger()
    assert store.get_session(session_id).title == "Renamed 对话"  # type: ignore[union-attr]
    assert panel.selected_session_id() == session_id
    assert "Renamed 对话" in children_texts(panel, panel.model.index(0, 0, panel.model.index(0, 0)))

    markdown_file = tmp_path / "out.md"
    json_file = tmp_path / "out.json"
    targets = iter([str(markdown_file), str(json_file)])
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (next(targets), "")))
    panel.export_markdown_action.trigger()
    panel.export_json_action.trigger()
    assert markdown_file.read_text(encoding="utf-8") == store.export_markdown(session_id)
    assert json_file.read_text(encoding="utf-8") == store.export_json(session_id)


def test_every_interactive_widget_has_an_accessible_name(qtbot: QtBot, store: HistoryStore) -> None:
    panel = make_panel(qtbot, store)
    kinds = (QAbstractButton, QLineEdit, QAbstractItemView, QTextBrowser)
    widgets = [w for kind in kinds for w in panel.findChildren(kind)]
    assert len(widgets) >= 9
    unnamed = [w for w in widgets if not w.accessibleName() and w.parent() is not panel.search_field]
    assert unnamed == []
