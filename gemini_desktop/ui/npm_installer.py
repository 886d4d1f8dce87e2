"""Install gemini-cli privately for this app with npm, so users without a global install can still start.

QProcess keeps the UI responsive and lets the log stream into the panel line by line.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, Signal

from gemini_desktop.paths import data_dir

log = logging.getLogger(__name__)

GEMINI_PACKAGE = "@google/gemini-cli"


def app_install_dir() -> Path:
    return data_dir() / "gemini-cli"


def installed_package_dir(prefix: Path) -> Path:
    return prefix / "node_modules" / "@google" / "gemini-cli"


class NpmInstaller(QObject):
    output = Signal(str)
    finished = Signal(bool, str)  # success, message for the user

    def __init__(self, prefix: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.prefix = prefix or app_install_dir()
        self._process: QProcess | None = None

    @staticmethod
    def missing_tools() -> list[str]:
        return [tool for tool in ("node", "npm") if shutil.which(tool) is None]

    def is_running(self) -> bool:
        return self._process is not None and self._process.state() != QProcess.ProcessState.NotRunning

    def start(self) -> bool:
        missing = self.missing_tools()
        if missing:
            self.finished.emit(False, self.tr(
                "{tools} not found. Install Node.js 20 or newer (it includes npm) from https://nodejs.org "
                "or your package manager, then try again."
            ).format(tools=" and ".join(missing)))
            return False
        npm = shutil.which("npm")
        assert npm is not None
        self.prefix.mkdir(parents=True, exist_ok=True)
        process = QProcess(self)
        process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        process.readyReadStandardOutput.connect(self._read)
        process.finished.connect(self._done)
        process.errorOccurred.connect(self._failed_to_start)
        self._process = process
        arguments = ["install", "--prefix", str(self.prefix), "--no-audit", "--no-fund", GEMINI_PACKAGE]
        self.output.emit(f"$ npm {' '.join(arguments)}\n")
        log.info("installing %s into %s", GEMINI_PACKAGE, self.prefix)
        process.start(npm, arguments)
        return True

    def cancel(self) -> None:
        if self.is_running():
            assert self._process is not None
            self._process.kill()
            self._process.waitForFinished(3000)

    def _read(self) -> None:
        if self._process is not None:
            self.output.emit(bytes(self._process.readAllStandardOutput().data()).decode("utf-8", "replace"))

    def _failed_to_start(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and self._process is not None:
            message = self.tr("npm could not be started: {error}").format(error=self._process.errorString())
            log.warning("%s", message)
            self.finished.emit(False, message)

    def _done(self, exit_code: int, status: QProcess.ExitStatus) -> None:
        self._read()
        ok = status == QProcess.ExitStatus.NormalExit and exit_code == 0
        ok = ok and (installed_package_dir(self.prefix) / "package.json").is_file()
        log.info("npm install finished: exit %s, ok=%s", exit_code, ok)
        if ok:
            self.finished.emit(True, self.tr("gemini-cli was installed for this app."))
        else:
            self.finished.emit(False, self.tr("npm failed (exit code {code}); see the log above.").format(
                code=exit_code))
