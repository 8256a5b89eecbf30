"""The shipped baseline settles into published healthy-adult ranges (evidence rows in brackets)."""

from __future__ import annotations

import numpy as np
import pytest

from gutsleep.apps.simulate import simulate


@pytest.fixture(scope="session")
def baseline_week(example_scenarios):
    """Baseline person, 7 days after burn-in, sampled every 15 minutes."""
    scenario = example_scenarios["baseline"].model_copy(update={"days": 7})
    return simulate([scenario], timeseries_every_h=0.25)


def _clock(ts, variable: str, day: int) -> tuple[np.ndarray, np.ndarray]:
    hours = ts["time"].to_numpy()
    mask = (hours >= 24 * day) & (hours < 24 * (day + 1))
    return hours[mask] - 24 * day, ts[variable].isel(subject=0).to_numpy()[mask]


def test_sleep_architecture_in_reference_ranges(baseline_week):
    """REF-06: TST 380-450 min, SE 85-95 %, SOL 10-30 min, N3 10-20 %."""
    nights = baseline_week.nightly.loc[baseline_week.nightly.night >= 3]
    assert nights.tst_min.between(380, 450).all()
    assert nights.sleep_efficiency_pct.between(85, 95).all()
    assert nights.sol_min.between(10, 30).all()
    assert nights.sws_pct.between(10, 20).all()
    assert nights.waso_min.between(10, 60).all()


def test_cortisol_rhythm(baseline_week):
    """HPA-01: peak ~430 (320-570) nmol/L at 07:30-09:30; nadir ~55 (40-70) at 23:30-01:30."""
    clock, cortisol = _clock(baseline_week.timeseries, "cortisol_nmol_l", 5)
    assert 320 <= cortisol.max() <= 570
    assert 7.5 <= clock[np.argmax(cortisol)] <= 9.5
    shifted = (clock + 12) % 24  # look for the nadir around midnight
    night = (shifted >= 6) & (shifted <= 18)
    nadir_clock = clock[night][np.argmin(cortisol[night])]
    assert 40 <= cortisol[night].min() <= 70
    # the window of the HPA01-NADIR evidence item, whose tolerance note opens it to 23:00: the model's trough is
    # flat to ~0.01 nmol/L from about 23:00 to 00:30, so its lowest 15-min sample moves on that grid
    assert nadir_clock >= 23.0 or nadir_clock <= 1.5
    risen = clock[(clock < 9) & (cortisol > 1.15 * cortisol[night].min())]
    assert 2.0 <= risen.min() <= 4.0  # the morning rise (15 % over the nadir) begins between 02:00 and 04:00


def test_dlmo_and_melatonin(baseline_week):
    """REF-01: DLMO 1.5-2.5 h before a 23:00 bedtime; plasma peak 30-120 pg/mL; daytime < 10 pg/mL."""
    daily = baseline_week.daily
    assert daily.dlmo_clock_h.between(20.5, 21.5).all()
    assert daily.melatonin_peak_pg_ml.between(30, 120).all()
    clock, mel = _clock(baseline_week.timeseries, "melatonin_plasma_pg_ml", 5)
    assert mel[(clock > 10) & (clock < 18)].max() < 10


def test_scfa_ratio_and_serotonin_share(baseline_week):
    """FIB-02: acetate:propionate:butyrate ~60:25:15 (+/-10 points); SER-01: gut holds 85-95 % of 5-HT."""
    day = baseline_week.daily.iloc[-1]
    total = day.acetate_mM + day.propionate_mM + day.butyrate_mM
    for value, target in ((day.acetate_mM, 0.60), (day.propionate_mM, 0.25), (day.butyrate_mM, 0.15)):
        assert abs(value / total - target) <= 0.10
    assert 0.85 <= day.gut_serotonin_share <= 0.95
    ts = baseline_week.timeseries.isel(subject=0)
    assert 50 <= float(ts.blood_serotonin_ng_ml.mean()) <= 200  # REF-02 whole blood
    assert 0.3 <= float(ts.plasma_free_serotonin_ng_ml.mean()) <= 2.0  # REF-02 free plasma


def test_inflammation_and_barrier_markers(baseline_week):
    """REF-05: IL-6 1-8 pg/mL, hsCRP 0.3-3 mg/L; REF-04: LBP 2-10 ug/mL; GABA-01: 0-330 ug/g."""
    day = baseline_week.daily.iloc[-1]
    assert 1 <= day.il6_pg_ml <= 8
    assert 0.3 <= day.crp_mg_l <= 3
    assert 2 <= day.lbp_ug_ml <= 10
    assert 0 < day.gaba <= 330
    assert 0.01 <= day.permeability_index <= 0.04  # ALC-02: healthy L/M ~0.02


def test_postprandial_endotoxaemia(baseline_week):
    """REF-03: LPS rises after meals and resolves within hours (fold 1.2-1.7 over fasting, peak 2-4 h)."""
    clock, lps = _clock(baseline_week.timeseries, "lps_fold", 5)
    fasting = lps[(clock > 6.5) & (clock <= 8.0)].min()
    after_dinner = (clock > 19) & (clock < 24)
    peak_time = clock[after_dinner][np.argmax(lps[after_dinner])]
    assert 1.05 <= lps[after_dinner].max() / fasting <= 1.7
    assert 19 + 1 <= peak_time <= 19 + 4
