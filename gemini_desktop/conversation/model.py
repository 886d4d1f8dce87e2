"""One conversation as data: what was said, the tool calls and their permission requests, and its state.

No Qt here: the controller writes into the model and every view (the transcript, later the local API) reads it.
A view replays `entries` and then follows the change events, so the model is the only copy of the conversation:
closing a view loses nothing, and a second view shows the same thing.
"""

from __future__ import annotations

import enum
import itertools
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from gemini_desktop.conversation.message_queue import MessageQueue
from gemini_desktop.engine.events import PermissionOption, PermissionRequest, PlanUpdate, ToolCall, ToolStatus
from gemini_desktop.engine.types import ContextUsage, Usage

log = logging.getLogger(__name__)

FINISH_STATES = ("complete", "interrupted", "failed", "cancelled")
REJECT_KINDS = ("reject_once", "reject_always")


# --- entries ----------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Entry:
    """One item of the conversation, in the order it is shown. `message` groups the entries of one message
    (0 for what belongs to none, like a notice)."""

    id: int = field(init=False, default=0)
    message: int = field(init=False, default=0)

    @property
    def settled(self) -> bool:
        """A settled entry never changes again."""
        return True

    def searchable(self) -> str:
        """The text a find in the conversation looks at."""
        return ""


@dataclass(frozen=True)
class ShownAttachment:
    """An attachment as a view shows it: a chip (file or folder) or a thumbnail (image) that opens it."""

    kind: str  # "file" | "folder" | "image"
    name: str
    path: str = ""  # where it is on disk; "" for a pasted image
    image_file: str = ""  # an image's pixels: the file it was attached from, or its copy in the history
    data: bytes | None = field(default=None, repr=False, compare=False)  # a pasted image not stored yet
    outside_folder: bool = False  # not under the conversation's working folder


StoredMessage = tuple[str, str, str] | tuple[str, str, str, tuple[ShownAttachment, ...]]
"""(role, text, state) of a message from the history, optionally with its attachments."""


@dataclass(eq=False)
class UserMessage(Entry):
    text: str
    queued: bool = False
    attachments: tuple[ShownAttachment, ...] = ()

    @property
    def settled(self) -> bool:
        return not self.queued

    def searchable(self) -> str:
        return "\n".join((self.text, *(attachment.name for attachment in self.attachments)))


@dataclass(eq=False)
class _Streamed(Entry):
    """Text that arrives in pieces; joined once when read, so a chunk costs what it holds."""

    chunks: list[str] = field(default_factory=list)
    live: bool = True

    @property
    def text(self) -> str:
        if len(self.chunks) > 1:
            self.chunks[:] = ["".join(self.chunks)]
        return self.chunks[0] if self.chunks else ""

    @property
    def settled(self) -> bool:
        return not self.live

    def searchable(self) -> str:
        return self.text


@dataclass(eq=False)
class AnswerText(_Streamed):
    """A run of an answer's text; a tool call in between starts the next run. `first` opens the answer."""

    first: bool = True


@dataclass(eq=False)
class Thoughts(_Streamed):
    pass


@dataclass(eq=False)
class ToolCallEntry(Entry):
    call: ToolCall
    request: PermissionRequest | None = None  # set while gemini waits for the user's answer
    decided: bool = False
    decision: PermissionOption | None = None  # None with `decided`: rejected (or no answer)
    edited: bool = False  # it changed files through the app: they can be put back
    undone: bool = False

    @property
    def pending(self) -> bool:
        return self.request is not None

    @property
    def undoable(self) -> bool:
        return self.edited and not self.undone

    @property
    def settled(self) -> bool:
        return (self.request is None and self.call.status in (ToolStatus.COMPLETED, ToolStatus.FAILED)
                and not self.edited)  # an edit can be undone, and the undo redone

    def searchable(self) -> str:
        return "\n".join((self.call.title, *self.call.paths))


@dataclass(eq=False)
class PlanEntry(Entry):
    plan: PlanUpdate
    current: bool = True

    @property
    def settled(self) -> bool:
        return not self.current

    def searchable(self) -> str:
        return "\n".join(item.content for item in self.plan.entries)


@dataclass(eq=False)
class Notice(Entry):
    text: str
    kind: str = "info"

    def searchable(self) -> str:
        return self.text


@dataclass(eq=False)
class TurnEdits(Entry):
    """Closes an answer that changed files: the turn's "Undo changes" and, once undone, its "Redo".

    `tool_call_ids`: the calls that wrote through the app (in order); `snapshot`: the key of the turn's snapshots
    of `work_tree` (any change, shell commands too), `checking` until the one after the turn is taken; `paths`:
    what the snapshots show it changed; `skipped`: what the snapshot's bounds left out."""

    tool_call_ids: tuple[str, ...]
    undone: bool = False
    snapshot: str = ""
    work_tree: str = ""
    checking: bool = False
    paths: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()

    @property
    def changed_files(self) -> bool:
        return bool(self.tool_call_ids or self.paths or self.checking)

    @property
    def settled(self) -> bool:
        return not self.changed_files  # else it can be undone, and the undo redone


@dataclass(eq=False)
class EndMark(Entry):
    """How an answer ended when it did not complete (interrupted, failed, cancelled, still streaming)."""

    state: str


# --- change events ----------------------------------------------------------------------------------------


class Change(enum.Enum):
    ADDED = "added"  # entries were appended at the end
    APPENDED = "appended"  # `delta` was appended to the one streamed entry
    CHANGED = "changed"  # the entries changed in place (a badge, a tool call's status, a decision)
    RESET = "reset"  # everything changed: replay `entries`


@dataclass(frozen=True)
class ModelEvent:
    change: Change
    entries: tuple[Entry, ...] = ()
    delta: str = ""


Observer = Callable[[ModelEvent], None]


@dataclass
class ConversationState:
    """What the conversation is doing and with what, for the window's status and the sidebar."""

    activity: str = "idle"
    usage: Usage = field(default_factory=Usage)
    model: str | None = None
    mode: str | None = None
    folder: str = ""
    context: ContextUsage | None = None  # the last turn's usage as gemini reported it (the context meter)
    accepts_images: bool | None = None  # whether the running agent advertised images (None: not started yet)


@dataclass(eq=False)
class _Answer:
    text: AnswerText | None = None
    thoughts: Thoughts | None = None
    live: bool = True
    edits: dict[str, None] = field(default_factory=dict)  # the tool calls that changed files, in order
    snapshot: tuple[str, str] | None = None  # the key and folder of the turn's snapshots, once one is taken


class ConversationModel:
    """The ordered entries of one conversation and the events that tell views what changed."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._keys = itertools.count(1)
        self._entries: list[Entry] = []
        self._answers: dict[int, _Answer] = {}
        self._messages = 0
        self._tools: dict[str, ToolCallEntry] = {}
        self._undone: set[str] = set()  # tool calls whose edits were put back
        self._plan: PlanEntry | None = None
        self.queue = MessageQueue()
        self._observers: list[Observer] = []
        self.stored = 0
        """How many leading entries came from the history (a view may lay them out a page at a time)."""
        self.state = ConversationState()

    # --- observing ---

    @property
    def entries(self) -> Sequence[Entry]:
        return self._entries

    def subscribe(self, observer: Observer) -> None:
        self._observers.append(observer)

    def unsubscribe(self, observer: Observer) -> None:
        if observer in self._observers:
            self._observers.remove(observer)

    def _emit(self, change: Change, *entries: Entry, delta: str = "") -> None:
        event = ModelEvent(change, entries, delta)
        for observer in list(self._observers):
            observer(event)

    def _add(self, entry: Entry, message: int = 0) -> None:
        entry.id = next(self._ids)
        entry.message = message
        self._entries.append(entry)
        self._emit(Change.ADDED, entry)

    # --- messages ---

    def add_user_message(self, text: str, *, queued: bool = False,
                         attachments: tuple[ShownAttachment, ...] = ()) -> int:
        """Returns the message's key. A queued message waits in `queue` and joins the transcript when sent."""
        key = next(self._keys)
        message = UserMessage(text, queued, attachments)
        if queued:
            message.id, message.message = next(self._ids), key
            self.queue.add(message)
        else:
            self._place_sent(message, key)
        return key

    def _place_sent(self, message: UserMessage, key: int) -> None:
        self._messages += 1
        self._add(message, key)
        if self._plan is not None:  # a new message: the plan before it is history
            self._plan.current = False
            self._emit(Change.CHANGED, self._plan)
            self._plan = None

    def mark_sent(self, key: int) -> None:
        """The message went to the agent (or ended unsent): it leaves the queue for the transcript."""
        queued = self.queue.take(key)
        if queued is not None:
            queued.queued = False
            self._place_sent(queued, key)

    def begin_assistant_message(self) -> int:
        key = next(self._keys)
        self._messages += 1
        self._answers[key] = _Answer()
        return key

    def _answer(self, key: int) -> _Answer | None:
        answer = self._answers.get(key)
        if answer is None:
            log.warning("no answer with key %s; dropped", key)
        return answer

    def append_text(self, key: int, text: str) -> None:
        answer = self._answer(key)
        if answer is None or not text:
            return
        if answer.text is None or not self._is_last(answer.text):
            self._settle(answer.text)
            answer.text = AnswerText(live=answer.live, first=answer.text is None)
            self._add(answer.text, key)
        self._stream(answer.text, text)

    def append_thought(self, key: int, text: str) -> None:
        answer = self._answer(key)
        if answer is None or not text:
            return
        if answer.thoughts is None or not self._is_last(answer.thoughts):
            self._settle(answer.thoughts)
            answer.thoughts = Thoughts(live=answer.live)
            self._add(answer.thoughts, key)
        self._stream(answer.thoughts, text)

    def _is_last(self, entry: Entry) -> bool:
        return bool(self._entries) and self._entries[-1] is entry

    def _stream(self, entry: _Streamed, text: str) -> None:
        entry.chunks.append(text)
        self._emit(Change.APPENDED, entry, delta=text)

    def _settle(self, entry: _Streamed | None) -> None:
        if entry is not None and entry.live:
            entry.live = False
            self._emit(Change.CHANGED, entry)

    def finish_message(self, key: int, *, state: str = "complete") -> None:
        answer = self._answer(key)
        if answer is None:
            return
        if state not in FINISH_STATES:
            log.warning("unknown message state %r; shown as is", state)
        answer.live = False
        self._settle(answer.text)
        self._settle(answer.thoughts)
        if state != "complete":
            self._add(EndMark(state), key)
        if answer.edits or answer.snapshot:
            snapshot, folder = answer.snapshot or ("", "")
            self._add(TurnEdits(tuple(answer.edits), snapshot=snapshot, work_tree=folder, checking=bool(snapshot)),
                      key)

    def expect_snapshot(self, answer_key: int, snapshot: str, work_tree: str) -> None:
        """The folder was snapshotted before this answer changed files: its end offers to undo whatever did."""
        answer = self._answers.get(answer_key)
        if answer is not None:
            answer.snapshot = (snapshot, work_tree)

    def snapshot_taken(self, snapshot: str, paths: Sequence[str], skipped: Sequence[str]) -> None:
        """The snapshot after the turn: the files it changed (none: its undo disappears), what was left out."""
        entry = next((e for e in reversed(self._entries) if isinstance(e, TurnEdits) and e.snapshot == snapshot),
                     None)
        if entry is not None:
            entry.checking, entry.paths, entry.skipped = False, tuple(paths), tuple(skipped)
            self._emit(Change.CHANGED, entry)

    def add_notice(self, text: str, *, kind: str = "info") -> None:
        self._add(Notice(text, kind))

    @property
    def plan(self) -> PlanEntry | None:
        """The plan the agent is working to (until the next message), for a view pinned above the composer."""
        return self._plan

    def show_plan(self, plan: PlanUpdate) -> None:
        if self._plan is not None:
            self._plan.plan = plan
            self._emit(Change.CHANGED, self._plan)
        else:
            self._plan = PlanEntry(plan)
            self._add(self._plan)

    # --- tool calls and permissions ---

    def tool_call(self, tool_call_id: str) -> ToolCallEntry | None:
        return self._tools.get(tool_call_id)

    def upsert_tool_call(self, call: ToolCall) -> ToolCallEntry:
        entry = self._tools.get(call.tool_call_id)
        if entry is None:
            entry = self._tools[call.tool_call_id] = ToolCallEntry(call)
            self._add(entry)
        else:
            entry.call = merged_call(entry.call, call)
            self._emit(Change.CHANGED, entry)
        return entry

    def request_permission(self, request: PermissionRequest) -> ToolCallEntry:
        """The call waits for the user's answer; a request already open on it is rejected first."""
        entry = self.upsert_tool_call(request.tool_call)
        if entry.request is not None:
            self.record_decisions([(entry.call.tool_call_id, None)])
        entry.request = request
        entry.decided, entry.decision = False, None
        self._emit(Change.CHANGED, entry)
        return entry

    def pending_requests(self) -> list[ToolCallEntry]:
        return [entry for entry in self._tools.values() if entry.request is not None]

    def record_decisions(self, decisions: Sequence[tuple[str, PermissionOption | None]]) -> None:
        """Close open requests with the user's answers (None: rejected) in ONE change event, so a view redraws
        many withdrawn requests in one pass. A rejected call will not run: gemini sends no further update."""
        changed: list[Entry] = []
        for tool_call_id, option in decisions:
            entry = self._tools.get(tool_call_id)
            if entry is None or entry.request is None:
                continue
            entry.request, entry.decided, entry.decision = None, True, option
            if (option is None or option.kind in REJECT_KINDS) and entry.call.status == ToolStatus.PENDING:
                entry.call = ToolCall(**{**entry.call.__dict__, "status": ToolStatus.FAILED})
            changed.append(entry)
        if changed:
            self._emit(Change.CHANGED, *changed)

    # --- file edits ---

    def mark_edited(self, tool_call_id: str, answer_key: int | None) -> None:
        """The tool call changed a file (journaled): its card, and the answer once it ends, offer to undo."""
        self._undone.discard(tool_call_id)
        entry = self._tools.get(tool_call_id)
        if entry is not None and not entry.undoable:
            entry.edited, entry.undone = True, False
            self._emit(Change.CHANGED, entry)
        answer = self._answers.get(answer_key) if answer_key is not None else None
        if answer is not None:
            answer.edits[tool_call_id] = None

    def entry(self, entry_id: int) -> Entry | None:
        return next((entry for entry in reversed(self._entries) if entry.id == entry_id), None)

    def undo_targets(self, entry: Entry) -> list[str]:
        """The tool calls whose edits an "Undo changes" on `entry` puts back (a turn's, or one call's)."""
        if isinstance(entry, TurnEdits) and not entry.undone:
            return [tool for tool in entry.tool_call_ids if tool not in self._undone]
        if isinstance(entry, ToolCallEntry) and entry.undoable:
            return [entry.call.tool_call_id]
        return []

    def mark_undone(self, tool_call_ids: Sequence[str]) -> None:
        """Those calls' edits were put back: their cards, and every turn left with nothing to undo, say so."""
        self._undone.update(tool_call_ids)
        changed: list[Entry] = []
        for tool_call_id in tool_call_ids:
            entry = self._tools.get(tool_call_id)
            if entry is not None and entry.undoable:
                entry.undone = True
                changed.append(entry)
        for entry in self._entries:
            if isinstance(entry, TurnEdits) and not entry.undone and not entry.snapshot and not self.undo_targets(
                    entry):
                entry.undone = True
                changed.append(entry)
        if changed:
            self._emit(Change.CHANGED, *changed)

    def mark_turn(self, entry: Entry, tool_call_ids: Sequence[str], *, undone: bool) -> None:
        """A turn's (or a card's) changes were undone, or the undo taken back: it offers "Redo" or "Undo"."""
        if undone:
            self.mark_undone(tool_call_ids)
        self._undone.difference_update(() if undone else tool_call_ids)
        changed = [self._tools[tool] for tool in tool_call_ids if tool in self._tools]
        for marked in dict.fromkeys([*changed, entry]):
            if isinstance(marked, (TurnEdits, ToolCallEntry)):
                marked.undone = undone
        self._emit(Change.CHANGED, *dict.fromkeys([*changed, entry]))

    # --- whole conversation ---

    def load_history(self, messages: Sequence[StoredMessage], turn_edits: Mapping[int, TurnEdits] | None = None,
                     ) -> None:
        """Replace the conversation with stored messages (role, text, state[, attachments]); `turn_edits` closes
        the n-th message with its turn's undo (from the turn's stored snapshots)."""
        self._reset()
        turn_edits = turn_edits or {}
        for index, (role, text, state, *attached) in enumerate(messages):
            key = next(self._keys)
            self._messages += 1
            attachments = attached[0] if attached else ()
            entry: Entry = UserMessage(text, attachments=attachments) if role == "user" else AnswerText(
                [text], live=False)
            self._place(entry, key)
            if state and state != "complete":
                self._place(EndMark(state), key)
            if index in turn_edits:
                self._place(turn_edits[index], key)
        self.stored = len(self._entries)
        self._emit(Change.RESET)

    def _place(self, entry: Entry, message: int) -> None:
        entry.id, entry.message = next(self._ids), message
        self._entries.append(entry)

    def clear(self) -> None:
        self._reset()
        self._emit(Change.RESET)

    def _reset(self) -> None:
        self._entries = []
        self._answers.clear()
        self._tools.clear()
        self._undone.clear()
        self._plan = None
        self._messages = 0
        self.stored = 0

    def answer_text(self, key: int) -> tuple[str, str]:
        """An answer's whole text and thoughts (all its runs)."""
        entries = [entry for entry in self._entries if entry.message == key]
        return ("".join(entry.text for entry in entries if isinstance(entry, AnswerText)),
                "".join(entry.text for entry in entries if isinstance(entry, Thoughts)))

    def message_count(self) -> int:
        return self._messages

    def to_markdown(self) -> str:
        """The whole conversation in the history export's format: only the format writes structure, so a
        pasted copy cannot carry a forged turn."""
        from gemini_desktop.conversation.model_markdown import conversation_markdown  # it reads these entries

        return conversation_markdown(self._entries)


def paths_and_diffs(call: ToolCall) -> list[str]:
    """A compact, unified-looking record of a tool's file edits (the history stores the same text)."""
    blocks = []
    for diff in call.diffs:
        old = "\n".join(f"-{line}" for line in (diff.old_text or "").splitlines())
        new = "\n".join(f"+{line}" for line in diff.new_text.splitlines())
        blocks.append("\n".join(part for part in (f"--- {diff.path}", old, new) if part))
    return blocks


def merged_call(old: ToolCall, new: ToolCall) -> ToolCall:
    """A permission request may carry a thinner copy of the call; keep what we already knew."""
    return ToolCall(
        tool_call_id=new.tool_call_id,
        title=new.title or old.title,
        kind=new.kind if new.kind != "other" else old.kind,
        status=new.status,
        paths=new.paths or old.paths,
        diffs=new.diffs or old.diffs,
        text=new.text or old.text,
    )
