"""The gemini child and its ACP session; QtCore only, no widgets. See docs/architecture.md."""

from typing import TYPE_CHECKING

from gemini_desktop.engine.attachments import (
    IMAGE_LIMIT,
    Attachment,
    AttachmentError,
    AttachmentKind,
    Message,
    PromptCapabilities,
    attach,
    image_mime_type,
)
from gemini_desktop.engine.context_window import (
    CONTEXT_WARNING_SHARE,
    MODEL_CONTEXT_WINDOWS,
    context_share,
    context_window,
    needs_warning,
)
from gemini_desktop.engine.events import (
    AuthMethod,
    Choice,
    CommandsUpdate,
    FileDiff,
    MessageChunk,
    ModelUpdate,
    ModeUpdate,
    PermissionOption,
    PermissionRequest,
    PlanEntry,
    PlanUpdate,
    SessionEvent,
    SlashCommand,
    ThoughtChunk,
    ToolCall,
    ToolStatus,
)
from gemini_desktop.engine.file_access import FileEditJournal, FileRefused
from gemini_desktop.engine.locate import (
    INSTALL_HINT,
    MIN_GEMINI_VERSION,
    GeminiNotFound,
    GeminiTooOld,
    find_gemini,
)
from gemini_desktop.engine.types import (
    AuthRequired,
    ChatResult,
    ContextUsage,
    EngineConfig,
    EngineError,
    GeminiCommand,
    ModelUsage,
    PermissionHandler,
    ProcessCrashed,
    PromptFailed,
    ResumeMethod,
    ResumeOutcome,
    SessionState,
    StartTimeout,
    TranscriptTurn,
    Usage,
)

if TYPE_CHECKING:
    from gemini_desktop.engine.client import GeminiSessionClient
    from gemini_desktop.engine.session_manager import (
        Activity,
        ActivityState,
        Conversation,
        ManagerPolicy,
        SessionManager,
    )

_SESSION_MANAGER_NAMES = ("Activity", "ActivityState", "Conversation", "ManagerPolicy", "SessionManager")


def __getattr__(name: str) -> object:
    """The ACP SDK's schema takes seconds to import: load the client only when it is asked for, after the
    window is on screen."""
    if name == "GeminiSessionClient":
        from gemini_desktop.engine.client import GeminiSessionClient

        return GeminiSessionClient
    if name in _SESSION_MANAGER_NAMES:
        from gemini_desktop.engine import session_manager

        return getattr(session_manager, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CONTEXT_WARNING_SHARE",
    "IMAGE_LIMIT",
    "INSTALL_HINT",
    "MIN_GEMINI_VERSION",
    "MODEL_CONTEXT_WINDOWS",
    "Activity",
    "ActivityState",
    "Attachment",
    "AttachmentError",
    "AttachmentKind",
    "AuthMethod",
    "AuthRequired",
    "ChatResult",
    "Choice",
    "CommandsUpdate",
    "ContextUsage",
    "Conversation",
    "EngineConfig",
    "EngineError",
    "FileDiff",
    "FileEditJournal",
    "FileRefused",
    "GeminiCommand",
    "GeminiNotFound",
    "GeminiSessionClient",
    "GeminiTooOld",
    "ManagerPolicy",
    "Message",
    "MessageChunk",
    "ModeUpdate",
    "ModelUpdate",
    "ModelUsage",
    "PermissionHandler",
    "PermissionOption",
    "PermissionRequest",
    "PlanEntry",
    "PlanUpdate",
    "ProcessCrashed",
    "PromptCapabilities",
    "PromptFailed",
    "ResumeMethod",
    "ResumeOutcome",
    "SessionEvent",
    "SessionManager",
    "SessionState",
    "SlashCommand",
    "StartTimeout",
    "ThoughtChunk",
    "ToolCall",
    "ToolStatus",
    "TranscriptTurn",
    "Usage",
    "attach",
    "context_share",
    "context_window",
    "find_gemini",
    "image_mime_type",
    "needs_warning",
]
