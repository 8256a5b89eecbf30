"""Joint fit of a calibration problem: point estimate, then posterior draws; resumable after every iteration.

*Point estimate*: the posterior mode (maximum a posteriori) by ``scipy.optimize.least_squares`` (trust-region
reflective, bounded by the priors' ranges) on the targets' residuals plus the normal priors' terms, in z-space
(log for scale parameters). Several model outcomes are discrete (days, the 15-minute grid), so the Jacobian is
taken by forward differences with a coarse step (2 % of each range), all columns in one batched simulation.

*Posterior*, one of two:

- ``emcee``: the affine-invariant ensemble sampler (Foreman-Mackey et al. 2013), walkers started in a small ball
  around the estimate; log posterior = log prior - sum(residual^2)/2, every walker of a step evaluated in one
  batched simulation. emcee is the ``calibrate`` extra. Exact in the limit, but a chain long enough to mix over
  dozens of parameters costs thousands of model runs.
- ``laplace``: the Laplace (Gauss-Newton) approximation at the estimate: a normal in z-space with covariance
  (J'J + P)^-1, J the Jacobian of the residuals (one batched evaluation), P the precision of each flat prior's
  variance ((range)^2 / 12, so a parameter no target moves keeps roughly its prior width), truncated to the
  priors' ranges. One Jacobian instead of a chain; it misses skew and multiple modes, which the report says.

Why these: least_squares and emcee are mature, small, pure-Python/NumPy dependencies; the ensemble sampler
needs no gradients (the model's outcomes are not smooth) and parallelises across walkers, which the batched
solver evaluates together.

*Resume*: after every iteration (a Jacobian, an MCMC step) the state is saved atomically
(:func:`save_state`); a rerun with the same problem on the same model continues from it.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gutsleep.calibrate.evaluate import Evaluator
from gutsleep.calibrate.problem import CalibrationProblem

FD_STEP = 0.02
"""Forward-difference step of the Jacobian, as a fraction of each parameter's z-range."""


class CalibrationError(RuntimeError):
    """The calibration cannot go on (a stale state, a missing extra); the message says what to do."""


@dataclass
class FitState:
    """Everything needed to continue an interrupted calibration (saved after every iteration)."""

    fingerprint: str
    phase: str = "fit"  # "fit" -> "sample" -> "done"
    iterations: int = 0  # Jacobians of the point estimate
    evaluations: int = 0  # parameter sets simulated
    z_best: list[float] | None = None
    cost_best: float = math.inf
    fit: dict[str, Any] = field(default_factory=dict)  # result of the point estimate
    sensitivity: list[float] | None = None  # |column| of the Jacobian at the estimate
    chain: np.ndarray | None = None  # (steps, walkers, d) in z-space (emcee)
    laplace: np.ndarray | None = None  # (draws, d) in z-space (Laplace approximation)
    log_prob: np.ndarray | None = None  # (steps, walkers)
    rng: dict[str, Any] | None = None  # the sampler's random state
    elapsed_s: float = 0.0

    def meta(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("fingerprint", "phase", "iterations", "evaluations", "z_best",
                                              "cost_best", "fit", "sensitivity", "rng", "elapsed_s")}


def save_state(state: FitState, path: Path) -> None:
    """Write the state atomically (a temporary file in the same folder, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    arrays: dict[str, Any] = {"meta": np.array(json.dumps(state.meta(), allow_nan=True))}
    if state.chain is not None and state.log_prob is not None:
        arrays.update(chain=state.chain, log_prob=state.log_prob)
    if state.laplace is not None:
        arrays.update(laplace=state.laplace)
    with open(tmp, "wb") as fh:
        np.savez(fh, **arrays)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def load_state(path: Path) -> FitState:
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        chain = data.get("chain", None)
        log_prob = data.get("log_prob", None)
        laplace = data.get("laplace", None)
    return FitState(**meta, chain=chain, log_prob=log_prob, laplace=laplace)


Progress = Callable[[str, int, int, str], None]
"""``progress(phase, done, total, detail)`` after every iteration."""


def _residual_vector(problem: CalibrationProblem, model_residuals: np.ndarray, z: np.ndarray) -> np.ndarray:
    return np.concatenate([model_residuals, problem.prior_residuals(z)])


def _jacobian(problem: CalibrationProblem, evaluate: Evaluator, z: np.ndarray, state: FitState
              ) -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """Forward-difference Jacobian of the residual vector at ``z``, every column in one batched evaluation.

    Returns the residuals at ``z``, the Jacobian (residuals x parameters) and each probe with its residuals."""
    lo, hi = problem.z_bounds()
    step = FD_STEP * (hi - lo)
    step = np.where(z + step <= hi, step, -step)  # step inwards at the upper bound
    zs = z[None, :] + np.diag(step)
    ev = evaluate(np.vstack([z[None, :], zs]))
    state.evaluations += len(zs) + 1
    r0 = _residual_vector(problem, ev.residuals[0], z)
    probes = [(zs[i], _residual_vector(problem, ev.residuals[i + 1], zs[i])) for i in range(len(z))]
    J = np.column_stack([(ri - r0) / step[i] for i, (_, ri) in enumerate(probes)])
    return r0, J, probes


def point_estimate(problem: CalibrationProblem, evaluate: Evaluator, state: FitState, *, iterations: int,
                   save: Callable[[], None], progress: Progress | None = None) -> None:
    """Run (or continue) the least-squares fit; fills ``state.fit`` and moves it to the ``sample`` phase."""
    from scipy.optimize import least_squares

    lo, hi = problem.z_bounds()
    z0 = np.clip(np.array(state.z_best if state.z_best is not None else problem.z_default()), lo, hi)
    cache: dict[tuple[float, ...], np.ndarray] = {}
    t0 = time.perf_counter()

    def note(z: np.ndarray, r: np.ndarray) -> None:
        cost = 0.5 * float(r @ r)
        if cost < state.cost_best:
            state.cost_best, state.z_best = cost, [float(v) for v in z]

    def fun(z: np.ndarray) -> np.ndarray:
        key = tuple(float(v) for v in z)
        if key not in cache:
            ev = evaluate(z[None, :])
            state.evaluations += 1
            cache[key] = _residual_vector(problem, ev.residuals[0], z)
            note(z, cache[key])
        return cache[key]

    def jac(z: np.ndarray) -> np.ndarray:
        r0, J, probes = _jacobian(problem, evaluate, z, state)
        cache.setdefault(tuple(float(v) for v in z), r0)
        note(z, r0)
        for zi, ri in probes:
            note(zi, ri)
        state.iterations += 1
        state.sensitivity = [float(np.linalg.norm(J[:problem.n_residuals, i])) for i in range(len(z))]
        state.elapsed_s += time.perf_counter() - t0_box[0]
        t0_box[0] = time.perf_counter()
        save()
        if progress is not None:
            progress("fit", state.iterations, iterations, f"cost {state.cost_best:.4g}")
        return J

    t0_box = [t0]
    remaining = iterations - state.iterations
    if remaining > 0:
        result = least_squares(fun, z0, jac=jac, bounds=(lo, hi), x_scale=hi - lo, method="trf",
                               max_nfev=remaining + 1)
        message, status = str(result.message), int(result.status)
    else:
        message, status = "iteration budget already spent (resumed)", 0
    z_hat = np.array(state.z_best if state.z_best is not None else z0)
    r = fun(z_hat)
    state.fit = {"z": [float(v) for v in z_hat], "cost": 0.5 * float(r @ r), "status": status, "message": message,
                 "residuals": [float(v) for v in r[:problem.n_residuals]]}
    state.phase = "sample"
    save()


def sample_posterior(problem: CalibrationProblem, evaluate: Evaluator, state: FitState, *, walkers: int,
                     steps: int, seed: int, save: Callable[[], None], progress: Progress | None = None) -> None:
    """Run (or continue) emcee from the point estimate; keeps the whole chain in ``state``."""
    try:
        import emcee
    except ImportError as err:
        raise CalibrationError("posterior draws need emcee: pip install \".[calibrate]\" (or --draws 0 for the "
                               "point estimate only)") from err
    d = len(problem.free)
    walkers = max(walkers, 2 * d + 2)
    walkers += walkers % 2
    lo, hi = problem.z_bounds()

    def log_prob(zs: np.ndarray) -> np.ndarray:
        zs = np.atleast_2d(zs)
        out = np.array([problem.log_prior(z) for z in zs])
        ok = np.isfinite(out)
        if ok.any():
            ev = evaluate(zs[ok])
            state.evaluations += int(ok.sum())
            out[ok] += -0.5 * np.sum(ev.residuals ** 2, axis=1)
        return out

    sampler = emcee.EnsembleSampler(walkers, d, log_prob, vectorize=True)
    if state.chain is not None and len(state.chain):
        coords, lp = state.chain[-1], state.log_prob[-1]
        if coords.shape != (walkers, d):
            raise CalibrationError(f"the saved chain has {coords.shape[0]} walkers, not {walkers}; rerun with "
                                   f"--force to start over")
        rs = state.rng
        random_state = (rs["kind"], np.array(rs["keys"], dtype=np.uint32), rs["pos"], rs["has_gauss"],
                        rs["cached_gaussian"]) if rs else None
        current = emcee.State(coords, log_prob=lp, random_state=random_state)
    else:
        rng = np.random.default_rng(seed)
        z_hat = np.array(state.fit["z"])
        ball = z_hat + 0.01 * (hi - lo) * rng.standard_normal((walkers, d))
        ball = np.clip(ball, lo + 1e-9 * (hi - lo), hi - 1e-9 * (hi - lo))
        sampler.random_state = np.random.RandomState(seed).get_state()
        current = emcee.State(ball, log_prob=log_prob(ball), random_state=sampler.random_state)
        state.chain, state.log_prob = np.empty((0, walkers, d)), np.empty((0, walkers))
    t0 = time.perf_counter()
    while len(state.chain) < steps:
        current = sampler.run_mcmc(current, 1, progress=False)
        state.chain = np.concatenate([state.chain, current.coords[None]])
        state.log_prob = np.concatenate([state.log_prob, current.log_prob[None]])
        kind, keys, pos, has_gauss, cached = sampler.random_state
        state.rng = {"kind": str(kind), "keys": [int(k) for k in keys], "pos": int(pos), "has_gauss": int(has_gauss),
                     "cached_gaussian": float(cached)}
        state.elapsed_s += time.perf_counter() - t0
        t0 = time.perf_counter()
        save()
        if progress is not None:
            accept = float(np.mean(state.log_prob[1:] != state.log_prob[:-1])) if len(state.chain) > 1 else 0.0
            progress("sample", len(state.chain), steps, f"moves accepted {100 * accept:.0f} %")
    state.phase = "done"
    save()


POSTERIORS: tuple[str, ...] = ("emcee", "laplace")


def laplace_covariance(problem: CalibrationProblem, J: np.ndarray) -> np.ndarray:
    """Covariance in z-space of the Laplace approximation: (J'J + P)^-1, P the flat priors' precision."""
    lo, hi = problem.z_bounds()
    flat = np.array([f.prior.kind != "truncnorm" for f in problem.free])
    precision = J.T @ J + np.diag(np.where(flat, 12.0 / (hi - lo) ** 2, 0.0))
    # A normal prior's precision is already in J (its residual row); pinv guards a numerically singular J'J.
    return np.linalg.pinv(precision, hermitian=True)


def laplace_draws(problem: CalibrationProblem, z_hat: np.ndarray, cov: np.ndarray, n: int,
                  rng: np.random.Generator) -> np.ndarray:
    """``n`` draws (z-space) of the normal N(z_hat, cov) truncated to the priors' ranges (by rejection; a draw
    still outside after 50 tries per draw is clipped)."""
    lo, hi = problem.z_bounds()
    kept: list[np.ndarray] = []
    count = 0
    for _ in range(50):
        zs = rng.multivariate_normal(z_hat, cov, size=n, method="eigh")
        inside = zs[np.all((zs >= lo) & (zs <= hi), axis=1)]
        kept.append(inside)
        count += len(inside)
        if count >= n:
            break
    out = np.vstack(kept)[:n] if count else np.empty((0, len(z_hat)))
    if len(out) < n:
        extra = rng.multivariate_normal(z_hat, cov, size=n - len(out), method="eigh")
        out = np.vstack([out, np.clip(extra, lo, hi)])
    return out


def laplace_posterior(problem: CalibrationProblem, evaluate: Evaluator, state: FitState, *, draws: int, seed: int,
                      save: Callable[[], None], progress: Progress | None = None) -> None:
    """The Laplace approximation at the estimate: one Jacobian, then ``draws`` truncated-normal draws."""
    t0 = time.perf_counter()
    if progress is not None:
        progress("laplace", 0, 1, "Jacobian at the estimate")
    z_hat = np.array(state.fit["z"])
    _, J, _ = _jacobian(problem, evaluate, z_hat, state)
    state.sensitivity = [float(np.linalg.norm(J[:problem.n_residuals, i])) for i in range(len(z_hat))]
    cov = laplace_covariance(problem, J)
    state.laplace = laplace_draws(problem, z_hat, cov, draws, np.random.default_rng(seed))
    state.elapsed_s += time.perf_counter() - t0
    state.phase = "done"
    save()
    if progress is not None:
        progress("laplace", 1, 1, f"{draws} draws")


def run_calibration(problem: CalibrationProblem, state_path: Path, *, resume: bool, iterations: int, walkers: int,
                    steps: int, seed: int = 12, evaluator: Evaluator | None = None, model_hash: str,
                    progress: Progress | None = None, posterior: str = "emcee", draws: int = 400) -> FitState:
    """Fit ``problem``; the state lives at ``state_path`` (continued when ``resume``, else started afresh).

    ``posterior`` is ``emcee`` (``walkers`` x ``steps``; none when ``steps`` is 0) or ``laplace`` (``draws``
    draws; none when ``draws`` is 0)."""
    if posterior not in POSTERIORS:
        raise CalibrationError(f"posterior must be one of {', '.join(POSTERIORS)}, not {posterior!r}")
    fingerprint = problem.fingerprint(model_hash)
    if resume and state_path.exists():
        state = load_state(state_path)
        if state.fingerprint != fingerprint:
            raise CalibrationError(f"{state_path} belongs to another problem or model version; rerun without "
                                   f"--resume (or with --force) to start over")
    else:
        state = FitState(fingerprint)

    def save() -> None:
        save_state(state, state_path)

    evaluate = evaluator or Evaluator(problem)
    try:
        if state.phase == "fit":
            point_estimate(problem, evaluate, state, iterations=iterations, save=save, progress=progress)
        if state.phase == "sample":
            if posterior == "laplace" and draws > 0:
                laplace_posterior(problem, evaluate, state, draws=draws, seed=seed, save=save, progress=progress)
            elif posterior == "emcee" and steps > 0:
                sample_posterior(problem, evaluate, state, walkers=walkers, steps=steps, seed=seed, save=save,
                                 progress=progress)
            else:
                state.phase = "done"
                save()
    finally:
        if evaluator is None:
            evaluate.close()
    return state


def posterior_draws(problem: CalibrationProblem, state: FitState, burn: int, max_draws: int = 400) -> np.ndarray:
    """Posterior draws in x-space (draws x parameters): the Laplace draws, or the chain after ``burn`` steps,
    thinned to ``max_draws``."""
    flat = posterior_z(problem, state, burn)
    if flat is None:
        return np.empty((0, len(problem.free)))
    if len(flat) > max_draws:
        flat = flat[np.linspace(0, len(flat) - 1, max_draws).round().astype(int)]
    return np.array([[f.prior.from_z(v) for f, v in zip(problem.free, row, strict=True)] for row in flat])


def posterior_z(problem: CalibrationProblem, state: FitState, burn: int) -> np.ndarray | None:
    """The posterior draws in z-space (draws x parameters), or None without a posterior."""
    if state.laplace is not None and len(state.laplace):
        return np.asarray(state.laplace)
    if state.chain is None or len(state.chain) <= burn:
        return None
    return state.chain[burn:].reshape(-1, len(problem.free))
