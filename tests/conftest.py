"""Shared fixtures: offscreen Qt, an isolated home, the pinned gemini-cli, the fake Gemini server, asyncio on Qt."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# Before anything imports Qt or platformdirs: no display, and nothing of the real user's touched.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
# gemini ignores settings files below a world-writable folder such as /tmp as insecure, and the engine's
# settings overlay (session retention off) must really apply in the tests: temporary files live in the
# checkout's .cache, or in the user's own cache when the checkout itself sits below such a folder (a short
# name without "gemini" in it: socket paths must fit in 108 bytes, and log tests look for agent names).
# xdist workers inherit the folder the controller chose: by their import HOME is already the isolated one.
from gemini_desktop.paths import in_world_writable_folder

_PRIVATE_TMP = Path(__file__).resolve().parent.parent / ".cache" / "tmp"
if in_world_writable_folder(_PRIVATE_TMP):
    _PRIVATE_TMP = Path(os.environ.get("GEMINI_DESKTOP_TESTS_TMP") or Path.home() / ".cache" / "gd-tests")
os.environ["GEMINI_DESKTOP_TESTS_TMP"] = str(_PRIVATE_TMP)
_PRIVATE_TMP.mkdir(parents=True, exist_ok=True, mode=0o700)
os.environ["TMPDIR"] = str(_PRIVATE_TMP)
tempfile.tempdir = None
_ISOLATED = Path(tempfile.mkdtemp(prefix="gemini-desktop-tests-"))
for _var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "HOME"):
    os.environ[_var] = str(_ISOLATED / _var.lower())
    Path(os.environ[_var]).mkdir(parents=True, exist_ok=True)
os.environ.pop("GEMINI_API_KEY", None)
os.environ.pop("GOOGLE_API_KEY", None)
os.environ.pop("GEMINI_DESKTOP_GEMINI", None)

import pytest  # noqa: E402
from keyring.backend import KeyringBackend  # noqa: E402
from keyring.backends import fail  # noqa: E402

from gemini_desktop.conversation import ConversationController  # noqa: E402
from gemini_desktop.engine.client import GeminiSessionClient  # noqa: E402
from gemini_desktop.engine.locate import parse_version  # noqa: E402
from gemini_desktop.engine.types import EngineConfig, GeminiCommand  # noqa: E402
from gemini_desktop.store import HistoryStore  # noqa: E402
from tests.support.cli_env import cached_gemini_entry, cached_qwen_entry, cli_environment, make_cli_home  # noqa: E402
from tests.support.fake_gemini import DEFAULT_MODEL, FakeGemini  # noqa: E402
from tests.support.keyrings import MemoryKeyring, keyring_in_use  # noqa: E402
from tests.support.processes import processes_with_home_below  # noqa: E402
from tests.support.qt_async import drive, install_loop, uninstall_loop  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def pinned_gemini_entry() -> Path:
    """The gemini-cli entry script the README test command installed (or the one named by the environment)."""
    named = os.environ.get("GEMINI_DESKTOP_TEST_GEMINI")
    if named:
        return Path(named)
    installed = [entry for entry in map(cached_gemini_entry, (ROOT / ".cache").glob("gemini-cli-*")) if entry]
    if not installed:
        pytest.fail("gemini-cli is not installed: run the tests with `python3 scripts/dev.py test`")
    return max(installed, key=lambda entry: parse_version(entry[1]) or ())[0]  # old releases live there too


@pytest.fixture(autouse=True)
def _no_image_left_on_the_clipboard() -> Iterator[None]:
    """Offscreen Qt crashes at interpreter exit when the clipboard still holds image data (a segfault after
    every test passed): whatever a test pasted is cleared once it is done."""
    yield
    from PySide6.QtGui import QGuiApplication

    if isinstance(QGuiApplication.instance(), QGuiApplication):
        clipboard = QGuiApplication.clipboard()
        if clipboard.mimeData() is not None and clipboard.mimeData().hasImage():
            clipboard.clear()


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    yield from keyring_in_use(MemoryKeyring())


@pytest.fixture
def no_keyring() -> Iterator[KeyringBackend]:
    yield from keyring_in_use(fail.Keyring())


@pytest.fixture(scope="session")
def gemini_command() -> GeminiCommand:
    node = shutil.which("node")
    assert node, "Node.js is needed for the end-to-end tests"
    return GeminiCommand(program=node, args=(str(pinned_gemini_entry()),), version="0.61.0")


@pytest.fixture(scope="session")
def qwen_command() -> GeminiCommand:
    """The pinned Qwen Code that `python3 scripts/dev.py test` installed (or the one named by the environment)."""
    named = os.environ.get("GEMINI_DESKTOP_TEST_QWEN")
    cached = (ROOT / ".cache").glob("qwen-code-*")
    entries = [Path(named)] if named else [entry for entry in map(cached_qwen_entry, cached) if entry]
    if not entries:
        pytest.fail("Qwen Code is not installed: run the tests with `python3 scripts/dev.py test`")
    node = shutil.which("node")
    assert node, "Node.js is needed for the end-to-end tests"
    return GeminiCommand(program=node, args=(str(entries[0]),), acp_flag="")


@pytest.fixture
def fake_gemini() -> Iterator[FakeGemini]:
    with FakeGemini() as fake:
        yield fake


@pytest.fixture
def cli_home(tmp_path: Path) -> Path:
    return make_cli_home(tmp_path / "home")


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    path = tmp_path / "work"
    path.mkdir()
    return path


@pytest.fixture
def engine_config(gemini_command: GeminiCommand, fake_gemini: FakeGemini, cli_home: Path,
                  workdir: Path) -> EngineConfig:
    return EngineConfig(
        gemini=gemini_command,
        cwd=workdir,
        model=DEFAULT_MODEL,
        env=cli_environment(cli_home, fake_gemini.base_url),
        start_timeout=45.0,
        stall_timeout=60.0,
    )


@pytest.fixture(scope="session")
def event_loop_qt(qapp: Any) -> Iterator[asyncio.AbstractEventLoop]:
    yield install_loop(qapp)
    uninstall_loop()


@pytest.fixture
def run_async(event_loop_qt: asyncio.AbstractEventLoop) -> Callable[..., Any]:
    """Run a coroutine to completion on the Qt-driven asyncio loop, failing the test after `timeout` seconds."""
    return drive


# Tests that take far longer than the rest (measured): on several workers their files start first, so that one of
# them does not run alone at the end while the other workers idle.
LONG_TESTS = ("tests/test_frozen_smoke.py", "tests/test_api_half_open.py", "tests/test_api_process_cap.py")
AGENT_FIXTURES = {"gemini_command", "qwen_command"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """One process: the frozen-bundle smoke test (a PyInstaller build) runs last, after the quick feedback.
    Several workers (`--dist loadfile`, a file's tests on one worker, so the bundle is built once): longest first
    (the bundle, the measured long tests, then what starts an agent), so the quick tests fill the gaps at the end."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=lambda item: item.nodeid.startswith("tests/test_frozen_smoke.py"))
        return

    def rank(item: pytest.Item) -> int:
        if item.nodeid.startswith(LONG_TESTS):
            return LONG_TESTS.index(item.nodeid.split("::")[0])
        return len(LONG_TESTS) + (0 if not AGENT_FIXTURES.isdisjoint(item.fixturenames) else 1)

    items.sort(key=rank)


@pytest.fixture(scope="session", autouse=True)
def _no_child_outlives_the_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every process a test started (gemini, qwen, an MCP server, the app) runs with a HOME in this session's
    folders; any still alive at the end leaked: it is killed and the session fails, naming it."""
    yield
    if not Path("/proc").is_dir():
        return
    folders = [tmp_path_factory.getbasetemp(), _ISOLATED]

    def left() -> dict[int, str]:
        """multiprocessing's own helpers (its resource tracker) belong to this process and end with it: they are
        no leak, and waiting for them would wait out the whole deadline."""
        found = {pid: _command_line(pid) for pid in processes_with_home_below(folders)}
        return {pid: command for pid, command in found.items() if "multiprocessing." not in command}

    deadline = time.monotonic() + 10
    while (leaked := left()) and time.monotonic() < deadline:
        time.sleep(0.1)  # a child stopped by the last test's teardown may take a moment to exit
    for pid in leaked:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    assert not leaked, f"processes outlived the tests (killed now): {leaked}"


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_ISOLATED, ignore_errors=True)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    """A history database of the test's own."""
    opened = HistoryStore.open(tmp_path / "history.sqlite3")
    yield opened
    opened.close()


@pytest.fixture
def controller(engine_config: EngineConfig, store: HistoryStore,
               run_async: Callable[..., Any]) -> Iterator[ConversationController]:
    made = ConversationController(GeminiSessionClient(engine_config), store)
    yield made
    run_async(made.shutdown(), timeout=30)
