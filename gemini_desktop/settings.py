"""User preferences in an INI file under the platform's config dir, and the options of one launch.

An INI file (rather than the registry or a plist) keeps the settings readable and easy to reset by hand on
every platform. Secrets never go here: the API key and the env/header values of MCP servers live in the system
keyring.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from gemini_desktop import ORG_NAME
from gemini_desktop.mcp_config import McpServerConfig, McpTransport
from gemini_desktop.paths import config_dir, private_file, private_folder

log = logging.getLogger(__name__)

KEYRING_SERVICE = ORG_NAME
KEYRING_USER = "gemini-api-key"
DEFAULT_API_PORT = 8765
MIN_API_PORT = 1024  # below it a port needs privileges
CUSTOM_AGENT = "custom"  # the profile name of the custom ACP agent (engine/agents/profiles.py)


@dataclass(frozen=True)
class LaunchOptions:
    """What the command line asked for; None means "use the saved setting or the default"."""

    gemini: str | None = None
    cwd: Path | None = None
    model: str | None = None
    new_instance: bool = False
    smoke_test: bool = False
    smoke_report: Path | None = None
    resume: int | None = None
    agent: str | None = None  # the default agent of new conversations in this launch (--agent)


@dataclass(frozen=True)
class CustomAgent:
    """The "Custom ACP agent" the user set up: a command, its arguments, its environment (values are secrets:
    kept out of the repr, and in the keyring)."""

    command: str = ""
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = field(default=(), repr=False)


def default_settings_path() -> Path:
    return config_dir() / "settings.ini"


class AppSettings:
    """Typed access to the INI file; every value has a safe default so a damaged file never stops start-up."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_settings_path()
        try:
            private_file(private_folder(self.path.parent) / self.path.name)  # QSettings keeps the mode it finds
        except OSError as exc:  # a read-only profile: defaults for this run, nothing saved
            log.warning("settings cannot be saved in %s: %s", self.path.parent, exc)
        self._qsettings = QSettings(str(self.path), QSettings.Format.IniFormat)

    def _text(self, key: str) -> str | None:
        value = self._qsettings.value(key)
        return value if isinstance(value, str) and value else None

    def _set_text(self, key: str, value: str | None) -> None:
        if value:
            self._qsettings.setValue(key, value)
        else:
            self._qsettings.remove(key)

    def _bytes(self, key: str) -> QByteArray | None:
        value = self._qsettings.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    @property
    def gemini_path(self) -> str | None:
        return self._text("engine/gemini_path")

    @gemini_path.setter
    def gemini_path(self, value: str | None) -> None:
        self._set_text("engine/gemini_path", value)

    @property
    def model(self) -> str | None:
        return self._text("engine/model")

    @model.setter
    def model(self, value: str | None) -> None:
        self._set_text("engine/model", value)

    @property
    def working_dir(self) -> Path | None:
        text = self._text("session/working_dir")
        return Path(text) if text and Path(text).is_dir() else None

    @working_dir.setter
    def working_dir(self, value: Path | None) -> None:
        self._set_text("session/working_dir", str(value) if value else None)

    @property
    def language(self) -> str | None:
        """"system", "en" or a locale name (see gemini_desktop.i18n); None means follow the system."""
        return self._text("ui/language")

    @language.setter
    def language(self, value: str | None) -> None:
        self._set_text("ui/language", value)

    @property
    def api_enabled(self) -> bool:
        """The local API in the running app; off unless the user turns it on."""
        return str(self._qsettings.value("api/enabled", "false")).lower() == "true"

    @api_enabled.setter
    def api_enabled(self, value: bool) -> None:
        self._qsettings.setValue("api/enabled", "true" if value else "false")

    @property
    def api_port(self) -> int:
        return int(self._number("api/port", DEFAULT_API_PORT, MIN_API_PORT, 65535))

    @api_port.setter
    def api_port(self, value: int) -> None:
        self._qsettings.setValue("api/port", int(value))

    @property
    def window_geometry(self) -> QByteArray | None:
        return self._bytes("window/geometry")

    @window_geometry.setter
    def window_geometry(self, value: QByteArray) -> None:
        self._qsettings.setValue("window/geometry", value)

    @property
    def splitter_state(self) -> QByteArray | None:
        return self._bytes("window/splitter")

    @splitter_state.setter
    def splitter_state(self, value: QByteArray) -> None:
        self._qsettings.setValue("window/splitter", value)

    @property
    def history_visible(self) -> bool:
        return str(self._qsettings.value("window/history_visible", "true")).lower() == "true"

    @history_visible.setter
    def history_visible(self, value: bool) -> None:
        self._qsettings.setValue("window/history_visible", "true" if value else "false")

    @property
    def transcript_zoom(self) -> int:
        """Steps of Ctrl++ / Ctrl+- from the system font size (0 = as the system has it)."""
        return int(self._number("window/transcript_zoom", 0, -5, 10))

    @transcript_zoom.setter
    def transcript_zoom(self, value: int) -> None:
        self._qsettings.setValue("window/transcript_zoom", int(value))

    @property
    def close_to_tray(self) -> bool:
        """Closing the window from its title bar hides it in the tray; Quit still quits."""
        return str(self._qsettings.value("window/close_to_tray", "false")).lower() == "true"

    @close_to_tray.setter
    def close_to_tray(self, value: bool) -> None:
        self._qsettings.setValue("window/close_to_tray", "true" if value else "false")

    def load_mcp_servers(self) -> list[McpServerConfig]:
        """The app's own MCP servers; their secrets come from the keyring (empty when it is not available).
        A damaged entry is skipped (logged), never fatal."""
        raw = self._text("mcp/servers")
        try:
            entries = json.loads(raw) if raw else []
        except ValueError:
            log.warning("the saved MCP servers are not valid JSON; starting with none")
            return []
        servers = [_mcp_server(entry) for entry in entries] if isinstance(entries, list) else []
        if None in servers:
            log.warning("%d damaged MCP server entr(ies) skipped", servers.count(None))
        return [server for server in servers if server is not None]

    def save_mcp_servers(self, servers: list[McpServerConfig]) -> bool:
        """Save the list; env and header values go to the keyring only. False when some secret could not be
        stored there: it is then not saved at all (never written to the INI file), so it lasts this run only."""
        stored = replace_secrets(_mcp_secret_users(self.load_mcp_servers()), _mcp_secret_users(servers))
        self._set_text("mcp/servers", json.dumps([_mcp_entry(server) for server in servers]))
        return stored

    def _number(self, key: str, default: float, low: float, high: float) -> float:
        """A number from the file, or `default` when it is missing, malformed or out of range."""
        try:
            value = float(self._qsettings.value(key, default))
        except (TypeError, ValueError):
            return default
        return value if low <= value <= high else default

    @property
    def max_live_processes(self) -> int:
        return int(self._number("manager/max_live_processes", 4, 1, 32))

    @max_live_processes.setter
    def max_live_processes(self, value: int) -> None:
        self._qsettings.setValue("manager/max_live_processes", int(value))

    @property
    def max_waiting_turns(self) -> int:
        """Local API turns that may wait for a free process before the API answers 429."""
        return int(self._number("manager/max_waiting_turns", 32, 0, 10_000))

    @max_waiting_turns.setter
    def max_waiting_turns(self, value: int) -> None:
        self._qsettings.setValue("manager/max_waiting_turns", int(value))

    @property
    def idle_suspend_minutes(self) -> int:
        """0 = never."""
        return int(self._number("manager/idle_suspend_minutes", 15, 0, 24 * 60))

    @idle_suspend_minutes.setter
    def idle_suspend_minutes(self, value: int) -> None:
        self._qsettings.setValue("manager/idle_suspend_minutes", int(value))

    @property
    def recycle_memory_mb(self) -> int:
        """0 = never."""
        return int(self._number("manager/recycle_memory_mb", 1024, 0, 64 * 1024))

    @recycle_memory_mb.setter
    def recycle_memory_mb(self, value: int) -> None:
        self._qsettings.setValue("manager/recycle_memory_mb", int(value))

    @property
    def snapshots_enabled(self) -> bool:
        """Snapshot the working folder around each turn that may change files (the complete "Undo changes")."""
        return str(self._qsettings.value("undo/snapshots_enabled", "true")).lower() == "true"

    @snapshots_enabled.setter
    def snapshots_enabled(self, value: bool) -> None:
        self._qsettings.setValue("undo/snapshots_enabled", "true" if value else "false")

    @property
    def snapshot_max_age_days(self) -> int:
        """How long a turn's undo snapshots are kept."""
        return int(self._number("undo/snapshot_max_age_days", 30, 1, 3650))

    @snapshot_max_age_days.setter
    def snapshot_max_age_days(self, value: int) -> None:
        self._qsettings.setValue("undo/snapshot_max_age_days", int(value))

    @property
    def snapshot_max_disk_mb(self) -> int:
        """The most disk one working folder's snapshots take before the oldest turns are dropped."""
        return int(self._number("undo/snapshot_max_disk_mb", 500, 10, 100 * 1024))

    @snapshot_max_disk_mb.setter
    def snapshot_max_disk_mb(self, value: int) -> None:
        self._qsettings.setValue("undo/snapshot_max_disk_mb", int(value))

    @property
    def default_agent(self) -> str:
        """The agent profile's name new conversations start with ("" is gemini): Ctrl+N, `serve`, API model ids."""
        return (self._text("agents/default") or "").strip().lower()

    @default_agent.setter
    def default_agent(self, value: str) -> None:
        self._set_text("agents/default", value.strip().lower() or None)

    def agent_program(self, name: str) -> str | None:
        """A program the user chose for agent `name` instead of looking it up (as gemini_path is for gemini)."""
        return self._text(f"agents/{name}/program")

    def set_agent_program(self, name: str, program: str | None) -> None:
        self._set_text(f"agents/{name}/program", program)

    def custom_agent(self, *, secrets: bool = True) -> CustomAgent:
        """The custom ACP agent: its command is agent_program("custom"); its env values come from the keyring
        (empty when it is not available, or without `secrets`), so read it off the UI thread."""
        try:
            args, names = (json.loads(self._text(f"agents/{CUSTOM_AGENT}/{key}") or "[]") for key in ("args", "env"))
        except ValueError:
            log.warning("the saved custom agent is unreadable; its arguments and environment are not used")
            args, names = [], []
        words = [str(word) for word in args] if isinstance(args, list) else []
        keys = [str(name) for name in names] if isinstance(names, list) else []
        values = [load_secret(_agent_secret_user(name)) if secrets else None for name in keys]
        return CustomAgent(self.agent_program(CUSTOM_AGENT) or "", tuple(words),
                           tuple((name, value or "") for name, value in zip(keys, values, strict=True)))

    def save_custom_agent(self, agent: CustomAgent, previous: CustomAgent | None = None) -> bool:
        """The command and arguments go to the INI file, the env values to the keyring only (False when one could
        not be stored there: it then lasts this run only). `previous`: what was saved, when it is known."""
        old = previous if previous is not None else self.custom_agent()
        stored = replace_secrets(_agent_secret_users(old), _agent_secret_users(agent))
        self.set_agent_program(CUSTOM_AGENT, agent.command.strip() or None)
        self._set_text(f"agents/{CUSTOM_AGENT}/args", json.dumps(list(agent.args)) if agent.args else None)
        self._set_text(f"agents/{CUSTOM_AGENT}/env", json.dumps([n for n, _ in agent.env]) if agent.env else None)
        return stored

    def agent_model(self, name: str) -> str | None:
        """The model last chosen for agent `name` (each agent has its own models; gemini's is `model`)."""
        return self.model if name == "gemini" else self._text(f"agents/{name}/model")

    def set_agent_model(self, name: str, model: str | None) -> None:
        if name == "gemini":
            self.model = model
        else:
            self._set_text(f"agents/{name}/model", model)

    @property
    def warm_spare(self) -> bool:
        return str(self._qsettings.value("manager/warm_spare", "true")).lower() != "false"

    @warm_spare.setter
    def warm_spare(self, value: bool) -> None:
        self._qsettings.setValue("manager/warm_spare", "true" if value else "false")

    @property
    def open_conversations(self) -> list[int]:
        """The history ids of the conversations open when the app last quit, in sidebar order."""
        value = self._qsettings.value("session/open")
        parts = value if isinstance(value, list) else str(value or "").split(",")  # INI reads "a,b" as a list
        return [int(part) for part in map(str, parts) if part.strip().isdigit()]

    @open_conversations.setter
    def open_conversations(self, value: list[int]) -> None:
        self._set_text("session/open", ",".join(str(number) for number in value))

    @property
    def current_conversation(self) -> int | None:
        """The history id of the conversation that was shown."""
        value = self._text("session/current")
        return int(value) if value and value.isdigit() else None

    @current_conversation.setter
    def current_conversation(self, value: int | None) -> None:
        self._set_text("session/current", str(value) if value else None)

    def sign_in_fields(self) -> dict[str, Any] | None:
        """The chosen way in without its secrets (those are in the keyring), or None when none was chosen."""
        raw = self._text("signIn/choice")
        try:
            fields = json.loads(raw) if raw else None
        except ValueError:
            log.warning("the saved sign-in choice is unreadable; none is used")
            return None
        return fields if isinstance(fields, dict) and isinstance(fields.get("method"), str) else None

    def save_sign_in_fields(self, fields: dict[str, Any] | None) -> None:
        self._set_text("signIn/choice", json.dumps(fields) if fields else None)

    def sync(self) -> None:
        self._qsettings.sync()


def _usable_keyring() -> object | None:
    """The keyring backend, or None when only the "fail"/"null" backends exist (headless Linux, CI)."""
    try:
        import keyring
        from keyring.backends import fail, null

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring | null.Keyring) or getattr(backend, "priority", 0) <= 0:
            return None
        return backend
    except Exception as error:  # keyring backends raise many kinds of errors; none may stop the app
        log.info("no usable keyring: %s", type(error).__name__)
        return None


def load_secret(user: str) -> str | None:
    backend = _usable_keyring()
    if backend is None:
        return None
    try:
        return backend.get_password(KEYRING_SERVICE, user) or None  # type: ignore[attr-defined]
    except Exception as error:  # never log the secret, only that reading failed
        log.warning("could not read %s from the keyring: %s", user, type(error).__name__)
        return None


def save_secret(user: str, secret: str) -> bool:
    """True when the secret is now in the system keyring; False means it lives only in this run's memory."""
    backend = _usable_keyring()
    if backend is None:
        return False
    try:
        backend.set_password(KEYRING_SERVICE, user, secret)  # type: ignore[attr-defined]
    except Exception as error:
        log.warning("could not store %s in the keyring: %s", user, type(error).__name__)
        return False
    return True


def forget_secret(user: str) -> bool:
    backend = _usable_keyring()
    if backend is None:
        return False
    try:
        backend.delete_password(KEYRING_SERVICE, user)  # type: ignore[attr-defined]
    except Exception as error:
        log.info("nothing removed from the keyring for %s: %s", user, type(error).__name__)
        return False
    return True


def replace_secrets(old: dict[str, str], new: dict[str, str]) -> bool:
    """Keyring entries `old` become `new`: gone ones are removed, changed ones stored. False when one could not
    be stored."""
    for user in old.keys() - new.keys():
        forget_secret(user)
    return all([save_secret(user, value) for user, value in new.items() if old.get(user) != value])


def _agent_secret_user(name: str) -> str:
    return f"agent/{CUSTOM_AGENT}/env/{name}"


def _agent_secret_users(agent: CustomAgent) -> dict[str, str]:
    return {_agent_secret_user(name): value for name, value in agent.env}


def _mcp_secret_user(server: str, kind: str, name: str) -> str:
    return f"mcp-server/{server}/{kind}/{name}"


def _mcp_entry(server: McpServerConfig) -> dict[str, Any]:
    """What goes into the INI file: everything but the values of env variables and headers (secrets)."""
    return {"name": server.name, "transport": str(server.transport), "command": server.command,
            "args": list(server.args), "env": [name for name, _ in server.env], "url": server.url,
            "headers": [name for name, _ in server.headers], "enabled": server.enabled}


def _mcp_server(entry: Any) -> McpServerConfig | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        return None
    try:
        transport = McpTransport(entry.get("transport", "stdio"))
    except ValueError:
        return None

    def names(key: str) -> list[str]:
        value = entry.get(key)
        return [str(n) for n in value] if isinstance(value, list) else []

    def secrets(kind: str) -> tuple[tuple[str, str], ...]:
        return tuple((n, load_secret(_mcp_secret_user(entry["name"], kind, n)) or "") for n in names(kind))

    return McpServerConfig(
        name=entry["name"], transport=transport, command=str(entry.get("command") or ""),
        args=tuple(names("args")), env=secrets("env"), url=str(entry.get("url") or ""),
        headers=secrets("headers"), enabled=entry.get("enabled") is not False)


def _mcp_secret_users(servers: list[McpServerConfig]) -> dict[str, str]:
    return {
        **{_mcp_secret_user(s.name, "env", n): v for s in servers for n, v in s.env},
        **{_mcp_secret_user(s.name, "headers", n): v for s in servers for n, v in s.headers},
    }
