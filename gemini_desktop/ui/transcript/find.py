"""Find in the conversation: the whole conversation is searched in the model, the laid-out part in the
document; a match in a page not laid out yet is laid out first, so every match can be reached."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QColor, QTextCursor
from PySide6.QtWidgets import QTextBrowser, QTextEdit

if TYPE_CHECKING:
    from gemini_desktop.ui.transcript.view import TranscriptView

MAX_FIND_MATCHES = 5000


class FindInConversation:
    def __init__(self, view: TranscriptView, browser: QTextBrowser) -> None:
        self._view = view
        self._browser = browser

    def find(self, text: str, *, backward: bool = False, again: bool = True) -> tuple[int, int]:
        """Select a match of `text` (case-insensitive) and mark all of them: the next one after the selection,
        or the previous one, wrapping around; with `again` false the current one may stay (typing on).

        Returns (which match is selected, from 1; how many there are), (0, 0) when there is none.
        """
        matches = self._mark(text)
        here = self._browser.textCursor().selectionStart()
        before = [i for i, (start, _) in enumerate(matches) if start < here]
        after = [i for i, (start, _) in enumerate(matches) if start > here or (start == here and not again)]
        hidden = self._hidden_groups(text)
        stepping_past_the_end = again and not (before if backward else after)
        if hidden and (not matches or stepping_past_the_end):  # typing on stays in what is laid out if it can
            nearest = backward or not matches  # the match just above what is laid out; else the very first
            self._view.show_from(hidden[-1] if nearest else hidden[0])
            matches = self._mark(text)
            if not matches:  # the model's text matched, what is shown of it (Markdown rendered) does not
                self._select(None)
                return 0, self._hidden_occurrences(text)
            here = self._browser.textCursor().selectionStart()
            above = [i for i, (start, _) in enumerate(matches) if start < here]
            index = (above[-1] if above else len(matches) - 1) if nearest else 0
        elif not matches:
            self._select(None)
            return 0, 0
        elif backward:
            index = before[-1] if before else len(matches) - 1
        else:
            index = after[0] if after else 0
        hidden_count = self._hidden_occurrences(text)
        self._select(matches[index])
        return hidden_count + index + 1, hidden_count + len(matches)

    def end(self) -> None:
        """Unmark; the cursor stays where the selected match began, so finding again resumes there."""
        self._mark("")
        cursor = self._browser.textCursor()
        cursor.setPosition(cursor.selectionStart())
        self._browser.setTextCursor(cursor)

    def _select(self, match: tuple[int, int] | None) -> None:
        cursor = self._browser.textCursor()
        if match is None:
            cursor.clearSelection()
        else:
            cursor = QTextCursor(self._browser.document())
            cursor.setPosition(match[0])
            cursor.setPosition(match[1], QTextCursor.MoveMode.KeepAnchor)
        self._browser.setTextCursor(cursor)
        if match is not None:
            self._browser.ensureCursorVisible()

    def _hidden_groups(self, text: str) -> list[int]:
        """The stored messages not laid out yet that hold a match (by their index)."""
        wanted = text.casefold()
        if not wanted:
            return []
        return [index for index, group in enumerate(self._view.hidden_groups())
                if any(wanted in entry.searchable().casefold() for entry in group)]

    def _hidden_occurrences(self, text: str) -> int:
        wanted = text.casefold()
        if not wanted:
            return 0
        return sum(entry.searchable().casefold().count(wanted) for entry in self._view.earlier_entries())

    def _mark(self, text: str) -> list[tuple[int, int]]:
        document = self._browser.document()
        matches: list[tuple[int, int]] = []
        selections = []
        cursor = document.find(text, 0) if text else QTextCursor()
        colour = QColor(self._view.find_colour())
        while not cursor.isNull() and len(matches) < MAX_FIND_MATCHES:
            matches.append((cursor.selectionStart(), cursor.selectionEnd()))
            mark = QTextEdit.ExtraSelection()
            mark.cursor = cursor
            mark.format.setBackground(colour)
            selections.append(mark)
            cursor = document.find(text, cursor)
        self._browser.setExtraSelections(selections)
        return matches
