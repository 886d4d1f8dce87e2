"""The sign-in panel: the ways in the running gemini advertises, what each needs, and why the last one failed.

Built from `initialize`'s auth methods, not a fixed pair, so a gemini that drops or adds a method is shown as it
is; "Log in with Google" stays (Code Assist Standard/Enterprise licences still use it) with a word on what
Google refuses since 2026-06-18.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from gemini_desktop.conversation.agent_offer import env_var_lines, terminal_command
from gemini_desktop.engine.diagnosis import Diagnosis
from gemini_desktop.engine.events import AuthMethod
from gemini_desktop.engine.sign_in import (
    VERTEX_LOCATIONS,
    SignIn,
    SignInInvalid,
    SignInMethod,
    api_key_sign_in,
    code_assist_sign_in,
    gateway_sign_in,
    vertex_sign_in,
)
from gemini_desktop.logs import redact
from gemini_desktop.ui.banners import Banner, Details, plain_label

# The panel's pages, in the order offered; each belongs to one ACP method id.
PAGES = ("api-key", "vertex", "code-assist", "gateway", "google")
PAGE_METHOD = {"api-key": SignInMethod.API_KEY, "vertex": SignInMethod.VERTEX, "code-assist": SignInMethod.GOOGLE,
               "gateway": SignInMethod.GATEWAY, "google": SignInMethod.GOOGLE}


def _line(parent: QWidget, name: str, placeholder: str, *, secret: bool = False) -> QLineEdit:
    field = QLineEdit(parent)
    field.setObjectName(name)
    field.setPlaceholderText(placeholder)
    field.setAccessibleName(placeholder)
    if secret:
        field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class SignInPanel(Banner):
    """Offers each way in; a choice that cannot work (an empty key, a project id with spaces ...) is refused here
    with the reason and changes nothing."""

    sign_in_chosen = Signal(object)  # SignIn, checked
    google_login_requested = Signal()
    method_requested = Signal(str)  # an agent's own method this app has no form for

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("authPanel", parent)
        self.title = QLabel(self)
        self.title.setObjectName("signInTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)  # an agent's name is not markup
        self.name_agent("Gemini")
        self.message = plain_label("", self)
        self.close_button = QPushButton(self.tr("Keep the current way in"), self)
        self.close_button.setObjectName("signInClose")
        self.close_button.clicked.connect(self.hide)
        self.problem_title = QLabel(self)
        self.problem_title.setObjectName("signInProblem")
        self.problem_title.setTextFormat(Qt.TextFormat.PlainText)
        bold = self.problem_title.font()
        bold.setBold(True)
        self.problem_title.setFont(bold)
        self.title.setFont(bold)
        self.problem_advice = plain_label("", self, selectable=self.tr("What to do"))
        self.problem_advice.setObjectName("signInAdvice")
        self.details = Details("signInDetails", self)
        self.method_box = QComboBox(self)
        self.method_box.setObjectName("signInMethod")
        self.method_box.setAccessibleName(self.tr("Way to sign in"))
        self.agent_command: tuple[str, ...] = ()  # how the agent is run: a `terminal` method's command starts so
        self._methods: dict[str, AuthMethod] = {}
        self.pages = QStackedWidget(self)
        self._page_index: dict[str, int] = {}
        self._build_pages()
        self.method_box.currentIndexChanged.connect(self._show_page)
        self.status = plain_label("", self)
        self.status.setObjectName("authStatus")
        for widget in (self.title, self.message, self.problem_title, self.problem_advice):
            self.layout_.addWidget(widget)
        self.layout_.addWidget(self.details.toggle, 0, Qt.AlignmentFlag.AlignLeft)
        self.layout_.addWidget(self.details.view)
        self.layout_.addWidget(self.method_box, 0, Qt.AlignmentFlag.AlignLeft)
        self.layout_.addWidget(self.pages)
        self.layout_.addWidget(self.status)
        self.layout_.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignRight)
        self.offer((), None, None)
        self.hide()

    # ---- what to show

    def show_methods(self, methods: Sequence[AuthMethod]) -> None:
        """Offer the pages of the methods gemini advertised (all of gemini's when it has not said yet)."""
        advertised = {m.id for m in methods}
        self._methods = {m.id: m for m in methods}
        current = self.method_box.currentData()
        self.method_box.blockSignals(True)
        self.method_box.clear()
        for page in PAGES:
            if not advertised or PAGE_METHOD[page] in advertised:
                self.method_box.addItem(self._page_title(page), page)
        known = {str(method) for method in SignInMethod}
        for method in methods:
            if method.id not in known:
                self.method_box.addItem(method.name or method.id, f"agent:{method.id}")
        self.method_box.blockSignals(False)
        index = self.method_box.findData(current)
        self.method_box.setCurrentIndex(max(index, 0))
        self._show_page(self.method_box.currentIndex())

    def show_diagnosis(self, diagnosis: Diagnosis | None) -> None:
        shown = diagnosis is not None
        for widget in (self.problem_title, self.problem_advice, self.details.toggle):
            widget.setVisible(shown)
        if diagnosis is None:
            self.details.view.hide()
            return
        self.problem_title.setText(diagnosis.title)
        self.problem_advice.setText(diagnosis.advice)
        self.details.view.setPlainText(redact(diagnosis.details))
        if diagnosis.problem == "ineligible" and self.method_box.currentData() == "google":
            self.choose("api-key")

    def choose(self, page: str) -> None:
        index = self.method_box.findData(page)
        if index >= 0:
            self.method_box.setCurrentIndex(index)

    def name_agent(self, agent: str) -> None:
        """The panel is about the conversation's agent, not always gemini."""
        self.title.setText(self.tr("Sign in to {agent}").format(agent=agent))

    def offer(self, methods: Sequence[AuthMethod], current: SignIn | None, diagnosis: Diagnosis | None, *,
              changing: bool = False, agent: str = "Gemini") -> None:
        """Show the ways in `agent` advertised, on the one in use. `changing`: asked for from Settings while signed
        in, so it says so and can be closed; otherwise the agent cannot work until one is chosen."""
        self.name_agent(agent)
        self.message.setText(
            self.tr("Choose another way in: the conversations started from now on use it.") if changing
            else self.tr("{agent} is installed but not signed in. Choose how it should sign in.").format(agent=agent))
        self.close_button.setVisible(changing)
        self.set_status("")
        self.show_methods(methods)
        self.set_choice(current)
        self.show_diagnosis(diagnosis)
        self.show()

    def set_status(self, text: str) -> None:
        self.status.setText(text)

    def set_choice(self, sign_in: SignIn | None) -> None:
        """Fill the forms with the way in in use (never its secrets), and show its page."""
        if sign_in is None:
            return
        self.project_field.setText(sign_in.project if sign_in.method is SignInMethod.VERTEX else "")
        self.location_box.setCurrentText(sign_in.location)
        self.credentials_field.setText(sign_in.credentials_file)
        self.code_assist_project.setText(sign_in.project if sign_in.kind == "code-assist" else "")
        self.gateway_url.setText(sign_in.gateway_url)
        self.choose(sign_in.kind)

    # ---- the pages

    def _page_title(self, page: str) -> str:
        return {
            "api-key": self.tr("Gemini API key"),
            "vertex": self.tr("Vertex AI (Google Cloud)"),
            "code-assist": self.tr("Code Assist Standard/Enterprise (Google login + project)"),
            "gateway": self.tr("AI API gateway"),
            "google": self.tr("Log in with Google (personal account)"),
        }[page]

    def _add_page(self, page: str, note: str, rows: Sequence[tuple[str, QWidget]], button_text: str,
                  on_click: Callable[[], None]) -> None:
        widget = QWidget(self.pages)
        layout = QVBoxLayout(widget)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(plain_label(note, widget))
        form = QFormLayout()
        for label, field in rows:
            form.addRow(label, field)
        layout.addLayout(form)
        button = QPushButton(button_text, widget)
        button.setObjectName(f"signIn-{page}")
        button.clicked.connect(on_click)
        layout.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)  # a short page keeps its fields together at the top of the tallest one's space
        self._page_index[page] = self.pages.addWidget(widget)
        if page == "api-key":
            button.setObjectName("useApiKeyButton")
        elif page == "google":
            self.google_button = button
            button.setObjectName("googleLoginButton")

    def _build_pages(self) -> None:
        self.key_field = _line(self, "apiKeyField", self.tr("Gemini API key (from Google AI Studio)"), secret=True)
        self.key_field.returnPressed.connect(self._submit_key)
        self._add_page("api-key", self.tr("Google serves gemini-cli on API keys of projects with billing (paid "
                                          "tier). The key is kept in the system keyring."),
                       [(self.tr("API key"), self.key_field)], self.tr("Use an API key"), self._submit_key)
        self.project_field = _line(self, "vertexProject", self.tr("Project id, e.g. my-project-123"))
        self.location_box = QComboBox(self)
        self.location_box.setObjectName("vertexLocation")
        self.location_box.setAccessibleName(self.tr("Vertex AI location"))
        self.location_box.setEditable(True)
        self.location_box.addItems(sorted(VERTEX_LOCATIONS))
        self.location_box.setCurrentText("us-central1")
        self.credentials_field = _line(self, "vertexCredentials",
                                       self.tr("Service-account key file (empty: gcloud's default credentials)"))
        browse = QPushButton(self.tr("Browse…"), self)
        browse.setObjectName("vertexBrowse")
        browse.clicked.connect(self._browse_credentials)
        credentials_row = QWidget(self)
        row = QHBoxLayout(credentials_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.credentials_field, 1)
        row.addWidget(browse)
        self.vertex_key_field = _line(self, "vertexApiKey", self.tr("Or an express-mode API key alone"),
                                      secret=True)
        self._add_page("vertex", self.tr("Vertex AI bills your Google Cloud project. Give the project and location "
                                         "with a service-account key file (or gcloud's default credentials), or "
                                         "an express-mode API key."),
                       [(self.tr("Project"), self.project_field), (self.tr("Location"), self.location_box),
                        (self.tr("Credentials"), credentials_row), (self.tr("Express key"), self.vertex_key_field)],
                       self.tr("Use Vertex AI"), self._submit_vertex)
        self.code_assist_project = _line(self, "codeAssistProject", self.tr("Project id of the licence"))
        self._add_page("code-assist", self.tr("For a Gemini Code Assist Standard or Enterprise licence: the Google "
                                              "login opens in the browser, with your organisation's project."),
                       [(self.tr("Project"), self.code_assist_project)], self.tr("Log in with Google"),
                       self._submit_code_assist)
        self.gateway_url = _line(self, "gatewayUrl", self.tr("https://gateway.example.com"))
        self.gateway_headers = QPlainTextEdit(self)
        self.gateway_headers.setObjectName("gatewayHeaders")
        self.gateway_headers.setAccessibleName(self.tr("Gateway headers, one NAME=VALUE per line"))
        self.gateway_headers.setPlaceholderText(self.tr("One header per line: NAME=VALUE"))
        self.gateway_headers.setMaximumHeight(70)
        self._add_page("gateway", self.tr("An AI API gateway that speaks the Gemini API. Header values are kept "
                                          "in the system keyring."),
                       [(self.tr("Address"), self.gateway_url), (self.tr("Headers"), self.gateway_headers)],
                       self.tr("Use this gateway"), self._submit_gateway)
        self._add_page("google", self.tr("Since 18 June 2026 Google refuses this login for individual accounts "
                                         "(free, AI Pro, Ultra); it still works for accounts Google serves "
                                         "gemini-cli to."),
                       [], self.tr("Log in with Google"), self.google_login_requested.emit)
        agent = QWidget(self.pages)
        agent_layout = QVBoxLayout(agent)
        agent_layout.setContentsMargins(0, 0, 0, 0)
        self.agent_steps = plain_label("", agent, selectable=self.tr("What to do"))
        self.agent_steps.setObjectName("signInSteps")
        agent_layout.addWidget(self.agent_steps)
        agent_button = QPushButton(self.tr("Sign in"), agent)
        agent_button.setObjectName("signIn-agent")
        agent_button.clicked.connect(
            lambda: self.method_requested.emit(str(self.method_box.currentData()).removeprefix("agent:")))
        agent_layout.addWidget(agent_button, 0, Qt.AlignmentFlag.AlignLeft)
        self._page_index["agent"] = self.pages.addWidget(agent)

    def _show_page(self, index: int) -> None:
        page = str(self.method_box.itemData(index) or "api-key")
        method = self._methods.get(page.removeprefix("agent:")) if page.startswith("agent:") else None
        if method is not None:
            self.agent_steps.setText(self._steps(method))
        self.pages.setCurrentIndex(self._page_index["agent" if page.startswith("agent:") else page])

    def _steps(self, method: AuthMethod) -> str:
        """What the user must do for one of the agent's own methods, by its ACP type."""
        lines = [method.description] if method.description else []
        if method.kind == "env_var":
            lines.append(self.tr("Set these environment variables for the agent, then press Sign in:"))
            lines += [f"  {line}" for line in env_var_lines(method)]
            if method.link:
                lines.append(self.tr("Get them here: {link}").format(link=method.link))
        elif method.kind == "terminal":
            lines.append(self.tr("Run this once in a terminal, then press Sign in:"))
            lines.append(f"  {terminal_command(method, self.agent_command)}")
        elif not lines:
            lines.append(self.tr("The agent signs in by itself: press Sign in."))
        return "\n".join(lines)

    def _browse_credentials(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Service-account key file"), str(Path.home()),
                                              self.tr("JSON key files (*.json);;All files (*)"))
        if path:
            self.credentials_field.setText(path)

    # ---- choosing

    def _choose(self, make: Callable[[], SignIn]) -> None:
        try:
            sign_in = make()
        except SignInInvalid as invalid:
            self.set_status(str(invalid))
            return
        self.key_field.clear()
        self.vertex_key_field.clear()
        self.sign_in_chosen.emit(sign_in)

    def _submit_key(self) -> None:
        if not self.key_field.text().strip():
            self.set_status(self.tr("Paste an API key first."))
            return
        self._choose(lambda: api_key_sign_in(self.key_field.text()))

    def _submit_vertex(self) -> None:
        self._choose(lambda: vertex_sign_in(self.project_field.text(), self.location_box.currentText(),
                                            self.credentials_field.text(), self.vertex_key_field.text()))

    def _submit_code_assist(self) -> None:
        self._choose(lambda: code_assist_sign_in(self.code_assist_project.text()))

    def _submit_gateway(self) -> None:
        lines = [line.strip() for line in self.gateway_headers.toPlainText().splitlines() if line.strip()]
        self._choose(lambda: gateway_sign_in(self.gateway_url.text(), lines))
