"""Batched simulation: N subjects, each with its own parameters and input schedule, one day at a time.

The compiled batched kernel (:mod:`gutsleep.solve.batched`) advances every subject by one day of 15-minute RK4
steps. Two ways to consume the results, both with memory bounded however long the run:

* ``reducer``: an object with ``variables`` (names of states/observables it reads) and
  ``reduce_block(k, i0, record, start)``. Subjects are integrated in chunks of ``chunk_size``; after each
  chunk the reducer receives only its variables for those subjects (``record`` (n, steps, V), ``start``
  (n, V), states' values at the start of the day, NaN for observables). Nothing scales with N x steps.
* ``on_day``: receives each day's full :class:`DayRecord` (every state and observable of all N subjects) —
  for time series, attribution and tests.

A subject whose state turns non-finite or negative stops the run with a :class:`SimulationError` naming the
state, the subject and the time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from gutsleep.model.inputs import STEP_H, STEPS_PER_DAY
from gutsleep.model.spec import Model
from gutsleep.solve.batched import BLOCK, load_batched

DEFAULT_CHUNK = 1024
"""Subjects integrated between two reducer calls (bounds the per-day record to chunk x steps x variables)."""


class SimulationError(RuntimeError):
    """A state became non-finite or negative; the message names the state, subject and time."""


class InputSource(Protocol):
    """What the engine needs from a schedule: subjects, days and the per-step inputs of each day.

    A source may also offer ``group`` ((N,) int) and ``day_inputs_grouped(k)`` ((G, steps, channels)) to pass
    each distinct input schedule once instead of once per subject.
    """

    n_subjects: int
    total_days: int

    def day_inputs(self, k: int) -> np.ndarray:  # (N, STEPS_PER_DAY, n_inputs)
        ...


class BlockReducer(Protocol):
    """Consumes chunks of subjects' records as the engine produces them (see module docstring)."""

    variables: tuple[str, ...]

    def reduce_block(self, k: int, i0: int, record: np.ndarray, start: np.ndarray) -> None: ...


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


@contextmanager
def threads_for(n_tasks: int) -> Iterator[None]:
    """Use at most ``n_tasks`` numba threads inside the block (restored after).

    A parallel region waits for all its threads; on a machine whose other cores are busy, a thread with no
    work still costs a scheduler time slice (~8 ms per call measured on 2 shared cores), which dominates
    small runs (one subject: 15x slower with 2 threads than with 1)."""
    import numba

    before = numba.get_num_threads()
    wanted = max(1, min(before, int(n_tasks)))
    if wanted != before:
        numba.set_num_threads(wanted)
    try:
        yield
    finally:
        if wanted != before:
            numba.set_num_threads(before)


def _readonly(a: np.ndarray) -> np.ndarray:
    view = a.view()
    view.flags.writeable = False
    return view


def run(
    model: Model,
    schedule: InputSource,
    parameters: np.ndarray,
    *,
    initial: np.ndarray | None = None,
    on_day: Callable[[DayRecord], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
    reducer: BlockReducer | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    on_compile: Callable[[str], None] | None = None,
    multirate: bool | None = None,
) -> np.ndarray:
    """Integrate all subjects over the schedule's days; return the final (N, S) state.

    ``on_day`` receives each day's full :class:`DayRecord`; ``reducer`` receives chunks of the variables it
    asks for; ``progress(done, total)`` is called after each day; ``on_compile(message)`` before the kernel
    is compiled (first run on a machine only, see :func:`gutsleep.solve.batched.kernel_cached`);
    ``multirate`` (default on unless GUTSLEEP_MULTIRATE=0) puts the states declared slow on the macro step.
    """
    kernel = load_batched(model, on_compile=on_compile, multirate=multirate)
    n = schedule.n_subjects
    if parameters.shape != (n, len(model.parameters)):
        raise ValueError(f"parameters must have shape ({n}, {len(model.parameters)}), got {parameters.shape}")
    y = initial_states(model, n) if initial is None else np.array(initial, dtype=np.float64, copy=True)
    if y.shape != (n, len(model.states)):
        raise ValueError(f"initial must have shape ({n}, {len(model.states)}), got {y.shape}")
    params = _readonly(np.ascontiguousarray(parameters, dtype=np.float64))
    status = np.full((n, 2), -1, dtype=np.int64)
    n_s = len(model.states)
    full_names = (*model.state_names, *model.observables)
    full_rows = _readonly(np.array(kernel.rows(full_names), dtype=np.int64))
    if reducer is not None:
        red_names = tuple(reducer.variables)
        red_rows = _readonly(np.array(kernel.rows(red_names), dtype=np.int64))
        state_index = {name: i for i, name in enumerate(model.state_names)}
        red_states = [(j, state_index[name]) for j, name in enumerate(red_names) if name in state_index]
    grouped = getattr(schedule, "day_inputs_grouped", None) if on_day is None else None
    if grouped is not None:
        group = _readonly(np.ascontiguousarray(schedule.group, dtype=np.int64))  # type: ignore[attr-defined]
    else:
        group = _readonly(np.arange(n, dtype=np.int64))
    chunk = max(BLOCK, (int(chunk_size) // BLOCK) * BLOCK)

    def integrate(i0: int, i1: int, rows: np.ndarray, out: np.ndarray) -> None:
        with threads_for(-(-(i1 - i0) // BLOCK)):
            kernel.module.integrate(y[i0:i1], params[i0:i1], group[i0:i1], u, STEP_H, rows, out, status[i0:i1])

    for k in range(schedule.total_days):
        raw = grouped(k) if grouped is not None else schedule.day_inputs(k)
        u = _readonly(np.ascontiguousarray(raw, dtype=np.float64))
        if u.shape[1] != STEPS_PER_DAY or (grouped is None and u.shape[0] != n):
            raise ValueError(f"day inputs of day {k} have shape {u.shape}, expected ({n}, {STEPS_PER_DAY}, ...)")
        full = np.empty((n, STEPS_PER_DAY, len(full_names))) if on_day is not None else None
        start_all = y.copy() if on_day is not None else None
        for i0 in range(0, n, chunk):
            i1 = min(n, i0 + chunk)
            if reducer is not None:
                start = np.full((i1 - i0, len(red_names)), np.nan)
                for j, s in red_states:
                    start[:, j] = y[i0:i1, s]
            if full is not None:
                integrate(i0, i1, full_rows, full[i0:i1])
                if reducer is not None:
                    rec = np.ascontiguousarray(full[i0:i1][:, :, [full_names.index(v) for v in red_names]])
            elif reducer is not None:
                rec = np.empty((i1 - i0, STEPS_PER_DAY, len(red_names)))
                integrate(i0, i1, red_rows, rec)
            else:
                rec = np.empty((i1 - i0, STEPS_PER_DAY, 0))
                integrate(i0, i1, _readonly(np.zeros(0, dtype=np.int64)), rec)
            _raise_on_failure(model, status, k, i0, i1)
            if reducer is not None:
                reducer.reduce_block(k, i0, rec, start)
        if on_day is not None:
            assert full is not None and start_all is not None
            on_day(DayRecord(k, u if u.shape[0] == n else u[np.asarray(group)], full, start_all[:, :n_s]))
        if progress is not None:
            progress(k + 1, schedule.total_days)
    return y


def _raise_on_failure(model: Model, status: np.ndarray, k: int, i0: int, i1: int) -> None:
    failed = np.flatnonzero(status[i0:i1, 0] >= 0)
    if failed.size:
        i = i0 + int(failed[0])
        s, step = int(status[i, 0]), int(status[i, 1])
        hours = (k * STEPS_PER_DAY + step + 1) * STEP_H
        raise SimulationError(
            f"state {model.state_names[s]!r} of subject {i} became invalid (non-finite or negative) at "
            f"simulated hour {hours:.2f} (day {k} of the run, counting burn-in); parameters or inputs are "
            f"outside the range the model can integrate"
        )
