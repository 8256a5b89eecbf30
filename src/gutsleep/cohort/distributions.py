"""Marginal distributions of population traits, drawn through a Gaussian copula.

Every random trait is a transform of one standard-normal latent value ``x``: ``u = Phi(x)`` and the value is the
distribution's quantile function at ``u``. Correlating the latent normals (a Gaussian copula) thus correlates any
mix of marginals. Quantiles are computed per value in plain Python floats (``math``/``statistics``), so a
subject's draws are bit-identical whichever batch or worker computes them.

YAML forms (a plain number is shorthand for ``fixed``)::

    15                                                      # fixed value
    {dist: normal, mean: 45, sd: 15, low: 18, high: 85}     # truncated at low/high if given
    {dist: lognormal, mean: 15, cv: 0.45, low: 3, high: 60} # or median instead of mean; truncated
    {dist: uniform, low: 0, high: 1}
    {dist: discrete, values: [0, 1, 2], weights: [0.6, 0.3, 0.1]}
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag, model_validator
from pydantic_core import PydanticCustomError

from gutsleep.scenario.fields import ClockTime, clock_hours, fmt_number, range_text

_STD = NormalDist()
_U_EPS = 1e-15
SQRT2 = math.sqrt(2.0)


def phi(x: float) -> float:
    """Standard normal CDF."""
    return 0.5 * math.erfc(-x / SQRT2)


def phi_inv(u: float) -> float:
    """Standard normal quantile (u clamped away from 0 and 1)."""
    return _STD.inv_cdf(min(max(u, _U_EPS), 1.0 - _U_EPS))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Fixed(_Strict):
    """A constant (every subject gets ``value``)."""

    TAG: ClassVar[str] = "fixed"
    dist: Literal["fixed"] = "fixed"
    value: float

    def ppf(self, u: float) -> float:
        return self.value

    def support(self) -> tuple[float, float]:
        return self.value, self.value

    def centre(self) -> float:
        return self.value


class Normal(_Strict):
    """Normal with ``mean`` and ``sd`` (same unit as the trait), truncated to [low, high] when given."""

    TAG: ClassVar[str] = "normal"
    dist: Literal["normal"]
    mean: float
    sd: float = Field(ge=0)
    low: float | None = None
    high: float | None = None

    @model_validator(mode="after")
    def _bounds(self) -> Normal:
        _check_low_high(self.low, self.high)
        return self

    def ppf(self, u: float) -> float:
        if self.sd == 0:
            return _clip(self.mean, self.low, self.high)
        a = 0.0 if self.low is None else phi((self.low - self.mean) / self.sd)
        b = 1.0 if self.high is None else phi((self.high - self.mean) / self.sd)
        if b - a < 1e-12:  # truncation window far in a tail: fall back to the nearer bound
            return _clip(self.mean, self.low, self.high)
        return _clip(self.mean + self.sd * phi_inv(a + u * (b - a)), self.low, self.high)

    def support(self) -> tuple[float, float]:
        return (-math.inf if self.low is None else self.low), (math.inf if self.high is None else self.high)

    def centre(self) -> float:
        return self.mean


class LogNormal(_Strict):
    """Log-normal given by ``mean`` or ``median`` (> 0) and coefficient of variation ``cv``, truncated to
    [low, high] when given. sigma^2 = ln(1 + cv^2); median = exp(mu); mean = exp(mu + sigma^2 / 2)."""

    TAG: ClassVar[str] = "lognormal"
    dist: Literal["lognormal"]
    mean: float | None = Field(default=None, gt=0)
    median: float | None = Field(default=None, gt=0)
    cv: float = Field(gt=0, le=10)
    low: float | None = Field(default=None, ge=0)
    high: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_centre(self) -> LogNormal:
        if (self.mean is None) == (self.median is None):
            raise PydanticCustomError("lognormal_centre", "give exactly one of mean or median (> 0)", {})
        _check_low_high(self.low, self.high)
        return self

    @property
    def sigma(self) -> float:
        return math.sqrt(math.log1p(self.cv * self.cv))

    @property
    def mu(self) -> float:
        if self.median is not None:
            return math.log(self.median)
        assert self.mean is not None
        return math.log(self.mean) - 0.5 * self.sigma**2

    def ppf(self, u: float) -> float:
        mu, sigma = self.mu, self.sigma
        a = 0.0 if not self.low else phi((math.log(self.low) - mu) / sigma)
        b = 1.0 if self.high is None else phi((math.log(self.high) - mu) / sigma)
        if b - a < 1e-12:
            return _clip(math.exp(mu), self.low, self.high)
        return _clip(math.exp(mu + sigma * phi_inv(a + u * (b - a))), self.low, self.high)

    def support(self) -> tuple[float, float]:
        return (0.0 if self.low is None else self.low), (math.inf if self.high is None else self.high)

    def centre(self) -> float:
        return self.mean if self.mean is not None else float(self.median or 0.0)


class Uniform(_Strict):
    """Uniform on [low, high]."""

    TAG: ClassVar[str] = "uniform"
    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        _check_low_high(self.low, self.high)
        return self

    def ppf(self, u: float) -> float:
        return self.low + u * (self.high - self.low)

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def centre(self) -> float:
        return 0.5 * (self.low + self.high)


class Discrete(_Strict):
    """One of ``values`` with probabilities proportional to ``weights`` (equal if omitted)."""

    TAG: ClassVar[str] = "discrete"
    dist: Literal["discrete"]
    values: tuple[float, ...] = Field(min_length=1, max_length=100)
    weights: tuple[float, ...] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Discrete:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise PydanticCustomError(
                    "weights", "weights must have one entry per value ({n} values)", {"n": len(self.values)}
                )
            if any(w < 0 or not math.isfinite(w) for w in self.weights) or sum(self.weights) <= 0:
                raise PydanticCustomError("weights", "weights must be >= 0 with a positive sum", {})
        return self

    def ppf(self, u: float) -> float:
        weights = self.weights or (1.0,) * len(self.values)
        total = sum(weights)
        acc = 0.0
        for value, w in zip(self.values, weights, strict=True):
            acc += w / total
            if u < acc:
                return value
        return self.values[-1]

    def support(self) -> tuple[float, float]:
        return min(self.values), max(self.values)

    def centre(self) -> float:
        weights = self.weights or (1.0,) * len(self.values)
        return sum(v * w for v, w in zip(self.values, weights, strict=True)) / sum(weights)


def _check_low_high(low: float | None, high: float | None) -> None:
    if low is not None and high is not None and not low < high:
        raise PydanticCustomError("low_high", "low must be below high (got low {lo}, high {hi})",
                                  {"lo": fmt_number(low), "hi": fmt_number(high)})


def _clip(x: float, low: float | None, high: float | None) -> float:
    if low is not None and x < low:
        return low
    if high is not None and x > high:
        return high
    return x


def _number_shorthand(v: Any) -> Any:
    """A plain number means a fixed value; strings with units are rejected."""
    if isinstance(v, bool):
        raise PydanticCustomError("number_type", "expected a number or a distribution mapping, not true/false", {})
    if isinstance(v, (int, float)):
        return {"dist": "fixed", "value": float(v)}
    if isinstance(v, str):
        raise PydanticCustomError(
            "number_type", "expected a plain number (no units) or a distribution mapping (dist: normal, mean: ..., "
            "sd: ...)", {}
        )
    return v


def _tag(v: Any) -> str | None:
    if isinstance(v, dict):
        return v.get("dist")
    return getattr(v, "dist", None)


Distribution = Annotated[
    Annotated[Fixed, Tag("fixed")]
    | Annotated[Normal, Tag("normal")]
    | Annotated[LogNormal, Tag("lognormal")]
    | Annotated[Uniform, Tag("uniform")]
    | Annotated[Discrete, Tag("discrete")],
    Discriminator(_tag),
    BeforeValidator(_number_shorthand),
]
"""Any marginal distribution (field type for specs)."""

AnyDistribution = Fixed | Normal | LogNormal | Uniform | Discrete


def range_problems(dist: AnyDistribution, lo: float, hi: float, unit: str) -> list[tuple[tuple[str, ...], str, Any]]:
    """Where a distribution's parameters leave the trait's allowed range [lo, hi] (unbounded tails are fine:
    values are clipped to the allowed range)."""
    out: list[tuple[tuple[str, ...], str, Any]] = []
    rng = range_text(lo, hi, unit)
    checks: list[tuple[str, float | None]] = []
    if isinstance(dist, Fixed):
        checks.append(("value", dist.value))
    elif isinstance(dist, Normal | LogNormal):
        checks += [("mean", dist.mean), ("low", dist.low), ("high", dist.high)]
        if isinstance(dist, LogNormal):
            checks.append(("median", dist.median))
    elif isinstance(dist, Uniform):
        checks += [("low", dist.low), ("high", dist.high)]
    else:
        for i, v in enumerate(dist.values):
            if not lo <= v <= hi:
                out.append((("values", i), f"out of range ({rng})", v))  # type: ignore[arg-type]
    for name, v in checks:
        if v is not None and not lo <= v <= hi:
            out.append(((name,), f"out of range ({rng})", v))
    return out


class ClockDistribution(_Strict):
    """A clock time around ``mean`` ("HH:MM") with a normal spread ``sd_h`` (h), truncated at +/- ``max_shift_h``;
    drawn times are rounded to the model's 15-minute grid."""

    mean: ClockTime
    sd_h: float = Field(ge=0, le=6)
    max_shift_h: float = Field(default=3.0, gt=0, le=12)

    def shift_h(self, u: float) -> float:
        """Shift from the mean (h) at quantile ``u``, rounded to a quarter hour."""
        if self.sd_h == 0:
            return 0.0
        d = Normal(dist="normal", mean=0.0, sd=self.sd_h, low=-self.max_shift_h, high=self.max_shift_h)
        return round(d.ppf(u) * 4.0) / 4.0

    @property
    def mean_h(self) -> float:
        return clock_hours(self.mean)


def _clock_shorthand(v: Any) -> Any:
    """A plain "HH:MM" string means that time for everybody."""
    if isinstance(v, str):
        return {"mean": v, "sd_h": 0.0}
    return v


ClockSpec = Annotated[ClockDistribution, BeforeValidator(_clock_shorthand)]
"""Field type of a clock-time trait: ``"23:00"`` or ``{mean: "23:00", sd_h: 0.75, max_shift_h: 2.5}``."""


def clock_text(hours: float) -> str:
    """Hours (any real) as a local "HH:MM" clock time, rounded to the minute."""
    minutes = round(hours * 60.0) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


__all__ = [
    "AnyDistribution",
    "ClockDistribution",
    "ClockSpec",
    "Discrete",
    "Distribution",
    "Fixed",
    "LogNormal",
    "Normal",
    "Uniform",
    "clock_text",
    "phi",
    "phi_inv",
    "range_problems",
]
