"""The agent's plan: gemini's write_todos calls (read back from its session file) and ACP `plan` updates become
the model's plan, shown live above the composer while the turn runs, kept in the history and shown on resume."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from gemini_desktop.conversation import ConversationController, ModelEvent
from gemini_desktop.conversation.model import AnswerText, PlanEntry
from gemini_desktop.engine.client import GeminiSessionClient
from gemini_desktop.engine.todos import plan_from_session_files, plan_of
from gemini_desktop.engine.types import EngineConfig, GeminiCommand
from gemini_desktop.store import HistoryStore
from gemini_desktop.ui.turn_dock import TurnDock
from tests.support.fake_gemini import FakeGemini, FunctionCall
from tests.support.qt_async import until

AGENT = Path(__file__).parent / "support" / "scripted_agent.py"
TODOS = ("Read the issue", "Write a failing test", "Fix the bug", "Run the tests", "Update the changelog")


MARKS = {"in_progress": "◐ {}  (in progress)", "pending": "☐ {}  (pending)", "completed": "☑ {}  (completed)",
         "cancelled": "☒ {}  (cancelled)"}
SCRIPT = (("in_progress", "pending", "pending", "pending", "pending"),
          ("completed", "completed", "in_progress", "pending", "pending"),
          ("completed", "completed", "completed", "completed", "cancelled"))
STATES = [tuple(MARKS[status].format(text) for text, status in zip(TODOS, state, strict=True)) for state in SCRIPT]


def todos(*statuses: str) -> FunctionCall:
    return FunctionCall("write_todos", {"todos": [{"description": text, "status": status}
                                                  for text, status in zip(TODOS, statuses, strict=True)]})


class PanelWatch:
    """What the pinned panel showed each time the model's plan changed (the panel follows the model first)."""

    def __init__(self, controller: ConversationController, dock: TurnDock) -> None:
        self.dock = dock
        self.seen: list[tuple[bool, tuple[str, ...]]] = []
        dock.attach(controller)
        controller.model.subscribe(self._follow)

    def _follow(self, event: ModelEvent) -> None:
        if any(isinstance(entry, PlanEntry) for entry in event.entries):
            self.seen.append((not self.dock.plan.isHidden(), tuple(self.dock.plan.item_texts())))


def statuses(controller: ConversationController) -> list[str]:
    plan = controller.model.plan
    assert plan is not None
    return [entry.status for entry in plan.plan.entries]


def approve_all(controller: ConversationController) -> None:
    for entry in controller.model.pending_requests():
        assert entry.request is not None
        allow = entry.request.option_of_kind("allow_once")
        controller.decide(entry.call.tool_call_id, allow.option_id if allow else None)


@pytest.mark.e2e
def test_a_plan_of_five_todos_updated_over_a_turn_is_live_kept_and_shown_on_resume(
        engine_config: EngineConfig, store: HistoryStore, fake_gemini: FakeGemini, qtbot: QtBot,
        run_async: Callable[..., Any]) -> None:
    controller = ConversationController(GeminiSessionClient(engine_config), store)
    dock = TurnDock()
    qtbot.addWidget(dock)
    watch = PanelWatch(controller, dock)
    for state in SCRIPT:
        fake_gemini.reply(todos(*state))
    fake_gemini.reply("All done.", delay=0.3)

    async def scenario() -> None:
        assert await controller.start()
        controller.submit("fix the bug")
        await until(lambda: (approve_all(controller), "All done." in answer_texts(controller))[1]
                    and not controller.busy, 60, "the answer after three todo updates")
        await until(lambda: statuses(controller)[-1] == "cancelled", 5, "the last todo list")

    try:
        run_async(scenario(), timeout=120)
        assert statuses(controller) == ["completed", "completed", "completed", "completed", "cancelled"]
        shown = [items for visible, items in watch.seen if visible]
        # Each list the agent wrote, in order; one may be overtaken by the next before it is read back.
        order = [STATES.index(items) for items in shown]
        assert shown and order == sorted(set(order)), shown
        assert dock.plan.isHidden()  # the turn is over: the plan stays in the transcript only
        assert dock.plan.header.text() == "Plan: 4 of 5 done"
        plans = [entry for entry in controller.model.entries if isinstance(entry, PlanEntry)]
        assert len(plans) == 1  # one checklist, updated in place
        assert controller.wait_until_saved(10) and controller.store_session_id is not None
        session = controller.store_session_id
        assert store.plan(session) == [(text, status, "medium") for text, status in zip(
            TODOS, ("completed", "completed", "completed", "completed", "cancelled"), strict=True)]
    finally:
        run_async(controller.shutdown(), timeout=30)

    resumed = ConversationController(GeminiSessionClient(engine_config), store)
    try:
        run_async(resumed.resume(session), timeout=90)
        assert statuses(resumed) == ["completed", "completed", "completed", "completed", "cancelled"]
        assert any(isinstance(entry, PlanEntry) for entry in resumed.model.entries)
    finally:
        run_async(resumed.shutdown(), timeout=30)


def answer_texts(controller: ConversationController) -> str:
    return "".join(entry.text for entry in controller.model.entries if isinstance(entry, AnswerText))


def test_acp_plan_updates_from_an_agent_that_sends_them_are_shown_while_the_turn_runs(
        tmp_path: Path, store: HistoryStore, qtbot: QtBot, run_async: Callable[..., Any]) -> None:
    config = EngineConfig(gemini=GeminiCommand(program=sys.executable, args=(str(AGENT), "plan")), cwd=tmp_path,
                          start_timeout=5.0, max_restarts=0, state_dir=tmp_path / "state")
    controller = ConversationController(GeminiSessionClient(config), store)
    dock = TurnDock()
    qtbot.addWidget(dock)
    watch = PanelWatch(controller, dock)

    async def scenario() -> None:
        assert await controller.start()
        controller.submit("go")
        await until(lambda: "ok: go" in answer_texts(controller) and not controller.busy, 20, "answer")

    try:
        run_async(scenario(), timeout=60)
    finally:
        run_async(controller.shutdown(), timeout=30)
    assert [items for visible, items in watch.seen if visible] == [
        ("◐ Read the code  (in progress)", "☐ Change it  (pending)", "☐ Run the tests  (pending)"),
        ("☑ Read the code  (completed)", "◐ Change it  (in progress)", "☐ Run the tests  (pending)"),
        ("☑ Read the code  (completed)", "☑ Change it  (completed)", "☑ Run the tests  (completed)"),
    ]
    assert controller.store_session_id is not None and controller.wait_until_saved(10)
    assert store.plan(controller.store_session_id)[0] == ("Read the code", "completed", "high")
    dock.plan.set_running(True)
    dock.plan.header.click()  # collapsed: one line of progress, the items hidden
    assert not dock.plan.expanded and dock.plan.body.isHidden() and dock.plan.header.text() == "Plan: 3 of 3 done"


def test_a_session_file_record_is_read_by_call_id_and_bad_records_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "session-2026-12-07T03-00-abcdef12.jsonl"
    good = {"id": "m1", "type": "gemini", "toolCalls": [
        {"id": "other", "name": "write_todos", "args": {"todos": []}},
        {"id": "call-1", "name": "write_todos", "args": {"todos": [
            {"description": "kept", "status": "blocked"}, {"status": "pending"}, "junk"]}}]}
    path.write_text("\n".join([json.dumps({"sessionId": "abcdef12"}), "{not json", json.dumps(good),
                               json.dumps({"toolCalls": [{"id": "shell-1", "name": "run_shell_command"}]})]) + "\n")
    plan = plan_from_session_files([path], "call-1")
    assert plan is not None and [(e.content, e.status) for e in plan.entries] == [("kept", "blocked")]
    assert plan_from_session_files([path], "shell-1") is None  # another tool's call is no plan
    assert plan_from_session_files([path], "missing") is None
    assert plan_of({"todos": "nope"}) is None and plan_of(None) is None
