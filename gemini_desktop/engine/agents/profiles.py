"""What the app knows about each kind of ACP agent: how to find, install and launch it, and its quirks.

The engine stays one ACP client; everything that differs between agents is data here, so a conversation only
names its agent and the client reads the profile. The gemini profile carries what used to be assumed for every
child: the CLI's own session files (backed up around a resume), the version floor, the API key over
`authenticate`, the `--acp` / `--experimental-acp` flag.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Locate(StrEnum):
    """Where an agent's program comes from."""

    PATH = "path"  # a program on PATH (or a path the user chose)
    NPM = "npm"  # an npm package, on PATH or installed privately into the app's data folder
    ARCHIVE = "archive"  # a zip from a download address, unpacked into the app's data folder
    CUSTOM = "custom"  # a command the user typed


@dataclass(frozen=True)
class AgentProfile:
    """One kind of agent. `name` is the stable id stored with each conversation."""

    name: str
    display_name: str
    locate: Locate
    program: str  # the name looked up on PATH, or the bin name of the npm package
    args: tuple[str, ...] = ()  # after the program: what makes it speak ACP on stdin/stdout
    env: Mapping[str, str] = field(default_factory=dict)
    npm_package: str = ""
    download_url: str = ""  # for Locate.ARCHIVE: the archive for this platform
    version_args: tuple[str, ...] = ("--version",)
    model_flag: str = ""  # how a chosen model goes on the command line, when the agent has no ACP call for it
    auth_notes: str = ""  # how this agent signs in (shown where it needs signing in)
    # quirks
    cli_session_files: bool = False  # gemini-cli: its session files are backed up around a resume (facts §5)
    version_floor: tuple[int, ...] = ()
    api_key_over_authenticate: bool = False  # gemini-cli: an API key rides in authenticate's _meta
    acp_flag_by_version: bool = False  # gemini-cli: `--acp` replaced `--experimental-acp` in 0.33
    sandbox_flag_as_root: bool = False  # Claude Code refuses to run as root unless IS_SANDBOX=1 says it may
    # Seconds a stop waits for the agent to exit once its stdin closed, before SIGTERM (None: 60 % of the stop's
    # timeout, 3 s). claude-code-acp never exits then (its `claude` child keeps node alive): 0. An idle gemini
    # exits within ~0.2 s; one that is not gone after 1 s never goes (an MCP server it runs or an answer still
    # streaming keeps it alive) and SIGTERM is its clean stop (its exit cleanup, then code 0): 1 s.
    eof_grace_s: float | None = None
    # gemini-cli: served reads cost it ~0.8 s per 10 MB (its ACP SDK re-splits the whole pending line on every
    # 64 KB chunk of stdin) and give the same text as its own disk read, so only its writes come through us
    reads_files_itself: bool = False

    @property
    def is_gemini(self) -> bool:
        return self.name == GEMINI.name

    def with_command(self, program: str, args: tuple[str, ...] = (), env: Mapping[str, str] | None = None
                     ) -> AgentProfile:
        """This profile launched another way (a custom agent's command, a user-chosen program)."""
        return AgentProfile(**{**self.__dict__, "program": program, "args": args,
                               "env": dict(env) if env is not None else self.env})


GEMINI = AgentProfile(
    name="gemini", display_name="Gemini CLI", locate=Locate.NPM, program="gemini",
    npm_package="@google/gemini-cli", model_flag="-m",
    auth_notes="Google login, a Gemini API key, Vertex AI, Code Assist or a gateway.",
    cli_session_files=True, version_floor=(0, 24, 0), api_key_over_authenticate=True, acp_flag_by_version=True,
    reads_files_itself=True, eof_grace_s=1.0,
)
ANTIGRAVITY = AgentProfile(
    name="antigravity", display_name="Google Antigravity", locate=Locate.ARCHIVE, program="agy_acp_server",
    # As the ACP registry launches it: agentclientprotocol/registry antigravity-acp/agent.json (1.2.1) gives
    # `"args": ["--uid="]` for linux-x86_64 and linux-aarch64 only, none for macOS and Windows.
    args=("--uid=",) if sys.platform.startswith("linux") else (),
    auth_notes="A Google account, through its own method.",
)
QWEN = AgentProfile(
    name="qwen-code", display_name="Qwen Code", locate=Locate.NPM, program="qwen", args=("--acp",),
    npm_package="@qwen-code/qwen-code", model_flag="-m",
    # like gemini's GEMINI_CLI_NO_RELAUNCH: without it qwen's cli.js loads once only to start itself again with
    # a bigger heap (a second node process, about 1.2 s of CPU and 100 MB per start)
    env={"QWEN_CODE_NO_RELAUNCH": "true"},
    auth_notes="Qwen OAuth, or an OpenAI-compatible key (--auth-type openai).",
)
CLAUDE = AgentProfile(
    name="claude-code", display_name="Claude Code", locate=Locate.NPM, program="claude-code-acp",
    npm_package="@zed-industries/claude-code-acp",
    # no update checks, error reports or telemetry: a desktop app's child calls only the model it talks to
    env={"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_TELEMETRY": "1"},
    auth_notes="ANTHROPIC_API_KEY in its environment, or a Claude login.",
    sandbox_flag_as_root=True, eof_grace_s=0.0,
)
CODEX = AgentProfile(
    name="codex", display_name="Codex", locate=Locate.NPM, program="codex-acp",
    npm_package="@zed-industries/codex-acp",
    auth_notes="OPENAI_API_KEY in its environment, or a ChatGPT login.",
)
COPILOT = AgentProfile(
    name="copilot", display_name="GitHub Copilot", locate=Locate.PATH, program="copilot", args=("--acp",),
    auth_notes="A GitHub login made with `copilot` in a terminal.",
)
OPENCODE = AgentProfile(
    name="opencode", display_name="OpenCode", locate=Locate.PATH, program="opencode", args=("acp",),
    auth_notes="Providers configured with `opencode auth login`.",
)
CUSTOM = AgentProfile(name="custom", display_name="Custom ACP agent", locate=Locate.CUSTOM, program="")

PROFILES: dict[str, AgentProfile] = {
    profile.name: profile for profile in (GEMINI, ANTIGRAVITY, QWEN, CLAUDE, CODEX, COPILOT, OPENCODE, CUSTOM)
}
DEFAULT_AGENT = GEMINI.name


class UnknownAgent(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"Unknown agent {name!r}: choose one of {', '.join(PROFILES)}.")


def profile(name: str | None) -> AgentProfile:
    """The profile stored under `name` (empty: the default, gemini); UnknownAgent otherwise."""
    key = (name or DEFAULT_AGENT).strip().lower()
    try:
        return PROFILES[key]
    except KeyError:
        raise UnknownAgent(name or "") from None


def display_name(name: str | None) -> str:
    """What a conversation's agent is called on screen; an agent this version does not know keeps its id."""
    try:
        return profile(name).display_name
    except UnknownAgent:
        return str(name)
