"""Where the app keeps its files: per-user platform locations, plus the read-only resources it ships with."""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs

APP_DIR_NAME = "gemini-desktop"


def _ensure(path: str) -> Path:
    """Directories are made on first use so a fresh profile never fails on a missing parent."""
    created = Path(path)
    created.mkdir(parents=True, exist_ok=True)
    return created


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
