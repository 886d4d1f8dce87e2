"""Model Markdown to inert Qt rich text, rendered once per finished block while a message streams.

Everything here treats its input as hostile: raw HTML is disabled in the parser (so it shows as text), only
http/https/mailto links become anchors, images are never fetched (their alt text is shown), and text is
cleaned of what Qt cannot hold (NUL, lone surrogates) before it is parsed.
"""

from __future__ import annotations

import functools
import html
import itertools
import logging
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QFont, QFontDatabase, QFontMetricsF, QGuiApplication

from gemini_desktop.ui import markdown_limits
from gemini_desktop.ui.code_highlight import code_pre_html, highlighted_code_html
from gemini_desktop.ui.markdown_limits import (
    MAX_LIVE_BLOCK_CHARS,
    MAX_RERENDER_CHARS,
    PLAIN_BLOCK,
    TOO_BIG_TABLE,
    TOO_DEEP,
    TOO_LONG,
    TOO_LONG_LIVE,
    HighlightBudget,
    OversizedBlock,
    fence_of,
)
from gemini_desktop.ui.theme import Theme
from gemini_desktop.ui.untrusted_links import BARE_URL, is_safe_link, link_host, url_end
from gemini_desktop.untrusted_text import visible_controls

log = logging.getLogger(__name__)

CodeHref = Callable[[int], str]
"""Maps a code block's index within a message to the href of its "Copy" anchor."""


def clean_text(text: str) -> str:
    """Text the model sent, made safe to hand to Qt: no NUL, no lone surrogates, no CR.

    CR is dropped rather than translated so that offsets in streamed Markdown stay stable across chunks.
    """
    if not text:
        return ""
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text.replace("\x00", "\ufffd").replace("\r", "")


_LONG_RUN = re.compile(r"\S{200,}")


def breakable(text: str) -> str:
    """Zero-width spaces inside very long unbroken runs: Qt's line breaking is quadratic in a word's length."""
    return _LONG_RUN.sub(lambda run: "\u200b".join(run[0][i : i + 100] for i in range(0, len(run[0]), 100)), text)


def shortened(text: str, limit: int) -> str:
    text = clean_text(text)
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass
class RenderedHtml:
    html: str = ""
    code_blocks: list[str] = field(default_factory=list)
    code_languages: list[str] = field(default_factory=list)
    to_highlight: list[bool] = field(default_factory=list)
    """Per code block: left plain for the caller to highlight later (within the message's budget)."""
    append: bool = False
    """A growing block's next plain piece, to add below what is shown of it rather than in its place."""


def _joined(parts: Sequence[RenderedHtml]) -> RenderedHtml:
    return RenderedHtml("".join(part.html for part in parts),
                        [code for part in parts for code in part.code_blocks],
                        [language for part in parts for language in part.code_languages],
                        [wanted for part in parts for wanted in part.to_highlight])


class MarkdownRenderer:
    """One parser configured for the transcript; `render_count` lets tests prove what is (not) re-rendered.

    No text may break rendering: if anything in here fails, the text is shown plain and the failure logged.
    """

    def __init__(self, theme: Theme) -> None:
        self.theme = theme
        self.render_count = 0
        self.work_chars = 0
        """Characters parsed or shown plain so far: lets tests prove the work per chunk stays bounded."""
        self.table_width = 100
        """Characters a table grid may span before its cells wrap (the transcript sets it from its width)."""
        self._md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
        self._md.enable(["table", "strikethrough"])
        markdown_limits.install(self._md)
        for name in (
            "text",
            "fence",
            "code_block",
            "link_open",
            "link_close",
            "image",
            "grid_table",
            "code_inline",
            "blockquote_open",
            "text_plain",
            "plain_note",
            PLAIN_BLOCK,
        ):
            self._md.renderer.rules[name] = getattr(self, f"_render_{name}")  # bound: needs the theme

    def render(
        self, text: str, code_href: CodeHref | None = None, first_code_index: int = 0, *, block_style: str = ""
    ) -> RenderedHtml:
        """`block_style` is CSS added to every paragraph, heading and list item (e.g. a bubble's background)."""
        try:
            env = self._env(code_href, first_code_index, HighlightBudget())
            text = clean_text(text)
            tokens = self._parse(text, env)
            if block_style:
                for token in tokens:
                    if token.type in ("paragraph_open", "heading_open", "list_item_open"):
                        token.attrSet("style", block_style)
            return self._render_tokens(tokens, env)
        except Exception:
            log.exception("a message could not be formatted; showing it as plain text")
            return RenderedHtml(self.plain_html(text, _FAILED))

    def render_stream(
        self,
        stream: MarkdownStream,
        *,
        final: bool,
        code_href: CodeHref | None = None,
        first_code_index: int = 0,
        highlight_settled: bool = True,
        budget: HighlightBudget | None = None,
    ) -> tuple[RenderedHtml, RenderedHtml]:
        """(blocks that can no longer change, the still-growing last block) of the stream's unsettled text.

        The settled blocks are consumed from the stream, so each block is rendered as settled exactly once and
        the cost of a flush depends on the last block only, never on the length of the message; a last block
        longer than MAX_LIVE_BLOCK_CHARS is shown plain, as it arrives, so that cost is bounded too. A code
        block still growing is shown plain; it is highlighted once, when it settles (or, without
        `highlight_settled`, by the caller, e.g. later in idle time with a CodeHighlighter) while the
        message's highlighting `budget` lasts.
        """
        budget = budget if budget is not None else HighlightBudget()
        settled: list[RenderedHtml] = []
        try:
            tail = self._render_stream(stream, final, code_href, first_code_index, highlight_settled, budget,
                                       settled)
        except Exception:
            log.exception("a streamed message could not be formatted; showing the rest of it as plain text")
            text = stream.unsettled
            if text:  # nothing to show yet: try again with more
                stream.plain_only = True
                settled.append(RenderedHtml(self.plain_html(text, _FAILED)))
                stream.settle(len(text))
            tail = RenderedHtml()
        return _joined(settled), tail

    def _render_stream(self, stream: MarkdownStream, final: bool, code_href: CodeHref | None,
                       first_code_index: int, highlight_settled: bool, budget: HighlightBudget,
                       settled: list[RenderedHtml]) -> RenderedHtml:
        """Appends what settles to `settled` and returns the growing last block."""
        later = "now" if highlight_settled else "later"
        if stream.plain_only:
            settled.append(RenderedHtml(self.plain_html(stream.unsettled)))
            stream.settle(len(stream.unsettled))
            return RenderedHtml()

        def settled_env() -> dict[str, Any]:
            return self._env(code_href, first_code_index + sum(len(part.code_blocks) for part in settled), budget,
                             later)

        while True:
            if stream.oversized is not None:
                growing = self._oversized_step(stream, stream.oversized, final, settled, settled_env)
                if growing is not None:
                    return growing
            tail_text = stream.unsettled
            probe = tail_text if final else tail_text[:MAX_LIVE_BLOCK_CHARS]
            env = settled_env()
            index = env["first_code_index"]
            tokens = self._parse(probe, env)
            if final:  # (each piece is rendered before it is settled: if rendering fails, it is shown plain)
                settled.append(self._render_tokens(tokens, env))
                stream.settle(len(tail_text))
                return RenderedHtml()
            starts = [i for i, token in enumerate(tokens) if token.level == 0 and token.nesting >= 0 and token.map]
            cut = starts[-1] if len(starts) >= 2 else 0
            offset = _offset_of_line(probe, tokens[cut].map[0]) if cut else 0  # type: ignore[index]
            if not offset and len(probe) < len(tail_text):  # one block longer than a flush may render
                blank_lines = len(probe) - len(probe.lstrip("\n"))
                stream.settle(blank_lines)
                stream.oversized = OversizedBlock(fence_of(probe[blank_lines:].partition("\n")[0]))
                continue
            if not offset:
                return self._render_tokens(tokens, self._env(code_href, index, budget, "plain"))
            settled.append(self._render_tokens(tokens[:cut], env))
            stream.settle(offset)
            if len(probe) == len(tail_text):
                index += len(settled[-1].code_blocks)
                return self._render_tokens(tokens[cut:], self._env(code_href, index, budget, "plain"))

    def _oversized_step(self, stream: MarkdownStream, oversized: OversizedBlock, final: bool,
                        settled: list[RenderedHtml], make_env: Callable[[], dict[str, Any]]) -> RenderedHtml | None:
        """Show what arrived of a block too long to re-render per flush: its first piece in place of the block
        as rendered so far, then each piece below the last. Returns that piece, or None once the block has
        ended: then it is rendered in full into `settled`, once, and the stream goes on after it."""
        text = stream.unsettled
        length, ended = oversized.take(text[oversized.shown:])
        end = oversized.shown + length if ended or not final else len(text)  # a message may end inside it
        if oversized.for_good:  # nothing shown is kept back: `shown` stays 0
            settled.append(RenderedHtml(self.plain_html(text[:end])))
            stream.settle(end)
        elif ended or final:
            env = make_env()
            settled.append(self._render_tokens(self._parse(text[:end], env), env))
            stream.settle(end)
        if ended or final:
            stream.oversized = None
            return None
        if oversized.for_good:
            return RenderedHtml()
        first, oversized.shown = not oversized.shown, end
        if end <= MAX_RERENDER_CHARS:
            piece = text[end - length:end]
            return RenderedHtml(self.plain_html(piece, TOO_LONG_LIVE if first else ""), append=not first)
        oversized.for_good = True  # the pieces shown so far become final, and so will all that follow
        settled.append(RenderedHtml(self.plain_html(text[:end], TOO_LONG)))
        stream.settle(end)
        oversized.shown = 0
        return RenderedHtml()

    @staticmethod
    def _env(code_href: CodeHref | None, first_code_index: int, budget: HighlightBudget,
             highlight: str = "now") -> dict[str, Any]:
        """`highlight`: "now", "later" (by the caller: see RenderedHtml.to_highlight) or "plain" (a growing
        block: lexing it on every flush would dominate, and it spends none of the budget)."""
        return {
            "code_href": code_href,
            "first_code_index": first_code_index,
            "code_blocks": [],
            "code_languages": [],
            "to_highlight": [],
            "links": [],
            "highlight": highlight,
            "budget": budget,
            "grid": False,  # inside a table grid (see _render_code_inline)
        }

    def _parse(self, text: str, env: dict[str, Any]) -> list[Token]:
        self.work_chars += len(text)
        return self._md.parse(text, env)

    def _render_tokens(self, tokens: Sequence[Token], env: dict[str, Any]) -> RenderedHtml:
        self.render_count += 1
        markup = self._md.renderer.render(_grid_tables(tokens), self._md.options, env)
        return RenderedHtml(markup, env["code_blocks"], env["code_languages"], env["to_highlight"])

    def plain_html(self, text: str, reason: str = "") -> str:
        """Text shown as it is, with a note saying why it is not formatted (nothing for a continuation)."""
        self.work_chars += len(text)
        note = ""
        if reason:
            note = (f'<p style="margin-bottom:0px; color:{self.theme.muted}"><small>'
                    f"{html.escape(_plain_reason(reason))}</small></p>")
        body = f'<p style="white-space:pre-wrap">{html.escape(breakable(text))}</p>' if text else ""
        return note + body

    # --- render rules: called by markdown-it as rule(tokens, idx, options, env) ---

    def _code_html(self, code: str, language: str, env: dict[str, Any]) -> str:
        """A code block, its control characters written out both on screen and in what Copy copies."""
        code = visible_controls(code, keep="\n\t")
        blocks: list[str] = env["code_blocks"]
        index = env["first_code_index"] + len(blocks)
        blocks.append(code)
        env["code_languages"].append(language)
        mode = env["highlight"]
        coloured = mode != "plain" and env["budget"].take(code)
        env["to_highlight"].append(coloured and mode == "later")
        label = html.escape(language) if language else QCoreApplication.translate("MarkdownRenderer", "code")
        if mode != "plain" and not coloured:
            label += " · " + html.escape(QCoreApplication.translate(
                "MarkdownRenderer", "not highlighted: this message has too much code"))
        copy = ""
        if env["code_href"] is not None:
            href = html.escape(env["code_href"](index))
            copy_label = html.escape(QCoreApplication.translate("MarkdownRenderer", "Copy"))
            copy = f' &nbsp; <a href="{href}" style="color:{self.theme.link}">{copy_label}</a>'
        header = (
            f'<p style="margin-top:6px; margin-bottom:0px; color:{self.theme.muted}">'
            f'<span style="font-size:small">{label}</span>{copy}</p>'
        )
        if mode == "now" and coloured:
            return header + highlighted_code_html(code, language, self.theme)
        return header + code_pre_html(html.escape(code, quote=False), self.theme)

    def _render_fence(self, tokens: Sequence[Token], idx: int, _options: Any, env: dict[str, Any]) -> str:
        token = tokens[idx]
        language = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else ""
        return self._code_html(token.content.removesuffix("\n"), language, env)

    def _render_code_block(self, tokens: Sequence[Token], idx: int, _options: Any, env: dict[str, Any]) -> str:
        return self._code_html(tokens[idx].content.removesuffix("\n"), "", env)

    def _render_link_open(self, tokens: Sequence[Token], idx: int, _options: Any, env: dict[str, Any]) -> str:
        href = str(tokens[idx].attrGet("href") or "")
        safe = is_safe_link(href)
        env["links"].append(safe)
        if not safe:
            return ""  # a link's title is dropped: Qt would show it as rich text, in place of the real target
        return f'<a href="{html.escape(href)}" style="color:{self.theme.link}">'

    def _render_link_close(self, _tokens: Sequence[Token], _idx: int, _options: Any, env: dict[str, Any]) -> str:
        return "</a>" if env["links"] and env["links"].pop() else ""

    def _render_image(self, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
        alt = self._md.renderer.renderInlineAsText(tokens[idx].children or [], options, env)
        return f'<span style="color:{self.theme.muted}">{html.escape(_image_label(alt))}</span>'

    def _render_grid_table(self, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
        """A Markdown table as a text grid: Qt tables are frames, and every frame makes each later edit
        of the document slower, which a long streamed conversation cannot afford.

        A table wider than `table_width` characters gets narrower columns whose cells wrap onto more lines.
        Padding is measured in pixels, not characters, so the bars line up even where a CJK character is not
        exactly two spaces wide in the font at hand.
        """
        renderer = self._md.renderer
        rows: list[list[_Cell]] = tokens[idx].meta["rows"]
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
        widths = _fit_columns(natural, self.table_width - (columns + 1) * border - columns * (border + 1))
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
            return f'<span style="color:{self.theme.muted}">{line}</span>'

        bar = f'<span style="color:{self.theme.muted}">│</span>'

        def row_line(row: list[_Cell], cells: list[list[tuple[list[Token], float]]], line: int) -> str:
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

    def _render_text(self, tokens: Sequence[Token], idx: int, _options: Any, env: dict[str, Any]) -> str:
        """Plain text, with bare http(s) URLs made into links (not inside a link already: anchors don't nest)."""
        text = tokens[idx].content
        if env["links"] or "://" not in text:
            return html.escape(breakable(text))
        parts = []
        done = 0
        for match in BARE_URL.finditer(text):
            end = match.start() + url_end(match[0])
            url = text[match.start():end]
            if end <= done or not link_host(url):
                continue
            parts.append(html.escape(breakable(text[done:match.start()])))
            parts.append(f'<a href="{html.escape(url)}" style="color:{self.theme.link}">'
                         f"{html.escape(breakable(url))}</a>")
            done = end
        parts.append(html.escape(breakable(text[done:])))
        return "".join(parts)

    def _render_text_plain(self, tokens: Sequence[Token], idx: int, _options: Any, _env: dict[str, Any]) -> str:
        """A piece of a word cut to fit a table column (never a link of its own, even if it looks like one),
        or a paragraph too long to parse."""
        return html.escape(breakable(tokens[idx].content))

    def _render_plain_note(self, tokens: Sequence[Token], idx: int, _options: Any, _env: dict[str, Any]) -> str:
        reason = _plain_reason(tokens[idx].meta["reason"])
        return f'<span style="color:{self.theme.muted}"><small>[{html.escape(reason)}]</small></span> '

    def _render_plain_block(self, tokens: Sequence[Token], idx: int, _options: Any, _env: dict[str, Any]) -> str:
        token = tokens[idx]
        return self.plain_html(token.content, token.meta["reason"])

    def _render_code_inline(self, tokens: Sequence[Token], idx: int, _options: Any, env: dict[str, Any]) -> str:
        tag = "span" if env["grid"] else "code"  # in a grid <code> would change the font the padding assumes
        return (
            f'<{tag} style="background-color:{self.theme.inline_code_bg}">'
            f"{html.escape(breakable(tokens[idx].content))}</{tag}>"
        )

    def _render_blockquote_open(self, _tokens: Sequence[Token], _idx: int, _options: Any, _env: dict[str, Any]) -> str:
        return f'<blockquote style="color:{self.theme.muted}">\n'


_FAILED = "failed"


def _plain_reason(reason: str) -> str:
    reasons = {
        TOO_DEEP: QCoreApplication.translate("MarkdownRenderer", "nested too deeply to format; shown as plain text"),
        TOO_LONG: QCoreApplication.translate("MarkdownRenderer", "too long to format; shown as plain text"),
        TOO_BIG_TABLE: QCoreApplication.translate("MarkdownRenderer", "table too big to lay out; shown as plain text"),
        TOO_LONG_LIVE: QCoreApplication.translate("MarkdownRenderer", "a long block, formatted once it is complete"),
        _FAILED: QCoreApplication.translate("MarkdownRenderer", "could not be formatted; shown as plain text"),
    }
    return reasons[reason]


@dataclass
class _Cell:
    inline: Token
    align: str
    header: bool


def _grid_tables(tokens: Sequence[Token]) -> list[Token]:
    """Each table_open ... table_close run folded into one "grid_table" token holding its cells."""
    result: list[Token] = []
    rows: list[list[_Cell]] | None = None
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
            rows[-1].append(_Cell(token, align, header=len(rows) == 1))  # GFM: the first row is the header
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


def _image_label(alt: str) -> str:
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
        return _image_label("".join(_token_text(child) for child in token.children or []))
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


def _offset_of_line(text: str, line: int) -> int:
    offset = 0
    for _ in range(line):
        found = text.find("\n", offset)
        if found < 0:
            return len(text)
        offset = found + 1
    return offset


class MarkdownStream:
    """The Markdown of one streaming message: appends are O(chunk), and text before `settled` is never re-parsed
    nor copied again (settled pieces are kept apart, joined only when the whole text is asked for)."""

    def __init__(self, text: str = "") -> None:
        self._settled_parts: list[str] = []
        self._unsettled = clean_text(text)
        self._pending: list[str] = []
        self.oversized: OversizedBlock | None = None
        """The last block is too long to re-render per flush: it is shown plain as it arrives."""
        self.plain_only = False
        """Formatting this message failed: the rest of it is shown as plain text."""

    def append(self, chunk: str) -> None:
        if chunk:
            self._pending.append(clean_text(chunk))

    @property
    def text(self) -> str:
        return "".join(self._settled_parts) + self.unsettled

    @property
    def unsettled(self) -> str:
        if self._pending:
            self._unsettled += "".join(self._pending)
            self._pending.clear()
        return self._unsettled

    @property
    def has_unsettled(self) -> bool:
        return bool(self._pending) or bool(self._unsettled)

    def settle(self, length: int) -> None:
        unsettled = self.unsettled
        if length:
            self._settled_parts.append(unsettled[:length])
            self._unsettled = unsettled[length:]

    def reset(self) -> None:
        """Everything unsettled again, for a full re-layout (e.g. after the colour scheme changed)."""
        self._unsettled = self.text
        self._settled_parts.clear()
        self.oversized = None
        self.plain_only = False
