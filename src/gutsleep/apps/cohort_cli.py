"""Commands ``gutsleep cohort | trial | observe | sensitivity`` (registered into the main CLI by ``register``).

The cohort package and its dependencies (the ``cohort`` extra: pyarrow, statsmodels, SALib, dask[distributed])
are imported only when a command runs, so the rest of the CLI works without them. Invalid specification files,
failed runs and bad options end with a message on stderr and exit code 2.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.console import Console
from rich.table import Table

from gutsleep.apps.guards import clean, literal

if TYPE_CHECKING:
    import pandas as pd

    from gutsleep.cohort.executor import RunOptions

console = Console()
EXIT_INVALID = 2

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
BurnInDays = Annotated[int, typer.Option("--burn-in-days", min=0, max=3650, help="settling days before day 0")]


@contextmanager
def _clean_errors() -> Iterator[None]:
    """Specification errors, failed integrations, bad values and a missing extra -> message and exit code 2."""
    from gutsleep.solve.engine import SimulationError

    try:
        yield
    except ModuleNotFoundError as exc:
        typer.echo(f"gutsleep: error: {exc.name} is missing; install the cohort extra: pip install "
                   "'gutsleep[cohort]'", err=True)
        raise typer.Exit(EXIT_INVALID) from None
    except (SimulationError, ValueError, KeyError) as exc:
        kind = "simulation failed" if isinstance(exc, SimulationError) else "error"
        typer.echo(f"gutsleep: {kind}: {clean(exc)}", err=True)
        raise typer.Exit(EXIT_INVALID) from None


def _options(*, burn_in_days: int, chunk_size: int, workers: int, scheduler: str | None, resume: bool,
             overwrite: bool, threads: int | None, retries: int, summary_days: int = 7,
             tables: tuple[str, ...] | None = None, force: bool = False, dashboard: str | None = None) -> RunOptions:
    from gutsleep.cohort.executor import TABLES, RunOptions

    if resume and overwrite:
        raise ValueError("--resume and --overwrite exclude each other: continue the run, or replace it")
    return RunOptions(burn_in_days=burn_in_days, chunk_size=chunk_size, workers=workers, scheduler=scheduler,
                      resume=resume, overwrite=overwrite, numba_threads=threads, retries=retries,
                      summary_days=summary_days, tables=tables or TABLES, progress=console.is_terminal,
                      force=force, dashboard=dashboard)


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return "-" if v != v else f"{v:.4g}"
    return str(v)


def _print_table(df: pd.DataFrame, title: str) -> None:
    """A DataFrame as a rich table (numbers compacted)."""
    import pandas as pd

    table = Table(title=literal(title), title_justify="left")
    for col in df.columns:
        table.add_column(literal(col), justify="right" if pd.api.types.is_numeric_dtype(df[col]) else "left",
                         overflow="fold")
    for row in df.itertuples(index=False):
        table.add_row(*(literal(_fmt(v)) for v in row))
    console.print(table)


def _print_paths(paths: dict[str, Path]) -> None:
    console.print("Wrote:")
    width = max(len(k) for k in paths)
    for kind, path in paths.items():
        console.print(f"  {kind:<{width}}  {literal(path)}", highlight=False, soft_wrap=True)


def _print_kept(out: Path, kept: list[str]) -> None:
    """Say which entries of the output folder gutsleep left alone (files it did not write)."""
    if kept:
        names = ", ".join(kept[:8]) + (f" and {len(kept) - 8} more" if len(kept) > 8 else "")
        typer.echo(f"gutsleep: left untouched in {clean(out)} (not written by gutsleep): {clean(names)}", err=True)


def _rate_line(n: int, days: int, burn_in: int, wall: float, failed: int) -> str:
    from gutsleep.cohort.executor import fmt_rate

    extra = f"; {failed} failed integration(s)" if failed else ""
    return f"{n} subjects x {days} days (+{burn_in} burn-in) in {wall:.1f} s: {fmt_rate(n, days, burn_in, wall)}{extra}"


def cohort(
    population: Annotated[Path, typer.Argument(help="population YAML file (see examples/populations/)")],
    out: Annotated[Path, typer.Option("--out", "-o", help="output directory")],
    days: Annotated[int, typer.Option("--days", min=1, max=3650, help="days simulated per subject (after burn-in)")
                    ] = 28,
    size: Annotated[int | None, typer.Option("--size", min=1, max=10_000_000, help="override the population size")
                    ] = None,
    burn_in_days: BurnInDays = 42,
    summary_days: Annotated[int, typer.Option("--summary-days", min=1, max=3650,
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
) -> None:
    """Simulate a virtual population: covariates, nightly and daily Parquet tables, summary and report.html."""
    with _clean_errors():
        from gutsleep.cohort.population import load_population
        from gutsleep.cohort.report import DAILY_PLOTS, NIGHTLY_PLOTS, quantile_table
        from gutsleep.cohort.runs import run_cohort

        spec = load_population(population)
        if size is not None:
            spec = spec.model_copy(update={"size": size})
        tables = ("covariates", "summary") if summary_only else None
        opts = _options(burn_in_days=burn_in_days, chunk_size=chunk_size, workers=workers, scheduler=scheduler,
                        resume=resume, overwrite=overwrite, threads=threads, retries=retries,
                        summary_days=summary_days, tables=tables, force=force, dashboard=dashboard)
        run = run_cohort(spec, out, days=days, options=opts)
    summary = run.table("summary")
    _print_table(quantile_table(summary, [*NIGHTLY_PLOTS, *DAILY_PLOTS[:8]]),
                 f"Per-subject means over the last {min(summary_days, days)} days")
    console.print(_rate_line(run.n_subjects, days, burn_in_days, run.wall_s, len(run.failed)))
    _print_paths(run.paths)
    _print_kept(run.out, run.kept)


def trial(
    spec_file: Annotated[Path, typer.Argument(help="trial YAML file (see examples/trials/)")],
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
) -> None:
    """Run an in-silico randomised trial: results.csv, power.csv, participants.csv, trial.json, report.html."""
    with _clean_errors():
        from gutsleep.cohort.report import results_display
        from gutsleep.cohort.runs import run_trial
        from gutsleep.cohort.trial import load_trial

        spec = load_trial(spec_file)
        if n_per_arm is not None:
            spec = spec.with_size(n_per_arm=n_per_arm)
        opts = _options(burn_in_days=spec.burn_in_days, chunk_size=chunk_size, workers=workers,
                        scheduler=scheduler, resume=resume, overwrite=overwrite, threads=threads, retries=retries,
                        force=force, dashboard=dashboard)
        done = run_trial(spec, out, options=opts)
    console.print(f"{literal(spec.name)}: final-window difference (arm - {literal(spec.reference)}), 95 % CI, p",
                  highlight=False)
    for r in results_display(done.analysis.results).to_dict("records"):
        g = r["Hedges' g [95% CI]"]
        console.print(f"  {literal(r['comparison'])} | {r['outcome']}: Welch {r['diff [95% CI]']} p {r['p (Welch)']}; "
                      f"ANCOVA {r['ANCOVA diff [95% CI]']} p {r['p (ANCOVA)']}; Hedges' g {g}",
                      highlight=False, soft_wrap=True)
    for note in done.analysis.notes:
        console.print(f"[yellow]{literal(note)}[/yellow]")
    console.print(_rate_line(done.run.n_subjects, spec.days, spec.burn_in_days, done.run.wall_s,
                             len(done.run.failed)))
    _print_paths(done.paths)
    _print_kept(done.run.out, done.run.kept)


def observe(
    spec_file: Annotated[Path, typer.Argument(help="observational-study YAML file")],
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
) -> None:
    """Run a cross-sectional study: Spearman and partial Spearman correlations, correlations.csv, report.html."""
    with _clean_errors():
        from gutsleep.cohort.observational import load_observational
        from gutsleep.cohort.runs import run_observational

        spec = load_observational(spec_file)
        if size is not None:
            spec = spec.model_copy(update={"size": size})
        opts = _options(burn_in_days=spec.burn_in_days, chunk_size=chunk_size, workers=workers,
                        scheduler=scheduler, resume=resume, overwrite=overwrite, threads=threads, retries=retries,
                        force=force, dashboard=dashboard)
        done = run_observational(spec, out, options=opts)
    console.print(f"Spearman correlations with {spec.exposure} (n, rho [95% CI], p; partial given "
                  f"{', '.join(spec.adjust)})", highlight=False)
    for r in done.analysis.correlations.to_dict("records"):
        expected = f" (expected {r['expected']})" if r["expected"] else ""
        console.print(f"  {r['outcome']}: n {r['n']}, rho {r['rho']:+.3f} [{r['ci_low']:+.2f}, {r['ci_high']:+.2f}] "
                      f"p {r['p']:.2g}; partial {r['partial_rho']:+.3f} p {r['partial_p']:.2g}{expected}",
                      highlight=False, soft_wrap=True)
    console.print(_rate_line(done.run.n_subjects, spec.days, spec.burn_in_days, done.run.wall_s,
                             len(done.run.failed)))
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
    days: Annotated[int, typer.Option("--days", min=1, max=3650, help="days simulated after the burn-in")] = 21,
    window_days: Annotated[int, typer.Option("--window-days", min=1, max=3650,
                                             help="outcome = mean of the last N days")] = 7,
    scenario: Annotated[Path | None, typer.Option("--scenario", help="base scenario (default: baseline)")] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, max=2**32 - 1, help="sampling seed")] = 0,
    burn_in_days: BurnInDays = 42,
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
) -> None:
    """Global sensitivity of outcomes to parameters over their plausible ranges (SALib Sobol or Morris)."""
    with _clean_errors():
        from gutsleep.cohort.sensitivity import DEFAULT_OUTCOMES, n_runs, resolve_parameters, run_sensitivity, top
        from gutsleep.scenario import load_scenario

        outcomes = tuple(outcome or DEFAULT_OUTCOMES)
        names = resolve_parameters(params)
        console.print(f"{method}: {len(names)} parameters, {n_runs(method, len(names), n)} model runs of "
                      f"{days} days (+{burn_in_days} burn-in)")
        opts = _options(burn_in_days=burn_in_days, chunk_size=chunk_size, workers=workers, scheduler=scheduler,
                        resume=resume, overwrite=overwrite, threads=threads, retries=retries, force=force,
                        dashboard=dashboard)
        base = load_scenario(scenario) if scenario is not None else None
        result = run_sensitivity(method=method, n=n, parameters=params, outcomes=outcomes, days=days,
                                 window_days=window_days, scenario=base, seed=seed, out=out, options=opts,
                                 write=True)
        paths = result.paths
    key = ["parameter", "S1", "S1_conf", "ST", "ST_conf"] if method == "sobol" else [
        "parameter", "mu_star", "mu_star_conf", "sigma", "mu"]
    for col in outcomes:
        t = top(result.table, col, top_k) if not result.table.empty else None
        if t is not None and not t.empty:
            _print_table(t[key], f"{col}: ranked by {'total index ST' if method == 'sobol' else 'mu*'}")
    for note in result.notes:
        console.print(f"[yellow]{literal(note)}[/yellow]")
    _print_paths(paths)
    _print_kept(out, result.kept)


def register(app: typer.Typer) -> None:
    """Add the cohort commands to the main ``gutsleep`` app."""
    app.command("cohort")(cohort)
    app.command("trial")(trial)
    app.command("observe")(observe)
    app.command("sensitivity")(sensitivity)


__all__ = ["cohort", "observe", "register", "sensitivity", "trial"]
