"""What goes into the PyInstaller bundle, kept apart from the spec so tests can check it without building."""

from __future__ import annotations

import re
from pathlib import Path, PurePath

APP_ID = "io.github.gemini_desktop.GeminiDesktop"
BUNDLE_NAME = "gemini-desktop"
ROOT = Path(__file__).resolve().parent.parent

# Qt bindings the app never imports. PyInstaller only follows imports, but excluding them also keeps a stray
# import in a dependency from dragging in QML, WebEngine and friends (tens of megabytes each).
EXCLUDED_QT_MODULES = (
    "PySide6.Qt3DAnimation", "PySide6.Qt3DCore", "PySide6.Qt3DExtras", "PySide6.Qt3DInput",
    "PySide6.Qt3DLogic", "PySide6.Qt3DRender", "PySide6.QtBluetooth", "PySide6.QtCharts",
    "PySide6.QtConcurrent", "PySide6.QtDataVisualization", "PySide6.QtDesigner", "PySide6.QtGraphs",
    "PySide6.QtHelp", "PySide6.QtHttpServer", "PySide6.QtLocation", "PySide6.QtMultimedia",
    "PySide6.QtMultimediaWidgets", "PySide6.QtNetworkAuth", "PySide6.QtNfc", "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets", "PySide6.QtPdf", "PySide6.QtPdfWidgets", "PySide6.QtPositioning",
    "PySide6.QtPrintSupport", "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtQuick3D",
    "PySide6.QtQuickControls2", "PySide6.QtQuickTest", "PySide6.QtQuickWidgets", "PySide6.QtRemoteObjects",
    "PySide6.QtScxml", "PySide6.QtSensors", "PySide6.QtSerialBus", "PySide6.QtSerialPort",
    "PySide6.QtSpatialAudio", "PySide6.QtSql", "PySide6.QtStateMachine", "PySide6.QtTest",
    "PySide6.QtTextToSpeech", "PySide6.QtUiTools", "PySide6.QtWebChannel", "PySide6.QtWebEngineCore",
    "PySide6.QtWebEngineQuick", "PySide6.QtWebEngineWidgets", "PySide6.QtWebSockets", "PySide6.QtWebView",
    "PySide6.QtXml",
)
# Development and test tooling that some dependencies import optionally; and rich (~95 modules): only httpx2's
# command line, the MCP SDK's server logging and pydantic's schema printer use it, each as an optional import.
EXCLUDED_PYTHON_MODULES = ("tkinter", "pytest", "_pytest", "pytestqt", "setuptools", "pip", "pydoc_data",
                           "unittest.mock", "IPython", "numpy", "rich")
EXCLUDES = EXCLUDED_QT_MODULES + EXCLUDED_PYTHON_MODULES

# Needed at run time but reached only through Qt plugins, not Python imports (SVG window icon).
HIDDEN_IMPORTS = ("PySide6.QtSvg",)

# Our interface languages; Qt's catalogues for anything else are dropped from the bundle.
SHIPPED_LANGUAGES = ("zh_CN",)

# Qt plugins that are useless for a desktop chat window and would pull in big libraries (QtPdf, QtQuick for
# the virtual keyboard) or embedded-only back ends.
_UNWANTED_PLUGINS = (
    "imageformats/libqpdf", "imageformats/qpdf",
    "platforminputcontexts/libqtvirtualkeyboardplugin", "platforminputcontexts/qtvirtualkeyboardplugin",
    "platforms/libqeglfs", "platforms/libqlinuxfb", "platforms/libqminimalegl", "platforms/libqvkkhrdisplay",
    "platforms/libqvnc", "platforms/qdirect2d", "egldeviceintegrations/", "qmltooling/", "designer/",
    "sqldrivers/", "printsupport/", "wayland-graphics-integration-server/",
    # evdev and TUIO input are for boards without a windowing system; the app's only Qt networking is the
    # single-instance local socket, so neither TLS back ends nor network-reachability monitors are ever loaded.
    "generic/", "tls/", "networkinformation/",
)
# Qt libraries only the excluded eglfs plugins link to.
_UNWANTED_QT_LIBRARIES = ("libQt6EglFSDeviceIntegration", "libQt6EglFsKmsSupport")
_QT_TRANSLATION = re.compile(r"(?:^|/)translations/(?P<name>[^/]+)\.qm$")


def keep_bundled_file(destination: str) -> bool:
    """False for a Qt translation in a language we do not ship, or an unwanted Qt plugin or library."""
    path = PurePath(destination).as_posix()
    translation = _QT_TRANSLATION.search(path)
    if translation and "/Qt/" in f"/{path}":
        return any(translation["name"].endswith(f"_{language}") for language in SHIPPED_LANGUAGES)
    if "/plugins/" in f"/{path}":
        plugin_path = path.split("/plugins/", 1)[1]
        return not any(plugin_path.startswith(prefix) for prefix in _UNWANTED_PLUGINS)
    return not PurePath(path).name.startswith(_UNWANTED_QT_LIBRARIES)


def bundled_resources() -> list[tuple[str, str]]:
    """(source, destination dir) pairs of our own data files: translations, icons, Linux desktop files."""
    resources = ROOT / "resources"
    wanted = [*resources.glob("translations/*.qm"), *resources.glob("icons/*.svg"),
              *resources.glob("icons/*.ico"), *resources.glob("icons/png/*.png"),
              *resources.glob("icons/lucide/*"), *resources.glob("linux/*")]
    return [(str(path), str(path.parent.relative_to(ROOT))) for path in sorted(wanted)]


def windows_version_resource(version: str, target: Path) -> Path:
    """Write the file PyInstaller embeds as the .exe's version resource (Explorer's "Details" tab)."""
    numbers = [int(part) for part in re.findall(r"\d+", version)[:4]]
    numbers += [0] * (4 - len(numbers))
    fixed = tuple(numbers)
    strings = {
        "CompanyName": "Gemini Desktop contributors",
        "FileDescription": "Gemini Desktop",
        "FileVersion": version,
        "InternalName": BUNDLE_NAME,
        "LegalCopyright": "Apache-2.0",
        "OriginalFilename": f"{BUNDLE_NAME}.exe",
        "ProductName": "Gemini Desktop",
        "ProductVersion": version,
    }
    string_structs = ",\n          ".join(f"StringStruct({key!r}, {value!r})" for key, value in strings.items())
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        f"""VSVersionInfo(
  ffi=FixedFileInfo(filevers={fixed}, prodvers={fixed}, mask=0x3f, flags=0x0, OS=0x40004,
                    fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([StringTable('040904B0', [
          {string_structs}])]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
""",
        encoding="utf-8",
    )
    return target
