"""The conversations of one app run, without widgets: each one's model (what was said, tool calls, permission
requests, state) and the controller that alone talks to its gemini client and writes its history, plus the
Workspace that owns them all. Views (ui/, the local API) show a model and report the user's decisions to its
controller.

The names below load on first use, so that importing one light submodule (the `auth` command's
sign_in_choice) does not import the controller and the engine behind it."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gemini_desktop.conversation.controller import ConversationController
    from gemini_desktop.conversation.model import Change, ConversationModel, ModelEvent
    from gemini_desktop.conversation.tasks import run_soon

_HOMES = {"Change": "model", "ConversationController": "controller", "ConversationModel": "model",
          "ModelEvent": "model", "run_soon": "tasks"}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)


__all__ = ["Change", "ConversationController", "ConversationModel", "ModelEvent", "run_soon"]
