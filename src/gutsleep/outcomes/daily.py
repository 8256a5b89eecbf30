"""Day-by-day outcomes (microbiome, metabolites, barrier, immune, HPA, clocks) from the per-step record.

Steps are grouped by the local day of their start, ``floor(L / 24)`` with ``L`` the schedule's local time, so a
jet-lag day is shorter or longer than 24 h. A value recorded at the end of a step stands for that step.

* Most columns are means over the day's steps (the per-step ``gut_serotonin_share`` and guild shares included).
* ``nap_sleep_min``: minutes asleep in the day's naps (sleep opportunities that are not nights), by the day of each
  step.
* ``shannon`` (the model's observable) and ``richness`` (taxa with relative abundance >= the detection limit,
  relative abundance = taxon / sum of taxa) are taken at the end of the day's last step.
* ``richness_resident``: the detected taxa that are residents (food and probiotic strains passing through left out);
  ``richness_observed``: the richness a 16S assay rarefied to :data:`SEQUENCING_READS` reads would report,
  sum over taxa of ``1 - (1 - p)^reads`` (expected rarefied richness, Hurlbert 1971 Ecology 52:577), at the end of
  the day. It is usually below ``richness`` (the true community above the detection limit) because rare taxa are
  missed, and can exceed it slightly when many taxa sit just below the detection limit (each is sometimes seen).
* ``transit_h`` and ``stool_bristol``: daily means of the whole-gut transit time of the day's diet, stress and water
  and of the stool form it implies (Bristol scale, 1 hard lumps to 7 watery).
* ``melatonin_peak_pg_ml``: maximum over the day.
* ``dlmo_clock_h``: local clock hour (0-24) at which ``clock_phase_psi mod 2 pi`` first crosses 5 pi / 12
  upwards during the day, linearly interpolated between step ends; NaN if it does not cross that day.
* ``cortisol_morning_nmol_l``: peak over steps starting between 05:00 and 11:00 local;
  ``cortisol_evening_nmol_l``: mean over steps starting between 18:00 and 23:00 local (NaN if none).
* ``gut_serotonin_share`` = gut / (gut + 5 x whole-blood + 3 x free plasma + brain) serotonin, all in ug
  (5000 mL blood, 3000 mL plasma).

Only local days >= 0 are reported; the last day is reported only if the run reaches its end (``end_steps`` gives
each subject its own end of run, in steps from the start). Memory is bounded: only each subject's running totals
of its unfinished day are kept between calls; the work is a compiled pass over the steps
(:mod:`gutsleep.outcomes._compiled`), parallel over subjects. A new column that is the daily mean of a per-step
variable is one entry in :data:`_MEANS` (and its name in :data:`BASE_DAILY_COLUMNS` / :data:`DAILY_UNITS`).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import pandas as pd

from gutsleep.model.microbiome import TAXA
from gutsleep.outcomes import _compiled as cc
from gutsleep.outcomes.common import STEP_H, STEP_MIN, Columns, OutcomeSchedule
from gutsleep.outcomes.nightly import RowStore, _frozen, assemble, capacity_hint
from gutsleep.solve.engine import threads_for

DLMO_PHASE: float = 5.0 * math.pi / 12.0
"""Phase of ``clock_phase_psi`` (mod 2 pi) at dim-light melatonin onset (Hannay et al. 2019)."""
BLOOD_VOLUME_ML: float = 5000.0
PLASMA_VOLUME_ML: float = 3000.0
MORNING_WINDOW_H: tuple[float, float] = (5.0, 11.0)
EVENING_WINDOW_H: tuple[float, float] = (18.0, 23.0)
SEQUENCING_READS: int = 10_000
"""Read depth of the assay behind ``richness_observed`` (a typical rarefaction depth of 16S studies)."""

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
    ("transit_h", "whole_gut_transit_h"),
    ("stool_bristol", "stool_form_bristol"),
    ("ogtt_iauc_mmol_min_l", "ogtt_iauc_mmol_min_l"),
    ("insulin_sensitivity", "insulin_sensitivity_rel"),
)
"""(output column, record variable) of the plain daily means."""
_SUMS: tuple[tuple[str, str], ...] = (("nap_sleep_min", "nap_asleep"),
                                      ("glucose_iauc_mmol_min_l", "glucose_excursion_mmol_l"))
"""(output column, record variable) of the daily totals: the state integrated over the day in minutes (minutes spent
in a 0-1 state; mmol/L x min for the glucose excursion)."""

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
EXTRA_DAILY_COLUMNS: tuple[str, ...] = ("nap_sleep_min", "richness_resident", "richness_observed", "transit_h",
                                        "stool_bristol", "glucose_iauc_mmol_min_l", "ogtt_iauc_mmol_min_l",
                                        "insulin_sensitivity")
"""Public contract: daily columns after the ``guild_<name>`` columns (added later; appended so that positions of the
earlier columns never change)."""

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
    "nap_sleep_min": "min",
    "richness_resident": "number of detected resident taxa",
    "richness_observed": f"expected number of taxa seen in {SEQUENCING_READS:,} reads",
    "transit_h": "h (whole-gut transit time)",
    "stool_bristol": "Bristol stool form scale (1-7)",
    "glucose_iauc_mmol_min_l": "mmol/L x min (day's incremental area above fasting glucose)",
    "ogtt_iauc_mmol_min_l": "mmol/L x min (incremental area of a standard 75-g OGTT)",
    "insulin_sensitivity": "1 (baseline person = 1)",
}
"""Unit (or meaning) of every daily column except the guild shares (``guild_<name>``: fraction 0-1)."""


def daily_columns(guilds: Sequence[str]) -> tuple[str, ...]:
    """All daily columns for these guild names (``guild_`` prefix added)."""
    return (*BASE_DAILY_COLUMNS, *(f"guild_{g}" for g in guilds), *EXTRA_DAILY_COLUMNS)


def daily_units(guilds: Sequence[str]) -> dict[str, str]:
    """Units of all daily columns, guild shares included."""
    return {**DAILY_UNITS, **{f"guild_{g}": "fraction of community (0-1)" for g in guilds}}


_SEROTONIN = (("gut_serotonin_ug", 1.0), ("blood_serotonin_ng_ml", BLOOD_VOLUME_ML / 1000.0),
              ("plasma_free_serotonin_ng_ml", PLASMA_VOLUME_ML / 1000.0), ("brain_serotonin_ug", 1.0))
"""(record variable, weight in ug per unit) of the body serotonin pools; the gut pool comes first."""
_EVENT_ROWS = 4
"""Finished local days one subject can produce in one simulated day (2 with a jet lag)."""


class DailyReducer:
    """Streaming reducer: call it with each ``DayRecord`` (in day order), then :meth:`result`.

    The engine can also feed it chunks of subjects with :meth:`reduce_block` (see
    :class:`gutsleep.solve.engine.BlockReducer`); ``required(columns)`` names the variables it reads.
    """

    def __init__(
        self,
        columns: Columns,
        schedule: OutcomeSchedule,
        *,
        detection_limit: float | np.ndarray = 1e-5,
        end_steps: np.ndarray | None = None,
        transient_taxa: Collection[str] | None = None,
        reads: int = SEQUENCING_READS,
    ) -> None:
        self._schedule = schedule
        self._end_steps = np.zeros(0, dtype=np.int64) if end_steps is None else np.asarray(end_steps, np.int64)
        self._guild_vars = columns.starting_with("guild_")
        self.guilds = tuple(name.removeprefix("guild_") for name in self._guild_vars)
        self._guild_idx = np.array([columns[n] for n in self._guild_vars], dtype=np.int64)
        taxa = columns.starting_with("taxon_")
        self._taxa_idx = np.array([columns[n] for n in taxa], dtype=np.int64)
        passing = {t.name for t in TAXA if t.transient} if transient_taxa is None else set(transient_taxa)
        self._resident = np.array([0.0 if n.removeprefix("taxon_") in passing else 1.0 for n in taxa])
        if reads < 1:
            raise ValueError(f"reads must be a positive read depth, got {reads}")
        self._reads = float(reads)
        self._mean_idx = np.array([columns[src] for _, src in (*_MEANS, *_SUMS)], dtype=np.int64)
        self._i_shannon = columns["shannon"] if "shannon" in columns.names else -1
        self._i_mel = columns["melatonin_plasma_pg_ml"]
        self._i_cort = columns["cortisol_nmol_l"]
        self._i_psi = columns.state("clock_phase_psi")
        self._sero_idx = np.array([columns[n] for n, _ in _SEROTONIN], dtype=np.int64)
        self._sero_w = np.array([w for _, w in _SEROTONIN])
        self._windows = np.array([*MORNING_WINDOW_H, *EVENING_WINDOW_H])
        self._detection = detection_limit
        self._base = len(_MEANS) + len(_SUMS) + 1 + len(self.guilds)
        self._n = 0
        self._cur = np.zeros(0, dtype=np.int64)
        self._acc = np.zeros((0, self._base + cc.DAILY_EXTRA))
        self._limits = np.zeros(0)
        self._rows = RowStore(daily_columns(self.guilds), ("subject", "day"), capacity_hint(schedule))

    @staticmethod
    def required(columns: Columns) -> tuple[str, ...]:
        """Variables of the day record this reducer reads."""
        names = [src for _, src in (*_MEANS, *_SUMS)]
        names += [n for n, _ in _SEROTONIN]
        names += ["melatonin_plasma_pg_ml", "cortisol_nmol_l", "clock_phase_psi"]
        names += [n for n in ("shannon",) if n in columns.names]
        names += columns.starting_with("guild_") + columns.starting_with("taxon_")
        return tuple(dict.fromkeys(names))

    @property
    def _pending(self) -> list[int]:
        """Subjects with a local day in progress."""
        return np.flatnonzero(self._cur[: self._n] != cc.NONE).tolist()

    def _grow(self, n: int) -> None:
        if n <= self._n:
            return
        extra = n - self._n
        self._cur = np.concatenate([self._cur, np.full(extra, cc.NONE, dtype=np.int64)])
        self._acc = np.concatenate([self._acc, np.zeros((extra, self._acc.shape[1]))])
        limit = np.asarray(self._detection, dtype=np.float64)
        self._limits = np.ascontiguousarray(limit[:n] if limit.ndim else np.full(n, float(limit)))
        self._n = n

    def __call__(self, day: Any) -> None:
        """Consume one ``DayRecord`` (``k``, ``record`` (N, steps, vars), ``start`` (N, states))."""
        self.reduce_block(day.k, 0, day.record, day.start)

    def reduce_block(self, k: int, i0: int, record: np.ndarray, start: np.ndarray) -> None:
        """Consume day ``k`` of subjects ``i0 .. i0 + len(record)`` (record/start laid out like ``columns``)."""
        n = record.shape[0]
        self._grow(i0 + n)
        local = _frozen(np.asarray(self._schedule.day_local_time(k))[i0 : i0 + n], np.float64)
        events = np.empty((n, _EVENT_ROWS, 1 + self._acc.shape[1]))
        n_events = np.zeros(n, dtype=np.int64)
        with threads_for(n // 64 + 1):
            cc.daily_block(k, i0, _frozen(record, np.float64),
                           _frozen(start, np.float64), local, self._mean_idx, self._sero_idx,
                           self._sero_w, self._guild_idx, self._taxa_idx, self._i_mel, self._i_cort, self._i_psi,
                           self._i_shannon, self._limits, self._end_steps, self._windows, DLMO_PHASE, STEP_H,
                           self._cur, self._acc, events, n_events, self._resident, self._reads)
        if (n_events < 0).any():
            raise RuntimeError(f"more than {_EVENT_ROWS} local days ended on simulated day {k} for one subject")
        if n_events.any():
            mask = np.arange(events.shape[1])[None, :] < n_events[:, None]
            self._collect(np.repeat(np.arange(n) + i0, n_events), events[mask])

    def _collect(self, subjects: np.ndarray, ev: np.ndarray) -> None:
        """Turn finished days (``ev``: day, accumulator) into table rows (column arrays)."""
        acc = ev[:, 1:]
        b = self._base
        count = acc[:, b + cc.D_COUNT]
        means = acc[:, :b] / count[:, None]
        cols: dict[str, np.ndarray] = {"subject": subjects.astype(np.int64), "day": ev[:, 0].astype(np.int64)}
        for j, (col, _) in enumerate(_MEANS):
            cols[col] = means[:, j]
        for j, (col, _) in enumerate(_SUMS, start=len(_MEANS)):
            cols[col] = acc[:, j] * STEP_MIN
        m = len(_MEANS) + len(_SUMS)
        cols["gut_serotonin_share"] = means[:, m]
        for j, g in enumerate(self.guilds):
            cols[f"guild_{g}"] = means[:, m + 1 + j]
        cols["shannon"] = acc[:, b + cc.D_SHANNON]
        cols["richness"] = acc[:, b + cc.D_RICH]
        cols["richness_resident"] = acc[:, b + cc.D_RICH_RES]
        cols["richness_observed"] = acc[:, b + cc.D_RICH_OBS]
        cols["melatonin_peak_pg_ml"] = acc[:, b + cc.D_MEL]
        cols["dlmo_clock_h"] = acc[:, b + cc.D_DLMO]
        morning = acc[:, b + cc.D_MORN]
        cols["cortisol_morning_nmol_l"] = np.where(np.isfinite(morning), morning, math.nan)
        eve_n = acc[:, b + cc.D_EVE_N]
        with np.errstate(invalid="ignore", divide="ignore"):
            cols["cortisol_evening_nmol_l"] = np.where(eve_n > 0, acc[:, b + cc.D_EVE] / eve_n, math.nan)
        self._rows.append(cols)

    def result(self) -> pd.DataFrame:
        """Daily table sorted by subject and day; an unfinished last day is left out."""
        pending = np.flatnonzero(self._cur[: self._n] != cc.NONE)
        if pending.size:
            days = self._cur[pending]
            acc = self._acc[pending]
            b = self._base
            done = (days >= 0) & (acc[:, b + cc.D_END] >= 24.0 * (days + 1) - 1e-9)
            if self._end_steps.size:
                done &= acc[:, b + cc.D_STEP] <= self._end_steps[pending]
            if done.any():
                self._collect(pending[done], np.column_stack([days[done].astype(np.float64), acc[done]]))
            self._cur[pending] = cc.NONE
        return assemble(self._rows, daily_columns(self.guilds), ("subject", "day"),
                        integers=("richness", "richness_resident"))
