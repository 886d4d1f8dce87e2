"""The row every benchmark reports: run.py prints it, PASS/FAIL from `passed` (None: a figure for information)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    metric: str
    value: str
    target: str
    passed: bool | None


def report(rows: list[Row]) -> int:
    """Print the rows of a benchmark run on its own; the exit status is 1 when a target is missed."""
    width = max(len(row.metric) for row in rows)
    for row in rows:
        verdict = {True: "PASS", False: "FAIL", None: ""}[row.passed]
        print(f"{row.metric:<{width}} {row.value:>22} {row.target:>12} {verdict}")
    return 1 if any(row.passed is False for row in rows) else 0
