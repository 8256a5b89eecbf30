"""Virtual populations: a validated YAML description of who is simulated, and reproducible per-subject draws.

A population spec gives the size and seed, distributions of age, sex and BMI, of habits (diet, alcohol, stress,
light) and of the sleep schedule, between-person variability of model parameters (log-normal around each
parameter's default, clipped to its plausible range) and optional correlations between any of these traits
(Gaussian copula on the latent normals).

Reproducibility: subject ``i`` draws its latent normals from ``numpy.random.default_rng([seed, i])`` and every
transform is done per subject in plain floats, so a subject's traits do not depend on which chunk, batch or worker
produces them. See ``examples/populations/`` for annotated files.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
from annotated_types import Ge, Le
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from gutsleep.cohort.distributions import (
    ClockDistribution,
    ClockSpec,
    Discrete,
    Distribution,
    Fixed,
    LogNormal,
    Normal,
    clock_text,
    phi,
    range_problems,
)
from gutsleep.cohort.specio import Problem, SpecError, load_spec, parse_spec, rules_error
from gutsleep.model.microbiome import TAXA, guild_cores, is_resident_only
from gutsleep.scenario import Habits, Intervention, Light, Person, Scenario, Sweeteners
from gutsleep.scenario.fields import ClockTime, Name, Ranged, Text, Whole, clock_hours, fmt_number
from gutsleep.scenario.models import Variability, check_meals, parse_variability

MAX_SIZE = 10_000_000
PERSON_PARAMETERS: tuple[str, ...] = ("age_years", "is_female", "bmi_kg_m2", "vagotomy", "ibs")
"""Parameters set from each subject's person (age, sex, BMI, vagotomy); they cannot vary as parameters."""

NICHE_QUALITY_CV = 1.5
"""Between-person CV of every taxon's niche quality (its capacity in that person's gut)."""
DEFAULT_PARAMETER_CV: dict[str, float] = {
    "clock_intrinsic_period_h": 0.008,  # SD ~0.2 h around 24.2 h (Czeisler 1999 range of tau)
    "sleep_pressure_rise_time_h": 0.10,
    "sleep_pressure_decay_time_h": 0.10,
    "sleep_threshold_upper_mean": 0.05,
    "baseline_awake_fraction_odds": 0.30,
    "sws_gain": 0.15,
    "stress_arousal_gain": 0.25,
    "melatonin_synthesis_max": 0.30,
    "cortisol_per_acth": 0.20,
    "stress_hpa_gain": 0.25,
    "butyrate_producers_max_growth": 0.15,
    "saccharolytic_max_growth": 0.15,
    "lactic_acid_max_growth": 0.15,
    "spore_formers_max_growth": 0.15,
    "pathobionts_max_growth": 0.15,
    "mucin_degraders_max_growth": 0.15,
    "fiber_fermentable_fraction": 0.15,
    "colon_transit_rate": 0.25,
    "il6_baseline_pg_ml": 0.60,  # ln-SD ~0.55; CoLaus IL-6 IQR 0.71-3.53 pg/mL (assay noise included)
    "crp_hepatic_responsiveness": 1.20,  # ln-SD ~0.95: CRP-IL-6 r ~0.5 (MESA 0.53), CRP IQR as CoLaus
    "tight_junction_rate": 0.20,
    "permeability_index_healthy": 0.20,
    "caffeine_half_life_h": 0.33,  # IOM 2001: 1.5-9.5 h around a 5-h mean (~ +/-2 SD of a log-normal)
    # each person's own community: a common species' abundance spans 2-3 orders of magnitude between healthy adults
    # (HMP 2012 Nature 486:207); CV 1.5 is a ln-SD of ~1.1: a 95 % range of x8 or /8 in capacity, the low end
    **{f"{t.name}_niche_quality": NICHE_QUALITY_CV for t in TAXA},
    # appended last so that the earlier parameters keep their draws
    "sweetener_glycaemic_susceptibility": 1.0,  # NNS-01/02: responders and non-responders (ln-SD ~0.83)
    "insulin_disposal_rate": 0.35,  # insulin sensitivity varies several-fold between healthy adults
}
"""Parameters that vary between people by default, with their coefficient of variation (assumptions: clock,
sleep-homeostasis, HPA, growth-rate, transit and baseline-inflammation traits differ between individuals; CVs
of 5-30 %, larger where inter-individual spread is known to be large, e.g. melatonin amplitude; IL-6 and
hepatic CRP output are set from population data, see POP-IL6CRP in the evidence findings)."""

DEFAULT_PARAMETER_PREVALENCE: dict[str, float] = {
    f"{t.name}_carried": t.prevalence for t in TAXA
    if is_resident_only(t) and t.prevalence < 1 and t.name not in guild_cores()
}
"""Parameters drawn present or absent (a Bernoulli trait): the person carries each resident taxon with the share of
Western adults that carry it (``gutsleep.model.microbiome.PREVALENCE``), so each person has their own species pool;
each guild's core member (``guild_cores``) is always carried, so no person lacks a guild's function."""


def _default_habits() -> dict[str, Any]:
    """Typical US adult habits (FIB-01: fiber ~15 g/day) with realistic between-person spread."""
    return {
        "fiber_g": LogNormal(dist="lognormal", mean=15.0, cv=0.45, low=3.0, high=60.0),
        "fermented_servings": Discrete(dist="discrete", values=(0, 0.5, 1, 2, 3),
                                       weights=(0.45, 0.25, 0.18, 0.09, 0.03)),
        "added_sugar_g": LogNormal(dist="lognormal", mean=70.0, cv=0.5, low=10.0, high=250.0),
        "ultra_processed_share": Normal(dist="normal", mean=0.55, sd=0.12, low=0.15, high=0.9),
        "alcohol_drinks": Discrete(dist="discrete", values=(0, 1, 2, 3), weights=(0.5, 0.3, 0.15, 0.05)),
        "protein_g": Normal(dist="normal", mean=80.0, sd=20.0, low=35.0, high=180.0),
        "water_l": Normal(dist="normal", mean=2.0, sd=0.6, low=0.5, high=4.5),
        "stress": Normal(dist="normal", mean=0.25, sd=0.15, low=0.0, high=1.0),
    }


@lru_cache(maxsize=1)
def numeric_habits() -> dict[str, tuple[float, float, str]]:
    """Numeric habit fields that may vary: name (``light.day_lux`` for nested ones) -> (low, high, unit)."""
    out: dict[str, tuple[float, float, str]] = {}
    for prefix, cls in (("", Habits), ("light.", Light), ("sweeteners.", Sweeteners)):
        for name, field in cls.model_fields.items():
            lo = next((m.ge for m in field.metadata if isinstance(m, Ge)), None)
            hi = next((m.le for m in field.metadata if isinstance(m, Le)), None)
            if lo is not None and hi is not None:
                out[prefix + name] = (float(lo), float(hi), field.description or "")
    return out


def _person_range(name: str) -> tuple[float, float, str]:
    field = Person.model_fields[name]
    lo = next(m.ge for m in field.metadata if isinstance(m, Ge))
    hi = next(m.le for m in field.metadata if isinstance(m, Le))
    return float(lo), float(hi), field.description or ""


@lru_cache(maxsize=1)
def parameter_info() -> dict[str, tuple[float, float, float, str, str]]:
    """Model parameters: name -> (default, low, high, unit, module)."""
    from gutsleep.model import build_model

    return {p.name: (p.default, p.low, p.high, p.unit, p.module) for p in build_model().parameters}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class PersonSpec(_Strict):
    """Who: age (years), share of women, BMI (kg/m^2) and share with a vagotomy."""

    age: Distribution = Normal(dist="normal", mean=45.0, sd=15.0, low=18.0, high=85.0)
    female_fraction: Ranged(0, 1, "") = 0.5  # type: ignore[valid-type]
    bmi: Distribution = LogNormal(dist="lognormal", median=26.5, cv=0.18, low=17.0, high=50.0)
    vagotomy_fraction: Ranged(0, 1, "") = 0.0  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _ranges(self) -> PersonSpec:
        problems: list[Problem] = []
        for name in ("age", "bmi"):
            lo, hi, unit = _person_range(name)
            problems += [((name, *loc), msg, v) for loc, msg, v in range_problems(getattr(self, name), lo, hi, unit)]
        if problems:
            raise rules_error(problems)
        return self


class ScheduleSpec(_Strict):
    """Sleep schedule: bedtime (clock distribution), time in bed (h) and whether meals and evening light move
    with the bedtime (a person who goes to bed an hour later than ``bedtime.mean`` also eats an hour later)."""

    bedtime: ClockSpec = ClockDistribution(mean="23:00", sd_h=0.75, max_shift_h=2.5)
    # between people, time in bed varies by ~0.9 h: CARDIA's 3-day means have SD 1.2 h (VAR-04), of which the
    # night-to-night SD of 1.31 h (VAR-01) contributes 1.31 / sqrt(3) = 0.76 h, leaving sqrt(1.2^2 - 0.76^2) = 0.93 h
    time_in_bed_h: Distribution = Normal(dist="normal", mean=8.0, sd=0.9, low=5.0, high=11.0)
    meals: tuple[ClockTime, ...] = ("08:00", "13:00", "19:00")
    evening_from: ClockTime = "21:00"
    follow_bedtime: bool = True

    @field_validator("meals")
    @classmethod
    def _meals(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return check_meals(v)  # the same rule as scenario habits, found at load rather than per subject

    @model_validator(mode="after")
    def _window(self) -> ScheduleSpec:
        problems = [(("time_in_bed_h", *loc), msg, v) for loc, msg, v in range_problems(self.time_in_bed_h, 1.0,
                                                                                        16.0, "h")]
        if problems:
            raise rules_error(problems)
        return self


class ParameterSpec(_Strict):
    """Between-person parameter variability: value = default x exp(sigma z), sigma^2 = ln(1 + cv^2) (median at
    the default), clipped to the parameter's plausible [low, high]. ``vary``: ``default`` (the curated set in
    :data:`DEFAULT_PARAMETER_CV`), ``none``, or a list of names; ``cv`` sets or overrides CVs by name (a name in
    ``cv`` also varies); ``default_cv`` is used for listed names without a CV. ``prevalence`` draws a parameter
    present (its default) with the given probability and absent (its lowest plausible value) otherwise; with
    ``vary: default`` every resident taxon's ``<taxon>_carried`` is drawn so (:data:`DEFAULT_PARAMETER_PREVALENCE`),
    and ``prevalence`` sets or overrides the share by name (1 keeps the parameter at its default)."""

    vary: str | tuple[str, ...] = "default"
    cv: dict[str, Ranged(0, 2, "")] = Field(default_factory=dict)  # type: ignore[valid-type]
    default_cv: Ranged(0, 2, "") = 0.15  # type: ignore[valid-type]
    prevalence: dict[str, Ranged(0, 1, "")] = Field(default_factory=dict)  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _names(self) -> ParameterSpec:
        problems: list[Problem] = []
        info = parameter_info()
        if isinstance(self.vary, str) and self.vary not in ("default", "none") and self.vary not in info:
            problems.append((("vary",), "expected default, none or a list of parameter names", self.vary))
        listed = [(("vary", i), n) for i, n in enumerate(self.vary if isinstance(self.vary, tuple) else ())]
        listed += [(("cv", n), n) for n in self.cv]
        listed += [(("prevalence", n), n) for n in self.prevalence]
        for loc, name in listed:
            if name in PERSON_PARAMETERS:
                problems.append((loc, "set from the person (age, sex, bmi, vagotomy), not varied as a parameter",
                                 name))
            elif name not in info:
                problems.append((loc, "unknown parameter (see `gutsleep params` for the names)", name))
        if problems:
            raise rules_error(problems)
        return self

    def resolved(self) -> dict[str, float]:
        """Name -> CV of every varying parameter, in a fixed order."""
        if self.vary == "default":
            out = dict(DEFAULT_PARAMETER_CV)
        elif self.vary == "none":
            out = {}
        elif isinstance(self.vary, str):
            out = {self.vary: DEFAULT_PARAMETER_CV.get(self.vary, self.default_cv)}
        else:
            out = {n: DEFAULT_PARAMETER_CV.get(n, self.default_cv) for n in self.vary}
        out.update(self.cv)
        return {k: float(v) for k, v in out.items() if v > 0}

    def resolved_prevalence(self) -> dict[str, float]:
        """Name -> probability of being present, for every parameter drawn present or absent, in a fixed order."""
        out = dict(DEFAULT_PARAMETER_PREVALENCE) if self.vary == "default" else {}
        out.update(self.prevalence)
        return {k: float(v) for k, v in out.items() if v < 1}


class Correlation(_Strict):
    """Correlation ``rho`` of the latent normals of two traits (Gaussian copula; rank correlations of the drawn
    values are close to, and no larger in size than, rho)."""

    between: tuple[str, str]
    rho: float = Field(gt=-1, lt=1)


class PopulationSpec(_Strict):
    """A virtual population (YAML contract; see ``examples/populations/``).

    ``habits`` maps numeric habit fields (``fiber_g``, ``light.day_lux``, ...) to distributions or fixed numbers;
    when omitted, typical US habits with realistic spread are used (``habits: {}`` keeps everybody on the
    scenario defaults). Values are clipped to each field's allowed range.
    """

    name: Name = Field("population", min_length=1, max_length=200)
    description: Text | None = None
    size: Whole(1, MAX_SIZE, "subjects") = 100  # type: ignore[valid-type]
    seed: Whole(0, 2**63 - 1, "") = 0  # type: ignore[valid-type]
    person: PersonSpec = Field(default_factory=PersonSpec)
    habits: dict[str, Distribution] = Field(default_factory=_default_habits)
    schedule: ScheduleSpec = Field(default_factory=ScheduleSpec)
    parameters: ParameterSpec = Field(default_factory=ParameterSpec)
    correlations: tuple[Correlation, ...] = ()
    variability: Annotated[Variability | None, BeforeValidator(parse_variability)] = None
    """Day-to-day variability of every subject (``none``, ``typical`` or a block, as in a scenario). Each subject
    draws its own days: its scenario seed comes from the population seed and its index (see :func:`subject_seed`)."""

    @field_validator("habits")
    @classmethod
    def _habits(cls, habits: dict[str, Any]) -> dict[str, Any]:
        problems: list[Problem] = []
        allowed = numeric_habits()
        for name, dist in habits.items():
            if name not in allowed:
                problems.append(((name,), f"unknown or non-numeric habit; allowed: {', '.join(allowed)}", name))
                continue
            lo, hi, unit = allowed[name]
            problems += [((name, *loc), msg, v) for loc, msg, v in range_problems(dist, lo, hi, unit)]
        if problems:
            raise rules_error(problems)
        return habits

    @model_validator(mode="after")
    def _cross_checks(self) -> PopulationSpec:
        problems = self.problems()
        if problems:
            raise rules_error(problems)
        return self

    def variables(self) -> list[str]:
        """Names of the traits in the order of their latent normals."""
        return [
            "age", "sex", "bmi", "vagotomy", *self.habits, "bedtime", "time_in_bed_h",
            *self.parameters.resolved(), *self.parameters.resolved_prevalence(),
        ]

    def problems(self) -> list[Problem]:
        """Rules spanning fields: correlation names and a valid correlation matrix."""
        return self._correlation_problems()

    def _correlation_problems(self) -> list[Problem]:
        out: list[Problem] = []
        known = self.variables()
        for i, c in enumerate(self.correlations):
            for j, name in enumerate(c.between):
                if name not in known:
                    out.append((("correlations", i, "between", j),
                                f"not a trait of this population; allowed: {', '.join(known)}", name))
            if c.between[0] == c.between[1]:
                out.append((("correlations", i, "between"), "a correlation needs two different traits",
                            list(c.between)))
        if not out and self.correlations:
            try:
                _cholesky(known, self.correlations)
            except np.linalg.LinAlgError:
                out.append((("correlations",), "the correlations are inconsistent (matrix not positive definite); "
                            "reduce them", len(self.correlations)))
        return out


def _cholesky(names: Sequence[str], correlations: Sequence[Correlation]) -> np.ndarray:
    """Lower Cholesky factor of the latent correlation matrix (identity where no correlation is given)."""
    index = {n: i for i, n in enumerate(names)}
    c = np.eye(len(names))
    for corr in correlations:
        a, b = index[corr.between[0]], index[corr.between[1]]
        c[a, b] = c[b, a] = corr.rho
    return np.linalg.cholesky(c)


def load_population(path: str | Path) -> PopulationSpec:
    """Read and validate a population YAML file (errors name the file, line, field and allowed range)."""
    return load_spec(path, PopulationSpec, kind="population spec")


def parse_population(text: str, source: str = "<string>") -> PopulationSpec:
    """Validate population YAML text."""
    return parse_spec(text, PopulationSpec, source=source, kind="population spec")


def population_from(value: PopulationSpec | Mapping[str, Any] | str | Path, *, folder: Path | None = None,
                    source: str = "population") -> PopulationSpec:
    """A population spec from a spec, a mapping (inline in another file) or a path (relative to ``folder``)."""
    if isinstance(value, PopulationSpec):
        return value
    if isinstance(value, Mapping):
        try:
            return PopulationSpec.model_validate(dict(value))
        except Exception as exc:
            raise SpecError(source, [str(exc)], "population spec") from None
    path = Path(value)
    if not path.is_absolute() and folder is not None:
        path = folder / path
    return load_population(path)


@dataclass(frozen=True)
class Subject:
    """One simulated person: the scenario to run, parameter overrides and covariates for the output tables."""

    index: int
    scenario: Scenario
    parameters: dict[str, float]
    covariates: dict[str, Any]


def habit_column(name: str) -> str:
    """Covariate column of a habit field (``light.day_lux`` -> ``light_day_lux``)."""
    return name.replace(".", "_")


class Population:
    """Draws subjects of a :class:`PopulationSpec`; picklable, so it can be shipped to dask workers.

    ``base`` is a parameter set (a calibrated point estimate) in place of the model's defaults: every subject gets
    it, and the drawn parameters are re-centred on it (:func:`recentre`)."""

    def __init__(self, spec: PopulationSpec, base: Mapping[str, float] | None = None) -> None:
        self.spec = spec
        self.base = {k: float(v) for k, v in (base or {}).items()}
        self.names = spec.variables()
        chol = _cholesky(self.names, spec.correlations)
        # Rows of the Cholesky factor as (column, weight) pairs: uncorrelated traits keep their own normal.
        self._rows: list[tuple[tuple[int, float], ...]] = [
            tuple((j, float(chol[i, j])) for j in range(i + 1) if chol[i, j] != 0.0) for i in range(len(self.names))
        ]
        self._cv = spec.parameters.resolved()
        self._presence = spec.parameters.resolved_prevalence()
        info = parameter_info()
        missing = [n for n in (*self._cv, *self._presence) if n not in info]
        if missing:
            raise ValueError(f"population {spec.name!r} varies parameters the model does not have: "
                             f"{', '.join(missing)} (see `gutsleep params`)")
        self._param_info = {n: info[n][:3] for n in (*self._cv, *self._presence)}

    @property
    def size(self) -> int:
        return int(self.spec.size)

    def parameter_record(self) -> dict[str, Any]:
        """The parameter set the population runs on, for a run's manifest (empty on the model's defaults)."""
        return {"parameters": self.base} if self.base else {}

    def latent(self, index: int) -> list[float]:
        """Correlated standard normals of subject ``index`` (its own random stream)."""
        z = np.random.default_rng([int(self.spec.seed), int(index)]).standard_normal(len(self.names)).tolist()
        return [z[i] if len(row) == 1 and row[0] == (i, 1.0) else math.fsum(w * z[j] for j, w in row)
                for i, row in enumerate(self._rows)]

    def draw(self, index: int) -> dict[str, Any]:
        """Trait values of subject ``index``: person, habits (by field name), schedule and parameters."""
        spec = self.spec
        x = dict(zip(self.names, self.latent(index), strict=True))
        u = {name: phi(value) for name, value in x.items()}
        age_lo, age_hi, _ = _person_range("age")
        bmi_lo, bmi_hi, _ = _person_range("bmi")
        out: dict[str, Any] = {
            "age": min(max(spec.person.age.ppf(u["age"]), age_lo), age_hi),
            "sex": "female" if u["sex"] < spec.person.female_fraction else "male",
            "bmi": min(max(spec.person.bmi.ppf(u["bmi"]), bmi_lo), bmi_hi),
            "vagotomy": bool(u["vagotomy"] < spec.person.vagotomy_fraction),
        }
        allowed = numeric_habits()
        for name, dist in spec.habits.items():
            lo, hi, _ = allowed[name]
            out[name] = min(max(dist.ppf(u[name]), lo), hi)
        shift = spec.schedule.bedtime.shift_h(u["bedtime"])
        in_bed = round(min(max(spec.schedule.time_in_bed_h.ppf(u["time_in_bed_h"]), 1.0), 16.0) * 4.0) / 4.0
        bed_h = spec.schedule.bedtime.mean_h + shift
        out["bedtime_shift_h"] = shift
        out["bedtime"] = clock_text(bed_h)
        out["wake_time"] = clock_text(bed_h + in_bed)
        out["time_in_bed_h"] = in_bed
        move = shift if spec.schedule.follow_bedtime else 0.0
        out["meals"] = tuple(clock_text(clock_hours(m) + move) for m in spec.schedule.meals)
        out["evening_from"] = clock_text(clock_hours(spec.schedule.evening_from) + move)
        params: dict[str, float] = {}
        for name, cv in self._cv.items():
            default, low, high = self._param_info[name]
            sigma = math.sqrt(math.log1p(cv * cv))
            params[name] = min(max(default * math.exp(sigma * x[name]), low), high)
        for name, share in self._presence.items():
            default, low, _ = self._param_info[name]
            params[name] = default if u[name] < share else low
        out["parameters"] = recentre(params, self.base) if self.base else params
        return out

    def habits_of(self, draw: Mapping[str, Any]) -> Habits:
        """The :class:`Habits` of a drawn subject."""
        base: dict[str, Any] = {"light": {"evening_from": draw["evening_from"]}, "sweeteners": {}}
        for name in self.spec.habits:
            if "." in name:
                group, field = name.split(".", 1)
                base[group][field] = draw[name]
            else:
                base[name] = draw[name]
        base.update(meals=draw["meals"], bedtime=draw["bedtime"], wake_time=draw["wake_time"])
        return Habits.model_validate(base)

    def subject(self, index: int, *, days: int, interventions: Sequence[Intervention] = (),
                extra: Mapping[str, Any] | None = None, draw: Mapping[str, Any] | None = None) -> Subject:
        """Subject ``index`` as a scenario of ``days`` days (optionally with interventions)."""
        d = self.draw(index) if draw is None else draw
        scenario = Scenario(
            name=f"{self.spec.name}-{index}",
            days=days,
            seed=index if self.spec.variability is None else subject_seed(self.spec.seed, index),
            variability=self.spec.variability,
            person=Person(age=d["age"], sex=d["sex"], bmi=d["bmi"], vagotomy=d["vagotomy"]),
            habits=self.habits_of(d),
            interventions=tuple(interventions),
        )
        return Subject(index, scenario, {**self.base, **d["parameters"]}, self.covariates(index, d, extra))

    def covariates(self, index: int, draw: Mapping[str, Any], extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Flat covariate row of a drawn subject (habits as columns, parameters as ``param_<name>``)."""
        row: dict[str, Any] = {"subject": index, **(extra or {})}
        row.update(age=draw["age"], sex=draw["sex"], bmi=draw["bmi"], vagotomy=draw["vagotomy"])
        for name in self.spec.habits:
            row[habit_column(name)] = draw[name]
        row.update(bedtime=draw["bedtime"], wake_time=draw["wake_time"], bedtime_shift_h=draw["bedtime_shift_h"],
                   time_in_bed_h=draw["time_in_bed_h"])
        for name, value in draw["parameters"].items():
            row[f"param_{name}"] = value
        return row

    def subjects(self, start: int, stop: int, *, days: int) -> list[Subject]:
        """Subjects ``start .. stop-1``."""
        return [self.subject(i, days=days) for i in range(start, stop)]


SUBJECT_SEED_STREAM = 0x5355_424A
"""Entropy word that separates subject seeds from the population's trait draws."""


def subject_seed(population_seed: int, index: int) -> int:
    """Scenario seed of subject ``index`` when the population varies from day to day: a 53-bit number from
    ``numpy.random.SeedSequence([population seed, SUBJECT_SEED_STREAM, index])`` (the same whatever chunk or worker
    builds the subject; different populations seeds give different days)."""
    sequence = np.random.SeedSequence([int(population_seed), SUBJECT_SEED_STREAM, int(index)])
    state = sequence.generate_state(1, np.uint64)
    return int(state[0]) & (2**53 - 1)  # exact as a float: scenario numbers are read through floats


def covariate_frame(subjects: Sequence[Subject]) -> pd.DataFrame:
    """Covariates of subjects as a table (one row each)."""
    return pd.DataFrame([s.covariates for s in subjects])


def recentre(drawn: Mapping[str, float], base: Mapping[str, float]) -> dict[str, float]:
    """A population member's parameters re-centred on a parameter set ``base``.

    Population draws are centred on the model's defaults (a log-normal factor around the default, a carriage that
    keeps or drops it); under another parameter set each drawn value keeps its factor on that set's value, clipped
    to the plausible range, so a calibrated or perturbed parameter moves the whole population with it."""
    info = parameter_info()
    out = dict(drawn)
    for name, value in drawn.items():
        if name in base and name in info:
            default, low, high = info[name][:3]
            if default:
                out[name] = min(max(value * base[name] / default, low), high)
    return out


def describe_population(spec: PopulationSpec) -> pd.DataFrame:
    """One row per random trait: its distribution in words (for reports)."""
    rows: list[dict[str, str]] = []

    def words(d: Any) -> str:
        if isinstance(d, Fixed):
            return fmt_number(d.value)
        return ", ".join(f"{k}={fmt_number(v) if isinstance(v, float) else v}" for k, v in d.model_dump().items()
                         if v is not None)

    rows.append({"trait": "age", "distribution": words(spec.person.age)})
    rows.append({"trait": "sex", "distribution": f"female fraction {fmt_number(spec.person.female_fraction)}"})
    rows.append({"trait": "bmi", "distribution": words(spec.person.bmi)})
    for name, d in spec.habits.items():
        rows.append({"trait": name, "distribution": words(d)})
    b = spec.schedule.bedtime
    rows.append({"trait": "bedtime", "distribution": f"{b.mean} +/- {fmt_number(b.sd_h)} h (max shift "
                 f"{fmt_number(b.max_shift_h)} h)"})
    rows.append({"trait": "time_in_bed_h", "distribution": words(spec.schedule.time_in_bed_h)})
    for name, cv in spec.parameters.resolved().items():
        rows.append({"trait": f"param {name}", "distribution": f"log-normal, median = default, CV {fmt_number(cv)}"})
    for name, share in spec.parameters.resolved_prevalence().items():
        rows.append({"trait": f"param {name}", "distribution": f"default with probability {fmt_number(share)}, "
                                                             "else its lowest value"})
    for c in spec.correlations:
        rows.append({"trait": f"corr {c.between[0]} ~ {c.between[1]}", "distribution": f"rho {fmt_number(c.rho)}"})
    if spec.variability is not None:
        v = spec.variability
        rows.append({"trait": "day-to-day variability", "distribution": ", ".join(
            f"{k}={fmt_number(x) if isinstance(x, float) else x}" for k, x in v.model_dump().items())})
    return pd.DataFrame(rows)


__all__ = [
    "DEFAULT_PARAMETER_CV",
    "DEFAULT_PARAMETER_PREVALENCE",
    "PERSON_PARAMETERS",
    "Correlation",
    "ParameterSpec",
    "PersonSpec",
    "Population",
    "PopulationSpec",
    "ScheduleSpec",
    "Subject",
    "covariate_frame",
    "describe_population",
    "habit_column",
    "load_population",
    "numeric_habits",
    "parameter_info",
    "parse_population",
    "population_from",
    "recentre",
    "subject_seed",
]
