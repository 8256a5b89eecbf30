"""One subject of a scenario, ready to export: settled initial state, person parameters and per-step inputs.

The burn-in is *not* exported: gutsleep's own engine runs it (the same days ``gutsleep simulate`` would
prepend, repeating day 0's habits) and the state at local midnight of day 0 becomes the SBML initial
value. The exported days are days 0..days-1 of the scenario's own schedule, so they are exactly the
first ``days`` days a full-length ``gutsleep simulate`` run sees. No libsbml needed here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gutsleep.apps.simulate import DEFAULT_BURN_IN_DAYS, scenario_parameters
from gutsleep.inputs import build_schedule
from gutsleep.model import build_model
from gutsleep.model.spec import Model
from gutsleep.scenario import Scenario
from gutsleep.solve.engine import InputSource, parameter_matrix, run


@dataclass(frozen=True)
class SubjectRun:
    """Everything the SBML document is built from (arrays in the model's order)."""

    model: Model
    scenario: Scenario
    parameters: np.ndarray  # (P,)
    initial: np.ndarray  # (S,) state at local midnight of day 0, after the burn-in
    inputs: np.ndarray  # (days * 96, n_inputs), piecewise constant per 15-min step from t = 0
    days: int
    burn_in_days: int


class _FirstDays:
    """The first ``total_days`` days of another input source (the burn-in part of a schedule)."""

    def __init__(self, source: InputSource, total_days: int) -> None:
        self.n_subjects = source.n_subjects
        self.total_days = total_days
        self._source = source

    def day_inputs(self, k: int) -> np.ndarray:
        return self._source.day_inputs(k)


def subject_run(
    scenario: Scenario,
    days: int | None = None,
    burn_in_days: int = DEFAULT_BURN_IN_DAYS,
    model: Model | None = None,
) -> SubjectRun:
    """Settle ``scenario`` over the burn-in with gutsleep's engine and collect days 0..days-1 of inputs."""
    model = build_model() if model is None else model
    days = scenario.days if days is None else int(days)
    if not 1 <= days <= scenario.days:
        raise ValueError(f"days must be between 1 and the scenario's {scenario.days} days (got {days})")
    schedule = build_schedule([scenario], burn_in_days=burn_in_days)
    params = parameter_matrix(model, [scenario_parameters(scenario)])
    initial = run(model, _FirstDays(schedule, burn_in_days), params)[0]
    inputs = np.concatenate([np.array(schedule.day_inputs(burn_in_days + k)[0]) for k in range(days)])
    return SubjectRun(model, scenario, params[0].copy(), initial, inputs, days, burn_in_days)


def describe(run_: SubjectRun) -> str:
    """One paragraph for the SBML model notes: which scenario, how many days, how the start was reached."""
    desc = " ".join((run_.scenario.description or "").split())
    return (
        f"Scenario {run_.scenario.name!r}: {desc} Exported days 0 to {run_.days - 1} ({run_.days * 24} h). "
        f"Initial values: gutsleep's RK4 engine after {run_.burn_in_days} burn-in days repeating day 0's "
        "habits. Person covariates are set in the parameters."
    )


def input_changes(inputs: np.ndarray) -> list[tuple[int, list[int]]]:
    """``(step, changed channel indices)`` for every step k >= 1 whose inputs differ from step k - 1."""
    diff = inputs[1:] != inputs[:-1]
    steps = np.flatnonzero(diff.any(axis=1)) + 1
    return [(int(k), np.flatnonzero(diff[k - 1]).tolist()) for k in steps]
