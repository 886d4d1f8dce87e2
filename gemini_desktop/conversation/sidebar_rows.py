"""The sidebar's rows as plain data: the open conversations, then the history by day, or the search hits.

No Qt here, so the grouping, the filtering and the paging are tested without widgets; ui/sidebar_model.py shows
this list through a Qt item model and ui/sidebar_delegate.py paints it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from typing import TypeVar

from gemini_desktop.store import SearchHit, SessionRecord

PAGE_SIZE = 100
T = TypeVar("T")


class RowKind(Enum):
    HEADER = "header"  # a section title: "Open", "Today", "March 2026"...
    OPEN = "open"  # an open conversation
    HISTORY = "history"  # a stored conversation
    HIT = "hit"  # a message the search found


@dataclass(frozen=True)
class OpenRow:
    """What the sidebar shows of one open conversation."""

    title: str
    folder: str
    activity: str  # an engine `Activity` value
    queued: int = 0
    unread: bool = False
    waiting_for: tuple[str, int, int] | None = None  # agent, busy, cap: while waiting for a free process
    agent: str = ""  # its agent's name, when the open conversations are not all of one agent
    history_id: int | None = None


@dataclass(frozen=True, order=True)
class Group:
    """A section of the list; ordered as shown: open conversations, today, yesterday, the previous 7 days, then
    each month, newest first (a month is kept as numbers: its name is the view's, in the user's language)."""

    rank: int  # 0 open, 1 today, 2 yesterday, 3 previous 7 days, 4 a month
    newest_first: int = 0  # -(year * 12 + month) for a month

    @property
    def year_month(self) -> tuple[int, int]:
        months = -self.newest_first - 1
        return months // 12, months % 12 + 1


OPEN = Group(0)
TODAY = Group(1)
YESTERDAY = Group(2)
PREVIOUS_7_DAYS = Group(3)


def month_group(year: int, month: int) -> Group:
    return Group(4, -(year * 12 + month - 1) - 1)


def day_group(moment: datetime, today: date) -> Group:
    day = moment.astimezone().date()
    if day >= today:
        return TODAY
    if day == today - timedelta(days=1):
        return YESTERDAY
    if day >= today - timedelta(days=7):
        return PREVIOUS_7_DAYS
    return month_group(day.year, day.month)


@dataclass(frozen=True)
class Row:
    kind: RowKind
    group: Group
    open_index: int = -1  # the open conversation's place (Ctrl+1..9 order), also while the list is filtered
    open_row: OpenRow | None = None
    session: SessionRecord | None = None
    hit: SearchHit | None = None
    current: bool = False  # the conversation on screen

    @property
    def session_id(self) -> int | None:
        if self.session is not None:
            return self.session.id
        if self.hit is not None:
            return self.hit.session.id
        return self.open_row.history_id if self.open_row is not None else None

    def key(self) -> tuple[object, ...]:
        """Which row this is, whatever it shows now: a view keeps its place in the list across updates."""
        return (self.kind, self.group, self.open_index, self.session.id if self.session is not None else None,
                self.hit.message_id if self.hit is not None else None)


def grouped(items: Iterable[T], moment: Callable[[T], datetime], today: date) -> list[tuple[Group, list[T]]]:
    """Items by day group, groups newest first, each group's items in their given order."""
    groups: dict[Group, list[T]] = {}
    for item in items:
        groups.setdefault(day_group(moment(item), today), []).append(item)
    return sorted(groups.items())


def matches(query: str, *texts: str) -> bool:
    """Every word of the query is in one of the texts, case aside (how an open conversation is filtered)."""
    haystack = " ".join(texts).casefold()
    return all(word in haystack for word in query.casefold().split())


class SidebarRows:
    """The list's content: the open conversations (from the window), the history (paged from the store) and,
    while a search is typed, the open conversations it matches and the store's hits instead of the history."""

    def __init__(self, fetch: Callable[[int, int], Sequence[SessionRecord]], *, page_size: int = PAGE_SIZE,
                 today: Callable[[], date] = date.today) -> None:
        self._fetch = fetch  # (offset, limit) -> sessions, newest first
        self._page_size = page_size
        self._clock = today
        self._today = today()
        self.open_rows: list[OpenRow] = []
        self.current = -1
        self.records: list[SessionRecord] = []
        self.exhausted = False
        self.query = ""
        self.hits: list[SearchHit] = []
        self._below: list[Row] | None = None  # the history or hit rows, kept: open rows change far more often

    def set_open(self, rows: Sequence[OpenRow], current: int) -> None:
        self.open_rows, self.current = list(rows), current

    def reload(self) -> None:
        """Back to the first page of the history (after a rename, a delete, an import)."""
        self.records, self.exhausted, self._today = [], False, self._clock()
        self._below = None
        self.load_page()

    def load_page(self) -> bool:
        """The next page of the history; False once everything is loaded."""
        if self.exhausted:
            return False
        page = list(self._fetch(len(self.records), self._page_size))
        self.records += page
        self._below = None
        self.exhausted = len(page) < self._page_size
        return bool(page)

    @property
    def can_load_more(self) -> bool:
        return not self.exhausted and not self.query

    def set_search(self, query: str, hits: Sequence[SearchHit]) -> None:
        self.query, self.hits = query.strip(), list(hits) if query.strip() else []
        self._below = None

    def rows(self) -> list[Row]:
        """The flat list shown, one scroll: headers and the rows under them."""
        shown = [(index, row) for index, row in enumerate(self.open_rows)
                 if not self.query or matches(self.query, row.title, row.folder, row.agent)]
        result: list[Row] = []
        if shown:
            result.append(Row(RowKind.HEADER, OPEN))
            result += [Row(RowKind.OPEN, OPEN, index, row, current=index == self.current) for index, row in shown]
        if self._below is None:
            self._below = self._history_or_hits()
        return result + self._below

    def _history_or_hits(self) -> list[Row]:
        result: list[Row] = []
        if self.query:
            for group, hits in grouped(self.hits, lambda hit: hit.created, self._today):
                result.append(Row(RowKind.HEADER, group))
                result += [Row(RowKind.HIT, group, hit=hit) for hit in hits]
            return result
        for group, records in grouped(self.records, lambda record: record.updated, self._today):
            result.append(Row(RowKind.HEADER, group))
            result += [Row(RowKind.HISTORY, group, session=record) for record in records]
        return result

    @property
    def nothing_found(self) -> bool:
        return bool(self.query) and not self.hits and not any(
            matches(self.query, row.title, row.folder, row.agent) for row in self.open_rows)
