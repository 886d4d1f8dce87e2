"""What the app remembers and says per agent: the model chosen for each agent (not one app-wide setting) and
the sign-in panel naming the conversation's agent."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from gemini_desktop.conversation.workspace import Workspace
from gemini_desktop.settings import AppSettings, LaunchOptions
from gemini_desktop.ui.sign_in_panel import SignInPanel


def test_each_agent_keeps_its_own_model_across_launches(tmp_path: Path) -> None:
    settings = AppSettings(tmp_path / "settings.ini")
    settings.set_agent_model("gemini", "gemini-2.5-pro")
    settings.set_agent_model("claude-code", "opus")
    settings.set_agent_model("qwen-code", "qwen3-coder")
    again = AppSettings(tmp_path / "settings.ini")
    assert again.agent_model("claude-code") == "opus" and again.agent_model("qwen-code") == "qwen3-coder"
    assert again.model == again.agent_model("gemini") == "gemini-2.5-pro"  # gemini's is the old setting
    assert again.agent_model("codex") is None
    workspace = Workspace(again)
    assert [workspace.model_for(name) for name in ("claude-code", "qwen-code", "gemini", None, "codex")] == [
        "opus", "qwen3-coder", "gemini-2.5-pro", "gemini-2.5-pro", None]
    again.set_agent_model("claude-code", None)
    assert workspace.model_for("claude-code") is None


def test_the_command_line_model_is_the_default_agents_only(tmp_path: Path) -> None:
    settings = AppSettings(tmp_path / "settings.ini")
    settings.set_agent_model("gemini", "gemini-2.5-pro")
    workspace = Workspace(settings, LaunchOptions(agent="claude-code", model="haiku"))
    assert workspace.model_for("claude-code") == workspace.model_for(None) == "haiku"
    assert workspace.model_for("gemini") == "gemini-2.5-pro"


def test_the_sign_in_panel_names_the_conversations_agent(qtbot: QtBot) -> None:
    panel = SignInPanel()
    qtbot.addWidget(panel)
    assert panel.title.text() == "Sign in to Gemini"
    panel.offer((), None, None, agent="Claude Code")
    assert panel.title.text() == "Sign in to Claude Code"
    assert panel.message.text().startswith("Claude Code is installed but not signed in")
    panel.offer((), None, None)
    assert panel.title.text() == "Sign in to Gemini" and "Claude" not in panel.message.text()
