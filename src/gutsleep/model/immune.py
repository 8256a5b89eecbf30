r"""Systemic low-grade inflammation: LPS -> IL-6 -> CRP, and LBP as the slow integrator.

Plasma LPS is in fold over the fasting baseline: translocation follows permeability and the luminal
LPS load of pathobionts (LPS-rich Proteobacteria) and rises after meals through chylomicrons; it is
cleared within about an hour. Acute alcohol adds gastroduodenal leak (ALC-01, ALC-02). IL-6 follows
LPS with a half-life under an hour, is raised by sleep loss, body fat (BMI) and age (+0.05 pg/mL per
year, REF-05), damped by cortisol, butyrate and community diversity (fermented-food arm of Wastyk
2021: IL-6 among 19 proteins that fell). CRP follows IL-6 through a 4-6 h synthesis delay and is
cleared with t1/2 = 19 h (Pepys: constant in all conditions). LBP integrates LPS over about a day.
"""

from __future__ import annotations

import sympy as sp

from gutsleep.model.spec import ModelBuilder, pos, saturating


def build(m: ModelBuilder) -> None:
    m.module("immune", __doc__ or "")
    k_lps = m.param("lps_clearance_rate", 1.0, "1/h", 0.3, 3.0,
                    "assumption: plasma endotoxin is cleared by the liver within about an hour (REF-03 postprandial "
                    "rise resolves by 5-6 h)", "clearance of plasma LPS")
    ref_patho = m.param("pathobiont_reference_abundance", 0.03927, "1", 0.005, 0.2,
                        "assumption: reference scale, the baseline person's "
                        "pathobiont abundance", "pathobiont abundance giving LPS load 1")
    g_meal = m.param("postprandial_lps_gain", 0.6, "1", 0.0, 3.0,
                     "calibrated: REF03-MEAL; REF-03 (Deopurkar 2010): a fatty meal raises endotoxaemia +45 % "
                     "at 3 h; scaled "
                     "by the processed-food share", "postprandial LPS rise per unit chylomicron carrier")
    k_chylo = m.param("chylomicron_rate", 0.7, "1/h", 0.3, 2.0,
                      "assumption: two transit steps (lipid digestion, chylomicron secretion) put the postprandial "
                      "endotoxaemia peak ~2-3 h after a meal, resolved by 5-6 h (REF-03)",
                      "rate constant of each postprandial lipid compartment")
    fat_per_meal = m.param("postprandial_lipid_per_meal", 11.4, "1/h", 2.0, 30.0,
                           "assumption: scales a typical meal (processed share 0.55) to a carrier peak of ~1",
                           "lipid absorbed per meal step, scaled by processed-food share")
    carrier_ref = m.param("postprandial_carrier_daily_mean", 0.48, "1", 0.05, 2.0,
                          "assumption: reference scale, the baseline person's "
                          "mean carrier, so fasting plus meals average to the barrier's "
                          "own LPS level", "daily-mean postprandial carrier of the baseline diet")
    g_alc = m.param("alcohol_lps_gain", 0.8, "L/g", 0.0, 5.0,
                    "assumption: a binge (0.8 g/L) raises serum endotoxin within hours (Bala 2014, ALC-01; "
                    "fold not retrieved)", "LPS fold rise per g/L blood alcohol (gastroduodenal leak)")
    per_dose = m.param("lps_fold_per_endotoxin_ng_per_kg", 100.0, "kg/ng", 20.0, 500.0,
                       "assumption: scales i.v. endotoxin doses onto the fold-over-fasting axis (gut-derived "
                       "endotoxaemia is orders of magnitude below the i.v. boluses of Copeland 2005)",
                       "plasma LPS fold added per ng/kg of intravenous endotoxin")
    lipid = m.state("postprandial_lipid", 0.1, "1", "dietary lipid being digested after meals", scale=1.0)
    carrier = m.state("chylomicron_lps_carrier", 0.1, "1", "postprandial chylomicron LPS carrier", scale=1.0)
    m.rate(lipid, fat_per_meal * m.u("meal") * (0.4 + m.u("ultra_processed_share")) - k_chylo * lipid)
    m.rate(carrier, k_chylo * (lipid - carrier))
    luminal = m.let("luminal_lps_load", (0.5 + 0.5 * m.ref("guild_pathobionts") / ref_patho), "1",
                    "luminal LPS relative to baseline (pathobionts carry most bioactive LPS)")
    lps = m.state("lps_fold", 1.0, "1", "plasma LPS, fold over the fasting baseline", scale=1.0)
    flux = m.ref("permeability_rel") * luminal * (1 + g_meal * carrier) / (1 + g_meal * carrier_ref) \
        + g_alc * m.ref("blood_alcohol_g_l")
    m.rate(lps, k_lps * (flux - lps) + per_dose * m.u("endotoxin_ng_per_kg_per_h"))

    il6_base = m.param("il6_baseline_pg_ml", 3.5, "pg/mL", 1.0, 8.0,
                       "calibrated: REF05-IL6; "
                       "REF-05: healthy IL-6 pooled estimate 5.19 pg/mL (95 % CI 4.6-5.7); 'normal' < 5; a lean "
                       "35-year-old below the pooled mean", "IL-6 of a healthy lean 35-year-old")
    il6_age = m.param("il6_age_slope", 0.05, "pg/mL/year", 0.0, 0.1,
                      "REF-05 (Said 2021 meta-analysis): +0.05 pg/mL per year of age", "IL-6 rise per year")
    il6_bmi = m.param("il6_bmi_slope", 0.06, "1/(kg/m^2)", 0.0, 0.15,
                      "assumption: adipose tissue secretes IL-6; ~+6 % per BMI unit (RECALLED cohort data)",
                      "relative IL-6 rise per BMI unit above 23")
    g_low = m.param("il6_lps_low_grade_gain", 0.6, "1", 0.0, 3.0,
                    "assumption: low-grade endotoxaemia moves IL-6 by tenths of its SD (REF-05): +0.6 per unit "
                    "LPS fold, saturating at +3", "initial relative IL-6 rise per unit LPS fold above 1")
    g_lps = m.param("il6_lps_max_fold", 300.0, "1", 50.0, 1000.0,
                    "Copeland 2005 Clin Diagn Lab Immunol: 2 ng/kg i.v. endotoxin drives IL-6 from ~5 to ~1000 "
                    "pg/mL at 2 h",
                    "largest relative IL-6 rise of the acute (endotoxaemia) response")
    lps50 = m.param("il6_lps_half_effect_fold", 128.0, "1", 50.0, 500.0,
                    "calibrated: INF01-U; Copeland 2005 (2 ng/kg -> IL-6 ~x200) and Dillingh 2014 (0.5 ng/kg -> IL-6 "
                    "+288 %) with "
                    "a Hill exponent of 5 and 100 LPS-fold per ng/kg",
                    "LPS fold above baseline giving half the acute IL-6 response")
    g_sd = m.param("sleep_loss_il6_gain", 0.8, "1", 0.0, 3.0,
                   "assumption: sleep loss raises IL-6 (seed feedback loop; RECALLED Vgontzas 2004)",
                   "largest relative IL-6 rise from sleep loss (saturating in pressure above 0.75)")
    g_div = m.param("diversity_il6_damping", 0.5, "1", 0.0, 1.0,
                    "calibrated: FERM01-DOSE; FERM-01 (Wastyk 2021): IL-6 fell as diversity rose on fermented foods",
                    "relative IL-6 fall per unit Shannon diversity above its baseline")
    div_ref = m.param("shannon_reference", 2.7941, "1", 1.5, 3.5,
                      "assumption: reference scale, the baseline person's Shannon index of the modelled community",
                      "Shannon diversity at which the damping is zero")
    g_cort = m.param("cortisol_il6_suppression", 0.3, "1", 0.0, 1.0,
                     "assumption: glucocorticoids suppress IL-6 transcription (RECALLED)",
                     "relative IL-6 suppression per unit excess daily cortisol load")
    g_ferm = m.param("fermented_food_il6_damping", 0.15, "1", 0.0, 0.5,
                     "assumption: FERM-01 (Wastyk 2021): IL-6 among 19 inflammatory proteins that fell on +6 "
                     "servings/day (size not retrieved); 15 % at saturating intake, half at ~3 servings/day",
                     "largest relative IL-6 reduction from fermented-food intake")
    k_il6 = m.param("il6_removal_rate", 0.69, "1/h", 0.3, 2.0,
                    "secondary (operativeneurosurgery): IL-6 biological half-time < 1 h -> ln2/1 h",
                    "IL-6 removal rate")
    base = m.let("il6_person_baseline_pg_ml",
                 (il6_base + il6_age * m.sym("age_above_reference")) * (1 + il6_bmi * (m.sym("bmi_kg_m2") - 23)),
                 "pg/mL", "IL-6 of this person without gut or sleep perturbation")
    il6 = m.state("il6_pg_ml", 3.5, "pg/mL", "plasma IL-6", scale=3.5)
    excess = pos(lps - 1)
    target = base * (1 + g_low * excess / (1 + excess / 5) + g_lps * excess**5 / (excess**5 + lps50**5)
                     + g_sd * saturating(4 * (m.ref("sleep_pressure_H") - 0.75))) \
        * sp.exp(-g_div * (m.ref("shannon") - div_ref)) \
        * (1 - g_ferm * saturating(m.ref("fermented_load_servings_per_day") / 3)) \
        / (1 + g_cort * saturating(m.ref("cortisol_daily_load") - 1))
    m.rate(il6, k_il6 * (target - il6))
    m.let("il6_fold", il6 / base, "1", "IL-6 relative to the person's own baseline", observe=True)

    k_delay = m.param("crp_synthesis_delay_rate", 0.2, "1/h", 0.1, 0.5,
                      "secondary: CRP synthesis starts 4-6 h after an insult and peaks at 36-50 h",
                      "rate of the hepatic synthesis-delay compartment")
    k_crp = m.param("crp_clearance_rate", 0.0365, "1/h", 0.03, 0.045,
                    "Pepys group (Clin Chem): CRP t1/2 ~19 h -> ln2/19 = 0.0365 /h", "CRP clearance")
    crp_ref = m.param("crp_at_il6_reference_mg_l", 0.8, "mg/L", 0.3, 2.0,
                      "calibrated: REF05-CRP; REF-05 and Pepys (Clin Chem): healthy median CRP 0.58-0.8 "
                      "mg/L", "CRP of a person at IL-6 = 3.5 pg/mL")
    drive = m.state("crp_synthesis_drive", 1.0, "1", "hepatic CRP synthesis drive (delayed IL-6)", scale=1.0)
    m.rate(drive, k_delay * (il6 / 3.5 - drive))
    crp = m.state("crp_mg_l", 0.8, "mg/L", "plasma C-reactive protein", scale=0.8)
    m.rate(crp, k_crp * (crp_ref * drive - crp))

    k_lbp = m.param("lbp_rate", 1 / 24, "1/h", 1 / 72, 1 / 8,
                    "REF-04: LBP rises within ~24 h of an insult", "rate at which LBP follows its target")
    lbp_ref = m.param("lbp_baseline_ug_ml", 6.0, "ug/mL", 2, 10,
                      "calibrated: REF04-LBP; REF-04: healthy 5.1 +/- 2.2 and 7.7 +/- 6.2 ug/mL", "LBP at LPS fold 1")
    g_lbp = m.param("lbp_lps_gain", 0.3, "1", 0.0, 2.0,
                    "assumption: low-grade endotoxaemia moves LBP by tens of percent at most (REF-04)",
                    "relative LBP rise per unit LPS fold above 1")
    lbp = m.state("lbp_ug_ml", 6.0, "ug/mL", "plasma LPS-binding protein", scale=6.0)
    m.rate(lbp, k_lbp * (lbp_ref * (1 + g_lbp * (lps - 1)) * (il6 / base) ** 0.5 - lbp))

    # daily cortisol load and lagged sleep loss: slow signals shared by barrier, immune and microbiome
    cort_ref = m.param("cortisol_daily_mean_nmol_l", 140.3, "nmol/L", 100, 300,
                       "assumption: reference scale, the baseline person's "
                       "24-h mean cortisol of the HPA-01 profile (55-430 nmol/L)",
                       "24-h mean cortisol of the baseline person")
    load = m.state("cortisol_daily_load", 1.0, "1", "24-h mean cortisol relative to baseline", scale=1.0)
    m.rate(load, (m.ref("cortisol_nmol_l") / cort_ref - load) / 24)
    k_sl = m.param("sleep_loss_signal_rate", 1 / 24, "1/h", 1 / 72, 1 / 6,
                   "calibrated: SD03-LAG; "
                   "assumption: microbiome shifts appear 1-2 days after sleep disruption (Bowers 2020, SD-03)",
                   "rate of the lagged sleep-loss signal")
    g_sl = m.param("sleep_loss_signal_gain", 4.0, "1", 1.0, 10.0,
                   "assumption: a night without sleep (pressure ~0.9) gives a signal near 0.6",
                   "signal per unit of sleep pressure above 0.75")
    sl = m.state("sleep_loss_signal", 0.0, "1", "lagged sleep-loss signal", scale=0.5)
    m.rate(sl, k_sl * (g_sl * pos(m.ref("sleep_pressure_H") - 0.75) - sl))
