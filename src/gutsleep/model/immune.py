r"""Systemic low-grade inflammation: LPS -> IL-6 -> CRP, and LBP as the slow integrator.

Plasma LPS is in fold over the fasting baseline: translocation follows permeability and the luminal
LPS load of pathobionts (LPS-rich Proteobacteria) and rises after meals through chylomicrons; it is
cleared within about an hour. Acute alcohol adds gastroduodenal leak (ALC-01, ALC-02). IL-6 follows
LPS with a half-life under an hour, is raised by sleep loss, body fat (BMI) and age (+0.05 pg/mL per
year, REF-05), damped by cortisol and fermented foods (fermented-food arm of Wastyk 2021: IL-6 among 19
proteins that fell). Community diversity has no direct term: it acts only through its mechanisms (the pathobionts'
luminal LPS, butyrate and the barrier, the vagus). CRP follows IL-6 through a 4-6 h synthesis delay and is
cleared with t1/2 = 19 h (Pepys: constant in all conditions). LBP integrates LPS over about a day.
"""

from __future__ import annotations

import sympy as sp

from gutsleep.model.spec import ModelBuilder, pos, saturating, soft_ceiling


def build(m: ModelBuilder) -> None:
    m.module("immune", __doc__ or "")
    k_lps = m.param("lps_clearance_rate", 1.0, "1/h", 0.3, 3.0,
                    "assumption: plasma endotoxin is cleared by the liver within about an hour (REF-03 postprandial "
                    "rise resolves by 5-6 h)", "clearance of plasma LPS")
    ref_patho = m.param("pathobiont_reference_abundance", 0.03982, "1", 0.005, 0.2,
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
    lps_gut_max = m.param("gut_lps_max_fold", 20.0, "1", 5.0, 50.0,
                          "assumption: LBP/sCD14 binding and hepatic Kupffer-cell uptake cap gut-derived "
                          "endotoxaemia; in sepsis LBP rises only 5-10 x (Gaini 2007 Crit Care 11:R76: LBP median "
                          "12.7 healthy vs 63-89 ug/mL in sepsis, IQR to 129) and chronic endotoxaemia in alcoholic "
                          "liver disease is a few-fold (RECALLED Parlesak 2000); 20 x keeps a margin above both",
                          "largest plasma LPS fold that translocation from the gut can sustain (ceiling)")
    flux_raw = m.let("gut_lps_flux_raw",
                     m.ref("permeability_rel") * luminal * (1 + g_meal * carrier) / (1 + g_meal * carrier_ref)
                     + g_alc * m.ref("blood_alcohol_g_l"), "1",
                     "LPS translocation from the gut before the binding/clearance ceiling (fold)")
    flux = m.let("gut_lps_flux", soft_ceiling(flux_raw, lps_gut_max), "1",
                 "LPS translocation from the gut, saturating at the ceiling gut_lps_max_fold")
    m.rate(lps, k_lps * (flux - lps) + per_dose * m.u("endotoxin_ng_per_kg_per_h"))

    il6_base = m.param("il6_baseline_pg_ml", 1.15, "pg/mL", 0.5, 8.0,
                       "calibrated: COL11-MEDIANS; population hs-assay medians 1.47 pg/mL (CoLaus, Marques-Vidal 2011 "
                       "PLoS ONE 6:e21002, IQR 0.71-3.53) and 1.2 pg/mL (MESA 2024); REF-05 pooled mean 5.19 mixes "
                       "older assays", "IL-6 of a healthy lean 35-year-old (population median person)")
    il6_age = m.param("il6_age_relative_slope", 0.01, "1/year", 0.0, 0.03,
                      "derived: REF-05 (Said 2021 meta-analysis) +0.05 pg/mL per year on a pooled mean of 5.19 "
                      "pg/mL = ~1 % per year", "relative IL-6 rise per year of age above 35")
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
    g_debt = m.param("sleep_debt_il6_gain", 0.85, "1", 0.0, 2.0,
                     "calibrated: VGO04-IL6; Vgontzas 2004 J Clin Endocrinol Metab 89:2119: one week of 6 h "
                     "nights raised 24-h IL-6 by 0.8 +/- 0.3 pg/mL",
                     "largest relative IL-6 rise from sleep debt (saturating in the debt)")
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
    il6_max = m.param("il6_ceiling_pg_ml", 10000.0, "pg/mL", 2000.0, 50000.0,
                      "Gaini 2007 Crit Care 11:R76: septic shock IL-6 median 6,117 pg/mL, IQR 110-10,212; single "
                      "peaks to 500,000 (Damas 1992 Ann Surg 215:356) are outside a person the model can describe",
                      "absolute ceiling of plasma IL-6 (cytokine production saturates)")
    base = m.let("il6_person_baseline_pg_ml",
                 il6_base * sp.Max(1 + il6_age * m.sym("age_above_reference"), 0.5)
                 * (1 + il6_bmi * (m.sym("bmi_kg_m2") - 23)),
                 "pg/mL", "IL-6 of this person without gut or sleep perturbation")
    il6 = m.state("il6_pg_ml", 1.2, "pg/mL", "plasma IL-6", scale=1.2)

    # endotoxin tolerance: an acute LPS load reprograms monocytes for days (de Vos 2009, Rittig 2015)
    k_mem = m.param("endotoxin_exposure_memory_rate", 0.1, "1/h", 0.03, 1.0,
                    "assumption: monocyte reprogramming follows an LPS challenge over hours, after the cytokine "
                    "peak at 2 h (ex-vivo hyporesponsiveness maximal at 6 h after 0.5 ng/kg, Dillingh 2014)",
                    "rate at which the tolerance-inducing exposure follows acute endotoxaemia")
    lps_tol50 = m.param("endotoxin_tolerance_half_fold", 20.0, "1", 5.0, 100.0,
                        "assumption: only acute (i.v.-like) endotoxaemia induces tolerance (steep, Hill n = 4, so the "
                        "weeks-long memory of gut-derived low-grade levels of 1-4 fold stays below ~5 % tolerance)",
                        "LPS fold above baseline giving half the tolerance-inducing exposure")
    k_tol = m.param("endotoxin_tolerance_induction_rate", 1.0, "1/h", 0.02, 2.0,
                    "calibrated: DEVOS09-TOLERANCE; de Vos 2009 Crit Care Med 37:1929: five daily 2 ng/kg doses, IL-6 "
                    "response attenuated by 88 +/- 8 % on day 5",
                    "rate of tolerance induction at full exposure")
    tau_tol = m.param("endotoxin_tolerance_decay_time_h", 168.0, "h", 48.0, 504.0,
                      "assumption: tolerance fades within weeks (Rittig 2015 Shock 44: no tolerance 5 weeks after "
                      "a first challenge); ~1 week time constant",
                      "time constant of the loss of endotoxin tolerance")
    lps_excess = pos(lps - 1)
    mem = m.state("endotoxin_exposure_memory", 0.0, "1", "recent acute-endotoxaemia exposure (0-1)", scale=1.0)
    m.rate(mem, k_mem * (lps_excess**4 / (lps_excess**4 + lps_tol50**4) - mem))
    tol = m.state("endotoxin_tolerance", 0.0, "1", "endotoxin tolerance: fraction of the acute IL-6 response "
                  "suppressed (0-1)", scale=1.0)
    m.rate(tol, k_tol * mem * (1 - tol) - tol / tau_tol)

    owed = pos(m.ref("sleep_debt_load_h") - m.ref("sleep_debt_free_h"))
    debt_effect = m.let("sleep_debt_effect", owed / (owed + m.ref("sleep_debt_half_effect_h")),
                        "1", "saturating effect of the sleep debt (0-1)")
    excess = lps_excess
    raw_target = base * (1 + (1 - tol) * (g_low * excess / (1 + excess / 5)
                                        + g_lps * excess**5 / (excess**5 + lps50**5))
                         + g_debt * debt_effect) \
        * (1 - g_ferm * saturating(m.ref("fermented_load_servings_per_day") / 3)) \
        / (1 + g_cort * saturating(m.ref("cortisol_daily_load") - 1))
    target = m.let("il6_target_pg_ml", raw_target / (1 + raw_target / il6_max), "pg/mL",
                   "IL-6 the plasma level relaxes to, below the ceiling il6_ceiling_pg_ml")
    m.rate(il6, k_il6 * (target - il6))
    m.let("il6_fold", il6 / base, "1", "IL-6 relative to the person's own baseline", observe=True)
    k_chr = m.param("il6_chronic_rate", 1 / 168, "1/h", 1 / 672, 1 / 48,
                    "assumption: 'chronic low-grade' inflammation is read over about a week, so a single acute "
                    "challenge (IL-6 back to baseline in 4-6 h, INF-01) barely moves it",
                    "rate of the weekly running mean of IL-6")
    chronic = m.state("il6_chronic_fold", 1.0, "1", "running (~1 week) mean of IL-6 relative to the person's "
                      "baseline: the chronic low-grade inflammation level", scale=1.0)
    m.rate(chronic, k_chr * (il6 / base - chronic))

    k_delay = m.param("crp_synthesis_delay_rate", 0.2, "1/h", 0.1, 0.5,
                      "secondary: CRP synthesis starts 4-6 h after an insult and peaks at 36-50 h",
                      "rate of the hepatic synthesis-delay compartment")
    k_crp = m.param("crp_clearance_rate", 0.0365, "1/h", 0.03, 0.045,
                    "Pepys group (Clin Chem): CRP t1/2 ~19 h -> ln2/19 = 0.0365 /h", "CRP clearance")
    crp_ref = m.param("crp_at_il6_reference_mg_l", 1.0, "mg/L", 0.3, 2.0,
                      "calibrated: COL11-MEDIANS; CoLaus (Marques-Vidal 2011) population median CRP 1.3 mg/L (IQR "
                      "0.6-2.7); REF-05 and Pepys (Clin Chem): blood-donor medians 0.58-0.8 mg/L",
                      "CRP of a person whose IL-6 equals crp_il6_reference_pg_ml (hepatic responsiveness 1)")
    crp_resp = m.param("crp_hepatic_responsiveness", 1.0, "1", 0.1, 10.0,
                       "calibrated: COL11-MEDIANS; between-person spread of CRP at a given IL-6 (hepatic genotype, "
                       "e.g. CRP promoter variants; RECALLED); MESA: CRP-IL-6 Spearman 0.53, not 1",
                       "person's hepatic CRP output per unit IL-6 drive, relative to the median person")
    crp_max = m.param("crp_ceiling_mg_l", 500.0, "mg/L", 250.0, 800.0,
                      "Gaini 2007 Crit Care 11:R76: sepsis/septic shock CRP medians 181-205 mg/L, IQR to 306; "
                      "values above ~500 mg/L are exceptional", "ceiling of hepatic CRP synthesis (as plasma level)")
    crp_il6_ref = m.param("crp_il6_reference_pg_ml", 1.2, "pg/mL", 0.5, 5.0,
                          "calibrated: COL11-MEDIANS; the IL-6 level at which a median liver makes "
                          "crp_at_il6_reference_mg_l (a fixed reference, so CRP follows each person's absolute IL-6)",
                          "IL-6 giving the reference CRP")
    drive = m.state("crp_synthesis_drive", 1.0, "1", "hepatic CRP synthesis drive (delayed IL-6)", scale=1.0)
    m.rate(drive, k_delay * (il6 / crp_il6_ref - drive))
    crp = m.state("crp_mg_l", 1.0, "mg/L", "plasma C-reactive protein", scale=1.0)
    crp_raw = crp_ref * crp_resp * drive
    m.rate(crp, k_crp * (crp_raw / (1 + crp_raw / crp_max) - crp))

    k_lbp = m.param("lbp_rate", 1 / 24, "1/h", 1 / 72, 1 / 8,
                    "REF-04: LBP rises within ~24 h of an insult; range 1/72-1/8 /h: acute-phase proteins of the "
                    "liver peak 8 h to 3 days after an insult (RECALLED acute-phase kinetics)",
                    "rate at which LBP follows its target")
    lbp_ref = m.param("lbp_baseline_ug_ml", 6.0, "ug/mL", 2, 10,
                      "calibrated: REF04-LBP; REF-04: healthy 5.1 +/- 2.2 and 7.7 +/- 6.2 ug/mL", "LBP at LPS fold 1")
    g_lbp = m.param("lbp_lps_gain", 0.3, "1", 0.0, 2.0,
                    "assumption: low-grade endotoxaemia moves LBP by tens of percent at most (REF-04)",
                    "relative LBP rise per unit LPS fold above 1")
    lbp_max = m.param("lbp_ceiling_ug_ml", 130.0, "ug/mL", 60.0, 250.0,
                      "Gaini 2007 Crit Care 11:R76: LBP in severe sepsis median 88.7 ug/mL, IQR 61-129",
                      "ceiling of plasma LBP (acute-phase synthesis saturates)")
    lbp = m.state("lbp_ug_ml", 6.0, "ug/mL", "plasma LPS-binding protein", scale=6.0)
    lbp_raw = lbp_ref * (1 + g_lbp * (lps - 1)) * (il6 / base) ** 0.5
    m.rate(lbp, k_lbp * (soft_ceiling(lbp_raw, lbp_max) - lbp))

    # daily cortisol load and lagged sleep loss: slow signals shared by barrier, immune and microbiome
    cort_ref = m.param("cortisol_daily_mean_nmol_l", 129.7, "nmol/L", 100, 300,
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

    # cumulative sleep debt (h): accrues while sleep falls short of need, repaid by extra sleep and over days
    need = m.param("sleep_need_h", 7.0, "h", 6.0, 9.0,
                   "calibrated: REF06-TST; the baseline example "
                   "(TST ~7.1 h in an 8-h opportunity, REF-06) carries no debt; AASM/SRS "
                   "consensus (Watson 2015 Sleep 38:843): adults need >= 7 h", "daily sleep need at age 35")
    need_age = m.param("sleep_need_age_slope", 0.0167, "h/year", 0.0, 0.04,
                       "assumption: need falls as sleep does with age above 35, ~10 min per decade (Ohayon 2004 trend, "
                       "REF-06), so healthy ageing alone accrues no debt",
                       "fall of the daily sleep need per year above 35")
    tau_debt = m.param("sleep_debt_recovery_time_h", 36.0, "h", 24.0, 168.0,
                       "calibrated: PEJ13-RECOVERY; Pejovic 2013 Am J Physiol 305:E890: IL-6 raised by 6 nights of 6 h "
                       "was back to baseline after 2 nights of 10 h; Banks 2010: one recovery night is not enough",
                       "time constant over which an unrepaid sleep debt is forgotten")
    m.param("sleep_debt_half_effect_h", 0.85, "h", 0.25, 4.0,
                     "calibrated: LEP97-CORTISOL; Leproult 1997 Sleep 20:865: one night of 4 h and one night awake "
                     "raised next-evening cortisol by 37 % and 45 % (a saturating response, half-maximal at < 1 h "
                     "of debt load)",
                     "sleep debt giving half of the largest debt effects")
    m.param("sleep_debt_free_h", 0.75, "h", 0.0, 2.0,
            "assumption: in habitual 8-h nights the day-averaged debt swings by up to ~0.5 h within the day "
            "(accrued by day, repaid by night); that swing plus a quarter-hour margin carries no effect",
            "day-averaged sleep debt below which the body shows no debt effect")
    need_person = m.let("sleep_need_person_h", need - need_age * pos(m.sym("age_above_reference")), "h",
                        "daily sleep need of this person (falls with age above 35)")
    debt = m.state("sleep_debt_h", 0.0, "h", "cumulative sleep debt (negative = sleep in hand)", scale=5.0,
                   nonnegative=False)
    m.rate(debt, need_person / 24 - m.ref("asleep") - debt / tau_debt)
    k_load = m.param("sleep_debt_load_rate", 1 / 12, "1/h", 1 / 72, 1 / 6,
                     "assumption: endocrine and immune responses integrate the debt over about a day (the next-evening "
                     "cortisol rise, Leproult 1997; IL-6 over days of restriction, Vgontzas 2004), which also removes "
                     "the within-day swing of the debt (accrued by day, repaid by night)",
                     "rate at which the debt load read by the body follows the sleep debt")
    load_debt = m.state("sleep_debt_load_h", 0.0, "h", "sleep debt as read by the endocrine and immune systems "
                        "(debt averaged over about a day)", scale=5.0, nonnegative=False)
    m.rate(load_debt, k_load * (debt - load_debt))
