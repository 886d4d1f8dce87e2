"""Which agent a conversation gets, and how the agents other than gemini are launched, as Settings say."""

from __future__ import annotations

import logging

from gemini_desktop.engine.agents.launch import AgentLauncher, AgentSetup, agent_key
from gemini_desktop.engine.agents.profiles import DEFAULT_AGENT, UnknownAgent
from gemini_desktop.paths import data_dir
from gemini_desktop.settings import AppSettings

log = logging.getLogger(__name__)

AGENTS_FOLDER = "agents"  # below the data folder: the agents the app installs privately, one folder each


def launcher_from(settings: AppSettings) -> AgentLauncher:
    """Each agent's program is the one chosen in Settings, else found on PATH or in the app's own installs;
    read when a conversation of that agent is opened, so a change applies to the next one."""
    return AgentLauncher(lambda name: AgentSetup(program=settings.agent_program(name)),
                         data_dir() / AGENTS_FOLDER)


def resolve_default_agent(option: str | None, settings: AppSettings) -> str:
    """This launch's --agent, else the saved default; a saved name this version does not know is gemini."""
    if option:
        return agent_key(option)
    saved = settings.default_agent
    try:
        return agent_key(saved)
    except UnknownAgent:
        log.warning("the default agent %r is not known to this version: new conversations use gemini", saved)
        return DEFAULT_AGENT


def is_gemini(name: str | None) -> bool:
    """Whether a stored or chosen agent name is gemini's ("" is)."""
    try:
        return agent_key(name) == DEFAULT_AGENT
    except UnknownAgent:
        return False
