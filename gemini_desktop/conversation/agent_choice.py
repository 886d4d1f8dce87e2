"""Which agent a conversation gets, and how the agents other than gemini are launched, as Settings say."""

from __future__ import annotations

import asyncio
import logging

from gemini_desktop.engine.agents.install import agents_dir
from gemini_desktop.engine.agents.launch import AgentLauncher, AgentSetup, agent_key
from gemini_desktop.engine.agents.profiles import DEFAULT_AGENT, UnknownAgent
from gemini_desktop.settings import CUSTOM_AGENT, AppSettings, CustomAgent

log = logging.getLogger(__name__)


class AgentSetups:
    """Each agent's setup as Settings say, read when a conversation of that agent is opened (a change applies to
    the next one). The custom agent's env values live in the keyring, which can be slow: they are read once off
    the UI thread (`load`) and replaced by what Settings › Agents saves (`use_custom`)."""

    def __init__(self, settings: AppSettings) -> None:
        self.settings = settings
        self._custom_env: tuple[tuple[str, str], ...] = ()

    async def load(self) -> None:
        self.settings.sync()
        path = self.settings.path
        self._custom_env = (await asyncio.to_thread(lambda: AppSettings(path).custom_agent())).env

    def use_custom(self, agent: CustomAgent) -> None:
        self._custom_env = agent.env

    def __call__(self, name: str) -> AgentSetup:
        if name != CUSTOM_AGENT:
            return AgentSetup(program=self.settings.agent_program(name))
        custom = self.settings.custom_agent(secrets=False)
        return AgentSetup(program=custom.command or None, args=custom.args, env=dict(self._custom_env))


def launcher_from(settings: AppSettings) -> tuple[AgentLauncher, AgentSetups]:
    """Each agent's program is the one chosen in Settings, else found on PATH or in the app's own installs
    (agents_dir(), where Settings › Agents installs them)."""
    setups = AgentSetups(settings)
    return AgentLauncher(setups, agents_dir()), setups


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
