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

from gutsleep.apps.defaults import DEFAULT_BURN_IN_DAYS
from gutsleep.apps.timeseries import TimeseriesSampler
from gutsleep.inputs import Schedule, build_schedule
from gutsleep.model import STEPS_PER_DAY, build_model
from gutsleep.outcomes import OutcomeCollector
from gutsleep.scenario import Scenario
from gutsleep.solve.engine import DayRecord, parameter_matrix, run

OUTPUT_FILES: tuple[str, ...] = ("nightly.csv", "daily.csv", "summary.csv", "timeseries.nc", "report.html",
                                  "datapackage.json")
"""Files :func:`write_outputs` writes (timeseries.nc only when sampled)."""
COMPARISON_FILES: tuple[str, ...] = ("nightly_diff.csv", "daily_diff.csv", "summary.csv", "report.html",
                                     "datapackage.json")
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
    """Parameter overrides for the scenario's person (age, sex, BMI, vagotomy, conditions)."""
    p = scenario.person
    return {
        "age_years": float(p.age),
        "is_female": 1.0 if p.sex == "female" else 0.0,
        "bmi_kg_m2": float(p.bmi),
        "vagotomy": 1.0 if p.vagotomy else 0.0,
        "ibs": 1.0 if "ibs" in p.conditions else 0.0,
    }


def scenario_parameters(scenario: Scenario) -> dict[str, float]:
    """Parameter overrides of a scenario: its person covariates and its ``parameters:`` block."""
    return {**person_parameters(scenario), **scenario.parameters}


Progress = bool | Callable[[int, int], None]
"""``True``: a rich progress bar over simulated days; ``False``: none; a callable: called as ``(done, total)`` days
after every simulated day (burn-in included)."""


@contextmanager
def _progress_bar(enabled: Progress, total: int) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar over simulated days, the caller's callback, or nothing."""
    if callable(enabled):
        yield enabled
        return
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
    progress: Progress = False,
    parameters: Sequence[Mapping[str, float]] | None = None,
    input_hook: Callable[[int, np.ndarray], np.ndarray] | None = None,
    day_hook: Callable[[DayRecord], None] | None = None,
    initial: np.ndarray | None = None,
    on_compile: Callable[[str], None] | None = None,
    base_parameters: Mapping[str, float] | Sequence[Mapping[str, float]] | None = None,
) -> SimulationOutput:
    """Simulate one subject per scenario in one batched run.

    ``parameters`` optionally gives per-subject parameter overrides (by parameter name), applied on top of the
    person covariates and the ``parameters:`` block of each scenario. For experimental protocols and pathway
    attribution, ``input_hook(k, u)`` may return a modified copy of day ``k``'s inputs (N, steps, channels),
    ``day_hook`` sees every day's raw record, and ``initial`` replaces the model's initial state (N, states).
    ``on_compile(message)`` is called once before the solver kernel is compiled (first run on a machine).
    ``base_parameters`` replace the model's defaults for every subject (a calibrated parameter set); the person
    covariates, each scenario's ``parameters:`` block and ``parameters`` still override them (one mapping for every
    subject, or one per subject).

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
    if base_parameters is None or isinstance(base_parameters, Mapping):
        bases: Sequence[Mapping[str, float]] = [base_parameters or {}] * len(scenarios)
    else:
        bases = base_parameters
        if len(bases) != len(scenarios):
            raise ValueError(f"got {len(bases)} base parameter sets for {len(scenarios)} scenarios")
    overrides = [
        {**bases[i], **scenario_parameters(s), **(parameters[i] if parameters is not None else {})}
        for i, s in enumerate(scenarios)
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
        if sampler is not None:
            sampler(day, schedule.day_local_time(day.k))
        if day_hook is not None:
            day_hook(day)

    source = schedule if input_hook is None else _HookedInputs(schedule, input_hook)
    full_days = on_day if sampler is not None or day_hook is not None else None
    with _progress_bar(progress, schedule.total_days) as advance:
        run(model, source, params, initial=initial, on_day=full_days, reducer=collector, progress=advance,
            on_compile=on_compile)
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
    progress: Progress = False,
    base_parameters: Mapping[str, float] | None = None,
) -> ComparisonOutput:
    """Run A and B as two subjects of one batched run; differences are B - A per night and per day.
    ``base_parameters`` replace the model's defaults for both (a calibrated parameter set)."""
    sim = simulate([a, b], burn_in_days=burn_in_days, timeseries_every_h=timeseries_every_h, progress=progress,
                   base_parameters=base_parameters)
    return ComparisonOutput(a, b, sim, _differences(sim.nightly, "night"), _differences(sim.daily, "day"))


def timeseries_for_netcdf(output: SimulationOutput) -> xr.Dataset:
    """The time series as written to ``timeseries.nc``: CF-style attributes and provenance added, in a form the
    scipy (netCDF3) backend writes portably.

    * ``time`` is a timedelta coordinate (time since local midnight of day 0; stored as float ``hours``, read
      back by xarray as ``timedelta64``); ``local_time_h`` keeps the local clock in hours.
    * Global attributes: ``Conventions``, ``title``, ``source``, ``gutsleep_version``, ``model_hash``,
      ``burn_in_days``, ``sampling_interval_h`` and per subject ``scenario_<i>_yaml`` (the complete validated
      scenario) and ``scenario_<i>_parameters`` (JSON parameter overrides); ``parameter_value`` (subject x
      parameter) holds every parameter value of every subject.
    * Strings are UTF-8 char arrays; attribute text is ASCII (netCDF3 attributes have no encoding)."""
    import json

    from gutsleep.apps import metadata

    ds = output.timeseries
    if ds is None:
        raise ValueError("this output has no time series (simulate with timeseries_every_h)")
    model = build_model()
    out = ds.copy()
    hours = out["time"].to_numpy()
    out = out.assign_coords(time=("time", pd.to_timedelta(hours, unit="h"), {
        "long_name": "time since local midnight of day 0 (end of each 15-min solver step)"}))
    out["time"].encoding.update({"units": "hours", "dtype": "float64"})
    params = parameter_matrix(model, [scenario_parameters(s) for s in output.scenarios])
    out["parameter_value"] = (("subject", "parameter"), params, {
        "long_name": "value of every model parameter for each subject (units: see parameter_unit)"})
    out = out.assign_coords(
        parameter=("parameter", np.array(model.parameter_names, dtype=object), {"long_name": "parameter name"}),
        parameter_unit=("parameter", np.array([p.unit for p in model.parameters], dtype=object),
                        {"long_name": "unit of each parameter"}))
    subjects = metadata.subject_provenance(output.scenarios)
    attrs = {
        **out.attrs,
        "Conventions": "CF-1.8",
        "title": "gutsleep time series",
        "source": f"gutsleep {metadata.__version__} (mechanistic model output, not medical advice)",
        "gutsleep_version": metadata.__version__,
        "model_hash": metadata.model_hash(),
        "burn_in_days": int(output.burn_in_days),
        "parameters_note": "parameters not in scenario_<i>_parameters are at the model defaults fixed by "
                           "model_hash; parameter_value lists all",
    }
    for sub in subjects:
        attrs[f"scenario_{sub['subject']}_yaml"] = sub["scenario_yaml"]
        attrs[f"scenario_{sub['subject']}_parameters"] = json.dumps(sub["parameters"])
    out.attrs = attrs
    for name in ("scenario", "parameter", "parameter_unit"):
        out[name].encoding.update({"dtype": "S1", "char_dim_name": f"{name}_strlen"})
    out.attrs = {k: _ascii(v) for k, v in out.attrs.items()}
    for var in out.variables.values():
        var.attrs = {k: _ascii(v) for k, v in var.attrs.items()}
    return out


def _ascii(value: object) -> object:
    """Text attribute with non-ASCII characters replaced (other values unchanged)."""
    return value.encode("ascii", "replace").decode("ascii") if isinstance(value, str) else value


def output_tables(output: SimulationOutput) -> dict[str, pd.DataFrame]:
    """The CSV tables of a simulation: nightly, daily and summary (names = file stems)."""
    return {"nightly": output.nightly, "daily": output.daily, "summary": summary_table(output)}


def simulation_package(output: SimulationOutput, tables: dict[str, pd.DataFrame], files: Sequence[str]) -> dict:
    """``datapackage.json`` content of a simulation folder: every CSV column described, provenance."""
    from gutsleep.apps import metadata

    keys = {"nightly": ("subject", "night"), "daily": ("subject", "day")}
    resources = [metadata.resource(f"{name}.csv", name, df, primary_key=keys.get(name, ()),
                                   description=_FILE_TEXT.get(name, "")) for name, df in tables.items()]
    resources += [metadata.resource(f, description=_FILE_TEXT.get(Path(f).stem, "")) for f in files]
    names = ", ".join(s.name for s in output.scenarios)
    return metadata.datapackage(
        "gutsleep-simulation", f"gutsleep simulation: {names}", resources,
        metadata.provenance(metadata.subject_provenance(output.scenarios), burn_in_days=output.burn_in_days),
        "Model output of gutsleep (not medical advice). Units and descriptions of every column are in the schemas.")


_FILE_TEXT = {
    "nightly": "one row per subject and night (a night belongs to the day on which it starts)",
    "daily": "one row per subject and local day",
    "summary": "per subject and outcome: baseline, peak change, window change, change area, recovery",
    "nightly_diff": "B - A per night, on the nights both scenarios have",
    "daily_diff": "B - A per day, on the days both scenarios have",
    "timeseries": "every state and observable (subject x time), units in the variable attributes",
    "report": "self-contained HTML report",
}


def write_outputs(
    output: SimulationOutput, directory: str | Path, extra_sections: Sequence[str] = (),
    extra_tables: Mapping[str, tuple[str, pd.DataFrame, Sequence[str], str]] | None = None,
) -> dict[str, Path]:
    """Write ``nightly.csv``, ``daily.csv``, ``summary.csv``, ``timeseries.nc`` (if sampled), ``report.html`` and
    ``datapackage.json``; return the paths.

    ``extra_sections`` are HTML sections appended to the report (e.g. the pathway attribution); ``extra_tables``
    more CSVs: file stem -> (schema kind, table, primary key, description), e.g. the ``--ensemble`` bands."""
    from gutsleep.apps import metadata
    from gutsleep.report.simulation import simulation_report

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    tables = output_tables(output)
    paths = {}
    for name, df in tables.items():
        paths[name] = out / f"{name}.csv"
        df.to_csv(paths[name], index=False)
    for name, (_kind, df, _key, _text) in (extra_tables or {}).items():
        paths[name] = out / f"{name}.csv"
        df.to_csv(paths[name], index=False)
    if output.timeseries is not None:
        paths["timeseries"] = out / "timeseries.nc"
        timeseries_for_netcdf(output).to_netcdf(paths["timeseries"], engine="scipy")
    paths["report"] = out / "report.html"
    paths["report"].write_text(simulation_report(output, extra_sections), encoding="utf-8")
    files = [p.name for k, p in paths.items() if k not in tables and k not in (extra_tables or {})]
    package = simulation_package(output, tables, files)
    package["resources"] += [metadata.resource(f"{name}.csv", kind, df, primary_key=key, description=text)
                             for name, (kind, df, key, text) in (extra_tables or {}).items()]
    paths["datapackage"] = metadata.write_datapackage(out, package)
    return paths


def comparison_tables(cmp: ComparisonOutput) -> dict[str, pd.DataFrame]:
    """The CSV tables of a comparison: nightly_diff, daily_diff and summary (B - A)."""
    from gutsleep.report.comparison import comparison_summary

    return {"nightly_diff": cmp.nightly_diff, "daily_diff": cmp.daily_diff, "summary": comparison_summary(cmp)}


def comparison_package(cmp: ComparisonOutput, tables: dict[str, pd.DataFrame], files: Sequence[str]) -> dict:
    """``datapackage.json`` content of a comparison folder (says how unequal lengths were handled)."""
    from gutsleep.apps import metadata
    from gutsleep.outcomes.summary import common_days_note

    kinds = {"nightly_diff": "nightly_diff", "daily_diff": "daily_diff", "summary": "comparison_summary"}
    keys = {"nightly_diff": ("night",), "daily_diff": ("day",)}
    resources = [metadata.resource(f"{name}.csv", kinds[name], df, primary_key=keys.get(name, ()),
                                   description=_FILE_TEXT.get(name, "")) for name, df in tables.items()]
    resources += [metadata.resource(f, description=_FILE_TEXT.get(Path(f).stem, "")) for f in files]
    note = common_days_note(cmp.a, cmp.b) or f"both scenarios have {cmp.a.days} days"
    return metadata.datapackage(
        "gutsleep-comparison", f"gutsleep comparison: {cmp.b.name} (B) - {cmp.a.name} (A)", resources,
        metadata.provenance(metadata.subject_provenance([cmp.a, cmp.b]), burn_in_days=cmp.simulation.burn_in_days,
                            compared_days=min(cmp.a.days, cmp.b.days), length_note=note),
        f"Differences B - A of the gutsleep model output (not medical advice). {note}")


def write_comparison(cmp: ComparisonOutput, directory: str | Path) -> dict[str, Path]:
    """Write ``nightly_diff.csv``, ``daily_diff.csv``, ``summary.csv``, ``report.html`` and ``datapackage.json``;
    return the paths."""
    from gutsleep.apps import metadata
    from gutsleep.report.comparison import comparison_report

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    tables = comparison_tables(cmp)
    paths = {}
    for name, df in tables.items():
        paths[name] = out / f"{name}.csv"
        df.to_csv(paths[name], index=False)
    paths["report"] = out / "report.html"
    paths["report"].write_text(comparison_report(cmp), encoding="utf-8")
    paths["datapackage"] = metadata.write_datapackage(out, comparison_package(cmp, tables, ["report.html"]))
    return paths


def summary_table(output: SimulationOutput) -> pd.DataFrame:
    """Per subject and outcome: baseline, peak change, window change, change area and recovery
    (:mod:`gutsleep.outcomes.summary`; key outcomes first). Used by the CLI, the report and ``summary.csv``."""
    from gutsleep.report.simulation import summary

    return summary(output)


__all__: list[str] = [
    "COMPARISON_FILES",
    "DEFAULT_BURN_IN_DAYS",
    "OUTPUT_FILES",
    "ComparisonOutput",
    "SimulationOutput",
    "compare",
    "comparison_package",
    "comparison_tables",
    "output_tables",
    "person_parameters",
    "scenario_parameters",
    "select_subject",
    "simulate",
    "simulation_package",
    "summary_table",
    "timeseries_for_netcdf",
    "write_comparison",
    "write_outputs",
]

