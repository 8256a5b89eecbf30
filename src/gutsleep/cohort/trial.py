"""In-silico randomised trials: a YAML design, its virtual participants and the analysis.

Design (see ``examples/trials/``): a population, ``n_per_arm`` participants per arm, seeded randomisation, a
run-in (habitual habits; its last ``baseline_days`` are the baseline), then ``duration_days`` on the arm's
interventions. An arm's intervention is a scenario-style ``set`` (absolute habit values), an ``add`` (amounts added
to each participant's own habitual value, e.g. ``fiber_g: 20`` = +20 g/day) or an ``antibiotics`` course, on days
counted from randomisation (day 0 = first day after the run-in). Outcomes are any nightly or daily column averaged
over the last ``window_days`` of the trial.

Analysis, for every arm against the reference arm and every outcome: means per arm, Welch mean difference with
95 % CI and p, ANCOVA on the run-in baseline (statsmodels OLS), Cohen's d and Hedges' g, responder fractions
(change from baseline past a threshold) and, for the primary outcome, power against sample size by resampling the
virtual participants (Welch and ANCOVA) and analytically (noncentral t) from Hedges' g (unadjusted t-test) and from
the ANCOVA difference over its residual SD (adjusted). The unadjusted curves carry any chance baseline imbalance of
the simulated arms as if it were an effect; the ANCOVA curves adjust for it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from gutsleep.cohort import stats
from gutsleep.cohort.distributions import clock_text
from gutsleep.cohort.outcomes import add_noise, outcome_kind, window_means
from gutsleep.cohort.population import Population, PopulationSpec, Subject, load_population, numeric_habits
from gutsleep.cohort.specio import Problem, SpecError, load_spec, parse_spec, rules_error
from gutsleep.scenario import HabitsPatch, Intervention
from gutsleep.scenario.fields import Name, Ranged, Text, Whole, fmt_number, range_text
from gutsleep.scenario.models import MAX_DAYS, AntibioticClass, sleep_window_problem

ALPHA = 0.05


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _population_field(v: Any, info: ValidationInfo) -> Any:
    """``population:`` is an inline mapping or a path to a population file (relative to this file)."""
    if isinstance(v, str):
        folder = (info.context or {}).get("folder")
        path = Path(v) if Path(v).is_absolute() or folder is None else Path(folder) / v
        try:
            return load_population(path)
        except SpecError as exc:
            raise PydanticCustomError("population_file", "{detail}", {"detail": " | ".join(exc.problems)}) from None
    return v


PopulationField = Annotated[PopulationSpec, BeforeValidator(_population_field)]


class NoiseSpec(_Strict):
    """Observation noise added to every night's/day's value before averaging (normal, sd in the column's unit):
    night-to-night and measurement variability that the deterministic model lacks. Seeded per subject."""

    sd: dict[str, Ranged(0, 1e6, "")] = Field(default_factory=dict)  # type: ignore[valid-type]
    seed: Whole(0, 2**63 - 1, "") = 0  # type: ignore[valid-type]

    def problems(self) -> list[Problem]:
        out: list[Problem] = []
        for col in self.sd:
            try:
                outcome_kind(col)
            except ValueError as exc:
                out.append((("observation_noise", "sd", col), str(exc), col))
        return out


class ArmChange(_Strict):
    """One change of an arm, on days ``start_day..end_day`` after randomisation (inclusive; no end = to the end).

    ``set``: absolute habit values (as in scenario files); ``add``: amounts added to each participant's own value
    of numeric habits (clipped to the allowed range); ``antibiotics``: a course (needs ``end_day``).
    """

    start_day: Whole(0, MAX_DAYS - 1, "") = 0  # type: ignore[valid-type]
    end_day: Whole(0, MAX_DAYS - 1, "") | None = None  # type: ignore[valid-type]
    set: HabitsPatch | None = None
    add: dict[str, float] | None = None
    antibiotics: AntibioticClass | None = None

    @model_validator(mode="after")
    def _kind(self) -> ArmChange:
        problems: list[Problem] = []
        if self.end_day is not None and self.end_day < self.start_day:
            problems.append((("end_day",), f"end_day must be >= start_day ({self.start_day}); it is inclusive",
                             self.end_day))
        if self.antibiotics is not None and (self.set is not None or self.add is not None):
            problems.append((("antibiotics",), "give antibiotics alone, not with set/add", self.antibiotics))
        if self.antibiotics is None and self.set is None and not self.add:
            problems.append(((), "a change needs set, add or antibiotics", None))
        if self.antibiotics is not None and self.end_day is None:
            problems.append((("end_day",), "an antibiotics course needs end_day", None))
        allowed = numeric_habits()
        for name, amount in (self.add or {}).items():
            if name not in allowed:
                problems.append((("add", name), f"not a numeric habit; allowed: {', '.join(allowed)}", name))
                continue
            lo, hi, unit = allowed[name]
            if not abs(amount) <= hi - lo:
                problems.append((("add", name), "out of range (an amount added to each participant's value; "
                                 f"{range_text(lo - hi, hi - lo, unit)})", amount))
        if self.set is not None and self.add:
            both = set(self.add) & {k for k in self.set.model_fields_set}
            for name in sorted(both):
                problems.append((("add", name), "given in both set and add", name))
        if problems:
            raise rules_error(problems)
        return self


class Arm(_Strict):
    """A trial arm: a name and its changes (none = placebo / usual habits)."""

    name: str = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_.+-]+$")
    description: Text | None = None
    interventions: tuple[ArmChange, ...] = ()


class ResponderRule(_Strict):
    """A participant responds if their change from baseline is >= ``change_at_least`` (or <= ``change_at_most``),
    in the outcome's unit."""

    change_at_least: float | None = None
    change_at_most: float | None = None

    @model_validator(mode="after")
    def _one(self) -> ResponderRule:
        if (self.change_at_least is None) == (self.change_at_most is None):
            raise PydanticCustomError("responder", "give exactly one of change_at_least or change_at_most", {})
        return self

    def hits(self, change: np.ndarray) -> np.ndarray:
        if self.change_at_least is not None:
            return change >= self.change_at_least
        return change <= float(self.change_at_most)  # type: ignore[arg-type]

    def text(self) -> str:
        if self.change_at_least is not None:
            return f"change >= {fmt_number(self.change_at_least)}"
        return f"change <= {fmt_number(float(self.change_at_most))}"  # type: ignore[arg-type]


class OutcomeSpec(_Strict):
    """An outcome: a nightly or daily column averaged over the last ``window_days`` days of the trial."""

    column: str
    window_days: Whole(1, MAX_DAYS, "days") = 14  # type: ignore[valid-type]
    responder: ResponderRule | None = None

    @model_validator(mode="after")
    def _column(self) -> OutcomeSpec:
        try:
            outcome_kind(self.column)
        except ValueError as exc:
            raise rules_error([(("column",), str(exc), self.column)]) from None
        return self


class Randomisation(_Strict):
    """``permuted``: the arm labels (exactly ``n_per_arm`` each) in a seeded random order; ``block``: permuted
    blocks of ``block_size`` (a multiple of the number of arms)."""

    method: Literal["permuted", "block"] = "permuted"
    seed: Whole(0, 2**63 - 1, "") = 0  # type: ignore[valid-type]
    block_size: Whole(1, 1000, "") | None = None  # type: ignore[valid-type]


class PowerSpec(_Strict):
    """Sample sizes (per arm) of the power curve, resamples per size, significance level and seed."""

    sizes: tuple[Whole(2, 1_000_000, ""), ...] = (10, 20, 30, 40, 60, 80, 120, 160, 240)  # type: ignore[valid-type]
    resamples: Whole(20, 1_000_000, "") = 1000  # type: ignore[valid-type]
    alpha: Ranged(1e-6, 0.5, "") = ALPHA  # type: ignore[valid-type]
    seed: Whole(0, 2**63 - 1, "") = 0  # type: ignore[valid-type]


class TrialSpec(_Strict):
    """A parallel-group in-silico trial (YAML contract; see ``examples/trials/``)."""

    name: Name = Field("trial", min_length=1, max_length=200)
    description: Text | None = None
    population: PopulationField = Field(default_factory=PopulationSpec)
    n_per_arm: Whole(2, 1_000_000, "participants") = 50  # type: ignore[valid-type]
    randomisation: Randomisation = Field(default_factory=Randomisation)
    burn_in_days: Whole(0, MAX_DAYS, "days") = 42  # type: ignore[valid-type]
    run_in_days: Whole(1, MAX_DAYS, "days") = 14  # type: ignore[valid-type]
    baseline_days: Whole(1, MAX_DAYS, "days") = 7  # type: ignore[valid-type]
    duration_days: Whole(1, MAX_DAYS, "days")  # type: ignore[valid-type]
    arms: tuple[Arm, ...] = Field(min_length=2, max_length=20)
    reference_arm: str | None = None
    primary: OutcomeSpec
    secondary: tuple[OutcomeSpec, ...] = ()
    observation_noise: NoiseSpec = Field(default_factory=NoiseSpec)
    power: PowerSpec = Field(default_factory=PowerSpec)

    @model_validator(mode="after")
    def _cross(self) -> TrialSpec:
        problems: list[Problem] = []
        if self.baseline_days > self.run_in_days:
            problems.append((("baseline_days",), f"must be <= run_in_days ({self.run_in_days})", self.baseline_days))
        if self.run_in_days + self.duration_days > MAX_DAYS:
            problems.append((("duration_days",), f"run_in_days + duration_days must be <= {MAX_DAYS}",
                             self.duration_days))
        names = [a.name for a in self.arms]
        for i, name in enumerate(names):
            if names.index(name) != i:
                problems.append((("arms", i, "name"), "arm names must be unique", name))
        if self.reference_arm is not None and self.reference_arm not in names:
            problems.append((("reference_arm",), f"not an arm; arms: {', '.join(names)}", self.reference_arm))
        last = self.duration_days - 1
        for i, arm in enumerate(self.arms):
            for j, ch in enumerate(arm.interventions):
                for key in ("start_day", "end_day"):
                    v = getattr(ch, key)
                    if v is not None and v > last:
                        problems.append((("arms", i, "interventions", j, key),
                                         f"must be within the trial (allowed range 0 to {last}, days after "
                                         "randomisation)", v))
        for loc, o in ((("primary",), self.primary), *((("secondary", i), o) for i, o in enumerate(self.secondary))):
            if o.window_days > self.duration_days:
                problems.append(((*loc, "window_days"), f"must be <= duration_days ({self.duration_days})",
                                 o.window_days))
        rnd = self.randomisation
        if rnd.method == "block":
            size = rnd.block_size or 2 * len(self.arms)
            if size % len(self.arms):
                problems.append((("randomisation", "block_size"), f"must be a multiple of the number of arms "
                                 f"({len(self.arms)})", size))
        problems += self.observation_noise.problems()
        problems += self._sleep_window_problems()
        if problems:
            raise rules_error(problems)
        return self

    def _sleep_window_problems(self) -> list[Problem]:
        """Arm changes of bedtime or wake time that give some participant an impossible sleep opportunity
        (outside 1-16 h) with the bedtimes and times in bed the population can draw; found here, with the file
        line, rather than when that participant's scenario is built during the run."""
        sched = self.population.schedule
        shift = sched.bedtime.max_shift_h if sched.bedtime.sd_h > 0 else 0.0
        beds = [sched.bedtime.mean_h + q / 4.0 for q in range(-int(shift * 4), int(shift * 4) + 1)]
        lo, hi = sched.time_in_bed_h.support()
        lo, hi = max(lo, 1.0), min(hi, 16.0)
        in_bed = sorted({round(min(max(x, lo), hi) * 4.0) / 4.0 for x in (lo, hi, *(lo + k / 4.0 for k in
                                                                                   range(int((hi - lo) * 4) + 1)))})
        out: list[Problem] = []
        for i, arm in enumerate(self.arms):
            for j, ch in enumerate(arm.interventions):
                if ch.set is None or not {"bedtime", "wake_time"} & ch.set.model_fields_set:
                    continue
                bed, wake = ch.set.bedtime, ch.set.wake_time
                if bed is not None and wake is not None:
                    cases = [(bed, wake)]
                elif wake is not None:
                    cases = [(clock_text(b), wake) for b in beds]
                else:
                    cases = [(bed, clock_text(b + t)) for b in beds for t in in_bed]
                field = "wake_time" if wake is not None else "bedtime"
                for case in cases:
                    problem = sleep_window_problem(*case)
                    if problem is not None:
                        out.append((("arms", i, "interventions", j, "set", field),
                                    f"for a participant with bedtime {case[0]} and wake time {case[1]}: {problem}",
                                    getattr(ch.set, field)))
                        break
        return out

    @property
    def days(self) -> int:
        """Simulated days per participant (run-in + trial)."""
        return int(self.run_in_days + self.duration_days)

    @property
    def reference(self) -> str:
        return self.reference_arm or self.arms[0].name

    @property
    def outcomes(self) -> list[OutcomeSpec]:
        return [self.primary, *self.secondary]

    def with_size(self, n_per_arm: int | None = None, duration_days: int | None = None) -> TrialSpec:
        """Copy with a different size (and shorter duration, for quick runs: days and windows are capped)."""
        data = self.model_dump(exclude_unset=True)
        data["population"] = self.population
        if n_per_arm is not None:
            data["n_per_arm"] = n_per_arm
        if duration_days is not None:
            data["duration_days"] = duration_days
            last = duration_days - 1
            for arm in data["arms"]:
                for ch in arm.get("interventions", ()):
                    ch["start_day"] = min(ch.get("start_day", 0), last)
                    if ch.get("end_day") is not None:
                        ch["end_day"] = min(ch["end_day"], last)
            for o in [data["primary"], *data.get("secondary", ())]:
                o["window_days"] = min(o.get("window_days", 14), duration_days)
        return TrialSpec.model_validate(data)


def load_trial(path: str | Path) -> TrialSpec:
    """Read and validate a trial YAML file."""
    return load_spec(path, TrialSpec, kind="trial spec")


def parse_trial(text: str, source: str = "<string>", folder: Path | None = None) -> TrialSpec:
    """Validate trial YAML text (``folder`` resolves a relative population path)."""
    return parse_spec(text, TrialSpec, source=source, kind="trial spec", context={"folder": folder})


def allocation(spec: TrialSpec) -> np.ndarray:
    """Arm index of every participant (seeded; exactly ``n_per_arm`` each with ``permuted``)."""
    k = len(spec.arms)
    n = spec.n_per_arm * k
    rnd = spec.randomisation
    if rnd.method == "permuted":
        labels = np.repeat(np.arange(k), spec.n_per_arm)
        return np.random.default_rng([int(rnd.seed), 0]).permutation(labels)
    size = rnd.block_size or 2 * k
    out = np.empty(n, dtype=np.int64)
    for b, start in enumerate(range(0, n, size)):
        block = np.random.default_rng([int(rnd.seed), 1, b]).permutation(np.repeat(np.arange(k), size // k))
        out[start:start + size] = block[: min(size, n - start)]
    return out


def _interventions(spec: TrialSpec, arm: Arm, habits: Mapping[str, Any]) -> list[Intervention]:
    """An arm's changes as scenario interventions on absolute days, ``add`` resolved against ``habits``."""
    allowed = numeric_habits()
    out = []
    for ch in arm.interventions:
        start = spec.run_in_days + ch.start_day
        end = None if ch.end_day is None else spec.run_in_days + ch.end_day
        if ch.antibiotics is not None:
            out.append(Intervention(start_day=start, end_day=end, antibiotics=ch.antibiotics))
            continue
        patch: dict[str, Any] = {} if ch.set is None else ch.set.model_dump(exclude_unset=True)
        for name, amount in (ch.add or {}).items():
            lo, hi, _ = allowed[name]
            value = min(max(float(habits[name]) + amount, lo), hi)
            if "." in name:
                group, sub = name.split(".", 1)
                patch.setdefault(group, {})[sub] = value
            else:
                patch[name] = value
        out.append(Intervention(start_day=start, end_day=end, set=HabitsPatch.model_validate(patch)))
    return out


def _habit_values(draw: Mapping[str, Any], population: Population) -> dict[str, Any]:
    """Numeric habit values of a drawn participant (drawn or the scenario defaults)."""
    habits = population.habits_of(draw)
    out: dict[str, Any] = {}
    for name in numeric_habits():
        obj: Any = habits
        for part in name.split("."):
            obj = getattr(obj, part)
        out[name] = obj
    return out


@dataclass(frozen=True)
class TrialSource:
    """Participants of a trial (subject i = population draw i, in the arm the randomisation gave it)."""

    spec: TrialSpec
    population: Population
    arms: tuple[int, ...]

    @classmethod
    def of(cls, spec: TrialSpec, base: Mapping[str, float] | None = None) -> TrialSource:
        """The trial's participants; ``base`` a parameter set in place of the model's defaults."""
        pop_spec = spec.population.model_copy(update={"size": spec.n_per_arm * len(spec.arms)})
        return cls(spec, Population(pop_spec, base), tuple(int(a) for a in allocation(spec)))

    @property
    def n_subjects(self) -> int:
        return len(self.arms)

    @property
    def days(self) -> int:
        return self.spec.days

    def subjects(self, start: int, stop: int) -> list[Subject]:
        out = []
        for i in range(start, stop):
            arm = self.spec.arms[self.arms[i]]
            draw = self.population.draw(i)
            ivs = _interventions(self.spec, arm, _habit_values(draw, self.population))
            out.append(self.population.subject(i, days=self.days, interventions=ivs, extra={"arm": arm.name},
                                               draw=draw))
        return out

    def part(self, start: int, stop: int) -> TrialSource:
        return self

    def describe(self) -> dict[str, Any]:
        return {"kind": "trial", "trial": self.spec.model_dump(mode="json"),
                **self.population.parameter_record()}


@dataclass
class TrialAnalysis:
    """Per-participant windows, the results table, power curve and per-arm time courses."""

    spec: TrialSpec
    participants: pd.DataFrame
    results: pd.DataFrame
    power: pd.DataFrame
    course: dict[str, pd.DataFrame]
    within: pd.DataFrame = field(default_factory=pd.DataFrame)
    failed: int = 0
    notes: list[str] = field(default_factory=list)


def participant_windows(spec: TrialSpec, covariates: pd.DataFrame, nightly: pd.DataFrame,
                        daily: pd.DataFrame) -> pd.DataFrame:
    """One row per participant: arm, and baseline / final / change of every outcome (noise added if specified)."""
    noise = spec.observation_noise
    nightly = add_noise(nightly, noise.sd, noise.seed)
    daily = add_noise(daily, noise.sd, noise.seed)
    frame = covariates.set_index("subject")[["arm"]].copy()
    base_first, base_last = spec.run_in_days - spec.baseline_days, spec.run_in_days - 1
    for o in spec.outcomes:
        col = o.column
        base = window_means(nightly, daily, base_first, base_last, [col])
        final = window_means(nightly, daily, spec.days - o.window_days, spec.days - 1, [col])
        frame[f"baseline_{col}"] = base.get(col, np.nan)
        frame[f"final_{col}"] = final.get(col, np.nan)
        frame[f"change_{col}"] = frame[f"final_{col}"] - frame[f"baseline_{col}"]
    return frame.reset_index()


def _course(spec: TrialSpec, participants: pd.DataFrame, nightly: pd.DataFrame, daily: pd.DataFrame,
            column: str) -> pd.DataFrame:
    """Per arm and day (night): mean and 95 % t-interval of the model output (noise-free)."""
    kind = outcome_kind(column)
    table, key = (nightly, "night") if kind == "nightly" else (daily, "day")
    arms = participants.set_index("subject")["arm"]
    df = table[["subject", key, column]].copy()
    df["arm"] = df["subject"].map(arms)
    g = df.groupby(["arm", key])[column]
    out = g.agg(["mean", "std", "count"]).reset_index()
    q = _t975(out["count"].to_numpy())
    half = q * out["std"].to_numpy() / np.sqrt(out["count"].to_numpy())
    out["ci_low"], out["ci_high"] = out["mean"] - half, out["mean"] + half
    out["day"] = out[key] - spec.run_in_days  # days from randomisation
    return out


def _t975(counts: np.ndarray) -> np.ndarray:
    """97.5 % t quantile for means of ``counts`` values (NaN below 2)."""
    from scipy import stats as sst

    c = np.asarray(counts, dtype=np.float64)
    return np.where(c > 1, sst.t.ppf(0.975, np.maximum(c - 1, 1)), np.nan)


def analyse_trial(spec: TrialSpec, covariates: pd.DataFrame, nightly: pd.DataFrame,
                  daily: pd.DataFrame, *, power: bool = True) -> TrialAnalysis:
    """All comparisons of every arm with the reference arm, power curve of the primary outcome (skipped without
    ``power``), time courses."""
    ok = covariates[~covariates.get("failed", pd.Series(False, index=covariates.index)).astype(bool)]
    failed = len(covariates) - len(ok)
    participants = participant_windows(spec, ok, nightly, daily)
    ref = spec.reference
    rows = []
    for arm in spec.arms:
        if arm.name == ref:
            continue
        t = participants[participants["arm"] == arm.name]
        r = participants[participants["arm"] == ref]
        for rank, o in enumerate(spec.outcomes):
            col = o.column
            w = stats.welch(t[f"final_{col}"], r[f"final_{col}"], ALPHA)
            both = pd.concat([t, r])
            an = stats.ancova(both[f"final_{col}"], (both["arm"] == arm.name).astype(float),
                              both[f"baseline_{col}"], ALPHA)
            g, g_lo, g_hi = stats.hedges_g(t[f"final_{col}"], r[f"final_{col}"], ALPHA)
            row: dict[str, Any] = {
                "comparison": f"{arm.name} vs {ref}", "arm": arm.name, "reference": ref,
                "outcome": col, "role": "primary" if rank == 0 else "secondary", "window_days": o.window_days,
                "n_arm": w.n_x, "n_ref": w.n_y, "mean_arm": w.mean_x, "mean_ref": w.mean_y,
                "sd_arm": w.sd_x, "sd_ref": w.sd_y,
                "baseline_arm": float(t[f"baseline_{col}"].mean()), "baseline_ref": float(r[f"baseline_{col}"].mean()),
                "change_arm": float(t[f"change_{col}"].mean()), "change_ref": float(r[f"change_{col}"].mean()),
                "diff": w.diff, "diff_ci_low": w.ci_low, "diff_ci_high": w.ci_high, "p_welch": w.p,
                "ancova_diff": an.estimate, "ancova_ci_low": an.ci_low, "ancova_ci_high": an.ci_high,
                "p_ancova": an.p, "ancova_resid_sd": an.resid_sd,
                "cohens_d": stats.cohens_d(t[f"final_{col}"], r[f"final_{col}"]),
                "hedges_g": g, "g_ci_low": g_lo, "g_ci_high": g_hi,
            }
            pooled = _pooled_sd(w)
            row.update(ancova_d=an.estimate / pooled, ancova_d_ci_low=an.ci_low / pooled,
                       ancova_d_ci_high=an.ci_high / pooled)
            if o.responder is not None:
                rs = stats.responders(o.responder.hits(t[f"change_{col}"].to_numpy()),
                                      o.responder.hits(r[f"change_{col}"].to_numpy()))
                row.update(responder_rule=o.responder.text(), responders_arm=rs.fraction_x,
                           responders_ref=rs.fraction_y, responders_diff=rs.difference, p_responders=rs.p)
            rows.append(row)
    results = pd.DataFrame(rows)
    power_curve = _power(spec, participants, results) if power else pd.DataFrame()
    course = {o.column: _course(spec, participants, nightly, daily, o.column) for o in spec.outcomes}
    notes = []
    if failed:
        notes.append(f"{failed} participant(s) excluded: their integration failed (see covariates.failed).")
    return TrialAnalysis(spec, participants, results, power_curve, course, within_arm_changes(spec, participants),
                         failed, notes)


def within_arm_changes(spec: TrialSpec, participants: pd.DataFrame) -> pd.DataFrame:
    """Per arm and outcome: mean change from baseline with its 95 % CI and the paired (one-sample) t-test p."""
    from scipy import stats as sst

    rows = []
    for arm in spec.arms:
        p = participants[participants["arm"] == arm.name]
        for o in spec.outcomes:
            change = p[f"change_{o.column}"].dropna().to_numpy()
            n = len(change)
            mean = float(change.mean()) if n else math.nan
            se = float(change.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
            q = float(sst.t.ppf(0.975, n - 1)) if n > 1 else math.nan
            pval = float(sst.ttest_1samp(change, 0.0).pvalue) if n > 1 and se > 0 else math.nan
            rows.append({"arm": arm.name, "outcome": o.column, "n": n,
                         "baseline": float(p[f"baseline_{o.column}"].mean()),
                         "final": float(p[f"final_{o.column}"].mean()), "change": mean, "ci_low": mean - q * se,
                         "ci_high": mean + q * se, "p_paired": pval})
    return pd.DataFrame(rows)


def _pooled_sd(w: stats.Welch) -> float:
    """Pooled SD of the final values of two arms (NaN if undefined)."""
    if w.n_x < 2 or w.n_y < 2:
        return math.nan
    var = ((w.n_x - 1) * w.sd_x**2 + (w.n_y - 1) * w.sd_y**2) / (w.n_x + w.n_y - 2)
    return math.sqrt(var) if var > 0 else math.nan


def _power(spec: TrialSpec, participants: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
    """Power curves of the primary outcome for every comparison (resampled Welch/ANCOVA and analytic)."""
    col = spec.primary.column
    ps = spec.power
    frames = []
    ref = participants[participants["arm"] == spec.reference]
    for arm in spec.arms:
        if arm.name == spec.reference:
            continue
        t = participants[participants["arm"] == arm.name]
        curve = stats.power_resampled(
            t[f"final_{col}"], ref[f"final_{col}"], list(ps.sizes), alpha=ps.alpha, resamples=ps.resamples,
            seed=ps.seed, baseline_x=t[f"baseline_{col}"], baseline_y=ref[f"baseline_{col}"],
        )
        row = results[(results["arm"] == arm.name) & (results["outcome"] == col)].iloc[0]
        sizes = curve["n_per_arm"].to_numpy()
        g, adj = float(row["hedges_g"]), float(row["ancova_diff"]) / float(row["ancova_resid_sd"])
        curve["power_analytic_t"] = stats.power_analytic(g, sizes, ps.alpha) if math.isfinite(g) else np.nan
        curve["power_analytic_ancova"] = stats.power_analytic(adj, sizes, ps.alpha, covariates=1) if math.isfinite(
            adj) else np.nan
        curve.insert(0, "comparison", f"{arm.name} vs {spec.reference}")
        curve.insert(1, "outcome", col)
        frames.append(curve)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def sample_size_for(power: pd.DataFrame, target: float = 0.8, column: str = "power_ancova") -> dict[str, float]:
    """Smallest simulated n per arm reaching ``target`` power, per comparison (NaN if none does)."""
    out: dict[str, float] = {}
    for comp, g in power.groupby("comparison"):
        hit = g[g[column] >= target]
        out[str(comp)] = float(hit["n_per_arm"].min()) if len(hit) else math.nan
    return out


def describe_arms(spec: TrialSpec) -> pd.DataFrame:
    """One row per arm change, in words (for reports)."""
    rows = []
    for arm in spec.arms:
        if not arm.interventions:
            rows.append({"arm": arm.name, "days": "-", "change": "none (usual habits)"})
        for ch in arm.interventions:
            days = f"{ch.start_day}-{'end' if ch.end_day is None else ch.end_day}"
            if ch.antibiotics:
                what = f"antibiotics: {ch.antibiotics}"
            else:
                parts = []
                if ch.set is not None:
                    parts += [f"{k} = {v}" for k, v in ch.set.model_dump(exclude_unset=True).items()]
                parts += [f"{k} {amount:+g}" for k, amount in (ch.add or {}).items()]
                what = ", ".join(parts)
            rows.append({"arm": arm.name, "days": days, "change": what})
    return pd.DataFrame(rows)


__all__ = [
    "Arm",
    "ArmChange",
    "NoiseSpec",
    "OutcomeSpec",
    "PowerSpec",
    "Randomisation",
    "ResponderRule",
    "TrialAnalysis",
    "TrialSource",
    "TrialSpec",
    "allocation",
    "analyse_trial",
    "describe_arms",
    "load_trial",
    "parse_trial",
    "participant_windows",
    "sample_size_for",
]
