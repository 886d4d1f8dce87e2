"""The local API against the real gemini-cli and the fake model server, the server on a free port (issue 11)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import json
import os
import signal
import socket
import stat
import subprocess
import sys
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from pytestqt.qtbot import QtBot

from gemini_desktop.api.server import ApiServer
from gemini_desktop.api.switch import LocalApiSwitch
from gemini_desktop.app import follow_local_api_setting
from gemini_desktop.conversation.open_conversations import OpenConversations
from gemini_desktop.conversation.workspace import Workspace
from gemini_desktop.engine.types import EngineConfig
from gemini_desktop.logs import redact
from gemini_desktop.paths import api_token, api_token_path, regenerate_api_token
from gemini_desktop.settings import AppSettings, LaunchOptions
from gemini_desktop.store import HistoryStore
from gemini_desktop.ui.main_window import MainWindow
from tests.conftest import pinned_gemini_entry
from tests.support.cli_env import cli_environment, make_cli_home
from tests.support.fake_gemini import FakeGemini, FunctionCall
from tests.support.http_exchange import Answer, request
from tests.support.processes import pid_alive, processes_with_home
from tests.support.qt_async import until

pytestmark = pytest.mark.e2e


@dataclasses.dataclass
class LocalApi:
    port: int
    conversations: OpenConversations
    fake: FakeGemini
    run: Callable[..., Any]

    def call(self, method: str, path: str, body: object = None, **options: Any) -> Answer:
        return self.run(request(self.port, method, path, body, **options), 90)

    def open(self, **body: Any) -> str:
        answer = self.call("POST", "/conversations", body)
        assert answer.status == 201, answer.body
        return answer.json()["id"]

    def pid(self, key: str) -> int | None:
        controller = self.conversations.get(key)
        assert controller is not None
        return controller.client.process_id


@contextlib.contextmanager
def start_api(config: EngineConfig, tmp_path: Path, fake: FakeGemini, run: Callable[..., Any]) -> Iterator[LocalApi]:
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    workspace = Workspace(AppSettings(tmp_path / "settings.ini"), LaunchOptions(), config)
    conversations = OpenConversations(workspace, store)
    server = ApiServer(conversations, api_token, port=0)
    port = run(server.start())
    try:
        yield LocalApi(port, conversations, fake, run)
    finally:
        run(server.stop())
        run(conversations.close_all())
        run(workspace.shutdown())
        store.close()


@pytest.fixture
def api(engine_config: EngineConfig, tmp_path: Path, fake_gemini: FakeGemini,
        run_async: Callable[..., Any]) -> Iterator[LocalApi]:
    with start_api(engine_config, tmp_path, fake_gemini, run_async) as local:
        yield local


def test_the_api_refuses_a_missing_token_a_foreign_host_and_bad_bodies_and_keeps_its_token_owner_only(
        api: LocalApi) -> None:
    assert api.call("GET", "/conversations", token=None).status == 401
    assert api.call("GET", "/conversations", token="not-the-token").status == 401
    health = api.call("GET", "/health", token=None)
    assert health.status == 200 and "version" in health.json()
    assert api.call("GET", "/health", token=None, host="attacker.example:80").status == 421
    assert api.call("GET", "/conversations", host="attacker.example").status == 421
    assert api.call("GET", "/conversations", host=f"[::1]:{api.port}").status == 200
    assert api.call("POST", "/conversations", raw=b"{}", declared_length=2 * 1024 * 1024).status == 413
    malformed = api.call("POST", "/conversations", raw=b"{not json")
    assert malformed.status == 400 and "not valid JSON" in malformed.json()["error"]["message"]
    wrong = api.call("POST", "/conversations", {"folder": "relative/path", "colour": "red"})
    assert wrong.status == 422 and "colour" in wrong.json()["error"]["message"]
    missing = api.call("POST", "/conversations/nope/messages", {"text": "hi"})
    assert missing.status == 404 and b"Traceback" not in missing.body
    preflight = api.call("OPTIONS", "/conversations", token=None, headers={"Origin": "http://evil.example"})
    assert not any(name.startswith("access-control-") for name in preflight.headers)
    assert stat.S_IMODE(api_token_path().stat().st_mode) == 0o600
    old = api_token()
    new = regenerate_api_token()
    assert new != old and api_token() == new and stat.S_IMODE(api_token_path().stat().st_mode) == 0o600
    assert api.call("GET", "/conversations", token=old).status == 401
    assert api.call("GET", "/conversations", token=new).status == 200
    assert new not in redact(f"GET /conversations Authorization: Bearer {new}")


def test_two_messages_run_in_one_gemini_process_and_the_second_carries_the_first_turn(api: LocalApi) -> None:
    api.fake.reply("The capital is Paris.")
    api.fake.reply("About two million people.")
    key = api.open()
    first = api.call("POST", f"/conversations/{key}/messages", {"text": "Capital of France?", "stream": False})
    pid = api.pid(key)
    streamed = api.call("POST", f"/conversations/{key}/messages", {"text": "How many live there?"})
    assert first.json()["text"] == "The capital is Paris."
    kinds = [kind for kind, _ in streamed.events()]
    assert kinds[0] == "accepted" and kinds[-1] == "done" and "text" in kinds
    assert "".join(data["text"] for kind, data in streamed.events() if kind == "text") == "About two million people."
    assert streamed.events()[-1][1]["stop_reason"] == "end_turn"
    assert api.pid(key) == pid
    second = api.fake.stream_requests()[-1].texts()
    assert "Capital of France?" in " ".join(second) and "The capital is Paris." in second


def test_concurrent_messages_are_answered_in_the_order_received_and_two_conversations_answer_in_parallel(
        api: LocalApi) -> None:
    key = api.open()
    for index in range(20):
        api.fake.reply(f"answer {index}")

    async def burst() -> list[Answer]:
        return await asyncio.gather(*(request(api.port, "POST", f"/conversations/{key}/messages",
                                              {"text": f"question {i}", "stream": False}) for i in range(20)))

    answers = api.run(burst(), 120)
    accepted = sorted(answers, key=lambda answer: answer.json()["message"])
    assert [a.json()["text"] for a in accepted] == [f"answer {i}" for i in range(20)]
    asked = [seen.last_user_text() for seen in api.fake.stream_requests()]
    assert asked == [a.json()["text"].replace("answer", "question") for a in accepted]

    other = api.open()
    held = api.fake.reply("slow answer", "", hold_after=1)
    api.fake.reply("quick answer")

    async def parallel() -> tuple[str, str]:
        slow = asyncio.ensure_future(request(api.port, "POST", f"/conversations/{key}/messages",
                                             {"text": "slow", "stream": False}))
        await until(lambda: len(api.fake.stream_requests()) == 21)
        quick = await request(api.port, "POST", f"/conversations/{other}/messages", {"text": "quick", "stream": False})
        assert not slow.done()  # the first conversation is still held by the model while the second answered
        held.release()
        return (await slow).json()["text"], quick.json()["text"]

    assert api.run(parallel(), 120) == ("slow answer", "quick answer")


def test_a_child_killed_mid_turn_ends_the_stream_with_an_error_and_the_next_message_runs_on_a_new_child(
        api: LocalApi) -> None:
    key = api.open()
    api.fake.reply("Remember: the code word is heron.")
    api.call("POST", f"/conversations/{key}/messages", {"text": "Remember heron", "stream": False})
    pid = api.pid(key)
    assert pid is not None
    api.fake.reply("This never", " finishes", hold_after=1)
    api.fake.reply("The code word was heron.")

    async def kill_mid_turn() -> Answer:
        streaming = asyncio.ensure_future(request(api.port, "POST", f"/conversations/{key}/messages",
                                                  {"text": "Tell me a story"}))
        await until(lambda: len(api.fake.stream_requests()) == 2)
        os.kill(pid, signal.SIGKILL)
        return await streaming

    killed = api.run(kill_mid_turn(), 90)
    assert killed.events()[-1][0] == "error"
    after = api.call("POST", f"/conversations/{key}/messages", {"text": "What was the code word?", "stream": False})
    assert after.status == 200 and after.json()["text"] == "The code word was heron."
    assert api.pid(key) not in (None, pid)
    assert "Remember heron" in " ".join(api.fake.stream_requests()[-1].texts())


def test_a_permission_answered_through_the_api_runs_the_tool_and_one_left_unanswered_is_rejected(
        engine_config: EngineConfig, tmp_path: Path, fake_gemini: FakeGemini, workdir: Path,
        run_async: Callable[..., Any]) -> None:
    config = dataclasses.replace(engine_config, permission_timeout=3.0)
    with start_api(config, tmp_path, fake_gemini, run_async) as local:
        key = local.open()
        allowed, refused = workdir / "allowed.txt", workdir / "refused.txt"
        fake_gemini.reply(FunctionCall("write_file", {"file_path": str(allowed), "content": "yes"}))
        fake_gemini.reply("Written.")

        async def answer_when_asked() -> list[tuple[str, dict[str, Any]]]:
            streaming = asyncio.ensure_future(request(local.port, "POST", f"/conversations/{key}/messages",
                                                      {"text": "write allowed.txt"}))
            controller = local.conversations.get(key)
            assert controller is not None
            await until(lambda: bool(controller.model.pending_requests()), what="a permission request")
            entry = controller.model.pending_requests()[0]
            option = next(o.option_id for o in entry.request.options if o.kind == "allow_once")  # type: ignore[union-attr]
            decided = await request(local.port, "POST",
                                    f"/conversations/{key}/permissions/{entry.call.tool_call_id}",
                                    {"option_id": option})
            assert decided.status == 200, decided.body
            return (await streaming).events()

        events = run_async(answer_when_asked(), 90)
        asked = [data for kind, data in events if kind == "permission_request"]
        assert asked and {o["kind"] for o in asked[0]["options"]} >= {"allow_once", "reject_once"}
        assert events[-1][0] == "done" and allowed.read_text() == "yes"

        fake_gemini.reply(FunctionCall("write_file", {"file_path": str(refused), "content": "no"}))
        fake_gemini.reply("Not written.")
        unanswered = local.call("POST", f"/conversations/{key}/messages", {"text": "write refused.txt"})
        assert "permission_request" in [kind for kind, _ in unanswered.events()]
        decisions = [data.get("decision") for kind, data in unanswered.events() if kind == "tool_call"]
        assert "rejected" in decisions and not refused.exists()


def test_the_official_openai_client_keeps_one_gemini_process_and_the_context_over_three_turns(
        api: LocalApi) -> None:
    for text in ("Noted: blue.", "Your colour is blue.", "Still blue."):
        api.fake.reply(text)

    async def three_turns() -> list[str]:
        client = openai.AsyncOpenAI(base_url=f"http://127.0.0.1:{api.port}/v1", api_key=api_token(),
                                    max_retries=0)
        messages: list[dict[str, str]] = [{"role": "user", "content": "My colour is blue."}]
        answers = []
        for turn in range(3):
            if turn == 1:
                stream = await client.chat.completions.create(model="gemini-2.5-flash", messages=messages,
                                                              stream=True, user="colour-chat")
                text = "".join([chunk.choices[0].delta.content or "" async for chunk in stream if chunk.choices])
            else:
                completion = await client.chat.completions.create(model="gemini-2.5-flash", messages=messages,
                                                                  user="colour-chat")
                text = completion.choices[0].message.content or ""
            answers.append(text)
            messages += [{"role": "assistant", "content": text},
                         {"role": "user", "content": ["What is my colour?", "Again?"][min(turn, 1)]}]
        models = await client.models.list()
        assert [model.id async for model in models]
        await client.close()
        return answers

    assert api.run(three_turns(), 120) == ["Noted: blue.", "Your colour is blue.", "Still blue."]
    assert len(api.conversations.open_keys()) == 1
    requests = api.fake.stream_requests()
    assert "My colour is blue." in " ".join(requests[-1].texts()) and "Your colour is blue." in requests[-1].texts()
    pids = {api.pid(key) for key in api.conversations.open_keys()}
    assert len(pids) == 1


def on_own_loop(exchange: Coroutine[Any, Any, Answer]) -> Answer:
    """A request from outside the tests' Qt loop (which is installed for the whole session)."""
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, exchange).result(90)


def start_serve(tmp_path: Path, fake_gemini: FakeGemini, workdir: Path,
                preexec_fn: Callable[[], None] | None = None) -> tuple[subprocess.Popen[str], int, str, Path]:
    """`gemini-desktop serve` on a free port with its own folders: the process, its port, token and CLI home."""
    home = make_cli_home(tmp_path / "home")
    env = {key: value for key, value in os.environ.items() if key not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(cli_environment(home, fake_gemini.base_url), QT_QPA_PLATFORM="",
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_STATE_HOME=str(tmp_path / "state"), XDG_CACHE_HOME=str(tmp_path / "cache"))
    env.pop("QT_QPA_PLATFORM")
    serving = subprocess.Popen(
        [sys.executable, "-m", "gemini_desktop", "serve", "--port", "0", "--cwd", str(workdir),
         "--gemini", str(pinned_gemini_entry()), "--model", "gemini-2.5-flash"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=preexec_fn)
    line = serving.stdout.readline()  # type: ignore[union-attr]
    if "127.0.0.1:" not in line:
        serving.kill()
        raise AssertionError(serving.communicate()[1] or line)
    port = int(line.split("127.0.0.1:")[1].split()[0])
    token = (tmp_path / "config" / "gemini-desktop" / "api-token").read_text().strip()
    return serving, port, token, home


def test_serve_runs_headless_answers_and_leaves_no_child_after_sigterm(tmp_path: Path, fake_gemini: FakeGemini,
                                                                      workdir: Path) -> None:
    fake_gemini.reply("Headless hello.")
    serving, port, token, home = start_serve(tmp_path, fake_gemini, workdir)
    try:
        opened = on_own_loop(request(port, "POST", "/conversations", {}, token=token))
        assert opened.status == 201, opened.body
        key = opened.json()["id"]
        said = on_own_loop(request(port, "POST", f"/conversations/{key}/messages", {"text": "hi", "stream": False},
                                   token=token))
        assert said.json()["text"] == "Headless hello."
        children = processes_with_home(home)
        assert children
        serving.send_signal(signal.SIGTERM)
        assert serving.wait(30) == 0
        assert not [pid for pid in children if pid_alive(pid)]
    finally:
        if serving.poll() is None:
            serving.kill()
            serving.wait()


def test_history_is_searchable_fetchable_exportable_and_a_closed_conversation_continues_from_its_history_id(
        api: LocalApi) -> None:
    api.fake.reply("Pelicans fly in lines.")
    api.fake.reply("They glide on updrafts.")
    key = api.open()
    api.call("POST", f"/conversations/{key}/messages", {"text": "Tell me about pelicans", "stream": False})
    history_id = api.call("GET", f"/conversations/{key}").json()["history_id"]
    controller = api.conversations.get(key)
    assert controller is not None and controller.wait_until_saved(10)
    hits = api.call("GET", "/history/search?q=pelicans").json()["hits"]
    assert {hit["history_id"] for hit in hits} == {history_id}
    fetched = api.call("GET", f"/history/{history_id}").json()
    assert [m["text"] for m in fetched["messages"]] == ["Tell me about pelicans", "Pelicans fly in lines."]
    assert "Pelicans fly in lines." in api.call("GET", f"/history/{history_id}/export?format=markdown").body.decode()
    assert json.loads(api.call("GET", f"/history/{history_id}/export?format=json").body)
    assert api.call("GET", f"/history/{history_id}/export?format=pdf").status == 422
    assert api.call("DELETE", f"/conversations/{key}").status == 200
    assert key not in api.conversations.open_keys()
    resumed = api.call("POST", "/conversations", {"history_id": history_id})
    assert resumed.status == 201, resumed.body
    again = resumed.json()["id"]
    answer = api.call("POST", f"/conversations/{again}/messages", {"text": "How do they fly?", "stream": False})
    assert answer.json()["text"] == "They glide on updrafts."
    assert "Tell me about pelicans" in " ".join(api.fake.stream_requests()[-1].texts())
    assert api.call("POST", "/conversations", {"history_id": 999_999}).status == 404


def test_an_auto_approving_mode_runs_tools_without_asking_and_an_unknown_mode_is_refused(
        api: LocalApi, workdir: Path) -> None:
    assert api.call("POST", "/conversations", {"approval_mode": "anything-goes"}).status == 422
    assert api.conversations.open_keys() == []
    key = api.open(approval_mode="yolo")
    assert api.call("GET", f"/conversations/{key}").json()["approval_mode"] == "yolo"
    target = workdir / "yolo.txt"
    api.fake.reply(FunctionCall("write_file", {"file_path": str(target), "content": "auto"}))
    api.fake.reply("Done.")
    events = api.call("POST", f"/conversations/{key}/messages", {"text": "write yolo.txt"}).events()
    assert "permission_request" not in [kind for kind, _ in events]
    assert events[-1][0] == "done" and target.read_text() == "auto"


def test_cancel_ends_the_running_turn_with_a_cancelled_final_event_and_the_conversation_goes_on(
        api: LocalApi) -> None:
    key = api.open()
    held = api.fake.reply("Counting: one", ", two", hold_after=1)
    api.fake.reply("Ready again.")

    async def cancel_mid_turn() -> Answer:
        streaming = asyncio.ensure_future(request(api.port, "POST", f"/conversations/{key}/messages",
                                                  {"text": "count slowly"}))
        controller = api.conversations.get(key)
        assert controller is not None
        # cancel once the first piece is on screen: a piece gemini sends after the cancel could reach the next turn
        await until(lambda: any("Counting: one" in getattr(e, "text", "") for e in controller.model.entries))
        assert (await request(api.port, "POST", f"/conversations/{key}/cancel")).status == 200
        return await streaming

    try:  # the held reply stays held: what gemini would still stream for a cancelled turn is another matter
        events = api.run(cancel_mid_turn(), 60).events()
        assert events[-1] == ("done", {**events[-1][1], "state": "cancelled", "stop_reason": "cancelled"})
        after = api.call("POST", f"/conversations/{key}/messages", {"text": "still there?", "stream": False})
        assert after.json()["text"] == "Ready again."
    finally:
        held.release()


def test_the_in_app_switch_is_off_until_enabled_follows_the_port_setting_and_reports_a_taken_port(
        engine_config: EngineConfig, tmp_path: Path, run_async: Callable[..., Any]) -> None:
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    conversations = OpenConversations(Workspace(AppSettings(tmp_path / "settings.ini"), LaunchOptions(),
                                                engine_config), store)
    wanted = {"enabled": False, "port": 0}
    switch = LocalApiSwitch(conversations, lambda: bool(wanted["enabled"]), lambda: int(wanted["port"]), api_token)
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    try:
        assert run_async(switch.apply()) == ""
        wanted.update(enabled=True, port=blocker.getsockname()[1])
        assert run_async(switch.apply()) == "" and switch.problem
        wanted["port"] = 0
        address = run_async(switch.apply())
        port = int(address.rsplit(":", 1)[1])
        assert run_async(request(port, "GET", "/health", token=None)).status == 200
        wanted["enabled"] = False
        assert run_async(switch.apply()) == ""
        with pytest.raises(OSError):
            run_async(request(port, "GET", "/health", token=None))
    finally:
        run_async(switch.stop())
        blocker.close()
        store.close()


def test_a_conversation_opened_through_the_api_shows_live_in_the_window_and_closes_from_either_side(
        engine_config: EngineConfig, tmp_path: Path, fake_gemini: FakeGemini, qtbot: QtBot,
        run_async: Callable[..., Any]) -> None:
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    window = MainWindow(store, AppSettings(tmp_path / "settings.ini"), engine_config=engine_config)
    window.show()
    window.start()
    server = ApiServer(window.conversations, api_token, port=0)
    port = run_async(server.start())
    try:
        run_async(until(lambda: window.view.key is not None, 60, "the window's own conversation"), timeout=70)
        own = window.view.key
        listed = run_async(request(port, "GET", "/conversations")).json()["open"]
        assert [conversation["id"] for conversation in listed] == [own]
        fake_gemini.reply("Hello from the API.")
        key = run_async(request(port, "POST", "/conversations", {})).json()["id"]
        view = window.stack.find_key(key)
        assert view is not None and view.controller is window.conversations.get(key)
        said = run_async(request(port, "POST", f"/conversations/{key}/messages",
                                 {"text": "hi from a script", "stream": False}), timeout=60)
        assert said.json()["text"] == "Hello from the API."
        shown = [getattr(entry, "text", "") for entry in view.transcript.model.entries]
        assert "hi from a script" in shown and "Hello from the API." in shown
        assert run_async(request(port, "DELETE", f"/conversations/{key}")).status == 200
        assert window.stack.find_key(key) is None and window.conversations.get(key) is None
        window.show_view(window.stack.find_key(own))  # type: ignore[arg-type]
        window.close_current()
        run_async(until(lambda: window.conversations.get(own) is None, 30, "the window's close reaching the API"))
        assert own not in [c["id"] for c in run_async(request(port, "GET", "/conversations")).json()["open"]]
        run_async(until(lambda: window.view.key not in (None, own), 60, "the window's next conversation"), timeout=70)
    finally:
        run_async(server.stop())
        window.close()
        run_async(until(lambda: window.is_shut_down, 30, "window shut down"), timeout=40)
        store.close()


def test_the_app_serves_the_local_api_while_the_setting_is_on_and_stops_when_it_is_turned_off(
        engine_config: EngineConfig, tmp_path: Path, run_async: Callable[..., Any]) -> None:
    with socket.socket() as probe:  # a free port above the settings' floor, for this test only
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = AppSettings(tmp_path / "settings.ini")
    settings.api_enabled, settings.api_port = True, port
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    window = MainWindow(store, settings, engine_config=engine_config)
    follow_local_api_setting(window)
    try:
        run_async(until(lambda: window.local_api_address == f"http://127.0.0.1:{port}", 10, "the API listening"))
        assert run_async(request(port, "GET", "/health", token=None)).status == 200
        settings.api_enabled = False
        window.settings_saved.emit()
        run_async(until(lambda: window.local_api_address == "", 10, "the API stopped"))
        with pytest.raises(OSError):
            run_async(request(port, "GET", "/health", token=None))
    finally:
        window.close()
        run_async(until(lambda: window.is_shut_down, 30, "window shut down"), timeout=40)
        store.close()
