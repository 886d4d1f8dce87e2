"""Many OpenAI-compatible requests at once, each on its own `user` key, six times the cap of gemini processes
(issue 18 item 1): all answered, never more than cap children, back at the cap within 5 s of the last answer.
The children counted are the gemini processes the app started: the `git` each runs while it starts is not one."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gemini_desktop.engine.types import EngineConfig
from tests.support.fake_gemini import FakeGemini
from tests.support.http_exchange import request
from tests.support.processes import children_with_home, processes_with_home
from tests.test_api import start_api

pytestmark = pytest.mark.e2e

CAP = 2
# Six times the cap, as 24 on 4 were: each request is one more gemini start (~1 CPU-s), and the queueing under
# test depends on the ratio, not the count (40 on 4 took 109 s on a 2-core machine: peak 5, back in 0.03 s).
REQUESTS = 6 * CAP


def test_six_times_the_cap_of_requests_at_once_wait_for_a_process_and_every_one_is_answered(
        engine_config: EngineConfig, tmp_path: Path, fake_gemini: FakeGemini, cli_home: Path,
        run_async: Callable[..., Any]) -> None:
    counts: list[tuple[float, int]] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            counts.append((time.monotonic(), len(children_with_home(cli_home))))
            time.sleep(0.05)

    with start_api(engine_config, tmp_path, fake_gemini, run_async) as api:
        workspace = api.conversations.workspace
        workspace.settings.max_live_processes = CAP
        workspace.apply_policy()
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()

        async def burst() -> list[Any]:
            return await asyncio.gather(*(request(api.port, "POST", "/v1/chat/completions", {
                "messages": [{"role": "user", "content": f"question {i}"}], "user": f"caller-{i}"})
                for i in range(REQUESTS)))

        try:
            started = time.monotonic()
            answers = run_async(burst(), 240)
            last_answer = time.monotonic()
            run_async(asyncio.sleep(5), 10)
        finally:
            done.set()
            sampler.join()
        after = len(processes_with_home(cli_home))

    assert [a.status for a in answers] == [200] * REQUESTS
    assert sorted(a.json()["choices"][0]["message"]["content"] for a in answers) == sorted(
        f"Echo: question {i}" for i in range(REQUESTS))
    peak = max(count for _, count in counts)
    back = next((t for t, count in counts if t >= last_answer and count <= CAP), None)
    print(f"{REQUESTS} answered in {last_answer - started:.1f} s; peak {peak} gemini processes; "
          f"back at the cap {back - last_answer if back else float('nan'):.2f} s after the last answer")
    assert peak <= CAP
    assert back is not None and back - last_answer <= 5 and after <= CAP
