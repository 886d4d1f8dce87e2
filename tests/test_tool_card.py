"""Tool cards (status, paths, coloured diffs) and the permission prompt's buttons and shortcuts."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from gemini_desktop.conversation.permissions import engine_answer
from gemini_desktop.engine.events import FileDiff, PermissionOption, PermissionRequest, ToolCall, ToolStatus
from gemini_desktop.ui.theme import Theme
from gemini_desktop.ui.tool_card import (
    MAX_DIFF_LINES,
    PermissionPrompt,
    diff_html,
    tool_card_html,
)

OPTIONS = (
    PermissionOption("allow-1", "Allow once", "allow_once"),
    PermissionOption("allow-all", "Allow for this session", "allow_always"),
    PermissionOption("reject-1", "Reject", "reject_once"),
)


@pytest.fixture
def theme(qapp: object) -> Theme:
    return Theme.from_palette(qapp.palette())  # type: ignore[attr-defined]


def test_diff_lines_are_coloured(theme: Theme) -> None:
    markup = diff_html(FileDiff("a.py", "one\ntwo\n", "one\nTWO\nthree\n"), theme)
    assert f'<span style="color:{theme.diff_add_fg}; background-color:{theme.diff_add_bg}">+TWO</span>' in markup
    assert f'<span style="color:{theme.diff_del_fg}; background-color:{theme.diff_del_bg}">-two</span>' in markup
    assert "+three" in markup and "@@" in markup


def test_new_file_diff_and_huge_diff_are_capped(theme: Theme) -> None:
    created = diff_html(FileDiff("new.txt", None, "hello\n"), theme)
    assert "+hello" in created
    huge = diff_html(FileDiff("big.txt", "", "\n".join(str(i) for i in range(5000))), theme)
    assert huge.count("\n") < MAX_DIFF_LINES + 10
    assert "more lines" in huge


def test_card_shows_title_kind_status_and_paths_escaped(theme: Theme) -> None:
    call = ToolCall("t1", "<b>Edit</b> things", "edit", ToolStatus.FAILED, ("src/<x>.py",))
    markup = tool_card_html(call, theme)
    assert "&lt;b&gt;Edit&lt;/b&gt;" in markup and "<b>Edit</b> things" not in markup
    assert "src/&lt;x&gt;.py" in markup
    assert theme.error in markup and "failed" in markup
    assert theme.success in tool_card_html(ToolCall("t1", "x", status=ToolStatus.COMPLETED), theme)


def test_prompt_buttons_resolve_with_their_options(qtbot: QtBot) -> None:
    prompt = PermissionPrompt(PermissionRequest(ToolCall("t1", "Run ls", "execute"), OPTIONS))
    qtbot.addWidget(prompt)
    assert [b.text() for b in prompt.buttons.values()] == ["Allow once", "Allow for this session", "Reject"]
    assert all(b.accessibleName() for b in prompt.buttons.values())
    assert prompt.accessibleName()
    with qtbot.waitSignal(prompt.decided) as decided:
        qtbot.mouseClick(prompt.buttons["allow-all"], Qt.MouseButton.LeftButton)
    assert decided.args == [OPTIONS[1]]
    assert engine_answer(OPTIONS[1]) == "allow-all"


@pytest.mark.parametrize(("key", "expected"), [
    (Qt.Key.Key_Y, OPTIONS[0]), (Qt.Key.Key_A, OPTIONS[1]), (Qt.Key.Key_N, OPTIONS[2]), (Qt.Key.Key_Escape, OPTIONS[2]),
])
def test_prompt_keyboard_shortcuts(qtbot: QtBot, key: Qt.Key, expected: PermissionOption) -> None:
    prompt = PermissionPrompt(PermissionRequest(ToolCall("t1"), OPTIONS))
    qtbot.addWidget(prompt)
    with qtbot.waitSignal(prompt.decided) as decided:
        qtbot.keyClick(prompt, key)
    assert decided.args == [expected]


def test_prompt_decides_only_once_and_reject_once_means_none(qtbot: QtBot) -> None:
    prompt = PermissionPrompt(PermissionRequest(ToolCall("t1"), OPTIONS))
    qtbot.addWidget(prompt)
    seen: list[object] = []
    prompt.decided.connect(seen.append)
    prompt.buttons["reject-1"].click()
    prompt.buttons["allow-1"].click()
    assert seen == [OPTIONS[2]]
    assert engine_answer(OPTIONS[2]) is None and engine_answer(None) is None
