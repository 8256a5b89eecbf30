"""Colonic transit follows fiber, stress and water as human studies report, and stool form follows transit."""

from __future__ import annotations

import numpy as np
import pytest

from gutsleep.apps.simulate import simulate
from gutsleep.scenario.models import Scenario


def week_two(docs: list[dict]):
    """Mean of days 7-13 of each scenario (one batched run)."""
    out = simulate([Scenario.model_validate({"days": 14, **d}) for d in docs], timeseries_every_h=None)
    return out.daily[out.daily.day >= 7].groupby("subject").mean(numeric_only=True)


@pytest.fixture(scope="module")
def days():
    slow = {"parameters": {"colon_transit_rate": 1 / 60}}
    return week_two([{}, {"habits": {"fiber_g": 35}}, slow, {**slow, "habits": {"fiber_g": 35}},
                     {"habits": {"stress": 1.0}}, {"habits": {"water_l": 0.0}}, {"habits": {"fiber_g": 2}},
                     {"parameters": {"colon_transit_rate": 1 / 20}, "habits": {"fiber_g": 35}}])


def test_fiber_shortens_a_slow_transit_and_hardly_a_normal_one(days) -> None:
    """de Vries 2016 Nutrients 8:130: ~0.5 h per g/day with an initial transit >= 48 h, no change below 48 h."""
    assert days.transit_h[0] == pytest.approx(36.0, abs=0.5)  # typical whole-gut transit
    normal_per_g = (days.transit_h[0] - days.transit_h[1]) / 20
    slow_per_g = (days.transit_h[2] - days.transit_h[3]) / 20
    assert 0.3 <= slow_per_g <= 1.0, slow_per_g
    assert 0 <= normal_per_g < 0.25, normal_per_g
    assert days.transit_h[7] == pytest.approx(20.0, abs=0.5)  # a fast transit is not slowed towards the floor


def test_stress_speeds_transit_and_low_water_slows_it(days) -> None:
    assert days.transit_h[4] < days.transit_h[0] - 2
    assert days.transit_h[5] > days.transit_h[0] + 2


def test_stool_form_follows_transit(days) -> None:
    """Lewis & Heaton 1997: harder stools with slower transit; type 4 at a typical transit."""
    assert days.stool_bristol[0] == pytest.approx(4.0, abs=0.1)
    order = np.argsort(days.transit_h.to_numpy())
    assert np.all(np.diff(days.stool_bristol.to_numpy()[order]) <= 1e-9)
    assert days.stool_bristol.between(1, 7).all()
