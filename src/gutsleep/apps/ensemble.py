"""``simulate --parameters FILE --ensemble N``: the model's uncertainty from N posterior draws of a parameter set.

The point estimate gives the usual outputs (nightly.csv, daily.csv, summary.csv, timeseries.nc, report.html,
unchanged). The N draws (evenly spaced through the set's stored draws) run as extra subjects of one batched run
and give three more tables: ``nightly_bands.csv`` and ``daily_bands.csv`` (per subject, night/day and key
outcome: the 5 %, 50 % and 95 % points across draws) and ``summary_bands.csv`` (per subject and outcome: the
change over the intervention window at the estimate and its 5-95 % range across draws), plus a report section
with the bands drawn around the estimate.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from gutsleep.apps.simulate import SimulationOutput, simulate, summary_table
from gutsleep.calibrate.paramset import ParameterSet
from gutsleep.scenario import Scenario

BAND_FILES: tuple[str, ...] = ("nightly_bands.csv", "daily_bands.csv", "summary_bands.csv")
QUANTILES = {"p05": 0.05, "p50": 0.50, "p95": 0.95}


def ensemble_sets(pset: ParameterSet | None, n: int) -> list[dict[str, float]]:
    """``n`` parameter sets: the estimate with ``n`` of the stored posterior draws (evenly spaced) applied
    (``pset`` None, i.e. ``--parameters none``, has no draws: refused)."""
    if pset is None:
        raise ValueError("--ensemble needs a parameter set with posterior draws (the shipped default, or "
                         "--parameters FILE), not --parameters none")
    if n < 2:
        raise ValueError("--ensemble needs at least 2 draws")
    if len(pset.draws) < n:
        raise ValueError(f"parameter set {pset.path or pset.name} holds {len(pset.draws)} posterior draws; "
                         f"--ensemble {n} needs at least {n} (calibrate with more --draws, or more --steps/--walkers "
                         f"for emcee)")
    rows = pset.draws[np.linspace(0, len(pset.draws) - 1, n).round().astype(int)]
    return [{**pset.estimate, **dict(zip(pset.draw_names, map(float, row), strict=True))} for row in rows]


def run_ensemble(scenarios: Sequence[Scenario], sets: Sequence[Mapping[str, float]], *, burn_in_days: int,
                 progress: object = False) -> list[SimulationOutput]:
    """Every scenario under every parameter set, as one batched run; one output per set."""
    from gutsleep.calibrate.evaluate import split_output

    n = len(scenarios)
    bases = [dict(s) for s in sets for _ in range(n)]
    out = simulate(list(scenarios) * len(sets), base_parameters=bases, burn_in_days=burn_in_days,
                   timeseries_every_h=None, progress=progress)  # type: ignore[arg-type]
    return split_output(out, len(sets), n)


def band_table(members: Sequence[SimulationOutput], kind: str) -> pd.DataFrame:
    """Long table: subject, night (or day), outcome, p05, p50, p95 across the members, for the key outcomes."""
    from gutsleep.report.simulation import KEY_COLUMNS

    key = "night" if kind == "nightly" else "day"
    frames = [getattr(m, kind) for m in members]
    columns = [c for c in KEY_COLUMNS if c in frames[0].columns]
    stacked = pd.concat(frames, keys=range(len(frames)), names=["draw", None]).reset_index(level=0)
    long = stacked.melt(id_vars=["draw", "subject", key], value_vars=columns, var_name="outcome")
    grouped = long.groupby(["subject", key, "outcome"], sort=False)["value"]
    table = pd.DataFrame({name: grouped.quantile(q) for name, q in QUANTILES.items()}).reset_index()
    table["draws"] = len(members)
    return table


def summary_bands(point: SimulationOutput, members: Sequence[SimulationOutput]) -> pd.DataFrame:
    """Per subject and outcome: the window change at the estimate and its 5/50/95 % points across the draws."""
    base = summary_table(point)[["subject", "scenario", "column", "unit", "intervention_window", "window_change"]]
    changes = pd.concat([summary_table(m)[["subject", "column", "window_change"]] for m in members])
    grouped = changes.groupby(["subject", "column"], sort=False)["window_change"]
    q = pd.DataFrame({f"window_change_{name}": grouped.quantile(v) for name, v in QUANTILES.items()}).reset_index()
    out = base.merge(q, on=["subject", "column"], how="left")
    out["draws"] = len(members)
    return out


def band_section(point: SimulationOutput, nightly: pd.DataFrame, daily: pd.DataFrame, summary: pd.DataFrame,
                 draws: int, source: str) -> str:
    """Report section: key outcomes with their 5-95 % band across posterior draws, and the window changes."""
    from gutsleep.report.html import figure_html, new_figure, outcome_axis, table_html
    from gutsleep.report.simulation import KEY_DAILY, KEY_NIGHTLY

    parts = [f"<h2>Model uncertainty: {draws} posterior draws</h2>",
             f"<p>Each scenario re-run under {draws} posterior draws of the parameter set {html.escape(source)}; "
             "the shaded band is the 5-95 % range across draws, the line the point estimate. This is the model's "
             "parameter uncertainty given its calibration targets, not the spread between people.</p>"]
    for i, s in enumerate(point.scenarios):
        panels = [(nightly, "night", c, label) for c, label in KEY_NIGHTLY[:4]]
        panels += [(daily, "day", c, label) for c, label in KEY_DAILY[:4]]
        fig, axes = new_figure(2, 4, width=11, height=2.2, sharex=False)
        for ax, (table, key, column, label) in zip(axes, panels, strict=False):
            band = table[(table.subject == i) & (table.outcome == column)]
            est = (point.nightly if key == "night" else point.daily)
            est = est[est.subject == i]
            ax.fill_between(band[key], band["p05"], band["p95"], color="#1f77b4", alpha=0.25, label="5-95 %")
            ax.plot(est[key], est[column], color="#1f77b4", lw=1, label="estimate")
            ax.set_title(label, fontsize=8)
            ax.set_xlabel(key, fontsize=7)
            outcome_axis(ax, column)
            ax.tick_params(labelsize=6)
        axes[0].legend(fontsize=6)
        parts += [f"<h3>{html.escape(s.name)}</h3>", figure_html(fig, f"{s.name}: bands across posterior draws")]
        mine = summary[summary.subject == i]
        if mine["window_change"].notna().any():
            parts.append(table_html(mine[["column", "unit", "intervention_window", "window_change",
                                          "window_change_p05", "window_change_p95"]].rename(
                columns={"window_change": "change (estimate)", "window_change_p05": "5 %",
                         "window_change_p95": "95 %"})))
    return "\n".join(parts)
