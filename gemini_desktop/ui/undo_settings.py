"""Settings › undo snapshots: whether turns are snapshotted (the complete "Undo changes"), and how long and how much
of them is kept (older turns are pruned when a conversation opens). One row of the Settings dialog, kept here so
the dialog itself barely grows."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QSpinBox, QWidget

from gemini_desktop.settings import AppSettings


class UndoSettings(QWidget):
    """On/off, the age limit (days) and the disk limit (MB) of the undo snapshots."""

    def __init__(self, settings: AppSettings, spin_box: Callable[[str, int, int, int, str], QSpinBox],
                 parent: QWidget | None = None) -> None:
        """`spin_box(name, low, high, value, suffix)`: the dialog's own, so every number there looks alike."""
        super().__init__(parent)
        self.enabled_box = QCheckBox(self.tr("Snapshot the folder around each turn"), self)
        self.enabled_box.setObjectName("snapshotsEnabledBox")
        self.enabled_box.setToolTip(self.tr("Undo changes then covers whatever a turn changed, shell commands "
                                            "included; the snapshots stay in the app's data folder"))
        self.enabled_box.setChecked(settings.snapshots_enabled)
        self.age_box = spin_box("snapshotMaxAgeBox", 1, 3650, settings.snapshot_max_age_days, self.tr(" days"))
        self.age_box.setAccessibleName(self.tr("Keep undo snapshots for at most"))
        self.disk_box = spin_box("snapshotMaxDiskBox", 10, 100 * 1024, settings.snapshot_max_disk_mb,
                                       self.tr(" MB"))
        self.disk_box.setAccessibleName(self.tr("Disk for the undo snapshots of one folder at most"))
        self.disk_box.setSingleStep(100)
        self.enabled_box.toggled.connect(self.age_box.setEnabled)
        self.enabled_box.toggled.connect(self.disk_box.setEnabled)
        self.age_box.setEnabled(settings.snapshots_enabled)
        self.disk_box.setEnabled(settings.snapshots_enabled)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.enabled_box, self.age_box, self.disk_box):
            layout.addWidget(widget)

    def save(self, settings: AppSettings) -> None:
        settings.snapshots_enabled = self.enabled_box.isChecked()
        settings.snapshot_max_age_days = self.age_box.value()
        settings.snapshot_max_disk_mb = self.disk_box.value()
