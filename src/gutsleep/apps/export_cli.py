"""``gutsleep export sbml OUT.xml``: the model and one subject's scenario as SBML Level 3 Version 2.

The document is generated from the model definition (see :mod:`gutsleep.export.sbml`); this module only
adds the command. libsbml is imported when the command runs, so the CLI works without the ``[sbml]`` extra.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gutsleep.apps.defaults import DEFAULT_BURN_IN_DAYS
from gutsleep.apps.ui import EXIT_CHECK_FAILED, EXIT_INVALID

if TYPE_CHECKING:
    from gutsleep.scenario import Scenario


def _scenario(path: Path | None) -> Scenario:
    """A scenario file, a shipped example by name, or the shipped baseline when none is given."""
    from gutsleep.apps.examples import load_example, load_scenario_arg

    return load_example("baseline") if path is None else load_scenario_arg(path)


def sbml(
    out: Annotated[Path, typer.Argument(help="SBML file to write (.xml)")],
    scenario: Annotated[
        Path | None, typer.Option("--scenario", help="scenario YAML (or packaged example name); default: baseline")
    ] = None,
    days: Annotated[
        int | None, typer.Option("--days", min=1, max=3650,
                                 help="days to export from day 0 (default: the scenario's days)")
    ] = None,
    burn_in_days: Annotated[
        int, typer.Option("--burn-in-days", min=0, max=3650,
                          help="days gutsleep simulates first to settle the initial state")
    ] = DEFAULT_BURN_IN_DAYS,
) -> None:
    """Write the model with one subject's scenario as SBML L3V2 (states, parameters, rules, input events).

    The burn-in is simulated by gutsleep and not exported: its end state is the initial state; t = 0 h is
    local midnight of day 0. Inputs become events at every 15-min step where a channel changes.
    """
    from gutsleep.scenario import ScenarioError
    from gutsleep.solve.engine import SimulationError

    try:
        from gutsleep.export import export_sbml, subject_run
        from gutsleep.export.sbml import consistency_report, write_document
    except ImportError as exc:
        typer.echo(f"gutsleep: error: {exc}", err=True)
        raise typer.Exit(EXIT_INVALID) from None
    from gutsleep.apps import ui
    from gutsleep.apps.guards import clean
    from gutsleep.apps.outputs import atomic_file, check_output_file

    try:
        check_output_file(out, "SBML file")
        chosen = _scenario(scenario)
        if ui.compile_pending():
            ui.info(ui.COMPILE_NOTICE)
        with ui.phase(f"simulating the {burn_in_days}-day burn-in of {chosen.name}"):
            run = subject_run(chosen, days=days, burn_in_days=burn_in_days)
    except (ScenarioError, SimulationError, ValueError) as exc:
        typer.echo(f"gutsleep: error: {clean(exc)}", err=True)
        raise typer.Exit(EXIT_INVALID) from None
    doc = export_sbml(run)
    report = consistency_report(doc, units=True)
    with atomic_file(out, "SBML file") as tmp:
        write_document(doc, str(tmp))
    m = doc.getModel()
    typer.echo(
        f"Wrote {out}: SBML L3V2, {m.getNumSpecies()} species, {m.getNumParameters()} parameters, "
        f"{m.getNumRules()} rules, {m.getNumEvents()} input events, {run.days} days of "
        f"{clean(repr(run.scenario.name))} "
        f"after {run.burn_in_days} burn-in days."
    )
    categories = ", ".join(f"{n} {c}" for c, n in report.warnings_by_category().items()) or "none"
    typer.echo(f"libsbml consistency check (units on): {len(report.errors)} errors; warnings: {categories}.")
    for err in report.errors:
        typer.echo(f"  error: {err}", err=True)
    if report.errors:
        raise typer.Exit(EXIT_CHECK_FAILED)


def register(app: typer.Typer) -> None:
    """Add the ``export`` command group (``export sbml``) to the gutsleep CLI."""
    group = typer.Typer(help="Export the model to other tools (SBML).", no_args_is_help=True)
    group.command("sbml")(sbml)
    app.add_typer(group, name="export")
