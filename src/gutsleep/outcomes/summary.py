"""What happened, per outcome: baseline, peak change, change over the intervention window, area under the change
curve and time to recover. Used by ``simulate``, ``compare`` and the cohort and trial reports.

Index ``k`` is the night (nightly columns) or the day (daily columns); night ``k`` starts on day ``k``, so one set
of windows serves both. For one run:

* **intervention window** ``[s, e]``: the first to the last day on which any intervention or event applies (an
  open-ended intervention runs to the last day; a jet lag or a night without sleep is a one-day window).
* **baseline window**: the ``baseline_days`` (7) days before ``s``. Without interventions or events it is the first
  7 days. When the change starts on day 0 there is no day before it and the baseline is day 0 (stated in
  ``baseline_note``; the burn-in repeats day 0's habits, so a habit change from day 0 is already in place
  there; compare against a scenario without it to see its effect).
* **change** ``c(k) = value(k) - baseline`` (clock hours on the 24-h circle, in -12..12 h). In a comparison the
  change is the difference ``B(k) - A(k)`` itself, on the days both scenarios have.
* **peak change**: the change of largest magnitude from ``s`` to the end, with its night/day and the value there.
* **window change**: mean change over ``[s, e]``.
* **change area**: sum of ``c(k)`` x 1 day from ``s`` to the end (unit x day): the effect's size and duration in
  one number, the lingering part after the window included.
* **recovery days**: days after ``e`` until ``|c|`` stays below the outcome's resolution
  (:func:`gutsleep.outcomes.columns.resolution`) to the end; 0 = back within the resolution at once. NaN, with
  ``recovery_note`` saying why, when there is no intervention, when it lasts to the end, or when the change has
  not settled by the last day.

Nights or days with a missing value (e.g. sleep-onset latency of a night without sleep) are left out of means,
sums and the peak; for recovery a missing value counts as not recovered.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gutsleep.outcomes import columns as meta
from gutsleep.scenario import Scenario

BASELINE_DAYS = 7
"""Days (nights) in the baseline window before the first change."""

SUMMARY_COLUMNS: tuple[str, ...] = (
    "column", "outcome", "unit", "kind", "resolution", "baseline_window", "baseline_note", "baseline_mean",
    "peak_change",
    "peak_at", "peak_value", "intervention_window", "window_change", "change_area", "recovery_days",
    "recovery_note",
)
"""Columns of a summary table after the group column (``subject``, ``arm`` or ``comparison``)."""

FIELD_UNITS: dict[str, str] = {
    "column": "name of the nightly or daily column",
    "outcome": "text",
    "unit": "text",
    "kind": "nightly or daily",
    "resolution": "unit of the outcome",
    "baseline_window": "text (nights/days, inclusive)",
    "baseline_note": "text",
    "baseline_mean": "unit of the outcome",
    "peak_change": "unit of the outcome",
    "peak_at": "night or day index",
    "peak_value": "unit of the outcome",
    "intervention_window": "text (nights/days, inclusive)",
    "window_change": "unit of the outcome",
    "change_area": "unit of the outcome x day",
    "recovery_days": "days",
    "recovery_note": "text",
    "baseline_a": "unit of the outcome",
    "baseline_b": "unit of the outcome",
    "peak_a": "unit of the outcome",
    "peak_b": "unit of the outcome",
}
"""Unit of every summary field (for output metadata)."""

FIELD_DESCRIPTIONS: dict[str, str] = {
    "subject": "subject index (one per scenario)",
    "scenario": "scenario name",
    "arm": "trial arm",
    "comparison": "which difference: B - A, or arm - reference arm",
    "column": "outcome column of nightly.csv / daily.csv",
    "outcome": "short label of the outcome",
    "unit": "unit of the outcome",
    "kind": "nightly (index = night) or daily (index = day)",
    "resolution": "smallest change of this outcome read as a change (recovery threshold)",
    "baseline_window": "nights/days averaged as the baseline",
    "baseline_note": "how the baseline window was chosen when not the 7 days before the first change",
    "baseline_mean": "mean over the baseline window (for a comparison: of B - A)",
    "peak_change": "largest change from the baseline (comparison: largest B - A) from the intervention start on",
    "peak_at": "night/day of the peak change",
    "peak_value": "value of the outcome at the peak (comparison: of B)",
    "intervention_window": "first to last night/day on which an intervention or event applies",
    "window_change": "mean change over the intervention window",
    "change_area": "sum of the change x 1 day from the intervention start to the end (area under the change curve)",
    "recovery_days": "days after the intervention window until the change stays below the resolution",
    "recovery_note": "why recovery_days is missing, if it is",
    "baseline_a": "mean of A over the baseline window",
    "baseline_b": "mean of B over the baseline window",
    "peak_a": "value of A at the peak difference",
    "peak_b": "value of B at the peak difference",
}
"""Description of every summary field (for output metadata)."""


@dataclass(frozen=True)
class Windows:
    """Inclusive night/day ranges of a summary: baseline, intervention (None: nothing happens), last index."""

    baseline: tuple[int, int]
    intervention: tuple[int, int] | None
    last: int
    baseline_note: str = ""

    @property
    def start(self) -> int:
        """First index of the changed part (the intervention start, else the day after the baseline)."""
        return self.intervention[0] if self.intervention is not None else self.baseline[1] + 1

    @property
    def open_ended(self) -> bool:
        """True when the intervention lasts to the last index (no recovery to measure)."""
        return self.intervention is not None and self.intervention[1] >= self.last


def change_spans(scenario: Scenario) -> list[tuple[int, int]]:
    """(first, last) day of every intervention and event of a scenario."""
    spans = [(iv.start_day, scenario.days - 1 if iv.end_day is None else iv.end_day) for iv in scenario.interventions]
    spans += [(ev.day, ev.day) for ev in scenario.events]
    return spans


def windows_from_spans(spans: Iterable[tuple[int, int]], days: int, baseline_days: int = BASELINE_DAYS) -> Windows:
    """Windows of a run of ``days`` days whose changes cover ``spans`` (day ranges, inclusive)."""
    spans = [(int(a), int(b)) for a, b in spans if a <= days - 1]
    last = days - 1
    if not spans:
        n = min(baseline_days, days)
        return Windows((0, n - 1), None, last, f"nothing changes: baseline = the first {n} days")
    start = min(a for a, _ in spans)
    end = min(max(b for _, b in spans), last)
    if start == 0:
        return Windows((0, 0), (0, end), last, "the change starts on day 0: baseline = day 0, which already "
                                                "includes it")
    return Windows((max(0, start - baseline_days), start - 1), (start, end), last)


def scenario_windows(scenario: Scenario, baseline_days: int = BASELINE_DAYS) -> Windows:
    """Windows of one scenario's run."""
    return windows_from_spans(change_spans(scenario), scenario.days, baseline_days)


def comparison_windows(a: Scenario, b: Scenario, baseline_days: int = BASELINE_DAYS) -> Windows:
    """Windows of a comparison on the days both scenarios have: from the first change in either to the last.

    Scenarios that differ in anything but their interventions and events (person, habits, parameters) differ from
    day 0."""
    days = min(a.days, b.days)
    spans = change_spans(a) + change_spans(b)
    ignore = {"name", "description", "days", "interventions", "events"}
    if a.model_dump(exclude=ignore) != b.model_dump(exclude=ignore):
        spans.append((0, days - 1))
    return windows_from_spans(spans, days, baseline_days)


def common_days_note(a: Scenario, b: Scenario) -> str:
    """How a comparison handles unequal lengths ('' when both have the same number of days)."""
    if a.days == b.days:
        return ""
    n = min(a.days, b.days)
    longer, name = ("A", a.name) if a.days > b.days else ("B", b.name)
    return (f"A ({a.name}) has {a.days} days and B ({b.name}) {b.days}: compared on the {n} days both have "
            f"(days/nights 0-{n - 1}); days {n}-{max(a.days, b.days) - 1} of {longer} ({name}) are left out.")


def _span_text(kind: str, span: tuple[int, int] | None) -> str:
    if span is None:
        return "none"
    word = "night" if kind == "nightly" else "day"
    return f"{word} {span[0]}" if span[0] == span[1] else f"{word}s {span[0]}-{span[1]}"


def _wrap(change: np.ndarray) -> np.ndarray:
    """Clock-hour differences onto -12..12 h."""
    return (change + 12.0) % 24.0 - 12.0


def _circular_mean(values: np.ndarray) -> np.ndarray:
    """Row-wise mean of clock hours on the 24-h circle (NaN ignored; NaN for empty rows)."""
    angle = values * (2.0 * math.pi / 24.0)
    with np.errstate(invalid="ignore"):
        s = np.nanmean(np.sin(angle), axis=1) if values.shape[1] else np.full(values.shape[0], np.nan)
        c = np.nanmean(np.cos(angle), axis=1) if values.shape[1] else np.full(values.shape[0], np.nan)
    return np.arctan2(s, c) * 24.0 / (2.0 * math.pi) % 24.0


def _nanmean(values: np.ndarray) -> np.ndarray:
    """Row-wise mean ignoring NaN (NaN for rows without a finite value, no warning)."""
    finite = np.isfinite(values)
    n = finite.sum(axis=1)
    total = np.where(finite, values, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def change_stats(values: np.ndarray, keys: np.ndarray, windows: Windows, resolution: np.ndarray | float, *,
                 circular: bool = False, relative: bool = True) -> dict[str, np.ndarray]:
    """Baseline mean, peak change (value, index, value there), window change, area and recovery of each row.

    ``values`` is (rows, K) over the indices ``keys`` (K,); ``relative``: change = value - baseline (a
    difference curve, e.g. B - A, is passed with ``relative=False``)."""
    values = np.asarray(values, dtype=np.float64)
    keys = np.asarray(keys)
    rows = values.shape[0]
    b0, b1 = windows.baseline
    in_base = (keys >= b0) & (keys <= b1)
    base = (_circular_mean if circular and relative else _nanmean)(values[:, in_base])
    change = values - base[:, None] if relative else values.copy()
    if circular:
        change = _wrap(change)
    after = keys >= windows.start
    sub = np.abs(np.where(np.isfinite(change), change, -1.0))[:, after]
    has = (np.isfinite(change[:, after])).any(axis=1) if after.any() else np.zeros(rows, dtype=bool)
    pos = np.argmax(sub, axis=1) if after.any() else np.zeros(rows, dtype=np.int64)
    cols = np.flatnonzero(after)
    peak_idx = cols[pos] if cols.size else np.zeros(rows, dtype=np.int64)
    peak_change = np.where(has, change[np.arange(rows), peak_idx], np.nan)
    peak_value = np.where(has, values[np.arange(rows), peak_idx], np.nan)
    peak_at = np.where(has, keys[peak_idx] if cols.size else np.nan, np.nan)
    if windows.intervention is not None:
        s, e = windows.intervention
        window_change = _nanmean(change[:, (keys >= s) & (keys <= e)])
    else:
        window_change = np.full(rows, np.nan)
    area = np.where(has, np.nansum(np.where(np.isfinite(change), change, 0.0)[:, after], axis=1), np.nan)
    res = np.broadcast_to(np.asarray(resolution, dtype=np.float64), (rows,))
    recovery = np.full(rows, np.nan)
    notes = np.full(rows, "", dtype=object)
    if windows.intervention is None:
        notes[:] = "no intervention or event"
    elif windows.open_ended:
        notes[:] = "the intervention lasts to the end"
    else:
        e = windows.intervention[1]
        post = keys > e
        post_keys = keys[post]
        within = np.abs(np.nan_to_num(change[:, post], nan=np.inf)) < res[:, None]
        for r in range(rows):
            outside = np.flatnonzero(~within[r])
            if outside.size == 0:
                recovery[r] = 0.0
            elif outside[-1] == post_keys.size - 1:
                notes[r] = f"not back within {res[r]:.3g} by the last night/day ({int(post_keys[-1])})"
            else:
                recovery[r] = float(post_keys[outside[-1] + 1] - e - 1)
    return {"baseline_mean": base, "peak_change": peak_change, "peak_at": peak_at, "peak_value": peak_value,
            "window_change": window_change, "change_area": area, "recovery_days": recovery, "recovery_note": notes}


def _kind(column: str, nightly_columns: Iterable[str]) -> str:
    return "nightly" if column in set(nightly_columns) else "daily"


def outcome_columns(table: pd.DataFrame, exclude: Iterable[str] = ()) -> list[str]:
    """Numeric outcome columns of a nightly or daily table (keys and ``exclude`` left out)."""
    skip = set(meta.KEY_COLUMNS) | set(exclude)
    return [c for c in table.columns if c not in skip and pd.api.types.is_numeric_dtype(table[c])]


def summarize_table(table: pd.DataFrame, key: str, windows: Windows | Mapping[object, Windows], *,
                    by: str = "subject", columns: Sequence[str] | None = None, relative: bool = True) -> pd.DataFrame:
    """Summary rows (one per group of ``by`` and column) of a long table indexed by ``key`` (night or day).

    ``windows`` is one set for all groups or one per group value."""
    kind = "nightly" if key == "night" else "daily"
    cols = list(columns) if columns is not None else outcome_columns(table, exclude=(by,))
    cols = [c for c in cols if c in table.columns]
    groups = list(dict.fromkeys(table[by].tolist()))
    per_group = windows if isinstance(windows, Mapping) else dict.fromkeys(groups, windows)
    out: list[pd.DataFrame] = []
    for w in dict.fromkeys(per_group.values()):  # groups sharing windows are summarised together
        mine = [g for g in groups if per_group[g] == w]
        part = table[table[by].isin(mine) & (table[key] <= w.last)]
        if part.empty:
            continue
        for col in cols:
            wide = part.pivot_table(index=by, columns=key, values=col, aggfunc="first", dropna=False)
            wide = wide.reindex(mine)
            keys = wide.columns.to_numpy()
            values = wide.to_numpy(dtype=np.float64)
            typical = float(np.nanmedian(np.abs(values))) if np.isfinite(values).any() else math.nan
            res = meta.resolution(col, typical)
            stats = change_stats(values, keys, w, res, circular=col in meta.CIRCULAR_COLUMNS, relative=relative)
            frame = pd.DataFrame({by: mine, "column": col, "outcome": meta.label(col), "unit": meta.unit(col),
                                  "kind": kind, "resolution": res,
                                  "baseline_window": _span_text(kind, w.baseline), **stats,
                                  "intervention_window": _span_text(kind, w.intervention)})
            frame["baseline_note"] = w.baseline_note
            out.append(frame)
    if not out:
        return pd.DataFrame(columns=[by, *SUMMARY_COLUMNS])
    df = pd.concat(out, ignore_index=True)
    df["peak_at"] = df["peak_at"].astype("Int64")
    order = {g: i for i, g in enumerate(groups)}
    df = df.sort_values(by, key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
    return df[[by, *SUMMARY_COLUMNS]]


def summarize_run(nightly: pd.DataFrame, daily: pd.DataFrame, scenarios: Sequence[Scenario], *,
                  baseline_days: int = BASELINE_DAYS, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Summary of every subject (subject i = ``scenarios[i]``) and outcome column, nightly rows first.

    ``columns`` limits the outcome columns (default: every numeric nightly and daily column)."""
    wins = {i: scenario_windows(s, baseline_days) for i, s in enumerate(scenarios)}
    parts = [summarize_table(t, key, wins, columns=[c for c in columns if c in t] if columns is not None else None)
             for t, key in ((nightly, "night"), (daily, "day"))]
    df = pd.concat([p for p in parts if not p.empty], ignore_index=True) if any(not p.empty for p in parts) else (
        parts[0])
    df.insert(1, "scenario", df["subject"].map(lambda i: scenarios[int(i)].name))
    return _in_column_order(df, "subject", columns)


def _in_column_order(df: pd.DataFrame, by: str, columns: Sequence[str] | None) -> pd.DataFrame:
    if columns is None or df.empty:
        return df
    rank = {c: i for i, c in enumerate(columns)}
    return df.sort_values([by, "column"], key=lambda s: s.map(rank) if s.name == "column" else s,
                          kind="stable").reset_index(drop=True)


def summarize_comparison(nightly: pd.DataFrame, daily: pd.DataFrame, a: Scenario, b: Scenario, *,
                         baseline_days: int = BASELINE_DAYS, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Summary of B - A (subjects 1 and 0 of ``nightly``/``daily``) on the days both have, per outcome column.

    Adds ``baseline_a``/``baseline_b`` (each scenario's baseline mean) and ``peak_a``/``peak_b`` (their values at
    the peak difference); ``peak_value`` is B's."""
    w = comparison_windows(a, b, baseline_days)
    parts = []
    for table, key in ((nightly, "night"), (daily, "day")):
        cols = outcome_columns(table) if columns is None else [c for c in columns if c in table]
        if not cols:
            continue
        ta = table[(table["subject"] == 0) & (table[key] <= w.last)].set_index(key)
        tb = table[(table["subject"] == 1) & (table[key] <= w.last)].set_index(key)
        common = ta.index.intersection(tb.index)
        diff = (tb.loc[common, cols].astype(float) - ta.loc[common, cols].astype(float)).reset_index()
        diff["comparison"] = "B - A"
        summary = summarize_table(diff, key, w, by="comparison", columns=cols, relative=False)
        for side, frame in (("a", ta.loc[common]), ("b", tb.loc[common])):
            frame = frame.reset_index().assign(comparison="B - A")
            base = summarize_table(frame, key, w, by="comparison", columns=cols)
            summary[f"baseline_{side}"] = base["baseline_mean"].to_numpy()
            peak = []
            for col, at in zip(summary["column"], summary["peak_at"], strict=True):
                peak.append(float(frame.set_index(key).at[int(at), col]) if pd.notna(at) else math.nan)
            summary[f"peak_{side}"] = peak
        summary["peak_value"] = summary["peak_b"]
        parts.append(summary)
    df = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["comparison", *SUMMARY_COLUMNS])
    return _in_column_order(df, "comparison", columns)


def display_table(summary: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Compact, human-readable view of a summary (one row per outcome, numbers as text to one digit below the
    outcome's resolution, so a change far below the resolution reads 0).

    Columns: outcome (unit), baseline (of A and B for a comparison; one column when they agree to the shown
    digits), peak change and the night/day it happens,
    window change, area (unit x day) and recovery (days after the window; ``ongoing`` when the intervention
    lasts to the end, ``not by end`` when the change has not settled by the last day, ``n/a`` without any
    intervention). DLMO baselines are clock times and its changes minutes."""
    rows = []
    df = summary if columns is None else summary[summary["column"].isin(columns)]
    for r in df.itertuples(index=False):
        word = "night" if r.kind == "nightly" else "day"
        circular = r.column in meta.CIRCULAR_COLUMNS
        if pd.notna(r.recovery_days):
            recovery = f"{int(r.recovery_days)} d"
        else:
            recovery = {"no intervention or event": "n/a", "the intervention lasts to the end": "ongoing"}.get(
                r.recovery_note, "not by end" if r.recovery_note else "-")
        unit = "clock; change in min" if circular else meta.short_unit(r.column)
        res = float(r.resolution)
        row = {"outcome (unit)": f"{r.outcome} ({unit})" if unit else r.outcome}
        if hasattr(r, "baseline_a"):
            row.update({"A baseline": _num(r.baseline_a, res, clock=circular, signed=False),
                        "B baseline": _num(r.baseline_b, res, clock=circular, signed=False)})
        else:
            row["baseline"] = _num(r.baseline_mean, res, clock=circular, signed=False)
        row.update({"peak change": _num(r.peak_change, res, minutes=circular),
                    "at": "-" if pd.isna(r.peak_at) else f"{word} {int(r.peak_at)}",
                    "window change": _num(r.window_change, res, minutes=circular),
                    "area (x day)": _num(r.change_area, res, minutes=circular), "recovery": recovery})
        rows.append(row)
    view = pd.DataFrame(rows)
    if "A baseline" in view and (view["A baseline"] == view["B baseline"]).all():
        view = view.drop(columns="B baseline").rename(columns={"A baseline": "baseline (A = B)"})
    return view


def _decimals(resolution: float) -> int:
    """Decimals that show an outcome to one digit below its resolution (1 min -> 1, 0.01 -> 3)."""
    if not (math.isfinite(resolution) and resolution > 0):
        return 3
    return max(0, math.ceil(-math.log10(resolution)) + 1)


def _num(value: float, resolution: float, *, minutes: bool = False, clock: bool = False, signed: bool = True) -> str:
    """A number for display, to one digit below the outcome's resolution (a change far below it reads 0):
    ``-`` for NaN, clock hours as HH:MM, clock changes in minutes."""
    if value is None or pd.isna(value):
        return "-"
    value = float(value)
    if clock:
        minutes_of_day = round(value * 60.0) % (24 * 60)
        return f"{minutes_of_day // 60:02d}:{minutes_of_day % 60:02d}"
    if minutes:
        value, resolution = value * 60.0, resolution * 60.0
    text = f"{value:{'+' if signed else ''}.{_decimals(resolution)}f}"
    if float(text) == 0.0:
        return "0"
    return text


__all__ = [
    "BASELINE_DAYS",
    "FIELD_DESCRIPTIONS",
    "FIELD_UNITS",
    "SUMMARY_COLUMNS",
    "Windows",
    "change_spans",
    "change_stats",
    "common_days_note",
    "comparison_windows",
    "display_table",
    "outcome_columns",
    "scenario_windows",
    "summarize_comparison",
    "summarize_run",
    "summarize_table",
    "windows_from_spans",
]
