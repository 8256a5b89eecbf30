"""Cross-sectional observational studies: rank correlations of an exposure with outcomes, raw and adjusted.

Design (see ``examples/trials/diversity-sleep-observational.yaml``): a population with varied habits is simulated
for ``days`` days; every measure is the participant's mean over the last ``window_days`` (with optional observation
noise); the exposure (e.g. Shannon diversity) is rank-correlated with each outcome (Spearman) and, adjusted for
covariates such as age, BMI and diet, by partial Spearman correlation (rank residuals, statsmodels OLS). Expected
signs from the literature can be listed to be shown next to the model's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from gutsleep.cohort import stats
from gutsleep.cohort.outcomes import add_noise, outcome_kind, window_means
from gutsleep.cohort.population import Population, PopulationSpec, Subject, habit_column
from gutsleep.cohort.specio import Problem, load_spec, parse_spec, rules_error
from gutsleep.cohort.trial import NoiseSpec, PopulationField
from gutsleep.scenario.fields import Name, Text, Whole
from gutsleep.scenario.models import MAX_DAYS

Sign = Literal["positive", "negative", "none"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class ObservationalSpec(_Strict):
    """A cross-sectional study (YAML contract). ``size`` overrides the population's size."""

    name: Name = Field("observational", min_length=1, max_length=200)
    description: Text | None = None
    population: PopulationField = Field(default_factory=PopulationSpec)
    size: Whole(3, 10_000_000, "participants") | None = None  # type: ignore[valid-type]
    burn_in_days: Whole(0, MAX_DAYS, "days") = 42  # type: ignore[valid-type]
    days: Whole(1, MAX_DAYS, "days") = 28  # type: ignore[valid-type]
    window_days: Whole(1, MAX_DAYS, "days") = 14  # type: ignore[valid-type]
    exposure: str = "shannon"
    outcomes: tuple[str, ...] = ("sleep_efficiency_pct", "tst_min", "waso_min", "il6_pg_ml")
    adjust: tuple[str, ...] = ("age", "bmi", "fiber_g")
    expected: dict[str, Sign] = Field(default_factory=dict)
    expected_source: str | None = None
    observation_noise: NoiseSpec = Field(default_factory=NoiseSpec)

    @model_validator(mode="after")
    def _cross(self) -> ObservationalSpec:
        problems: list[Problem] = []
        if self.window_days > self.days:
            problems.append((("window_days",), f"must be <= days ({self.days})", self.window_days))
        for loc, col in ((("exposure",), self.exposure), *((("outcomes", i), c) for i, c in enumerate(self.outcomes))):
            try:
                outcome_kind(col)
            except ValueError as exc:
                problems.append((loc, str(exc), col))
        allowed = covariate_columns(self.population)
        for i, c in enumerate(self.adjust):
            if c not in allowed:
                problems.append((("adjust", i), f"not a covariate of this population; allowed: {', '.join(allowed)}",
                                 c))
        for c in self.expected:
            if c not in self.outcomes:
                problems.append((("expected", c), "not one of the outcomes", c))
        problems += self.observation_noise.problems()
        if problems:
            raise rules_error(problems)
        return self

    @property
    def n(self) -> int:
        return int(self.size or self.population.size)


def covariate_columns(spec: PopulationSpec) -> list[str]:
    """Numeric covariate columns available for adjustment (``sex`` as 1 = female)."""
    return ["age", "sex", "bmi", *(habit_column(h) for h in spec.habits), "time_in_bed_h", "bedtime_shift_h",
            *(f"param_{p}" for p in spec.parameters.resolved())]


def load_observational(path: str | Path) -> ObservationalSpec:
    """Read and validate an observational-study YAML file."""
    return load_spec(path, ObservationalSpec, kind="observational study")


def parse_observational(text: str, source: str = "<string>", folder: Path | None = None) -> ObservationalSpec:
    """Validate observational-study YAML text."""
    return parse_spec(text, ObservationalSpec, source=source, kind="observational study", context={"folder": folder})


@dataclass(frozen=True)
class ObservationalSource:
    """Participants of an observational study (population draws 0..n-1)."""

    spec: ObservationalSpec
    population: Population

    @classmethod
    def of(cls, spec: ObservationalSpec, base: Mapping[str, float] | None = None) -> ObservationalSource:
        """The study's participants; ``base`` a parameter set in place of the model's defaults."""
        return cls(spec, Population(spec.population.model_copy(update={"size": spec.n}), base))

    @property
    def n_subjects(self) -> int:
        return self.spec.n

    @property
    def days(self) -> int:
        return int(self.spec.days)

    def subjects(self, start: int, stop: int) -> list[Subject]:
        return self.population.subjects(start, stop, days=self.days)

    def part(self, start: int, stop: int) -> ObservationalSource:
        return self

    def describe(self) -> dict[str, Any]:
        return {"kind": "observational", "study": self.spec.model_dump(mode="json"),
                **self.population.parameter_record()}


@dataclass
class ObservationalAnalysis:
    """Participant measures and the correlation table."""

    spec: ObservationalSpec
    measures: pd.DataFrame
    correlations: pd.DataFrame
    failed: int = 0
    notes: list[str] = field(default_factory=list)


def analyse_observational(spec: ObservationalSpec, covariates: pd.DataFrame, nightly: pd.DataFrame,
                          daily: pd.DataFrame) -> ObservationalAnalysis:
    """Spearman and partial Spearman correlations of the exposure with every outcome."""
    ok = covariates[~covariates["failed"].astype(bool)] if "failed" in covariates else covariates
    noise = spec.observation_noise
    nightly = add_noise(nightly, noise.sd, noise.seed)
    daily = add_noise(daily, noise.sd, noise.seed)
    cols = [spec.exposure, *spec.outcomes]
    means = window_means(nightly, daily, spec.days - spec.window_days, spec.days - 1, cols)
    cov = ok.set_index("subject").copy()
    if "sex" in cov:
        cov["sex"] = (cov["sex"] == "female").astype(float)
    measures = cov[list(spec.adjust)].join(means, how="inner")
    rows = []
    for col in spec.outcomes:
        raw = stats.spearman(measures[spec.exposure], measures[col])
        part = stats.partial_spearman(measures[spec.exposure], measures[col], measures[list(spec.adjust)])
        expected = spec.expected.get(col)
        sign = "positive" if raw.rho > 0 else "negative" if raw.rho < 0 else "none"
        psign = "positive" if part.rho > 0 else "negative" if part.rho < 0 else "none"
        rows.append({
            "exposure": spec.exposure, "outcome": col, "n": raw.n,
            "rho": raw.rho, "ci_low": raw.ci_low, "ci_high": raw.ci_high, "p": raw.p,
            "partial_rho": part.rho, "partial_ci_low": part.ci_low, "partial_ci_high": part.ci_high,
            "partial_p": part.p, "adjusted_for": ", ".join(spec.adjust),
            "expected": expected or "", "sign_raw": sign, "sign_partial": psign,
            "agrees_raw": "" if expected is None else str(expected == sign).lower(),
            "agrees_partial": "" if expected is None else str(expected == psign).lower(),
        })
    failed = len(covariates) - len(ok)
    notes = [f"{failed} participant(s) excluded: their integration failed."] if failed else []
    return ObservationalAnalysis(spec, measures.reset_index(), pd.DataFrame(rows), failed, notes)


__all__ = [
    "ObservationalAnalysis",
    "ObservationalSource",
    "ObservationalSpec",
    "analyse_observational",
    "covariate_columns",
    "load_observational",
    "parse_observational",
]
