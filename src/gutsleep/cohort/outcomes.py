"""Per-subject outcome summaries: means of nightly and daily columns over a window of days.

A window of days ``first..last`` (inclusive) covers those days' daily rows and the nights *ending* on them, i.e.
nights ``first-1 .. last-1`` (a night belongs to the day on which it starts), so a k-day window holds k nights
(fewer if they fall before day 0). ``dlmo_clock_h`` (a clock hour) is averaged on the circle.

Optional observation noise (``{column: sd}``, in the column's unit) adds independent normal errors to every
night's or day's value before averaging, mimicking night-to-night and assay variability that the deterministic
model does not have. The errors of subject ``i`` come from its own stream
``default_rng([seed, i, crc32(column)])``, so they do not depend on batching or on the other columns.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from gutsleep.outcomes import DAILY_UNITS, NIGHTLY_UNITS

CIRCULAR_COLUMNS: frozenset[str] = frozenset({"dlmo_clock_h"})
"""Columns that are clock hours (0-24) and are averaged on the circle."""
KEY_COLUMNS: frozenset[str] = frozenset({"subject", "night", "day"})


def outcome_kind(column: str) -> str:
    """``nightly`` or ``daily`` for an outcome column (``guild_*`` are daily); ValueError otherwise."""
    if column in numeric_nightly():
        return "nightly"
    if (column in DAILY_UNITS and column not in KEY_COLUMNS) or column.startswith("guild_"):
        return "daily"
    raise ValueError(f"unknown outcome column {column!r}; nightly: {', '.join(numeric_nightly())}; "
                     f"daily: {', '.join(c for c in DAILY_UNITS if c not in KEY_COLUMNS)}, guild_<name>")


def outcome_unit(column: str) -> str:
    """Unit of an outcome column (empty if unknown)."""
    return NIGHTLY_UNITS.get(column) or DAILY_UNITS.get(column) or ("relative abundance" if
                                                                     column.startswith("guild_") else "")


def numeric_nightly() -> list[str]:
    """Numeric nightly outcome columns."""
    return [c for c, u in NIGHTLY_UNITS.items() if c not in KEY_COLUMNS and "HH:MM" not in u]


def _numeric(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns if c not in KEY_COLUMNS and pd.api.types.is_numeric_dtype(table[c])]


def add_noise(table: pd.DataFrame, noise: Mapping[str, float], seed: int) -> pd.DataFrame:
    """Copy of a nightly or daily table with normal observation noise (sd in the column's unit) added."""
    cols = [c for c in sorted(noise) if c in table.columns and noise[c] > 0]
    if not cols or table.empty:
        return table
    out = table.copy()
    groups = out.groupby("subject", sort=False).indices
    for col in cols:
        values = out[col].to_numpy(dtype=np.float64, copy=True)
        for subject, idx in groups.items():
            rng = np.random.default_rng([int(seed), int(subject), zlib.crc32(col.encode())])
            values[idx] += noise[col] * rng.standard_normal(len(idx))
        out[col] = values
    return out


def _circular_mean_h(values: pd.Series) -> float:
    v = values.dropna().to_numpy()
    if v.size == 0:
        return math.nan
    ang = v * (2.0 * math.pi / 24.0)
    return float(np.arctan2(np.sin(ang).mean(), np.cos(ang).mean()) * 24.0 / (2.0 * math.pi)) % 24.0


def window_means(nightly: pd.DataFrame, daily: pd.DataFrame, first_day: int, last_day: int,
                 columns: Iterable[str] | None = None) -> pd.DataFrame:
    """Per-subject means over days ``first_day..last_day`` (nights ``first_day-1..last_day-1``), indexed by subject.

    ``columns`` limits the outcome columns (default: every numeric nightly and daily column).
    """
    wanted = None if columns is None else set(columns)
    parts: list[pd.DataFrame] = []
    for table, key, lo, hi in ((nightly, "night", first_day - 1, last_day - 1), (daily, "day", first_day, last_day)):
        cols = [c for c in _numeric(table) if wanted is None or c in wanted]
        if not cols:
            continue
        rows = table[(table[key] >= lo) & (table[key] <= hi)]
        linear = [c for c in cols if c not in CIRCULAR_COLUMNS]
        grouped = rows.groupby("subject", sort=True)
        means = grouped[linear].mean() if linear else pd.DataFrame(index=grouped.size().index)
        for c in cols:
            if c in CIRCULAR_COLUMNS:
                means[c] = grouped[c].apply(_circular_mean_h)
        parts.append(means[cols])
    if not parts:
        return pd.DataFrame(index=pd.Index([], name="subject"))
    out = pd.concat(parts, axis=1)
    out.index.name = "subject"
    return out


def last_days_means(nightly: pd.DataFrame, daily: pd.DataFrame, days: int, window: int,
                    columns: Iterable[str] | None = None) -> pd.DataFrame:
    """Per-subject means over the last ``window`` days of a ``days``-day run."""
    return window_means(nightly, daily, max(0, days - window), days - 1, columns)


__all__ = [
    "CIRCULAR_COLUMNS",
    "add_noise",
    "last_days_means",
    "numeric_nightly",
    "outcome_kind",
    "outcome_unit",
    "window_means",
]
