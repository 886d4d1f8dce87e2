"""What an empty conversation shows: a greeting, the working folder, and a few example prompts that fill the
composer when clicked (nothing is sent until the user presses Enter)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from gemini_desktop.ui import design
from gemini_desktop.ui.icons import icon


def example_prompts() -> list[str]:
    return [QCoreApplication.translate("EmptyState", "Explain what this project does and how it is organised"),
            QCoreApplication.translate("EmptyState", "Find likely bugs in the most recently changed files"),
            QCoreApplication.translate("EmptyState", "Write tests for the main module"),
            QCoreApplication.translate("EmptyState", "Summarise the README in five bullet points")]


def fill_composer(prompt: QPlainTextEdit, text: str) -> None:
    """An example goes into the composer, the cursor at its end, ready to edit or send."""
    prompt.setPlainText(text)
    prompt.moveCursor(QTextCursor.MoveOperation.End)
    prompt.setFocus()


class EmptyState(QWidget):
    prompt_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("transcriptWelcome")
        s = design.SPACE
        layout = QVBoxLayout(self)
        layout.setSpacing(s["sm"])
        layout.addStretch(1)
        heading = QLabel(self.tr("Ask Gemini anything"), self)
        heading.setObjectName("welcomeHeading")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * design.TYPE["heading"])
        font.setBold(True)
        heading.setFont(font)
        self.folder_label = QLabel(self)
        self.folder_label.setObjectName("welcomeFolder")
        self.folder_label.setTextFormat(Qt.TextFormat.PlainText)
        hint = QLabel(self.tr("Enter sends, Shift+Enter starts a new line, / lists gemini's commands. "
                              "Tool calls ask before they act."), self)
        hint.setWordWrap(True)
        for label in (heading, self.folder_label, hint):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(label)
        layout.addSpacing(s["lg"])
        self.examples: list[QPushButton] = []
        for text in example_prompts():
            button = QPushButton(icon("sparkles"), text, self)
            button.setObjectName("examplePrompt")
            button.setAccessibleName(self.tr("Example: {prompt}").format(prompt=text))
            button.setFlat(True)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.clicked.connect(lambda _checked=False, t=text: self.prompt_chosen.emit(t))
            layout.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
            self.examples.append(button)
        layout.addStretch(2)

    def set_folder(self, folder: Path) -> None:
        self.folder_label.setText(self.tr("Working in {folder}").format(folder=str(folder)))
        self.folder_label.setToolTip(str(folder))
