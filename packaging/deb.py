"""The Linux `.deb` next to the tarball: the bundle in /opt/gemini-desktop, a /usr/bin launcher, the menu entry,
AppStream metadata and icons, built with dpkg-deb (no other Debian tooling needed), and checked the way a user
gets it: `apt install ./….deb` when this runs as root (removed again after), otherwise unpacked with `dpkg -x`."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

APP_ID = "io.github.gemini_desktop.GeminiDesktop"
PACKAGE = "gemini-desktop"
RESOURCES = Path(__file__).resolve().parent.parent / "resources"
DEB_ARCHES = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "armhf"}
LAUNCHER = '#!/bin/sh\nexec /opt/gemini-desktop/gemini-desktop "$@"\n'


def deb_arch() -> str:
    return DEB_ARCHES.get(platform.machine(), platform.machine())


def control_text(version: str, installed_kb: int) -> str:
    return (f"Package: {PACKAGE}\nVersion: {version}\nArchitecture: {deb_arch()}\nSection: utils\n"
            f"Priority: optional\nInstalled-Size: {installed_kb}\nMaintainer: Gemini Desktop <noreply@localhost>\n"
            "Description: desktop chat window for Google's gemini CLI and other ACP agents\n"
            " Drives the gemini CLI (and other Agent Client Protocol agents) as long-lived child processes.\n")


def _stage(bundle: Path, version: str, root: Path) -> None:
    """The package's file tree under `root`, as dpkg-deb packs it."""
    shutil.copytree(bundle, root / "opt" / PACKAGE, symlinks=True)
    launcher = root / "usr" / "bin" / PACKAGE
    launcher.parent.mkdir(parents=True)
    launcher.write_text(LAUNCHER, encoding="utf-8")
    launcher.chmod(0o755)
    share = root / "usr" / "share"
    (share / "applications").mkdir(parents=True)
    shutil.copy(RESOURCES / "linux" / f"{APP_ID}.desktop", share / "applications" / f"{APP_ID}.desktop")
    metainfo = RESOURCES / "linux" / f"{APP_ID}.metainfo.xml"
    if metainfo.exists():
        (share / "metainfo").mkdir()
        shutil.copy(metainfo, share / "metainfo" / metainfo.name)
    icons = share / "icons" / "hicolor"
    (icons / "scalable" / "apps").mkdir(parents=True)
    shutil.copy(RESOURCES / "icons" / f"{PACKAGE}.svg", icons / "scalable" / "apps" / f"{APP_ID}.svg")
    for png in sorted((RESOURCES / "icons" / "png").glob(f"{PACKAGE}-*.png")):
        size = png.stem.rsplit("-", 1)[1]
        target = icons / f"{size}x{size}" / "apps"
        target.mkdir(parents=True)
        shutil.copy(png, target / f"{APP_ID}.png")
    installed_kb = sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink()) // 1024
    (root / "DEBIAN").mkdir()
    (root / "DEBIAN" / "control").write_text(control_text(version, installed_kb), encoding="utf-8")


def make_deb(bundle: Path, version: str, dist: Path) -> Path | None:
    """dist/gemini-desktop_<version>_<arch>.deb, or None (with a note) where dpkg-deb is missing."""
    if shutil.which("dpkg-deb") is None:
        print("  (no .deb: dpkg-deb is not installed)")
        return None
    deb = dist / f"{PACKAGE}_{version}_{deb_arch()}.deb"
    with tempfile.TemporaryDirectory(prefix="gemini-desktop-deb-") as scratch:
        root = Path(scratch) / "root"
        _stage(bundle, version, root)
        subprocess.run(["dpkg-deb", "--root-owner-group", "--build", str(root), str(deb)], check=True,
                       capture_output=True)
    return deb


def version_of(executable: str) -> str:
    """Launch the app headless with --version: it starts, loads Qt and prints its version."""
    completed = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=120,
                               env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    if completed.returncode != 0:
        raise RuntimeError(f"{executable} --version failed ({completed.returncode}): {completed.stderr[-2000:]}")
    return completed.stdout.strip()


def may_install() -> bool:
    """Whether this run may install packages system-wide (CI runs as root; a developer's machine mostly not)."""
    return os.name == "posix" and os.geteuid() == 0 and shutil.which("apt-get") is not None


def check_deb(deb: Path, *, install: bool, launch: Callable[[str], str] = version_of) -> str:
    """Install, `launch` and remove the package as a user would (`install`), else inspect, unpack and `launch`
    it; `launch` gets the installed executable's path and says how the run went."""
    info = subprocess.run(["dpkg-deb", "--info", str(deb)], capture_output=True, text=True, check=True).stdout
    contents = subprocess.run(["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True,
                              check=True).stdout
    for needed in (f"./usr/bin/{PACKAGE}", f"./opt/{PACKAGE}/{PACKAGE}", f"./usr/share/applications/{APP_ID}"):
        if needed not in contents:
            raise RuntimeError(f"{deb.name} lacks {needed}")
    if f"Package: {PACKAGE}" not in info:
        raise RuntimeError(f"{deb.name} has no {PACKAGE} control record")
    if install:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "install", "-y", "-qq", str(deb.resolve())], check=True, env=env,
                       capture_output=True)
        try:
            return f"installed with apt, {launch(f'/usr/bin/{PACKAGE}')!r}, removed"
        finally:
            subprocess.run(["apt-get", "remove", "-y", "-qq", PACKAGE], check=True, env=env, capture_output=True)
            if Path(f"/opt/{PACKAGE}").exists():
                raise RuntimeError(f"removing {PACKAGE} left /opt/{PACKAGE} behind")
    with tempfile.TemporaryDirectory(prefix="gemini-desktop-deb-x-") as scratch:
        subprocess.run(["dpkg", "-x", str(deb), scratch], check=True)
        return f"unpacked with dpkg -x, {launch(str(Path(scratch) / 'opt' / PACKAGE / PACKAGE))!r}"
