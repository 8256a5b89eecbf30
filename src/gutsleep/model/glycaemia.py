r"""Glycaemia: meal glucose and insulin sensitivity, the readout that sleep loss and sweeteners act on.

A minimal glucose-tolerance model, not an insulin model. Meal carbohydrate enters a gut compartment and
appears in plasma with first-order absorption; plasma glucose returns to its fasting level with
glucose effectiveness plus an insulin-dependent part scaled by the whole-body insulin sensitivity S
(relative, 1 = the baseline person). Two readouts come from it: the day's meal glucose iAUC, and the
iAUC of a standard 75-g oral glucose tolerance test taken that day, which is algebraic in S (so the
glucose tolerance of a day can be read whatever was eaten).

S follows a target over about a day. Sleep debt lowers it (Donga 2010: one night of 4 h; Buxton 2010:
a week of 5 h), and so do non-nutritive sweeteners, but only through the microbiome and only in a
person-specific share of people (Suez 2014, 2022: the effect transfers with stool and is abolished by
antibiotics): the sweetener signal is carried by a community-dependent state that needs days to build.
Glycaemia does not act back on sleep: no human study with objective sleep outcomes gives such an effect
a size, so the sweeteners' route to sleep stays the microbial one.
"""

from __future__ import annotations

import sympy as sp

from gutsleep.model.inputs import STEP_H
from gutsleep.model.spec import ModelBuilder, pos, saturating

GRAMS_PER_MMOL_GLUCOSE = 0.18016


def build(m: ModelBuilder) -> None:
    m.module("glycaemia", __doc__ or "")
    carb_meal = m.param("meal_carbohydrate_g", 60.0, "g", 20.0, 120.0,
                        "assumption: ~250 g/day of digestible carbohydrate in US adults (NHANES, RECALLED) minus the "
                        "~70 g/day of added sugar given separately, over three meals",
                        "digestible carbohydrate of a meal besides its added sugar")
    k_abs = m.param("glucose_absorption_rate", 1.0, "1/h", 0.5, 3.0,
                    "assumption: an oral glucose load is absorbed over ~2 h (the rate of appearance after a 75-g "
                    "OGTT peaks at 30-60 min and is mostly over by 2-3 h, RECALLED Dalla Man 2007)",
                    "first-order absorption rate of carbohydrate from the gut")
    f_sys = m.param("glucose_systemic_fraction", 0.7, "1", 0.5, 0.9,
                    "assumption: the liver takes up ~25-35 % of an oral glucose load on first pass (RECALLED "
                    "splanchnic-uptake studies)", "share of absorbed glucose reaching the systemic circulation")
    v_g = m.param("glucose_distribution_volume_l", 13.0, "L", 9.0, 18.0,
                  "assumption: 0.19 L/kg (Dalla Man 2007 V_G 1.88 dL/kg, RECALLED) x 70 kg",
                  "distribution volume of plasma glucose")
    g_fast = m.param("fasting_glucose_mmol_l", 5.0, "mmol/L", 4.0, 6.1,
                     "assumption: normal fasting plasma glucose 4.0-5.6 mmol/L (ADA criteria; impaired from 6.1 by "
                     "WHO); 5.0 a typical healthy adult", "fasting plasma glucose")
    s_g = m.param("glucose_effectiveness_rate", 1.5, "1/h", 0.6, 3.0,
                  "assumption: minimal-model glucose effectiveness S_G ~0.025 /min (Bergman minimal model, RECALLED "
                  "0.01-0.05 /min in healthy adults)", "insulin-independent return rate of plasma glucose")
    k_ins = m.param("insulin_disposal_rate", 4.5, "1/h", 1.5, 9.0,
                    "assumption: with S_G, returns a 75-g OGTT to ~5.6 mmol/L at 2 h with a peak ~7.5 mmol/L (normal "
                    "OGTT: 2-h glucose < 7.8 mmol/L, WHO)", "insulin-dependent return rate at insulin sensitivity 1")
    k_s = m.param("insulin_sensitivity_rate", 1 / 6, "1/h", 1 / 24, 1 / 2,
                  "assumption: insulin sensitivity is already lower on the morning after one short night (Donga "
                  "2010, DON-10: clamp 3-5 h after waking), so it follows its target within hours; the target itself "
                  "reads the day-averaged debt load (sleep_debt_effect)",
                  "rate at which insulin sensitivity follows its target")
    g_debt = m.param("sleep_debt_insulin_sensitivity_loss", 0.26, "1", 0.1, 0.6,
                     "calibrated: BUX10-INSULIN; Buxton et al. 2010 Diabetes 59:2126: 7 nights of 5 h in bed lowered "
                     "IVGTT insulin sensitivity by 20 +/- 24 % (clamp -11 +/- 5.5 %); the effect saturates in the "
                     "debt (half at sleep_debt_half_effect_h)",
                     "largest relative loss of insulin sensitivity from sleep debt")
    g_cort = m.param("cortisol_insulin_sensitivity_loss", 0.1, "1", 0.0, 0.4,
                     "assumption: glucocorticoids reduce insulin sensitivity (hydrocortisone raises glucose, "
                     "RECALLED); "
                     "modest at the daily-cortisol excess of chronic stress",
                     "largest relative loss of insulin sensitivity from excess daily cortisol")
    g_nns = m.param("sweetener_insulin_sensitivity_loss", 0.3, "1", 0.0, 0.6,
                    "assumption: NNS-01 (Suez 2014): 4 of 7 volunteers on the saccharin ADI had significantly poorer "
                    "glycaemic responses after 5-7 days; NNS-02 (Suez 2022): saccharin and sucralose impaired "
                    "glycaemic responses at group level (size not retrieved); here a susceptible person loses up to "
                    "30 % of insulin sensitivity", "largest relative loss of insulin sensitivity from "
                    "sweetener-conditioned microbiota")
    nns_half = m.param("sweetener_glycaemic_half_adi", 0.5, "1", 0.1, 2.0,
                       "assumption: half of the effect at half the ADI (NNS-02 used doses below the ADI and found "
                       "group effects)", "sweetener exposure (ADI-equivalents per day) giving half the effect")
    susc = m.param("sweetener_glycaemic_susceptibility", 1.0, "1", 0.0, 3.0,
                   "assumption: person-specific, set by the microbiome (NNS-01: 4 of 7 responders; NNS-02: responses "
                   "transfer with stool); 1 = the median person, 0 = a non-responder",
                   "person's susceptibility to sweetener-induced glucose intolerance")
    k_nns = m.param("sweetener_glycaemic_rate", 1 / 72, "1/h", 1 / 240, 1 / 24,
                    "assumption: human responders appeared on days 5-7 of exposure (NNS-01), so the "
                    "microbiome-mediated signal builds over days (time constant 3 days)",
                    "rate at which the microbiome-mediated sweetener effect follows exposure")

    community_ref = m.param("glycaemia_community_reference", 0.528, "1", 0.2, 1.0,
                            "assumption: reference scale, the baseline person's total community abundance (sum of "
                            "the guild totals)", "total community abundance at which the sweetener effect is whole")
    gut = m.state("gut_carbohydrate_g", 0.0, "g", "digestible carbohydrate in the gut awaiting absorption",
                  scale=30.0)
    m.rate(gut, carb_meal / STEP_H * m.u("meal") + m.u("added_sugar_g_per_h") - k_abs * gut)
    nns = m.state("sweetener_glycaemic_effect", 0.0, "1", "microbiome-mediated sweetener effect on insulin "
                  "sensitivity (0-1, susceptibility-weighted)", scale=1.0)
    # carried by the microbes (Suez 2014: abolished by antibiotics, transferred by stool): the community must be there
    community = sp.Min(m.ref("community_total") / community_ref, 1)
    exposure = m.ref("sweetener_exposure_adi")
    m.rate(nns, k_nns * (susc * community * exposure / (exposure + nns_half) - nns))
    target = m.let("insulin_sensitivity_target",
                   (1 - g_debt * m.ref("sleep_debt_effect"))
                   * (1 - g_cort * saturating(m.ref("cortisol_daily_load") - 1))
                   * (1 - g_nns * saturating(nns)), "1",
                   "insulin sensitivity the body relaxes to (sleep debt, cortisol, sweetener-conditioned microbiota)")
    sens = m.state("insulin_sensitivity_rel", 1.0, "1", "whole-body insulin sensitivity relative to baseline",
                   scale=1.0)
    m.rate(sens, k_s * (target - sens))
    clearance = m.let("glucose_return_rate", s_g + k_ins * sens, "1/h",
                      "rate at which plasma glucose returns to fasting (glucose effectiveness + insulin action)")
    glucose = m.state("plasma_glucose_mmol_l", 5.0, "mmol/L", "plasma glucose", scale=5.0)
    m.rate(glucose, f_sys * k_abs * gut / (v_g * GRAMS_PER_MMOL_GLUCOSE) - clearance * (glucose - g_fast))
    m.let("glucose_excursion_mmol_l", pos(glucose - g_fast), "mmol/L", "plasma glucose above fasting",
          observe=True)
    m.let("ogtt_iauc_mmol_min_l", 60 * f_sys * 75 / (v_g * GRAMS_PER_MMOL_GLUCOSE) / clearance, "mmol*min/L",
          "incremental area under the glucose curve of a 75-g oral glucose tolerance test taken now (lower = "
          "better glucose tolerance)", observe=True)
