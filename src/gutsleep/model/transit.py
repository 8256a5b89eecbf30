r"""Colonic transit and the enteric nervous system (the gut's "second brain").

Whole-gut transit time T sets how fast colonic contents, and the microbes in them, wash out. On a day's diet

    T_day = T_floor + (T_0 - T_floor) exp(-kappa (F - 15 g/day)),   kappa = shortening per g / (48 h - T_floor)

with T_0 = 1 / colon_transit_rate the person's transit on the typical diet and F the bulking fiber (food fiber plus
added arabinoxylan; fermented-away starch, pectin and beta-glucan add little bulk): fiber shortens a slow transit by
the amount fiber trials report and leaves a normal one nearly unchanged, as those trials found. The enteric nervous
system speeds transit under psychological stress (sympathetic and CRF drive), and transit slows when little water is
drunk; the daily speed v = T_0 / T_day x stress x water factor acts on the washout of microbes (part of a guild's
loss rate, the rest being death) and, gated by sleep, on colonic contents: colonic motor activity falls in sleep
and rises on waking. Stool form on the Bristol scale follows the transit time (Lewis & Heaton 1997).
"""

from __future__ import annotations

import sympy as sp

from gutsleep.model.spec import ModelBuilder, pos


def build(m: ModelBuilder) -> None:
    m.module("transit", __doc__ or "")
    k_out = m.param("colon_transit_rate", 1 / 36, "1/h", 1 / 62, 1 / 18,
                    "segmental transit in 26 healthy men (Hepatogastroenterology 2011): whole-gut transit 36.2 +/- "
                    "5.1 h; upper normal colonic transit 62 h",
                    "rate at which colonic contents leave with the stool on the typical diet (1 / whole-gut transit)")
    t_floor = m.param("transit_floor_h", 30.0, "h", 20.0, 36.0,
                      "assumption: extra fiber does not shorten a normal transit (de Vries 2016 Nutrients 8:130: no "
                      "change in trials with an initial transit below 48 h), so the fiber effect acts on the excess "
                      "above a floor just below the typical 36 h",
                      "whole-gut transit time that more fiber approaches but does not go below")
    slope = m.param("transit_fiber_shortening_h_per_g", 0.5, "h/(g/day)", 0.3, 1.0,
                    "de Vries 2016 Nutrients 8:130: ~30 min shorter transit per extra g/day of cereal, fruit or "
                    "vegetable fiber in trials with an initial transit of 48 h or more; 0.78 +/- 0.13 h per g/day "
                    "of wheat fiber (de Vries 2015 World J Gastroenterol 21:8952)",
                    "shortening of whole-gut transit per extra g/day of bulking fiber at an initial 48 h")
    g_stress = m.param("transit_stress_speedup", 0.25, "1", 0.0, 0.6,
                       "assumption: psychological stress and corticotropin-releasing factor accelerate colonic "
                       "transit through the enteric nervous system (Tache & Bonaz 2007 J Clin Invest 117:33, "
                       "RECALLED); +25 % speed at severe stress, relative to the typical 0.2",
                       "relative speed-up of colonic transit from typical (0.2) to severe (1) stress")
    g_water = m.param("transit_water_support", 0.5, "1", 0.0, 1.0,
                      "assumption: low fluid intake slows transit and raising it to ~2 L/day helps fiber work in "
                      "constipation (Anti 1998 Hepatogastroenterology 45:727, RECALLED); half of the speed follows "
                      "hydration",
                      "share of transit speed that follows hydration")
    s_sleep = m.param("sleep_colonic_motility_reduction", 0.5, "1", 0.2, 0.8,
                      "assumption: colonic pressure activity falls by about half in sleep and rises on waking "
                      "(Rao 2001 Am J Physiol Gastrointest Liver Physiol 280:G629, RECALLED)",
                      "relative fall of colonic motor activity while asleep")
    sleep_share = m.param("typical_sleep_share", 0.29, "1", 0.25, 0.4,
                          "assumption: reference scale, the baseline person's share of the day asleep (~7 h of 24, "
                          "REF-06 TST), so the sleep-gated motility has a daily mean of 1 for them",
                          "fraction of the day asleep at which the gated motility has a daily mean of 1")

    t0 = 1 / k_out
    bulk = m.ref("fiber_load_g_per_day") + m.ref("arabinoxylan_added_g_per_day")
    floor = t0 - pos(t0 - t_floor)  # min(T_0, T_floor): a person already faster than the floor keeps T_0
    t_diet = floor + (t0 - floor) * sp.exp(-slope / (48 - t_floor) * (bulk - 15))
    hydration = m.ref("hydration")  # the barrier module's, which the mucus layer reads too
    ibs_stress = m.param("ibs_transit_stress_fold", 2.0, "1", 1.0, 4.0,
                         "assumption: stress and CRF accelerate colonic motility more in irritable bowel syndrome "
                         "(Fukudo 1998 Gut 42:845: CRF-induced colonic motility exaggerated in IBS, RECALLED)",
                         "stress speed-up of transit in irritable bowel syndrome relative to healthy people")
    speed = m.let("transit_speed", t0 / t_diet * (1 + g_stress * (1 + (ibs_stress - 1) * m.ref("ibs"))
                                                  * (m.u("stress") - 0.2))
                  * (1 - g_water + g_water * hydration), "1",
                  "colonic transit speed over the day relative to the typical diet (fiber, stress, water)",
                  observe=True)
    m.let("whole_gut_transit_h", t0 / speed, "h", "whole-gut transit time of the day's diet, stress and water",
          observe=True)
    m.let("colonic_motility", (1 - s_sleep * m.ref("asleep")) / (1 - s_sleep * sleep_share), "1",
          "clock- and sleep-gated colonic motor activity (daily mean ~1 on a typical day)")
    m.let("colonic_washout_rate", k_out * speed * m.sym("colonic_motility"), "1/h",
          "rate at which colonic contents leave with the stool")
    # Lewis & Heaton 1997 Scand J Gastroenterol 32:920: stool form tracks whole-gut transit; log-linear between
    # ~100 h (type 1) and ~10 h (type 7) with type 4 at the typical 36 h of healthy adults (assumption on the
    # numbers, RECALLED), squashed into the scale's 1-7
    # (the log-linear type 4 - ln(T / 36 h) / 0.384, squashed by a logistic of slope 0.7, is a power of T)
    m.let("stool_form_bristol", 1 + 6 / (1 + (m.sym("whole_gut_transit_h") / 36) ** (0.7 / 0.384)), "1",
          "stool form on the Bristol scale (1 hard lumps .. 7 watery), from transit time", observe=True)
