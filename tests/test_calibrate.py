"""`gutsleep calibrate`: priors, targets, batched evaluation, the quick fit, parameter sets and their checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from gutsleep.calibrate.evaluate import Evaluator
from gutsleep.calibrate.fit import load_state, run_calibration
from gutsleep.calibrate.paramset import ParameterSetError, check_parameter_set, load_parameter_set
from gutsleep.calibrate.problem import Prior, Target, default_free_names, default_target_ids, prior_for, problem
from gutsleep.cli import app
from gutsleep.evidence.experiments import EXPERIMENTS, experiment
from gutsleep.evidence.framework import Context
from gutsleep.evidence.roles import calibration_parameters
from gutsleep.model import build_model

PARAMS = {p.name: p for p in build_model().parameters}
FAST = ["--iterations", "3", "--walkers", "8", "--steps", "4", "--burn", "1"]


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def test_priors_follow_range_and_source():
    assert prior_for(PARAMS["sleep_onset_rate"]).kind == "loguniform"  # calibrated, range 1-8
    assert prior_for(PARAMS["lbp_rate"]).kind == "truncnorm"  # a citation with its number
    cited = prior_for(PARAMS["lbp_rate"])
    assert cited.mean == PARAMS["lbp_rate"].default and cited.low == PARAMS["lbp_rate"].low
    assert prior_for(PARAMS["cortisol_drive_floor"]).kind == "uniform"  # range starts at 0
    p = Prior("loguniform", 0.5, 8.0)
    assert math.isclose(p.from_z(p.to_z(2.0)), 2.0)
    lo, mid, hi = p.quantiles([0.05, 0.5, 0.95])
    assert 0.5 < lo < mid < hi < 8.0 and math.isclose(mid, 2.0)
    assert p.log_density_z(p.to_z(9.0)) == -math.inf
    with pytest.raises(ValueError):
        Prior("loguniform", 0.0, 1.0)


def test_target_residuals():
    band = Target("X", 40.0, 70.0, "umol/L")
    assert band.residual(55.0) == 0.0 and band.residual(70.0) == 1.0 and band.residual(25.0) == -2.0
    direction = Target("Y", 0.5, 200.0, "min", one_sided=True)
    assert direction.residual(3.0) == 0.0 and direction.residual(0.0) == pytest.approx(-1.0)
    assert band.residual(float("nan")) > 1 and band.residuals(None)[0] > 1


def test_declared_problems_use_only_calibration_experiments_and_calibrated_parameters():
    roles = {e.id: e.role for e in EXPERIMENTS}
    assert set(default_target_ids()) <= {i for i, r in roles.items() if r == "calibration"}
    assert "SLP01-DIVERSITY" not in default_target_ids()
    assert set(default_free_names()) <= set(calibration_parameters())
    quick = problem("quick")
    assert 2 <= len(quick.free) <= 3 and 2 <= len(quick.targets) <= 3
    with pytest.raises(KeyError):
        problem("nope")


def test_batched_evaluation_matches_the_evidence_context():
    """Several parameter sets in one batched run measure exactly what each would measure alone."""
    prob = problem("quick")
    z0 = prob.z_default()
    zs = np.vstack([z0, z0 + 0.1, z0 - 0.1])
    ev = Evaluator(prob)(zs)
    for k, z in enumerate(zs):
        ctx = Context(burn_in_days=prob.burn_in_days, parameters=prob.values_of(z))
        alone = [experiment(t.experiment_id).measure(ctx).value for t in prob.targets]
        np.testing.assert_allclose(ev.values[k], alone, rtol=1e-9)
    assert not np.allclose(ev.values[0], ev.values[1])  # the parameters do move the targets


def test_every_member_of_a_batch_measures_every_target():
    """A protocol whose measurement relied on a side effect of its own simulation (the Wurtman breakfast step, set
    by the input hook) failed for every set but the first of a batch, which corrupted the Jacobian's columns."""
    prob = problem("default")
    targets = [t for t in prob.targets if t.experiment_id == "WUR03-RATIO"]
    sub = type(prob)("wurtman", prob.free, tuple(targets), prob.burn_in_days)
    from gutsleep.calibrate.evaluate import _measure_all

    ev = _measure_all(sub, [{}, {}])
    assert np.isfinite(ev.values).all() and ev.values[0, 0] == ev.values[1, 0]
    assert (ev.residuals[:, 1] == 0).all()  # no failed side condition in either member


@pytest.mark.slow
def test_every_target_is_measured_alike_in_every_member_of_a_batch():
    from gutsleep.calibrate.evaluate import FAILED, _measure_all

    prob = problem("default")
    ev = _measure_all(prob, [{}, {}])
    np.testing.assert_allclose(ev.values[0], ev.values[1], rtol=1e-9, atol=1e-12)
    assert not (ev.residuals == FAILED).any()


def test_population_experiments_follow_the_parameter_set_of_their_context():
    """A population's members are drawn around the model's defaults; under a parameter set (a calibration
    candidate) they are re-centred on it, so a population-based calibration target responds to its calibrated
    parameter, and a batch of sets measures what each set measures alone."""
    from gutsleep.calibrate.evaluate import BatchContext

    col11 = experiment("COL11-MEDIANS")
    default = PARAMS["il6_baseline_pg_ml"].default
    at_default = col11.measure(Context()).value
    doubled = col11.measure(Context(parameters={"il6_baseline_pg_ml": 2 * default})).value
    assert doubled == pytest.approx(2 * at_default, rel=0.15)
    batch = BatchContext([{}, {"il6_baseline_pg_ml": 2 * default}])
    assert [col11.measure(batch.view(k)).value for k in range(2)] == pytest.approx([at_default, doubled], rel=1e-9)


def test_quick_calibration_writes_a_parameter_set_and_refuses_to_overwrite(tmp_path):
    out = tmp_path / "sets"
    result = invoke("calibrate", "--quick", "--out", str(out), *FAST)
    assert result.exit_code == 0, result.output
    path = out / "quick.yaml"
    doc = YAML(typ="safe").load(path.read_text())
    assert doc["format"] == "gutsleep-parameter-set/1" and doc["model_hash"] and doc["gutsleep_version"]
    assert [t["experiment"] for t in doc["targets"]] == ["REF06-SOL", "SCFA01-BASE", "SCFA01-ORAL"]
    assert set(doc["parameters"]) == set(problem("quick").names)
    assert doc["fit"]["chi2"] <= doc["fit"]["chi2_at_defaults"] + 1e-12  # the fit is no worse than the defaults
    assert len(doc["draws"]["values"]) > 0 and len(doc["draws"]["values"][0]) == 3
    for entry in doc["parameters"].values():
        post = entry["posterior"]
        assert entry["prior"]["low"] <= post["q05"] <= post["median"] <= post["q95"] <= entry["prior"]["high"]
    assert not list(out.glob(".*state*"))  # the resume state is removed once the set is written
    report = (out / "quick.html").read_text()
    for section in ("Residual per target", "Posterior against prior", "Correlations of the posterior",
                    "Parameters the targets do not identify", "REF06-SOL", "sleep_onset_rate"):
        assert section in report, section
    again = invoke("calibrate", "--quick", "--out", str(out), *FAST)
    assert again.exit_code == 2 and "--force" in again.output
    assert invoke("calibrate", "--quick", "--out", str(out), "--force", *FAST).exit_code == 0

    shown = invoke("params", "--parameters", str(path), "--format", "json")
    assert shown.exit_code == 0, shown.output
    import json

    rows = {r["name"]: r for r in json.loads(shown.output)}
    onset = rows["sleep_onset_rate"]
    assert onset["prior"].startswith("log-uniform") and onset["posterior_q05"] <= onset["posterior_median"]
    table = invoke("params", "--parameters", str(path))
    assert table.exit_code == 0 and "90 % interval" in table.output

    sim = tmp_path / "sim"
    ran = invoke("simulate", "baseline", "--days", "3", "--out", str(sim), "--parameters", str(path))
    assert ran.exit_code == 0, ran.output
    plain = tmp_path / "plain"
    assert invoke("simulate", "baseline", "--days", "3", "--out", str(plain), "--parameters", "none").exit_code == 0
    a = (sim / "nightly.csv").read_text()
    b = (plain / "nightly.csv").read_text()
    assert a != b  # the set's sleep_onset_rate changes the nights

    ens = tmp_path / "ens"
    ran = invoke("simulate", "fermented-foods", "--days", "20", "--timeseries-every-h", "24", "--out", str(ens),
                 "--parameters", str(path), "--ensemble", "4")
    assert ran.exit_code == 0, ran.output
    import pandas as pd

    bands = pd.read_csv(ens / "nightly_bands.csv")
    assert set(bands.outcome) >= {"tst_min", "sol_min"} and (bands.draws == 4).all()
    assert (bands.p05 <= bands.p50 + 1e-9).all() and (bands.p50 <= bands.p95 + 1e-9).all()
    sol = bands[bands.outcome == "sol_min"]
    assert (sol.p95 - sol.p05).max() > 0  # the draws differ in sleep_onset_rate, so the nights do
    summary = pd.read_csv(ens / "summary_bands.csv")
    assert {"window_change", "window_change_p05", "window_change_p95"} <= set(summary.columns)
    package = json.loads((ens / "datapackage.json").read_text())
    assert {"nightly_bands.csv", "daily_bands.csv", "summary_bands.csv"} <= {r["path"] for r in package["resources"]}
    assert "Model uncertainty: 4 posterior draws" in (ens / "report.html").read_text()
    no_set = invoke("simulate", "baseline", "--days", "3", "--out", str(tmp_path / "x"), "--ensemble", "4",
                    "--parameters", "none")
    assert no_set.exit_code == 2 and "--parameters" in no_set.output
    too_many = invoke("simulate", "baseline", "--days", "3", "--out", str(tmp_path / "y"), "--parameters", str(path),
                      "--ensemble", "999")
    assert too_many.exit_code == 2 and "posterior draws" in too_many.output


def test_an_interrupted_calibration_resumes(tmp_path):
    prob = problem("quick")
    from gutsleep.apps.metadata import model_hash

    state_path = tmp_path / ".quick.calibrate-state.npz"

    def stop_after_two(phase: str, done: int, total: int, detail: str) -> None:
        if phase == "fit" and done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_calibration(prob, state_path, resume=False, iterations=3, walkers=8, steps=3, model_hash=model_hash(),
                        progress=stop_after_two)
    saved = load_state(state_path)
    assert saved.iterations == 2 and saved.phase == "fit" and saved.z_best is not None
    refused = invoke("calibrate", "--quick", "--out", str(tmp_path), *FAST)
    assert refused.exit_code == 2 and "--resume" in refused.output
    resumed = invoke("calibrate", "--quick", "--out", str(tmp_path), "--resume", *FAST)
    assert resumed.exit_code == 0, resumed.output
    doc = YAML(typ="safe").load((tmp_path / "quick.yaml").read_text())
    assert doc["fit"]["iterations"] >= 3


def _document(tmp_path):
    result = invoke("calibrate", "--quick", "--out", str(tmp_path), "--steps", "0", "--iterations", "1")
    assert result.exit_code == 0, result.output
    return YAML(typ="safe").load((tmp_path / "quick.yaml").read_text())


def test_a_foreign_or_unknown_parameter_set_is_refused(tmp_path):
    doc = _document(tmp_path)
    assert check_parameter_set(doc, "set").estimate
    other = {**doc, "model_hash": "0123456789abcdef"}
    with pytest.raises(ParameterSetError, match="fitted on model"):
        check_parameter_set(other, "set")
    unknown = {**doc, "parameters": {**doc["parameters"], "no_such_parameter": {"estimate": 1.0}}}
    with pytest.raises(ParameterSetError, match="unknown parameter"):
        check_parameter_set(unknown, "set")
    outside = {**doc, "parameters": {"sleep_onset_rate": {"estimate": 99.0}}}
    with pytest.raises(ParameterSetError, match="outside its plausible range"):
        check_parameter_set(outside, "set")
    with pytest.raises(ParameterSetError, match="not a gutsleep parameter set"):
        check_parameter_set({"parameters": {}}, "set")

    bad = tmp_path / "foreign.yaml"
    from gutsleep.calibrate.paramset import dump

    bad.write_text(dump(other))
    with pytest.raises(ParameterSetError):
        load_parameter_set(bad)
    cli = invoke("simulate", "baseline", "--days", "2", "--out", str(tmp_path / "o"), "--parameters", str(bad))
    assert cli.exit_code == 2 and "fitted on model" in cli.output
    assert not (tmp_path / "o" / "nightly.csv").exists()
    cmp = invoke("compare", "baseline", "prebiotic", "--days", "20", "--out", str(tmp_path / "c"), "--parameters",
                 str(bad))
    assert cmp.exit_code == 2 and "fitted on model" in cmp.output
    shown = invoke("params", "--parameters", str(bad))
    assert shown.exit_code == 2 and "fitted on model" in shown.output
    for command, spec in (("cohort", "healthy-men"), ("trial", "fermented-vs-fiber")):
        refused = invoke(command, spec, "--out", str(tmp_path / command), "--parameters", str(bad))
        assert refused.exit_code == 2 and "fitted on model" in refused.output, refused.output
        assert not (tmp_path / command).exists()


def test_cohort_runs_on_a_parameter_set(tmp_path):
    """`gutsleep cohort --parameters FILE`: every participant gets the set, the population's draws re-centred on
    it (a varied parameter keeps each person's factor), and the run records the set it used."""
    pytest.importorskip("pyarrow")
    import pandas as pd

    from gutsleep.cohort.population import Population, load_population

    doc = _document(tmp_path)
    fitted = {name: float(p["estimate"]) for name, p in doc["parameters"].items()}
    out = tmp_path / "run"
    result = invoke("cohort", "healthy-men", "--size", "3", "--days", "2", "--burn-in-days", "2", "--out", str(out),
                    "--parameters", str(tmp_path / "quick.yaml"))
    assert result.exit_code == 0, result.output
    assert len(pd.read_parquet(out / "summary.parquet")) == 3
    from gutsleep.apps.examples import examples_folder

    spec = load_population(examples_folder() / "populations" / "healthy-men.yaml")
    base = {"il6_baseline_pg_ml": 2 * PARAMS["il6_baseline_pg_ml"].default, **fitted}
    plain, moved = Population(spec), Population(spec, base)
    for i in range(3):
        a, b = plain.subject(i, days=2).parameters, moved.subject(i, days=2).parameters
        assert all(b[name] == value for name, value in fitted.items() if name not in a)
        assert b["il6_baseline_pg_ml"] == pytest.approx(min(2 * a["il6_baseline_pg_ml"],
                                                            PARAMS["il6_baseline_pg_ml"].high))


def test_batches_run_on_a_dask_scheduler():
    """The executor cohorts use: the same residuals as in-process."""
    pytest.importorskip("dask.distributed")
    from dask.distributed import LocalCluster

    prob = problem("quick")
    zs = np.vstack([prob.z_default(), prob.z_default() + 0.05])
    here = Evaluator(prob)(zs)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None,
                      silence_logs=50) as cluster, Evaluator(prob, batch_size=1,
                                                             scheduler=cluster.scheduler_address) as remote:
        there = remote(zs)
    np.testing.assert_allclose(there.residuals, here.residuals, rtol=1e-12)
    with pytest.raises(ValueError, match="cannot connect"):
        Evaluator(prob, scheduler="tcp://127.0.0.1:9")
