"""Paints the sidebar's rows and the icon buttons of the row under the mouse.

The buttons are drawn, not widgets: a thousand rows would otherwise be a thousand sets of buttons, and the
same actions are in the row's context menu and on the keyboard (Enter, F2, Delete), where assistive technology
reaches them. Colours come from the design tokens (docs/design.md); state is never told by colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractItemModel,
    QCoreApplication,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QCursor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPalette,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import QAbstractItemView, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QToolTip

from gemini_desktop.conversation.sidebar_rows import Row, RowKind
from gemini_desktop.ui import design
from gemini_desktop.ui.icons import icon
from gemini_desktop.ui.sidebar_model import DETAIL_ROLE, HTML_ROLE, ROW_ROLE, UNREAD_MARK

SPACE = design.SPACE
BUTTON = design.ICON_SIZE + SPACE["xs"] + 2  # px: one hover button, its icon and a little room around it
AnyIndex = QModelIndex | QPersistentModelIndex
HIT_LINES = (1, 2)  # a search hit: its conversation's title on one line, the message's words on at most two
ELLIPSIS = "…"


@dataclass(frozen=True)
class RowAction:
    name: str  # what the sidebar does: "open", "close", "resume", "rename", "export", "delete"
    icon: str  # a bundled Lucide icon


def row_actions(row: Row | None) -> list[RowAction]:
    """The hover buttons of a row, left to right (the context menu offers these and a few more)."""
    if row is None or row.kind is RowKind.HEADER:
        return []
    if row.kind is RowKind.OPEN:
        return [RowAction("close", "x")]
    return [RowAction("resume", "play"), RowAction("rename", "pencil"), RowAction("export", "download"),
            RowAction("delete", "trash-2")]


def action_label(name: str) -> str:
    """The words of an action: the hover button's tooltip and the context menu's entry."""
    labels = {
        "open": QCoreApplication.translate("Sidebar", "Open"),
        "close": QCoreApplication.translate("Sidebar", "Close conversation"),
        "resume": QCoreApplication.translate("Sidebar", "Resume"),
        "rename": QCoreApplication.translate("Sidebar", "Rename…"),
        "export": QCoreApplication.translate("Sidebar", "Export as Markdown…"),
        "export_json": QCoreApplication.translate("Sidebar", "Export as JSON…"),
        "delete": QCoreApplication.translate("Sidebar", "Delete…"),
    }
    return labels.get(name, name)


def clamp_lines(document: QTextDocument, block_number: int, lines: int) -> None:
    """Cut the block to `lines` lines at the document's width, ending in an ellipsis when something was cut
    (its formats, such as the highlighted matches, stay)."""
    block = document.findBlockByNumber(block_number)
    document.size()  # lays the document out
    layout = block.layout()
    if not block.isValid() or layout is None or layout.lineCount() <= lines:
        return
    last = layout.lineAt(lines - 1)
    cursor = QTextCursor(block)
    cursor.setPosition(block.position() + last.textStart() + last.textLength())
    cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
    cursor.insertText(ELLIPSIS, block.charFormat())  # not in a match's highlight
    while block.layout().lineCount() > lines and cursor.position() - 1 > block.position():
        cursor.setPosition(cursor.position() - 1)  # before the ellipsis: take a word (or a character) off
        cursor.movePosition(QTextCursor.MoveOperation.PreviousWord, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        cursor.movePosition(QTextCursor.MoveOperation.NextCharacter)
        document.size()


def _caption(font: QFont) -> QFont:
    caption = QFont(font)
    caption.setPointSizeF(font.pointSizeF() * design.TYPE["caption"])
    return caption


class SidebarDelegate(QStyledItemDelegate):
    action_triggered = Signal(str, QPersistentModelIndex)  # an action name, the row

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self._view = view

    # -- geometry

    def button_rects(self, rect: QRect, row: Row | None) -> list[tuple[RowAction, QRect]]:
        actions = row_actions(row)
        right = rect.right() - SPACE["xs"]
        top = rect.top() + (rect.height() - BUTTON) // 2
        return [(action, QRect(right - BUTTON * (len(actions) - place), top, BUTTON, BUTTON))
                for place, action in enumerate(actions)]

    def action_at(self, rect: QRect, row: Row | None, position: QPoint) -> str | None:
        """The hover button's action under `position` (viewport coordinates) in the row drawn at `rect`."""
        return next((action.name for action, button in self.button_rects(rect, row) if button.contains(position)),
                    None)

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        row: Row | None = index.data(ROW_ROLE)
        body = QFontMetrics(option.font).height()
        caption = QFontMetrics(_caption(option.font)).height()
        if row is None:
            return QSize(0, body)
        if row.kind is RowKind.HEADER:
            top = SPACE["xs"] if index.row() == 0 else SPACE["md"]
            return QSize(0, top + caption + SPACE["xs"])
        if row.kind is RowKind.HIT:
            return QSize(0, int(self.hit_document(option, index).size().height()) + SPACE["sm"])
        return QSize(0, SPACE["sm"] + body + 2 + caption + SPACE["sm"])

    def _text_width(self, option: QStyleOptionViewItem) -> int:
        viewport = self._view.viewport()
        return max((viewport.width() if viewport is not None else option.rect.width()) - 2 * SPACE["md"], 120)

    def hit_document(self, option: QStyleOptionViewItem, index: AnyIndex) -> QTextDocument:
        """A search hit as drawn: its title on one line, then who said it and the words around the match."""
        document = QTextDocument()
        document.setDefaultFont(option.font)
        document.setDocumentMargin(SPACE["xs"])
        document.setHtml(str(index.data(HTML_ROLE) or ""))
        document.setTextWidth(self._text_width(option))
        for block, lines in enumerate(HIT_LINES):
            clamp_lines(document, block, lines)
        return document

    # -- painting

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        row: Row | None = index.data(ROW_ROLE)
        if row is None:
            return
        palette = option.palette
        tokens = design.colours(palette.color(QPalette.ColorRole.Base).lightness() < 128)
        rect = option.rect
        painter.save()
        if row.kind is RowKind.HEADER:
            painter.setFont(_caption(option.font))
            painter.setPen(QColor(tokens.text_muted))
            text_rect = rect.adjusted(SPACE["md"], 0, -SPACE["md"], -SPACE["xs"])
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom,
                             str(index.data()))
            painter.restore()
            return
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        card = rect.adjusted(SPACE["xs"], 1, -SPACE["xs"], -1)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        if selected or hovered or row.current:
            fill = QColor(tokens.surface_raised)
            if selected:
                fill = QColor(tokens.accent)
                fill.setAlphaF(0.16)
            painter.setBrush(fill)
            painter.drawRoundedRect(card, design.RADIUS["md"], design.RADIUS["md"])
        if row.current:
            painter.setBrush(QColor(tokens.accent))
            painter.drawRoundedRect(QRect(card.left(), card.top() + SPACE["sm"], 3, card.height() - 2 * SPACE["sm"]),
                                    1.5, 1.5)
        text_left = card.left() + SPACE["sm"]
        text_right = card.right() - SPACE["sm"]
        if row.kind is RowKind.HIT:
            document = self.hit_document(option, index)
            painter.translate(QPoint(text_left - SPACE["xs"], card.top() + SPACE["xs"] // 2))
            document.drawContents(painter)
            painter.restore()
            if hovered:
                self._paint_buttons(painter, rect, row, tokens)
            return
        self._paint_lines(painter, option, index, row, tokens, QRect(text_left, card.top(), text_right - text_left,
                                                                     card.height()))
        painter.restore()
        if hovered:
            self._paint_buttons(painter, rect, row, tokens)

    def _paint_lines(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex, row: Row,
                     tokens: design.Colours, area: QRect) -> None:
        """Title on the first line (an unread mark before it), the activity or the folder and time below."""
        open_row = row.open_row
        title = open_row.title if open_row is not None else str(index.data())
        font = QFont(option.font)
        if open_row is not None and open_row.unread:
            font.setBold(True)
        metrics = QFontMetrics(font)
        top = area.top() + SPACE["sm"] - 1
        left = area.left()
        if open_row is not None and open_row.unread:
            painter.setPen(QColor(tokens.accent))
            painter.setFont(font)
            painter.drawText(QRect(left, top, area.width(), metrics.height()), Qt.AlignmentFlag.AlignLeft, UNREAD_MARK)
            left += metrics.horizontalAdvance(UNREAD_MARK + " ")
        painter.setFont(font)
        painter.setPen(QColor(tokens.text))
        painter.drawText(QRect(left, top, area.right() - left, metrics.height()), Qt.AlignmentFlag.AlignLeft,
                         metrics.elidedText(title, Qt.TextElideMode.ElideRight, area.right() - left))
        caption = _caption(option.font)
        caption_metrics = QFontMetrics(caption)
        detail = str(index.data(DETAIL_ROLE) or "")
        if row.session is not None:
            folder = row.session.cwd.rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1]
            detail = f"{folder} · {detail}" if folder else detail
        colour = tokens.text_muted
        if open_row is not None and open_row.activity == "waiting_approval":
            colour = tokens.warning
        elif open_row is not None and open_row.activity in ("crashed", "failed"):
            colour = tokens.error
        painter.setFont(caption)
        painter.setPen(QColor(colour))
        second = QRect(area.left(), top + metrics.height() + 2, area.width(), caption_metrics.height())
        painter.drawText(second, Qt.AlignmentFlag.AlignLeft,
                         caption_metrics.elidedText(detail, Qt.TextElideMode.ElideMiddle, area.width()))

    def _paint_buttons(self, painter: QPainter, rect: QRect, row: Row, tokens: design.Colours) -> None:
        buttons = self.button_rects(rect, row)
        if not buttons:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(tokens.surface_raised))
        strip = buttons[0][1].united(buttons[-1][1]).adjusted(-SPACE["xs"], 0, 0, 0)
        painter.drawRoundedRect(strip, design.RADIUS["sm"], design.RADIUS["sm"])
        under = self._view.viewport().mapFromGlobal(QCursor.pos())
        for action, button in buttons:
            if button.contains(under):
                painter.setBrush(QColor(tokens.border))
                painter.drawRoundedRect(button, design.RADIUS["sm"], design.RADIUS["sm"])
            colour = tokens.error if action.name == "delete" and button.contains(under) else tokens.text
            inset = (BUTTON - design.ICON_SIZE) // 2
            icon(action.icon, colour).paint(painter, button.adjusted(inset, inset, -inset, -inset))
        painter.restore()

    # -- the buttons' clicks and tooltips

    def editorEvent(self, event: QEvent, model: QAbstractItemModel, option: QStyleOptionViewItem,
                    index: AnyIndex) -> bool:
        """A click on a hover button runs its action and is not a click on the row (it neither opens nor
        selects it)."""
        kinds = (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonDblClick)
        if event.type() not in kinds or not isinstance(event, QMouseEvent):
            return super().editorEvent(event, model, option, index)
        name = self.action_at(option.rect, index.data(ROW_ROLE), event.position().toPoint())
        if name is None:
            return super().editorEvent(event, model, option, index)
        if event.type() == QEvent.Type.MouseButtonRelease and event.button() == Qt.MouseButton.LeftButton:
            self.action_triggered.emit(name, QPersistentModelIndex(index))
        return True

    def helpEvent(self, event: QHelpEvent, view: QAbstractItemView, option: QStyleOptionViewItem,
                  index: AnyIndex) -> bool:
        name = self.action_at(option.rect, index.data(ROW_ROLE), event.pos())
        if name is not None and event.type() == QEvent.Type.ToolTip:
            QToolTip.showText(event.globalPos(), action_label(name).rstrip("…"), view)
            return True
        return super().helpEvent(event, view, option, index)

