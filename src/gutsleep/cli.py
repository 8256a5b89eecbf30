"""Command-line interface: ``gutsleep simulate | compare | demo | params | equations | examples``.

Invalid scenarios and failed integrations end with a one-paragraph message on stderr and exit code 2 (no
traceback); ``params --check`` exits 1 when a parameter's documentation is incomplete.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Literal

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from gutsleep import __version__
from gutsleep.apps import simulate as sim
from gutsleep.apps.examples import DEMO_EXAMPLES, load_example, packaged_examples
from gutsleep.apps.guards import clean, guard_commands, literal, number_range
from gutsleep.apps.outputs import OutputFolder, check_output_file, write_file_atomic
from gutsleep.apps.simulate import DEFAULT_BURN_IN_DAYS, SimulationOutput
from gutsleep.model import build_model
from gutsleep.report.comparison import comparison_summary
from gutsleep.report.equations import equations_markdown
from gutsleep.report.params import parameter_problems, parameter_table, parameters_markdown
from gutsleep.scenario import Scenario, ScenarioError, load_scenario
from gutsleep.scenario.models import MAX_DAYS
from gutsleep.solve.engine import SimulationError

app = typer.Typer(
    name="gutsleep",
    help="Mechanistic, batched simulator of the gut-brain-sleep axis (model output, not medical advice).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
EXIT_INVALID = 2

BurnIn = Annotated[
    int,
    typer.Option("--burn-in-days", min=0, max=MAX_DAYS,
                 help="days prepended (repeating day 0's habits) so slow states settle"),
]
Force = Annotated[
    bool,
    typer.Option("--force", help="write into a non-empty folder gutsleep did not write (its files are kept; "
                                 "gutsleep never deletes or replaces files it did not write)"),
]


@contextmanager
def _clean_errors() -> Iterator[None]:
    """Turn scenario, simulation and value errors into a message on stderr and exit code 2."""
    try:
        yield
    except (ScenarioError, SimulationError, ValueError) as exc:
        kind = "simulation failed" if isinstance(exc, SimulationError) else "error"
        typer.echo(f"gutsleep: {kind}: {clean(exc)}", err=True)
        raise typer.Exit(EXIT_INVALID) from None


def _load(path: Path) -> Scenario:
    """A scenario file, or a packaged example given by name (e.g. ``baseline``) when no such file exists."""
    if not path.exists() and path.suffix == "" and path.name in packaged_examples():
        return load_example(path.name)
    return load_scenario(path)


def _fmt(value: float) -> str:
    """Compact number for console tables."""
    if math.isnan(value):
        return "-"
    return f"{value:.4g}"


def _print_table(df: pd.DataFrame, title: str) -> None:
    """Print a DataFrame as a rich table (numbers compacted)."""
    table = Table(title=literal(title), title_justify="left")
    for col in df.columns:
        table.add_column(literal(col), justify="right" if pd.api.types.is_numeric_dtype(df[col]) else "left")
    for row in df.itertuples(index=False):
        table.add_row(*(_fmt(v) if isinstance(v, float) else literal(v) for v in row))
    console.print(table)


def _print_summary(output: SimulationOutput) -> None:
    """Key outcomes (first vs last 7 days) of every subject."""
    df = sim.summary_table(output).drop(columns=["subject", "column"])
    if len(output.scenarios) == 1:
        df = df.drop(columns="scenario")
    _print_table(df, "Key outcomes: mean of the first and last 7 days (nights) after day 0")


def _print_paths(paths: dict[str, Path]) -> None:
    """One line per written file: what it is and where."""
    width = max(len(k) for k in paths)
    for kind, path in paths.items():
        console.print(f"  {kind:<{width}}  {literal(path)}", highlight=False, soft_wrap=True)


def _print_kept(folder: OutputFolder) -> None:
    """Say which entries of the output folder gutsleep left alone (files it did not write)."""
    if folder.kept:
        names = ", ".join(folder.kept[:8]) + (f" and {len(folder.kept) - 8} more" if len(folder.kept) > 8 else "")
        typer.echo(f"gutsleep: left untouched in {clean(folder.target)} (not written by gutsleep): {clean(names)}",
                   err=True)


def _run_simulation(scenarios: Sequence[Scenario], burn_in_days: int, every_h: float | None) -> SimulationOutput:
    """Simulate with a progress bar on an interactive terminal."""
    return sim.simulate(scenarios, burn_in_days=burn_in_days, timeseries_every_h=every_h,
                        progress=console.is_terminal)


def _attribution_sections(scenarios: Sequence[Scenario], burn_in_days: int) -> list[str]:
    """For each scenario with interventions or events: which pathways carry its effect on sleep."""
    from gutsleep.explain import explain
    from gutsleep.report.explain import attribution_section

    sections = []
    for s in scenarios:
        if s.interventions or s.events:
            plain = s.model_copy(update={"name": f"{s.name} (no interventions)", "interventions": (), "events": ()})
            sections.append(attribution_section(explain(plain, s, burn_in_days=burn_in_days)))
    return sections


@app.command()
def simulate(
    scenarios: Annotated[
        list[Path], typer.Argument(help="scenario YAML files (several = several subjects in one batched run)")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="output directory")],
    burn_in_days: BurnIn = DEFAULT_BURN_IN_DAYS,
    timeseries_every_h: Annotated[
        float, typer.Option("--timeseries-every-h", callback=number_range(0.25, 8760, step=0.25),
                            help="time-series sampling interval (h, multiple of 0.25, up to 8760)")
    ] = 1.0,
    force: Force = False,
) -> None:
    """Simulate scenarios; write nightly.csv, daily.csv, timeseries.nc and report.html to --out."""
    with _clean_errors():
        loaded = [_load(p) for p in scenarios]
        with OutputFolder.open(out, command="simulate", force=force, expect=sim.OUTPUT_FILES) as folder:
            output = _run_simulation(loaded, burn_in_days, timeseries_every_h)
            staged = sim.write_outputs(output, folder.staging, _attribution_sections(loaded, burn_in_days))
        paths = folder.final_paths(staged)
    _print_summary(output)
    console.print("Wrote:")
    _print_paths(paths)
    _print_kept(folder)


@app.command()
def compare(
    a: Annotated[Path, typer.Argument(help="scenario A (reference)")],
    b: Annotated[Path, typer.Argument(help="scenario B (differences are B - A)")],
    out: Annotated[Path, typer.Option("--out", "-o", help="output directory")],
    burn_in_days: BurnIn = DEFAULT_BURN_IN_DAYS,
    force: Force = False,
) -> None:
    """Run A and B together; write nightly_diff.csv, daily_diff.csv (B - A) and report.html to --out."""
    with _clean_errors():
        sa, sb = _load(a), _load(b)
        with OutputFolder.open(out, command="compare", force=force, expect=sim.COMPARISON_FILES) as folder:
            cmp = sim.compare(sa, sb, burn_in_days=burn_in_days, progress=console.is_terminal)
            paths = folder.final_paths(sim.write_comparison(cmp, folder.staging))
    _print_table(comparison_summary(cmp), "Key outcomes: mean of the last 7 days (nights)")
    console.print("Wrote:")
    _print_paths(paths)
    _print_kept(folder)


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="output directory")] = Path("gutsleep-demo"),
    burn_in_days: BurnIn = DEFAULT_BURN_IN_DAYS,
    force: Force = False,
) -> None:
    """Simulate the packaged baseline and fermented-foods examples and compare them (one batched run)."""
    with _clean_errors():
        a, b = (load_example(name) for name in DEMO_EXAMPLES)
        expect = [f"{n}/{f}" for n in DEMO_EXAMPLES for f in sim.OUTPUT_FILES]
        expect += [f"comparison/{f}" for f in sim.COMPARISON_FILES]
        with OutputFolder.open(out, command="demo", force=force, expect=expect) as folder:
            cmp = sim.compare(a, b, burn_in_days=burn_in_days, timeseries_every_h=1.0,
                              progress=console.is_terminal)
            reports = {}
            for i, name in enumerate(DEMO_EXAMPLES):
                reports[name] = sim.write_outputs(sim.select_subject(cmp.simulation, i),
                                                  folder.staging / name)["report"]
            reports["comparison"] = sim.write_comparison(cmp, folder.staging / "comparison")["report"]
        reports = folder.final_paths(reports)
    _print_table(comparison_summary(cmp), "Key outcomes: mean of the last 7 days (nights)")
    console.print("Reports (open in a browser):")
    _print_paths(reports)
    _print_kept(folder)


Format = Literal["table", "csv", "markdown"]


@app.command()
def params(
    check: Annotated[bool, typer.Option("--check", help="exit 1 if any parameter lacks unit, source, ...")] = False,
    module: Annotated[str | None, typer.Option("--module", help="only this model module")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="table, csv or markdown")] = "table",
) -> None:
    """List every parameter (name, value, unit, range, module, source), or check their documentation."""
    model = build_model()
    if module is not None and module not in model.modules():
        typer.echo(f"gutsleep: error: unknown module {module!r}; modules: {', '.join(model.modules())}", err=True)
        raise typer.Exit(EXIT_INVALID)
    if check:
        problems = parameter_problems(model, module)
        if problems:
            for name, items in problems.items():
                typer.echo(f"{name}: {'; '.join(items)}")
            typer.echo(f"{len(problems)} parameter(s) with incomplete documentation", err=True)
            raise typer.Exit(1)
        n = sum(1 for p in model.parameters if module is None or p.module == module)
        typer.echo(f"all {n} parameters documented")
        return
    df = parameter_table(model, module)
    if fmt == "csv":
        df.to_csv(sys.stdout, index=False)
    elif fmt == "markdown":
        typer.echo(parameters_markdown(df), nl=False)
    else:
        table = Table(title=f"{len(df)} parameters", title_justify="left", show_lines=False)
        for col in ("name", "value", "unit", "range", "module", "source"):
            table.add_column(col, overflow="fold")
        for r in df.itertuples(index=False):
            table.add_row(r.name, f"{r.value:g}", r.unit, f"{r.low:g} to {r.high:g}", r.module, r.source)
        console.print(table)


@app.command()
def equations(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write the Markdown here instead of stdout")] = None,
) -> None:
    """Print (or write) the model's equations as Markdown with LaTeX, generated from the model definition."""
    if out is not None:
        with _clean_errors():
            check_output_file(out)
    text = equations_markdown(build_model())
    if out is None:
        typer.echo(text, nl=False)
        return
    with _clean_errors():
        written = write_file_atomic(out, text)
    console.print(f"Wrote {literal(written)}", highlight=False)


@app.command()
def examples() -> None:
    """List the packaged example scenarios (pass a name instead of a file to simulate/compare)."""
    for name in packaged_examples():
        s = load_example(name)
        typer.echo(f"{name:<18} {s.days:>4} days  {' '.join((s.description or '').split())}")


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"gutsleep {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="show the version")
    ] = False,
) -> None:
    """Mechanistic, batched simulator of the gut-brain-sleep axis (model output, not medical advice)."""




# Commands of the larger applications live next to them and register themselves here.
_COMMAND_MODULES = (
    "gutsleep.apps.export_cli",
    "gutsleep.apps.evidence_cli",
    "gutsleep.apps.cohort_cli",
)


def _register_commands() -> None:
    import importlib
    import importlib.util

    for name in _COMMAND_MODULES:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name).register(app)


_register_commands()
guard_commands(app)
