"""Age, sex and BMI act where the literature gives a dependence (REF-05, REF-06, ALC-01)."""

from __future__ import annotations

import pytest

from gutsleep.apps.simulate import simulate
from gutsleep.scenario import parse_scenario


def _person(age: int, sex: str, bmi: float, drinks: int = 0) -> str:
    return (f"name: p-{age}-{sex}-{bmi}-{drinks}\ndays: 21\nperson: {{age: {age}, sex: {sex}, bmi: {bmi}}}\n"
            f"habits: {{alcohol_drinks: {drinks}, alcohol_time: '21:00'}}\n")


@pytest.fixture(scope="module")
def people():
    texts = [_person(35, "female", 23), _person(65, "female", 23), _person(35, "female", 32),
             _person(35, "female", 23, drinks=4), _person(35, "male", 23, drinks=4)]
    out = simulate([parse_scenario(t) for t in texts], timeseries_every_h=None)
    late_n = out.nightly[out.nightly.night >= 14].groupby("subject").mean(numeric_only=True)
    late_d = out.daily[out.daily.day >= 14].groupby("subject").mean(numeric_only=True)
    return late_n, late_d


def test_age_lowers_sws_raises_waso_and_il6(people):
    nightly, daily = people
    assert nightly.sws_pct[1] < nightly.sws_pct[0] - 2  # REF-06: %SWS falls with age
    assert nightly.waso_min[1] > nightly.waso_min[0] + 5  # REF-06: WASO rises with age
    # REF-05: +0.05 pg/mL per year x 30 y = +1.2 to +2.0 pg/mL on its pooled mean of 5.19 pg/mL, i.e. +23 to +39 %;
    # the model's baseline is the population median (~1.2-2 pg/mL), so the same finding is judged relatively
    assert 1.23 < daily.il6_pg_ml[1] / daily.il6_pg_ml[0] < 1.39


def test_bmi_raises_inflammation(people):
    _, daily = people
    assert daily.il6_pg_ml[2] > 1.3 * daily.il6_pg_ml[0]
    assert daily.crp_mg_l[2] > 1.3 * daily.crp_mg_l[0]


def test_same_drinks_raise_endotoxin_more_in_women(people):
    _, daily = people
    assert daily.lps_fold[3] > daily.lps_fold[4] > daily.lps_fold[0]  # ALC-01: female/male ratio > 1
