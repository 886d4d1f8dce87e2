"""The log file: where it goes, that secrets never reach it, Qt's messages and crashes included."""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable, Iterator
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import qInstallMessageHandler, qWarning
from pytestqt.qtbot import QtBot

from gemini_desktop import logs
from gemini_desktop.engine.process import AgentProcess
from gemini_desktop.paths import log_dir

GOOGLE_KEY = "AIzaSyD-1234567890abcdefghijklmnopqrstu"


@pytest.fixture
def log_file() -> Iterator[Path]:
    previous_hook = sys.excepthook
    root = logging.getLogger()
    previous_level = root.level
    path = logs.setup_logging(logging.DEBUG)
    yield path
    for handler in [h for h in root.handlers if isinstance(h, logs._OwnHandlerMixin)]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(previous_level)
    sys.excepthook = previous_hook
    qInstallMessageHandler(None)


def logged(path: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def test_log_file_lives_in_the_platform_log_dir(log_file: Path) -> None:
    assert log_file == log_dir() / "gemini-desktop.log"
    logging.getLogger("gemini_desktop.test").info("hello from the test")
    assert "INFO gemini_desktop.test" in logged(log_file)
    assert "hello from the test" in logged(log_file)


def test_file_rotates_and_repeat_setup_does_not_double_handlers(log_file: Path) -> None:
    logs.setup_logging()
    ours = [h for h in logging.getLogger().handlers if isinstance(h, logs._OwnHandlerMixin)]
    files = [h for h in ours if isinstance(h, RotatingFileHandler)]
    assert len(files) == 1 and len(ours) == 2  # the file, plus stderr (pytest provides one)
    assert files[0].maxBytes == 2 * 1024 * 1024 and files[0].backupCount == 5
    logging.getLogger("gemini_desktop.test").warning("once")
    assert logged(log_file).count("once") == 1


@pytest.mark.parametrize(("message", "args", "secret"), [
    ("request to https://x/models?key=%s failed", (GOOGLE_KEY,), GOOGLE_KEY),
    ("key %s", (GOOGLE_KEY,), GOOGLE_KEY),
    ("child env: %s", ({"GEMINI_API_KEY": "sk-live-42", "HOME": "/h"},), "sk-live-42"),
    ("GEMINI_API_KEY=hunter2 gemini --acp", (), "hunter2"),
    ("GOOGLE_API_KEY: 'p@ss-word'", (), "p@ss-word"),
    ('authenticate {"methodId": "gemini-api-key", "_meta": {"api-key": "my-secret-value"}}', (),
     "my-secret-value"),
    ("header x-goog-api-key: abcdef123456", (), "abcdef123456"),
])
def test_api_keys_are_redacted(log_file: Path, message: str, args: tuple[object, ...], secret: str) -> None:
    logging.getLogger("gemini_desktop.test").info(message, *args)
    text = logged(log_file)
    assert secret not in text
    assert logs.REDACTED in text


def test_redaction_keeps_ordinary_text() -> None:
    text = "monkey: banana, keyboard=us, the key point, session key-value store"
    assert logs.redact(text) == text
    assert logs.redact("gemini-api-key") == "gemini-api-key"  # an auth method id, not a secret


def test_secrets_in_tracebacks_are_redacted(log_file: Path) -> None:
    try:
        raise RuntimeError(f"auth failed for {GOOGLE_KEY}")
    except RuntimeError:
        logging.getLogger("gemini_desktop.test").exception("while signing in")
    text = logged(log_file)
    assert "RuntimeError: auth failed for [REDACTED]" in text
    assert GOOGLE_KEY not in text


def test_qt_messages_go_to_the_log(log_file: Path) -> None:
    qWarning(f"QLocalSocket trouble with {GOOGLE_KEY}")
    text = logged(log_file)
    assert "WARNING qt" in text and "QLocalSocket trouble with [REDACTED]" in text


def test_uncaught_exceptions_are_logged_then_passed_on(log_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    passed_on: list[type[BaseException]] = []
    monkeypatch.setattr(sys, "excepthook", lambda kind, value, trace: passed_on.append(kind))
    logs.setup_logging()
    try:
        raise ValueError("boom in a slot")
    except ValueError:
        kind, value, trace = sys.exc_info()
    assert kind is not None and value is not None
    sys.excepthook(kind, value, trace)
    text = logged(log_file)
    assert "CRITICAL gemini_desktop [" in text and "]: Uncaught exception" in text
    assert "ValueError: boom in a slot" in text
    assert passed_on == [ValueError]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG variables decide the places on Linux")
def test_app_directories_follow_xdg_and_are_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from gemini_desktop import paths

    for variable in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(variable, str(tmp_path / variable.lower()))
    expected = {
        paths.data_dir: tmp_path / "xdg_data_home" / "gemini-desktop",
        paths.config_dir: tmp_path / "xdg_config_home" / "gemini-desktop",
        paths.cache_dir: tmp_path / "xdg_cache_home" / "gemini-desktop",
        paths.log_dir: tmp_path / "xdg_state_home" / "gemini-desktop" / "log",
    }
    for function, path in expected.items():
        assert not path.exists()
        assert function() == path and path.is_dir()
    assert (paths.resources_dir() / "translations").is_dir()
    assert paths.app_icon_path().is_file()


STDERR_FLOOD_MB = 500


def test_a_stderr_flood_from_gemini_cannot_push_the_apps_own_lines_out_of_the_log(
        log_file: Path, tmp_path: Path, qtbot: QtBot) -> None:
    app_log = logging.getLogger("gemini_desktop.test")
    app_log.warning("the app's own line before the flood")
    flood = ("import sys\nblock = (b'gemini: noise ' + b'x' * 1009 + b'\\n') * 1024\n"
             f"for _ in range({STDERR_FLOOD_MB}):\n    sys.stderr.buffer.write(block)\n")
    process = AgentProcess()
    with qtbot.waitSignal(process.finished, timeout=600_000):
        process.start(sys.executable, ["-c", flood], dict(os.environ), str(tmp_path))
    app_log.warning("the app's own line after the flood")
    logged(log_file)
    text = "".join(path.read_text(encoding="utf-8") for path in log_file.parent.glob(f"{log_file.name}*"))
    assert "the app's own line before the flood" in text
    assert "the app's own line after the flood" in text
    assert re.search(r"\d+ lines \(\d+ characters\) of gemini's stderr were left out of the log", text)
    assert text.count("gemini: noise") < STDERR_FLOOD_MB * 1024 / 10


def test_the_log_lines_about_a_child_name_the_agent_it_runs(
        tmp_path: Path, qtbot: QtBot, run_async: Callable[..., Any], caplog: pytest.LogCaptureFixture) -> None:
    """A child that ignores stdin closing and SIGTERM is killed; each step's line says which agent it was."""
    stubborn = ("import signal, sys, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                "print('not json', flush=True)\nsys.stdin.read()\ntime.sleep(60)\n")
    process = AgentProcess(agent="Qwen Code")
    with caplog.at_level(logging.INFO, logger="gemini_desktop"):
        process.start(sys.executable, ["-c", stubborn], dict(os.environ), str(tmp_path))
        qtbot.waitUntil(lambda: "not json" in caplog.text, timeout=10_000)
        run_async(process.stop(1.0))
    assert not process.running
    assert "ignored a non-JSON line from Qwen Code" in caplog.text
    assert "Qwen Code did not exit after stdin closed" in caplog.text
    assert "Qwen Code ignored terminate; killing" in caplog.text
    assert "Qwen Code child ended: Qwen Code crashed" in caplog.text
    assert "gemini" not in caplog.text.replace("gemini_desktop", "")
