"""Summaries say what happened: peak change, window change, area, recovery; comparisons align by day."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import gutsleep.cli as cli
from gutsleep.apps.simulate import SimulationOutput, compare
from gutsleep.outcomes.summary import (
    Windows,
    change_stats,
    common_days_note,
    comparison_windows,
    display_table,
    scenario_windows,
    summarize_comparison,
    summarize_run,
)
from gutsleep.report.comparison import comparison_summary
from gutsleep.scenario import Scenario, parse_scenario

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_change_stats_on_a_known_curve() -> None:
    keys = np.arange(20)
    values = np.full(20, 10.0)
    values[10:13] = [4.0, 6.0, 9.0]  # a dip during the window 10-12, back within 1 from day 14 on
    values[13] = 8.5
    stats = change_stats(values[None, :], keys, Windows((3, 9), (10, 12), 19), 1.0)
    assert stats["baseline_mean"][0] == 10.0
    assert stats["peak_change"][0] == -6.0 and stats["peak_at"][0] == 10 and stats["peak_value"][0] == 4.0
    assert stats["window_change"][0] == pytest.approx((-6 - 4 - 1) / 3)
    assert stats["change_area"][0] == pytest.approx(-6 - 4 - 1 - 1.5)
    assert stats["recovery_days"][0] == 1.0  # day 13 still 1.5 off; within from day 14 = 1 day after the window


def test_recovery_notes_and_circular_changes() -> None:
    keys = np.arange(10)
    open_ended = change_stats(np.ones((1, 10)), keys, Windows((0, 2), (3, 9), 9), 0.1)
    assert math.isnan(open_ended["recovery_days"][0]) and "lasts to the end" in open_ended["recovery_note"][0]
    never = change_stats(np.r_[np.zeros(5), np.ones(5)][None, :], keys, Windows((0, 2), (3, 4), 9), 0.1)
    assert math.isnan(never["recovery_days"][0]) and "not back within" in never["recovery_note"][0]
    nothing = change_stats(np.zeros((1, 10)), keys, Windows((0, 6), None, 9), 0.1)
    assert nothing["recovery_note"][0] == "no intervention or event" and math.isnan(nothing["window_change"][0])
    clock = np.array([[23.9, 23.95, 0.05, 0.1, 0.1, 0.1]])  # DLMO crossing midnight: +0.2 h, not -23.8 h
    circ = change_stats(clock, np.arange(6), Windows((0, 1), (2, 3), 5), 5 / 60, circular=True)
    assert circ["peak_change"][0] == pytest.approx(0.175, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=6, max_size=40), st.integers(1, 4))
def test_peak_is_the_largest_change_and_area_its_sum(values: list[float], start: int) -> None:
    v = np.array(values)
    keys = np.arange(v.size)
    start = min(start, v.size - 1)
    stats = change_stats(v[None, :], keys, Windows((0, start - 1), (start, v.size - 1), v.size - 1), 1.0)
    change = v - v[:start].mean()
    assert abs(stats["peak_change"][0]) == pytest.approx(np.abs(change[start:]).max())
    assert stats["change_area"][0] == pytest.approx(change[start:].sum(), abs=1e-6)


def test_windows_of_scenarios() -> None:
    abx = parse_scenario("days: 60\ninterventions:\n  - {start_day: 14, end_day: 18, antibiotics: broad_spectrum}\n")
    w = scenario_windows(abx)
    assert w.baseline == (7, 13) and w.intervention == (14, 18) and not w.open_ended
    plain = scenario_windows(parse_scenario("days: 10"))
    assert plain.baseline == (0, 6) and plain.intervention is None
    day0 = scenario_windows(parse_scenario("days: 10\ninterventions:\n  - {start_day: 0, set: {fiber_g: 30}}\n"))
    assert day0.baseline == (0, 0) and "day 0" in day0.baseline_note and day0.open_ended
    other = parse_scenario("days: 40\nhabits: {fiber_g: 30}\n")
    assert comparison_windows(parse_scenario("days: 40"), other).intervention == (0, 39)


@pytest.fixture(scope="module")
def example_summary(examples_run: SimulationOutput) -> pd.DataFrame:
    return summarize_run(examples_run.nightly, examples_run.daily, examples_run.scenarios)


def _row(summary: pd.DataFrame, scenario: str, column: str) -> pd.Series:
    rows = summary[(summary.scenario == scenario) & (summary.column == column)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_transient_effects_show_as_a_peak(example_summary: pd.DataFrame) -> None:
    """An antibiotic course, a jet lag and one night without sleep each have a clear peak change in the summary
    (the old 'first 7 vs last 7 days' summary showed about zero for all three)."""
    abx = _row(example_summary, "antibiotics", "tst_min")
    assert abx.peak_change < -4.0 and 14 <= abx.peak_at <= 25 and abx.window_change < -2.0
    assert abx.recovery_days >= 1 and abx.change_area < -50.0
    shannon = _row(example_summary, "antibiotics", "shannon")
    # a few taxa stay lost after the course (ABX02-LOST), so Shannon ends ~0.02 below its baseline, above the
    # summary's 0.01 resolution: its recovery is checked against ABX-02 in test_example_effects instead
    assert shannon.peak_change < -0.1 and 14 <= shannon.peak_at <= 25
    jet = _row(example_summary, "jet-lag", "sol_min")
    assert jet.peak_change > 60.0 and jet.peak_at == 14
    assert _row(example_summary, "jet-lag", "dlmo_clock_h").peak_change > 1.0  # hours of phase shift
    night = _row(example_summary, "all-nighter", "tst_min")
    assert night.peak_change < -300.0 and night.peak_at == 14 and night.recovery_days <= 7
    quiet = _row(example_summary, "baseline", "tst_min")
    assert abs(quiet.peak_change) < 1.0 and quiet.recovery_note == "no intervention or event"
    view = display_table(example_summary[example_summary.scenario == "all-nighter"], ["tst_min"])
    assert view.iloc[0]["at"] == "night 14" and view.iloc[0]["peak change"].startswith("-4")


def test_compare_aligns_by_day_and_says_it_truncates(tmp_path: Path) -> None:
    """fermented-foods (84 days) against itself cut to 18 days: identical on the 18 common days, so every
    difference in the summary is 0 and both baselines agree; the length difference is stated."""
    a = parse_scenario((EXAMPLES / "fermented-foods.yaml").read_text(), "fermented-foods.yaml")
    b = a.model_copy(update={"days": 18})
    cmp = compare(a, b, burn_in_days=7)
    table = comparison_summary(cmp)
    assert set(table["intervention_window"]) <= {"nights 14-17", "days 14-17"}
    for col in ("baseline_mean", "peak_change", "window_change", "change_area"):
        assert np.nanmax(np.abs(table[col].to_numpy(dtype=float))) == 0.0, col
    assert np.allclose(table["baseline_a"], table["baseline_b"], equal_nan=True)
    assert np.allclose(table["peak_a"], table["peak_b"], equal_nan=True)
    note = common_days_note(a, b)
    assert "84 days" in note and "18" in note and "left out" in note

    result = CliRunner().invoke(cli.app, ["compare", "fermented-foods", "fermented-foods", "--set-b", "days=18",
                                          "--burn-in-days", "7", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "compared on the 18 days both have" in result.output
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert (summary["peak_change"].abs().fillna(0) == 0).all()
    package = json.loads((tmp_path / "datapackage.json").read_text())
    assert package["gutsleep"]["compared_days"] == 18 and "left out" in package["gutsleep"]["length_note"]


def test_comparison_summary_of_a_real_difference() -> None:
    a = parse_scenario("name: a\ndays: 20\n")
    b = parse_scenario("name: b\ndays: 20\nevents:\n  - {day: 10, type: sleep_deprivation}\n")
    cmp = compare(a, b, burn_in_days=5)
    table = summarize_comparison(cmp.simulation.nightly, cmp.simulation.daily, a, b, columns=["tst_min"])
    row = table.iloc[0]
    assert row.peak_at == 10 and row.peak_b == 0.0 and row.peak_change == pytest.approx(-row.peak_a)
    assert row.baseline_mean == pytest.approx(0.0, abs=1e-9)


def test_summary_is_generic_over_columns() -> None:
    """A column the summary has never heard of (e.g. a new nightly outcome) is summarised with a fallback
    resolution and its unit from the units dict."""
    nightly = pd.DataFrame({"subject": 0, "night": range(10), "rem_min": [90.0] * 5 + [80.0] * 5})
    s = Scenario(days=10, events=({"day": 5, "type": "sleep_deprivation"},))
    table = summarize_run(nightly, pd.DataFrame({"subject": pd.Series(dtype=int), "day": pd.Series(dtype=int)}),
                          [s])
    row = table.iloc[0]
    assert row.column == "rem_min" and row.peak_change == -10.0 and row.resolution > 0
