"""The transcript view: streaming, safety, links, copy, scrolling, permissions, thoughts, incremental rendering."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtGui import QColor, QDesktopServices, QGuiApplication, QPalette
from PySide6.QtWidgets import QAbstractButton, QWidget
from pytestqt.qtbot import QtBot

from gemini_desktop.engine.events import (
    FileDiff,
    PermissionOption,
    PermissionRequest,
    PlanEntry,
    PlanUpdate,
    ToolCall,
    ToolStatus,
)
from gemini_desktop.ui.empty_state import EmptyState
from gemini_desktop.ui.transcript import HISTORY_PAGE, TranscriptView
from tests.support.transcript_access import answer_item, ask, thought_item

OPTIONS = (
    PermissionOption("allow-1", "Allow once", "allow_once"),
    PermissionOption("allow-all", "Allow for this session", "allow_always"),
    PermissionOption("reject-1", "Reject", "reject_once"),
)


@pytest.fixture
def view(qtbot: QtBot, event_loop_qt: asyncio.AbstractEventLoop) -> Iterator[TranscriptView]:
    widget = TranscriptView()
    qtbot.addWidget(widget)
    widget.resize(700, 500)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.reject_pending_permissions()


@pytest.fixture
def opened_urls(monkeypatch: pytest.MonkeyPatch) -> list[QUrl]:
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(QUrl(url)) or True)
    return opened


def text_of(view: TranscriptView) -> str:
    return view._browser.toPlainText()


def stream(view: TranscriptView, qtbot: QtBot, text: str, pieces: int = 10) -> int:
    key = view.model.begin_assistant_message()
    step = max(1, len(text) // pieces)
    for index in range(0, len(text), step):
        view.model.append_text(key, text[index:index + step])
    view.model.finish_message(key)
    return key


def click_anchor(view: TranscriptView, qtbot: QtBot, href: str) -> None:
    point = view.anchor_position(href)
    assert point is not None, f"no anchor {href}"
    qtbot.mouseClick(view._browser.viewport(), Qt.MouseButton.LeftButton, pos=point)


def test_streaming_chunks_appear_and_markdown_renders(view: TranscriptView, qtbot: QtBot) -> None:
    key = view.model.begin_assistant_message()
    for chunk in ["# Heading\n\nSome ", "*streamed* text\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n",
                  "```python\ndef f():\n", "    return 42\n```\n"]:
        view.model.append_text(key, chunk)
    qtbot.waitUntil(lambda: "return 42" in text_of(view), timeout=2000)
    assert "Heading" in text_of(view) and "Some streamed text" in text_of(view)
    assert "┌" in text_of(view)
    view.model.finish_message(key)
    qtbot.waitUntil(lambda: "; color:#" in view._browser.toHtml().split("def")[1].split("</pre>")[0],
                    timeout=3000)  # the settled block is coloured (a background is written "background-color")
    assert view.model.message_count() == 1


def test_model_html_is_literal_and_unsafe_links_are_not_links(view: TranscriptView, qtbot: QtBot) -> None:
    evil = '<script>alert(1)</script> <b>bold</b> <img src=http://example.com/x.png> [x](javascript:alert(1))'
    stream(view, qtbot, evil, pieces=3)
    view.model.add_user_message(evil)
    assert text_of(view).count("<script>alert(1)</script>") == 2
    assert "<img src=http://example.com/x.png>" in text_of(view)
    assert "<script" not in view._browser.toHtml()
    assert view.anchor_position("javascript:alert(1)") is None


def test_https_link_opens_only_on_click(view: TranscriptView, qtbot: QtBot, opened_urls: list[QUrl]) -> None:
    stream(view, qtbot, "See <https://example.com/docs> for more.")  # text that is not its target asks first
    qtbot.wait(50)
    assert opened_urls == []
    with qtbot.waitSignal(view.link_clicked) as clicked:
        click_anchor(view, qtbot, "https://example.com/docs")
    assert opened_urls == [QUrl("https://example.com/docs")]
    assert clicked.args == [QUrl("https://example.com/docs")]


def test_a_bare_url_in_chinese_text_opens_on_click(view: TranscriptView, qtbot: QtBot,
                                                  opened_urls: list[QUrl]) -> None:
    stream(view, qtbot, "文档在https://example.com/docs/开始，请先阅读。")
    with qtbot.waitSignal(view.link_clicked):
        click_anchor(view, qtbot, "https://example.com/docs/开始")
    assert opened_urls == [QUrl("https://example.com/docs/开始")]


def test_a_wide_table_fits_the_width_of_the_view(view: TranscriptView, qtbot: QtBot) -> None:
    view.resize(500, 400)
    cell = "word " * 60 + "很长的中文单元格" * 5
    stream(view, qtbot, f"| Name | Meaning |\n|---|---|\n| 会话 | {cell} |\n\nend\n")
    room = view._browser.viewport().width() - 2 * view._document.documentMargin()
    block = view._document.begin()
    grid_lines = 0
    while block.isValid():
        if block.text().startswith(("┌", "│", "└")):
            grid_lines += 1
            assert block.layout().lineAt(0).naturalTextWidth() <= room, block.text()
        block = block.next()
    assert grid_lines > 5


def test_copy_anchor_copies_the_raw_code(view: TranscriptView, qtbot: QtBot) -> None:
    code = 'print("<hi> & bye")\nx = 1'
    stream(view, qtbot, f"Code:\n\n```python\n{code}\n```\n\nand more\n\n```\nsecond\n```\n")
    QGuiApplication.clipboard().clear()
    segment = answer_item(view)
    assert segment is not None
    click_anchor(view, qtbot, f"gd-copy:{segment.id}/0")
    assert QGuiApplication.clipboard().text() == code
    click_anchor(view, qtbot, f"gd-copy:{segment.id}/1")
    assert QGuiApplication.clipboard().text() == "second"


def test_auto_scroll_follows_only_at_bottom_and_jump_to_latest(view: TranscriptView, qtbot: QtBot) -> None:
    view.model.load_history([("user" if i % 2 == 0 else "assistant", f"message {i}\n\nline", "complete")
                       for i in range(80)])
    bar = view._browser.verticalScrollBar()
    assert bar.maximum() > 0 and view.is_at_bottom()
    jump = view.findChild(QAbstractButton, "jumpToLatest")
    assert jump is not None and jump.accessibleName()
    stream(view, qtbot, "more output\n\n" * 20)
    qtbot.waitUntil(view.is_at_bottom, timeout=2000)
    assert jump.isHidden()

    bar.setValue(0)  # the user scrolls up
    assert not view.is_at_bottom()
    stream(view, qtbot, "new output while reading\n\n" * 20)
    qtbot.wait(100)
    assert bar.value() == 0
    assert jump.isVisible()

    qtbot.mouseClick(jump, Qt.MouseButton.LeftButton)
    assert view.is_at_bottom() and jump.isHidden()
    stream(view, qtbot, "following again\n\n" * 20)
    qtbot.waitUntil(lambda: "following again" in text_of(view), timeout=2000)
    qtbot.waitUntil(view.is_at_bottom, timeout=2000)


def request(call_id: str = "call-1") -> PermissionRequest:
    return PermissionRequest(ToolCall(call_id, "Run rm -rf build", "execute", ToolStatus.PENDING), OPTIONS)


def result_of(future: asyncio.Future[Any]) -> Any:
    """Decisions resolve the future synchronously, so no loop needs to run for the result."""
    assert future.done()
    return future.result()


def test_permission_buttons_resolve_the_future(view: TranscriptView, qtbot: QtBot,
                                               event_loop_qt: asyncio.AbstractEventLoop) -> None:
    future = ask(view, request())
    prompt = view.pending_prompt("call-1")
    assert prompt is not None and prompt.isVisible()
    assert "Run rm -rf build" in text_of(view)
    assert [b.text() for b in prompt.buttons.values()] == [o.name for o in OPTIONS]
    qtbot.mouseClick(prompt.buttons["allow-1"], Qt.MouseButton.LeftButton)
    assert result_of(future) == "allow-1"
    decided = view.model.tool_call("call-1")
    assert decided is not None and decided.decision is not None and decided.decision.option_id == "allow-1"
    assert view.pending_prompt("call-1") is None
    assert "✓ Allow once" in text_of(view)


def test_permission_reject_resolves_none(view: TranscriptView, qtbot: QtBot,
                                         event_loop_qt: asyncio.AbstractEventLoop) -> None:
    future = ask(view, request())
    prompt = view.pending_prompt("call-1")
    assert prompt is not None
    assert " pending" in text_of(view)
    qtbot.mouseClick(prompt.buttons["reject-1"], Qt.MouseButton.LeftButton)
    assert result_of(future) is None
    assert "✗ Reject" in text_of(view)
    assert " failed" in text_of(view) and " pending" not in text_of(view)  # a rejected call never runs


@pytest.mark.parametrize(("key", "expected"), [(Qt.Key.Key_Y, "allow-1"), (Qt.Key.Key_A, "allow-all"),
                                               (Qt.Key.Key_N, None), (Qt.Key.Key_Escape, None)])
def test_permission_keyboard_shortcuts(view: TranscriptView, qtbot: QtBot,
                                       event_loop_qt: asyncio.AbstractEventLoop, key: Qt.Key,
                                       expected: str | None) -> None:
    future = ask(view, request())
    prompt = view.pending_prompt("call-1")
    assert prompt is not None
    qtbot.mouseClick(prompt, Qt.MouseButton.LeftButton)  # bare keys answer once the user has moved here
    qtbot.keyClick(prompt, key)
    assert result_of(future) == expected


def test_reject_pending_permissions_resolves_every_open_request(
        view: TranscriptView, event_loop_qt: asyncio.AbstractEventLoop) -> None:
    first = ask(view, request("call-1"))
    second = ask(view, request("call-2"))
    view.reject_pending_permissions()
    assert result_of(first) is None
    assert result_of(second) is None
    assert view.pending_prompt("call-1") is None and view.pending_prompt("call-2") is None


def test_permission_card_is_created_for_an_existing_tool_call_in_place(view: TranscriptView,
                                                                       qtbot: QtBot) -> None:
    view.model.upsert_tool_call(ToolCall("call-1", "Run rm -rf build", "execute", ToolStatus.PENDING))
    future = ask(view, request("call-1"))
    assert text_of(view).count("Run rm -rf build") == 1
    future.cancel()  # e.g. the engine's permission timeout
    qtbot.waitUntil(lambda: view.pending_prompt("call-1") is None, timeout=2000)


def test_tool_card_updates_in_place_with_a_coloured_diff(view: TranscriptView, qtbot: QtBot) -> None:
    call = ToolCall("edit-1", "Edit app.py", "edit", ToolStatus.RUNNING, ("app.py",),
                    (FileDiff("app.py", "a\nold\n", "a\nnew\n"),))
    view.model.upsert_tool_call(call)
    assert "running" in text_of(view)
    assert "+new" in text_of(view) and "Show details" not in text_of(view)  # a running card shows everything
    view.model.upsert_tool_call(ToolCall("edit-1", "Edit app.py", "edit", ToolStatus.COMPLETED))
    assert "completed" in text_of(view) and "running" not in text_of(view)
    assert text_of(view).count("Edit app.py") == 1
    assert "+new" not in text_of(view) and "Show details" in text_of(view)  # done: one line
    card = view.model.entries[-1]
    click_anchor(view, qtbot, f"gd-tool:{card.id}")
    assert "+new" in text_of(view) and "-old" in text_of(view)  # the diff was kept
    assert "Hide details" in text_of(view)
    theme = view._theme
    markup = view._browser.toHtml()
    assert theme.diff_add_fg in markup and theme.diff_del_fg in markup
    click_anchor(view, qtbot, f"gd-tool:{card.id}")
    assert "+new" not in text_of(view) and "Show details" in text_of(view)


def test_thoughts_are_collapsed_by_default_and_expand(view: TranscriptView, qtbot: QtBot) -> None:
    key = view.model.begin_assistant_message()
    view.model.append_thought(key, "a secret chain of thought")
    view.model.append_text(key, "The answer.")
    view.model.finish_message(key)
    assert "a secret chain of thought" not in text_of(view)
    assert "Show thoughts" in text_of(view)
    thought = thought_item(view, key)
    assert thought is not None
    click_anchor(view, qtbot, f"gd-thoughts:{thought.id}")
    assert "a secret chain of thought" in text_of(view)
    assert "The answer." in text_of(view)
    click_anchor(view, qtbot, f"gd-thoughts:{thought.id}")
    assert "a secret chain of thought" not in text_of(view)


def test_finished_messages_are_not_rerendered_and_chunks_coalesce(view: TranscriptView, qtbot: QtBot) -> None:
    finished = [stream(view, qtbot, f"# Old {n}\n\nbody\n\n```\ncode\n```\n") for n in range(3)]
    segments = [answer_item(view, key) for key in finished]
    counts = [segment.render_count for segment in segments if segment is not None]
    renders_before = view.renderer.render_count

    key = view.model.begin_assistant_message()
    for n in range(200):
        view.model.append_text(key, f"word{n} ")
    qtbot.waitUntil(lambda: "word199" in text_of(view), timeout=2000)
    for n in range(200):
        view.model.append_text(key, f"more{n}\n\n")
        if n % 50 == 0:
            qtbot.wait(40)
    view.model.finish_message(key)

    assert [segment.render_count for segment in segments if segment is not None] == counts
    assert view.renderer.render_count - renders_before < 40  # 400 chunks, a handful of coalesced renders
    assert "more199" in text_of(view)


def test_queued_message_notices_plan_and_finish_markers(view: TranscriptView, qtbot: QtBot) -> None:
    key = view.model.add_user_message("do the thing", queued=True)
    assert "do the thing" not in text_of(view)  # it waits in the queue panel, not in the transcript
    view.model.mark_sent(key)
    assert "do the thing" in text_of(view) and not view.model.queue.items
    answer = view.model.begin_assistant_message()
    view.model.append_text(answer, "partial")
    view.model.show_plan(PlanUpdate((PlanEntry("step one", "in_progress"),)))
    view.model.show_plan(PlanUpdate((PlanEntry("step one", "completed"), PlanEntry("step two", "pending"))))
    assert text_of(view).count("step one") == 1 and "step two" in text_of(view)
    view.model.finish_message(answer, state="interrupted")
    view.model.add_notice("Session restarted")
    view.model.add_notice("It broke", kind="error")
    assert "Interrupted" in text_of(view) and "Session restarted" in text_of(view) and "It broke" in text_of(view)
    assert view.model.message_count() == 2


def test_text_after_a_tool_card_goes_below_it(view: TranscriptView, qtbot: QtBot) -> None:
    key = view.model.begin_assistant_message()
    view.model.append_text(key, "before the tool")
    view.model.upsert_tool_call(ToolCall("t1", "Read file", "read", ToolStatus.COMPLETED))
    view.model.append_text(key, "after the tool")
    view.model.finish_message(key)
    text = text_of(view)
    assert text.index("before the tool") < text.index("Read file") < text.index("after the tool")
    assert "before the tool" in view.model.to_markdown() and "after the tool" in view.model.to_markdown()


def test_history_code_is_coloured_when_loaded_and_copyable(view: TranscriptView, qtbot: QtBot) -> None:
    history = [("assistant", f"Block {n}:\n\n```python\nvalue_{n} = {n}\n```", "complete") for n in range(30)]
    view.model.load_history(history)
    assert "value_29 = 29" in text_of(view)

    def coloured(n: int) -> bool:  # Qt writes a token colour as "; color:#..." (a background as "background-color")
        return "; color:#" in view._browser.toHtml().split(f"value_{n} ")[1].split("</pre>")[0]

    assert coloured(0) and coloured(29)
    segment = answer_item(view)
    assert segment is not None
    click_anchor(view, qtbot, f"gd-copy:{segment.id}/0")
    assert QGuiApplication.clipboard().text() == "value_29 = 29"
    assert text_of(view).count("value_") == 30


def test_to_markdown_round_trip(view: TranscriptView, qtbot: QtBot) -> None:
    history = [("user", "Hello **there**", "complete"),
               ("assistant", "# Answer\n\n```python\nx = 1\n```\n\n- a\n- b", "complete"),
               ("user", "and <b>raw</b>?", "complete"),
               ("assistant", "cut short", "interrupted")]
    view.model.load_history(history)
    markdown = view.model.to_markdown()
    for _, text, _ in history:
        assert text in markdown
    assert markdown.index("Hello **there**") < markdown.index("# Answer") < markdown.index("cut short")
    assert view.model.message_count() == 4

    again = TranscriptView()
    qtbot.addWidget(again)
    again.model.load_history(history)
    assert again.model.to_markdown() == markdown
    view.model.clear()
    assert view.model.message_count() == 0 and text_of(view) == "" and view.model.to_markdown().strip() == ""


@pytest.mark.parametrize("chunk", ["", "\x00", "\ud800broken", "x" * 1_000_000, ">" * 3000, "```" * 500,
                                   "[" * 5000 + "](javascript:x)"])
def test_hostile_chunks_never_crash(view: TranscriptView, qtbot: QtBot, chunk: str) -> None:
    key = view.model.begin_assistant_message()
    view.model.append_text(key, chunk)
    view.model.append_thought(key, chunk)
    view.model.upsert_tool_call(ToolCall("t", chunk, "other", ToolStatus.FAILED, (chunk,), (), chunk))
    view.model.add_notice(chunk, kind="error")
    view.model.finish_message(key, state="failed")
    view.model.append_text(12345, "unknown key is ignored")
    assert "Failed" in text_of(view)


def go_dark(view: TranscriptView, qtbot: QtBot) -> None:
    dark = QPalette()
    for role, colour in [(QPalette.ColorRole.Base, "#1e1e1e"), (QPalette.ColorRole.Text, "#e8eaed"),
                         (QPalette.ColorRole.Window, "#202124"), (QPalette.ColorRole.WindowText, "#e8eaed")]:
        dark.setColor(role, QColor(colour))
    view.setPalette(dark)
    qtbot.waitUntil(lambda: view._theme.dark and view._theme.user_bg in view._browser.toHtml(), timeout=2000)


def test_colour_scheme_change_relays_out_and_streaming_continues(view: TranscriptView, qtbot: QtBot) -> None:
    view.model.load_history([("user", "old question", "complete"), ("assistant", "old answer", "complete")])
    key = view.model.begin_assistant_message()
    view.model.append_thought(key, "hidden musing")
    view.model.upsert_tool_call(ToolCall("done-1", "Read notes", "read", ToolStatus.COMPLETED))
    ask(view, PermissionRequest(ToolCall("done-1", "Read notes", "read"), OPTIONS))
    prompt = view.pending_prompt("done-1")
    assert prompt is not None
    prompt.buttons["allow-all"].click()
    view.model.append_text(key, "live part one. ")
    ask(view, request())
    light_bubble = view._theme.user_bg
    assert light_bubble in view._browser.toHtml()
    go_dark(view, qtbot)
    assert light_bubble not in view._browser.toHtml()
    assert "live part one." in text_of(view)
    view.model.append_text(key, "live part two.")
    view.model.finish_message(key)
    text = text_of(view)
    assert text.index("old question") < text.index("old answer") < text.index("live part one.")
    assert "live part two." in text and text.count("Run rm -rf build") == 1
    assert view.pending_prompt("call-1") is not None
    assert text.count("✓ Allow for this session") == 1
    thought = thought_item(view, key)
    assert thought is not None and "hidden musing" not in text
    click_anchor(view, qtbot, f"gd-thoughts:{thought.id}")
    assert "hidden musing" in text_of(view)


def test_accessible_names(view: TranscriptView) -> None:
    ask(view, request())
    widgets: list[QWidget] = [view._browser, *view.findChildren(QAbstractButton)]
    assert all(widget.accessibleName() for widget in widgets)
    assert view.objectName() == "transcriptView"


def test_copy_conversation_uses_markdown(view: TranscriptView, qtbot: QtBot) -> None:
    view.model.add_user_message("question")
    stream(view, qtbot, "answer")
    view._copy_conversation()
    assert QGuiApplication.clipboard().text() == view.model.to_markdown()



def top_line(view: TranscriptView) -> str:
    return view._browser.cursorForPosition(QPoint(20, 20)).block().text()


def test_a_long_conversation_opens_with_its_latest_page_and_shows_earlier_ones_on_request(
        view: TranscriptView, qtbot: QtBot) -> None:
    total = 2 * HISTORY_PAGE + 30
    view.model.load_history([("user" if i % 2 == 0 else "assistant", f"message {i}\n\nbody of {i}", "complete")
                       for i in range(total)])
    hidden = total - HISTORY_PAGE
    assert view.earlier_count() == hidden and view.model.message_count() == total
    assert f"message {hidden}\n" in text_of(view) and f"message {hidden - 1}\n" not in text_of(view)
    assert f"{hidden} earlier messages are not shown." in text_of(view)
    assert "message 0\n" in view.model.to_markdown() and f"message {total - 1}\n" in view.model.to_markdown()
    assert view.is_at_bottom()

    bar = view._browser.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    qtbot.wait(10)
    reading = top_line(view)
    assert view.show_earlier() == hidden - HISTORY_PAGE
    assert top_line(view) == reading  # the view stays on what the user was reading
    assert not view.is_at_bottom()
    bar.setValue(0)
    qtbot.wait(10)
    click_anchor(view, qtbot, "gd-earlier:")
    assert view.earlier_count() == 0 and view.anchor_position("gd-earlier:") is None
    text = text_of(view)
    assert "earlier messages are not shown" not in text and "This is the beginning of the conversation." in text
    positions = [text.index(f"message {i}\n") for i in range(total)]
    assert positions == sorted(positions)
    assert view.model.to_markdown().count("message 0\n") == 1


def test_earlier_messages_survive_a_theme_change_and_new_output(view: TranscriptView, qtbot: QtBot) -> None:
    view.model.load_history([("user", f"question {i}", "complete") for i in range(HISTORY_PAGE + 5)])
    go_dark(view, qtbot)
    assert "5 earlier messages are not shown." in text_of(view)
    assert view._theme.link in view._browser.toHtml().split("question 5")[0]  # the link is re-made in the theme
    stream(view, qtbot, "a new answer")
    view._browser.verticalScrollBar().setValue(0)
    qtbot.wait(10)
    click_anchor(view, qtbot, "gd-earlier:")
    text = text_of(view)
    assert text.index("question 0") < text.index(f"question {HISTORY_PAGE + 4}") < text.index("a new answer")


def test_welcome_shows_only_while_the_transcript_is_empty(qtbot: QtBot) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.resize(600, 400)
    view.show()
    welcome = view.findChild(EmptyState, "transcriptWelcome")
    assert welcome is not None and welcome.isVisible()
    view.model.add_user_message("hello")
    assert not welcome.isVisible()
    view.model.clear()
    assert welcome.isVisible()
    view.model.load_history([("user", "earlier", "complete")])
    assert not welcome.isVisible()


def test_a_second_view_of_the_model_shows_the_conversation_and_its_open_request_and_either_answers_it(
        view: TranscriptView, qtbot: QtBot, event_loop_qt: asyncio.AbstractEventLoop) -> None:
    view.model.add_user_message("question")
    stream(view, qtbot, "first part")
    future = ask(view, request())  # the view's desk decides for every view of this model
    other = TranscriptView(model=view.model, decide=view._prompts.decide)
    qtbot.addWidget(other)
    other.resize(700, 500)
    other.show()
    qtbot.waitExposed(other)
    assert text_of(other) == text_of(view) and "first part" in text_of(other)
    prompt = other.pending_prompt("call-1")
    assert prompt is not None and view.pending_prompt("call-1") is not None
    qtbot.mouseClick(prompt.buttons["allow-1"], Qt.MouseButton.LeftButton)
    assert result_of(future) == "allow-1"
    assert view.pending_prompt("call-1") is None and other.pending_prompt("call-1") is None
    assert "✓ Allow once" in text_of(view) and "✓ Allow once" in text_of(other)
