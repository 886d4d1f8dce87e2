"""Where the open permission prompts are: each is a widget placed over the slot its tool card leaves for it,
and only while that slot is in view."""

from __future__ import annotations

import bisect

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QTextBrowser

from gemini_desktop.ui.transcript.items import ToolItem


class PromptPlacer(QObject):
    def __init__(self, browser: QTextBrowser, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._browser = browser
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

    def forget_all(self) -> None:
        self.open.clear()
        self._placed.clear()

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
