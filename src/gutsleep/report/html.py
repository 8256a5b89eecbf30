"""Building blocks of the self-contained HTML reports: embedded PNG figures, tables, page frame.

Everything is inline (figures as base64 PNG, CSS in a ``<style>`` element); no external JS, CSS or fonts,
so a report opens offline and can be mailed as one file.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Iterable, Sequence

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from gutsleep import __version__
from gutsleep.outcomes import columns as outcome_columns
from gutsleep.scenario import Scenario

DISCLAIMER = (
    "Not medical advice. These are outputs of a mechanistic model built on published data and stated "
    "assumptions (see <code>gutsleep params</code> and <code>gutsleep equations</code>); they show what the "
    "model implies, not what will happen to a particular person."
)

_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1100px;
       color: #222; line-height: 1.4; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.6em 0; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
img { max-width: 100%; height: auto; }
.note { background: #fff8e1; border-left: 4px solid #f0b400; padding: 0.6em 1em; font-size: 0.9em; }
footer { margin-top: 2.5em; font-size: 0.8em; color: #666; border-top: 1px solid #ddd; padding-top: 0.6em; }
"""


def new_figure(
    rows: int, cols: int, *, width: float = 11.0, height: float = 2.6, sharex: bool = True
) -> tuple[Figure, list[Axes]]:
    """Figure on the Agg canvas (no pyplot, no global backend) with a grid of axes; plain y tick labels."""
    fig = Figure(figsize=(width, height * rows), layout="constrained")
    FigureCanvasAgg(fig)
    axes = list(fig.subplots(rows, cols, sharex=sharex, squeeze=False).ravel())
    for ax in axes:
        ax.ticklabel_format(axis="y", useOffset=False)
    return fig, axes


def set_min_span(ax: Axes, span: float, axis: str = "y") -> None:
    """Widen an axis (``y`` or ``x``) to at least ``span`` around the plotted data, so that a change far below an
    outcome's resolution is drawn as the near-flat line it is (not stretched to the full height). A non-negative
    quantity's axis does not extend below 0."""
    if not (math.isfinite(span) and span > 0):
        return
    get, put = (ax.get_ylim, ax.set_ylim) if axis == "y" else (ax.get_xlim, ax.set_xlim)
    lo, hi = get()
    if hi - lo >= span:
        return
    data_lo, data_hi = ax.dataLim.intervaly if axis == "y" else ax.dataLim.intervalx
    if not (math.isfinite(data_lo) and math.isfinite(data_hi)) or data_lo > data_hi:
        data_lo, data_hi = lo, hi
    low = (data_lo + data_hi) / 2.0 - span / 2.0
    if data_lo >= 0.0 > low:
        low = 0.0
    put(low, low + span)


def outcome_axis(ax: Axes, column: str, *, unit: str | None = None, typical: float | None = None) -> None:
    """Label the y-axis with the outcome's unit and give it the outcome's minimum span.

    ``typical`` (the outcome's usual magnitude) sets the span of outcomes without a stated resolution; by default
    it is read from the plotted data (pass it for difference axes, whose data are near 0)."""
    ax.set_ylabel(unit if unit is not None else (outcome_columns.short_unit(column) or "dimensionless"), fontsize=8)
    if typical is None:
        data_lo, data_hi = ax.dataLim.intervaly
        typical = max(abs(data_lo), abs(data_hi)) if math.isfinite(data_lo) and math.isfinite(data_hi) else math.nan
    set_min_span(ax, outcome_columns.min_span(column, typical))


def figure_html(fig: Figure, alt: str) -> str:
    """Render ``fig`` as an inline base64 PNG ``<img>``."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def table_html(df: pd.DataFrame, digits: int = 3) -> str:
    """DataFrame as an HTML table with numbers rounded to ``digits`` significant decimals (text escaped)."""

    def fmt(v: object) -> str:
        if isinstance(v, float):
            return "" if math.isnan(v) else f"{v:.{digits}g}" if abs(v) >= 1000 or v == 0 else f"{v:.{digits}f}"
        return str(v)

    return df.to_html(index=False, escape=True, formatters={c: fmt for c in df.columns}, na_rep="", border=0)


def page(title: str, body: Iterable[str], footer: str) -> str:
    """Complete HTML document with the standard style and disclaimer."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="note">{DISCLAIMER}</p>',
        *body,
        f"<footer>{footer}</footer>",
        "</body></html>",
    ]
    return "\n".join(parts)


def footer_text(n_parameters: int, n_states: int) -> str:
    """Footer naming the package version and model size."""
    return (
        f"gutsleep {html.escape(__version__)} &middot; model with {n_states} states and {n_parameters} "
        "parameters &middot; model output with assumptions, not medical advice"
    )


def scenario_markers(scenarios: Sequence[Scenario]) -> list[tuple[float, str]]:
    """(day, label) of every intervention start/end and event in the scenarios (deduplicated, sorted)."""
    marks: set[tuple[float, str]] = set()
    for s in scenarios:
        for iv in s.interventions:
            if iv.antibiotics is not None:
                what = f"antibiotics {iv.antibiotics}"
            elif iv.set is not None:
                what = ", ".join(f"{k}" for k in sorted(iv.set.model_fields_set))
            else:
                what = "intervention"
            marks.add((float(iv.start_day), f"start: {what}"))
            if iv.end_day is not None and iv.end_day + 1 < s.days:
                marks.add((float(iv.end_day + 1), f"end: {what}"))
        for ev in s.events:
            label = "sleep deprivation" if ev.type == "sleep_deprivation" else f"jet lag {ev.shift_hours:+g} h"
            marks.add((float(ev.day), label))
    return sorted(marks)


def mark_days(axes: Iterable[Axes], markers: Sequence[tuple[float, str]], *, label: bool = True) -> None:
    """Dashed vertical lines at the marker days on every axis; labels (joined per day) on the first one."""
    by_day: dict[float, list[str]] = {}
    for day, text in markers:
        by_day.setdefault(day, []).append(text)
    for n, ax in enumerate(axes):
        for day, texts in by_day.items():
            text = "; ".join(texts)
            text = text if len(text) <= 40 else text[:39] + "..."
            ax.axvline(day, color="#888", linestyle="--", linewidth=0.8, zorder=0)
            if label and n == 0:
                note = ax.annotate(text, (day, 0.98), xycoords=("data", "axes fraction"), rotation=90, fontsize=7,
                                   va="top", ha="right", color="#555", annotation_clip=False)
                note.set_in_layout(False)  # long labels must not squeeze the axes
