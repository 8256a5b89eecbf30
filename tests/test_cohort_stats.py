"""Trial and observational statistics against scipy/statsmodels and textbook values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats as sst
from statsmodels.stats.power import TTestIndPower

from gutsleep.cohort import stats


def exact_sample(mean: float, sd: float, n: int, seed: int) -> np.ndarray:
    """A sample with exactly this mean and SD (ddof=1)."""
    z = np.random.default_rng(seed).standard_normal(n)
    z = (z - z.mean()) / z.std(ddof=1)
    return mean + sd * z


def test_welch_matches_scipy() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.normal(1.0, 2.0, 23), rng.normal(0.0, 1.0, 41)
    w = stats.welch(x, y)
    ref = sst.ttest_ind(x, y, equal_var=False)
    ci = ref.confidence_interval(0.95)
    assert w.p == pytest.approx(ref.pvalue, rel=1e-10)
    assert w.t == pytest.approx(ref.statistic, rel=1e-10)
    assert w.df == pytest.approx(ref.df, rel=1e-10)
    assert (w.ci_low, w.ci_high) == pytest.approx((ci.low, ci.high), rel=1e-10)
    assert w.diff == pytest.approx(x.mean() - y.mean())


def test_ancova_matches_statsmodels_formula() -> None:
    rng = np.random.default_rng(2)
    n = 60
    base = rng.normal(85, 4, n)
    arm = np.repeat(["placebo", "active"], n // 2)
    final = 10 + 0.9 * base + np.where(arm == "active", 1.5, 0.0) + rng.normal(0, 2, n)
    df = pd.DataFrame({"final": final, "arm": arm, "base": base})
    fit = smf.ols("final ~ C(arm, Treatment('placebo')) + base", df).fit()
    term = "C(arm, Treatment('placebo'))[T.active]"
    a = stats.ancova(df["final"], (df["arm"] == "active").astype(float), df["base"])
    assert a.estimate == pytest.approx(fit.params[term], rel=1e-10)
    assert a.p == pytest.approx(fit.pvalues[term], rel=1e-8)
    assert (a.ci_low, a.ci_high) == pytest.approx(tuple(fit.conf_int().loc[term]), rel=1e-10)
    assert a.baseline_slope == pytest.approx(fit.params["base"], rel=1e-10)


def test_hedges_g_textbook_example() -> None:
    # Borenstein et al. (2009), Introduction to Meta-Analysis, ch. 4: means 103 vs 100, SD 5.5 vs 4.5, n 50 each
    # -> d = 0.5970, J = 0.9923, g = 0.5924, var(g) = 0.0411.
    x, y = exact_sample(103, 5.5, 50, 1), exact_sample(100, 4.5, 50, 2)
    assert stats.cohens_d(x, y) == pytest.approx(0.5970, abs=1e-4)
    g, lo, hi = stats.hedges_g(x, y)
    assert g == pytest.approx(0.5924, abs=1e-4)
    assert (hi - lo) / (2 * 1.959964) == pytest.approx(np.sqrt(0.0411), abs=2e-3)


def test_responders_match_fisher_exact() -> None:
    a = np.array([True] * 12 + [False] * 8)
    b = np.array([True] * 5 + [False] * 15)
    r = stats.responders(a, b)
    assert (r.fraction_x, r.fraction_y, r.difference) == pytest.approx((0.6, 0.25, 0.35))
    assert r.p == pytest.approx(sst.fisher_exact([[12, 8], [5, 15]]).pvalue)


def test_analytic_power_matches_statsmodels_and_is_monotone() -> None:
    sizes = np.array([10, 20, 40, 64, 100])
    ours = stats.power_analytic(0.5, sizes)
    ref = [TTestIndPower().power(effect_size=0.5, nobs1=n, alpha=0.05, ratio=1.0) for n in sizes]
    assert ours == pytest.approx(ref, abs=1e-6)
    assert np.all(np.diff(ours) > 0)
    assert ours[3] == pytest.approx(0.80, abs=0.01)


def test_resampled_power_is_monotone_and_close_to_analytic_for_normal_data() -> None:
    rng = np.random.default_rng(5)
    x, y = rng.normal(0.5, 1.0, 3000), rng.normal(0.0, 1.0, 3000)
    bx, by = rng.normal(0, 1, 3000), rng.normal(0, 1, 3000)
    sizes = [10, 30, 64]
    curve = stats.power_resampled(x, y, sizes, resamples=1500, seed=1, baseline_x=bx, baseline_y=by)
    assert np.all(np.diff(curve["power_welch"]) > 0)
    d = stats.cohens_d(x, y)
    analytic = stats.power_analytic(d, sizes)
    assert curve["power_welch"].to_numpy() == pytest.approx(analytic, abs=0.04)
    # an uninformative baseline leaves ANCOVA close to the t-test
    assert curve["power_ancova"].to_numpy() == pytest.approx(analytic, abs=0.05)


def test_ancova_power_gains_from_an_informative_baseline() -> None:
    rng = np.random.default_rng(6)
    bx, by = rng.normal(0, 1, 2000), rng.normal(0, 1, 2000)
    x, y = bx + 0.3 + rng.normal(0, 0.4, 2000), by + rng.normal(0, 0.4, 2000)
    curve = stats.power_resampled(x, y, [20], resamples=1000, seed=2, baseline_x=bx, baseline_y=by)
    assert curve["power_ancova"].iloc[0] > curve["power_welch"].iloc[0] + 0.3
    fit = stats.ancova(np.r_[x, y], np.r_[np.ones(2000), np.zeros(2000)], np.r_[bx, by])
    analytic = stats.power_analytic(fit.estimate / fit.resid_sd, [20], covariates=1)[0]
    assert curve["power_ancova"].iloc[0] == pytest.approx(analytic, abs=0.05)


def test_analytic_power_survives_huge_effects() -> None:
    power = stats.power_analytic(3.0, [10, 400, 5000])
    assert np.isfinite(power).all() and power[-1] == pytest.approx(1.0)


def test_spearman_and_partial_spearman() -> None:
    rng = np.random.default_rng(3)
    z = rng.normal(size=300)
    x = z + rng.normal(size=300)
    y = z + rng.normal(size=300) ** 3
    raw = stats.spearman(x, y)
    ref = sst.spearmanr(x, y)
    assert raw.rho == pytest.approx(ref.statistic) and raw.p == pytest.approx(ref.pvalue)
    assert raw.ci_low < raw.rho < raw.ci_high
    # one covariate: the partial correlation of the ranks has the closed form (r_xy - r_xz r_yz) / ...
    part = stats.partial_spearman(x, y, pd.DataFrame({"z": z}))
    r = pd.DataFrame({"x": x, "y": y, "z": z}).rank().corr().to_numpy()
    expected = (r[0, 1] - r[0, 2] * r[1, 2]) / np.sqrt((1 - r[0, 2] ** 2) * (1 - r[1, 2] ** 2))
    assert part.rho == pytest.approx(expected, rel=1e-10)
    assert abs(part.rho) < 0.15 < raw.rho  # the shared driver explains the raw correlation
    t = expected * np.sqrt((300 - 3) / (1 - expected**2))
    assert part.p == pytest.approx(2 * sst.t.sf(abs(t), 297), rel=1e-8)
