"""Model ids across agents: `AGENT/MODEL` names another agent's model; gemini's stay plain, as before agents."""

from __future__ import annotations

from fastapi import HTTPException

from gemini_desktop.engine.agents.profiles import DEFAULT_AGENT, PROFILES


def agent_and_model(model: str | None) -> tuple[str | None, str | None]:
    """`AGENT/MODEL` picks the agent (and its model); a plain id is a model of the default agent. An unknown
    agent is the caller's mistake (400), said with the names that work."""
    if not model or "/" not in model:
        return None, model or None
    agent, _, rest = model.partition("/")
    if agent.lower() not in PROFILES:
        raise HTTPException(400, f"Unknown agent {agent!r} in model {model!r}: use AGENT/MODEL with one of "
                                 f"{', '.join(PROFILES)}, or a plain model id for the default agent.")
    return agent.lower(), rest or None


def model_id(agent: str, model: str) -> str:
    """How a model is named to API callers: gemini's plain (as before agents), the others' as AGENT/MODEL."""
    return model if agent == DEFAULT_AGENT else f"{agent}/{model}"
