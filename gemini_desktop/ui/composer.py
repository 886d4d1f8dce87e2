"""The composer: the message box in a rounded frame, with attach / stop / send as icon buttons inside it.

The chips and thumbnails stay the prompt's own (above its text); this only frames it and owns the buttons, so
ConversationView keeps deciding what they do and when they are enabled.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPlainTextEdit, QPushButton, QToolButton, QVBoxLayout, QWidget

from gemini_desktop.ui import design
from gemini_desktop.ui.icons import icon


def icon_button(name: str, icon_name: str, accessible: str, tooltip: str, parent: QWidget) -> QToolButton:
    button = QToolButton(parent)
    button.setObjectName(name)
    button.setIcon(icon(icon_name))
    button.setIconSize(QSize(design.ICON_SIZE, design.ICON_SIZE))
    button.setAutoRaise(True)
    button.setAccessibleName(accessible)
    button.setToolTip(tooltip)
    return button


class Composer(QWidget):
    """The frame sits in a margin of its own, so it reads as a box under the transcript, not a page edge."""

    def __init__(self, prompt: QPlainTextEdit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.frame = QFrame(self)
        self.frame.setObjectName("composer")
        self.prompt = prompt
        self._colours: design.Colours | None = None
        prompt.setFrameShape(QFrame.Shape.NoFrame)
        self.attach_button = icon_button(
            "attachButton", "paperclip", self.tr("Attach files or images"), self._attach_tip(""), self)
        self.stop_button = icon_button("stopButton", "square", self.tr("Stop the answer"),
                                       self.tr("Stop the answer (Esc)"), self)
        self.send_button = icon_button("sendButton", "send", self.tr("Send message"), self.tr("Send (Enter)"),
                                       self)
        self.resume_button = QPushButton(self.tr("Resume"), self)
        self.resume_button.setObjectName("resumeButton")
        self.resume_button.setToolTip(self.tr("Start gemini for this conversation now"))
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(design.SPACE["xs"])
        row.addWidget(self.attach_button)
        row.addStretch(1)
        for widget in (self.resume_button, self.stop_button, self.send_button):
            row.addWidget(widget)
        layout = QVBoxLayout(self.frame)
        s = design.SPACE
        layout.setContentsMargins(s["md"], s["sm"], s["sm"], s["sm"])
        layout.setSpacing(s["xs"])
        layout.addWidget(prompt)
        layout.addLayout(row)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(s["lg"], s["sm"], s["lg"], s["lg"])
        outer.addWidget(self.frame)
        self.stop_button.installEventFilter(self)
        self.stop_button.hide()
        self._restyle()

    def _attach_tip(self, refusal: str) -> str:
        if refusal:
            return self.tr("Attach files (or drop them, or type @ to mention a file). {reason}").format(reason=refusal)
        return self.tr("Attach files or images (or paste, drop, or type @ to mention a file)")

    def note_attachments(self, image_refusal: str) -> None:
        """The Attach button says what it takes: with `image_refusal`, files only, and why."""
        self.attach_button.setToolTip(self._attach_tip(image_refusal))
        self.attach_button.setAccessibleDescription(image_refusal)

    def _restyle(self) -> None:
        """The frame in the palette's colours (a palette change, such as the desktop going dark, restyles it)."""
        colours = design.colours(self.palette().base().color().lightness() < 128)
        if colours is self._colours:
            return
        self._colours = colours
        self.setStyleSheet(
            f"#composer {{ background: {colours.background}; border: 1px solid {colours.border};"
            f" border-radius: {design.RADIUS['lg']}px; }}"
            f" #composer QPlainTextEdit {{ background: transparent; }}")
        for button, name in ((self.attach_button, "paperclip"), (self.stop_button, "square"),
                             (self.send_button, "send")):
            button.setIcon(icon(name, colours.accent if button is self.send_button else colours.text_muted))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Stop shows only while there is something to stop (the view enables it); Send stays in its place."""
        if watched is self.stop_button and event.type() == QEvent.Type.EnabledChange:
            self.stop_button.setVisible(self.stop_button.isEnabled())
        return super().eventFilter(watched, event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._restyle()
