"""A private HOME and environment that point the real gemini-cli at the fake server."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.fake_gemini import DEFAULT_MODEL

LOOPBACK_ONLY = Path(__file__).with_name("loopback_only.cjs")
GEMINI_PACKAGE = Path("node_modules", "@google", "gemini-cli")
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
        # gemini calls Google by itself too (user info, usage logs): names other than this machine's never resolve
        "NODE_OPTIONS": f'--require "{LOOPBACK_ONLY}"',
    }
    if api_key is not None:
        env["GEMINI_API_KEY"] = api_key
    return env


def cached_gemini_entry(prefix: Path) -> tuple[Path, str] | None:
    """The entry script and version of a gemini-cli that `npm install --prefix` put into `prefix`."""
    package = prefix / GEMINI_PACKAGE
    try:
        manifest = json.loads((package / "package.json").read_text(encoding="utf-8"))
        bin_field = manifest["bin"]
        script = bin_field if isinstance(bin_field, str) else bin_field["gemini"]
        return package / script, str(manifest["version"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


QWEN_PACKAGE = Path("node_modules", "@qwen-code", "qwen-code")


def cached_npm_entry(prefix: Path, package: Path, bin_name: str) -> Path | None:
    """The entry script `bin_name` of the npm `package` that `npm install --prefix` put into `prefix`."""
    try:
        manifest = json.loads((prefix / package / "package.json").read_text(encoding="utf-8"))
        entry = prefix / package / manifest["bin"][bin_name]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return entry if entry.is_file() else None


def cached_qwen_entry(prefix: Path) -> Path | None:
    return cached_npm_entry(prefix, QWEN_PACKAGE, "qwen")


CLAUDE_PACKAGE = Path("node_modules", "@zed-industries", "claude-code-acp")


def cached_claude_entry(prefix: Path) -> Path | None:
    return cached_npm_entry(prefix, CLAUDE_PACKAGE, "claude-code-acp")


def claude_environment(home: Path, base_url: str, api_key: str = "test-key") -> dict[str, str]:
    """Claude Code pointed at a fake Messages API, with a home of its own and no name but this machine's."""
    return {"HOME": str(home), "ANTHROPIC_BASE_URL": base_url, "ANTHROPIC_API_KEY": api_key,
            "CLAUDE_CONFIG_DIR": str(home / ".claude"), "NODE_OPTIONS": f'--require "{LOOPBACK_ONLY}"'}


def qwen_environment(home: Path) -> dict[str, str]:
    """A private home for Qwen Code's own state, and no name but this machine's resolves."""
    return {"HOME": str(home), "NO_BROWSER": "true", "NODE_OPTIONS": f'--require "{LOOPBACK_ONLY}"'}


def qwen_arguments(base_url: str, api_key: str = "test-key") -> tuple[str, ...]:
    """How Qwen Code is pointed at an OpenAI-compatible server (after `--acp`)."""
    return ("--auth-type", "openai", "--openai-base-url", base_url, "--openai-api-key", api_key)


NOWHERE = "http://127.0.0.1:9"  # nothing listens here: only the way in under test can reach the fake
INELIGIBLE = {"ineligibleTiers": [{
    "reasonCode": "UNSUPPORTED_CLIENT", "tierId": "free-tier", "tierName": "Gemini Code Assist for individuals",
    "reasonMessage": "This client is no longer supported for Gemini Code Assist for individuals. To continue, "
                     "please migrate to the Antigravity suite."}]}


def without_auth(cli_home: Path, **env: str) -> dict[str, str]:
    """gemini's environment with no key and a base URL that leads nowhere, plus `env`."""
    return cli_environment(cli_home, NOWHERE, api_key=None) | env


def code_assist_env(cli_home: Path, endpoint: str) -> dict[str, str]:
    """gemini on a cached Google login whose Code Assist answers come from `endpoint` (a FakeGemini)."""
    make_cli_home(cli_home, CLI_SETTINGS | {"security": {"auth": {"selectedType": "oauth-personal"}}})
    return without_auth(cli_home, GOOGLE_GENAI_USE_GCA="true", GOOGLE_CLOUD_ACCESS_TOKEN="cached-google-login",
                        CODE_ASSIST_ENDPOINT=endpoint)
