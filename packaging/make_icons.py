#!/usr/bin/env python3
"""Render resources/icons/gemini-desktop.svg into the PNG set, a Windows .ico and a macOS .icns.

Both container formats simply hold PNG images behind a small index, so they are written here with `struct`
instead of pulling in an imaging library:
  ICO:  ICONDIR (reserved 0, type 1, count) + one 16-byte ICONDIRENTRY per image + the PNG bytes.
  ICNS: b"icns" + big-endian total length, then per image a 4-byte type code + length (incl. 8) + PNG bytes.
Run it after editing the SVG and commit the generated files.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "resources" / "icons"
SVG = ICONS / "gemini-desktop.svg"
PNG_DIR = ICONS / "png"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_TYPES = {  # type code -> pixel size (the @2x codes are Retina variants of the smaller point size)
    "icp4": 16, "icp5": 32, "icp6": 64, "ic07": 128, "ic08": 256, "ic09": 512,
    "ic10": 1024, "ic11": 32, "ic12": 64, "ic13": 256, "ic14": 512,
}


def png_path(size: int) -> Path:
    return PNG_DIR / f"gemini-desktop-{size}.png"


def render_png(renderer: QSvgRenderer, size: int) -> bytes:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError(f"could not encode the {size}px PNG")
    return data.data()


def build_ico(images: dict[int, bytes]) -> bytes:
    sizes = sorted(images)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, payload = b"", b""
    for size in sizes:
        png = images[size]
        dimension = 0 if size >= 256 else size  # a 0 byte means 256 pixels
        entries += struct.pack("<BBBBHHII", dimension, dimension, 0, 0, 1, 32, len(png), offset)
        payload += png
        offset += len(png)
    return header + entries + payload


def build_icns(images: dict[int, bytes]) -> bytes:
    body = b"".join(
        code.encode("ascii") + struct.pack(">I", 8 + len(images[size])) + images[size]
        for code, size in ICNS_TYPES.items()
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # QPainter needs a GUI application
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        print(f"invalid SVG: {SVG}", file=sys.stderr)
        return 1
    PNG_DIR.mkdir(parents=True, exist_ok=True)
    images = {size: render_png(renderer, size) for size in PNG_SIZES}
    for size, png in images.items():
        png_path(size).write_bytes(png)
    (ICONS / "gemini-desktop.ico").write_bytes(build_ico({size: images[size] for size in ICO_SIZES}))
    (ICONS / "gemini-desktop.icns").write_bytes(build_icns(images))
    print(f"wrote {len(images)} PNGs, gemini-desktop.ico and .icns into {ICONS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
