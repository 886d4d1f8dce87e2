"""The --smoke-test mode: first in-process against the real engine, then the frozen PyInstaller bundle.

The bundle test builds once per session (a few minutes), so it is marked `e2e` and placed last in the file;
it is skipped, with the reason, only when PyInstaller is not installed (the `package` extra).
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QWidget

from gemini_desktop.engine import EngineConfig, GeminiCommand, GeminiSessionClient
from gemini_desktop.smoke import REPORT_PREFIX, run_smoke_test
from tests.support.cli_env import cli_environment
from tests.support.fake_gemini import FakeGemini

ROOT = Path(__file__).resolve().parent.parent


class ChatWindow(QWidget):
    """The smallest window the smoke test accepts: a widget that owns the session client."""

    def __init__(self, config: EngineConfig) -> None:
        super().__init__()
        self.client = GeminiSessionClient(config, self)
        self.sent: list[str] = []


class SelfStartingChatWindow(ChatWindow):
    """Like the real main window: starts gemini when shown, and has its own send path."""

    def __init__(self, config: EngineConfig) -> None:
        super().__init__(config)
        self._start: asyncio.Task[Any] | None = None

    def send_message(self, text: str) -> None:
        self.sent.append(text)
        self.client.submit(text)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._start is None:
            self._start = asyncio.ensure_future(self.client.start_session())


def published_report(output: str) -> dict[str, Any]:
    lines = [line for line in output.splitlines() if line.startswith(REPORT_PREFIX)]
    assert len(lines) == 1, output
    return json.loads(lines[0].split(" ", 2)[2])


@pytest.mark.parametrize("window_class", [ChatWindow, SelfStartingChatWindow], ids=["bare", "self-starting"])
def test_smoke_mode_passes_against_real_cli(
    qapp: Any, engine_config: EngineConfig, fake_gemini: FakeGemini, run_async: Callable[..., Any],
    tmp_path: Path, capsys: pytest.CaptureFixture[str], window_class: type[ChatWindow],
) -> None:
    window = window_class(engine_config)
    report_file = tmp_path / "report.json"

    status = run_async(run_smoke_test(window, timeout=90, report_path=report_file), timeout=120)

    assert status == 0, capsys.readouterr().out
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert report == published_report(capsys.readouterr().out)
    assert report["ok"] and report["stage"] == "done" and report["stop_reason"] == "end_turn"
    assert "smoke test" in report["answer"]
    assert list(report["timings"]) == ["window_shown", "session_ready", "answer_complete", "session_stopped",
                                       "total"]
    assert fake_gemini.stream_requests()[-1].last_user_text() == "smoke test"
    assert window.client.process_id is None and not window.isVisible()
    assert window.sent == (["smoke test"] if window_class is SelfStartingChatWindow else [])


def test_smoke_mode_fails_and_stops_child_when_the_turn_fails(
    qapp: Any, engine_config: EngineConfig, fake_gemini: FakeGemini, run_async: Callable[..., Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake_gemini.reply_error(400, "Request contains an invalid argument.")
    window = ChatWindow(engine_config)

    status = run_async(run_smoke_test(window, timeout=90), timeout=120)

    assert status == 1
    report = published_report(capsys.readouterr().out)
    assert not report["ok"] and report["stage"] == "send message"
    assert "turn failed" in report["error"]
    assert window.client.process_id is None


def test_smoke_mode_fails_when_gemini_cannot_start(
    qapp: Any, tmp_path: Path, run_async: Callable[..., Any], capsys: pytest.CaptureFixture[str],
) -> None:
    missing = GeminiCommand(program=str(tmp_path / "no-such-gemini"), version="0.61.0")
    window = ChatWindow(EngineConfig(gemini=missing, cwd=tmp_path, start_timeout=10))

    assert run_async(run_smoke_test(window, timeout=30), timeout=60) == 1
    report = published_report(capsys.readouterr().out)
    assert report["stage"] == "start session" and report["error"]


def _load_build_module() -> Any:
    spec = importlib.util.spec_from_file_location("gemini_desktop_build", ROOT / "packaging" / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def frozen_executable(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.skip("PyInstaller is not installed (pip install -e '.[package]'): the bundle cannot be built")
    build = _load_build_module()
    started = time.monotonic()
    # PyInstaller re-analyses when any file it collected is newer, so an unchanged checkout reuses the analysis
    # kept in build/ (or the one `dev.py test` made meanwhile); the bundle itself is always collected afresh.
    with build.tests_work_dir(wait_s=600) as work:
        executable = build.build_bundle(dist=tmp_path_factory.mktemp("dist"),
                                        work=work or tmp_path_factory.mktemp("work"))
    print(f"bundle built in {time.monotonic() - started:.0f} s: {executable}")
    return executable


def smoke_env(cli_home: Path, base_url: str, app_home: Path) -> dict[str, str]:
    """The frozen app offscreen against the fake server, its own settings, logs and history out of the CLI's home."""
    env = dict(os.environ, **cli_environment(cli_home, base_url), QT_QPA_PLATFORM="offscreen")
    for variable in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        env[variable] = str(app_home / variable.lower())
    return env


@pytest.mark.e2e
@pytest.mark.timeout(900)
def test_frozen_bundle_passes_smoke_test(
    frozen_executable: Path, gemini_command: GeminiCommand, fake_gemini: FakeGemini, cli_home: Path,
    workdir: Path, tmp_path: Path,
) -> None:
    app_home = tmp_path / "app-home"
    env = smoke_env(cli_home, fake_gemini.base_url, app_home)
    env.update(LANG="zh_CN.UTF-8", LANGUAGE="zh_CN", LC_ALL="zh_CN.UTF-8")  # proves the bundled catalogues load
    entry_script = gemini_command.args[0]

    completed = subprocess.run(
        [str(frozen_executable), "--smoke-test", "--gemini", entry_script],
        cwd=workdir, env=env, capture_output=True, text=True, timeout=180,
    )

    assert completed.returncode == 0, f"stdout:\n{completed.stdout}\nstderr:\n{completed.stderr}"
    report = published_report(completed.stdout)
    assert report["ok"] and "smoke test" in report["answer"]
    assert report["window_icon_renders"], "the SVG icon (resources + Qt's svg plugins) is missing from the bundle"
    logs = list(app_home.rglob("gemini-desktop.log"))
    assert len(logs) == 1, f"expected one log file under {app_home}"
    log_text = logs[0].read_text(encoding="utf-8")
    assert f"{REPORT_PREFIX} PASSED" in log_text
    assert "Interface language zh_CN (Qt translations: yes)" in log_text
    assert "did not send" not in log_text, "the smoke message should go through the window's own send path"
    assert "test-key" not in log_text, "the API key must never reach the log"
    assert fake_gemini.stream_requests()[-1].last_user_text() == "smoke test"


@pytest.mark.e2e
@pytest.mark.timeout(900)
def test_frozen_bundle_as_a_deb_installs_launches_and_goes_away(
    frozen_executable: Path, gemini_command: GeminiCommand, fake_gemini: FakeGemini, cli_home: Path,
    workdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Installed with apt where this runs as root (CI), unpacked with dpkg -x elsewhere; then a headless smoke run.
    Packed uncompressed rather than with dpkg-deb's default xz: the same package, about a minute less CPU (and
    ~2 s less than gzip -1, packing and unpacking)."""
    monkeypatch.setenv("DPKG_DEB_COMPRESSOR_TYPE", "none")
    build = _load_build_module()
    env = smoke_env(cli_home, fake_gemini.base_url, tmp_path / "app-home")

    def smoke(executable: str) -> str:
        completed = subprocess.run([executable, "--smoke-test", "--gemini", gemini_command.args[0]], cwd=workdir,
                                   env=env, capture_output=True, text=True, timeout=180)
        assert completed.returncode == 0, f"stdout:\n{completed.stdout}\nstderr:\n{completed.stderr}"
        return "smoke test passed" if published_report(completed.stdout)["ok"] else "smoke test failed"

    package = build.make_deb(frozen_executable.parent, "0.0.0~test", tmp_path)
    if package is None:
        pytest.skip("dpkg-deb is not installed: no .deb to check")
    outcome = build.check_deb(package, install=build.may_install(), launch=smoke)
    assert "'smoke test passed'" in outcome
    if build.may_install():
        assert outcome.startswith("installed with apt") and not Path("/usr/bin/gemini-desktop").exists()
