"""Simulating the next delivery: hold the latest extract drop back, deliver it later (the bench's
incremental run and the tests' two-step build)."""

from __future__ import annotations

import shutil
from pathlib import Path


def hold_back_last_drop(landing: Path, held: Path) -> str:
    """Move the latest extract date of every system aside: the 'one more drop' to come."""
    last = max(d.name for system in landing.iterdir() for d in system.iterdir())
    for system in landing.iterdir():
        if (system / last).exists():
            (held / system.name).mkdir(parents=True, exist_ok=True)
            shutil.move(system / last, held / system.name / last)
    return last


def deliver_held_back(landing: Path, held: Path) -> None:
    """Move the drops held back by :func:`hold_back_last_drop` into the landing folder."""
    for system in held.iterdir():
        for drop in system.iterdir():
            shutil.move(drop, landing / system.name / drop.name)
