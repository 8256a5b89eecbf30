"""Experiments: a published protocol re-run in the model, the quantity measured and the pass criterion.

An :class:`Experiment` names the findings it reproduces, says what is expected (a range with its units),
measures one number from shared, cached simulation runs (:class:`Context`), and carries the data for its
figure. Verdicts: ``PASS`` / ``FAIL``; ``CONTESTED`` when the model reproduces the published result and the
seed document claims something else (the seed's number is shown beside the measured one).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from gutsleep.apps.simulate import SimulationOutput, simulate
from gutsleep.scenario import Scenario, parse_scenario

ROLES: tuple[str, ...] = ("calibration", "validation")
"""An experiment is ``calibration`` when a parameter (or a model constant) was set from it, else ``validation``:
what the model predicts without having been tuned to it."""


@dataclass(frozen=True)
class Series:
    """One line of an experiment's figure: the plotted variable's own ``unit`` labels the y-axis (and its
    ``column``, when it is a nightly/daily outcome or a model variable, sets the axis' minimum span)."""

    x: Sequence[float]
    y: Sequence[float]
    label: str
    unit: str = ""
    column: str = ""


@dataclass(frozen=True)
class Measured:
    """What an experiment measured: the number judged, extra conditions, and figure data."""

    value: float
    checks: Mapping[str, bool] = field(default_factory=dict)  # further conditions that must all hold
    details: str = ""
    series: Sequence[Series] = ()
    xlabel: str = "day"
    ylabel: str = ""


@dataclass(frozen=True)
class Experiment:
    """A finding reproduced by the model (see module docstring)."""

    id: str
    findings: tuple[str, ...]
    claim: str
    expected: str
    low: float
    high: float
    unit: str
    measure: Callable[[Context], Measured]
    species: str = "human"
    translation: str = ""  # how an animal protocol was translated to the human model
    contests: str = ""  # the seed's contrary number/claim, when the literature contradicts the seed
    fast: bool = True  # part of the quick subset run in CI
    tolerance_note: str = ""  # why a tolerance differs from the one proposed with the finding
    role: str = ""  # "calibration" (a parameter or model constant was set from it) or "validation"; a test
    # requires every registered experiment to declare one
    role_note: str = ""  # why a calibration experiment is one when no parameter's source names it

    def __post_init__(self) -> None:
        if self.role and self.role not in ROLES:
            raise ValueError(f"experiment {self.id}: role must be one of {', '.join(ROLES)}, not {self.role!r}")


@dataclass(frozen=True)
class Result:
    experiment: Experiment
    measured: Measured | None
    verdict: str  # PASS, FAIL, CONTESTED, ERROR
    error: str = ""

    @property
    def value(self) -> float:
        return float("nan") if self.measured is None else self.measured.value


def with_roles(experiments: Sequence[Experiment], roles: Mapping[str, str]) -> tuple[Experiment, ...]:
    """The experiments of one module with their roles set from its ``ROLES`` table, which must give every
    experiment, and no other, exactly one of :data:`ROLES` (a definition error otherwise)."""
    ids = [e.id for e in experiments]
    if set(roles) != set(ids) or set(roles.values()) - set(ROLES):
        raise RuntimeError(f"every experiment needs exactly one role ({', '.join(ROLES)}); check: "
                           f"{', '.join(sorted(set(roles) ^ set(ids))) or 'the role names'}")
    return tuple(replace(e, role=roles[e.id]) for e in experiments)


def judge(experiment: Experiment, measured: Measured) -> str:
    """PASS/FAIL on the range and every extra check; CONTESTED when it passes against a contrary seed claim."""
    ok = (
        math.isfinite(measured.value)
        and experiment.low <= measured.value <= experiment.high
        and all(measured.checks.values())
    )
    if not ok:
        return "FAIL"
    return "CONTESTED" if experiment.contests else "PASS"


def scenario(name: str, days: int = 42, *, habits: Mapping[str, Any] | None = None,
             person: Mapping[str, Any] | None = None, interventions: Sequence[Mapping[str, Any]] = (),
             events: Sequence[Mapping[str, Any]] = ()) -> Scenario:
    """A validated scenario from plain values (JSON is YAML, so the public schema checks it)."""
    doc: dict[str, Any] = {"name": name, "days": days}
    if habits:
        doc["habits"] = dict(habits)
    if person:
        doc["person"] = dict(person)
    if interventions:
        doc["interventions"] = list(interventions)
    if events:
        doc["events"] = list(events)
    return parse_scenario(json.dumps(doc), source=f"<experiment {name}>")


def bed_window(first: int, last: int, bedtime: str, wake: str) -> dict[str, Any]:
    """An intervention that sets the bed and wake times (HH:MM) from day ``first`` to day ``last``."""
    return {"start_day": first, "end_day": last, "set": {"bedtime": bedtime, "wake_time": wake}}


class Context:
    """Shared, cached simulation runs for a set of experiments (each protocol simulated once, batched).

    ``parameters`` (by parameter name) replace the model's defaults in every run (a parameter set, or one
    perturbed parameter for a sensitivity check); a protocol's own overrides still win."""

    def __init__(self, burn_in_days: int = 42, parameters: Mapping[str, float] | None = None) -> None:
        self.burn_in_days = burn_in_days
        self.parameters: dict[str, float] = dict(parameters or {})
        self._runs: dict[str, SimulationOutput] = {}

    def run(self, key: str, scenarios: Sequence[Scenario], *, drawn: bool = False,
            **kwargs: Any) -> SimulationOutput:
        """Simulate ``scenarios`` as one batch once per ``key``; later calls return the cached output.

        ``drawn``: the per-subject ``parameters`` are a population's draws (centred on the model's defaults), so
        they are re-centred on this context's parameters (:func:`gutsleep.cohort.population.recentre`)."""
        if key not in self._runs:
            kwargs.setdefault("timeseries_every_h", None)
            kwargs.setdefault("burn_in_days", self.burn_in_days)
            if self.parameters:
                kwargs["base_parameters"] = {**self.parameters, **(kwargs.get("base_parameters") or {})}
                if drawn and kwargs.get("parameters") is not None:
                    from gutsleep.cohort.population import recentre

                    kwargs["parameters"] = [recentre(p, self.parameters) for p in kwargs["parameters"]]
            self._runs[key] = simulate(list(scenarios), **kwargs)
        return self._runs[key]

    def run_population(self, key: str, subjects: Sequence[Any], **kwargs: Any) -> SimulationOutput:
        """Simulate population members (:class:`gutsleep.cohort.population.Subject`) with their drawn parameters,
        re-centred on this context's parameter set (a calibration candidate moves the whole population)."""
        return self.run(key, [s.scenario for s in subjects], parameters=[s.parameters for s in subjects], drawn=True,
                        **kwargs)


def subject(frame: Any, index: int, key: str) -> Any:
    """Rows of one subject of a nightly/daily table, indexed by night/day."""
    return frame[frame.subject == index].set_index(key)


def window_mean(frame: Any, column: str, first: int, last: int) -> float:
    return float(frame.loc[first:last, column].mean())


def night_mean(output: SimulationOutput, index: int, nights: range, column: str) -> float:
    """Mean of a nightly column of subject ``index`` over the nights of ``nights``."""
    return window_mean(subject(output.nightly, index, "night"), column, nights.start, nights.stop - 1)


def series_of(frame: Any, column: str, label: str) -> Series:
    from gutsleep.outcomes.columns import short_unit

    return Series(frame.index.to_numpy(dtype=float).tolist(), frame[column].to_numpy(dtype=float).tolist(), label,
                  unit=short_unit(column), column=column)


def hours_series(output: SimulationOutput, variable: str, index: int, first_h: float, last_h: float,
                 label: str) -> tuple[np.ndarray, np.ndarray, Series]:
    """A time-series variable of one subject between two times (hours since day 0)."""
    ts = output.timeseries
    if ts is None:
        raise ValueError("this protocol needs a time series")
    t = ts["time"].to_numpy()
    mask = (t >= first_h) & (t <= last_h)
    y = ts[variable].isel(subject=index).to_numpy()[mask]
    unit = str(ts[variable].attrs.get("units", ""))
    return t[mask], y, Series(t[mask].tolist(), y.tolist(), label, unit="dimensionless" if unit == "1" else unit,
                              column=variable)
