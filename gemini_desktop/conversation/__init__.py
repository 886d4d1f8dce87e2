"""The conversations of one app run, without widgets: each one's model (what was said, tool calls, permission
requests, state) and the controller that alone talks to its gemini client and writes its history, plus the
Workspace that owns them all. Views (ui/, the local API) show a model and report the user's decisions to its
controller."""

from gemini_desktop.conversation.controller import ConversationController
from gemini_desktop.conversation.model import Change, ConversationModel, ModelEvent
from gemini_desktop.conversation.tasks import run_soon

__all__ = ["Change", "ConversationController", "ConversationModel", "ModelEvent", "run_soon"]
