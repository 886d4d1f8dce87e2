"""The one place text is made safe for SQLite, both ways.

Python strings may hold lone UTF-16 surrogates (a JSON `"\\ud83d"` from an agent or a CLI session file), which
have no UTF-8 form: binding one raises UnicodeEncodeError, and a JSON text written by SQLite's own functions
stores invalid UTF-8 that later fails every read of the row. So every text bound by a write is cleaned here,
and every text read is decoded tolerantly, so a database that already holds invalid UTF-8 still opens.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any


def clean_text(text: str) -> str:
    """Join surrogate pairs that were split into two code points; replace lone surrogates with U+FFFD."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


def clean_parameters(parameters: Sequence[Any]) -> list[Any]:
    return [clean_text(value) if isinstance(value, str) else value for value in parameters]


def clean_rows(rows: Iterable[Sequence[Any]]) -> Iterable[list[Any]]:
    return (clean_parameters(row) for row in rows)


def decode_text(raw: bytes) -> str:
    """sqlite3 text factory: invalid UTF-8 already in the file shows as U+FFFD instead of failing the query."""
    return raw.decode("utf-8", "replace")


def json_text(value: Any) -> str:
    """JSON for a text column, with its characters unescaped, so the write's cleaning reaches every one."""
    return json.dumps(value, ensure_ascii=False)


class CleanWrites:
    """The connection as a write sees it: every text it binds goes through `clean_text` on its way in."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self._db.execute(sql, clean_parameters(parameters))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> sqlite3.Cursor:
        return self._db.executemany(sql, clean_rows(rows))
