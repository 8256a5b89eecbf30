"""``gutsleep cohort | trial | observe | sensitivity`` on tiny inputs (exit codes, messages, written files)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

import gutsleep.cli as cli

runner = CliRunner()
POPULATION = "name: cli-pop\nsize: 5\nseed: 1\n"
TRIAL = """name: cli-trial
population: {size: 2, seed: 3}
n_per_arm: 3
burn_in_days: 2
run_in_days: 2
baseline_days: 2
duration_days: 3
arms:
  - name: placebo
  - name: fermented
    interventions: [{start_day: 0, add: {fermented_servings: 6}}]
primary: {column: sleep_efficiency_pct, window_days: 2}
power: {sizes: [3, 6], resamples: 30}
"""


def invoke(*args: str) -> Result:
    return runner.invoke(cli.app, list(args))


@pytest.fixture()
def files(tmp_path: Path) -> Path:
    (tmp_path / "pop.yaml").write_text(POPULATION)
    (tmp_path / "bad.yaml").write_text("size: -1\nhabits:\n  fiber_g: {dist: normal, mean: 15}\n")
    (tmp_path / "trial.yaml").write_text(TRIAL)
    return tmp_path


def test_commands_are_registered() -> None:
    out = invoke("--help").output
    for name in ("cohort", "trial", "observe", "sensitivity"):
        assert name in out


def test_cohort_command_writes_tables_and_report(files: Path) -> None:
    out = files / "run"
    result = invoke("cohort", str(files / "pop.yaml"), "--days", "3", "--burn-in-days", "1", "--chunk-size", "2",
                    "--out", str(out))
    assert result.exit_code == 0, result.output
    for name in ("covariates", "summary", "nightly", "daily"):
        assert len(pd.read_parquet(out / f"{name}.parquet")) >= 5
    assert sorted(p.name for p in (out / "chunks").iterdir()) == [f"chunk-00000{i}" for i in range(3)]
    assert "data:image/png;base64," in (out / "report.html").read_text()
    assert "subject-years/s" in result.output
    again = invoke("cohort", str(files / "pop.yaml"), "--days", "3", "--burn-in-days", "1", "--chunk-size", "2",
                   "--out", str(out))
    assert again.exit_code == 2 and "--resume" in again.output
    resumed = invoke("cohort", str(files / "pop.yaml"), "--days", "3", "--burn-in-days", "1", "--chunk-size", "2",
                     "--out", str(out), "--resume")
    assert resumed.exit_code == 0, resumed.output


def test_invalid_population_exits_2_with_file_line_field(files: Path) -> None:
    result = invoke("cohort", str(files / "bad.yaml"), "--out", str(files / "x"))
    assert result.exit_code == 2
    assert "bad.yaml:1: size: out of range (allowed range 1 to 1e+07 subjects) (got -1)" in result.output
    assert "bad.yaml:3: habits.fiber_g.sd: required field is missing" in result.output


def test_trial_command(files: Path) -> None:
    out = files / "trial"
    result = invoke("trial", str(files / "trial.yaml"), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "fermented" in result.output and "sleep_efficiency_pct" in result.output
    assert (out / "results.csv").exists() and (out / "report.html").exists()


def test_sensitivity_command(files: Path) -> None:
    out = files / "sa"
    result = invoke("sensitivity", "--method", "morris", "--n", "2", "--params", "sws_gain", "--params",
                    "sleep_pressure_rise_time_h", "--outcome", "sws_pct", "--days", "3", "--window-days", "2",
                    "--burn-in-days", "1", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "sws_gain" in result.output and (out / "sensitivity.csv").exists()
    bad = invoke("sensitivity", "--params", "nope", "--out", str(out))
    assert bad.exit_code == 2 and "unknown parameter" in bad.output
