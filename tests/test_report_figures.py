"""Honest plots: every y-axis names its unit, and a change below an outcome's resolution is drawn as small."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes

from gutsleep.apps.simulate import SimulationOutput, compare, simulate
from gutsleep.evidence.framework import Experiment, Measured, Result, series_of
from gutsleep.evidence.report import experiment_figure
from gutsleep.outcomes.columns import min_span, resolution
from gutsleep.report.comparison import overlay_figure
from gutsleep.report.html import new_figure, outcome_axis
from gutsleep.report.simulation import pathway_figure_objects
from gutsleep.scenario import parse_scenario


def _span(ax: Axes) -> float:
    lo, hi = ax.get_ylim()
    return hi - lo


def test_a_tiny_change_is_drawn_small() -> None:
    """DLMO moving by 2.5 s and TST by 0.001 min: the axes span at least ten resolutions (50 min, 10 min)."""
    _fig, (a, b) = new_figure(1, 2)
    a.plot([0, 1, 2], [20.85, 20.85 + 2.5 / 3600, 20.85])
    outcome_axis(a, "dlmo_clock_h")
    b.plot([0, 1, 2], [424.830, 424.831, 424.830])
    outcome_axis(b, "tst_min")
    assert _span(a) >= 10 * 5 / 60 - 1e-9 and a.get_ylabel() == "local clock h"
    assert _span(b) >= 10.0 and b.get_ylabel() == "min"
    big = new_figure(1, 1)[1][0]
    big.plot([0, 1], [0.0, 400.0])
    outcome_axis(big, "tst_min")
    assert big.get_ylim()[1] >= 400.0 and _span(big) < 500  # real changes keep their autoscaled axis
    assert min_span("shannon") == pytest.approx(10 * resolution("shannon")) and resolution("shannon") == 0.01


@pytest.fixture(scope="module")
def quiet_run() -> SimulationOutput:
    """A person with nothing happening: every outcome is flat to many digits."""
    return simulate([parse_scenario("name: flat\ndays: 6\n")], burn_in_days=21, timeseries_every_h=1.0)


def test_simulation_figures_label_units_and_respect_resolution(quiet_run: SimulationOutput) -> None:
    figures = {title: fig for title, fig, _alt in pathway_figure_objects(quiet_run)}
    for title, fig in figures.items():
        for ax in fig.axes:
            if ax.get_visible() and ax.has_data():
                assert ax.get_ylabel(), f"{title}: '{ax.get_title()}' has no unit on its y-axis"
    sleep = {ax.get_title(): ax for ax in figures["Sleep"].axes}
    tst = sleep["total sleep time (min)"]
    assert _span(tst) >= 10.0  # the night-to-night wobble (< 0.01 min) is not blown up
    clocks = figures["Clocks"].axes[0]
    assert _span(clocks) >= 10 * 5 / 60 - 1e-9
    micro = figures["Microbiome"].axes[0]
    assert micro.get_ylabel() == "nat" and _span(micro) >= 0.1 - 1e-12


def test_comparison_titles_and_axes_carry_units() -> None:
    a = parse_scenario("name: a\ndays: 5\n")
    b = parse_scenario("name: b\ndays: 5\nevents:\n  - {day: 2, type: sleep_deprivation}\n")
    cmp = compare(a, b, burn_in_days=5)
    fig = overlay_figure(cmp, cmp.simulation.nightly, cmp.nightly_diff, "night", ("tst_min", "sol_min"))
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["total sleep time (min)", "B - A: total sleep time (min)", "sleep-onset latency (min)",
                      "B - A: sleep-onset latency (min)"]
    assert all(ax.get_ylabel() == "min" for ax in fig.axes)
    daily = overlay_figure(cmp, cmp.simulation.daily, cmp.daily_diff, "day", ("shannon", "dlmo_clock_h"))
    right = daily.axes[1]
    assert right.get_title() == "B - A: Shannon diversity (nat)" and _span(right) >= 0.1 - 1e-12
    assert daily.axes[3].get_ylabel() == "min" and _span(daily.axes[3]) >= 50.0 - 1e-9


def test_evidence_figure_uses_the_plotted_variable_unit() -> None:
    """An experiment judged in % (of a change in Shannon) plots Shannon, so the axis says nat, not %."""
    frame = pd.DataFrame({"shannon": np.linspace(2.79, 2.80, 10)}, index=np.arange(10))
    exp = Experiment("X-01", ("X",), "claim", "> 1", 1.0, 100.0, "%", lambda _ctx: Measured(1.0))
    result = Result(exp, Measured(5.0, series=[series_of(frame, "shannon", "Shannon")]), "PASS")
    ax = experiment_figure(result).axes[0]
    assert ax.get_ylabel() == "nat" and _span(ax) >= 0.1 - 1e-12
    bar = experiment_figure(Result(exp, Measured(5.0), "PASS")).axes[0]
    assert bar.get_ylabel() == "%"  # a bar of the judged value is in the verdict's unit


def test_cohort_histograms_name_their_units() -> None:
    from gutsleep.cohort.report import _histograms

    frame = pd.DataFrame({"tst_min": np.r_[np.full(20, 424.83), 424.84], "shannon": np.linspace(2.7, 2.9, 21)})
    fig = _histograms(frame, ["tst_min", "shannon"], cols=2)
    assert fig is not None
    tst, shannon = fig.axes[:2]
    assert tst.get_xlabel() == "min" and tst.get_ylabel() == "subjects"
    assert tst.get_xlim()[1] - tst.get_xlim()[0] >= 10.0  # 0.01 min of spread is not drawn as a wide spread
    assert shannon.get_xlabel() == "nat"
