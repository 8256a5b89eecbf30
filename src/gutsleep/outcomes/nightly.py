"""Night-by-night sleep outcomes (TST, efficiency, SOL, WASO, SWS) from the per-step record.

A night is the set of in-bed steps carrying its night index in the schedule (the local day on which the
sleep opportunity starts). Values recorded at the end of step ``j`` stand for the whole step (15 min).

* TIB = in-bed steps x 15 min; ``tst_min`` = sum of ``asleep`` x 15; ``sleep_efficiency_pct`` = 100 TST/TIB.
* ``sleep_onset``: first time ``sleep_mode_Z`` reaches 0.5, linearly interpolated between step ends (the value
  before the first in-bed step is the one at bedtime; Z >= 0.5 at bedtime means onset at bedtime).
  ``sol_min`` = onset - bedtime (elapsed minutes); no onset -> ``sol_min`` = TIB and onset empty.
* ``waso_min`` = sum of (1 - asleep) x 15 over in-bed time after onset (the onset step counts for the part of it
  after onset); NaN without onset.
* ``sws_min`` = sum of ``sws`` x 15; ``sws_pct`` = 100 SWS/TST (NaN when TST = 0).

Nights are emitted once they have ended: a night whose sleep opportunity still runs at the last step of the run
is left out, and so are burn-in nights (index < 0). A night without any in-bed step (``sleep_deprivation``) is
emitted, once a later night has started, with TIB = TST = 0, efficiency 0, SWS 0, empty clock times and NaN for
SOL, WASO and SWS %.

Memory is bounded: only a night still running at the end of a day is kept between days. ``end_steps`` gives each
subject its own end of run (in steps from the start of the run), so a subject batched with longer scenarios gets
the same rows as when simulated alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gutsleep.outcomes.common import STEP_H, STEP_MIN, Columns, OutcomeSchedule, clock_string, run_bounds

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
)
"""Public contract: columns of the nightly table, in order."""

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
}
"""Unit (or meaning) of every nightly column."""

ONSET_THRESHOLD: float = 0.5
"""``sleep_mode_Z`` level that marks sleep onset."""


@dataclass
class _Night:
    """Running totals of one night (possibly spanning two simulated days)."""

    night: int
    bed_local: float  # local h at the start of the first in-bed step
    end_local: float = math.nan  # local h at the end of the last in-bed step so far
    end_step: int = 0  # steps from the start of the run to the end of the last in-bed step so far
    steps: int = 0
    asleep: float = 0.0  # sum of asleep fractions
    sws: float = 0.0  # sum of SWS fractions
    onset_steps: float = math.nan  # elapsed steps from bedtime to onset
    onset_local: float = math.nan
    waso_steps: float = 0.0  # sum of (1 - asleep) weighted by the share of each step after onset


class NightlyReducer:
    """Streaming reducer: call it with each ``DayRecord`` (in day order), then :meth:`result`."""

    def __init__(self, columns: Columns, schedule: OutcomeSchedule, *, end_steps: np.ndarray | None = None) -> None:
        self._schedule = schedule
        self._end_steps = None if end_steps is None else np.asarray(end_steps, dtype=np.int64)
        self._i_asleep = columns["asleep"]
        self._i_sws = columns["sws"]
        self._i_z = columns.state("sleep_mode_Z")
        self._pending: dict[int, _Night] = {}
        self._last_night: dict[int, int] = {}
        self._rows: list[dict[str, Any]] = []

    def __call__(self, day: Any) -> None:
        """Consume one ``DayRecord`` (``k``, ``record`` (N, steps, vars), ``start`` (N, states))."""
        nights = np.asarray(self._schedule.day_night_index(day.k))
        for i in [i for i, acc in self._pending.items() if nights[i, 0] != acc.night]:
            self._emit(i, self._pending.pop(i))
        busy = np.flatnonzero((nights >= 0).any(axis=1))
        if busy.size == 0:
            return
        local = np.asarray(self._schedule.day_local_time(day.k))
        record = day.record
        z = record[:, :, self._i_z]
        z_prev = np.concatenate((day.start[:, self._i_z][:, None], z[:, :-1]), axis=1)
        steps = nights.shape[1]
        for i in busy:
            i = int(i)
            starts, ends = run_bounds(nights[i])
            for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
                n = int(nights[i, a])
                if n < 0:
                    continue
                acc = self._pending.pop(i, None)
                if acc is not None and (acc.night != n or a != 0):
                    self._emit(i, acc)
                    acc = None
                if acc is None:
                    if self._within(i, day.k * steps + a):
                        self._fill_gaps(i, n)
                    acc = _Night(n, float(local[i, a]))
                self._add(acc, record[i, a:b, self._i_asleep], record[i, a:b, self._i_sws], z[i, a:b],
                          z_prev[i, a:b], local[i, a:b])
                acc.end_step = day.k * steps + b
                if b == steps:
                    self._pending[i] = acc
                else:
                    self._emit(i, acc)

    @staticmethod
    def _add(acc: _Night, asleep: np.ndarray, sws: np.ndarray, z: np.ndarray, z_prev: np.ndarray,
             local: np.ndarray) -> None:
        """Add one contiguous run of in-bed steps to a night's totals."""
        wake_share = 1.0 - asleep
        if math.isnan(acc.onset_steps):
            hit = np.flatnonzero((z >= ONSET_THRESHOLD) | (z_prev >= ONSET_THRESHOLD))
            if hit.size:
                j = int(hit[0])
                frac = 0.0 if z_prev[j] >= ONSET_THRESHOLD else (ONSET_THRESHOLD - z_prev[j]) / (z[j] - z_prev[j])
                acc.onset_steps = acc.steps + j + frac
                acc.onset_local = float(local[j]) + STEP_H * frac
                acc.waso_steps += float(wake_share[j] * (1.0 - frac) + wake_share[j + 1 :].sum())
        else:
            acc.waso_steps += float(wake_share.sum())
        acc.steps += len(asleep)
        acc.asleep += float(asleep.sum())
        acc.sws += float(sws.sum())
        acc.end_local = float(local[-1]) + STEP_H

    def _within(self, subject: int, step: int) -> bool:
        """True if global step count ``step`` lies before the subject's end of run."""
        return self._end_steps is None or step < self._end_steps[subject]

    def _fill_gaps(self, subject: int, night: int) -> None:
        """Emit nights skipped before ``night`` (no in-bed steps: sleep deprivation) and remember ``night``."""
        last = self._last_night.get(subject, -1)
        for n in range(last + 1, night):
            self._rows.append(_deprived_row(subject, n))
        self._last_night[subject] = max(last, night)

    def _emit(self, subject: int, acc: _Night) -> None:
        """Turn a finished night's totals into a table row (burn-in nights and nights reaching the subject's end
        of run are dropped)."""
        if acc.night < 0 or not self._within(subject, acc.end_step):
            return
        tib = acc.steps * STEP_MIN
        tst = acc.asleep * STEP_MIN
        onset = not math.isnan(acc.onset_steps)
        sws_min = acc.sws * STEP_MIN
        self._rows.append(
            {
                "subject": subject,
                "night": acc.night,
                "bedtime": clock_string(acc.bed_local),
                "sleep_onset": clock_string(acc.onset_local),
                "wake": clock_string(acc.end_local),
                "tst_min": tst,
                "sleep_efficiency_pct": 100.0 * tst / tib if tib > 0 else 0.0,
                "sol_min": acc.onset_steps * STEP_MIN if onset else tib,
                "waso_min": acc.waso_steps * STEP_MIN if onset else math.nan,
                "sws_min": sws_min,
                "sws_pct": 100.0 * sws_min / tst if tst > 0 else math.nan,
            }
        )

    def result(self) -> pd.DataFrame:
        """Nightly table sorted by subject and night (nights still running at the end are left out)."""
        return frame(self._rows, NIGHTLY_COLUMNS, ("subject", "night"))


def _deprived_row(subject: int, night: int) -> dict[str, Any]:
    """Row of a night without a sleep opportunity."""
    return {
        "subject": subject,
        "night": night,
        "bedtime": None,
        "sleep_onset": None,
        "wake": None,
        "tst_min": 0.0,
        "sleep_efficiency_pct": 0.0,
        "sol_min": math.nan,
        "waso_min": math.nan,
        "sws_min": 0.0,
        "sws_pct": math.nan,
    }


def frame(rows: list[dict[str, Any]], columns: tuple[str, ...], keys: tuple[str, str]) -> pd.DataFrame:
    """DataFrame with exactly ``columns`` (integer keys), sorted by ``keys``."""
    df = pd.DataFrame(rows, columns=list(columns))
    for key in keys:
        df[key] = df[key].astype(np.int64)
    return df.sort_values(list(keys), kind="stable").reset_index(drop=True)
