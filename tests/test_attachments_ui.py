"""Attachments end to end in the window: the composer of a conversation, the transcript's chips and thumbnails,
the history's records and blobs, a resumed conversation, the history search. The end-to-end tests run the real
gemini-cli against the fake server, offscreen."""

from __future__ import annotations

import base64
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QImage,
    QTextDocument,
    QTextImageFormat,
)
from PySide6.QtWidgets import QApplication, QTextBrowser
from pytestqt.qtbot import QtBot

from gemini_desktop.conversation.attachments import stored_turns
from gemini_desktop.conversation.model import ConversationModel, ShownAttachment, UserMessage
from gemini_desktop.engine import EngineConfig, GeminiCommand, SessionState
from gemini_desktop.settings import AppSettings, LaunchOptions
from gemini_desktop.store import HistoryStore, file_reference
from gemini_desktop.ui.conversation_view import ConversationView
from gemini_desktop.ui.main_window import MainWindow
from gemini_desktop.ui.sidebar import Sidebar
from gemini_desktop.ui.transcript import TranscriptView
from gemini_desktop.ui.transcript.attachments import ImageViewer
from tests.support.fake_gemini import FakeGemini, RecordedRequest
from tests.support.qt_async import until

WindowFactory = Callable[..., MainWindow]
AGENT = Path(__file__).parent / "support" / "scripted_agent.py"


@pytest.fixture
def make_window(tmp_path: Path, store: HistoryStore, run_async: Callable[..., Any]) -> Iterator[WindowFactory]:
    """Windows sharing one history and one settings file, as two launches of the app do."""
    made: list[MainWindow] = []

    def make(config: EngineConfig | None = None) -> MainWindow:
        options = LaunchOptions() if config else LaunchOptions(gemini=str(tmp_path / "no-gemini"))
        window = MainWindow(store, AppSettings(tmp_path / "settings.ini"), options, engine_config=config)
        made.append(window)
        window.show()
        window.start()
        return window

    yield make
    for window in made:
        if not window.is_shut_down:
            window.close()
            run_async(until(lambda w=window: w.is_shut_down, 30, "window shut down"), timeout=40)


def png_of(colour: str, size: int = 8) -> tuple[QImage, bytes]:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(QColor(colour))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return image, bytes(data.data())


def paste_image(qtbot: QtBot, view: ConversationView, image: QImage) -> None:
    mime = QMimeData()
    mime.setImageData(image)
    QApplication.clipboard().setMimeData(mime)
    qtbot.keyClick(view.prompt, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


def mention(qtbot: QtBot, view: ConversationView, typed: str) -> None:
    """Type "@..." and take the picker's first entry, as a user does."""
    qtbot.keyClicks(view.prompt, typed)
    popup = view.prompt.picker.popup()
    qtbot.waitUntil(popup.isVisible, timeout=10000)
    qtbot.keyClick(popup, Qt.Key.Key_Return)


def document_of(view: ConversationView | TranscriptView) -> QTextDocument:
    transcript = view.transcript if isinstance(view, ConversationView) else view
    browser = transcript.findChild(QTextBrowser, "transcriptDocument")
    assert browser is not None
    return browser.document()


def links_and_images(document: QTextDocument) -> tuple[list[tuple[str, str]], list[str]]:
    """(href, name) of every file chip and the name of every thumbnail in the document, in order."""
    links: list[tuple[str, str]] = []
    images: list[str] = []
    block = document.begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            fragment = iterator.fragment()
            fmt = fragment.charFormat()
            if fmt.isImageFormat() and QTextImageFormat(fmt).name().startswith("gd-thumb:"):
                images.append(QTextImageFormat(fmt).name())
            elif fmt.anchorHref().startswith("gd-attachment:") and not fmt.isImageFormat():
                links.append((fmt.anchorHref(), fragment.text().strip("\xa0")))  # after the file icon
            iterator += 1
        block = block.next()
    return links, images


def shown_names(view: ConversationView) -> list[str]:
    return [text for _, text in links_and_images(document_of(view))[0]]


def the_request(fake_gemini: FakeGemini, text: str) -> RecordedRequest:
    """The model request that answered the user's message starting with `text`."""
    return next(r for r in reversed(fake_gemini.stream_requests()) if r.last_user_text().startswith(text))


def inline_images(request: RecordedRequest) -> list[dict[str, Any]]:
    return [part["inlineData"] for content in request.body.get("contents", [])
            for part in content.get("parts", []) if "inlineData" in part]


@pytest.mark.e2e
def test_a_pasted_image_and_mentioned_files_reach_gemini_show_on_the_message_and_survive_a_resume(
        make_window: WindowFactory, engine_config: EngineConfig, fake_gemini: FakeGemini, store: HistoryStore,
        qtbot: QtBot, run_async: Callable[..., Any]) -> None:
    folder = engine_config.cwd
    (folder / "notes.md").write_text("The secret word is PAPAYA.\n")
    (folder / "plan.txt").write_text("Step one: water the ficus.\n")
    image, _ = png_of("red")

    async def scenario() -> None:
        window = make_window(engine_config)
        await until(lambda: window.client is not None and window.client.state == SessionState.READY, 45, "ready")
        view = window.view
        paste_image(qtbot, view, image)
        mention(qtbot, view, "compare @notes")
        mention(qtbot, view, " with @plan")
        pasted = view.prompt.attachments()[0].data
        assert pasted is not None and [a.name for a in view.prompt.attachments()][1:] == ["notes.md", "plan.txt"]
        qtbot.keyClick(view.prompt, Qt.Key.Key_Return)
        await until(lambda: "Echo: compare" in view.to_markdown(), 45, "answer")

        request = the_request(fake_gemini, "compare")
        sent = inline_images(request)
        assert [(part["mimeType"], base64.b64decode(part["data"])) for part in sent] == [("image/png", pasted)]
        request_text = "\n".join(request.texts())
        assert "PAPAYA" in request_text and "water the ficus" in request_text
        assert shown_names(view) == ["notes.md", "plan.txt"]
        assert links_and_images(document_of(view))[1]  # the thumbnail
        await until(lambda: view.transcript.thumbnails.pending() == 0, 10, "thumbnail decoded")

        assert view.controller is not None and view.controller.wait_until_saved(10)
        history_id = view.history_id
        assert history_id is not None
        records = next(m for m in store.messages(history_id) if m.role == "user").attachments
        assert [(r.kind, r.name) for r in records] == [("image", "pasted image"), ("file", "notes.md"),
                                                        ("file", "plan.txt")]
        assert store.blobs.read(records[0].sha256) == pasted
        window.close()
        await until(lambda: window.is_shut_down, 30, "window shut down")

        again = make_window(engine_config)
        restored = again.view
        assert restored.history_id == history_id and restored.read_only
        assert shown_names(restored) == ["notes.md", "plan.txt"]  # from the store, without a process
        assert await restored.resume()
        assert shown_names(restored) == ["notes.md", "plan.txt"]  # the resumed conversation keeps them
        assert links_and_images(document_of(restored))[1]

        paste_image(qtbot, restored, image)  # the same picture again
        qtbot.keyClicks(restored.prompt, "and this one?")
        qtbot.keyClick(restored.prompt, Qt.Key.Key_Return)
        await until(lambda: "Echo: and this one?" in restored.to_markdown(), 45, "second answer")
        assert restored.controller is not None and restored.controller.wait_until_saved(10)
        images = [a for m in store.messages(history_id) for a in m.attachments if a.kind == "image"]
        assert len(images) == 2 and images[0].sha256 == images[1].sha256
        assert [p.name for p in store.blobs.root.rglob("*") if p.is_file()] == [images[0].sha256]  # kept once

    run_async(scenario(), timeout=240)


def test_a_file_chip_opens_the_file_an_image_opens_full_size_and_names_stay_text(
        qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inside = tmp_path / "report.md"
    inside.write_text("text")
    _, png = png_of("blue", 300)
    model = ConversationModel()
    view = TranscriptView(model=model)
    qtbot.addWidget(view)
    view.resize(700, 500)
    view.show()
    model.add_user_message("see these", attachments=(
        ShownAttachment("file", "report.md", str(inside)),
        ShownAttachment("file", "<b>evil</b>\u202egnp.exe", "/elsewhere/evil", outside_folder=True),
        ShownAttachment("image", "pasted image", data=png),
    ))
    document = document_of(view)
    links, images = links_and_images(document)
    assert [text for _, text in links] == ["report.md", "<b>evil</b><U+202E>gnp.exe"]
    copied = model.to_markdown()  # the copied conversation lists them too, one quoted line each
    assert f'file "{inside}"' in copied and 'file "/elsewhere/evil" (outside the working folder)' in copied
    assert "outside the working folder" in document.toPlainText()
    assert "<b>evil" not in document.toHtml()
    document.resource(QTextDocument.ResourceType.ImageResource, QUrl(images[0]))  # as a paint asks for it
    qtbot.waitUntil(lambda: view.thumbnails.pending() == 0, timeout=5000)
    thumbnail = document.resource(QTextDocument.ResourceType.ImageResource, QUrl(images[0]))
    assert isinstance(thumbnail, QImage) and thumbnail.width() == thumbnail.height() == 96
    assert thumbnail.pixelColor(48, 48) == QColor("blue")  # the picture scaled down, not the placeholder

    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    for href, _ in links:
        qtbot.mouseClick(view.findChild(QTextBrowser).viewport(), Qt.MouseButton.LeftButton,
                         pos=view.anchor_position(href))
    assert opened == [QUrl.fromLocalFile(str(inside))]  # the file outside is gone: told, not opened
    image_href = f"gd-attachment:{model.entries[0].id}/2"
    qtbot.mouseClick(view.findChild(QTextBrowser).viewport(), Qt.MouseButton.LeftButton,
                     pos=view.anchor_position(image_href) + QPoint(48, 0))  # the thumbnail's middle
    viewer = view.findChild(ImageViewer)
    assert viewer is not None and viewer.label.pixmap().width() == 300


def test_a_huge_image_is_thumbnailed_off_the_ui_thread_and_a_broken_one_keeps_its_placeholder(
        qtbot: QtBot, tmp_path: Path) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    big = tmp_path / "big.png"
    image = QImage(6000, 4000, QImage.Format.Format_RGB32)
    image.fill(QColor("green"))
    image.save(str(big))
    model = ConversationModel()
    view = TranscriptView(model=model)
    qtbot.addWidget(view)
    view.show()
    model.add_user_message("two pictures", attachments=(
        ShownAttachment("image", "big.png", str(big), str(big)),
        ShownAttachment("image", "broken.png", str(broken), str(broken)),
    ))
    document = document_of(view)
    names = links_and_images(document)[1]
    first = [document.resource(QTextDocument.ResourceType.ImageResource, QUrl(name)) for name in names]
    assert all(image.pixelColor(48, 48) != QColor("green") for image in first)  # placeholders, at once
    qtbot.waitUntil(lambda: view.thumbnails.pending() == 0, timeout=20000)
    big_thumb, broken_thumb = (document.resource(QTextDocument.ResourceType.ImageResource, QUrl(name))
                               for name in names)
    assert big_thumb.size() == broken_thumb.size() == big_thumb.size().expandedTo(broken_thumb.size())
    assert big_thumb.pixelColor(48, 48) == QColor("green")
    assert broken_thumb.pixelColor(48, 48) != QColor("green")


def test_a_capability_gemini_lacks_is_told_before_sending_and_the_message_stays(
        make_window: WindowFactory, qtbot: QtBot, tmp_path: Path, run_async: Callable[..., Any]) -> None:
    config = EngineConfig(gemini=GeminiCommand(program=sys.executable, args=(str(AGENT), "normal")), cwd=tmp_path,
                          start_timeout=10.0, max_restarts=0, state_dir=tmp_path / "state")
    window = make_window(config)  # an agent that advertises no image capability
    view = window.view
    run_async(until(lambda: view.client is not None and view.client.state == SessionState.READY, 30, "ready"),
              timeout=40)
    image, _ = png_of("red")
    qtbot.keyClicks(view.prompt, "what is this?")
    with qtbot.waitSignal(view.status_message, timeout=1000) as told:
        paste_image(qtbot, view, image)  # refused at once: the running agent did not advertise images
    assert "does not accept images" in told.args[0]
    assert view.prompt.toPlainText() == "what is this?"  # nothing sent, nothing dropped
    assert view.prompt.attachments() == ()
    assert not any(entry for entry in view.transcript.model.entries if isinstance(entry, UserMessage))


def test_the_history_search_shows_a_message_found_by_its_attached_file_name(
        qtbot: QtBot, store: HistoryStore, tmp_path: Path) -> None:
    (tmp_path / "quarterly_budget.xlsx.md").write_text("numbers")
    session = store.create_session(str(tmp_path), "m")
    store.add_message(session.id, "user", "summarise this",
                      attachments=[file_reference(tmp_path / "quarterly_budget.xlsx.md")])
    panel = Sidebar(store)
    qtbot.addWidget(panel)
    panel.show()
    panel.search_field.insert("quarterly_budget")
    qtbot.waitUntil(lambda: [row.hit for row in panel.model.rows() if row.hit is not None] != [], timeout=2000)
    (shown,) = [str(panel.model.index(n).data()) for n, row in enumerate(panel.model.rows()) if row.hit is not None]
    assert "quarterly_budget.xlsx.md" in shown and "summarise this" in shown


def test_a_thumbnail_never_shows_another_conversation_s_image_under_the_same_name(
        qtbot: QtBot, tmp_path: Path) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.show()
    shown: list[QColor] = []
    for colour in ("red", "blue"):
        model = ConversationModel()  # a fresh model numbers its entries from 1 again
        model.add_user_message("look", attachments=(ShownAttachment("image", "x.png", data=png_of(colour, 200)[1]),))
        view.set_model(model)
        document = document_of(view)
        name = QUrl(links_and_images(document)[1][0])
        document.resource(QTextDocument.ResourceType.ImageResource, name)
        qtbot.waitUntil(lambda: view.thumbnails.pending() == 0, timeout=5000)
        shown.append(document.resource(QTextDocument.ResourceType.ImageResource, name).pixelColor(48, 48))
    assert shown == [QColor("red"), QColor("blue")]


def test_files_dropped_anywhere_on_the_conversation_go_to_the_composer(
        make_window: WindowFactory, tmp_path: Path) -> None:
    window = make_window()
    view = window.view
    dropped = tmp_path / "dropped.txt"
    dropped.write_text("hello")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(dropped))])
    target = view.transcript.findChild(QTextBrowser).viewport()
    where = QPoint(40, 40)
    enter = QDragEnterEvent(where, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, enter)  # the read-only transcript passes it on to the conversation
    assert enter.isAccepted()
    QApplication.sendEvent(target, QDropEvent(QPointF(where), Qt.DropAction.CopyAction, mime,
                                              Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    assert [a.path for a in view.prompt.attachments()] == [dropped]


def test_a_resume_rebuilt_or_seeded_from_the_history_names_the_attached_files(
        store: HistoryStore, tmp_path: Path) -> None:
    attached = tmp_path / "spec.md"
    attached.write_text("the spec")
    session = store.create_session(str(tmp_path), "m")
    store.add_message(session.id, "user", "implement this", attachments=[file_reference(attached)])
    store.add_message(session.id, "assistant", "done")
    turns = stored_turns(store.messages(session.id))
    assert turns[0].text == f"implement this\n\n[Attached: {attached}]" and turns[1].text == "done"


@pytest.mark.e2e
def test_a_message_queued_behind_a_running_answer_keeps_its_attachments(
        make_window: WindowFactory, engine_config: EngineConfig, fake_gemini: FakeGemini, qtbot: QtBot,
        run_async: Callable[..., Any]) -> None:
    (engine_config.cwd / "later.md").write_text("The queued file says MANGO.\n")
    image, _ = png_of("green")
    held = fake_gemini.reply("working on it ", "done.", hold_after=1)

    async def scenario() -> None:
        window = make_window(engine_config)
        await until(lambda: window.client is not None and window.client.state == SessionState.READY, 45, "ready")
        view = window.view
        qtbot.keyClicks(view.prompt, "first")
        qtbot.keyClick(view.prompt, Qt.Key.Key_Return)
        await until(lambda: "working on it" in view.to_markdown(), 45, "first answer streaming")
        paste_image(qtbot, view, image)
        mention(qtbot, view, "then @later")
        pasted = view.prompt.attachments()[0].data
        qtbot.keyClick(view.prompt, Qt.Key.Key_Return)
        [queued] = view.transcript.model.queue.items
        assert queued.queued and [a.name for a in queued.attachments] == ["pasted image", "later.md"]
        held.release()
        await until(lambda: "Echo: then" in view.to_markdown(), 45, "queued message answered")
        sent = [e for e in view.transcript.model.entries if isinstance(e, UserMessage)][-1]
        assert sent is queued and not sent.queued
        assert shown_names(view) == ["later.md"] and len(links_and_images(document_of(view))[1]) == 1
        request = the_request(fake_gemini, "then")
        assert [base64.b64decode(part["data"]) for part in inline_images(request)] == [pasted]
        assert "MANGO" in "\n".join(request.texts())

    run_async(scenario(), timeout=150)
