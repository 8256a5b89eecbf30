r"""Gut barrier: mucus layer and tight junctions -> permeability -> LPS translocation.

Mucus (relative thickness, 1 = healthy reference) relaxes towards a target set by fermentable fiber,
hydration and emulsifiers; mucin-degrading taxa graze it harder when fiber is scarce (Desai 2016,
RECALLED). Emulsifier exposure of ~10 g/day halves it (Chassaing 2015: mucus separation about
halved, finding EMU-01).

Tight-junction integrity (1 = healthy) is supported by butyrate and loosened by blood alcohol,
chronic alcohol injury, IL-6, cortisol above its daily norm, sleep loss, and eating during the
biological night (circadian misalignment). Permeability is reported as a lactulose/mannitol-like
index that is ~0.02 when healthy (ALC-02 controls 0.019). Translocated LPS is in fold over the fasting
baseline (REF-03 recommends relative units); it rises after meals by the chylomicron route, scaled by
the processed-food share (REF-03: +45 % at 3 h after a fatty meal).
"""

from __future__ import annotations

from gutsleep.model.spec import ModelBuilder, saturating, soft_ceiling


def build(m: ModelBuilder) -> None:
    m.module("barrier", __doc__ or "")
    k_mucus = m.param("mucus_renewal_rate", 1 / 24, "1/h", 1 / 96, 1 / 6,
                      "assumption: the colonic inner mucus layer is renewed within about a day (RECALLED "
                      "goblet-cell secretion studies)", "rate at which mucus follows its target")
    g_fiber = m.param("mucus_fiber_support", 0.3, "1", 0.0, 1.0,
                      "assumption: fiber deprivation thins mucus (Desai 2016 mice, RECALLED); +/-30 % over the "
                      "fiber range", "relative mucus gain at saturating fiber resource")
    k_water = m.param("mucus_water_half_l", 0.5, "L/day", 0.1, 1.5,
                      "assumption: dehydration thins mucus (seed: hydration protects the mucus layer); little "
                      "effect above ~1.5 L/day",
                      "water intake giving half the hydration support (of the mucus layer and of transit)")
    e50 = m.param("emulsifier_mucus_half_g", 10, "g/day", 3, 30,
                  "calibrated: EMU01-MUCUS; "
                  "EMU-01 (Chassaing 2015): 0.1-1 % CMC/P80 halved mucus separation; EMU-02 used 15 g/day CMC in "
                  "humans -> half effect at ~10 g/day", "emulsifier exposure halving the mucus layer")
    g_md = m.param("mucin_degrader_grazing", 4.0, "1", 0.0, 20.0,
                   "assumption: mucin degraders thin mucus when fiber is low (Desai 2016, RECALLED)",
                   "mucus loss per unit mucin-degrader abundance at zero fiber resource")
    fiber_r = m.sym("fiber_resource")
    food_water = m.param("food_water_l", 0.7, "L/day", 0.4, 1.0,
                         "EFSA 2010 dietary reference values for water: food supplies about 20-30 % of total "
                         "water intake (~0.5-1 L/day of 2-2.5 L)",
                         "water from food, on top of the scenario's drinks")
    water = m.let("total_water_l_per_day", m.u("water_l_per_day") + food_water, "L/day",
                  "water reaching the gut: drinks plus water in food")
    md = m.ref("guild_mucin_degraders")
    hydration = m.let("hydration", (water / (water + k_water)) / ((2 + food_water) / (2 + food_water + k_water)),
                      "1", "gut hydration relative to the typical 2 L/day of drinks (saturating)")
    target = (1 + g_fiber * (fiber_r - 1) / (fiber_r + 1)) * hydration \
        / (1 + m.ref("emulsifier_exposure_g_per_day") / e50) / (1 + g_md * md * 2 / (1 + fiber_r))
    mucus = m.state("mucus_layer", 0.9, "1", "inner mucus layer thickness relative to a healthy reference",
                    scale=1.0)
    m.rate(mucus, k_mucus * (target - mucus))
    m.let("mucin_resource", mucus * 2 / (1 + fiber_r), "1",
          "mucin available to mucin degraders, larger when fiber is scarce")

    k_tj = m.param("tight_junction_rate", 1 / 12, "1/h", 1 / 48, 1,
                   "assumption: tight junctions reassemble within hours after an insult", "tight-junction rate")
    g_but = m.param("butyrate_barrier_support", 0.3, "1", 0.0, 1.0,
                    "assumption: butyrate strengthens tight junctions (RECALLED Peng 2009 Caco-2 TER); +30 % "
                    "at saturation", "tight-junction support by butyrate at saturation")
    d_alc = m.param("alcohol_tight_junction_damage", 0.0, "L/g", 0.0, 2.0,
                    "calibrated: ALC02-ACUTE; "
                    "ALC-02 (Keshavarzian 1994): a single oral dose raised gastroduodenal but not small-intestinal "
                    "(lactulose/mannitol) permeability, so acute alcohol leaks through the upper gut (immune "
                    "module), not here",
                    "junction loosening per g/L blood alcohol")
    d_inj = m.param("alcohol_injury_damage", 1.0, "1", 0.0, 10.0,
                    "assumption: chronic heavy drinking raises intestinal permeability (ALC-02 L/M ratio up)",
                    "junction loosening per unit chronic alcohol injury")
    d_il6 = m.param("il6_tight_junction_damage", 0.2, "1", 0.0, 1.0,
                    "assumption: pro-inflammatory cytokines open tight junctions (seed; RECALLED TNF/IL-6 in "
                    "Caco-2)", "largest junction loosening by IL-6 (saturating in fold above baseline)")
    d_cort = m.param("cortisol_tight_junction_damage", 0.3, "1", 0.0, 1.0,
                     "assumption: stress hormones loosen the barrier (seed: cortisol loosens the barrier)",
                     "largest junction loosening by cortisol (saturating in daily-load excess)")
    d_sd = m.param("sleep_loss_tight_junction_damage", 0.3, "1", 0.0, 2.0,
                   "assumption: 40 h of total sleep deprivation raised permeability markers in one study (seed "
                   "check); 3 nights of 2 h sleep did not",
                   "largest junction loosening by sleep loss (saturating in the lagged signal)")
    d_mis = m.param("misalignment_tight_junction_damage", 0.3, "1", 0.0, 1.0,
                    "assumption: eating in the biological night loosens the barrier (seed; no human data, gap)",
                    "junction loosening per unit circadian misalignment")
    tj = m.state("tight_junction_integrity", 1.0, "1", "tight-junction integrity (1 = healthy)", scale=1.0)
    but = m.sym("portal_butyrate_rel")
    support = 1 + g_but * (but / (but + 1) - 0.5) * 2
    damage = (1 + d_alc * m.ref("blood_alcohol_g_l") + d_inj * m.ref("alcohol_barrier_injury")
              + d_il6 * saturating(m.ref("il6_fold") - 1)
              + d_cort * saturating(m.ref("cortisol_daily_load") - 1)
              + d_sd * saturating(m.ref("sleep_loss_signal")) + d_mis * m.ref("circadian_misalignment"))
    m.rate(tj, k_tj * (support / damage - tj))
    lm0 = m.param("permeability_index_healthy", 0.02, "1", 0.01, 0.04,
                  "ALC-02: urinary lactulose/mannitol 0.019 in controls; range 0.01-0.04: healthy controls 0.012 "
                  "+/- 0.008 (Dastych 2008 Dig Dis Sci 53:2789) to the ~0.03-0.04 upper normal limit of "
                  "lactulose/mannitol tests (RECALLED)", "L/M-like index of a healthy barrier")
    perm_max = m.param("permeability_max_fold", 7.5, "1", 5.0, 12.0,
                       "calibrated: DAS08-CEILING; Dastych 2008 Dig Dis Sci 53:2789: lactulose/mannitol 0.076 +/- "
                       "0.037 in active Crohn's disease vs 0.012 +/- 0.008 in controls; the Crohn's mean + 2 SD (0.15) "
                       "is 7.5 x the healthy index of 0.02 used here (ALC-02)",
                       "largest paracellular permeability relative to a healthy barrier (ceiling)")
    ibs_perm = m.param("ibs_permeability_fold", 1.4, "1", 1.0, 2.0,
                       "assumption: intestinal permeability is raised in IBS, mostly in diarrhoea-predominant and "
                       "post-infectious IBS (Hanning 2021 meta-analysis in Ther Adv Gastroenterol, RECALLED); "
                       "+40 % on the lactulose/mannitol index, up to two-fold",
                       "permeability of a person with irritable bowel syndrome relative to a healthy barrier")
    ibs_factor = 1 + (ibs_perm - 1) * m.ref("ibs")
    perm_rel = m.let("permeability_rel", soft_ceiling(ibs_factor / tj**2 / mucus**0.5, perm_max), "1",
                     "paracellular permeability relative to a healthy barrier (saturating at permeability_max_fold)")
    m.let("permeability_index", lm0 * perm_rel, "1", "lactulose/mannitol-like permeability index", observe=True)

    # pathobiont resource lives here because it is what the barrier lets through
    m.let("pathobiont_resource",
          (0.5 + 0.5 * m.ref("sugar_load_g_per_day") / 70) * (0.8 + 0.2 * m.ref("protein_load_g_per_day") / 80)
          * 2 / (1 + but),
          "1", "resource of pathobionts: sugar and protein, restrained by butyrate-driven epithelial hypoxia "
          "(colonisation resistance; Byndloss 2017, RECALLED)")
