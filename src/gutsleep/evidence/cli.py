"""``gutsleep evidence``: run the experiments, print the table, write the report, fail on any failure."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from gutsleep.evidence.report import VERDICT_COLOUR, evidence_report, results_table
from gutsleep.evidence.runner import run_experiments, select


def evidence_command(
    only: Annotated[list[str] | None, typer.Option("--only", help="experiment id, id prefix or finding id")] = None,
    report: Annotated[Path | None, typer.Option("--report", help="write the HTML report here")] = None,
    fast: Annotated[bool, typer.Option("--fast", help="only the quick subset (as in CI)")] = False,
) -> None:
    """Re-run the published findings in the model: id, claim, expected, measured, verdict."""
    from gutsleep.apps.outputs import OutputError, check_output_file, write_file_atomic

    try:
        chosen = select(only or (), fast_only=fast)
        if report is not None:
            check_output_file(report, "--report file")
    except KeyError as err:
        typer.echo(f"error: {err.args[0]}", err=True)
        raise typer.Exit(2) from err
    except OutputError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    console = Console(stderr=True)
    with console.status("running experiments") as status:
        results = run_experiments(chosen, progress=lambda i, n, name: status.update(
            f"experiment {i + 1}/{n} {name}" if name else "done"))
    table = results_table(results)
    view = Table(title=f"gutsleep evidence: {len(results)} experiments")
    for col in ("id", "claim", "expected", "measured", "verdict"):
        view.add_column(col, overflow="fold")
    for _, row in table.iterrows():
        colour = {"#2ca02c": "green", "#d62728": "red", "#ff7f0e": "yellow", "#7f7f7f": "grey50"}
        style = colour[VERDICT_COLOUR[row.verdict]]
        view.add_row(row.id, row.claim, row.expected, row.measured, f"[{style}]{row.verdict}[/{style}]")
    Console().print(view)
    for r in results:
        if r.verdict in ("FAIL", "ERROR"):
            detail = r.error.splitlines()[0] if r.error else (r.measured.details if r.measured else "")
            typer.echo(f"{r.verdict} {r.experiment.id}: {detail}", err=True)
    if report is not None:
        written = write_file_atomic(report, evidence_report(results), "--report file")
        typer.echo(f"report written to {written}")
    failed = [r for r in results if r.verdict in ("FAIL", "ERROR")]
    if failed:
        typer.echo(f"{len(failed)} experiment(s) failed", err=True)
        raise typer.Exit(1)


def main() -> None:  # pragma: no cover - convenience for `python -m gutsleep.evidence.cli`
    typer.run(evidence_command)
