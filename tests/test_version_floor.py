"""The gemini-cli version floor, tried on real releases from npm: the oldest accepted one works end to end, the
newest one below it is refused with a message that says what is installed, what is needed and how to update.

`scripts/dev.py test` installs the old releases into .cache (like the pinned one) and names them in
GEMINI_DESKTOP_TEST_OLD_GEMINIS; without it, whatever releases .cache holds are used.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from gemini_desktop.engine import EngineConfig, GeminiCommand
from gemini_desktop.engine.client import GeminiSessionClient
from gemini_desktop.engine.locate import MIN_GEMINI_VERSION, GeminiTooOld, find_gemini, parse_version, resolve
from gemini_desktop.settings import AppSettings, LaunchOptions
from gemini_desktop.store import HistoryStore
from gemini_desktop.ui.main_window import MainWindow
from tests.support.cli_env import GEMINI_PACKAGE, cli_environment
from tests.support.fake_gemini import FakeGemini
from tests.support.qt_async import until

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
FLOOR = ".".join(map(str, MIN_GEMINI_VERSION))
UPDATE_COMMAND = "npm install -g @google/gemini-cli@latest"


def installed_releases() -> list[GeminiCommand]:
    named = os.environ.get("GEMINI_DESKTOP_TEST_OLD_GEMINIS")
    paths = ([Path(entry) for entry in named.split(os.pathsep) if entry] if named else
             sorted(prefix / GEMINI_PACKAGE for prefix in (ROOT / ".cache").glob("gemini-cli-*")))
    return [resolve(path) for path in paths if path.exists()]


def version_of(command: GeminiCommand) -> tuple[int, ...]:
    return parse_version(command.version) or ()


RELEASES = installed_releases()
BELOW_FLOOR = [release for release in RELEASES if version_of(release) < MIN_GEMINI_VERSION]
AT_FLOOR = [release for release in RELEASES if version_of(release) == MIN_GEMINI_VERSION]


def test_the_floor_is_tried_on_a_release_at_it_and_one_below_it() -> None:
    assert AT_FLOOR and BELOW_FLOOR, (
        f"gemini-cli {FLOOR} and an older release must be installed: run `python3 scripts/dev.py test`")


async def answers_a_prompt(config: EngineConfig) -> str:
    client = GeminiSessionClient(config)
    try:
        await client.start_session()
        return (await client.chat("Hello from the floor test")).text
    finally:
        await client.stop_session()


@pytest.mark.parametrize("release", [*AT_FLOOR, None], ids=[*(r.version for r in AT_FLOOR), "pinned"])
def test_gemini_at_the_version_floor_and_the_pinned_one_start_a_session_and_answer(
        release: GeminiCommand | None, engine_config: EngineConfig, cli_home: Path, fake_gemini: FakeGemini,
        run_async: Callable[..., Any]) -> None:
    """Signed in as the app does it: the key over ACP, or in the environment of a gemini too old for that."""
    config = dataclasses.replace(engine_config, gemini=release or engine_config.gemini, api_key="floor-key",
                                 env=cli_environment(cli_home, fake_gemini.base_url, api_key=None))
    assert run_async(answers_a_prompt(config), timeout=120) == "Echo: Hello from the floor test"
    assert fake_gemini.stream_requests()[-1].headers.get("x-goog-api-key") == "floor-key"


@pytest.mark.parametrize("release", BELOW_FLOOR, ids=[r.version for r in BELOW_FLOOR])
def test_gemini_below_the_floor_is_refused_naming_both_versions_and_the_update_command(
        release: GeminiCommand, engine_config: EngineConfig, tmp_path: Path, qtbot: QtBot,
        run_async: Callable[..., Any]) -> None:
    entry = release.args[0]
    with pytest.raises(GeminiTooOld) as refused:
        find_gemini(entry)
    for part in (release.version, FLOOR, UPDATE_COMMAND):
        assert part in str(refused.value)

    store = HistoryStore.open(tmp_path / "history.sqlite3")
    window = MainWindow(store, AppSettings(tmp_path / "settings.ini"), LaunchOptions(gemini=entry))
    qtbot.addWidget(window)
    window.show()
    try:
        window.start()
        run_async(until(window.missing_panel.isVisible, 20, "the too-old notice"), timeout=30)
        shown = window.missing_panel.explanation.text()
        for part in (release.version, FLOOR, UPDATE_COMMAND):
            assert part in shown
        assert window.client is None
    finally:
        window.close()
        run_async(until(lambda: window.is_shut_down, 20, "window shut down"), timeout=30)
        store.close()

