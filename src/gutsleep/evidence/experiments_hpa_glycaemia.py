"""Experiments for the HPA gland-mass layer, the cortisol awakening response, stress on the gut, glycaemia and
tryptophan's competition with the other large neutral amino acids.

Each experiment names the findings it reproduces (ids in ``findings.yaml``); :data:`ROLES` says whether a parameter
was set from it (``calibration``) or it checks the model against data it was not fitted to (``validation``).
"""

from __future__ import annotations

import numpy as np

from gutsleep.evidence.framework import Context, Experiment, Measured, Series, bed_window, scenario, subject
from gutsleep.model.inputs import STEPS_PER_DAY

DAY0 = 14  # first day of every protocol's intervention (two weeks of habitual life first)
STRESS_END = DAY0 + 55  # eight weeks of stress
NNS = {"sweeteners": {"saccharin_mg": 180, "sucralose_mg": 100}}  # sachet doses of Suez 2022, below the ADI


# ---------------------------------------------------------------- HPA: weeks of stress -------------------------
def _stress(ctx: Context):
    runs = [scenario("habitual", 140),
            scenario("8 weeks of stress 0.8", 140,
                     interventions=[{"start_day": DAY0, "end_day": STRESS_END, "set": {"stress": 0.8}}])]
    return ctx.run("hpa_weeks", runs, timeseries_every_h=1.0)


def m_karin_weeks(ctx: Context) -> Measured:
    out = _stress(ctx)
    base, st = subject(out.daily, 0, "day"), subject(out.daily, 1, "day")
    excess = (st.cortisol_evening_nmol_l / base.cortisol_evening_nmol_l - 1).loc[DAY0 - 3:]
    acth = out.timeseries["acth_drive"].values

    def acth_excess(day: int) -> float:
        sl = slice(day * 24, (day + 1) * 24)
        return float(acth[1, sl].mean() / acth[0, sl].mean() - 1)

    after = excess.loc[STRESS_END + 3:]
    half = after.iloc[0] / 2
    below = after[after < half]
    days = float(below.index[0] - STRESS_END) if len(below) else float("inf")
    week1, week8 = float(excess[DAY0 + 6]), float(excess[STRESS_END])
    return Measured(days, checks={"evening cortisol keeps rising from week 1 to week 8 of stress": week8 > week1,
                                  "ACTH adapts back while cortisol stays up (week 8 below week 1)":
                                      acth_excess(STRESS_END) < acth_excess(DAY0 + 6),
                                  "ACTH below baseline a week after the stress": acth_excess(STRESS_END + 7) < 0},
                    details=f"evening cortisol +{100 * week1:.1f} % after 1 week and +{100 * week8:.1f} % after 8 "
                            f"weeks of stress; ACTH +{100 * acth_excess(DAY0 + 6):.1f} % and "
                            f"+{100 * acth_excess(STRESS_END):.1f} %; a week after the stress ended cortisol "
                            f"{100 * float(excess[STRESS_END + 7]):+.1f} %, ACTH "
                            f"{100 * acth_excess(STRESS_END + 7):+.1f} %; excess halved {days:.0f} days after the end",
                    series=[Series(excess.index.tolist(), (100 * excess).tolist(), "evening cortisol change",
                                   unit="%")])


# ---------------------------------------------------------------- cortisol awakening response ------------------
def _awakening(ctx: Context):
    runs = [scenario("wake 07:00", 21),
            scenario("evening nap 17:30-19:30", 21, habits={"naps": [{"start": "17:30", "end": "19:30"}]})]
    return ctx.run("hpa_awakening", runs, timeseries_every_h=0.25)


def _rise_after(ctx: Context, i: int, wake_h: float) -> float:
    """% change of serum cortisol in the 30 min after waking at ``wake_h`` (a day in the third week)."""
    c = _awakening(ctx).timeseries["cortisol_nmol_l"].values[i]
    k = (DAY0 + 5) * STEPS_PER_DAY + round(wake_h * STEPS_PER_DAY / 24)
    return 100 * float(c[k + 2] / c[k] - 1)


def m_car_size(ctx: Context) -> Measured:
    car = _rise_after(ctx, 0, 7.0)
    return Measured(car, details=f"serum cortisol 30 min after waking at 07:00: {car:+.1f} % over its level at waking")


def m_car_nap(ctx: Context) -> Measured:
    nap = _rise_after(ctx, 1, 19.5)
    return Measured(nap, details=f"serum cortisol 30 min after waking from a 17:30-19:30 nap: {nap:+.1f} % (morning: "
                                 f"{_rise_after(ctx, 0, 7.0):+.1f} %)")


# ---------------------------------------------------------------- stress and the gut ---------------------------
def _speech(ctx: Context):
    from gutsleep.model import INPUT_NAMES

    stress = INPUT_NAMES.index("stress")
    first = DAY0 * STEPS_PER_DAY + 10 * STEPS_PER_DAY // 24  # a 15-min public speech at 10:00

    def hook(k: int, u: np.ndarray) -> np.ndarray:
        if k != DAY0 + ctx.burn_in_days:
            return u
        u = u.copy()
        u[1, first - DAY0 * STEPS_PER_DAY, stress] = 1.0
        return u

    runs = [scenario("rest", DAY0 + 2), scenario("public speech", DAY0 + 2)]
    return ctx.run("stress_speech", runs, timeseries_every_h=0.25, input_hook=hook), first


def m_vanuytsel(ctx: Context) -> Measured:
    out, first = _speech(ctx)
    perm = out.timeseries["permeability_index"].values
    window = slice(first, first + 2 * STEPS_PER_DAY // 24)
    fold = float(perm[1, window].mean() / perm[0, window].mean())
    return Measured(fold, details=f"permeability index over the 2 h after a 15-min severe stressor: x{fold:.3f} of "
                                  "rest")


# ---------------------------------------------------------------- glycaemia ------------------------------------
def _glycaemia(ctx: Context):
    runs = [scenario("habitual", 42),
            scenario("one night 03:00-07:00", 42, interventions=[bed_window(DAY0, DAY0, "03:00", "07:00")]),
            scenario("6 nights of 4 h", 42, interventions=[bed_window(DAY0, DAY0 + 5, "01:00", "05:00")]),
            scenario("7 nights of 5 h", 42, interventions=[bed_window(DAY0, DAY0 + 6, "02:00", "07:00")]),
            scenario("sweeteners 2 weeks", 42, interventions=[{"start_day": DAY0, "end_day": DAY0 + 13, "set": NNS}]),
            scenario("sweeteners with antibiotics", 42,
                     interventions=[{"start_day": DAY0, "end_day": DAY0 + 13, "set": NNS},
                                    {"start_day": DAY0, "end_day": DAY0 + 13, "antibiotics": "broad_spectrum"}]),
            scenario("antibiotics alone", 42,
                     interventions=[{"start_day": DAY0, "end_day": DAY0 + 13, "antibiotics": "broad_spectrum"}]),
            scenario("aspartame 2 weeks", 42,
                     interventions=[{"start_day": DAY0, "end_day": DAY0 + 13,
                                     "set": {"sweeteners": {"aspartame_mg": 1000}}}])]
    return ctx.run("glycaemia", runs, timeseries_every_h=1.0)


def _days(ctx: Context, i: int):
    return subject(_glycaemia(ctx).daily, i, "day")


def _change(ctx: Context, i: int, day: int, column: str, ref: int = 0) -> float:
    return 100 * float(_days(ctx, i)[column][day] / _days(ctx, ref)[column][day] - 1)


MORNING_TEST_H = 9.0  # clamps and glucose tolerance tests start in the morning, fasting


def _morning(ctx: Context, i: int, day: int, variable: str) -> float:
    """A variable at 09:00 of ``day`` (hourly time series)."""
    return float(_glycaemia(ctx).timeseries[variable].values[i][int(day * 24 + MORNING_TEST_H)])


def _morning_change(ctx: Context, i: int, day: int, variable: str) -> float:
    return 100 * (_morning(ctx, i, day, variable) / _morning(ctx, 0, day, variable) - 1)


def m_donga(ctx: Context) -> Measured:
    change = _morning_change(ctx, 1, DAY0 + 1, "insulin_sensitivity_rel")
    return Measured(change, details=f"insulin sensitivity at 09:00 after one night of 4 h in bed: {change:+.1f} %")


def m_spiegel(ctx: Context) -> Measured:
    # the K_G-like glucose return rate is the dose over (volume x iAUC): its change is the inverse iAUC ratio
    ratio = _morning(ctx, 0, DAY0 + 6, "ogtt_iauc_mmol_min_l") / _morning(ctx, 2, DAY0 + 6, "ogtt_iauc_mmol_min_l")
    rate = 100 * (ratio - 1)
    return Measured(rate, details=f"09:00 after the 6th night of 4 h: glucose return rate (K_G-like) {rate:+.1f} %, "
                                  f"75-g OGTT iAUC {100 * (1 / ratio - 1):+.1f} %")


def m_buxton_insulin(ctx: Context) -> Measured:
    change = _morning_change(ctx, 3, DAY0 + 7, "insulin_sensitivity_rel")
    return Measured(change, details=f"insulin sensitivity at 09:00 after 7 nights of 5 h in bed: {change:+.1f} %")


def m_nns_ablation(ctx: Context) -> Measured:
    nns = _change(ctx, 4, DAY0 + 13, "ogtt_iauc_mmol_min_l")
    ablated = _change(ctx, 5, DAY0 + 13, "ogtt_iauc_mmol_min_l", ref=6)
    return Measured(ablated, checks={"sweeteners alone impair glucose tolerance": nns > 0},
                    details=f"OGTT iAUC after 2 weeks of saccharin + sucralose {nns:+.1f} % against no sweetener; with "
                            f"a broad-spectrum antibiotic course alongside {ablated:+.1f} % against the course alone")


def m_nns_group(ctx: Context) -> Measured:
    nns = _change(ctx, 4, DAY0 + 13, "ogtt_iauc_mmol_min_l")
    aspartame = _change(ctx, 7, DAY0 + 13, "ogtt_iauc_mmol_min_l")
    return Measured(nns, checks={"aspartame moves glucose tolerance less": aspartame < nns},
                    details=f"OGTT iAUC after 2 weeks: saccharin + sucralose {nns:+.1f} %, aspartame "
                            f"{aspartame:+.1f} %")


# ---------------------------------------------------------------- tryptophan and LNAA ---------------------------
def _breakfasts(ctx: Context):
    """Wurtman 2003: a carbohydrate-rich (69.9 g carbohydrate, 5.2 g protein) or protein-rich (15.4 g, 46.8 g)
    breakfast after an overnight fast, in place of the day's first meal."""
    from gutsleep.model import INPUT_NAMES
    from gutsleep.model.inputs import STEP_H

    ch = {name: i for i, name in enumerate(INPUT_NAMES)}
    found: list[int] = []

    def hook(k: int, u: np.ndarray) -> np.ndarray:
        if k != DAY0 + ctx.burn_in_days:
            return u
        u = u.copy()
        b = int(np.flatnonzero(u[0, :, ch["meal"]] > 0)[0])
        found.append(b)
        for i, (carbohydrate, protein) in enumerate([(69.9, 5.2), (15.4, 46.8)]):
            u[i, b, ch["meal"]] = 0.0  # no default meal carbohydrate: the test meal replaces it
            u[i, b, ch["added_sugar_g_per_h"]] = carbohydrate / STEP_H
            u[i, b, ch["protein_g_per_h"]] = protein / STEP_H
        return u

    runs = [scenario("carbohydrate-rich breakfast", DAY0 + 2), scenario("protein-rich breakfast", DAY0 + 2)]
    out = ctx.run("trp_breakfast", runs, timeseries_every_h=0.25, input_hook=hook)
    if found:
        _BREAKFAST_STEP["step"] = found[0]
    # The hook runs only when the protocol is simulated; a context sharing a cached (batched) run reads the step
    # found then. The step is the schedule's first meal, the same for every parameter set.
    return out, _BREAKFAST_STEP["step"]


_BREAKFAST_STEP: dict[str, int] = {}
"""Step of the day's first meal in the Wurtman protocol (set by its input hook)."""


def m_wurtman(ctx: Context) -> Measured:
    out, b = _breakfasts(ctx)
    r = out.timeseries["tryptophan_lnaa_ratio_rel"].values
    window = slice(DAY0 * STEPS_PER_DAY + b + 1, DAY0 * STEPS_PER_DAY + b + 1 + 4 * STEPS_PER_DAY // 24)
    diff = 100 * float(np.median(r[0, window] / r[1, window] - 1))
    return Measured(diff, details=f"plasma Trp:LNAA over the 4 h after breakfast, carbohydrate-rich vs protein-rich: "
                                  f"median {diff:+.1f} %")


def m_markus(ctx: Context) -> Measured:
    runs = [scenario("protein-rich, carbohydrate-poor", 21, habits={"protein_g": 150, "added_sugar_g": 30}),
            scenario("carbohydrate-rich, protein-poor", 21, habits={"protein_g": 45, "added_sugar_g": 150})]
    out = ctx.run("trp_diets", runs, timeseries_every_h=1.0)
    r = out.timeseries["tryptophan_lnaa_ratio_rel"].values[:, 14 * 24:]
    rise = 100 * float(r[1].mean() / r[0].mean() - 1)
    brain = out.timeseries["brain_serotonin_ug"].values[:, 14 * 24:]
    brain_change = 100 * float(brain[1].mean() / brain[0].mean() - 1)
    return Measured(rise, details=f"24-h mean plasma Trp:LNAA, carbohydrate-rich vs protein-rich diet (third week): "
                                  f"{rise:+.1f} %; brain serotonin {brain_change:+.1f} %")


# ---------------------------------------------------------------- registry -------------------------------------
def _exp(*args: object, **kwargs: object) -> Experiment:
    return Experiment(*args, **kwargs)  # type: ignore[arg-type]


HPA_GLYCAEMIA_EXPERIMENTS: tuple[Experiment, ...] = (
    _exp("KAR20-WEEKS", ("KAR-20",), "Weeks of stress act through the gland masses; recovery takes weeks",
         "excess halved 7-60 days after the stress ends", 7, 60, "days", m_karin_weeks),
    _exp("WUS00-CAR", ("WUS-00",), "Cortisol rises ~50 % in the 30 min after waking", "+35 to +75 %", 35, 75, "%",
         m_car_size),
    _exp("FED04-NAP", ("FED-04",), "No awakening response after an evening nap", "30-min change <= 0", -100, 0,
         "%", m_car_nap),
    _exp("VAN14-SPEECH", ("VAN-14",), "An acute psychosocial stressor doubles gut permeability", "x1.4-2.6", 1.4,
         2.6, "fold", m_vanuytsel, fast=False),
    _exp("DON10-INSULIN", ("DON-10",), "One short night lowers insulin sensitivity the next morning",
         "-25 to -19 %", -25, -19, "%", m_donga, fast=False),
    _exp("SPI99-KG", ("SPI-99",), "Six nights of 4 h slow glucose disappearance", "-55 to -25 %", -55, -25, "%",
         m_spiegel, fast=False),
    _exp("BUX10-INSULIN", ("BUX-10I",), "A week of 5-h nights lowers insulin sensitivity", "-31 to -9 %", -31, -9,
         "%", m_buxton_insulin),
    _exp("NNS01-ABLATION", ("NNS-01",), "Antibiotics abolish the sweeteners' effect on glucose tolerance",
         "within +/-10 % of control", -10, 10, "%", m_nns_ablation, species="mouse -> human model",
         translation="Suez 2014 ablated the microbiota of sweetener-fed mice with antibiotics; here a broad-spectrum "
                     "course runs alongside two weeks of sweeteners in the human model"),
    _exp("NNS02-GROUP", ("NNS-02",), "Saccharin and sucralose impair glucose tolerance at group level",
         "OGTT iAUC up (> 0)", 0.01, 100, "%", m_nns_group),
    _exp("WUR03-RATIO", ("WUR-03",), "A carbohydrate-rich breakfast raises Trp:LNAA over a protein-rich one",
         "+36 to +88 % (median +54 %)", 36, 88, "%", m_wurtman),
    _exp("MAR00-DIET", ("MAR-00",), "A carbohydrate-rich, protein-poor diet raises plasma Trp:LNAA",
         "+21 to +63 % (reported +42 %)", 21, 63, "%", m_markus,
         translation="the study's diets given as 45 g protein with 150 g added sugar vs 150 g protein with 30 g "
                     "(their exact composition was not retrieved)"),
)

ROLES: dict[str, str] = {
    "KAR20-WEEKS": "validation",  # gland turnover cited from Karin 2020, not fitted
    "WUS00-CAR": "calibration",  # awakening_response_gain
    "FED04-NAP": "validation",
    "VAN14-SPEECH": "validation",
    "DON10-INSULIN": "validation",
    "SPI99-KG": "validation",
    "BUX10-INSULIN": "calibration",  # sleep_debt_insulin_sensitivity_loss
    "NNS01-ABLATION": "validation",
    "NNS02-GROUP": "validation",
    "WUR03-RATIO": "calibration",  # insulin_lnaa_uptake_rate
    "MAR00-DIET": "validation",
}
