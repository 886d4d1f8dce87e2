#!/usr/bin/env python3
"""Screenshots of the main states of the window, for docs/ and the README.

Runs the real window against the real pinned gemini-cli and the fake Gemini server. Meant to run on a real
X display so it shows what a person sees:
    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python scripts/screenshots.py [--lang zh_CN]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QTextBrowser, QWidget  # noqa: E402

from gemini_desktop.conversation.model import TurnEdits  # noqa: E402
from gemini_desktop.engine import EngineConfig, GeminiCommand, SessionState  # noqa: E402
from gemini_desktop.engine.agents.launch import AgentLauncher, AgentSetup  # noqa: E402
from gemini_desktop.i18n import install_translators  # noqa: E402
from gemini_desktop.mcp_config import McpServerConfig  # noqa: E402
from gemini_desktop.settings import AppSettings, CustomAgent, LaunchOptions  # noqa: E402
from gemini_desktop.store import HistoryStore  # noqa: E402
from gemini_desktop.ui import design  # noqa: E402
from gemini_desktop.ui.main_window import MainWindow  # noqa: E402
from gemini_desktop.ui.mcp_dialog import McpServersDialog  # noqa: E402
from gemini_desktop.ui.settings_dialog import SettingsDialog  # noqa: E402
from gemini_desktop.ui.tool_card import PermissionPrompt  # noqa: E402
from tests.support.cli_env import (  # noqa: E402
    INELIGIBLE,
    cli_environment,
    code_assist_env,
    make_cli_home,
    qwen_arguments,
    qwen_environment,
)
from tests.support.fake_gemini import DEFAULT_MODEL, FakeGemini, FunctionCall  # noqa: E402
from tests.support.fake_openai import DEFAULT_MODEL as QWEN_MODEL  # noqa: E402
from tests.support.fake_openai import FakeOpenAI  # noqa: E402
from tests.support.qt_async import drive, install_loop, uninstall_loop, until  # noqa: E402

ANSWER = [
    "## Reading a file safely\n\nUse a context manager so the file is closed even when an error is raised:\n\n",
    "```python\nfrom pathlib import Path\n\n\ndef first_line(path: Path) -> str:\n",
    '    """Return the first line, or an empty string for an empty file."""\n',
    "    with path.open(encoding=\"utf-8\") as handle:\n        return handle.readline().rstrip(\"\\n\")\n```\n\n",
    "| approach | closes on error |\n|---|---|\n| `with open(...)` | yes |\n| `open(...).read()` | eventually |\n\n",
    "The same holds for sockets and locks…",
]
ANSWER_ZH = [
    "## 安全地读取文件\n\n使用上下文管理器，即使出错文件也会被关闭：\n\n",
    "```python\nfrom pathlib import Path\n\n\ndef first_line(path: Path) -> str:\n",
    '    """返回第一行。"""\n',
    "    with path.open(encoding=\"utf-8\") as handle:\n        return handle.readline()\n```\n\n",
    "| 方法 | 出错时关闭 |\n|---|---|\n| `with open(...)` | 是 |\n\n",
    "套接字和锁也是同样的道理……",
]
WIDE_TABLE = (
    "Here is how the three ways of talking to gemini compare:\n\n"
    "| Mode | How it works | Best for |\n|---|---|---|\n"
    "| `gemini -p` | Starts a new process for every prompt, reads the session file back, answers and exits; "
    "every follow-up pays the start-up again. | One-off questions in scripts |\n"
    "| `gemini --acp` | One long-lived process speaks the **Agent Client Protocol** over stdin and stdout, "
    "so follow-up turns cost a round trip. | Editors and desktop apps |\n"
    "| Interactive | The terminal UI, with its own history browser and approvals. | Working in a terminal |\n\n"
    "The protocol is described at https://agentclientprotocol.com/overview/introduction.\n"
)
WIDE_TABLE_ZH = (
    "三种使用 gemini 的方式对比如下：\n\n"
    "| 方式 | 工作原理 | 适用场景 |\n|---|---|---|\n"
    "| `gemini -p` | 每个提示都启动一个新进程，读回会话文件，回答后退出；"
    "每次追问都要重新付出启动的代价。 | 脚本中的一次性问题 |\n"
    "| `gemini --acp` | 一个长期运行的进程通过标准输入输出使用**智能体客户端协议**通信，"
    "追问只需一次往返。 | 编辑器和桌面应用 |\n"
    "| 交互模式 | 终端界面，自带历史浏览和审批。 | 在终端中工作 |\n\n"
    "协议说明见https://agentclientprotocol.com/overview/introduction。\n"
)




def mockup_image(path: Path) -> None:
    """A picture worth attaching: a sketch of a login form."""
    image = QImage(640, 400, QImage.Format.Format_RGB32)
    image.fill(QColor("#e8f0fe"))
    painter = QPainter(image)
    painter.fillRect(170, 60, 300, 280, QColor("white"))
    painter.setPen(QPen(QColor("#5f6368"), 2))
    painter.drawRect(170, 60, 300, 280)
    for top in (140, 200):
        painter.drawRect(200, top, 240, 36)
    painter.fillRect(200, 270, 240, 40, QColor("#1a73e8"))
    painter.setFont(QFont("Sans", 20))
    painter.drawText(200, 110, "Sign in")
    painter.end()
    image.save(str(path))


async def attachments(window: MainWindow, work: Path, shots: Shots, fake: FakeGemini, zh: bool) -> None:
    """A message with an image and two @files, in the composer and then in the transcript."""
    (work / "login.py").write_text("def login(user: str, password: str) -> bool:\n    ...\n")
    (work / "style.css").write_text(".login { margin: auto; }\n")
    mockup_image(work / "mockup.png")
    prompt = window.prompt
    prompt.add_attachment(work / "mockup.png")  # as the Attach button or a drop does
    for words, mention in ((("让 " if zh else "Make "), "@login"), (("和 " if zh else "and "), "@style")):
        prompt.insertPlainText(words)  # QTest cannot type Chinese; the mention is typed, as a user does
        QTest.keyClicks(prompt, mention)
        await until(prompt.picker.popup().isVisible)
        QTest.keyClick(prompt.picker.popup(), Qt.Key.Key_Return)
    prompt.insertPlainText("符合这个设计" if zh else "match this design")
    await settle(1.0)
    shots.save(window, "attachments-before")
    fake.reply("login.py 和 style.css 已按设计调整：表单居中，按钮为蓝色。" if zh else
               "The mockup centres the form and uses a blue **Sign in** button; `login.py` already has the fields, "
               "so only `style.css` needs the layout and colour.")
    QTest.keyClick(prompt, Qt.Key.Key_Return)
    await until(lambda: window.client.state == SessionState.READY and "style.css" in window.transcript.model
                .to_markdown() and not window.transcript.thumbnails.pending())
    await settle(1.5)
    shots.save(window, "attachments-after")


async def settle(seconds: float = 0.6) -> None:
    await asyncio.sleep(seconds)
    QApplication.processEvents()


@dataclass(frozen=True)
class Shots:
    out: Path
    suffix: str
    long_session: int

    def save(self, window: QWidget, name: str) -> None:
        path = self.out / f"{name}{self.suffix}.png"
        window.grab().save(str(path))
        print("wrote", path, flush=True)


async def scenario(window: MainWindow, fake: FakeGemini, work: Path, shots: Shots, zh: bool) -> None:
    await until(lambda: window.client is not None and window.client.state == SessionState.READY)
    await settle()
    shots.save(window, "empty")

    held = fake.reply(*(ANSWER_ZH if zh else ANSWER), hold_after=len(ANSWER) - 1, delay=0.05)
    window.send_message("如何安全地读取文件？" if zh else "How do I read a file safely in Python?")
    await until(lambda: window.client.state == SessionState.BUSY
                and "first_line" in window.transcript.model.to_markdown())
    await settle(1.0)
    shots.save(window, "streaming")
    held.release()
    await until(lambda: window.client.state == SessionState.READY)

    fake.reply(FunctionCall("write_file", {"file_path": str(work / "notes.md"),
                                           "content": "# Notes\n\n- read files with `with`\n"}))
    fake.reply("I wrote notes.md." if not zh else "已写入 notes.md。")
    window.send_message("把要点写进 notes.md" if zh else "Write the key points to notes.md")
    await until(lambda: bool(window.transcript.findChildren(object, "permissionPrompt"))
                or ("notes.md" in window.transcript.model.to_markdown() and window.client.state == SessionState.BUSY))
    await settle(1.5)
    shots.save(window, "tool-approval")
    window.transcript.reject_pending_permissions()
    await until(lambda: window.client.state == SessionState.READY)
    await attachments(window, work, shots, fake, zh)

    if window.sidebar.isHidden():
        window.toggle_history()
    window.sidebar.search_field.setText("文件" if zh else "file")
    await settle(1.0)
    hits = [number for number, row in enumerate(window.sidebar.model.rows()) if row.hit is not None]
    window.sidebar.list.setCurrentIndex(window.sidebar.model.index(hits[min(1, len(hits) - 1)]))
    window.sidebar.open_selected()  # a click: the conversation shows read-only in the main area
    await settle(0.5)
    shots.save(window, "history")
    window.sidebar.search_field.clear()
    window.toggle_history()

    window.resume_session(shots.long_session)
    await until(lambda: window.transcript.earlier_count() > 0 and window.client is not None
                and window.client.state == SessionState.READY)
    document = window.transcript.findChild(QTextBrowser, "transcriptDocument")
    document.verticalScrollBar().setValue(0)
    window.menus.find_action.trigger()
    window.find_bar.field.setText("gemini")
    await settle(1.0)
    shots.save(window, "long-conversation")
    window.find_bar.close_bar()

    asking = window.view  # several conversations, one waiting for approval in the background
    if window.sidebar.isHidden():
        window.toggle_history()
    fake.reply(FunctionCall("write_file", {"file_path": str(work / "release.md"), "content": "# 2.0\n"}))
    window.send_message("把发布计划写进 release.md" if zh else "Write the release plan to release.md")
    window.new_session()
    await until(lambda: asking.activity[0] == "waiting_approval" and window.client is not None
                and window.client.state == SessionState.READY)
    await settle(1.0)
    shots.save(window, "conversations")
    asking.cancel_turn()
    window.toggle_history()

    await undo_context_and_mcp(window, fake, work, shots, zh)

    window.client.reconfigure(max_restarts=0)
    pid = window.client.process_id
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    await until(lambda: window.client.state in (SessionState.CRASHED, SessionState.FAILED))
    await settle(1.0)
    shots.save(window, "crash-banner")


async def undo_context_and_mcp(window: MainWindow, fake: FakeGemini, work: Path, shots: Shots, zh: bool) -> None:
    """A turn with "Undo changes", the context meter warning near 80%, and the MCP page with a server tested."""
    (work / "todo.md").write_text("- ship 1.9\n", encoding="utf-8")
    fake.reply(FunctionCall("write_file", {"file_path": str(work / "todo.md"), "content": "- ship 2.0\n"}))
    fake.reply("已更新 todo.md。" if zh else "I updated todo.md.", usage=(842_000, 1_200))  # 80% of the window
    window.send_message("把 todo.md 改成 2.0" if zh else "Change todo.md to 2.0")
    await until(lambda: any(p.isVisible() for p in window.transcript.findChildren(PermissionPrompt)))
    next(p for p in window.transcript.findChildren(PermissionPrompt) if p.isVisible()).buttons["proceed_once"].click()
    await until(lambda: any(isinstance(e, TurnEdits) for e in window.transcript.model.entries)
                and window.status.context_meter.warning)
    await settle(1.0)
    shots.save(window, "undo-changes")
    shots.save(window.status, "context-meter")

    window.settings.save_mcp_servers([McpServerConfig(
        "desktop-test-tools", command=sys.executable, args=(str(ROOT / "tests" / "support" / "mcp_test_server.py"),))])
    window.show_mcp_servers()
    await until(lambda: window.findChild(McpServersDialog) is not None)
    page = window.findChild(McpServersDialog)
    page.server_list.setCurrentRow(0)
    page.test_button.click()
    await until(lambda: "shout" in page.result_view.toPlainText(), 40)
    await settle(0.5)
    shots.save(page, "mcp-servers")
    page.accept()
    await settle(0.5)


def sign_in_shots(scratch: Path, config: EngineConfig, fake: FakeGemini, shots: Shots) -> None:
    """The sign-in panel as an individual Google account meets it since 2026-06-18: the refusal diagnosed, then
    the Vertex AI page of the ways in that still work."""
    fake.code_assist = INELIGIBLE
    refused = dataclasses.replace(config, env=code_assist_env(scratch / "refused-home", fake.base_url))
    window = MainWindow(HistoryStore.open(scratch / "sign-in.sqlite3"), AppSettings(scratch / "sign-in.ini"),
                        LaunchOptions(), engine_config=refused)
    window.resize(1180, 780)
    window.show()
    window.start()
    panel = window.auth_panel
    drive(until(panel.isVisible, 60), timeout=70)
    drive(settle(1.0))
    shots.save(window, "sign-in-refused")
    panel.method_box.setCurrentIndex(panel.method_box.findData("vertex"))
    drive(settle(0.5))
    shots.save(window, "sign-in-vertex")
    window.close()
    drive(until(lambda: window.is_shut_down), timeout=30)
    drive(refused_turns(scratch, config, fake, shots), timeout=200)


async def refused_turns(scratch: Path, config: EngineConfig, fake: FakeGemini, shots: Shots) -> None:
    """What a turn Google refuses says: a key it does not accept, a project without the API, a spent quota."""
    window = MainWindow(HistoryStore.open(scratch / "refused.sqlite3"), AppSettings(scratch / "refused.ini"),
                        LaunchOptions(), engine_config=config)
    window.resize(1180, 780)
    window.show()
    window.start()
    await until(lambda: window.client is not None and window.client.state == SessionState.READY, 60)
    refusals = [
        (400, "API key not valid. Please pass a valid API key.", "INVALID_ARGUMENT", "API_KEY_INVALID",
         "sign-in-key-refused"),
        (403, "Generative Language API has not been used in project my-proj-123 before or it is disabled.",
         "PERMISSION_DENIED", "SERVICE_DISABLED", "sign-in-permission"),
    ]
    for status, message, error_status, reason, name in refusals:
        fake.reply_error(status, message, error_status,
                         ({"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason},))
        window.send_message("Summarise README.md")
        await until(lambda m=message: window.auth_panel.isVisible() and window.client.state == SessionState.READY
                    and m in window.auth_panel.details.view.toPlainText(), 60)
        window.prompt.clear()
        await settle(1.0)
        shots.save(window, name)
    fake.reply_error(429, "You exceeded your current quota.", "RESOURCE_EXHAUSTED",
                     ({"@type": "type.googleapis.com/google.rpc.QuotaFailure",
                       "violations": [{"quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier"}]},))
    window.auth_panel.hide()
    window.send_message("Summarise README.md")
    await until(lambda: "Quota" in window.transcript.model.to_markdown() or "配额" in
                window.transcript.model.to_markdown(), 60)
    await settle(1.0)
    shots.save(window, "quota-exhausted")
    window.close()
    await until(lambda: window.is_shut_down, 30)


def agents_shots(scratch: Path, shots: Shots) -> None:
    """Settings › Agents: gemini and Qwen Code found with their versions, the others with how to get them, and a
    custom agent (the scripted one) checked over ACP."""
    cached = ROOT / ".cache"
    (scratch / "agents-home").mkdir()
    os.environ["HOME"] = str(scratch / "agents-home")  # for what Qwen Code writes when it is asked its version
    settings = AppSettings(scratch / "agents.ini")
    settings.gemini_path = str(next(cached.glob("gemini-cli-0.6*/node_modules/.bin/gemini")))
    settings.set_agent_program("qwen-code", str(next(cached.glob("qwen-code-*/node_modules/.bin/qwen"))))
    settings.save_custom_agent(CustomAgent(sys.executable, (str(ROOT / "tests" / "support" / "scripted_agent.py"),
                                                            "normal")))
    dialog = SettingsDialog(settings)
    dialog.tabs.setCurrentWidget(dialog.agents_page)
    dialog.resize(820, 1280)
    dialog.show()
    statuses = dialog.agents_page.statuses.values()
    drive(until(lambda: all(label.text() not in ("Looking…", "正在查找…") for label in statuses), 60), timeout=90)
    drive(settle(0.5))
    shots.save(dialog, "settings-agents")
    dialog.reject()


def second_agent_shots(scratch: Path, config: EngineConfig, fake: FakeGemini, shots: Shots, zh: bool) -> None:
    """A conversation with Qwen Code (the pinned one, as the app's own install, against the fake OpenAI server)
    beside a gemini one, the sidebar naming each conversation's agent."""
    agents = scratch / "agents"
    agents.mkdir()
    (agents / "qwen-code").symlink_to(sorted((ROOT / ".cache").glob("qwen-code-*"))[-1])
    (scratch / "qwen-home").mkdir()
    settings = AppSettings(scratch / "second-agent.ini")
    settings.warm_spare = False
    window = MainWindow(HistoryStore.open(scratch / "second-agent.sqlite3"), settings, LaunchOptions(),
                        engine_config=config)
    with FakeOpenAI() as openai:
        qwen = AgentSetup(args=qwen_arguments(openai.base_url), env=qwen_environment(scratch / "qwen-home"),
                          model=QWEN_MODEL)
        window.workspace.agents = AgentLauncher(lambda name: qwen if name == "qwen-code" else AgentSetup(), agents)
        window.resize(1180, 780)
        window.show()
        window.start()
        drive(second_agent_turns(window, fake, openai, zh), timeout=200)
        shots.save(window, "second-agent")
        window.close()
        drive(until(lambda: window.is_shut_down), timeout=30)


async def second_agent_turns(window: MainWindow, fake: FakeGemini, openai: FakeOpenAI, zh: bool) -> None:
    await until(lambda: window.client is not None and window.client.state == SessionState.READY, 60)
    fake.reply("`pyproject.toml` 声明了 PySide6 和 qasync。" if zh else
               "`pyproject.toml` declares two dependencies: **PySide6** and **qasync**.")
    window.send_message("列出依赖" if zh else "List the dependencies")
    await until(lambda: window.client.state == SessionState.READY and "PySide6" in window.transcript.model
                .to_markdown(), 60)
    window.new_session(agent="qwen-code")
    await until(lambda: window.client is not None and window.client.agent.name == "qwen-code"
                and window.client.state == SessionState.READY, 90)
    openai.reply("## 差异\n\n- **gemini**：Google 的模型\n- **Qwen Code**：通义千问的模型，同一个 ACP 协议" if zh else
                 "## In short\n\nBoth agents speak the **Agent Client Protocol**, so the app drives them the same "
                 "way:\n\n- *gemini* runs Google's models\n- *Qwen Code* runs Qwen's (here an OpenAI-compatible "
                 "server)\n\nEach conversation keeps its own agent, also after a restart.")
    window.send_message("你和 gemini 有何不同？" if zh else "How do you differ?")
    await until(lambda: window.client.state == SessionState.READY and ("Protocol" in window.transcript.model
                .to_markdown() or "ACP" in window.transcript.model.to_markdown()), 90)
    if window.sidebar.isHidden():
        window.toggle_history()
    await settle(1.5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lang", default="en", help="en or zh_CN")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--dark", action="store_true", help="the dark colour scheme (file names end in -dark)")
    parser.add_argument("--only", choices=["agents", "second-agent"],
                        help="only Settings › Agents, or only the conversation with a second agent")
    args = parser.parse_args()
    zh = args.lang == "zh_CN"
    entry = next(ROOT.glob(".cache/gemini-cli-*/node_modules/@google/gemini-cli/bundle/gemini.js"))
    (ROOT / ".cache").mkdir(exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="screenshots-", dir=ROOT / ".cache"))  # gemini ignores settings in /tmp
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        os.environ[var] = str(scratch / var.lower())
    app = QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    app.setPalette(design.palette(args.dark))  # as the app does for a light or dark desktop (Xvfb has none)
    install_translators(app, args.lang)
    install_loop(app)
    suffix = ("-zh_CN" if zh else "") + ("-dark" if args.dark else "")
    Path(args.out).mkdir(parents=True, exist_ok=True)
    if args.only == "agents":
        agents_shots(scratch, Shots(Path(args.out), suffix, 0))
        uninstall_loop()
        shutil.rmtree(scratch, ignore_errors=True)
        return 0
    fake = FakeGemini()
    fake.start()
    work = scratch / ("项目" if zh else "project")
    work.mkdir()
    config = EngineConfig(gemini=GeminiCommand(shutil.which("node") or "node", (str(entry),)), cwd=work,
                          model=DEFAULT_MODEL, env=cli_environment(make_cli_home(scratch / "home"), fake.base_url),
                          state_dir=scratch / "state")
    if args.only == "second-agent":
        try:
            second_agent_shots(scratch, config, fake, Shots(Path(args.out), suffix, 0), zh)
        finally:
            fake.stop()
            uninstall_loop()
        shutil.rmtree(scratch, ignore_errors=True)
        return 0
    store = HistoryStore.open(scratch / "history.sqlite3")
    for index, title in enumerate(["Refactor the parser", "修复登录页面的样式", "Plan the 2.0 release"]):
        session = store.create_session(str(work), DEFAULT_MODEL, title=None)
        store.add_message(session.id, "user", title)
        store.add_message(session.id, "assistant", f"Here is a plan ({index + 1})…")
    long = store.create_session(str(work), DEFAULT_MODEL, title=None)
    for index in range(130):
        store.add_message(long.id, "user" if index % 2 == 0 else "assistant",
                          (WIDE_TABLE_ZH if zh else WIDE_TABLE) if index == 31 else f"Step {index}: …")
    shots = Shots(Path(args.out), suffix, long.id)
    settings = AppSettings(scratch / "settings.ini")
    window = MainWindow(store, settings, LaunchOptions(), engine_config=config)
    window.resize(1180, 780)
    window.show()
    window.start()
    try:
        drive(scenario(window, fake, work, shots, zh), timeout=300)
        window.close()
        drive(until(lambda: window.is_shut_down), timeout=30)
        first_run = MainWindow(HistoryStore.open(scratch / "first.sqlite3"), AppSettings(scratch / "first.ini"),
                               LaunchOptions(gemini=str(scratch / "missing" / "gemini")))
        first_run.resize(1180, 780)
        first_run.show()
        first_run.start()
        drive(settle(1.5))
        shots.save(first_run, "first-run")
        first_run.close()
        drive(until(lambda: first_run.is_shut_down), timeout=30)
        sign_in_shots(scratch, config, fake, shots)
        agents_shots(scratch, shots)
        second_agent_shots(scratch, config, fake, shots, zh)
    finally:
        store.close()
        fake.stop()
        uninstall_loop()
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
