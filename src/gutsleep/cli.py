"""Command-line interface: ``gutsleep simulate | compare | demo | params | equations | examples`` and the commands
of the larger applications (``cohort``, ``trial``, ``observe``, ``sensitivity``, ``evidence``, ``explain``,
``export``), which register themselves.

Start-up stays fast: this module imports only typer and rich; numpy, pandas, the model and the solver are
imported by the command that needs them, so ``gutsleep --help`` and ``--version`` answer at once. Progress and
notices go to stderr (:mod:`gutsleep.apps.ui`), results to stdout. Exit codes: see
:data:`gutsleep.apps.ui.EXIT_CODES_TEXT`.

Every command writes through :mod:`gutsleep.apps.outputs` (folders checked before the work, staged and committed
whole with a manifest; a non-empty folder gutsleep did not write is refused unless ``--force``), and every
command is wrapped by :func:`gutsleep.apps.guards.guard_commands` (Ctrl-C, last-resort messages), called last.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.console import Console

from gutsleep import __version__
from gutsleep.apps import ui
from gutsleep.apps.defaults import DEFAULT_BURN_IN_DAYS, DEFAULT_TIMESERIES_EVERY_H, MAX_DAYS
from gutsleep.apps.guards import clean, guard_commands, number_range
from gutsleep.apps.ui import EXIT_CHECK_FAILED, EXIT_CODES_TEXT, EXIT_INVALID, clean_errors

if TYPE_CHECKING:
    import pandas as pd

    from gutsleep.apps.outputs import OutputFolder
    from gutsleep.apps.simulate import ComparisonOutput, SimulationOutput
    from gutsleep.scenario import Scenario

HELP = "Mechanistic, batched simulator of the gut-brain-sleep axis (model output, not medical advice)."
app = typer.Typer(
    name="gutsleep",
    help=HELP,
    epilog=EXIT_CODES_TEXT,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()

BurnIn = Annotated[
    int,
    typer.Option("--burn-in-days", min=0, max=MAX_DAYS,
                 help="days prepended (repeating day 0's habits) so slow states settle"),
]
Days = Annotated[
    int | None, typer.Option("--days", min=1, max=MAX_DAYS,
                             help="simulate this many days instead of the scenario's `days`")
]
Force = Annotated[
    bool,
    typer.Option("--force", help="write into a non-empty folder gutsleep did not write (its files are kept; "
                                 "gutsleep never deletes or replaces files it did not write)"),
]
Sets = Annotated[
    list[str] | None,
    typer.Option("--set", help="change a scenario field, e.g. habits.fiber_g=30, person.age=60, "
                               "parameters.sws_gain=2 (repeatable; validated like the file)"),
]
ParametersFile = Annotated[
    Path | None,
    typer.Option("--parameters", help="a parameter set (parameter-sets/<name>.yaml written by `gutsleep "
                                      "calibrate`) in place of the shipped calibrated default, or `none` for the "
                                      "model's own values; refused if it was fitted on another model version or "
                                      "names unknown parameters"),
]
TableFormat = Annotated[
    Literal["table", "csv", "json"], typer.Option("--format", help="table (for reading), csv or json (for machines)")
]


def _load(arguments: Sequence[Path | str], days: int | None = None, sets: Sequence[str] = ()) -> list[Scenario]:
    """Scenario files or shipped example names, with ``--days``/``--set`` applied."""
    from gutsleep.apps.examples import load_scenario_arg
    from gutsleep.apps.overrides import apply_overrides

    return [apply_overrides(load_scenario_arg(a), days=days, sets=sets) for a in arguments]


def _print_paths(paths: dict[str, Path], heading: str = "Wrote:") -> None:
    """One line per written file: what it is and where."""
    if ui.verbosity() < ui.NORMAL:
        return
    console.print(heading)
    width = max(len(k) for k in paths)
    for kind, path in paths.items():
        console.print(f"  {kind:<{width}}  {clean(path)}", highlight=False, soft_wrap=True, markup=False)


def _print_kept(folder: OutputFolder) -> None:
    """Say which entries of the output folder gutsleep left alone (files it did not write)."""
    if folder.kept:
        names = ", ".join(folder.kept[:8]) + (f" and {len(folder.kept) - 8} more" if len(folder.kept) > 8 else "")
        ui.info(f"left untouched in {folder.target} (not written by gutsleep): {names}")


def _what(scenarios: Sequence[Scenario], burn_in_days: int) -> str:
    names = ", ".join(s.name for s in scenarios)
    days = max(s.days for s in scenarios)
    return f"simulating {names} ({days} days + {burn_in_days} burn-in)"


def _ensemble(loaded: Sequence[Scenario], pset, sets: list[dict[str, float]], burn_in_days: int,
              output: SimulationOutput, source: Path) -> tuple[list[str], dict]:
    """Run the posterior draws; the report section and the band tables."""
    from gutsleep.apps import ensemble as ens

    with ui.day_progress(f"simulating {len(sets)} posterior draws of {source}", check_compile=False) as progress:
        members = ens.run_ensemble(loaded, sets, burn_in_days=burn_in_days, progress=progress)
    nightly, daily = ens.band_table(members, "nightly"), ens.band_table(members, "daily")
    summary = ens.summary_bands(output, members)
    section = ens.band_section(output, nightly, daily, summary, len(sets), str(source))
    text = f"5/50/95 % points across {len(sets)} posterior draws of {source.name}"
    tables = {"nightly_bands": ("bands", nightly, ("subject", "night", "outcome"),
                                f"per night and key outcome: {text}"),
              "daily_bands": ("bands", daily, ("subject", "day", "outcome"), f"per day and key outcome: {text}"),
              "summary_bands": ("summary_bands", summary, ("subject", "column"),
                                f"window change at the estimate and its {text}")}
    return [section], tables


def _run(scenarios: Sequence[Scenario], burn_in_days: int, every_h: float | None,
         base: dict[str, float] | None = None) -> SimulationOutput:
    from gutsleep.apps import simulate as sim

    with ui.day_progress(_what(scenarios, burn_in_days)) as progress:
        return sim.simulate(scenarios, burn_in_days=burn_in_days, timeseries_every_h=every_h, progress=progress,
                            base_parameters=base)


def _compare(a: Scenario, b: Scenario, burn_in_days: int, every_h: float | None = None,
             base: dict[str, float] | None = None) -> ComparisonOutput:
    from gutsleep.apps import simulate as sim

    with ui.day_progress(_what([a, b], burn_in_days)) as progress:
        return sim.compare(a, b, burn_in_days=burn_in_days, timeseries_every_h=every_h, progress=progress,
                           base_parameters=base)


def _attribution_sections(scenarios: Sequence[Scenario], burn_in_days: int,
                          base: dict[str, float] | None = None) -> list[str]:
    """For each scenario with interventions or events: which pathways carry its effect on sleep."""
    changed = [s for s in scenarios if s.interventions or s.events]
    if not changed:
        return []
    from gutsleep.explain import explain
    from gutsleep.report.explain import attribution_section

    sections = []
    for s in changed:
        plain = s.model_copy(update={"name": f"{s.name} (no interventions)", "interventions": (), "events": ()})
        with ui.day_progress(f"pathway attribution for {s.name} (re-runs with each pathway held)",
                             check_compile=False) as progress:
            sections.append(attribution_section(explain(plain, s, burn_in_days=burn_in_days, progress=progress,
                                                        base_parameters=base)))
    return sections


def _print_run_summary(output: SimulationOutput) -> None:
    """Key outcomes of every subject: baseline, peak change, window change, area and recovery."""
    if ui.verbosity() < ui.NORMAL:
        return
    from gutsleep.apps.tables import print_frame
    from gutsleep.outcomes.summary import display_table
    from gutsleep.report.simulation import KEY_COLUMNS

    table = _summary(output)
    for i, s in enumerate(output.scenarios):
        mine = table[table["subject"] == i]
        windows = mine[["kind", "baseline_window", "intervention_window"]].drop_duplicates("kind")
        first = windows.iloc[0]
        title = (f"{s.name}: change from baseline ({first.baseline_window}); interventions/events: "
                 f"{first.intervention_window}")
        print_frame(display_table(mine, KEY_COLUMNS), title, console=console)
        for note in sorted({n for n in mine["baseline_note"] if n} if "baseline_note" in mine else set()):
            console.print(f"  baseline: {note}", highlight=False, markup=False)


def _summary(output: SimulationOutput) -> pd.DataFrame:
    from gutsleep.report.simulation import summary

    return summary(output)


def _print_comparison_summary(cmp: ComparisonOutput) -> None:
    """B - A of the key outcomes on the days both scenarios have, saying when lengths differ."""
    from gutsleep.outcomes.summary import common_days_note

    note = common_days_note(cmp.a, cmp.b)
    if note:
        ui.info(note)
    if ui.verbosity() < ui.NORMAL:
        return
    from gutsleep.apps.tables import print_frame
    from gutsleep.outcomes.summary import display_table
    from gutsleep.report.comparison import comparison_summary
    from gutsleep.report.simulation import KEY_COLUMNS

    table = comparison_summary(cmp)
    first = table.iloc[0]
    title = (f"B - A: {cmp.b.name} - {cmp.a.name}; baseline {first.baseline_window}; interventions/events: "
             f"{first.intervention_window}")
    print_frame(display_table(table, KEY_COLUMNS), title, console=console)


@app.command()
def simulate(
    scenarios: Annotated[
        list[Path], typer.Argument(help="scenario YAML files or shipped example names (several = several subjects "
                                        "in one batched run)")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="output directory")],
    burn_in_days: BurnIn = DEFAULT_BURN_IN_DAYS,
    timeseries_every_h: Annotated[
        float, typer.Option("--timeseries-every-h", callback=number_range(0.25, 8760, step=0.25),
                            help="time-series sampling interval (h, multiple of 0.25, up to 8760)")
    ] = DEFAULT_TIMESERIES_EVERY_H,
    days: Days = None,
    sets: Sets = None,
    parameters: ParametersFile = None,
    ensemble: Annotated[
        int | None, typer.Option("--ensemble", min=2, max=1000,
                                 help="also run N posterior draws of the parameter set: 5-95 % bands in "
                                      "nightly_bands.csv, daily_bands.csv, summary_bands.csv and the report")
    ] = None,
    force: Force = False,
) -> None:
    """Simulate scenarios; write nightly.csv, daily.csv, summary.csv, timeseries.nc, report.html and
    datapackage.json (units and descriptions of every column) to --out."""
    with clean_errors():
        from gutsleep.apps import simulate as sim
        from gutsleep.apps.outputs import OutputFolder

        loaded = _load(scenarios, days, sets or ())
        pset = ui.load_parameter_set(parameters)
        base = None if pset is None else dict(pset.estimate)
        expect = list(sim.OUTPUT_FILES)
        draws: list[dict[str, float]] = []
        if ensemble is not None:
            from gutsleep.apps.ensemble import BAND_FILES, ensemble_sets

            draws = ensemble_sets(pset, ensemble)
            expect += list(BAND_FILES)
        with OutputFolder.open(out, command="simulate", force=force, expect=expect) as folder:
            output = _run(loaded, burn_in_days, timeseries_every_h, base)
            sections = _attribution_sections(loaded, burn_in_days, base)
            extra: dict = {}
            if draws and pset is not None:
                more, extra = _ensemble(loaded, pset, draws, burn_in_days, output, pset.path)
                sections = more + sections
            with ui.phase(f"writing tables, time series and report.html to {out}"):
                staged = sim.write_outputs(output, folder.staging, sections, extra)
        paths = folder.final_paths(staged)
    _print_run_summary(output)
    _print_paths(paths)
    _print_kept(folder)


@app.command()
def compare(
    a: Annotated[Path, typer.Argument(help="scenario A (reference): YAML file or shipped example name")],
    b: Annotated[Path, typer.Argument(help="scenario B (differences are B - A)")],
    out: Annotated[Path, typer.Option("--out", "-o", help="output directory")],
    burn_in_days: BurnIn = DEFAULT_BURN_IN_DAYS,
    days: Days = None,
    set_b: Annotated[
        list[str] | None,
        typer.Option("--set-b", help="change a field of B only, e.g. parameters.sws_gain=2 (repeatable)"),
    ] = None,
    parameters: ParametersFile = None,
    force: Force = False,
) -> None:
    """Run A and B together; write nightly_diff.csv, daily_diff.csv (B - A), summary.csv, report.html and
    datapackage.json to --out. Scenarios of unequal length are compared on the days both have (said on stderr, in
    the report and in datapackage.json)."""
    with clean_errors():
        from gutsleep.apps import simulate as sim
        from gutsleep.apps.outputs import OutputFolder

        sa, sb = _load([a], days)[0], _load([b], days, set_b or ())[0]
        base = ui.parameter_set_estimate(parameters)
        with OutputFolder.open(out, command="compare", force=force, expect=sim.COMPARISON_FILES) as folder:
            cmp = _compare(sa, sb, burn_in_days, base=base)
            with ui.phase(f"writing differences and report.html to {out}"):
                staged = sim.write_comparison(cmp, folder.staging)
        paths = folder.final_paths(staged)
    _print_comparison_summary(cmp)
    _print_paths(paths)
    _print_kept(folder)


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="output directory")] = Path("gutsleep-demo"),
    burn_in_days: BurnIn = DEFAULT_BURN_IN_DAYS,
    parameters: ParametersFile = None,
    force: Force = False,
) -> None:
    """Simulate the packaged baseline and fermented-foods examples and compare them (one batched run)."""
    with clean_errors():
        from gutsleep.apps import examples
        from gutsleep.apps import simulate as sim
        from gutsleep.apps.outputs import OutputFolder

        a, b = (examples.load_example(name) for name in examples.DEMO_EXAMPLES)
        expect = [f"{n}/{f}" for n in examples.DEMO_EXAMPLES for f in sim.OUTPUT_FILES]
        expect += [f"comparison/{f}" for f in sim.COMPARISON_FILES]
        base = ui.parameter_set_estimate(parameters)
        with OutputFolder.open(out, command="demo", force=force, expect=expect) as folder:
            cmp = _compare(a, b, burn_in_days, DEFAULT_TIMESERIES_EVERY_H, base=base)
            reports = {}
            for i, name in enumerate(examples.DEMO_EXAMPLES):
                with ui.phase(f"writing the {name} report to {out / name}"):
                    reports[name] = sim.write_outputs(sim.select_subject(cmp.simulation, i),
                                                      folder.staging / name)["report"]
            with ui.phase(f"writing the comparison report to {out / 'comparison'}"):
                reports["comparison"] = sim.write_comparison(cmp, folder.staging / "comparison")["report"]
        reports = folder.final_paths(reports)
    _print_comparison_summary(cmp)
    _print_paths(reports, "Reports (open in a browser):")
    _print_kept(folder)


@app.command()
def params(
    check: Annotated[bool, typer.Option("--check", help="exit 1 if any parameter lacks unit, source, ...")] = False,
    module: Annotated[str | None, typer.Option("--module", help="only this model module")] = None,
    search: Annotated[
        str | None, typer.Option("--search", help="only parameters whose name, unit, description or source contain "
                                                  "every word (case-insensitive)")
    ] = None,
    fmt: Annotated[
        Literal["table", "csv", "json", "markdown"], typer.Option("--format", help="table, csv, json or markdown")
    ] = "table",
    parameters: Annotated[
        Path | None, typer.Option("--parameters", help="a parameter set: show only its fitted parameters with "
                                                       "prior, estimate, posterior median and 90 % interval "
                                                       "(default: the shipped calibrated set's, beside every "
                                                       "parameter; none: no set)")
    ] = None,
) -> None:
    """List every parameter (name, model value, unit, prior over its plausible range, the shipped calibrated set's
    posterior median and 90 % interval where fitted, module, source), or check their documentation. With
    --parameters FILE: that set's fitted parameters with prior, estimate, posterior median and 90 % interval."""
    import gutsleep.model
    from gutsleep.apps.tables import print_frame
    from gutsleep.report.params import parameter_problems, parameter_table, parameters_markdown, search_parameters

    model = gutsleep.model.build_model()
    if module is not None and module not in model.modules():
        typer.echo(f"gutsleep: error: unknown module {module!r}; modules: {', '.join(model.modules())}", err=True)
        raise typer.Exit(EXIT_INVALID)
    if check:
        problems = parameter_problems(model, module)
        if problems:
            for name, items in problems.items():
                typer.echo(f"{name}: {'; '.join(items)}")
            typer.echo(f"{len(problems)} parameter(s) with incomplete documentation", err=True)
            raise typer.Exit(EXIT_CHECK_FAILED)
        n = sum(1 for p in model.parameters if module is None or p.module == module)
        typer.echo(f"all {n} parameters documented")
        return
    from gutsleep.calibrate.problem import prior_for

    table = parameter_table(model, module)
    priors = {p.name: prior_for(p).describe() for p in model.parameters}
    table = table.assign(prior=[priors[n] for n in table["name"]])
    fitted: dict[str, dict[str, float]] = {}
    with clean_errors():
        loaded = ui.load_parameter_set(parameters, announce=False)
    if loaded is not None:
        fitted = loaded.posterior_summary()
        entries = loaded.document["parameters"]
        nan = float("nan")
        table = table.assign(
            estimate=[fitted.get(n, {}).get("estimate", nan) for n in table["name"]],
            posterior_median=[fitted.get(n, {}).get("median", nan) for n in table["name"]],
            posterior_q05=[fitted.get(n, {}).get("q05", nan) for n in table["name"]],
            posterior_q95=[fitted.get(n, {}).get("q95", nan) for n in table["name"]],
            identified=[str(entries[n].get("identified", "")) if n in fitted and hasattr(entries[n], "get") else ""
                        for n in table["name"]])
    df = search_parameters(table, search)
    where = f" matching {search!r}" if search else ""
    if fmt == "markdown":
        typer.echo(parameters_markdown(df), nl=False)
    elif fmt in ("csv", "json"):
        print_frame(df, fmt=fmt)
    elif parameters is not None and loaded is not None:
        mine = df[df["name"].isin(list(fitted))]
        view = mine.assign(
            default=mine["value"],
            median=mine["posterior_median"],
            interval=[f"{lo:.4g} to {hi:.4g}" if lo == lo else "" for lo, hi in
                      zip(mine["posterior_q05"], mine["posterior_q95"], strict=True)])
        view = view[["name", "default", "estimate", "median", "interval", "unit", "prior", "identified"]].rename(
            columns={"interval": "90 % interval"})
        print_frame(view, f"{len(mine)} fitted parameters of {parameters}{where}", console=console)
    elif loaded is not None:
        view = df.assign(
            calibrated=[f"{e:.4g}; {m:.4g} ({lo:.4g} to {hi:.4g})" if m == m else (f"{e:.4g}" if e == e else "")
                        for m, lo, hi, e in zip(df["posterior_median"], df["posterior_q05"], df["posterior_q95"],
                                                df["estimate"], strict=True)])
        view = view[["name", "value", "unit", "prior", "calibrated", "module", "source"]].rename(
            columns={"value": "model value", "calibrated": "calibrated: estimate; posterior median (90 %)"})
        print_frame(view, f"{len(df)} of {len(model.parameters)} parameters{where}; {len(fitted)} calibrated in the "
                          f"shipped set (the tools run its estimate; --parameters none for the model values)",
                    console=console)
    else:
        view = df[["name", "value", "unit", "prior", "module", "source"]]
        print_frame(view, f"{len(df)} of {len(model.parameters)} parameters{where}", console=console)


@app.command()
def equations(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write the Markdown here instead of stdout")] = None,
) -> None:
    """Print (or write) the model's equations as Markdown with LaTeX, generated from the model definition."""
    import gutsleep.model
    from gutsleep.apps.outputs import check_output_file, write_file_atomic
    from gutsleep.report.equations import equations_markdown

    if out is not None:
        with clean_errors():
            check_output_file(out)
    text = equations_markdown(gutsleep.model.build_model())
    if out is None:
        typer.echo(text, nl=False)
        return
    with clean_errors():
        written = write_file_atomic(out, text)
    console.print(f"Wrote {clean(written)}", markup=False, highlight=False)


@app.command()
def examples(
    kind: Annotated[
        Literal["scenario", "population", "trial", "observational"] | None,
        typer.Option("--kind", help="only scenarios, populations, trials or observational studies"),
    ] = None,
    fmt: TableFormat = "table",
) -> None:
    """List every shipped example (scenarios, populations, trials, observational studies) with its description.

    Any command takes an example's name in place of a file: `gutsleep simulate antibiotics --out out/abx`."""
    import pandas as pd

    from gutsleep.apps.examples import KIND_WORDS, shipped_examples
    from gutsleep.apps.tables import print_frame

    rows = [{"name": e.name, "kind": KIND_WORDS[e.kind], "days": e.days, "description": e.description}
            for e in shipped_examples(kind).values()]
    df = pd.DataFrame(rows, columns=["name", "kind", "days", "description"])
    if fmt == "table":
        df["days"] = ["" if pd.isna(d) else str(int(d)) for d in df["days"]]
    print_frame(df, f"{len(df)} shipped examples (use a name in place of a file)", fmt, console=console)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"gutsleep {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="show the version and exit")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="print only errors (no progress, no tables)")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="also print timings and details")] = False,
) -> None:
    """Mechanistic, batched simulator of the gut-brain-sleep axis (model output, not medical advice).

    Progress and notices go to stderr (plain log lines when it is not a terminal), results to stdout."""
    ui.set_verbosity(ui.QUIET if quiet else ui.VERBOSE if verbose else ui.NORMAL)


# Commands of the larger applications live next to them and register themselves here (each module is light to
# import: its dependencies are imported when a command runs).
_COMMAND_MODULES = (
    "gutsleep.apps.export_cli",
    "gutsleep.apps.evidence_cli",
    "gutsleep.apps.cohort_cli",
    "gutsleep.apps.calibrate_cli",
)


def _register_commands() -> None:
    import importlib
    import importlib.util

    for name in _COMMAND_MODULES:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name).register(app)


_register_commands()
guard_commands(app)  # last: wraps every command registered above (Ctrl-C, last-resort messages)
