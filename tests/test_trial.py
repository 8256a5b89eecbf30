"""In-silico trials and the observational study: spec validation, allocation, and the shipped examples end to end
at tiny sizes (few participants, short run-in and trial)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gutsleep.cohort.executor import RunOptions
from gutsleep.cohort.observational import load_observational, parse_observational
from gutsleep.cohort.runs import run_observational, run_trial
from gutsleep.cohort.specio import SpecError
from gutsleep.cohort.trial import TrialSource, allocation, load_trial, parse_trial

TRIALS = Path(__file__).resolve().parent.parent / "examples" / "trials"
TRIAL_FILES = ["fermented-vs-fiber", "probiotic-sleep", "prebiotic-sleep"]
QUICK = RunOptions(chunk_size=50)


def test_trial_errors_name_file_line_and_allowed_values() -> None:
    text = (
        "duration_days: 10\nrun_in_days: 3\nbaseline_days: 5\n"
        "arms:\n  - name: a\n  - name: a\n    interventions:\n      - {start_day: 12, add: {fibre: 5}}\n"
        "primary: {column: sleep_quality}\nreference_arm: c\n"
    )
    with pytest.raises(SpecError) as info:
        parse_trial(text, source="t.yaml")
    joined = "\n".join(info.value.problems)
    assert "t.yaml:8: arms[1].interventions[0].add.fibre: not a numeric habit; allowed: fiber_g" in joined
    assert "t.yaml:9: primary.column: unknown outcome column 'sleep_quality'" in joined
    with pytest.raises(SpecError) as info:
        parse_trial(text.replace("fibre", "fiber_g").replace("sleep_quality", "tst_min"), source="t.yaml")
    joined = "\n".join(info.value.problems)
    assert "t.yaml:3: baseline_days: must be <= run_in_days (3) (got 5)" in joined
    assert "arms[1].name: arm names must be unique" in joined
    assert "arms[1].interventions[0].start_day: must be within the trial (allowed range 0 to 9" in joined
    assert "t.yaml:10: reference_arm: not an arm" in joined


def test_allocation_is_seeded_and_balanced() -> None:
    spec = parse_trial("n_per_arm: 10\nduration_days: 5\narms: [{name: a}, {name: b}, {name: c}]\n"
                       "primary: {column: tst_min, window_days: 3}\n")
    arms = allocation(spec)
    assert np.bincount(arms).tolist() == [10, 10, 10]
    assert np.array_equal(arms, allocation(spec))
    other = spec.model_copy(update={"randomisation": spec.randomisation.model_copy(update={"seed": 1})})
    assert not np.array_equal(arms, allocation(other))
    block = spec.model_copy(update={"randomisation": spec.randomisation.model_copy(
        update={"method": "block", "block_size": 6})})
    arms = allocation(block)
    assert all(np.bincount(arms[i:i + 6], minlength=3).tolist() == [2, 2, 2] for i in range(0, 30, 6))


def test_add_resolves_against_each_participants_habits() -> None:
    spec = load_trial(TRIALS / "fermented-vs-fiber.yaml").with_size(n_per_arm=3)
    source = TrialSource.of(spec)
    for s in source.subjects(0, 6):
        ivs = s.scenario.interventions
        assert [iv.start_day for iv in ivs] == [21, 28, 35, 42]
        field = "fiber_g" if s.covariates["arm"] == "fiber" else "fermented_servings"
        last = getattr(ivs[-1].set, field)
        assert last == pytest.approx(min(s.covariates[field] + (20 if field == "fiber_g" else 6), 150))


@pytest.mark.parametrize("name", TRIAL_FILES)
def test_example_trials_run_end_to_end(name: str, tmp_path: Path) -> None:
    spec = load_trial(TRIALS / f"{name}.yaml").with_size(n_per_arm=4, duration_days=6)
    spec = spec.model_copy(update={"burn_in_days": 2, "run_in_days": spec.baseline_days,
                                   "power": spec.power.model_copy(update={"resamples": 50, "sizes": (4, 8)})})
    done = run_trial(spec, tmp_path, options=QUICK)
    results = pd.read_csv(done.paths["results"])
    assert len(results) == len(spec.outcomes) * (len(spec.arms) - 1)
    primary = results[results["role"] == "primary"].iloc[0]
    assert primary["n_arm"] == 4 and primary["n_ref"] == 4
    assert primary["diff_ci_low"] <= primary["diff"] <= primary["diff_ci_high"]
    assert 0 <= primary["p_welch"] <= 1 and 0 <= primary["p_ancova"] <= 1
    power = pd.read_csv(done.paths["power"])
    assert power["n_per_arm"].tolist() == [4, 8]
    within = pd.read_csv(done.paths["within"])
    assert set(within["arm"]) == {a.name for a in spec.arms}
    report = done.paths["report"].read_text()
    assert report.count("data:image/png;base64,") >= 3 and "Forest plot" in report and "Power" in report
    assert (tmp_path / "trial.json").exists() and (tmp_path / "nightly.parquet").exists()


def test_observational_example_end_to_end(tmp_path: Path) -> None:
    spec = load_observational(TRIALS / "diversity-sleep-observational.yaml")
    assert spec.n == 26 and spec.expected["waso_min"] == "negative"
    small = spec.model_copy(update={"size": 8, "days": 4, "window_days": 3, "burn_in_days": 2})
    done = run_observational(small, tmp_path, options=QUICK)
    table = pd.read_csv(done.paths["correlations"])
    assert table["outcome"].tolist() == list(spec.outcomes)
    assert table["n"].tolist() == [8] * 4
    assert table["rho"].between(-1, 1).all() and table["partial_rho"].dropna().between(-1, 1).all()
    assert set(table["expected"]) == {"positive", "negative"}
    assert "Spearman" in done.paths["report"].read_text()


def test_observational_adjustment_names_are_checked() -> None:
    with pytest.raises(SpecError, match="adjust\\[1\\]: not a covariate of this population"):
        parse_observational("population: {habits: {fiber_g: 15}}\nadjust: [age, diet_quality]\n", source="o.yaml")
