"""Messages with attachments: images as inline data, files and folders as references gemini reads itself.

The end-to-end tests run the real gemini-cli against the fake Gemini server and check what reached the model.
"""

from __future__ import annotations

import asyncio
import base64
import os
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gemini_desktop.engine import (
    Attachment,
    AttachmentError,
    AttachmentKind,
    EngineConfig,
    GeminiCommand,
    GeminiSessionClient,
    Message,
    PermissionRequest,
    PromptCapabilities,
    SessionState,
    attach,
    image_mime_type,
    turn_runner,
)
from gemini_desktop.engine.attachments import IMAGE_LIMIT, prompt_blocks
from tests.support.fake_gemini import FakeGemini, RecordedRequest
from tests.support.qt_async import until

AGENT = Path(__file__).parent / "support" / "scripted_agent.py"
ALL_CAPABILITIES = PromptCapabilities(image=True, audio=True, embedded_context=True)

# The smallest valid images of each kind (1x1 pixel).
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00" \
      b"\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
WEBP_HEAD = b"RIFF\x24\x00\x00\x00WEBPVP8 "


def inline_parts(request: RecordedRequest) -> list[dict[str, Any]]:
    return [part["inlineData"] for content in request.body.get("contents", [])
            for part in content.get("parts", []) if "inlineData" in part]


@pytest.fixture
def client(engine_config: EngineConfig, run_async: Callable[..., Any]) -> Iterator[GeminiSessionClient]:
    engine = GeminiSessionClient(engine_config)
    yield engine
    run_async(engine.stop_session(), timeout=20)


# ----- with the real gemini-cli -------------------------------------------------------------------------------

@pytest.mark.e2e
def test_an_image_reaches_the_model_as_inline_data_of_the_type_its_bytes_say(
        client: GeminiSessionClient, fake_gemini: FakeGemini, workdir: Path, run_async: Callable[..., Any]) -> None:
    lying = workdir / "screenshot.jpg"  # a PNG whose name says JPEG
    lying.write_bytes(PNG)
    pasted = Attachment.pasted_image(GIF)
    result = run_async(client.chat(Message("What is in these pictures?", (attach(lying, workdir), pasted))))
    assert result.stop_reason == "end_turn"
    images = inline_parts(fake_gemini.stream_requests()[-1])
    assert [(image["mimeType"], base64.b64decode(image["data"])) for image in images] == [
        ("image/png", PNG), ("image/gif", GIF)]
    assert "What is in these pictures?" in fake_gemini.stream_requests()[-1].last_user_text()


@pytest.mark.e2e
def test_a_mentioned_file_and_folder_reach_the_model_with_their_content(
        client: GeminiSessionClient, fake_gemini: FakeGemini, workdir: Path, run_async: Callable[..., Any]) -> None:
    notes = workdir / "meeting notes.txt"  # a space in the name: the URI must still name the file
    notes.write_text("The launch code word is PERIWINKLE.\n")
    folder = workdir / "docs"
    folder.mkdir()
    (folder / "guide.md").write_text("Always water the ficus on Tuesdays.\n")
    message = Message("Summarize these.", (attach(notes, workdir), attach(folder, workdir)))
    run_async(client.chat(message))
    sent = "\n".join(fake_gemini.stream_requests()[-1].texts())
    assert "The launch code word is PERIWINKLE." in sent
    assert "Always water the ficus on Tuesdays." in sent
    assert "Summarize these." in sent


@pytest.mark.e2e
def test_a_file_gemini_s_ignore_rules_hide_still_reaches_the_model_inline(
        client: GeminiSessionClient, fake_gemini: FakeGemini, workdir: Path, run_async: Callable[..., Any]) -> None:
    (workdir / ".geminiignore").write_text("private/\n")
    (workdir / "private").mkdir()
    hidden = workdir / "private" / "plan.txt"
    hidden.write_text("The secret ingredient is CARDAMOM.\n")
    attachment = attach(hidden, workdir)
    assert attachment.ignored
    with pytest.raises(AttachmentError, match="hidden from gemini"):
        attach(workdir / "private", workdir)  # a whole hidden folder: gemini would skip it silently
    run_async(client.chat(Message("What is the ingredient?", (attachment,))))
    sent = "\n".join(fake_gemini.stream_requests()[-1].texts())
    assert "The secret ingredient is CARDAMOM." in sent


@pytest.mark.e2e
def test_a_file_outside_the_working_folder_is_read_once_gemini_has_asked_and_a_folder_outside_is_refused(
        client: GeminiSessionClient, fake_gemini: FakeGemini, workdir: Path, tmp_path: Path,
        run_async: Callable[..., Any]) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    far = elsewhere / "far.txt"
    far.write_text("The distant answer is 42.\n")
    with pytest.raises(AttachmentError, match="outside the working folder, and gemini only reads folders inside"):
        attach(elsewhere, workdir)
    asked: list[str] = []

    async def allow(request: PermissionRequest) -> str | None:
        asked.append(request.tool_call.title)
        option = request.option_of_kind("allow_once")
        return option.option_id if option is not None else None

    client.permission_handler = allow
    attachment = attach(far, workdir)
    assert attachment.outside_folder
    run_async(client.chat(Message("Read it", (attachment,))))
    assert asked == [f"Allow access to absolute path: {far}"]
    assert "The distant answer is 42." in "\n".join(fake_gemini.stream_requests()[-1].texts())


@pytest.mark.e2e
def test_a_file_deleted_between_attach_and_send_fails_that_message_and_the_session_goes_on(
        client: GeminiSessionClient, fake_gemini: FakeGemini, workdir: Path, run_async: Callable[..., Any]) -> None:
    doomed = workdir / "draft.txt"
    doomed.write_text("soon gone")
    (workdir / "draft-old.txt").write_text("a similar name gemini's fallback search would pick instead")
    message = Message("Read this", (attach(doomed, workdir),))
    run_async(client.start_session())
    doomed.unlink()
    with pytest.raises(AttachmentError, match=r"draft\.txt was deleted or moved after it was attached"):
        run_async(client.chat(message))
    assert client.state == SessionState.READY
    assert not fake_gemini.stream_requests()  # nothing half-sent
    assert run_async(client.chat("still there?")).text == "Echo: still there?"


@pytest.mark.e2e
def test_a_queued_message_keeps_its_attachments(client: GeminiSessionClient, fake_gemini: FakeGemini,
                                                workdir: Path, run_async: Callable[..., Any]) -> None:
    picture = workdir / "chart.png"
    picture.write_bytes(PNG)
    held = fake_gemini.reply("working", hold_after=1)
    finished: list[int] = []
    client.turn_finished.connect(lambda turn_id, result: finished.append(turn_id))

    async def scenario() -> None:
        client.submit("first")
        client.submit(Message("second, with a picture", (attach(picture, workdir),)))
        await until(lambda: len(fake_gemini.stream_requests()) == 1 and client.queued_count == 1)
        held.release()
        await until(lambda: len(finished) == 2)

    run_async(scenario())
    images = inline_parts(fake_gemini.stream_requests()[-1])
    assert [base64.b64decode(image["data"]) for image in images] == [PNG]


def test_an_agent_that_does_not_take_images_refuses_the_message_by_name_and_keeps_the_session(
        tmp_path: Path, run_async: Callable[..., Any]) -> None:
    config = EngineConfig(gemini=GeminiCommand(program=sys.executable, args=(str(AGENT), "normal")),
                          cwd=tmp_path, start_timeout=5.0, max_restarts=0, state_dir=tmp_path / "state")
    client = GeminiSessionClient(config)
    message = Message("look", (Attachment.pasted_image(PNG),))
    try:
        with pytest.raises(AttachmentError, match="does not accept image attachments"):
            run_async(client.chat(message), timeout=30)
        assert client.missing_capabilities(message) == ["image"]
        assert run_async(client.chat("plain text"), timeout=30).text == "ok: plain text"
    finally:
        run_async(client.stop_session(timeout=3))


def test_stop_while_the_attachments_are_being_read_sends_nothing_and_the_session_goes_on(
        tmp_path: Path, run_async: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    reading = threading.Event()

    def slow_blocks(message: Message, capabilities: PromptCapabilities) -> list[Any]:
        reading.set()
        time.sleep(0.5)  # a 20 MB image on a slow disk
        return prompt_blocks(message, capabilities)

    monkeypatch.setattr(turn_runner, "prompt_blocks", slow_blocks)
    config = EngineConfig(gemini=GeminiCommand(program=sys.executable, args=(str(AGENT), "normal")),
                          cwd=tmp_path, start_timeout=5.0, max_restarts=0, state_dir=tmp_path / "state")
    client = GeminiSessionClient(config)

    async def scenario() -> None:
        await client.start_session()
        stopped = asyncio.ensure_future(client.chat("never sent"))
        await until(reading.is_set)
        client.cancel()
        result = await stopped
        assert (result.stop_reason, result.text) == ("cancelled", "")
        assert (await client.chat("next")).text == "ok: next"

    try:
        run_async(scenario(), timeout=30)
    finally:
        run_async(client.stop_session(timeout=3))


def test_the_conversation_s_own_copy_names_the_attached_files_for_a_rebuilt_or_seeded_resume(
        tmp_path: Path, run_async: Callable[..., Any]) -> None:
    config = EngineConfig(gemini=GeminiCommand(program=sys.executable, args=(str(AGENT), "normal")),
                          cwd=tmp_path, start_timeout=5.0, max_restarts=0, state_dir=tmp_path / "state")
    notes = tmp_path / "notes.txt"
    notes.write_text("x")
    client = GeminiSessionClient(config)
    try:
        run_async(client.chat(Message("compare", (attach(notes, tmp_path), attach(tmp_path, tmp_path)))), timeout=30)
    finally:
        run_async(client.stop_session(timeout=3))
    assert client.transcript[0].text == f"compare\n\n[Attached: {notes}, {tmp_path}]"


# ----- checks made when attaching and sending ------------------------------------------------------------------

@pytest.mark.parametrize(("head", "mime"), [(PNG, "image/png"), (JPEG_HEAD, "image/jpeg"), (GIF, "image/gif"),
                                            (WEBP_HEAD, "image/webp"), (b"%PDF-1.7", None), (b"", None)])
def test_the_image_type_comes_from_the_bytes(head: bytes, mime: str | None) -> None:
    assert image_mime_type(head) == mime


def test_a_binary_file_that_is_not_an_image_is_refused_with_its_name(tmp_path: Path) -> None:
    blob = tmp_path / "archive.png"  # the extension says image, the bytes do not
    blob.write_bytes(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(AttachmentError, match=r"archive\.png is a binary file that is not an image"):
        attach(blob, tmp_path)


def test_an_image_over_20_mb_is_refused_with_its_size(tmp_path: Path) -> None:
    big = tmp_path / "huge.png"
    with open(big, "wb") as file:
        file.write(PNG)
        file.truncate(IMAGE_LIMIT + 1024 * 1024)
    with pytest.raises(AttachmentError, match=r"huge\.png is 21\.0 MB; images can be at most 20 MB"):
        attach(big, tmp_path)
    with pytest.raises(AttachmentError, match="at most 20 MB"):
        Attachment.pasted_image(PNG + bytes(IMAGE_LIMIT))


def test_an_unreadable_file_is_refused_with_the_reason(tmp_path: Path) -> None:
    if sys.platform == "win32" or os.geteuid() == 0:
        pytest.skip("permissions do not stop this user")
    secret = tmp_path / "secret.txt"
    secret.write_text("no")
    secret.chmod(0)
    with pytest.raises(AttachmentError, match=r"secret\.txt cannot be read: Permission denied"):
        attach(secret, tmp_path)


def test_a_named_pipe_is_refused_instead_of_blocking_the_read(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    pipe = tmp_path / "events"
    os.mkfifo(pipe)
    with pytest.raises(AttachmentError, match="events is not a regular file"):
        attach(pipe, tmp_path)


def test_a_1_gb_file_is_sent_as_a_reference_without_being_read(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    with open(log, "wb") as file:
        file.write(b"a text line\n" * 1000)
        file.truncate(1 << 30)  # sparse beyond the first bytes: nothing is written, the size is 1 GB
    tracemalloc.start()
    try:
        attachment = attach(log, tmp_path)
        blocks = prompt_blocks(Message("why does it fail?", (attachment,)), ALL_CAPABILITIES)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert attachment.kind == AttachmentKind.FILE and attachment.size == 1 << 30
    assert [block.type for block in blocks] == ["text", "resource_link"]
    assert blocks[1].uri == "file://" + log.as_posix() and blocks[1].size == 1 << 30
    assert peak < 16 * 1024 * 1024


def test_a_big_file_the_ignore_rules_hide_is_refused_since_it_cannot_go_inline(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.log\n")
    log = tmp_path / "server.log"
    with open(log, "wb") as file:
        file.write(b"a text line\n" * 1000)
        file.truncate(2 * 1024 * 1024)
    with pytest.raises(AttachmentError,
                       match=r"server\.log is hidden from gemini .* too big for that \(2\.0 MB; at most 1 MB\)"):
        attach(log, tmp_path)


def test_a_path_outside_the_working_folder_is_allowed_and_flagged(tmp_path: Path) -> None:
    work, elsewhere = tmp_path / "work", tmp_path / "elsewhere"
    work.mkdir()
    elsewhere.mkdir()
    (work / "inside.txt").write_text("in")
    (elsewhere / "outside.txt").write_text("out")
    assert not attach(work / "inside.txt", work).outside_folder
    assert attach(elsewhere / "outside.txt", work).outside_folder
    assert attach(tmp_path / "work" / ".." / "elsewhere" / "outside.txt", work).outside_folder


def test_a_missing_capability_is_named_before_anything_is_read(tmp_path: Path) -> None:
    picture = tmp_path / "a.png"
    picture.write_bytes(PNG)
    message = Message("see", (attach(picture, tmp_path),))
    picture.unlink()  # not read: the capability is checked first
    with pytest.raises(AttachmentError, match="does not accept image attachments"):
        prompt_blocks(message, PromptCapabilities(image=False, embedded_context=True))
