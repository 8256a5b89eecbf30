"""Outcome reducers on synthetic records (no solver): sleep metrics, DLMO, cortisol windows, richness, jet lag."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gutsleep.inputs import build_schedule
from gutsleep.outcomes import (
    BASE_DAILY_COLUMNS,
    DLMO_PHASE,
    EXTRA_DAILY_COLUMNS,
    NIGHTLY_COLUMNS,
    Columns,
    DailyReducer,
    NightlyReducer,
    OutcomeCollector,
    clock_string,
)
from gutsleep.scenario import parse_scenario
from gutsleep.solve.engine import DayRecord

SPD = 96
LN2 = math.log(2.0)
STATES = (
    "sleep_onset_drive_T",
    "clock_phase_psi",
    "cortisol_nmol_l",
    "butyrate_mM",
    "propionate_mM",
    "acetate_mM",
    "gaba_ug_per_g",
    "gut_serotonin_ug",
    "plasma_free_serotonin_ng_ml",
    "blood_serotonin_ng_ml",
    "brain_serotonin_ug",
    "lps_fold",
    "lbp_ug_ml",
    "il6_pg_ml",
    "crp_mg_l",
    "microbial_rhythm_amplitude",
    "insulin_sensitivity_rel",
    "taxon_a",
    "taxon_b",
    "taxon_c",
)
OBSERVABLES = (
    "asleep",
    "in_bed_effective",
    "nap_asleep",
    "sws",
    "rem",
    "melatonin_plasma_pg_ml",
    "shannon",
    "permeability_index",
    "vagal_signal",
    "guild_g1",
    "guild_g2",
    "whole_gut_transit_h",
    "stool_form_bristol",
    "ogtt_iauc_mmol_min_l",
    "glucose_excursion_mmol_l",
)
COLUMNS = Columns(STATES, OBSERVABLES)


class FakeSchedule:
    """Local time and night index given as whole-run (N, days * 96) arrays."""

    def __init__(self, local: np.ndarray, nights: np.ndarray) -> None:
        self.local, self.nights = local, nights
        self.total_days = local.shape[1] // SPD

    def day_local_time(self, k: int) -> np.ndarray:
        return self.local[:, k * SPD : (k + 1) * SPD]

    def day_night_index(self, k: int) -> np.ndarray:
        return self.nights[:, k * SPD : (k + 1) * SPD]


def plain_local(n: int, days: int, burn_in: int = 0) -> np.ndarray:
    """Local time at step starts without jet lag (h)."""
    return np.tile(np.arange(days * SPD) * 0.25 - 24.0 * burn_in, (n, 1))


def series(n: int, days: int) -> dict[str, np.ndarray]:
    """Whole-run values of every variable (value at the end of each step), all 1.0 by default."""
    return {name: np.ones((n, days * SPD)) for name in COLUMNS.names}


def feed(reducer: object, values: dict[str, np.ndarray], days: int,
         before: dict[str, float] | None = None) -> None:
    """Call ``reducer`` with one DayRecord per day; ``before`` = state values before the first step."""
    n = next(iter(values.values())).shape[0]
    full = np.stack([values[name] for name in COLUMNS.names], axis=-1)  # (N, T, V)
    initial = full[:, 0, : len(STATES)].copy()
    for name, v in (before or {}).items():
        initial[:, COLUMNS.state(name)] = v
    for k in range(days):
        start = initial if k == 0 else full[:, k * SPD - 1, : len(STATES)]
        reducer(DayRecord(k, np.zeros((n, SPD, 1)), full[:, k * SPD : (k + 1) * SPD], start))  # type: ignore[operator]


def night_run(n: int, days: int, night: int, first: int, last: int, nights: np.ndarray | None = None) -> np.ndarray:
    """Night index array with steps ``first..last`` (global, inclusive) in bed for ``night``."""
    out = np.full((n, days * SPD), -1, dtype=np.int32) if nights is None else nights
    out[:, first : last + 1] = night
    return out


# --------------------------------------------------------------------------------------------- nightly
def test_night_across_midnight_exact_metrics() -> None:
    days = 2
    nights = night_run(1, days, 0, 92, SPD + 27)  # 23:00 day 0 to 07:00 day 1: 32 steps = 480 min
    v = series(1, days)
    z = np.zeros(days * SPD)
    z[93:] = 5.0
    z[92], z[93] = LN2 - 0.3, LN2 + 0.1  # the drive crosses ln 2 three quarters into step 93 (23:15-23:30)
    v["sleep_onset_drive_T"][0] = z
    asleep = np.zeros(days * SPD)
    asleep[94 : SPD + 28] = 1.0
    asleep[SPD + 10 : SPD + 14] = 0.0  # one hour awake at 02:30
    asleep[SPD + 20] = 0.5
    v["asleep"][0] = asleep
    sws = np.zeros(days * SPD)
    sws[100:110] = 0.2
    v["sws"][0] = sws
    reducer = NightlyReducer(COLUMNS, FakeSchedule(plain_local(1, days), nights))
    feed(reducer, v, days, before={"sleep_onset_drive_T": 0.0})
    df = reducer.result()
    assert tuple(df.columns) == NIGHTLY_COLUMNS
    assert len(df) == 1  # night 1 (from 23:00 on day 1) has not ended when the run stops
    row = df.iloc[0]
    assert (row.subject, row.night, row.bedtime, row.sleep_onset, row.wake) == (0, 0, "23:00", "23:26", "07:00")
    assert row.tst_min == pytest.approx(25.5 * 15)
    assert row.sleep_efficiency_pct == pytest.approx(100 * 382.5 / 480)
    assert row.sol_min == pytest.approx(1.75 * 15)
    assert row.waso_min == pytest.approx(0.25 * 15 + 4 * 15 + 0.5 * 15)
    assert row.sws_min == pytest.approx(30.0)
    assert row.sws_pct == pytest.approx(100 * 30 / 382.5)


def test_alarm_free_night_counts_time_in_bed_until_getting_up() -> None:
    """Without an alarm the window is long; time in bed, WASO and the wake clock follow in_bed_effective."""
    days = 2
    nights = night_run(1, days, 0, 92, SPD + 59)  # 23:00 day 0 to 15:00 day 1: the longest window (16 h)
    v = series(1, days)
    z = np.zeros(days * SPD)
    z[90:] = 5.0  # asleep at bedtime
    v["sleep_onset_drive_T"][0] = z
    asleep = np.zeros(days * SPD)
    asleep[92 : SPD + 36] = 0.9  # until 09:00
    v["asleep"][0] = asleep
    bed = np.zeros(days * SPD)
    bed[92 : SPD + 36] = 1.0
    bed[SPD + 36] = 0.75  # 09:00-09:15: still in bed
    bed[SPD + 37] = 0.25  # 09:15-09:30: up during this step
    bed[SPD + 38 :] = 0.0
    v["in_bed_effective"][0] = bed
    reducer = NightlyReducer(COLUMNS, FakeSchedule(plain_local(1, days), nights))
    feed(reducer, v, days, before={"sleep_onset_drive_T": 0.0})
    row = reducer.result().iloc[0]
    assert row.wake == "09:22"  # 09:15 + 15 min x (0.75 - 0.5) / (0.75 - 0.25) = 09:22:30
    assert row.time_in_bed_min == pytest.approx((40 + 0.75 + 0.25) * 15)
    assert row.tst_min == pytest.approx(40 * 0.9 * 15)
    assert row.waso_min == pytest.approx((40 * 0.1 + 0.75 + 0.25) * 15)
    assert row.sol_min + row.tst_min + row.waso_min == pytest.approx(row.time_in_bed_min)


def test_never_asleep_and_asleep_at_bedtime() -> None:
    days = 2
    nights = night_run(2, days, 0, 92, SPD + 27)
    v = series(2, days)
    v["sleep_onset_drive_T"][0] = LN2 - 0.5  # subject 0 never reaches onset (Z = 0.5)
    v["asleep"][0] = 0.0
    v["sleep_onset_drive_T"][1] = LN2 + 1.0  # subject 1 already in sleep mode at bedtime
    v["asleep"][1] = 1.0
    reducer = NightlyReducer(COLUMNS, FakeSchedule(plain_local(2, days), nights))
    feed(reducer, v, days)
    df = reducer.result()
    never, asleep = df.iloc[0], df.iloc[1]
    assert pd.isna(never.sleep_onset) and never.tst_min == 0.0 and never.sleep_efficiency_pct == 0.0
    assert never.sol_min == pytest.approx(480.0) and math.isnan(never.waso_min) and math.isnan(never.sws_pct)
    assert asleep.sleep_onset == "23:00" and asleep.sol_min == 0.0 and asleep.waso_min == 0.0
    assert asleep.tst_min == pytest.approx(480.0) and asleep.sleep_efficiency_pct == pytest.approx(100.0)


def test_sleep_before_onset_is_latency_not_sleep() -> None:
    """Partial sleep while the sleep mode is still rising counts as latency only: SOL + TST + WASO = TIB."""
    days = 2
    nights = night_run(2, days, 0, 92, SPD + 27)
    v = series(2, days)
    z = np.zeros(days * SPD)
    z[92:96] = LN2 - 0.2  # drowsy for the first hour, onset in step 96 (halfway: ln 2 -/+ 0.2)
    z[96:] = LN2 + 0.2
    v["sleep_onset_drive_T"][:] = z
    asleep = np.zeros(days * SPD)
    asleep[92:96] = 0.3  # what a sleep variable shows before the sleep period starts
    asleep[96 : SPD + 28] = 0.9
    v["asleep"][:] = asleep
    v["sleep_onset_drive_T"][1] = LN2 - 0.2  # subject 1 dozes all night without reaching sleep onset
    v["asleep"][1] = 0.3
    v["sws"][:] = 0.2 * v["asleep"]
    reducer = NightlyReducer(COLUMNS, FakeSchedule(plain_local(2, days), nights))
    feed(reducer, v, days, before={"sleep_onset_drive_T": 0.0})
    df = reducer.result()
    row, never = df.iloc[0], df.iloc[1]
    assert row.sol_min == pytest.approx(4.5 * 15)
    assert row.tst_min == pytest.approx(0.9 * 15 * (0.5 + 27))
    assert row.sol_min + row.tst_min + row.waso_min == pytest.approx(480.0)
    assert row.sws_min == pytest.approx(0.2 * row.tst_min)
    assert never.tst_min == 0.0 and never.sol_min == pytest.approx(480.0) and math.isnan(never.waso_min)


def test_deprived_night_is_reported_with_zero_sleep() -> None:
    days = 4
    nights = night_run(1, days, 0, 92, SPD + 27)
    night_run(1, days, 2, 2 * SPD + 92, 3 * SPD + 27, nights)  # night 1 has no sleep opportunity
    v = series(1, days)
    reducer = NightlyReducer(COLUMNS, FakeSchedule(plain_local(1, days), nights))
    feed(reducer, v, days)
    df = reducer.result()
    assert df["night"].tolist() == [0, 1, 2]
    dep = df.iloc[1]
    assert dep.tst_min == 0.0 and dep.sleep_efficiency_pct == 0.0 and dep.sws_min == 0.0
    assert pd.isna(dep.bedtime) and pd.isna(dep.wake) and pd.isna(dep.sleep_onset)
    assert math.isnan(dep.sol_min) and math.isnan(dep.waso_min) and math.isnan(dep.sws_pct)
    assert df.iloc[2].tst_min == pytest.approx(480.0)


def test_real_schedule_all_nighter_and_burn_in() -> None:
    sc = parse_scenario("days: 5\nevents:\n  - {day: 2, type: sleep_deprivation}")
    schedule = build_schedule([sc], burn_in_days=2)
    days = schedule.total_days
    v = series(1, days)
    local = np.concatenate([schedule.day_local_time(k) for k in range(days)], axis=1)
    nights = np.concatenate([schedule.day_night_index(k) for k in range(days)], axis=1)
    reducer = NightlyReducer(COLUMNS, FakeSchedule(local, nights))
    feed(reducer, v, days)
    df = reducer.result()
    assert df["night"].tolist() == [0, 1, 2, 3]  # night 4 runs past the end; burn-in nights are dropped
    assert df["tst_min"].tolist() == [480.0, 480.0, 0.0, 480.0]
    assert df.loc[df.night != 2, "bedtime"].unique().tolist() == ["23:00"]


def test_clock_string() -> None:
    assert clock_string(23.4375) == "23:26"
    assert clock_string(31.0) == "07:00"
    assert clock_string(-1.0) == "23:00"
    assert clock_string(math.nan) is None


# --------------------------------------------------------------------------------------------- daily
def test_daily_columns_dlmo_cortisol_and_end_of_day_values() -> None:
    days = 3
    v = series(1, days)
    t_end = (np.arange(days * SPD) + 1) * 0.25  # sim time at the end of each step (no jet lag: local = sim)
    v["clock_phase_psi"][0] = DLMO_PHASE + 2 * math.pi * (t_end - 20.1) / 24.0
    clock_start = (np.arange(days * SPD) * 0.25) % 24.0
    v["cortisol_nmol_l"][0] = 100.0 + clock_start
    v["shannon"][0] = t_end
    v["melatonin_plasma_pg_ml"][0] = np.where(clock_start == 2.0, 80.0, 5.0)
    v["guild_g1"][0], v["guild_g2"][0] = 1.0, 3.0
    v["taxon_a"][0], v["taxon_b"][0], v["taxon_c"][0] = 1.0, 1e-6, 2e-5
    v["gut_serotonin_ug"][0], v["blood_serotonin_ng_ml"][0] = 2.0, 0.2
    v["plasma_free_serotonin_ng_ml"][0], v["brain_serotonin_ug"][0] = 0.0, 1.0
    reducer = DailyReducer(COLUMNS, FakeSchedule(plain_local(1, days), np.full((1, days * SPD), -1)))
    feed(reducer, v, days, before={"clock_phase_psi": DLMO_PHASE + 2 * math.pi * (0.0 - 20.1) / 24.0})
    df = reducer.result()
    assert tuple(df.columns) == (*BASE_DAILY_COLUMNS, "guild_g1", "guild_g2", *EXTRA_DAILY_COLUMNS)
    assert df["day"].tolist() == [0, 1, 2]
    assert df["dlmo_clock_h"].to_numpy() == pytest.approx([20.1, 20.1, 20.1])
    assert df["cortisol_morning_nmol_l"].to_numpy() == pytest.approx([110.75] * 3)  # steps starting 05:00-10:45
    assert df["cortisol_evening_nmol_l"].to_numpy() == pytest.approx([100 + (18 + 22.75) / 2] * 3)
    assert df["shannon"].to_numpy() == pytest.approx([24.0, 48.0, 72.0])  # end of the day's last step
    assert df["melatonin_peak_pg_ml"].to_numpy() == pytest.approx([80.0] * 3)
    assert df["richness"].tolist() == [2, 2, 2]  # 1e-6 relative abundance is below the 1e-5 limit
    assert df["guild_g1"].to_numpy() == pytest.approx([1.0 / (1.0 + 1e-6 + 2e-5)] * 3)
    assert df["gut_serotonin_share"].to_numpy() == pytest.approx([2.0 / (2.0 + 1.0 + 1.0)] * 3)
    assert df["butyrate_mM"].tolist() == [1.0, 1.0, 1.0]


def test_dlmo_missing_day_is_nan() -> None:
    days = 2
    v = series(1, days)
    v["clock_phase_psi"][0] = 1.0  # psi never moves
    reducer = DailyReducer(COLUMNS, FakeSchedule(plain_local(1, days), np.full((1, days * SPD), -1)))
    feed(reducer, v, days)
    assert reducer.result()["dlmo_clock_h"].isna().all()


def test_richness_uses_each_subjects_detection_limit() -> None:
    v = series(2, 1)
    for i in range(2):
        v["taxon_a"][i], v["taxon_b"][i], v["taxon_c"][i] = 1.0, 1e-6, 2e-5
    reducer = DailyReducer(COLUMNS, FakeSchedule(plain_local(2, 1), np.full((2, SPD), -1)),
                           detection_limit=np.array([1e-5, 1e-7]))
    feed(reducer, v, 1)
    assert reducer.result()["richness"].tolist() == [2, 3]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(1e-7, 1.0), min_size=3, max_size=3), st.integers(1, 10**6))
def test_observed_richness_is_the_expected_rarefied_richness(abundance: list[float], reads: int) -> None:
    """Expected richness of ``reads`` draws (Hurlbert 1971), never above the taxa present; resident richness leaves
    the passing strains out."""
    v = series(1, 1)
    for name, x in zip(("taxon_a", "taxon_b", "taxon_c"), abundance, strict=True):
        v[name][0] = x
    reducer = DailyReducer(COLUMNS, FakeSchedule(plain_local(1, 1), np.full((1, SPD), -1)),
                           transient_taxa={"c"}, reads=reads)
    feed(reducer, v, 1)
    df = reducer.result()
    p = np.array(abundance) / sum(abundance)
    assert df["richness_observed"].iloc[0] == pytest.approx(float(np.sum(1 - (1 - p) ** reads)), rel=1e-9)
    assert 0 < df["richness_observed"].iloc[0] <= 3
    detected = p >= 1e-5
    assert df["richness"].iloc[0] == detected.sum()
    assert df["richness_resident"].iloc[0] == detected[:2].sum()


def test_observed_richness_matches_simulated_sequencing() -> None:
    """Mean taxa seen in multinomial samples of 10,000 reads (an independent check of the closed form)."""
    p = np.array([1.0, 1e-3, 1e-4, 2e-5])
    p = p / p.sum()
    seen = (np.random.default_rng(0).multinomial(10_000, p, size=4000) > 0).sum(axis=1).mean()
    assert float(np.sum(1 - (1 - p) ** 10_000)) == pytest.approx(seen, abs=0.03)


def test_one_read_sees_one_taxon_and_deep_sequencing_sees_all() -> None:
    for reads, expected in ((1, 1.0), (10**9, 3.0)):
        v = series(1, 1)
        v["taxon_a"][0], v["taxon_b"][0], v["taxon_c"][0] = 1.0, 1e-3, 1e-4
        reducer = DailyReducer(COLUMNS, FakeSchedule(plain_local(1, 1), np.full((1, SPD), -1)), reads=reads)
        feed(reducer, v, 1)
        assert reducer.result()["richness_observed"].iloc[0] == pytest.approx(expected, rel=1e-6)


def jet_local(days: int, shift_h: float) -> np.ndarray:
    """Local time of a run with a jet lag of ``shift_h`` at local noon of day 1 (sim hour 36)."""
    t = np.arange(days * SPD) * 0.25
    return (t + np.where(t >= 36.0, shift_h, 0.0))[None, :]


@pytest.mark.parametrize(
    ("shift", "expected_days", "expected_means"),
    [
        (8.0, [0, 1, 2, 3], [11.875, 31.875, 51.875, 75.875]),  # eastward: day 1 lasts 16 h, day 4 incomplete
        (-8.0, [0, 1, 2], [11.875, 39.875, 67.875]),  # westward: day 1 lasts 32 h, day 3 incomplete
    ],
)
def test_jet_lag_day_lengths(shift: float, expected_days: list[int], expected_means: list[float]) -> None:
    days = 4
    v = series(1, days)
    v["butyrate_mM"][0] = np.arange(days * SPD) * 0.25  # sim time at the step start
    reducer = DailyReducer(COLUMNS, FakeSchedule(jet_local(days, shift), np.full((1, days * SPD), -1)))
    feed(reducer, v, days)
    df = reducer.result()
    assert df["day"].tolist() == expected_days
    assert df["butyrate_mM"].to_numpy() == pytest.approx(expected_means)


def test_burn_in_days_are_dropped_and_pending_stays_bounded() -> None:
    days, burn_in = 12, 2
    collector = OutcomeCollector(COLUMNS, FakeSchedule(plain_local(3, days, burn_in), np.full((3, days * SPD), -1)))
    v = series(3, days)
    full = np.stack([v[name] for name in COLUMNS.names], axis=-1)
    for k in range(days):
        collector(DayRecord(k, np.zeros((3, SPD, 1)), full[:, k * SPD : (k + 1) * SPD], full[:, 0, : len(STATES)]))
        assert len(collector.daily._pending) <= 3 and len(collector.nightly._pending) <= 3
    nightly, daily = collector.result()
    assert daily["day"].tolist() == list(range(days - burn_in)) * 3
    assert daily["subject"].tolist() == sorted([0, 1, 2] * (days - burn_in))
    assert nightly.empty and tuple(nightly.columns) == NIGHTLY_COLUMNS
