"""Release artefacts without building the bundle: desktop metadata, icons, the spec's choices, the installer."""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import shutil
import stat
import struct
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from gemini_desktop import APP_ID, __version__

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
RESOURCES = ROOT / "resources"
DESKTOP_FILE = RESOURCES / "linux" / f"{APP_ID}.desktop"
METAINFO_FILE = RESOURCES / "linux" / f"{APP_ID}.metainfo.xml"
ICONS = RESOURCES / "icons"

sys.path.insert(0, str(PACKAGING))
import bundle_config  # noqa: E402
import deb  # noqa: E402
import make_icons  # noqa: E402


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (read here independently of make_icons)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def read_ico(data: bytes) -> list[tuple[int, int, bytes]]:
    reserved, kind, count = struct.unpack_from("<HHH", data, 0)
    assert (reserved, kind) == (0, 1), "not an ICO header"
    images = []
    for index in range(count):
        width, height, _colors, _reserved, planes, bits, size, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * index)
        assert (planes, bits) == (1, 32)
        images.append((width or 256, height or 256, data[offset:offset + size]))
    return images


def read_icns(data: bytes) -> dict[str, bytes]:
    assert data[:4] == b"icns"
    (total,) = struct.unpack_from(">I", data, 4)
    assert total == len(data), "the ICNS length field must cover the whole file"
    entries, position = {}, 8
    while position < total:
        code = data[position:position + 4].decode("ascii")
        (length,) = struct.unpack_from(">I", data, position + 4)
        assert length > 8 and position + length <= total
        entries[code] = data[position + 8:position + length]
        position += length
    return entries


def run_validator(command: list[str]) -> subprocess.CompletedProcess[str]:
    if shutil.which(command[0]) is None:
        pytest.skip(f"{command[0]} is not installed (apt-get install desktop-file-utils appstream): "
                    "validation not run")
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


# ---- Linux desktop integration


def test_desktop_file_validates() -> None:
    result = run_validator(["desktop-file-validate", str(DESKTOP_FILE)])
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_metainfo_validates() -> None:
    result = run_validator(["appstreamcli", "validate", "--no-net", str(METAINFO_FILE)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_desktop_metadata_agrees_with_the_app() -> None:
    desktop = DESKTOP_FILE.read_text(encoding="utf-8")
    metainfo = METAINFO_FILE.read_text(encoding="utf-8")
    assert f"Icon={APP_ID}\n" in desktop
    assert f"<id>{APP_ID}</id>" in metainfo
    assert f'<launchable type="desktop-id">{DESKTOP_FILE.name}</launchable>' in metainfo
    assert f'<release version="{__version__}"' in metainfo, "add a <release> entry for the current version"
    assert bundle_config.APP_ID == APP_ID


# ---- icons


def test_png_icons_have_their_nominal_sizes() -> None:
    for size in make_icons.PNG_SIZES:
        assert png_size(make_icons.png_path(size).read_bytes()) == (size, size)


def test_ico_holds_every_windows_size_as_png() -> None:
    images = read_ico((ICONS / "gemini-desktop.ico").read_bytes())
    assert sorted(width for width, _, _ in images) == sorted(make_icons.ICO_SIZES)
    for width, height, png in images:
        assert png_size(png) == (width, height)


def test_icns_holds_the_macos_sizes_as_png() -> None:
    entries = read_icns((ICONS / "gemini-desktop.icns").read_bytes())
    assert set(entries) == set(make_icons.ICNS_TYPES)
    for code, png in entries.items():
        side = make_icons.ICNS_TYPES[code]
        assert png_size(png) == (side, side), code
    assert {"ic07", "ic08", "ic09", "ic10"} <= set(entries)


def test_svg_icon_renders(qapp: Any) -> None:
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(ICONS / "gemini-desktop.svg"))
    assert renderer.isValid()
    png = make_icons.render_png(renderer, 48)
    assert png_size(png) == (48, 48)


# ---- the PyInstaller spec


def pyside_modules_imported_by_the_app() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "gemini_desktop").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names if alias.name.startswith("PySide6."))
            elif isinstance(node, ast.ImportFrom) and node.module:
                if node.module == "PySide6":
                    found.update(f"PySide6.{alias.name}" for alias in node.names)
                elif node.module.startswith("PySide6."):
                    found.add(".".join(node.module.split(".")[:2]))
    return found


def test_spec_excludes_nothing_the_app_imports() -> None:
    imported = pyside_modules_imported_by_the_app()
    assert "PySide6.QtWidgets" in imported, "the import scan found nothing: it is broken"
    assert not imported & set(bundle_config.EXCLUDES)
    top_level = {name.split(".")[0] for name in bundle_config.EXCLUDED_PYTHON_MODULES}
    sources = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "gemini_desktop").rglob("*.py"))
    for name in top_level:
        assert not re.search(rf"^\s*(import|from)\s+{name}\b", sources, re.MULTILINE), name


def test_spec_uses_the_checked_configuration() -> None:
    spec = (PACKAGING / "gemini-desktop.spec").read_text(encoding="utf-8")
    assert "excludes=bundle_config.EXCLUDES," in spec
    assert isinstance(bundle_config.EXCLUDES, tuple), "a list gains '__main__': every rebuild re-analyses"
    assert "keep_bundled_file" in spec
    assert "console=False" in spec
    assert "bundle_identifier=bundle_config.APP_ID" in spec
    assert (PACKAGING / "entry.py").read_text(encoding="utf-8").count("from gemini_desktop.app import main") == 1


@pytest.mark.parametrize(("destination", "kept"), [
    ("PySide6/Qt/translations/qtbase_zh_CN.qm", True),
    ("PySide6/Qt/translations/qtbase_de.qm", False),
    ("PySide6/Qt/translations/qtdeclarative_zh_TW.qm", False),
    ("resources/translations/gemini_desktop_zh_CN.qm", True),
    ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
    ("PySide6/Qt/plugins/platforms/libqwayland.so", True),
    ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
    ("PySide6/Qt/plugins/imageformats/libqsvg.so", True),
    ("PySide6/Qt/plugins/imageformats/libqpdf.so", False),
    ("PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so", False),
    ("PySide6/Qt/plugins/tls/libqopensslbackend.so", False),
    ("PySide6/Qt/plugins/generic/libqevdevmouseplugin.so", False),
    ("PySide6/Qt/plugins/networkinformation/libqnetworkmanager.so", False),
    ("PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so", True),
    ("PySide6/Qt/lib/libQt6Widgets.so.6", True),
    ("PySide6/Qt/lib/libQt6EglFSDeviceIntegration.so.6", False),
])
def test_bundle_filter(destination: str, kept: bool) -> None:
    assert bundle_config.keep_bundled_file(destination) is kept


def test_bundle_carries_our_resources() -> None:
    destinations = {Path(source).name: target for source, target in bundle_config.bundled_resources()}
    assert destinations["gemini_desktop_zh_CN.qm"] == str(Path("resources/translations"))
    assert destinations["gemini-desktop.svg"] == str(Path("resources/icons"))
    assert destinations[DESKTOP_FILE.name] == str(Path("resources/linux"))
    assert destinations["gemini-desktop-256.png"] == str(Path("resources/icons/png"))


def test_a_wheel_carries_the_resources_the_installed_app_looks_up(tmp_path: Path) -> None:
    """Installed from a wheel there is no checkout beside the package: icons, translations and desktop files
    must travel inside it, where `resources_dir()` then finds them."""
    source = tmp_path / "source"
    for folder in ("gemini_desktop", "resources"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for file in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / file, source / file)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                            "-w", str(tmp_path / "dist"), str(source)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    probe = ("import gemini_desktop, gemini_desktop.paths as p, gemini_desktop.i18n as i\n"
             "print(gemini_desktop.__file__); print(p.resources_dir()); print(p.app_icon_path())\n"
             "print(i.translations_dir())")
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=tmp_path,
                           env=dict(os.environ, PYTHONPATH=str(site)), check=True).stdout.split("\n")
    package, resources, icon, translations = (Path(line) for line in shown[:4])
    assert package.is_relative_to(site) and resources.is_relative_to(site)
    assert icon.is_file() and (Path(translations) / "gemini_desktop_zh_CN.qm").is_file()
    assert (resources / "linux" / DESKTOP_FILE.name).is_file()
    assert {path.name for path in (resources / "icons" / "png").iterdir()} == {
        path.name for path in (ICONS / "png").iterdir()}
    packages = {path.parent.relative_to(ROOT) for path in (ROOT / "gemini_desktop").rglob("__init__.py")}
    missing = [str(package) for package in packages if not (site / package / "__init__.py").is_file()]
    assert not missing, f"add them to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_windows_version_resource(tmp_path: Path) -> None:
    path = bundle_config.windows_version_resource("1.2.3rc1", tmp_path / "version_info.txt")
    recorded: dict[str, list[tuple[Any, ...]]] = {}

    def recorder(name: str) -> Any:
        def construct(*args: Any, **kwargs: Any) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
            recorded.setdefault(name, []).append(args or tuple(kwargs.items()))
            return name, args, kwargs
        return construct

    names = ("VSVersionInfo", "FixedFileInfo", "StringFileInfo", "StringTable", "StringStruct", "VarFileInfo",
             "VarStruct")
    eval(path.read_text(encoding="utf-8"), {name: recorder(name) for name in names})  # our own generated file
    fixed = dict(recorded["FixedFileInfo"][0])
    assert fixed["filevers"] == fixed["prodvers"] == (1, 2, 3, 1)
    strings = dict(recorded["StringStruct"])
    assert strings["ProductVersion"] == "1.2.3rc1" and strings["OriginalFilename"] == "gemini-desktop.exe"


# ---- Linux install script and tarball


@pytest.fixture
def fake_release(tmp_path: Path) -> Path:
    """An unpacked release laid out like the real one, with a stand-in executable."""
    release = tmp_path / "release"
    bundle = release / "gemini-desktop"
    internal_resources = bundle / "_internal" / "resources"
    for source, target in bundle_config.bundled_resources():
        (internal_resources.parent / target).mkdir(parents=True, exist_ok=True)
        shutil.copy(source, internal_resources.parent / target)
    executable = bundle / "gemini-desktop"
    executable.write_text("#!/bin/sh\necho frozen-app \"$@\"\n")
    executable.chmod(executable.stat().st_mode | stat.S_IXUSR)
    shutil.copy(PACKAGING / "install-linux.sh", release / "install-linux.sh")
    return release


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux installer")
def test_install_script_installs_and_uninstalls(fake_release: Path, tmp_path: Path) -> None:
    prefix = tmp_path / "prefix"
    env = dict(os.environ, PREFIX=str(prefix))
    script = str(fake_release / "install-linux.sh")

    subprocess.run(["sh", script], check=True, env=env, capture_output=True, timeout=60)

    launcher = prefix / "bin" / "gemini-desktop"
    assert subprocess.run([str(launcher), "--version"], capture_output=True, text=True).stdout == \
        "frozen-app --version\n"
    desktop = prefix / "share" / "applications" / DESKTOP_FILE.name
    installed_binary = prefix / "opt" / "gemini-desktop" / "gemini-desktop"
    assert f'Exec="{installed_binary}"\n' in desktop.read_text(encoding="utf-8")
    assert f'Exec="{installed_binary}" --new-instance\n' in desktop.read_text(encoding="utf-8")
    assert (prefix / "share" / "metainfo" / METAINFO_FILE.name).exists()
    assert (prefix / "share" / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").exists()
    for size in (16, 48, 256, 512):
        assert (prefix / "share" / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png").exists()
    if shutil.which("desktop-file-validate"):
        checked = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout

    subprocess.run(["sh", script, "--uninstall"], check=True, env=env, capture_output=True, timeout=60)
    assert not launcher.exists() and not launcher.is_symlink()
    assert not (prefix / "opt" / "gemini-desktop").exists()
    assert not desktop.exists()
    assert not list((prefix / "share" / "icons").rglob(f"{APP_ID}.*"))


def test_linux_tarball_layout(fake_release: Path, tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("gemini_desktop_build", PACKAGING / "build.py")
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)

    tarball = build.make_linux_tarball(fake_release / "gemini-desktop", "9.9.9", dist=tmp_path)
    assert tarball.name.startswith("gemini-desktop-9.9.9-linux-") and tarball.name.endswith(".tar.gz")
    with tarfile.open(tarball) as archive:
        names = set(archive.getnames())
        installer = archive.getmember("gemini-desktop-9.9.9/install-linux.sh")
    assert "gemini-desktop-9.9.9/gemini-desktop/gemini-desktop" in names
    assert f"gemini-desktop-9.9.9/gemini-desktop/_internal/resources/linux/{DESKTOP_FILE.name}" in names
    assert installer.mode & stat.S_IXUSR


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="dpkg-deb builds the .deb")
def test_deb_holds_the_bundle_launcher_menu_entry_and_icons(fake_release: Path, tmp_path: Path) -> None:
    package = deb.make_deb(fake_release / "gemini-desktop", "9.9.9", tmp_path)
    assert package is not None and package.name.startswith("gemini-desktop_9.9.9_")
    contents = subprocess.run(["dpkg-deb", "--contents", str(package)], capture_output=True, text=True,
                              check=True).stdout
    assert f"./usr/share/applications/{APP_ID}.desktop" in contents
    assert f"./usr/share/icons/hicolor/scalable/apps/{APP_ID}.svg" in contents
    assert f"./usr/share/icons/hicolor/256x256/apps/{APP_ID}.png" in contents
    assert "root/root" in contents  # owned by root once installed, whoever built it
    field = subprocess.run(["dpkg-deb", "--field", str(package), "Version"], capture_output=True, text=True,
                           check=True).stdout
    assert field.strip() == "9.9.9"
    # Unpacked as dpkg would, the /usr/bin launcher runs the bundle in /opt with the arguments given.
    assert deb.check_deb(package, install=False) == "unpacked with dpkg -x, 'frozen-app --version'"
    root = tmp_path / "unpacked"
    subprocess.run(["dpkg", "-x", str(package), str(root)], check=True)
    launcher = (root / "usr" / "bin" / "gemini-desktop").read_text(encoding="utf-8")
    assert 'exec /opt/gemini-desktop/gemini-desktop "$@"' in launcher


def test_windows_and_macos_recipes_agree_with_the_build() -> None:
    """They cannot be run here, so at least their file names and paths must match what build.py makes."""
    iss = (PACKAGING / "windows" / "gemini-desktop.iss").read_text(encoding="utf-8")
    assert '#define AppExe "gemini-desktop.exe"' in iss
    assert "OutputBaseFilename=gemini-desktop-{#AppVersion}-windows-x64-setup" in iss
    for relative in re.findall(r"\{#Root\}\\([^\"\s]+)", iss):
        if not relative.startswith("dist"):
            assert (ROOT / relative.replace("\\", "/")).exists(), relative
    dmg_script = (PACKAGING / "macos" / "make-dmg.sh").read_text(encoding="utf-8")
    assert 'APP="$ROOT/dist/Gemini Desktop.app"' in dmg_script
    assert 'name="Gemini Desktop.app"' in (PACKAGING / "gemini-desktop.spec").read_text(encoding="utf-8")
    subprocess.run(["sh", "-n", str(PACKAGING / "macos" / "make-dmg.sh")], check=True)
    subprocess.run(["sh", "-n", str(PACKAGING / "install-linux.sh")], check=True)
