"""The tray icon: its menu, its mark for conversations that wait or have news, and "close to tray"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QSystemTrayIcon

from gemini_desktop.conversation.sidebar_rows import OpenRow
from gemini_desktop.ui import design
from gemini_desktop.ui.tray import TrayState, badged
from tests import test_main_window
from tests.support.qt_async import until
from tests.test_main_window import WindowFactory

make_window = test_main_window.make_window  # the fixtures: a window whose gemini cannot be found
settings_path = test_main_window.settings_path
# With a tray pretended, the offscreen platform says it cannot follow the tray's window: nothing about the app.
pytestmark = pytest.mark.qt_log_ignore("systemTrayWindowChanged")


@pytest.fixture
def tray_available(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tray as a desktop has one."""
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))


def test_the_state_counts_waiting_and_unread_conversations() -> None:
    rows = [OpenRow("a", "/", "waiting_approval"), OpenRow("b", "/", "idle", unread=True),
            OpenRow("c", "/", "idle", unread=True), OpenRow("d", "/", "streaming")]
    state = TrayState.of(rows)
    assert state == TrayState(waiting=1, unread=2)
    assert state.tooltip() == "Gemini Desktop — 1 waiting for approval, 2 with news"
    assert state.badge_colour() == design.LIGHT.warning
    assert TrayState(0, 1).badge_colour() == design.LIGHT.accent
    assert TrayState(0, 0).tooltip() == "Gemini Desktop" and TrayState(0, 0).badge_colour() == ""


def test_the_badge_is_drawn_in_the_corner(qapp: object) -> None:
    base = QPixmap(32, 32)
    base.fill(QColor("#000000"))
    image = badged(QIcon(base), "#ff0000").pixmap(32, 32).toImage()
    corner, centre = QColor(image.pixel(25, 7)), QColor(image.pixel(10, 24))
    assert corner.red() > 200 and corner.green() < 60
    assert centre.name() == "#000000"


def test_the_tray_menu_opens_starts_and_quits(tray_available: None, make_window: WindowFactory) -> None:
    window = make_window()
    tray = window.tray
    assert tray.icon is not None and tray.icon.contextMenu() is tray.menu
    actions = tray.menu.actions()
    assert window.menus.new_session_action in actions and window.menus.quit_action in actions
    before = len(window.views)
    window.menus.new_session_action.trigger()
    assert len(window.views) == before + 1
    window.hide()
    tray.open_action.trigger()
    assert window.isVisible()


def test_news_in_a_background_conversation_marks_the_tray(tray_available: None, make_window: WindowFactory) -> None:
    window = make_window()
    background = window.view
    window.new_session()
    assert window.stack.mark_unread(background)
    assert window.tray.state == TrayState(waiting=0, unread=1)
    assert window.tray.icon.toolTip() == "Gemini Desktop — 1 with news"
    window.show_view(background)
    assert window.tray.state == TrayState(0, 0) and window.tray.icon.toolTip() == "Gemini Desktop"


def test_close_to_tray_hides_only_on_a_title_bar_close(tray_available: None, make_window: WindowFactory,
                                                       run_async: Callable[..., Any]) -> None:
    window = make_window()
    assert not window.tray.hides_on_close(spontaneous=True)  # off by default
    window.settings.close_to_tray = True
    assert window.tray.hides_on_close(spontaneous=True)
    assert not window.tray.hides_on_close(spontaneous=False)  # Quit, or the app's own close
    window.menus.quit_action.trigger()  # Quit from the tray menu or Ctrl+Q: every gemini stops, the window goes
    run_async(until(lambda: window.is_shut_down))


def test_without_a_tray_closing_closes(make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: False))
    window = make_window()
    window.settings.close_to_tray = True
    assert window.tray.icon is None
    assert not window.tray.hides_on_close(spontaneous=True)
