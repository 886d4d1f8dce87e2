"""The transcript's looks: a readable centred column, icons for roles, tool status and Copy, drawn crisp."""

from __future__ import annotations

from PySide6.QtGui import QFontInfo
from pytestqt.qtbot import QtBot

from gemini_desktop.engine.events import ToolCall, ToolStatus
from gemini_desktop.ui import design
from gemini_desktop.ui.icons import document_image
from gemini_desktop.ui.theme import Theme
from gemini_desktop.ui.tool_card import tool_card_html
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
    view.resize(400, 500)  # narrow: the text uses the width, only the usual margin
    qtbot.waitUntil(lambda: view._document.rootFrame().frameFormat().leftMargin() == 12)


def test_the_document_icons_are_drawn_at_twice_their_size_in_the_colour_given(qapp: object) -> None:
    image = document_image("lucide/circle-check/ff0000")
    assert (image.width(), image.height(), image.devicePixelRatio()) == (32, 32, 2.0)
    assert any(image.pixelColor(x, 16).red() > 200 and image.pixelColor(x, 16).alpha() > 200 for x in range(32))
    assert document_image("lucide/circle-check/not-a-colour").isNull()  # model output cannot ask for more
    assert document_image("lucide/../../etc/passwd/ffffff").isNull()


def test_each_tool_status_has_its_own_icon_and_word(qapp: object) -> None:
    theme = Theme.from_palette(design.palette(False))
    shown = {status: tool_card_html(ToolCall(tool_call_id="c", title="t", kind="edit", status=status), theme)
             for status in ToolStatus}
    icons = {"clock": ToolStatus.PENDING, "loader-circle": ToolStatus.RUNNING,
             "circle-check": ToolStatus.COMPLETED, "circle-x": ToolStatus.FAILED}
    for name, status in icons.items():
        assert f"lucide/{name}/" in shown[status]
