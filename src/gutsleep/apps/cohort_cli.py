"""Commands ``gutsleep cohort | trial | observe | sensitivity`` (registered into the main CLI by ``register``).

The cohort package and its dependencies (the ``cohort`` extra: pyarrow, statsmodels, SALib, dask[distributed])
are imported only when a command runs, so the rest of the CLI works without them. Invalid specification files,
failed runs and bad options end with a message on stderr and exit code 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.console import Console

from gutsleep.apps import ui
from gutsleep.apps.defaults import DEFAULT_BURN_IN_DAYS, MAX_DAYS
from gutsleep.apps.guards import clean
from gutsleep.apps.ui import clean_errors as _clean_errors

if TYPE_CHECKING:
    import pandas as pd

    from gutsleep.cohort.executor import RunOptions

console = Console()

Scheduler = Annotated[
    str | None,
    typer.Option("--scheduler", help="address of an existing dask scheduler, e.g. tcp://HOST:8786"),
]
Workers = Annotated[
    int, typer.Option("--workers", min=1, max=512,
                      help="worker processes of a local dask cluster (1 = run in this process)")
]
ChunkSize = Annotated[int, typer.Option("--chunk-size", min=1, max=100_000,
                                        help="subjects per chunk (one batched run each)")]
Resume = Annotated[bool, typer.Option("--resume", help="continue a run in --out: compute only missing chunks")]
Overwrite = Annotated[bool, typer.Option("--overwrite", help="replace a previous gutsleep run in --out (only files "
                                                             "its manifest lists are removed)")]
Force = Annotated[bool, typer.Option("--force", help="write into a non-empty folder gutsleep did not write (its "
                                                     "files are kept; gutsleep never deletes files it did not write)")]
Dashboard = Annotated[
    str | None, typer.Option("--dashboard", help="serve the dask dashboard of a local cluster here, e.g. "
                                                 "127.0.0.1:8787 (default: none)")
]
Threads = Annotated[
    int | None, typer.Option("--threads", min=1, max=1024, help="numba threads per worker (default: cores / workers)")
]
Retries = Annotated[int, typer.Option("--retries", min=0, max=100, help="retries of a failed or lost chunk on dask")]
ParametersFile = Annotated[
    Path | None,
    typer.Option("--parameters", help="a parameter set (parameter-sets/<name>.yaml written by `gutsleep "
                                      "calibrate`) in place of the shipped calibrated default, or `none` for the "
                                      "model's own values; the population's draws are re-centred on it"),
]
BurnInDays = Annotated[int, typer.Option("--burn-in-days", min=0, max=MAX_DAYS, help="settling days before day 0")]


TableFormat = Annotated[
    Literal["table", "csv", "json"], typer.Option("--format", help="table (for reading), csv or json (for machines)")
]


def _resolve(argument: Path, kind: str) -> Path:
    """A specification file, or the shipped example of that kind with that name."""
    from gutsleep.apps.examples import resolve

    return resolve(argument, (kind,))


def _options(*, burn_in_days: int, chunk_size: int, workers: int, scheduler: str | None, resume: bool,
             overwrite: bool, threads: int | None, retries: int, summary_days: int = 7,
             tables: tuple[str, ...] | None = None, force: bool = False, dashboard: str | None = None) -> RunOptions:
    from gutsleep.cohort.executor import TABLES, RunOptions

    if resume and overwrite:
        raise ValueError("--resume and --overwrite exclude each other: continue the run, or replace it")
    return RunOptions(burn_in_days=burn_in_days, chunk_size=chunk_size, workers=workers, scheduler=scheduler,
                      resume=resume, overwrite=overwrite, numba_threads=threads, retries=retries,
                      summary_days=summary_days, tables=tables or TABLES, progress=ui.verbosity() >= ui.NORMAL,
                      force=force, dashboard=dashboard)


def _print_table(df: pd.DataFrame, title: str, fmt: str = "table") -> None:
    """A DataFrame as 80-column rich table(s), or CSV/JSON on stdout."""
    from gutsleep.apps.tables import print_frame

    if fmt == "table" and ui.verbosity() < ui.NORMAL:
        return
    print_frame(df, title, fmt, console=console)


def _print_paths(paths: dict[str, Path]) -> None:
    if ui.verbosity() < ui.NORMAL:
        return
    console.print("Wrote:")
    width = max(len(k) for k in paths)
    for kind, path in paths.items():
        console.print(f"  {kind:<{width}}  {clean(path)}", highlight=False, soft_wrap=True, markup=False)


def _print_kept(out: Path, kept: list[str]) -> None:
    """Say which entries of the output folder gutsleep left alone (files it did not write)."""
    if kept:
        names = ", ".join(kept[:8]) + (f" and {len(kept) - 8} more" if len(kept) > 8 else "")
        ui.info(f"left untouched in {out} (not written by gutsleep): {names}")


def _rate_line(n: int, days: int, burn_in: int, wall: float, failed: int) -> str:
    from gutsleep.cohort.executor import fmt_rate

    extra = f"; {failed} failed integration(s)" if failed else ""
    return f"{n} subjects x {days} days (+{burn_in} burn-in) in {wall:.1f} s: {fmt_rate(n, days, burn_in, wall)}{extra}"


def cohort(
    population: Annotated[
        Path, typer.Argument(help="population YAML file or shipped example name (see `gutsleep examples`)")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="output directory")],
    days: Annotated[int, typer.Option("--days", min=1, max=MAX_DAYS, help="days simulated per subject (after burn-in)")
                    ] = 28,
    size: Annotated[int | None, typer.Option("--size", min=1, max=10_000_000, help="override the population size")
                    ] = None,
    burn_in_days: BurnInDays = DEFAULT_BURN_IN_DAYS,
    summary_days: Annotated[int, typer.Option("--summary-days", min=1, max=MAX_DAYS,
                                              help="window of summary.parquet (days)")] = 7,
    summary_only: Annotated[
        bool, typer.Option("--summary-only", help="write covariates and summary only (no nightly/daily tables)")
    ] = False,
    scheduler: Scheduler = None,
    workers: Workers = 1,
    chunk_size: ChunkSize = 100,
    resume: Resume = False,
    overwrite: Overwrite = False,
    force: Force = False,
    dashboard: Dashboard = None,
    threads: Threads = None,
    retries: Retries = 3,
    parameters: ParametersFile = None,
    fmt: TableFormat = "table",
) -> None:
    """Simulate a virtual population: covariates, nightly and daily Parquet tables, summary and report.html."""
    with _clean_errors():
        from gutsleep.cohort.population import load_population
        from gutsleep.cohort.report import DAILY_PLOTS, NIGHTLY_PLOTS, quantile_table
        from gutsleep.cohort.runs import run_cohort

        spec = load_population(_resolve(population, "population"))
        if size is not None:
            spec = spec.model_copy(update={"size": size})
        tables = ("covariates", "summary") if summary_only else None
        opts = _options(burn_in_days=burn_in_days, chunk_size=chunk_size, workers=workers, scheduler=scheduler,
                        resume=resume, overwrite=overwrite, threads=threads, retries=retries,
                        summary_days=summary_days, tables=tables, force=force, dashboard=dashboard)
        run = run_cohort(spec, out, days=days, options=opts, parameters=ui.parameter_set_estimate(parameters))
    summary = run.table("summary")
    _print_table(quantile_table(summary, [*NIGHTLY_PLOTS, *DAILY_PLOTS[:8]]),
                 f"Per-subject means over the last {min(summary_days, days)} days", fmt)
    ui.info(_rate_line(run.n_subjects, days, burn_in_days, run.wall_s, len(run.failed)))
    _print_paths(run.paths)
    _print_kept(run.out, run.kept)


def trial(
    spec_file: Annotated[
        Path, typer.Argument(help="trial YAML file or shipped example name (see `gutsleep examples`)")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="output directory")],
    n_per_arm: Annotated[int | None, typer.Option("--n-per-arm", min=2, max=1_000_000,
                                                  help="override participants per arm")] = None,
    scheduler: Scheduler = None,
    workers: Workers = 1,
    chunk_size: ChunkSize = 100,
    resume: Resume = False,
    overwrite: Overwrite = False,
    force: Force = False,
    dashboard: Dashboard = None,
    threads: Threads = None,
    retries: Retries = 3,
    parameters: ParametersFile = None,
    ensemble: Annotated[
        int | None, typer.Option("--ensemble", min=2, max=1000,
                                 help="also run the trial under N posterior draws of the parameter set: the "
                                      "model-uncertainty range (5-95 %) of every effect beside its sampling CI "
                                      "(N x the participants' runs, in this process)")
    ] = None,
    fmt: TableFormat = "table",
) -> None:
    """Run an in-silico randomised trial: results.csv, power.csv, participants.csv, trial.json, report.html."""
    with _clean_errors():
        from gutsleep.cohort.report import results_display
        from gutsleep.cohort.runs import run_trial
        from gutsleep.cohort.trial import load_trial

        spec = load_trial(_resolve(spec_file, "trial"))
        if n_per_arm is not None:
            spec = spec.with_size(n_per_arm=n_per_arm)
        opts = _options(burn_in_days=spec.burn_in_days, chunk_size=chunk_size, workers=workers,
                        scheduler=scheduler, resume=resume, overwrite=overwrite, threads=threads, retries=retries,
                        force=force, dashboard=dashboard)
        pset = ui.load_parameter_set(parameters)
        draws: list[dict[str, float]] = []
        if ensemble is not None:
            from gutsleep.apps.ensemble import ensemble_sets

            draws = ensemble_sets(pset, ensemble)
        done = run_trial(spec, out, options=opts, parameters=None if pset is None else dict(pset.estimate),
                         ensemble=draws)
    if fmt != "table":
        _print_table(done.analysis.results, "", fmt)
    else:
        display = results_display(done.analysis.results)
        columns = ["comparison", "outcome", "diff [95% CI]", "p (Welch)", "ANCOVA diff [95% CI]", "p (ANCOVA)",
                   "Hedges' g [95% CI]"]
        shown = display[columns + [c for c in display.columns if "model 5-95" in c]]
        _print_table(shown, f"{spec.name}: final-window difference (arm - {spec.reference}) with 95 % CI and p")
    for note in done.analysis.notes:
        ui.info(note)
    ui.info(_rate_line(done.run.n_subjects, spec.days, spec.burn_in_days, done.run.wall_s, len(done.run.failed)))
    _print_paths(done.paths)
    _print_kept(done.run.out, done.run.kept)


def observe(
    spec_file: Annotated[
        Path, typer.Argument(help="observational-study YAML file or shipped example name (see `gutsleep examples`)")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="output directory")],
    size: Annotated[int | None, typer.Option("--size", min=3, max=10_000_000,
                                             help="override the number of participants")] = None,
    scheduler: Scheduler = None,
    workers: Workers = 1,
    chunk_size: ChunkSize = 100,
    resume: Resume = False,
    overwrite: Overwrite = False,
    force: Force = False,
    dashboard: Dashboard = None,
    threads: Threads = None,
    retries: Retries = 3,
    parameters: ParametersFile = None,
    fmt: TableFormat = "table",
) -> None:
    """Run a cross-sectional study: Spearman and partial Spearman correlations, correlations.csv, report.html."""
    with _clean_errors():
        from gutsleep.cohort.observational import load_observational
        from gutsleep.cohort.runs import run_observational

        spec = load_observational(_resolve(spec_file, "observational"))
        if size is not None:
            spec = spec.model_copy(update={"size": size})
        opts = _options(burn_in_days=spec.burn_in_days, chunk_size=chunk_size, workers=workers,
                        scheduler=scheduler, resume=resume, overwrite=overwrite, threads=threads, retries=retries,
                        force=force, dashboard=dashboard)
        done = run_observational(spec, out, options=opts, parameters=ui.parameter_set_estimate(parameters))
    corr = done.analysis.correlations
    if fmt != "table":
        _print_table(corr, "", fmt)
    else:
        shown = corr[["outcome", "n", "rho", "ci_low", "ci_high", "p", "partial_rho", "partial_p"]]
        if "expected" in corr:
            shown = shown.assign(expected=corr["expected"].fillna(""))
        _print_table(shown, f"Spearman correlations with {spec.exposure} (partial: given {', '.join(spec.adjust)})")
    ui.info(_rate_line(done.run.n_subjects, spec.days, spec.burn_in_days, done.run.wall_s, len(done.run.failed)))
    _print_paths(done.paths)
    _print_kept(done.run.out, done.run.kept)


def sensitivity(
    out: Annotated[Path, typer.Option("--out", "-o", help="output directory")] = Path("gutsleep-sensitivity"),
    outcome: Annotated[
        list[str] | None, typer.Option("--outcome", help="nightly/daily column (repeatable); default: TST, SE, "
                                                          "SWS %, WASO")
    ] = None,
    method: Annotated[Literal["sobol", "morris"], typer.Option("--method", help="sobol or morris")] = "sobol",
    n: Annotated[int | None, typer.Option("--n", min=2, max=65_536, help="Sobol base size (power of 2; default 64) "
                                                                         "or Morris trajectories (default 10)")] = None,
    params: Annotated[
        list[str] | None, typer.Option("--params", help="parameter names (repeatable), or 'all' (for morris); "
                                                        "default: a curated ~30")
    ] = None,
    days: Annotated[int, typer.Option("--days", min=1, max=MAX_DAYS, help="days simulated after the burn-in")] = 21,
    window_days: Annotated[int, typer.Option("--window-days", min=1, max=MAX_DAYS,
                                             help="outcome = mean of the last N days")] = 7,
    scenario: Annotated[Path | None, typer.Option("--scenario", help="base scenario file or shipped example name "
                                                                "(default: baseline)")] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, max=2**32 - 1, help="sampling seed")] = 0,
    burn_in_days: BurnInDays = DEFAULT_BURN_IN_DAYS,
    top_k: Annotated[int, typer.Option("--top", min=1, max=10_000, help="rows printed per outcome")] = 12,
    scheduler: Scheduler = None,
    workers: Workers = 1,
    chunk_size: ChunkSize = 200,
    resume: Resume = False,
    overwrite: Overwrite = False,
    force: Force = False,
    dashboard: Dashboard = None,
    threads: Threads = None,
    retries: Retries = 3,
    fmt: TableFormat = "table",
    distribution: Annotated[
        Literal["posterior", "prior", "uniform"],
        typer.Option("--distribution", help="what each parameter varies over: posterior (the parameter set's "
                                            "posterior where it fitted the parameter, else its prior), prior (from "
                                            "its plausible range and source) or uniform (on the plausible range)")
    ] = "posterior",
    parameters: ParametersFile = None,
) -> None:
    """Global sensitivity of outcomes to parameters over their posterior, prior or plausible range (SALib Sobol or
    Morris); the parameters not varied sit at the parameter set's estimate."""
    with _clean_errors():
        from gutsleep.apps.examples import load_scenario_arg
        from gutsleep.cohort.sensitivity import DEFAULT_OUTCOMES, n_runs, resolve_parameters, run_sensitivity, top

        outcomes = tuple(outcome or DEFAULT_OUTCOMES)
        names = resolve_parameters(params)
        ui.info(f"{method}: {len(names)} parameters, {n_runs(method, len(names), n)} model runs of "
                f"{days} days (+{burn_in_days} burn-in)")
        opts = _options(burn_in_days=burn_in_days, chunk_size=chunk_size, workers=workers, scheduler=scheduler,
                        resume=resume, overwrite=overwrite, threads=threads, retries=retries, force=force,
                        dashboard=dashboard)
        base = load_scenario_arg(scenario) if scenario is not None else None
        pset = ui.load_parameter_set(parameters)
        result = run_sensitivity(method=method, n=n, parameters=params, outcomes=outcomes, days=days,
                                 window_days=window_days, scenario=base, seed=seed, out=out, options=opts,
                                 write=True, distribution=distribution, parameter_set=pset)
        paths = result.paths
    key = ["parameter", "S1", "S1_conf", "ST", "ST_conf"] if method == "sobol" else [
        "parameter", "mu_star", "mu_star_conf", "sigma", "mu"]
    if fmt != "table":
        _print_table(result.table, "", fmt)
    else:
        for col in outcomes:
            t = top(result.table, col, top_k) if not result.table.empty else None
            if t is not None and not t.empty:
                _print_table(t[key], f"{col}: ranked by {'total index ST' if method == 'sobol' else 'mu*'}")
    for note in result.notes:
        ui.info(note)
    _print_paths(paths)
    _print_kept(out, result.kept)


def register(app: typer.Typer) -> None:
    """Add the cohort commands to the main ``gutsleep`` app."""
    app.command("cohort")(cohort)
    app.command("trial")(trial)
    app.command("observe")(observe)
    app.command("sensitivity")(sensitivity)


__all__ = ["cohort", "observe", "register", "sensitivity", "trial"]
