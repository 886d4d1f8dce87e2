"""Markdown tables as text grids of box-drawing characters, their cells wrapped to fit the transcript's width.

A grid rather than a Qt table: Qt tables are frames, and every frame makes each later edit of the document
slower, which a long streamed conversation cannot afford.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QFont, QFontDatabase, QFontMetricsF, QGuiApplication

from gemini_desktop.ui.untrusted_links import BARE_URL, url_end


@dataclass
class TableCell:
    inline: Token
    align: str
    header: bool


def grid_tables(tokens: Sequence[Token]) -> list[Token]:
    """Each table_open ... table_close run folded into one "grid_table" token holding its cells."""
    result: list[Token] = []
    rows: list[list[TableCell]] | None = None
    align = ""
    for token in tokens:
        if token.type == "table_open":
            rows = []
        elif rows is None:
            result.append(token)
        elif token.type == "tr_open":
            rows.append([])
        elif token.type in ("th_open", "td_open"):
            style = str(token.attrGet("style") or "")
            align = style.removeprefix("text-align:").strip() if style.startswith("text-align:") else ""
        elif token.type == "inline":
            rows[-1].append(TableCell(token, align, header=len(rows) == 1))  # GFM: the first row is the header
        elif token.type == "table_close":
            grid = Token("grid_table", "", 0, block=True, level=token.level, meta={"rows": rows})
            result.append(grid)
            rows = None
    return result


TABLE_MIN_COLUMN = 8
_WIDE = "\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
_PIECES = re.compile(rf"\s+|[{_WIDE}]|[^\s{_WIDE}]+")
"""Where a cell's text may wrap: at spaces, and between any two CJK characters (which have no spaces)."""


def _fit_columns(natural: list[int], available: int) -> list[int]:
    """Column widths that fit `available` characters: narrow columns keep their width, wide ones share the
    rest equally (never below TABLE_MIN_COLUMN, so a table with very many columns may still be wider)."""
    widths = list(natural)
    wide = [column for column, width in enumerate(natural) if width > 0]
    while sum(widths) > available and wide:
        share = max(TABLE_MIN_COLUMN, (available - sum(widths[c] for c in range(len(widths)) if c not in wide))
                    // len(wide))
        narrow = [column for column in wide if natural[column] <= share]
        if not narrow:
            for column in wide:
                widths[column] = max(TABLE_MIN_COLUMN, min(natural[column], share))
            break
        wide = [column for column in wide if column not in narrow]
    return widths


def image_label(alt: str) -> str:
    """What stands for an image: its alt text, since nothing is ever fetched."""
    if alt:
        return QCoreApplication.translate("MarkdownRenderer", "[image: %1]").replace("%1", alt)
    return QCoreApplication.translate("MarkdownRenderer", "[image]")


def _token_text(token: Token) -> str:
    if token.type in ("text", "text_special", "text_plain", "code_inline"):
        return token.content
    if token.type in ("softbreak", "hardbreak"):
        return " "
    if token.type == "image":
        return image_label("".join(_token_text(child) for child in token.children or []))
    return ""


def _tokens_text(children: Sequence[Token]) -> str:
    return "".join(_token_text(token) for token in children)


GRID_FONT_FAMILIES = ("Noto Sans Mono CJK SC", "Sarasa Mono SC", "Sarasa Term SC", "NSimSun", "MS Gothic")
"""Monospace fonts whose CJK characters are exactly two columns wide, tried first for table grids; without
any of them the system's fixed font is used and the grid pads by measured widths instead."""


@dataclass(frozen=True)
class GridFont:
    family: str
    regular: QFontMetricsF
    bold: QFontMetricsF

    def width(self, text: str, *, bold: bool = False) -> float:
        return (self.bold if bold else self.regular).horizontalAdvance(text)


@functools.lru_cache(maxsize=2)
def grid_font(*, wide_text: bool = False) -> GridFont:
    """The fixed font the code blocks use, or for a table holding CJK text one whose CJK is two columns wide."""
    fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    installed = set(QFontDatabase.families()) if wide_text else set()
    family = next((name for name in GRID_FONT_FAMILIES if name in installed), fixed.family())
    font = QFont(QGuiApplication.font())
    font.setFamilies([family])
    font.setStyleHint(QFont.StyleHint.TypeWriter)
    bold = QFont(font)
    bold.setBold(True)
    return GridFont(family, QFontMetricsF(font), QFontMetricsF(bold))


def grid_table_html(rows: list[list[TableCell]], renderer: RendererHTML, options: Any, env: dict[str, Any], *,
                    muted: str, table_width: int) -> str:
    """The grid of one "grid_table" token's `rows`; its cells render through `renderer` with `env["grid"]` set.

    A table wider than `table_width` characters gets narrower columns whose cells wrap onto more lines.
    Padding is measured in pixels, not characters, so the bars line up even where a CJK character is not
    exactly two spaces wide in the font at hand.
    """
    columns = max(len(row) for row in rows)
    natural = [0] * columns
    wide_text = False
    for row in rows:
        for column, cell in enumerate(row):
            text = _tokens_text(cell.inline.children or [])
            width = _display_width(text)
            wide_text = wide_text or width > len(text)
            natural[column] = max(natural[column], width)
    font = grid_font(wide_text=wide_text)
    space = font.width(" ")
    line_px = font.width("─")  # box drawing is one column wide in most fonts, two in some CJK ones
    border = round(line_px / space)
    widths = _fit_columns(natural, table_width - (columns + 1) * border - columns * (border + 1))
    grid: list[list[list[tuple[list[Token], float]]]] = []  # row, column, line: (tokens, pixels)
    content_px = [0.0] * columns
    for row in rows:
        cells = []
        for column in range(columns):
            cell = row[column] if column < len(row) else None
            lines = _wrap_inline(cell.inline.children or [], widths[column]) if cell is not None else []
            measured = [(line_tokens, font.width(_tokens_text(line_tokens), bold=cell is not None and cell.header))
                        for line_tokens in lines]
            content_px[column] = max([content_px[column], *(px for _, px in measured)])
            cells.append(measured)
        grid.append(cells)
    bars = [0.0]  # where each bar starts: on the rules' grid of whole box-drawing characters
    for px in content_px:
        bars.append(math.ceil((bars[-1] + line_px + 2 * space + px) / line_px - 0.01) * line_px)

    def rule(left: str, middle: str, right: str) -> str:
        line = left + middle.join("─" * (round((end - start) / line_px) - 1)
                                  for start, end in itertools.pairwise(bars)) + right
        return f'<span style="color:{muted}">{line}</span>'

    bar = f'<span style="color:{muted}">│</span>'

    def row_line(row: list[TableCell], cells: list[list[tuple[list[Token], float]]], line: int) -> str:
        markup, x = bar, line_px
        for column, cell_lines in enumerate(cells):
            line_tokens, px = cell_lines[line] if line < len(cell_lines) else ([], 0.0)
            cell = row[column] if column < len(row) else None
            shown = renderer.renderInline(line_tokens, options, env) if line_tokens else ""
            if cell is not None and cell.header and shown:
                shown = f"<b>{shown}</b>"
            slack = content_px[column] - px
            align = cell.align if cell is not None else ""
            offset = slack if align == "right" else slack / 2 if align == "center" else 0.0
            before = max(1, round((bars[column] + line_px + space + offset - x) / space))
            x += before * space + px
            after = max(1, round((bars[column + 1] - x) / space))
            x += after * space + line_px
            markup += " " * before + shown + " " * after + bar
        return markup

    lines = [rule("┌", "┬", "┐")]
    env["grid"] = True
    try:
        for number, (row, cells) in enumerate(zip(rows, grid, strict=True)):
            lines += [row_line(row, cells, line) for line in range(max(1, *map(len, cells)))]
            if number == 0 and row and row[0].header and len(rows) > 1:
                lines.append(rule("├", "┼", "┤"))
    finally:
        env["grid"] = False
    lines.append(rule("└", "┴", "┘"))
    return (f"<pre style=\"font-family:'{font.family}'; margin-top:4px; margin-bottom:8px\">"
            + "\n".join(lines) + "</pre>\n")


def _wrap_inline(children: Sequence[Token], limit: int) -> list[list[Token]]:
    """A cell's inline tokens as lines at most `limit` columns wide.

    Text is cut into words, and formatting still open at a line's end (bold, a link ...) is closed there and
    opened again on the next line, so every line renders on its own through the usual inline rules. A word
    longer than a line is cut by characters into plain text pieces (never into links to half a URL).
    """
    lines: list[list[Token]] = []
    line: list[Token] = []
    width = 0
    open_tokens: list[Token] = []

    def end_line() -> None:
        nonlocal line, width
        closers = [Token(opener.type.replace("_open", "_close"), opener.tag, -1) for opener in reversed(open_tokens)]
        lines.append([*line, *closers])
        line = list(open_tokens)
        width = 0

    def add(token: Token, content: str, piece_width: int) -> None:
        nonlocal width
        piece = Token(token.type, token.tag, 0, content=content, markup=token.markup)
        line.append(piece)
        width += piece_width

    for token in children:
        if token.nesting == 1:
            open_tokens.append(token)
            line.append(token)
        elif token.nesting == -1:
            if open_tokens:
                open_tokens.pop()
            line.append(token)
        elif token.type == "hardbreak":
            end_line()
        elif token.type in ("text", "text_special", "code_inline", "softbreak"):
            for match in _PIECES.finditer(_token_text(token)):
                piece = match[0]
                piece_width = _display_width(piece)
                if piece.isspace():
                    if width > 0 and width + 1 <= limit:
                        add(token if token.type != "softbreak" else Token("text", "", 0), " ", 1)
                    continue
                if width + piece_width > limit and width > 0:
                    end_line()
                if piece_width <= limit:
                    add(token, piece, piece_width)
                    continue
                in_link = any(opener.type == "link_open" for opener in open_tokens)
                link = _link_to_whole(piece) if token.type == "text" and not in_link else None
                kind = token if token.type == "code_inline" else Token("text_plain", "", 0)
                while piece:
                    cut = _cut_at_width(piece, limit - width)
                    if link is not None:
                        line.append(link)
                    add(kind, piece[:cut], _display_width(piece[:cut]))
                    if link is not None:
                        line.append(Token("link_close", "a", -1))
                    piece = piece[cut:]
                    if piece:
                        end_line()
        else:
            line.append(token)
            width += _display_width(_token_text(token))
    if line or not lines:
        end_line()
    return lines


def _link_to_whole(word: str) -> Token | None:
    """For a bare URL cut over several lines: one link that each of its pieces opens in full."""
    match = BARE_URL.fullmatch(word)
    if match is None or url_end(word) != len(word):
        return None
    link = Token("link_open", "a", 1)
    link.attrSet("href", word)
    return link


def _cut_at_width(text: str, width: int) -> int:
    """How many characters of `text` fit in `width` columns (at least one, so wrapping always advances)."""
    used = 0
    for index, ch in enumerate(text):
        used += _display_width(ch)
        if used > width:
            return max(1, index)
    return len(text)


def _display_width(text: str) -> int:
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
