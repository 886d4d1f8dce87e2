"""Untrusted text made fit for Qt: nothing Qt cannot hold, no run too long to lay out, no label too long."""

from __future__ import annotations

import re


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
