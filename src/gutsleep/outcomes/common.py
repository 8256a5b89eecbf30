"""Shared pieces of the outcome reducers: what they need from a schedule and from a day's record."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

import numpy as np

STEP_MIN: float = 15.0
"""Length of one solver step (min); matches ``gutsleep.model.STEP_H`` = 0.25 h."""
STEP_H: float = STEP_MIN / 60.0


class OutcomeSchedule(Protocol):
    """What the reducers read from a schedule: local clock time and night index of every step of a day."""

    def day_local_time(self, k: int) -> np.ndarray:  # (N, steps): local h at the start of each step
        ...

    def day_night_index(self, k: int) -> np.ndarray:  # (N, steps): night of in-bed steps, -1 elsewhere
        ...


class Columns:
    """Column lookup for a day's record: states first (also the layout of ``DayRecord.start``), then observables."""

    def __init__(self, state_names: Sequence[str], observables: Sequence[str]) -> None:
        self.state_names = tuple(state_names)
        self.observables = tuple(observables)
        self.names = (*self.state_names, *self.observables)
        self._index = {name: i for i, name in enumerate(self.names)}

    def __getitem__(self, name: str) -> int:
        """Index of ``name`` in a record row; KeyError names the missing variable."""
        try:
            return self._index[name]
        except KeyError:
            raise KeyError(f"the day record has no variable {name!r}") from None

    def state(self, name: str) -> int:
        """Index of state ``name`` in ``DayRecord.start``."""
        i = self[name]
        if i >= len(self.state_names):
            raise KeyError(f"{name!r} is an observable, not a state")
        return i

    def starting_with(self, prefix: str) -> list[str]:
        """Names that start with ``prefix`` (e.g. all ``taxon_`` states), in record order."""
        return [n for n in self.names if n.startswith(prefix)]


def clock_string(local_h: float) -> str | None:
    """Local clock "HH:MM" (nearest minute) of a local time in hours; None for NaN."""
    if not math.isfinite(local_h):
        return None
    minutes = round(local_h * 60.0) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


_CLOCKS = np.array([f"{m // 60:02d}:{m % 60:02d}" for m in range(24 * 60)] + [None], dtype=object)


def clock_strings(local_h: np.ndarray) -> np.ndarray:
    """:func:`clock_string` of every element (object array of "HH:MM" strings and None for NaN)."""
    h = np.asarray(local_h, dtype=np.float64)
    finite = np.isfinite(h)
    minutes = np.round(np.where(finite, h, 0.0) * 60.0)  # round half to even, as Python's round()
    index = np.where(finite, np.mod(minutes, 24 * 60), 24 * 60).astype(np.int64)
    return _CLOCKS[index]


def run_bounds(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) indices of the runs of equal values in a 1-D array."""
    if labels.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    change = np.flatnonzero(labels[1:] != labels[:-1]) + 1
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change, [labels.size]))
    return starts, ends
