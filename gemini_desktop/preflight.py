"""Checks that run before QApplication exists, so a broken Linux desktop gets an actionable message.

Without them Qt only prints "could not load the Qt platform plugin "xcb"" and aborts, which tells the user
nothing about the one `apt-get install` line that fixes it.
"""

from __future__ import annotations

import ctypes.util
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

PREFLIGHT_EXIT_CODE = 3

# Debian/Ubuntu package -> the library name `ctypes.util.find_library` looks for.
XCB_PLUGIN_LIBRARIES: dict[str, str] = {
    "libxcb-cursor0": "xcb-cursor",
    "libxkbcommon-x11-0": "xkbcommon-x11",
    "libxcb-icccm4": "xcb-icccm",
    "libxcb-keysyms1": "xcb-keysyms",
    "libxcb-image0": "xcb-image",
    "libxcb-render-util0": "xcb-render-util",
    "libxcb-xinerama0": "xcb-xinerama",
    "libxcb-randr0": "xcb-randr",
    "libxcb-shape0": "xcb-shape",
    "libxcb-xkb1": "xcb-xkb",
    "libegl1": "EGL",
    "libgl1": "GL",
    "libfontconfig1": "fontconfig",
    "libdbus-1-3": "dbus-1",
}

find_library: Callable[[str], str | None] = ctypes.util.find_library


@dataclass(frozen=True)
class PreflightProblem:
    message: str
    missing_packages: tuple[str, ...] = ()


def uses_xcb(env: Mapping[str, str]) -> bool:
    """Whether Qt will load the xcb (X11) platform plugin with this environment."""
    requested = env.get("QT_QPA_PLATFORM", "").strip()
    if requested:
        return requested.split(":", 1)[0].split(";", 1)[0] == "xcb"
    return bool(env.get("DISPLAY")) and not env.get("WAYLAND_DISPLAY")


def bundled(library: str) -> bool:
    """A frozen (PyInstaller) build may ship a library itself; the system then need not have it."""
    bundle = getattr(sys, "_MEIPASS", None)
    return bundle is not None and any(Path(bundle).rglob(f"lib{library}.so*"))


def missing_packages(libraries: Mapping[str, str] = XCB_PLUGIN_LIBRARIES) -> list[str]:
    return [package for package, library in libraries.items() if not (find_library(library) or bundled(library))]


def check(env: Mapping[str, str], platform: str | None = None) -> PreflightProblem | None:
    if not (platform or sys.platform).startswith("linux"):
        return None
    requested = env.get("QT_QPA_PLATFORM", "").strip()
    if not requested and not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        return PreflightProblem(
            "Gemini Desktop needs a graphical session, but neither DISPLAY nor WAYLAND_DISPLAY is set.\n"
            "Start it from your desktop, or over SSH with X forwarding (ssh -X)."
        )
    if not uses_xcb(env):
        return None
    if not env.get("DISPLAY"):
        return PreflightProblem(
            "QT_QPA_PLATFORM is xcb (X11), but DISPLAY is not set: there is no X server to use."
        )
    missing = missing_packages()
    if not missing:
        return None
    return PreflightProblem(
        "Qt's X11 (xcb) platform plugin needs system libraries that are not installed: "
        + ", ".join(missing)
        + ".\nInstall them with:\n    sudo apt-get install " + " ".join(missing),
        tuple(missing),
    )
