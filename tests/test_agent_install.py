"""Installing an archive agent from a download site on 127.0.0.1: success, and hostile downloads leaving nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from gemini_desktop.engine.agents.install import InstallError, install_archive
from gemini_desktop.engine.agents.locate import find_agent
from gemini_desktop.engine.agents.profiles import ANTIGRAVITY
from tests.support.archive_server import agent_zip, archive_server, symlink_zip


def test_install_then_locate(tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    with archive_server() as site:
        installed = install_archive(ANTIGRAVITY, url=site.serve("/agy.zip", agent_zip()), root=tmp_path,
                                    progress=lambda done, total: seen.append((done, total)))
    assert installed.version == "0.0.1"
    assert seen and seen[-1][0] == seen[-1][1]
    assert find_agent(ANTIGRAVITY, agents_dir=tmp_path).program == str(installed.program)
    assert [p.name for p in tmp_path.iterdir()] == ["antigravity"]


@pytest.mark.parametrize("case", ["404", "cut", "slip", "link", "big"])
def test_hostile_download_leaves_nothing(tmp_path: Path, case: str) -> None:
    with archive_server() as site:
        url = {"404": site.url("/missing.zip"),
               "cut": site.serve("/cut.zip", agent_zip(), claimed_length=10**6),
               "slip": site.serve("/slip.zip", agent_zip(extra={"../evil": b"x"})),
               "link": site.serve("/link.zip", symlink_zip()),
               "big": site.serve("/big.zip", agent_zip(extra={"pad": b"0" * 3_000_000}))}[case]
        from gemini_desktop.engine.agents.install import InstallLimits
        with pytest.raises(InstallError):
            install_archive(ANTIGRAVITY, url=url, root=tmp_path, limits=InstallLimits(unpacked_bytes=2_000_000))
    assert list(tmp_path.iterdir()) == []
    assert not (tmp_path.parent / "evil").exists()
