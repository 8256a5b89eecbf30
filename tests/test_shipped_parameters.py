"""The shipped calibrated parameter set, the Laplace posterior, and the model's uncertainty in trials and
sensitivity analyses."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from gutsleep.apps.metadata import model_hash
from gutsleep.calibrate.fit import laplace_covariance, laplace_draws
from gutsleep.calibrate.paramset import REGENERATE, shipped_default, shipped_path
from gutsleep.calibrate.problem import problem
from gutsleep.cli import app
from gutsleep.model import build_model

PARAMS = {p.name: p for p in build_model().parameters}


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def test_the_shipped_default_is_a_fit_of_the_default_problem_on_this_model():
    """A model change without a refit makes the shipped set stale: this test fails until it is regenerated."""
    pset = shipped_default()
    doc = pset.document
    assert doc["model_hash"] == model_hash(), f"stale shipped set: run `{REGENERATE}`"
    default = problem("default")
    assert doc["problem"]["name"] == "default"
    assert doc["problem"]["fingerprint"] == default.fingerprint(model_hash())
    assert set(pset.estimate) == set(default.names)
    assert doc["command"].startswith("gutsleep calibrate --problem default --name default")
    assert len(pset.draws) >= 32 and pset.draws.shape[1] == len(default.names)
    for name, value in pset.estimate.items():
        assert PARAMS[name].low <= value <= PARAMS[name].high
    lo, hi = (np.array([PARAMS[n].low for n in pset.draw_names]), np.array([PARAMS[n].high for n in pset.draw_names]))
    assert ((pset.draws >= lo - 1e-9) & (pset.draws <= hi + 1e-9)).all()
    fit = doc["fit"]
    assert fit["chi2"] <= fit["chi2_at_defaults"] + 1e-9  # the fit is no worse than the model's own values
    assert fit["targets"] == len(default.targets)


def test_laplace_draws_follow_their_normal_within_the_bounds():
    prob = problem("quick")
    lo, hi = prob.z_bounds()
    rng = np.random.default_rng(3)
    J = rng.normal(size=(6, 3)) * 40.0  # well identified: a narrow posterior far from the bounds
    cov = laplace_covariance(prob, J)
    z_hat = (lo + hi) / 2
    draws = laplace_draws(prob, z_hat, cov, 4000, np.random.default_rng(1))
    assert draws.shape == (4000, 3) and ((draws >= lo) & (draws <= hi)).all()
    np.testing.assert_allclose(draws.mean(axis=0), z_hat, atol=4 * np.sqrt(np.diag(cov) / 4000).max())
    sample = np.cov(draws.T)
    np.testing.assert_allclose(np.diag(sample), np.diag(cov), rtol=0.1)
    sd, sample_sd = np.sqrt(np.diag(cov)), np.sqrt(np.diag(sample))
    np.testing.assert_allclose(sample / np.outer(sample_sd, sample_sd), cov / np.outer(sd, sd), atol=0.06)
    # A parameter no target moves keeps the variance of its flat prior ((range)^2 / 12), not an infinite one.
    J0 = J.copy()
    J0[:, 2] = 0.0
    cov0 = laplace_covariance(prob, J0)
    assert cov0[2, 2] == pytest.approx((hi[2] - lo[2]) ** 2 / 12, rel=1e-6)
    wide = laplace_draws(prob, z_hat, cov0, 2000, np.random.default_rng(2))
    assert ((wide >= lo) & (wide <= hi)).all()


def test_quick_calibration_with_a_laplace_posterior(tmp_path):
    out = tmp_path / "sets"
    result = invoke("calibrate", "--quick", "--out", str(out), "--iterations", "3", "--posterior", "laplace",
                    "--draws", "50")
    assert result.exit_code == 0, result.output
    doc = YAML(typ="safe").load((out / "quick.yaml").read_text())
    assert doc["fit"]["sampler"].startswith("Laplace") and doc["fit"]["draws"] == 50
    assert "--posterior laplace" in doc["command"]
    assert len(doc["draws"]["values"]) == 50
    for entry in doc["parameters"].values():
        post = entry["posterior"]
        assert entry["prior"]["low"] <= post["q05"] <= post["median"] <= post["q95"] <= entry["prior"]["high"]
    assert "Laplace" in (out / "quick.html").read_text()
    bad = invoke("calibrate", "--quick", "--out", str(tmp_path / "x"), "--posterior", "mcmc")
    assert bad.exit_code == 2 and "emcee or laplace" in bad.output


def test_the_tools_run_the_shipped_set_unless_told_otherwise(tmp_path):
    runs = {}
    for label, extra in (("default", []), ("explicit", ["--parameters", str(shipped_path())]),
                         ("none", ["--parameters", "none"])):
        result = invoke("simulate", "baseline", "--days", "3", "--out", str(tmp_path / label), *extra)
        assert result.exit_code == 0, result.output
        runs[label] = pd.read_csv(tmp_path / label / "nightly.csv")
    pd.testing.assert_frame_equal(runs["default"], runs["explicit"])
    assert not runs["default"].equals(runs["none"])  # the calibrated estimate moves the nights
    fitted = shipped_default().posterior_summary()
    name = sorted(fitted)[0]
    shown = invoke("params", "--search", name, "--format", "json")
    rows = {r["name"]: r for r in json.loads(shown.output)}
    assert rows[name]["estimate"] == pytest.approx(fitted[name]["estimate"])
    assert rows[name]["posterior_q05"] <= rows[name]["posterior_median"] <= rows[name]["posterior_q95"]
    table = invoke("params", "--search", name)
    assert table.exit_code == 0 and f"{fitted[name]['estimate']:.4g};" in table.output
    refused = invoke("simulate", "baseline", "--days", "3", "--out", str(tmp_path / "e"), "--parameters", "none",
                     "--ensemble", "4")
    assert refused.exit_code == 2 and "posterior draws" in refused.output


def test_evidence_says_which_parameters_it_ran_on():
    shipped = invoke("evidence", "--only", "REF06-SOL")
    assert "parameters: the shipped calibrated set 'default'" in shipped.output
    plain = invoke("evidence", "--only", "REF06-SOL", "--parameters", "none", "--format", "csv")
    assert plain.exit_code in (0, 1)
    measured_plain = pd.read_csv(__import__("io").StringIO(plain.stdout)).measured.iloc[0]
    measured_shipped = invoke("evidence", "--only", "REF06-SOL", "--format", "csv").stdout
    assert measured_plain != pd.read_csv(__import__("io").StringIO(measured_shipped)).measured.iloc[0]


def test_a_trial_shows_the_model_uncertainty_of_its_effects(tmp_path):
    pytest.importorskip("pyarrow")
    out = tmp_path / "trial"
    result = invoke("trial", "probiotic-sleep", "--n-per-arm", "4", "--ensemble", "3", "--out", str(out))
    assert result.exit_code == 0, result.output
    res = pd.read_csv(out / "results.csv")
    assert (res.model_draws == 3).all()
    for col in ("ancova_diff", "diff"):
        lo, mid, hi = (res[f"{col}_model_p{q}"] for q in ("05", "50", "95"))
        assert (lo <= mid + 1e-12).all() and (mid <= hi + 1e-12).all()
    assert (res.ancova_diff_model_p95 - res.ancova_diff_model_p05).abs().max() > 0  # the draws differ
    assert "ANCOVA diff, model 5-95 %" in (out / "report.html").read_text()
    package = json.loads((out / "datapackage.json").read_text())
    fields = {f["name"]: f for r in package["resources"] if r["path"] == "results.csv"
              for f in r["schema"]["fields"]}
    assert "posterior draws" in fields["ancova_diff_model_p05"]["description"]


def test_sensitivity_samples_posterior_and_prior_marginals():
    from gutsleep.calibrate.problem import prior_for
    from gutsleep.cohort.sensitivity import marginals, to_values

    pset = shipped_default()
    fitted = pset.draw_names[0]
    other = next(n for n in ("sws_gain", "vagal_sleep_effect", "tight_junction_rate") if n not in pset.draw_names)
    maps = marginals([fitted, other], "posterior", pset)
    assert maps[0][0].startswith("posterior") and maps[1][0].startswith("prior")
    u = np.linspace(0.0, 1.0, 101)[:, None].repeat(2, axis=1)
    x = to_values(u, maps)
    col = pset.draws[:, pset.draw_names.index(fitted)]
    assert x[50, 0] == pytest.approx(np.median(col))
    assert x[0, 0] == pytest.approx(col.min()) and x[-1, 0] == pytest.approx(col.max())
    p = PARAMS[other]
    assert (x[:, 1] >= p.low).all() and (x[:, 1] <= p.high).all()
    assert x[50, 1] == pytest.approx(prior_for(p).quantiles([0.5])[0])
    uniform = to_values(u, marginals([other], "uniform"))
    assert uniform[0, 0] == p.low and uniform[-1, 0] == pytest.approx(p.high)
    with pytest.raises(ValueError, match="distribution"):
        marginals([other], "triangular")  # type: ignore[arg-type]


def test_explain_shows_the_model_uncertainty_of_every_part(tmp_path):
    out = tmp_path / "why"
    result = invoke("explain", "baseline", "fermented-foods", "--ensemble", "3", "--burn-in-days", "14",
                    "--out", str(out))
    assert result.exit_code == 0, result.output
    bands = pd.read_csv(out / "attribution_bands.csv")
    assert (bands.draws == 3).all() and {"A", "B", "B - A", "interactions/other"} <= set(bands.part)
    assert (bands.p05 <= bands.p50 + 1e-12).all() and (bands.p50 <= bands.p95 + 1e-12).all()
    assert (bands.p95 - bands.p05).max() > 0
    assert "Model uncertainty: 3 posterior draws" in (out / "explain.html").read_text()
    package = json.loads((out / "datapackage.json").read_text())
    assert "attribution_bands.csv" in {r["path"] for r in package["resources"]}


def test_the_api_reproduces_the_command_line_with_the_calibrated_parameters(tmp_path):
    import gutsleep

    base = gutsleep.load_example("baseline").model_copy(update={"days": 3})
    api = gutsleep.simulate([base], base_parameters=gutsleep.calibrated_parameters(), timeseries_every_h=None)
    result = invoke("simulate", "baseline", "--days", "3", "--out", str(tmp_path / "cli"))
    assert result.exit_code == 0, result.output
    cli = pd.read_csv(tmp_path / "cli" / "nightly.csv")
    np.testing.assert_allclose(cli["tst_min"].to_numpy(), api.nightly["tst_min"].to_numpy(), rtol=1e-9)
    assert gutsleep.calibrated_parameters() == dict(shipped_default().estimate)


def test_a_parsed_copy_of_a_set_is_cached_and_a_damaged_copy_is_ignored(tmp_path, monkeypatch):
    from gutsleep.calibrate.paramset import load_parameter_set

    monkeypatch.setenv("GUTSLEEP_CACHE_DIR", str(tmp_path / "cache"))
    first = load_parameter_set(shipped_path())
    copies = list((tmp_path / "cache" / "kernels").glob("parameter-set-*.json"))
    assert len(copies) == 1
    again = load_parameter_set(shipped_path())
    assert again.estimate == first.estimate and np.array_equal(again.draws, first.draws)
    copies[0].write_text("{ not json")
    damaged = load_parameter_set(shipped_path())
    assert damaged.estimate == first.estimate and np.array_equal(damaged.draws, first.draws)
