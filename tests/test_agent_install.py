"""Installing an archive agent (Google Antigravity) from a download site on 127.0.0.1: a zip with a scripted ACP
agent is downloaded with progress, unpacked, checked, put in place, found by locate and answers a prompt through
the engine; every bad download fails with a clear message and leaves no file behind."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gemini_desktop.engine.agents.install import InstallCancelled, InstallError, InstallLimits, install_archive
from gemini_desktop.engine.agents.locate import find_agent
from gemini_desktop.engine.agents.profiles import ANTIGRAVITY
from gemini_desktop.engine.client import GeminiSessionClient
from gemini_desktop.engine.types import EngineConfig
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
