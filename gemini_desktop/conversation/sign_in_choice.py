"""The way in the user chose, kept across runs: its fields in the settings file, its secrets in the keyring.

Shared by the window, `serve` and `gemini-desktop auth`, so a choice made in one is what the others use.
Reading the keyring can block (D-Bus, an unlock prompt): callers run `load_sign_in` off the UI thread.
"""

from __future__ import annotations

import logging
from typing import Any

from gemini_desktop.engine.sign_in import SignIn, SignInMethod
from gemini_desktop.settings import (
    KEYRING_USER,
    AppSettings,
    forget_secret,
    load_secret,
    save_secret,
)

log = logging.getLogger(__name__)

VERTEX_KEY_USER = "sign-in/vertex-api-key"


def _header_user(name: str) -> str:
    return f"sign-in/gateway-header/{name}"


def load_sign_in(settings: AppSettings) -> SignIn | None:
    """The saved choice with its secrets; None when none was made. A legacy install that only stored an API key
    is on the API key."""
    fields = settings.sign_in_fields()
    if fields is None:
        key = load_secret(KEYRING_USER)
        return SignIn(SignInMethod.API_KEY, api_key=key) if key else None
    try:
        method = SignInMethod(fields["method"])
    except ValueError:
        log.warning("the saved sign-in names an unknown method %r; none is used", fields["method"])
        return None
    text = {name: str(fields.get(name) or "") for name in ("project", "location", "credentials_file",
                                                          "gateway_url")}
    header_names = [str(n) for n in fields.get("headers") or [] if isinstance(n, str)]
    key = ""
    if method is SignInMethod.API_KEY:
        key = load_secret(KEYRING_USER) or ""
    elif method is SignInMethod.VERTEX and fields.get("vertex_key"):
        key = load_secret(VERTEX_KEY_USER) or ""
    headers = tuple((name, load_secret(_header_user(name)) or "") for name in header_names)
    return SignIn(method, api_key=key, headers=headers, **text)


def save_sign_in(settings: AppSettings, sign_in: SignIn) -> bool:
    """Make `sign_in` the way in, replacing the previous one and its secrets. False when a secret could not go
    to the keyring (it then works for this run only)."""
    previous = settings.sign_in_fields() or {}
    fields: dict[str, Any] = {"method": str(sign_in.method), "project": sign_in.project,
                              "location": sign_in.location, "credentials_file": sign_in.credentials_file,
                              "gateway_url": sign_in.gateway_url, "headers": [n for n, _ in sign_in.headers],
                              "vertex_key": bool(sign_in.method is SignInMethod.VERTEX and sign_in.api_key)}
    _forget_secrets(previous, keep_api_key=sign_in.method is SignInMethod.API_KEY)
    secrets: dict[str, str] = {_header_user(n): v for n, v in sign_in.headers}
    if sign_in.api_key:
        secrets[KEYRING_USER if sign_in.method is SignInMethod.API_KEY else VERTEX_KEY_USER] = sign_in.api_key
    stored = all([save_secret(user, value) for user, value in secrets.items()])
    settings.save_sign_in_fields(fields)
    settings.sync()
    return stored


def forget_sign_in(settings: AppSettings) -> None:
    """Sign out: no way in is chosen and no secret of one stays in the keyring."""
    _forget_secrets(settings.sign_in_fields() or {}, keep_api_key=False)
    settings.save_sign_in_fields(None)
    settings.sync()


def _forget_secrets(fields: dict[str, Any], *, keep_api_key: bool) -> None:
    if not keep_api_key:
        forget_secret(KEYRING_USER)
    if fields.get("vertex_key"):
        forget_secret(VERTEX_KEY_USER)
    for name in fields.get("headers") or []:
        if isinstance(name, str):
            forget_secret(_header_user(name))
