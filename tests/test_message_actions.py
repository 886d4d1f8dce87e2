"""Per-message actions: the message under the mouse found from the document (also for a stored conversation laid
out in one batch), copy as Markdown / plain text, Retry on the last answer only, and the branch that "Edit and
resend" makes in the history (the original kept and linked)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu, QTextBrowser
from pytestqt.qtbot import QtBot

from gemini_desktop.conversation.branching import edit_and_resend, user_ordinal
from gemini_desktop.conversation.model import AnswerText
from gemini_desktop.conversation.open_conversations import OpenConversations
from gemini_desktop.conversation.workspace import Workspace
from gemini_desktop.engine.types import EngineConfig
from gemini_desktop.settings import AppSettings, LaunchOptions
from gemini_desktop.store import HistoryStore, StoreError
from gemini_desktop.store.branch import branch_before
from gemini_desktop.ui.transcript import TranscriptView
from gemini_desktop.ui.transcript.message_menu import add_message_actions, message_at
from tests.support.fake_gemini import FakeGemini
from tests.support.qt_async import until


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


@pytest.mark.e2e
def test_edit_and_resend_opens_a_branch_whose_gemini_has_the_turns_before_and_sends_the_new_text(
        engine_config: EngineConfig, tmp_path: Path, store: HistoryStore, fake_gemini: FakeGemini,
        run_async: Callable[..., Any]) -> None:
    workspace = Workspace(AppSettings(tmp_path / "settings.ini"), LaunchOptions(), engine_config)
    conversations = OpenConversations(workspace, store)

    async def scenario() -> tuple[int, str | None]:
        key = await conversations.open_new()
        assert key is not None
        controller = conversations.get(key)
        assert controller is not None
        for text in ("pick a colour", "why that one?"):
            controller.submit(text)
            await until(lambda: not controller.busy and controller.store_session_id is not None, 45, "answer")
        await until(lambda: len(store.messages(controller.store_session_id or 0)) == 4, 10, "saved")
        original = controller.store_session_id
        assert original is not None
        branch = await edit_and_resend(conversations, original, 1, "why not red?")
        assert branch is not None and branch != key
        branched = conversations.get(branch)
        assert branched is not None
        await until(lambda: not branched.busy and any(
            isinstance(e, AnswerText) and e.text == "Echo: why not red?" for e in branched.model.entries),
            60, "the branch's answer")
        return original, branched.store_session_id

    try:
        original, branch_id = run_async(scenario(), timeout=150)
    finally:
        run_async(conversations.close_all(), timeout=30)
        run_async(workspace.shutdown(), timeout=30)
    assert branch_id is not None and store.branch_parent(branch_id) == original
    assert [m.text for m in store.messages(original)] == [
        "pick a colour", "Echo: pick a colour", "why that one?", "Echo: why that one?"]  # kept as it was
    assert [m.text for m in store.messages(branch_id)][:3] == ["pick a colour", "Echo: pick a colour", "why not red?"]
    last = fake_gemini.stream_requests()[-1]
    assert "pick a colour" in "\n".join(last.texts()) and "why that one?" not in "\n".join(last.texts())
