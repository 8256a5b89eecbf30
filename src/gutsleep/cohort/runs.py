"""End-to-end runs that write their outputs: cohort, trial, observational study, sensitivity analysis.

Each function simulates through :func:`gutsleep.cohort.executor.run_subjects` (chunked, resumable, in-process or
on dask) and writes its tables and a self-contained ``report.html`` into ``out``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from gutsleep.cohort.executor import TABLES, CohortRun, CohortSource, RunOptions, prepare_run, run_subjects
from gutsleep.cohort.observational import (
    ObservationalAnalysis,
    ObservationalSource,
    ObservationalSpec,
    analyse_observational,
)
from gutsleep.cohort.population import Population, PopulationSpec
from gutsleep.cohort.report import (
    cohort_report,
    observational_report,
    sensitivity_figure,
    sensitivity_report,
    trial_report,
)
from gutsleep.cohort.sensitivity import SensitivityResult
from gutsleep.cohort.trial import TrialAnalysis, TrialSource, TrialSpec, analyse_trial, sample_size_for


def _clean(value: Any) -> Any:
    """JSON-safe value (NaN -> None, numpy scalars -> Python)."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [_clean(r) for r in df.to_dict(orient="records")]


def run_cohort(spec: PopulationSpec, out: str | Path, *, days: int, options: RunOptions | None = None,
               client: Any = None) -> CohortRun:
    """Simulate a population for ``days`` days; write the Parquet tables and ``report.html`` (all committed into
    ``out`` together, see :func:`gutsleep.cohort.executor.prepare_run`)."""
    options = options or RunOptions()
    source = CohortSource(Population(spec), days)
    with prepare_run(source, out, options) as folder:
        run = run_subjects(source, out, options, client=client, folder=folder)
        summary_days = min(options.summary_days, days)
        report = folder.work / "report.html"
        report.write_text(cohort_report(spec, run, days, options.burn_in_days, summary_days), encoding="utf-8")
        run.paths["report"] = report
    return folder.finalize(run)


@dataclass
class TrialRun:
    """A finished trial: the analysis, the simulation run and the written files."""

    analysis: TrialAnalysis
    run: CohortRun
    paths: dict[str, Path]


def run_trial(spec: TrialSpec, out: str | Path, *, options: RunOptions | None = None, client: Any = None) -> TrialRun:
    """Simulate and analyse a trial; write results.csv, within.csv, power.csv, participants.csv, trial.json and
    report.html (committed into ``out`` with the tables when everything is written)."""
    options = replace(options or RunOptions(), burn_in_days=spec.burn_in_days,
                      summary_days=min(spec.primary.window_days, spec.days), tables=TABLES)
    source = TrialSource.of(spec)
    with prepare_run(source, out, options) as work:
        run = run_subjects(source, out, options, client=client, folder=work)
        analysis = analyse_trial(spec, run.table("covariates"), run.table("nightly"), run.table("daily"))
        folder = work.work
        paths = dict(run.paths)
        tables = {"results": analysis.results, "within": analysis.within, "power": analysis.power,
                  "participants": analysis.participants}
        for name, df in tables.items():
            paths[name] = folder / f"{name}.csv"
            df.to_csv(paths[name], index=False)
        summary = {
            "trial": spec.name, "n_per_arm": spec.n_per_arm, "arms": [a.name for a in spec.arms],
            "reference_arm": spec.reference, "excluded_failed": analysis.failed,
            "results": _records(analysis.results), "within_arm": _records(analysis.within),
            "power": _records(analysis.power),
            "n_per_arm_for_80pct_power_ancova": _clean(sample_size_for(analysis.power)) if not analysis.power.empty
            else {},
            "wall_s": round(run.wall_s, 2),
        }
        paths["trial"] = folder / "trial.json"
        paths["trial"].write_text(json.dumps(summary, indent=1), encoding="utf-8")
        paths["report"] = folder / "report.html"
        paths["report"].write_text(trial_report(analysis, run), encoding="utf-8")
    run = work.finalize(run)
    return TrialRun(analysis, run, work.output.final_paths(paths))


@dataclass
class ObservationalRun:
    """A finished observational study."""

    analysis: ObservationalAnalysis
    run: CohortRun
    paths: dict[str, Path]


def run_observational(spec: ObservationalSpec, out: str | Path, *, options: RunOptions | None = None,
                      client: Any = None) -> ObservationalRun:
    """Simulate and analyse a cross-sectional study; write correlations.csv, measures.csv, report.html (committed
    into ``out`` with the tables when everything is written)."""
    options = replace(options or RunOptions(), burn_in_days=spec.burn_in_days, summary_days=spec.window_days,
                      tables=TABLES)
    source = ObservationalSource.of(spec)
    with prepare_run(source, out, options) as work:
        run = run_subjects(source, out, options, client=client, folder=work)
        analysis = analyse_observational(spec, run.table("covariates"), run.table("nightly"), run.table("daily"))
        folder = work.work
        paths = dict(run.paths)
        paths["correlations"] = folder / "correlations.csv"
        analysis.correlations.to_csv(paths["correlations"], index=False)
        paths["measures"] = folder / "measures.csv"
        analysis.measures.to_csv(paths["measures"], index=False)
        paths["report"] = folder / "report.html"
        paths["report"].write_text(observational_report(analysis), encoding="utf-8")
    run = work.finalize(run)
    return ObservationalRun(analysis, run, work.output.final_paths(paths))


def write_sensitivity(result: SensitivityResult, out: str | Path) -> dict[str, Path]:
    """Write sensitivity.csv (ranked indices), samples.parquet (inputs and outputs), sensitivity.png, report.html."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"indices": folder / "sensitivity.csv", "samples": folder / "samples.parquet",
             "figure": folder / "sensitivity.png", "report": folder / "report.html"}
    result.table.to_csv(paths["indices"], index=False)
    result.samples.to_parquet(paths["samples"], index=False)
    fig = sensitivity_figure(result)
    fig.savefig(paths["figure"], dpi=110)
    paths["report"].write_text(sensitivity_report(result, fig), encoding="utf-8")
    return paths


__all__ = [
    "ObservationalRun",
    "TrialRun",
    "run_cohort",
    "run_observational",
    "run_trial",
    "write_sensitivity",
]
