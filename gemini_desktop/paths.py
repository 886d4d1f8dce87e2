"""Where the app keeps its files: per-user platform locations, plus the read-only resources it ships with."""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import sys
from pathlib import Path

import platformdirs

APP_DIR_NAME = "gemini-desktop"
PRIVATE_FOLDER_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
API_TOKEN_FILE = "api-token"

log = logging.getLogger(__name__)


def make_private(path: Path) -> None:
    """Owner-only access on Unix whatever the umask (folders 0700, files 0600): other local users must not
    read conversations, logs or settings. Windows profile folders are per-user already."""
    if os.name != "posix":
        return
    try:
        os.chmod(path, PRIVATE_FOLDER_MODE if path.is_dir() else PRIVATE_FILE_MODE)
    except OSError as exc:
        log.warning("cannot make %s private: %s", path, exc)


def private_folder(path: Path) -> Path:
    """Create (with missing parents) and make private one of the app's own folders; OSError if impossible."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_FOLDER_MODE)
    make_private(path)
    return path


def private_file(path: Path) -> Path:
    """Create the file if missing, owner-only from its first moment (never readable by others, even briefly),
    and make an existing one private; OSError if impossible."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0), PRIVATE_FILE_MODE))
    make_private(path)
    return path


def write_private_text(path: Path, text: str) -> None:
    private_file(path).write_text(text, encoding="utf-8")


def replace_file_contents(path: Path, data: bytes) -> None:
    """Write a user's file so no reader ever sees it half-written: a temporary file in the same folder, then
    an atomic rename over it. An existing file keeps its mode; a new one gets the mode the umask allows."""
    existing = path.stat().st_mode & 0o7777 if path.exists() else None
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            if existing is not None:
                os.chmod(file.fileno() if os.chmod in os.supports_fd else temporary, existing)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def api_token_path() -> Path:
    return config_dir() / API_TOKEN_FILE


_tokens_read: dict[Path, tuple[tuple[int, int, int], str]] = {}  # token file -> (its identity when read, token)


def _file_identity(path: Path) -> tuple[int, int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_ino, status.st_mtime_ns, status.st_size


def api_token() -> str:
    """The local API's bearer token: made on first use, kept owner-only so only this user's programs can
    read it; OSError when the config folder cannot hold it. The API asks at every request, so the file is read
    again only when it changed (one stat, instead of securing the folder and reading: ~1.5 ms a request)."""
    path = Path(platformdirs.user_config_dir(APP_DIR_NAME, appauthor=False)) / API_TOKEN_FILE
    identity, seen = _file_identity(path), _tokens_read.get(path)
    if identity is not None and seen is not None and seen[0] == identity:
        return seen[1]
    path = api_token_path()
    try:
        token = path.read_text(encoding="ascii").strip()
    except (FileNotFoundError, UnicodeDecodeError):
        token = ""
    if not token:
        token = regenerate_api_token()
        identity = _file_identity(path)
    if identity is not None:  # taken before the read: a change after it is seen at the next call
        _tokens_read[path] = (identity, token)
    return token


def regenerate_api_token() -> str:
    """A new token replaces the old one at once (written aside, then renamed: a reader never sees half)."""
    token = secrets.token_urlsafe(32)
    path = api_token_path()
    spare = path.with_name(path.name + ".new")
    write_private_text(spare, token)
    os.replace(spare, path)
    make_private(path)
    return token


def _ensure(path: str) -> Path:
    """Directories are made on first use so a fresh profile never fails on a missing parent. One that cannot
    be made is only logged here: whoever writes into it reports the failure in its own terms."""
    folder = Path(path)
    try:
        private_folder(folder)
    except OSError as exc:
        log.warning("cannot create %s: %s", folder, exc)
        return folder
    if APP_DIR_NAME in folder.parts:  # e.g. .../gemini-desktop/log: our folder above it is private too
        last = len(folder.parts) - 1 - folder.parts[::-1].index(APP_DIR_NAME)
        ours = Path(*folder.parts[:last + 1])
        for parent in folder.parents:
            if parent.is_relative_to(ours):
                make_private(parent)
    return folder


def data_dir() -> Path:
    return _ensure(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False))


def config_dir() -> Path:
    return _ensure(platformdirs.user_config_dir(APP_DIR_NAME, appauthor=False))


def log_dir() -> Path:
    return _ensure(platformdirs.user_log_dir(APP_DIR_NAME, appauthor=False))


def state_dir() -> Path:
    return _ensure(platformdirs.user_state_dir(APP_DIR_NAME, appauthor=False))


def cache_dir() -> Path:
    return _ensure(platformdirs.user_cache_dir(APP_DIR_NAME, appauthor=False))


def resources_dir() -> Path:
    """The shipped `resources/` tree: inside the PyInstaller bundle when frozen, next to the package in a
    checkout, inside it once installed from a wheel."""
    bundle_root = getattr(sys, "_MEIPASS", None)
    if bundle_root is not None:
        return Path(bundle_root) / "resources"
    package = Path(__file__).resolve().parent
    checkout = package.parent / "resources"
    return checkout if checkout.is_dir() else package / "resources"


def app_icon_path() -> Path:
    """The scalable app icon, for QApplication.setWindowIcon (Qt picks the size per window)."""
    return resources_dir() / "icons" / "gemini-desktop.svg"


def in_world_writable_folder(path: Path) -> bool:
    """gemini-cli refuses a settings file below a folder anyone may write to (such as /tmp)."""
    for folder in Path(path).resolve().parents:
        try:
            if folder.stat().st_mode & 0o002:
                return True
        except OSError:
            continue
    return False
