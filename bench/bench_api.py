"""The local API: a follow-up turn through it vs. GeminiSessionClient.chat() directly vs. `gemini -p --resume`
per request, then 20 concurrent clients over 4 conversations, then 200 turns in a row with the server's memory
and open files sampled every 50 (issue 11).

All against one fake Gemini server run as a separate process (its request log would otherwise be counted in
the server's memory), API and direct turns interleaved so machine noise hits both alike, and both on the same
conversation's gemini child: two children of the same gemini answer a turn in ~15 or ~50 ms depending on the
child (its connection to the model server), so a second child would measure that, not the API.
Run: `python3 scripts/dev.py bench api` (or `.venv/bin/python bench/bench_api.py`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench_engine import gemini_entry, summary  # noqa: E402
from PySide6.QtCore import QCoreApplication  # noqa: E402

from gemini_desktop.api.server import ApiServer  # noqa: E402
from gemini_desktop.conversation.open_conversations import OpenConversations  # noqa: E402
from gemini_desktop.conversation.workspace import Workspace  # noqa: E402
from gemini_desktop.engine import EngineConfig, GeminiCommand, GeminiSessionClient  # noqa: E402
from gemini_desktop.paths import api_token  # noqa: E402
from gemini_desktop.settings import AppSettings, LaunchOptions  # noqa: E402
from gemini_desktop.store import HistoryStore  # noqa: E402
from tests.support.cli_env import cli_environment, make_cli_home  # noqa: E402
from tests.support.fake_gemini import DEFAULT_MODEL  # noqa: E402
from tests.support.http_exchange import request  # noqa: E402
from tests.support.qt_async import drive, install_loop  # noqa: E402

FOLLOW_UPS = 60
PROCESS_TURNS = 6
CLIENTS, CONVERSATIONS, TURNS_PER_CLIENT = 20, 4, 5
SOAK_TURNS, SAMPLE_EVERY = 200, 50


def resident_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def start_fake(scratch: Path) -> tuple[subprocess.Popen[str], str]:
    port_file = scratch / "fake-url"
    fake = subprocess.Popen([sys.executable, str(ROOT / "tests" / "support" / "fake_gemini.py"),
                             "--port-file", str(port_file)], stdout=subprocess.DEVNULL, text=True,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    deadline = time.monotonic() + 20
    while not (port_file.exists() and port_file.read_text()):
        if time.monotonic() > deadline:
            raise RuntimeError("the fake Gemini server did not start")
        time.sleep(0.05)
    return fake, port_file.read_text()


async def api_turn(port: int, key: str, text: str) -> float:
    started = time.perf_counter()
    answer = await request(port, "POST", f"/conversations/{key}/messages", {"text": text, "stream": False})
    if answer.status != 200:
        raise RuntimeError(f"API turn failed: {answer.status} {answer.body[:300]!r}")
    return time.perf_counter() - started


async def follow_ups(port: int, key: str, client: GeminiSessionClient) -> tuple[list[float], list[float]]:
    through_api: list[float] = []
    direct: list[float] = []

    async def ours(index: int) -> None:
        through_api.append(await api_turn(port, key, f"follow-up {index}"))

    async def theirs(index: int) -> None:
        started = time.perf_counter()
        await client.chat(f"follow-up {index}")
        direct.append(time.perf_counter() - started)

    for index in range(FOLLOW_UPS):
        first, second = (ours, theirs) if index % 2 else (theirs, ours)
        await first(index)
        await second(index)
    return through_api, direct


async def concurrent_clients(port: int, keys: list[str]) -> tuple[float, list[float]]:
    latencies: list[float] = []

    async def one_client(number: int) -> None:
        key = keys[number % len(keys)]
        for turn in range(TURNS_PER_CLIENT):
            latencies.append(await api_turn(port, key, f"client {number} turn {turn}"))

    started = time.perf_counter()
    await asyncio.gather(*(one_client(number) for number in range(CLIENTS)))
    return time.perf_counter() - started, latencies


async def soak(port: int, key: str) -> list[tuple[int, int, int]]:
    samples = [(0, resident_kb(), open_files())]
    for turn in range(1, SOAK_TURNS + 1):
        await api_turn(port, key, f"soak {turn}")
        if turn % SAMPLE_EVERY == 0:
            samples.append((turn, resident_kb(), open_files()))
    return samples


def per_process_turns(node: str, entry: Path, env: dict[str, str], work: Path) -> list[float]:
    import json

    first = subprocess.run([node, str(entry), "-p", "first turn", "-o", "json", "-m", DEFAULT_MODEL],
                           env=env, cwd=work, capture_output=True, text=True, timeout=60)
    session = json.loads(first.stdout)["session_id"]
    times = []
    for index in range(PROCESS_TURNS):
        started = time.perf_counter()
        done = subprocess.run([node, str(entry), "-p", f"follow-up {index}", "-o", "stream-json", "--resume",
                               session, "-m", DEFAULT_MODEL], env=env, cwd=work, capture_output=True, text=True,
                              timeout=60)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise RuntimeError(f"gemini -p failed: {done.stderr[-500:]}")
    return times


def main() -> list[tuple[str, str, str]]:
    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    install_loop(app)
    entry, node = gemini_entry(), shutil.which("node") or "node"
    scratch = Path(tempfile.mkdtemp(prefix="bench-api-"))
    fake, base_url = start_fake(scratch)
    home = make_cli_home(scratch / "home")
    work = scratch / "work"
    work.mkdir()
    config = EngineConfig(gemini=GeminiCommand(node, (str(entry),)), cwd=work, model=DEFAULT_MODEL,
                          env=cli_environment(home, base_url), state_dir=scratch / "state")
    store = HistoryStore.open(scratch / "history.sqlite3")
    workspace = Workspace(AppSettings(scratch / "settings.ini"), LaunchOptions(), config)
    conversations = OpenConversations(workspace, store)
    server = ApiServer(conversations, api_token, port=0)
    try:
        port = drive(server.start())
        keys = [drive(conversations.open_new()) for _ in range(CONVERSATIONS)]
        assert all(keys)
        conversation = conversations.conversation(keys[0])  # type: ignore[arg-type]
        assert conversation is not None
        client = conversation.client  # the same gemini child both ways: children differ by tens of ms a turn
        logging.getLogger("gemini_desktop.conversation.controller").setLevel(logging.ERROR)  # "did not send" x60
        drive(api_turn(port, keys[0], "warm-up"))  # type: ignore[arg-type]
        drive(client.chat("warm-up"))
        through_api, direct = drive(follow_ups(port, keys[0], client), timeout=600)  # type: ignore[arg-type]
        per_process = per_process_turns(node, entry, dict(os.environ, **config.env, GEMINI_CLI_NO_RELAUNCH="true"),
                                        work)
        elapsed, latencies = drive(concurrent_clients(port, keys), timeout=600)  # type: ignore[arg-type]
        samples = drive(soak(port, keys[1]), timeout=900)  # type: ignore[arg-type]
    finally:
        drive(server.stop())
        drive(conversations.close_all())
        drive(workspace.shutdown())
        store.close()
        fake.terminate()
        fake.wait(10)
        shutil.rmtree(scratch, ignore_errors=True)
    api_med, api_p95 = summary(through_api)
    direct_med, direct_p95 = summary(direct)
    proc_med, proc_p95 = summary(per_process)
    overhead_ms = (statistics.median(through_api) - statistics.median(direct)) * 1000
    speedup = proc_med / api_med
    _, concurrent_p95 = summary(latencies)
    first, last = samples[1], samples[-1]  # from the first sample after warm-up: growth per turn
    rss_per_turn = (last[1] - first[1]) / (last[0] - first[0])
    fd_growth = last[2] - first[2]
    return [
        ("follow-up turn through the API (HTTP, stream=false)", f"median {api_med * 1000:.1f} ms",
         f"p95 {api_p95 * 1000:.1f} ms"),
        ("follow-up turn, GeminiSessionClient.chat() directly", f"median {direct_med * 1000:.1f} ms",
         f"p95 {direct_p95 * 1000:.1f} ms"),
        ("process per request (gemini -p --resume)", f"median {proc_med * 1000:.0f} ms",
         f"p95 {proc_p95 * 1000:.0f} ms"),
        ("API overhead per turn at the median (target <= 5 ms)", f"{overhead_ms:+.1f} ms",
         "PASS" if overhead_ms <= 5 else "FAIL"),
        ("API vs process per request (target >= 30x)", f"{speedup:.0f}x", "PASS" if speedup >= 30 else "FAIL"),
        (f"{CLIENTS} concurrent clients over {CONVERSATIONS} conversations ({len(latencies)} turns)",
         f"{len(latencies) / elapsed:.1f} turns/s", f"p95 {concurrent_p95 * 1000:.0f} ms"),
        (f"{SOAK_TURNS} turns in a row: RSS / open files at " + ", ".join(str(s[0]) for s in samples),
         " / ".join(f"{s[1] // 1024}MB" for s in samples), " / ".join(str(s[2]) for s in samples)),
        ("growth per turn after the first 50 (RSS; open files must not grow)", f"{rss_per_turn:.1f} KB/turn",
         "PASS" if fd_growth <= 0 and rss_per_turn < 50 else "FAIL"),
    ]


if __name__ == "__main__":
    from run import print_rows

    print_rows("Local API (issue 11)", main())
