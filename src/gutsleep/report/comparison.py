"""HTML report comparing two scenarios: A vs B overlays and B - A differences of the key outcomes.

Scenarios of unequal length are compared on the days both have (the report says so at the top)."""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from gutsleep.model import build_model
from gutsleep.outcomes.columns import axis_label, min_span, short_unit
from gutsleep.outcomes.summary import common_days_note, outcome_columns, summarize_comparison
from gutsleep.report.html import (
    figure_html,
    footer_text,
    mark_days,
    new_figure,
    outcome_axis,
    page,
    scenario_markers,
    set_min_span,
)
from gutsleep.report.simulation import KEY_COLUMNS, SUMMARY_EXPLANATION, scenario_html, summary_html

if TYPE_CHECKING:
    from gutsleep.apps.simulate import ComparisonOutput

_PLOTTED_NIGHTLY = ("tst_min", "sws_pct", "sol_min", "waso_min")
_PLOTTED_DAILY = (
    "shannon",
    "butyrate_mM",
    "gaba",
    "permeability_index",
    "il6_pg_ml",
    "crp_mg_l",
    "cortisol_morning_nmol_l",
    "dlmo_clock_h",
    "vagal_signal",
    "gut_serotonin_share",
)


def comparison_summary(cmp: ComparisonOutput) -> pd.DataFrame:
    """Summary of B - A per outcome column on the days both scenarios have (key outcomes first): baselines of A
    and B, peak difference and its night/day, mean difference over the intervention window, area and recovery
    (see :func:`gutsleep.outcomes.summary.summarize_comparison`)."""
    sim = cmp.simulation
    keys = [c for c in KEY_COLUMNS if c in sim.nightly or c in sim.daily]
    rest = [c for t in (sim.nightly, sim.daily) for c in outcome_columns(t) if c not in keys]
    return summarize_comparison(sim.nightly, sim.daily, cmp.a, cmp.b, columns=[*keys, *rest])


def _common(table: pd.DataFrame, key: str, diff: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``table`` on the nights/days present in the difference table (both scenarios have them)."""
    return table[table[key].isin(diff[key])]


def _overlay_and_difference(cmp: ComparisonOutput, table: pd.DataFrame, diff: pd.DataFrame, key: str,
                            columns: tuple[str, ...]) -> str:
    """HTML of :func:`overlay_figure`."""
    return figure_html(overlay_figure(cmp, table, diff, key, columns), f"{key}ly outcomes, A vs B")


def overlay_figure(cmp: ComparisonOutput, table: pd.DataFrame, diff: pd.DataFrame, key: str,
                   columns: tuple[str, ...]) -> Figure:
    """Figure with, per outcome, A and B over time (left) and B - A (right), both in the outcome's unit (titles
    and y-axes), on the days both scenarios have."""
    fig, ax = new_figure(len(columns), 2, height=2.1)
    markers = [m for m in scenario_markers([cmp.a, cmp.b]) if m[0] <= min(cmp.a.days, cmp.b.days) - 1]
    table = _common(table, key, diff)
    for r, col in enumerate(columns):
        left, right = ax[2 * r], ax[2 * r + 1]
        values = []
        for i, (name, style) in enumerate(((cmp.a.name, "-"), (cmp.b.name, "--"))):
            mine = table[table["subject"] == i]
            left.plot(mine[key], mine[col], linestyle=style, label=f"{'AB'[i]}: {name}")
            values.append(mine[col].to_numpy(dtype=float))
        delta = diff[col].to_numpy(dtype=float)
        if col == "dlmo_clock_h":  # clock hours differ on the 24-h circle, shown in minutes
            delta = ((delta + 12.0) % 24.0 - 12.0) * 60.0
        right.axhline(0.0, color="k", linewidth=0.6)
        right.plot(diff[key], delta, color="C3")
        left.set_title(axis_label(col), fontsize=9)
        finite = np.concatenate(values) if values else np.zeros(0)
        finite = finite[np.isfinite(finite)]
        typical = float(np.median(np.abs(finite))) if finite.size else math.nan
        outcome_axis(left, col)
        if col == "dlmo_clock_h":
            right.set_title("B - A: DLMO (min)", fontsize=9)
            right.set_ylabel("min", fontsize=8)
            set_min_span(right, 60.0 * min_span(col))
        else:
            right.set_title(f"B - A: {axis_label(col)}", fontsize=9)
            outcome_axis(right, col, unit=short_unit(col) or "dimensionless", typical=typical)
        for a in (left, right):
            a.grid(alpha=0.3)
            a.tick_params(labelsize=8)
    ax[0].legend(fontsize=7)
    ax[-1].set_xlabel(key, fontsize=8)
    ax[-2].set_xlabel(key, fontsize=8)
    mark_days(ax, markers)
    return fig


def comparison_report(cmp: ComparisonOutput) -> str:
    """Complete self-contained HTML report of a comparison."""
    model = build_model()
    sim = cmp.simulation
    note = common_days_note(cmp.a, cmp.b)
    body = [
        "<h2>Scenarios</h2>",
        scenario_html(sim),
    ]
    if note:
        body.append(f'<p class="note">{html.escape(note)}</p>')
    body += [
        "<h2>Summary: B - A</h2>",
        SUMMARY_EXPLANATION.replace("change from the baseline", "difference B - A").replace(
            "<b>baseline</b> =", "<b>baseline</b> (of A and of B) ="),
        summary_html(comparison_summary(cmp), False),
        "<h2>Sleep, night by night</h2>",
        _overlay_and_difference(cmp, sim.nightly, cmp.nightly_diff, "night", _PLOTTED_NIGHTLY),
        "<h2>Gut, metabolites, immune, HPA and clocks, day by day</h2>",
        _overlay_and_difference(cmp, sim.daily, cmp.daily_diff, "day", _PLOTTED_DAILY),
        "<p>Dashed vertical lines mark intervention starts/ends and events of either scenario.</p>",
    ]
    title = f"gutsleep comparison: {cmp.a.name} (A) vs {cmp.b.name} (B)"
    return page(title, body, footer_text(len(model.parameters), len(model.states)))
