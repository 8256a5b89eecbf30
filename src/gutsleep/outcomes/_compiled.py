"""Compiled cores of the nightly and daily reducers: one pass over each subject's steps, in parallel.

Each core walks the steps of one simulated day for a block of subjects, updates per-subject running totals
(arrays indexed by subject) and writes finished rows as *events* into a small per-call buffer
(``events[i, e, :]``, ``n_events[i]``); the Python side collects them and builds the tables at the end. The
arithmetic follows the definitions in :mod:`gutsleep.outcomes.nightly` / :mod:`gutsleep.outcomes.daily`
step by step; totals are summed sequentially (the tables agree with a pairwise sum to float rounding).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

import gutsleep.solve  # noqa: F401 - sets numba's vector width before anything compiles

NONE = -(2**62)
"""Marker: no night / local day in progress."""

# daily accumulator columns after the M summed means: count, mel max, morning max, evening sum, evening n,
# dlmo, shannon at the last step, richness at the last step, local time at the end of the last step,
# global step count at the end of the last step, resident richness and expected rarefied richness at the last step
D_COUNT, D_MEL, D_MORN, D_EVE, D_EVE_N, D_DLMO, D_SHANNON, D_RICH, D_END, D_STEP, D_RICH_RES, D_RICH_OBS = range(12)
DAILY_EXTRA = 12

# nightly accumulator: bed local, end local (getting up), end step, steps, asleep, onset steps, onset local, waso,
# steps from onset to the first REM, time in bed (steps), in bed at the last step (0-1), time in bed before onset
# (steps), then sums
N_BED, N_END, N_STEP, N_STEPS, N_ASLEEP, N_ONSET, N_ONSET_LOCAL, N_WASO, N_REM_LAT, N_TIB, N_IN_BED, N_SOL = range(12)
NIGHTLY_FIXED = 12
UP_THRESHOLD = 0.5
"""In-bed share below which the person counts as up (the ``wake`` clock of an alarm-free night)."""
EV_NIGHT, EV_GAP = 0, 1
"""Nightly event kinds: a finished night (row), or deprived nights ``first..last`` (no sleep opportunity)."""


@njit(cache=True, parallel=True, error_model="numpy")
def daily_block(k, i0, record, start, local, mean_idx, sero_idx, sero_w, guild_idx, taxa_idx, i_mel, i_cort,
                i_psi, i_shannon, limits, end_steps, windows, dlmo_phase, step_h, cur_day, acc, events, n_events,
                resident, reads):
    """Advance the daily totals of subjects i0..i0+n over one simulated day; emit finished local days."""
    n, steps, _ = record.shape
    m = mean_idx.shape[0]
    g = guild_idx.shape[0]
    base = m + 1 + g
    two_pi = 2.0 * math.pi
    for r in prange(n):
        i = i0 + r
        n_events[r] = 0
        psi_prev = start[r, i_psi]
        for j in range(steps):
            loc = local[r, j]
            day = np.int64(math.floor(loc / 24.0))
            if cur_day[i] != day:
                if cur_day[i] != NONE:
                    _daily_emit(i, r, cur_day[i], acc, end_steps, events, n_events, base)
                cur_day[i] = day
                a = acc[i]
                a[:] = 0.0
                a[base + D_MEL] = -math.inf
                a[base + D_MORN] = -math.inf
                a[base + D_DLMO] = math.nan
            a = acc[i]
            rec = record[r, j]
            for q in range(m):
                a[q] += rec[mean_idx[q]]
            body = 0.0
            for q in range(sero_idx.shape[0]):
                body += rec[sero_idx[q]] * sero_w[q]
            a[m] += rec[sero_idx[0]] / body if body > 0.0 else math.nan
            if taxa_idx.shape[0] > 0:
                community = 0.0
                for q in range(taxa_idx.shape[0]):
                    community += rec[taxa_idx[q]]
            else:
                community = 0.0
                for q in range(g):
                    community += rec[guild_idx[q]]
            for q in range(g):
                a[m + 1 + q] += rec[guild_idx[q]] / community
            a[base + D_COUNT] += 1.0
            mel = rec[i_mel]
            a[base + D_MEL] = _nan_max(a[base + D_MEL], mel)
            clock = loc - 24.0 * day
            cort = rec[i_cort]
            if windows[0] <= clock < windows[1]:
                a[base + D_MORN] = _nan_max(a[base + D_MORN], cort)
            if windows[2] <= clock < windows[3]:
                a[base + D_EVE] += cort
                a[base + D_EVE_N] += 1.0
            psi = rec[i_psi]
            if a[base + D_DLMO] != a[base + D_DLMO]:
                turns_prev = math.floor((psi_prev - dlmo_phase) / two_pi)
                turns = math.floor((psi - dlmo_phase) / two_pi)
                if turns > turns_prev and psi > psi_prev:
                    frac = (dlmo_phase + two_pi * turns - psi_prev) / (psi - psi_prev)
                    frac = min(max(frac, 0.0), 1.0)
                    a[base + D_DLMO] = clock + step_h * frac
            psi_prev = psi
            if j == steps - 1 or math.floor(local[r, j + 1] / 24.0) != day:  # last step of the day so far
                a[base + D_SHANNON] = rec[i_shannon] if i_shannon >= 0 else math.nan
                total = 0.0
                for q in range(taxa_idx.shape[0]):
                    total += rec[taxa_idx[q]]
                rich = 0.0
                rich_res = 0.0
                rich_obs = 0.0
                for q in range(taxa_idx.shape[0]):
                    p = rec[taxa_idx[q]] / total
                    if p >= limits[i]:
                        rich += 1.0
                        rich_res += resident[q]
                    # expected taxa seen in `reads` reads drawn from the community (rarefaction, Hurlbert 1971)
                    rich_obs += 1.0 if p >= 1.0 else -math.expm1(reads * math.log1p(-max(p, 0.0)))
                a[base + D_RICH] = rich
                a[base + D_RICH_RES] = rich_res
                a[base + D_RICH_OBS] = rich_obs
            a[base + D_END] = loc + step_h
            a[base + D_STEP] = k * steps + j + 1


@njit(cache=True, error_model="numpy")
def _nan_max(old, new):
    """np.maximum semantics: NaN once seen stays NaN."""
    if old != old or new != new:
        return math.nan
    return new if new > old else old


@njit(cache=True, error_model="numpy")
def _slot(r, events, n_events):
    """Index of the next free event row of subject row ``r``, or -1 (buffer full: marked for the caller)."""
    e = n_events[r]
    if e < 0:
        return -1
    if e >= events.shape[1]:
        n_events[r] = -1  # overflow: reported by the caller
        return -1
    return e


@njit(cache=True, error_model="numpy")
def _daily_emit(i, r, day, acc, end_steps, events, n_events, base):
    if day < 0:
        return
    if end_steps.shape[0] > 0 and acc[i, base + D_STEP] > end_steps[i]:
        return
    e = _slot(r, events, n_events)
    if e < 0:
        return
    events[r, e, 0] = day
    events[r, e, 1:] = acc[i]
    n_events[r] = e + 1


@njit(cache=True, parallel=True, error_model="numpy")
def nightly_block(k, i0, record, start, local, nights, i_asleep, i_z, i_rem, i_bed, sum_idx, end_steps, threshold,
                  rem_threshold, step_h, cur_night, prev_night, last_night, acc, events, n_events):
    """Advance the nightly totals of subjects i0..i0+n over one simulated day; emit finished nights and gaps."""
    n, steps, _ = record.shape
    n_sum = sum_idx.shape[0]
    for r in prange(n):
        i = i0 + r
        n_events[r] = 0
        z_prev = start[r, i_z]
        rem_prev = record[r, 0, i_rem]
        for j in range(steps):
            night = np.int64(nights[r, j])
            g = k * steps + j
            if cur_night[i] != NONE and night != prev_night[i]:
                _nightly_emit(i, r, acc, cur_night[i], end_steps, events, n_events)
                cur_night[i] = NONE
            rec = record[r, j]
            z = rec[i_z]
            if night >= 0:
                a = acc[i]
                if cur_night[i] == NONE:
                    if end_steps.shape[0] == 0 or g < end_steps[i]:
                        if night - 1 > last_night[i]:
                            _nightly_event(r, EV_GAP, last_night[i] + 1, night - 1, events, n_events)
                        last_night[i] = max(last_night[i], night)
                    cur_night[i] = night
                    a[:] = 0.0
                    a[N_BED] = local[r, j]
                    a[N_END] = math.nan
                    a[N_ONSET] = math.nan
                    a[N_ONSET_LOCAL] = math.nan
                    a[N_REM_LAT] = math.nan
                    a[N_IN_BED] = 1.0
                asleep = rec[i_asleep]
                bed = rec[i_bed]
                # share of this step after sleep onset: sleep and its stages count only from onset on, so
                # that SOL + TST + WASO = TIB (time before onset is latency, whatever the sleep variable says)
                after = 1.0
                if a[N_ONSET] != a[N_ONSET]:
                    after = 0.0
                    if z >= threshold or z_prev >= threshold:
                        frac = 0.0 if z_prev >= threshold else (threshold - z_prev) / (z - z_prev)
                        a[N_ONSET] = a[N_STEPS] + frac
                        a[N_ONSET_LOCAL] = local[r, j] + step_h * frac
                        after = 1.0 - frac
                asleep = min(asleep, bed)  # asleep implies in bed (guards rounding on alarm-free mornings)
                a[N_SOL] += bed * (1.0 - after)
                a[N_WASO] += (bed - asleep) * after
                rem = rec[i_rem]
                if after > 0.0 and a[N_REM_LAT] != a[N_REM_LAT] and rem >= rem_threshold:
                    frac_r = 0.0 if rem_prev >= rem_threshold else (rem_threshold - rem_prev) / (rem - rem_prev)
                    a[N_REM_LAT] = max(a[N_STEPS] + frac_r - a[N_ONSET], 0.0)
                rem_prev = rem
                a[N_STEPS] += 1.0
                a[N_ASLEEP] += asleep * after
                for q in range(n_sum):
                    a[NIGHTLY_FIXED + q] += rec[sum_idx[q]] * after
                a[N_TIB] += bed
                if bed >= UP_THRESHOLD:
                    a[N_END] = local[r, j] + step_h
                elif a[N_IN_BED] >= UP_THRESHOLD:  # got up during this step (alarm-free night)
                    a[N_END] = local[r, j] + step_h * (a[N_IN_BED] - UP_THRESHOLD) / (a[N_IN_BED] - bed)
                a[N_IN_BED] = bed
                a[N_STEP] = g + 1
            prev_night[i] = night
            z_prev = z


@njit(cache=True, error_model="numpy")
def _nightly_event(r, kind, first, last, events, n_events):
    e = _slot(r, events, n_events)
    if e < 0:
        return
    events[r, e, :] = math.nan
    events[r, e, 0] = kind
    events[r, e, 1] = first
    events[r, e, 2] = last
    n_events[r] = e + 1


@njit(cache=True, error_model="numpy")
def _nightly_emit(i, r, acc, night, end_steps, events, n_events):
    if night < 0:
        return
    if end_steps.shape[0] > 0 and acc[i, N_STEP] > end_steps[i]:
        return
    e = _slot(r, events, n_events)
    if e < 0:
        return
    events[r, e, 0] = EV_NIGHT
    events[r, e, 1] = night
    events[r, e, 2] = night
    events[r, e, 3:] = acc[i]
    n_events[r] = e + 1
