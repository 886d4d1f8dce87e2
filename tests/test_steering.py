"""Steering a conversation: queued messages edited, reordered and removed before they are sent (through the queue
panel), "Send now" cancelling the running answer, and "Retry" of the last message, against the real gemini."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from acp.client.connection import ClientSideConnection
from pytestqt.qtbot import QtBot

from gemini_desktop.conversation import ConversationController, ConversationModel
from gemini_desktop.conversation.model import AnswerText, EndMark, UserMessage
from gemini_desktop.store import HistoryStore
from gemini_desktop.ui.queue_panel import QueuePanel
from tests.support.fake_gemini import FakeGemini
from tests.support.qt_async import until


def sent_texts(model: ConversationModel) -> list[str]:
    return [entry.text for entry in model.entries if isinstance(entry, UserMessage)]


def answers(model: ConversationModel) -> list[str]:
    return [entry.text for entry in model.entries if isinstance(entry, AnswerText) and not entry.live]


def stored_users(controller: ConversationController, store: HistoryStore) -> list[str]:
    assert controller.wait_until_saved(10) and controller.store_session_id is not None
    return [m.text for m in store.messages(controller.store_session_id) if m.role == "user"]


def test_a_queued_message_waits_outside_the_transcript_and_joins_it_when_sent() -> None:
    model = ConversationModel()
    model.add_user_message("running")
    first = model.add_user_message("one", queued=True)
    second = model.add_user_message("two", queued=True)
    assert sent_texts(model) == ["running"] and [m.text for m in model.queue.items] == ["one", "two"]
    assert model.queue.edit(second, "two, edited") and model.queue.move(second, 0)
    assert model.queue.keys() == [second, first] and not model.queue.move(999, 0)
    model.mark_sent(second)
    assert sent_texts(model) == ["running", "two, edited"] and model.queue.keys() == [first]
    assert model.queue.take(first) is not None and not model.queue.items and sent_texts(model)[-1] == "two, edited"


@pytest.mark.e2e
def test_queued_messages_edited_reordered_and_removed_in_the_panel_are_sent_as_left(
        controller: ConversationController, store: HistoryStore, fake_gemini: FakeGemini, qtbot: QtBot,
        run_async: Callable[..., Any]) -> None:
    panel = QueuePanel()
    qtbot.addWidget(panel)
    panel.set_controller(controller)
    held = fake_gemini.reply("working ", "on it.", hold_after=1)

    async def scenario() -> None:
        assert await controller.start()
        controller.submit("first")
        await until(lambda: bool(controller.model.entries) and any(
            isinstance(e, AnswerText) and "working" in e.text for e in controller.model.entries), 45, "streaming")
        for text in ("alpha", "beta", "gamma"):
            controller.submit(text)
        assert [row.editor.toPlainText() for row in panel.rows] == ["alpha", "beta", "gamma"]
        assert not panel.isHidden() and not panel.rows[0].buttons["up"].isEnabled()
        panel.rows[1].editor.setPlainText("beta, edited")  # typed in place
        panel.rows[2].buttons["up"].click()  # gamma before beta
        panel.rows[0].buttons["remove"].click()  # alpha taken back
        assert [row.editor.toPlainText() for row in panel.rows] == ["gamma", "beta, edited"]
        assert controller.client.queued_count == 2
        held.release()
        await until(lambda: len(answers(controller.model)) == 3 and not controller.busy, 60, "all answered")

    run_async(scenario(), timeout=120)
    asked = [request.last_user_text() for request in fake_gemini.stream_requests()]
    assert asked == ["first", "gamma", "beta, edited"]
    assert answers(controller.model)[1:] == ["Echo: gamma", "Echo: beta, edited"]
    assert sent_texts(controller.model) == ["first", "gamma", "beta, edited"]
    assert stored_users(controller, store) == ["first", "gamma", "beta, edited"]  # alpha was never kept
    assert panel.isHidden() and not panel.rows


@pytest.mark.e2e
def test_send_now_cancels_a_long_answer_over_the_protocol_and_sends_the_message_at_once(
        controller: ConversationController, store: HistoryStore, fake_gemini: FakeGemini, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch, run_async: Callable[..., Any]) -> None:
    cancels: list[str] = []
    original = ClientSideConnection.cancel

    async def spy(self: ClientSideConnection, session_id: str, **kwargs: Any) -> None:
        cancels.append(session_id)
        await original(self, session_id=session_id, **kwargs)

    monkeypatch.setattr(ClientSideConnection, "cancel", spy)
    panel = QueuePanel()
    qtbot.addWidget(panel)
    panel.set_controller(controller)
    fake_gemini.reply(*[f"word{n} " for n in range(400)], delay=0.05)  # about 20 s of answer

    async def scenario() -> float:
        assert await controller.start()
        controller.submit("tell me a long story")
        await until(lambda: any(isinstance(e, AnswerText) and "word3 " in e.text for e in controller.model.entries),
                    45, "the long answer streaming")
        controller.submit("and later this")
        controller.submit("stop, this is urgent")
        started = time.monotonic()
        panel.rows[1].buttons["send_now"].click()
        assert [row.editor.toPlainText() for row in panel.rows] == ["stop, this is urgent", "and later this"]
        await until(lambda: "Echo: stop, this is urgent" in answers(controller.model), 20, "the urgent answer")
        elapsed = time.monotonic() - started
        await until(lambda: not controller.busy, 30, "the rest of the queue")
        return elapsed

    elapsed = run_async(scenario(), timeout=120)
    assert cancels == [controller.client.session_id]
    assert elapsed < 10  # far sooner than the 20 s the long answer needed
    long_answer = answers(controller.model)[0]
    assert long_answer.startswith("word0 ") and "word399" not in long_answer
    assert any(isinstance(e, EndMark) and e.state == "cancelled" for e in controller.model.entries)
    assert sent_texts(controller.model) == ["tell me a long story", "stop, this is urgent", "and later this"]
    assert answers(controller.model)[1:] == ["Echo: stop, this is urgent", "Echo: and later this"]
    assert controller.wait_until_saved(10) and controller.store_session_id is not None
    assert [(m.role, m.state) for m in store.messages(controller.store_session_id)][:2] == [
        ("user", "complete"), ("assistant", "interrupted")]


@pytest.mark.e2e
def test_retry_sends_the_last_message_again_and_keeps_the_answer_before(
        controller: ConversationController, store: HistoryStore, fake_gemini: FakeGemini,
        run_async: Callable[..., Any]) -> None:
    fake_gemini.reply("A first try.")

    async def scenario() -> None:
        assert await controller.start()
        assert controller.retry() is None  # nothing sent yet: nothing to retry
        controller.submit("pick a colour")
        await until(lambda: answers(controller.model) == ["A first try."] and not controller.busy, 45, "answer")
        assert controller.retry() is not None
        await until(lambda: len(answers(controller.model)) == 2 and not controller.busy, 45, "the retried answer")

    run_async(scenario(), timeout=90)
    assert answers(controller.model) == ["A first try.", "Echo: pick a colour"]
    assert [r.last_user_text() for r in fake_gemini.stream_requests()] == ["pick a colour", "pick a colour"]
    assert stored_users(controller, store) == ["pick a colour", "pick a colour"]
