"""HTML report of one simulation: summary table and the key pathways over time."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from gutsleep.model import build_model
from gutsleep.outcomes import DAILY_UNITS, NIGHTLY_UNITS
from gutsleep.report.html import (
    figure_html,
    footer_text,
    mark_days,
    new_figure,
    page,
    scenario_markers,
    table_html,
)

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

WINDOW = 7
"""Days (nights) averaged at the start and at the end of the run in the summary."""


def _mean(values: np.ndarray, circular_24h: bool) -> float:
    """Mean ignoring NaN; clock hours are averaged on the 24-h circle (result in 0-24)."""
    v = values[np.isfinite(values)]
    if v.size == 0:
        return math.nan
    if not circular_24h:
        return float(v.mean())
    angle = v * 2 * math.pi / 24.0
    return float((math.atan2(np.sin(angle).mean(), np.cos(angle).mean()) * 24.0 / (2 * math.pi)) % 24.0)


def _window_means(table: pd.DataFrame, key: str, column: str) -> tuple[float, float]:
    """Mean of ``column`` over the first and the last ``WINDOW`` rows (by ``key``) of one subject's table."""
    rows = table.sort_values(key)
    values = rows[column].to_numpy(dtype=float)
    circular = column == "dlmo_clock_h"
    return _mean(values[:WINDOW], circular), _mean(values[-WINDOW:], circular)


def summary(output: SimulationOutput) -> pd.DataFrame:
    """Per subject and key outcome: mean of the first 7 days/nights after day 0, of the last 7, and the change."""
    rows = []
    for i, scenario in enumerate(output.scenarios):
        for table, key, keys, units in (
            (output.nightly, "night", KEY_NIGHTLY, NIGHTLY_UNITS),
            (output.daily, "day", KEY_DAILY, DAILY_UNITS),
        ):
            mine = table[table["subject"] == i]
            for column, label in keys:
                first, last = _window_means(mine, key, column) if len(mine) else (math.nan, math.nan)
                change = last - first
                if column == "dlmo_clock_h" and math.isfinite(change):
                    change = (change + 12.0) % 24.0 - 12.0
                rows.append(
                    {
                        "subject": i,
                        "scenario": scenario.name,
                        "outcome": label,
                        "column": column,
                        "unit": units[column],
                        f"first {WINDOW}": first,
                        f"last {WINDOW}": last,
                        "change": change,
                    }
                )
    return pd.DataFrame(rows)


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


def pathway_figures(output: SimulationOutput) -> list[tuple[str, str]]:
    """(section title, figure HTML) of every pathway plot."""
    names = [s.name for s in output.scenarios]
    markers = scenario_markers(output.scenarios)
    multi = len(names) > 1
    n, d = output.nightly, output.daily
    out: list[tuple[str, str]] = []

    fig, ax = new_figure(2, 2)
    for a, col in zip(ax, ("tst_min", "sws_pct", "sol_min", "waso_min"), strict=True):
        _plot(a, n, "night", col, names, marker=".", linewidth=1)
    _finish(ax, ["total sleep time (min)", "slow-wave sleep (% of TST)", "sleep-onset latency (min)",
                 "wake after sleep onset (min)"], "night", markers, multi)
    out.append(("Sleep", figure_html(fig, "nightly sleep outcomes")))

    shown = min(len(names), 4)
    fig, ax = new_figure(1 + (shown + 1) // 2, 2, sharex=False)
    _plot(ax[0], d, "day", "shannon", names)
    _plot(ax[1], d, "day", "richness", names, drawstyle="steps-post")
    guild_cols = [c for c in d.columns if c.startswith("guild_")]
    for i in range(shown):
        mine = d[d["subject"] == i]
        ax[2 + i].stackplot(mine["day"], *(mine[c] for c in guild_cols),
                            labels=[c.removeprefix("guild_").replace("_", " ") for c in guild_cols])
        ax[2 + i].set_ylim(0, 1)
    for extra in ax[2 + shown:]:
        extra.set_visible(False)
    titles = ["Shannon diversity", "richness (detected taxa)"] + [f"guild shares: {names[i]}" for i in range(shown)]
    _finish(ax[: 2 + shown], titles, "day", markers, multi)
    if shown:
        ax[2].legend(fontsize=6, loc="lower left", ncol=3)
    out.append(("Microbiome", figure_html(fig, "microbiome diversity and guilds")))

    fig, ax = new_figure(2, 2)
    for col, style in (("butyrate_mM", "-"), ("propionate_mM", "--"), ("acetate_mM", ":")):
        for i, name in enumerate(names):
            mine = d[d["subject"] == i]
            ax[0].plot(mine["day"], mine[col], linestyle=style, color=f"C{i}",
                       label=f"{col.removesuffix('_mM')}" + (f" ({name})" if multi else ""))
    _plot(ax[1], d, "day", "gaba", names)
    _plot(ax[2], d, "day", "gut_serotonin", names)
    _plot(ax[3], d, "day", "brain_serotonin", names)
    _finish(ax, ["colonic SCFA (mM)", "luminal GABA (ug/g)", "gut serotonin store (ug)", "brain serotonin (ug)"],
            "day", markers, False)
    ax[0].legend(fontsize=7)
    out.append(("Metabolites", figure_html(fig, "SCFA, GABA and serotonin pools")))

    fig, ax = new_figure(2, 2)
    for a, col in zip(ax, ("permeability_index", "lps_fold", "il6_pg_ml", "crp_mg_l"), strict=True):
        _plot(a, d, "day", col, names)
    _finish(ax, ["permeability index", "plasma LPS (fold)", "IL-6 (pg/mL)", "CRP (mg/L)"], "day", markers, multi)
    out.append(("Barrier and immune", figure_html(fig, "barrier and inflammation")))

    fig, ax = new_figure(1, 2)
    _plot(ax[0], d, "day", "cortisol_morning_nmol_l", names)
    _plot(ax[1], d, "day", "cortisol_evening_nmol_l", names)
    _finish(ax, ["morning cortisol peak (nmol/L)", "evening cortisol 18-23 h (nmol/L)"], "day", markers, multi)
    out.append(("HPA axis", figure_html(fig, "cortisol")))

    fig, ax = new_figure(2, 2)
    dlmo = d.assign(dlmo_clock_h=np.where(d["dlmo_clock_h"] < 12.0, d["dlmo_clock_h"] + 24.0, d["dlmo_clock_h"]))
    _plot(ax[0], dlmo, "day", "dlmo_clock_h", names, marker=".", linewidth=1)
    _plot(ax[1], d, "day", "melatonin_peak_pg_ml", names)
    mis = daily_misalignment(output)
    if mis is not None:
        _plot(ax[2], mis, "day", "circadian_misalignment", names)
    _plot(ax[3], d, "day", "microbial_rhythm_amplitude", names)
    _finish(ax, ["DLMO (local clock h; after midnight shown as 24+)", "melatonin peak (pg/mL)",
                 "gut-central clock misalignment" + ("" if mis is not None else " (needs the time series)"),
                 "microbial rhythm amplitude"], "day", markers, multi)
    out.append(("Clocks", figure_html(fig, "circadian clocks")))

    fig, ax = new_figure(1, 2)
    _plot(ax[0], d, "day", "vagal_signal", names)
    _plot(ax[1], d, "day", "gut_serotonin_share", names)
    _finish(ax, ["vagal afferent signal (1 = baseline)", "gut share of body serotonin"], "day", markers, multi)
    out.append(("Vagal signalling", figure_html(fig, "vagal signal")))
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
    table = summary(output).drop(columns=["subject", "column"])
    if len(output.scenarios) == 1:
        table = table.drop(columns="scenario")
    body = [
        "<h2>Scenarios</h2>",
        scenario_html(output),
        f"<h2>Summary</h2><p>Mean of the first {WINDOW} and the last {WINDOW} simulated days (nights) after day 0; "
        "change = last - first (DLMO on the 24-h circle).</p>",
        table_html(table),
    ]
    for title, fig in pathway_figures(output):
        body += [f"<h2>{html.escape(title)}</h2>", fig]
    body.append("<p>Dashed lines mark intervention starts/ends and events.</p>")
    body += list(extra_sections)
    title = "gutsleep simulation: " + ", ".join(s.name for s in output.scenarios)
    return page(title, body, footer_text(len(model.parameters), len(model.states)))
