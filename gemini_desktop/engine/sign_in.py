"""How gemini signs in: the ways gemini-cli still serves in 2026, checked before use.

Since 2026-06-18 Google refuses "Log in with Google" for individual accounts; a Gemini API key (paid tier), Vertex
AI, a Code Assist Standard/Enterprise licence (Google login plus a Cloud project) and an AI API gateway still
work. A `SignIn` is what the user chose; it becomes the child's environment and its ACP `authenticate` call.
Secrets ride in the object only in memory: settings keep the rest, the keyring the secrets.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import QCoreApplication

translate = QCoreApplication.translate


class SignInMethod(StrEnum):
    """gemini-cli's ACP auth method ids; a Code Assist licence is `GOOGLE` with a project."""

    API_KEY = "gemini-api-key"
    GOOGLE = "oauth-personal"
    VERTEX = "vertex-ai"
    GATEWAY = "gateway"


class SignInInvalid(Exception):
    """What the user entered cannot work; the message says why, in words for the user."""


# Vertex AI regions (and the multi-regions gemini-cli knows), from Google's list of generative AI locations.
VERTEX_LOCATIONS = frozenset({
    "global", "us", "eu",
    "us-central1", "us-east1", "us-east4", "us-east5", "us-south1", "us-west1", "us-west4",
    "northamerica-northeast1", "southamerica-east1",
    "europe-central2", "europe-north1", "europe-southwest1", "europe-west1", "europe-west2", "europe-west3",
    "europe-west4", "europe-west6", "europe-west8", "europe-west9",
    "asia-east1", "asia-east2", "asia-northeast1", "asia-northeast3", "asia-south1", "asia-southeast1",
    "australia-southeast1", "me-central1", "me-central2", "me-west1",
})
_PROJECT_ID = re.compile(r"[a-z][a-z0-9-]{4,28}[a-z0-9]")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an RFC 9110 token
# Credential files gemini's Google libraries accept as Application Default Credentials, with what each must hold.
_CREDENTIAL_FIELDS = {
    "service_account": ("client_email", "private_key"),
    "external_account": ("audience", "token_url", "credential_source"),
    "authorized_user": ("client_id", "refresh_token"),
}


@dataclass(frozen=True)
class SignIn:
    method: SignInMethod
    api_key: str = field(default="", repr=False)  # a Gemini API key, or a Vertex AI express-mode key
    project: str = ""  # Vertex AI, or the Cloud project of a Code Assist licence
    location: str = ""  # Vertex AI
    credentials_file: str = ""  # Vertex AI: a credentials file; empty means gcloud's default credentials
    gateway_url: str = ""
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)  # gateway: values are secrets

    @property
    def kind(self) -> str:
        """The name of the way in, as `gemini-desktop auth` and Settings call it."""
        if self.method is SignInMethod.GOOGLE:
            return "code-assist" if self.project else "google"
        return {SignInMethod.API_KEY: "api-key", SignInMethod.VERTEX: "vertex",
                SignInMethod.GATEWAY: "gateway"}[self.method]

    def summary(self) -> str:
        """One line for the status bar tooltip, Settings and `auth status` (never a secret)."""
        if self.method is SignInMethod.API_KEY:
            return translate("SignIn", "Gemini API key")
        if self.method is SignInMethod.VERTEX:
            if self.api_key and not self.project:
                return translate("SignIn", "Vertex AI (express mode, API key)")
            credentials = self.credentials_file or translate("SignIn", "gcloud default credentials")
            return translate("SignIn", "Vertex AI: project {project}, {location} ({credentials})").format(
                project=self.project, location=self.location, credentials=credentials)
        if self.method is SignInMethod.GATEWAY:
            return translate("SignIn", "AI API gateway at {url}").format(url=self.gateway_url)
        if self.project:
            return translate("SignIn", "Code Assist Standard/Enterprise: Google login, project {project}").format(
                project=self.project)
        return translate("SignIn", "Log in with Google")

    def child_env(self) -> dict[str, str]:
        """What gemini reads from its environment for this way in (the rest goes over ACP `authenticate`)."""
        env: dict[str, str] = {}
        if self.project and self.method in (SignInMethod.VERTEX, SignInMethod.GOOGLE):
            env["GOOGLE_CLOUD_PROJECT"] = self.project
        if self.method is SignInMethod.VERTEX:
            env["GOOGLE_GENAI_USE_VERTEXAI"] = "true"
            if self.location:
                env["GOOGLE_CLOUD_LOCATION"] = self.location
            if self.credentials_file:
                env["GOOGLE_APPLICATION_CREDENTIALS"] = self.credentials_file
            if self.api_key:  # gemini takes a Vertex key only from its environment
                env["GOOGLE_API_KEY"] = self.api_key
        return env

    def authenticate_meta(self) -> dict[str, Any]:
        """The `_meta` of ACP `authenticate`: the key or the gateway travel there, not in the environment."""
        if self.method is SignInMethod.API_KEY:
            return {"api-key": self.api_key}
        if self.method is SignInMethod.GATEWAY:
            return {"gateway": {"baseUrl": self.gateway_url, "headers": dict(self.headers)}}
        return {}


def api_key_sign_in(key: str) -> SignIn:
    return SignIn(SignInMethod.API_KEY, api_key=_checked_key(key))


def vertex_sign_in(project: str = "", location: str = "", credentials_file: str = "",
                   api_key: str = "") -> SignIn:
    """Vertex AI with a project and location (credentials from a file or gcloud's default), or express mode with
    an API key alone."""
    if api_key.strip() and not project.strip():
        return SignIn(SignInMethod.VERTEX, api_key=_checked_key(api_key))
    checked_project = checked_project_id(project)
    checked_location = location.strip().lower()
    if checked_location not in VERTEX_LOCATIONS:
        raise SignInInvalid(translate(
            "SignIn", "“{location}” is not a Vertex AI location (for example us-central1, europe-west4 or "
            "global).").format(location=location.strip()))
    credentials = str(Path(credentials_file.strip()).expanduser()) if credentials_file.strip() else ""
    if credentials:
        check_credentials_file(Path(credentials))
    return SignIn(SignInMethod.VERTEX, project=checked_project, location=checked_location,
                  credentials_file=credentials)


def code_assist_sign_in(project: str) -> SignIn:
    return SignIn(SignInMethod.GOOGLE, project=checked_project_id(project))


def gateway_sign_in(url: str, headers: Sequence[str | tuple[str, str]] = ()) -> SignIn:
    """`headers` as NAME=VALUE strings (the command line, the panel) or pairs."""
    pairs = [_header_pair(item) if isinstance(item, str) else item for item in headers]
    for name, _value in pairs:
        if not _HEADER_NAME.fullmatch(name):
            raise SignInInvalid(translate("SignIn", "“{name}” is not a valid header name.").format(name=name))
    return SignIn(SignInMethod.GATEWAY, gateway_url=checked_gateway_url(url), headers=tuple(pairs))


def _header_pair(item: str) -> tuple[str, str]:
    name, separator, value = item.partition("=")
    if not separator or not name.strip():
        raise SignInInvalid(translate("SignIn", "A header is written NAME=VALUE, not “{item}”.").format(item=item))
    return name.strip(), value.strip()


def _checked_key(key: str) -> str:
    key = key.strip()
    if not key:
        raise SignInInvalid(translate("SignIn", "The API key is empty."))
    if any(c.isspace() for c in key) or not key.isprintable():
        raise SignInInvalid(translate(
            "SignIn", "An API key has no spaces or control characters: check what was pasted."))
    return key


def checked_project_id(project: str) -> str:
    project = project.strip()
    if not project:
        raise SignInInvalid(translate("SignIn", "The Google Cloud project id is empty."))
    if project.isdigit():
        raise SignInInvalid(translate(
            "SignIn", "“{project}” is a project number: gemini needs the project id (for example "
            "my-project-123).").format(project=project))
    if not _PROJECT_ID.fullmatch(project):
        raise SignInInvalid(translate(
            "SignIn", "“{project}” is not a Google Cloud project id: 6 to 30 lowercase letters, digits and "
            "hyphens, starting with a letter.").format(project=project))
    return project


def checked_gateway_url(url: str) -> str:
    url = url.strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        host = None
    if not host or parts.scheme not in ("http", "https") or any(c.isspace() for c in url):
        raise SignInInvalid(translate("SignIn", "“{url}” is not a web address (https://host/…).").format(url=url))
    if parts.scheme == "http" and not _is_loopback(host):
        raise SignInInvalid(translate(
            "SignIn", "The gateway must use https: over plain http its headers (often a key) cross the network "
            "readable by anyone on the way. Plain http is allowed only for this computer (localhost, 127.0.0.1, "
            "::1)."))
    return url


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_credentials_file(path: Path) -> None:
    """A Google credentials file, read before gemini gets it, so a wrong file is named now, not as a failed turn."""
    try:
        if not path.is_file():
            raise SignInInvalid(translate("SignIn", "{path} does not exist or is not a file.").format(path=path))
        if path.stat().st_size > 1_000_000:
            raise SignInInvalid(translate("SignIn", "{path} is too large to be a credentials file.").format(
                path=path))
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SignInInvalid(translate("SignIn", "{path} cannot be read: {reason}").format(
            path=path, reason=exc.strerror)) from None
    except (ValueError, UnicodeDecodeError):
        raise SignInInvalid(translate("SignIn", "{path} is not a JSON credentials file.").format(
            path=path)) from None
    kind = data.get("type") if isinstance(data, dict) else None
    needed = _CREDENTIAL_FIELDS.get(kind) if isinstance(kind, str) else None
    if needed is None or not all(isinstance(data.get(name), str | dict) and data.get(name) for name in needed):
        raise SignInInvalid(translate(
            "SignIn", "{path} is not a service-account key (a JSON file with client_email and private_key, from "
            "Google Cloud › IAM › Service accounts › Keys).").format(path=path))
