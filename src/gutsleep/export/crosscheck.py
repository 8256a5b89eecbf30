"""Simulate an exported subject in libroadrunner and with gutsleep's own engine, at the same times.

Used by the cross-check tests and the comparison benchmark. libroadrunner comes with the ``[sbml]`` extra.

libroadrunner notes (measured with libroadrunner 2.10): it inlines every assignment rule wherever it is
referenced, without caching, so the Shannon index (45 terms, each referring twice to the 45-term detected
total) makes one right-hand-side evaluation cost ~0.3 ms, and the default MCJIT backend needs ~60-90 s
to compile the model. The LLJIT backend compiles it in ~10 s and is used here. The non-stiff (Adams)
CVODE method is about twice as fast as BDF on this model at the same tolerances (results agree to ~1e-7).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from gutsleep.export.scenario import SubjectRun, input_changes
from gutsleep.model.inputs import STEP_H, STEPS_PER_DAY
from gutsleep.solve.engine import DayRecord, run

if TYPE_CHECKING:
    import roadrunner

DEFAULT_RTOL = 1e-8
"""CVODE relative tolerance: four orders below the differences the RK4 comparison has to resolve."""
ATOL_PER_SCALE = 1e-10
"""CVODE absolute tolerance of each state, as a fraction of its declared typical magnitude (``scale``)."""


def sample_steps(days: int, every_h: float) -> np.ndarray:
    """Global step indices (1-based end of step, 0 = start) of samples every ``every_h`` hours, t = 0 included."""
    stride = round(every_h / STEP_H)
    if stride < 1 or not np.isclose(stride * STEP_H, every_h):
        raise ValueError(f"every_h must be a positive multiple of {STEP_H} h")
    return np.arange(0, days * STEPS_PER_DAY + 1, stride)


class _Inputs:
    """The exported per-step inputs as an engine input source (one subject)."""

    def __init__(self, inputs: np.ndarray) -> None:
        self._u = np.array(inputs, dtype=np.float64).reshape(-1, STEPS_PER_DAY, inputs.shape[1])
        self._u.flags.writeable = False  # like Schedule's arrays: same kernel signature, no second compilation
        self.n_subjects = 1
        self.total_days = self._u.shape[0]

    def day_inputs(self, k: int) -> np.ndarray:
        return self._u[k][None]


def gutsleep_states(subject: SubjectRun, every_h: float) -> tuple[np.ndarray, np.ndarray]:
    """(times h, states (T, S)) from gutsleep's RK4 engine over the exported days, from the exported start."""
    model = subject.model
    steps = sample_steps(subject.days, every_h)
    n_s = len(model.states)
    out = np.empty((len(steps), n_s))
    out[0] = subject.initial
    wanted = {int(g): i for i, g in enumerate(steps) if g > 0}

    def on_day(day: DayRecord) -> None:
        for j in range(STEPS_PER_DAY):
            i = wanted.get(day.k * STEPS_PER_DAY + j + 1)
            if i is not None:
                out[i] = day.record[0, j, :n_s]

    run(model, _Inputs(subject.inputs), subject.parameters[None], initial=subject.initial[None], on_day=on_day)
    return steps * STEP_H, out


def load_roadrunner(
    sbml: str,
    scales: Sequence[float] | None = None,
    names: Sequence[str] | None = None,
    *,
    rtol: float = DEFAULT_RTOL,
    stiff: bool = False,
    max_step_h: float | None = None,
) -> roadrunner.RoadRunner:
    """libroadrunner instance of an SBML string (LLJIT backend, CVODE, tolerances set, warnings off).

    ``names``/``scales`` set per-state absolute tolerances ``ATOL_PER_SCALE * scale``; ``max_step_h`` caps
    CVODE's step (use the input step, 0.25 h, for documents with piecewise inputs).
    """
    import roadrunner

    roadrunner.Logger.setLevel(roadrunner.Logger.LOG_ERROR)
    roadrunner.Config.setValue(roadrunner.Config.LLVM_BACKEND, roadrunner.Config.LLJIT)
    rr = roadrunner.RoadRunner(sbml)
    integ = rr.integrator
    integ.relative_tolerance = rtol
    integ.absolute_tolerance = ATOL_PER_SCALE * float(min(scales)) if scales is not None else 1e-12
    integ.stiff = stiff
    integ.maximum_num_steps = 1_000_000
    if max_step_h is not None:
        integ.maximum_time_step = float(max_step_h)
    if names is not None and scales is not None:
        for name, scale in zip(names, scales, strict=True):
            integ.setIndividualTolerance(name, ATOL_PER_SCALE * float(scale))
    return rr


def roadrunner_states(
    rr: roadrunner.RoadRunner, names: Sequence[str], days: int, every_h: float
) -> tuple[np.ndarray, np.ndarray]:
    """(times h, states (T, S)) from libroadrunner from t = 0 (after a reset to the exported initial values)."""
    rr.resetAll()
    steps = sample_steps(days, every_h)
    rr.timeCourseSelections = ["time", *names]
    res = np.array(rr.simulate(0.0, days * 24.0, len(steps)))
    return res[:, 0], res[:, 1:]


def relative_errors(ours: np.ndarray, reference: np.ndarray, scales: np.ndarray, floor: float) -> np.ndarray:
    """|ours - reference| / max(|reference|, floor * scale), per sample and state."""
    return np.abs(ours - reference) / np.maximum(np.abs(reference), floor * scales)


def lsoda_states(
    subject: SubjectRun,
    every_h: float,
    *,
    start_step: int = 0,
    n_steps: int | None = None,
    initial: np.ndarray | None = None,
    rtol: float = 1e-10,
    jit: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """(times h, states (T, S)) from scipy's LSODA on the generated right-hand side, restarted at every input change.

    Integrates steps ``start_step .. start_step + n_steps`` of the exported inputs from ``initial`` (default:
    the exported initial state, which requires ``start_step == 0``); samples every ``every_h`` hours from
    the start. Absolute tolerance: ``ATOL_PER_SCALE * scale`` per state. ``jit=False`` uses the plain-Python
    right-hand side (independent of numba, slow: ~0.4 ms per evaluation).
    """
    from scipy.integrate import solve_ivp

    from gutsleep.solve.codegen import load_kernel

    model = subject.model
    rhs = load_kernel(model, jit=jit).rhs
    total = subject.inputs.shape[0] - start_step if n_steps is None else n_steps
    u = subject.inputs[start_step : start_step + total]
    y = np.array(subject.initial if initial is None else initial, dtype=np.float64)
    if initial is None and start_step != 0:
        raise ValueError("give the initial state when starting after step 0")
    p = subject.parameters
    atol = ATOL_PER_SCALE * np.array([s.scale for s in model.states])
    stride = round(every_h / STEP_H)
    samples = np.arange(0, total + 1, stride)
    out = np.empty((len(samples), len(y)))
    out[0] = y
    bounds = [0, *(k for k, _ in input_changes(u)), total]
    for a, b in pairwise(bounds):
        ua = u[a]

        def f(_t: float, yy: np.ndarray, ua: np.ndarray = ua) -> np.ndarray:
            dy = np.empty_like(yy)
            rhs(yy, p, ua, dy)
            return dy

        inside = samples[(samples > a) & (samples <= b)]
        t_eval = np.unique(np.append(inside, b)) * STEP_H  # always end exactly at the segment's end
        sol = solve_ivp(f, (a * STEP_H, b * STEP_H), y, method="LSODA", rtol=rtol, atol=atol, t_eval=t_eval)
        if not sol.success:
            raise RuntimeError(f"LSODA failed between {a * STEP_H} and {b * STEP_H} h: {sol.message}")
        if len(inside):
            out[np.searchsorted(samples, inside)] = sol.y.T[np.searchsorted(t_eval, inside * STEP_H)]
        y = sol.y[:, -1]
    return (start_step + samples) * STEP_H, out

