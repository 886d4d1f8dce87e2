"""Settings > MCP servers: gemini's own servers read-only, the app's list edited, "Test" off the UI thread."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from gemini_desktop.engine import EngineConfig
from gemini_desktop.mcp_config import McpServerConfig, McpTransport
from gemini_desktop.ui import mcp_dialog
from gemini_desktop.ui.mcp_dialog import McpServerEditor, McpServersDialog
from tests.support.cli_env import CLI_SETTINGS
from tests.support.qt_async import until
from tests.test_mcp_servers import quick_hung_server_kill, shout_server  # noqa: F401 (a fixture)
from tests.test_shell import WindowFactory, make_window, ready  # noqa: F401 (fixtures)


@pytest.mark.e2e
def test_the_mcp_page_shows_geminis_servers_read_only_tests_the_apps_server_and_new_conversations_get_it(
        make_window: WindowFactory, engine_config: EngineConfig, cli_home: Path, qtbot: QtBot,  # noqa: F811
        run_async: Callable[..., Any]) -> None:
    settings = {**CLI_SETTINGS, "mcpServers": {"notes": {"command": "/no/such/notes-server"}},
                "mcp": {"excluded": ["notes"]}}
    (cli_home / ".gemini" / "settings.json").write_text(json.dumps(settings), encoding="utf-8")

    async def scenario() -> None:
        window = make_window(engine_config)
        await ready(window)
        await until(lambda: window.status.mcp_button.text() == "MCP: 0", 20, "the count (the excluded one is off)")
        window.status.mcp_button.click()
        await until(lambda: window.findChild(McpServersDialog) is not None, 20, "the MCP page")
        page = window.findChild(McpServersDialog)
        gemini_list = page.findChild(type(page.server_list), "geminiMcpList")
        [line] = [gemini_list.item(i).text() for i in range(gemini_list.count())]
        assert line.startswith("notes — stdio: /no/such/notes-server (from the user settings: ")
        assert line.endswith(" — excluded")

        qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
        await until(lambda: page.findChild(McpServerEditor) is not None, 10, "the editor")
        editor = page.findChild(McpServerEditor)
        editor.name_field.setText("tt")
        editor.command_field.setText(shlex.join([shout_server().command, *shout_server().args]))
        editor.accept()
        await until(lambda: page.server_list.count() == 1, 10, "the server listed")
        assert page.server_list.item(0).text().startswith("tt — stdio: ")
        qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
        assert not page.test_button.isEnabled() and "Testing tt" in page.result_view.toPlainText()
        await until(lambda: "shout" in page.result_view.toPlainText(), 40, "the tools")
        assert page.result_view.toPlainText().startswith("tt: 1 tool(s)\n• shout — Return the text in capitals")
        assert "desktop-test-tools starting" in page.result_view.toPlainText()  # its stderr

        page.accept()
        await until(lambda: window.status.mcp_button.text() == "MCP: 1", 20, "the count after saving")
        [saved] = window.settings.load_mcp_servers()
        assert saved.name == "tt" and saved.enabled and saved.args == shout_server().args
        assert window.workspace.manager.config.mcp_servers == (saved,)  # what a new conversation starts with

        window.show_mcp_servers()
        await until(lambda: any(d.isVisible() for d in window.findChildren(McpServersDialog)), 20, "the page again")
        page = next(d for d in window.findChildren(McpServersDialog) if d.isVisible())
        page.server_list.item(0).setCheckState(Qt.CheckState.Unchecked)
        page.accept()
        await until(lambda: window.status.mcp_button.text() == "MCP: 0", 20, "the count after disabling")
        [saved] = window.settings.load_mcp_servers()
        assert not saved.enabled and window.workspace.manager.config.mcp_servers == (saved,)

    run_async(scenario(), timeout=150)


@pytest.mark.usefixtures("quick_hung_server_kill")
def test_bad_mcp_server_input_gets_a_clear_message_and_is_not_accepted(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, run_async: Callable[..., Any]) -> None:
    editor = McpServerEditor(None, ["taken"])
    qtbot.addWidget(editor)
    cases = [
        ("", "stdio", "", "", "The server has no name. A stdio server needs a command to start."),
        ("taken", "stdio", "node x.js", "", "Another server is already named taken."),
        ("s", "stdio", "node 'x.js", "", "The command cannot be read: No closing quotation."),
        ("s", "stdio", "node x.js", "TOKEN", "Environment line 1 is not NAME=value."),
        ("s", "http", "", "", "An http or sse server needs a URL starting with http:// or https://."),
    ]
    for name, transport, command, env, message in cases:
        editor.name_field.setText(name)
        editor.transport_box.setCurrentIndex(editor.transport_box.findData(transport))
        editor.command_field.setText(command)
        editor.env_field.setPlainText(env)
        editor.accept()
        assert editor.problem_label.text() == message and editor.result() == 0, name

    monkeypatch.setattr(mcp_dialog, "PROBE_TIMEOUT", 1.0)
    page = McpServersDialog([McpServerConfig("gone", command="/no/such/mcp-server"),
                             McpServerConfig("web", McpTransport.HTTP, url="http://127.0.0.1:9/mcp"),
                             shout_server("stuck", "--hang")], [], [])
    qtbot.addWidget(page)
    for row, message in ((0, "gone failed: The command '/no/such/mcp-server' was not found."),
                         (1, "web failed: Could not connect to http://127.0.0.1:9/mcp"),
                         (2, "stuck failed: The server 'stuck' did not answer within 1 s.")):
        page.server_list.setCurrentRow(row)
        run_async(page.test_server(), timeout=30)
        assert page.result_view.toPlainText().startswith(message)
