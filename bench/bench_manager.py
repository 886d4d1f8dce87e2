"""Many conversations, few processes: memory of 10 open conversations under the default policies vs one gemini
process per conversation, and New conversation with the warm spare vs a cold start, side by side in one run;
the first streamed chunk of a turn that resumes a suspended conversation (target < 1 s) vs a warm turn, and
whether each resume was gemini's own session/load.

Memory is PSS (proportional set size, /proc/PID/smaps_rollup) of this process and all its descendants, on both
sides. RSS would count the pages a process shares with others once per process: every gemini child maps the same
~45 MB of node binary and libraries, which the machine holds once, so ten RSS figures overstate one process each.
PSS gives each process its share of those pages, so the tree's sum is what it costs; it also makes the ratio
harder to meet than RSS, since the shared pages then weigh on both sides alike instead of scaling with the count.
"The app" is this process with the modules the real app loads at start-up (its main window, the engine) imported, so
that it is no lighter than what a user runs; both sides are measured after the app has run on for SETTLE_S
seconds once the last turn ended, as it would between a user's turns.

Run: `python3 scripts/dev.py bench manager` (or `.venv/bin/python bench/bench_manager.py`).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench_engine import engine_against_fake  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

import gemini_desktop.ui.main_window  # noqa: E402, F401  (what the app has loaded: see the module docstring)
from gemini_desktop.engine import (  # noqa: E402
    EngineConfig,
    GeminiSessionClient,
    ManagerPolicy,
    MessageChunk,
    SessionManager,
)
from gemini_desktop.engine.types import ResumeMethod  # noqa: E402
from tests.support.qt_async import drive, install_loop  # noqa: E402

CONVERSATIONS = 10
SETTLE_S = 5.0
NEW_CONVERSATION_ROUNDS = 3
MB = 1024 * 1024


def pss_bytes(pid: int) -> int:
    """A process's proportional set size (its private pages plus its share of those it shares); 0 once gone."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text(encoding="ascii")
    except OSError:
        return 0
    return next((int(line.split()[1]) * 1024 for line in rollup.splitlines() if line.startswith("Pss:")), 0)


def tree_pss(root: int) -> int:
    """PSS of a process and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += pss_bytes(pid)
        todo += children.get(pid, [])
    return total


def open_conversations(config: EngineConfig, policy: ManagerPolicy) -> tuple[int, int]:
    """PSS of this app and all its children with CONVERSATIONS open, each after one finished turn, the app left
    running for SETTLE_S seconds after the last one (suspensions finish, the spare starts); live PIDs."""
    manager = SessionManager(config, policy)

    async def scenario() -> None:
        for index in range(CONVERSATIONS):
            conversation = await manager.open_new(config.cwd)
            await conversation.client.chat(f"conversation {index}")
        await asyncio.sleep(SETTLE_S)
        await manager.spare_ready()
        await asyncio.sleep(1.0)  # let the children stopped meanwhile be reaped

    try:
        drive(scenario(), timeout=900)
        return tree_pss(os.getpid()), manager.live_processes
    finally:
        drive(manager.shutdown(), timeout=60)


def new_conversation_times(config: EngineConfig, policy: ManagerPolicy) -> list[float]:
    """Seconds from New conversation to ready-to-send, NEW_CONVERSATION_ROUNDS times."""
    manager = SessionManager(config, policy)
    times: list[float] = []

    async def scenario() -> None:
        manager.warm_up(config.cwd)
        for _ in range(NEW_CONVERSATION_ROUNDS):
            await manager.spare_ready()
            started = time.perf_counter()
            conversation = await manager.open_new(config.cwd)
            times.append(time.perf_counter() - started)
            await manager.close(conversation.key)

    try:
        drive(scenario(), timeout=600)
    finally:
        drive(manager.shutdown(), timeout=60)
    return times


async def first_chunk_after(client: GeminiSessionClient, text: str) -> float:
    """Seconds from sending `text` to the first streamed chunk of the answer; the turn is awaited to its end."""
    started = time.perf_counter()
    first: list[float] = []

    def on_event(event: object) -> None:
        if isinstance(event, MessageChunk) and event.role == "assistant" and not first:
            first.append(time.perf_counter() - started)

    client.event.connect(on_event)
    try:
        await client.chat(text)
    finally:
        client.event.disconnect(on_event)
    return first[0]


def resume_times(config: EngineConfig) -> tuple[list[float], list[float], list[ResumeMethod]]:
    """First chunk of a warm turn vs of the first turn after the conversation was suspended (idle time passed),
    and how each resume went (gemini's session/load is the fast path; a rebuild is the slow one)."""
    now = [0.0]
    manager = SessionManager(config, ManagerPolicy(idle_suspend_minutes=1, recycle_rss_mb=0),
                             clock=lambda: now[0])
    warm: list[float] = []
    resumed: list[float] = []
    methods: list[ResumeMethod] = []

    async def scenario() -> None:
        conversation = await manager.open_new(config.cwd)
        conversation.client.session_started.connect(lambda outcome: methods.append(outcome.method))
        await conversation.client.chat("start")
        for index in range(NEW_CONVERSATION_ROUNDS):
            warm.append(await first_chunk_after(conversation.client, f"warm {index}"))
            now[0] += 120
            await manager.check_policies()
            assert conversation.client.process_id is None, "the conversation was not suspended"
            await manager.spare_ready()  # the user comes back after the idle time: the spare started long ago
            resumed.append(await first_chunk_after(conversation.client, f"after suspension {index}"))

    try:
        drive(scenario(), timeout=600)
    finally:
        drive(manager.shutdown(), timeout=60)
    return warm, resumed, methods


def main() -> list[tuple[str, str, str]]:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    install_loop(app)
    defaults = ManagerPolicy()
    every_one = ManagerPolicy(max_live_processes=CONVERSATIONS + 1, idle_suspend_minutes=0, recycle_rss_mb=0,
                              warm_spare=False)
    with engine_against_fake("bench-manager-") as config:
        managed_pss, managed_live = open_conversations(config, defaults)
        peer_pss, peer_live = open_conversations(config, every_one)
        spare = new_conversation_times(config, defaults)
        cold = new_conversation_times(config, ManagerPolicy(warm_spare=False))
        warm_turns, resumed_turns, methods = resume_times(config)
    share = managed_pss / peer_pss
    spare_median, cold_median = statistics.median(spare), statistics.median(cold)
    resumed_median = statistics.median(resumed_turns)
    speedup = cold_median / spare_median
    return [
        (f"{CONVERSATIONS} conversations, default policies (app + children PSS)", f"{managed_pss / MB:.0f} MB",
         f"{managed_live} live"),
        (f"{CONVERSATIONS} conversations, one process each (app + children PSS)", f"{peer_pss / MB:.0f} MB",
         f"{peer_live} live"),
        ("default policies vs one process each (target <= 40%)", f"{share * 100:.0f}%",
         "PASS" if share <= 0.40 else "FAIL"),
        ("New conversation, warm spare (median)", f"{spare_median * 1000:.1f} ms",
         "PASS" if spare_median < 0.100 else "FAIL"),
        ("New conversation, cold start (median)", f"{cold_median * 1000:.0f} ms", ""),
        ("warm spare vs cold start (target >= 10x)", f"{speedup:.0f}x", "PASS" if speedup >= 10 else "FAIL"),
        ("first chunk, warm turn (median, for information)", f"{statistics.median(warm_turns) * 1000:.0f} ms", ""),
        ("first chunk after suspension: resume (median, target < 1 s)",
         f"{resumed_median * 1000:.0f} ms", "PASS" if resumed_median < 1 else "FAIL"),
        ("resumes after suspension by gemini's session/load (LOADED)",
         f"{methods.count(ResumeMethod.LOADED)} of {len(methods)}",
         "PASS" if methods and set(methods) == {ResumeMethod.LOADED} else "FAIL"),
    ]


if __name__ == "__main__":
    from run import print_rows

    print_rows("Session manager: memory and New conversation", main())
