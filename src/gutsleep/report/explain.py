"""Waterfall figures and the HTML page of a pathway attribution."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from gutsleep.explain.attribution import OUTCOMES, PATHWAY_LABELS, Attribution
from gutsleep.model import build_model
from gutsleep.report.html import figure_html, footer_text, new_figure, page, table_html

OUTCOME_LABELS = {
    "tst_min": "total sleep time (min)",
    "sleep_efficiency_pct": "sleep efficiency (%)",
    "sol_min": "sleep-onset latency (min)",
    "waso_min": "wake after sleep onset (min)",
    "sws_min": "slow-wave sleep (min)",
    "sws_pct": "slow-wave sleep (% of sleep)",
}


def attribution_table(result: Attribution) -> pd.DataFrame:
    """Mean over the window: outcome, A, B, total change, each pathway's part, remainder."""
    table = result.summary.copy()
    table.insert(0, "outcome", [OUTCOME_LABELS[o] for o in table.index])
    return table.rename(columns={**PATHWAY_LABELS, "a": "A", "b": "B", "total": "B - A",
                                 "remainder": "interactions/other"}).reset_index(drop=True)


def waterfall_figure(result: Attribution, outcomes: tuple[str, ...] = OUTCOMES) -> Figure:
    """One waterfall per outcome: A, then each pathway's part, the remainder, ending at B."""
    fig, axes = new_figure((len(outcomes) + 1) // 2, 2, width=12, height=3.4, sharex=False)
    labels = ["A", *PATHWAY_LABELS.values(), "interactions/other", "B"]
    for ax, outcome in zip(axes, outcomes, strict=False):
        row = result.summary.loc[outcome]
        parts = [row[p] for p in PATHWAY_LABELS] + [row["remainder"]]
        level = row["a"]
        ax.bar(0, level, color="#7f7f7f")
        for i, part in enumerate(parts, start=1):
            ax.bar(i, part, bottom=level, color="#2ca02c" if part >= 0 else "#d62728")
            level += part
        ax.bar(len(parts) + 1, row["b"], color="#1f77b4")
        span = abs(row["b"] - row["a"]) or 1.0
        low = min(row["a"], row["b"]) - 1.5 * span
        high = max(row["a"], row["b"]) + 1.5 * span
        if np.isfinite(low) and np.isfinite(high):  # no scored night in the window (e.g. all nights deprived)
            ax.set_ylim(low, high)
        ax.set_xticks(range(len(labels)), labels, rotation=40, ha="right", fontsize=7)
        ax.set_title(f"{OUTCOME_LABELS[outcome]}: {row['b'] - row['a']:+.2f}", fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    for ax in axes[len(outcomes):]:
        ax.set_visible(False)
    return fig


def attribution_section(result: Attribution) -> str:
    """The attribution as a report section: which pathways carry the change made by the interventions."""
    first, last = result.window
    return "\n".join([
        f"<h2>Why sleep changed: pathways ({html.escape(result.b.name)})</h2>",
        f"<p>Change against the same person without interventions or events, nights {first}-{last}, split by "
        "pathway (see <code>gutsleep explain</code> for the method).</p>",
        table_html(attribution_table(result), digits=3),
        figure_html(waterfall_figure(result, ("tst_min", "waso_min", "sol_min", "sws_min")), "pathway waterfall"),
    ])


def explain_report(result: Attribution) -> str:
    """Self-contained HTML page: method, table, waterfalls."""
    model = build_model()
    first, last = result.window
    body = [
        f"<p>A = <b>{html.escape(result.a.name)}</b>, B = <b>{html.escape(result.b.name)}</b>; nights {first}-{last} "
        "averaged.</p>",
        "<p>Each pathway's part is the change that disappears when B is re-run with that pathway's signals into "
        "sleep held at their trajectories under A (melatonin; vagal tone; portal butyrate; IL-6; cortisol; "
        "Process C and gut-clock misalignment; alcohol, stress and digestion). The remainder holds interactions "
        "and anything that reaches sleep outside these pathways (for example a changed sleep schedule), so the "
        "parts add up to the total.</p>",
        "<h2>Attribution</h2>",
        table_html(attribution_table(result), digits=3),
        "<h2>Waterfalls</h2>",
        figure_html(waterfall_figure(result), "pathway waterfall per sleep outcome"),
    ]
    return page(f"Why sleep changed: {result.a.name} -> {result.b.name}", body,
                footer_text(len(model.parameters), len(model.states)))
