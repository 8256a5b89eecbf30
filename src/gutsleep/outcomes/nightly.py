"""Night-by-night sleep outcomes (TST, efficiency, SOL, WASO, SWS) from the per-step record.

A night is the set of in-bed steps carrying its night index in the schedule (the local day on which the
sleep opportunity starts). Values recorded at the end of step ``j`` stand for the whole step (15 min).

* TIB = sum of ``in_bed_effective`` x 15 min over the night's steps: the whole window when an alarm ends it (every
  step counts 1); without an alarm the window is the longest allowed and the time up after the night's sleep has
  ended does not count. ``wake`` is the end of the window, or the time ``in_bed_effective`` falls below 1/2
  (getting up, interpolated within the step) on an alarm-free night.
* ``sleep_onset``: first time the sleep-mode indicator ``sleep_mode_Z`` = 1 - exp(-T) reaches 0.5, i.e. the onset
  drive ``sleep_onset_drive_T`` reaches ln 2, linearly interpolated in T between step ends (T, the integrated onset
  hazard, is nearly linear in time within a step; the value before the first in-bed step is the one at bedtime;
  T >= ln 2 at bedtime means onset at bedtime).
  ``sol_min`` = time in bed from bedtime to onset (= onset - bedtime when an alarm ends the night; without one, a
  brief doze followed by getting up is not counted); no onset -> ``sol_min`` = TIB and onset empty.
* ``tst_min`` = sum of ``asleep`` (at most the in-bed share) x 15 over in-bed time after onset (the onset step
  counts for the part of it after onset; 0 without onset); ``sleep_efficiency_pct`` = 100 TST/TIB.
* ``waso_min`` = sum of (in bed - asleep) x 15 over in-bed time after onset; NaN without onset. Hence
  SOL + TST + WASO = TIB on every night with an onset (as in polysomnography scoring).
* ``sws_min`` = sum of ``sws`` x 15 after onset; ``sws_pct`` = 100 SWS/TST (NaN when TST = 0).

Nights are emitted once they have ended: a night whose sleep opportunity still runs at the last step of the run
is left out, and so are burn-in nights (index < 0). A night without any in-bed step (``sleep_deprivation``) is
emitted, once a later night has started, with TIB = TST = 0, efficiency 0, SWS 0, empty clock times and NaN for
SOL, WASO and SWS %.

Memory is bounded: per subject only the totals of the night in progress are kept between days; the work is
a compiled pass over the steps (:mod:`gutsleep.outcomes._compiled`), parallel over subjects. Adding a column
that sums a per-step variable over in-bed steps is one :class:`InBedSum` in :data:`IN_BED_SUMS` (and its name
in :data:`NIGHTLY_COLUMNS` / :data:`NIGHTLY_UNITS`). ``end_steps`` gives each
subject its own end of run (in steps from the start of the run), so a subject batched with longer scenarios gets
the same rows as when simulated alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gutsleep.outcomes import _compiled as cc
from gutsleep.outcomes.common import STEP_H, STEP_MIN, Columns, OutcomeSchedule, clock_strings
from gutsleep.solve.engine import threads_for

NIGHTLY_COLUMNS: tuple[str, ...] = (
    "subject",
    "night",
    "bedtime",
    "sleep_onset",
    "wake",
    "tst_min",
    "sleep_efficiency_pct",
    "sol_min",
    "waso_min",
    "sws_min",
    "sws_pct",
    "time_in_bed_min",
    "rem_min",
    "rem_pct",
    "rem_latency_min",
    "n3_min",
)
"""Public contract: columns of the nightly table, in order (new columns are appended)."""

NIGHTLY_UNITS: dict[str, str] = {
    "subject": "index",
    "night": "local day on which the night starts",
    "bedtime": "local clock HH:MM",
    "sleep_onset": "local clock HH:MM",
    "wake": "local clock HH:MM",
    "tst_min": "min",
    "sleep_efficiency_pct": "%",
    "sol_min": "min",
    "waso_min": "min",
    "sws_min": "min",
    "sws_pct": "% of TST",
    "time_in_bed_min": "min",
    "rem_min": "min",
    "rem_pct": "% of TST",
    "rem_latency_min": "min",
    "n3_min": "min",
}
"""Unit (or meaning) of every nightly column."""

ONSET_THRESHOLD: float = math.log(2.0)
"""``sleep_onset_drive_T`` level that marks sleep onset (``sleep_mode_Z`` = 0.5)."""

REM_THRESHOLD: float = 0.25
"""Share of a step in REM that marks the start of the first REM period (REM latency)."""


@dataclass(frozen=True)
class InBedSum:
    """A nightly column = ``scale`` x the sum of a per-step variable over the night's in-bed steps."""

    column: str
    variable: str
    scale: float = STEP_MIN


IN_BED_SUMS: tuple[InBedSum, ...] = (InBedSum("sws_min", "sws"), InBedSum("rem_min", "rem"))
"""Nightly columns that are plain in-bed sums (minutes when the variable is a 0-1 fraction of each step)."""

_EVENT_ROWS = 8
"""Events (finished nights, runs of deprived nights) one subject can produce in one simulated day."""


class NightlyReducer:
    """Streaming reducer: call it with each ``DayRecord`` (in day order), then :meth:`result`.

    The engine can also feed it chunks of subjects with :meth:`reduce_block` (see
    :class:`gutsleep.solve.engine.BlockReducer`); ``required(columns)`` names the variables it reads.
    """

    def __init__(self, columns: Columns, schedule: OutcomeSchedule, *, end_steps: np.ndarray | None = None) -> None:
        self._schedule = schedule
        self._end_steps = np.zeros(0, dtype=np.int64) if end_steps is None else np.asarray(end_steps, np.int64)
        self._i_asleep = columns["asleep"]
        self._i_z = columns.state("sleep_onset_drive_T")
        self._i_rem = columns["rem"]
        self._i_bed = columns["in_bed_effective"]
        self._sum_idx = np.array([columns[s.variable] for s in IN_BED_SUMS], dtype=np.int64)
        self._n = 0
        self._cur = np.zeros(0, dtype=np.int64)
        self._prev = np.zeros(0, dtype=np.int64)
        self._last = np.zeros(0, dtype=np.int64)
        self._acc = np.zeros((0, cc.NIGHTLY_FIXED + len(IN_BED_SUMS)))
        self._rows = RowStore(NIGHTLY_COLUMNS, ("subject", "night"), capacity_hint(schedule))

    @staticmethod
    def required(columns: Columns) -> tuple[str, ...]:
        """Variables of the day record this reducer reads."""
        return ("sleep_onset_drive_T", "asleep", "in_bed_effective", *(s.variable for s in IN_BED_SUMS))

    @property
    def _pending(self) -> list[int]:
        """Subjects with a night still in progress."""
        return np.flatnonzero(self._cur[: self._n] != cc.NONE).tolist()

    def _grow(self, n: int) -> None:
        if n <= self._n:
            return
        extra = n - self._n
        self._cur = np.concatenate([self._cur, np.full(extra, cc.NONE, dtype=np.int64)])
        self._prev = np.concatenate([self._prev, np.full(extra, -1, dtype=np.int64)])
        self._last = np.concatenate([self._last, np.full(extra, -1, dtype=np.int64)])
        self._acc = np.concatenate([self._acc, np.zeros((extra, self._acc.shape[1]))])
        self._n = n

    def __call__(self, day: Any) -> None:
        """Consume one ``DayRecord`` (``k``, ``record`` (N, steps, vars), ``start`` (N, states))."""
        self.reduce_block(day.k, 0, day.record, day.start)

    def reduce_block(self, k: int, i0: int, record: np.ndarray, start: np.ndarray) -> None:
        """Consume day ``k`` of subjects ``i0 .. i0 + len(record)`` (record/start laid out like ``columns``)."""
        n = record.shape[0]
        self._grow(i0 + n)
        nights = _frozen(np.asarray(self._schedule.day_night_index(k))[i0 : i0 + n], np.int32)
        local = _frozen(np.asarray(self._schedule.day_local_time(k))[i0 : i0 + n], np.float64)
        events = np.empty((n, _EVENT_ROWS, 3 + self._acc.shape[1]))
        n_events = np.zeros(n, dtype=np.int64)
        with threads_for(n // 64 + 1):
            cc.nightly_block(k, i0, _frozen(record, np.float64),
                             _frozen(start, np.float64), local, nights, self._i_asleep, self._i_z, self._i_rem,
                             self._i_bed, self._sum_idx, self._end_steps, ONSET_THRESHOLD, REM_THRESHOLD, STEP_H,
                             self._cur, self._prev, self._last, self._acc, events, n_events)
        if (n_events < 0).any():
            raise RuntimeError(f"more than {_EVENT_ROWS} nights ended on simulated day {k} for one subject")
        if n_events.any():
            self._collect(i0, events, n_events)

    def _collect(self, i0: int, events: np.ndarray, n_events: np.ndarray) -> None:
        """Turn one call's events into table rows (column arrays)."""
        mask = np.arange(events.shape[1])[None, :] < n_events[:, None]
        ev = events[mask]
        subj = np.repeat(np.arange(events.shape[0]) + i0, n_events)
        gap = ev[:, 0] == cc.EV_GAP
        counts = np.where(gap, ev[:, 2] - ev[:, 1] + 1, 1).astype(np.int64)
        subj = np.repeat(subj, counts)
        first = np.repeat(ev[:, 1], counts)
        offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        night = (first + offset).astype(np.int64)
        ev = np.repeat(ev, counts, axis=0)
        deprived = ev[:, 0] == cc.EV_GAP
        acc = ev[:, 3:]
        tib = acc[:, cc.N_TIB] * STEP_MIN
        tst = acc[:, cc.N_ASLEEP] * STEP_MIN
        onset = ~np.isnan(acc[:, cc.N_ONSET])
        with np.errstate(invalid="ignore", divide="ignore"):
            eff = np.where(tib > 0, 100.0 * tst / np.where(tib > 0, tib, 1.0), 0.0)
            sol = np.where(onset, acc[:, cc.N_SOL] * STEP_MIN, tib)
            waso = np.where(onset, acc[:, cc.N_WASO] * STEP_MIN, math.nan)
        cols: dict[str, np.ndarray] = {
            "subject": subj.astype(np.int64),
            "night": night,
            "bedtime": acc[:, cc.N_BED],
            "sleep_onset": acc[:, cc.N_ONSET_LOCAL],
            "wake": acc[:, cc.N_END],
            "tst_min": np.where(deprived, 0.0, tst),
            "sleep_efficiency_pct": np.where(deprived, 0.0, eff),
            "sol_min": np.where(deprived, math.nan, sol),
            "waso_min": np.where(deprived, math.nan, waso),
            "time_in_bed_min": np.where(deprived, 0.0, tib),
        }
        for q, s in enumerate(IN_BED_SUMS):
            cols[s.column] = np.where(deprived, 0.0, acc[:, cc.NIGHTLY_FIXED + q] * s.scale)
        cols["n3_min"] = cols["sws_min"]  # the AASM name of the same quantity
        with np.errstate(invalid="ignore", divide="ignore"):
            cols["sws_pct"] = np.where(~deprived & (tst > 0), 100.0 * cols["sws_min"] / np.where(tst > 0, tst, 1.0),
                                       math.nan)
            cols["rem_pct"] = np.where(~deprived & (tst > 0), 100.0 * cols["rem_min"] / np.where(tst > 0, tst, 1.0),
                                       math.nan)
        cols["rem_latency_min"] = np.where(deprived, math.nan, acc[:, cc.N_REM_LAT] * STEP_MIN)
        for c in ("bedtime", "sleep_onset", "wake"):
            cols[c] = np.where(deprived, math.nan, cols[c])
        self._rows.append(cols)

    def result(self) -> pd.DataFrame:
        """Nightly table sorted by subject and night (nights still running at the end are left out)."""
        return assemble(self._rows, NIGHTLY_COLUMNS, ("subject", "night"), clocks=("bedtime", "sleep_onset", "wake"))


def _frozen(a: np.ndarray, dtype: type) -> np.ndarray:
    """C-contiguous read-only view (a copy only when needed): one compiled signature whatever the caller passes."""
    out = np.ascontiguousarray(a, dtype=dtype).view()
    out.flags.writeable = False
    return out


def capacity_hint(schedule: Any) -> int:
    """Rows a reducer will produce at most for this schedule (subjects x (days + 2)), or 0 when unknown."""
    n, days = getattr(schedule, "n_subjects", None), getattr(schedule, "total_days", None)
    return int(n) * (int(days) + 2) if isinstance(n, int) and isinstance(days, int) else 0


class RowStore:
    """Table rows appended in batches into one preallocated array per column (no per-batch pieces to join)."""

    def __init__(self, columns: tuple[str, ...], integer: tuple[str, ...], capacity: int = 0) -> None:
        self.columns = columns
        self._integer = set(integer)
        self._capacity = max(int(capacity), 1024)
        self._data: dict[str, np.ndarray] = {}
        self.size = 0

    def append(self, cols: dict[str, np.ndarray]) -> None:
        n = len(cols[self.columns[0]])
        if not self._data:
            self._data = {c: np.empty(self._capacity, dtype=np.int64 if c in self._integer else np.float64)
                          for c in self.columns}
        if self.size + n > self._capacity:  # grow one column at a time (in place where the allocator can)
            self._capacity = max(2 * self._capacity, self.size + n)
            for c in self.columns:
                self._data[c].resize(self._capacity, refcheck=False)
        for c in self.columns:
            self._data[c][self.size : self.size + n] = cols[c]
        self.size += n

    def pop(self, column: str) -> np.ndarray:
        """The filled part of a column, released from the store."""
        data = self._data.pop(column)
        data.resize(self.size, refcheck=False)
        return data


def assemble(rows: RowStore, columns: tuple[str, ...], keys: tuple[str, str], clocks: tuple[str, ...] = (),
             integers: tuple[str, ...] = ()) -> pd.DataFrame:
    """DataFrame with exactly ``columns`` from a :class:`RowStore`, sorted (stably) by ``keys``.

    Builds one column at a time and releases it from the store, so the peak memory is the table plus one column.
    ``clocks`` are local times (h) shown as "HH:MM"; ``integers`` are stored as int64.
    """
    if rows.size == 0:
        empty = frame([], columns, keys)
        for c in integers:
            empty[c] = empty[c].astype(np.int64)
        return empty
    key_a, key_b = rows.pop(keys[0]), rows.pop(keys[1])
    order = None
    if key_a.size > 1:
        a_up = np.diff(key_a)
        if (a_up < 0).any() or ((a_up == 0) & (np.diff(key_b) < 0)).any():
            order = np.lexsort((key_b, key_a))
    data: dict[str, Any] = {}
    for c in columns:
        col = key_a if c == keys[0] else key_b if c == keys[1] else rows.pop(c)
        if order is not None:
            col = col[order]
        if c in clocks:
            col = clock_strings(col)
        elif c in integers:
            col = col.astype(np.int64)
        data[c] = col
    return pd.DataFrame(data, columns=list(columns), copy=False)


def frame(rows: list[dict[str, Any]], columns: tuple[str, ...], keys: tuple[str, str]) -> pd.DataFrame:
    """DataFrame with exactly ``columns`` (integer keys), sorted by ``keys``."""
    df = pd.DataFrame(rows, columns=list(columns))
    for key in keys:
        df[key] = df[key].astype(np.int64)
    return df.sort_values(list(keys), kind="stable").reset_index(drop=True)
