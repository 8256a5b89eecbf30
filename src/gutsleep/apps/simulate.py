"""Run scenarios end to end: schedule, batched solve, outcome tables, time series and reports.

``simulate`` runs several scenarios as subjects of one batched run; ``compare`` runs two and takes their
night-by-night and day-by-day differences (B - A). ``write_outputs`` / ``write_comparison`` write the files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from gutsleep.apps.timeseries import TimeseriesSampler
from gutsleep.inputs import Schedule, build_schedule
from gutsleep.model import STEPS_PER_DAY, build_model
from gutsleep.outcomes import OutcomeCollector
from gutsleep.scenario import Scenario
from gutsleep.solve.engine import DayRecord, parameter_matrix, run

DEFAULT_BURN_IN_DAYS = 42
"""Days prepended (repeating day 0's habits) so the slow states settle before day 0."""
OUTPUT_FILES: tuple[str, ...] = ("nightly.csv", "daily.csv", "timeseries.nc", "report.html")
"""Files :func:`write_outputs` writes (timeseries.nc only when sampled)."""
COMPARISON_FILES: tuple[str, ...] = ("nightly_diff.csv", "daily_diff.csv", "report.html")
"""Files :func:`write_comparison` writes."""


@dataclass(frozen=True)
class SimulationOutput:
    """Outcome tables of one batched run (subject i = ``scenarios[i]``)."""

    nightly: pd.DataFrame
    daily: pd.DataFrame
    timeseries: xr.Dataset | None
    scenarios: tuple[Scenario, ...]
    burn_in_days: int = DEFAULT_BURN_IN_DAYS


@dataclass(frozen=True)
class ComparisonOutput:
    """Two scenarios run together (A = subject 0, B = subject 1) and their differences B - A."""

    a: Scenario
    b: Scenario
    simulation: SimulationOutput
    nightly_diff: pd.DataFrame
    daily_diff: pd.DataFrame


def person_parameters(scenario: Scenario) -> dict[str, float]:
    """Parameter overrides for the scenario's person (age, sex, BMI, vagotomy)."""
    p = scenario.person
    return {
        "age_years": float(p.age),
        "is_female": 1.0 if p.sex == "female" else 0.0,
        "bmi_kg_m2": float(p.bmi),
        "vagotomy": 1.0 if p.vagotomy else 0.0,
    }


@contextmanager
def _progress_bar(enabled: bool, total: int) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar over simulated days (or nothing when disabled)."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("simulating"), BarColumn(), MofNCompleteColumn(), TextColumn("days"), TimeRemainingColumn(),
        transient=True,
    ) as bar:
        task = bar.add_task("days", total=total)

        def advance(done: int, _total: int) -> None:
            bar.update(task, completed=done)

        yield advance


def simulate(
    scenarios: Sequence[Scenario],
    *,
    burn_in_days: int = DEFAULT_BURN_IN_DAYS,
    timeseries_every_h: float | None = 1.0,
    progress: bool = False,
    parameters: Sequence[Mapping[str, float]] | None = None,
    input_hook: Callable[[int, np.ndarray], np.ndarray] | None = None,
    day_hook: Callable[[DayRecord], None] | None = None,
    initial: np.ndarray | None = None,
) -> SimulationOutput:
    """Simulate one subject per scenario in one batched run.

    ``parameters`` optionally gives per-subject parameter overrides (by parameter name), applied on top
    of the person covariates of each scenario. For experimental protocols and pathway attribution,
    ``input_hook(k, u)`` may return a modified copy of day ``k``'s inputs (N, steps, channels), ``day_hook``
    sees every day's raw record, and ``initial`` replaces the model's initial state (N, states).

    Returns the nightly and daily tables (each subject's rows as if simulated alone) and, unless
    ``timeseries_every_h`` is None, every state and observable sampled every ``timeseries_every_h`` hours
    (a multiple of 0.25 h) from the start of day 0.
    """
    scenarios = tuple(scenarios)
    if not scenarios:
        raise ValueError("simulate needs at least one scenario")
    model = build_model()
    schedule = build_schedule(scenarios, burn_in_days=burn_in_days)
    if parameters is not None and len(parameters) != len(scenarios):
        raise ValueError(f"got {len(parameters)} parameter sets for {len(scenarios)} scenarios")
    overrides = [
        {**person_parameters(s), **(parameters[i] if parameters is not None else {})} for i, s in enumerate(scenarios)
    ]
    params = parameter_matrix(model, overrides)
    detection = params[:, model.parameter_index("detection_limit_abundance")]
    days = np.array([s.days for s in scenarios])
    end_steps = (burn_in_days + days) * STEPS_PER_DAY  # each subject's own end of run
    collector = OutcomeCollector.for_model(model, schedule, detection_limit=detection, end_steps=end_steps)
    sampler = (
        None
        if timeseries_every_h is None
        else TimeseriesSampler((*model.state_names, *model.observables), burn_in_days, timeseries_every_h)
    )

    def on_day(day: DayRecord) -> None:
        collector(day)
        if sampler is not None:
            sampler(day, schedule.day_local_time(day.k))
        if day_hook is not None:
            day_hook(day)

    source = schedule if input_hook is None else _HookedInputs(schedule, input_hook)
    with _progress_bar(progress, schedule.total_days) as advance:
        run(model, source, params, initial=initial, on_day=on_day, progress=advance)
    nightly, daily = collector.result()
    series = None if sampler is None else sampler.dataset(model, [s.name for s in scenarios], days.tolist())
    return SimulationOutput(nightly, daily, series, scenarios, burn_in_days)


class _HookedInputs:
    """A schedule whose daily inputs pass through a caller's hook (protocol doses, pathway clamps)."""

    def __init__(self, schedule: Schedule, hook: Callable[[int, np.ndarray], np.ndarray]) -> None:
        self.n_subjects = schedule.n_subjects
        self.total_days = schedule.total_days
        self._schedule = schedule
        self._hook = hook

    def day_inputs(self, k: int) -> np.ndarray:
        return self._hook(k, np.array(self._schedule.day_inputs(k), dtype=np.float64, copy=True))


def select_subject(output: SimulationOutput, subject: int) -> SimulationOutput:
    """The part of a batched output that belongs to one subject, renumbered as subject 0."""

    def pick(table: pd.DataFrame) -> pd.DataFrame:
        mine = table[table["subject"] == subject].copy()
        mine["subject"] = 0
        return mine.reset_index(drop=True)

    series = None
    if output.timeseries is not None:
        series = output.timeseries.isel(subject=[subject]).assign_coords(subject=[0])
    return SimulationOutput(
        pick(output.nightly), pick(output.daily), series, (output.scenarios[subject],), output.burn_in_days
    )


def _differences(table: pd.DataFrame, key: str) -> pd.DataFrame:
    """B - A (subject 1 - subject 0) of every numeric column, matched on ``key``; inner join."""
    a = table[table["subject"] == 0].drop(columns="subject").set_index(key)
    b = table[table["subject"] == 1].drop(columns="subject").set_index(key)
    numeric = [c for c in a.columns if pd.api.types.is_numeric_dtype(a[c])]
    common = a.index.intersection(b.index)
    diff = b.loc[common, numeric].astype(float) - a.loc[common, numeric].astype(float)
    return diff.reset_index()


def compare(
    a: Scenario,
    b: Scenario,
    *,
    burn_in_days: int = DEFAULT_BURN_IN_DAYS,
    timeseries_every_h: float | None = None,
    progress: bool = False,
) -> ComparisonOutput:
    """Run A and B as two subjects of one batched run; differences are B - A per night and per day."""
    sim = simulate([a, b], burn_in_days=burn_in_days, timeseries_every_h=timeseries_every_h, progress=progress)
    return ComparisonOutput(a, b, sim, _differences(sim.nightly, "night"), _differences(sim.daily, "day"))


def _timeseries_for_netcdf(ds: xr.Dataset) -> xr.Dataset:
    """Copy of ``ds`` the scipy (netCDF3) backend writes portably: string coordinates as UTF-8 char arrays,
    attribute text as ASCII (netCDF3 attributes have no encoding)."""
    out = ds.copy()
    out["scenario"].encoding.update({"dtype": "S1", "char_dim_name": "scenario_strlen"})
    for var in out.variables.values():
        var.attrs = {k: _ascii(v) for k, v in var.attrs.items()}
    return out


def _ascii(value: object) -> object:
    """Text attribute with non-ASCII characters replaced (other values unchanged)."""
    return value.encode("ascii", "replace").decode("ascii") if isinstance(value, str) else value


def write_outputs(
    output: SimulationOutput, directory: str | Path, extra_sections: Sequence[str] = ()
) -> dict[str, Path]:
    """Write ``nightly.csv``, ``daily.csv``, ``timeseries.nc`` (if sampled) and ``report.html``; return the paths.

    ``extra_sections`` are HTML sections appended to the report (e.g. the pathway attribution)."""
    from gutsleep.report.simulation import simulation_report

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"nightly": out / "nightly.csv", "daily": out / "daily.csv"}
    output.nightly.to_csv(paths["nightly"], index=False)
    output.daily.to_csv(paths["daily"], index=False)
    if output.timeseries is not None:
        paths["timeseries"] = out / "timeseries.nc"
        _timeseries_for_netcdf(output.timeseries).to_netcdf(paths["timeseries"], engine="scipy")
    paths["report"] = out / "report.html"
    paths["report"].write_text(simulation_report(output, extra_sections), encoding="utf-8")
    return paths


def write_comparison(cmp: ComparisonOutput, directory: str | Path) -> dict[str, Path]:
    """Write ``nightly_diff.csv``, ``daily_diff.csv`` and ``report.html``; return the paths."""
    from gutsleep.report.comparison import comparison_report

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "nightly_diff": out / "nightly_diff.csv",
        "daily_diff": out / "daily_diff.csv",
        "report": out / "report.html",
    }
    cmp.nightly_diff.to_csv(paths["nightly_diff"], index=False)
    cmp.daily_diff.to_csv(paths["daily_diff"], index=False)
    paths["report"].write_text(comparison_report(cmp), encoding="utf-8")
    return paths


def summary_table(output: SimulationOutput) -> pd.DataFrame:
    """Key outcomes per subject: mean of the first 7 and last 7 days/nights (used by the CLI and the report)."""
    from gutsleep.report.simulation import summary

    return summary(output)


__all__: list[str] = [
    "COMPARISON_FILES",
    "DEFAULT_BURN_IN_DAYS",
    "OUTPUT_FILES",
    "ComparisonOutput",
    "SimulationOutput",
    "compare",
    "person_parameters",
    "select_subject",
    "simulate",
    "summary_table",
    "write_comparison",
    "write_outputs",
]

