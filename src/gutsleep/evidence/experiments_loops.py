"""Experiments for the axis' feedback loops: sleep debt, chronic vs acute inflammation, endotoxin tolerance,
physiological ceilings, human-scaled butyrate and population inflammation markers.

Each experiment names the findings it reproduces (ids in ``findings.yaml``). :data:`ROLES` says whether a
parameter was set from the experiment (``calibration``) or it checks the model against data it was not fitted to
(``validation``); never both.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from gutsleep.evidence.framework import (
    Context,
    Experiment,
    Measured,
    Series,
    bed_window,
    hours_series,
    scenario,
    subject,
)
from gutsleep.model import INPUT_NAMES
from gutsleep.model.inputs import STEPS_PER_DAY

CH = {name: i for i, name in enumerate(INPUT_NAMES)}
DAY0 = 14  # first day of every protocol's intervention (two weeks of habitual sleep first)


# ---------------------------------------------------------------- sleep debt ----------------------------------
def _debt_protocols(ctx: Context):
    """Habitual 23:00-07:00 sleep, then one of the published sleep-loss protocols from day 14."""
    runs = [
        scenario("habitual", 42),
        scenario("one night 04:00-08:00", 42, interventions=[bed_window(DAY0, DAY0, "04:00", "08:00")]),
        scenario("one night awake", 42, events=[{"day": DAY0, "type": "sleep_deprivation"}]),
        scenario("7 nights of 6 h", 42, interventions=[bed_window(DAY0, DAY0 + 6, "01:00", "07:00")]),
        scenario("5 nights of 4 h", 42, interventions=[bed_window(DAY0, DAY0 + 4, "03:00", "07:00")]),
        scenario("7 nights of 5 h", 42, interventions=[bed_window(DAY0, DAY0 + 6, "02:00", "07:00")]),
        scenario("6 nights of 6 h, 3 of 10 h", 42,
                 interventions=[bed_window(DAY0, DAY0 + 5, "01:00", "07:00"),
                                bed_window(DAY0 + 6, DAY0 + 8, "22:00", "08:00")]),
        scenario("5 nights of 4 h, 2 of 8 h", 42, interventions=[bed_window(DAY0, DAY0 + 4, "03:00", "07:00")]),
    ]
    return ctx.run("loops_debt", runs)


def _daily(ctx: Context, i: int):
    return subject(_debt_protocols(ctx).daily, i, "day")


def _evening_change(ctx: Context, i: int, day: int) -> float:
    return 100 * float(_daily(ctx, i).cortisol_evening_nmol_l[day] / _daily(ctx, 0).cortisol_evening_nmol_l[day] - 1)


def m_leproult(ctx: Context) -> Measured:
    partial, total = _evening_change(ctx, 1, DAY0 + 1), _evening_change(ctx, 2, DAY0 + 1)
    morning = 100 * float(_daily(ctx, 2).cortisol_morning_nmol_l[DAY0 + 1]
                          / _daily(ctx, 0).cortisol_morning_nmol_l[DAY0 + 1] - 1)
    return Measured(total, checks={"one night of 4 h: +27 to +47 %": 27 <= partial <= 47,
                                   "a night awake raises it more than a short night": total > partial},
                    details=f"18:00-23:00 cortisol the next evening: 4-h night {partial:+.1f} %, night awake "
                            f"{total:+.1f} %; morning peak after the night awake {morning:+.1f} %")


def m_buxton(ctx: Context) -> Measured:
    return Measured(_evening_change(ctx, 5, DAY0 + 7),
                    details="evening (18:00-23:00) cortisol the day after the 7th night of 5 h in bed")


def _il6_change(ctx: Context, i: int, day: int) -> float:
    return float(_daily(ctx, i).il6_pg_ml[day] - _daily(ctx, 0).il6_pg_ml[day])


def m_vgontzas(ctx: Context) -> Measured:
    rise = _il6_change(ctx, 3, DAY0 + 7)
    d3, d0 = _daily(ctx, 3), _daily(ctx, 0)
    excess = (d3.il6_pg_ml - d0.il6_pg_ml).loc[DAY0 - 2:DAY0 + 20]
    return Measured(rise, details=f"24-h mean IL-6 after 7 nights of 6 h {rise:+.2f} pg/mL "
                                  f"(baseline {d0.il6_pg_ml[DAY0 + 7]:.2f} pg/mL)",
                    series=[Series(excess.index.tolist(), excess.tolist(), "IL-6 change", unit="pg/mL")])


def m_pejovic(ctx: Context) -> Measured:
    rise = _il6_change(ctx, 6, DAY0 + 6)
    after = _il6_change(ctx, 6, DAY0 + 8)
    return Measured(after / rise if rise > 0 else float("nan"), checks={"restriction raised IL-6": rise > 0.1},
                    details=f"IL-6 {rise:+.2f} pg/mL after 6 nights of 6 h, {after:+.2f} pg/mL after 2 nights of 10 h")


def _crp_ratio(ctx: Context, i: int, day: int) -> float:
    return float(_daily(ctx, i).crp_mg_l[day] / _daily(ctx, 0).crp_mg_l[day])


def m_leeuwen(ctx: Context) -> Measured:
    ratio = _crp_ratio(ctx, 4, DAY0 + 5)
    return Measured(100 * (ratio - 1), details=f"CRP the morning-after day of 5 nights of 4 h: {100 * ratio:.0f} % of "
                                              "habitual")


def m_leeuwen_recovery(ctx: Context) -> Measured:
    sr, rec = _crp_ratio(ctx, 7, DAY0 + 5), _crp_ratio(ctx, 7, DAY0 + 7)
    return Measured(rec / sr, details=f"CRP {100 * sr:.0f} % after 5 nights of 4 h, {100 * rec:.0f} % after 2 nights "
                                      "of 8 h (reported 145 % and 231 %)")


# ---------------------------------------------------------------- endotoxin tolerance --------------------------
def _endotoxin_days(ctx: Context, key: str, days: tuple[int, ...], length: int):
    """2 ng/kg i.v. endotoxin at 09:00 on each of ``days`` (subject 1) and none (subject 0)."""
    runs = [scenario("no endotoxin", length), scenario("endotoxin 2 ng/kg", length)]
    steps = [d * STEPS_PER_DAY + 9 * 4 for d in days]

    def hook(k: int, u: np.ndarray) -> np.ndarray:
        first = (k - ctx.burn_in_days) * STEPS_PER_DAY
        for step in steps:
            if first <= step < first + u.shape[1]:
                u[1, step - first, CH["endotoxin_ng_per_kg_per_h"]] = 2.0 / 0.25
        return u

    return ctx.run(key, runs, input_hook=hook, timeseries_every_h=0.25)


def _il6_response(out, day: int) -> float:
    """Area of the IL-6 rise over the unchallenged run in the 8 h after the 09:00 dose (pg/mL x h)."""
    start = 24 * day + 9
    t, y1, _ = hours_series(out, "il6_pg_ml", 1, start, start + 8, "")
    _, y0, _ = hours_series(out, "il6_pg_ml", 0, start, start + 8, "")
    return float(np.trapezoid(y1 - y0, t))


def m_devos(ctx: Context) -> Measured:
    days = tuple(range(DAY0, DAY0 + 5))
    out = _endotoxin_days(ctx, "loops_tolerance", days, 21)
    responses = [_il6_response(out, d) for d in days]
    attenuation = 100 * (1 - responses[-1] / responses[0])
    return Measured(attenuation, checks={"no dose answered more than the one before":
                                         all(b <= a * 1.001 for a, b in pairwise(responses))},
                    details="IL-6 response (area over 8 h, pg/mL x h) by day: "
                            + ", ".join(f"{r:.0f}" for r in responses),
                    series=[Series(list(range(1, 6)), responses, "IL-6 response", unit="pg/mL x h")],
                    xlabel="day of endotoxin", ylabel="pg/mL x h")


def m_rittig(ctx: Context) -> Measured:
    out = _endotoxin_days(ctx, "loops_tolerance_5wk", (DAY0, DAY0 + 35), 56)
    first, second = _il6_response(out, DAY0), _il6_response(out, DAY0 + 35)
    return Measured(second / first, details=f"IL-6 response to a second 2 ng/kg dose 5 weeks after the first: "
                                            f"{second:.0f} vs {first:.0f} pg/mL x h")


# ---------------------------------------------------------------- ceilings -------------------------------------
def harsh_year_scenario(days: int = 120):
    """The barrier/inflammation exposures at the top of their allowed ranges at once (valid but extreme).

    Alcohol is held at 8 drinks a day (the harsh-year check); sugar, protein, sweeteners, stress, water and age
    stay at their defaults: beyond that, blood alcohol accumulates without bound and the microbiome integration
    fails (a negative taxon), known problems of extreme valid years for the alcohol and microbiome modules."""
    return scenario("top of every range", days, person={"bmi": 60},
                    habits={"alcohol_drinks": 8, "ultra_processed_share": 1.0, "emulsifier_g": 30, "fiber_g": 0})


def _harsh(ctx: Context):
    runs = [scenario("habitual", 60), harsh_year_scenario(60)]
    return ctx.run("loops_harsh", runs, timeseries_every_h=0.25)


def _peak(out, variable: str, i: int = 1) -> float:
    return float(np.nanmax(out.timeseries[variable].isel(subject=i).to_numpy()))


def m_septic_ceiling(ctx: Context) -> Measured:
    out = _harsh(ctx)
    il6, crp, lbp = _peak(out, "il6_pg_ml"), _peak(out, "crp_mg_l"), _peak(out, "lbp_ug_ml")
    return Measured(il6, checks={"CRP <= 500 mg/L": crp <= 500, "LBP <= 130 ug/mL": lbp <= 130},
                    details=f"highest IL-6 {il6:.1f} pg/mL, CRP {crp:.1f} mg/L, LBP {lbp:.1f} ug/mL with every "
                            "exposure at the top of its allowed range for 60 days")


def m_permeability_ceiling(ctx: Context) -> Measured:
    out = _harsh(ctx)
    return Measured(_peak(out, "permeability_index"),
                    details=f"highest L/M-like index {_peak(out, 'permeability_index'):.3f} (healthy "
                            f"{_peak(out, 'permeability_index', 0):.3f}); LPS fold {_peak(out, 'lps_fold'):.1f}")


# ---------------------------------------------------------------- chronic inflammation -> sleep ----------------
def _clamped_inflammation(ctx: Context, fold: float):
    """Sleep as it would be if chronic IL-6 (and IL-6) were held at ``fold`` x baseline from day 14."""
    runs = [scenario("habitual", 28), scenario(f"chronic IL-6 x{fold}", 28)]

    def hook(k: int, u: np.ndarray) -> np.ndarray:
        if k - ctx.burn_in_days >= DAY0:
            u[1, :, CH["clamp_inflammation"]] = 1.0
            u[1, :, CH["clamp_value_il6_fold"]] = fold
            u[1, :, CH["clamp_value_il6_chronic_fold"]] = fold
        return u

    return ctx.run(f"loops_chronic_{fold}", runs, input_hook=hook)


def m_irwin(ctx: Context) -> Measured:
    out = _clamped_inflammation(ctx, 2.0)
    n0, n1 = subject(out.nightly, 0, "night"), subject(out.nightly, 1, "night")
    change = {c: float((n1[c] - n0[c]).loc[DAY0 + 1:27].mean()) for c in ("waso_min", "sleep_efficiency_pct",
                                                                          "sws_min")}
    return Measured(change["waso_min"], checks={"sleep efficiency lower": change["sleep_efficiency_pct"] < 0,
                                                "slow-wave sleep not deeper": change["sws_min"] <= 0},
                    details="chronic IL-6 held at 2 x baseline: WASO {waso_min:+.2f} min, "
                            "SE {sleep_efficiency_pct:+.2f} "
                            "points, SWS {sws_min:+.2f} min".format(**change))


def _diet_explain(ctx: Context):
    if "loops_explain" not in ctx._runs:  # explain runs its own batches; cache the attribution on the context
        from gutsleep.explain import explain

        base = scenario("baseline", 56)
        diet = scenario("processed diet", 56, interventions=[{"start_day": DAY0, "set": {
            "ultra_processed_share": 0.85, "emulsifier_g": 5, "added_sugar_g": 120, "fiber_g": 8}}])
        ctx._runs["loops_explain"] = explain(base, diet, burn_in_days=ctx.burn_in_days,  # type: ignore[assignment]
                                             base_parameters=ctx.parameters or None)
    return ctx._runs["loops_explain"]


def m_diet_inflammation_share(ctx: Context) -> Measured:
    summary = _diet_explain(ctx).summary
    tst, waso = summary.loc["tst_min"], summary.loc["waso_min"]
    pathways = [c for c in summary.columns if c not in ("a", "b", "total", "remainder")]
    largest = max(pathways, key=lambda p: abs(tst[p]))
    share = float(tst[largest] / tst["total"]) if tst["total"] else float("nan")
    return Measured(float(tst["inflammation"]),
                    checks={"WASO up through inflammation": waso["inflammation"] > 0,
                            "no pathway carries more than 55 % of the TST change": abs(share) <= 0.55},
                    details=f"TST {tst['total']:+.2f} min, of which barrier/LPS/inflammation "
                            f"{tst['inflammation']:+.2f}, "
                            f"largest pathway {largest} {tst[largest]:+.2f} ({100 * share:.0f} %); WASO via "
                            f"inflammation {waso['inflammation']:+.2f} of {waso['total']:+.2f} min")


# ---------------------------------------------------------------- butyrate -> sleep, human-scaled --------------
def m_fiber_sws(ctx: Context) -> Measured:
    runs = [scenario("15 g fiber", 42), scenario("30 g fiber", 42, interventions=[
        {"start_day": DAY0, "set": {"fiber_g": 30}}])]
    out = ctx.run("loops_fiber", runs)
    n0, n1 = subject(out.nightly, 0, "night"), subject(out.nightly, 1, "night")
    sws = float((n1.sws_min - n0.sws_min).loc[28:41].mean())
    se = float((n1.sleep_efficiency_pct - n0.sleep_efficiency_pct).loc[28:41].mean())
    return Measured(sws, checks={"objective sleep efficiency within +/-1 point": abs(se) <= 1.0},
                    details=f"doubling fiber (15 -> 30 g/day), weeks 3-4: SWS {sws:+.2f} min, SE {se:+.2f} points")


# ---------------------------------------------------------------- population markers ---------------------------
def _population(ctx: Context):
    from gutsleep.apps.examples import examples_folder
    from gutsleep.cohort.population import Population, parse_population

    text = (examples_folder() / "populations" / "us-adults.yaml").read_text(encoding="utf-8")
    pop = Population(parse_population(text, source="us-adults.yaml"))
    out = ctx.run_population("loops_population_runs", [pop.subject(i, days=14) for i in range(160)])
    return out.daily[out.daily.day >= 7].groupby("subject").mean(numeric_only=True)


def m_population_medians(ctx: Context) -> Measured:
    days = _population(ctx)
    il6, crp = float(days.il6_pg_ml.median()), float(days.crp_mg_l.median())
    return Measured(il6, checks={"CRP median 0.8-2.5 mg/L": 0.8 <= crp <= 2.5},
                    details=f"shipped us-adults population (n = {len(days)}): IL-6 median {il6:.2f} pg/mL (IQR "
                            f"{days.il6_pg_ml.quantile(0.25):.2f}-{days.il6_pg_ml.quantile(0.75):.2f}), CRP median "
                            f"{crp:.2f} mg/L (IQR {days.crp_mg_l.quantile(0.25):.2f}-"
                            f"{days.crp_mg_l.quantile(0.75):.2f})")


def m_crp_il6_correlation(ctx: Context) -> Measured:
    from scipy.stats import spearmanr

    days = _population(ctx)
    rho = float(spearmanr(days.il6_pg_ml, days.crp_mg_l).statistic)
    return Measured(rho, details=f"Spearman CRP vs IL-6 in the shipped population (n = {len(days)})")


# ---------------------------------------------------------------- registry -------------------------------------
def _exp(*args: object, **kwargs: object) -> Experiment:
    return Experiment(*args, **kwargs)  # type: ignore[arg-type]


LOOP_EXPERIMENTS: tuple[Experiment, ...] = (
    _exp("LEP97-CORTISOL", ("LEP-97",), "A short night and a night awake raise next-evening cortisol",
         "+45 % after a night awake (+/-10 points); +37 % after a 4-h night", 35, 55, "%", m_leproult,
         tolerance_note="the finding's +/-10 points applied to the night-awake arm (+45 %); the 4-h arm is judged "
                        "by a check with the same +/-10 points"),
    _exp("BUX10-CORTISOL", ("BUX-10",), "A week of 5-h nights raises cortisol", "+51 +/- 8 % (+/- 2 SE)", 35, 67,
         "%", m_buxton),
    _exp("VGO04-IL6", ("VGO-04",), "A week of 6-h nights raises 24-h IL-6", "+0.8 +/- 0.3 pg/mL (+/- 2 SE)", 0.2,
         1.4, "pg/mL", m_vgontzas),
    _exp("PEJ13-RECOVERY", ("PEJ-13",), "Two 10-h recovery nights bring IL-6 back to baseline",
         "remaining change within +/-35 % of the restriction rise", -0.35, 0.35, "fraction", m_pejovic,
         tolerance_note="the finding's +/-35 % of the rise, written as a fraction (+/-0.35)"),
    _exp("VLE09-CRP", ("VLE-09",), "Five nights of 4 h raise CRP", "+45 % (+20 to +70 %)", 20, 70, "%", m_leeuwen),
    _exp("VLE09-RECOVERY", ("VLE-09",), "CRP keeps rising over two recovery nights", ">= 1 (reported 231/145 = 1.6)",
         1.0, 2.0, "ratio", m_leeuwen_recovery, fast=False),
    _exp("DEVOS09-TOLERANCE", ("DEVOS-09",), "Five daily endotoxin doses: IL-6 response attenuated by day 5",
         "88 +/- 8 %", 80, 96, "%", m_devos),
    _exp("RIT15-NOTOLERANCE", ("RIT-15",), "No endotoxin tolerance 5 weeks after a challenge",
         "response ratio 0.85-1.15", 0.85, 1.15, "ratio", m_rittig),
    _exp("GAI07-CEILING", ("GAI-07",), "IL-6, CRP and LBP stay within the septic range for any valid input",
         "IL-6 <= 10,212 pg/mL (septic-shock upper quartile)", 0, 10212, "pg/mL", m_septic_ceiling,
         tolerance_note="the IL-6 bound of the finding is judged; its CRP and LBP bounds are checks",
         role_note="the ceilings are cited from the same study in the parameters' sources (not fitted)"),
    _exp("DAS08-CEILING", ("DAS-08",), "Permeability stays within the range of active Crohn's disease",
         "L/M-like index <= 0.15 (Crohn's mean + 2 SD)", 0, 0.15, "1", m_permeability_ceiling),
    _exp("IRW16-CHRONIC", ("IRW-16",), "Chronic low-grade inflammation fragments sleep, a little",
         "doubling of chronic IL-6: WASO +1.0 to +2.5 min", 1.0, 2.5, "min", m_irwin),
    _exp("IRW16-DIET", ("IRW-16", "STO-16"), "A processed diet costs sleep partly through inflammation, no pathway "
         "carrying most of it", "inflammation share of TST < 0", -100, -0.05, "min", m_diet_inflammation_share,
         fast=False,
         tolerance_note="a direction (IRW-16's sign for chronic inflammation) made concrete as at least 0.05 min, "
                        "the smallest share explain reports as non-zero; the no-pathway-above-55 % rule is a check"),
    _exp("STO16-FIBER", ("STO-16", "PRO-01"), "More fiber: a little more SWS, objective efficiency nearly unchanged",
         "SWS up (> 0), SE within +/-1 point", 0.01, 15, "min", m_fiber_sws,
         tolerance_note="SWS change > 0 made concrete as at least 0.01 min (below any scoring resolution) and at most "
                        "15 min (a generous cap for a fiber effect); the SE rule is a check"),
    _exp("COL11-MEDIANS", ("COL-11", "MESA-24"), "Population IL-6 and CRP medians as in hs-assay cohorts",
         "IL-6 median 1.2-3.0 pg/mL; CRP median 0.8-2.5 mg/L", 1.2, 3.0, "pg/mL", m_population_medians, fast=False),
    _exp("MESA24-RHO", ("MESA-24",), "CRP and IL-6 correlate as in population data, not perfectly",
         "Spearman 0.30-0.65 (MESA 0.53)", 0.30, 0.65, "rho", m_crp_il6_correlation, fast=False),
)

ROLES: dict[str, str] = {
    "LEP97-CORTISOL": "calibration",  # sleep_debt_hpa_gain, sleep_debt_half_effect_h
    "BUX10-CORTISOL": "validation",
    "VGO04-IL6": "calibration",  # sleep_debt_il6_gain
    "PEJ13-RECOVERY": "calibration",  # sleep_debt_recovery_time_h
    "VLE09-CRP": "validation",
    "VLE09-RECOVERY": "validation",
    "DEVOS09-TOLERANCE": "calibration",  # endotoxin_tolerance_induction_rate
    "RIT15-NOTOLERANCE": "validation",
    "GAI07-CEILING": "calibration",  # il6/crp/lbp ceilings set from the septic ranges
    "DAS08-CEILING": "calibration",  # permeability_max_fold
    "IRW16-CHRONIC": "calibration",  # chronic_inflammation_arousal_gain
    "IRW16-DIET": "validation",
    "STO16-FIBER": "validation",
    "COL11-MEDIANS": "calibration",  # il6_baseline_pg_ml, crp_at_il6_reference_mg_l
    "MESA24-RHO": "validation",
}
