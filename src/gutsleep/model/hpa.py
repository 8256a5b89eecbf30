r"""HPA axis: ACTH drive and serum cortisol with a clock-driven rhythm and stress, sleep-loss and
inflammatory inputs.

A reduced form of the Karin et al. 2020 / Milo et al. 2025 cascade: CRH is fast and taken as
quasi-steady, leaving the ACTH drive A (dimensionless, 1 = daily mean) and cortisol (nmol/L) with the
published removal rates (ACTH t1/2 20 min, cortisol t1/2 80 min) and a glucocorticoid-receptor feedback
on the drive. The circadian drive is a von Mises bump on the central phase (project choice, as the
Vinther/Andersen family multiplies CRH by an empirical circadian function), fitted to the Debono 2009
profile (finding HPA-01: peak ~430 nmol/L at 08:32, nadir ~55 nmol/L at 00:18).

Stress raises the drive; the vagal signal damps the stress part only (Bravo 2011, Takada 2016:
probiotics blunt the stress response, not the baseline rhythm; vagotomy removes the damping). Sleep
debt raises the evening trough of the drive (Leproult 1997) and IL-6 above baseline adds to it.
"""

from __future__ import annotations

import math

import sympy as sp

from gutsleep.model.spec import ModelBuilder, pos, saturating

KARIN = "Karin et al. 2020 Mol Syst Biol / Milo et al. 2025 Mol Syst Biol 21:254 (as reimplemented)"


def build(m: ModelBuilder) -> None:
    m.module("hpa", __doc__ or "")
    k_a = m.param("acth_removal_rate", 2.1, "1/h", 1.0, 4.2, f"{KARIN}: a2 = 0.035 /min = 2.1 /h (t1/2 20 min)",
                  "ACTH removal rate")
    k_c = m.param("cortisol_removal_rate", 0.516, "1/h", 0.35, 0.7,
                  f"{KARIN}: a3 = 0.0086 /min = 0.516 /h (t1/2 ~80 min)", "cortisol removal rate")
    c_scale = m.param("cortisol_per_acth", 166.3, "nmol/L/h", 100, 600,
                      "calibrated: HPA01-PEAK; baseline example cortisol peak ~430 nmol/L (HPA-01)",
                      "cortisol secretion per unit ACTH drive")
    k_gr = m.param("cortisol_feedback_half_nmol_l", 700, "nmol/L", 300, 1500,
                   "assumption: GR feedback becomes strong only above the normal morning peak "
                   "(Karin 2020 GR(x) = 1/(1 + (x/K_GR)^3) with n = 3)",
                   "cortisol level halving the drive through GR feedback")
    drive_min = m.param("cortisol_drive_floor", 0.1285, "1", 0.0, 0.3,
                        "calibrated: HPA01-NADIR; baseline example nadir ~55 nmol/L (HPA-01)", "drive at the "
                        "circadian trough")
    kappa = m.param("cortisol_drive_concentration", 4.294, "1", 0.5, 10.0,
                    "calibrated: HPA01-NADIR; baseline example peak/nadir ratio ~8 (HPA-01)",
                    "von Mises concentration of the circadian drive")
    psi_peak = m.param("cortisol_drive_peak_phase", 4.013, "rad", 2.5, 5.0,
                       "calibrated: HPA01-PEAK; baseline example peak at 08:30 (HPA-01: 08:32)",
                       "central phase of the maximal circadian drive")
    g_stress = m.param("stress_hpa_gain", 0.8, "1", 0.0, 3.0,
                       "assumption: severe stress nearly doubles the drive (acute stressors raise cortisol by "
                       "~50-100 %, RECALLED TSST literature)",
                       "relative drive increase at stress = 1")
    g_vag = m.param("vagal_hpa_damping", 0.5, "1", 0.0, 2.0,
                    "assumption: vagal afferents damp the stress response (Bravo 2011 corticosterone lower with "
                    "JB-1, abolished by vagotomy); baseline tone halves the stress part",
                    "damping of the stress drive per unit vagal tone")
    g_sd = m.param("sleep_debt_hpa_gain", 0.65, "1", 0.0, 3.0,
                   "calibrated: LEP97-CORTISOL; Leproult 1997 Sleep 20:865: next-evening (18-23 h) cortisol +37 % "
                   "after a night of 4 h and +45 % after a night awake, the morning peak unchanged (the quiescent "
                   "period starts later)",
                   "largest rise of the evening (trough) drive from sleep debt, in units of the drive floor")
    g_il6 = m.param("il6_hpa_gain", 0.3, "1", 0.0, 1.0,
                    "assumption: cytokines activate the HPA axis (endotoxin raises cortisol at higher doses, "
                    "INF-01); +15 % drive per doubling of IL-6",
                    "largest relative drive increase from inflammation (saturating in IL-6 fold)")

    acth = m.state("acth_drive", 1.0, "1", "ACTH-like drive of the adrenal (baseline daily mean ~0.4)",
                   scale=1.0)
    cort = m.state("cortisol_nmol_l", 150.0, "nmol/L", "serum cortisol", scale=200.0)
    psi = m.sym("clock_phase_psi")
    bump = m.let("cortisol_circadian_bump", sp.exp(kappa * (sp.cos(psi - psi_peak) - 1)), "1",
                 "von Mises bump of the clock's drive (1 at its peak phase, ~0 in the evening)")
    circ = m.let("cortisol_circadian_drive", drive_min + (1 - drive_min) * bump, "1",
                 "clock-driven CRH/ACTH drive (floor plus von Mises bump)")
    stress_part = g_stress * m.u("stress") / (1 + g_vag * m.ref("vagal_tone"))
    load = m.let("hpa_load", 1 + stress_part + g_il6 * saturating(m.ref("il6_fold") - 1),
                 "1", "multiplicative load on the HPA drive from stress and inflammation", observe=True)
    debt_drive = m.let("sleep_debt_hpa_drive", g_sd * drive_min * m.ref("sleep_debt_effect"), "1",
                       "extra drive from sleep debt: raises the evening trough, delays the quiescent period")
    # gland functional masses (Karin 2020): corticotrophs grow with CRH, the adrenal cortex with ACTH, over weeks
    a_p = m.param("corticotroph_turnover_rate", math.log(2) / (20 * 24), "1/h", math.log(2) / (40 * 24),
                  math.log(2) / (10 * 24),
                  f"{KARIN}: corticotroph functional-mass turnover aP = ln2/20 /day (t1/2 20 days, the published "
                  "default); range t1/2 10-40 days", "turnover rate of the corticotroph functional mass")
    a_a = m.param("adrenal_turnover_rate", math.log(2) / (30 * 24), "1/h", math.log(2) / (60 * 24),
                  math.log(2) / (15 * 24),
                  f"{KARIN}: adrenal-cortex functional-mass turnover aA = ln2/30 /day (t1/2 30 days, the published "
                  "default); range t1/2 15-60 days", "turnover rate of the adrenal functional mass")
    mass_max = m.param("gland_mass_ceiling", 3.0, "1", 1.5, 5.0,
                       "assumption: adrenal volume is enlarged by ~40-70 % in major depression (Nemeroff 1992 Arch "
                       "Gen Psychiatry 49:384, RECALLED) and a few-fold in ACTH-driven Cushing's hyperplasia; the "
                       "carrying capacity of Karin's logistic mass terms, here 3 x the baseline mass",
                       "largest functional mass of either gland, relative to baseline (carrying capacity)")
    crh_ref = m.param("crh_drive_daily_mean", 0.4026, "1", 0.1, 0.6,
                      "assumption: reference scale, the baseline person's daily mean CRH drive, so the gland masses "
                      "of the baseline person stay at 1", "daily mean CRH drive of the baseline person")
    acth_ref = m.param("acth_drive_daily_mean", 0.4026, "1", 0.1, 0.6,
                       "assumption: reference scale, the baseline person's daily mean ACTH drive",
                       "daily mean ACTH drive of the baseline person")
    p_mass = m.state("corticotroph_mass", 1.0, "1", "pituitary corticotroph functional mass, relative to baseline",
                     scale=1.0)
    a_mass = m.state("adrenal_mass", 1.0, "1", "adrenal-cortex functional mass, relative to baseline", scale=1.0)
    # MR(x) = 1/x of Karin 2020, read on cortisol exposure over days: the high-affinity mineralocorticoid receptor
    # is occupied around the clock, so it feeds back the days' cortisol exposure, not the hour's (an hourly MR
    # would flatten the daily rhythm that the circadian drive is fitted to, HPA-01)
    k_mr = m.param("mr_exposure_rate", 1 / 24, "1/h", 1 / 72, 1 / 12,
                   "assumption: MR occupancy is near-saturated at all times of day (Reul & de Kloet 1985 "
                   "Endocrinology 117:2505, RECALLED), so its signal follows the cortisol exposure of the last days; "
                   "a second 24-h stage after the daily load leaves a ~2 % daily ripple",
                   "rate at which the MR-feedback exposure follows the daily cortisol load")
    exposure = m.state("cortisol_mr_exposure", 1.0, "1", "cortisol exposure read by MR feedback (daily load "
                       "smoothed over about two days, relative to baseline)", scale=1.0)
    m.rate(exposure, k_mr * (m.ref("cortisol_daily_load") - exposure))
    mr = 1 / sp.Max(exposure, 0.05)
    # cortisol awakening response: a burst of drive in the first ~30-45 min after the night's sleep ends, tied to
    # waking rather than to the clock, but gated by the clock's morning bump: none after an evening nap (FED-04)
    g_car = m.param("awakening_response_gain", 6.0, "1", 0.0, 10.0,
                    "calibrated: WUS00-CAR; the cortisol awakening response, ~50 % within 30 min of waking "
                    "(Wuest 2000, n = 509; Pruessner 1997 Life Sci 61:2539: 50-75 %)",
                    "extra drive just after waking, per unit of circadian drive")
    tau_car = m.param("awakening_response_time_h", 0.5, "h", 0.25, 1.0,
                      "assumption: the response peaks 30-45 min after waking and is over by ~60-90 min (RECALLED, "
                      "Clow 2004)", "time constant of the post-awakening signal")
    recent = m.state("recent_sleep_mode", 0.0, "1", "sleep mode (Z) low-pass filtered over half an hour: still high "
                     "just after waking", scale=1.0)
    z = m.ref("sleep_mode_Z")
    m.rate(recent, (z - recent) / tau_car)
    awakening = m.let("awakening_signal", pos(recent - z), "1",
                      "post-awakening signal: 1 at waking, fading over tau (0 asleep and later in the day)")
    crh = m.let("crh_drive", (circ * load + g_car * bump * awakening + debt_drive) * mr / (1 + (cort / k_gr) ** 3),
                "1",
                "quasi-steady CRH drive: clock, stress, inflammation and sleep debt, damped by MR (daily cortisol) "
                "and GR (current cortisol) feedback")
    m.rate(acth, k_a * (p_mass * crh - acth))
    m.rate(cort, c_scale * a_mass * acth - k_c * cort)
    m.rate(p_mass, a_p * p_mass * (crh / crh_ref * (mass_max - p_mass) / (mass_max - 1) - 1))
    m.rate(a_mass, a_a * a_mass * (acth / acth_ref * (mass_max - a_mass) / (mass_max - 1) - 1))
