"""End-to-end runs that write their outputs: cohort, trial, observational study, sensitivity analysis.

Each function simulates through :func:`gutsleep.cohort.executor.run_subjects` (chunked, resumable, in-process or
on dask) and writes its tables, a self-contained ``report.html`` and (trial, observational study, sensitivity)
``datapackage.json`` into the run's work folder; everything is committed into ``out`` together (see
:func:`gutsleep.cohort.executor.prepare_run`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
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


def _package(folder: Path, name: str, title: str, tables: dict[str, tuple[pd.DataFrame, str]],
             files: list[str], spec: Any) -> Path:
    """Write ``datapackage.json``: every CSV column with unit and description, the other files, provenance."""
    from gutsleep.apps import metadata

    resources = [metadata.resource(f"{stem}.csv", kind, df) for stem, (df, kind) in tables.items()]
    resources += [metadata.resource(f) for f in files if (folder / f).exists()]
    gutsleep = metadata.provenance(specification=spec.model_dump(mode="json"))
    return metadata.write_datapackage(folder, metadata.datapackage(name, title, resources, gutsleep))


def _report(path: Path, what: str, render: Any) -> Path:
    """Render and write one HTML report, announced as a phase (it can take seconds). ``path`` is in the work folder
    of the run, so the phase names the file only (the final paths are printed when the run is committed)."""
    from gutsleep.apps import ui

    with ui.phase(f"writing the {what} report {path.name}"):
        path.write_text(render(), encoding="utf-8")
    return path


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [_clean(r) for r in df.to_dict(orient="records")]


def run_cohort(spec: PopulationSpec, out: str | Path, *, days: int, options: RunOptions | None = None,
               client: Any = None, parameters: Mapping[str, float] | None = None) -> CohortRun:
    """Simulate a population for ``days`` days; write the Parquet tables and ``report.html`` (all committed into
    ``out`` together, see :func:`gutsleep.cohort.executor.prepare_run`). ``parameters``: a parameter set in place
    of the model's defaults (the population's draws are re-centred on it)."""
    options = options or RunOptions()
    source = CohortSource(Population(spec, parameters), days)
    with prepare_run(source, out, options) as folder:
        run = run_subjects(source, out, options, client=client, folder=folder)
        summary_days = min(options.summary_days, days)
        run.paths["report"] = _report(folder.work / "report.html", "cohort",
                                      lambda: cohort_report(spec, run, days, options.burn_in_days, summary_days))
    return folder.finalize(run)


@dataclass
class TrialRun:
    """A finished trial: the analysis, the simulation run and the written files."""

    analysis: TrialAnalysis
    run: CohortRun
    paths: dict[str, Path]


MODEL_QUANTILES: tuple[float, float, float] = (0.05, 0.5, 0.95)
"""Points of the model-uncertainty range of a trial's effect estimates (across posterior draws)."""


def trial_model_uncertainty(spec: TrialSpec, draws: Sequence[Mapping[str, float]],
                            progress: Callable[[int, int, str], None] | None = None) -> pd.DataFrame:
    """The trial's effect estimates under each posterior draw of the parameter set: the same participants (each
    one's drawn factors re-centred on the draw), arms and observation noise, so the spread across draws is the
    model's uncertainty, not sampling. Per comparison and outcome: draws simulated and the 5/50/95 % points of the
    ANCOVA and Welch differences. Runs in this process, one batch per draw."""
    from gutsleep.cohort.executor import simulate_chunk

    rows = []
    for k, draw in enumerate(draws):
        if progress is not None:
            progress(k, len(draws), f"posterior draw {k + 1}")
        source = TrialSource.of(spec, draw)
        tables = simulate_chunk(source, 0, 0, source.n_subjects, burn_in_days=spec.burn_in_days,
                                summary_days=min(spec.primary.window_days, spec.days)).tables
        if tables["nightly"].empty:
            continue
        result = analyse_trial(spec, tables["covariates"], tables["nightly"], tables["daily"], power=False).results
        rows += [{"draw": k, "comparison": r.comparison, "outcome": r.outcome, "ancova_diff": r.ancova_diff,
                  "diff": r.diff} for r in result.itertuples()]
    if progress is not None:
        progress(len(draws), len(draws), "")
    if not rows:
        return pd.DataFrame(columns=["comparison", "outcome", "model_draws"])
    df = pd.DataFrame(rows)
    out = df.groupby(["comparison", "outcome"], sort=False)["draw"].nunique().rename("model_draws").reset_index()
    for col in ("ancova_diff", "diff"):
        q = df.groupby(["comparison", "outcome"], sort=False)[col].quantile(list(MODEL_QUANTILES)).unstack()
        q.columns = [f"{col}_model_p{round(100 * v):02d}" for v in MODEL_QUANTILES]
        out = out.merge(q.reset_index(), on=["comparison", "outcome"], how="left")
    return out


def run_trial(spec: TrialSpec, out: str | Path, *, options: RunOptions | None = None, client: Any = None,
              parameters: Mapping[str, float] | None = None,
              ensemble: Sequence[Mapping[str, float]] = ()) -> TrialRun:
    """Simulate and analyse a trial; write results.csv, within.csv, power.csv, participants.csv, trial.json and
    report.html (committed into ``out`` with the tables when everything is written). ``parameters``: a parameter
    set in place of the model's defaults. ``ensemble``: posterior draws of the set; the results gain the model's
    uncertainty of every effect estimate (:func:`trial_model_uncertainty`) beside the sampling CIs."""
    options = replace(options or RunOptions(), burn_in_days=spec.burn_in_days,
                      summary_days=min(spec.primary.window_days, spec.days), tables=TABLES)
    source = TrialSource.of(spec, parameters)
    with prepare_run(source, out, options) as work:
        run = run_subjects(source, out, options, client=client, folder=work)
        from gutsleep.apps import ui

        with ui.phase("analysing the trial (Welch, ANCOVA, effect sizes, power by resampling)"):
            analysis = analyse_trial(spec, run.table("covariates"), run.table("nightly"), run.table("daily"))
        if ensemble:
            ui.info(f"model uncertainty: the trial under {len(ensemble)} posterior draws of the parameter set "
                    f"({len(ensemble)} x {source.n_subjects} participant runs)")
            bands = trial_model_uncertainty(spec, ensemble, ui.step_progress("trial under"))
            analysis.results = analysis.results.merge(bands, on=["comparison", "outcome"], how="left")
            analysis.notes.append(f"Model uncertainty: the same trial under {len(ensemble)} posterior draws of the "
                                  "parameter set (same participants, arms and noise); the 5-95 % range of each "
                                  "effect across draws is the model's uncertainty, beside the sampling CI.")
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
        paths["report"] = _report(folder / "report.html", "trial", lambda: trial_report(analysis, run))
        kinds = {"results": "results", "within": "within", "power": "power", "participants": "participants"}
        paths["datapackage"] = _package(folder, "gutsleep-trial", f"In-silico trial: {spec.name}",
                                        {k: (tables[k], kinds[k]) for k in tables},
                                        ["trial.json", "report.html", *(f"{t}.parquet" for t in TABLES)], spec)
    run = work.finalize(run)
    return TrialRun(analysis, run, work.output.final_paths(paths))


@dataclass
class ObservationalRun:
    """A finished observational study."""

    analysis: ObservationalAnalysis
    run: CohortRun
    paths: dict[str, Path]


def run_observational(spec: ObservationalSpec, out: str | Path, *, options: RunOptions | None = None,
                      client: Any = None, parameters: Mapping[str, float] | None = None) -> ObservationalRun:
    """Simulate and analyse a cross-sectional study; write correlations.csv, measures.csv, report.html (committed
    into ``out`` with the tables when everything is written). ``parameters``: a parameter set in place of the
    model's defaults."""
    options = replace(options or RunOptions(), burn_in_days=spec.burn_in_days, summary_days=spec.window_days,
                      tables=TABLES)
    source = ObservationalSource.of(spec, parameters)
    with prepare_run(source, out, options) as work:
        run = run_subjects(source, out, options, client=client, folder=work)
        analysis = analyse_observational(spec, run.table("covariates"), run.table("nightly"), run.table("daily"))
        folder = work.work
        paths = dict(run.paths)
        paths["correlations"] = folder / "correlations.csv"
        analysis.correlations.to_csv(paths["correlations"], index=False)
        paths["measures"] = folder / "measures.csv"
        analysis.measures.to_csv(paths["measures"], index=False)
        paths["report"] = _report(folder / "report.html", "observational-study",
                                  lambda: observational_report(analysis))
        paths["datapackage"] = _package(
            folder, "gutsleep-observational-study", f"Observational study: {spec.name}",
            {"correlations": (analysis.correlations, "correlations"), "measures": (analysis.measures, "measures")},
            ["report.html", *(f"{t}.parquet" for t in TABLES)], spec)
    run = work.finalize(run)
    return ObservationalRun(analysis, run, work.output.final_paths(paths))


def write_sensitivity(result: SensitivityResult, out: str | Path) -> dict[str, Path]:
    """Write sensitivity.csv (ranked indices), samples.parquet (inputs and outputs), sensitivity.png, report.html."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"indices": folder / "sensitivity.csv", "samples": folder / "samples.parquet",
             "figure": folder / "sensitivity.png", "report": folder / "report.html"}
    import pyarrow as pa
    import pyarrow.parquet as pq

    from gutsleep.apps import metadata

    result.table.to_csv(paths["indices"], index=False)
    gutsleep = metadata.provenance(method=result.method, parameters_varied=list(result.names),
                                   outcomes=list(result.outcomes), model_runs=result.n_runs)
    samples = pa.Table.from_pandas(result.samples, preserve_index=False)
    pq.write_table(metadata.with_parquet_metadata(samples, "samples", gutsleep), paths["samples"])
    fig = sensitivity_figure(result)
    fig.savefig(paths["figure"], dpi=110)
    paths["report"] = _report(paths["report"], "sensitivity", lambda: sensitivity_report(result, fig))
    resources = [metadata.resource("sensitivity.csv", "sensitivity", result.table),
                 *(metadata.resource(f) for f in ("samples.parquet", "sensitivity.png", "report.html"))]
    paths["datapackage"] = metadata.write_datapackage(folder, metadata.datapackage(
        "gutsleep-sensitivity", f"Global sensitivity ({result.method})", resources, gutsleep))
    return paths


__all__ = [
    "ObservationalRun",
    "TrialRun",
    "run_cohort",
    "run_observational",
    "run_trial",
    "write_sensitivity",
]
