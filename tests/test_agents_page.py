"""Settings › Agents offscreen: Antigravity installed from a download site on 127.0.0.1 with a progress bar (and
cancelled), then shown with its path and version; the default agent, a chosen program and the custom agent are
saved, the custom agent's env values only in the keyring."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from gemini_desktop import i18n
from gemini_desktop.engine.agents.profiles import PROFILES
from gemini_desktop.settings import AppSettings, CustomAgent
from gemini_desktop.ui.agents_page import AgentsPage
from gemini_desktop.ui.settings_dialog import SettingsDialog
from tests.support.archive_server import agent_zip, archive_server
from tests.support.keyrings import MemoryKeyring

AGENT = Path(__file__).parent / "support" / "scripted_agent.py"


@pytest.fixture(autouse=True)
def no_agents_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))


def page_for(qtbot: QtBot, settings: AppSettings, root: Path, **sources: str) -> AgentsPage:
    page = AgentsPage(settings, root=root, sources=sources)
    qtbot.addWidget(page)
    return page


def test_install_with_progress_then_the_row_shows_path_and_version(tmp_path: Path, qtbot: QtBot) -> None:
    settings = AppSettings(tmp_path / "s.ini")
    with archive_server() as site:
        url = site.serve("/agy.zip", agent_zip(extra={"blob": os.urandom(400_000)}))
        page = page_for(qtbot, settings, tmp_path / "agents", antigravity=url)
        status, bar = page.statuses["antigravity"], page.bars["antigravity"]
        button = page.install_buttons["antigravity"]
        qtbot.waitUntil(lambda: status.text().startswith("Not installed. Install downloads it"), timeout=10_000)
        values: list[tuple[int, int]] = []
        page.reports.progress.connect(lambda name, done, total: values.append((bar.value(), bar.maximum())))
        button.click()
        assert button.text() == "Cancel" and not bar.isHidden()
        qtbot.waitUntil(lambda: "0.0.1" in status.text(), timeout=20_000)
    assert status.text() == f"{tmp_path / 'agents' / 'antigravity' / 'agy_acp_server'} — 0.0.1"
    assert values and values[-1][0] == values[-1][1] > 0
    assert bar.isHidden() and button.text() == "Reinstall"


def test_a_failed_install_says_why_in_the_page_and_the_log(tmp_path: Path, qtbot: QtBot,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    with archive_server() as site, caplog.at_level(logging.WARNING):
        page = page_for(qtbot, AppSettings(tmp_path / "s.ini"), tmp_path / "agents",
                        antigravity=site.url("/missing.zip"))
        page.install_buttons["antigravity"].click()
        qtbot.waitUntil(lambda: "404" in page.statuses["antigravity"].text(), timeout=10_000)
    assert page.statuses["antigravity"].text() == "The download failed: the server answered 404 Not Found."
    assert list((tmp_path / "agents").iterdir()) == []
    assert any("404" in record.getMessage() and record.name.endswith("agents_page") for record in caplog.records)


def test_cancel_stops_the_install_and_leaves_nothing(tmp_path: Path, qtbot: QtBot) -> None:
    with archive_server() as site:
        url = site.serve("/agy.zip", agent_zip(extra={"blob": os.urandom(8_000_000)}))
        page = page_for(qtbot, AppSettings(tmp_path / "s.ini"), tmp_path / "agents", antigravity=url)
        button = page.install_buttons["antigravity"]
        button.click()
        button.click()  # now "Cancel"
        qtbot.waitUntil(lambda: page.statuses["antigravity"].text() == "The install was cancelled.", timeout=20_000)
    assert button.text() == "Install" and page.bars["antigravity"].isHidden()
    assert list((tmp_path / "agents").iterdir()) == []


def test_every_agent_is_listed_with_how_to_get_it(tmp_path: Path, qtbot: QtBot) -> None:
    page = page_for(qtbot, AppSettings(tmp_path / "s.ini"), tmp_path / "agents")
    qtbot.waitUntil(lambda: "Looking…" not in {label.text() for label in page.statuses.values()}, timeout=20_000)
    says = {name: label.text() for name, label in page.statuses.items()}
    assert says["qwen-code"].startswith("Not installed. Install puts @qwen-code/qwen-code into this app's own "
                                        "folder with npm (or run `npm install -g @qwen-code/qwen-code`)")
    assert "node and npm not found" in says["codex"]
    assert says["copilot"] == ("Not installed. Install `copilot` as its maker says so that it is on PATH, or "
                               "choose its program.")
    assert says["custom"] == "Custom ACP agent has no command yet: type the program that speaks ACP."
    assert set(page.install_buttons) == {"antigravity", "qwen-code", "claude-code", "codex"}
    assert all(page.sign_in_notes(profile) == profile.auth_notes for profile in PROFILES.values())
    assert page.default_box.count() == len(says) == 8


def test_the_default_agent_and_a_chosen_program_are_saved(tmp_path: Path, qtbot: QtBot) -> None:
    settings = AppSettings(tmp_path / "s.ini")
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    page = dialog.agents_page
    box = page.default_box
    assert box.currentData() == "gemini"
    box.setCurrentIndex(box.findData("qwen-code"))
    field = page.program_fields["opencode"]
    field.setText(str(tmp_path / "bin" / "opencode"))
    field.editingFinished.emit()
    qtbot.waitUntil(lambda: page.statuses["opencode"].text().startswith(
        f"Not found at {tmp_path / 'bin' / 'opencode'}."), timeout=10_000)
    dialog.accept()
    saved = AppSettings(tmp_path / "s.ini")
    assert saved.default_agent == "qwen-code" and saved.agent_program("opencode") == str(tmp_path / "bin" / "opencode")


def test_the_custom_agent_keeps_its_env_values_in_the_keyring_only(
        tmp_path: Path, qtbot: QtBot, memory_keyring: MemoryKeyring) -> None:
    settings = AppSettings(tmp_path / "s.ini")
    assert settings.save_custom_agent(CustomAgent(sys.executable, (str(AGENT), "exit"), (("TOKEN", "old-secret"),)))
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    page = dialog.agents_page
    qtbot.waitUntil(lambda: page.env_field.isEnabled(), timeout=10_000)
    assert page.env_field.toPlainText() == "TOKEN=old-secret"
    qtbot.waitUntil(lambda: "does not run" in page.statuses["custom"].text(), timeout=10_000)
    assert page.statuses["custom"].text() == (
        f"Found {sys.executable}, but it does not run: Custom ACP agent does not run: it did not answer ACP "
        "initialize. It said: scripted agent: refusing to start")
    page.args_field.setText(f'"{AGENT}" normal')
    page.env_field.setPlainText("TOKEN=new-secret\nREGION=eu")
    dialog.accept()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted and page.custom_saved_in_keyring
    ini = (tmp_path / "s.ini").read_text()
    assert "secret" not in ini and "REGION" in ini and "eu" not in ini.replace("REGION", "")
    assert sorted(memory_keyring.secrets.values()) == ["eu", "new-secret"]
    assert AppSettings(tmp_path / "s.ini").custom_agent() == CustomAgent(
        sys.executable, (str(AGENT), "normal"), (("TOKEN", "new-secret"), ("REGION", "eu")))


def test_unreadable_custom_agent_input_keeps_the_dialog_open_and_says_why(
        tmp_path: Path, qtbot: QtBot, memory_keyring: MemoryKeyring) -> None:
    dialog = SettingsDialog(AppSettings(tmp_path / "s.ini"))
    qtbot.addWidget(dialog)
    page = dialog.agents_page
    qtbot.waitUntil(lambda: page.env_field.isEnabled(), timeout=10_000)
    page.env_field.setPlainText("GOOD=1\nnot a pair")
    dialog.show()
    dialog.accept()
    assert dialog.isVisible() and dialog.tabs.currentWidget() is page
    assert page.message.text() == "Environment line 2 of the custom agent is not NAME=value."
    page.env_field.setPlainText("")
    page.args_field.setText('--name "unclosed')
    dialog.accept()
    assert page.message.text() == "The arguments of the custom agent cannot be read: No closing quotation."
    assert memory_keyring.secrets == {}


def test_the_page_speaks_chinese_including_how_each_agent_signs_in(tmp_path: Path, qtbot: QtBot, qapp: Any) -> None:
    assert i18n.install_translators(qapp, "zh_CN") == "zh_CN"
    try:
        page = page_for(qtbot, AppSettings(tmp_path / "s.ini"), tmp_path / "agents")
        texts = {label.text() for label in page.findChildren(QLabel)}
        assert "登录方式：环境变量中的 ANTHROPIC_API_KEY，或 Claude 登录。" in texts
        qtbot.waitUntil(lambda: page.statuses["copilot"].text().startswith("未安装。"), timeout=10_000)
    finally:
        i18n.install_translators(qapp, "en")


def test_an_agent_found_elsewhere_has_no_install_button(tmp_path: Path, qtbot: QtBot) -> None:
    """Qwen Code's program chosen by the user (a scripted ACP agent): the app did not install it, so it offers
    neither Install nor Reinstall; the agents still missing keep their Install."""
    program = tmp_path / "my-qwen"
    program.write_text(f"#!/bin/sh\nexec '{sys.executable}' '{AGENT}' normal\n")
    program.chmod(0o755)
    settings = AppSettings(tmp_path / "s.ini")
    settings.set_agent_program("qwen-code", str(program))
    page = page_for(qtbot, settings, tmp_path / "agents")
    qtbot.waitUntil(lambda: "0.0.1" in page.statuses["qwen-code"].text(), timeout=20_000)
    assert page.install_buttons["qwen-code"].isHidden()
    assert not page.install_buttons["codex"].isHidden() and page.install_buttons["codex"].text() == "Install"
