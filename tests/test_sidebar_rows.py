"""The sidebar's rows without widgets: open conversations on top, the history by day, the search, the paging."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from gemini_desktop.conversation.sidebar_rows import (
    OPEN,
    PREVIOUS_7_DAYS,
    TODAY,
    YESTERDAY,
    OpenRow,
    RowKind,
    SidebarRows,
    day_group,
    month_group,
)
from gemini_desktop.store import SearchHit, SessionRecord

TODAY_DATE = date(2026, 12, 7)
NOON = datetime(2026, 12, 7, 12, 0).astimezone()


def record(session_id: int, days_ago: float, title: str = "", cwd: str = "/work/p") -> SessionRecord:
    moment = NOON - timedelta(days=days_ago)
    return SessionRecord(session_id, None, title or f"session {session_id}", None, cwd, None, moment, moment, 2,
                         "app")


def hit(session: SessionRecord, message_id: int, days_ago: float) -> SearchHit:
    return SearchHit(session, message_id, "user", "the quokka", ((4, 6),), NOON - timedelta(days=days_ago))


def rows_of(records: list[SessionRecord], page_size: int = 100) -> tuple[SidebarRows, list[tuple[int, int]]]:
    calls: list[tuple[int, int]] = []

    def fetch(offset: int, limit: int) -> list[SessionRecord]:
        calls.append((offset, limit))
        return records[offset:offset + limit]

    content = SidebarRows(fetch, page_size=page_size, today=lambda: TODAY_DATE)
    content.reload()
    return content, calls


def shape(content: SidebarRows) -> list[object]:
    """Headers as their group, rows as their session id (open rows as "open N")."""
    result: list[object] = []
    for row in content.rows():
        if row.kind is RowKind.HEADER:
            result.append(row.group)
        elif row.kind is RowKind.OPEN:
            result.append(f"open {row.open_index}")
        else:
            result.append(row.session_id)
    return result


def test_days_group_as_today_yesterday_the_previous_7_days_then_months_newest_first() -> None:
    assert day_group(NOON, TODAY_DATE) == TODAY
    assert day_group(NOON - timedelta(days=1), TODAY_DATE) == YESTERDAY
    assert day_group(NOON - timedelta(days=2), TODAY_DATE) == PREVIOUS_7_DAYS
    assert day_group(NOON - timedelta(days=7), TODAY_DATE) == PREVIOUS_7_DAYS
    assert day_group(NOON - timedelta(days=8), TODAY_DATE) == month_group(2026, 11)
    assert day_group(datetime(2025, 1, 31, 9).astimezone(), TODAY_DATE) == month_group(2025, 1)
    assert month_group(2025, 12).year_month == (2025, 12) and month_group(2026, 1).year_month == (2026, 1)
    assert sorted([month_group(2025, 12), PREVIOUS_7_DAYS, month_group(2026, 1), OPEN, TODAY]) == [
        OPEN, TODAY, PREVIOUS_7_DAYS, month_group(2026, 1), month_group(2025, 12)]


def test_open_conversations_come_first_then_the_history_by_day_in_one_list() -> None:
    content, _ = rows_of([record(1, 0), record(2, 0.1), record(3, 1), record(4, 3), record(5, 40), record(6, 70)])
    content.set_open([OpenRow("Chat A", "/a", "streaming"), OpenRow("Chat B", "/b", "idle", unread=True)], 1)
    assert shape(content) == [OPEN, "open 0", "open 1", TODAY, 1, 2, YESTERDAY, 3, PREVIOUS_7_DAYS, 4,
                              month_group(2026, 10), 5, month_group(2026, 9), 6]
    assert [row.current for row in content.rows()[1:3]] == [False, True]
    content.set_open([], -1)
    assert shape(content)[0] == TODAY  # no open conversation: no "Open" header


def test_the_history_is_paged_and_pages_stop_at_the_end() -> None:
    records = [record(index, index / 100) for index in range(1, 251)]
    content, calls = rows_of(records)
    assert len(content.records) == 100 and content.can_load_more
    assert content.load_page() and content.load_page()
    assert len(content.records) == 250 and not content.can_load_more
    assert not content.load_page()
    assert calls == [(0, 100), (100, 100), (200, 100)]
    content.reload()
    assert len(content.records) == 100 and calls[-1] == (0, 100)


def test_a_search_filters_the_open_conversations_and_shows_the_hits_by_day_instead_of_the_history() -> None:
    old, new = record(1, 30, "Quokka facts"), record(2, 0, "Lunch")
    content, _ = rows_of([new, old])
    content.set_open([OpenRow("About quokkas", "/zoo", "idle"), OpenRow("Taxes", "/money", "idle"),
                      OpenRow("Other", "/QUOKKA-project", "idle")], 0)
    content.set_search("  quokka ", [hit(new, 12, 0), hit(old, 3, 30), hit(new, 11, 0)])
    assert content.query == "quokka" and not content.can_load_more
    rows = content.rows()
    assert shape(content) == [OPEN, "open 0", "open 2", TODAY, 2, 2, month_group(2026, 11), 1]
    assert [row.hit.message_id for row in rows if row.hit is not None] == [12, 11, 3]  # store order within a day
    assert not content.nothing_found

    content.set_search("zzz", [])
    assert shape(content) == [] and content.nothing_found
    content.set_search("", [hit(new, 12, 0)])
    assert shape(content) == [OPEN, "open 0", "open 1", "open 2", TODAY, 2, month_group(2026, 11), 1]


def test_a_search_matches_every_word_in_any_order_and_case() -> None:
    content, _ = rows_of([])
    content.set_open([OpenRow("Fix the Parser", "/work/compiler", "idle", agent="Claude Code")], -1)
    for query, found in (("parser FIX", True), ("compiler parser", True), ("claude", True), ("lexer", False)):
        content.set_search(query, [])
        assert (len(content.rows()) == 2) is found, query


def test_a_row_keeps_its_identity_when_only_what_it_shows_changes() -> None:
    content, _ = rows_of([record(1, 0)])
    content.set_open([OpenRow("Chat", "/a", "streaming")], 0)
    before = content.rows()
    content.set_open([OpenRow("Chat", "/a", "idle", unread=True)], 0)
    after = content.rows()
    assert [row.key() for row in before] == [row.key() for row in after]
    assert before[1] != after[1] and before[2:] == after[2:]
