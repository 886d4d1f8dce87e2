"""Follow-up turn per installed agent: one long-lived ACP process vs. a process per turn, side by side.

Each agent (the pinned gemini-cli, Qwen Code, Claude Code, whichever are installed) runs against its fake model
server; its long-lived client and a fresh client per turn alternate turn by turn through the same engine, so
machine noise hits both alike. The process-per-turn figure is a floor: start, initialize, new session and one
turn, without reloading any history. Run: `python3 scripts/dev.py bench agents`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench_engine import engine_against_fake  # noqa: E402
from PySide6.QtCore import QCoreApplication  # noqa: E402

from gemini_desktop.engine import EngineConfig, GeminiCommand, GeminiSessionClient  # noqa: E402
from gemini_desktop.engine.agents.profiles import CLAUDE, QWEN  # noqa: E402
from tests.support import fake_anthropic, fake_openai  # noqa: E402
from tests.support.cli_env import (  # noqa: E402
    cached_claude_entry,
    cached_qwen_entry,
    claude_environment,
    qwen_arguments,
    qwen_environment,
)
from tests.support.qt_async import drive, install_loop  # noqa: E402

WARM_TURNS = 12
PROCESS_TURNS = 4
Setup = Callable[[], contextlib.AbstractContextManager[EngineConfig]]


def installed(variable: str, pattern: str, entry_of: Callable[[Path], Path | None]) -> Path | None:
    """The entry script `scripts/dev.py` named in `variable`, else one in .cache; None when not installed."""
    named = os.environ.get(variable)
    if named is not None:
        return Path(named) if named else None
    return next(filter(None, map(entry_of, sorted(ROOT.glob(f".cache/{pattern}")))), None)


@contextlib.contextmanager
def scratch(prefix: str) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        (folder / "work").mkdir()
        (folder / "home").mkdir()
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def node_command(entry: Path) -> GeminiCommand:
    return GeminiCommand(shutil.which("node") or "node", (str(entry),), acp_flag="")


@contextlib.contextmanager
def qwen_setup(entry: Path) -> Iterator[EngineConfig]:
    with scratch("bench-qwen-") as folder, fake_openai.FakeOpenAI() as fake:
        yield EngineConfig(gemini=node_command(entry), agent=QWEN, cwd=folder / "work",
                           model=fake_openai.DEFAULT_MODEL, env=qwen_environment(folder / "home"),
                           extra_args=qwen_arguments(fake.base_url), start_timeout=60.0)


@contextlib.contextmanager
def claude_setup(entry: Path) -> Iterator[EngineConfig]:
    with scratch("bench-claude-") as folder, fake_anthropic.FakeAnthropic() as fake:
        yield EngineConfig(gemini=node_command(entry), agent=CLAUDE, cwd=folder / "work",
                           env=claude_environment(folder / "home", fake.base_url), start_timeout=60.0)


def agents() -> list[tuple[str, Setup | None]]:
    """Each agent with how to set it up, or None when it is not installed here."""
    qwen = installed("GEMINI_DESKTOP_TEST_QWEN", "qwen-code-*", cached_qwen_entry)
    claude = installed("GEMINI_DESKTOP_TEST_CLAUDE", "claude-code-acp-*", cached_claude_entry)
    return [("gemini", lambda: engine_against_fake("bench-agents-")),
            ("qwen-code", (lambda: qwen_setup(qwen)) if qwen else None),
            ("claude-code", (lambda: claude_setup(claude)) if claude else None)]


async def measure(config: EngineConfig) -> tuple[list[float], list[float]]:
    """Follow-up turns of one long-lived client, and turns each in a fresh process, interleaved."""
    warm: list[float] = []
    fresh: list[float] = []
    client = GeminiSessionClient(config)
    try:
        await client.start_session()
        await client.chat("warm-up")
        for index in range(WARM_TURNS):
            started = time.perf_counter()
            await client.chat(f"follow-up {index}")
            warm.append(time.perf_counter() - started)
            if index % (WARM_TURNS // PROCESS_TURNS) == 0:
                fresh.append(await one_process_turn(config, index))
    finally:
        await client.stop_session()
    return warm, fresh


async def one_process_turn(config: EngineConfig, index: int) -> float:
    started = time.perf_counter()
    client = GeminiSessionClient(config)
    try:
        await client.start_session()
        await client.chat(f"one-off {index}")
        return time.perf_counter() - started
    finally:
        await client.stop_session()


def main() -> list[tuple[str, str, str, str]]:
    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    install_loop(app)
    rows = [("agent", "follow-up (s)", "process per turn (s)", "ratio")]
    for name, setup in agents():
        if setup is None:
            rows.append((name, "not installed", "", ""))
            continue
        with setup() as config:
            warm, fresh = drive(measure(config), timeout=600)
        ours, theirs = statistics.median(warm), statistics.median(fresh)
        rows.append((name, f"{ours:.3f}", f"{theirs:.3f}", f"{theirs / ours:.1f}x"))
    return rows


if __name__ == "__main__":
    for row in main():
        print("  ".join(f"{cell:>20}" for cell in row))
