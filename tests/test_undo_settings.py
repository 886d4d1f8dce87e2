"""Settings › Undo snapshots: on by default with 30 days and 500 MB; the dialog saves all three, and a conversation
opened afterwards snapshots (or not) with those limits."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from gemini_desktop.conversation.controller import ConversationController
from gemini_desktop.conversation.turn_snapshots import attach_snapshots
from gemini_desktop.settings import AppSettings
from gemini_desktop.store import HistoryStore
from gemini_desktop.ui.settings_dialog import SettingsDialog


def test_the_dialog_saves_the_snapshot_switch_and_limits_and_new_conversations_follow_them(
        tmp_path: Path, qtbot: QtBot, controller: ConversationController, store: HistoryStore) -> None:
    settings = AppSettings(tmp_path / "s.ini")
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    undo = dialog.undo_settings
    assert undo.enabled_box.isChecked() and undo.age_box.value() == 30 and undo.disk_box.value() == 500
    undo.age_box.setValue(7)
    undo.disk_box.setValue(120)
    dialog.accept()
    reread = AppSettings(tmp_path / "s.ini")
    assert reread.snapshots_enabled and reread.snapshot_max_age_days == 7 and reread.snapshot_max_disk_mb == 120
    snapshotter = attach_snapshots(controller, store, reread)
    assert snapshotter is not None
    assert snapshotter.snapshots.limits.max_age_days == 7 and snapshotter.snapshots.limits.max_disk_mb == 120

    again = SettingsDialog(reread)
    qtbot.addWidget(again)
    again.undo_settings.enabled_box.setChecked(False)
    assert not again.undo_settings.age_box.isEnabled()
    again.accept()
    off = AppSettings(tmp_path / "s.ini")
    assert not off.snapshots_enabled and attach_snapshots(controller, store, off) is None
