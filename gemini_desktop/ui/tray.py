"""The tray icon (StatusNotifier on Linux desktops that have one, the notification area on Windows, the menu
bar on macOS): open / new / quit, and a mark while a conversation waits for approval or has news the user
has not seen. With "close to tray" the title bar's close button hides the window; Quit still quits.

Where the platform has no tray (no StatusNotifier host, offscreen) nothing is shown and closing closes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from gemini_desktop import APP_NAME
from gemini_desktop.paths import app_icon_path
from gemini_desktop.ui import design

if TYPE_CHECKING:
    from gemini_desktop.conversation.sidebar_rows import OpenRow
    from gemini_desktop.ui.main_window import MainWindow

BADGE_SIZES = (16, 22, 24, 32, 48, 64)


@dataclass(frozen=True)
class TrayState:
    waiting: int  # conversations waiting for a permission answer
    unread: int  # conversations that answered (or changed) while the user looked elsewhere

    @classmethod
    def of(cls, rows: Sequence[OpenRow]) -> TrayState:
        return cls(sum(row.activity == "waiting_approval" for row in rows), sum(row.unread for row in rows))

    def tooltip(self) -> str:
        parts = []
        if self.waiting:
            parts.append(QCoreApplication.translate("Tray", "{count} waiting for approval").format(count=self.waiting))
        if self.unread:
            parts.append(QCoreApplication.translate("Tray", "{count} with news").format(count=self.unread))
        return f"{APP_NAME} — {', '.join(parts)}" if parts else APP_NAME

    def badge_colour(self) -> str:
        """The mark on the icon: warning while something waits for the user, accent for news, none otherwise."""
        tokens = design.colours(False)
        if self.waiting:
            return tokens.warning
        return tokens.accent if self.unread else ""


def badged(base: QIcon, colour: str) -> QIcon:
    """`base` with a dot in its top right corner (outlined, so it reads on light and dark panels)."""
    if not colour:
        return base
    result = QIcon()
    for size in BADGE_SIZES:
        pixmap = QPixmap(size, size)  # the base's largest pixmap may be smaller than `size`: scale it to fit
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.drawPixmap(pixmap.rect(), base.pixmap(size, size))
        painter.end()
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        radius = size * 0.22
        painter.setPen(QColor("#ffffff"))
        painter.setBrush(QColor(colour))
        painter.drawEllipse(QPointF(size - radius - 1, radius + 1), radius, radius)
        painter.end()
        result.addPixmap(pixmap)
    return result


class Tray(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.state = TrayState(0, 0)
        self.menu = QMenu()
        self.menu.setObjectName("trayMenu")
        self.open_action = self.menu.addAction(self.tr("Open {app}").format(app=APP_NAME))
        self.open_action.triggered.connect(window.bring_to_front)
        self.menu.addAction(window.menus.new_session_action)
        self.menu.addSeparator()
        self.menu.addAction(window.menus.quit_action)
        self.icon: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.icon = QSystemTrayIcon(self._base_icon(), self)
            self.icon.setContextMenu(self.menu)
            self.icon.activated.connect(self._on_activated)
            self.icon.setToolTip(APP_NAME)
            self.icon.show()
            window.notifier.use_tray(self.icon)
        window.stack.rows_changed.connect(self.refresh)
        window.installEventFilter(self)
        window.destroyed.connect(self.menu.deleteLater)

    def refresh(self) -> None:
        state = TrayState.of(self.window.stack.rows())
        if state == self.state:
            return
        self.state = state
        if self.icon is not None:
            self.icon.setToolTip(state.tooltip())
            self.icon.setIcon(badged(self._base_icon(), state.badge_colour()))

    def _base_icon(self) -> QIcon:
        icon = self.window.windowIcon()
        return QIcon(str(app_icon_path())) if icon.isNull() else icon

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            if self.window.isVisible() and self.window.isActiveWindow():
                self.window.hide()
            else:
                self.window.bring_to_front()

    def hides_on_close(self, spontaneous: bool) -> bool:
        """A close from the title bar (the window system's, hence spontaneous) hides the window when the user
        asked for it and a tray is there to bring it back; Quit and the app's own closes always close."""
        return spontaneous and self.icon is not None and self.window.settings.close_to_tray

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close and self.hides_on_close(
                event.spontaneous()):
            event.ignore()
            self.window.hide()
            return True
        return super().eventFilter(watched, event)
