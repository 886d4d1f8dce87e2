"""The command line: --help and --version answer without starting Qt's GUI; options reach LaunchOptions."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gemini_desktop import __version__, app
from gemini_desktop.engine import GeminiCommand
from gemini_desktop.settings import LaunchOptions
from tests.support.cli_env import cli_environment
from tests.support.fake_gemini import DEFAULT_MODEL, FakeGemini


def test_help_lists_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert app.main(["--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--gemini", "--cwd", "--model", "--version", "--new-instance", "--smoke-test"):
        assert option in out


def test_version_prints_app_and_gemini_versions(gemini_command: GeminiCommand,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    entry = gemini_command.args[0]
    assert app.main(["--version", "--gemini", entry]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"Gemini Desktop {__version__}"
    assert out[1] == "gemini-cli 0.61.0"


def test_version_without_gemini_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert app.main(["--version", "--gemini", str(tmp_path / "no-such-gemini")]) == 0
    assert "gemini-cli: not found" in capsys.readouterr().out


def test_usage_error_returns_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert app.main(["--no-such-option"]) == 2
    assert "unrecognized arguments" in capsys.readouterr().err


def test_cwd_must_be_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert app.main(["--cwd", str(tmp_path / "missing")]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_options_become_launch_options(tmp_path: Path) -> None:
    args = app.build_parser().parse_args(
        ["--gemini", "/opt/gemini", "--cwd", str(tmp_path), "--model", "m1", "--new-instance", "--smoke-test",
         "--resume", "12"])
    options = app.launch_options(args)
    assert options.gemini == "/opt/gemini"
    assert options.cwd == tmp_path.resolve()
    assert options.model == "m1"
    assert options.new_instance and options.smoke_test
    assert options.resume == 12


@pytest.mark.parametrize(("arguments", "resume", "expected"), [
    (["--cwd", "/w", "--resume", "3", "--new-instance"], 7, ["--cwd", "/w", "--new-instance", "--resume", "7"]),
    (["--resume=3", "--model", "m"], None, ["--model", "m"]),
    ([], 5, ["--resume", "5"]),
])
def test_a_restart_keeps_the_options_and_continues_the_conversation(
        arguments: list[str], resume: int | None, expected: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert app.relaunch_command(arguments, resume) == [sys.executable, "-m", "gemini_desktop", *expected]
    command = app.relaunch_command(arguments, resume)
    assert app.build_parser().parse_args(command[3:]).resume == resume
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert app.relaunch_command(arguments, resume) == [sys.executable, *expected]  # the bundle is its own program


RESTART_PROBE = """
import sys
from PySide6.QtCore import QProcess, QTimer
from gemini_desktop import app
from gemini_desktop.ui.main_window import MainWindow

def record(program, arguments):
    print("RELAUNCH", [program, *arguments], flush=True)
    return True, 0

def start(window):
    window.restart_requested = True  # what "Restart now" after a language change sets
    QTimer.singleShot(300, window.close)

QProcess.startDetached = staticmethod(record)
MainWindow.start = start
sys.exit(app.main(sys.argv[1:]))
"""


def test_the_app_starts_itself_again_after_its_window_asked_for_a_restart(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_STATE_HOME=str(tmp_path / "state"))
    arguments = ["--gemini", str(tmp_path / "no-gemini"), "--model", "m1"]
    done = subprocess.run([sys.executable, "-c", RESTART_PROBE, *arguments], capture_output=True, text=True,
                          timeout=60, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    relaunches = [line for line in done.stdout.splitlines() if line.startswith("RELAUNCH")]
    assert relaunches == [f"RELAUNCH {[sys.executable, '-m', 'gemini_desktop', *arguments]!r}"], done.stdout


def test_python_dash_m_runs_main() -> None:
    done = subprocess.run([sys.executable, "-m", "gemini_desktop", "--help"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0
    assert "--smoke-test" in done.stdout


def app_environment(tmp_path: Path, cli_home: Path, fake_gemini: FakeGemini) -> dict[str, str]:
    """The app as a user would run it: its own profile dirs, gemini's home and the fake API in the environment."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONUNBUFFERED="1")
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        env[var] = str(tmp_path / var.lower())
    env.update(cli_environment(cli_home, fake_gemini.base_url))
    return env


def app_command(gemini_command: GeminiCommand, workdir: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "gemini_desktop", "--gemini", gemini_command.args[0], "--cwd", str(workdir),
            "--model", DEFAULT_MODEL, *extra]


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(child) for child in task.read_text().split()]
    return found


@pytest.mark.e2e
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and sends POSIX signals")
@pytest.mark.parametrize(("signal_number", "settle"), [(signal.SIGTERM, 1.0), (signal.SIGINT, 1.0),
                                                       (signal.SIGTERM, 0.0)])
def test_signal_shuts_the_app_down_without_leaving_gemini(
        signal_number: int, settle: float, tmp_path: Path, cli_home: Path, fake_gemini: FakeGemini,
        gemini_command: GeminiCommand, workdir: Path) -> None:
    app_process = subprocess.Popen(app_command(gemini_command, workdir, "--new-instance"),
                                   env=app_environment(tmp_path, cli_home, fake_gemini),
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        gemini_pids: list[int] = []
        while not gemini_pids and time.monotonic() < deadline and app_process.poll() is None:
            time.sleep(0.1)
            gemini_pids = children(app_process.pid)
        assert gemini_pids, "the app never started gemini"
        time.sleep(settle)  # 0: the signal arrives while gemini is still starting
        app_process.send_signal(signal_number)
        output, _ = app_process.communicate(timeout=15)
    finally:
        if app_process.poll() is None:
            app_process.kill()
            app_process.communicate()
    assert app_process.returncode == 0, output
    for pid in gemini_pids:
        assert not Path(f"/proc/{pid}").exists(), f"gemini child {pid} outlived the app"


@pytest.mark.e2e
def test_smoke_test_mode_drives_one_exchange_through_the_window(
        tmp_path: Path, cli_home: Path, fake_gemini: FakeGemini, gemini_command: GeminiCommand,
        workdir: Path) -> None:
    report_file = tmp_path / "smoke-report.json"
    done = subprocess.run(app_command(gemini_command, workdir, "--smoke-test", "--smoke-report", str(report_file)),
                          env=app_environment(tmp_path, cli_home, fake_gemini),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    [line] = [line for line in done.stdout.splitlines() if line.startswith("SMOKE-TEST")]
    assert line.startswith("SMOKE-TEST PASSED")
    report = json.loads(line.split(" ", 2)[2])
    assert report["answer"] == "Echo: smoke test"
    assert json.loads(report_file.read_text())["answer"] == "Echo: smoke test"
    # The window is up before the engine's heavy SDK is even imported: start-up never waits for gemini.
    [shown] = re.findall(r"main window shown ([0-9.]+) s after launch \(ACP SDK already imported: (\w+)\)",
                         done.stderr)
    assert shown[1] == "False", done.stderr
    assert float(shown[0]) < 5.0


def test_a_folder_argument_is_resolved_by_the_launch_and_handed_over_as_an_absolute_cwd(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "project").mkdir()
    monkeypatch.chdir(tmp_path)
    for arguments in (["project"], ["--cwd", "project"]):
        options = app.launch_options(app.build_parser().parse_args(arguments))
        assert options.cwd == tmp_path / "project"
        assert app.hand_over_arguments(options) == ["--cwd", str(tmp_path / "project")]
    assert app.hand_over_arguments(app.launch_options(app.build_parser().parse_args([]))) == []
    assert app.main(["missing-folder"]) == 2


def test_without_a_folder_a_terminal_launch_works_in_the_current_folder_and_a_desktop_one_does_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert app.in_terminal_folder(LaunchOptions(), from_terminal=True).cwd == tmp_path
    assert app.in_terminal_folder(LaunchOptions(), from_terminal=False).cwd is None
    named = LaunchOptions(cwd=tmp_path / "named")
    assert app.in_terminal_folder(named, from_terminal=True) is named
