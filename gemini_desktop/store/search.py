"""Full-text search of the history: the trigram index narrows the rows, LIKE checks whole words, and each hit
gets a one-line snippet of plain text (its Markdown stripped) with its matches marked for highlighting."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from gemini_desktop.store.plain_text import plain_window
from gemini_desktop.store.records import SearchHit, SessionRecord

TRIGRAM = 3
SNIPPET_BEFORE = 40
SNIPPET_LENGTH = 160

Rows = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]
"""Runs one read (SQL, parameters) on the history and returns its rows."""
SessionsById = Callable[[Sequence[int]], dict[int, SessionRecord]]
"""The live (not deleted) sessions of the given ids."""


def search_messages(rows_of: Rows, sessions_by_id: SessionsById, query: str, limit: int) -> list[SearchHit]:
    """Newest matching messages first. Every word must occur (case-insensitive for ASCII letters), in the
    text or in the names of the message's attachments.

    Words of 3+ characters narrow the rows through the trigram index; LIKE then checks each word as a
    whole. A query of only 1-2 character words (common in Chinese, e.g. "会话") cannot use the index
    and scans instead, newest first, stopping at `limit`.
    """
    terms = query.split()
    if not terms:
        return []
    indexed = [term for term in terms if len(term) >= TRIGRAM]
    filters = "".join(" AND m.text LIKE ? ESCAPE '\\'" for _ in terms)
    patterns = [f"%{_like_escape(term)}%" for term in terms]
    if indexed:
        match = " AND ".join(gram for term in indexed for gram in _spaced_trigrams(term))
        sql = (
            "SELECT m.id, m.session_id, m.role, m.text, m.created FROM messages_fts f"
            " JOIN messages m ON m.id = f.rowid JOIN sessions s ON s.id = m.session_id"
            f" WHERE messages_fts MATCH ? AND s.deleted_at IS NULL{filters}"
            " ORDER BY f.rowid DESC LIMIT ?"
        )
        rows = rows_of(sql, [match, *patterns, limit])
    else:
        sql = (
            "SELECT m.id, m.session_id, m.role, m.text, m.created FROM messages m"
            f" JOIN sessions s ON s.id = m.session_id WHERE s.deleted_at IS NULL{filters}"
            " ORDER BY m.id DESC LIMIT ?"
        )
        rows = rows_of(sql, [*patterns, limit])
    named = {row[0]: row for row in _attachment_name_matches(rows_of, patterns, limit)}
    rows = sorted({row[0]: row for row in [*rows, *(row[:5] for row in named.values())]}.values(),
                  reverse=True)[:limit]
    if not rows:
        return []
    session_ids = sorted({row[1] for row in rows})
    sessions = sessions_by_id(session_ids)
    finder = re.compile("|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)),
                        re.IGNORECASE)
    hits = []
    for message_id, session_id, role, text, created in rows:
        first = finder.search(text)
        text = plain_window(text, first.start() if first else 0)
        if message_id in named and not first:
            text = named[message_id][5].replace("\n", ", ") + " · " + text  # found by a file name: show it
        snippet, matches = make_snippet(text, finder)
        hits.append(SearchHit(session=sessions[session_id], message_id=message_id, role=role,
                              snippet=snippet, matches=matches, created=datetime.fromtimestamp(created, UTC)))
    return hits


def _attachment_name_matches(rows_of: Rows, patterns: Sequence[str], limit: int) -> list[tuple[Any, ...]]:
    """Messages whose text and attachment names together hold every word (LIKE patterns), newest first,
    each with its names joined by newlines."""
    filters = "".join(" AND (m.text || char(10) || a.names) LIKE ? ESCAPE '\\'" for _ in patterns)
    return rows_of(
        "SELECT m.id, m.session_id, m.role, m.text, m.created, a.names FROM messages m"
        " JOIN (SELECT message_id, group_concat(name, char(10)) AS names FROM attachments GROUP BY message_id) a"
        " ON a.message_id = m.id JOIN sessions s ON s.id = m.session_id"
        f" WHERE s.deleted_at IS NULL{filters} ORDER BY m.id DESC LIMIT ?", [*patterns, limit])


def make_snippet(text: str, finder: re.Pattern[str]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The first match with some context on one line, and where every match sits inside that snippet."""
    first = finder.search(text)
    start = max(0, (first.start() if first else 0) - SNIPPET_BEFORE)
    end = min(len(text), start + SNIPPET_LENGTH)
    body = " ".join(text[start:end].split())
    snippet = ("…" if start else "") + body + ("…" if end < len(text) else "")
    matches = tuple((match.start(), match.end() - match.start()) for match in finder.finditer(snippet))
    return snippet, matches


def _spaced_trigrams(term: str) -> list[str]:
    """Every third trigram of a word, plus its last: a row containing the word contains all of them.

    Reading a third of the trigram posting lists (instead of all of them, as a phrase query does) makes
    long words several times cheaper to look up; the LIKE check afterwards removes the false positives.
    """
    starts = list(range(0, len(term) - TRIGRAM + 1, TRIGRAM))
    if starts[-1] != len(term) - TRIGRAM:
        starts.append(len(term) - TRIGRAM)
    return ['"' + term[start:start + TRIGRAM].replace('"', '""') + '"' for start in starts]


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
