"""Turn scenarios into the per-step input channels of :mod:`gutsleep.model.inputs`.

Time is handled on an integer grid of quarter-hours (one solver step, ``STEP_H``). Global step
``g`` counts from the start of the simulation (start of burn-in). Simulation time in hours is
``t = g * STEP_H - 24 * burn_in_days`` (t = 0 at local midnight of day 0). Local time adds the
offset built up by jet-lag events: ``L = t + offset(t)``; local day ``floor(L / 24)``.

For memory, nothing is stored per step for the whole run. Per distinct scenario we keep a
compact plan: a profile id per local day (index into a table of 96-step daily profiles that
depend only on that day's and the previous day's habits), antibiotic flags per local day, the
offset switch steps and the list of nights. Dense arrays are built for a block of a few days at
a time, vectorised over distinct scenarios, then expanded to all subjects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from gutsleep.model.inputs import ADDED_FIBERS, GRAMS_ETHANOL_PER_DRINK, INPUT_INDEX, INPUT_NAMES, STEP_H, STEPS_PER_DAY
from gutsleep.scenario import Habits, Scenario
from gutsleep.scenario.fields import clock_hours
from gutsleep.scenario.models import (
    MAX_SLEEP_WINDOW_H,
    MELANOPIC_DER,
    MIN_SLEEP_WINDOW_H,
    REFERENCE_SOURCE,
    VARIABILITY_MAX_SD,
    WEEKDAYS,
    Variability,
)

SPD = STEPS_PER_DAY
N_CH = len(INPUT_NAMES)
QUARTERS_PER_H = round(1 / STEP_H)
_BLOCK_BYTES = 128 * 2**20
"""Target size of one cached block of dense arrays (bytes); sets how many days a block holds."""
_MAX_BLOCK_DAYS = 16
_ABX_CHANNELS = {
    "broad_spectrum": INPUT_INDEX["antibiotic_broad"],
    "anaerobe": INPUT_INDEX["antibiotic_anaerobe"],
    "quinolone": INPUT_INDEX["antibiotic_quinolone"],
}
_ABX_ORDER = ("broad_spectrum", "anaerobe", "quinolone")
_ABX_COLS = np.array([_ABX_CHANNELS[k] for k in _ABX_ORDER])
_MEAL_CHANNELS = (
    ("fiber_g", "fiber_g_per_h"),
    ("prebiotic_g", "prebiotic_g_per_h"),
    ("fermented_servings", "fermented_servings_per_h"),
    ("added_sugar_g", "added_sugar_g_per_h"),
    ("protein_g", "protein_g_per_h"),
    *((f"{name}_g", f"{name}_g_per_h") for name in ADDED_FIBERS),
)


_MEAL_COLS = np.array([INPUT_INDEX[c] for c in ("meal", "fiber_g_per_h", "prebiotic_g_per_h",
                                                "fermented_servings_per_h", "probiotic_cfu_per_h",
                                                "added_sugar_g_per_h", "protein_g_per_h",
                                                *(f"{name}_g_per_h" for name in ADDED_FIBERS))])
"""Channels that move with the day's meals (day-to-day meal timing)."""
VARIABILITY_STREAM = 0x5641_5249
"""Second entropy word of the variability streams (``default_rng([seed, VARIABILITY_STREAM, 0 or 1])``), so that they
do not coincide with other uses of the same seed."""
_N_DRAWS = 6  # per local day: bedtime, wake time, meals, daylight, stress, arousal


def _stream(seed: int, which: int, n: int, columns: int = _N_DRAWS) -> np.ndarray:
    """(n, columns) standard normals, truncated at +/- VARIABILITY_MAX_SD, of one variability stream (0: local days
    0, 1, 2, ...; 1: local days -1, -2, ...; 2 and 3 the same for the sleep-onset draw, kept apart so that adding it
    left the other draws unchanged). Row k belongs to the k-th day of the stream whatever ``n`` is (prefix-stable)."""
    if n <= 0:
        return np.zeros((0, columns))
    z = np.random.default_rng([int(seed), VARIABILITY_STREAM, which]).standard_normal((n, columns))
    return np.clip(z, -VARIABILITY_MAX_SD, VARIABILITY_MAX_SD)


@dataclass(frozen=True)
class DayVariation:
    """Day-to-day deviations of one subject per local day (arrays aligned with the ``local_days`` asked for)."""

    bed_shift_q: np.ndarray
    """Bedtime of the night starting on the day, in steps later than the habit (int64)."""
    wake_shift_q: np.ndarray
    """Wake time ending that night, in steps later than the habit (int64)."""
    meal_shift_q: np.ndarray
    """All meals of the day, in steps later than the habit (int64; kept within the day when profiles are built)."""
    lux_factor: np.ndarray
    """Factor on the day's daytime background light (mean 1)."""
    stress_offset: np.ndarray
    """Added to the day's stress (then clipped to 0-1)."""
    arousal_noise: np.ndarray
    """Log of the night's factor on night arousal (mean factor 1)."""
    onset_noise: np.ndarray
    """The night's offset of the log hazard of sleep onset (mean 0)."""


def day_variation(v: Variability, seed: int, local_days: np.ndarray) -> DayVariation:
    """Deviations of every local day in ``local_days`` (any integers, burn-in days negative) for variability ``v`` and
    scenario ``seed``. Day d always gets the same draws (independent of which other days are asked for), from
    ``default_rng([seed, VARIABILITY_STREAM, 0])`` for d >= 0 and ``[..., 1]`` for d < 0."""
    d = np.asarray(local_days, dtype=np.int64)
    n_fwd = int(d.max()) + 1 if (d >= 0).any() else 0
    n_back = int(-d.min()) if (d < 0).any() else 0

    def draws(first: int, columns: int) -> np.ndarray:
        fwd, back = _stream(seed, first, n_fwd, columns), _stream(seed, first + 1, n_back, columns)
        return np.where((d >= 0)[:, None], fwd[np.clip(d, 0, None)] if len(fwd) else 0.0,
                        back[np.clip(-d - 1, 0, None)] if len(back) else 0.0)

    z = draws(0, _N_DRAWS)
    z_onset = draws(2, 1)[:, 0]
    weekday = (WEEKDAYS.index(v.start_weekday) + d) % 7  # 0 = Monday
    before_free = (weekday == 4) | (weekday == 5)  # Friday and Saturday nights
    free_morning = (weekday == 5) | (weekday == 6)  # Saturday and Sunday
    bed = v.bedtime_sd_min * z[:, 0] + v.weekend_bedtime_shift_min * before_free
    wake = v.wake_time_sd_min * z[:, 1] + v.weekend_wake_shift_min * before_free
    meal = v.meal_time_sd_min * z[:, 2] + v.weekend_wake_shift_min * free_morning
    sigma_lux = np.sqrt(np.log1p(v.day_lux_cv**2))
    s = v.arousal_noise_sd
    per_step = 60.0 * STEP_H
    return DayVariation(
        bed_shift_q=np.round(bed / per_step).astype(np.int64),
        wake_shift_q=np.round(wake / per_step).astype(np.int64),
        meal_shift_q=np.round(meal / per_step).astype(np.int64),
        lux_factor=np.exp(sigma_lux * z[:, 3] - 0.5 * sigma_lux**2),
        stress_offset=v.stress_sd * z[:, 4],
        arousal_noise=s * z[:, 5] - 0.5 * s * s,
        onset_noise=v.onset_noise_sd * z_onset,
    )


def _q(clock: str) -> int:
    """Clock string -> quarter-hours after midnight, rounded to the grid (may be 96 for 23:53+)."""
    return round(clock_hours(clock) * QUARTERS_PER_H)


def _episode_light(prev: Habits, cur: Habits) -> tuple[np.ndarray, np.ndarray]:
    """Light of the day's episodes (96,), in fluorescent-equivalent lux (photopic lux x melanopic DER of the source /
    DER of the reference source), and the eyes-closed flag (96,); episodes past midnight spill over from ``prev``."""
    light, closed = np.zeros(SPD), np.zeros(SPD)
    ref = MELANOPIC_DER[REFERENCE_SOURCE]
    for h, shift in ((prev, SPD), (cur, 0)):
        for ep in h.light.episodes:
            a, b = _q(ep.start), _q(ep.end)
            if b <= a:
                b += SPD  # runs past midnight
            steps = np.arange(a, b) - shift
            steps = steps[(steps >= 0) & (steps < SPD)]
            light[steps] += ep.lux * MELANOPIC_DER[ep.source] / ref
            if ep.eyes_closed:
                closed[steps] = 1.0
    return light, closed


def _doses(p: np.ndarray, channel: int, intakes: tuple[tuple[str, float], ...]) -> None:
    """Each dose (clock time, mg) delivered within one step, as a rate (mg/h)."""
    for clock, mg in intakes:
        p[min(_q(clock), SPD - 1), channel] += mg / STEP_H


def _daily_profile(prev: Habits, cur: Habits) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """One local day's channels (96, N_CH) from its habits (and alcohol and light episodes spilling over from the
    previous day), the in-bed light level (lux), the light of the day's episodes (96,) and the daytime background light
(96,; ``day_lux`` by day, else 0). ``light_lux`` holds the
    awake light (background plus episodes); ``in_bed`` and antibiotic channels are left 0 (filled per step later)."""
    p = np.zeros((SPD, N_CH))
    meals = sorted(min(_q(m), SPD - 1) for m in cur.meals)
    if meals:
        p[meals, INPUT_INDEX["meal"]] = 1.0
        share = 1.0 / (len(meals) * STEP_H)
        for field, channel in _MEAL_CHANNELS:
            np.add.at(p[:, INPUT_INDEX[channel]], meals, getattr(cur, field) * share)
        p[meals[0], INPUT_INDEX["probiotic_cfu_per_h"]] = cur.probiotic_cfu / STEP_H
    alc = INPUT_INDEX["alcohol_g_per_h"]
    for h, shift in ((prev, SPD), (cur, 0)):
        if h.alcohol_drinks > 0:
            n = max(1, round(h.alcohol_drinks * 2))
            steps = np.arange(n) + _q(h.alcohol_time) - shift
            steps = steps[(steps >= 0) & (steps < SPD)]
            p[steps, alc] += h.alcohol_drinks * GRAMS_ETHANOL_PER_DRINK / (n * STEP_H)
    p[:, INPUT_INDEX["ultra_processed_share"]] = cur.ultra_processed_share
    p[:, INPUT_INDEX["emulsifier_g_per_day"]] = cur.emulsifier_g
    p[:, INPUT_INDEX["fat_g_per_day"]] = cur.fat_g
    p[:, INPUT_INDEX["saccharin_mg_per_day"]] = cur.sweeteners.saccharin_mg
    p[:, INPUT_INDEX["sucralose_mg_per_day"]] = cur.sweeteners.sucralose_mg
    p[:, INPUT_INDEX["aspartame_mg_per_day"]] = cur.sweeteners.aspartame_mg
    p[:, INPUT_INDEX["water_l_per_day"]] = cur.water_l
    p[:, INPUT_INDEX["stress"]] = cur.stress
    clock = np.arange(SPD)
    # Daylight starts at the wake time that ended the previous night (night d-1 uses day d-1's habits); this day's
    # own wake_time ends the coming night, i.e. tomorrow morning.
    wake, evening = _q(prev.wake_time) % SPD, _q(cur.light.evening_from) % SPD
    daytime = (clock >= wake) & (clock < evening) if wake <= evening else (clock >= wake) | (clock < evening)
    episodes, closed = _episode_light(prev, cur)
    daylight = np.where(daytime, cur.light.day_lux, 0.0)
    p[:, INPUT_INDEX["light_lux"]] = np.where(daytime, cur.light.day_lux, cur.light.evening_lux) + episodes
    p[:, INPUT_INDEX["eyes_closed"]] = closed
    _doses(p, INPUT_INDEX["caffeine_mg_per_h"], cur.caffeine_intakes())
    _doses(p, INPUT_INDEX["melatonin_mg_per_h"], cur.melatonin_intakes())
    for nap in cur.naps:  # a nap is lived in its room's light (plus any episode); no daylight to vary there
        steps = np.arange(_q(nap.start), min(_q(nap.end), SPD))
        p[steps, INPUT_INDEX["nap"]] = 1.0
        p[steps, INPUT_INDEX["light_lux"]] = nap.lux + episodes[steps]
        daylight[steps] = 0.0
    return p, cur.light.night_lux, episodes, daylight


@dataclass
class _Plan:
    """Compact plan of one distinct scenario (all times in global steps, integers)."""

    scenario: Scenario
    switch_steps: np.ndarray
    """Global steps at which the local offset changes (sorted)."""
    offsets: np.ndarray
    """Offset in steps (quarter-hours) before the first switch, then after each switch (len+1)."""
    day_profile: np.ndarray
    """Profile id per local day ``ld_lo + i``."""
    day_abx: np.ndarray
    """(days in table, 3) antibiotic flags per local day, order broad, anaerobe, quinolone."""
    night_start: np.ndarray
    night_end: np.ndarray
    night_id: np.ndarray
    night_alarm_free: np.ndarray
    """Per night: True when it has no alarm (its window is the longest allowed; the model ends it)."""
    variation: DayVariation | None = None
    """Day-to-day deviations per local day ``ld_lo + i`` (meal shifts already kept within each day), or None."""


def _rowwise_last_le(keys: np.ndarray, queries: np.ndarray, lo: int, stride: int) -> np.ndarray:
    """For each row of ``keys`` (U, K; sorted per row, padded with ``stride - 1 - lo``), the index
    of the last key <= each query (-1 if none): (U, n). Keys and queries must lie in [lo, lo+stride-1)."""
    n_rows, k = keys.shape
    rows = np.arange(n_rows, dtype=np.int64)[:, None]
    flat = ((keys - lo) + rows * stride).ravel()
    pos = np.searchsorted(flat, (queries[None, :] - lo) + rows * stride, side="right") - 1
    local = pos - rows * k
    return np.where(local >= 0, local, -1)


class Schedule:
    """Per-step model inputs for N subjects (one scenario each), produced day by day.

    Build with :func:`build_schedule`. Arrays returned by ``day_*`` methods are read-only views
    into a cached block; copy them if you need to modify them.
    """

    def __init__(self, scenarios: Sequence[Scenario], burn_in_days: int) -> None:
        self.scenarios: tuple[Scenario, ...] = tuple(scenarios)
        self.n_subjects = len(self.scenarios)
        self.burn_in_days = burn_in_days
        self.first_day = -burn_in_days
        self.days = max(s.days for s in self.scenarios)
        self.total_days = burn_in_days + self.days
        self.steps_per_day = SPD
        self._total_steps = self.total_days * SPD
        self._origin = burn_in_days * SPD  # global step of local midnight of day 0

        # Group identical input-relevant scenarios: rows are computed once per group.
        keys: dict[tuple, int] = {}
        group = np.empty(self.n_subjects, dtype=np.int64)
        uniq: list[Scenario] = []
        for i, s in enumerate(self.scenarios):
            key = (s.days, s.habits, s.interventions, s.events, *_variability_key(s))
            if key not in keys:
                keys[key] = len(uniq)
                uniq.append(s)
            group[i] = keys[key]
        self._group = group
        self._identity = len(uniq) == self.n_subjects
        self._profiles: list[np.ndarray] = []
        self._night_lux: list[float] = []
        self._episode_lux: list[np.ndarray] = []
        self._daylight: list[np.ndarray] = []
        self._meal_span: list[tuple[int, int]] = []
        self._profile_ids: dict[tuple[Habits, Habits], int] = {}
        self._plans = [self._plan(s) for s in uniq]
        self._pack()
        per_day = self.n_subjects * SPD * (N_CH * 8 + 8 + 4)  # with inputs expanded to every subject
        self._block_days = int(max(1, min(_MAX_BLOCK_DAYS, _BLOCK_BYTES // max(per_day, 1))))
        self._block: tuple[int, np.ndarray, np.ndarray, np.ndarray] | None = None
        self._expanded: dict[int, np.ndarray] = {}

    # ------------------------------------------------------------------ planning
    def _profile_id(self, prev: Habits, cur: Habits) -> int:
        key = (prev, cur)
        pid = self._profile_ids.get(key)
        if pid is None:
            prof, night_lux, episodes, daylight = _daily_profile(prev, cur)
            pid = len(self._profiles)
            self._profiles.append(prof)
            self._night_lux.append(night_lux)
            self._episode_lux.append(episodes)
            self._daylight.append(daylight)
            steps = np.flatnonzero(prof[:, _MEAL_COLS].any(axis=1))
            self._meal_span.append((int(steps[0]), int(steps[-1])) if len(steps) else (0, SPD - 1))
            self._profile_ids[key] = pid
        return pid

    def _plan(self, s: Scenario) -> _Plan:
        """Compact per-local-day plan and night list of one scenario."""
        origin = self._origin
        # Offsets: a jet lag on day d switches at local 12:00 of day d under the previous offset.
        switch, offsets = [], [0]
        for day, shift in s.jet_lags():
            switch.append(origin + day * SPD + SPD // 2 - offsets[-1])
            offsets.append(offsets[-1] + round(shift * QUARTERS_PER_H))
        sw = np.array(switch, dtype=np.int64)
        off = np.array(offsets, dtype=np.int64)
        # Local-day table covers every local day the run can reach (plus margins).
        max_local = self._total_steps - origin + int(off.max())
        ld_hi = max_local // SPD + 2
        local_days = np.arange(self._ld_lo, ld_hi + 1)
        eff = np.clip(local_days, 0, s.days - 1)  # burn-in repeats day 0; past the end keeps the last day
        change = np.array(s.change_days(), dtype=np.int64)
        seg_habits = s.habits_on_days(change.tolist())
        seg = np.searchsorted(change, eff, side="right") - 1
        day_profile = np.empty(len(local_days), dtype=np.int64)
        for i in range(len(local_days)):
            prev = seg_habits[seg[i - 1]] if i > 0 else seg_habits[seg[i]]
            day_profile[i] = self._profile_id(prev, seg_habits[seg[i]])
        day_abx = np.zeros((len(local_days), 3), dtype=np.float64)
        for iv in s.interventions:
            if iv.antibiotics is not None:
                end = iv.end_day if iv.end_day is not None else s.days - 1
                on = (local_days >= iv.start_day) & (local_days <= end)
                day_abx[on, _ABX_ORDER.index(iv.antibiotics)] = 1.0
        # Nights: one per local day, from that day's bed/wake times (moved by the day's variation, if any).
        bed_h = np.array([clock_hours(h.bedtime) for h in seg_habits])[seg]
        wake_h = np.array([clock_hours(h.wake_time) for h in seg_habits])[seg]
        start_local = local_days * SPD + np.round(bed_h * QUARTERS_PER_H).astype(np.int64)
        start_local += np.where(bed_h < 12.0, SPD, 0)
        dur = np.round(((wake_h - bed_h) % 24.0) * QUARTERS_PER_H).astype(np.int64)
        wake_q = np.round(wake_h * QUARTERS_PER_H).astype(np.int64) % SPD
        lo, hi = round(MIN_SLEEP_WINDOW_H * QUARTERS_PER_H), round(MAX_SLEEP_WINDOW_H * QUARTERS_PER_H)
        alarm_free = ~np.array([h.alarm for h in seg_habits], dtype=bool)[seg]
        variation = None
        if s.variability is not None and not s.variability.is_off():
            variation = day_variation(s.variability, s.seed, local_days)
            start_local = start_local + variation.bed_shift_q
            dur = np.clip(dur + variation.wake_shift_q - variation.bed_shift_q, lo, hi)
            span = np.array([self._meal_span[p] for p in day_profile], dtype=np.int64).reshape(-1, 2)
            meal = np.clip(variation.meal_shift_q, -span[:, 0], SPD - 1 - span[:, 1])  # meals stay within their day
            variation = replace(variation, meal_shift_q=meal)
        if alarm_free.any():  # no alarm: the longest window, ended early by the next morning's first nap
            first_nap = np.array([min((_q(n.start) for n in h.naps), default=2 * SPD) for h in seg_habits])
            morning = (start_local + SPD // 2) // SPD
            nap_local = morning * SPD + first_nap[seg[np.clip(morning - self._ld_lo, 0, len(seg) - 1)]]
            nap_local = np.where(nap_local > start_local, nap_local, start_local + hi)
            dur = np.where(alarm_free, np.clip(nap_local - start_local, lo, hi), dur)
        if variation is not None or alarm_free.any():
            wake_q = (start_local + dur) % SPD
        start = self._local_to_global(start_local, sw, off)
        end = start + dur
        for k, g in enumerate(sw):  # a switch inside a night: wake at the new local wake time if sooner
            inside = (start < g) & (g < end)
            if inside.any():
                clock_now = (g - origin + off[k + 1]) % SPD
                new_wake = g + (wake_q - clock_now) % SPD
                end = np.where(inside, np.minimum(end, new_wake), end)
        keep = ~np.isin(local_days, list(s.sleep_deprivation_nights()))
        order = np.argsort(start[keep], kind="stable")
        start, end, nid = start[keep][order], end[keep][order], local_days[keep][order]
        free = alarm_free[keep][order]
        if len(start) > 1:
            end[:-1] = np.minimum(end[:-1], start[1:])  # clip the earlier night if habits make them overlap
        ok = end > start
        return _Plan(s, sw, off, day_profile, day_abx, start[ok], end[ok], nid[ok].astype(np.int64), free[ok],
                     variation)

    @property
    def _ld_lo(self) -> int:
        """First local day in the per-day tables (one before the first simulated day)."""
        return self.first_day - 1

    def _local_to_global(self, local: np.ndarray, sw: np.ndarray, off: np.ndarray) -> np.ndarray:
        """Global step at which local time ``local`` (steps from local midnight of day 0) first
        occurs; a local time skipped by an eastward jump maps to the jump itself."""
        g = local + self._origin - off[0]
        if len(sw) == 0:
            return g
        bounds = np.concatenate(([np.iinfo(np.int64).min // 4], sw, [np.iinfo(np.int64).max // 4]))
        out = np.full(local.shape, -1, dtype=np.int64)
        done = np.zeros(local.shape, dtype=bool)
        for j in range(len(off)):
            cand = local + self._origin - off[j]
            hit = ~done & (cand >= bounds[j]) & (cand < bounds[j + 1])
            out[hit] = cand[hit]
            done |= hit
            if j + 1 < len(off):  # in the gap after this segment (eastward jump): start at the jump
                gap = (
                    ~done
                    & (local + self._origin - off[j] >= bounds[j + 1])
                    & (local + self._origin - off[j + 1] < bounds[j + 1])
                )
                out[gap] = bounds[j + 1]
                done |= gap
        return out

    def _pack(self) -> None:
        """Stack per-scenario plans into padded arrays for vectorised lookups."""
        plans = self._plans
        n_u = len(plans)
        self._prof_flat = np.concatenate(self._profiles).reshape(-1, N_CH)
        self._night_lux_arr = np.array(self._night_lux)
        self._episode_lux_flat = np.concatenate(self._episode_lux)
        self._any_episodes = bool(self._episode_lux_flat.any())
        self._daylight_flat = np.concatenate(self._daylight)
        self._meal_flat = np.ascontiguousarray(self._prof_flat[:, _MEAL_COLS])
        n_days = max(len(p.day_profile) for p in plans)
        self._day_profile = np.zeros((n_u, n_days), dtype=np.int64)
        self._day_abx = np.zeros((n_u, n_days, 3))
        self._n_local = np.array([len(p.day_profile) for p in plans], dtype=np.int64)
        for u, p in enumerate(plans):
            self._day_profile[u, : len(p.day_profile)] = p.day_profile
            self._day_abx[u, : len(p.day_profile)] = p.day_abx
        self._any_abx = bool(self._day_abx.any())
        self._any_var = any(p.variation is not None for p in plans)
        if self._any_var:  # per local day: meal shift (steps), daylight factor, stress offset, night-arousal noise
            self._var_meal = np.zeros((n_u, n_days), dtype=np.int64)
            self._var_lux = np.ones((n_u, n_days))
            self._var_stress = np.zeros((n_u, n_days))
            self._var_arousal = np.zeros((n_u, n_days))
            self._var_onset = np.zeros((n_u, n_days))
            for u, p in enumerate(plans):
                if p.variation is not None:
                    k = len(p.day_profile)
                    self._var_meal[u, :k] = p.variation.meal_shift_q
                    self._var_lux[u, :k] = p.variation.lux_factor
                    self._var_stress[u, :k] = p.variation.stress_offset
                    self._var_arousal[u, :k] = p.variation.arousal_noise
                    self._var_onset[u, :k] = p.variation.onset_noise
        # Searchable keys live in [lo, lo + stride - 1); padding sits at the top of each row.
        self._lo = -8 * SPD
        self._stride = self._total_steps + 16 * SPD - self._lo
        pad = self._lo + self._stride - 1
        top = self._total_steps + 4 * SPD  # times beyond this are irrelevant to the run: clip them
        k_n = max(1, max(len(p.night_start) for p in plans))
        self._ns = np.full((n_u, k_n), pad, dtype=np.int64)
        self._ne = np.full((n_u, k_n), pad, dtype=np.int64)
        self._nid = np.full((n_u, k_n), -1, dtype=np.int64)
        self._naf = np.zeros((n_u, k_n), dtype=bool)
        for u, p in enumerate(plans):
            k = len(p.night_start)
            self._ns[u, :k] = np.minimum(p.night_start, top)
            self._ne[u, :k] = np.minimum(p.night_end, top)
            self._nid[u, :k] = p.night_id
            self._naf[u, :k] = p.night_alarm_free
        self._any_alarm_free = bool(self._naf.any())
        self._any_naps = bool(self._prof_flat[:, INPUT_INDEX["nap"]].any())
        self._jet_rows = [u for u, p in enumerate(plans) if len(p.switch_steps)]
        k_s = max([1] + [len(plans[u].switch_steps) for u in self._jet_rows])
        self._sw = np.full((n_u, k_s), pad, dtype=np.int64)
        self._off = np.zeros((n_u, k_s + 1), dtype=np.int64)
        for u in self._jet_rows:
            p = plans[u]
            self._sw[u, : len(p.switch_steps)] = np.minimum(p.switch_steps, top)
            self._off[u, : len(p.offsets)] = p.offsets
            self._off[u, len(p.offsets) :] = p.offsets[-1]

    # ------------------------------------------------------------------ dense blocks
    def _compute(self, g0: int, g1: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Inputs (U, n, N_CH), local time (U, n) and night index (U, n) for global steps [g0, g1)."""
        g = np.arange(g0, g1, dtype=np.int64)
        n_u = len(self._plans)
        rows = np.arange(n_u)[:, None]
        if self._jet_rows:
            idx = _rowwise_last_le(self._sw, g, self._lo, self._stride) + 1
            off = np.take_along_axis(self._off, idx, axis=1)
        else:
            off = np.zeros((n_u, 1), dtype=np.int64)
        local = (g - self._origin)[None, :] + off
        local = np.broadcast_to(local, (n_u, len(g)))
        day_idx = np.clip(local // SPD - self._ld_lo, 0, self._n_local[:, None] - 1)
        clock = local % SPD
        pid = self._day_profile[rows, day_idx]
        x = self._prof_flat[pid * SPD + clock]
        if self._any_abx:
            x[..., _ABX_COLS] = self._day_abx[rows, day_idx]
        if self._any_var:
            self._vary(x, pid, clock, rows, day_idx)
        k = _rowwise_last_le(self._ns, g, self._lo, self._stride)
        kc = np.maximum(k, 0)
        in_bed = (k >= 0) & (g[None, :] < self._ne[rows, kc])
        night = np.where(in_bed, self._nid[rows, kc], -1)
        night = np.where(night >= 0, night, -1).astype(np.int32)
        if self._any_alarm_free:  # up after an alarm-free night, the person sees the day's light
            free = in_bed & self._naf[rows, kc]
            x[..., INPUT_INDEX["alarm_free"]][free] = 1.0
            x[..., INPUT_INDEX["light_lux_risen"]][free] = x[..., INPUT_INDEX["light_lux"]][free]
        if self._any_naps:  # a nap is an opportunity that is not a night; a night's window takes precedence
            nap = x[..., INPUT_INDEX["nap"]]
            nap[in_bed] = 0.0
            x[..., INPUT_INDEX["in_bed"]][nap > 0] = 1.0
        x[..., INPUT_INDEX["in_bed"]][in_bed] = 1.0
        # In-bed light is that night's night_lux (the habits of the day the night belongs to), also after midnight.
        night_day = np.clip(self._nid[rows, kc] - self._ld_lo, 0, self._n_local[:, None] - 1)
        bed_light = self._night_lux_arr[self._day_profile[rows, night_day][in_bed]]
        if self._any_episodes:  # episodes (a bedroom lamp, a screen in bed) also shine during the sleep opportunity
            bed_light = bed_light + self._episode_lux_flat[(pid * SPD + clock)[in_bed]]
        x[..., INPUT_INDEX["light_lux"]][in_bed] = bed_light
        if self._any_var:
            x[..., INPUT_INDEX["arousal_noise"]][in_bed] = self._var_arousal[rows, night_day][in_bed]
            x[..., INPUT_INDEX["onset_noise"]][in_bed] = self._var_onset[rows, night_day][in_bed]
        return x, local * STEP_H, night

    def _vary(self, x: np.ndarray, pid: np.ndarray, clock: np.ndarray, rows: np.ndarray, day_idx: np.ndarray) -> None:
        """Apply the day-to-day variation in place: meals moved, daytime light scaled, stress offset (awake inputs;
        the in-bed light and the night's arousal noise are set afterwards)."""
        src = clock - self._var_meal[rows, day_idx]
        inside = (src >= 0) & (src < SPD)
        meals = self._meal_flat[pid * SPD + np.clip(src, 0, SPD - 1)]
        x[..., _MEAL_COLS] = np.where(inside[..., None], meals, 0.0)
        light = INPUT_INDEX["light_lux"]
        extra = (self._var_lux[rows, day_idx] - 1.0) * self._daylight_flat[pid * SPD + clock]
        x[..., light] = np.maximum(x[..., light] + extra, 0.0)
        stress = INPUT_INDEX["stress"]
        x[..., stress] = np.clip(x[..., stress] + self._var_stress[rows, day_idx], 0.0, 1.0)

    def _block_for(self, k: int) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
        """Dense block holding day ``k``, per distinct scenario (rows = groups, see :attr:`group`)."""
        if not 0 <= k < self.total_days:
            raise IndexError(f"day {k} outside 0..{self.total_days - 1} (simulated days incl. burn-in)")
        if self._block is not None and self._block[0] <= k < self._block[0] + self._block[1].shape[1] // SPD:
            return self._block
        k0 = (k // self._block_days) * self._block_days
        k1 = min(self.total_days, k0 + self._block_days)
        self._block = None  # release the old block before keeping the new one
        self._expanded = {}
        x, local, night = self._compute(k0 * SPD, k1 * SPD)
        for a in (x, local, night):
            a.flags.writeable = False
        self._block = (k0, x, local, night)
        return self._block

    def _day_slice(self, k: int, which: int) -> np.ndarray:
        block = self._block_for(k)
        i = (k - block[0]) * SPD
        if self._identity:
            return block[which][:, i : i + SPD]
        full = self._expanded.get(which)
        if full is None:  # expand to one row per subject once per block and field
            full = block[which][self._group]
            full.flags.writeable = False
            self._expanded[which] = full
        return full[:, i : i + SPD]

    @property
    def group(self) -> np.ndarray:
        """(N,) int64: row of :meth:`day_inputs_grouped` holding each subject's inputs (identical scenarios
        share a row)."""
        out = self._group.view()
        out.flags.writeable = False
        return out

    def day_inputs_grouped(self, k: int) -> np.ndarray:
        """Inputs for day ``k`` once per distinct scenario: (G, 96, channels); subject i reads row ``group[i]``.

        Same values as :meth:`day_inputs` without expanding them to every subject (for large cohorts of few
        distinct schedules)."""
        block = self._block_for(k)
        i = (k - block[0]) * SPD
        return block[1][:, i : i + SPD]

    def day_inputs(self, k: int) -> np.ndarray:
        """Inputs for simulated day ``k`` (0 = first burn-in day): (N, 96, channels) float64, channel
        order ``INPUT_NAMES``; rates per hour of simulation time."""
        return self._day_slice(k, 1)

    def day_local_time(self, k: int) -> np.ndarray:
        """Local time (h, continuous; day 0 starts at 0) at the start of each step of day ``k``: (N, 96)."""
        return self._day_slice(k, 2)

    def day_night_index(self, k: int) -> np.ndarray:
        """Night (local day it belongs to) of each in-bed step of day ``k``; -1 when awake or for
        nights before day 0 (burn-in): (N, 96) int32."""
        return self._day_slice(k, 3)

    # ------------------------------------------------------------------ nights
    def nights(self) -> list[list[tuple[int, float, float]]]:
        """Per subject, ``(night, start_h, end_h)`` of every sleep opportunity of night >= 0 that
        starts within the run, in simulation hours from local midnight of day 0 (snapped to the
        grid). Deprived nights are absent; the last night may end after the run."""
        per_plan = []
        for p in self._plans:
            keep = (p.night_id >= 0) & (p.night_start < self._total_steps)
            per_plan.append(
                [
                    (int(n), (int(a) - self._origin) * STEP_H, (int(b) - self._origin) * STEP_H)
                    for n, a, b in zip(p.night_id[keep], p.night_start[keep], p.night_end[keep], strict=True)
                ]
            )
        return [list(per_plan[u]) for u in self._group]

    def night_plan(self, subject: int, night: int) -> tuple[str, str]:
        """Planned (bedtime, wake_time) clock strings of ``night`` for ``subject`` (habits of that day, before any
        day-to-day variability; :meth:`nights` gives the nights as lived)."""
        s = self.scenarios[subject]
        h = s.habits_on(min(max(night, 0), s.days - 1))
        return h.bedtime, h.wake_time


def _variability_key(s: Scenario) -> tuple:
    """What of a scenario's variability changes its inputs: nothing when off, else the block and the seed."""
    v = s.variability
    return (None,) if v is None or v.is_off() else (v, s.seed)


def build_schedule(scenarios: Sequence[Scenario], burn_in_days: int = 0) -> Schedule:
    """Schedule of inputs for one subject per scenario, with ``burn_in_days`` days prepended that
    repeat day 0's habits (no antibiotics, no events) to let the model settle."""
    if len(scenarios) == 0:
        raise ValueError("build_schedule needs at least one scenario")
    if int(burn_in_days) != burn_in_days or burn_in_days < 0:
        raise ValueError(f"burn_in_days must be a whole number >= 0 (got {burn_in_days!r})")
    for s in scenarios:
        if not isinstance(s, Scenario):
            raise TypeError(f"expected Scenario objects, got {type(s).__name__}")
    return Schedule(scenarios, int(burn_in_days))
