"""The sleep opportunity: nights without an alarm end when sleep ends, naps are daytime opportunities, and the
scenario rules that keep them well defined."""

from __future__ import annotations

import pytest

from gutsleep.apps.simulate import simulate
from gutsleep.evidence.framework import night_mean, scenario, subject, window_mean
from gutsleep.scenario import ScenarioError, parse_scenario
from gutsleep.scenario.fields import clock_hours


@pytest.fixture(scope="module")
def runs():
    return simulate([
        scenario("alarm", 17),
        scenario("no alarm", 17, interventions=[{"start_day": 14, "set": {"alarm": False}}]),
        scenario("night awake, no alarm", 17, events=[{"day": 14, "type": "sleep_deprivation"}],
                 interventions=[{"start_day": 15, "set": {"alarm": False}}]),
        scenario("evening nap", 17, interventions=[{"start_day": 14, "end_day": 14, "set": {
            "naps": [{"start": "18:00", "end": "20:00"}]}}]),
    ], timeseries_every_h=None, burn_in_days=21)


def test_without_an_alarm_the_model_sets_the_wake_time(runs) -> None:
    n = subject(runs.nightly, 1, "night")
    woke = clock_hours(n.loc[15, "wake"])
    assert 7.25 < woke < 12.0  # later than the 07:00 alarm, well before the 15:00 end of the longest window
    assert n.loc[15, "time_in_bed_min"] < 16 * 60 - 60
    assert night_mean(runs, 1, range(15, 16), "tst_min") > night_mean(runs, 0, range(15, 16), "tst_min") + 30
    row = n.loc[15]
    assert row.sol_min + row.tst_min + row.waso_min == pytest.approx(row.time_in_bed_min)
    alarm = subject(runs.nightly, 0, "night")
    assert (alarm.loc[7:15, "wake"] == "07:00").all() and (alarm.loc[7:15, "time_in_bed_min"] == 480).all()


def test_recovery_sleep_without_an_alarm_is_longer_than_with_one(runs) -> None:
    free = night_mean(runs, 2, range(15, 16), "tst_min")
    assert free > 8.5 * 60 and free > night_mean(runs, 1, range(15, 16), "tst_min")


def test_an_evening_nap_is_reported_daily_and_delays_the_next_night(runs) -> None:
    daily = subject(runs.daily, 3, "day")
    assert window_mean(daily, "nap_sleep_min", 14, 14) > 15
    assert window_mean(daily, "nap_sleep_min", 15, 16) == 0 and (subject(runs.daily, 0, "day").nap_sleep_min == 0).all()
    assert night_mean(runs, 3, range(14, 15), "sol_min") > night_mean(runs, 3, range(7, 14), "sol_min") + 3
    assert night_mean(runs, 3, range(14, 15), "sws_min") < night_mean(runs, 3, range(7, 14), "sws_min")


@pytest.mark.parametrize(("text", "where", "words"), [
    ("habits: {naps: [{start: '02:00', end: '03:00'}]}", "habits.naps", "overlaps the night"),
    ("habits: {naps: [{start: '23:30', end: '00:30'}]}", "habits.naps[0].end", "within one day"),
    ("habits: {naps: [{start: '13:00', end: '18:00'}]}", "habits.naps[0].end", "lasts 5 h"),
    ("habits: {naps: [{start: '13:00', end: '14:00'}, {start: '13:30', end: '15:00'}]}", "habits.naps",
     "overlap each other"),
    ("habits: {naps: [" + ", ".join(f"{{start: '{h:02d}:00', end: '{h:02d}:30'}}" for h in range(9, 14)) + "]}",
     "habits.naps", "at most 4"),
    ("interventions: [{start_day: 1, set: {bedtime: '13:30', wake_time: '21:00'}}]\n"
     "habits: {naps: [{start: '14:00', end: '15:00'}]}", "interventions[0].set", "overlaps the night"),
    ("habits: {alarm: 'sometimes'}", "habits.alarm", ""),
])
def test_bad_naps_and_alarm_are_rejected_with_their_place(text: str, where: str, words: str) -> None:
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text)
    message = str(err.value)
    assert where in message and words in message, message


@pytest.mark.parametrize("text", [
    "days: 200\nhabits: {alarm: false}\nevents: [{day: 40, type: sleep_deprivation}, {day: 90, type: jet_lag, "
    "shift_hours: 8}, {day: 150, type: jet_lag, shift_hours: -8}]",
    "days: 200\nhabits: {alarm: false, bedtime: '01:30', naps: [{start: '13:00', end: '14:30', lux: 200}]}\n"
    "variability: typical\nseed: 5",
    "days: 120\nperson: {age: 90, bmi: 15}\nhabits: {alarm: false, caffeine_doses: [{time: '21:00', mg: 1000}], "
    "light: {night_lux: 150000, day_lux: 150000}, naps: [{start: '12:00', end: '16:00'}]}",
])
def test_alarm_free_years_with_naps_stay_physiological(text: str) -> None:
    from test_physiological_bounds import check_year

    check_year(parse_scenario(text))
