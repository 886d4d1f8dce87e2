"""Where a conversation with another agent than gemini names it: the open-conversation list (only when the open
ones are not all of one agent), the composer's placeholder and each answer's header."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from gemini_desktop.store import HistoryStore
from gemini_desktop.ui.markdown_render import MarkdownRenderer
from gemini_desktop.ui.prompt_input import PromptInput
from gemini_desktop.ui.sidebar import OpenRow, Sidebar
from gemini_desktop.ui.theme import Theme
from gemini_desktop.ui.transcript.renderers import EntryRenderer
from gemini_desktop.untrusted_text import isolated


def test_the_open_list_names_each_agent(tmp_path: Path, qtbot: QtBot) -> None:
    sidebar = Sidebar(HistoryStore.open(tmp_path / "h.sqlite3"))
    qtbot.addWidget(sidebar)
    sidebar.set_rows([OpenRow("Plan", "/w", "idle", agent="Gemini"),
                      OpenRow("Port", "/w", "streaming", agent="Qwen Code")], 1)
    assert sidebar.row_text(0) == f"{isolated('Plan')} — Gemini · idle"
    assert sidebar.row_text(1) == f"{isolated('Port')} — Qwen Code · streaming"
    sidebar.set_rows([OpenRow("Plan", "/w", "idle")], 0)
    assert sidebar.row_text(0) == f"{isolated('Plan')} — idle"


def test_the_composer_and_the_answer_header_name_the_agent(qtbot: QtBot) -> None:
    prompt = PromptInput()
    qtbot.addWidget(prompt)
    assert prompt.placeholderText().startswith("Message Gemini — ")
    prompt.set_agent_name("Qwen Code")
    assert prompt.placeholderText().startswith("Message Qwen Code — ")
    theme = Theme.from_palette(prompt.palette())
    entries = EntryRenderer(theme, MarkdownRenderer(theme), lambda _item: "")
    assert "<b>Gemini</b>" in entries.assistant_header(1)
    entries.agent_name = "Qwen Code"
    assert "<b>Qwen Code</b>" in entries.assistant_header(1)
