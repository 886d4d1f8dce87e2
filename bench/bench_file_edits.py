"""Write-path overhead: a `write_file` tool call that comes through our fs capability (read served from disk,
before- and after-image saved as blobs and journaled, atomic replace) vs the same call written by the CLI itself.

Both clients run the real gemini-cli against one fake Gemini server in one run, turn by turn interleaved (in
swapped order every other round), for a 10 KB and a 10 MB file. The figure is the whole turn, as a user waits
for it. Run: `python3 scripts/dev.py bench file_edits` (or `.venv/bin/python bench/bench_file_edits.py`).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench_engine import gemini_entry  # noqa: E402
from PySide6.QtCore import QCoreApplication  # noqa: E402

from gemini_desktop.engine import (  # noqa: E402
    EngineConfig,
    GeminiCommand,
    GeminiSessionClient,
    PermissionRequest,
)
from gemini_desktop.store import BlobStore, FileEditLog, HistoryStore  # noqa: E402
from tests.support.cli_env import cli_environment, make_cli_home  # noqa: E402
from tests.support.fake_gemini import DEFAULT_MODEL, FakeGemini, FunctionCall  # noqa: E402
from tests.support.qt_async import drive, install_loop  # noqa: E402

SIZES = ((10 * 1024, "10 KB", 12), (10 * 1024 * 1024, "10 MB", 4))  # bytes, label, rounds
TARGET_OVERHEAD = 0.20


async def approve(request: PermissionRequest) -> str | None:
    option = request.option_of_kind("allow_once")
    return option.option_id if option else None


def content(size: int, round_index: int) -> str:
    """An edit as a model makes it: the first line changes each round, the rest stays (a whole file of changed
    lines would measure gemini's diff for the permission prompt, which is the same on both paths). Every
    before-image is still new content to save."""
    line = "x" * 79 + "\n"
    head = f"round {round_index:04d}\n"
    return (head + line * (size // len(line) + 1))[:size]


async def one_turn(client: GeminiSessionClient, fake: FakeGemini, target: Path, text: str) -> float:
    fake.reply(FunctionCall("write_file", {"file_path": str(target), "content": text}))
    fake.reply("Written.")
    started = time.perf_counter()
    await client.chat(f"write {target.name}")
    elapsed = time.perf_counter() - started
    if target.read_text() != text:
        raise RuntimeError(f"{target} was not written")
    return elapsed


async def compare(ours: GeminiSessionClient, theirs: GeminiSessionClient, fake: FakeGemini, work: Path,
                  size: int, rounds: int) -> tuple[list[float], list[float]]:
    through_us, by_cli = work / f"ours-{size}.txt", work / f"cli-{size}.txt"
    for path in (through_us, by_cli):
        path.write_text(content(size, -1))
    timings: tuple[list[float], list[float]] = ([], [])
    for index in range(rounds + 1):  # round 0 warms both up and is not counted
        text = content(size, index)
        pair = [(ours, through_us, timings[0]), (theirs, by_cli, timings[1])]
        for client, target, samples in (pair if index % 2 else pair[::-1]):
            elapsed = await one_turn(client, fake, target, text)
            if index:
                samples.append(elapsed)
    return timings


def main() -> list[tuple[str, str, str, str]]:
    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    install_loop(app)
    scratch = Path(tempfile.mkdtemp(prefix="bench-file-edits-"))
    fake = FakeGemini()
    fake.start()
    work = scratch / "work"
    work.mkdir()
    store = HistoryStore.open(scratch / "history.sqlite3")
    journal = FileEditLog(store, BlobStore(scratch / "blobs"))
    base = EngineConfig(gemini=GeminiCommand(shutil.which("node") or "node", (str(gemini_entry()),)), cwd=work,
                        model=DEFAULT_MODEL, env=cli_environment(make_cli_home(scratch / "home"), fake.base_url),
                        state_dir=scratch / "state", stall_timeout=300.0)
    ours = GeminiSessionClient(dataclasses.replace(base, serve_files=True, file_journal=journal))
    theirs = GeminiSessionClient(dataclasses.replace(base, serve_files=False))
    rows = []
    try:
        for client in (ours, theirs):
            client.permission_handler = approve
            drive(client.start_session())
        for size, label, rounds in SIZES:
            through_us, by_cli = drive(compare(ours, theirs, fake, work, size, rounds), timeout=1200)
            ours_median, cli_median = statistics.median(through_us), statistics.median(by_cli)
            overhead = (ours_median - cli_median) / cli_median
            rows.append((f"write_file {label}: through our fs capability vs the CLI itself ({rounds} turns each)",
                         f"{ours_median * 1000:.0f} ms vs {cli_median * 1000:.0f} ms", f"{overhead * 100:+.1f}%",
                         overhead < TARGET_OVERHEAD))
    finally:
        for client in (ours, theirs):
            drive(client.stop_session())
        store.close()
        fake.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    return rows


if __name__ == "__main__":
    from run import print_rows

    print_rows("File edits: write path through the client (issue 12)", main())
