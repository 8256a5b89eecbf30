"""What a calibration fits: free parameters with priors, and the calibration experiments as targets.

*Priors* come from each parameter's plausible range and source (:func:`prior_for`): a parameter whose source is a
citation with its number gets a normal prior centred on that number, truncated to the range (sd a quarter of the
range); an assumption or a former hand calibration gets a flat prior over the range, log-uniform when the range
spans a factor of 4 or more (a scale parameter), uniform otherwise.

*Targets* are the calibration experiments (``role: calibration``): the residual of one is its measured value
minus the centre of its band, divided by the band's half-width (the proposed tolerance taken as the target's
uncertainty, about one standard deviation); a direction-only band (one side at no effect, the other a wide cap)
gives zero inside and the distance outside over the inner edge. Every failed side condition of the experiment
(``Measured.checks``) adds one unit.

Declared problems (:data:`PROBLEMS`): ``default`` fits every parameter calibrated to a calibration experiment
(less the groups in :data:`KEPT_AT_DEFAULT`) to every calibration target; ``quick`` is a small subset
(3 parameters, 3 cheap targets) that runs in about a minute, as CI does.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from gutsleep.evidence.framework import Experiment, Measured
from gutsleep.model.spec import Parameter

PRIOR_KINDS: tuple[str, ...] = ("loguniform", "uniform", "truncnorm")


@dataclass(frozen=True)
class Prior:
    """A prior over ``[low, high]``: ``loguniform``, ``uniform`` or ``truncnorm`` (``mean``, ``sd``)."""

    kind: str
    low: float
    high: float
    mean: float = math.nan
    sd: float = math.nan

    def __post_init__(self) -> None:
        if self.kind not in PRIOR_KINDS:
            raise ValueError(f"prior kind must be one of {', '.join(PRIOR_KINDS)}, not {self.kind!r}")
        if not self.low < self.high:
            raise ValueError(f"prior needs low < high, got {self.low} and {self.high}")
        if self.kind == "loguniform" and self.low <= 0:
            raise ValueError("a log-uniform prior needs a positive lower bound")

    # The fit works in z-space: log(x) for a log-uniform prior, x otherwise (flat priors are flat there).
    def to_z(self, x: float) -> float:
        return math.log(x) if self.kind == "loguniform" else float(x)

    def from_z(self, z: float) -> float:
        return math.exp(z) if self.kind == "loguniform" else float(z)

    @property
    def z_bounds(self) -> tuple[float, float]:
        return self.to_z(self.low), self.to_z(self.high)

    def log_density_z(self, z: float) -> float:
        """Log prior density in z-space, up to a constant (-inf outside the range)."""
        lo, hi = self.z_bounds
        if not lo <= z <= hi:
            return -math.inf
        if self.kind == "truncnorm":
            return -0.5 * ((z - self.mean) / self.sd) ** 2
        return 0.0

    def prior_residual(self, z: float) -> float | None:
        """The prior's term as a least-squares residual (None for a flat prior)."""
        return (z - self.mean) / self.sd if self.kind == "truncnorm" else None

    def _frozen(self):  # scipy distribution in x-space
        from scipy import stats

        if self.kind == "loguniform":
            return stats.loguniform(self.low, self.high)
        if self.kind == "uniform":
            return stats.uniform(self.low, self.high - self.low)
        a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
        return stats.truncnorm(a, b, loc=self.mean, scale=self.sd)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Quantile function in x-space (probabilities clipped just inside (0, 1), so values stay in range)."""
        return np.asarray(self._frozen().ppf(np.clip(u, 1e-9, 1.0 - 1e-9)), dtype=float)

    def quantiles(self, qs: Sequence[float]) -> list[float]:
        return [float(v) for v in self._frozen().ppf(list(qs))]

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.asarray(self._frozen().rvs(size=n, random_state=rng), dtype=float)

    def describe(self) -> str:
        if self.kind == "truncnorm":
            return f"normal({self.mean:.4g}, {self.sd:.3g}) in [{self.low:g}, {self.high:g}]"
        return f"{'log-uniform' if self.kind == 'loguniform' else 'uniform'}[{self.low:g}, {self.high:g}]"

    def as_dict(self) -> dict[str, float | str]:
        out: dict[str, float | str] = {"kind": self.kind, "low": self.low, "high": self.high}
        if self.kind == "truncnorm":
            out.update(mean=self.mean, sd=self.sd)
        return out


def cites_a_number(source: str) -> bool:
    """A literature source with its number (not an assumption, not a former hand calibration)."""
    src = source.strip().lower()
    return not src.startswith(("assumption", "calibrated")) and any(ch.isdigit() for ch in src)


def prior_for(p: Parameter) -> Prior:
    """The prior of a parameter from its plausible range and its source (see module docstring)."""
    if cites_a_number(p.source) and p.low < p.default < p.high:
        return Prior("truncnorm", p.low, p.high, mean=p.default, sd=(p.high - p.low) / 4)
    if p.low > 0 and p.high / p.low >= 4:
        return Prior("loguniform", p.low, p.high)
    return Prior("uniform", p.low, p.high)


@dataclass(frozen=True)
class FreeParameter:
    name: str
    prior: Prior
    default: float
    unit: str


@dataclass(frozen=True)
class Target:
    """One calibration experiment as a target (see module docstring)."""

    experiment_id: str
    low: float
    high: float
    unit: str
    one_sided: bool = False
    neutral: float = 0.0

    @classmethod
    def of(cls, e: Experiment) -> Target:
        from gutsleep.evidence.roles import _one_sided

        neutral = 1.0 if e.unit in ("fold", "ratio") else 0.0
        return cls(e.id, e.low, e.high, e.unit, _one_sided(e.low, e.high, e.unit), neutral)

    @property
    def centre(self) -> float:
        return (self.low + self.high) / 2

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2

    def residual(self, value: float) -> float:
        if not math.isfinite(value):
            return 10.0
        if not self.one_sided:
            return (value - self.centre) / self.half_width
        if self.low <= value <= self.high:
            return 0.0
        inner = self.low if self.low >= self.neutral else self.high
        scale = abs(inner - self.neutral) or 1.0
        edge = self.low if value < self.low else self.high
        return (value - edge) / scale

    def residuals(self, measured: Measured | None) -> tuple[float, float]:
        """(band residual, number of failed side conditions); a failed measurement counts as far off."""
        if measured is None:
            return 10.0, 1.0
        return self.residual(measured.value), float(sum(not ok for ok in measured.checks.values()))


KEPT_AT_DEFAULT: Mapping[str, str] = {
    "_antibiotic_": "kill rates share one source (ABX01-NADIR) across guilds: 18 rates for one target are not "
                    "identifiable one by one",
    "_sweetener_effect": "guild sweetener effects share one source (NNS-COMPOSITION): six effects for one "
                         "direction-only target",
    "alcohol_tight_junction_damage": "at its physical bound (0, no acute small-intestinal effect)",
}
"""Parameters calibrated to an experiment that the default problem keeps at their defaults (name fragment ->
why)."""


@dataclass(frozen=True)
class CalibrationProblem:
    name: str
    free: tuple[FreeParameter, ...]
    targets: tuple[Target, ...]
    burn_in_days: int = 42
    description: str = ""
    settings: Mapping[str, int | str] = field(default_factory=dict)  # iterations, walkers, steps, burn, posterior

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.free)

    @property
    def n_residuals(self) -> int:
        return 2 * len(self.targets)

    def z_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = zip(*(f.prior.z_bounds for f in self.free), strict=True)
        return np.array(lo), np.array(hi)

    def z_of(self, values: Mapping[str, float]) -> np.ndarray:
        return np.array([f.prior.to_z(values[f.name]) for f in self.free])

    def values_of(self, z: Sequence[float]) -> dict[str, float]:
        return {f.name: f.prior.from_z(float(v)) for f, v in zip(self.free, z, strict=True)}

    def z_default(self) -> np.ndarray:
        return self.z_of({f.name: f.default for f in self.free})

    def log_prior(self, z: Sequence[float]) -> float:
        return float(sum(f.prior.log_density_z(float(v)) for f, v in zip(self.free, z, strict=True)))

    def prior_residuals(self, z: Sequence[float]) -> np.ndarray:
        terms = [f.prior.prior_residual(float(v)) for f, v in zip(self.free, z, strict=True)]
        return np.array([t for t in terms if t is not None], dtype=float)

    def fingerprint(self, model_hash: str) -> str:
        """Identifies the problem (free parameters and priors, targets, burn-in) on one model version."""
        doc = {"free": [[f.name, f.prior.as_dict()] for f in self.free],
               "targets": [[t.experiment_id, t.low, t.high] for t in self.targets],
               "burn_in_days": self.burn_in_days, "model": model_hash}
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:16]


def _free(names: Sequence[str]) -> tuple[FreeParameter, ...]:
    from gutsleep.model import build_model

    by_name = {p.name: p for p in build_model().parameters}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise KeyError(f"unknown parameter(s) {', '.join(unknown)}")
    return tuple(FreeParameter(n, prior_for(by_name[n]), by_name[n].default, by_name[n].unit) for n in names)


def _targets(ids: Sequence[str]) -> tuple[Target, ...]:
    from gutsleep.evidence.experiments import experiment

    out = []
    for eid in ids:
        e = experiment(eid)
        if e.role != "calibration":
            raise ValueError(f"{eid} is a {e.role or 'role-less'} experiment; only calibration experiments are targets")
        out.append(Target.of(e))
    return tuple(out)


def default_free_names() -> tuple[str, ...]:
    """Every parameter calibrated to a calibration experiment, less :data:`KEPT_AT_DEFAULT`."""
    from gutsleep.evidence.roles import calibration_parameters

    return tuple(n for n in calibration_parameters() if not any(k in n for k in KEPT_AT_DEFAULT))


def default_target_ids() -> tuple[str, ...]:
    """Every calibration experiment whose band has a width (an exact default is not a fit target)."""
    from gutsleep.evidence.experiments import EXPERIMENTS

    return tuple(e.id for e in EXPERIMENTS if e.role == "calibration" and e.high > e.low)


QUICK_PARAMETERS = ("sleep_onset_rate", "acetate_hepatic_escape_fraction", "blood_acetate_elimination_rate")
QUICK_TARGETS = ("REF06-SOL", "SCFA01-BASE", "SCFA01-ORAL")


@cache
def problem(name: str) -> CalibrationProblem:
    """A declared problem by name: ``default`` or ``quick``."""
    if name == "quick":
        return CalibrationProblem("quick", _free(QUICK_PARAMETERS), _targets(QUICK_TARGETS), burn_in_days=21,
                                  description="3 parameters, 3 cheap targets, 21 burn-in days (CI)",
                                  settings={"iterations": 12, "walkers": 8, "steps": 6, "burn": 2})
    if name == "default":
        free = _free(default_free_names())
        return CalibrationProblem("default", free, _targets(default_target_ids()), burn_in_days=42,
                                  description="every calibrated parameter (less shared-source groups) to every "
                                              "calibration target",
                                  settings={"iterations": 15, "walkers": 2 * len(free) + 2, "steps": 20,
                                            "burn": 8, "posterior": "laplace"})
    raise KeyError(f"unknown calibration problem {name!r}; known: {', '.join(PROBLEMS)}")


PROBLEMS: tuple[str, ...] = ("default", "quick")
