"""The transcript: a view of one ConversationModel (see view.py). Its jobs live in their own files: document
regions (regions.py), per-entry layout records (items.py), one renderer per entry type (renderers.py), idle-time
code colouring (highlight.py), the permission prompts (prompts.py), find (find.py) and link safety
(links.py); streaming and paging are in the view."""

from gemini_desktop.ui.transcript.links import link_target_text
from gemini_desktop.ui.transcript.view import HISTORY_PAGE, TranscriptView

__all__ = ["HISTORY_PAGE", "TranscriptView", "link_target_text"]
