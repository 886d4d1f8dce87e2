"""Every control the keyboard can reach has a name a screen reader can say, in light, dark and Chinese; and
every text colour of both palettes stands out from the backgrounds it is drawn on (WCAG AA, 4.5:1)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QWidget

from gemini_desktop import i18n
from gemini_desktop.ui import design
from gemini_desktop.ui.theme import Theme
from tests import test_main_window
from tests.test_main_window import WindowFactory

make_window = test_main_window.make_window  # the fixtures: a window whose gemini cannot be found
settings_path = test_main_window.settings_path
AA = 4.5


def accessible_name(widget: QWidget) -> str:
    """What assistive technology reads for the widget: its own accessible name, or what Qt derives (a button's
    text, a label's buddy)."""
    interface = QAccessible.queryAccessibleInterface(widget)
    derived = interface.text(QAccessible.Text.Name) if interface is not None and interface.isValid() else ""
    return (widget.accessibleName() or derived or "").strip()


def unnamed_controls(root: QWidget) -> list[str]:
    found = []
    for widget in [root, *root.findChildren(QWidget)]:
        if widget.focusPolicy() == Qt.FocusPolicy.NoFocus or widget.window() is not root:
            continue  # not focusable, or in a window of its own (a combo box's popup): walked on its own
        parent = widget.parentWidget()
        if isinstance(parent, QAbstractScrollArea) and widget is parent.viewport():
            continue  # a scroll area's viewport: the area itself carries the name
        if widget.focusProxy() is not None:
            continue  # the keyboard goes to the proxy, which is checked itself
        if not accessible_name(widget):
            found.append(f"{type(widget).__name__} {widget.objectName()!r}")
    return found


@pytest.fixture(params=["light", "dark", "zh_CN"])
def scheme(request: pytest.FixtureRequest, qapp: Any) -> Iterator[str]:
    original = qapp.palette()
    if request.param == "dark":
        qapp.setPalette(design.palette(True))
    if request.param == "zh_CN":
        i18n.install_translators(qapp, "zh_CN")
    yield request.param
    i18n.install_translators(qapp, "en")
    qapp.setPalette(original)


def test_every_focusable_control_has_an_accessible_name(scheme: str, make_window: WindowFactory) -> None:
    window = make_window()
    window.new_session()  # a second conversation: the sidebar's list has rows
    window.commands.show_palette()
    window.commands.show_shortcuts()
    problems = unnamed_controls(window)
    for dialog in window.findChildren(QWidget):
        if dialog.isWindow() and dialog is not window and dialog.isVisible():
            problems += unnamed_controls(dialog)
    assert not problems, f"{scheme}: {problems}"
    assert QApplication.instance() is not None


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_the_palette_tokens_reach_aa_contrast(dark: bool) -> None:
    colours = design.colours(dark)
    low = [(fg, bg, round(design.contrast_ratio(getattr(colours, fg), getattr(colours, bg)), 2))
           for fg, bg in design.TEXT_PAIRS
           if design.contrast_ratio(getattr(colours, fg), getattr(colours, bg)) < AA]
    assert not low


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_the_transcript_colours_derived_from_the_palette_reach_aa_contrast(qapp: Any, dark: bool) -> None:
    theme = Theme.from_palette(design.palette(dark))
    backgrounds = {"base": design.colours(dark).background, "user": theme.user_bg, "assistant": theme.assistant_bg,
                   "card": theme.card_bg, "code": theme.code_bg}
    texts = {name: getattr(theme, name) for name in ("text", "muted", "link", "success", "error", "warning",
                                                      "running", "diff_hunk")}
    low = [(fg, bg, round(design.contrast_ratio(colour, background), 2))
           for fg, colour in texts.items() for bg, background in backgrounds.items()
           if design.contrast_ratio(colour, background) < AA]
    low += [(f"diff_{kind}_fg", f"diff_{kind}_bg", round(ratio, 2)) for kind in ("add", "del")
            if (ratio := design.contrast_ratio(getattr(theme, f"diff_{kind}_fg"), getattr(theme, f"diff_{kind}_bg")))
            < AA]
    assert not low


def test_contrast_ratio_matches_the_wcag_reference_values() -> None:
    assert design.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert design.contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert design.contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
