"""Per-message actions: the message under the mouse found from the document (also for a stored conversation laid
out in one batch), copy as Markdown / plain text, Retry on the last answer only, and the branch that "Edit and
resend" makes in the history (the original kept and linked)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu, QTextBrowser
from pytestqt.qtbot import QtBot

from gemini_desktop.conversation.branching import user_ordinal
from gemini_desktop.store import HistoryStore, StoreError
from gemini_desktop.store.branch import branch_before
from gemini_desktop.ui.transcript import TranscriptView
from gemini_desktop.ui.transcript.message_menu import add_message_actions, message_at


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    opened = HistoryStore.open(tmp_path / "history.sqlite3")
    yield opened
    opened.close()


def actions_at(view: TranscriptView, needle: str) -> tuple[int | None, dict[str, object]]:
    browser = view.findChild(QTextBrowser, "transcriptDocument")
    assert browser is not None
    position = browser.toPlainText().index(needle) + 1
    key = message_at(browser.document(), position)
    menu = QMenu()
    chosen: list[tuple[str, int]] = []
    if key is not None:
        add_message_actions(menu, view.model, key, QGuiApplication.clipboard().setText,
                            lambda action, k: chosen.append((action, k)))
    actions: dict[str, object] = {action.text(): action for action in menu.actions() if action.text()}
    return key, actions | {"chosen": chosen, "menu": menu}  # the menu owns its actions: keep it alive


@pytest.mark.parametrize("stored", [False, True])
def test_the_message_under_the_mouse_gets_its_own_actions(qtbot: QtBot, stored: bool) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    model = view.model
    if stored:  # a conversation from the history: laid out as one batch
        model.load_history([("user", "first **question**", "complete"), ("assistant", "An *answer*.", "complete"),
                            ("user", "second one", "complete"), ("assistant", "The last answer.", "complete")])
    else:
        for question, answer in (("first **question**", "An *answer*."), ("second one", "The last answer.")):
            model.add_user_message(question)
            key = model.begin_assistant_message()
            model.append_text(key, answer)
            model.finish_message(key)
    user_key, actions = actions_at(view, "first question")
    assert user_ordinal(model, user_key or 0) == 0
    assert "Edit and resend…" in actions and "Retry" not in actions
    actions["Copy message as Markdown"].trigger()  # type: ignore[attr-defined]
    assert QGuiApplication.clipboard().text() == "first **question**"
    actions["Copy message as plain text"].trigger()  # type: ignore[attr-defined]
    assert QGuiApplication.clipboard().text() == "first question"
    actions["Edit and resend…"].trigger()  # type: ignore[attr-defined]
    assert actions["chosen"] == [("edit", user_key)]

    _, first_answer = actions_at(view, "An answer")
    assert "Retry" not in first_answer and "Edit and resend…" not in first_answer  # not the last answer
    last_key, last = actions_at(view, "The last answer")
    assert last_key not in (None, user_key) and "Retry" in last
    last["Retry"].trigger()  # type: ignore[attr-defined]
    assert last["chosen"] == [("retry", last_key)]
    QGuiApplication.clipboard().clear()


def test_edit_and_resend_branches_before_the_message_and_keeps_the_original_linked(store: HistoryStore) -> None:
    original = store.create_session("/work", model="gemini-2.5-flash", title="Colours")
    for role, text in (("user", "pick a colour"), ("assistant", "Blue."), ("user", "why?"), ("assistant", "Calm.")):
        store.add_message(original.id, role, text)
    branch = branch_before(store, original.id, 1)
    assert [(m.role, m.text) for m in store.messages(branch)] == [("user", "pick a colour"), ("assistant", "Blue.")]
    assert len(store.messages(original.id)) == 4  # the original is untouched
    assert store.branch_parent(branch) == original.id and store.branches_of(original.id) == [branch]
    record = store.get_session(branch)
    assert record is not None and record.cwd == "/work" and record.user_title == "Colours (edited)"
    assert store.messages(branch_before(store, original.id, 0)) == []  # from the first message: nothing before
    with pytest.raises(StoreError):
        branch_before(store, original.id, 2)
    with pytest.raises(StoreError):
        branch_before(store, 9999, 0)
