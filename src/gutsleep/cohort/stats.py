"""Statistics for in-silico trials and observational studies (numpy/scipy/statsmodels; no I/O).

* :func:`welch` - difference of means with the Welch (unequal-variance) t confidence interval and p-value;
* :func:`ancova` - treatment effect adjusted for the run-in baseline (OLS ``final ~ treated + baseline``);
* :func:`cohens_d`, :func:`hedges_g` - standardised mean differences (pooled SD; Hedges' small-sample correction);
* :func:`responders` - responder fractions per arm, their difference and Fisher's exact p;
* :func:`power_analytic`, :func:`power_resampled` - power against sample size (noncentral t from an effect size,
  or by resampling subjects of the virtual trial);
* :func:`spearman`, :func:`partial_spearman` - rank correlations, raw and adjusted (rank residuals).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class Welch:
    """Welch two-sample comparison; ``diff`` = mean(x) - mean(y)."""

    n_x: int
    n_y: int
    mean_x: float
    mean_y: float
    sd_x: float
    sd_y: float
    diff: float
    ci_low: float
    ci_high: float
    t: float
    df: float
    p: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def _clean(a: Sequence[float] | np.ndarray) -> np.ndarray:
    x = np.asarray(a, dtype=np.float64)
    return x[np.isfinite(x)]


def welch(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray, alpha: float = 0.05) -> Welch:
    """Welch t-test of mean(x) - mean(y) with a (1 - alpha) confidence interval (NaNs dropped)."""
    x, y = _clean(x), _clean(y)
    nx, ny = len(x), len(y)
    mx, my = float(np.mean(x)) if nx else math.nan, float(np.mean(y)) if ny else math.nan
    vx = float(np.var(x, ddof=1)) if nx > 1 else math.nan
    vy = float(np.var(y, ddof=1)) if ny > 1 else math.nan
    diff = mx - my
    se2 = vx / nx + vy / ny if nx > 1 and ny > 1 else math.nan
    if not se2 > 0:
        return Welch(nx, ny, mx, my, math.sqrt(vx) if vx == vx else math.nan, math.sqrt(vy) if vy == vy else math.nan,
                     diff, math.nan, math.nan, math.nan, math.nan, math.nan)
    se = math.sqrt(se2)
    df = se2**2 / ((vx / nx) ** 2 / (nx - 1) + (vy / ny) ** 2 / (ny - 1))
    t = diff / se
    q = float(stats.t.ppf(1 - alpha / 2, df))
    p = float(2 * stats.t.sf(abs(t), df))
    return Welch(nx, ny, mx, my, math.sqrt(vx), math.sqrt(vy), diff, diff - q * se, diff + q * se, t, df, p)


@dataclass(frozen=True)
class Ancova:
    """Baseline-adjusted treatment effect from OLS ``final ~ 1 + treated + baseline``."""

    n: int
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p: float
    baseline_slope: float
    resid_sd: float
    """Residual SD of the fit (the SD the effect is tested against)."""


def ancova(final: Sequence[float] | np.ndarray, treated: Sequence[float] | np.ndarray,
           baseline: Sequence[float] | np.ndarray, alpha: float = 0.05) -> Ancova:
    """ANCOVA treatment effect (statsmodels OLS); rows with a missing value are dropped."""
    import statsmodels.api as sm

    df = pd.DataFrame({"y": final, "treated": treated, "baseline": baseline}).astype(float).dropna()
    if len(df) < 4 or df["treated"].nunique() < 2:
        return Ancova(len(df), math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan)
    fit = sm.OLS(df["y"], sm.add_constant(df[["treated", "baseline"]], has_constant="add")).fit()
    lo, hi = fit.conf_int(alpha).loc["treated"]
    return Ancova(len(df), float(fit.params["treated"]), float(fit.bse["treated"]), float(lo), float(hi),
                  float(fit.pvalues["treated"]), float(fit.params["baseline"]), math.sqrt(float(fit.scale)))


def cohens_d(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> float:
    """(mean(x) - mean(y)) / pooled SD."""
    x, y = _clean(x), _clean(y)
    nx, ny = len(x), len(y)
    if nx < 2 or ny < 2:
        return math.nan
    pooled = ((nx - 1) * np.var(x, ddof=1) + (ny - 1) * np.var(y, ddof=1)) / (nx + ny - 2)
    return float((np.mean(x) - np.mean(y)) / math.sqrt(pooled)) if pooled > 0 else math.nan


def hedges_g(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray,
             alpha: float = 0.05) -> tuple[float, float, float]:
    """Hedges' g = J d with J = 1 - 3 / (4 (nx + ny) - 9), and its normal-approximation CI (Hedges & Olkin 1985:
    var(g) = (nx + ny) / (nx ny) + g^2 / (2 (nx + ny)))."""
    x, y = _clean(x), _clean(y)
    nx, ny = len(x), len(y)
    d = cohens_d(x, y)
    if math.isnan(d):
        return math.nan, math.nan, math.nan
    g = (1.0 - 3.0 / (4.0 * (nx + ny) - 9.0)) * d
    se = math.sqrt((nx + ny) / (nx * ny) + g * g / (2.0 * (nx + ny)))
    z = float(stats.norm.ppf(1 - alpha / 2))
    return g, g - z * se, g + z * se


@dataclass(frozen=True)
class Responders:
    """Fractions of responders per arm, difference (x - y) and Fisher's exact two-sided p."""

    fraction_x: float
    fraction_y: float
    difference: float
    p: float


def responders(hit_x: Sequence[bool] | np.ndarray, hit_y: Sequence[bool] | np.ndarray) -> Responders:
    """Responder fractions of two arms (booleans per subject)."""
    a, b = np.asarray(hit_x, dtype=bool), np.asarray(hit_y, dtype=bool)
    if len(a) == 0 or len(b) == 0:
        return Responders(math.nan, math.nan, math.nan, math.nan)
    table = [[int(a.sum()), int(len(a) - a.sum())], [int(b.sum()), int(len(b) - b.sum())]]
    p = float(stats.fisher_exact(table).pvalue)
    return Responders(float(a.mean()), float(b.mean()), float(a.mean() - b.mean()), p)


def power_analytic(d: float, n_per_arm: int | Sequence[int] | np.ndarray, alpha: float = 0.05,
                   covariates: int = 0) -> np.ndarray:
    """Power of a two-sided two-sample t-test (equal n) for standardised effect ``d``: noncentral t with
    df = 2n - 2 - covariates and noncentrality d sqrt(n / 2). For ANCOVA pass d = adjusted difference / residual
    SD and ``covariates=1``. Where scipy's noncentral t fails (huge noncentrality) the normal approximation is used.
    """
    n = np.atleast_1d(np.asarray(n_per_arm, dtype=np.float64))
    df = np.maximum(2.0 * n - 2.0 - covariates, 1.0)
    ncp = abs(d) * np.sqrt(n / 2.0)
    crit = stats.t.ppf(1 - alpha / 2, df)
    with np.errstate(all="ignore"):
        exact = stats.nct.sf(crit, df, ncp) + stats.nct.cdf(-crit, df, ncp)
    approx = stats.norm.sf(crit - ncp) + stats.norm.cdf(-crit - ncp)
    return np.clip(np.where(np.isfinite(exact), exact, approx), 0.0, 1.0)


def _welch_p(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Row-wise Welch p-values of (B, n) samples."""
    nx, ny = x.shape[1], y.shape[1]
    vx, vy = x.var(axis=1, ddof=1) / nx, y.var(axis=1, ddof=1) / ny
    se2 = vx + vy
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (x.mean(axis=1) - y.mean(axis=1)) / np.sqrt(se2)
        df = se2**2 / (vx**2 / (nx - 1) + vy**2 / (ny - 1))
    p = 2 * stats.t.sf(np.abs(t), df)
    return np.where(np.isfinite(p), p, np.where(np.abs(t) == np.inf, 0.0, 1.0))


def _ancova_p(yx: np.ndarray, yy: np.ndarray, bx: np.ndarray, by: np.ndarray) -> np.ndarray:
    """Row-wise ANCOVA p-values of the treatment term for (B, n) samples (closed-form OLS per row)."""
    b, n = yx.shape
    y = np.concatenate([yx, yy], axis=1)
    base = np.concatenate([bx, by], axis=1)
    treat = np.concatenate([np.ones((b, n)), np.zeros((b, yy.shape[1]))], axis=1)
    design = np.stack([np.ones_like(y), treat, base], axis=2)  # (B, m, 3)
    xtx = np.einsum("bmi,bmj->bij", design, design)
    xty = np.einsum("bmi,bm->bi", design, y)
    dof = y.shape[1] - 3
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.linalg.pinv(xtx)
        beta = np.einsum("bij,bj->bi", inv, xty)
        resid = y - np.einsum("bmi,bi->bm", design, beta)
        sigma2 = (resid**2).sum(axis=1) / dof
        t = beta[:, 1] / np.sqrt(sigma2 * inv[:, 1, 1])
    p = 2 * stats.t.sf(np.abs(t), dof)
    return np.where(np.isfinite(p), p, np.where(np.abs(t) == np.inf, 0.0, 1.0))


def power_resampled(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray, sizes: Sequence[int], *,
                    alpha: float = 0.05, resamples: int = 1000, seed: int = 0,
                    baseline_x: Sequence[float] | np.ndarray | None = None,
                    baseline_y: Sequence[float] | np.ndarray | None = None) -> pd.DataFrame:
    """Power by resampling subjects: for each n, draw n subjects per arm with replacement from the simulated arms
    (``resamples`` times) and count p < alpha, for Welch on the final values and, given baselines, ANCOVA.

    Columns: ``n_per_arm``, ``power_welch``, ``power_ancova`` (NaN without baselines). The Monte-Carlo standard
    error of each estimate is at most 0.5 / sqrt(resamples).
    """
    xa, ya = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    keep_x, keep_y = np.isfinite(xa), np.isfinite(ya)
    bx = by = None
    if baseline_x is not None and baseline_y is not None:
        bx, by = np.asarray(baseline_x, dtype=np.float64), np.asarray(baseline_y, dtype=np.float64)
        keep_x &= np.isfinite(bx)
        keep_y &= np.isfinite(by)
        bx, by = bx[keep_x], by[keep_y]
    xa, ya = xa[keep_x], ya[keep_y]
    rng = np.random.default_rng(seed)
    rows = []
    for n in sizes:
        ix = rng.integers(0, len(xa), size=(resamples, n))
        iy = rng.integers(0, len(ya), size=(resamples, n))
        pw = float(np.mean(_welch_p(xa[ix], ya[iy]) < alpha))
        pa = math.nan
        if bx is not None and by is not None and n >= 3:
            pa = float(np.mean(_ancova_p(xa[ix], ya[iy], bx[ix], by[iy]) < alpha))
        rows.append({"n_per_arm": int(n), "power_welch": pw, "power_ancova": pa})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Correlation:
    """A (partial) Spearman correlation with its Fisher-z confidence interval."""

    n: int
    rho: float
    p: float
    ci_low: float
    ci_high: float


def _fisher_ci(rho: float, n: int, k: int, alpha: float) -> tuple[float, float]:
    """CI of a Spearman rho via Fisher's z with the Bonett-Wright SE sqrt((1 + rho^2 / 2) / (n - k - 3))."""
    if n - k - 3 <= 0 or not math.isfinite(rho) or abs(rho) >= 1:
        return math.nan, math.nan
    se = math.sqrt((1 + rho * rho / 2) / (n - k - 3))
    z = math.atanh(rho)
    q = float(stats.norm.ppf(1 - alpha / 2))
    return math.tanh(z - q * se), math.tanh(z + q * se)


def spearman(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray, alpha: float = 0.05) -> Correlation:
    """Spearman rank correlation (scipy), pairs with a missing value dropped."""
    df = pd.DataFrame({"x": x, "y": y}).astype(float).dropna()
    n = len(df)
    if n < 3 or df["x"].nunique() < 2 or df["y"].nunique() < 2:
        return Correlation(n, math.nan, math.nan, math.nan, math.nan)
    res = stats.spearmanr(df["x"], df["y"])
    rho = float(res.statistic)
    return Correlation(n, rho, float(res.pvalue), *_fisher_ci(rho, n, 0, alpha))


def partial_spearman(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray, covariates: pd.DataFrame,
                     alpha: float = 0.05) -> Correlation:
    """Partial Spearman correlation of x and y given covariates: rank every variable, regress the ranks of x and of
    y on the covariates' ranks (OLS with intercept, statsmodels), correlate the residuals (Pearson); p from t with
    n - 2 - k degrees of freedom (k covariates)."""
    import statsmodels.api as sm

    df = pd.concat([pd.DataFrame({"__x": np.asarray(x, float), "__y": np.asarray(y, float)}),
                    covariates.reset_index(drop=True).astype(float)], axis=1).dropna()
    covs = [c for c in covariates.columns if df[c].nunique() > 1]
    n, k = len(df), len(covs)
    if n - k - 3 <= 0:
        return Correlation(n, math.nan, math.nan, math.nan, math.nan)
    ranks = df.rank()
    design = sm.add_constant(ranks[covs], has_constant="add")
    rx = sm.OLS(ranks["__x"], design).fit().resid
    ry = sm.OLS(ranks["__y"], design).fit().resid
    if rx.std() == 0 or ry.std() == 0:
        return Correlation(n, math.nan, math.nan, math.nan, math.nan)
    rho = float(np.corrcoef(rx, ry)[0, 1])
    dof = n - 2 - k
    t = rho * math.sqrt(dof / max(1e-300, 1 - rho * rho))
    p = float(2 * stats.t.sf(abs(t), dof))
    return Correlation(n, rho, p, *_fisher_ci(rho, n, k, alpha))


__all__ = [
    "Ancova",
    "Correlation",
    "Responders",
    "Welch",
    "ancova",
    "cohens_d",
    "hedges_g",
    "partial_spearman",
    "power_analytic",
    "power_resampled",
    "responders",
    "spearman",
    "welch",
]
