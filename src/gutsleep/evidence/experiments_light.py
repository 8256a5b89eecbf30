"""Experiments on light (spectrum, dose, bedroom light), caffeine and melatonin tablets.

Each experiment says in :data:`ROLES` whether it sets a parameter (``calibration``: the parameter's source names
the experiment) or tests the model on a finding no parameter was fitted to (``validation``). All run as a small
batch of paired scenarios that differ only in the intervention.
"""

from __future__ import annotations

from typing import Any

from gutsleep.evidence.framework import Context, Experiment, Measured, hours_series, night_mean, scenario, subject

BURN_IN = 42


def _pair(ctx: Context, key: str, scenarios: list, *, series: bool = False):
    kwargs: dict[str, Any] = {"timeseries_every_h": 0.25} if series else {}
    return ctx.run(key, scenarios, **kwargs)


def _dlmo(out, index: int, day: int) -> float:
    return float(subject(out.daily, index, "day").loc[day, "dlmo_clock_h"])


# ---------------------------------------------------------------- light ---------------------------------------
_CHANG_HABITS = {"bedtime": "22:00", "wake_time": "06:00",
                 "light": {"day_lux": 90, "evening_lux": 3, "evening_from": "18:00"}}


def _chang(ctx: Context):
    """Chang 2015 inpatient protocol: typical indoor room light by day (~90 lux), 5 evenings reading 4 h before a
    22:00 bedtime, a light-emitting tablet vs a printed book, in an otherwise very dim room (~3 lux)."""
    def arm(name: str, lux: float, source: str):
        return scenario(name, 24, habits=_CHANG_HABITS, interventions=[
            {"start_day": 14, "end_day": 18,
             "set": {"light": {"episodes": [{"start": "18:00", "end": "22:00", "lux": lux, "source": source}]}}}])
    return _pair(ctx, "chang_ebook", [arm("printed book", 0.9, "incandescent"), arm("e-reader", 31.7, "screen")],
                 series=True)


def m_chang_sol(ctx: Context) -> Measured:
    out = _chang(ctx)
    book, ebook = (night_mean(out, i, range(14, 19), "sol_min") for i in (0, 1))
    return Measured(ebook - book, details=f"sleep latency nights 14-18: e-reader {ebook:.1f} vs book {book:.1f} min")


def m_chang_dlmo(ctx: Context) -> Measured:
    out = _chang(ctx)
    book, ebook = _dlmo(out, 0, 19), _dlmo(out, 1, 19)
    return Measured(ebook - book, details=f"DLMO after 5 evenings: e-reader {ebook:.2f} h vs book {book:.2f} h")


def m_chang_melatonin(ctx: Context) -> Measured:
    out = _chang(ctx)
    auc = []
    for i in (0, 1):
        _t, y, _ = hours_series(out, "melatonin_plasma_pg_ml", i, 24 * 18 + 18.0, 24 * 18 + 21.75, "")
        auc.append(float(y.mean()))
    return Measured(1 - auc[1] / auc[0], details=f"plasma melatonin 18:00-22:00 on evening 5: e-reader {auc[1]:.1f} "
                                                 f"vs book {auc[0]:.1f} pg/mL")


def _outdoor(ctx: Context):
    """Wright 2013: a week of modern indoor life (00:00-08:00 in bed) vs a week camping (sunlight 06:00-20:30,
    campfire after sunset); a third arm with brighter indoor days and the same dark evenings separates the
    daylight dose from the evening light."""
    base = {"bedtime": "00:00", "wake_time": "08:00",
            "light": {"day_lux": 500, "evening_lux": 100, "evening_from": "20:30"}}

    def arm(name: str, light: dict):
        return scenario(name, 14, habits=base, interventions=[{"start_day": 7, "set": {"light": light}}])
    camping = {"day_lux": 0, "evening_lux": 2, "episodes": [
        {"start": "06:00", "end": "20:30", "lux": 10000, "source": "daylight"}]}
    indoor_dark_evenings = {"day_lux": 1000, "evening_lux": 2}
    return _pair(ctx, "wright_camping", [arm("modern", {}), arm("camping", camping),
                                         arm("bright indoor, dark evenings", indoor_dark_evenings)])


def m_outdoor_week(ctx: Context) -> Measured:
    out = _outdoor(ctx)
    modern, camping, indoor = (_dlmo(out, i, 13) for i in (0, 1, 2))
    shift_out, shift_in = modern - camping, modern - indoor
    return Measured(shift_out, checks={"the outdoor week shifts the clock more than a bright indoor week (> 0.25 h)":
                                       shift_out > shift_in + 0.25},
                    details=f"DLMO after the week: modern {modern:.2f} h, camping {camping:.2f} h (advance "
                            f"{shift_out:.2f} h), bright indoor with dark evenings {indoor:.2f} h (advance "
                            f"{shift_in:.2f} h)")


def m_bedroom_light(ctx: Context) -> Measured:
    """Cho 2016: one night with a dim lamp on all night (10 lux) after a dark night."""
    lamp = scenario("lamp on", 16,
                    interventions=[{"start_day": 14, "end_day": 14, "set": {"light": {"night_lux": 10}}}])
    out = _pair(ctx, "cho_bedroom", [scenario("dark", 16), lamp])
    dark_w, lamp_w = (night_mean(out, i, range(14, 15), "waso_min") for i in (0, 1))
    dark_se, lamp_se = (night_mean(out, i, range(14, 15), "sleep_efficiency_pct") for i in (0, 1))
    dark_sws, lamp_sws = (night_mean(out, i, range(14, 15), "sws_min") for i in (0, 1))
    return Measured(lamp_w - dark_w, checks={"sleep efficiency falls": lamp_se < dark_se,
                                             "slow-wave sleep falls (lighter sleep)": lamp_sws < dark_sws},
                    details=f"WASO {lamp_w:.1f} vs {dark_w:.1f} min; SE {lamp_se:.1f} vs {dark_se:.1f} %; SWS "
                            f"{lamp_sws:.1f} vs {dark_sws:.1f} min")


# ---------------------------------------------------------------- caffeine ------------------------------------
def _drake(ctx: Context):
    """Drake 2013: 400 mg caffeine at 0, 3 or 6 h before a habitual 23:00 bedtime vs placebo, one night each."""
    def arm(name: str, time: str | None, mg: float = 400):
        iv = [] if time is None else [{"start_day": 14, "end_day": 14,
                                       "set": {"caffeine_doses": [{"time": time, "mg": mg}]}}]
        return scenario(name, 16, interventions=iv)
    return _pair(ctx, "drake_caffeine", [arm("placebo", None), arm("6 h before bed", "17:00"),
                                         arm("3 h before bed", "20:00"), arm("at bedtime", "23:00"),
                                         arm("200 mg 1 h before bed", "22:00", 200)])


def _drake_change(ctx: Context, index: int, column: str) -> tuple[float, float, float]:
    out = _drake(ctx)
    placebo, dosed = night_mean(out, 0, range(14, 15), column), night_mean(out, index, range(14, 15), column)
    return dosed - placebo, dosed, placebo


def m_caffeine_6h(ctx: Context) -> Measured:
    d, dosed, placebo = _drake_change(ctx, 1, "tst_min")
    return Measured(-d, details=f"TST {dosed:.1f} vs placebo {placebo:.1f} min")


def m_caffeine_0h(ctx: Context) -> Measured:
    d0, _dosed, placebo = _drake_change(ctx, 3, "tst_min")
    d3 = _drake_change(ctx, 2, "tst_min")[0]
    d6 = _drake_change(ctx, 1, "tst_min")[0]
    return Measured(-d0, checks={"the later the dose, the shorter the sleep": d0 <= d3 <= d6},
                    details=f"TST change at 0/3/6 h before bed {d0:.1f}/{d3:.1f}/{d6:.1f} min "
                            f"(placebo {placebo:.1f} min)")


def m_caffeine_meta(ctx: Context) -> Measured:
    tst = _drake_change(ctx, 4, "tst_min")[0]
    sol = _drake_change(ctx, 4, "sol_min")[0]
    se = _drake_change(ctx, 4, "sleep_efficiency_pct")[0]
    return Measured(se, checks={"sleep latency longer": sol > 0, "total sleep shorter": tst < 0},
                    details=f"200 mg 1 h before bed: SE {se:+.1f} points, SOL {sol:+.1f} min, TST {tst:+.1f} min "
                            "(meta-analysis: SE -7 %, SOL +9 min, TST -45 min)")


# ---------------------------------------------------------------- melatonin -----------------------------------
def _melatonin_prc(ctx: Context):
    """Burgess 2008: 3 mg (or placebo) once a day for 3 days ~5 h before DLMO (baseline DLMO ~20:50 -> 16:00) in dim
    light (< 150 lux; here 50 lux all day) with the usual 23:00-07:00 sleep; DLMO measured after the third day."""
    dim = {"light": {"day_lux": 50, "evening_lux": 50}}

    def arm(name: str, mg: float):
        patch = {**dim, "melatonin_doses": [{"time": "16:00", "mg": mg}]} if mg else dim
        return scenario(name, 20, interventions=[{"start_day": 14, "end_day": 16, "set": patch},
                                                 {"start_day": 17, "end_day": 17, "set": dim}])
    return _pair(ctx, "burgess_prc", [arm("placebo", 0), arm("3 mg", 3)])


def m_melatonin_prc(ctx: Context) -> Measured:
    out = _melatonin_prc(ctx)
    placebo, dosed = _dlmo(out, 0, 17), _dlmo(out, 1, 17)
    return Measured(placebo - dosed, details=f"DLMO after 3 days: 3 mg {dosed:.2f} h vs placebo {placebo:.2f} h")


def _melatonin_life(ctx: Context):
    """3 mg at 16:00 (advancing zone) for a week in ordinary light, and 3 mg an hour before a 23:00 bedtime for a
    week (the typical hypnotic use pooled by Ferracioli-Oda 2013)."""
    def arm(name: str, time: str | None):
        iv = [] if time is None else [{"start_day": 14, "end_day": 20,
                                       "set": {"melatonin_doses": [{"time": time, "mg": 3}]}}]
        return scenario(name, 22, interventions=iv)
    return _pair(ctx, "melatonin_life", [arm("placebo", None), arm("3 mg at 16:00", "16:00"),
                                         arm("3 mg at 22:00", "22:00")], series=True)


def m_melatonin_advance(ctx: Context) -> Measured:
    out = _melatonin_life(ctx)
    placebo, dosed = _dlmo(out, 0, 21), _dlmo(out, 1, 21)
    return Measured(placebo - dosed, details=f"DLMO after a week: 3 mg at 16:00 {dosed:.2f} h vs placebo "
                                             f"{placebo:.2f} h")


def m_melatonin_sol(ctx: Context) -> Measured:
    out = _melatonin_life(ctx)
    placebo, dosed = night_mean(out, 0, range(14, 21), "sol_min"), night_mean(out, 2, range(14, 21), "sol_min")
    _t, y, s = hours_series(out, "melatonin_exogenous_pg_ml", 2, 24 * 14 + 21, 24 * 15 + 6, "tablet melatonin")
    peak = float(y.max())
    return Measured(dosed - placebo, checks={"tablet peak 1,000-20,000 pg/mL (supraphysiological)":
                                             1000 <= peak <= 20000},
                    details=f"sleep latency nights 14-20: 3 mg {dosed:.1f} vs placebo {placebo:.1f} min; tablet "
                            f"plasma peak {peak:.0f} pg/mL", series=[s], xlabel="hours since day 0", ylabel="pg/mL")


def _exp(*args: object, **kwargs: object) -> Experiment:
    kwargs.setdefault("fast", False)
    return Experiment(*args, **kwargs)  # type: ignore[arg-type]


EXPERIMENTS: tuple[Experiment, ...] = (
    _exp("LIGHT-CHANG-SOL", ("LIT-01",), "An e-reader before bed lengthens sleep latency vs a printed book",
         "+5 to +15", 5, 15, "min", m_chang_sol),
    _exp("LIGHT-CHANG-DLMO", ("LIT-01",), "Five evenings of an e-reader delay the clock vs a printed book",
         "delay 1.0-2.0", 1.0, 2.0, "h", m_chang_dlmo),
    _exp("LIGHT-CHANG-MEL", ("LIT-01",), "An e-reader suppresses evening melatonin vs a printed book",
         "suppression 0.35-0.75", 0.35, 0.75, "fraction", m_chang_melatonin),
    _exp("LIGHT-OUTDOOR", ("LIT-02",), "A week of natural light advances the clock; daylight doses matter",
         "DLMO 1-3 h earlier", 1.0, 3.0, "h", m_outdoor_week),
    _exp("LIGHT-BEDROOM", ("LIT-03",), "A dim lamp on during sleep fragments and lightens sleep",
         "WASO up 1-30 min", 1.0, 30.0, "min", m_bedroom_light),
    _exp("CAF-DRAKE-6H", ("CAF-01",), "400 mg caffeine 6 h before bed shortens sleep", "TST down 40-90 min", 40, 90,
         "min", m_caffeine_6h),
    _exp("CAF-DRAKE-0H", ("CAF-01",), "400 mg caffeine at bedtime shortens sleep at least as much",
         "TST down 40-120 min", 40, 120, "min", m_caffeine_0h),
    _exp("CAF-META", ("CAF-02",), "Evening caffeine lowers sleep efficiency, lengthens latency",
         "SE -11 to -3 points", -11, -3, "points", m_caffeine_meta),
    _exp("MEL-PRC3", ("MEL-01",), "3 mg melatonin ~5 h before DLMO on 3 days advances the clock ~1.5 h",
         "advance 1.0-2.0", 1.0, 2.0, "h", m_melatonin_prc),
    _exp("MEL-ADVANCE", ("MEL-01",), "3 mg melatonin in the advancing zone advances the clock in ordinary light",
         "advance 0.2-3.0", 0.2, 3.0, "h", m_melatonin_advance),
    _exp("MEL-SOL", ("MEL-02",), "Melatonin shortens sleep latency by ~7 min", "-9.75 to -4.37", -9.75, -4.37, "min",
         m_melatonin_sol),
)

ROLES: dict[str, str] = {
    "LIGHT-CHANG-SOL": "validation",  # intended to set light_alerting_effect; out of reach, so not used to set it
    "LIGHT-CHANG-DLMO": "validation",
    "LIGHT-CHANG-MEL": "validation",
    "LIGHT-OUTDOOR": "validation",
    "LIGHT-BEDROOM": "validation",
    "CAF-DRAKE-6H": "calibration",  # sets caffeine_threshold_effect
    "CAF-DRAKE-0H": "validation",
    "CAF-META": "validation",
    "MEL-PRC3": "calibration",  # sets melatonin_prc_amplitude
    "MEL-ADVANCE": "validation",
    "MEL-SOL": "validation",
}
"""Role of each experiment: ``calibration`` (a parameter is set from it) or ``validation`` (never both)."""
