"""The design tokens of docs/design.md in code: spacing, type and radius scales and the light/dark colours.

Widgets and the transcript's CSS take their measures from here, so the style guide and the window cannot drift
apart; tests/test_contrast.py checks every text/background pair of both palettes against WCAG AA (4.5:1).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette

SPACE = {"xs": 4, "sm": 8, "md": 12, "lg": 16, "xl": 24, "xxl": 32}  # px, multiples of 4
TYPE = {"caption": 0.85, "body": 1.0, "title": 1.15, "heading": 1.3}  # relative to the system font size
RADIUS = {"sm": 4, "md": 8, "lg": 12}  # px: chips and code / cards and bubbles / the composer
MESSAGE_WIDTH_EM = 56  # the transcript's readable column (~100 characters of body text)
ICON_SIZE = 18  # px: the composer's and the cards' icon buttons


@dataclass(frozen=True)
class Colours:
    """One colour scheme; every name is documented in docs/design.md."""

    background: str  # the transcript and text fields
    surface: str  # window, sidebar, status bar
    surface_raised: str  # cards, buttons, the composer
    border: str
    text: str
    text_muted: str  # captions, roles, placeholders
    accent: str  # links, the send button, focus rings
    on_accent: str  # text and icons on the accent
    user_bubble: str  # the background of the user's messages
    code_background: str
    success: str
    error: str
    warning: str
    running: str
    disabled_text: str


LIGHT = Colours(
    background="#ffffff", surface="#f6f7f9", surface_raised="#eef1f5", border="#d0d7de", text="#1f2328",
    text_muted="#57606a", accent="#0b57d0", on_accent="#ffffff", user_bubble="#e8f0fe",
    code_background="#f3f5f8", success="#116329", error="#b3261e", warning="#8a5c00", running="#0550ae",
    disabled_text="#656d76",
)
DARK = Colours(
    background="#1b1b1d", surface="#202124", surface_raised="#2d2e31", border="#3c4043", text="#e8eaed",
    text_muted="#9aa0a6", accent="#8ab4f8", on_accent="#202124", user_bubble="#1f2a3d",
    code_background="#26272a", success="#3fb950", error="#ff7b72", warning="#d29922", running="#58a6ff",
    disabled_text="#8a9095",
)

# (foreground, background) token pairs that carry text: each must reach 4.5:1 in both schemes.
TEXT_PAIRS = [
    (fg, bg) for fg in ("text", "text_muted", "accent", "success", "error", "warning", "running")
    for bg in ("background", "surface", "surface_raised", "user_bubble", "code_background")
] + [("on_accent", "accent"), ("disabled_text", "background"), ("disabled_text", "surface")]


def colour_names() -> list[str]:
    return [field.name for field in fields(Colours)]


def colours(dark: bool) -> Colours:
    return DARK if dark else LIGHT


def system_prefers_dark() -> bool:
    """The desktop's colour scheme (Qt 6.5+ asks the platform theme); unknown counts as light."""
    app = QGuiApplication.instance()
    if not isinstance(app, QGuiApplication):
        return False
    return app.styleHints().colorScheme() == Qt.ColorScheme.Dark


def palette(dark: bool) -> QPalette:
    """A QPalette made of the tokens, so native widgets and the transcript share one set of colours."""
    c = colours(dark)
    result = QPalette()
    roles = {
        QPalette.ColorRole.Window: c.surface, QPalette.ColorRole.WindowText: c.text,
        QPalette.ColorRole.Base: c.background, QPalette.ColorRole.AlternateBase: c.surface_raised,
        QPalette.ColorRole.Text: c.text, QPalette.ColorRole.Button: c.surface_raised,
        QPalette.ColorRole.ButtonText: c.text, QPalette.ColorRole.Highlight: c.accent,
        QPalette.ColorRole.HighlightedText: c.on_accent, QPalette.ColorRole.ToolTipBase: c.surface_raised,
        QPalette.ColorRole.ToolTipText: c.text, QPalette.ColorRole.PlaceholderText: c.text_muted,
        QPalette.ColorRole.Link: c.accent, QPalette.ColorRole.LinkVisited: c.accent,
        QPalette.ColorRole.Mid: c.border, QPalette.ColorRole.Dark: c.border,
        QPalette.ColorRole.BrightText: c.on_accent,
    }
    for role, colour in roles.items():
        result.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.ButtonText, QPalette.ColorRole.Text, QPalette.ColorRole.WindowText):
        result.setColor(QPalette.ColorGroup.Disabled, role, QColor(c.disabled_text))
    return result


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of an #rrggbb colour."""
    def channel(value: int) -> float:
        s = value / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    q = QColor(colour)
    return 0.2126 * channel(q.red()) + 0.7152 * channel(q.green()) + 0.0722 * channel(q.blue())


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG contrast ratio, 1..21."""
    a, b = sorted((relative_luminance(foreground), relative_luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)
