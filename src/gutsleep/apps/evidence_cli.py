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
    burn_in_days: Annotated[int, typer.Option(help="days run before day 0 to settle the slow states")] = 42,
) -> None:
    """Attribute the change in each nightly sleep outcome between A and B to the pathways that carry it."""
    from gutsleep.explain import explain
    from gutsleep.report.explain import attribution_table, explain_report, waterfall_figure
    from gutsleep.scenario import ScenarioError

    try:
        result = explain(_scenario(a), _scenario(b), burn_in_days=burn_in_days, progress=sys.stderr.isatty())
    except (ScenarioError, ValueError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from err
    table = attribution_table(result)
    # one column per outcome reads better in a terminal than one column per pathway
    wide = table.set_index("outcome").T
    view = Table(title=f"{result.b.name} - {result.a.name} by pathway, nights {result.window[0]}-{result.window[1]} "
                 "(mean)")
    view.add_column("")
    for col in result.summary.index:
        view.add_column(col, justify="right")
    for label, row in wide.iterrows():
        view.add_row(str(label), *(f"{v:.3g}" for v in row))
    Console().print(view)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "attribution.csv", index=False)
    result.nightly.to_csv(out / "attribution_nightly.csv", index=False)
    waterfall_figure(result).savefig(out / "waterfall.png", dpi=110)
    (out / "explain.html").write_text(explain_report(result))
    typer.echo(f"written: {out / 'explain.html'}, {out / 'waterfall.png'}, {out / 'attribution.csv'}")


def register(app: typer.Typer) -> None:
    """Add ``explain`` (and, once present, ``evidence``) to the main CLI."""
    app.command("explain")(explain_command)
    try:
        from gutsleep.evidence.cli import evidence_command
    except ImportError:  # the evidence suite is optional during development
        return
    app.command("evidence")(evidence_command)
