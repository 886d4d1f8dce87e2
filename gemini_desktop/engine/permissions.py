"""The agent's permission requests: each waits for the handler's answer, bounded, and can be withdrawn.

A turn cannot go on until its requests are answered, so no handler, a failing one or a timeout all mean reject,
and a cancel withdraws every wait at once. The count of waits is public because the stall watchdog must not
report a turn that is only waiting for the user.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from acp import schema

from gemini_desktop.engine.events import PermissionRequest
from gemini_desktop.engine.types import PermissionHandler

log = logging.getLogger(__name__)


class PendingPermissions:
    """The permission requests now waiting for the handler; `on_count` hears every change of their number."""

    def __init__(self, on_count: Callable[[int], None]) -> None:
        self._waits: set[asyncio.Future[Any]] = set()
        self._on_count = on_count

    def __len__(self) -> int:
        return len(self._waits)

    async def ask(self, handler: PermissionHandler | None, request: PermissionRequest,
                  timeout: float) -> str | None:
        """The handler's choice; no handler, a failure or a timeout all mean reject."""
        if handler is None:
            log.info("no permission handler: rejecting %s", request.tool_call.title)
            return None
        waiting = asyncio.ensure_future(handler(request))
        self._waits.add(waiting)
        self._on_count(len(self._waits))
        try:
            return await asyncio.wait_for(waiting, timeout)
        except TimeoutError:
            log.warning("permission request timed out: rejecting %s", request.tool_call.title)
        except asyncio.CancelledError:
            log.info("permission request withdrawn: rejecting %s", request.tool_call.title)
        except Exception:
            log.exception("permission handler failed: rejecting %s", request.tool_call.title)
        finally:
            self._waits.discard(waiting)
            self._on_count(len(self._waits))
        return None

    def withdraw_all(self) -> None:
        for waiting in list(self._waits):
            waiting.cancel()


def permission_response(request: PermissionRequest, chosen: str | None,
                        cancelled: bool) -> schema.RequestPermissionResponse:
    """What the agent is told: cancelled for a cancelled turn, else the chosen option if it is one of those
    offered, else the request's own reject option, so an unknown or missing choice is never taken as consent."""
    if cancelled:
        return schema.RequestPermissionResponse(outcome=schema.DeniedOutcome(outcome="cancelled"))
    if chosen in {o.option_id for o in request.options}:
        return schema.RequestPermissionResponse(outcome=schema.AllowedOutcome(option_id=chosen, outcome="selected"))
    reject = request.option_of_kind("reject_once", "reject_always")
    if reject is not None:
        return schema.RequestPermissionResponse(outcome=schema.AllowedOutcome(option_id=reject.option_id,
                                                                              outcome="selected"))
    return schema.RequestPermissionResponse(outcome=schema.DeniedOutcome(outcome="cancelled"))
