"""Installing an archive agent (Google Antigravity) from a download site on 127.0.0.1: a zip with a scripted ACP
agent is downloaded with progress, unpacked, checked, put in place, found by locate and answers a prompt through
the engine; every bad download fails with a clear message and leaves no file behind."""

from __future__ import annotations

import hashlib
import os
import platform
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gemini_desktop.conversation.workspace import Workspace
from gemini_desktop.engine.agents import install
from gemini_desktop.engine.agents.install import InstallCancelled, InstallError, InstallLimits, install_archive
from gemini_desktop.engine.agents.locate import find_agent
from gemini_desktop.engine.agents.profiles import ANTIGRAVITY
from gemini_desktop.engine.child_launch import child_args
from gemini_desktop.engine.client import GeminiSessionClient
from gemini_desktop.engine.types import EngineConfig
from gemini_desktop.settings import AppSettings, LaunchOptions
from tests.support.archive_server import ArchiveServer, agent_zip, archive_server, symlink_zip


@pytest.fixture
def site() -> Iterator[ArchiveServer]:
    with archive_server() as server:
        yield server


def leftovers(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*")) if root.exists() else []


def test_installed_agent_is_located_and_answers_a_prompt(site: ArchiveServer, tmp_path: Path,
                                                         run_async: Callable[..., Any]) -> None:
    root = tmp_path / "agents"
    seen: list[tuple[int, int | None]] = []
    body = agent_zip(extra={"data/blob.bin": os.urandom(300_000)})
    installed = install_archive(ANTIGRAVITY, url=site.serve("/agy.zip", body), root=root,
                                progress=lambda done, total: seen.append((done, total)))
    assert installed.version == "0.0.1"  # from its answer to ACP initialize
    assert installed.program == root / "antigravity" / "agy_acp_server"
    assert os.access(installed.program, os.X_OK)
    assert len(seen) > 1 and seen[-1] == (len(body), len(body))
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert leftovers(root) == ["antigravity", "antigravity/README.txt", "antigravity/agy_acp_server",
                               "antigravity/data", "antigravity/data/blob.bin"]

    command = find_agent(ANTIGRAVITY, agents_dir=root)
    assert command.program == str(installed.program)
    agent = ANTIGRAVITY.with_command(command.program)
    client = GeminiSessionClient(EngineConfig(gemini=command, cwd=tmp_path, agent=agent, start_timeout=10,
                                              max_restarts=0, state_dir=tmp_path / "state"))
    try:
        assert run_async(client.chat("hello"), timeout=30).text == "ok: hello"
        assert client.agent_version == "0.0.1"
        assert client.agent_name == "Google Antigravity"
    finally:
        run_async(client.stop_session(timeout=3))


def test_reinstall_replaces_the_old_one(site: ArchiveServer, tmp_path: Path) -> None:
    root = tmp_path / "agents"
    install_archive(ANTIGRAVITY, url=site.serve("/a.zip", agent_zip(extra={"old.txt": b"old"})), root=root)
    install_archive(ANTIGRAVITY, url=site.serve("/b.zip", agent_zip()), root=root)
    assert leftovers(root) == ["antigravity", "antigravity/README.txt", "antigravity/agy_acp_server"]


def zip_slip() -> bytes:
    return agent_zip(extra={"../escaped.txt": b"outside"})


def absolute() -> bytes:
    return agent_zip(extra={"/tmp/absolute.txt": b"outside"})


BAD_DOWNLOADS: dict[str, tuple[Callable[[], bytes], str]] = {
    "zip-slip": (zip_slip, "points outside its folder"),
    "absolute": (absolute, "points outside its folder"),
    "symlink": (symlink_zip, "is a link"),
    "not-a-zip": (lambda: b"<html>a login page</html>", "not a readable zip"),
    "no-program": (lambda: agent_zip(program="something_else"), "no program named agy_acp_server"),
    "not-acp": (lambda: agent_zip(mode="exit"), "did not answer ACP initialize. It said: scripted agent: refusing"),
}


@pytest.mark.parametrize("kind", sorted(BAD_DOWNLOADS))
def test_bad_archives_fail_cleanly(kind: str, site: ArchiveServer, tmp_path: Path) -> None:
    make, message = BAD_DOWNLOADS[kind]
    root = tmp_path / "agents"
    with pytest.raises(InstallError, match=message):
        install_archive(ANTIGRAVITY, url=site.serve("/bad.zip", make()), root=root)
    assert leftovers(root) == []
    assert not (tmp_path / "escaped.txt").exists()


def test_oversized_download_is_refused_before_and_while_reading(site: ArchiveServer, tmp_path: Path) -> None:
    root = tmp_path / "agents"
    body = agent_zip(extra={"big.bin": os.urandom(200_000)})
    with pytest.raises(InstallError, match="too large"):
        install_archive(ANTIGRAVITY, url=site.serve("/big.zip", body), root=root,
                        limits=InstallLimits(download_bytes=100_000))
    with pytest.raises(InstallError, match="unpacks to more than"):
        install_archive(ANTIGRAVITY, url=site.serve("/bomb.zip", agent_zip(extra={"zeros": bytes(3_000_000)})),
                        root=root, limits=InstallLimits(unpacked_bytes=2_000_000))
    with pytest.raises(InstallError, match="too many files"):
        install_archive(ANTIGRAVITY, url=site.serve("/many.zip", agent_zip(
            extra={f"f{n}": b"x" for n in range(20)})), root=root, limits=InstallLimits(files=10))
    assert leftovers(root) == []


def test_truncated_and_missing_downloads_fail_cleanly(site: ArchiveServer, tmp_path: Path) -> None:
    root = tmp_path / "agents"
    body = agent_zip()
    with pytest.raises(InstallError, match="cut short"):
        install_archive(ANTIGRAVITY, url=site.serve("/cut.zip", body[:-500], claimed_length=len(body)),
                        root=root)
    with pytest.raises(InstallError, match="answered 404"):
        install_archive(ANTIGRAVITY, url=site.url("/missing.zip"), root=root)
    with pytest.raises(InstallError, match="only https"):
        install_archive(ANTIGRAVITY, url="http://example.com/agy.zip", root=root)
    assert leftovers(root) == []


def test_cancel_during_the_download_leaves_nothing(site: ArchiveServer, tmp_path: Path) -> None:
    root = tmp_path / "agents"
    cancel = threading.Event()
    with pytest.raises(InstallCancelled, match="cancelled"):
        install_archive(ANTIGRAVITY, url=site.serve("/agy.zip", agent_zip(extra={"b": os.urandom(500_000)})),
                        root=root, progress=lambda done, total: cancel.set(), cancel=cancel)
    assert leftovers(root) == []


def test_the_archive_must_match_its_sha256_when_one_is_known(site: ArchiveServer, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A digest in the table (or given) is checked before anything is unpacked; a mismatch installs nothing and
    keeps an earlier install as it was."""
    root = tmp_path / "agents"
    body = agent_zip()
    url = site.serve("/agy.zip", body)
    right = hashlib.sha256(body).hexdigest()
    wrong = hashlib.sha256(b"something else").hexdigest()
    monkeypatch.setitem(install.ANTIGRAVITY_ARCHIVES, (sys.platform.replace("win32", "windows"),
                                                       platform.machine().lower()), install.Archive(url, wrong))
    with pytest.raises(InstallError, match=f"its sha256 is {right}, not {wrong}. Nothing was installed."):
        install_archive(ANTIGRAVITY, root=root)  # the table's address and digest
    assert leftovers(root) == []
    assert install_archive(ANTIGRAVITY, url=url, sha256=right.upper(), root=root).version == "0.0.1"
    with pytest.raises(InstallError, match="not the published one"):
        install_archive(ANTIGRAVITY, url=site.serve("/other.zip", agent_zip(extra={"new.txt": b"new"})),
                        sha256=right, root=root)
    assert leftovers(root) == ["antigravity", "antigravity/README.txt", "antigravity/agy_acp_server"]


def test_a_conversation_finds_the_installed_antigravity_in_the_apps_folder_without_path(
        site: ArchiveServer, tmp_path: Path, engine_config: EngineConfig, run_async: Callable[..., Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings › Agents installs into agents_dir(); the workspace's launcher looks there when a conversation of
    that agent starts, with nothing on PATH."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))
    installed = install_archive(ANTIGRAVITY, url=site.serve("/agy.zip", agent_zip()))
    assert installed.program.is_relative_to(tmp_path / "data")
    workspace = Workspace(AppSettings(tmp_path / "settings.ini"), LaunchOptions(), engine_config)
    assert workspace.agent_installed("antigravity")

    async def scenario() -> str:
        await workspace.ready()
        conversation = await workspace.open_new(tmp_path, agent="antigravity")
        assert conversation is not None and conversation.client.config.gemini.program == str(installed.program)
        return (await conversation.client.chat("found?")).text

    try:
        assert run_async(scenario(), timeout=60) == "ok: found?"
    finally:
        run_async(workspace.shutdown(), timeout=30)


def test_antigravity_is_launched_with_the_registrys_arguments(tmp_path: Path) -> None:
    """The ACP registry's antigravity-acp entry runs it with `--uid=` on Linux and with nothing on macOS or
    Windows; the child gets exactly that after its program."""
    (tmp_path / "antigravity").mkdir()
    program = tmp_path / "antigravity" / "agy_acp_server.par"
    program.write_text("")
    config = EngineConfig(gemini=find_agent(ANTIGRAVITY, None, tmp_path), cwd=tmp_path, agent=ANTIGRAVITY)
    expected = ["--uid="] if sys.platform.startswith("linux") else []
    assert child_args(config, "--acp") == expected
