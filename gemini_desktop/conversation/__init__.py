"""One conversation, without widgets: its model (what was said, tool calls, permission requests, state) and the
controller that alone talks to its gemini client and writes its history. Views (ui/) show a model and report
the user's decisions to its controller."""

from gemini_desktop.conversation.controller import ConversationController
from gemini_desktop.conversation.model import Change, ConversationModel, ModelEvent
from gemini_desktop.conversation.tasks import run_soon

__all__ = ["Change", "ConversationController", "ConversationModel", "ModelEvent", "run_soon"]
