"""Which links in model output become anchors, and where a bare URL in running text begins and ends."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

LINK_SCHEMES = frozenset({"http", "https", "mailto"})
"""Hrefs with any other scheme (javascript:, file:, data:, relative ...) are shown as plain text."""

BARE_URL = re.compile(r"(?<![A-Za-z0-9+.-])https?://[^\s<>\"'`\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]+",
                      re.IGNORECASE)
"""An http(s) URL in running text; it ends at whitespace and at CJK punctuation (，。、「」（）：…), which
Chinese text puts right after a link with no space."""
_TRAILING_PUNCTUATION = ".,;:!?*_~'\""
_CLOSERS = {")": "(", "]": "[", "}": "{"}


def url_end(url: str) -> int:
    """Where a matched URL really ends: without sentence punctuation, and without a closing bracket that
    belongs to the text around it ("(see https://x.org/a)") rather than to the URL ("…/Foo_(bar)")."""
    end = len(url)
    while end:
        last = url[end - 1]
        unbalanced = last in _CLOSERS and url.count(last, 0, end) > url.count(_CLOSERS[last], 0, end)
        if last not in _TRAILING_PUNCTUATION and not unbalanced:
            break
        end -= 1
    return end


def is_safe_link(href: str) -> bool:
    try:
        scheme = urlsplit(href).scheme.lower()
    except ValueError:
        return False
    return scheme in LINK_SCHEMES


def link_host(url: str) -> str:
    """The host part of a URL, or "" where there is none or it cannot be parsed (`https://[your-server]/`)."""
    try:
        return urlsplit(url).netloc
    except ValueError:
        return ""
