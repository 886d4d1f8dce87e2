"""The status bar's context meter, fed by the real gemini-cli's usage for the shown conversation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from gemini_desktop.engine import EngineConfig
from gemini_desktop.engine.types import ContextUsage, ModelUsage
from gemini_desktop.ui.context_meter import ContextMeter
from tests.support.fake_gemini import DEFAULT_MODEL, FakeGemini
from tests.support.qt_async import until
from tests.test_shell import WindowFactory, make_window, ready, send, shown  # noqa: F401 (fixtures)


@pytest.mark.e2e
def test_the_context_meter_shows_the_share_of_a_known_model_and_warns_from_80_percent(
        make_window: WindowFactory, engine_config: EngineConfig, fake_gemini: FakeGemini, qtbot: QtBot,  # noqa: F811
        run_async: Callable[..., Any]) -> None:
    fake_gemini.reply("A short answer.", usage=(104_000, 857))  # 10% of gemini-2.5-flash's 1,048,576
    fake_gemini.reply("A long conversation by now.", usage=(850_000, 1_000))  # 81%

    async def scenario() -> None:
        window = make_window(engine_config)
        meter = window.status.context_meter
        assert meter.text() == "Context: –"
        await ready(window)
        send(qtbot, window, "hello")
        await until(lambda: "A short answer." in shown(window.view) and meter.share is not None, 45, "first")
        assert meter.text() == "Context: 10%" and not meter.warning
        assert DEFAULT_MODEL in meter.toolTip() and "1,048,576" in meter.toolTip()
        send(qtbot, window, "and now?")
        await until(lambda: meter.warning, 45, "the warning")
        assert meter.text() == "⚠ Context: 81% full"
        assert "nearly full" in meter.toolTip() and "850,000 in" in meter.toolTip()

    run_async(scenario(), timeout=150)


def test_the_context_meter_says_unknown_for_a_model_not_in_the_table(qtbot: QtBot) -> None:
    meter = ContextMeter()
    qtbot.addWidget(meter)
    usage = ContextUsage(900_000, 10, (ModelUsage("some-future-model", 900_000, 10),))

    meter.show_usage("some-future-model", usage)

    assert meter.text() == "Context: unknown" and not meter.warning
    assert "some-future-model: 900,000 in / 10 out" in meter.toolTip()
