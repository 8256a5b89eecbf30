"""CLI commands of the evidence suite and pathway attribution: ``gutsleep evidence`` and ``gutsleep explain``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from gutsleep.apps import ui
from gutsleep.apps.defaults import DEFAULT_BURN_IN_DAYS, MAX_DAYS

if TYPE_CHECKING:
    import pandas as pd

    from gutsleep.explain.attribution import Attribution
    from gutsleep.scenario import Scenario

TableFormat = Annotated[
    Literal["table", "csv", "json"], typer.Option("--format", help="table (for reading), csv or json (for machines)")
]
SHORT_OUTCOMES: dict[str, str] = {"tst_min": "TST min", "sleep_efficiency_pct": "SE %", "sol_min": "SOL min",
                                  "waso_min": "WASO min", "sws_min": "SWS min", "sws_pct": "SWS %"}
"""Compact column headers of the attribution table (outcome and unit)."""


def explain_command(
    a: Annotated[str, typer.Argument(help="scenario A (YAML file or shipped example name)")],
    b: Annotated[str, typer.Argument(help="scenario B")],
    out: Annotated[Path, typer.Option("--out", help="folder for explain.html, waterfall.png, attribution.csv")] = Path(
        "gutsleep-explain"
    ),
    burn_in_days: Annotated[
        int, typer.Option(min=0, max=MAX_DAYS, help="days run before day 0 to settle the slow states")
    ] = DEFAULT_BURN_IN_DAYS,
    fmt: TableFormat = "table",
    force: Annotated[bool, typer.Option("--force", help="write into a non-empty folder gutsleep did not write (its "
                                                        "files are kept)")] = False,
    parameters: Annotated[
        Path | None, typer.Option("--parameters", help="a parameter set (default: the shipped calibrated set; none: "
                                                       "the model's own values)")
    ] = None,
    ensemble: Annotated[
        int | None, typer.Option("--ensemble", min=2, max=1000,
                                 help="also attribute under N posterior draws of the parameter set: 5-95 % of "
                                      "every pathway's part in attribution_bands.csv and the report")
    ] = None,
) -> None:
    """Attribute the change in each nightly sleep outcome between A and B to the pathways that carry it."""
    with ui.clean_errors():
        from gutsleep.apps.examples import load_scenario_arg
        from gutsleep.apps.outputs import OutputFolder
        from gutsleep.explain import explain
        from gutsleep.report.explain import attribution_bands, attribution_table, explain_report, waterfall_figure
        from gutsleep.solve.engine import SimulationError

        files = ["attribution.csv", "attribution_nightly.csv", "waterfall.png", "explain.html", "datapackage.json"]
        sa, sb = load_scenario_arg(a), load_scenario_arg(b)
        pset = ui.load_parameter_set(parameters)
        base = None if pset is None else dict(pset.estimate)
        draws: list[dict[str, float]] = []
        if ensemble is not None:
            from gutsleep.apps.ensemble import ensemble_sets

            draws = ensemble_sets(pset, ensemble)
            files.append("attribution_bands.csv")
        with OutputFolder.open(out, command="explain", force=force, expect=files) as folder:
            what = f"attribution {sb.name} - {sa.name} (baseline run, then each pathway held)"
            with ui.day_progress(what) as progress:
                try:
                    result = explain(sa, sb, burn_in_days=burn_in_days, progress=progress, base_parameters=base)
                except SimulationError as err:
                    raise SimulationError(f"a run of the attribution failed to integrate, so nothing can be "
                                          f"attributed: {err}") from None
            table = attribution_table(result)
            bands = None
            if draws:
                step = ui.step_progress("attribution under")
                members = []
                for k, draw in enumerate(draws):
                    step(k, len(draws), f"posterior draw {k + 1}")
                    members.append(explain(sa, sb, burn_in_days=burn_in_days, base_parameters=draw))
                step(len(draws), len(draws), "")
                bands = attribution_bands(members)
            with ui.phase(f"writing explain.html, waterfall.png and CSV tables to {out}"):
                staging = folder.staging
                table.to_csv(staging / "attribution.csv", index=False)
                result.nightly.to_csv(staging / "attribution_nightly.csv", index=False)
                if bands is not None:
                    bands.to_csv(staging / "attribution_bands.csv", index=False)
                waterfall_figure(result).savefig(staging / "waterfall.png", dpi=110)
                (staging / "explain.html").write_text(explain_report(result, bands), encoding="utf-8")
                _write_package(staging, sa, sb, table, result.nightly, bands)
    _print_attribution(result, table, fmt)
    t = folder.target
    ui.info(f"written: {t / 'explain.html'}, {t / 'waterfall.png'}, {t / 'attribution.csv'}")
    if folder.kept:
        ui.info(f"left untouched in {t} (not written by gutsleep): {', '.join(folder.kept[:8])}")


def _write_package(out: Path, a: Scenario, b: Scenario, table: pd.DataFrame, nightly: pd.DataFrame,
                   bands: pd.DataFrame | None = None) -> None:
    """``datapackage.json`` of an explain folder: the CSVs described column by column, provenance."""
    from gutsleep.apps import metadata

    resources = [metadata.resource("attribution.csv", "attribution", table,
                                   description="mean over the window: A, B, B - A and each pathway's part"),
                 metadata.resource("attribution_nightly.csv", "attribution_nightly", nightly,
                                   description="per night and outcome: A, B, total and each pathway's part")]
    if bands is not None:
        resources.append(metadata.resource("attribution_bands.csv", "attribution_bands", bands,
                                           description="per outcome and part: 5/50/95 % points across posterior "
                                                       "draws of the parameter set (model uncertainty)"))
    resources += [metadata.resource("waterfall.png"), metadata.resource("explain.html")]
    gutsleep = metadata.provenance(metadata.subject_provenance([a, b]))
    metadata.write_datapackage(out, metadata.datapackage("gutsleep-explain", "Why sleep changed: pathways",
                                                         resources, gutsleep))


def _print_attribution(result: Attribution, table: pd.DataFrame, fmt: str) -> None:
    """One column per outcome (reads better in a terminal than one per pathway); csv/json: the full table."""
    from gutsleep.apps.tables import print_frame

    if fmt != "table":
        print_frame(table, fmt=fmt)
        return
    if ui.verbosity() < ui.NORMAL:
        return
    outcomes = list(result.summary.index)
    wide = table.set_index("outcome").T
    wide.columns = [SHORT_OUTCOMES.get(o, o) for o in outcomes]
    wide = wide.reset_index(names="pathway")
    first, last = result.window
    print_frame(wide, f"{result.b.name} - {result.a.name} by pathway, nights {first}-{last} (mean)")


def register(app: typer.Typer) -> None:
    """Add ``explain`` (and, once present, ``evidence``) to the main CLI."""
    app.command("explain")(explain_command)
    try:
        from gutsleep.evidence.cli import evidence_command
    except ImportError:  # the evidence suite is optional during development
        return
    app.command("evidence")(evidence_command)
