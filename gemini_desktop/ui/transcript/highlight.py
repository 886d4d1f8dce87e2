"""Colouring settled code in idle time: code that settled while streaming is shown plain at once, then each
block is lexed in short slices between other events and put in place when done."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QTextDocument

from gemini_desktop.ui.code_highlight import CodeHighlighter
from gemini_desktop.ui.theme import Theme
from gemini_desktop.ui.transcript.items import HighlightJob
from gemini_desktop.ui.transcript.regions import Region

HIGHLIGHT_SLICE_SECONDS = 0.003
"""Code that settled while streaming is highlighted afterwards in slices this long, between other events;
while text is streaming the slices leave the event loop `streaming_gap_ms` between them for the stream itself."""


class HighlightQueue(QObject):
    def __init__(self, document: QTextDocument, streaming: Callable[[], bool], streaming_gap_ms: int,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._streaming = streaming
        self._gap_ms = streaming_gap_ms
        self._jobs: list[HighlightJob] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._step)

    def clear(self) -> None:
        self._jobs.clear()

    def queue(self, start: int, wanted: dict[str, tuple[str, str]], theme: Theme) -> None:
        """Find each just-inserted plain code block (the blocks after its Copy anchor, `wanted` maps that
        href to the code and its language) and queue it for colouring in idle time.

        Only for blocks near the end of the document: an edit relays out everything below it.
        """
        block = self._document.findBlock(start)
        while block.isValid() and wanted:
            iterator = block.begin()
            href = ""
            while not iterator.atEnd() and not href:
                href = iterator.fragment().charFormat().anchorHref()
                iterator += 1
            if href in wanted:
                code, language = wanted.pop(href)
                first = block.next()
                last = first
                for _ in range(code.count("\n")):
                    last = last.next()
                region = Region(self._document, first.position())
                region.end.setPosition(last.position() + last.length() - 1)
                self._jobs.append(HighlightJob(region, CodeHighlighter(code, language, theme)))
                block = last
            block = block.next()
        if self._jobs and not self._timer.isActive():
            self._timer.start(0)

    def _step(self) -> None:
        """One slice: lex a little, or put one finished block in place (never both: each costs a few ms)."""
        if not self._jobs:
            return
        job = self._jobs[0]
        if job.highlighter.done:
            self._jobs.pop(0)
            job.region.fill(job.highlighter.html())
        else:
            job.highlighter.advance(HIGHLIGHT_SLICE_SECONDS)
        if self._jobs:
            self._timer.start(self._gap_ms if self._streaming() else 0)
