"""Transcript colours derived from the current QPalette, so light and dark system schemes both stay readable."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPalette

from gemini_desktop.ui import design

MUTED = 0.75  # how far secondary text goes from the background to the text: 4.5:1 on every block background


def _blend(base: QColor, over: QColor, amount: float) -> str:
    """`over` laid on `base` at `amount` opacity, as #rrggbb (Qt rich text has no alpha in CSS)."""
    def mix(a: int, b: int) -> int:
        return round(a + (b - a) * amount)

    return QColor(mix(base.red(), over.red()), mix(base.green(), over.green()),
                  mix(base.blue(), over.blue())).name()


@dataclass(frozen=True)
class Theme:
    dark: bool
    text: str
    muted: str
    link: str
    user_bg: str
    assistant_bg: str
    card_bg: str
    border: str
    code_bg: str
    inline_code_bg: str
    success: str
    error: str
    warning: str
    running: str
    diff_add_fg: str
    diff_add_bg: str
    diff_del_fg: str
    diff_del_bg: str
    diff_hunk: str
    find_bg: str
    pygments_style: str

    @classmethod
    def from_palette(cls, palette: QPalette) -> Theme:
        base = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        highlight = palette.color(QPalette.ColorRole.Highlight)
        dark = base.lightness() < 128
        tokens = design.colours(dark)  # the status colours of docs/design.md, checked for contrast
        green, red = QColor(tokens.success), QColor(tokens.error)
        return cls(
            dark=dark,
            text=text.name(),
            muted=_blend(base, text, MUTED),
            link=palette.color(QPalette.ColorRole.Link).name() if not dark else tokens.accent,
            user_bg=_blend(base, highlight, 0.18 if dark else 0.12),
            assistant_bg=_blend(base, text, 0.05),
            card_bg=_blend(base, text, 0.03),
            border=_blend(base, text, 0.25),
            code_bg=_blend(base, text, 0.08),
            inline_code_bg=_blend(base, text, 0.1),
            success=green.name(),
            error=red.name(),
            warning=tokens.warning,
            running=tokens.running,
            diff_add_fg=green.name(),
            diff_add_bg=_blend(base, green, 0.15),
            diff_del_fg=red.name(),
            diff_del_bg=_blend(base, red, 0.15),
            diff_hunk=_blend(base, text, MUTED),
            find_bg=_blend(base, QColor("#f2cc60"), 0.45 if dark else 0.6),
            pygments_style="github-dark" if dark else "default",
        )
