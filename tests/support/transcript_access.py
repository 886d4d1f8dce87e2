"""What tests of the transcript need without a controller: permission requests put to a view's model as the
conversation's controller would, and the view's layout record of an answer."""

from __future__ import annotations

import asyncio
from weakref import WeakKeyDictionary

from gemini_desktop.conversation.model import AnswerText, Entry, Thoughts
from gemini_desktop.conversation.permissions import PermissionDesk
from gemini_desktop.engine.events import PermissionRequest
from gemini_desktop.ui.transcript import TranscriptView
from gemini_desktop.ui.transcript.items import TextItem, ThoughtItem

_desks: WeakKeyDictionary[TranscriptView, PermissionDesk] = WeakKeyDictionary()


def ask(view: TranscriptView, request: PermissionRequest) -> asyncio.Future[str | None]:
    """Ask as the engine does; the view reports the user's answer to the desk, which resolves the future."""
    desk = _desks.get(view)
    if desk is None:
        desk = _desks[view] = PermissionDesk(view.model)
        view.set_model(view.model, desk.decide)
    return desk.ask(request)


def _last(view: TranscriptView, kind: type[Entry], key: int | None) -> Entry:
    entries = [entry for entry in view.model.entries if isinstance(entry, kind)]
    if key is not None:
        entries = [entry for entry in entries if entry.message == key]
    return entries[-1]


def answer_item(view: TranscriptView, key: int | None = None) -> TextItem:
    """The layout of the last text run of answer `key` (of the last answer when None)."""
    item = view._layout.items[_last(view, AnswerText, key).id]
    assert isinstance(item, TextItem)
    return item


def thought_item(view: TranscriptView, key: int | None = None) -> ThoughtItem:
    item = view._layout.items[_last(view, Thoughts, key).id]
    assert isinstance(item, ThoughtItem)
    return item
