"""Caps that keep rendering any reply bounded, whatever the model sends.

Markdown parsing is linear for ordinary text but not for all of it (a paragraph of thousands of nested
brackets is quadratic), tables become three tokens and a grid line per cell, and highlighting costs per
character. Beyond each cap the text is still shown in full, as plain text, with a note saying why, so nothing
is ever dropped (markdown-it's own nesting guard drops everything below its limit; ours shows it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

MAX_NESTING = 24
"""Block levels (a quote, a list, a list item each count one) below which Markdown is parsed; deeper content
is shown as plain text. markdown-it's own guard, just above this, would drop it silently."""
MAX_INLINE_CHARS = 20_000
"""A paragraph (or heading, or table cell) longer than this is shown as plain text: its inline parse can be
quadratic (nested brackets), and nobody reads formatting in a wall of text that long."""
MAX_BRACKETS = 1_000
"""More opening brackets than this in one paragraph: plain text (link parsing is quadratic in their depth)."""
MAX_TABLE_CELLS = 2_000
"""A bigger table is shown as its plain Markdown source: each cell costs tokens, measuring and a grid line."""
MAX_LIVE_BLOCK_CHARS = 8_000
"""A block still streaming is re-rendered on every flush; once it grows past this it is shown as plain text,
appended piece by piece, so the work per flush depends on what arrived, not on how long the block is. When it
ends it is rendered once, in full, in place of the pieces."""
MAX_RERENDER_CHARS = 100_000
"""A streamed block longer than this stays plain text for good: rendering it once more at its end would freeze
the window for longer than its formatting is worth."""
HIGHLIGHT_BUDGET_CHARS = 200_000
HIGHLIGHT_BUDGET_BLOCKS = 200
"""Code one message may have coloured; code beyond the budget is shown plain (its header says so)."""

PLAIN_BLOCK = "plain_block"
"""Token type of text shown as plain text because it is beyond a cap; `meta["reason"]` says which."""
TOO_DEEP = "too_deep"
TOO_LONG = "too_long"
TOO_BIG_TABLE = "too_big_table"
TOO_LONG_LIVE = "too_long_live"
"""A long block still streaming: formatted once it is complete."""

_DELIMITER_ROW = re.compile(r"^ {0,3}\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_FENCE_OPENER = re.compile(r"^ {0,3}(`{3,}|~{3,})")


@dataclass
class HighlightBudget:
    """What is left of one message's highlighting budget."""

    chars: int = HIGHLIGHT_BUDGET_CHARS
    blocks: int = HIGHLIGHT_BUDGET_BLOCKS

    def take(self, code: str) -> bool:
        """Whether this block may be highlighted; if so its cost is spent."""
        if self.blocks <= 0 or len(code) > self.chars:
            self.blocks = 0  # later, smaller blocks stay plain too: colours should not come and go
            return False
        self.blocks -= 1
        self.chars -= len(code)
        return True


def install(md: MarkdownIt) -> None:
    """Add the caps to a parser: block rules that take over before the costly ones, a core rule before inline."""
    md.options["maxNesting"] = MAX_NESTING + 2
    md.block.ruler.before("table", "too_deep", _too_deep_rule)
    md.block.ruler.before("table", "big_table", _big_table_rule)
    md.core.ruler.before("inline", "long_inline", _long_inline_rule)


def _plain_block(state: StateBlock, start: int, end: int, reason: str) -> None:
    token = state.push(PLAIN_BLOCK, "", 0)
    token.content = state.getLines(start, end, state.blkIndent, False)
    token.map = [start, end]
    token.meta = {"reason": reason}
    state.line = end


def _too_deep_rule(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if state.level < MAX_NESTING:
        return False
    if silent:
        return True
    line = start + 1
    while line < end and (state.isEmpty(line) or state.sCount[line] >= state.blkIndent):
        line += 1
    _plain_block(state, start, line, TOO_DEEP)
    return True


def _big_table_rule(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if start + 1 >= end or state.sCount[start] - state.blkIndent >= 4:
        return False
    delimiter = state.src[state.bMarks[start + 1] + state.tShift[start + 1]:state.eMarks[start + 1]]
    if "-" not in delimiter or not _DELIMITER_ROW.match(delimiter):
        return False
    columns = delimiter.strip().strip("|").count("|") + 1
    line = start + 2
    while line < end and not state.isEmpty(line) and (line - start) * columns <= MAX_TABLE_CELLS:
        line += 1
    if (line - start) * columns <= MAX_TABLE_CELLS:
        return False  # small enough: the table rule takes it
    if silent:
        return True
    while line < end and not state.isEmpty(line):
        line += 1
    _plain_block(state, start, line, TOO_BIG_TABLE)
    return True


def _long_inline_rule(state: StateCore) -> None:
    """Over-long inline runs get one plain text child in place of an inline parse."""
    for token in state.tokens:
        if token.type == "inline" and (len(token.content) > MAX_INLINE_CHARS
                                       or token.content.count("[") > MAX_BRACKETS):
            note = Token("plain_note", "", 0, meta={"reason": TOO_LONG})
            token.children = [note, Token("text_plain", "", 0, content=token.content)]
            token.content = ""  # the core inline rule then adds nothing


def fence_of(first_line: str) -> str:
    """The fence a block opens with ("```", "~~~~" ...), or "" for a block that ends at a blank line."""
    match = _FENCE_OPENER.match(first_line)
    return match[1] if match else ""


def _ends_block(line: str, fence: str) -> bool:
    if not fence:
        return not line.strip()
    stripped = line.strip()
    return (len(line) - len(line.lstrip(" ")) <= 3 and stripped.startswith(fence)
            and set(stripped) == {fence[0]})


def _may_end_block(partial_line: str, fence: str) -> bool:
    """Whether a line not complete yet could still turn out to end the block."""
    if not fence:
        return not partial_line.strip()
    stripped = partial_line.strip()
    return len(partial_line) - len(partial_line.lstrip(" ")) <= 3 and set(stripped) <= {fence[0]}


@dataclass
class OversizedBlock:
    """A streaming block past MAX_LIVE_BLOCK_CHARS, shown as plain text as it arrives until it ends."""

    fence: str
    mid_line: bool = True
    """The text shown so far ends inside a line already known not to end the block (its first line never does)."""
    shown: int = 0
    """Characters of the block shown so far (as plain pieces, to be replaced by the block rendered in full)."""
    for_good: bool = False
    """Past MAX_RERENDER_CHARS: the pieces are final, and settled as they are shown."""

    def take(self, text: str) -> tuple[int, bool]:
        """(how much of `text`, which follows what was shown, belongs to the block and can be shown now;
        whether the block ended within it). Only `text` is scanned, so the cost is that of the new text."""
        position = 0
        if self.mid_line:
            newline = text.find("\n")
            if newline < 0:
                return len(text), False
            position = newline + 1
            self.mid_line = False
        while True:
            newline = text.find("\n", position)
            if newline < 0:
                line = text[position:]
                if _may_end_block(line, self.fence):
                    return position, False  # wait for the rest of this line
                self.mid_line = bool(line)
                return len(text), False
            if _ends_block(text[position:newline], self.fence):
                return (newline + 1 if self.fence else position), True  # a closing fence is the block's own
            position = newline + 1
