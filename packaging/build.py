#!/usr/bin/env python3
"""Build the release: the PyInstaller one-folder bundle, then (on Linux) a tarball with the install script.

    python3 scripts/dev.py package            # or: .venv/bin/python packaging/build.py [--clean] [--no-smoke]

It ends by printing the bundle size and cold-start times: until `--version` exits, and until the window is
shown in a full `--smoke-test` run against the pinned gemini-cli and the offline fake Gemini server (when the
checkout has them; see tests/support).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from deb import check_deb, make_deb, may_install  # noqa: E402  (packaging/ is no package: run as a script)

PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "gemini-desktop.spec"
WORK = ROOT / "build" / "pyinstaller"
DIST = ROOT / "dist"
# The tests' own PyInstaller cache, not `scripts/dev.py package`'s: a package build running meanwhile must not
# share it. `dev.py test` fills it in the background while npm installs the agents (--prepare-tests).
TESTS_CACHE = ROOT / "build" / "pyinstaller-tests"
BUNDLE_NAME = "gemini-desktop"


def app_version() -> str:
    sys.path.insert(0, str(ROOT))
    from gemini_desktop import __version__

    return __version__


def executable_in(bundle: Path) -> Path:
    if sys.platform == "darwin":
        return bundle.parent / "Gemini Desktop.app" / "Contents" / "MacOS" / BUNDLE_NAME
    return bundle / (f"{BUNDLE_NAME}.exe" if os.name == "nt" else BUNDLE_NAME)


def build_bundle(dist: Path = DIST, *, work: Path = WORK, clean: bool = False) -> Path:
    """Run PyInstaller on the spec into `dist`; return the executable. The work dir is reused as a cache."""
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
               "--distpath", str(dist), "--workpath", str(work), str(SPEC)]
    if clean:
        command.insert(3, "--clean")
    subprocess.run(command, cwd=ROOT, check=True)
    executable = executable_in(dist / BUNDLE_NAME)
    if not executable.exists():
        raise RuntimeError(f"PyInstaller finished but {executable} is missing")
    return executable


def _locked_within(lock: Any, wait_s: float) -> bool:
    """Take an exclusive flock on `lock`, trying for up to `wait_s`; False if it stays held or flock is missing."""
    try:
        import fcntl
    except ImportError:
        return False
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.2)


@contextlib.contextmanager
def tests_work_dir(wait_s: float) -> Iterator[Path | None]:
    """The tests' work dir, held under an exclusive lock while a build uses it. Waiting for another build on
    it pays off (its analysis is then reused); None when it is still held after `wait_s` or the system has no
    flock: the caller builds in a work dir of its own."""
    TESTS_CACHE.mkdir(parents=True, exist_ok=True)
    with open(TESTS_CACHE / "lock", "w", encoding="utf-8") as lock:
        yield TESTS_CACHE / "work" if _locked_within(lock, wait_s) else None


def prepare_tests() -> int:
    """Run the tests' build ahead (its analysis, ~25 CPU-s on a clean checkout, is what the bundle test then
    reuses); the bundle made here is thrown away, the test always collects its own."""
    with tests_work_dir(wait_s=0) as work, tempfile.TemporaryDirectory(prefix="gd-bundle-") as dist:
        if work is None:
            return 0  # a build is already using the cache: that one fills it
        build_bundle(Path(dist), work=work)
    return 0


def tree_size(path: Path) -> int:
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file() and not item.is_symlink())


def make_linux_tarball(bundle: Path, version: str, dist: Path = DIST) -> Path:
    """dist/gemini-desktop-<version>-linux-<arch>.tar.gz holding the bundle and install-linux.sh."""
    top = f"{BUNDLE_NAME}-{version}"
    tarball = dist / f"{top}-linux-{platform.machine()}.tar.gz"
    with tarfile.open(tarball, "w:gz") as archive:
        archive.add(bundle, arcname=f"{top}/{BUNDLE_NAME}")
        archive.add(PACKAGING / "install-linux.sh", arcname=f"{top}/install-linux.sh")
    return tarball


def make_installer(bundle: Path, version: str) -> Path | None:
    """The platform's download: a tarball (Linux), an Inno Setup installer (Windows), a disk image (macOS)."""
    if sys.platform.startswith("linux"):
        return make_linux_tarball(bundle, version)
    if sys.platform == "darwin":
        subprocess.run(["sh", str(PACKAGING / "macos" / "make-dmg.sh"), version], cwd=ROOT, check=True)
        return DIST / f"{BUNDLE_NAME}-{version}-macos-{platform.machine()}.dmg"
    iscc = shutil.which("iscc")
    if iscc is None:
        print("  (no installer: Inno Setup's iscc.exe is not on PATH; see packaging/windows/gemini-desktop.iss)")
        return None
    subprocess.run([iscc, f"/DAppVersion={version}", str(PACKAGING / "windows" / "gemini-desktop.iss")],
                   cwd=ROOT, check=True)
    return DIST / f"{BUNDLE_NAME}-{version}-windows-x64-setup.exe"


def time_version(executable: Path) -> float:
    started = time.perf_counter()
    completed = subprocess.run([str(executable), "--version"], capture_output=True, text=True, timeout=60)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"--version failed ({completed.returncode}): {completed.stderr.strip()[-2000:]}")
    print(f"  --version printed {completed.stdout.strip()!r}")
    return elapsed


def pinned_gemini_entry() -> Path | None:
    """The gemini-cli entry script the tests use: named by the environment, or the one dev.py installed."""
    named = os.environ.get("GEMINI_DESKTOP_TEST_GEMINI")
    if named:
        return Path(named)
    spec = importlib.util.spec_from_file_location("gemini_desktop_dev", ROOT / "scripts" / "dev.py")
    assert spec is not None and spec.loader is not None
    dev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dev)
    try:
        return Path(dev.npm_entry(dev.CACHE / f"gemini-cli-{dev.GEMINI_CLI_VERSION}", "@google/gemini-cli", "gemini"))
    except (OSError, KeyError, ValueError):
        return None


def smoke_run(executable: Path) -> dict[str, Any] | None:
    """A full --smoke-test run offline: the pinned gemini-cli against the checkout's fake Gemini server."""
    sys.path.insert(0, str(ROOT))
    from gemini_desktop.smoke import REPORT_PREFIX

    try:
        from tests.support.cli_env import cli_environment, make_cli_home
        from tests.support.fake_gemini import FakeGemini
    except ImportError as error:
        print(f"  (no smoke run: the test support code is unavailable: {error})")
        return None
    gemini_entry = pinned_gemini_entry()
    if gemini_entry is None:
        print("  (no smoke run: the pinned gemini-cli is not installed; `scripts/dev.py test` installs it)")
        return None
    with tempfile.TemporaryDirectory(prefix="gemini-desktop-smoke-") as scratch, FakeGemini() as fake:
        home = Path(scratch)
        env = dict(os.environ, **cli_environment(make_cli_home(home / "cli"), fake.base_url))
        env["QT_QPA_PLATFORM"] = os.environ.get("QT_QPA_PLATFORM", "offscreen")
        for variable in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
            env[variable] = str(home / "app" / variable.lower())
        (home / "work").mkdir()
        launched = time.time()
        completed = subprocess.run(
            [str(executable), "--smoke-test", "--gemini", str(gemini_entry)],
            cwd=home / "work", env=env, capture_output=True, text=True, timeout=300,
        )
        published = [line for line in completed.stdout.splitlines() if line.startswith(REPORT_PREFIX)]
        if not published:
            raise RuntimeError(f"--smoke-test printed no report (exit {completed.returncode}):\n"
                               f"{completed.stdout[-2000:]}\n{completed.stderr[-4000:]}")
        report: dict[str, Any] = json.loads(published[-1].split(" ", 2)[2])
        report["exit_code"] = completed.returncode
        report["window_shown_after"] = round(report["window_shown_epoch"] - launched, 3)
        return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clean", action="store_true", help="discard PyInstaller's cache first")
    parser.add_argument("--no-smoke", action="store_true", help="skip the --smoke-test timing run")
    parser.add_argument("--prepare-tests", action="store_true",
                        help="only fill the tests' PyInstaller cache (scripts/dev.py test runs this)")
    options = parser.parse_args()
    if options.prepare_tests:
        return prepare_tests()

    version = app_version()
    started = time.monotonic()
    executable = build_bundle(clean=options.clean)
    bundle = DIST / BUNDLE_NAME
    print(f"Built Gemini Desktop {version} in {time.monotonic() - started:.0f} s: {executable}")
    print(f"  bundle size: {tree_size(bundle) / 1e6:.1f} MB ({bundle})")
    installer = make_installer(bundle, version)
    if installer is not None:
        print(f"  installer: {installer} ({installer.stat().st_size / 1e6:.1f} MB)")
    if sys.platform.startswith("linux"):
        deb = make_deb(bundle, version, DIST)
        if deb is not None:
            print(f"  .deb: {deb} ({deb.stat().st_size / 1e6:.1f} MB); {check_deb(deb, install=may_install())}")

    print(f"  cold start to --version exit: {time_version(executable):.2f} s")
    if not options.no_smoke:
        report = smoke_run(executable)
        if report is not None:
            print(f"  smoke test: {'PASSED' if report['ok'] else 'FAILED'} (exit {report['exit_code']}), "
                  f"window shown {report['window_shown_after']} s after launch, timings {report['timings']}")
            if not report["ok"]:
                print(f"  smoke failure at {report['stage']!r}: {report['error']}")
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
