"""Light episodes, caffeine and melatonin tablets: schema, schedule channels, pharmacokinetics and behaviour."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gutsleep.apps.simulate import simulate
from gutsleep.cohort.population import DEFAULT_PARAMETER_CV
from gutsleep.evidence.experiments import EXPERIMENTS
from gutsleep.evidence.experiments_light import EXPERIMENTS as LIGHT_EXPERIMENTS
from gutsleep.evidence.experiments_light import ROLES
from gutsleep.evidence.findings import load_findings
from gutsleep.inputs import build_schedule
from gutsleep.model import build_model
from gutsleep.model.inputs import INPUT_INDEX, STEP_H
from gutsleep.scenario import ScenarioError, parse_scenario
from gutsleep.scenario.models import MELANOPIC_DER, REFERENCE_SOURCE

CH = INPUT_INDEX


def day(text: str, k: int, channel: str) -> np.ndarray:
    return build_schedule([parse_scenario(text)]).day_inputs(k)[0, :, CH[channel]]


# ---------------------------------------------------------------- schema
def test_defaults_keep_the_old_inputs() -> None:
    s = parse_scenario("days: 3")
    assert s.habits.light.episodes == () and s.habits.caffeine_intakes() == () and s.habits.melatonin_intakes() == ()
    x = build_schedule([s]).day_inputs(1)[0]
    assert not x[:, CH["eyes_closed"]].any() and not x[:, CH["caffeine_mg_per_h"]].any()
    assert not x[:, CH["melatonin_mg_per_h"]].any()
    assert set(np.unique(x[:, CH["light_lux"]])) == {0.0, 100.0, 1000.0}


@pytest.mark.parametrize(("text", "field", "phrase"), [
    ("habits: {light: {episodes: [{start: '21:00', end: '22:00', lux: 200000}]}}",
     "habits.light.episodes[0].lux", "allowed range 0 to 150000 lux"),
    ("habits: {light: {episodes: [{start: '21:00', end: '21:00', lux: 5}]}}",
     "habits.light.episodes[0].end", "end must differ from start"),
    ("habits: {light: {episodes: [{start: '21:00', end: '22:00', lux: 5, source: sun}]}}",
     "habits.light.episodes[0].source", "'daylight'"),
    ("habits: {light: {episodes: [{start: '9pm', end: '22:00', lux: 5}]}}",
     "habits.light.episodes[0].start", "HH:MM"),
    ("habits: {light: {episodes: [{start: '21:00', end: '22:00'}]}}", "habits.light.episodes[0].lux", "required"),
    ("habits: {caffeine_mg: 1500}", "habits.caffeine_mg", "allowed range 0 to 1000 mg"),
    ("habits: {caffeine_doses: [{time: '15:00', mg: '100 mg'}]}", "habits.caffeine_doses[0].mg", "units are not"),
    ("habits: {melatonin_doses: [{time: '25:00', mg: 3}]}", "habits.melatonin_doses[0].time", "HH:MM"),
    ("habits: {melatonin_mg: 30}", "habits.melatonin_mg", "allowed range 0 to 20 mg"),
    ("interventions: [{start_day: 0, set: {melatonin_doses: [{time: '17:00', mg: -1}]}}]",
     "interventions[0].set.melatonin_doses[0].mg", "allowed range 0 to 20 mg"),
    ("interventions: [{start_day: 0, set: {light: {episodes: [{start: '17:00', end: '18:00', lux: 1, x: 1}]}}}]",
     "interventions[0].set.light.episodes[0].x", "allowed fields: start, end, lux, source, eyes_closed"),
])
def test_bad_values_name_field_and_range(text: str, field: str, phrase: str) -> None:
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text)
    message = str(err.value)
    assert field in message and phrase in message, message


def test_too_many_episodes_and_doses_are_refused() -> None:
    eps = ", ".join(f"{{start: '{h:02d}:00', end: '{h:02d}:30', lux: 1}}" for h in range(17))
    with pytest.raises(ScenarioError, match="at most 16 light episodes"):
        parse_scenario(f"habits: {{light: {{episodes: [{eps}]}}}}")
    doses = ", ".join(f"{{time: '{h:02d}:00', mg: 1}}" for h in range(13))
    with pytest.raises(ScenarioError, match="at most 12 doses"):
        parse_scenario(f"habits: {{caffeine_doses: [{doses}]}}")


# ---------------------------------------------------------------- schedule
def test_episode_light_is_melanopic_weighted_and_adds_to_the_background() -> None:
    text = ("days: 3\nhabits: {light: {day_lux: 0, evening_lux: 10, evening_from: '20:00', episodes: ["
            "{start: '12:00', end: '13:00', lux: 6000, source: daylight},"
            "{start: '21:00', end: '22:00', lux: 30, source: screen},"
            "{start: '21:30', end: '22:30', lux: 100, source: warm_led}]}}")
    light = day(text, 1, "light_lux")
    ref = MELANOPIC_DER[REFERENCE_SOURCE]
    assert light[48:52] == pytest.approx(6000 / ref)  # 12:00-13:00 daylight over a 0-lux day
    assert light[47] == 0 and light[52] == 0
    assert light[84] == pytest.approx(10 + 30 * MELANOPIC_DER["screen"] / ref)
    assert light[86] == pytest.approx(10 + (30 * MELANOPIC_DER["screen"] + 100 * MELANOPIC_DER["warm_led"]) / ref)
    assert light[88] == pytest.approx(10 + 100 * MELANOPIC_DER["warm_led"] / ref)
    assert MELANOPIC_DER["daylight"] == 1.0 and MELANOPIC_DER["warm_led"] < ref < MELANOPIC_DER["screen"]


def test_episodes_past_midnight_shine_in_bed_and_eyes_closed_is_flagged() -> None:
    text = ("days: 4\nhabits: {light: {episodes: ["
            "{start: '22:00', end: '02:00', lux: 12, source: fluorescent, eyes_closed: true}]}}")
    s = build_schedule([parse_scenario(text)])
    x1, x2 = s.day_inputs(1)[0], s.day_inputs(2)[0]
    assert np.all(x1[88:92, CH["light_lux"]] == 100 + 12)  # 22:00-23:00 evening light plus the lamp
    assert np.all(x1[92:, CH["light_lux"]] == 12) and np.all(x1[92:, CH["in_bed"]] == 1)  # in bed: night 0 + lamp
    assert np.all(x2[:8, CH["light_lux"]] == 12) and x2[8, CH["light_lux"]] == 0  # spills to 02:00 of the next day
    assert np.all(x1[88:, CH["eyes_closed"]] == 1) and np.all(x2[:8, CH["eyes_closed"]] == 1)
    assert not x1[8:88, CH["eyes_closed"]].any() and not x2[8:88, CH["eyes_closed"]].any()


def test_doses_deliver_their_milligrams_at_their_clock_time() -> None:
    text = ("days: 3\nhabits: {caffeine_mg: 95, caffeine_time: '08:00', caffeine_doses: [{time: '15:10', mg: 130}],"
            " melatonin_mg: 3, melatonin_time: '21:00'}")
    caf, mel = day(text, 1, "caffeine_mg_per_h"), day(text, 1, "melatonin_mg_per_h")
    assert caf.sum() * STEP_H == pytest.approx(225) and caf[32] * STEP_H == pytest.approx(95)
    assert caf[61] * STEP_H == pytest.approx(130)  # 15:10 rounds to the 15:15 step
    assert mel.sum() * STEP_H == pytest.approx(3) and mel[84] * STEP_H == pytest.approx(3)


def test_night_lux_of_a_night_lasts_past_midnight() -> None:
    text = "days: 8\ninterventions: [{start_day: 5, end_day: 5, set: {light: {night_lux: 30}}}]"
    s = build_schedule([parse_scenario(text)])
    x5, x6, x7 = (s.day_inputs(k)[0] for k in (5, 6, 7))
    assert np.all(x5[:28, CH["light_lux"]] == 0)  # night 4 (before the change) stays dark
    assert np.all(x5[92:, CH["light_lux"]] == 30) and np.all(x6[:28, CH["light_lux"]] == 30)  # all of night 5
    assert np.all(x6[92:, CH["light_lux"]] == 0) and np.all(x7[:28, CH["light_lux"]] == 0)


def test_an_intervention_replaces_the_episode_list() -> None:
    text = ("days: 6\nhabits: {light: {episodes: [{start: '21:00', end: '22:00', lux: 40, source: screen}]}}\n"
            "interventions: [{start_day: 3, set: {light: {episodes: []}}}]")
    assert day(text, 2, "light_lux")[84] > 100
    assert day(text, 3, "light_lux")[84] == 100


# ---------------------------------------------------------------- model
def test_new_parameters_have_units_ranges_and_sources() -> None:
    model = build_model()
    names = ["eyelid_transmission", "light_alerting_effect", "light_alerting_half_lux", "light_alerting_decay_h",
             "bedroom_light_arousal_gain", "bedroom_light_half_lux", "caffeine_threshold_effect",
             "caffeine_arousal_gain", "caffeine_absorption_rate", "caffeine_half_life_h", "caffeine_volume_l_per_kg",
             "caffeine_bioavailability", "caffeine_adenosine_ec50_mg_l", "melatonin_oral_absorption_rate",
             "melatonin_oral_half_life_h", "melatonin_oral_bioavailability", "melatonin_volume_l_per_kg",
             "melatonin_prc_amplitude", "melatonin_prc_half_pmol_l", "melatonin_prc_advance_phase"]
    ids = {e.id for e in EXPERIMENTS}
    for name in names:
        p = model.parameter(name)
        assert p.unit and p.low <= p.default <= p.high and p.source, name
        if p.source.startswith("calibrated:"):
            cited = p.source.split(":")[1].split("(")[0].strip()
            assert cited in ids and ROLES[cited] == "calibration", name
    assert model.parameter("clock_intrinsic_period_h").default == 24.2  # tau of the clock unchanged
    assert "caffeine_half_life_h" in DEFAULT_PARAMETER_CV


def test_every_experiment_has_one_role_and_known_findings() -> None:
    findings = load_findings().findings
    assert set(ROLES) == {e.id for e in LIGHT_EXPERIMENTS} and set(ROLES.values()) <= {"calibration", "validation"}
    assert {e.id for e in LIGHT_EXPERIMENTS} <= {e.id for e in EXPERIMENTS}
    for e in LIGHT_EXPERIMENTS:
        assert set(e.findings) <= set(findings), e.id


@pytest.fixture(scope="module")
def runs():
    """Paired single-subject runs (short burn-in) shared by the behaviour tests."""
    base = "days: 10\nseed: 3\n"
    texts = {
        "baseline": base,
        "caffeine": base + ("interventions: [{start_day: 5, end_day: 5, "
                            "set: {caffeine_doses: [{time: '17:00', mg: 400}]}}]"),
        "tablet": base + ("interventions: [{start_day: 5, end_day: 5, "
                          "set: {melatonin_doses: [{time: '16:00', mg: 3}]}}]"),
        "screen": base + ("habits: {light: {evening_lux: 3, evening_from: '19:00'}}\ninterventions: [{start_day: 5, "
                          "set: {light: {episodes: [{start: '19:00', end: '23:00', lux: 300, source: screen}]}}}]"),
        "dim evening": base + "habits: {light: {evening_lux: 3, evening_from: '19:00'}}",
        "lamp": base + "interventions: [{start_day: 5, end_day: 5, set: {light: {night_lux: 30}}}]",
    }
    scenarios = [parse_scenario(t) for t in texts.values()]
    out = simulate(scenarios, burn_in_days=14, timeseries_every_h=0.25)
    again = simulate(scenarios[:2], burn_in_days=14, timeseries_every_h=0.25)
    return dict(zip(texts, range(len(texts)), strict=True)), out, again


def _series(out, i: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    ts = out.timeseries
    return ts["time"].to_numpy(), ts[name].isel(subject=i).to_numpy()


def test_caffeine_pharmacokinetics(runs) -> None:
    idx, out, _ = runs
    t, c = _series(out, idx["caffeine"], "caffeine_plasma_mg_l")
    model = build_model()
    mass = 23 * 1.63**2  # default person: BMI 23, female height
    peak = int(np.argmax(c))
    assert 17.25 <= t[peak] - 5 * 24 <= 18.5  # t_max 15-90 min after the 17:00 dose
    v = model.parameter("caffeine_volume_l_per_kg").default * mass
    assert 0.75 * 400 / v < c[peak] < 400 / v
    later = np.searchsorted(t, t[peak] + 10.0)
    half = 10.0 * math.log(2) / math.log(c[peak] / c[later])
    assert half == pytest.approx(model.parameter("caffeine_half_life_h").default, rel=0.05)
    assert np.all(_series(out, idx["baseline"], "caffeine_plasma_mg_l")[1] == 0)


def test_melatonin_tablet_pharmacokinetics_and_dlmo_marker(runs) -> None:
    idx, out, _ = runs
    t, m = _series(out, idx["tablet"], "melatonin_exogenous_pg_ml")
    peak = int(np.argmax(m))
    assert 16.5 <= t[peak] - 5 * 24 <= 17.5  # t_max ~50 min
    assert 1000 < m[peak] < 20000  # supraphysiological, far above the ~60-100 pg/mL night peak
    assert m[np.searchsorted(t, t[peak] + 6)] < 0.01 * m[peak]  # gone within hours (t1/2 45 min)
    dl = out.daily
    tablet, base = (dl[dl.subject == idx[k]].set_index("day").dlmo_clock_h for k in ("tablet", "baseline"))
    assert base[6] - tablet[6] > 0.1  # a tablet 5 h before DLMO advances the next DLMO


def test_caffeine_shortens_and_a_lamp_lightens_sleep(runs) -> None:
    idx, out, _ = runs
    n = out.nightly
    night = {k: n[(n.subject == idx[k]) & (n.night == 5)].iloc[0] for k in ("baseline", "caffeine", "lamp")}
    assert night["caffeine"].tst_min < night["baseline"].tst_min - 20
    assert night["caffeine"].sol_min > night["baseline"].sol_min
    assert night["lamp"].sleep_efficiency_pct < night["baseline"].sleep_efficiency_pct
    assert night["lamp"].sws_min < night["baseline"].sws_min
    before = n[(n.night == 4)].set_index("subject")
    assert before.tst_min[idx["caffeine"]] == pytest.approx(before.tst_min[idx["baseline"]], abs=1e-9)


def test_an_evening_screen_delays_melatonin_and_lengthens_sleep_latency(runs) -> None:
    idx, out, _ = runs
    dl, n = out.daily, out.nightly
    dlmo = {k: dl[dl.subject == idx[k]].set_index("day").dlmo_clock_h for k in ("screen", "dim evening")}
    sol = {k: n[n.subject == idx[k]].set_index("night").sol_min for k in ("screen", "dim evening")}
    assert dlmo["screen"][9] > dlmo["dim evening"][9] + 0.1
    assert sol["screen"][5:9].mean() > sol["dim evening"][5:9].mean()
    assert dlmo["screen"][4] == pytest.approx(dlmo["dim evening"][4], abs=1e-9)


def test_runs_without_variability_are_deterministic(runs) -> None:
    _idx, out, again = runs
    for table in ("nightly", "daily"):
        a, b = getattr(out, table), getattr(again, table)
        a = a[a.subject < 2].reset_index(drop=True)
        assert a.equals(b.reset_index(drop=True)), table
