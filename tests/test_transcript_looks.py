"""The transcript's looks: a readable centred column, and a mark and a word for each tool status."""

from __future__ import annotations

from PySide6.QtGui import QFontInfo
from pytestqt.qtbot import QtBot

from gemini_desktop.engine.events import ToolCall, ToolStatus
from gemini_desktop.ui import design
from gemini_desktop.ui.theme import Theme
from gemini_desktop.ui.tool_card import STATUS_MARKS, status_label, tool_card_html
from gemini_desktop.ui.transcript import TranscriptView


def test_a_wide_transcript_keeps_a_readable_centred_column(qtbot: QtBot) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.show()
    em = QFontInfo(view._browser.font()).pixelSize()
    view.resize(design.MESSAGE_WIDTH_EM * em + 600, 500)
    qtbot.waitUntil(lambda: view.column_width() <= design.MESSAGE_WIDTH_EM * em)
    frame = view._document.rootFrame().frameFormat()
    assert frame.leftMargin() == frame.rightMargin() >= 250  # centred
    view.model.load_history([("user", "hello", "complete")])  # a replay clears the document: the column stays
    qtbot.waitUntil(lambda: "hello" in view._document.toPlainText())
    assert view._document.rootFrame().frameFormat().leftMargin() == frame.leftMargin()
    key = view.model.begin_assistant_message()
    view.model.append_text(key, "streamed **text**\n\n```py\nx = 1\n```\n")
    qtbot.waitUntil(lambda: "x = 1" in view._document.toPlainText())
    assert view._document.rootFrame().frameFormat().leftMargin() == frame.leftMargin()  # streaming keeps it
    view.resize(400, 500)  # narrow: the text uses the width, only the usual margin
    qtbot.waitUntil(lambda: view._document.rootFrame().frameFormat().leftMargin() == 12)


def test_each_tool_status_has_its_own_mark_and_word(qapp: object) -> None:
    theme = Theme.from_palette(design.palette(False))
    shown = {status: tool_card_html(ToolCall(tool_call_id="c", title="t", kind="edit", status=status), theme)
             for status in ToolStatus}
    assert len(set(STATUS_MARKS.values())) == len(ToolStatus)  # one mark per status
    for status in ToolStatus:
        assert f"{STATUS_MARKS[status]} {status_label(status)}" in shown[status]
    assert "<img" not in "".join(shown.values())  # text marks: an image slows every streamed chunk
