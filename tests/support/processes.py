"""Is a process gone? For tests that prove no gemini child outlives its owner."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def pid_alive(pid: int) -> bool:
    """A zombie (exited, not yet reaped) counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text(encoding="ascii").split()[2] != "Z"
    except OSError:
        return True


def processes_with_home(home: Path) -> list[int]:
    """Live processes whose environment carries this HOME: the gemini children of one test."""
    marker = f"HOME={home}".encode()
    return _live_processes(lambda environ: marker in environ)


def children_with_home(home: Path) -> list[int]:
    """The agents this process started (with this HOME), not what they start themselves: gemini runs `git`
    while it starts (and a forked copy of itself shows until that `exec`s), helpers no process cap bounds."""
    return [pid for pid in processes_with_home(home) if _parent(pid) == os.getpid()]


def _parent(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])  # the command name before ")" may hold spaces


def processes_with_home_below(folders: list[Path]) -> list[int]:
    """Live processes (other than this one) whose HOME lies in one of `folders`: what the tests started."""
    markers = tuple(f"HOME={folder}{os.sep}".encode() for folder in folders)
    return [pid for pid in _live_processes(lambda environ: any(v.startswith(markers) for v in environ))
            if pid != os.getpid()]


def _live_processes(matches: Callable[[list[bytes]], bool]) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if matches((entry / "environ").read_bytes().split(b"\0")) and pid_alive(int(entry.name)):
                found.append(int(entry.name))
        except OSError:
            continue
    return found
