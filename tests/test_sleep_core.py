"""The sleep-wake core: onset as a pressure-dependent hazard (no latency floor), continuity that consolidates under
high pressure, and the night-to-night onset noise of scenario variability."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from gutsleep.apps.simulate import simulate
from gutsleep.evidence.framework import scenario
from gutsleep.inputs.schedule import day_variation
from gutsleep.model import build_model
from gutsleep.scenario.models import Variability


def _hazard(margin: float, noise: float = 0.0) -> float:
    """The model's onset hazard (1/h) at a pressure margin H - upper, from its own equation."""
    model = build_model()
    expr = model.intermediate("sleep_onset_hazard").expr
    h, upper = sp.Symbol("sleep_pressure_H", real=True), sp.Symbol("sleep_threshold_upper", real=True)
    values = {sp.Symbol(p.name, real=True): p.default for p in model.parameters}
    values.update({h: 0.5 + margin, upper: 0.5, sp.Symbol("onset_noise", real=True): noise})
    return float(expr.subs(values))


def test_onset_hazard_is_exponential_in_the_margin_and_capped() -> None:
    model = build_model()
    k_on, k_max = model.parameter("sleep_onset_rate").default, model.parameter("sleep_onset_rate_max").default
    gain = model.parameter("sleep_onset_pressure_gain").default
    assert _hazard(0.0) == pytest.approx(k_on * k_max / (k_on + k_max))  # harmonic cap of k_on and k_max
    far_below = _hazard(-0.5)
    assert far_below == pytest.approx(k_on * math.exp(-0.5 * gain), rel=1e-2)  # k_on e^(g margin) below threshold
    assert _hazard(2.0) == pytest.approx(k_max, rel=1e-3)  # never faster than the cap
    assert _hazard(0.0, noise=1.0) > _hazard(0.0) > _hazard(0.0, noise=-1.0)


@pytest.fixture(scope="module")
def nights():
    runs = [scenario("rested", 21),
            scenario("night awake", 21, events=[{"day": 14, "type": "sleep_deprivation"}]),
            *(scenario(f"{tib} h in bed", 21, interventions=[{"start_day": 14, "end_day": 19, "set": {
                "bedtime": f"{(7 - tib) % 24:02d}:00", "wake_time": "07:00"}}]) for tib in (4, 6, 8))]
    return simulate(runs, timeseries_every_h=None, burn_in_days=28).nightly


def _mean(nightly, subject: int, nights, column: str) -> float:
    rows = nightly[(nightly.subject == subject) & nightly.night.isin(list(nights))]
    return float(rows[column].mean())


def test_no_latency_floor_after_sleep_loss(nights) -> None:
    rested = _mean(nights, 0, range(7, 14), "sol_min")
    recovery = _mean(nights, 1, [15], "sol_min")
    floor = math.log(2) / build_model().parameter("sleep_onset_rate").default * 60  # the old fixed-rate floor
    assert recovery < 0.5 * rested and recovery < 0.5 * floor


def test_less_time_in_bed_gives_faster_onset_and_higher_efficiency(nights) -> None:
    sol = [_mean(nights, i, range(15, 20), "sol_min") for i in (2, 3, 4)]
    se = [_mean(nights, i, range(15, 20), "sleep_efficiency_pct") for i in (2, 3, 4)]
    assert sol[0] < sol[1] < sol[2]
    assert se[0] > se[1] > se[2]


def test_onset_noise_draw_leaves_the_other_draws_unchanged() -> None:
    days = np.arange(-5, 30)
    quiet = day_variation(Variability(onset_noise_sd=0.0), 3, days)
    noisy = day_variation(Variability(onset_noise_sd=1.1), 3, days)
    for field in ("bed_shift_q", "wake_shift_q", "meal_shift_q", "lux_factor", "stress_offset", "arousal_noise"):
        np.testing.assert_array_equal(getattr(quiet, field), getattr(noisy, field))
    assert not quiet.onset_noise.any()
    assert 0.7 < noisy.onset_noise.std() < 1.5
    again = day_variation(Variability(onset_noise_sd=1.1), 3, days[10:])
    np.testing.assert_array_equal(again.onset_noise, noisy.onset_noise[10:])  # a day's draw does not move


def test_onset_noise_scatters_latency_from_night_to_night() -> None:
    off = {name: 0.0 for name in Variability.model_fields if name != "start_weekday"}
    quiet = scenario("quiet", 30).model_copy(update={"variability": Variability(**off)})
    noisy = quiet.model_copy(update={"variability": Variability(**{**off, "onset_noise_sd": 1.1})})
    out = simulate([quiet, noisy], timeseries_every_h=None, burn_in_days=14).nightly
    sd = out.groupby("subject")["sol_min"].std()
    assert sd[0] < 0.5 and sd[1] > 5.0


def test_process_s_follows_its_analytic_solution_while_awake() -> None:
    """Out of bed nobody sleeps, so H obeys dH/dt = (mu - H)/chi_w exactly: H(t) = mu + (H0 - mu) e^(-t/chi_w)
    (Skeldon et al. 2014), an independent reference for the generated kernel's RK4 over a whole waking day."""
    model = build_model()
    chi_w = model.parameter("sleep_pressure_rise_time_h").default
    mu = model.parameter("sleep_pressure_asymptote").default
    ts = simulate([scenario("awake day", 3)], timeseries_every_h=0.25, burn_in_days=7).timeseries
    local = ts["local_time_h"].sel(subject=0).to_numpy()
    h = ts["sleep_pressure_H"].sel(subject=0).to_numpy()
    asleep = ts["asleep"].sel(subject=0).to_numpy()
    day = (local >= 24 + 8) & (local <= 24 + 22)  # day 1, 08:00-22:00: out of bed (07:00-23:00)
    assert not asleep[day].any()
    t = local[day] - local[day][0]
    expected = mu + (h[day][0] - mu) * np.exp(-t / chi_w)
    np.testing.assert_allclose(h[day], expected, rtol=1e-7)
