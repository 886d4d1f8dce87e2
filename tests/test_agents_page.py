"""Settings › Agents offscreen: Antigravity installed from a download site on 127.0.0.1 with a progress bar, then
shown with its path and version; the default agent chosen there is saved."""

from __future__ import annotations

import os
from pathlib import Path

from pytestqt.qtbot import QtBot

from gemini_desktop.settings import AppSettings
from gemini_desktop.ui.agents_page import AgentsPage
from gemini_desktop.ui.settings_dialog import SettingsDialog
from tests.support.archive_server import agent_zip, archive_server


def test_install_with_progress_then_the_row_shows_path_and_version(tmp_path: Path, qtbot: QtBot) -> None:
    settings = AppSettings(tmp_path / "s.ini")
    with archive_server() as site:
        url = site.serve("/agy.zip", agent_zip(extra={"blob": os.urandom(400_000)}))
        page = AgentsPage(settings, root=tmp_path / "agents", download_url=url)
        qtbot.addWidget(page)
        status, bar = page.statuses["antigravity"], page.bars["antigravity"]
        button = page.install_buttons["antigravity"]
        qtbot.waitUntil(lambda: "not found" in status.text(), timeout=10_000)
        values: list[tuple[int, int]] = []
        page.reports.progress.connect(lambda name, done, total: values.append((bar.value(), bar.maximum())))
        button.click()
        assert button.text() == "Cancel" and not bar.isHidden()
        qtbot.waitUntil(lambda: "0.0.1" in status.text(), timeout=20_000)
    assert str(tmp_path / "agents" / "antigravity" / "agy_acp_server") in status.text()
    assert values and values[-1][0] == values[-1][1] > 0
    assert bar.isHidden() and button.text() == "Install"


def test_a_failed_install_says_why(tmp_path: Path, qtbot: QtBot) -> None:
    with archive_server() as site:
        page = AgentsPage(AppSettings(tmp_path / "s.ini"), root=tmp_path / "agents",
                          download_url=site.url("/missing.zip"))
        qtbot.addWidget(page)
        page.install_buttons["antigravity"].click()
        qtbot.waitUntil(lambda: "404" in page.statuses["antigravity"].text(), timeout=10_000)
    assert list((tmp_path / "agents").iterdir()) == []


def test_the_default_agent_is_saved(tmp_path: Path, qtbot: QtBot) -> None:
    settings = AppSettings(tmp_path / "s.ini")
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    box = dialog.agents_page.default_box
    assert box.currentData() == "gemini"
    box.setCurrentIndex(box.findData("qwen-code"))
    dialog.accept()
    assert AppSettings(tmp_path / "s.ini").default_agent == "qwen-code"
