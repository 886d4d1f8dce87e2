"""Regions of the transcript's one QTextDocument: each item owns a run of whole blocks between two markers
that Qt keeps up to date as the document changes, so an item can be re-rendered in place without touching
anything else."""

from __future__ import annotations

from PySide6.QtGui import QTextBlockFormat, QTextCharFormat, QTextCursor, QTextDocument

LEAD = "\u2060"  # see insert_html
PARAGRAPH = "\u2029"


def marker(document: QTextDocument, position: int) -> QTextCursor:
    cursor = QTextCursor(document)
    cursor.setPosition(position)
    cursor.setKeepPositionOnInsert(True)  # only our explicit moves grow a region
    return cursor


def editing(marker: QTextCursor) -> QTextCursor:
    """A cursor at a marker that, unlike the marker, moves past what it inserts.

    Only a marker's position is meaningful: Qt keeps the position on insert but still moves the anchor.
    """
    cursor = QTextCursor(marker.document())
    cursor.setPosition(marker.position())
    return cursor


def insert_html(cursor: QTextCursor, markup: str) -> None:
    """insertHtml that keeps the first block's own format.

    Qt merges a fragment's first block into the current block, which would turn a leading code block,
    heading or list item into a plain paragraph; a throw-away first block avoids that.
    """
    start = cursor.position()
    cursor.insertHtml(f"<p>{LEAD}</p>{markup}")
    end = cursor.position()
    lead = QTextCursor(cursor.document())
    lead.setPosition(start)
    lead.movePosition(QTextCursor.MoveOperation.Right, QTextCursor.MoveMode.KeepAnchor, 2)
    if lead.selectedText() != LEAD + PARAGRAPH:  # a table follows: drop just the character
        lead.setPosition(start)
        lead.movePosition(QTextCursor.MoveOperation.Right, QTextCursor.MoveMode.KeepAnchor, 1)
    removed = len(lead.selectedText())
    lead.removeSelectedText()
    cursor.setPosition(end - removed)


class Region:
    """Whole blocks [start, end) owned by one item; the block separators around it belong to nobody."""

    def __init__(self, document: QTextDocument, position: int) -> None:
        self.start = marker(document, position)
        self.end = marker(document, position)

    def _cleared(self, start: QTextCursor) -> QTextCursor:
        cursor = editing(start)
        cursor.setPosition(self.end.position(), QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        cursor.setBlockFormat(QTextBlockFormat())  # what the removed first block leaves behind
        cursor.setCharFormat(QTextCharFormat())
        return cursor

    def fill(self, markup: str) -> None:
        self.replace_from(self.start, markup)

    def replace_from(self, start: QTextCursor, markup: str) -> None:
        cursor = self._cleared(start)
        insert_html(cursor, markup)
        self.end.setPosition(cursor.position())

    def append(self, markup: str) -> None:
        """Markup in a fresh block at the end of the region, leaving all that is in it in place."""
        cursor = editing(self.end)
        cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
        insert_html(cursor, markup)
        self.end.setPosition(cursor.position())

    def break_block_at_end(self) -> QTextCursor:
        """A fresh block at the end of the region; returns a marker at its start."""
        cursor = editing(self.end)
        cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
        self.end.setPosition(cursor.position())
        return marker(cursor.document(), cursor.position())
