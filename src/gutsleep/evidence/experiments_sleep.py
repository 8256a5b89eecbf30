"""Experiments on the sleep-wake core: sleep onset and continuity under sleep loss, restriction and age, and the
spread of sleep latency in a population.

These protocols test that onset, efficiency and wake after sleep onset emerge from sleep pressure (no latency floor,
continuity that consolidates when pressure is high). Each experiment says in :data:`ROLES` whether a parameter was
set from it (``calibration``: the parameter's source names it) or not (``validation``).
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from gutsleep.evidence.framework import Context, Experiment, Measured, Series, night_mean, scenario

EPOCH_MIN = 0.5
"""Polysomnography scores sleep in 30-s epochs: a latency below one epoch is read as half a minute (so that the
geometric mean of latencies stays defined when a subject is asleep at lights-out)."""


# ------------------------------------------------------------------ recovery after a night awake -----------------
def _recovery(ctx: Context):
    """A night awake (day 14: ~40 h without sleep by the next 23:00 bedtime), then recovery nights at the habitual
    23:00-07:00 opportunity."""
    return ctx.run("sleep_recovery", [scenario("control", 21),
                                      scenario("night awake", 21, events=[{"day": 14, "type": "sleep_deprivation"}])])


def m_recovery_sol(ctx: Context) -> Measured:
    out = _recovery(ctx)
    base, rec = night_mean(out, 1, range(7, 14), "sol_min"), night_mean(out, 1, range(15, 16), "sol_min")
    ratio = rec / base if base > 0 else float("nan")
    return Measured(rec, checks={"recovery/baseline latency 0.1-0.5": 0.1 <= ratio <= 0.5},
                    details=f"sleep latency on the recovery night {rec:.1f} min vs baseline {base:.1f} min "
                            f"(ratio {ratio:.2f})")


def m_recovery_se(ctx: Context) -> Measured:
    out = _recovery(ctx)
    base_se, rec_se = (night_mean(out, 1, nights, "sleep_efficiency_pct") for nights in (range(7, 14), range(15, 16)))
    base, r1, r2 = (night_mean(out, 1, nights, "sws_min") for nights in (range(7, 14), range(15, 16), range(16, 17)))
    checks = {"slow-wave sleep above baseline on recovery night 1": r1 > base,
              "slow-wave sleep closer to baseline on recovery night 2": abs(r2 - base) < abs(r1 - base)}
    return Measured(rec_se, checks=checks,
                    details=f"sleep efficiency on recovery night 1 {rec_se:.1f} % vs baseline {base_se:.1f} %; SWS "
                            f"baseline {base:.1f}, recovery night 1 {r1:.1f}, night 2 {r2:.1f} min")


# ------------------------------------------------------------------ time in bed: Belenky 2003 -------------------
BELENKY_TIB_H = (3, 5, 7, 9)
BELENKY_TST_H = (2.9, 4.7, 6.3, 7.9)
"""Belenky et al. 2003: 3, 5, 7 or 9 h in bed for 7 nights, all rising at 07:00 (group mean TST as recalled)."""


def _belenky(ctx: Context):
    def arm(tib: int):
        bed = f"{(7 - tib) % 24:02d}:00"
        return scenario(f"{tib} h in bed", 23, interventions=[{"start_day": 14, "end_day": 20, "set": {
            "bedtime": bed, "wake_time": "07:00"}}])
    return ctx.run("sleep_belenky", [arm(t) for t in BELENKY_TIB_H])


def _belenky_means(ctx: Context, column: str) -> list[float]:
    out = _belenky(ctx)
    return [night_mean(out, i, range(14, 21), column) for i in range(len(BELENKY_TIB_H))]


def m_belenky_se(ctx: Context) -> Measured:
    se = _belenky_means(ctx, "sleep_efficiency_pct")
    ordered = all(a > b for a, b in pairwise(se))
    return Measured(se[0] - se[-1], checks={"sleep efficiency rises as time in bed shrinks (3 > 5 > 7 > 9 h)": ordered},
                    details="sleep efficiency over 7 nights at 3/5/7/9 h in bed: "
                            + "/".join(f"{x:.1f}" for x in se) + " % (recalled 96/93/90/88)",
                    series=(Series(list(BELENKY_TIB_H), se, "model", "%", "sleep_efficiency_pct"),
                            Series(list(BELENKY_TIB_H), [96, 93, 90, 88], "Belenky 2003 (recalled)", "%")),
                    xlabel="time in bed (h)", ylabel="sleep efficiency (%)")


def m_belenky_tst(ctx: Context) -> Measured:
    tst_h = [x / 60 for x in _belenky_means(ctx, "tst_min")]
    dev = max(abs(m - r) for m, r in zip(tst_h, BELENKY_TST_H, strict=True))
    return Measured(dev, details="TST over 7 nights at 3/5/7/9 h in bed: " + "/".join(f"{x:.2f}" for x in tst_h)
                                 + " h (recalled " + "/".join(f"{x:.1f}" for x in BELENKY_TST_H) + " h)",
                    series=(Series(list(BELENKY_TIB_H), tst_h, "model", "h"),
                            Series(list(BELENKY_TIB_H), list(BELENKY_TST_H), "Belenky 2003 (recalled)", "h")),
                    xlabel="time in bed (h)", ylabel="total sleep time (h)")


# ------------------------------------------------------------------ partial restriction ------------------------
def _restriction(ctx: Context):
    """Brunner 1990: two nights restricted to the first 4 h of the habitual night (23:00-03:00), then recovery.
    Akerstedt 2009: five nights of 4 h with a delayed bedtime (03:00-07:00), then recovery."""
    brunner = scenario("first 4 h, 2 nights", 21, interventions=[{"start_day": 14, "end_day": 15, "set": {
        "bedtime": "23:00", "wake_time": "03:00"}}])
    akerstedt = scenario("delayed 4 h, 5 nights", 23, interventions=[{"start_day": 14, "end_day": 18, "set": {
        "bedtime": "03:00", "wake_time": "07:00"}}])
    return ctx.run("sleep_restriction", [brunner, akerstedt])


def m_brunner_sol(ctx: Context) -> Measured:
    out = _restriction(ctx)
    base, night2 = night_mean(out, 0, range(7, 14), "sol_min"), night_mean(out, 0, range(15, 16), "sol_min")
    ratio = night2 / base
    return Measured(ratio, details=f"sleep latency on the 2nd night restricted to 23:00-03:00 {night2:.1f} min vs "
                                   f"baseline {base:.1f} min")


def m_akerstedt_sol(ctx: Context) -> Measured:
    out = _restriction(ctx)
    base = night_mean(out, 1, range(7, 14), "sol_min")
    restricted = [night_mean(out, 1, range(n, n + 1), "sol_min") for n in range(15, 19)]  # restriction nights 2-5
    r2 = night_mean(out, 1, range(20, 21), "sol_min")  # the second recovery night
    return Measured(r2 / base, checks={"latency below baseline on every restriction night 2-5":
                                       all(x < base for x in restricted)},
                    details=f"baseline {base:.1f} min; restriction nights 2-5 "
                            + "/".join(f"{x:.1f}" for x in restricted) + f" min; recovery night 2 {r2:.1f} min")


# ------------------------------------------------------------------ age: Boulos 2019, Walsleben 2004 -------------
AGES = (25, 35, 45, 55, 65, 75)


def _ages(ctx: Context):
    return ctx.run("sleep_age", [scenario(f"age {a}", 21, person={"age": a}) for a in AGES])


def _age_slope(column: str, label: str, unit: str):
    def measure(ctx: Context) -> Measured:
        out = _ages(ctx)
        values = [night_mean(out, i, range(7, 20), column) for i in range(len(AGES))]
        slope = 10 * float(np.polyfit(AGES, values, 1)[0])
        return Measured(slope, details=f"{label} at ages {'/'.join(map(str, AGES))}: "
                                       + "/".join(f"{v:.1f}" for v in values) + f" {unit}; least-squares slope "
                                       f"{slope:+.2f} {unit} per decade",
                        series=(Series(list(AGES), values, "model", unit, column),), xlabel="age (years)",
                        ylabel=f"{label} ({unit})")
    return measure


# ------------------------------------------------------------------ spread of latency in a population -------------
def _community(ctx: Context):
    """An older community sample like the Sleep Heart Health Study's (age 63 +/- 10, 40-90): the default population's
    spread of habits and parameters, typical day-to-day variability, one night each (night 14)."""
    from gutsleep.cohort.population import PersonSpec, Population, PopulationSpec
    from gutsleep.scenario.models import Variability

    spec = PopulationSpec(name="community sample", size=80, seed=2007, variability=Variability.typical(),
                          person=PersonSpec.model_validate({"age": {"dist": "normal", "mean": 63, "sd": 10,
                                                                    "low": 40, "high": 90}}))
    pop = Population(spec)
    subjects = [pop.subject(i, days=16) for i in range(pop.size)]
    return ctx.run_population("sleep_community", subjects)


def m_latency_distribution(ctx: Context) -> Measured:
    n = _community(ctx).nightly
    sol = np.maximum(n.loc[n.night == 14, "sol_min"].to_numpy(dtype=float), EPOCH_MIN)
    logs = np.log(sol)
    gm, gsd = float(np.exp(logs.mean())), float(np.exp(logs.std(ddof=1)))
    under30 = float((sol < 30).mean())
    return Measured(gsd, checks={"geometric mean 13-19 min": 13 <= gm <= 19, "share under 30 min 0.70-0.85":
                                 0.70 <= under30 <= 0.85},
                    details=f"one night of {len(sol)} people aged 63 +/- 10: geometric mean {gm:.1f} min, geometric SD "
                            f"{gsd:.2f}, median {np.median(sol):.1f} min, {100 * under30:.0f} % under 30 min, "
                            f"{100 * float((sol < 15).mean()):.0f} % under 15 min")


_RES02_NOTE = ("the group means are recalled (96/93/90/88 %), so the finding's firm check is the order; the range on "
               "the 3-h minus 9-h difference is the recalled 8 points +/- 50 %")
_DIST01_NOTE = ("the typical onset_noise_sd of the scenario's variability block was set so that the geometric SD "
                "matches this finding (a scenario default, not a model parameter)")

EXPERIMENTS: tuple[Experiment, ...] = (
    Experiment("SOL01-RECOVERY", ("SOL-01",), "After a night awake, sleep comes within minutes",
               "recovery-night latency 1-8 min, 0.1-0.5 x baseline", 1, 8, "min", m_recovery_sol),
    Experiment("REC03-SE", ("REC-03", "SOL-01"), "Recovery sleep after a night awake is efficient and deep",
               "recovery-night SE 90-99 %; SWS up, back towards baseline on night 2", 90, 99, "%", m_recovery_se),
    Experiment("RES02-SE", ("RES-02",), "Sleep efficiency rises as time in bed is restricted",
               "strict order 3 > 5 > 7 > 9 h; SE(3 h) - SE(9 h) 4-12 points", 4, 12, "points", m_belenky_se,
               tolerance_note=_RES02_NOTE),
    Experiment("RES02-TST", ("RES-02",), "Total sleep at 3, 5, 7 and 9 h in bed as in Belenky 2003",
               "each group within 0.3 h of 2.9/4.7/6.3/7.9 h", 0, 0.3, "h", m_belenky_tst),
    Experiment("SOL02-PARTIAL", ("SOL-02",), "Two nights cut to their first 4 h shorten sleep latency",
               "night-2 latency at most 0.7 x baseline", 0, 0.7, "ratio", m_brunner_sol),
    Experiment("RES03-SOL", ("RES-03",),
               "Repeated 4-h nights shorten latency, which recovers by the second recovery night",
               "below baseline on nights 2-5; recovery night 2 within 20 % of baseline", 0.8, 1.2, "ratio",
               m_akerstedt_sol),
    Experiment("DIST01-SOL", ("DIST-01",), "Sleep latency is log-normal across a community sample",
               "geometric SD 2.0-2.7; geometric mean 13-19 min; 70-85 % under 30 min", 2.0, 2.7, "",
               m_latency_distribution, fast=False, role_note=_DIST01_NOTE),
    Experiment("AGE01-WASO", ("AGE-01",), "Wake after sleep onset rises with age", "+6.9 to +12.4 min per decade",
               6.9, 12.4, "min/decade", _age_slope("waso_min", "WASO", "min")),
    Experiment("AGE01-SE", ("AGE-01",), "Sleep efficiency falls with age", "-2.6 to -1.5 points per decade",
               -2.6, -1.5, "points/decade", _age_slope("sleep_efficiency_pct", "sleep efficiency", "%")),
    Experiment("AGE01-TST", ("AGE-01",), "Total sleep time falls with age", "-12.8 to -7.5 min per decade",
               -12.8, -7.5, "min/decade", _age_slope("tst_min", "TST", "min")),
    Experiment("AGE01-SOL", ("AGE-01",), "Sleep latency rises slightly with age", "+0.3 to +1.9 min per decade",
               0.3, 1.9, "min/decade", _age_slope("sol_min", "sleep latency", "min"), fast=False),
    Experiment("AGE04-SE", ("AGE-04",), "Sleep efficiency falls with age in the Sleep Heart Health Study",
               "-2.6 to -1.2 points per decade", -2.6, -1.2, "points/decade",
               _age_slope("sleep_efficiency_pct", "sleep efficiency", "%")),
)

ROLES: dict[str, str] = {
    "SOL01-RECOVERY": "calibration",  # sets sleep_onset_pressure_gain
    "REC03-SE": "validation",
    "RES02-SE": "calibration",  # sets awake_odds_pressure_slope
    "RES02-TST": "validation",
    "SOL02-PARTIAL": "validation",
    "RES03-SOL": "validation",
    "DIST01-SOL": "calibration",  # sets the typical onset_noise_sd (scenario default)
    "AGE01-WASO": "calibration",  # sets awake_fraction_age_slope
    "AGE01-SE": "validation",
    "AGE01-TST": "validation",
    "AGE01-SOL": "validation",
    "AGE04-SE": "validation",
}
"""Role of each experiment: ``calibration`` (something is set from it) or ``validation`` (never both)."""


__all__ = ["EXPERIMENTS", "ROLES"]
