"""The bundled Lucide icons (ISC licence, resources/icons/lucide/LICENSE) as QIcons tinted for the palette.

Lucide draws with `currentColor`, which Qt's SVG renderer reads as black; each icon is rendered with the
colour substituted, at 1x and 2x of each size, so it stays crisp on a HiDPI screen.
"""

from __future__ import annotations

import functools
import logging

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

from gemini_desktop.paths import resources_dir

log = logging.getLogger(__name__)

# Device-pixel sizes: 16-32 px at 1x and at 2x (QIcon picks the one matching size x devicePixelRatio).
PIXEL_SIZES = (16, 18, 20, 24, 32, 36, 40, 48, 64)


@functools.cache
def svg_source(name: str) -> bytes:
    """The SVG text of icon `name` (empty when it is not bundled: the caller gets an empty icon, and a log line)."""
    path = resources_dir() / "icons" / "lucide" / f"{name}.svg"
    try:
        return path.read_bytes()
    except OSError:
        log.warning("icon %s is not bundled (%s)", name, path)
        return b""


def default_colour() -> str:
    app = QGuiApplication.instance()
    if isinstance(app, QGuiApplication):
        return app.palette().color(QPalette.ColorRole.ButtonText).name()
    return "#1f2328"


@functools.cache
def _tinted(name: str, colour: str) -> QIcon:
    source = svg_source(name)
    if not source:
        return QIcon()
    renderer = QSvgRenderer(QByteArray(source.replace(b"currentColor", colour.encode())))
    result = QIcon()
    for size in PIXEL_SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        result.addPixmap(pixmap)
    return result


def icon(name: str, colour: str | QColor | None = None) -> QIcon:
    """Icon `name` (a file stem under resources/icons/lucide) in `colour` (the palette's button text by default)."""
    if isinstance(colour, QColor):
        colour = colour.name()
    return _tinted(name, colour or default_colour())

