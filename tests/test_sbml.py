"""SBML export: valid L3V2 generated from the model, and the same trajectories in libroadrunner.

Tolerances (measured; the numbers are in the report of the change that added this file):

* gutsleep's production solver is fixed-step RK4 at 15 min. States that change fast compared with the
  step carry RK4 truncation errors: the sleep-mode switch out of bed relaxes at 6/h (6/h x 0.25 h = 1.5),
  and the melatonin phase gate switches on with a steepness of 600/rad, i.e. within ~25 s. Over 30 days the
  largest differences to libroadrunner are the daytime residual of the sleep-mode switch after the jet lag
  (0.005 vs 0.002, scale 1) and plasma melatonin during re-entrainment (236 vs 232 pmol/L, 1.8 %). Halving
  the RK4 step three times converges onto libroadrunner (worst 7e-4), so these are the 15-min solver's
  errors, not the export's. The comparison with the production solver therefore allows
  ``|gutsleep - roadrunner| <= 5e-3 * |roadrunner| + 5e-3 * scale`` for every state (relative 5e-3, or
  half a percent of the state's declared typical magnitude near zero), and 2.5e-2 relative for plasma
  melatonin (the steep gate).
* The export itself is checked tightly: from libroadrunner's state on the day of the intervention, scipy's
  LSODA on the generated plain-Python right-hand side agrees with libroadrunner over two days, across the
  input events, to 1e-4 relative (floor 1e-3 of scale; measured worst 7e-6).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from typer.testing import CliRunner

from gutsleep.export import subject_run
from gutsleep.export.l3math import l3_formula
from gutsleep.model import build_model
from gutsleep.scenario import load_scenario

libsbml = pytest.importorskip("libsbml", reason="SBML export needs the [sbml] extra (python-libsbml)")

from gutsleep.export import export_sbml  # noqa: E402
from gutsleep.export.sbml import consistency_report, document_string, species_form  # noqa: E402

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
BURN_IN = 42
DAYS = 30
EVERY_H = 6.0
RTOL_RK4 = 5e-3
ATOL_RK4 = 5e-3  # x scale
# steep switches vs the 15-min RK4 step: the melatonin onset gate (600/rad ~ 25 s), and the 30-min low-pass of the
# sleep mode that times the cortisol awakening response (it follows Z's switch at sleep onset and waking)
RTOL_RK4_STATE = {"melatonin_plasma_pmol_l": 2.5e-2, "recent_sleep_mode": 2.5e-2}
RTOL_EXPORT = 1e-4
FLOOR_EXPORT = 1e-3  # x scale


# -- the formula printer ---------------------------------------------------------------------------------

_L3_FUNCTIONS = {
    "exp": math.exp, "ln": math.log, "sqrt": math.sqrt, "sin": math.sin, "cos": math.cos, "tanh": math.tanh,
    "floor": math.floor, "max": max, "min": min, "abs": abs, "pi": math.pi, "true": True, "false": False,
}


def _piecewise(*args: object) -> object:
    pairs = list(zip(args[::2], args[1::2], strict=False))
    for value, cond in pairs:
        if cond:
            return value
    return args[-1] if len(args) % 2 else math.nan


def _eval_l3(formula: str, values: dict[str, float]) -> float:
    """Evaluate an L3 infix string in Python (the printer parenthesises fully, so precedence is moot)."""
    text = formula.replace("^", "**").replace("&&", " and ").replace("||", " or ")
    text = re.sub(r"!(?!=)", " not ", text)
    return eval(text, {"__builtins__": {}}, {**_L3_FUNCTIONS, "piecewise": _piecewise, **values})


def _sympy_value(expr: sp.Expr, values: dict[str, float]) -> tuple[float, float]:
    """(value, magnitude) of ``expr``; magnitude (largest operand, at least 1) scales the round-off allowed
    where terms cancel."""
    symbols = sorted(expr.free_symbols, key=str)
    args = [values[str(x)] for x in symbols]
    value = float(sp.lambdify(symbols, expr, [{"Mod": lambda a, b: a % b}, "math"])(*args))
    return value, max([1.0, *(abs(a) for a in args)])


def test_printed_formulas_evaluate_like_the_model():
    """Every intermediate and rate, printed as L3, gives sympy's value at a mid-physiology point."""
    model = build_model()
    values: dict[str, float] = {s.name: s.initial for s in model.states}
    values["clock_phase_psi"] = 40.3  # a few days in: Mod and the melatonin gate take their general branch
    values.update(model.default_parameters())
    values.update({name: 0.0 for name in model.input_names})
    values.update({"light_lux": 350.0, "in_bed": 0.0, "meal": 1.0, "fiber_g_per_h": 20.0})
    exprs = [*((item.name, item.expr) for item in model.intermediates), *model.rates.items()]
    for name, expr in exprs:
        expected, magnitude = _sympy_value(expr, values)
        got = _eval_l3(l3_formula(expr), values)
        assert math.isclose(got, expected, rel_tol=1e-12, abs_tol=1e-12 * magnitude), name
        values.setdefault(name, expected)


def test_mod_matches_python_for_negative_phases():
    x = sp.Symbol("x", real=True)
    formula = l3_formula(sp.Mod(x - 5, 2 * sp.pi))
    for value in (-20.0, -0.1, 0.0, 3.0, 50.0):
        assert math.isclose(_eval_l3(formula, {"x": value}), (value - 5) % (2 * math.pi), abs_tol=1e-12)


def test_species_are_amounts_or_concentrations():
    assert species_form("pg/mL").substance_unit == "ng"
    assert species_form("mM").substance_unit == "mmol"
    assert species_form("ug").only_substance
    assert not species_form("1").species and not species_form("g/day").species and not species_form("ug/g").species


# -- the document ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def short_export():
    scenario = load_scenario(EXAMPLES / "jet-lag.yaml")
    run = subject_run(scenario, days=scenario.days, burn_in_days=3)
    return run, export_sbml(run)


def test_document_is_valid_l3v2_with_every_model_element(short_export):
    run, doc = short_export
    model = run.model
    report = consistency_report(doc, units=True)
    assert not report.errors, report.errors[:5]
    m = doc.getModel()
    assert (doc.getLevel(), doc.getVersion()) == (3, 2)
    assert m.getNumCompartments() == 1 and m.getNumReactions() == 0
    assert m.getNumSpecies() + sum(m.getParameter(s.name) is not None for s in model.states) == len(model.states)
    assert m.getNumSpecies() > 0
    assert {m.getRule(i).getVariable() for i in range(m.getNumRules()) if m.getRule(i).isRate()} == set(
        model.state_names)
    assert [m.getRule(i).getVariable() for i in range(m.getNumRules()) if m.getRule(i).isAssignment()] == [
        item.name for item in model.intermediates]
    for par in model.parameters:
        p = m.getParameter(par.name)
        assert p is not None and p.getConstant(), par.name
        assert par.source.split()[0] in p.getNotesString() and par.module in p.getAnnotationString()
        assert p.isSetUnits() or par.unit == "lux^p", (
            f"{par.name}: unit {par.unit!r} has no SBML form; add its symbols to gutsleep.export.units")
    for name in model.input_names:
        assert not m.getParameter(name).getConstant()
    # reading the written XML back gives the same, still valid, model
    again = libsbml.readSBMLFromString(document_string(doc))
    assert again.getNumErrors(libsbml.LIBSBML_SEV_ERROR) == 0
    assert again.getModel().getNumEvents() == m.getNumEvents()


def test_events_fire_exactly_where_an_input_changes(short_export):
    run, doc = short_export
    m = doc.getModel()
    changed = np.flatnonzero((run.inputs[1:] != run.inputs[:-1]).any(axis=1)) + 1
    assert m.getNumEvents() == len(changed) > 0
    names = run.model.input_names
    for ev, step in zip((m.getEvent(i) for i in range(m.getNumEvents())), changed, strict=True):
        assert ev.getUseValuesFromTriggerTime() and ev.getTrigger().getPersistent()
        trigger = libsbml.formulaToL3String(ev.getTrigger().getMath())
        assert trigger.startswith("time >= ") and float(trigger.split(">=")[1]) == step * 0.25
        for j in range(ev.getNumEventAssignments()):
            ea = ev.getEventAssignment(j)
            k = names.index(ea.getVariable())
            assert run.inputs[step, k] != run.inputs[step - 1, k]
            assert ea.getMath().isNumber() and ea.getMath().getValue() == run.inputs[step, k]
    for k, name in enumerate(names):
        assert m.getParameter(name).getValue() == run.inputs[0, k]


def test_cli_writes_the_export(tmp_path):
    import gutsleep.cli as cli

    out = tmp_path / "baseline.xml"
    result = CliRunner().invoke(cli.app, ["export", "sbml", str(out), "--scenario", str(EXAMPLES / "baseline.yaml"),
                                          "--days", "2", "--burn-in-days", "2"])
    assert result.exit_code == 0, result.output
    doc = libsbml.readSBMLFromFile(str(out))
    assert doc.getNumErrors(libsbml.LIBSBML_SEV_ERROR) == 0 and doc.getModel().getNumEvents() > 0
    assert "0 errors" in result.output
    bad = CliRunner().invoke(cli.app, ["export", "sbml", str(out), "--scenario", str(EXAMPLES / "baseline.yaml"),
                                       "--days", "999"])
    assert bad.exit_code == 2 and "days" in bad.output


# -- trajectories in libroadrunner -------------------------------------------------------------------------


def _roadrunner_or_skip():
    return pytest.importorskip("roadrunner", reason="the cross-check needs libroadrunner (the [sbml] extra)")


def _compare(name: str, days: int, *, window_day: int | None) -> None:
    """Export ``name`` (first ``days`` days), simulate in libroadrunner, compare with gutsleep (and LSODA)."""
    _roadrunner_or_skip()
    from gutsleep.export.crosscheck import gutsleep_states, load_roadrunner, lsoda_states, roadrunner_states

    run = subject_run(load_scenario(EXAMPLES / f"{name}.yaml"), days=days, burn_in_days=BURN_IN)
    model = run.model
    names = list(model.state_names)
    scales = np.array([s.scale for s in model.states])
    rr = load_roadrunner(document_string(export_sbml(run)), scales, names)
    t_rr, y_rr = roadrunner_states(rr, names, days, EVERY_H)
    t_gs, y_gs = gutsleep_states(run, EVERY_H)
    np.testing.assert_allclose(t_rr, t_gs)

    rtol = np.array([RTOL_RK4_STATE.get(n, RTOL_RK4) for n in names])
    excess = np.abs(y_gs - y_rr) / (rtol * np.abs(y_rr) + ATOL_RK4 * scales)
    worst = np.unravel_index(np.argmax(excess), excess.shape)
    assert excess.max() <= 1.0, (
        f"{name}: state {names[worst[1]]!r} at t = {t_rr[worst[0]]:g} h: gutsleep {y_gs[worst]:.6g}, "
        f"libroadrunner {y_rr[worst]:.6g} (allowed {rtol[worst[1]]:g} relative + {ATOL_RK4:g} x scale)"
    )

    if window_day is not None:  # tight check of the export: LSODA from libroadrunner's state, two days
        i0 = int(np.searchsorted(t_rr, window_day * 24.0))
        t_ls, y_ls = lsoda_states(run, EVERY_H, start_step=window_day * 96, n_steps=2 * 96, initial=y_rr[i0])
        ref = y_rr[i0 : i0 + len(t_ls)]
        np.testing.assert_allclose(t_ls, t_rr[i0 : i0 + len(t_ls)])
        rel = np.abs(y_ls - ref) / np.maximum(np.abs(ref), FLOOR_EXPORT * scales)
        worst = np.unravel_index(np.argmax(rel), rel.shape)
        assert rel.max() <= RTOL_EXPORT, (
            f"{name}: export check, state {names[worst[1]]!r} at t = {t_ls[worst[0]]:g} h: LSODA "
            f"{y_ls[worst]:.8g}, libroadrunner {ref[worst]:.8g}, relative {rel.max():.2e}"
        )


@pytest.mark.parametrize(("name", "window_day"), [("baseline", None), ("antibiotics", 14), ("jet-lag", 14)])
def test_roadrunner_matches_gutsleep(name: str, window_day: int | None):
    """30 days (every 6 h) of the baseline, an antibiotic course (days 14-18) and an 8 h eastward flight
    (day 14): every state of the export in libroadrunner (CVODE, rtol 1e-8) against gutsleep's RK4."""
    _compare(name, DAYS, window_day=window_day)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "window_day"), [("antibiotics", 40), ("jet-lag", 20)])
def test_roadrunner_matches_gutsleep_full_length(name: str, window_day: int):
    """The whole scenario (antibiotics: 120 days incl. the recovery; jet lag: 42 days)."""
    scenario = load_scenario(EXAMPLES / f"{name}.yaml")
    _compare(name, scenario.days, window_day=window_day)


def test_piecewise_inputs_reproduce_the_event_form():
    """The piecewise input encoding (time-of-day pieces when every day repeats) gives libroadrunner the same
    trajectory as the exact event encoding when CVODE's step is capped at one input step."""
    _roadrunner_or_skip()
    from gutsleep.export.crosscheck import load_roadrunner, roadrunner_states
    from gutsleep.export.sbml import piecewise_formula

    run = subject_run(load_scenario(EXAMPLES / "baseline.yaml"), days=2, burn_in_days=2)
    names = list(run.model.state_names)
    scales = np.array([s.scale for s in run.model.states])
    events = export_sbml(run)
    piecewise = export_sbml(run, inputs_as="piecewise")
    assert events.getModel().getNumEvents() > 0 and piecewise.getModel().getNumEvents() == 0
    light = piecewise_formula(run.inputs[:, run.model.input_names.index("light_lux")])
    assert light is not None and "floor(time / 24)" in light  # the baseline repeats every day
    # a tight CVODE tolerance on both, so that what is compared is the input encoding, not integration error
    _, y_ev = roadrunner_states(load_roadrunner(document_string(events), scales, names, rtol=1e-10), names, 2,
                                EVERY_H)
    rr = load_roadrunner(document_string(piecewise), scales, names, rtol=1e-10, max_step_h=0.25)
    _, y_pw = roadrunner_states(rr, names, 2, EVERY_H)
    rel = np.abs(y_pw - y_ev) / np.maximum(np.abs(y_ev), 1e-3 * scales)
    assert rel.max() < 1e-4, names[int(np.argmax(rel.max(axis=0)))]
