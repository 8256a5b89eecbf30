"""Feedback loops: bounded couplings and ceilings, graded and lagged sleep-debt responses, acute vs chronic
inflammation, endotoxin tolerance, human-scaled butyrate."""

from __future__ import annotations

import math
from functools import lru_cache

import pytest
import sympy as sp

from gutsleep.evidence.experiments_loops import DAY0, LOOP_EXPERIMENTS, ROLES, _daily, _debt_protocols
from gutsleep.evidence.framework import Context
from gutsleep.model import build_model


@lru_cache(maxsize=1)
def _compiled() -> list[tuple[str, tuple[str, ...], object]]:
    """Every intermediate as a plain numeric function of its free symbols, in evaluation order."""
    out = []
    for item in build_model().intermediates:
        names = tuple(sorted(str(s) for s in item.expr.free_symbols))
        out.append((item.name, names, sp.lambdify([sp.Symbol(n, real=True) for n in names], item.expr, "math")))
    return out


def _values(overrides: dict[str, float] | None = None) -> dict[str, float]:
    """Default parameters, initial states, inputs at rest, and every intermediate evaluated from them; an
    overridden name (state, input or intermediate) keeps its given value."""
    model = build_model()
    overrides = overrides or {}
    values = {p.name: p.default for p in model.parameters}
    values.update({c.name: 0.0 for c in model.inputs})
    values.update(water_l_per_day=2.0, ultra_processed_share=0.55)
    values.update({s.name: s.initial for s in model.states})
    values.update(overrides)
    for name, args, fn in _compiled():
        if name not in overrides:
            values[name] = float(fn(*(values[a] for a in args)))
    return values


# cross-module coupling -> (its inputs from other modules, and the bound it must respect at any input value)
COUPLINGS: dict[str, tuple[tuple[str, ...], str | float]] = {
    "gut_lps_flux": (("permeability_rel", "blood_alcohol_g_l", "guild_pathobionts", "chylomicron_lps_carrier"),
                     "gut_lps_max_fold"),
    "il6_target_pg_ml": (("lps_fold", "sleep_debt_load_h", "cortisol_daily_load", "fermented_load_servings_per_day",
                          "endotoxin_tolerance"), "il6_ceiling_pg_ml"),
    "permeability_rel": (("tight_junction_integrity", "mucus_layer"), "permeability_max_fold"),
    "sleep_debt_effect": (("sleep_debt_load_h",), 1.0),
    "sleep_debt_hpa_drive": (("sleep_debt_load_h", "sleep_debt_h"), "sleep_debt_hpa_gain"),
    "chronic_inflammation_arousal": (("sleep_sees_il6_chronic_fold",), "chronic_inflammation_arousal_gain"),
    "butyrate_sleep_signal": (("sleep_sees_portal_butyrate_rel",), 1.0),
    "inflammation_sws_factor": (("sleep_sees_il6_fold", "sleep_sees_il6_chronic_fold"), 1.3),
    "insulin_sensitivity_target": (("sleep_debt_load_h", "cortisol_daily_load", "sweetener_glycaemic_effect"), 1.0),
}


@pytest.mark.parametrize("name", sorted(COUPLINGS))
def test_each_coupling_is_bounded_at_any_input(name):
    """Push each input of a coupling to extreme values (one at a time): the effect stays finite and within its
    documented bound, so no valid input can drive a level past its ceiling."""
    inputs, bound = COUPLINGS[name]
    base = _values()
    limit = base[bound] if isinstance(bound, str) else bound
    for symbol in inputs:
        assert symbol in base, (name, symbol)
        for x in (1e-9, 1e-3, 1.0, 1e3, 1e6, 1e9):
            v = _values({symbol: x})[name]
            assert math.isfinite(v), (name, symbol, x)
            assert abs(v) <= limit * (1 + 1e-9), (name, symbol, x, v, limit)


def test_ceilings_leave_ordinary_values_alone():
    values = _values({"permeability_rel": 1.5})
    assert values["gut_lps_flux"] == pytest.approx(values["gut_lps_flux_raw"], rel=0.05)
    capped, free = _values(), _values({"il6_ceiling_pg_ml": 1e12})
    assert capped["il6_target_pg_ml"] == pytest.approx(free["il6_target_pg_ml"], rel=1e-3)


def test_roles_cover_the_loop_experiments_once():
    assert set(ROLES) == {e.id for e in LOOP_EXPERIMENTS}
    assert set(ROLES.values()) <= {"calibration", "validation"}
    assert sum(r == "validation" for r in ROLES.values()) >= 5


@pytest.fixture(scope="module")
def debt_context() -> Context:
    ctx = Context()
    _debt_protocols(ctx)
    return ctx


def test_sleep_loss_raises_il6_and_cortisol_gradedly_and_it_decays(debt_context):
    d = {i: _daily(debt_context, i) for i in range(8)}
    base = d[0]

    def il6_rise(i, day):
        return float(d[i].il6_pg_ml[day] - base.il6_pg_ml[day])

    def evening(i, day):
        return float(d[i].cortisol_evening_nmol_l[day] / base.cortisol_evening_nmol_l[day] - 1)

    # graded: one 4-h night < one night awake (next evening); a week of 6 h < five nights of 4 h (IL-6, CRP)
    assert 0 < evening(1, DAY0 + 1) < evening(2, DAY0 + 1)
    assert 0 < il6_rise(3, DAY0 + 5) < il6_rise(4, DAY0 + 5)
    assert d[3].crp_mg_l[DAY0 + 5] < d[4].crp_mg_l[DAY0 + 5]
    assert evening(3, DAY0 + 7) > 0.1 and il6_rise(3, DAY0 + 7) > 0.2
    # lagged: the first short night moves IL-6 less than a week of them
    assert il6_rise(3, DAY0) < 0.5 * il6_rise(3, DAY0 + 6)
    # decays over days after restriction ends
    assert il6_rise(4, DAY0 + 14) < 0.3 * il6_rise(4, DAY0 + 5)
    assert evening(2, DAY0 + 10) < 0.3 * evening(2, DAY0 + 1)
    # habitual sleep carries no debt effect
    assert abs(il6_rise(0, DAY0 + 5)) < 1e-9
