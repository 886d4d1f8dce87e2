"""A message's Markdown as the plain words a reader sees, for search snippets.

Why: a hit shows a line or two of a message; `## Reading`, `**bold**` or a code fence's backticks there are noise
(and newlines are folded in a snippet, so the Markdown would not even read as Markdown any more). The parse is
markdown-it-py's (the renderer's library), never a regex guess. Only a window of lines around the first match is
parsed, so a search over long answers stays quick: a fence opened before the window is reopened at its start.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token

WINDOW_BEFORE = 400  # characters of the message before the first match that are parsed
WINDOW_AFTER = 800  # and after it
FENCES = ("```", "~~~")
SENTENCE_ENDS = tuple(".,:;!?…。，：；！？")

_markdown = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def plain_text(markdown: str) -> str:
    """The text of every block (code included) without the Markdown around it, on one line; a block that does
    not end a sentence (a heading, a list item, a table cell) is set off from the next one by a middle dot."""
    blocks: list[str] = []
    for token in _markdown.parse(markdown):
        if token.type == "inline":
            blocks.append("".join(_inline_text(child) for child in token.children or ()))
        elif token.type in ("fence", "code_block", "html_block"):
            blocks.append(token.content)
    line = ""
    for block in filter(None, (" ".join(block.split()) for block in blocks)):
        if line:
            line += " " if line.endswith(SENTENCE_ENDS) else " · "
        line += block
    return line


def _inline_text(token: Token) -> str:
    if token.type in ("text", "code_inline", "html_inline"):
        return token.content
    if token.type in ("softbreak", "hardbreak"):
        return " "
    if token.type == "image":
        return token.content  # its alt text
    return ""


def plain_window(markdown: str, first_match: int) -> str:
    """The plain text of the whole lines around `first_match` (an offset in `markdown`)."""
    start = markdown.rfind("\n", 0, max(0, first_match - WINDOW_BEFORE)) + 1
    if first_match - start > 2 * WINDOW_BEFORE:  # one very long line: cut inside it
        start = first_match - WINDOW_BEFORE
    end = markdown.find("\n", min(len(markdown), first_match + WINDOW_AFTER))
    if end < 0 or end - first_match > 2 * WINDOW_AFTER:
        end = min(len(markdown), first_match + WINDOW_AFTER)
    window = markdown[start:end]
    if _inside_fence(markdown[:start]):
        window = "```\n" + window
    return ("… " if start else "") + plain_text(window)


def _inside_fence(markdown: str) -> bool:
    """Whether the text after `markdown` is in a fenced code block (an odd number of fence lines before it)."""
    return sum(line.lstrip().startswith(FENCES) for line in markdown.splitlines()) % 2 == 1
