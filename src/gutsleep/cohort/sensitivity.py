"""Global sensitivity analysis of outcomes to model parameters over their plausible ranges (SALib).

Methods: ``sobol`` (Saltelli/Sobol' sequence sampling, first-order S1 and total ST indices with bootstrap
confidence intervals; N x (D + 2) model runs) and ``morris`` (elementary effects, a cheap screen: mu*, sigma;
N x (D + 1) runs). Each sample is one subject of the batched simulator (a baseline person unless a scenario is
given), run for ``days`` days after the burn-in; the outcome is its mean over the last ``window_days`` days
(nights).

*What a parameter is varied over* (``distribution``): the design is drawn in quantile space (each input uniform on
[0, 1]) and mapped through each parameter's marginal. ``posterior``: a parameter the parameter set fitted is drawn
from its posterior (the empirical quantiles of the set's draws), every other one from its prior (its plausible
range and source: :func:`gutsleep.calibrate.problem.prior_for`); ``prior``: every parameter from its prior;
``uniform``: uniform on the plausible [low, high] (before priors existed). Parameters not varied sit at the set's
estimate. Morris elementary effects are taken in quantile space (per unit of the marginal's probability).

The default parameter set is a curated ~30 of the sleep, clock, HPA, microbiome, fermentation, barrier and immune
parameters that plausibly drive the sleep and inflammation outcomes (Sobol over all ~270 parameters would need
hundreds of thousands of runs); ``all`` is meant for a Morris screen.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from gutsleep.cohort.executor import RunOptions, prepare_run, run_subjects
from gutsleep.cohort.outcomes import outcome_kind
from gutsleep.cohort.population import PERSON_PARAMETERS, Subject, parameter_info
from gutsleep.scenario import Scenario

if TYPE_CHECKING:
    from gutsleep.calibrate.paramset import ParameterSet

Method = Literal["sobol", "morris"]
Distribution = Literal["posterior", "prior", "uniform"]
DISTRIBUTIONS: tuple[str, ...] = ("posterior", "prior", "uniform")

DEFAULT_PARAMETERS: tuple[str, ...] = (
    "sleep_pressure_rise_time_h",
    "sleep_pressure_decay_time_h",
    "sleep_threshold_upper_mean",
    "sleep_threshold_lower_mean",
    "sleep_circadian_amplitude",
    "baseline_awake_fraction_odds",
    "sws_gain",
    "sws_pressure_floor",
    "stress_arousal_gain",
    "inflammation_arousal_gain",
    "vagal_arousal_damping",
    "vagal_sleep_effect",
    "butyrate_sleep_effect",
    "melatonin_sleep_effect",
    "clock_intrinsic_period_h",
    "clock_light_gain_G",
    "cortisol_per_acth",
    "stress_hpa_gain",
    "butyrate_producers_max_growth",
    "pathobionts_max_growth",
    "competition_within_guild",
    "fiber_fermentable_fraction",
    "fermentation_max_rate",
    "colon_transit_rate",
    "tight_junction_rate",
    "il6_baseline_pg_ml",
    "fermented_food_il6_damping",
    "vagal_weight_gaba",
)
"""Curated default parameters of the sensitivity analysis."""

DEFAULT_OUTCOMES: tuple[str, ...] = ("tst_min", "sleep_efficiency_pct", "sws_pct", "waso_min")
MAX_RUNS = 500_000
"""Most model runs of one analysis (the sample matrix alone is runs x parameters x 8 bytes)."""


def resolve_parameters(names: Sequence[str] | None) -> list[str]:
    """Parameter names to analyse: the curated default (None/empty), ``all`` (every parameter with a range, except
    the person covariates), or the given names (validated)."""
    info = parameter_info()
    if not names:
        chosen = list(DEFAULT_PARAMETERS)
    elif list(names) == ["all"]:
        chosen = [n for n in info if n not in PERSON_PARAMETERS]
    else:
        chosen = list(dict.fromkeys(names))
    unknown = [n for n in chosen if n not in info]
    if unknown:
        raise ValueError(f"unknown parameter(s) {', '.join(unknown)}; see `gutsleep params` for the names")
    person = [n for n in chosen if n in PERSON_PARAMETERS]
    if person:
        raise ValueError(f"{', '.join(person)} are set from the person (age, sex, BMI, vagotomy); vary those in a "
                         "population instead")
    fixed = [n for n in chosen if not info[n][2] > info[n][1]]
    if fixed and list(names or []) != ["all"]:
        raise ValueError(f"parameter(s) without a range to sample: {', '.join(fixed)}")
    return [n for n in chosen if n not in fixed]


def problem(names: Sequence[str]) -> dict[str, Any]:
    """SALib problem: each parameter uniform on its plausible [low, high]."""
    info = parameter_info()
    return {"num_vars": len(names), "names": list(names), "bounds": [[info[n][1], info[n][2]] for n in names]}


def unit_problem(names: Sequence[str]) -> dict[str, Any]:
    """SALib problem in quantile space: every input uniform on [0, 1]."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0] for _ in names]}


def marginals(names: Sequence[str], distribution: Distribution, parameter_set: ParameterSet | None = None
              ) -> list[tuple[str, Any]]:
    """Per parameter: a description and its quantile function (probability in [0, 1] -> value)."""
    from gutsleep.calibrate.problem import prior_for
    from gutsleep.model import build_model

    if distribution not in DISTRIBUTIONS:
        raise ValueError(f"distribution must be one of {', '.join(DISTRIBUTIONS)}, not {distribution!r}")
    by_name = {p.name: p for p in build_model().parameters}
    out: list[tuple[str, Any]] = []
    for name in names:
        p = by_name[name]
        drawn = (distribution == "posterior" and parameter_set is not None and name in parameter_set.draw_names
                 and len(parameter_set.draws) >= 10)
        if drawn:
            col = np.sort(parameter_set.draws[:, parameter_set.draw_names.index(name)])
            out.append((f"posterior ({len(col)} draws of {parameter_set.name or 'the set'})",
                        lambda u, col=col: np.quantile(col, np.clip(u, 0.0, 1.0))))
        elif distribution == "uniform":
            out.append((f"uniform[{p.low:g}, {p.high:g}]", lambda u, lo=p.low, hi=p.high: lo + (hi - lo) * u))
        else:
            prior = prior_for(p)
            out.append((f"prior {prior.describe()}", prior.ppf))
    return out


def to_values(u: np.ndarray, maps: Sequence[tuple[str, Any]]) -> np.ndarray:
    """Map a design in quantile space (runs x parameters) to parameter values."""
    return np.column_stack([np.asarray(f(u[:, j]), dtype=float) for j, (_, f) in enumerate(maps)]) if len(maps) else u


def design(method: Method, names: Sequence[str], n: int, seed: int = 0, *, unit: bool = False) -> np.ndarray:
    """Sample matrix (runs x parameters): Sobol' (Saltelli scheme, no second order) or Morris trajectories; on the
    plausible ranges, or in quantile space with ``unit``."""
    prob = unit_problem(names) if unit else problem(names)
    if method == "sobol":
        from SALib.sample import sobol

        return np.asarray(sobol.sample(prob, n, calc_second_order=False, seed=seed))
    if method == "morris":
        from SALib.sample import morris

        return np.asarray(morris.sample(prob, n, num_levels=4, seed=seed))
    raise ValueError(f"unknown method {method!r}; allowed: sobol, morris")


@dataclass(frozen=True)
class SensitivitySource:
    """Sample k = one subject: the base scenario with parameters ``samples[k]``."""

    base: Scenario
    names: tuple[str, ...]
    samples: np.ndarray
    offset: int = 0
    total: int | None = None
    fixed: tuple[tuple[str, float], ...] = ()  # parameters not varied, at the parameter set's estimate

    @property
    def n_subjects(self) -> int:
        return self.total if self.total is not None else len(self.samples)

    @property
    def days(self) -> int:
        return int(self.base.days)

    def subjects(self, start: int, stop: int) -> list[Subject]:
        out = []
        for i in range(start, stop):
            values = {n: float(v) for n, v in zip(self.names, self.samples[i - self.offset], strict=True)}
            covariates = {"subject": i, **{f"param_{n}": v for n, v in values.items()}}
            out.append(Subject(i, self.base.model_copy(update={"name": f"sample-{i}"}), {**dict(self.fixed), **values},
                               covariates))
        return out

    def part(self, start: int, stop: int) -> SensitivitySource:
        """Only the rows of this chunk (keeps what is shipped to a worker small)."""
        return SensitivitySource(self.base, self.names, self.samples[start - self.offset:stop - self.offset],
                                 start, self.n_subjects, self.fixed)

    def describe(self) -> dict[str, Any]:
        digest = hashlib.sha256(np.ascontiguousarray(self.samples).tobytes()).hexdigest()[:16]
        out = {"kind": "sensitivity", "base": self.base.model_dump(mode="json"), "parameters": list(self.names),
               "samples": digest}
        if self.fixed:
            out["fixed"] = hashlib.sha256(repr(self.fixed).encode()).hexdigest()[:16]
        return out


@dataclass
class SensitivityResult:
    """Ranked indices per outcome, the samples with their outcomes and notes (failed runs, constant outputs)."""

    method: Method
    names: list[str]
    outcomes: list[str]
    table: pd.DataFrame
    samples: pd.DataFrame
    n_runs: int
    notes: list[str] = field(default_factory=list)
    paths: dict[str, Path] = field(default_factory=dict)
    """Files written by ``run_sensitivity(..., write=True)`` (empty otherwise)."""
    kept: list[str] = field(default_factory=list)
    """Entries of the output folder that gutsleep did not write: left untouched."""


def analyse(method: Method, names: Sequence[str], x: np.ndarray, y: pd.DataFrame, outcomes: Sequence[str],
            seed: int = 0, *, unit: bool = False) -> tuple[pd.DataFrame, list[str]]:
    """Sensitivity indices of every outcome (failed runs imputed with the outcome's mean, and noted); ``x`` is the
    design on the plausible ranges, or in quantile space with ``unit``."""
    prob = unit_problem(names) if unit else problem(names)
    rows = []
    notes = []
    for col in outcomes:
        values = y[col].to_numpy(dtype=np.float64)
        bad = ~np.isfinite(values)
        if bad.all():
            notes.append(f"{col}: no finite values; skipped")
            continue
        if bad.any():
            notes.append(f"{col}: {int(bad.sum())} of {len(values)} runs failed or gave no value; imputed with the "
                         "mean")
            values = np.where(bad, np.nanmean(values), values)
        if np.ptp(values) == 0:
            notes.append(f"{col}: constant over all samples; indices undefined")
            continue
        if method == "sobol":
            from SALib.analyze import sobol as sobol_analyze

            si = sobol_analyze.analyze(prob, values, calc_second_order=False, num_resamples=200, seed=seed)
            for i, n in enumerate(names):
                rows.append({"outcome": col, "parameter": n, "S1": si["S1"][i], "S1_conf": si["S1_conf"][i],
                             "ST": si["ST"][i], "ST_conf": si["ST_conf"][i]})
        else:
            from SALib.analyze import morris as morris_analyze

            si = morris_analyze.analyze(prob, x, values, num_resamples=200, num_levels=4, seed=seed)
            for i, n in enumerate(names):
                rows.append({"outcome": col, "parameter": n, "mu": si["mu"][i], "mu_star": si["mu_star"][i],
                             "mu_star_conf": si["mu_star_conf"][i], "sigma": si["sigma"][i]})
    table = pd.DataFrame(rows)
    if not table.empty:
        key = "ST" if method == "sobol" else "mu_star"
        table["rank"] = table.groupby("outcome")[key].rank(ascending=False, method="first").astype(int)
        table = table.sort_values(["outcome", "rank"]).reset_index(drop=True)
        info = parameter_info()
        table.insert(2, "module", [info[p][4] for p in table["parameter"]])
        table.insert(3, "low", [info[p][1] for p in table["parameter"]])
        table.insert(4, "high", [info[p][2] for p in table["parameter"]])
        table.insert(5, "unit", [info[p][3] for p in table["parameter"]])
    return table, notes


def run_sensitivity(*, method: Method = "sobol", n: int | None = None, parameters: Sequence[str] | None = None,
                    outcomes: Sequence[str] = DEFAULT_OUTCOMES, days: int = 21, window_days: int = 7,
                    scenario: Scenario | None = None, seed: int = 0, out: str | Path,
                    options: RunOptions | None = None, client: Any = None, write: bool = False,
                    distribution: Distribution = "uniform",
                    parameter_set: ParameterSet | None = None) -> SensitivityResult:
    """Sample, simulate (in chunks, resumable; see :func:`run_subjects`) and analyse; writes under ``out``.

    ``distribution`` and ``parameter_set`` (a :class:`gutsleep.calibrate.paramset.ParameterSet`, or None for the
    model's own values): what each parameter is varied over and where the others sit (module docstring).

    ``n``: Sobol base sample size (a power of 2; default 64) or number of Morris trajectories (default 10).
    ``write``: also write sensitivity.csv, samples.parquet, sensitivity.png and report.html (see
    :func:`gutsleep.cohort.runs.write_sensitivity`), committed into ``out`` together with the run.
    """
    for col in outcomes:
        outcome_kind(col)
    if window_days < 1 or window_days > days:
        raise ValueError(f"window must be 1 to {days} days (got {window_days})")
    names = resolve_parameters(parameters)
    if not names:
        raise ValueError("no parameters to analyse")
    n = n or (64 if method == "sobol" else 10)
    if method == "sobol" and (n & (n - 1)):
        raise ValueError(f"Sobol needs n = a power of 2 (got {n})")
    if n < 2 or n_runs(method, len(names), n) > MAX_RUNS:
        raise ValueError(f"{method} with n = {n} and {len(names)} parameters needs {n_runs(method, len(names), n):,} "
                         f"model runs; the limit is {MAX_RUNS:,} (choose a smaller --n or fewer --params)")
    unit = distribution != "uniform"
    maps = marginals(names, distribution, parameter_set)
    u = design(method, names, n, seed, unit=unit)
    x = to_values(u, maps) if unit else u
    base = (scenario or Scenario(name="baseline")).model_copy(update={"days": days, "interventions": (),
                                                                      "events": ()})
    fixed = () if parameter_set is None else tuple(sorted((k, float(v)) for k, v in parameter_set.estimate.items()
                                                          if k not in names))
    source = SensitivitySource(base, tuple(names), x, fixed=fixed)
    opts = replace(options or RunOptions(), summary_days=window_days, tables=("covariates", "summary"))
    with prepare_run(source, out, opts) as folder:
        run = run_subjects(source, out, opts, client=client, folder=folder)
        summary = run.table("summary").set_index("subject").reindex(range(len(x)))
        y = summary[list(outcomes)]
        table, notes = analyse(method, names, u, y, outcomes, seed, unit=unit)
        if not table.empty:
            described = dict(zip(names, (d for d, _ in maps), strict=True))
            table.insert(6, "distribution", [described[p] for p in table["parameter"]])
        if run.failed:
            notes.insert(0, f"{len(run.failed)} of {len(x)} runs failed to integrate (parameter corners outside what "
                            "the model can integrate)")
        samples = pd.DataFrame(x, columns=names)
        for col in outcomes:
            samples[col] = y[col].to_numpy()
        result = SensitivityResult(method, names, list(outcomes), table, samples, len(x), notes)
        if write:
            from gutsleep.cohort.runs import write_sensitivity

            result.paths = write_sensitivity(result, folder.work)
    result.paths = folder.output.final_paths(result.paths)
    result.kept = list(folder.output.kept)
    return result


def n_runs(method: Method, n_parameters: int, n: int | None = None) -> int:
    """Model runs a design needs."""
    n = n or (64 if method == "sobol" else 10)
    return n * (n_parameters + 2) if method == "sobol" else n * (n_parameters + 1)


def top(table: pd.DataFrame, outcome: str, k: int = 15) -> pd.DataFrame:
    """The ``k`` highest-ranked parameters for one outcome."""
    return table[table["outcome"] == outcome].head(k)


__all__ = [
    "DEFAULT_OUTCOMES",
    "DEFAULT_PARAMETERS",
    "DISTRIBUTIONS",
    "SensitivityResult",
    "SensitivitySource",
    "analyse",
    "design",
    "marginals",
    "n_runs",
    "problem",
    "resolve_parameters",
    "run_sensitivity",
]
