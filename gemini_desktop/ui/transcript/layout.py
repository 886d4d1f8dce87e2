"""The transcript's document layout: where each laid-out entry sits, how it is drawn and redrawn, and the
stream's coalescing flush. Finished entries are laid out once (runs of them in one HTML import); a streaming
answer re-renders only its last, still growing Markdown block, and only on a short coalescing timer, so a chunk
costs the same whether the transcript holds ten messages or ten thousand."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QTextBlockFormat, QTextCharFormat, QTextCursor, QTextDocument

from gemini_desktop.ui.transcript.highlight import HighlightQueue
from gemini_desktop.ui.transcript.items import Item, TextItem, ThoughtItem
from gemini_desktop.ui.transcript.regions import Region, editing, insert_html, marker
from gemini_desktop.ui.transcript.renderers import EntryRenderer

FLUSH_MIN_MS = 8
FLUSH_MAX_MS = 30
"""The live message re-renders at most every FLUSH_MIN_MS; when one render costs more, the interval grows
(up to FLUSH_MAX_MS) so that rendering never takes more than about two thirds of the event loop's time."""


class DocumentLayout(QObject):
    flushed = Signal()  # the stream's pending text is on screen (the render benchmark times chunks with it)

    def __init__(self, document: QTextDocument, entries: EntryRenderer, on_content: Callable[[], None],
                 on_output: Callable[[], None], parent: QObject | None = None) -> None:
        """`on_content`: the document is about to hold something; `on_output`: a flush changed what is shown."""
        super().__init__(parent)
        self._document = document
        self.entries = entries
        self._on_content = on_content
        self._on_output = on_output
        self.items: dict[int, Item] = {}  # by model entry id: the laid-out entries
        self.laid_out: list[Item] = []
        self.last_region: Region | None = None
        self._dirty: dict[int, TextItem | ThoughtItem] = {}
        self._flush_interval_ms = FLUSH_MIN_MS
        self._last_flush = 0.0
        self.highlights = HighlightQueue(document, self.streaming, FLUSH_MIN_MS, self)
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.timeout.connect(self.flush)

    def reset(self) -> None:
        """Forget the layout (the document is about to be cleared)."""
        self._flush_timer.stop()
        self._dirty.clear()
        self.highlights.clear()
        self.items.clear()
        self.laid_out.clear()
        self.last_region = None

    def streaming(self) -> bool:
        return bool(self._dirty) or self._flush_timer.isActive()

    def stream_into(self, item: TextItem | ThoughtItem, text: str) -> None:
        if isinstance(item, TextItem):
            item.stream.append(text)
        self._dirty[item.source.id] = item
        if not self._flush_timer.isActive():
            since_ms = (time.perf_counter() - self._last_flush) * 1000
            self._flush_timer.start(max(0, int(self._flush_interval_ms - since_ms)))

    def flush(self) -> None:
        if not self._dirty:
            return
        started = time.perf_counter()
        dirty = list(self._dirty.values())
        self._dirty.clear()
        for item in dirty:
            self.render_item(item)
        self._last_flush = time.perf_counter()
        cost_ms = (self._last_flush - started) * 1000
        self._flush_interval_ms = min(FLUSH_MAX_MS, max(FLUSH_MIN_MS, 1.5 * cost_ms))
        self._on_output()
        self.flushed.emit()

    def settle(self, item: TextItem | ThoughtItem) -> None:
        if not item.live:
            return
        item.live = False
        self._dirty.pop(item.source.id, None)
        self.render_item(item)

    def add_item(self, item: Item) -> None:
        self._on_content()
        position = self._document.characterCount() - 1
        if self.last_region is not None or self._document.characterCount() > 1:
            cursor = QTextCursor(self._document)
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
            position = cursor.position()
        item.region = Region(self._document, position)
        self.last_region = item.region
        self.laid_out.append(item)
        self.render_item(item)

    def region_after(self, region: Region) -> Region:
        cursor = editing(region.end)  # region.end keeps its place: the new block is outside the region
        cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
        new = Region(self._document, cursor.position())
        if self.last_region is region:
            self.last_region = new
        return new

    def render_item(self, item: Item) -> None:
        region = item.region
        if region is None:
            return
        if isinstance(item, TextItem):
            self.render_text(item, region)
        else:
            region.fill(self.entries.html(item))

    def render_text(self, item: TextItem, region: Region) -> None:
        """Append the blocks that settled since the last flush, then redraw only the growing last block."""
        first = item.source.first
        if item.tail is None:
            region.fill(self.entries.assistant_header(item.source.message) if first else "")
            item.tail = region.break_block_at_end() if first else marker(self._document, region.start.position())
        item.render_count += 1
        del item.codes[item.settled_codes:]
        settled, tail = self.entries.markdown.render_stream(
            item.stream, final=not item.live, code_href=lambda i, s=item.source.id: f"gd-copy:{s}/{i}",
            first_code_index=item.settled_codes, highlight_settled=False, budget=item.highlight_budget)
        first_new_code = item.settled_codes
        item.codes.extend(settled.code_blocks)
        item.settled_codes = len(item.codes)
        item.codes.extend(tail.code_blocks)
        if settled.html:
            settled_from = item.tail.position()
            region.replace_from(item.tail, settled.html)
            self.highlights.queue(settled_from, {
                f"gd-copy:{item.source.id}/{first_new_code + n}": (item.codes[first_new_code + n], language)
                for n, (language, wanted) in enumerate(zip(settled.code_languages, settled.to_highlight, strict=True))
                if wanted}, self.entries.theme)
            if tail.html or item.live:  # what settled stays: the next flush renders below it
                item.tail = region.break_block_at_end()
        if tail.append:  # the next piece of a long block shown plain: what is shown of it stays
            if tail.html:
                region.append(tail.html)
        elif tail.html or not settled.html:
            region.replace_from(item.tail, tail.html)

    def lay_out_batch(self, batch: Sequence[Item]) -> None:
        """Settled entries as one HTML import: much cheaper than one import (and relayout) per entry.

        Code is highlighted right here, not later: an edit far above the end relays out all that follows.
        """
        if not batch:
            return
        self._on_content()
        markup = self.batch_html(batch)
        if self._document.isEmpty():
            self._document.setHtml(markup)
        else:
            cursor = QTextCursor(self._document)
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
            insert_html(cursor, markup)
        self.laid_out.extend(batch)
        self.last_region = None  # the next entry starts below the batch

    def batch_html(self, batch: Sequence[Item]) -> str:
        parts = []
        for item in batch:
            if isinstance(item, TextItem):
                rendered = self.entries.markdown.render(item.stream.text,
                                                        lambda i, s=item.source.id: f"gd-copy:{s}/{i}")
                item.codes = rendered.code_blocks
                item.settled_codes = len(item.codes)
                item.render_count += 1
                header = self.entries.assistant_header(item.source.message) if item.source.first else ""
                parts.append(header + rendered.html)
            else:
                parts.append(self.entries.html(item))
        return "".join(parts)
