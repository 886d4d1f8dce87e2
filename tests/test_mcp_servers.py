"""MCP servers: probing one with the official SDK, handing the app's list to gemini, reading gemini's own list,
and keeping their secrets in the keyring only."""

from __future__ import annotations

import dataclasses
import json
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from keyring.backend import KeyringBackend

from gemini_desktop.engine import EngineConfig, GeminiSessionClient, PermissionRequest
from gemini_desktop.engine.mcp import SettingsSource, acp_mcp_servers, gemini_mcp_servers
from gemini_desktop.engine.mcp_probe import McpTool, probe_mcp_server
from gemini_desktop.mcp_config import McpServerConfig, McpTransport
from gemini_desktop.settings import AppSettings
from tests.support.fake_gemini import FakeGemini, FunctionCall
from tests.support.keyrings import MemoryKeyring

TEST_SERVER = Path(__file__).resolve().parent / "support" / "mcp_test_server.py"


def shout_server(name: str = "tt", *extra: str) -> McpServerConfig:
    return McpServerConfig(name, command=sys.executable, args=(str(TEST_SERVER), *extra))


def running_with(marker: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and marker.encode() in (proc / "cmdline").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def test_the_probe_lists_the_tools_of_an_mcp_stdio_server(run_async: Callable[..., Any]) -> None:
    result = run_async(probe_mcp_server(shout_server(), timeout=30))
    assert result.ok, result.error
    assert result.tools == (McpTool("shout", "Return the text in capitals, with an exclamation mark."),)
    assert "desktop-test-tools starting" in result.stderr


@pytest.fixture
def quick_hung_server_kill(monkeypatch: pytest.MonkeyPatch) -> None:
    """The mcp SDK grants a server 2 s to exit once its stdin closes before it kills the tree; a hung server never
    does, so a test of one waits the grace out for nothing. The kill itself is still what ends it."""
    monkeypatch.setattr("mcp.client.stdio.PROCESS_TERMINATION_TIMEOUT", 0.2)


def test_a_missing_command_a_hung_or_crashing_server_and_a_refusing_url_each_get_a_clear_message(
        run_async: Callable[..., Any], quick_hung_server_kill: None) -> None:
    missing = run_async(probe_mcp_server(McpServerConfig("gone", command="/no/such/mcp-server"), timeout=5))
    assert missing.error == "The command '/no/such/mcp-server' was not found."

    marker = f"hang-{uuid.uuid4().hex}"
    hung = run_async(probe_mcp_server(shout_server("stuck", "--hang", marker), timeout=2))
    assert hung.error == "The server 'stuck' did not answer within 2 s."
    assert "desktop-test-tools starting" in hung.stderr  # what it said before it hung is shown
    assert running_with(marker) == []  # and it was killed

    crashing = McpServerConfig("crashy", command=sys.executable,
                               args=("-c", "import sys; print('boom: bad config', file=sys.stderr); sys.exit(3)"))
    crashed = run_async(probe_mcp_server(crashing, timeout=10))
    assert crashed.error == "The server 'crashy' stopped before it answered."
    assert crashed.stderr == "boom: bad config"

    for transport in (McpTransport.HTTP, McpTransport.SSE):
        refused = run_async(probe_mcp_server(McpServerConfig("web", transport, url="http://127.0.0.1:9/mcp"),
                                             timeout=5))
        assert refused.error.startswith("Could not connect to http://127.0.0.1:9/mcp")

    invalid = run_async(probe_mcp_server(McpServerConfig("", McpTransport.HTTP, url="ftp://x"), timeout=5))
    assert "no name" in invalid.error and "http://" in invalid.error


@pytest.mark.e2e
def test_a_gemini_session_started_with_an_mcp_server_calls_its_tool_and_gets_the_result(
        engine_config: EngineConfig, fake_gemini: FakeGemini, run_async: Callable[..., Any]) -> None:
    client = GeminiSessionClient(dataclasses.replace(engine_config, mcp_servers=(shout_server(),)))

    async def approve(request: PermissionRequest) -> str | None:
        option = request.option_of_kind("allow_once")
        return option.option_id if option else None

    client.permission_handler = approve
    fake_gemini.reply(FunctionCall("mcp_tt_shout", {"text": "hello from gemini"}))
    fake_gemini.reply("The server shouted back.")
    try:
        result = run_async(client.chat("use the tool"))
    finally:
        run_async(client.stop_session(), timeout=20)

    assert result.text == "The server shouted back."
    first, second = fake_gemini.stream_requests()[:2]
    declared = [d["name"] for tools in first.body["tools"] for d in tools.get("functionDeclarations", [])]
    assert "mcp_tt_shout" in declared
    assert "HELLO FROM GEMINI!" in json.dumps(second.function_responses())


def test_only_enabled_usable_servers_go_to_gemini_with_their_env_and_headers() -> None:
    servers = (
        McpServerConfig("local", command="/bin/tool", args=("-v",), env=(("TOKEN", "s3cret"),)),
        McpServerConfig("off", command="/bin/off", enabled=False),
        McpServerConfig("broken", McpTransport.HTTP, url="not a url"),
        McpServerConfig("web", McpTransport.SSE, url="https://example.test/sse", headers=(("Authorization", "x"),)),
    )
    sent = [server.model_dump(by_alias=True, exclude_none=True) for server in acp_mcp_servers(servers)]
    assert sent == [
        {"name": "local", "command": "/bin/tool", "args": ["-v"], "env": [{"name": "TOKEN", "value": "s3cret"}]},
        {"type": "sse", "name": "web", "url": "https://example.test/sse",
         "headers": [{"name": "Authorization", "value": "x"}]},
    ]
    assert "s3cret" not in repr(servers[0])


def test_the_servers_gemini_loads_itself_are_read_with_their_source_and_a_damaged_file_is_named(
        tmp_path: Path) -> None:
    home, project = tmp_path / "home", tmp_path / "project"
    (home / ".gemini").mkdir(parents=True)
    (project / ".gemini").mkdir(parents=True)
    (home / ".gemini" / "settings.json").write_text("""{
      // gemini allows comments
      "mcpServers": {
        "files": {"command": "npx", "args": ["-y", "fs-server"], "env": {"ROOT": "/srv"}},
        "remote": {"httpUrl": "https://mcp.example.test/mcp", "headers": {"Authorization": "Bearer t"}},
        "events": {"url": "http://localhost:8080/sse"},
        "nothing": {"timeout": 5}
      },
      "mcp": {"excluded": ["events"]}
    }""")
    (project / ".gemini" / "settings.json").write_text('{"mcpServers": {"half": ')

    found = gemini_mcp_servers(home, project)

    assert [(s.source, s.config.name, s.config.transport, s.config.enabled) for s in found.servers] == [
        (SettingsSource.USER, "files", McpTransport.STDIO, True),
        (SettingsSource.USER, "remote", McpTransport.HTTP, True),
        (SettingsSource.USER, "events", McpTransport.SSE, False),
    ]
    assert found.servers[0].config.env == (("ROOT", "/srv"),)
    assert len(found.problems) == 2
    assert "'nothing'" in found.problems[0]
    assert str(project / ".gemini" / "settings.json") in found.problems[1]
    assert gemini_mcp_servers(tmp_path / "nobody", tmp_path / "nowhere").servers == ()


def test_the_apps_mcp_servers_are_saved_with_their_secrets_in_the_keyring_only(
        tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    path = tmp_path / "settings.ini"
    servers = [
        McpServerConfig("local", command="/bin/tool", args=("a b",), env=(("API_TOKEN", "env-secret-1"),)),
        McpServerConfig("web", McpTransport.HTTP, url="https://mcp.test/mcp",
                        headers=(("Authorization", "Bearer header-secret-2"),), enabled=False),
    ]
    settings = AppSettings(path)
    assert settings.save_mcp_servers(servers)
    settings.sync()

    assert AppSettings(path).load_mcp_servers() == servers
    text = path.read_text()
    assert "API_TOKEN" in text and "env-secret-1" not in text and "header-secret-2" not in text
    assert sorted(memory_keyring.secrets.values()) == ["Bearer header-secret-2", "env-secret-1"]

    settings.save_mcp_servers(servers[:1])
    assert sorted(memory_keyring.secrets.values()) == ["env-secret-1"]  # a removed server's secrets go too


def test_without_a_keyring_mcp_secrets_are_not_written_anywhere(tmp_path: Path, no_keyring: KeyringBackend) -> None:
    path = tmp_path / "settings.ini"
    settings = AppSettings(path)
    assert not settings.save_mcp_servers([McpServerConfig("local", command="/bin/tool",
                                                          env=(("API_TOKEN", "env-secret-1"),))])
    settings.sync()
    assert "env-secret-1" not in path.read_text()
    assert AppSettings(path).load_mcp_servers()[0].env == (("API_TOKEN", ""),)
