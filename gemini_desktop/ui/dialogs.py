"""Waiting for a dialog without a nested event loop: `open()` it and await its end. Everything else (the
conversations streaming, a probe finishing) goes on while it is on screen, and a test can click in it."""

from __future__ import annotations

import asyncio

import shiboken6
from PySide6.QtWidgets import QDialog


async def finished(dialog: QDialog) -> int:
    """Open `dialog` (window-modal) and return its result code once it closes."""
    result: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    dialog.finished.connect(lambda code: result.done() or result.set_result(code))
    dialog.open()
    return await result


def discard(dialog: QDialog) -> None:
    """Delete a dialog that was awaited, unless its window took it along already (the app quit meanwhile)."""
    if shiboken6.isValid(dialog):
        dialog.deleteLater()
