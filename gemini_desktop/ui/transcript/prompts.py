"""The open permission prompts: each is a widget placed over the slot its tool card leaves for it, and only
while that slot is in view. A prompt never takes the focus and only reports the user's answer (`decide`): the
conversation's controller owns the request."""

from __future__ import annotations

import bisect
import html
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QImage, QTextDocument
from PySide6.QtWidgets import QTextBrowser

from gemini_desktop.ui.tool_card import PermissionPrompt
from gemini_desktop.ui.transcript.items import Prompt, ToolItem
from gemini_desktop.ui.transcript.layout import DocumentLayout

Decide = Callable[[str, "str | None"], None]
"""Reports the user's answer to a permission request: (tool call id, option id or None to reject)."""
_SLOT_URL = "gd-slot:{}"


class PermissionPrompts(QObject):
    focus_released = Signal()  # a decided prompt had the keyboard: give it back to the composer

    def __init__(self, browser: QTextBrowser, layout: DocumentLayout, after_output: Callable[[], None],
                 scroll_by: Callable[[int], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._browser = browser
        self._layout = layout
        self._after_output = after_output
        self._scroll_by = scroll_by
        self.decide: Decide = lambda _tool_call_id, _option_id: None
        self.open: list[ToolItem] = []  # the items with an open prompt, in document order
        self._placed: list[ToolItem] = []  # those whose prompt is shown now
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.place_visible)

    def add(self, item: ToolItem) -> None:
        bisect.insort(self.open, item, key=self._slot_position)

    def remove(self, item: ToolItem) -> None:
        for held in (self.open, self._placed):
            if item in held:
                held.remove(item)

    def discard_all(self) -> None:
        """The document is rebuilt: every prompt goes (the open requests get new ones when laid out again)."""
        for item in self.open:
            if item.prompt is not None:
                item.prompt.widget.hide()
                item.prompt.widget.deleteLater()
                item.prompt = None
        self.open.clear()
        self._placed.clear()

    def open_prompt(self, item: ToolItem) -> None:
        """Show the request's prompt on its card. It never takes the focus: typing goes on where it was."""
        request = item.source.request
        assert request is not None
        widget = PermissionPrompt(request)  # joins the view while its slot is in view (see place_visible)
        widget.setPalette(self._browser.palette())
        item.prompt = Prompt(widget, widget.sizeHint().height())
        tool_call_id = request.tool_call.tool_call_id
        widget.decided.connect(
            lambda option: self.decide(tool_call_id, option.option_id if option is not None else None))
        self.render_permission(item)
        if item.permission_region is not None:
            self.add(item)
        self._after_output()
        self._reveal(item)

    def close_prompt(self, item: ToolItem) -> None:
        prompt, item.prompt = item.prompt, None
        assert prompt is not None
        self.remove(item)
        had_focus = prompt.widget.holds_focus()
        prompt.widget.hide()
        prompt.widget.deleteLater()
        self.render_permission(item)
        if had_focus:
            self.focus_released.emit()

    def answer_first(self, key: Qt.Key) -> bool:
        """Answer the first open request in the conversation as the shortcut `key` (Y, A or N) says."""
        first = self.open[0] if self.open else None
        return first is not None and first.prompt is not None and first.prompt.widget.answer(key)

    def reject_all(self) -> None:
        for item in list(self.open):
            self.decide(item.source.call.tool_call_id, None)

    def render_permission(self, item: ToolItem) -> None:
        if item.permission_region is None:
            if item.region is None:
                return
            item.permission_region = self._layout.region_after(item.region)
        item.permission_region.fill(self._layout.entries.permission(item))

    def slot_html(self, item: ToolItem) -> str:
        """Room in the document, as tall as the prompt, for the prompt to be placed over."""
        assert item.prompt is not None
        name = _SLOT_URL.format(item.source.id)
        self._browser.document().addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), _blank_image())
        return (f'<p style="margin:0px"><img src="{html.escape(name)}" width="1" '
                f'height="{item.prompt.height}"></p>')

    def _reveal(self, item: ToolItem) -> None:
        """Scroll a new request's slot into view unless it is already there."""
        if item.prompt is None:
            return
        viewport = self._browser.viewport()
        top = self.slot_top(item)
        if top < 0 or top + item.prompt.height > viewport.height():
            self._scroll_by(top - viewport.height() // 2)
        self.place_visible()  # at once, so the new request is visible as soon as it is asked

    @staticmethod
    def _slot_position(item: ToolItem) -> int:
        return item.permission_region.start.position() if item.permission_region is not None else 0

    def slot_top(self, item: ToolItem) -> int:
        """Where the item's prompt goes, in viewport coordinates."""
        if item.permission_region is None:
            return 0
        return self._browser.cursorRect(item.permission_region.start).top()

    @staticmethod
    def _height(item: ToolItem) -> int:
        return item.prompt.height if item.prompt is not None else 0

    def place_soon(self) -> None:
        """Place the prompts once the current burst of edits and scrolls is over (each edit would ask again)."""
        if (self.open or self._placed) and not self._timer.isActive():
            self._timer.start(0)

    def place_visible(self) -> None:
        """Put the prompts whose slots are in view over those slots; take the others out of the view.

        A binary search over the open requests (in document order) finds the first one in view, so a
        placement costs what the visible prompts cost, however many requests wait. Prompts out of view are
        not even children of the viewport: scrolling moves every child widget, hidden or not, which made
        each scroll step cost as much as all open requests together.
        """
        viewport = self._browser.viewport()
        first = bisect.bisect_left(self.open, 0, key=lambda item: self.slot_top(item) + self._height(item))
        visible: list[ToolItem] = []
        for item in self.open[first:]:
            if self.slot_top(item) > viewport.height():
                break
            visible.append(item)
        for item in self._placed:
            assert item.prompt is not None  # a decided item leaves _placed
            widget = item.prompt.widget
            if item in visible:
                continue
            if widget.holds_focus():
                visible.append(item)  # keeps the keyboard even when scrolled out of view
            else:
                widget.hide()
                widget.setParent(None)
        width = viewport.width()
        for item in visible:
            assert item.prompt is not None and item.permission_region is not None
            widget = item.prompt.widget
            if widget.parent() is not viewport:
                widget.setParent(viewport)
            left = self._browser.cursorRect(item.permission_region.start).left()
            widget.setGeometry(left, self.slot_top(item), max(100, width - left - 12), item.prompt.height)
            widget.show()
        self._placed = visible


def _blank_image() -> QImage:
    image = QImage(1, 1, QImage.Format.Format_ARGB32)
    image.fill(QColor(0, 0, 0, 0))
    return image
