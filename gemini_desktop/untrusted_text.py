"""Text from outside (the model, a session title, a folder name) shown or written so it cannot pass for
something else: invisible and bidi characters written out, or the text isolated from what is around it.

Pure Python: the store (exports) and the UI both use it.
"""

from __future__ import annotations

import unicodedata

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
