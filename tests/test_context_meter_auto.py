"""The context meter on "Auto" (gemini-cli's default for new users, no model chosen): the share is that of the
model that answered, as the per-model usage lines name it (issue 18 item 8). Real gemini-cli, fake Gemini API."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gemini_desktop.engine import EngineConfig, GeminiSessionClient, context_share
from gemini_desktop.engine.context_window import answering_model
from gemini_desktop.engine.types import ContextUsage, ModelUsage
from tests.support.cli_env import CLI_SETTINGS, make_cli_home
from tests.support.fake_gemini import FakeGemini


@pytest.mark.e2e
def test_a_turn_on_auto_shows_the_share_of_the_model_that_answered(
        engine_config: EngineConfig, fake_gemini: FakeGemini, cli_home: Path, qapp: Any,
        run_async: Callable[..., Any]) -> None:
    from gemini_desktop.ui.context_meter import ContextMeter

    make_cli_home(cli_home, {key: value for key, value in CLI_SETTINGS.items() if key != "model"})
    client = GeminiSessionClient(dataclasses.replace(engine_config, model=None))
    fake_gemini.reply("Routed and answered.", usage=(524_288, 1_000))
    try:
        result = run_async(client.chat("hello on auto"), timeout=60)
        chosen = client.models.current if client.models is not None else None
    finally:
        run_async(client.stop_session(), timeout=20)
    assert result.context is not None and result.context.per_model
    answered = answering_model(result.context)
    assert chosen == "auto" and answered is not None and answered in fake_gemini.stream_requests()[-1].path
    meter = ContextMeter()
    meter.show_usage(chosen, result.context)
    assert meter.share == pytest.approx(context_share(answered, result.context))
    assert meter.text() != "Context: unknown" and meter.share > 0.4
    assert f"Model: {answered}" in meter.toolTip()


def test_the_answering_model_is_the_known_one_sent_the_most() -> None:
    usage = ContextUsage(900, 20, (ModelUsage("gemini-2.5-flash-lite", 100, 10), ModelUsage("gemini-2.5-pro", 800, 10),
                                   ModelUsage("some-local-model", 5000, 1)))
    assert answering_model(usage) == "gemini-2.5-pro"
    assert context_share("auto", usage) == pytest.approx(810 / 1_048_576)
    assert answering_model(ContextUsage(1, 1)) is None and context_share(None, ContextUsage(1, 1)) is None
