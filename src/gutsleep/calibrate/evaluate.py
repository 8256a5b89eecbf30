"""Evaluate calibration targets for many parameter sets at once, reusing the evidence experiments unchanged.

Each experiment's protocol is simulated once for a whole batch of parameter sets: its scenarios are repeated
once per set as subjects of one batched solver run (:class:`BatchContext`), and each experiment then measures
its own copy through a :class:`~gutsleep.evidence.framework.Context` view, so ``measure`` functions run exactly
as in ``gutsleep evidence``. Batches can be spread over worker processes (``workers``) or over the workers of a
dask scheduler (``scheduler``, the executor cohorts use; the ``cohort`` extra).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from gutsleep.apps.simulate import SimulationOutput, simulate
from gutsleep.calibrate.problem import CalibrationProblem
from gutsleep.evidence.framework import Context, Measured
from gutsleep.scenario import Scenario

FAILED = 10.0
"""Residual of a target whose simulation failed (far outside its band)."""


def split_output(out: SimulationOutput, sets: int, n: int) -> list[SimulationOutput]:
    """The batched output of ``sets`` copies of ``n`` scenarios as ``sets`` outputs, subjects renumbered 0..n-1."""
    parts = []
    for k in range(sets):
        def rows(frame: Any, k: int = k) -> Any:
            mine = frame[(frame.subject >= k * n) & (frame.subject < (k + 1) * n)].copy()
            mine["subject"] = mine["subject"] - k * n
            return mine.reset_index(drop=True)

        ts = out.timeseries
        if ts is not None:
            ts = ts.isel(subject=slice(k * n, (k + 1) * n))
            if "subject" in ts.coords:
                ts = ts.assign_coords(subject=np.arange(n))
        parts.append(SimulationOutput(rows(out.nightly), rows(out.daily), ts, out.scenarios[k * n:(k + 1) * n],
                                      out.burn_in_days))
    return parts


class BatchContext:
    """Shared protocol runs for several parameter sets; ``view(k)`` is the evidence context of set ``k``."""

    def __init__(self, parameter_sets: Sequence[Mapping[str, float]], burn_in_days: int = 42) -> None:
        self.sets = [dict(s) for s in parameter_sets]
        self.burn_in_days = burn_in_days
        self._runs: dict[str, list[SimulationOutput]] = {}

    def view(self, k: int) -> Context:
        return _View(self, k)

    def run(self, key: str, scenarios: Sequence[Scenario], k: int, *, drawn: bool = False,
            **kwargs: Any) -> SimulationOutput:
        if key not in self._runs:
            self._runs[key] = self._simulate(list(scenarios), drawn=drawn, **kwargs)
        return self._runs[key][k]

    def _simulate(self, scenarios: list[Scenario], *, parameters: Sequence[Mapping[str, float]] | None = None,
                  initial: np.ndarray | None = None,
                  input_hook: Callable[[int, np.ndarray], np.ndarray] | None = None,
                  base_parameters: Mapping[str, float] | None = None, drawn: bool = False,
                  **kwargs: Any) -> list[SimulationOutput]:
        sets, n = len(self.sets), len(scenarios)
        kwargs.setdefault("timeseries_every_h", None)
        kwargs.setdefault("burn_in_days", self.burn_in_days)
        per = list(parameters) if parameters is not None else [{}] * n
        bases = [{**self.sets[k], **(base_parameters or {})} for k in range(sets) for _ in range(n)]
        if drawn:  # population draws follow each set (as Context.run re-centres them on its own parameters)
            from gutsleep.cohort.population import recentre

            per_sets = [recentre(p, self.sets[k]) for k in range(sets) for p in per]
        else:
            per_sets = per * sets
        hook = None
        if input_hook is not None:
            def hook(day: int, u: np.ndarray) -> np.ndarray:
                out = u.copy()
                for k in range(sets):  # each copy sees only its own subjects, as the protocol expects
                    out[k * n:(k + 1) * n] = input_hook(day, u[k * n:(k + 1) * n].copy())
                return out
        out = simulate(scenarios * sets, parameters=per_sets, base_parameters=bases, input_hook=hook,
                       initial=None if initial is None else np.tile(initial, (sets, 1)), **kwargs)
        return split_output(out, sets, n)


class _View(Context):
    """The evidence context of one parameter set of a :class:`BatchContext`."""

    def __init__(self, batch: BatchContext, k: int) -> None:
        super().__init__(batch.burn_in_days, batch.sets[k])
        self._batch, self._k = batch, k

    def run(self, key: str, scenarios: Sequence[Scenario], *, drawn: bool = False,
            **kwargs: Any) -> SimulationOutput:
        return self._batch.run(key, scenarios, self._k, drawn=drawn, **kwargs)


@dataclass(frozen=True)
class Evaluation:
    """Residuals (sets x 2 per target: band, failed checks) and measured values (sets x targets)."""

    residuals: np.ndarray
    values: np.ndarray


def _measure_all(problem: CalibrationProblem, sets: list[dict[str, float]]) -> Evaluation:
    from gutsleep.evidence.experiments import experiment

    batch = BatchContext(sets, problem.burn_in_days)
    res = np.full((len(sets), problem.n_residuals), FAILED)
    values = np.full((len(sets), len(problem.targets)), np.nan)
    for j, target in enumerate(problem.targets):
        exp = experiment(target.experiment_id)
        for k in range(len(sets)):
            measured: Measured | None
            try:
                measured = exp.measure(batch.view(k))
            except Exception:  # a parameter set the model cannot run is far from every target
                measured = None
            res[k, 2 * j:2 * j + 2] = target.residuals(measured)
            values[k, j] = np.nan if measured is None else measured.value
    return Evaluation(res, values)


def _evaluate_chunk(problem_name: str, sets: list[dict[str, float]]) -> Evaluation:
    from gutsleep.calibrate.problem import problem

    return _measure_all(problem(problem_name), sets)


class Evaluator:
    """Residuals of a problem for many z-vectors: batched simulation, in chunks, optionally over processes."""

    def __init__(self, problem: CalibrationProblem, *, batch_size: int = 16, workers: int = 1,
                 scheduler: str | None = None) -> None:
        self.problem = problem
        self.batch_size = max(1, batch_size)
        self.workers = max(1, workers)
        self.evaluations = 0
        self._pool: ProcessPoolExecutor | None = None
        self._client: Any = None
        if scheduler is not None:
            from gutsleep.calibrate.problem import PROBLEMS

            if problem.name not in PROBLEMS:
                raise ValueError("only a declared problem can be evaluated on a dask scheduler")
            from gutsleep.cohort.executor import connect

            self._client = connect(scheduler)

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
        if self._client is not None:
            self._client.close()
            self._client = None

    def __call__(self, zs: np.ndarray) -> Evaluation:
        zs = np.atleast_2d(np.asarray(zs, dtype=float))
        sets = [self.problem.values_of(z) for z in zs]
        chunks = [sets[i:i + self.batch_size] for i in range(0, len(sets), self.batch_size)]
        from gutsleep.calibrate.problem import PROBLEMS

        if self._client is not None:
            futures = self._client.map(_evaluate_chunk, [self.problem.name] * len(chunks), chunks, pure=False)
            parts = self._client.gather(futures)
        elif self.workers > 1 and len(chunks) > 1 and self.problem.name in PROBLEMS:
            if self._pool is None:
                import multiprocessing

                self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
            parts = list(self._pool.map(_evaluate_chunk, [self.problem.name] * len(chunks), chunks))
        else:
            parts = [_measure_all(self.problem, chunk) for chunk in chunks]
        self.evaluations += len(sets)
        return Evaluation(np.vstack([p.residuals for p in parts]), np.vstack([p.values for p in parts]))
