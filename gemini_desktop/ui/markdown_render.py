"""Model Markdown to inert Qt rich text, rendered once per finished block while a message streams.

Everything here treats its input as hostile: raw HTML is disabled in the parser (so it shows as text), only
http/https/mailto links become anchors, images are never fetched (their alt text is shown), and text is
cleaned of what Qt cannot hold (NUL, lone surrogates) before it is parsed.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from PySide6.QtCore import QCoreApplication

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
from gemini_desktop.ui.markdown_stream import MarkdownStream
from gemini_desktop.ui.markdown_tables import grid_table_html, grid_tables, image_label
from gemini_desktop.ui.qt_safe_text import breakable, clean_text
from gemini_desktop.ui.theme import Theme
from gemini_desktop.ui.untrusted_links import BARE_URL, is_safe_link, link_host, url_end
from gemini_desktop.untrusted_text import visible_controls

log = logging.getLogger(__name__)

CodeHref = Callable[[int], str]
"""Maps a code block's index within a message to the href of its "Copy" anchor."""


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
        markup = self._md.renderer.render(grid_tables(tokens), self._md.options, env)
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
        header = (  # a header bar on the block: the language and Copy
            f'<p style="margin-top:8px; margin-bottom:0px; background-color:{self.theme.inline_code_bg};'
            f' color:{self.theme.muted}"><span style="font-size:small">&nbsp;{label}</span>{copy}</p>'
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
        return f'<span style="color:{self.theme.muted}">{html.escape(image_label(alt))}</span>'

    def _render_grid_table(self, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
        return grid_table_html(tokens[idx].meta["rows"], self._md.renderer, options, env, muted=self.theme.muted,
                               table_width=self.table_width)

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


def _offset_of_line(text: str, line: int) -> int:
    offset = 0
    for _ in range(line):
        found = text.find("\n", offset)
        if found < 0:
            return len(text)
        offset = found + 1
    return offset
