"""The row every benchmark reports: run.py prints it, PASS/FAIL from `passed` (None: a figure for information)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    metric: str
    value: str
    target: str
    passed: bool | None
