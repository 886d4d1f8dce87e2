"""The messages waiting behind the running turn, which the user may still edit, reorder or take back."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Protocol, TypeVar


class Queued(Protocol):
    turn_id: int


Q = TypeVar("Q", bound=Queued)


class TurnQueue(deque[Q]):
    """FIFO like any deque (the worker pops from the left); found by turn id for the user's changes."""

    def find(self, turn_id: int) -> Q | None:
        return next((turn for turn in self if turn.turn_id == turn_id), None)

    def withdraw(self, turn_id: int) -> Q | None:
        """Take a turn out before it is sent; None when it is not waiting (sent already, or unknown)."""
        turn = self.find(turn_id)
        if turn is not None:
            self.remove(turn)
        return turn

    def reorder(self, turn_ids: Sequence[int]) -> None:
        """Put the named turns first, in that order; the others keep their order behind them."""
        rank = {turn_id: index for index, turn_id in enumerate(turn_ids)}
        ordered = sorted(self, key=lambda turn: rank.get(turn.turn_id, len(rank)))
        self.clear()
        self.extend(ordered)
