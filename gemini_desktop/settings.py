"""User preferences in an INI file under the platform's config dir, and the options of one launch.

An INI file (rather than the registry or a plist) keeps the settings readable and easy to reset by hand on
every platform. Secrets never go here: the API key lives in the system keyring.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from gemini_desktop import ORG_NAME
from gemini_desktop.paths import config_dir, private_file, private_folder

log = logging.getLogger(__name__)

KEYRING_SERVICE = ORG_NAME
KEYRING_USER = "gemini-api-key"
DEFAULT_API_PORT = 8765
MIN_API_PORT = 1024  # below it a port needs privileges


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
        value = str(self._qsettings.value("api/port", DEFAULT_API_PORT))
        return int(value) if value.isdigit() and MIN_API_PORT <= int(value) <= 65535 else DEFAULT_API_PORT

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


def load_api_key() -> str | None:
    backend = _usable_keyring()
    if backend is None:
        return None
    try:
        return backend.get_password(KEYRING_SERVICE, KEYRING_USER) or None  # type: ignore[attr-defined]
    except Exception as error:  # never log the key, only that reading failed
        log.warning("could not read the API key from the keyring: %s", type(error).__name__)
        return None


def save_api_key(key: str) -> bool:
    """True when the key is now in the system keyring; False means it lives only in this run's memory."""
    backend = _usable_keyring()
    if backend is None:
        return False
    try:
        backend.set_password(KEYRING_SERVICE, KEYRING_USER, key)  # type: ignore[attr-defined]
    except Exception as error:
        log.warning("could not store the API key in the keyring: %s", type(error).__name__)
        return False
    return True


def forget_api_key() -> bool:
    backend = _usable_keyring()
    if backend is None:
        return False
    try:
        backend.delete_password(KEYRING_SERVICE, KEYRING_USER)  # type: ignore[attr-defined]
    except Exception as error:
        log.info("no API key removed from the keyring: %s", type(error).__name__)
        return False
    return True
