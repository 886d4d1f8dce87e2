"""What Settings › Agents knows, without widgets: each agent found with its version (the real Qwen Code asked over
ACP) or how to get it, a private npm install by the real npm from a local package, and the custom agent's input."""

from __future__ import annotations

import os
import shutil
import sys
import threading
from pathlib import Path

import pytest

from gemini_desktop.conversation.agents_overview import (
    AgentRow,
    CustomAgentInvalid,
    InstallAction,
    InstallJob,
    InstallWay,
    custom_profile,
    inspect,
    install_action,
    install_way,
    read_custom_agent,
)
from gemini_desktop.engine.agents.profiles import ANTIGRAVITY, CUSTOM, GEMINI, PROFILES, QWEN
from gemini_desktop.settings import CustomAgent

ROOT = Path(__file__).resolve().parent.parent
AGENT = Path(__file__).parent / "support" / "scripted_agent.py"


@pytest.fixture
def only_node(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PATH with node and npm only (no agent on it); a home of its own for what an agent writes."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in ("node", "npm"):
        found = shutil.which(tool)
        assert found, f"{tool} is needed for these tests"
        (folder / tool).symlink_to(os.path.realpath(found))
    monkeypatch.setenv("PATH", str(folder))
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return folder


def local_package(folder: Path, version: str = "9.9.9") -> Path:
    """An npm package named as Qwen Code's, on disk: npm installs it with no network."""
    folder.mkdir(parents=True)
    (folder / "package.json").write_text(
        f'{{"name": "{QWEN.npm_package}", "version": "{version}", "bin": {{"qwen": "cli.js"}}}}')
    (folder / "cli.js").write_text("console.log('not a real agent')\n")
    return folder


def run_job(job: InstallJob) -> str:
    outcome: list[str] = []
    done = threading.Event()
    job._finished = lambda error: (outcome.append(error), done.set())
    job.start()
    assert done.wait(60), "the install never reported back"
    return outcome[0]


def test_every_agent_has_a_way_to_get_it() -> None:
    ways = {name: install_way(profile) for name, profile in PROFILES.items()}
    assert ways == {"gemini": InstallWay.MANUAL, "antigravity": InstallWay.ARCHIVE, "qwen-code": InstallWay.NPM,
                    "claude-code": InstallWay.NPM, "codex": InstallWay.NPM, "copilot": InstallWay.MANUAL,
                    "opencode": InstallWay.MANUAL, "custom": InstallWay.COMMAND}


def test_a_missing_agent_says_how_to_get_it(tmp_path: Path, only_node: Path) -> None:
    row = inspect(QWEN, None, tmp_path / "agents")
    assert not row.found and "npm install -g @qwen-code/qwen-code" in row.problem
    chosen = inspect(QWEN, str(tmp_path / "nowhere" / "qwen"), tmp_path / "agents")
    assert not chosen.found and f"no program `{tmp_path / 'nowhere' / 'qwen'}`" in chosen.problem
    assert "Install it from Settings › Agents" in inspect(ANTIGRAVITY, None, tmp_path / "agents").problem


def test_the_real_qwen_code_answers_initialize_with_its_version(tmp_path: Path, only_node: Path) -> None:
    program = next((ROOT / ".cache").glob("qwen-code-*")) / "node_modules" / ".bin" / "qwen"
    row = inspect(QWEN, str(program), tmp_path / "agents", timeout=30)
    assert (row.found, row.problem, row.version) == (True, "", "0.24.4")


def test_gemini_is_found_with_its_version(tmp_path: Path) -> None:
    program = ROOT / ".cache" / "gemini-cli-0.61.0" / "node_modules" / ".bin" / "gemini"
    row = inspect(GEMINI, str(program), tmp_path / "agents")
    assert row.found and not row.problem and row.version == "0.61.0"


def test_npm_installs_an_agent_privately_and_it_is_found(tmp_path: Path, only_node: Path) -> None:
    root = tmp_path / "agents"
    package = local_package(tmp_path / "package")
    progress: list[tuple[int, int | None]] = []
    job = InstallJob(QWEN, root, source=str(package), progress=lambda *step: progress.append(step),
                     finished=lambda _error: None)
    assert run_job(job) == ""
    row = inspect(QWEN, None, root)
    assert row.found and row.version == "9.9.9" and str(root / "qwen-code" / "node_modules") in row.program
    assert progress == [(1, 1)]


def test_a_failed_npm_install_leaves_nothing_and_names_the_agent(tmp_path: Path, only_node: Path) -> None:
    root = tmp_path / "agents"
    root.mkdir()
    job = InstallJob(QWEN, root, source=str(tmp_path / "no-such-package"), progress=lambda *_: None,
                     finished=lambda _error: None)
    error = run_job(job)
    assert error.startswith("Installing Qwen Code with npm failed (exit code ") and "no-such-package" in error
    assert list(root.iterdir()) == []


def test_npm_without_node_says_what_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    job = InstallJob(QWEN, tmp_path / "agents", progress=lambda *_: None, finished=lambda _error: None)
    assert run_job(job) == ("Qwen Code needs node and npm: install Node.js 20 or newer (it includes npm), "
                            "then try again.")


def test_the_custom_agent_is_read_as_typed() -> None:
    agent = read_custom_agent("  my-agent ", '--acp --name "two words"', "TOKEN=s3cret\n\nREGION = eu\n")
    assert agent == CustomAgent("my-agent", ("--acp", "--name", "two words"), (("TOKEN", "s3cret"), ("REGION", "eu")))
    assert "s3cret" not in repr(agent)
    with pytest.raises(CustomAgentInvalid) as args:
        read_custom_agent("x", '--name "unclosed', "")
    assert args.value.field == "args"
    with pytest.raises(CustomAgentInvalid) as env:
        read_custom_agent("x", "", "GOOD=1\nno equals sign")
    assert (env.value.field, env.value.detail) == ("env", "2")


@pytest.mark.parametrize(("command", "args", "expected"), [
    ("", (), "Custom ACP agent has no command yet: set one in Settings › Agents."),
    ("no-such-agent-program", (), "Custom ACP agent was not found (no program `no-such-agent-program`)."),
    (sys.executable, (str(AGENT), "exit"), "Custom ACP agent does not run: it did not answer ACP initialize. "
                                          "It said: scripted agent: refusing to start"),
])
def test_a_custom_agent_that_cannot_run_says_why_with_its_name(
        tmp_path: Path, command: str, args: tuple[str, ...], expected: str) -> None:
    row = inspect(custom_profile(CustomAgent(command, args)), command, tmp_path / "agents")
    assert row.problem.startswith(expected)
    assert row.found == bool(args)


def test_a_custom_agent_gets_its_arguments_and_environment(tmp_path: Path) -> None:
    """The scripted agent's mode comes from its arguments; `normal` answers initialize."""
    agent = CustomAgent(sys.executable, (str(AGENT), "normal"), (("SOME_TOKEN", "value"),))
    profile = custom_profile(agent)
    assert profile.name == CUSTOM.name and profile.env == {"SOME_TOKEN": "value"}
    row = inspect(profile, agent.command, tmp_path / "agents")
    assert row.found and not row.problem and row.program == sys.executable


def test_the_install_button_follows_where_the_agent_was_found(tmp_path: Path) -> None:
    """Install when missing; for the app's own install Update (npm gets the newest) or Reinstall (the registry's
    one archive); nothing for a program installed by someone else."""
    root = tmp_path / "agents"
    own_qwen = f"node {root / 'qwen-code' / 'node_modules' / '.bin' / 'qwen'}"
    assert install_action(AgentRow(QWEN), root) is InstallAction.INSTALL
    assert install_action(AgentRow(QWEN, own_qwen, "0.24.4"), root) is InstallAction.UPDATE
    assert install_action(AgentRow(ANTIGRAVITY, str(root / "antigravity" / "agy_acp_server"), "1.2.1"),
                          root) is InstallAction.REINSTALL
    assert install_action(AgentRow(QWEN, "/usr/local/bin/qwen --acp", "0.24.4"), root) is InstallAction.NONE
    assert install_action(AgentRow(ANTIGRAVITY, "/opt/agy/agy_acp_server"), root) is InstallAction.NONE
