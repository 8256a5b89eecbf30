r"""Exposures: alcohol pharmacokinetics, antibiotic gut levels, and smoothed dietary loads.

Alcohol: gastric absorption (first order) into the Widmark volume r x body mass, Michaelis-Menten
elimination with Norberg et al. 2000 (Br J Clin Pharmacol 49:399) V_max = 95 mg/min and K_m = 27 mg/L;
V_max / V matches Widmark's beta ~0.15 g/L/h. Sustained heavy drinking induces microsomal elimination up to
about twice that (alcoholics, Winek & Murphy 1984), and intake fades out near stupor (~3 g/L), so blood
alcohol stays bounded for any number of drinks a scenario allows. A lagged copy of the blood level gives the rebound
arousal of the second half of the night; a slow injury state gives the chronic barrier damage that
heals over 1-2 weeks of abstinence (finding ALC-02).

Antibiotics: each class has a gut level that rises during a course and washes out after it, so that
killing lasts a little beyond the last dose (Dethlefsen 2011: recovery begins about a week after).

Daily loads (sugar, protein, emulsifiers, sweeteners) are low-pass filtered over a day because the
microbiome responds to what is eaten over days, not to single meals.
"""

from __future__ import annotations

import sympy as sp

from gutsleep.model.inputs import ADDED_FIBERS
from gutsleep.model.spec import ModelBuilder, pos

NORBERG = "Norberg, Gabrielsson, Jones & Hahn 2000 Br J Clin Pharmacol 49:399"


def build(m: ModelBuilder) -> None:
    m.module("exposures", __doc__ or "")
    female = m.sym("is_female")
    mass = m.sym("body_mass_kg")
    # --- alcohol ---------------------------------------------------------------------------------------
    r_m = m.param("widmark_factor_male", 0.68, "L/kg", 0.55, 0.8,
                  "Washington State Patrol Widmark worked example (2002): r = 0.68 L/kg for men",
                  "Widmark distribution factor, men")
    r_f = m.param("widmark_factor_female", 0.55, "L/kg", 0.45, 0.7,
                  "assumption: r ~ 0.55 L/kg for women (RECALLED; body water ~60 % vs ~70 % in men)",
                  "Widmark distribution factor, women")
    k_abs = m.param("alcohol_absorption_rate", 3.0, "1/h", 1.0, 6.0,
                    "assumption: peak blood alcohol 30-60 min after drinking on a light stomach",
                    "first-order gastric absorption of ethanol")
    first_pass = m.param("alcohol_first_pass_fraction", 0.15, "1", 0.0, 0.3,
                         "drugcom.de Widmark page (secondary): 10-30 % of ingested ethanol never reaches blood",
                         "fraction lost to gastric first-pass metabolism")
    vmax = m.param("alcohol_elimination_vmax", 5.7, "g/h", 4.2, 7.2, f"{NORBERG}: V_max = 95 +/- 25 mg/min = 5.7 g/h",
                   "maximal hepatic ethanol elimination")
    km = m.param("alcohol_elimination_km", 0.027, "g/L", 0.008, 0.05, f"{NORBERG}: K_m = 27 +/- 19 mg/L",
                 "Michaelis constant of ethanol elimination")
    volume = m.let("alcohol_distribution_volume_l", (female * r_f + (1 - female) * r_m) * mass, "L",
                   "Widmark distribution volume r x body mass")
    gut_alc = m.state("alcohol_stomach_g", 0.0, "g", "ethanol in stomach and gut, not yet absorbed", scale=20.0)
    bac = m.state("blood_alcohol_g_l", 0.0, "g/L", "blood alcohol concentration", scale=0.5)
    # Drinking stops near stupor: the scenario's drinks are what the person means to drink, but nobody keeps
    # drinking at ~3 g/L (vomiting, loss of consciousness), so intake fades out above that level.
    b_stop = m.param("alcohol_intake_stop_g_l", 3.0, "g/L", 2.0, 4.0,
                     "assumption: stupor and vomiting stop drinking near 3 g/L; intoxicated emergency patients "
                     "present at 0.58-4.47 g/L (J Emerg Med 1991 ED series, mean 2.5 g/L)",
                     "blood alcohol at which half of the intended intake is still drunk")
    m.let("alcohol_intake_g_per_h", m.u("alcohol_g_per_h") / (1 + (bac / b_stop) ** 6), "g/h",
          "ethanol actually drunk: the intended intake, fading out near stupor", observe=True)
    # Heavy drinking induces microsomal (CYP2E1, MEOS) elimination over days to weeks (Winek & Murphy 1984:
    # 12 mg%/h in non-drinkers, 15 in social drinkers, 30 +/- 9 in alcoholics). It is a second Michaelis-Menten
    # pathway with a high K_m, so it works at intoxicating levels and adds no stiffness near zero.
    f_ind = m.param("alcohol_induction_max_fold", 1.0, "1", 0.4, 1.6,
                    "Winek & Murphy 1984 Forensic Sci Int 25:159: elimination 30 +/- 9 mg%/h in alcoholics vs "
                    "15 +/- 4 in social drinkers -> +100 % at full induction (range from the SDs)",
                    "microsomal elimination capacity at full induction (fraction of the dehydrogenase V_max)")
    b_ind = m.param("alcohol_induction_half_g_l", 0.5, "g/L", 0.2, 1.5,
                    "assumption: induction needs sustained blood alcohol; half-maximal at a mean 0.5 g/L (about "
                    "8-10 drinks/day), so social drinking induces little (Winek & Murphy 1984 social drinkers "
                    "differ from non-drinkers by 25 %)",
                    "mean blood alcohol giving half-maximal induction")
    k_ind = m.param("alcohol_induction_rate", 1 / 168, "1/h", 1 / 504, 1 / 48,
                    "assumption: CYP2E1 induction builds and fades over about a week (raised elimination in "
                    "alcoholics persists into the first days of detoxification)",
                    "rate at which microsomal induction follows blood alcohol")
    induction = m.state("alcohol_meos_induction", 0.0, "1",
                        "microsomal (CYP2E1) induction of ethanol elimination (0 none, 1 full)", scale=1.0)
    m.rate(induction, k_ind * (bac / (bac + b_ind) - induction))
    m.rate(gut_alc, m.ref("alcohol_intake_g_per_h") - k_abs * gut_alc)
    km_meos = m.param("alcohol_meos_km", 0.46, "g/L", 0.3, 0.6,
                      "Lieber 1999 Alcohol Clin Exp Res 23:991 (MEOS review): K_m of the microsomal system for "
                      "ethanol 8-11 mM (x 46 g/mol = 0.37-0.51 g/L), far above alcohol dehydrogenase's",
                      "Michaelis constant of the induced microsomal elimination")
    # Near zero, dehydrogenase elimination is first order at vmax / (volume km): up to ~25/h for a small body at the
    # low end of K_m, faster than the 15-min explicit step resolves (unstable above ~11/h). The effective K_m keeps
    # that rate at or below 8/h; it differs from K_m only for small bodies or low K_m, and only changes elimination
    # below ~0.05 g/L, where a drink's last traces leave the blood within minutes either way.
    km_eff = m.let("alcohol_elimination_km_effective", sp.Max(km, vmax / (volume * 8.0)), "g/L",
                   "Michaelis constant of ethanol elimination, floored so the first-order rate stays <= 8/h")
    m.rate(bac, (1 - first_pass) * k_abs * gut_alc / volume
           - vmax / volume * (bac / (km_eff + bac) + f_ind * induction * bac / (km_meos + bac)))
    k_lag = m.param("alcohol_rebound_lag_rate", 0.4, "1/h", 0.1, 1.0,
                    "assumption: rebound arousal appears ~2-3 h after blood alcohol falls (RECALLED sleep-EEG "
                    "studies of evening alcohol)",
                    "rate at which the adaptive (withdrawal) level follows blood alcohol")
    lagged = m.state("alcohol_adapted_g_l", 0.0, "g/L", "lagged blood alcohol the brain has adapted to", scale=0.5)
    m.rate(lagged, k_lag * (bac - lagged))
    m.let("alcohol_rebound_g_l", pos(lagged - bac), "g/L", "withdrawal rebound: adaptation above current level",
          observe=True)
    k_inj = m.param("alcohol_injury_rate", 0.005, "L/g/h", 0.0, 0.5,
                    "assumption: repeated heavy drinking builds a barrier injury that needs days to heal "
                    "(ALC-02 chronic alcoholics)",
                    "rate of chronic epithelial injury per g/L of blood alcohol")
    k_heal = m.param("alcohol_injury_healing_rate", 0.0046, "1/h", 0.003, 0.009,
                     "calibrated: ALC02-RECOVERY; "
                     "ALC-02 (Keshavarzian 1994, Bjarnason 1984): permeability normalises over 7-14 days of "
                     "sobriety; 1/(9 days) (derived)",
                     "healing rate of chronic alcohol injury")
    injury = m.state("alcohol_barrier_injury", 0.0, "1", "chronic alcohol injury of the epithelium", scale=0.1)
    m.rate(injury, k_inj * bac - k_heal * injury)

    # --- antibiotics ------------------------------------------------------------------------------------
    k_up = m.param("antibiotic_uptake_rate", 0.5, "1/h", 0.1, 2.0,
                   "assumption: gut drug levels reach steady state within the first day of a course",
                   "rate at which gut antibiotic levels rise during a course")
    k_wash = m.param("antibiotic_washout_rate", 0.029, "1/h", 0.01, 0.1,
                     "assumption: luminal antibiotic activity halves within a day after the last dose "
                     "(t1/2 24 h -> 0.029 /h)",
                     "washout rate of gut antibiotic activity")
    for klass in ("broad", "anaerobe", "quinolone"):
        level = m.state(f"antibiotic_{klass}_level", 0.0, "1", f"gut activity of {klass} antibiotics (0..1)",
                        scale=1.0)
        m.rate(level, k_up * m.u(f"antibiotic_{klass}") * (1 - level) - k_wash * level)

    # --- daily dietary loads ---------------------------------------------------------------------------------
    tau = m.param("diet_memory_h", 24, "h", 6, 72,
                  "assumption: the microbiome integrates diet over about a day (David 2014 diet-switch "
                  "responses within 1-2 days, RECALLED)",
                  "time constant of the smoothed dietary loads")
    for name, channel, unit, init in (
        ("sugar_load_g_per_day", "added_sugar_g_per_h", "g/day", 70.0),
        ("protein_load_g_per_day", "protein_g_per_h", "g/day", 80.0),
        ("fermented_load_servings_per_day", "fermented_servings_per_h", "servings/day", 0.0),
        ("fiber_load_g_per_day", "fiber_g_per_h", "g/day", 15.0),
        *((f"{name}_added_g_per_day", f"{name}_g_per_h", "g/day", 0.0) for name in ADDED_FIBERS),
    ):
        st = m.state(name, init, unit, f"smoothed daily intake ({channel})", scale=max(init, 1.0))
        m.rate(st, (24 * m.u(channel) - st) / tau)
    live = m.state("live_lactic_intake_cfu_per_day", 0.0, "CFU/day",
                   "smoothed intake of live lactic-acid bacteria from supplements and fermented foods", scale=1e10)
    m.rate(live, (24 * (m.u("probiotic_cfu_per_h")
                        + m.u("fermented_servings_per_h") * m.ref("fermented_food_live_microbes_per_serving"))
                  - live) / tau)
    upf_emu = m.param("ultra_processed_emulsifier_g", 3.0, "g/day", 0.5, 10.0,
                      "assumption: a fully ultra-processed diet supplies a few g/day of emulsifiers (CMC, P80, "
                      "lecithins); scaled by the processed share",
                      "emulsifier intake implied by an all-ultra-processed diet")
    m.let("emulsifier_exposure_g_per_day",
          m.u("emulsifier_g_per_day") + upf_emu * m.u("ultra_processed_share"), "g/day",
          "total emulsifier exposure: added plus implied by processed food")
    adi_sac = m.param("saccharin_adi_mg", 350, "mg/day", 200, 500,
                      "JECFA/FDA ADI 5 mg/kg/day x 70 kg (Suez 2014 used the ADI in humans)",
                      "acceptable daily intake of saccharin")
    adi_suc = m.param("sucralose_adi_mg", 350, "mg/day", 200, 500,
                      "assumption: FDA ADI 5 mg/kg/day x 70 kg (RECALLED)", "acceptable daily intake of sucralose")
    adi_asp = m.param("aspartame_adi_mg", 3500, "mg/day", 2000, 4000,
                      "assumption: FDA ADI 50 mg/kg/day x 70 kg (RECALLED)", "acceptable daily intake of aspartame")
    asp_w = m.param("aspartame_microbiome_weight", 0.3, "1", 0.0, 1.0,
                    "assumption: aspartame changed composition without a group glycaemic effect (NNS-02), so its "
                    "microbiome effect per ADI is weaker than saccharin/sucralose",
                    "relative microbiome potency of aspartame per ADI")
    m.let("sweetener_exposure_adi",
          m.u("saccharin_mg_per_day") / adi_sac + m.u("sucralose_mg_per_day") / adi_suc
          + asp_w * m.u("aspartame_mg_per_day") / adi_asp, "1",
          "non-nutritive sweetener exposure in ADI-equivalents per day")
