"""The parameter-set document of a finished calibration: estimate, posterior, fit statistics, targets used."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np

from gutsleep.calibrate.evaluate import Evaluator
from gutsleep.calibrate.fit import FitState, posterior_draws, posterior_z
from gutsleep.calibrate.paramset import FORMAT
from gutsleep.calibrate.problem import CalibrationProblem

UNIDENTIFIED_SENSITIVITY = 1e-3
"""A free parameter whose Jacobian column (over all targets, per unit of z) is below this moves no target."""


def identification(sensitivity: float | None, z_draws: np.ndarray | None, prior_z90: float) -> str:
    """``yes``, ``weakly (...)`` or ``no (...)``: whether the targets pin the parameter down."""
    if sensitivity is not None and sensitivity < UNIDENTIFIED_SENSITIVITY:
        return "no (no target moves with it)"
    if z_draws is None or len(z_draws) < 10:
        return "yes (targets move with it; no posterior to judge its width)"
    width = float(np.quantile(z_draws, 0.95) - np.quantile(z_draws, 0.05))
    share = width / prior_z90 if prior_z90 > 0 else math.inf
    if share < 0.5:
        return f"yes (90 % interval {100 * share:.0f} % of the prior's)"
    return f"weakly (90 % interval {100 * share:.0f} % of the prior's)"


def build_document(problem: CalibrationProblem, state: FitState, *, name: str, command: str, burn: int,
                   max_draws: int, walkers: int, steps: int, evaluate: Evaluator) -> dict[str, Any]:
    from gutsleep import __version__
    from gutsleep.apps.metadata import model_hash

    z_hat = np.array(state.fit["z"])
    at = evaluate(np.vstack([problem.z_default(), z_hat]))
    draws = posterior_draws(problem, state, burn, max_draws)
    z_chain = posterior_z(problem, state, burn)
    estimate = problem.values_of(z_hat)
    parameters: dict[str, Any] = {}
    for i, f in enumerate(problem.free):
        lo, hi = f.prior.quantiles([0.05, 0.95])
        entry: dict[str, Any] = {"estimate": estimate[f.name], "default": f.default, "unit": f.unit,
                                 "prior": f.prior.as_dict()}
        if len(draws):
            col = draws[:, i]
            entry["posterior"] = {"median": float(np.median(col)), "q05": float(np.quantile(col, 0.05)),
                                  "q95": float(np.quantile(col, 0.95))}
        sens = None if state.sensitivity is None else state.sensitivity[i]
        entry["sensitivity"] = sens
        entry["identified"] = identification(sens, None if z_chain is None else z_chain[:, i],
                                             f.prior.to_z(hi) - f.prior.to_z(lo))
        parameters[f.name] = entry
    targets = []
    band = at.residuals[:, 0::2]
    checks = at.residuals[:, 1::2]
    for j, t in enumerate(problem.targets):
        targets.append({"experiment": t.experiment_id, "band": [t.low, t.high], "unit": t.unit,
                        "measured": float(at.values[1, j]), "residual": float(band[1, j]),
                        "failed_checks": int(checks[1, j]), "measured_at_defaults": float(at.values[0, j]),
                        "residual_at_defaults": float(band[0, j])})
    chi2 = float(np.sum(at.residuals[1] ** 2))
    dof = len(problem.targets) - len(problem.free)
    in_band = int(sum(abs(t["residual"]) <= 1 and t["failed_checks"] == 0 for t in targets))
    fit = {"chi2": chi2, "chi2_at_defaults": float(np.sum(at.residuals[0] ** 2)), "targets": len(problem.targets),
           "free_parameters": len(problem.free), "dof": dof, "reduced_chi2": chi2 / dof if dof > 0 else None,
           "targets_in_band": in_band, "iterations": state.iterations, "evaluations": state.evaluations,
           "optimizer": "scipy.optimize.least_squares (trf)", "optimizer_message": state.fit.get("message", ""),
           "seconds": round(state.elapsed_s, 1)}
    if state.laplace is not None and len(state.laplace):
        fit.update(sampler="Laplace approximation at the estimate (Gauss-Newton covariance, truncated to the "
                           "priors' ranges)", draws=len(draws))
    elif state.chain is not None and len(state.chain):
        lp = state.log_prob
        fit.update(sampler="emcee EnsembleSampler", walkers=int(state.chain.shape[1]), steps=len(state.chain),
                   burn=burn, draws=len(draws),
                   acceptance_fraction=float(np.mean(lp[1:] != lp[:-1])) if len(lp) > 1 else None)
    return {
        "format": FORMAT,
        "name": name,
        "gutsleep_version": __version__,
        "model_hash": model_hash(),
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "command": command,
        "problem": {"name": problem.name, "description": problem.description, "burn_in_days": problem.burn_in_days,
                    "fingerprint": state.fingerprint},
        "parameters": parameters,
        "targets": targets,
        "fit": fit,
        "draws": {"names": list(problem.names), "values": draws.tolist()},
    }
