"""Settings > MCP servers: the servers gemini loads from its own settings (read-only, with their source) and the
app's own list, which goes to every new conversation. Add, edit, remove, enable or disable, and "Test": start or
connect to a server with the `mcp` SDK off the UI thread and show its tools, or the error and its stderr.

Saving (secrets to the keyring) is the caller's: the dialog only edits a list."""

from __future__ import annotations

import asyncio
import dataclasses
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gemini_desktop.conversation import run_soon
from gemini_desktop.engine.cli_sessions import cli_home
from gemini_desktop.mcp_config import McpServerConfig, McpTransport, parse_pairs
from gemini_desktop.settings import AppSettings
from gemini_desktop.ui.dialogs import discard, finished

if TYPE_CHECKING:
    from gemini_desktop.conversation.workspace import Workspace
    from gemini_desktop.engine.mcp import GeminiMcpServers

PROBE_TIMEOUT = 15.0  # seconds a "Test" may take; the probe kills a server that hangs


def describe(server: McpServerConfig) -> str:
    """One line: the name and what starts or reaches it (never an env or header value: those are secrets)."""
    target = shlex.join([server.command, *server.args]) if server.transport == McpTransport.STDIO else server.url
    return f"{server.name} — {server.transport}: {target}"


def gemini_servers(home: Path, folder: Path) -> GeminiMcpServers:
    """What gemini loads from its settings (run it off the UI thread: the engine's MCP module loads ACP)."""
    from gemini_desktop.engine.mcp import gemini_mcp_servers

    return gemini_mcp_servers(home, folder)


def gemini_server_lines(found: GeminiMcpServers) -> list[str]:
    lines = []
    for server in found.servers:
        line = QCoreApplication.translate("McpServersDialog", "{server} (from the {source} settings: {path})").format(
            server=describe(server.config), source=server.source, path=server.settings_path)
        if not server.config.enabled:
            line += QCoreApplication.translate("McpServersDialog", " — excluded")
        lines.append(line)
    return lines


class McpServerEditor(QDialog):
    """One server of the app's list: stdio (command, arguments, environment) or http/sse (URL, headers)."""

    def __init__(self, server: McpServerConfig | None, taken_names: Sequence[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mcpServerEditor")
        self.setWindowTitle(self.tr("MCP server"))
        self._taken = set(taken_names)
        self.server: McpServerConfig | None = server
        self.name_field = QLineEdit(server.name if server else "", self)
        self.name_field.setObjectName("mcpName")
        self.transport_box = QComboBox(self)
        self.transport_box.setObjectName("mcpTransport")
        for transport, label in ((McpTransport.STDIO, self.tr("Command (stdio)")),
                                 (McpTransport.HTTP, self.tr("Streamable HTTP")), (McpTransport.SSE, self.tr("SSE"))):
            self.transport_box.addItem(label, str(transport))
        self.transport_box.setCurrentIndex(max(0, self.transport_box.findData(
            str(server.transport if server else McpTransport.STDIO))))
        self.command_field = QLineEdit(shlex.join([server.command, *server.args]) if server and server.command
                                       else "", self)
        self.command_field.setObjectName("mcpCommand")
        self.command_field.setPlaceholderText("npx -y @modelcontextprotocol/server-everything")  # a command: as is
        self.env_field = QPlainTextEdit("\n".join(f"{n}={v}" for n, v in server.env) if server else "", self)
        self.env_field.setObjectName("mcpEnv")
        self.env_field.setPlaceholderText(self.tr("NAME=value, one per line (kept in the system keyring)"))
        self.url_field = QLineEdit(server.url if server else "", self)
        self.url_field.setObjectName("mcpUrl")
        self.url_field.setPlaceholderText("https://example.com/mcp")
        self.headers_field = QPlainTextEdit("\n".join(f"{n}: {v}" for n, v in server.headers) if server else "",
                                            self)
        self.headers_field.setObjectName("mcpHeaders")
        self.headers_field.setPlaceholderText(self.tr("Name: value, one per line (kept in the system keyring)"))
        for field in (self.env_field, self.headers_field):
            field.setMaximumHeight(field.fontMetrics().lineSpacing() * 4 + 12)
        self.problem_label = QLabel("", self)
        self.problem_label.setObjectName("mcpProblem")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet("color: #c62828")
        self._form = form = QFormLayout()
        form.addRow(self.tr("Name:"), self.name_field)
        form.addRow(self.tr("Kind:"), self.transport_box)
        form.addRow(self.tr("Command:"), self.command_field)
        form.addRow(self.tr("Environment:"), self.env_field)
        form.addRow(self.tr("URL:"), self.url_field)
        form.addRow(self.tr("Headers:"), self.headers_field)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                   parent=self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem_label)
        layout.addWidget(buttons)
        self.transport_box.currentIndexChanged.connect(self._show_fields)
        self._show_fields()

    def _stdio(self) -> bool:
        return self.transport_box.currentData() == str(McpTransport.STDIO)

    def _show_fields(self) -> None:
        for field, stdio in ((self.command_field, True), (self.env_field, True), (self.url_field, False),
                             (self.headers_field, False)):
            self._form.setRowVisible(field, stdio == self._stdio())

    def edited(self) -> McpServerConfig:
        """The server as the fields say; ValueError with a message for the user when they say nothing usable."""
        name = self.name_field.text().strip()
        if name in self._taken:
            raise ValueError(self.tr("Another server is already named {name}.").format(name=name))
        enabled = self.server.enabled if self.server is not None else True
        if self._stdio():
            try:
                words = shlex.split(self.command_field.text())
            except ValueError as error:
                raise ValueError(self.tr("The command cannot be read: {error}.").format(error=error)) from error
            try:
                env = parse_pairs(self.env_field.toPlainText(), "=")
            except ValueError as error:
                raise ValueError(self.tr("Environment line {line} is not NAME=value.").format(line=error)) from error
            server = McpServerConfig(name, McpTransport.STDIO, command=words[0] if words else "",
                                     args=tuple(words[1:]), env=env, enabled=enabled)
        else:
            try:
                headers = parse_pairs(self.headers_field.toPlainText(), ":")
            except ValueError as error:
                raise ValueError(self.tr("Header line {line} is not Name: value.").format(line=error)) from error
            server = McpServerConfig(name, McpTransport(self.transport_box.currentData()),
                                     url=self.url_field.text().strip(), headers=headers, enabled=enabled)
        problems = server.problems()
        if problems:
            raise ValueError(" ".join(problems))
        return server

    def accept(self) -> None:
        try:
            self.server = self.edited()
        except ValueError as problem:
            self.problem_label.setText(str(problem))
            return
        super().accept()


class McpServersDialog(QDialog):
    """`gemini_servers`: lines describing what gemini loads by itself (read-only); `problems`: its settings files
    that could not be read. `servers` is the app's list, edited in place and read back from `servers`."""

    def __init__(self, servers: Sequence[McpServerConfig], gemini_servers: Sequence[str], problems: Sequence[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mcpServersDialog")
        self.setWindowTitle(self.tr("MCP servers"))
        self.resize(720, 560)
        self.servers = list(servers)
        self._probing: asyncio.Future[None] | None = None
        gemini_list = QListWidget(self)
        gemini_list.setObjectName("geminiMcpList")
        gemini_list.addItems(list(gemini_servers) or [self.tr("(none)")])
        gemini_list.setEnabled(bool(gemini_servers))
        gemini_list.setMaximumHeight(gemini_list.fontMetrics().lineSpacing() * 5 + 12)
        problems_label = QLabel("\n".join(problems), self)
        problems_label.setObjectName("geminiMcpProblems")
        problems_label.setWordWrap(True)
        problems_label.setVisible(bool(problems))
        self.server_list = QListWidget(self)
        self.server_list.setObjectName("appMcpList")
        self.server_list.itemChanged.connect(self._on_item_changed)
        self.server_list.currentRowChanged.connect(lambda _row: self._update_buttons())
        self.server_list.itemDoubleClicked.connect(lambda _item: self.edit_server())
        self.add_button = self._button("mcpAdd", self.tr("Add…"), self.add_server)
        self.edit_button = self._button("mcpEdit", self.tr("Edit…"), self.edit_server)
        self.remove_button = self._button("mcpRemove", self.tr("Remove"), self.remove_server)
        self.test_button = self._button("mcpTest", self.tr("Test"), self.test_server)
        side = QVBoxLayout()
        for button in (self.add_button, self.edit_button, self.remove_button, self.test_button):
            side.addWidget(button)
        side.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.server_list, 1)
        row.addLayout(side)
        self.result_view = QPlainTextEdit(self)
        self.result_view.setObjectName("mcpTestResult")
        self.result_view.setReadOnly(True)
        self.result_view.setPlaceholderText(self.tr("Choose a server and press Test to list its tools."))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                   parent=self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Loaded by gemini from its own settings (change them there):"), self))
        layout.addWidget(gemini_list)
        layout.addWidget(problems_label)
        layout.addWidget(QLabel(self.tr("The app's servers, given to every new conversation (tick to enable):"),
                                self))
        layout.addLayout(row, 1)
        layout.addWidget(self.result_view, 1)
        layout.addWidget(buttons)
        self._fill()

    def done(self, result: int) -> None:
        """A test still running is abandoned (the probe kills its server by its own deadline)."""
        if self._probing is not None:
            self._probing.cancel()
        super().done(result)

    def _button(self, name: str, text: str, slot: object) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    def _fill(self, current: int = -1) -> None:
        self.server_list.blockSignals(True)
        try:
            self.server_list.clear()
            for server in self.servers:
                item = QListWidgetItem(describe(server), self.server_list)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if server.enabled else Qt.CheckState.Unchecked)
            self.server_list.setCurrentRow(min(current, len(self.servers) - 1))
        finally:
            self.server_list.blockSignals(False)
        self._update_buttons()

    def _update_buttons(self) -> None:
        chosen = self.server_list.currentRow() >= 0
        probing = self._probing is not None and not self._probing.done()
        self.edit_button.setEnabled(chosen)
        self.remove_button.setEnabled(chosen)
        self.test_button.setEnabled(chosen and not probing)

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        row = self.server_list.row(item)
        enabled = item.checkState() == Qt.CheckState.Checked
        if 0 <= row < len(self.servers) and self.servers[row].enabled != enabled:
            self.servers[row] = dataclasses.replace(self.servers[row], enabled=enabled)

    async def _edit(self, server: McpServerConfig | None) -> McpServerConfig | None:
        taken = [s.name for s in self.servers if s is not server]
        editor = McpServerEditor(server, taken, self)
        try:
            return editor.server if await finished(editor) else None
        finally:
            discard(editor)

    def add_server(self) -> asyncio.Future[None]:
        return run_soon(self._add())

    async def _add(self) -> None:
        server = await self._edit(None)
        if server is not None:
            self.servers.append(server)
            self._fill(len(self.servers) - 1)

    def edit_server(self) -> asyncio.Future[None] | None:
        row = self.server_list.currentRow()
        return run_soon(self._replace(row)) if row >= 0 else None

    async def _replace(self, row: int) -> None:
        old = self.servers[row]
        server = await self._edit(old)
        if server is not None and row < len(self.servers) and self.servers[row] is old:
            self.servers[row] = server
            self._fill(row)

    def remove_server(self) -> None:
        row = self.server_list.currentRow()
        if row >= 0:
            del self.servers[row]
            self._fill(row)

    def test_server(self) -> asyncio.Future[None] | None:
        """Probe the chosen server off the UI thread; the dialog stays usable and shows the result when it comes."""
        row = self.server_list.currentRow()
        if row < 0 or (self._probing is not None and not self._probing.done()):
            return None
        server = self.servers[row]
        self.result_view.setPlainText(self.tr("Testing {name}… (at most {seconds:.0f} s)").format(
            name=server.name, seconds=PROBE_TIMEOUT))
        self._probing = run_soon(self._probe(server))
        self._update_buttons()
        return self._probing

    async def _probe(self, server: McpServerConfig) -> None:
        from gemini_desktop.engine.mcp_probe import probe_mcp_server

        try:
            result = await probe_mcp_server(server, PROBE_TIMEOUT)
        finally:
            self._probing = None
            self._update_buttons()
        if result.ok:
            lines = [self.tr("{name}: {count} tool(s)").format(name=server.name, count=len(result.tools))]
            lines += [f"• {tool.name}" + (f" — {tool.description}" if tool.description else "")
                      for tool in result.tools]
        else:
            lines = [self.tr("{name} failed: {error}").format(name=server.name, error=result.error)]
        if result.stderr:
            lines += ["", self.tr("Its error output:"), result.stderr]
        self.result_view.setPlainText("\n".join(lines))


def _count(servers: Sequence[McpServerConfig], found: GeminiMcpServers) -> int:
    return sum(server.enabled for server in servers) + sum(server.config.enabled for server in found.servers)


async def _load(workspace: Workspace, folder: Path) -> tuple[list[McpServerConfig], GeminiMcpServers]:
    """The app's list (secrets from the keyring) and gemini's own servers, both read off the UI thread."""
    servers = await workspace.load_mcp_servers()
    found = await asyncio.to_thread(gemini_servers, cli_home(workspace.env, Path.home()), folder)
    return servers, found


async def mcp_server_count(workspace: Workspace, folder: Path) -> int:
    """How many MCP servers a new conversation in `folder` gets (the status bar's figure)."""
    return _count(*await _load(workspace, folder))


async def manage_mcp_servers(parent: QWidget, workspace: Workspace, folder: Path) -> tuple[int, str] | None:
    """Show the page; on OK save the app's list (secrets to the keyring, off the UI thread) and hand it to new
    conversations. Returns (the new server count, a message when some secret could not be kept), None on Cancel."""
    servers, found = await _load(workspace, folder)
    dialog = McpServersDialog(servers, gemini_server_lines(found), found.problems, parent)
    try:
        if not await finished(dialog):
            return None
        chosen = list(dialog.servers)
    finally:
        discard(dialog)
    workspace.settings.sync()
    path = workspace.settings.path
    stored = await asyncio.to_thread(lambda: AppSettings(path).save_mcp_servers(chosen))
    workspace.settings.sync()
    workspace.use_mcp_servers(chosen)
    warning = "" if stored else QCoreApplication.translate(
        "McpServersDialog", "No usable system keyring: the MCP servers' environment and header values last for "
                            "this run only.")
    return _count(chosen, found), warning
