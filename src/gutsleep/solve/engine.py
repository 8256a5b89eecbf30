"""Batched simulation: N subjects, each with its own parameters and input schedule, one day at a time.

The compiled kernel advances every subject by one day of 15-minute RK4 steps; after each day the
per-step record (states and observables) is handed to the callers' reducers and then dropped, so
memory stays bounded however long the run. A subject whose state turns non-finite or negative stops
with a :class:`SimulationError` naming the state, the subject and the time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from gutsleep.model.inputs import STEP_H, STEPS_PER_DAY
from gutsleep.model.spec import Model
from gutsleep.solve.codegen import load_kernel


class SimulationError(RuntimeError):
    """A state became non-finite or negative; the message names the state, subject and time."""


class InputSource(Protocol):
    """What the engine needs from a schedule: subjects, days and the per-step inputs of each day."""

    n_subjects: int
    total_days: int

    def day_inputs(self, k: int) -> np.ndarray:  # (N, STEPS_PER_DAY, n_inputs)
        ...


@dataclass(frozen=True)
class DayRecord:
    """Everything computed on simulated day ``k`` (counted from the start of the run, burn-in included)."""

    k: int
    inputs: np.ndarray  # (N, steps, n_inputs)
    record: np.ndarray  # (N, steps, n_states + n_observables), values at the end of each step
    start: np.ndarray  # (N, n_states), state at the start of the day


def parameter_matrix(model: Model, overrides: Sequence[Mapping[str, float]]) -> np.ndarray:
    """(N, P) parameter matrix: defaults with per-subject overrides; unknown names are an error."""
    base = np.array([p.default for p in model.parameters], dtype=np.float64)
    out = np.tile(base, (len(overrides), 1))
    index = {name: i for i, name in enumerate(model.parameter_names)}
    for row, changes in enumerate(overrides):
        for name, value in changes.items():
            if name not in index:
                raise KeyError(f"unknown parameter {name!r}; see `gutsleep params` for the names")
            out[row, index[name]] = float(value)
    return out


def initial_states(model: Model, n_subjects: int) -> np.ndarray:
    """(N, S) initial guesses from the model definition (the burn-in settles them)."""
    return np.tile(np.array([s.initial for s in model.states], dtype=np.float64), (n_subjects, 1))


def run(
    model: Model,
    schedule: InputSource,
    parameters: np.ndarray,
    *,
    initial: np.ndarray | None = None,
    on_day: Callable[[DayRecord], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Integrate all subjects over the schedule's days; return the final (N, S) state.

    ``on_day`` receives each day's :class:`DayRecord`; ``progress(done, total)`` is called after each day.
    """
    kernel = load_kernel(model)
    n = schedule.n_subjects
    if parameters.shape != (n, len(model.parameters)):
        raise ValueError(f"parameters must have shape ({n}, {len(model.parameters)}), got {parameters.shape}")
    y = initial_states(model, n) if initial is None else np.array(initial, dtype=np.float64, copy=True)
    params = np.ascontiguousarray(parameters, dtype=np.float64)
    status = np.full((n, 2), -1, dtype=np.int64)
    width = len(model.states) + len(model.observables)
    for k in range(schedule.total_days):
        u = np.ascontiguousarray(schedule.day_inputs(k), dtype=np.float64)
        if u.shape[:2] != (n, STEPS_PER_DAY):
            raise ValueError(f"day_inputs({k}) has shape {u.shape}, expected ({n}, {STEPS_PER_DAY}, ...)")
        start = y.copy()
        record = np.empty((n, STEPS_PER_DAY, width), dtype=np.float64)
        kernel.integrate(y, params, u, STEP_H, record, status)
        failed = np.flatnonzero(status[:, 0] >= 0)
        if failed.size:
            i = int(failed[0])
            s, step = int(status[i, 0]), int(status[i, 1])
            hours = (k * STEPS_PER_DAY + step + 1) * STEP_H
            raise SimulationError(
                f"state {model.state_names[s]!r} of subject {i} became invalid (non-finite or negative) at "
                f"simulated hour {hours:.2f} (day {k} of the run, counting burn-in); parameters or inputs are "
                f"outside the range the model can integrate"
            )
        if on_day is not None:
            on_day(DayRecord(k, u, record, start))
        if progress is not None:
            progress(k + 1, schedule.total_days)
    return y
