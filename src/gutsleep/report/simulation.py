"""HTML report of one simulation: summary table and the key pathways over time."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from gutsleep.model import build_model
from gutsleep.outcomes.columns import axis_label
from gutsleep.outcomes.summary import outcome_columns
from gutsleep.report.html import (
    figure_html,
    footer_text,
    mark_days,
    new_figure,
    outcome_axis,
    page,
    scenario_markers,
    set_min_span,
    table_html,
)

MISALIGNMENT_SPAN = 0.05
"""Minimum y span of the gut-central clock misalignment (0-1; read in hundredths)."""

if TYPE_CHECKING:
    from gutsleep.apps.simulate import SimulationOutput

KEY_NIGHTLY: tuple[tuple[str, str], ...] = (
    ("tst_min", "total sleep time"),
    ("sleep_efficiency_pct", "sleep efficiency"),
    ("sol_min", "sleep-onset latency"),
    ("waso_min", "wake after sleep onset"),
    ("sws_pct", "slow-wave sleep share"),
)
"""(nightly column, label) of the sleep outcomes in the summary."""

KEY_DAILY: tuple[tuple[str, str], ...] = (
    ("shannon", "Shannon diversity"),
    ("richness", "richness"),
    ("butyrate_mM", "colonic butyrate"),
    ("gaba", "luminal GABA"),
    ("gut_serotonin_share", "gut share of serotonin"),
    ("permeability_index", "gut permeability"),
    ("lps_fold", "plasma LPS"),
    ("il6_pg_ml", "IL-6"),
    ("crp_mg_l", "CRP"),
    ("cortisol_morning_nmol_l", "morning cortisol peak"),
    ("cortisol_evening_nmol_l", "evening cortisol"),
    ("melatonin_peak_pg_ml", "melatonin peak"),
    ("dlmo_clock_h", "DLMO (clock time)"),
    ("vagal_signal", "vagal signal"),
)
"""(daily column, label) of the daily outcomes in the summary."""

KEY_COLUMNS: tuple[str, ...] = tuple(c for c, _ in (*KEY_NIGHTLY, *KEY_DAILY))
"""Outcome columns shown in the console and report summaries (summary.csv has every column)."""


def summary(output: SimulationOutput) -> pd.DataFrame:
    """Per subject and outcome column: baseline, peak change, window change, change area and recovery
    (see :mod:`gutsleep.outcomes.summary`); key outcomes first."""
    from gutsleep.outcomes.summary import summarize_run

    keys = [c for c in KEY_COLUMNS if c in output.nightly or c in output.daily]
    rest = [c for t in (output.nightly, output.daily) for c in outcome_columns(t) if c not in keys]
    return summarize_run(output.nightly, output.daily, output.scenarios, columns=[*keys, *rest])


def summary_html(table: pd.DataFrame, with_scenario: bool) -> str:
    """The key outcomes of a summary as an HTML table (one block per subject when several)."""
    from gutsleep.outcomes.summary import display_table

    parts = []
    groups = table.groupby("subject", sort=False) if "subject" in table else [(None, table)]
    for _, part in groups:
        if with_scenario:
            parts.append(f"<h3>{html.escape(str(part['scenario'].iloc[0]))}</h3>")
        notes = {n for n in part.get("baseline_note", pd.Series(dtype=str)) if n}
        view = display_table(part, KEY_COLUMNS)
        parts.append(table_html(view))
        parts += [f"<p>Baseline: {html.escape(n)}.</p>" for n in sorted(notes)]
    return "\n".join(parts)


SUMMARY_EXPLANATION = (
    "<p>Per outcome: <b>baseline</b> = mean of the 7 days (nights) before the first intervention or event (the "
    "first 7 when there is none); <b>peak change</b> = the largest change from the baseline from the first "
    "intervention day on, with the night/day it happens; <b>window change</b> = mean change while interventions "
    "and events apply; <b>area</b> = change summed over the days from the start to the end of the run (unit x "
    "day); <b>recovery</b> = days after the last intervention day until the change stays within the outcome's "
    "resolution (e.g. 1 min of sleep, 0.01 Shannon, 5 min of DLMO). DLMO changes are in minutes on the 24-h "
    "circle. Every outcome, with the resolution used, is in <code>summary.csv</code>.</p>"
)


def _plot(ax: Axes, table: pd.DataFrame, key: str, column: str, names: Sequence[str], **style: object) -> None:
    """One line per subject of ``column`` against ``key``."""
    for i, name in enumerate(names):
        mine = table[table["subject"] == i]
        ax.plot(mine[key], mine[column], label=name if len(names) > 1 else None, **style)  # type: ignore[arg-type]


def _finish(axes: Sequence[Axes], titles: Sequence[str], xlabel: str, markers: list[tuple[float, str]],
            legend: bool) -> None:
    """Titles, grid, x label, event markers and (optionally) a legend on the first axis."""
    for ax, title in zip(axes, titles, strict=False):
        ax.set_title(title, fontsize=9)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
    for ax in axes[-2:]:
        ax.set_xlabel(xlabel, fontsize=8)
    mark_days(axes, markers)
    if legend:
        axes[0].legend(fontsize=7)


def daily_misalignment(output: SimulationOutput) -> pd.DataFrame | None:
    """Daily mean of ``circadian_misalignment`` from the time series (None without one)."""
    ds = output.timeseries
    if ds is None or "circadian_misalignment" not in ds or ds.sizes["time"] == 0:
        return None
    time = ds["time"].to_numpy()
    day = np.ceil(time / 24.0).astype(int) - 1
    keep = time > 0
    rows = []
    values = ds["circadian_misalignment"].to_numpy()
    for i in range(ds.sizes["subject"]):
        frame = pd.DataFrame({"day": day[keep], "v": values[i, keep]}).groupby("day")["v"].mean()
        rows += [{"subject": i, "day": int(d), "circadian_misalignment": float(v)} for d, v in frame.items()]
    return pd.DataFrame(rows)


def _outcome_panels(axes: Sequence[Axes], table: pd.DataFrame, key: str, columns: Sequence[str],
                    names: Sequence[str], **style: object) -> list[str]:
    """One outcome per axis (a line per subject), y-axis with its unit and minimum span; returns the titles."""
    for ax, col in zip(axes, columns, strict=False):
        _plot(ax, table, key, col, names, **style)
        outcome_axis(ax, col)
    return [axis_label(c) for c in columns]


def pathway_figures(output: SimulationOutput) -> list[tuple[str, str]]:
    """(section title, figure HTML) of every pathway plot."""
    return [(title, figure_html(fig, alt)) for title, fig, alt in pathway_figure_objects(output)]


def pathway_figure_objects(output: SimulationOutput) -> list[tuple[str, Figure, str]]:
    """(section title, figure, alt text) of every pathway plot. Every y-axis carries its unit and a minimum span
    of ten resolutions of its outcome (:mod:`gutsleep.outcomes.columns`), so changes below the resolution look
    small."""
    names = [s.name for s in output.scenarios]
    markers = scenario_markers(output.scenarios)
    multi = len(names) > 1
    n, d = output.nightly, output.daily
    out: list[tuple[str, Figure, str]] = []

    fig, ax = new_figure(2, 2)
    titles = _outcome_panels(ax, n, "night", ("tst_min", "sws_pct", "sol_min", "waso_min"), names, marker=".",
                             linewidth=1)
    _finish(ax, titles, "night", markers, multi)
    out.append(("Sleep", fig, "nightly sleep outcomes"))

    shown = min(len(names), 4)
    fig, ax = new_figure(1 + (shown + 1) // 2, 2, sharex=False)
    _plot(ax[0], d, "day", "shannon", names)
    outcome_axis(ax[0], "shannon")
    _plot(ax[1], d, "day", "richness", names, drawstyle="steps-post")
    outcome_axis(ax[1], "richness", unit="detected taxa")
    guild_cols = [c for c in d.columns if c.startswith("guild_")]
    for i in range(shown):
        mine = d[d["subject"] == i]
        ax[2 + i].stackplot(mine["day"], *(mine[c] for c in guild_cols),
                            labels=[c.removeprefix("guild_").replace("_", " ") for c in guild_cols])
        ax[2 + i].set_ylim(0, 1)
        ax[2 + i].set_ylabel("fraction of community", fontsize=8)
    for extra in ax[2 + shown:]:
        extra.set_visible(False)
    titles = [axis_label("shannon"), "richness (detected taxa)"] + [f"guild shares: {names[i]}" for i in range(shown)]
    _finish(ax[: 2 + shown], titles, "day", markers, multi)
    if shown:
        ax[2].legend(fontsize=6, loc="lower left", ncol=3)
    out.append(("Microbiome", fig, "microbiome diversity and guilds"))

    fig, ax = new_figure(2, 2)
    for col, style in (("butyrate_mM", "-"), ("propionate_mM", "--"), ("acetate_mM", ":")):
        for i, name in enumerate(names):
            mine = d[d["subject"] == i]
            ax[0].plot(mine["day"], mine[col], linestyle=style, color=f"C{i}",
                       label=f"{col.removesuffix('_mM')}" + (f" ({name})" if multi else ""))
    outcome_axis(ax[0], "butyrate_mM")
    titles = ["colonic SCFA (mM)", *_outcome_panels(ax[1:], d, "day", ("gaba", "gut_serotonin", "brain_serotonin"),
                                                     names)]
    _finish(ax, titles, "day", markers, False)
    ax[0].legend(fontsize=7)
    out.append(("Metabolites", fig, "SCFA, GABA and serotonin pools"))

    fig, ax = new_figure(2, 2)
    titles = _outcome_panels(ax, d, "day", ("permeability_index", "lps_fold", "il6_pg_ml", "crp_mg_l"), names)
    _finish(ax, titles, "day", markers, multi)
    out.append(("Barrier and immune", fig, "barrier and inflammation"))

    fig, ax = new_figure(1, 2)
    titles = _outcome_panels(ax, d, "day", ("cortisol_morning_nmol_l", "cortisol_evening_nmol_l"), names)
    _finish(ax, ["morning cortisol peak 05-11 h (nmol/L)", "evening cortisol 18-23 h (nmol/L)"], "day", markers,
            multi)
    out.append(("HPA axis", fig, "cortisol"))

    fig, ax = new_figure(2, 2)
    dlmo = d.assign(dlmo_clock_h=np.where(d["dlmo_clock_h"] < 12.0, d["dlmo_clock_h"] + 24.0, d["dlmo_clock_h"]))
    _plot(ax[0], dlmo, "day", "dlmo_clock_h", names, marker=".", linewidth=1)
    outcome_axis(ax[0], "dlmo_clock_h", unit="local clock h (24+ = after midnight)")
    _outcome_panels(ax[1:2], d, "day", ("melatonin_peak_pg_ml",), names)
    mis = daily_misalignment(output)
    if mis is not None:
        _plot(ax[2], mis, "day", "circadian_misalignment", names)
    ax[2].set_ylabel("0 aligned, 1 antiphase", fontsize=8)
    if mis is not None:
        set_min_span(ax[2], MISALIGNMENT_SPAN)
    _outcome_panels(ax[3:4], d, "day", ("microbial_rhythm_amplitude",), names)
    _finish(ax, ["DLMO (local clock h; after midnight shown as 24+)", axis_label("melatonin_peak_pg_ml"),
                 "gut-central clock misalignment (dimensionless)" + ("" if mis is not None else
                                                                      " (needs the time series)"),
                 axis_label("microbial_rhythm_amplitude")], "day", markers, multi)
    out.append(("Clocks", fig, "circadian clocks"))

    fig, ax = new_figure(1, 2)
    _outcome_panels(ax, d, "day", ("vagal_signal", "gut_serotonin_share"), names)
    _finish(ax, ["vagal afferent signal (1 = baseline person)", "gut share of body serotonin (fraction)"], "day",
            markers, multi)
    out.append(("Vagal signalling", fig, "vagal signal"))
    return out


def markers_html(output: SimulationOutput) -> str:
    """List of the intervention and event days marked on the plots."""
    marks = scenario_markers(output.scenarios)
    if not marks:
        return "<p>No interventions or events.</p>"
    return "<ul>" + "".join(f"<li>day {day:g}: {html.escape(text)}</li>" for day, text in marks) + "</ul>"


def scenario_html(output: SimulationOutput) -> str:
    """Short description of each simulated scenario and the marked intervention/event days."""
    items = []
    for i, s in enumerate(output.scenarios):
        p = s.person
        desc = html.escape(s.description or "")
        items.append(
            f"<li><b>{html.escape(s.name)}</b> (subject {i}): {s.days} days after {output.burn_in_days} burn-in days; "
            f"{p.age:g}-year-old {p.sex}, BMI {p.bmi:g}{', vagotomy' if p.vagotomy else ''}. {desc}</li>"
        )
    return "<ul>" + "".join(items) + "</ul>" + "<p>Interventions and events (dashed lines in the plots):</p>" + (
        markers_html(output)
    )


def simulation_report(output: SimulationOutput, extra_sections: Sequence[str] = ()) -> str:
    """Complete self-contained HTML report of a simulation (``extra_sections``: HTML appended at the end)."""
    model = build_model()
    body = [
        "<h2>Scenarios</h2>",
        scenario_html(output),
        "<h2>Summary: what changed</h2>",
        SUMMARY_EXPLANATION,
        summary_html(summary(output), len(output.scenarios) > 1),
    ]
    for title, fig in pathway_figures(output):
        body += [f"<h2>{html.escape(title)}</h2>", fig]
    body.append("<p>Dashed lines mark intervention starts/ends and events.</p>")
    body += list(extra_sections)
    title = "gutsleep simulation: " + ", ".join(s.name for s in output.scenarios)
    return page(title, body, footer_text(len(model.parameters), len(model.states)))
