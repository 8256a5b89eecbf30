"""Experiments on day-to-day variability: night-to-night and between-person spread of sleep with ``variability:
typical``.

Each experiment says in :data:`ROLES` whether it set something (``calibration``: here the typical bed/wake-time SDs
and the weekend shift of :class:`gutsleep.scenario.models.Variability` and the default population's spread of time
in bed, no model parameter, hence a ``role_note``) or
tests the model on a finding nothing was fitted to (``validation``).
"""

from __future__ import annotations

import pandas as pd

from gutsleep.evidence.framework import Context, Experiment, Measured
from gutsleep.scenario.models import Scenario, Variability

PEOPLE = 12
NIGHTS = 28
"""Twelve people (seeds 0-11) with typical variability, 28 nights each (day 0 is a Monday)."""


def _people(ctx: Context, key: str, age: float | None = None):
    person = {} if age is None else {"age": age}
    scenarios = [Scenario.model_validate({"name": f"variable {i}", "days": NIGHTS, "seed": i, "person": person,
                                          "variability": "typical"}) for i in range(PEOPLE)]
    return ctx.run(key, scenarios)


def _within_sd(nightly: pd.DataFrame, column: str) -> tuple[float, str]:
    sd = nightly.groupby("subject")[column].std()
    return float(sd.mean()), f"per person {', '.join(f'{x:.1f}' for x in sd)}"


def _clock_h(text: pd.Series) -> pd.Series:
    """Clock ``HH:MM`` as hours after the preceding noon's midnight (times before 12:00 count as 24-36 h)."""
    parts = text.dropna().str.split(":", expand=True).astype(float)
    h = parts[0] + parts[1] / 60
    return h.where(h >= 12, h + 24)


def _cardia(column: str, label: str, unit: str):
    def measure(ctx: Context) -> Measured:
        out = _people(ctx, "variability_typical")
        value, per = _within_sd(out.nightly, column)
        means = out.nightly.groupby("subject")[column].mean()
        return Measured(value, details=f"mean night-to-night SD of {label} over {NIGHTS} nights, {PEOPLE} adults of 35 "
                                       f"with typical variability: {value:.1f} {unit} ({per}); mean {label} "
                                       f"{means.mean():.1f} {unit}")
    return measure


def m_weekend_wake(ctx: Context) -> Measured:
    out = _people(ctx, "variability_typical")
    n = out.nightly.copy()
    n["wake_h"] = _clock_h(n["wake"])
    weekday = n["night"] % 7  # night d ends on the morning of day d + 1; day 0 is a Monday
    free = weekday.isin([4, 5])  # Friday and Saturday nights end on Saturday and Sunday mornings
    diff = 60 * float(n.loc[free, "wake_h"].mean() - n.loc[~free, "wake_h"].mean())
    tst_diff = float(n.loc[free, "tst_min"].mean() - n.loc[~free, "tst_min"].mean())
    return Measured(diff, details=f"wake time after the nights before free days minus other nights: {diff:.1f} min; "
                                  f"TST {tst_diff:+.1f} min on those nights")


def m_mesa_tst(ctx: Context) -> Measured:
    out = _people(ctx, "variability_typical_older", age=68.5)
    value, per = _within_sd(out.nightly, "tst_min")
    return Measured(value, details=f"mean night-to-night SD of TST, {PEOPLE} adults of 68.5: {value:.1f} min ({per})")


def m_mesa_onset(ctx: Context) -> Measured:
    out = _people(ctx, "variability_typical_older", age=68.5)
    n = out.nightly.copy()
    n["onset_h"] = _clock_h(n["sleep_onset"])
    sd = 60 * n.groupby("subject")["onset_h"].std()
    return Measured(float(sd.mean()), details=f"mean night-to-night SD of the sleep-onset clock time, {PEOPLE} adults "
                                              f"of 68.5: {sd.mean():.1f} min (per person "
                                              f"{', '.join(f'{x:.0f}' for x in sd)})")


def _cohort(ctx: Context):
    """The default population (between-person spread of traits, habits, schedule and parameters), 40 people with
    typical variability; measures are 3-night means (nights 14-16), as CARDIA's 3-day records."""
    from gutsleep.cohort.population import Population, PopulationSpec

    pop = Population(PopulationSpec(name="variable cohort", size=40, seed=2006, variability=Variability.typical()))
    subjects = [pop.subject(i, days=NIGHTS) for i in range(pop.size)]
    return ctx.run_population("variability_cohort", subjects)


def _between(column: str, label: str, unit: str):
    def measure(ctx: Context) -> Measured:
        n = _cohort(ctx).nightly
        window = n[(n.night >= 14) & (n.night <= 16)]
        means = window.groupby("subject")[column].mean()
        within = float(n.groupby("subject")[column].std().mean())
        return Measured(float(means.std()), details=f"between-person SD of the 3-night mean {label}, 40 people of the "
                                                    f"default population with typical variability: {means.std():.1f} "
                                                    f"{unit} (mean {means.mean():.1f}; within-person night-to-night "
                                                    f"SD {within:.1f})")
    return measure


def _exp(*args: object, **kwargs: object) -> Experiment:
    kwargs.setdefault("fast", False)
    return Experiment(*args, **kwargs)  # type: ignore[arg-type]


_NOTE = ("the typical bedtime_sd_min and wake_time_sd_min of the scenario's variability block were set so that the "
         "time-in-bed SD matches this finding (a scenario default, not a model parameter)")

EXPERIMENTS: tuple[Experiment, ...] = (
    _exp("VAR01-TIB", ("VAR-01",), "Typical variability scatters time in bed from night to night as in CARDIA",
         "SD 79 min +/- 30 %", 55.3, 102.7, "min", _cardia("time_in_bed_min", "time in bed", "min"), role_note=_NOTE),
    _exp("VAR01-TST", ("VAR-01",), "Total sleep time varies from night to night as in CARDIA",
         "SD 76 min +/- 30 %", 53.2, 98.8, "min", _cardia("tst_min", "TST", "min")),
    _exp("VAR01-SE", ("VAR-01",), "Sleep efficiency varies from night to night as in CARDIA",
         "SD 8.4 points +/- 30 %", 5.88, 10.92, "points", _cardia("sleep_efficiency_pct", "sleep efficiency", "%")),
    _exp("VAR01-SOL", ("VAR-01",), "Sleep latency varies from night to night as in CARDIA",
         "SD 30.7 min +/- 30 %", 21.49, 39.91, "min", _cardia("sol_min", "sleep latency", "min")),
    _exp("VAR02-WEEKEND", ("VAR-02",), "People get up about half an hour later on weekends",
         "21-51 min later", 21, 51, "min", m_weekend_wake,
         role_note="the typical weekend_wake_shift_min of the variability block is this finding's 36 min"),
    _exp("VAR03-TST", ("VAR-03",), "An older adult's TST varies from night to night as in MESA",
         "SD 84 min +/- 30 %", 58.8, 109.2, "min", m_mesa_tst),
    _exp("VAR03-ONSET", ("VAR-03",), "An older adult's sleep-onset time varies from night to night as in MESA",
         "SD 81.7 min +/- 30 %", 57.19, 106.21, "min", m_mesa_onset),
    _exp("VAR04-TIB", ("VAR-04",), "3-night mean time in bed varies between people as in CARDIA",
         "SD 72 min +/- 30 %", 50.4, 93.6, "min", _between("time_in_bed_min", "time in bed", "min"),
         role_note="the default population's between-person SD of time in bed (0.9 h) is derived from this finding's "
                   "1.2 h and VAR-01's night-to-night SD (a population default, not a model parameter)"),
    _exp("VAR04-TST", ("VAR-04",), "3-night mean TST varies between people as in CARDIA",
         "SD 72 min +/- 30 %", 50.4, 93.6, "min", _between("tst_min", "TST", "min")),
    _exp("VAR04-SE", ("VAR-04",), "3-night mean sleep efficiency varies between people as in CARDIA",
         "SD 11.3 points +/- 30 %", 7.91, 14.69, "points", _between("sleep_efficiency_pct", "sleep efficiency", "%")),
    _exp("VAR04-SOL", ("VAR-04",), "3-night mean sleep latency varies between people as in CARDIA",
         "SD 29.0 min +/- 30 %", 20.3, 37.7, "min", _between("sol_min", "sleep latency", "min")),
)

ROLES: dict[str, str] = {
    "VAR01-TIB": "calibration",  # sets the typical bed/wake-time SDs (scenario defaults)
    "VAR01-TST": "validation",
    "VAR01-SE": "validation",
    "VAR01-SOL": "validation",
    "VAR02-WEEKEND": "calibration",  # sets the typical weekend wake shift
    "VAR03-TST": "validation",
    "VAR03-ONSET": "validation",
    "VAR04-TIB": "calibration",  # sets the default population's time-in-bed SD (population default)
    "VAR04-TST": "validation",
    "VAR04-SE": "validation",
    "VAR04-SOL": "validation",
}
"""Role of each experiment: ``calibration`` (something is set from it) or ``validation`` (never both)."""


__all__ = ["EXPERIMENTS", "ROLES"]
