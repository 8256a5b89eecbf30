"""The calibration/validation split of the evidence suite and the tolerances proposed with the findings."""

from __future__ import annotations

import dataclasses
import math

import pytest

from gutsleep.evidence.experiments import EXPERIMENTS, experiment
from gutsleep.evidence.framework import ROLES, Context, Experiment
from gutsleep.evidence.roles import (
    calibrated_by,
    calibration_ids,
    calibration_parameters,
    informed_by,
    role_problems,
    tolerance_changes,
    tolerance_matches_finding,
)
from gutsleep.model import build_model

IDS = {e.id: e for e in EXPERIMENTS}


def test_every_experiment_declares_a_role():
    assert all(e.role in ROLES for e in EXPERIMENTS)
    with pytest.raises(ValueError, match="role must be one of"):
        dataclasses.replace(EXPERIMENTS[0], role="tuned")


def test_calibration_ids_are_read_up_to_the_first_semicolon():
    assert calibration_ids("calibrated: REF06-SOL, SCFA01-ORAL; REF-06 norms, 10-30 min") == ("REF06-SOL",
                                                                                               "SCFA01-ORAL")
    assert calibration_ids("calibrated: REF01-LIGHT (a published fit to its data); Stowe 2025") == ("REF01-LIGHT",)
    assert calibration_ids("Stowe et al. 2025: m = 4.79") == ()


def test_every_calibrated_parameter_names_existing_calibration_experiments():
    params = calibration_parameters()
    assert params, "no calibrated parameter found"
    for name, ids in params.items():
        assert ids, f"{name}: 'calibrated:' names no experiment"
        for eid in ids:
            assert eid in IDS, f"{name}: unknown experiment {eid}"
            assert IDS[eid].role == "calibration", f"{name} is calibrated to {eid}, a {IDS[eid].role} experiment"
    assert role_problems() == []


def test_no_validation_experiment_is_named_by_a_calibrated_source():
    for e in EXPERIMENTS:
        if e.role == "validation":
            assert calibrated_by(e.id) == (), e.id


def test_a_calibration_experiment_has_a_parameter_or_says_why():
    """An experiment is calibration only if something was set from it (else it is a validation)."""
    for e in EXPERIMENTS:
        if e.role == "calibration":
            assert calibrated_by(e.id) or e.role_note, e.id


def test_role_problems_catches_a_validation_experiment_used_for_calibration():
    sol = IDS["REF06-SOL"]
    assert calibrated_by("REF06-SOL")
    mislabelled = [dataclasses.replace(e, role="validation") if e is sol else e for e in EXPERIMENTS]
    assert any("REF06-SOL, a validation experiment" in p for p in role_problems(mislabelled))


def test_enough_validation_experiments():
    """The issue's criterion: at least 25 experiments test what the model predicts untuned."""
    assert sum(e.role == "validation" for e in EXPERIMENTS) >= 25


def test_informed_by_lists_parameters_citing_the_finding():
    assert "vagal_weight_probiotic" in informed_by(IDS["HPA04-RHYTHM"])
    assert "lbp_baseline_ug_ml" not in informed_by(IDS["REF04-LBP"])  # calibrated to it, not merely informed


def test_every_tolerance_is_the_proposed_one_or_carries_a_note():
    for e in EXPERIMENTS:
        assert tolerance_matches_finding(e) or e.tolerance_note.strip(), (
            f"{e.id}: band {e.low}-{e.high} {e.unit} differs from its findings' proposal and has no tolerance_note")
    assert all(e in tolerance_changes() for e in EXPERIMENTS if not tolerance_matches_finding(e))


def test_the_tolerance_check_catches_a_widened_band():
    slp = IDS["SLP01-DIVERSITY"]
    assert (slp.low, slp.high) == (0.2, 0.6), "SLP-01 proposes rho 0.2-0.6"
    assert tolerance_matches_finding(slp)
    assert not tolerance_matches_finding(dataclasses.replace(slp, low=0.0))
    assert not tolerance_matches_finding(dataclasses.replace(IDS["REF04-LBP"], high=12))


# A validation outcome must move with the calibrated parameters through the model (it is measured, not fixed).
SENSITIVITY = [
    ("REF02-WB", "ec_serotonin_synthesis_max"),
    ("SER02-BLOOD", "serotonin_germ_free_fraction"),
    ("SLEEP-CORTISOL", "cortisol_drive_floor"),
    ("VAG01-PROBIOTIC", "cortisol_per_acth"),
    ("ABX02-RECOVERY", "butyrate_producers_antibiotic_broad_kill"),
]


@pytest.mark.parametrize(("experiment_id", "parameter"), SENSITIVITY)
def test_validation_outcome_moves_with_a_calibrated_parameter(experiment_id: str, parameter: str):
    exp: Experiment = experiment(experiment_id)
    assert exp.role == "validation"
    assert parameter in calibration_parameters(), f"{parameter} is not a calibrated parameter"
    assert experiment_id not in calibration_parameters()[parameter]
    p = next(q for q in build_model().parameters if q.name == parameter)
    perturbed = min(p.high, 1.25 * p.default)
    base = exp.measure(Context(burn_in_days=14)).value
    moved = exp.measure(Context(burn_in_days=14, parameters={parameter: perturbed})).value
    assert math.isfinite(base) and math.isfinite(moved)
    assert abs(moved - base) > 1e-6 * max(1.0, abs(base)), f"{experiment_id} does not move with {parameter}"


def test_cli_reports_validation_and_calibration_separately(tmp_path):
    from typer.testing import CliRunner

    from gutsleep.cli import app

    report = tmp_path / "r.html"
    args = ["evidence", "--only", "FIB01-DEFAULT", "--only", "SCFA01-BASE", "--only", "REF02-WB"]
    result = CliRunner().invoke(app, [*args, "--report", str(report)])
    assert result.exit_code in (0, 1), result.output
    lines = [line for line in result.output.splitlines() if line.startswith(("validation:", "calibration:"))]
    assert lines[0].startswith("validation: 1 experiment:") and lines[1].startswith("calibration: 2 experiments:")
    text = report.read_text()
    assert text.index("Validation (the model") < text.index("Calibration (parameters")
    assert "acetate_hepatic_escape_fraction" in text  # the parameter calibrated to SCFA01-BASE is named
    csv = CliRunner().invoke(app, [*args, "--format", "csv"])
    header = csv.stdout.splitlines()[0].split(",")
    assert header[:5] == ["id", "claim", "expected", "measured", "verdict"] and header[-1] == "role"


def test_a_module_table_missing_or_misnaming_a_role_is_refused():
    from gutsleep.evidence.experiments_sleep import EXPERIMENTS as SLEEP
    from gutsleep.evidence.experiments_sleep import ROLES as SLEEP_ROLES
    from gutsleep.evidence.framework import with_roles

    assert [e.role for e in with_roles(SLEEP, SLEEP_ROLES)] == [SLEEP_ROLES[e.id] for e in SLEEP]
    missing = {k: v for k, v in SLEEP_ROLES.items() if k != "AGE01-SOL"}
    with pytest.raises(RuntimeError, match="AGE01-SOL"):
        with_roles(SLEEP, missing)
    with pytest.raises(RuntimeError, match="exactly one role"):
        with_roles(SLEEP, {**SLEEP_ROLES, "AGE01-SOL": "both"})
