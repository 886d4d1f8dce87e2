"""The ways in: what each one checks before use, what it gives gemini, how it is kept, and what errors mean.

The error texts are the ones gemini-cli 0.61 answered with against the fake servers (see test_sign_in_e2e.py for
the real exchange)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gemini_desktop.conversation.sign_in_choice import forget_sign_in, load_sign_in, save_sign_in
from gemini_desktop.engine.diagnosis import Problem, diagnose
from gemini_desktop.engine.sign_in import (
    SignIn,
    SignInInvalid,
    SignInMethod,
    api_key_sign_in,
    code_assist_sign_in,
    gateway_sign_in,
    vertex_sign_in,
)
from gemini_desktop.settings import KEYRING_SERVICE, KEYRING_USER, AppSettings
from tests.support.keyrings import MemoryKeyring


def service_account(tmp_path: Path, **overrides: object) -> Path:
    path = tmp_path / "key.json"
    fields = {"type": "service_account", "client_email": "bot@p.iam.gserviceaccount.com",
              "private_key": "-----BEGIN PRIVATE KEY-----\n..."} | overrides
    path.write_text(json.dumps(fields))
    return path


@pytest.mark.parametrize("make, reason", [
    (lambda: api_key_sign_in("   "), "empty"),
    (lambda: api_key_sign_in("AIza with space"), "no spaces"),
    (lambda: code_assist_sign_in("my project"), "not a Google Cloud project id"),
    (lambda: code_assist_sign_in("123456789012"), "project number"),
    (lambda: vertex_sign_in("my-project-123", "mars-north1"), "not a Vertex AI location"),
    (lambda: gateway_sign_in("gateway.example.com"), "not a web address"),
    (lambda: gateway_sign_in("https://exa mple.com"), "not a web address"),
    (lambda: gateway_sign_in("https://host:port"), "not a web address"),
    (lambda: gateway_sign_in("http://gateway.example.com"), "must use https"),
    (lambda: gateway_sign_in("https://gateway.example.com", ["no-equals-sign"]), "NAME=VALUE"),
    (lambda: gateway_sign_in("https://gateway.example.com", ["bad name=1"]), "not a valid header name"),
])
def test_bad_input_is_refused_with_the_reason(make: object, reason: str) -> None:
    with pytest.raises(SignInInvalid, match=reason):
        make()  # type: ignore[operator]


def test_a_credentials_file_is_checked_before_gemini_gets_it(tmp_path: Path) -> None:
    with pytest.raises(SignInInvalid, match="does not exist"):
        vertex_sign_in("my-project-123", "us-central1", str(tmp_path / "missing.json"))
    (tmp_path / "garbage.json").write_text("{not json")
    with pytest.raises(SignInInvalid, match="not a JSON credentials file"):
        vertex_sign_in("my-project-123", "us-central1", str(tmp_path / "garbage.json"))
    client_secret = tmp_path / "client_secret.json"  # the OAuth client file people often download by mistake
    client_secret.write_text(json.dumps({"installed": {"client_id": "x", "client_secret": "y"}}))
    with pytest.raises(SignInInvalid, match="not a service-account key"):
        vertex_sign_in("my-project-123", "us-central1", str(client_secret))
    with pytest.raises(SignInInvalid, match="not a service-account key"):
        vertex_sign_in("my-project-123", "us-central1", str(service_account(tmp_path, client_email="")))
    key = service_account(tmp_path)
    chosen = vertex_sign_in(" my-project-123 ", "Europe-West4", str(key))
    assert chosen == SignIn(SignInMethod.VERTEX, project="my-project-123", location="europe-west4",
                            credentials_file=str(key))


def test_each_way_in_gives_gemini_its_environment_and_authenticate_meta(tmp_path: Path) -> None:
    key = service_account(tmp_path)
    vertex = vertex_sign_in("my-project-123", "us-central1", str(key))
    assert vertex.child_env() == {"GOOGLE_GENAI_USE_VERTEXAI": "true", "GOOGLE_CLOUD_PROJECT": "my-project-123",
                                  "GOOGLE_CLOUD_LOCATION": "us-central1", "GOOGLE_APPLICATION_CREDENTIALS": str(key)}
    assert vertex.authenticate_meta() == {}
    express = vertex_sign_in(api_key="AQ.express-key")
    assert express.child_env() == {"GOOGLE_GENAI_USE_VERTEXAI": "true", "GOOGLE_API_KEY": "AQ.express-key"}
    assert code_assist_sign_in("corp-project-1").child_env() == {"GOOGLE_CLOUD_PROJECT": "corp-project-1"}
    assert code_assist_sign_in("corp-project-1").kind == "code-assist"
    gateway = gateway_sign_in("http://127.0.0.1:8080/gw", ["X-Gateway-Token=s3cret", "X-Team = blue"])
    assert gateway.authenticate_meta() == {"gateway": {"baseUrl": "http://127.0.0.1:8080/gw",
                                                       "headers": {"X-Gateway-Token": "s3cret", "X-Team": "blue"}}}
    assert gateway.child_env() == {}
    assert api_key_sign_in(" AIzaKey ").authenticate_meta() == {"api-key": "AIzaKey"}
    assert "s3cret" not in repr(gateway) and "AIzaKey" not in repr(api_key_sign_in("AIzaKey"))
    assert "s3cret" not in gateway.summary()


def test_the_choice_is_kept_with_secrets_in_the_keyring_only(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    path = tmp_path / "settings.ini"
    settings = AppSettings(path)
    assert load_sign_in(settings) is None
    gateway = gateway_sign_in("https://gw.example.com", ["X-Gateway-Token=s3cret"])
    assert save_sign_in(settings, gateway)
    assert "s3cret" not in path.read_text()
    assert load_sign_in(AppSettings(path)) == gateway
    # Switching replaces the previous way in and removes its secrets.
    express = vertex_sign_in(api_key="AQ.express-key")
    assert save_sign_in(settings, express)
    assert load_sign_in(AppSettings(path)) == express
    assert list(memory_keyring.secrets.values()) == ["AQ.express-key"]
    forget_sign_in(settings)
    assert load_sign_in(AppSettings(path)) is None and memory_keyring.secrets == {}


def test_an_api_key_stored_by_an_earlier_version_is_still_the_way_in(
        tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    memory_keyring.set_password(KEYRING_SERVICE, KEYRING_USER, "AIzaOldKey")
    assert load_sign_in(AppSettings(tmp_path / "settings.ini")) == SignIn(SignInMethod.API_KEY, api_key="AIzaOldKey")


INELIGIBLE = ("This client is no longer supported for Gemini Code Assist for individuals. To continue, please "
              "migrate to the Antigravity suite.")
INVALID_KEY = json.dumps({"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.",
                                    "status": "INVALID_ARGUMENT", "details": [{"reason": "API_KEY_INVALID"}]}})
SERVICE_DISABLED = json.dumps({"error": {
    "code": 403, "status": "PERMISSION_DENIED",
    "message": "Generative Language API has not been used in project my-proj-123 before or it is disabled."}})


@pytest.mark.parametrize("message, problem, words", [
    (INELIGIBLE, Problem.INELIGIBLE, "18 June 2026"),
    (f"gemini is not signed in: IneligibleTierError: {INELIGIBLE}", Problem.INELIGIBLE, "Vertex AI"),
    (f"gemini reported an error: {INVALID_KEY}", Problem.INVALID_KEY, "aistudio.google.com/apikey"),
    (SERVICE_DISABLED, Problem.PERMISSION, "my-proj-123"),
    ("You have exhausted your daily quota on this model.", Problem.QUOTA, "Try again later"),
    ('{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","details":[{"retryDelay":"37s"}]}}', Problem.QUOTA,
     "Try again in 37 s"),
    ("request to https://generativelanguage.googleapis.com/v1beta/models failed, reason: getaddrinfo ENOTFOUND "
     "generativelanguage.googleapis.com", Problem.NETWORK, "generativelanguage.googleapis.com could not be reached"),
    ("fetch failed: connect ECONNREFUSED 127.0.0.1:9", Problem.NETWORK, "127.0.0.1:9 could not be reached"),
    ("Gemini API key is missing or not configured.", Problem.NOT_SIGNED_IN, "an API key, Vertex AI"),
])
def test_errors_are_diagnosed_in_words_a_user_can_act_on(message: str, problem: Problem, words: str) -> None:
    diagnosis = diagnose(message)
    assert diagnosis is not None and diagnosis.problem is problem
    assert words in diagnosis.advice
    assert diagnosis.details == message  # the server's own words stay available


def test_the_chosen_project_names_a_permission_problem_and_other_errors_are_left_alone() -> None:
    diagnosis = diagnose('{"error":{"code":403,"message":"The caller does not have permission"}}', project="corp-1")
    assert diagnosis is not None and "corp-1" in diagnosis.advice
    assert diagnose("gemini reported an error: Request contains an invalid argument.") is None
