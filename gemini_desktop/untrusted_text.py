"""Text from outside (the model, a session title, a folder name) shown or written so it cannot pass for
something else: invisible and bidi characters written out, or the text isolated from what is around it.

Pure Python: the store (exports) and the UI both use it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Zl", "Zp"})
"""Control, format (bidi marks and overrides, zero-width characters), private-use and separator characters."""
_ISOLATE_CONTROLS = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069"))
FIRST_STRONG_ISOLATE = "\u2068"
POP_DIRECTIONAL_ISOLATE = "\u2069"


def visible_controls(text: str, keep: str = "") -> str:
    """Characters that are invisible or act on the terminal or on the text around them (ESC, bidi overrides,
    zero-width spaces ...) written out as <U+XXXX>, so what is shown or copied is what is there."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(f"<U+{ord(ch):04X}>" if unicodedata.category(ch) in _INVISIBLE_CATEGORIES and ch not in keep
                   else ch for ch in text)


def isolated(text: str) -> str:
    """`text` as a bidi isolate: a right-to-left mark or override inside it cannot reorder what follows it
    (a title cannot reverse the folder shown next to it). Isolate controls of its own are dropped, so it
    cannot close the isolate early."""
    return FIRST_STRONG_ISOLATE + text.translate(_ISOLATE_CONTROLS) + POP_DIRECTIONAL_ISOLATE


_MARKDOWN_INLINE_SPECIALS = re.compile(r"([\\`*_\[\]<>&!~|#])")


def inline_markdown(text: str) -> str:
    """Untrusted text inside one line of Markdown: on that line, read as nothing but text."""
    return _MARKDOWN_INLINE_SPECIALS.sub(r"\\\1", visible_controls(" ".join(text.split())))


def fenced_markdown(text: str, info: str = "") -> list[str]:
    """Untrusted text as a fenced block whose fence is longer than any run of backticks in it, so no line of
    it can close the block: nothing in it is read as Markdown or HTML."""
    text = visible_controls(text, keep="\n\t")
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
    return [fence + info, text, fence]


def markdown_message(heading: str, state: str, text: str, thoughts: str = "",
                     tools: Sequence[tuple[str, str]] = (), attachments: str = "") -> list[str]:
    """One message of a conversation as Markdown lines in which only this function writes structure (the
    history export and the copied conversation both use it): a pasted copy cannot carry a forged turn.
    `tools` are (title, diff) pairs shown after the message; `attachments` one line per attached item."""
    suffix = "" if state in ("", "complete") else f" ({inline_markdown(state)})"
    lines = ["", f"## {heading}{suffix}", ""]
    if thoughts:
        lines += ["*Thoughts:*", "", *fenced_markdown(thoughts), ""]
    lines += fenced_markdown(text)
    if attachments:
        lines += ["", "**Attachments:**", "", *fenced_markdown(attachments)]
    for title, diff in tools:
        lines += ["", f"**Tool:** {inline_markdown(title)}"]
        if diff:
            lines += ["", *fenced_markdown(diff, "diff")]
    return lines
