"""Day-by-day outcomes (microbiome, metabolites, barrier, immune, HPA, clocks) from the per-step record.

Steps are grouped by the local day of their start, ``floor(L / 24)`` with ``L`` the schedule's local time, so a
jet-lag day is shorter or longer than 24 h. A value recorded at the end of a step stands for that step.

* Most columns are means over the day's steps (the per-step ``gut_serotonin_share`` and guild shares included).
* ``shannon`` (the model's observable) and ``richness`` (taxa with relative abundance >= the detection limit,
  relative abundance = taxon / sum of taxa) are taken at the end of the day's last step.
* ``melatonin_peak_pg_ml``: maximum over the day.
* ``dlmo_clock_h``: local clock hour (0-24) at which ``clock_phase_psi mod 2 pi`` first crosses 5 pi / 12
  upwards during the day, linearly interpolated between step ends; NaN if it does not cross that day.
* ``cortisol_morning_nmol_l``: peak over steps starting between 05:00 and 11:00 local;
  ``cortisol_evening_nmol_l``: mean over steps starting between 18:00 and 23:00 local (NaN if none).
* ``gut_serotonin_share`` = gut / (gut + 5 x whole-blood + 3 x free plasma + brain) serotonin, all in ug
  (5000 mL blood, 3000 mL plasma).

Only local days >= 0 are reported; the last day is reported only if the run reaches its end (``end_steps`` gives
each subject its own end of run, in steps from the start). Memory is bounded: only each subject's unfinished day
is kept between calls.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from gutsleep.outcomes.common import STEP_H, Columns, OutcomeSchedule
from gutsleep.outcomes.nightly import frame

DLMO_PHASE: float = 5.0 * math.pi / 12.0
"""Phase of ``clock_phase_psi`` (mod 2 pi) at dim-light melatonin onset (Hannay et al. 2019)."""
BLOOD_VOLUME_ML: float = 5000.0
PLASMA_VOLUME_ML: float = 3000.0
MORNING_WINDOW_H: tuple[float, float] = (5.0, 11.0)
EVENING_WINDOW_H: tuple[float, float] = (18.0, 23.0)

_MEANS: tuple[tuple[str, str], ...] = (
    ("butyrate_mM", "butyrate_mM"),
    ("propionate_mM", "propionate_mM"),
    ("acetate_mM", "acetate_mM"),
    ("gaba", "gaba_ug_per_g"),
    ("gut_serotonin", "gut_serotonin_ug"),
    ("brain_serotonin", "brain_serotonin_ug"),
    ("vagal_signal", "vagal_signal"),
    ("permeability_index", "permeability_index"),
    ("lps_fold", "lps_fold"),
    ("lbp_ug_ml", "lbp_ug_ml"),
    ("il6_pg_ml", "il6_pg_ml"),
    ("crp_mg_l", "crp_mg_l"),
    ("microbial_rhythm_amplitude", "microbial_rhythm_amplitude"),
)
"""(output column, record variable) of the plain daily means."""

BASE_DAILY_COLUMNS: tuple[str, ...] = (
    "subject",
    "day",
    "shannon",
    "richness",
    "butyrate_mM",
    "propionate_mM",
    "acetate_mM",
    "gaba",
    "gut_serotonin",
    "gut_serotonin_share",
    "brain_serotonin",
    "melatonin_peak_pg_ml",
    "dlmo_clock_h",
    "vagal_signal",
    "permeability_index",
    "lps_fold",
    "lbp_ug_ml",
    "il6_pg_ml",
    "crp_mg_l",
    "cortisol_morning_nmol_l",
    "cortisol_evening_nmol_l",
    "microbial_rhythm_amplitude",
)
"""Public contract: daily columns before the ``guild_<name>`` columns (one per guild, relative abundance)."""

DAILY_UNITS: dict[str, str] = {
    "subject": "index",
    "day": "local day (0 = first simulated day)",
    "shannon": "nat (Shannon index, natural log)",
    "richness": "number of detected taxa",
    "butyrate_mM": "mM (colonic)",
    "propionate_mM": "mM (colonic)",
    "acetate_mM": "mM (colonic)",
    "gaba": "ug/g stool",
    "gut_serotonin": "ug (EC-cell store)",
    "gut_serotonin_share": "fraction of body serotonin (0-1)",
    "brain_serotonin": "ug",
    "melatonin_peak_pg_ml": "pg/mL",
    "dlmo_clock_h": "local clock hour (0-24)",
    "vagal_signal": "1 (baseline person = 1)",
    "permeability_index": "1 (lactulose/mannitol-like index)",
    "lps_fold": "fold over fasting baseline",
    "lbp_ug_ml": "ug/mL",
    "il6_pg_ml": "pg/mL",
    "crp_mg_l": "mg/L",
    "cortisol_morning_nmol_l": "nmol/L (peak 05:00-11:00)",
    "cortisol_evening_nmol_l": "nmol/L (mean 18:00-23:00)",
    "microbial_rhythm_amplitude": "1",
}
"""Unit (or meaning) of every daily column except the guild shares (``guild_<name>``: fraction 0-1)."""


def daily_columns(guilds: Sequence[str]) -> tuple[str, ...]:
    """All daily columns for these guild names (``guild_`` prefix added)."""
    return (*BASE_DAILY_COLUMNS, *(f"guild_{g}" for g in guilds))


def daily_units(guilds: Sequence[str]) -> dict[str, str]:
    """Units of all daily columns, guild shares included."""
    return {**DAILY_UNITS, **{f"guild_{g}": "fraction of community (0-1)" for g in guilds}}


# Layout of the accumulator rows: one per (subject, local day) piece.
_N_MEAN = len(_MEANS) + 1  # plain means + gut_serotonin_share, then guild shares


class DailyReducer:
    """Streaming reducer: call it with each ``DayRecord`` (in day order), then :meth:`result`."""

    def __init__(
        self,
        columns: Columns,
        schedule: OutcomeSchedule,
        *,
        detection_limit: float | np.ndarray = 1e-5,
        end_steps: np.ndarray | None = None,
    ) -> None:
        self._schedule = schedule
        self._end_steps = None if end_steps is None else np.asarray(end_steps, dtype=np.int64)
        self._guild_vars = columns.starting_with("guild_")
        self.guilds = tuple(name.removeprefix("guild_") for name in self._guild_vars)
        self._guild_idx = np.array([columns[n] for n in self._guild_vars], dtype=np.int64)
        self._taxa_idx = np.array([columns[n] for n in columns.starting_with("taxon_")], dtype=np.int64)
        self._mean_idx = np.array([columns[src] for _, src in _MEANS], dtype=np.int64)
        self._i_shannon = columns["shannon"]
        self._i_mel = columns["melatonin_plasma_pg_ml"]
        self._i_cort = columns["cortisol_nmol_l"]
        self._i_psi = columns.state("clock_phase_psi")
        self._i_sero = [columns[n] for n in ("gut_serotonin_ug", "blood_serotonin_ng_ml",
                                              "plasma_free_serotonin_ng_ml", "brain_serotonin_ug")]
        self._detection = detection_limit
        g = len(self.guilds)
        # accumulator columns
        self._c_count = _N_MEAN + g
        self._c_mel, self._c_morn, self._c_eve, self._c_eve_n = (self._c_count + 1 + i for i in range(4))
        self._c_dlmo, self._c_shannon, self._c_rich, self._c_end = (self._c_count + 5 + i for i in range(4))
        self._c_step = self._c_count + 9  # steps from the start of the run to the end of the piece
        self._width = self._c_count + 10
        self._pending: dict[int, tuple[int, np.ndarray]] = {}
        self._rows: list[dict[str, Any]] = []

    def __call__(self, day: Any) -> None:
        """Consume one ``DayRecord`` (``k``, ``record`` (N, steps, vars), ``start`` (N, states))."""
        local = np.asarray(self._schedule.day_local_time(day.k), dtype=np.float64)
        n_sub, steps = local.shape
        if local[:, -1].max() < 0.0 and not self._pending:
            return  # burn-in: nothing reported
        local_day = np.floor(local / 24.0).astype(np.int64)
        for i in [i for i, (d, _) in self._pending.items() if local_day[i, 0] != d]:
            self._emit(i, *self._pending.pop(i))
        # Runs of equal (subject, local day) in the flattened (subject-major) step order.
        key = (np.arange(n_sub)[:, None] * (1 << 32) + (local_day - local_day.min())).ravel()
        starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
        ends = np.concatenate((starts[1:], [key.size])) - 1
        pieces = self._pieces(day.record, day.start, local, local_day, starts, ends)
        pieces[:, self._c_step] = day.k * steps + ends % steps + 1
        for row, a, b in zip(pieces, starts.tolist(), ends.tolist(), strict=True):
            i, d = a // steps, int(local_day.flat[a])
            if a % steps == 0 and i in self._pending:
                row = self._combine(self._pending.pop(i)[1], row)
            if b % steps == steps - 1:
                self._pending[i] = (d, row)
            else:
                self._emit(i, d, row)

    def _pieces(
        self,
        record: np.ndarray,
        start: np.ndarray,
        local: np.ndarray,
        local_day: np.ndarray,
        starts: np.ndarray,
        ends: np.ndarray,
    ) -> np.ndarray:
        """Accumulator rows of the (subject, local day) runs ``[starts, ends]`` of the flattened steps."""
        n_sub, steps = local.shape
        flat = record.reshape(n_sub * steps, -1)
        gut, blood, free, brain = (flat[:, j] for j in self._i_sero)
        body = gut + blood * BLOOD_VOLUME_ML / 1000.0 + free * PLASMA_VOLUME_ML / 1000.0 + brain
        guilds = flat[:, self._guild_idx]
        community = flat[:, self._taxa_idx].sum(axis=1) if self._taxa_idx.size else guilds.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(body > 0, gut / body, np.nan)
            guild_share = guilds / community[:, None]
        values = np.column_stack([flat[:, self._mean_idx], share, guild_share])
        size = n_sub * steps
        out = np.full((starts.size, self._width), np.nan)
        out[:, :_N_MEAN + len(self.guilds)] = np.add.reduceat(values, starts, axis=0)
        out[:, self._c_count] = ends - starts + 1
        out[:, self._c_mel] = np.maximum.reduceat(flat[:, self._i_mel], starts)

        clock = (local - 24.0 * local_day).ravel()  # local clock at the start of each step
        cort = flat[:, self._i_cort]
        morning = (clock >= MORNING_WINDOW_H[0]) & (clock < MORNING_WINDOW_H[1])
        evening = (clock >= EVENING_WINDOW_H[0]) & (clock < EVENING_WINDOW_H[1])
        out[:, self._c_morn] = np.maximum.reduceat(np.where(morning, cort, -np.inf), starts)
        out[:, self._c_eve] = np.add.reduceat(np.where(evening, cort, 0.0), starts)
        out[:, self._c_eve_n] = np.add.reduceat(evening.astype(np.float64), starts)

        psi = record[:, :, self._i_psi]
        psi_prev = np.concatenate((start[:, self._i_psi][:, None], psi[:, :-1]), axis=1).ravel()
        psi = psi.ravel()
        turns_prev = np.floor((psi_prev - DLMO_PHASE) / (2 * math.pi))
        turns = np.floor((psi - DLMO_PHASE) / (2 * math.pi))
        crossed = (turns > turns_prev) & (psi > psi_prev)
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = (DLMO_PHASE + 2 * math.pi * turns - psi_prev) / (psi - psi_prev)
        dlmo = np.where(crossed, clock + STEP_H * np.clip(frac, 0.0, 1.0), np.nan)
        pos = np.where(crossed, np.arange(size), size)
        first_hit = np.minimum.reduceat(pos, starts)
        found = first_hit < size
        out[found, self._c_dlmo] = dlmo[first_hit[found]]

        out[:, self._c_shannon] = flat[ends, self._i_shannon]
        out[:, self._c_rich] = self._richness(flat[ends][:, self._taxa_idx], ends // steps, n_sub)
        out[:, self._c_end] = local.ravel()[ends] + STEP_H
        return out

    def _richness(self, taxa: np.ndarray, subjects: np.ndarray, n_sub: int) -> np.ndarray:
        """Number of taxa at or above the detection limit (relative abundance) per row."""
        limit = np.broadcast_to(np.asarray(self._detection, dtype=np.float64), (n_sub,))
        total = taxa.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = taxa / total
        return (rel >= limit[subjects][:, None]).sum(axis=1).astype(np.float64)

    def _combine(self, old: np.ndarray, new: np.ndarray) -> np.ndarray:
        """Merge two pieces of the same local day (``old`` earlier)."""
        out = new.copy()
        add = [*range(self._c_count + 1), self._c_eve, self._c_eve_n]
        out[add] = old[add] + new[add]
        out[self._c_mel] = max(old[self._c_mel], new[self._c_mel])
        out[self._c_morn] = max(old[self._c_morn], new[self._c_morn])
        if not math.isnan(old[self._c_dlmo]):
            out[self._c_dlmo] = old[self._c_dlmo]
        return out

    def _emit(self, subject: int, day: int, acc: np.ndarray) -> None:
        """Turn a finished day's accumulator into a table row (days < 0 dropped)."""
        if day < 0 or (self._end_steps is not None and acc[self._c_step] > self._end_steps[subject]):
            return
        n = acc[self._c_count]
        means = acc[: self._c_count] / n
        row: dict[str, Any] = {"subject": subject, "day": day}
        row.update({col: float(means[j]) for j, (col, _) in enumerate(_MEANS)})
        row["gut_serotonin_share"] = float(means[len(_MEANS)])
        row.update({f"guild_{g}": float(means[_N_MEAN + j]) for j, g in enumerate(self.guilds)})
        row["shannon"] = float(acc[self._c_shannon])
        row["richness"] = int(acc[self._c_rich])
        row["melatonin_peak_pg_ml"] = float(acc[self._c_mel])
        row["dlmo_clock_h"] = float(acc[self._c_dlmo])
        morning = acc[self._c_morn]
        row["cortisol_morning_nmol_l"] = float(morning) if math.isfinite(morning) else math.nan
        eve_n = acc[self._c_eve_n]
        row["cortisol_evening_nmol_l"] = float(acc[self._c_eve] / eve_n) if eve_n > 0 else math.nan
        self._rows.append(row)

    def result(self) -> pd.DataFrame:
        """Daily table sorted by subject and day; an unfinished last day is left out."""
        for i, (d, acc) in sorted(self._pending.items()):
            if acc[self._c_end] >= 24.0 * (d + 1) - 1e-9:
                self._emit(i, d, acc)
        self._pending.clear()
        df = frame(self._rows, daily_columns(self.guilds), ("subject", "day"))
        df["richness"] = df["richness"].astype(np.int64)
        return df
