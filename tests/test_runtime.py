"""Canaries for the Qt binding itself: a broken wheel must fail here, not as a crash in a user's session."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject


def test_void_qt_calls_keep_the_reference_count_of_none() -> None:
    """PySide6 6.12.0 lost one reference to None per void call, and Python aborted after a few thousand."""
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(500):
        probe.setObjectName("probe")
    assert abs(sys.getrefcount(None) - before) < 50
