"""CLI commands of the evidence suite and pathway attribution: ``gutsleep evidence`` and ``gutsleep explain``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table


def _scenario(path: str):  # typer-facing helper: a file or a packaged example
    from gutsleep.apps.examples import load_example, packaged_examples
    from gutsleep.scenario import load_scenario

    if Path(path).exists():
        return load_scenario(path)
    if path in packaged_examples():
        return load_example(path)
    raise typer.BadParameter(f"{path}: no such file or packaged example (see `gutsleep examples`)")


def explain_command(
    a: Annotated[str, typer.Argument(help="scenario A (YAML file or packaged example name)")],
    b: Annotated[str, typer.Argument(help="scenario B")],
    out: Annotated[Path, typer.Option("--out", help="folder for explain.html, waterfall.png, attribution.csv")] = Path(
        "gutsleep-explain"
    ),
    burn_in_days: Annotated[int, typer.Option(min=0, max=3650,
                                              help="days run before day 0 to settle the slow states")] = 42,
    force: Annotated[bool, typer.Option("--force", help="write into a non-empty folder gutsleep did not write (its "
                                                        "files are kept)")] = False,
) -> None:
    """Attribute the change in each nightly sleep outcome between A and B to the pathways that carry it."""
    from gutsleep.apps.guards import clean, literal
    from gutsleep.apps.outputs import OutputFolder
    from gutsleep.explain import explain
    from gutsleep.report.explain import attribution_table, explain_report, waterfall_figure
    from gutsleep.scenario import ScenarioError
    from gutsleep.solve.engine import SimulationError

    files = ("attribution.csv", "attribution_nightly.csv", "waterfall.png", "explain.html")
    try:
        sa, sb = _scenario(a), _scenario(b)
        folder = OutputFolder.open(out, command="explain", force=force, expect=files)
    except (ScenarioError, ValueError) as err:
        typer.echo(f"error: {clean(err)}", err=True)
        raise typer.Exit(2) from None
    with folder:
        try:
            result = explain(sa, sb, burn_in_days=burn_in_days, progress=sys.stderr.isatty())
        except SimulationError as err:
            typer.echo(f"error: a run of the attribution failed to integrate, so nothing can be attributed: "
                       f"{clean(err)}", err=True)
            raise typer.Exit(2) from None
        table = attribution_table(result)
        table.to_csv(folder.staging / "attribution.csv", index=False)
        result.nightly.to_csv(folder.staging / "attribution_nightly.csv", index=False)
        waterfall_figure(result).savefig(folder.staging / "waterfall.png", dpi=110)
        (folder.staging / "explain.html").write_text(explain_report(result), encoding="utf-8")
    # one column per outcome reads better in a terminal than one column per pathway
    wide = table.set_index("outcome").T
    view = Table(title=f"{literal(result.b.name)} - {literal(result.a.name)} by pathway, nights {result.window[0]}-"
                 f"{result.window[1]} (mean)")
    view.add_column("")
    for col in result.summary.index:
        view.add_column(literal(col), justify="right")
    for label, row in wide.iterrows():
        view.add_row(literal(label), *(f"{v:.3g}" for v in row))
    Console().print(view)
    t = folder.target
    typer.echo(f"written: {clean(t / 'explain.html')}, {clean(t / 'waterfall.png')}, {clean(t / 'attribution.csv')}")
    if folder.kept:
        typer.echo(f"left untouched in {clean(t)} (not written by gutsleep): {clean(', '.join(folder.kept[:8]))}",
                   err=True)


def register(app: typer.Typer) -> None:
    """Add ``explain`` (and, once present, ``evidence``) to the main CLI."""
    app.command("explain")(explain_command)
    try:
        from gutsleep.evidence.cli import evidence_command
    except ImportError:  # the evidence suite is optional during development
        return
    app.command("evidence")(evidence_command)
