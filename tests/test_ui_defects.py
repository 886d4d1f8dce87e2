"""Issue 8 defects in the window: focus at launch, permission prompts that never steal the keyboard and stay
cheap by the thousand."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gemini_desktop import APP_NAME, preflight
from gemini_desktop.engine.types import GeminiCommand
from tests.support.fake_gemini import FakeGemini
from tests.test_app_cli import app_command, app_environment

ROOT = Path(__file__).resolve().parent.parent
XVFB = shutil.which("Xvfb")
XDOTOOL = shutil.which("xdotool")


def x11_unavailable() -> str:
    """Why the app cannot run on a private X server here ("" when it can)."""
    if not sys.platform.startswith("linux"):
        return "an X server check for Linux"
    if XVFB is None or XDOTOOL is None:
        return "needs Xvfb and xdotool (Debian/Ubuntu: apt-get install xvfb xauth xdotool)"
    problem = preflight.check({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"})
    return problem.message if problem is not None else ""


CLIPBOARD_TEXT = "from PySide6.QtGui import QGuiApplication as A; app = A([]); print(app.clipboard().text())"


@pytest.fixture
def x_display() -> Iterator[str]:
    """A private X server without a window manager: nothing but the app itself can give it the focus."""
    assert XVFB is not None
    reader, writer = os.pipe()
    server = subprocess.Popen([XVFB, "-displayfd", str(writer), "-nolisten", "tcp", "-screen", "0", "1600x1200x24"],
                              pass_fds=(writer,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(writer)
    try:
        with os.fdopen(reader) as lines:
            number = lines.readline().strip()
        assert number, "Xvfb did not start"
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def x_run(display: str, *arguments: str, timeout: float = 60) -> str:
    done = subprocess.run(arguments, env=dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb"),
                          capture_output=True, text=True, timeout=timeout, check=True)
    return done.stdout.strip()


@pytest.mark.e2e
@pytest.mark.skipif(bool(x11_unavailable()), reason=x11_unavailable())
def test_text_typed_right_after_launch_lands_in_the_composer(
        x_display: str, tmp_path: Path, cli_home: Path, fake_gemini: FakeGemini,
        gemini_command: GeminiCommand, workdir: Path) -> None:
    assert XDOTOOL is not None
    x_run(x_display, XDOTOOL, "mousemove", "1590", "1190")  # away from the window: no focus-follows-pointer
    env = dict(app_environment(tmp_path, cli_home, fake_gemini), DISPLAY=x_display, QT_QPA_PLATFORM="xcb")
    app = subprocess.Popen(app_command(gemini_command, workdir, "--new-instance"), env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    typed = "typed right after launch"
    try:
        x_run(x_display, XDOTOOL, "search", "--sync", "--onlyvisible", "--name", APP_NAME)
        x_run(x_display, XDOTOOL, "type", "--delay", "15", typed)
        x_run(x_display, XDOTOOL, "key", "ctrl+a", "ctrl+c")  # the composer's text, by the user's own keys
        deadline = time.monotonic() + 20
        copied = ""
        while copied != typed and time.monotonic() < deadline:
            copied = x_run(x_display, sys.executable, "-c", CLIPBOARD_TEXT)
            time.sleep(0.2)
        assert copied == typed
    finally:
        app.terminate()
        output, _ = app.communicate(timeout=30)
    assert app.returncode == 0, output
