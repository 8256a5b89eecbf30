"""Multi-rate stepping (slow states on a 1-h macro step) gives the outcomes of the 15-minute RK4."""

from __future__ import annotations

import numpy as np
import pytest

from gutsleep.inputs import build_schedule
from gutsleep.model import build_model
from gutsleep.model.spec import ModelBuilder, ModelDefinitionError
from gutsleep.outcomes import OutcomeCollector
from gutsleep.scenario import parse_scenario
from gutsleep.solve.batched import MACRO, kernel_source, slow_states
from gutsleep.solve.engine import parameter_matrix, run

SCENARIOS = (
    "name: plain\ndays: 30\n",
    "name: habits\ndays: 30\nhabits: {alcohol_drinks: 3, fiber_g: 35, fermented_servings: 4, probiotic_cfu: 1e10}\n",
    "name: events\ndays: 30\ninterventions:\n  - {start_day: 5, end_day: 10, antibiotics: broad_spectrum}\n"
    "events:\n  - {day: 15, type: jet_lag, shift_hours: 9}\n  - {day: 22, type: sleep_deprivation}\n",
)
TOLERANCE = 2e-3
"""Relative difference allowed in every daily/nightly outcome: the tolerance of the RK4-vs-LSODA test."""


def _outcomes(multirate: bool):
    model = build_model()
    scenarios = [parse_scenario(t) for t in SCENARIOS]
    schedule = build_schedule(scenarios, burn_in_days=10)
    collector = OutcomeCollector.for_model(model, schedule)
    run(model, schedule, parameter_matrix(model, [{}] * len(scenarios)), reducer=collector, multirate=multirate)
    return collector.result()


def test_multirate_outcomes_match_the_single_rate_kernel():
    """Baseline, strong habits (alcohol, fermented foods, probiotic) and antibiotics + jet lag + an all-nighter
    over 30 days: every numeric outcome within 2e-3 relative (floor 1e-6 + 1e-3 x the column's largest value),
    richness identical."""
    (n1, d1), (n4, d4) = _outcomes(False), _outcomes(True)
    assert d1.richness.tolist() == d4.richness.tolist()
    for single, multi in ((d1, d4), (n1, n4)):
        assert single[["subject"]].equals(multi[["subject"]])
        numeric = [c for c in single.columns if single[c].dtype.kind == "f"]
        a, b = single[numeric].to_numpy(), multi[numeric].to_numpy()
        assert np.array_equal(np.isnan(a), np.isnan(b))
        floor = 1e-6 + 1e-3 * np.nanmax(np.abs(a), axis=0)
        rel = np.nan_to_num(np.abs(a - b) / np.maximum(np.abs(a), floor))
        worst = int(np.argmax(rel.max(axis=0)))
        assert rel.max() < TOLERANCE, f"{numeric[worst]}: relative difference {rel.max():.2e}"


def test_slow_states_are_declared_in_the_model_and_on_the_macro_step():
    model = build_model()
    slow = slow_states(model)
    assert slow and all(model.state(n).timescale == "slow" for n in slow)
    source = kernel_source(model)
    assert f"MACRO = {MACRO}" in source and "def slow_stage(" in source and "def fast_stage(" in source
    assert "def slow_stage(" not in kernel_source(model, multirate=False)


def test_timescale_must_be_fast_or_slow():
    builder = ModelBuilder()
    with pytest.raises(ModelDefinitionError, match="timescale"):
        builder.state("x", 1.0, "1", "a state", timescale="medium")
