"""Every valid year stays physiological: random scenarios from the whole schema, all outputs within bounds.

Hypothesis draws persons, habits at any allowed value (edges included), habit changes, antibiotic courses,
jet lags and nights awake (``scenario_strategies``); each drawn year must integrate without SimulationError and
give finite, non-negative nightly and daily values inside the documented bounds
(:mod:`gutsleep.outcomes.bounds`), with SOL + TST + WASO <= time in bed and SWS <= TST on every night.
A fast subset runs by default; ``-m slow`` runs 200 drawn years.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from gutsleep.apps.simulate import simulate
from gutsleep.outcomes.bounds import DAILY_BOUNDS, NIGHTLY_BOUNDS, bound_of
from gutsleep.scenario.models import Scenario
from scenario_strategies import scenarios

SLACK = 1e-6  # min: float rounding of sums of 15-min steps


def out_of_bounds(table: str, frame: pd.DataFrame) -> list[str]:
    """Human-readable list of every value outside its column's bound (empty when all are inside)."""
    problems = []
    for column in frame.columns:
        bound = bound_of(table, column)
        if bound is None:
            continue
        values = frame[column].to_numpy(dtype=float)
        nan = np.isnan(values)
        if nan.any() and not bound.nan_allowed:
            problems.append(f"{table}.{column}: {int(nan.sum())} empty values (first at row {int(np.argmax(nan))})")
        bad = ~nan & ((values < bound.low) | (values > bound.high) | ~np.isfinite(values))
        if bad.any():
            problems.append(f"{table}.{column}: {int(bad.sum())} values outside [{bound.low:g}, {bound.high:g}] "
                            f"(min {np.nanmin(values):.4g}, max {np.nanmax(values):.4g}; {bound.reason})")
    return problems


def check_year(scenario: Scenario) -> None:
    out = simulate([scenario], timeseries_every_h=None)
    nightly, daily = out.nightly, out.daily
    assert len(daily) >= scenario.days - 1  # a westward jet lag merges two local days into one long one
    problems = out_of_bounds("nightly", nightly) + out_of_bounds("daily", daily)
    onset = nightly["sleep_onset"].notna()
    total = nightly["sol_min"] + nightly["tst_min"] + nightly["waso_min"]
    over = onset & (total > nightly["time_in_bed_min"] + SLACK)
    if over.any():
        problems.append(f"SOL + TST + WASO > time in bed on {int(over.sum())} nights")
    if (nightly["tst_min"] > nightly["time_in_bed_min"] + SLACK).any():
        problems.append("TST > time in bed")
    if (nightly["sws_min"] > nightly["tst_min"] + SLACK).any():
        problems.append("SWS > TST")
    no_onset = ~onset & (nightly["time_in_bed_min"] > 0)
    if (nightly.loc[no_onset, "tst_min"] != 0).any():
        problems.append("TST > 0 on a night without sleep onset")
    assert not problems, "\n".join(problems) + "\n" + scenario.model_dump_json(exclude_defaults=True)


def test_bounds_cover_every_numeric_column() -> None:
    out = simulate([Scenario(days=3)], timeseries_every_h=None)
    for table, frame in (("nightly", out.nightly), ("daily", out.daily)):
        for column in frame.select_dtypes("number").columns:
            if column in ("subject", "night", "day"):
                continue
            assert bound_of(table, column) is not None, f"{table}.{column} has no documented bound"
    assert all(b.low <= b.high and b.reason for b in (*NIGHTLY_BOUNDS.values(), *DAILY_BOUNDS.values()))
    assert math.isclose(DAILY_BOUNDS["shannon"].high, math.log(DAILY_BOUNDS["richness"].high))


_SETTINGS = dict(database=None, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@settings(max_examples=8, **_SETTINGS)  # type: ignore[arg-type]
@given(scenarios(days=365))
def test_random_valid_years_stay_physiological(scenario: Scenario) -> None:
    check_year(scenario)


@pytest.mark.slow
@settings(max_examples=200, **_SETTINGS)  # type: ignore[arg-type]
@given(scenarios(days=365))
def test_random_valid_years_stay_physiological_200(scenario: Scenario) -> None:
    check_year(scenario)


def test_small_body_at_the_lowest_elimination_km_integrates_a_trace_of_alcohol() -> None:
    """Regression: near zero, ethanol elimination is first order at vmax / (volume K_m); for the smallest body at the
    lowest K_m that rate outran the 15-min step and a trace of alcohol blew up. The effective K_m keeps it stable."""
    scenario = Scenario.model_validate({
        "days": 3, "person": {"age": 18, "bmi": 15}, "habits": {"alcohol_drinks": 6.1e-5},
        "parameters": {"alcohol_elimination_km": 0.008}})
    out = simulate([scenario], timeseries_every_h=1.0, burn_in_days=0)
    bac = out.timeseries["blood_alcohol_g_l"].to_numpy()
    assert np.isfinite(bac).all() and (bac >= 0).all() and bac.max() < 1e-3
