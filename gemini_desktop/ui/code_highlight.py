"""Code blocks coloured by Pygments as Qt rich text, at once or in time slices between other events.

Qt rich text knows style="color:..." but not CSS classes, so each token becomes an inline-styled span.
"""

from __future__ import annotations

import functools
import html
import logging
import time

from pygments.lexer import Lexer
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.styles import get_style_by_name
from pygments.token import _TokenType
from pygments.util import ClassNotFound

from gemini_desktop.ui.theme import Theme

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=64)
def _lexer(language: str) -> Lexer:
    try:
        return get_lexer_by_name(language or "text", stripnl=False, ensurenl=False)
    except ClassNotFound:
        return TextLexer(stripnl=False, ensurenl=False)


@functools.lru_cache(maxsize=4096)
def _token_css(style_name: str, token_type: _TokenType) -> str:
    """Inline CSS for one token type; Pygments' own HTML formatter is several times slower per block."""
    style = get_style_by_name(style_name).style_for_token(token_type)
    rules = []
    if style["color"]:
        rules.append(f"color:#{style['color']}")
    if style["bold"]:
        rules.append("font-weight:700")
    if style["italic"]:
        rules.append("font-style:italic")
    return "; ".join(rules)


MAX_HIGHLIGHT_CHARS = 50_000
"""Longer code blocks stay plain: lexing and importing them would cost more than the colours are worth."""


def code_pre_html(body: str, theme: Theme) -> str:
    return f'<pre style="background-color:{theme.code_bg}; margin-top:0px; margin-bottom:8px">{body}</pre>'


class CodeHighlighter:
    """Pygments tokens to coloured spans (Qt rich text knows style="color:..." but not CSS classes).

    It can work in slices (`advance`) so a long block is highlighted without stalling the event loop.
    """

    def __init__(self, code: str, language: str, theme: Theme) -> None:
        self.code = code
        self._style = theme.pygments_style
        self._theme = theme
        self._parts: list[str] = []
        self._tokens = iter(()) if len(code) > MAX_HIGHLIGHT_CHARS else _lexer(language).get_tokens(code)
        self._plain = len(code) > MAX_HIGHLIGHT_CHARS
        self.done = False

    def advance(self, budget_seconds: float = float("inf")) -> bool:
        deadline = time.perf_counter() + budget_seconds
        try:
            for count, (token_type, value) in enumerate(self._tokens):
                css = _token_css(self._style, token_type)
                escaped = html.escape(value, quote=False)
                self._parts.append(f'<span style="{css}">{escaped}</span>' if css else escaped)
                if count % 64 == 63 and time.perf_counter() > deadline:
                    return False
        except Exception:  # a lexer bug must not take the transcript down
            log.exception("highlighting failed; showing the code plain")
            self._plain = True
        self.done = True
        return True

    def html(self) -> str:
        body = html.escape(self.code, quote=False) if self._plain else "".join(self._parts)
        return code_pre_html(body, self._theme)


def highlighted_code_html(code: str, language: str, theme: Theme) -> str:
    highlighter = CodeHighlighter(code, language, theme)
    highlighter.advance()
    return highlighter.html()
