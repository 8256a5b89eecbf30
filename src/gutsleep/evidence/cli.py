"""``gutsleep evidence``: run the experiments, print the table, write the report, fail on any failure.

Light to import (the experiments, the model and pandas are imported when the command runs)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from gutsleep.apps import ui

if TYPE_CHECKING:
    from gutsleep.calibrate.paramset import ParameterSet

VERDICT_STYLE = {"PASS": "green", "FAIL": "red", "CONTESTED": "yellow", "ERROR": "grey50"}


def evidence_command(
    only: Annotated[list[str] | None, typer.Option("--only", help="experiment id, id prefix or finding id")] = None,
    report: Annotated[Path | None, typer.Option("--report", help="write the HTML report here")] = None,
    fast: Annotated[bool, typer.Option("--fast", help="only the quick subset (as in CI)")] = False,
    fmt: Annotated[
        Literal["table", "csv", "json"], typer.Option("--format", help="table (for reading), csv or json")
    ] = "table",
    parameters: Annotated[
        Path | None, typer.Option("--parameters", help="a parameter set to run the experiments on (default: the "
                                                       "shipped calibrated set; none: the model's own values)")
    ] = None,
) -> None:
    """Re-run the published findings in the model: id, claim, expected, measured, verdict.

    Validation experiments (the model was not tuned to them) are listed first, then calibration experiments
    (a parameter was set from them), each with the count of every verdict."""
    from gutsleep.apps.guards import clean
    from gutsleep.apps.outputs import OutputError, check_output_file, write_file_atomic
    from gutsleep.apps.tables import print_frame
    from gutsleep.evidence.report import by_role, changed_tolerances, evidence_report, results_table, summary_lines
    from gutsleep.evidence.runner import run_experiments, select

    try:
        chosen = select(only or (), fast_only=fast)
        if report is not None:
            check_output_file(report, "--report file")
    except KeyError as err:
        typer.echo(f"gutsleep: error: {clean(err.args[0])}", err=True)
        raise typer.Exit(ui.EXIT_INVALID) from err
    except OutputError as err:
        typer.echo(f"gutsleep: error: {clean(err)}", err=True)
        raise typer.Exit(ui.EXIT_INVALID) from None
    from gutsleep.evidence.framework import Context

    with ui.clean_errors():
        pset = ui.load_parameter_set(parameters)
        note = describe_parameters(pset)
        if ui.compile_pending():
            ui.info(ui.COMPILE_NOTICE)
        results = run_experiments(chosen, context=Context(parameters=None if pset is None else dict(pset.estimate)),
                                  progress=ui.step_progress("experiment"))
    table = results_table(results)
    if fmt != "table":
        print_frame(table, fmt=fmt)
    elif ui.verbosity() >= ui.NORMAL:
        for role, group in by_role(results).items():  # validation (the headline) first
            print_frame(results_table(group)[["id", "claim", "expected", "measured", "verdict"]],
                        f"gutsleep evidence: {role}, {len(group)} experiments",
                        styles={"verdict": lambda v: VERDICT_STYLE.get(v, "")})
        changed = changed_tolerances(results)
        if len(changed):
            typer.echo(f"tolerances that differ from the findings' proposals ({len(changed)}):")
            for row in changed.itertuples():
                typer.echo(f"  {row.id} [{row.band}]: {row.note}")
        for line in summary_lines(results):
            typer.echo(line)
        typer.echo(f"parameters: {note}")
    if fmt != "table" and ui.verbosity() >= ui.NORMAL:
        for line in summary_lines(results):  # the counts by role, beside the machine-readable table
            typer.echo(line, err=True)
    for r in results:
        if r.verdict in ("FAIL", "ERROR"):
            detail = r.error.splitlines()[0] if r.error else (r.measured.details if r.measured else "")
            typer.echo(f"{r.verdict} {r.experiment.id}: {detail}", err=True)
    if report is not None:
        with ui.clean_errors(), ui.phase(f"writing the evidence report to {report}"):
            written = write_file_atomic(report, evidence_report(results, note), "--report file")
        ui.info(f"report written to {written}")
    failed = [r for r in results if r.verdict in ("FAIL", "ERROR")]
    if failed:
        typer.echo(f"{len(failed)} experiment(s) failed", err=True)
        raise typer.Exit(ui.EXIT_CHECK_FAILED)


def main() -> None:  # pragma: no cover - convenience for `python -m gutsleep.evidence.cli`
    typer.run(evidence_command)


def describe_parameters(pset: ParameterSet | None) -> str:
    """Which parameter set a run used, in words."""
    from gutsleep.calibrate.paramset import SHIPPED_NAME, shipped_path

    if pset is None:
        return "the model's own values (no calibrated set)"
    shipped = pset.path is not None and pset.path.resolve() == shipped_path().resolve()
    what = f"the shipped calibrated set {SHIPPED_NAME!r}" if shipped else f"parameter set {pset.name!r} ({pset.path})"
    return f"{what}: {len(pset.estimate)} fitted parameters at their estimate, model {pset.document.get('model_hash')}"
