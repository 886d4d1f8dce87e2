"""What a tool call looks like in the transcript, and the inline prompt that asks permission to run it.

The card itself is rich text (so it can be selected and copied with the conversation); only the permission
prompt is a real widget, because it needs buttons, focus and keyboard shortcuts.
"""

from __future__ import annotations

import difflib
import html
import logging

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from gemini_desktop.conversation.model import REJECT_KINDS
from gemini_desktop.engine.events import FileDiff, PermissionOption, PermissionRequest, ToolCall, ToolStatus
from gemini_desktop.ui.qt_safe_text import breakable, clean_text, shortened
from gemini_desktop.ui.theme import Theme

log = logging.getLogger(__name__)

MAX_DIFF_LINES = 400
MAX_OUTPUT_CHARS = 4000

_KIND_ICONS = {
    "read": "📄",
    "edit": "✏️",
    "delete": "🗑",
    "move": "📦",
    "search": "🔍",
    "execute": "▶",
    "think": "💭",
    "fetch": "🌐",
    "switch_mode": "⇄",
    "other": "🔧",
}


def kind_label(kind: str) -> str:
    labels = {
        "read": QCoreApplication.translate("ToolCard", "Read"),
        "edit": QCoreApplication.translate("ToolCard", "Edit"),
        "delete": QCoreApplication.translate("ToolCard", "Delete"),
        "move": QCoreApplication.translate("ToolCard", "Move"),
        "search": QCoreApplication.translate("ToolCard", "Search"),
        "execute": QCoreApplication.translate("ToolCard", "Run"),
        "think": QCoreApplication.translate("ToolCard", "Think"),
        "fetch": QCoreApplication.translate("ToolCard", "Fetch"),
        "switch_mode": QCoreApplication.translate("ToolCard", "Switch mode"),
    }
    return labels.get(kind, QCoreApplication.translate("ToolCard", "Tool"))


def status_label(status: ToolStatus) -> str:
    return {
        ToolStatus.PENDING: QCoreApplication.translate("ToolCard", "pending"),
        ToolStatus.RUNNING: QCoreApplication.translate("ToolCard", "running"),
        ToolStatus.COMPLETED: QCoreApplication.translate("ToolCard", "completed"),
        ToolStatus.FAILED: QCoreApplication.translate("ToolCard", "failed"),
    }.get(status, str(status))


# Status marks are text, not <img>: an image anywhere in the document made every streamed chunk ~5x slower to
# reach the screen (bench/bench_render.py), and the word beside the mark says the status without colour.
STATUS_MARKS = {ToolStatus.PENDING: "◷", ToolStatus.RUNNING: "⟳", ToolStatus.COMPLETED: "✓", ToolStatus.FAILED: "✕"}


def status_colour(status: ToolStatus, theme: Theme) -> str:
    return {
        ToolStatus.PENDING: theme.muted,
        ToolStatus.RUNNING: theme.running,
        ToolStatus.COMPLETED: theme.success,
        ToolStatus.FAILED: theme.error,
    }.get(status, theme.muted)


MAX_LABEL_CHARS = 500


def _escape(text: str) -> str:
    return html.escape(breakable(shortened(text, MAX_LABEL_CHARS)))


def diff_lines(diff: FileDiff) -> list[str]:
    old = clean_text(diff.old_text or "").splitlines()
    new = clean_text(diff.new_text).splitlines()
    name = clean_text(diff.path)
    return list(difflib.unified_diff(old, new, name, name, lineterm=""))


def diff_html(diff: FileDiff, theme: Theme) -> str:
    """A unified diff with added lines green and removed lines red, capped so a huge edit stays cheap."""
    lines = diff_lines(diff)
    shown = lines[:MAX_DIFF_LINES]
    rows = []
    for line in shown:
        if line.startswith(("+++", "---")):
            style = f"color:{theme.muted}; font-weight:700"
        elif line.startswith("+"):
            style = f"color:{theme.diff_add_fg}; background-color:{theme.diff_add_bg}"
        elif line.startswith("-"):
            style = f"color:{theme.diff_del_fg}; background-color:{theme.diff_del_bg}"
        elif line.startswith("@@"):
            style = f"color:{theme.diff_hunk}"
        else:
            style = ""
        rows.append(f'<span style="{style}">{html.escape(line)}</span>' if style else html.escape(line))
    if len(lines) > len(shown):
        more = QCoreApplication.translate("ToolCard", "… %n more lines", "", len(lines) - len(shown))
        rows.append(f'<span style="color:{theme.muted}">{html.escape(more)}</span>')
    if not lines:
        nothing = QCoreApplication.translate("ToolCard", "(no changes)")
        rows.append(f'<span style="color:{theme.muted}">{html.escape(nothing)}</span>')
    return (
        f'<pre style="background-color:{theme.code_bg}; margin-top:0px; margin-bottom:0px">'
        + "\n".join(rows)
        + "</pre>"
    )


DONE = (ToolStatus.COMPLETED, ToolStatus.FAILED)


def card_toggle(link: str, expanded: bool, theme: Theme) -> str:
    """The link that opens a finished card to its full content, or closes it to one line again."""
    if expanded:
        text = QCoreApplication.translate("ToolCard", "▾ Hide details")
    else:
        text = QCoreApplication.translate("ToolCard", "▸ Show details")
    return f' &nbsp;<a href="{link}" style="color:{theme.link}">{html.escape(text)}</a>'


def tool_card_html(call: ToolCall, theme: Theme, *, link: str = "", expanded: bool = True) -> str:
    """Tinted blocks rather than a table: Qt tables are frames, which make later document edits slower.

    With a `link`, a finished card is one line unless `expanded`; a running one always shows everything.
    """
    colour = status_colour(call.status, theme)
    icon = _KIND_ICONS.get(call.kind, _KIND_ICONS["other"])
    title = _escape(call.title) or html.escape(kind_label(call.kind))
    card = f"background-color:{theme.card_bg}; margin-top:0px; margin-bottom:0px"
    collapsible = bool(link) and call.status in DONE
    toggle = card_toggle(link, expanded, theme) if collapsible else ""
    parts = [
        f'<p style="{card}; margin-top:8px"><span style="color:{colour}">▍</span>{icon} '
        f'<span style="color:{theme.muted}">{html.escape(kind_label(call.kind))}</span> &nbsp;<b>{title}</b>'
        f' &nbsp;<span style="color:{colour}; font-weight:700">{STATUS_MARKS.get(call.status, "◷")} '
        f"{html.escape(status_label(call.status))}</span>{toggle}</p>"
    ]
    if collapsible and not expanded:
        return parts[0]
    parts.extend(f'<p style="{card}; color:{theme.muted}"><code>{_escape(path)}</code></p>' for path in call.paths)
    parts.extend(diff_html(diff, theme) for diff in call.diffs)
    if call.text.strip():
        output = clean_text(call.text)
        if len(output) > MAX_OUTPUT_CHARS:
            output = output[:MAX_OUTPUT_CHARS] + "\n" + QCoreApplication.translate("ToolCard", "… (output shortened)")
        output = breakable(output)
        parts.append(f'<pre style="{card}; color:{theme.muted}">{html.escape(output)}</pre>')
    return "".join(parts)


def option_label(option: PermissionOption) -> str:
    """Our own words for the standard kinds (translatable, the same for every agent); the agent's otherwise."""
    labels = {
        "allow_once": QCoreApplication.translate("ToolCard", "Allow once"),
        "allow_always": QCoreApplication.translate("ToolCard", "Allow for this session"),
        "reject_once": QCoreApplication.translate("ToolCard", "Reject"),
        "reject_always": QCoreApplication.translate("ToolCard", "Always reject"),
    }
    return labels.get(option.kind) or shortened(option.name, 60) or option.option_id


def decision_text(option: PermissionOption | None) -> str:
    if option is None:
        return QCoreApplication.translate("ToolCard", "✗ Rejected")
    prefix = "✗" if option.kind in REJECT_KINDS else "✓"
    return f"{prefix} {option_label(option)}"


DECISION_KEYS: dict[Qt.Key, tuple[str, ...]] = {
    Qt.Key.Key_Y: ("allow_once",),
    Qt.Key.Key_A: ("allow_always",),
    Qt.Key.Key_N: REJECT_KINDS,
}
"""Y/A/N decide a request, bare only while its prompt has the focus: a request never takes the focus, so
letters typed in the composer never answer one (a user typing "can you" must not allow anything)."""


def anywhere_shortcut(key: Qt.Key) -> QKeySequence:
    """The chord that answers the first open request wherever the focus is: typing text never produces it."""
    return QKeySequence(Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier | key)


class PermissionPrompt(QFrame):
    """The buttons of one permission request, placed over its tool card.

    It never takes the focus itself; bare Y/A/N/Esc work once the user has moved the focus here (Tab or a click).
    """

    decided = Signal(object)  # the chosen PermissionOption, or None for a plain rejection

    def __init__(self, request: PermissionRequest, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.request = request
        self.setObjectName("permissionPrompt")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        title = shortened(request.tool_call.title, 80) or kind_label(request.tool_call.kind)
        self.setAccessibleName(self.tr("Permission request: %1").replace("%1", title))
        self._shortcuts = {key: request.option_of_kind(*kinds) for key, kinds in DECISION_KEYS.items()}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        question = QLabel(self.tr("Allow this?"), self)
        question.setAccessibleName(self.tr("Permission question"))
        layout.addWidget(question)
        self.buttons: dict[str, QPushButton] = {}
        for option in request.options:
            name = option_label(option)
            button = QPushButton(name, self)
            button.setAccessibleName(name)
            key = next((k for k, o in self._shortcuts.items() if o is option), None)
            if key is not None:
                chord = anywhere_shortcut(key).toString(QKeySequence.SequenceFormat.NativeText)
                button.setToolTip(self.tr("Shortcut: %1, or %2 while this request has the keyboard focus")
                                  .replace("%1", chord).replace("%2", chr(key.value)))
            button.clicked.connect(lambda _checked=False, chosen=option: self.decide(chosen))
            layout.addWidget(button)
            self.buttons[option.option_id] = button
        if not request.options:
            reject = QPushButton(self.tr("Reject"), self)
            reject.setAccessibleName(self.tr("Reject"))
            reject.clicked.connect(lambda: self.decide(None))
            layout.addWidget(reject)
        layout.addStretch(1)
        self._done = False

    def decide(self, option: PermissionOption | None) -> None:
        if self._done:
            return
        self._done = True
        self.decided.emit(option)

    def holds_focus(self) -> bool:
        """Whether the keyboard is on this prompt or one of its buttons (the user moved it here)."""
        focused = QApplication.focusWidget()
        return focused is not None and (focused is self or self.isAncestorOf(focused))

    def answer(self, key: Qt.Key) -> bool:
        """Decide as the shortcut `key` (Y, A or N) says; False when this request offers no such choice."""
        if key not in self._shortcuts:
            return False
        option = self._shortcuts[key]
        if option is None and key != Qt.Key.Key_N:
            return False
        self.decide(option)
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Only reached while this prompt (or one of its buttons) has the focus: the user moved it here."""
        key = event.key()
        bare = event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier)
        if key == Qt.Key.Key_Escape:
            self.answer(Qt.Key.Key_N)
        elif not (bare and key in self._shortcuts and self.answer(Qt.Key(key))):
            super().keyPressEvent(event)
