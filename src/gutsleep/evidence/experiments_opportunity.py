"""Experiments on the sleep opportunity: sleep without an alarm, long opportunities, recovery sleep that ends by
itself, and naps.

With ``alarm: false`` the person gets up when the night's sleep ends, so these protocols test what the sleep-wake core
decides on its own: how long sleep lasts when nothing ends it, when a rested person wakes, how a nap changes the next
night. Each experiment says in :data:`ROLES` whether a parameter was set from it.
"""

from __future__ import annotations

import math

import numpy as np

from gutsleep.evidence.framework import (
    Context,
    Experiment,
    Measured,
    Series,
    night_mean,
    scenario,
    subject,
    window_mean,
)
from gutsleep.outcomes.common import clock_string
from gutsleep.scenario.fields import clock_hours

EXTENDED = {"bedtime": "21:00", "wake_time": "09:00", "naps": [{"start": "13:00", "end": "17:00"}]}
"""Klerman & Dijk 2005/2008: 16 h of sleep opportunity a day, a 12-h night and a 4-h midday window."""
EXTENDED_DAYS = range(14, 21)
"""Days (and nights) of the extended protocol; the asymptote is read on the last three."""


def _day_sleep(out, index: int, day: int) -> float:
    """Sleep of one protocol day (h): the night starting that day plus the next day's midday nap."""
    night = night_mean(out, index, range(day, day + 1), "tst_min")
    nap = window_mean(subject(out.daily, index, "day"), "nap_sleep_min", day + 1, day + 1)
    return (night + nap) / 60.0


def _extended(ctx: Context):
    """Young (22) and older (68) adults: two weeks at the habitual 23:00-07:00, then 7 days of 16 h in bed a day."""
    return ctx.run("sleep_extended", [
        scenario(f"{label}, 16 h in bed a day", 21, person={"age": age},
                 interventions=[{"start_day": EXTENDED_DAYS.start, "set": EXTENDED}])
        for label, age in (("young", 22), ("older", 68))])


def _extended_days(ctx: Context, index: int) -> list[float]:
    out = _extended(ctx)
    return [_day_sleep(out, index, d) for d in EXTENDED_DAYS.start + np.arange(len(EXTENDED_DAYS) - 1)]


def _asymptote_h(days: list[float]) -> float:
    """Asymptotic daily sleep (h): the mean of the protocol's last three days."""
    return float(np.mean(days[-3:]))


def _asymptote(ctx: Context, index: int, label: str) -> Measured:
    days = _extended_days(ctx, index)
    value = _asymptote_h(days)
    return Measured(value, details=f"{label}: daily sleep on days 1-{len(days)} of 16 h in bed "
                                   + "/".join(f"{x:.2f}" for x in days) + f" h; asymptote (last 3 days) {value:.2f} h",
                    series=(Series(list(range(1, len(days) + 1)), days, "model", "h"),), xlabel="day of 16 h in bed",
                    ylabel="sleep per day (h)")


def m_extended_young(ctx: Context) -> Measured:
    return _asymptote(ctx, 0, "young (22 y)")


def m_extended_older(ctx: Context) -> Measured:
    return _asymptote(ctx, 1, "older (68 y)")


def m_extended_difference(ctx: Context) -> Measured:
    young, older = (_asymptote_h(_extended_days(ctx, i)) for i in (0, 1))
    return Measured(young - older, details=f"asymptotic daily sleep young {young:.2f} h, older {older:.2f} h")


def m_extended_first_day(ctx: Context) -> Measured:
    out = _extended(ctx)
    habitual = night_mean(out, 0, range(7, 14), "time_in_bed_min") / 60.0
    days = _extended_days(ctx, 0)
    excess = days[0] - habitual
    return Measured(excess, checks={"the excess declines over the first 3 days": days[2] < days[0]},
                    details=f"young: day-1 sleep {days[0]:.2f} h vs habitual time in bed {habitual:.2f} h (excess "
                            f"{excess:+.2f} h); days 1-3 " + "/".join(f"{x:.2f}" for x in days[:3]) + " h")


# ------------------------------------------------------------------ free days after workdays ----------------------
WEEKS = 8


def _weekends(ctx: Context):
    """Workdays with a 07:00 alarm and a 23:00 bedtime; Friday and Saturday nights go to bed at 23:30 (26 min later in
    the data) and have no alarm."""
    free = [{"start_day": 7 * w + 4, "end_day": 7 * w + 5, "set": {"bedtime": "23:30", "alarm": False}}
            for w in range(WEEKS)]
    return ctx.run("sleep_weekends", [scenario("workdays and free days", 7 * WEEKS, interventions=free)])


def m_weekend_wake(ctx: Context) -> Measured:
    n = subject(_weekends(ctx).nightly, 0, "night")
    free = n[(n.index >= 14) & (n.index % 7 >= 4) & (n.index % 7 <= 5)]
    clock = float(free["wake"].map(clock_hours).mean())
    delay = 60.0 * (clock - 7.0)
    return Measured(delay, details=f"free-day wake {clock_string(clock)} on average ({len(free)} free mornings, weeks "
                                   f"3-{WEEKS}) vs the 07:00 alarm: {delay:+.0f} min")


# ------------------------------------------------------------------ recovery sleep that ends by itself ------------
def _long_recovery(ctx: Context):
    """Dijk, Brunner & Borbely 1990: after 36 h awake (up 07:00, a night awake), lights off at 19:00, no alarm."""
    return ctx.run("sleep_long_recovery", [scenario(
        "36 h awake, lights off 19:00", 18, events=[{"day": 14, "type": "sleep_deprivation"}],
        interventions=[{"start_day": 15, "end_day": 15, "set": {"bedtime": "19:00", "alarm": False}}])])


def m_long_recovery(ctx: Context) -> Measured:
    out = _long_recovery(ctx)
    n = subject(out.nightly, 0, "night")
    row = n.loc[15]
    tst = float(row["tst_min"]) / 60.0
    baseline = night_mean(out, 0, range(7, 14), "tst_min") / 60
    return Measured(tst, details=f"recovery sleep {tst:.2f} h: lights off {row['bedtime']}, onset "
                                 f"{row['sleep_onset']}, up {row['wake']} (baseline TST {baseline:.2f} h)")


# ------------------------------------------------------------------ naps ----------------------------------------
def _evening_nap(ctx: Context):
    """Werth et al. 1996: a 2-h nap in the early evening (17:30-19:30) before the habitual night."""
    return ctx.run("sleep_evening_nap", [scenario("evening nap", 16, person={"age": 22}, interventions=[
        {"start_day": 14, "end_day": 14, "set": {"naps": [{"start": "17:30", "end": "19:30"}]}}])])


def m_evening_nap(ctx: Context) -> Measured:
    out = _evening_nap(ctx)
    base, post = range(7, 14), range(14, 15)
    sol_b, sol_p = (night_mean(out, 0, r, "sol_min") for r in (base, post))
    sws_b, sws_p = (night_mean(out, 0, r, "sws_min") for r in (base, post))
    rem_b, rem_p = (night_mean(out, 0, r, "rem_latency_min") for r in (base, post))
    nap = window_mean(subject(out.daily, 0, "day"), "nap_sleep_min", 14, 14)
    return Measured(sol_p - sol_b, checks={"less slow-wave sleep in the post-nap night": sws_p < sws_b,
                                           "shorter REM latency in the post-nap night": rem_p < rem_b},
                    details=f"nap sleep {nap:.0f} min; post-nap night vs baseline: latency {sol_p:.1f} vs {sol_b:.1f} "
                            f"min, SWS {sws_p:.0f} vs {sws_b:.0f} min, REM latency {rem_p:.0f} vs {rem_b:.0f} min")


NAP_CLOCKS = ("10:00", "12:00", "14:00", "16:00", "18:00", "20:00")


def _nap_times(ctx: Context):
    """Dijk, Beersma & Daan 1987: one 1-h nap opportunity at a given clock time after a normal night (one arm per
    time, young adults)."""
    def arm(clock: str):
        end = f"{int(clock[:2]) + 1:02d}:00"
        return scenario(f"nap at {clock}", 16, person={"age": 22}, interventions=[
            {"start_day": 14, "end_day": 14, "set": {"naps": [{"start": clock, "end": end}]}}])
    return ctx.run("sleep_nap_times", [arm(c) for c in NAP_CLOCKS])


def m_nap_times(ctx: Context) -> Measured:
    out = _nap_times(ctx)
    sleep = [window_mean(subject(out.daily, i, "day"), "nap_sleep_min", 14, 14) for i in range(len(NAP_CLOCKS))]
    hours = [int(c[:2]) for c in NAP_CLOCKS]
    afternoon = max(sleep[2], sleep[3])
    contrast = afternoon - max(sleep[0], sleep[5])
    return Measured(contrast, details="sleep in a 1-h nap opportunity at " + "/".join(NAP_CLOCKS) + ": "
                                      + "/".join(f"{x:.1f}" for x in sleep) + " min",
                    series=(Series(hours, sleep, "model", "min", "nap_sleep_min"),), xlabel="nap start (h)",
                    ylabel="sleep in the nap (min)")


def _siesta(ctx: Context):
    """Monk et al. 2001: healthy adults of 74-87 (80 here), free wake time, with or without a daily 90-min siesta
    opportunity at 13:30-15:00."""
    base = {"start_day": 7, "set": {"alarm": False}}
    nap = {"start_day": 14, "set": {"naps": [{"start": "13:30", "end": "15:00"}]}}
    return ctx.run("sleep_siesta", [scenario("no siesta", 21, person={"age": 80}, interventions=[base]),
                                    scenario("siesta", 21, person={"age": 80}, interventions=[base, nap])])


def m_siesta(ctx: Context) -> Measured:
    out = _siesta(ctx)
    nights = range(15, 20)
    nap = window_mean(subject(out.daily, 1, "day"), "nap_sleep_min", 15, 19)
    change = night_mean(out, 1, nights, "tst_min") - night_mean(out, 0, nights, "tst_min")
    return Measured(nap, checks={"night sleep falls by 25-70 min": -70 <= change <= -25},
                    details=f"sleep per 90-min siesta {nap:.0f} min; night TST with vs without siesta "
                            f"{change:+.0f} min")


_NAP_TIMES_NOTE = ("the finding is about nap latency; nap outputs report the minutes asleep, and in a fixed 1-h "
                   "opportunity a shorter latency means more sleep, so the test is the afternoon maximum of nap sleep "
                   "(afternoon minus the larger of 10:00 and 20:00, at least 1 min: a direction)")

EXPERIMENTS: tuple[Experiment, ...] = (
    Experiment("ADLIB01-TST", ("ADLIB-01",), "With 16 h in bed a day, young adults settle at ~9 h of sleep",
               "asymptotic daily sleep 8.1-9.7 h (mean +/- 2 SEM)", 8.1, 9.7, "h", m_extended_young),
    Experiment("ADLIB01-OLDER", ("ADLIB-01",), "With 16 h in bed a day, older adults settle at ~7.4 h",
               "asymptotic daily sleep 6.6-8.2 h (mean +/- 2 SEM)", 6.6, 8.2, "h", m_extended_older, fast=False),
    Experiment("ADLIB01-AGE", ("ADLIB-01",), "Older adults' capacity for sleep is ~1.5 h smaller",
               "young minus older asymptote 0.4-2.6 h", 0.4, 2.6, "h", m_extended_difference),
    Experiment("ADLIB02-DAY1", ("ADLIB-02",), "The first day of 16 h in bed repays sleep debt",
               "day-1 sleep 3.5-6.5 h above habitual time in bed; declining over 3 days", 3.5, 6.5, "h",
               m_extended_first_day, fast=False),
    Experiment("ADLIB09-WEEKEND", ("ADLIB-09",), "Without an alarm on free days, people wake ~1 h later",
               "free-day wake 35-75 min after the workday alarm", 35, 75, "min", m_weekend_wake, fast=False),
    Experiment("REC01-LONG", ("REC-01",), "After 36 h awake and an early bedtime, recovery sleep lasts > 12 h",
               "recovery TST 11.5-15 h", 11.5, 15, "h", m_long_recovery, fast=False),
    Experiment("NAP01-EVENING", ("NAP-01",), "An early-evening nap delays and lightens the next night's sleep",
               "post-nap latency longer (> 0 min), less SWS, shorter REM latency", 0, math.inf, "min",
               m_evening_nap, tolerance_note="direction only, as the finding (no values in the abstract)", fast=False),
    Experiment("NAP03-AFTERNOON", ("NAP-03",), "Naps come most easily in the afternoon",
               "more sleep in a 1-h nap at 14:00 or 16:00 than at 10:00 or 20:00", 1, math.inf, "min",
               m_nap_times, tolerance_note=_NAP_TIMES_NOTE, fast=False),
    Experiment("NAP06-SIESTA", ("NAP-06",), "Older adults sleep ~1 h in a daily 90-min siesta, and less at night",
               "40-75 min per siesta; night sleep 25-70 min shorter", 40, 75, "min", m_siesta, fast=False),
)

ROLES: dict[str, str] = {
    "ADLIB01-TST": "calibration",  # sets sleep_threshold_lower_mean
    "ADLIB01-OLDER": "validation",
    "ADLIB01-AGE": "validation",
    "ADLIB02-DAY1": "validation",
    "ADLIB09-WEEKEND": "validation",
    "REC01-LONG": "validation",
    "NAP01-EVENING": "validation",
    "NAP03-AFTERNOON": "validation",
    "NAP06-SIESTA": "validation",
}
"""Role of each experiment: ``calibration`` (something is set from it) or ``validation`` (never both)."""
