"""What a sign-in or model error means, in words a user can act on; the server's own message is kept as details.

gemini-cli passes Google's errors on as text (a JSON-RPC error whose message is often the API's JSON body), so
this reads the text: the `reason`/`status` names Google's APIs use, and Node's network error codes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QCoreApplication

translate = QCoreApplication.translate


class Problem(StrEnum):
    INELIGIBLE = "ineligible"  # Google no longer serves gemini-cli to this (individual) account
    NOT_SIGNED_IN = "not-signed-in"
    INVALID_KEY = "invalid-key"
    PERMISSION = "permission"
    QUOTA = "quota"
    NETWORK = "network"


@dataclass(frozen=True)
class Diagnosis:
    problem: Problem
    title: str
    advice: str
    details: str  # what the server said, unchanged

    @property
    def needs_sign_in(self) -> bool:
        """Whether signing in another way can help (a quota or network problem is not fixed by a new key)."""
        return self.problem in (Problem.INELIGIBLE, Problem.NOT_SIGNED_IN, Problem.INVALID_KEY, Problem.PERMISSION)


_INELIGIBLE = ("ineligibletier", "unsupported_client", "no longer supported for gemini code assist",
               "migrate to the antigravity")
_NOT_SIGNED_IN = ("api key is missing", "not configured", "must specify", "please set an auth method",
                  "authentication required", "not signed in")
_INVALID_KEY = ("api_key_invalid", "api key not valid", "api key expired", "invalid api key")
_PERMISSION = ("permission_denied", "service_disabled", "has not been used in project", "access_token_scope",
               "caller does not have permission")
_QUOTA = ("resource_exhausted", "quota", "rate limit")
_NETWORK = re.compile(r"\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|"
                      r"UND_ERR_CONNECT_TIMEOUT|CERT_[A-Z_]+|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT\w*)\b"
                      r"|fetch failed|socket hang up|tunneling socket")
_HOST = re.compile(r"(?:getaddrinfo \w+ |connect \w+ |request to https?://|https?://)"
                   r"(\[[0-9a-fA-F:]+\](?::\d+)?|[A-Za-z0-9.-]+(?::\d+)?)")
_PROJECT = re.compile(r"projects?[ /:=]+([a-z][a-z0-9-]{4,28}[a-z0-9])")
_RETRY_SECONDS = re.compile(r"(?:retryDelay\"?\s*:\s*\"|retry in |retry after )(\d+(?:\.\d+)?)\s*s", re.I)


def diagnose(message: str, *, project: str = "") -> Diagnosis | None:
    """The diagnosis of an error text, or None when it is not about signing in, the account or the network."""
    text = message.lower()
    if any(sign in text for sign in _INELIGIBLE):
        return Diagnosis(Problem.INELIGIBLE, translate(
            "Diagnosis", "Google no longer serves gemini-cli to this Google account"), translate(
            "Diagnosis", "Since 18 June 2026 Google refuses “Log in with Google” in gemini-cli for individual "
            "accounts (free, Google AI Pro and Ultra) and points them to Google Antigravity. What still works: a "
            "Gemini API key from a paid project, Vertex AI, a Code Assist Standard or Enterprise licence (Google "
            "login with a Cloud project), or an AI API gateway."), message)
    if any(sign in text for sign in _INVALID_KEY):
        return Diagnosis(Problem.INVALID_KEY, translate("Diagnosis", "Google does not accept this API key"), translate(
            "Diagnosis", "The key is wrong, expired or deleted. Create a key at aistudio.google.com/apikey (or in "
            "your Cloud project's credentials) and enter it again."), message)
    if any(sign in text for sign in _PERMISSION) or _status(message) == 403:
        found = _PROJECT.search(message)
        where = project or (found.group(1) if found else "")
        if where:
            advice = translate(
                "Diagnosis", "The project {project} does not allow this: enable the Gemini API (or the Vertex AI "
                "API) on it, and check that your account or service account may use it.").format(project=where)
        else:
            advice = translate(
                "Diagnosis", "The account does not allow this: enable the Gemini API (or the Vertex AI API) on its "
                "project, and check that it may use it.")
        return Diagnosis(Problem.PERMISSION, translate("Diagnosis", "Permission denied"), advice, message)
    if any(sign in text for sign in _QUOTA) or _status(message) == 429:
        retry = _RETRY_SECONDS.search(message)
        if retry:
            advice = translate(
                "Diagnosis", "The quota of this account or key is used up for now. Try again in {seconds} s, or "
                "use a key or project with more quota.").format(seconds=round(float(retry.group(1))))
        else:
            advice = translate(
                "Diagnosis", "The quota of this account or key is used up for now. Try again later, or use a key "
                "or project with more quota.")
        return Diagnosis(Problem.QUOTA, translate("Diagnosis", "Quota exhausted"), advice, message)
    if _NETWORK.search(message):
        host = _HOST.search(message)
        if host:
            advice = translate(
                "Diagnosis", "{host} could not be reached. Check the network connection, a proxy (HTTPS_PROXY) or "
                "a firewall, then try again.").format(host=host.group(1))
        else:
            advice = translate(
                "Diagnosis", "Google's servers could not be reached. Check the network connection, a proxy "
                "(HTTPS_PROXY) or a firewall, then try again.")
        return Diagnosis(Problem.NETWORK, translate("Diagnosis", "No connection"), advice, message)
    if any(sign in text for sign in _NOT_SIGNED_IN):
        return Diagnosis(Problem.NOT_SIGNED_IN, translate("Diagnosis", "gemini is not signed in"), translate(
            "Diagnosis", "Choose how gemini should reach Gemini: an API key, Vertex AI, a Code Assist licence or "
            "an AI API gateway."), message)
    return None


def _status(message: str) -> int | None:
    """The HTTP status of an error that is Google's JSON error body."""
    try:
        body: Any = json.loads(message)
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, int) else None
