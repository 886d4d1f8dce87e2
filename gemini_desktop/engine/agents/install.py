"""Install an archive agent (Google Antigravity's `agy_acp_server`) into the app's data folder.

Everything happens in a hidden staging folder beside the final one: download (bounded, cancellable, with
progress), unpack (no path leaves the folder, no links, bounded size and file count), a short ACP `initialize`
to prove the program runs, then one rename into place. Any failure or a cancel removes the staging folder, so
a half-installed agent is never found by locate.py. Blocking by design: the UI runs it on a worker thread.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import ipaddress
import json
import logging
import os
import platform
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from gemini_desktop.engine.agents.locate import private_dir, unpacked_program
from gemini_desktop.engine.agents.profiles import ANTIGRAVITY, AgentProfile, Locate
from gemini_desktop.engine.types import EngineError, GeminiCommand
from gemini_desktop.paths import data_dir, private_folder

log = logging.getLogger(__name__)

Progress = Callable[[int, int | None], None]  # bytes downloaded, bytes expected (None when the server says not)
CHUNK = 64 * 1024
_AGY = "https://dl.google.com/agy-extensions/releases/{os}/agy-acp-server-1.2.1-{platform}.zip"


@dataclass(frozen=True)
class Archive:
    """Where an agent's archive is, and its sha256 when one is pinned (checked before anything is unpacked)."""

    url: str
    sha256: str = ""


# The ACP registry's archives of antigravity-acp 1.2.1, by (system, machine). Neither Google nor the registry
# publishes digests for them and none was taken here, so none is pinned: add one as `sha256=` and it is checked.
ANTIGRAVITY_ARCHIVES = {
    ("darwin", "arm64"): Archive(_AGY.format(os="macos", platform="darwin-arm64")),
    ("darwin", "x86_64"): Archive(_AGY.format(os="macos", platform="darwin-x86_64")),
    ("linux", "x86_64"): Archive(_AGY.format(os="linux", platform="linux-x86_64")),
    ("linux", "aarch64"): Archive(_AGY.format(os="linux", platform="linux-arm64")),
    ("windows", "amd64"): Archive(_AGY.format(os="windows", platform="windows-x86_64")),
    ("windows", "arm64"): Archive(_AGY.format(os="windows", platform="windows-arm64")),
}


@dataclass(frozen=True)
class InstallLimits:
    """What an archive may cost: a hostile or broken server must not fill the disk or hang the install."""

    download_bytes: int = 512 * 1024 * 1024
    unpacked_bytes: int = 1024 * 1024 * 1024
    files: int = 10_000
    network_timeout: float = 30.0
    start_timeout: float = 20.0


@dataclass(frozen=True)
class InstalledAgent:
    program: Path
    version: str

    @property
    def command(self) -> GeminiCommand:
        return GeminiCommand(program=str(self.program), version=self.version, acp_flag="")


class InstallError(EngineError):
    """Why an install failed, for the user; nothing of it is left on disk."""


class InstallCancelled(InstallError):
    pass


def agents_dir() -> Path:
    """Where the app installs agents of its own (one folder per profile, see locate.private_dir)."""
    return data_dir() / "agents"


def archive_for(profile: AgentProfile) -> Archive | None:
    """The archive for this computer: the profile's own, else the registry's for Antigravity; None when none."""
    if profile.download_url:
        return Archive(profile.download_url)
    if profile.name != ANTIGRAVITY.name:
        return None
    machine = platform.machine().lower()
    return ANTIGRAVITY_ARCHIVES.get((sys.platform.replace("win32", "windows"), machine))


def archive_address(profile: AgentProfile) -> str:
    """The address of archive_for(profile); "" when there is none."""
    archive = archive_for(profile)
    return archive.url if archive is not None else ""


def install_archive(profile: AgentProfile, *, url: str | None = None, sha256: str | None = None,
                    root: Path | None = None, progress: Progress | None = None,
                    cancel: threading.Event | None = None, limits: InstallLimits = InstallLimits()) -> InstalledAgent:
    """Download, unpack, check and put in place `profile`'s agent; InstallError (nothing left behind) if not.
    `url` and `sha256` replace the table's archive (a local mirror, the tests); a digest, when known, must match."""
    if profile.locate is not Locate.ARCHIVE:
        raise InstallError(f"{profile.display_name} is not installed from an archive.")
    table = archive_for(profile) if url is None else None
    address = url or (table.url if table is not None else "")
    digest = (sha256 if sha256 is not None else table.sha256 if table is not None else "").lower()
    if not address:
        raise InstallError(f"{profile.display_name} has no download for this computer ({sys.platform}, "
                           f"{platform.machine()}).")
    _check_address(address)
    cancel = cancel or threading.Event()
    root = root or agents_dir()
    try:
        private_folder(root)
        staging = Path(tempfile.mkdtemp(prefix=f".install-{profile.name}-", dir=root))
    except OSError as exc:
        raise InstallError(f"Cannot write to {root}: {exc.strerror or exc}.") from None
    try:
        archive = staging / "download.zip"
        _check_digest(profile, _download(address, archive, limits, progress, cancel), digest)
        unpacked = staging / profile.name
        _unpack(archive, unpacked, limits, cancel)
        archive.unlink()
        program = unpacked_program(profile, unpacked)
        if program is None:
            raise InstallError(f"The download has no program named {profile.program}.")
        program.chmod(program.stat().st_mode | stat.S_IXUSR)
        version = acp_version(profile, GeminiCommand(program=str(program), acp_flag=""), limits.start_timeout,
                              cancel)
        final = private_dir(profile, root)
        _move_into_place(unpacked, final, staging)
        installed = InstalledAgent(final / program.relative_to(unpacked), version)
        log.info("installed %s %s at %s", profile.display_name, version or "(no version)", installed.program)
        return installed
    except InstallError as exc:
        log.warning("installing %s failed: %s", profile.display_name, exc)
        raise
    except OSError as exc:
        log.warning("installing %s failed: %s", profile.display_name, exc)
        raise InstallError(f"Installing {profile.display_name} failed: {exc.strerror or exc}.") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _check_address(address: str) -> None:
    """https only; plain http only to this computer (a local mirror, the tests)."""
    parts = urllib.parse.urlsplit(address)
    loopback = False
    with contextlib.suppress(ValueError):
        loopback = parts.hostname == "localhost" or ipaddress.ip_address(parts.hostname or "").is_loopback
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise InstallError(f"Refusing to download from {address}: only https addresses are allowed.")


def _stop_if_cancelled(cancel: threading.Event) -> None:
    if cancel.is_set():
        raise InstallCancelled("The install was cancelled.")


def _check_digest(profile: AgentProfile, got: str, expected: str) -> None:
    if expected and got != expected:
        raise InstallError(f"The download of {profile.display_name} is not the published one: its sha256 is {got}, "
                           f"not {expected}. Nothing was installed.")


def _download(address: str, target: Path, limits: InstallLimits, progress: Progress | None,
              cancel: threading.Event) -> str:
    """Into `target`; the sha256 of what came, hashed while it comes."""
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(address, timeout=limits.network_timeout) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            if total is not None and total > limits.download_bytes:
                raise InstallError(f"The download is too large ({total // 2**20} MB; at most "
                                   f"{limits.download_bytes // 2**20} MB).")
            done = 0
            with target.open("wb") as file:
                while chunk := response.read(CHUNK):
                    _stop_if_cancelled(cancel)
                    done += len(chunk)
                    if done > limits.download_bytes:
                        raise InstallError(f"The download is larger than {limits.download_bytes // 2**20} MB.")
                    file.write(chunk)
                    digest.update(chunk)
                    if progress is not None:
                        progress(done, total)
            _stop_if_cancelled(cancel)
            if total is not None and done < total:
                raise InstallError(f"The download was cut short ({done} of {total} bytes).")
            return digest.hexdigest()
    except urllib.error.HTTPError as exc:
        raise InstallError(f"The download failed: the server answered {exc.code} {exc.reason}.") from None
    except (urllib.error.URLError, http.client.HTTPException, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise InstallError(f"The download failed: {reason}.") from None


def _member_path(info: zipfile.ZipInfo, folder: Path) -> Path:
    """Where a member goes; InstallError for one that would land outside `folder` or is a link."""
    name = info.filename.replace("\\", "/")
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts or (pure.parts and ":" in pure.parts[0]):
        raise InstallError(f"The download is unsafe: {info.filename!r} points outside its folder.")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise InstallError(f"The download is unsafe: {info.filename!r} is a link.")
    target = (folder / pure).resolve()
    if not target.is_relative_to(folder.resolve()):
        raise InstallError(f"The download is unsafe: {info.filename!r} points outside its folder.")
    return target


def _unpack(archive: Path, folder: Path, limits: InstallLimits, cancel: threading.Event) -> None:
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = zipped.infolist()
            if len(members) > limits.files:
                raise InstallError(f"The download holds too many files ({len(members)}; at most {limits.files}).")
            targets = [(info, _member_path(info, folder)) for info in members]
            written = 0
            folder.mkdir()
            for info, target in targets:
                _stop_if_cancelled(cancel)
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zipped.open(info) as source, target.open("xb") as out:
                    while chunk := source.read(CHUNK):
                        written += len(chunk)
                        if written > limits.unpacked_bytes:
                            raise InstallError(f"The download unpacks to more than "
                                               f"{limits.unpacked_bytes // 2**20} MB.")
                        out.write(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
        raise InstallError(f"The download is not a readable zip archive ({exc}).") from None


def acp_version(profile: AgentProfile, command: GeminiCommand, timeout: float,
                cancel: threading.Event | None = None) -> str:
    """Start the agent and ask ACP `initialize`: InstallError unless it answers within `timeout`; the version
    it reports in agentInfo ("" when none). The program is always stopped again."""
    request = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
               "params": {"protocolVersion": 1, "clientCapabilities": {}}}
    stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in finally; a file, not a pipe, cannot block)
    try:
        child = subprocess.Popen([command.program, *command.args, *profile.args], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=stderr, env=dict(os.environ, **profile.env))
    except OSError as exc:
        stderr.close()
        raise InstallError(f"{profile.display_name} cannot be started: {exc.strerror or exc}.") from None
    answer: list[bytes] = []
    reader = threading.Thread(target=lambda: answer.append(child.stdout.readline() if child.stdout else b""),
                              daemon=True)
    try:
        assert child.stdin is not None
        child.stdin.write(json.dumps(request).encode() + b"\n")
        child.stdin.flush()
        reader.start()
        waited = 0.0
        while reader.is_alive() and waited < timeout and not (cancel and cancel.is_set()):
            reader.join(0.1)
            waited += 0.1
        if cancel is not None:
            _stop_if_cancelled(cancel)
    except OSError:
        pass  # it exited before reading: reported below with its stderr
    finally:
        child.kill()
        child.wait(5)
        reader.join(1)
        stderr.seek(0)
        said = stderr.read(64 * 1024)
        stderr.close()
    return _parse_initialize(profile, answer[0] if answer else b"", said)


def _parse_initialize(profile: AgentProfile, line: bytes, stderr: bytes) -> str:
    tail = stderr.decode(errors="replace").strip()[-400:]
    try:
        message = json.loads(line)
        result = message["result"]
        info = result.get("agentInfo") or {}
        return str(info.get("version", "")) if isinstance(info, dict) else ""
    except (ValueError, KeyError, TypeError, AttributeError):
        why = "it did not answer ACP initialize" if not line else "its answer to ACP initialize is not valid"
        raise InstallError(f"{profile.display_name} does not run: {why}." + (f" It said: {tail}" if tail else "")
                           ) from None


def _move_into_place(unpacked: Path, final: Path, staging: Path) -> None:
    """One rename puts the new install in place; an older one is moved aside first and removed with staging."""
    if final.exists():
        final.rename(staging / "previous")
    os.replace(unpacked, final)
