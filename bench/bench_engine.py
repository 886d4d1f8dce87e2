"""Follow-up turn latency: the long-lived ACP session vs. a gemini process per turn vs. raw ACP lines.

All three run against the same fake Gemini server in one run, interleaved turn by turn, so machine noise
hits them alike. Run: `python3 scripts/dev.py bench engine` (or `.venv/bin/python bench/bench_engine.py`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication  # noqa: E402

from gemini_desktop.engine import EngineConfig, GeminiCommand, GeminiSessionClient  # noqa: E402
from tests.support.cli_env import cli_environment, make_cli_home  # noqa: E402
from tests.support.fake_gemini import DEFAULT_MODEL, FakeGemini  # noqa: E402
from tests.support.qt_async import drive, install_loop  # noqa: E402

WARM_TURNS = 80
PROCESS_TURNS = 8


def gemini_entry() -> Path:
    named = os.environ.get("GEMINI_DESKTOP_TEST_GEMINI")
    if named:
        return Path(named).resolve()
    found = sorted(ROOT.glob(".cache/gemini-cli-*/node_modules/@google/gemini-cli/bundle/gemini.js"))
    if not found:
        sys.exit("run through `python3 scripts/dev.py bench`, which installs the pinned gemini-cli")
    return found[-1]


@contextlib.contextmanager
def engine_against_fake(prefix: str) -> Iterator[EngineConfig]:
    """The pinned gemini-cli configured against a fake model server, in a scratch folder of the checkout's private
    .cache (gemini ignores settings below a world-writable folder such as /tmp); all of it removed afterwards."""
    private = ROOT / ".cache" / "tmp"
    private.mkdir(parents=True, exist_ok=True, mode=0o700)
    scratch = Path(tempfile.mkdtemp(prefix=prefix, dir=private))
    fake = FakeGemini()
    fake.start()
    try:
        work = scratch / "work"
        work.mkdir()
        yield EngineConfig(gemini=GeminiCommand(shutil.which("node") or "node", (str(gemini_entry()),)), cwd=work,
                           model=DEFAULT_MODEL, env=cli_environment(make_cli_home(scratch / "home"), fake.base_url),
                           state_dir=scratch / "state")
    finally:
        fake.stop()
        shutil.rmtree(scratch, ignore_errors=True)


class RawAcp:
    """The floor: a bare script writing and reading ACP JSON lines, no SDK, no Qt."""

    def __init__(self, command: list[str], env: dict[str, str], cwd: str) -> None:
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env=env, cwd=cwd)
        self._next = 0
        self.session_id = ""

    def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self._next += 1
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps({"jsonrpc": "2.0", "id": self._next, "method": method,
                                          "params": params}).encode() + b"\n")
        self.proc.stdin.flush()
        while True:
            message = json.loads(self.proc.stdout.readline())
            if message.get("id") == self._next and "method" not in message:
                return message

    def start(self, cwd: str) -> None:
        self.request("initialize", {"protocolVersion": 1, "clientCapabilities": {}})
        self.session_id = self.request("session/new", {"cwd": cwd, "mcpServers": []})["result"]["sessionId"]

    def turn(self, text: str) -> None:
        self.request("session/prompt", {"sessionId": self.session_id,
                                        "prompt": [{"type": "text", "text": text}]})

    def close(self) -> None:
        assert self.proc.stdin
        self.proc.stdin.close()
        self.proc.wait(10)


async def alternate(client: GeminiSessionClient, raw: RawAcp, warm: list[float], bare: list[float]) -> None:
    """Turns of both kinds interleaved, and in swapped order every other round, so drift hits both alike."""

    async def ours(text: str) -> None:
        started = time.perf_counter()
        await client.chat(text)
        warm.append(time.perf_counter() - started)

    def theirs(text: str) -> None:
        started = time.perf_counter()
        raw.turn(text)
        bare.append(time.perf_counter() - started)

    for index in range(WARM_TURNS):
        if index % 2:
            theirs(f"follow-up {index}")
            await ours(f"follow-up {index}")
        else:
            await ours(f"follow-up {index}")
            theirs(f"follow-up {index}")


SCRIPTED_TURNS = 400


def own_cost(scratch: Path) -> tuple[float, float]:
    """Median turn through the client and through a bare script, against the same instant scripted agent:
    what is left over is the client's own cost per turn, free of the real CLI's run-to-run variance."""
    agent = [sys.executable, str(ROOT / "tests" / "support" / "scripted_agent.py"), "normal"]
    client = GeminiSessionClient(EngineConfig(gemini=GeminiCommand(agent[0], tuple(agent[1:])), cwd=scratch,
                                              state_dir=scratch / "scripted-state"))
    raw = RawAcp(agent, dict(os.environ), str(scratch))
    ours: list[float] = []
    bare: list[float] = []

    async def turns() -> None:
        await client.start_session()
        for index in range(SCRIPTED_TURNS):
            started = time.perf_counter()
            await client.chat(f"turn {index}")
            ours.append(time.perf_counter() - started)
            started = time.perf_counter()
            raw.turn(f"turn {index}")
            bare.append(time.perf_counter() - started)

    try:
        raw.start(str(scratch))
        drive(turns(), timeout=300)
    finally:
        drive(client.stop_session())
        raw.close()
    return statistics.median(ours), statistics.median(bare)


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def main() -> list[tuple[str, str, str]]:
    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    install_loop(app)
    entry = gemini_entry()
    node = shutil.which("node") or "node"
    scratch = Path(tempfile.mkdtemp(prefix="bench-engine-"))
    fake = FakeGemini()
    fake.start()
    home = make_cli_home(scratch / "home")
    work = scratch / "work"
    work.mkdir()
    env = dict(os.environ, **cli_environment(home, fake.base_url), GEMINI_CLI_NO_RELAUNCH="true")
    client = GeminiSessionClient(EngineConfig(gemini=GeminiCommand(node, (str(entry),)), cwd=work,
                                              model=DEFAULT_MODEL, env=cli_environment(home, fake.base_url),
                                              state_dir=scratch / "state"))
    raw = RawAcp([node, str(entry), "--acp", "-m", DEFAULT_MODEL], env, str(work))
    warm: list[float] = []
    bare: list[float] = []
    per_process: list[float] = []
    try:
        drive(client.start_session())
        raw.start(str(work))
        drive(client.chat("warm-up"))
        raw.turn("warm-up")
        drive(alternate(client, raw, warm, bare), timeout=600)
        session = json.loads(subprocess.run(
            [node, str(entry), "-p", "first turn", "-o", "json", "-m", DEFAULT_MODEL],
            env=env, cwd=work, capture_output=True, text=True, timeout=60).stdout)["session_id"]
        for index in range(PROCESS_TURNS):
            started = time.perf_counter()
            done = subprocess.run([node, str(entry), "-p", f"follow-up {index}", "-o", "stream-json",
                                   "--resume", session, "-m", DEFAULT_MODEL],
                                  env=env, cwd=work, capture_output=True, text=True, timeout=60)
            per_process.append(time.perf_counter() - started)
            if done.returncode != 0:
                raise RuntimeError(f"gemini -p failed: {done.stderr[-500:]}")
    finally:
        drive(client.stop_session())
        raw.close()
        fake.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    own_client, own_raw = own_cost(Path(tempfile.mkdtemp(prefix="bench-engine-own-")))
    warm_med, warm_p95 = summary(warm)
    bare_med, bare_p95 = summary(bare)
    proc_med, proc_p95 = summary(per_process)
    speedup = proc_med / warm_med
    overhead = (warm_med - bare_med) / bare_med
    own_share = (own_client - own_raw) / bare_med
    rows = [
        ("long-lived session (GeminiSessionClient.chat)", f"median {warm_med * 1000:.0f} ms",
         f"p95 {warm_p95 * 1000:.0f} ms"),
        ("process per turn (gemini -p --resume)", f"median {proc_med * 1000:.0f} ms", f"p95 {proc_p95 * 1000:.0f} ms"),
        ("raw ACP JSON lines (bare script)", f"median {bare_med * 1000:.0f} ms", f"p95 {bare_p95 * 1000:.0f} ms"),
        ("speed-up vs process per turn (target >= 5x)", f"{speedup:.1f}x", "PASS" if speedup >= 5 else "FAIL"),
        ("client vs raw ACP on the real CLI (separate gemini processes)", f"{overhead * 100:+.1f}%", ""),
        (f"client's own cost per turn (scripted agent, {SCRIPTED_TURNS} turns)",
         f"{(own_client - own_raw) * 1000:.2f} ms", f"raw {own_raw * 1000:.2f} ms"),
        ("client overhead as a share of a warm CLI turn (target < 10%)", f"{own_share * 100:.1f}%",
         "PASS" if own_share < 0.10 else "FAIL"),
    ]
    return rows


if __name__ == "__main__":
    from run import print_rows

    print_rows("Engine: follow-up turn latency", main())
