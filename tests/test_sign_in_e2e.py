"""Every way in against fakes of Google's endpoints, with the real gemini-cli (never the network).

gemini reads GOOGLE_GEMINI_BASE_URL, GOOGLE_VERTEX_BASE_URL and CODE_ASSIST_ENDPOINT; the fake answers each. The
Code Assist refusal Google sends individual accounts since 2026-06-18 is reached through gemini's access-token
login (GOOGLE_GENAI_USE_GCA + GOOGLE_CLOUD_ACCESS_TOKEN): it needs no browser and no token refresh, and runs the
same loadCodeAssist step as a cached Google login.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from gemini_desktop.engine import EngineConfig, GeminiSessionClient, SessionState
from gemini_desktop.engine.diagnosis import Problem
from gemini_desktop.engine.sign_in import code_assist_sign_in, gateway_sign_in, vertex_sign_in
from gemini_desktop.engine.types import AuthRequired, GeminiCommand
from tests.support.cli_env import INELIGIBLE, code_assist_env, without_auth
from tests.support.fake_gemini import DEFAULT_MODEL, FAKE_ACCESS_TOKEN, FakeGemini
from tests.support.keyrings import FILE_VARIABLE
from tests.support.qt_async import until
from tests.test_gui_e2e import WindowFactory, make_window, transcript_text, type_and_send  # noqa: F401

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
def chat_once(config: EngineConfig, run_async: Callable[..., Any], text: str = "hi") -> str:
    client = GeminiSessionClient(config)

    async def scenario() -> str:
        try:
            await client.start_session()
            return (await client.chat(text)).text
        finally:
            await client.stop_session()

    return run_async(scenario(), timeout=120)


def test_a_gateway_gets_its_url_and_headers_over_authenticate(
        engine_config: EngineConfig, cli_home: Path, fake_gemini: FakeGemini, run_async: Callable[..., Any]) -> None:
    gateway = gateway_sign_in(fake_gemini.base_url, ["X-Gateway-Token=gw-secret", "X-Team=blue"])
    config = dataclasses.replace(engine_config, env=without_auth(cli_home), sign_in=gateway)
    assert chat_once(config, run_async) == "Echo: hi"
    request = fake_gemini.stream_requests()[-1]
    assert request.headers.get("x-gateway-token") == "gw-secret" and request.headers.get("x-team") == "blue"


def test_vertex_ai_sends_the_request_for_the_chosen_project_and_location(
        engine_config: EngineConfig, cli_home: Path, fake_gemini: FakeGemini, tmp_path: Path,
        run_async: Callable[..., Any]) -> None:
    # Workload-identity credentials: the Google library exchanges a token at the file's token_url (the fake).
    (tmp_path / "subject-token").write_text("subject")
    credentials = tmp_path / "credentials.json"
    credentials.write_text(json.dumps({
        "type": "external_account", "token_url": f"{fake_gemini.base_url}/sts/token",
        "audience": "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/q",
        "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
        "credential_source": {"file": str(tmp_path / "subject-token")}}))
    vertex = vertex_sign_in("my-project-123", "europe-west4", str(credentials))
    config = dataclasses.replace(engine_config, sign_in=vertex,
                                 env=without_auth(cli_home, GOOGLE_VERTEX_BASE_URL=fake_gemini.base_url))
    assert chat_once(config, run_async) == "Echo: hi"
    request = fake_gemini.stream_requests()[-1]
    assert request.path.startswith(f"/v1beta1/projects/my-project-123/locations/europe-west4/publishers/google/"
                                   f"models/{DEFAULT_MODEL}:streamGenerateContent")
    assert request.headers.get("authorization") == f"Bearer {FAKE_ACCESS_TOKEN}"


def test_vertex_ai_express_mode_uses_its_key(
        engine_config: EngineConfig, cli_home: Path, fake_gemini: FakeGemini, run_async: Callable[..., Any]) -> None:
    config = dataclasses.replace(engine_config, sign_in=vertex_sign_in(api_key="AQ.express-key"),
                                 env=without_auth(cli_home, GOOGLE_VERTEX_BASE_URL=fake_gemini.base_url))
    assert chat_once(config, run_async) == "Echo: hi"
    request = fake_gemini.stream_requests()[-1]
    assert request.path.startswith(f"/v1beta1/publishers/google/models/{DEFAULT_MODEL}:streamGenerateContent")
    assert request.headers.get("x-goog-api-key") == "AQ.express-key"


def test_the_code_assist_refusal_for_individuals_is_diagnosed_before_any_message(
        engine_config: EngineConfig, cli_home: Path, fake_gemini: FakeGemini, run_async: Callable[..., Any]) -> None:
    fake_gemini.code_assist = INELIGIBLE
    refused = code_assist_env(cli_home, fake_gemini.base_url)
    client = GeminiSessionClient(dataclasses.replace(engine_config, env=refused))
    announced: list[AuthRequired] = []
    client.auth_required.connect(announced.append)
    states: list[str] = []
    client.state_changed.connect(states.append)

    async def scenario() -> AuthRequired:
        try:
            with pytest.raises(AuthRequired) as refused:
                await client.start_session()
            return refused.value
        finally:
            await client.stop_session()

    refused = run_async(scenario(), timeout=120)
    assert refused.diagnosis is not None and refused.diagnosis.problem is Problem.INELIGIBLE
    assert "Antigravity suite" in refused.diagnosis.details
    assert [a.diagnosis for a in announced] == [refused.diagnosis]
    assert SessionState.READY not in states
    assert any(r.path.startswith("/v1internal:loadCodeAssist") for r in fake_gemini.requests)
    assert fake_gemini.stream_requests() == []


@pytest.mark.parametrize("status, message, error_status, details, problem, words", [
    (400, "API key not valid. Please pass a valid API key.", "INVALID_ARGUMENT",
     ({"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"},),
     Problem.INVALID_KEY, "Google does not accept this API key"),
    (403, "Generative Language API has not been used in project my-proj-123 before or it is disabled.",
     "PERMISSION_DENIED", ({"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SERVICE_DISABLED"},),
     Problem.PERMISSION, "my-proj-123"),
    (429, "You exceeded your current quota.", "RESOURCE_EXHAUSTED",
     ({"@type": "type.googleapis.com/google.rpc.QuotaFailure",
       "violations": [{"quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier"}]},),
     Problem.QUOTA, "Quota exhausted"),
])
def test_a_refused_turn_says_why_and_a_sign_in_problem_keeps_the_message(
        make_window: WindowFactory, engine_config: EngineConfig, fake_gemini: FakeGemini,  # noqa: F811
        qtbot: QtBot, run_async: Callable[..., Any], status: int, message: str, error_status: str,
        details: tuple[dict[str, Any], ...], problem: Problem, words: str) -> None:
    fake_gemini.reply_error(status, message, error_status, details)

    async def scenario() -> None:
        window = make_window(engine_config)
        await until(lambda: window.client is not None and window.client.state == SessionState.READY, 45, "ready")
        type_and_send(qtbot, window, "please answer")
        await until(lambda: words in transcript_text(window), 45, "the diagnosis in the transcript")
        panel = window.auth_panel
        if problem is Problem.QUOTA:  # another key would not help: no sign-in panel, the message was sent
            assert not panel.isVisible()
            assert window.prompt.toPlainText() == ""
        else:
            await until(panel.isVisible, 10, "sign-in panel")
            assert words in panel.problem_title.text() + panel.problem_advice.text()
            panel.details.toggle.click()
            assert message in panel.details.view.toPlainText()
            assert window.prompt.toPlainText() == "please answer"  # back in the box, to send once signed in

    run_async(scenario(), timeout=150)


def test_the_window_shows_the_refusal_at_start_never_ready(
        make_window: WindowFactory, engine_config: EngineConfig, cli_home: Path,  # noqa: F811
        fake_gemini: FakeGemini, run_async: Callable[..., Any]) -> None:
    fake_gemini.code_assist = INELIGIBLE
    config = dataclasses.replace(engine_config, env=code_assist_env(cli_home, fake_gemini.base_url))

    async def scenario() -> None:
        window = make_window(config)
        panel = window.auth_panel
        await until(panel.isVisible, 60, "sign-in panel")
        assert window.client is not None and window.client.state != SessionState.READY
        assert "no longer serves gemini-cli" in panel.problem_title.text()
        assert panel.method_box.currentData() == "api-key"  # the login that was refused is not offered first
        offered = [panel.method_box.itemData(i) for i in range(panel.method_box.count())]
        assert offered == ["api-key", "vertex", "code-assist", "gateway", "google"]

    run_async(scenario(), timeout=120)


def run_auth(*arguments: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gemini_desktop", "auth", *arguments], input=stdin, text=True,
                          capture_output=True, env=env, cwd=ROOT, timeout=180)


@pytest.fixture
def auth_env(tmp_path: Path, cli_home: Path) -> dict[str, str]:
    """A private profile for the command (settings, logs, keyring file) and gemini pointed at nothing."""
    return {**os.environ, "HOME": str(tmp_path / "profile"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_STATE_HOME": str(tmp_path / "state"),
            "XDG_CACHE_HOME": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT),
            "PYTHON_KEYRING_BACKEND": "tests.support.keyrings.FileKeyring",
            FILE_VARIABLE: str(tmp_path / "keyring.json")}


def test_auth_commands_choose_check_and_forget_a_way_in(
        auth_env: dict[str, str], gemini_command: GeminiCommand, cli_home: Path, fake_gemini: FakeGemini,
        tmp_path: Path) -> None:
    gemini = ["--gemini", gemini_command.args[-1] if gemini_command.args else gemini_command.program]
    env = auth_env | without_auth(cli_home)
    refused = run_auth("use-code-assist", "--project", "my project", env=env)
    assert refused.returncode == 2 and "not a Google Cloud project id" in refused.stderr
    assert run_auth("use-api-key", env=env, stdin="\n").returncode == 2  # an empty key changes nothing
    bad_url = run_auth("use-gateway", "--url", "http://gateway.example.com", env=env)
    assert bad_url.returncode == 2 and "must use https" in bad_url.stderr

    chosen = run_auth("use-gateway", "--url", fake_gemini.base_url, "--header", "X-Gateway-Token=gw-secret",
                      env=env)
    assert chosen.returncode == 0, chosen.stderr
    assert not [p for p in tmp_path.joinpath("config").rglob("*") if p.is_file() and "gw-secret" in p.read_text()]
    status = run_auth("status", *gemini, env=env)
    assert status.returncode == 0, status.stdout + status.stderr
    assert status.stdout.splitlines()[0] == f"Method: AI API gateway at {fake_gemini.base_url}"
    assert "accepts it" in status.stdout
    assert fake_gemini.stream_requests()[-1].headers.get("x-gateway-token") == "gw-secret"
    chats = list((cli_home / ".gemini" / "tmp").glob("*/chats/session-*.json*"))
    assert not [p for p in chats if "Reply with the single word OK" in p.read_text()]  # the probe left nothing

    assert run_auth("logout", env=env).returncode == 0
    assert json.loads((tmp_path / "keyring.json").read_text()) == {}
    fake_gemini.code_assist = INELIGIBLE  # gemini's own settings: the refused Google login of an individual
    ineligible = run_auth("status", *gemini, env=auth_env | code_assist_env(cli_home, fake_gemini.base_url))
    assert ineligible.returncode == 1, ineligible.stdout + ineligible.stderr
    assert ineligible.stdout.startswith("Method: none chosen")
    assert "Google no longer serves gemini-cli" in ineligible.stdout and "Antigravity" in ineligible.stdout


def test_a_code_assist_licence_signs_in_with_its_project(
        engine_config: EngineConfig, cli_home: Path, fake_gemini: FakeGemini, run_async: Callable[..., Any]) -> None:
    fake_gemini.code_assist = {"currentTier": {"id": "standard-tier"}, "cloudaicompanionProject": "corp-project-1"}
    config = dataclasses.replace(engine_config, env=code_assist_env(cli_home, fake_gemini.base_url),
                                 sign_in=code_assist_sign_in("corp-project-1"))
    client = GeminiSessionClient(config)

    async def scenario() -> None:
        try:
            await client.start_session()
        finally:
            await client.stop_session()

    run_async(scenario(), timeout=120)
    loads = [r for r in fake_gemini.requests if r.path.startswith("/v1internal:loadCodeAssist")]
    assert loads and loads[0].body.get("cloudaicompanionProject") == "corp-project-1"
