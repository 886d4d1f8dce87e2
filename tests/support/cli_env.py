"""A private HOME and environment that point the real gemini-cli at the fake server."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.fake_gemini import DEFAULT_MODEL

CLI_SETTINGS = {
    "security": {"auth": {"selectedType": "gemini-api-key"}},
    "privacy": {"usageStatisticsEnabled": False},
    "general": {"disableAutoUpdate": True, "disableUpdateNag": True},
    "telemetry": {"enabled": False},
    "model": {"name": DEFAULT_MODEL},
}


def make_cli_home(home: Path, settings: dict | None = None) -> Path:
    (home / ".gemini").mkdir(parents=True, exist_ok=True)
    (home / ".gemini" / "settings.json").write_text(json.dumps(settings or CLI_SETTINGS), encoding="utf-8")
    return home


def cli_environment(home: Path, base_url: str, *, api_key: str | None = "test-key") -> dict[str, str]:
    env = {
        "HOME": str(home),
        "GEMINI_CLI_HOME": str(home),
        "GOOGLE_GEMINI_BASE_URL": base_url,
        "GEMINI_CLI_TRUST_WORKSPACE": "true",
        "NO_BROWSER": "true",
    }
    if api_key is not None:
        env["GEMINI_API_KEY"] = api_key
    return env
