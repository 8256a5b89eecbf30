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

import sympy as sp

from gutsleep.model.spec import ModelBuilder, saturating

KARIN = "Karin et al. 2020 Mol Syst Biol / Milo et al. 2025 Mol Syst Biol 21:254 (as reimplemented)"


def build(m: ModelBuilder) -> None:
    m.module("hpa", __doc__ or "")
    k_a = m.param("acth_removal_rate", 2.1, "1/h", 1.0, 4.2, f"{KARIN}: a2 = 0.035 /min = 2.1 /h (t1/2 20 min)",
                  "ACTH removal rate")
    k_c = m.param("cortisol_removal_rate", 0.516, "1/h", 0.35, 0.7,
                  f"{KARIN}: a3 = 0.0086 /min = 0.516 /h (t1/2 ~80 min)", "cortisol removal rate")
    c_scale = m.param("cortisol_per_acth", 300.0, "nmol/L/h", 100, 600,
                      "calibrated: HPA01-PEAK; baseline example cortisol peak ~430 nmol/L (HPA-01)",
                      "cortisol secretion per unit ACTH drive")
    k_gr = m.param("cortisol_feedback_half_nmol_l", 700, "nmol/L", 300, 1500,
                   "assumption: GR feedback becomes strong only above the normal morning peak "
                   "(Karin 2020 GR(x) = 1/(1 + (x/K_GR)^3) with n = 3)",
                   "cortisol level halving the drive through GR feedback")
    drive_min = m.param("cortisol_drive_floor", 0.09, "1", 0.0, 0.3,
                        "calibrated: HPA01-NADIR; baseline example nadir ~55 nmol/L (HPA-01)", "drive at the "
                        "circadian trough")
    kappa = m.param("cortisol_drive_concentration", 5.5, "1", 0.5, 10.0,
                    "calibrated: HPA01-NADIR; baseline example peak/nadir ratio ~8 (HPA-01)",
                    "von Mises concentration of the circadian drive")
    psi_peak = m.param("cortisol_drive_peak_phase", 4.0, "rad", 2.5, 5.0,
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

    acth = m.state("acth_drive", 1.0, "1", "ACTH-like drive of the adrenal (1 = mean)", scale=1.0)
    cort = m.state("cortisol_nmol_l", 150.0, "nmol/L", "serum cortisol", scale=200.0)
    psi = m.sym("clock_phase_psi")
    circ = m.let("cortisol_circadian_drive",
                 drive_min + (1 - drive_min) * sp.exp(kappa * (sp.cos(psi - psi_peak) - 1)), "1",
                 "clock-driven CRH/ACTH drive (von Mises bump)")
    stress_part = g_stress * m.u("stress") / (1 + g_vag * m.ref("vagal_tone"))
    load = m.let("hpa_load", 1 + stress_part + g_il6 * saturating(m.ref("il6_fold") - 1),
                 "1", "multiplicative load on the HPA drive from stress and inflammation", observe=True)
    debt_drive = m.let("sleep_debt_hpa_drive", g_sd * drive_min * m.ref("sleep_debt_effect"), "1",
                       "extra drive from sleep debt: raises the evening trough, delays the quiescent period")
    m.rate(acth, k_a * ((circ * load + debt_drive) / (1 + (cort / k_gr) ** 3) - acth))
    m.rate(cort, c_scale * acth - k_c * cort)
