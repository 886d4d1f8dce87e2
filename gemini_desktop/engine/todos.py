"""gemini's `write_todos` tool calls as a plan.

Over ACP gemini-cli 0.61 shows a `write_todos` call only as a tool call titled "Set N todo(s)" (or "Cleared todo
list"): the todos themselves are in the call's arguments, which ACP does not carry. The CLI records every
completed call, arguments included, in its session file (one JSON record per line, the message holding the
call written again as a whole on each change), so the plan is read back from there by the call's id.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gemini_desktop.engine.events import PlanEntry, PlanUpdate, ToolCall, ToolStatus

log = logging.getLogger(__name__)

TOOL_NAME = "write_todos"
_TITLE = re.compile(r"(Set \d+ todo\(s\)|Cleared todo list)")
TAIL_BYTES = 1 << 20  # the call was just recorded: it is in the last records of the file
PLAN_ITEMS_MAX = 200
ITEM_TEXT_MAX = 2000


def may_be_todos(call: ToolCall) -> bool:
    """A completed call whose title is the one `write_todos` gives itself (the file says for sure)."""
    return call.status == ToolStatus.COMPLETED and call.kind == "other" and bool(_TITLE.fullmatch(call.title))


def plan_from_session_files(files: Sequence[Path], tool_call_id: str) -> PlanUpdate | None:
    """The todos of that `write_todos` call, from the newest session file that records it; None when no file
    records it yet (or the call is another tool's)."""
    for path in sorted(files, key=_mtime, reverse=True):
        args = _recorded_args(path, tool_call_id)
        if args is not None:
            return plan_of(args)
    return None


def plan_of(args: Any) -> PlanUpdate | None:
    """`write_todos` arguments ({"todos": [{"description", "status"}]}) as a plan; malformed items are left out."""
    todos = args.get("todos") if isinstance(args, dict) else None
    if not isinstance(todos, list):
        log.warning("write_todos arguments without a todo list; no plan shown")
        return None
    entries = tuple(PlanEntry(str(todo["description"])[:ITEM_TEXT_MAX], str(todo.get("status") or "pending"))
                    for todo in todos[:PLAN_ITEMS_MAX]
                    if isinstance(todo, dict) and isinstance(todo.get("description"), str))
    return PlanUpdate(entries)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _recorded_args(path: Path, tool_call_id: str) -> Any:
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, 2)
            handle.seek(max(0, size - TAIL_BYTES))
            tail = handle.read()
    except OSError as exc:
        log.debug("session file %s unreadable: %s", path, exc)
        return None
    needle = json.dumps(tool_call_id).encode()
    for line in reversed(tail.splitlines()):
        if needle not in line:
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        calls = record.get("toolCalls") if isinstance(record, dict) else None
        for call in calls if isinstance(calls, list) else ():
            if isinstance(call, dict) and call.get("id") == tool_call_id:
                return call.get("args") if call.get("name") == TOOL_NAME else None
    return None
