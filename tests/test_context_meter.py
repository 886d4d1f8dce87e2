"""The context meter's figure: gemini's `_meta.quota` usage against the model's context window."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from gemini_desktop.engine import (
    CONTEXT_WARNING_SHARE,
    ContextUsage,
    EngineConfig,
    GeminiSessionClient,
    ModelUsage,
    context_share,
    context_window,
    needs_warning,
)
from gemini_desktop.engine.translate import context_usage_from_meta
from tests.support.fake_gemini import DEFAULT_MODEL, FakeGemini


@pytest.fixture
def client(engine_config: EngineConfig, run_async: Callable[..., Any]) -> Iterator[GeminiSessionClient]:
    engine = GeminiSessionClient(engine_config)
    yield engine
    run_async(engine.stop_session(), timeout=20)


@pytest.mark.e2e
def test_the_context_share_of_a_known_model_comes_from_the_real_prompt_response_usage(
        client: GeminiSessionClient, fake_gemini: FakeGemini, run_async: Callable[..., Any]) -> None:
    fake_gemini.reply("A short answer.")
    fake_gemini.reply("A long conversation by now.", usage=(880_000, 1_000))

    first = run_async(client.chat("hello"))
    second = run_async(client.chat("and now?"))

    assert first.context == ContextUsage(12, 7, (ModelUsage(DEFAULT_MODEL, 12, 7),))
    assert context_share(DEFAULT_MODEL, first.context) == pytest.approx(19 / 1_048_576)
    assert not needs_warning(context_share(DEFAULT_MODEL, first.context))
    share = context_share(DEFAULT_MODEL, second.context)
    assert share == pytest.approx(881_000 / 1_048_576)
    assert needs_warning(share) and share >= CONTEXT_WARNING_SHARE


def test_an_unknown_model_has_no_share_and_a_variant_has_its_familys_window() -> None:
    usage = ContextUsage(1000, 10)
    assert context_share("some-local-model", usage) is None
    assert context_share(None, usage) is None
    assert context_share("gemini-2.5-flash", None) is None
    assert context_window("models/gemini-1.5-pro-002") == 2_097_152
    assert context_window("gemini-2.5-flash-lite") == 1_048_576  # not mistaken for gemini-2.5-flash's entry
    assert context_window("gemini-2.5-flash-preview-05-20") == 1_048_576
    assert context_window("gemini-2.5-flashy") is None


def test_a_malformed_quota_gives_no_figure_and_a_malformed_model_line_is_skipped() -> None:
    assert context_usage_from_meta(None) is None
    assert context_usage_from_meta({"quota": "full"}) is None
    assert context_usage_from_meta({"quota": {"token_count": {"input_tokens": "many"}}}) is None
    usage = context_usage_from_meta({"quota": {"token_count": {"input_tokens": 5, "output_tokens": 2},
                                               "model_usage": [None, {"model": "m"}, {"model": "gemini-2.5-pro",
                                                               "token_count": {"input_tokens": 5}}]}})
    assert usage == ContextUsage(5, 2, (ModelUsage("gemini-2.5-pro", 5, 0),))
