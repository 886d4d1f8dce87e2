"""A long conversation with and without recycling: gemini-cli grows with every turn, and the session manager
restarts an idle child above its memory threshold on the same conversation. Two conversations take turns, one
turn each in alternation (so machine noise hits both alike): one under a threshold, one never recycled. Per 100
turns: each child's resident memory and median turn time.

Run: `python3 scripts/dev.py bench recycle` (or `.venv/bin/python bench/bench_recycle.py [TURNS]`).
"""

from __future__ import annotations

import dataclasses
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench_engine import engine_against_fake  # noqa: E402
from PySide6.QtCore import QCoreApplication  # noqa: E402

from gemini_desktop.engine import Conversation, EngineConfig, ManagerPolicy, SessionManager  # noqa: E402
from gemini_desktop.engine.session_manager import child_rss_bytes  # noqa: E402
from tests.support.qt_async import drive, install_loop  # noqa: E402

TURNS = 1000
HEADROOM_MB = 60  # the recycled child may grow this much above its size after the first turn
MB = 1024 * 1024
NEVER = ManagerPolicy(max_live_processes=3, idle_suspend_minutes=0, recycle_rss_mb=0, warm_spare=False)


@dataclasses.dataclass
class Side:
    """One conversation and what its turns measured, block by block."""

    name: str
    manager: SessionManager
    conversation: Conversation | None = None
    times: list[float] = dataclasses.field(default_factory=list)
    rss: list[float] = dataclasses.field(default_factory=list)
    restarts: int = 0

    async def turn(self, index: int) -> None:
        assert self.conversation is not None
        client = self.conversation.client
        started = time.perf_counter()
        await client.chat(f"turn {index}: tell me one more thing about long conversations")
        self.times.append(time.perf_counter() - started)
        pid = client.process_id
        await self.manager.check_policies()  # the app runs it on a timer; here after every turn
        self.restarts += client.process_id != pid

    def sample(self) -> None:
        assert self.conversation is not None
        pid = self.conversation.client.process_id
        self.rss.append((child_rss_bytes(pid) or 0) / MB if pid is not None else 0.0)


def run(config: EngineConfig, turns: int, block: int) -> tuple[Side, Side]:
    recycled = Side("recycled", SessionManager(config, NEVER))
    plain = Side("never recycled", SessionManager(config, NEVER))

    async def scenario() -> None:
        for side in (recycled, plain):
            side.conversation = await side.manager.open_new(config.cwd)
            await side.conversation.client.chat("start")
        pid = recycled.conversation.client.process_id  # type: ignore[union-attr]
        start_mb = (child_rss_bytes(pid) or 0) / MB if pid is not None else 0.0
        recycled.manager.policy = dataclasses.replace(NEVER, recycle_rss_mb=start_mb + HEADROOM_MB)
        for index in range(1, turns + 1):
            for side in (recycled, plain) if index % 2 else (plain, recycled):  # neither always goes first
                await side.turn(index)
            if index % block == 0:
                for side in (recycled, plain):
                    side.sample()

    try:
        drive(scenario(), timeout=turns * 10)
    finally:
        for side in (recycled, plain):
            drive(side.manager.shutdown(), timeout=60)
    return recycled, plain


def main(turns: int = TURNS) -> list[tuple[str, ...]]:
    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    install_loop(app)
    block = max(1, turns // 10)  # ten rows: per 100 turns for the full run
    with engine_against_fake("bench-recycle-") as config:
        recycled, plain = run(config, turns, block)
    rows: list[tuple[str, ...]] = [("turns", "recycled: child MB", "median ms", "never: child MB", "median ms")]
    for row in range(len(plain.rss)):
        window = slice(row * block, (row + 1) * block)
        rows.append((f"{row * block + 1}-{(row + 1) * block}", f"{recycled.rss[row]:.0f}",
                     f"{statistics.median(recycled.times[window]) * 1000:.0f}", f"{plain.rss[row]:.0f}",
                     f"{statistics.median(plain.times[window]) * 1000:.0f}"))
    last = slice(-block, None)
    rows.append((f"restarts by recycling (headroom {HEADROOM_MB} MB)", str(recycled.restarts), "", "",
                 str(plain.restarts)))
    rows.append((f"last {block} turns, median: recycled vs never", "",
                 f"{statistics.median(recycled.times[last]) * 1000:.0f}", "",
                 f"{statistics.median(plain.times[last]) * 1000:.0f}"))
    return rows


if __name__ == "__main__":
    from run import print_rows

    print_rows("Recycling: a long conversation with and without it", main(int(sys.argv[1]) if sys.argv[1:] else TURNS))
