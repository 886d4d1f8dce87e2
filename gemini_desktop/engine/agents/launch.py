"""From a conversation's agent name to the configuration its child is launched with.

The session manager holds one configuration (gemini's, found when the app starts); each other agent's is
derived from it when one of its conversations gets a client: the same folder, timeouts and MCP servers, but the
agent's own program (located as its profile says, or the one the user chose), arguments, environment and model,
and none of gemini's sign-in.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gemini_desktop.engine.agents.locate import find_agent
from gemini_desktop.engine.agents.profiles import DEFAULT_AGENT, AgentProfile, UnknownAgent, profile
from gemini_desktop.engine.types import EngineConfig, EngineError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AgentSetup:
    """How one agent is set up on this machine: a program chosen instead of looking it up, arguments after the
    profile's, its environment on top of the app's, the model it starts with."""

    program: str | None = None
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    model: str | None = None


def no_setup(_name: str) -> AgentSetup:
    return AgentSetup()


def agent_key(name: str | None) -> str:
    """The profile name of a stored agent ("" is gemini); UnknownAgent for a name this version does not know."""
    return profile(name).name


def agent_argument(text: str) -> str:
    """argparse type of `--agent`: the profile name, or a usage error listing the agents (exit code 2)."""
    try:
        return agent_key(text)
    except UnknownAgent as unknown:
        raise argparse.ArgumentTypeError(str(unknown)) from None


def stored_agent(name: str) -> str:
    """What the history keeps for a conversation's agent: "" for gemini, so older rows and new ones agree."""
    key = agent_key(name)
    return "" if key == DEFAULT_AGENT else key


class AgentLauncher:
    """Locates each agent's program when a client for it is made (a program installed meanwhile is found)."""

    def __init__(self, setups: Callable[[str], AgentSetup] = no_setup, agents_dir: Path | None = None,
                 gemini_problem: EngineError | None = None) -> None:
        """`gemini_problem`: why gemini itself cannot run (the app runs other agents without it)."""
        self._setups = setups
        self._agents_dir = agents_dir
        self.gemini_problem = gemini_problem

    def profile(self, name: str | None) -> AgentProfile:
        try:
            return profile(name)
        except UnknownAgent as unknown:
            raise EngineError(str(unknown)) from None

    def installed(self, name: str) -> bool:
        """Whether a conversation of agent `name` could be launched now (for menus: nothing is started)."""
        agent = self.profile(name)
        if agent.is_gemini:
            return self.gemini_problem is None
        try:
            find_agent(agent, self._setups(agent.name).program, self._agents_dir)
        except EngineError:
            return False
        return True

    def config_for(self, base: EngineConfig, name: str | None, model: str | None) -> EngineConfig:
        """`base` (gemini's configuration) for agent `name`; EngineError naming the agent when it cannot run."""
        agent = self.profile(name)
        if agent.is_gemini:
            if self.gemini_problem is not None:
                raise self.gemini_problem
            return dataclasses.replace(base, model=model or base.model)
        setup = self._setups(agent.name)
        command = find_agent(agent, setup.program, self._agents_dir)
        log.info("%s runs as %s %s", agent.display_name, command.program, " ".join(command.args))
        return dataclasses.replace(base, gemini=command, agent=agent, model=model or setup.model,
                                   env=dict(setup.env), extra_args=setup.args, api_key=None, sign_in=None)


__all__ = ["AgentLauncher", "AgentSetup", "agent_argument", "agent_key", "no_setup", "stored_agent"]
