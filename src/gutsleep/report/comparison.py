"""HTML report comparing two scenarios: A vs B overlays and B - A differences of the key outcomes."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from gutsleep.model import build_model
from gutsleep.report.html import figure_html, footer_text, mark_days, new_figure, page, scenario_markers, table_html
from gutsleep.report.simulation import KEY_DAILY, KEY_NIGHTLY, WINDOW, scenario_html, summary

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
    """Key outcomes: mean of the last 7 days (nights) for A and B and the difference B - A."""
    s = summary(cmp.simulation)
    last = f"last {WINDOW}"
    a = s[s["subject"] == 0].set_index("column")
    b = s[s["subject"] == 1].set_index("column")
    diff = b[last] - a[last]
    dlmo = "dlmo_clock_h"
    if dlmo in diff.index and math.isfinite(diff[dlmo]):
        diff[dlmo] = (diff[dlmo] + 12.0) % 24.0 - 12.0
    return pd.DataFrame(
        {
            "outcome": a["outcome"],
            "unit": a["unit"],
            f"A: {cmp.a.name}": a[last],
            f"B: {cmp.b.name}": b[last],
            "B - A": diff,
        }
    ).reset_index(drop=True)


def _overlay_and_difference(cmp: ComparisonOutput, table: pd.DataFrame, diff: pd.DataFrame, key: str,
                            columns: tuple[str, ...], labels: dict[str, str]) -> str:
    """Figure with, per outcome, A and B over time (left) and B - A (right)."""
    fig, ax = new_figure(len(columns), 2, height=2.1)
    markers = scenario_markers([cmp.a, cmp.b])
    for r, col in enumerate(columns):
        left, right = ax[2 * r], ax[2 * r + 1]
        for i, (name, style) in enumerate(((cmp.a.name, "-"), (cmp.b.name, "--"))):
            mine = table[table["subject"] == i]
            left.plot(mine[key], mine[col], linestyle=style, label=f"{'AB'[i]}: {name}")
        right.axhline(0.0, color="k", linewidth=0.6)
        right.plot(diff[key], diff[col], color="C3")
        left.set_title(labels.get(col, col), fontsize=9)
        right.set_title(f"B - A: {labels.get(col, col)}", fontsize=9)
        for a in (left, right):
            a.grid(alpha=0.3)
            a.tick_params(labelsize=8)
    ax[0].legend(fontsize=7)
    ax[-1].set_xlabel(key, fontsize=8)
    ax[-2].set_xlabel(key, fontsize=8)
    mark_days(ax, markers)
    return figure_html(fig, f"{key}ly outcomes, A vs B")


def comparison_report(cmp: ComparisonOutput) -> str:
    """Complete self-contained HTML report of a comparison."""
    model = build_model()
    labels = dict(KEY_NIGHTLY) | dict(KEY_DAILY) | {"gaba": "luminal GABA", "tst_min": "total sleep time"}
    sim = cmp.simulation
    body = [
        "<h2>Scenarios</h2>",
        scenario_html(sim),
        f"<h2>Summary</h2><p>Mean of the last {WINDOW} simulated days (nights); B - A (DLMO on the 24-h circle).</p>",
        table_html(comparison_summary(cmp)),
        "<h2>Sleep, night by night</h2>",
        _overlay_and_difference(cmp, sim.nightly, cmp.nightly_diff, "night", _PLOTTED_NIGHTLY, labels),
        "<h2>Gut, metabolites, immune, HPA and clocks, day by day</h2>",
        _overlay_and_difference(cmp, sim.daily, cmp.daily_diff, "day", _PLOTTED_DAILY, labels),
        "<p>Dashed vertical lines mark intervention starts/ends and events of either scenario.</p>",
    ]
    title = f"gutsleep comparison: {cmp.a.name} (A) vs {cmp.b.name} (B)"
    return page(title, body, footer_text(len(model.parameters), len(model.states)))
