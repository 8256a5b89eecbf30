r"""Fermentation and microbial metabolites: fiber transit, SCFA, GABA, tryptophan and serotonin pools.

Fiber and prebiotics pass the small intestine (mean 6.8 h mouth-to-caecum, Hepatogastroenterology
2011 segmental transit study) into colonic pools fermented by the saccharolytic guilds with a yield of
~10 mmol SCFA per g (Miller-Wolin stoichiometry, RECALLED). Each guild has its own acetate/propionate/
butyrate stoichiometry, so the 60:25:15 ratio (Cummings & Branch 1986, finding FIB-02) emerges from
the baseline composition and shifts when it does. SCFA are absorbed first-order (k ~0.25 /h, derived
from McNeil 1978 and a 6-12 h proximal residence) or leave with the stool.

GABA is made from dietary glutamate by Lactobacillus/Bifidobacterium producers (Barrett 2012) and
stays in the lumen (fecal 0-330 ug/g, finding GABA-01); it reaches the brain only as a vagal signal.

Serotonin: enterochromaffin (EC) synthesis is tryptophan-limited and scaled per cell by spore-forming
Clostridia and SCFA (Yano 2015, Reigstad 2015; germ-free synthesis ~0.4-0.5 x conventional). Released
5-HT enters a small fast free-plasma pool cleared in about an hour, from which platelets take it up and
keep it for their ~9-day life (REF-02). Brain serotonin is a separate pool made by TPH2 from plasma
tryptophan; gut 5-HT does not feed it (SER-01).
"""

from __future__ import annotations

import sympy as sp

from gutsleep.model.inputs import ADDED_FIBERS
from gutsleep.model.spec import ModelBuilder

GUILD_STOICHIOMETRY = {  # (propionate share, butyrate share); acetate = the rest
    "butyrate_producers": (0.05, 0.39),
    "saccharolytic": (0.405, 0.0),
    "lactic_acid": (0.1, 0.0),
    "spore_formers": (0.1, 0.3),
}
FERMENTER_WEIGHT = {"butyrate_producers": 1.0, "saccharolytic": 1.0, "lactic_acid": 1.0, "spore_formers": 0.5}


def build(m: ModelBuilder) -> None:
    m.module("metabolites", __doc__ or "")
    # --- substrate transit and fermentation ------------------------------------------------------------
    ferm_frac = m.param("fiber_fermentable_fraction", 0.5, "1", 0.2, 0.9,
                        "assumption: about half of typical dietary fiber (cellulose excluded) is fermented",
                        "fraction of dietary fiber that can be fermented")
    rs = m.param("other_fermentable_substrate_g_per_day", 15, "g/day", 5, 40,
                 "assumption: resistant starch, unabsorbed sugars and host mucus give ~10-20 g/day of colonic "
                 "substrate on a Western diet (RECALLED Cummings & Macfarlane 1991)",
                 "fermentable substrate reaching the colon besides dietary fiber")
    k_si = m.param("small_intestine_transit_rate", 1 / 6.8, "1/h", 1 / 10, 1 / 4,
                   "segmental transit in 26 healthy men: mouth-to-caecum 6.8 +/- 1.4 h -> 1/6.8 /h",
                   "rate at which ingested fiber reaches the caecum")
    k_ferm = m.param("fermentation_max_rate", 0.4, "1/h", 0.1, 1.0,
                     "assumption: fermentable carbohydrate is mostly used within the 6-12 h proximal residence "
                     "(FIB-02)",
                     "maximal first-order fermentation rate at saturating microbial capacity")
    k_cap = m.param("fermenter_half_capacity", 0.2, "1", 0.05, 1.0,
                    "assumption: fermentation saturates once fiber fermenters are at a few tenths of the load",
                    "fermenter abundance giving half the maximal fermentation rate")
    yield_ = m.param("scfa_yield_mmol_per_g", 10.0, "mmol/g", 6.0, 12.0,
                     "Miller-Wolin stoichiometry: 1.86 mol SCFA per mol hexose = 10.3 mmol/g (RECALLED, derived)",
                     "SCFA formed per gram of fermented carbohydrate")
    v_colon = m.param("proximal_colon_volume_l", 0.5, "L", 0.2, 1.0,
                      "assumption: proximal colon content ~0.2-0.5 kg", "volume of the fermenting compartment")
    k_abs = m.param("scfa_absorption_rate", 0.25, "1/h", 0.1, 0.5,
                    "derived: >= 95 % absorbed during a 12 h proximal residence gives k >= 0.25 /h (McNeil 1978 "
                    "first-order uptake)",
                    "first-order colonic SCFA absorption")

    fiber_si = m.state("fiber_small_intestine_g", 4.0, "g", "fermentable fiber in transit to the caecum", scale=5.0)
    pre_si = m.state("prebiotic_small_intestine_g", 0.0, "g", "prebiotic fiber in transit to the caecum", scale=5.0)
    carb = m.state("colon_fermentable_carbohydrate_g", 3.0, "g", "fermentable carbohydrate in the colon", scale=5.0)
    pre = m.state("colon_prebiotic_g", 0.0, "g", "inulin/FOS in the colon", scale=5.0)
    iso_frac = m.param("isolated_fiber_fermentable_fraction", 0.9, "1", 0.6, 1.0,
                       "assumption: purified resistant starch, pectin, arabinoxylan and beta-glucan are almost "
                       "completely fermented in the colon (faecal recovery of resistant starch ~10 %, RECALLED "
                       "faecal-recovery studies), unlike the cellulose-rich fiber of whole foods",
                       "fraction of added (isolated) fiber that can be fermented")
    isolated = sp.Add(*(m.u(f"{name}_g_per_h") for name in ADDED_FIBERS))
    m.rate(fiber_si, ferm_frac * m.u("fiber_g_per_h") + iso_frac * isolated - k_si * fiber_si)
    m.rate(pre_si, m.u("prebiotic_g_per_h") - k_si * pre_si)

    guild = {g: m.ref(f"guild_{g}") for g in ("butyrate_producers", "saccharolytic", "lactic_acid",
                                              "spore_formers")}
    cap = m.let("fermenter_capacity", sp.Add(*(FERMENTER_WEIGHT[g] * guild[g] for g in guild)), "1",
                "fiber-fermenting abundance (spore-formers at half weight)")
    # Acidification: as SCFA accumulate, proximal colonic pH falls towards ~5.5 and fermentation slows (the
    # factor is 1 for the baseline person), so very high fiber loads cannot raise SCFA without bound.
    k_acid = m.param("scfa_acid_inhibition_mM", 100, "mM", 50, 300,
                     "assumption: proximal colonic pH falls from ~6.5 to ~5.5 as total SCFA rise from ~60 to "
                     "~150-200 mM, and at pH 5.5 fermenting communities grow markedly slower (Walker 2005 Appl "
                     "Environ Microbiol 71:3692, continuous culture at pH 5.5 vs 6.5; RECALLED colonic pH)",
                     "total colonic SCFA at which acidification halves fermentation (relative to none)")
    scfa_base = m.param("scfa_total_baseline_mM", 61.7, "mM", 40, 100,
                        "assumption: reference scale, the baseline person's total colonic SCFA at steady state (the "
                        "acidification factor is 1 there)",
                        "total colonic SCFA of the baseline person, where acidification is taken as reference")
    acid = m.let("fermentation_acid_factor", (1 + scfa_base / k_acid) / (1 + m.ref("scfa_total_mM") / k_acid), "1",
                 "slowing of fermentation by colonic acidification (1 at baseline)")
    v_f = m.let("fiber_fermentation_g_per_h", k_ferm * carb * cap / (cap + k_cap) * acid, "g/h",
                "fermentation of colonic carbohydrate")
    cap_p = m.let("prebiotic_fermenter_capacity", guild["lactic_acid"] + 0.3 * guild["butyrate_producers"], "1",
                  "inulin/FOS users: bifidobacteria and lactobacilli, butyrate producers via cross-feeding")
    k_cap_p = m.param("prebiotic_fermenter_half_capacity", 0.02, "1", 0.005, 0.1,
                      "assumption: inulin is bifidogenic at the few-% abundances of bifidobacteria (FIB-03c)",
                      "prebiotic-fermenter abundance giving half the maximal rate")
    v_p = m.let("prebiotic_fermentation_g_per_h", k_ferm * pre * cap_p / (cap_p + k_cap_p) * acid, "g/h",
                "fermentation of inulin/FOS")
    washout = m.ref("colonic_washout_rate")  # k_out gated by transit speed and colonic motility (transit module)
    m.rate(carb, k_si * fiber_si + rs / 24 - v_f - washout * carb)
    m.rate(pre, k_si * pre_si - v_p - washout * pre)

    # resources for the guilds
    carb_ref = m.param("colon_carbohydrate_reference_g", 2.898, "g", 0.5, 10,
                       "assumption: reference scale, the baseline person's "
                       "mean colonic carbohydrate pool (typical US diet, FIB-01)",
                       "colonic carbohydrate at which fiber fermenters grow at their baseline rate")
    m.let("fiber_resource", 2 * carb / (carb + carb_ref), "1", "fiber resource relative to baseline (saturating)")
    g_pre = m.param("prebiotic_lactic_boost", 1.5, "1", 0.0, 5.0,
                    "assumption: 10 g/day inulin/GOS raises bifidobacteria several-fold within weeks (FIB-03c: "
                    "Bifidobacterium up, p = 0.02)",
                    "extra growth of lactic-acid bacteria at saturating prebiotic")
    m.let("lactic_resource", (1 + m.sym("plant_fiber_resource")) / 2 + g_pre * pre / (pre + 1), "1",
          "resource of lactic-acid bacteria: fructans and oligosaccharides of dietary fiber plus prebiotic")

    # SCFA
    shares = {g: FERMENTER_WEIGHT[g] * guild[g] / (cap + 1e-12) for g in guild}
    prop_share = sp.Add(*(shares[g] * GUILD_STOICHIOMETRY[g][0] for g in guild))
    but_share = sp.Add(*(shares[g] * GUILD_STOICHIOMETRY[g][1] for g in guild))
    pre_but_share = 0.3 * guild["butyrate_producers"] * GUILD_STOICHIOMETRY["butyrate_producers"][1] / (cap_p + 1e-12)
    prod_p = m.let("propionate_production_mmol_h",
                   yield_ * (v_f * prop_share + v_p * GUILD_STOICHIOMETRY["lactic_acid"][0]), "mmol/h",
                   "propionate formation")
    prod_b = m.let("butyrate_production_mmol_h", yield_ * (v_f * but_share + v_p * pre_but_share), "mmol/h",
                   "butyrate formation")
    prod_a = m.let("acetate_production_mmol_h", yield_ * (v_f + v_p) - prod_p - prod_b, "mmol/h",
                   "acetate formation (the rest of the SCFA)")
    k_osm = m.param("scfa_osmotic_limit_mM", 250.0, "mM", 150.0, 300.0,
                    "assumption: colonic contents stay near-isotonic (~300 mOsm/kg), so water follows short-chain "
                    "fatty acid anions once they approach that: above ~250 mM total the fermenting volume grows "
                    "(the osmotic diarrhoea of fermentable-fiber overload) and concentrations rise only slowly",
                    "total colonic SCFA above which water drawn in dilutes them")
    species = (("acetate", prod_a, 45.0), ("propionate", prod_p, 19.0), ("butyrate", prod_b, 11.0))
    concs = {name: m.state(f"{name}_mM", init, "mM", f"colonic {name}", scale=init) for name, _, init in species}
    scfa = m.let("scfa_total_mM", concs["acetate"] + concs["propionate"] + concs["butyrate"], "mM",
                 "total colonic SCFA")
    # sharp onset (no change below ~200 mM), then the volume grows with the square of the SCFA excess so that
    # concentrations rise only as the cube root of further load
    volume = m.let("fermenting_volume_l", v_colon * (1 + (scfa / k_osm) ** 8) ** sp.Rational(1, 4), "L",
                   "volume of the fermenting compartment, growing as water follows SCFA near isotonicity")
    for name, prod, _ in species:
        infusion = m.u("colonic_butyrate_infusion_mmol_per_h") if name == "butyrate" else 0
        m.rate(concs[name], (prod + infusion) / volume - (k_abs + washout) * concs[name])
    but_ref = m.param("butyrate_reference_mM", 9.703, "mM", 3, 30,
                      "assumption: reference scale, the baseline person's colonic butyrate (15 % of ~75 mM, FIB-02)",
                      "colonic butyrate of the baseline person")
    m.let("portal_butyrate_rel", concs["butyrate"] / but_ref, "1",
          "butyrate reaching the portal vein relative to baseline (absorption is first order)", observe=True)

    # peripheral acetate (Pomare 1985)
    endo = m.param("blood_acetate_endogenous_umol_l", 30, "umol/L", 10, 50,
                   "assumption: about half of fasting venous acetate (54 umol/L, SCFA-01) is endogenous",
                   "blood acetate without colonic input")
    k_el = m.param("blood_acetate_elimination_rate", 2.0, "1/h", 0.5, 3.0,
                   "calibrated: SCFA01-ORAL; derived from SCFA-01: after 50 mmol oral SCFA the peak at 45 min "
                   "returns to fasting by 2 h",
                   "elimination of blood acetate")
    f_per = m.param("acetate_hepatic_escape_fraction", 0.1, "1", 0.02, 0.4,
                    "calibrated: SCFA01-BASE; SCFA-01 fasting venous acetate ~54 umol/L at baseline fermentation",
                    "fraction of absorbed colonic acetate escaping the liver")
    v_dist = m.param("acetate_distribution_volume_l", 15, "L", 10, 25,
                     "assumption: extracellular water ~15 L", "distribution volume of acetate")
    ac = m.state("blood_acetate_umol_l", 55.0, "umol/L", "peripheral venous acetate", scale=55.0)
    f_oral = m.param("oral_acetate_systemic_fraction", 0.07, "1", 0.01, 0.3,
                     "calibrated: SCFA01-ORAL; SCFA-01 (Pomare 1985): 50 mmol oral SCFA raised venous acetate "
                     "54 -> 194 umol/L "
                     "at 45 min", "fraction of an oral acetate dose reaching peripheral blood")
    m.rate(ac, (f_per * k_abs * concs["acetate"] * v_colon + f_oral * m.u("oral_acetate_mmol_per_h")) * 1000 / v_dist
           - k_el * (ac - endo))

    # --- GABA -----------------------------------------------------------------------------------------------
    from gutsleep.model.microbiome import TAXA

    producers = sp.Add(*(m.ref(f"taxon_{t.name}") for t in TAXA if t.gaba))
    k_gaba = m.param("gaba_production_per_abundance", 800, "ug/g/h", 100, 4000,
                     "calibrated: GABA01-RANGE; baseline example luminal GABA ~80 ug/g, inside the fecal range "
                     "0-330 ug/g "
                     "(GABA-01, Microorganisms 2021)",
                     "GABA formed per unit producer abundance at baseline glutamate")
    k_gaba_out = m.param("gaba_luminal_clearance_rate", 0.2, "1/h", 0.05, 1.0,
                         "assumption: luminal GABA is absorbed or consumed within hours",
                         "clearance of luminal GABA")
    glu = m.let("glutamate_availability", 1.5 * m.ref("protein_load_g_per_day")
                / (m.ref("protein_load_g_per_day") + 40), "1",
                "dietary glutamate supply relative to an 80 g/day protein diet (GABA is substrate-limited)")
    gaba = m.state("gaba_ug_per_g", 80.0, "ug/g", "luminal GABA (per g stool)", scale=80.0)
    m.rate(gaba, k_gaba * producers * glu - k_gaba_out * gaba)

    # --- tryptophan and serotonin ----------------------------------------------------------------------------
    trp_per_g = m.param("tryptophan_per_g_protein", 12, "mg/g", 8, 16,
                        "assumption: tryptophan is ~1-1.5 % of dietary protein (RECALLED food tables)",
                        "tryptophan content of protein")
    trp_ref = m.param("tryptophan_reference_mg_per_day", 960, "mg/day", 400, 2000,
                      "assumption: 80 g/day protein x 12 mg/g, the baseline intake", "reference tryptophan intake")
    k_trp = m.param("plasma_tryptophan_turnover_rate", 0.15, "1/h", 0.05, 0.5,
                    "assumption: plasma tryptophan follows meals over a few hours", "turnover of plasma tryptophan")
    f_endo = m.param("tryptophan_endogenous_fraction", 0.5, "1", 0.3, 0.7,
                     "assumption: body protein turnover (~300 g/day) keeps releasing tryptophan when intake stops, "
                     "so plasma tryptophan falls by about half, not to zero, on a protein-free diet; "
                     "Trp-free amino-acid loads lower it 70-90 % only by driving protein synthesis (RECALLED)",
                     "share of the baseline plasma tryptophan that does not depend on dietary protein")
    trp = m.state("plasma_tryptophan_rel", 1.0, "1", "plasma tryptophan relative to the baseline diet", scale=1.0)
    m.rate(trp, k_trp * (f_endo + (1 - f_endo) * 24 * trp_per_g * m.u("protein_g_per_h") / trp_ref - trp))
    km_trp = m.param("tph1_km_rel", 0.6, "1", 0.2, 2.0,
                     "assumption: TPH1 K_m (tens of uM, RECALLED) is near plasma tryptophan (~50 uM)",
                     "tryptophan half-saturation of EC synthesis (relative to baseline plasma level)")
    f_gf = m.param("serotonin_germ_free_fraction", 0.36, "1", 0.25, 0.6,
                   "calibrated: SER02-GF; SER-02/03: germ-free colonic 5-HT ~0.4-0.5 x conventional (Yano 2015 "
                   "~60 % lower; Reigstad "
                   "2015 17 vs 35 ng/mg); with baseline saturation 0.82 this gives GF/SPF ~0.49",
                   "EC synthesis without any microbial signal, as a fraction of the maximum (GF/colonised ~0.46)")
    k_sp = m.param("sporeformer_half_signal", 0.03, "1", 0.005, 0.2,
                   "assumption: the Clostridia signal saturates near their baseline abundance of a few %",
                   "spore-former abundance giving half the microbial 5-HT signal")
    k_scfa = m.param("scfa_half_signal_mM", 40, "mM", 10, 150,
                     "assumption: SCFA induce Tph1 (Reigstad 2015) with half effect at ~half the baseline level",
                     "colonic SCFA giving half the SCFA part of the 5-HT signal")
    sp_sig = guild["spore_formers"] / (guild["spore_formers"] + k_sp)
    scfa_sig = m.sym("scfa_total_mM") / (m.sym("scfa_total_mM") + k_scfa)
    micro = m.let("ec_microbial_signal", f_gf + (1 - f_gf) * (sp_sig + scfa_sig) / 2, "1",
                  "microbial scaling of per-cell Tph1 synthesis (spore-formers and SCFA)")
    v_ec = m.param("ec_serotonin_synthesis_max", 625, "ug/h", 200, 2000,
                   "calibrated: SER01-SHARE; ~8 mg gut 5-HT turning over daily (urinary 5-HIAA 2-9 mg/day, "
                   "RECALLED) so the "
                   "gut holds ~90 % of body 5-HT (SER-01)",
                   "maximal EC-cell serotonin synthesis")
    k_rel = m.param("ec_serotonin_release_rate", 0.04, "1/h", 0.01, 0.2,
                    "assumption: mucosal 5-HT turns over in about a day", "release/turnover of the EC pool")
    f_esc = m.param("ec_serotonin_plasma_fraction", 0.01, "1", 0.002, 0.05,
                    "calibrated: REF02-FREE; free plasma 5-HT ~1 ng/mL (REF-02: 0.93 +/- 0.67 ng/mL)",
                    "fraction of released EC 5-HT reaching the free plasma pool")
    k_fp = m.param("plasma_serotonin_clearance_rate", 1.0, "1/h", 0.3, 3.0,
                   "derived from REF-02: carbidopa lowers plasma 5-HT 33 % in 2 h with partial synthesis block",
                   "removal of free plasma 5-HT (uptake plus hepatic/pulmonary clearance)")
    f_upt = m.param("platelet_uptake_share", 0.6, "1", 0.3, 0.9,
                    "assumption: SERT uptake into platelets is the main fate of free 5-HT besides lung/liver",
                    "share of free plasma 5-HT removal that is platelet uptake")
    k_plt = m.param("platelet_turnover_rate", 1 / 216, "1/h", 1 / 288, 1 / 168,
                    "assumption: platelet lifespan 8-10 days (RECALLED) -> 1/(9 x 24) /h",
                    "loss of platelet 5-HT with platelet turnover")
    ec = m.state("gut_serotonin_ug", 8000.0, "ug", "serotonin stored in gut EC cells", scale=8000.0)
    free = m.state("plasma_free_serotonin_ng_ml", 1.0, "ng/mL", "free plasma serotonin", scale=1.0)
    plt = m.state("blood_serotonin_ng_ml", 80.0, "ng/mL", "whole-blood (platelet) serotonin", scale=80.0)
    synth = m.let("ec_serotonin_synthesis_ug_h", v_ec * trp / (trp + km_trp) * micro, "ug/h",
                  "EC-cell serotonin synthesis")
    release = m.let("ec_serotonin_release_ug_h", k_rel * ec, "ug/h", "serotonin released by EC cells")
    m.rate(ec, synth - release)
    m.rate(free, f_esc * release * 1000 / 3000 - k_fp * free)
    m.rate(plt, f_upt * k_fp * free * 0.6 - k_plt * plt)
    # large neutral amino acids (LNAA) compete with tryptophan for transport into the brain (Fernstrom & Wurtman
    # 1972): protein raises plasma LNAA more than tryptophan, and insulin after carbohydrate moves LNAA into muscle
    f_lnaa = m.param("lnaa_endogenous_fraction", 0.3, "1", 0.15, 0.6,
                     "assumption: dietary protein carries ~20 % LNAA but only ~1.2 % tryptophan, so plasma LNAA "
                     "follows protein intake more closely than tryptophan (protein-rich meals lower Trp:LNAA: WUR-03; "
                     "Fernstrom 2013 Clin Nutr: gluten and zein lowered the ratio)",
                     "share of the baseline plasma LNAA that does not depend on dietary protein")
    g_ins_lnaa = m.param("insulin_lnaa_uptake_rate", 0.045, "L/(mmol*h)", 0.0, 0.2,
                         "calibrated: WUR03-RATIO; insulin after carbohydrate lowers plasma branched-chain and other "
                         "LNAA, not albumin-bound tryptophan (Wurtman 2003 Am J Clin Nutr 77:128: only the "
                         "carbohydrate meal raised insulin)", "muscle LNAA uptake per mmol/L of postprandial glucose "
                         "excursion at insulin sensitivity 1")
    exc_ref = m.param("lnaa_uptake_reference_excursion_mmol_l", 0.72, "mmol/L", 0.2, 2.0,
                      "assumption: reference scale, set so that the baseline person's plasma LNAA averages 1 (the "
                      "postprandial glucose excursion, mean 0.52 mmol/L, weighted by the LNAA level it meets after "
                      "meals)", "effective glucose excursion of the baseline diet for LNAA uptake")
    lnaa = m.state("plasma_lnaa_rel", 1.0, "1", "plasma large neutral amino acids relative to the baseline diet",
                   scale=1.0)
    insulin_uptake = g_ins_lnaa * m.ref("glucose_excursion_mmol_l") * m.ref("insulin_sensitivity_rel")
    protein_rel = 24 * m.u("protein_g_per_h") * trp_per_g / trp_ref
    supply = (f_lnaa + (1 - f_lnaa) * protein_rel) * (k_trp + g_ins_lnaa * exc_ref)
    m.rate(lnaa, supply - (k_trp + insulin_uptake) * lnaa)
    ratio = m.let("tryptophan_lnaa_ratio_rel", trp / sp.Max(lnaa, 0.05), "1",
                  "plasma Trp:LNAA ratio relative to the baseline diet: tryptophan's share of brain uptake",
                  observe=True)
    km_b = m.param("tph2_km_rel", 1.0, "1", 0.3, 3.0,
                   "assumption: TPH2 is not saturated at normal brain tryptophan (Km ~40-50 uM above brain levels "
                   "of ~20-30 uM, RECALLED), so brain 5-HT synthesis follows tryptophan uptake; acute tryptophan "
                   "depletion lowers it by >= 90 % (Young et al., PET studies of serotonin synthesis, VERIFIED)",
                   "brain tryptophan availability (Trp:LNAA relative to baseline) giving half-maximal TPH2 synthesis")
    v_b = m.param("brain_serotonin_synthesis_max", 150, "ug/h", 50, 500,
                  "assumption: brain holds ~1-2 % of body 5-HT (~150 ug) with turnover of hours (RECALLED); with "
                  "tph2_km_rel 1 the baseline pool stays at ~150 ug",
                  "maximal TPH2 synthesis in the brain")
    k_b = m.param("brain_serotonin_turnover_rate", 0.5, "1/h", 0.1, 2.0,
                  "assumption: brain 5-HT turns over within hours (MAO catabolism, RECALLED)",
                  "brain serotonin turnover")
    brain = m.state("brain_serotonin_ug", 150.0, "ug", "brain serotonin (separate pool, not fed by gut 5-HT)",
                    scale=150.0)
    m.rate(brain, v_b * ratio / (ratio + km_b) - k_b * brain)
    m.let("gut_serotonin_share", ec / (ec + plt * 5 + free * 3 + brain), "1",
          "gut share of body serotonin (blood volume 5 L, plasma 3 L)")
