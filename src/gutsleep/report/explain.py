"""Waterfall figures and the HTML page of a pathway attribution."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import pandas as pd
from matplotlib.figure import Figure

from gutsleep.explain.attribution import OUTCOMES, PATHWAY_LABELS, Attribution
from gutsleep.model import build_model
from gutsleep.outcomes.columns import min_span, short_unit
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
        # zoom on the levels, but never narrower than the outcome's minimum span: a change below its resolution
        # is drawn as small as it is
        span = max(4.0 * abs(row["b"] - row["a"]), min_span(outcome))
        middle = (row["a"] + row["b"]) / 2.0
        if math.isfinite(middle) and math.isfinite(span):  # no scored night in the window: leave autoscale
            ax.set_ylim(middle - span / 2.0, middle + span / 2.0)
        ax.set_ylabel(short_unit(outcome), fontsize=8)
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


def attribution_bands(results: Sequence[Attribution]) -> pd.DataFrame:
    """Across attributions of the same A/B under posterior draws: per outcome and part (A, B, B - A, each pathway,
    interactions/other) the 5/50/95 % points, as a long table."""
    tables = [attribution_table(r).set_index("outcome") for r in results]
    stacked = pd.concat(tables, keys=range(len(tables)), names=["draw", "outcome"])
    long = stacked.stack().rename("value").reset_index().rename(columns={"level_2": "part"})
    g = long.groupby(["outcome", "part"], sort=False)["value"]
    out = g.quantile([0.05, 0.5, 0.95]).unstack()
    out.columns = ["p05", "p50", "p95"]
    out.insert(0, "draws", len(results))
    return out.reset_index()


def bands_display(bands: pd.DataFrame) -> pd.DataFrame:
    """Wide text table: one row per part, one column per outcome, 'median [5 %, 95 %]'."""
    text = bands.assign(cell=[f"{m:.3g} [{lo:.3g}, {hi:.3g}]" for m, lo, hi in
                              zip(bands.p50, bands.p05, bands.p95, strict=True)])
    wide = text.pivot(index="part", columns="outcome", values="cell")
    order = list(dict.fromkeys(bands.part))
    return wide.reindex(order)[list(dict.fromkeys(bands.outcome))].reset_index()


def explain_report(result: Attribution, bands: pd.DataFrame | None = None) -> str:
    """Self-contained HTML page: method, table, waterfalls (and the parts' model uncertainty, with ``bands``)."""
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
    if bands is not None and len(bands):
        body[4:4] = [f"<h3>Model uncertainty: {int(bands.draws.iloc[0])} posterior draws</h3>",
                     "<p>The same attribution under posterior draws of the parameter set: median [5 %, 95 %] of "
                     "each part across the draws (the table above is the estimate).</p>",
                     table_html(bands_display(bands))]
    return page(f"Why sleep changed: {result.a.name} -> {result.b.name}", body,
                footer_text(len(model.parameters), len(model.states)))
