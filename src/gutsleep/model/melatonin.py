r"""Pineal and plasma melatonin, gated by the central clock and suppressed by light.

Two compartments of St Hilaire et al. 2007 / Breslow et al. 2013 (pineal H1 and plasma H2, pmol/L)
with the synthesis window and light suppression refitted to the Hannay oscillator by Stowe et al.
2025 (J Pineal Res; diniz-behn-lab/melatonin, HannayBreslow.py): synthesis switches on at
psi_on = 1.2566 rad and off at psi_off = 3.6128 rad, and is suppressed by the photic drive as
(1 - m * Bhat). Pineal melatonin is made from pineal serotonin: gut serotonin is not a precursor
(it does not cross the blood-brain barrier, finding SER-01), so this module does not read the gut.
"""

from __future__ import annotations

import sympy as sp

from gutsleep.model.spec import ModelBuilder, pos

BRESLOW = "Breslow et al. 2013 J Biol Rhythms 28:79"
STOWE = "Stowe et al. 2025 J Pineal Res, melatonin refit on the Hannay oscillator"


def build(m: ModelBuilder) -> None:
    m.module("melatonin", __doc__ or "")
    k_ip = m.param("melatonin_pineal_to_plasma_rate", 2.819, "1/h", 1.5, 4.0,
                   f"{BRESLOW}: beta_IP = 7.83e-4 /s = 2.819 /h (converted)", "pineal -> plasma transfer rate")
    k_cp = m.param("melatonin_plasma_clearance_rate", 1.206, "1/h", 0.8, 2.0,
                   f"{BRESLOW}: beta_CP = 3.35e-4 /s = 1.206 /h (converted)", "plasma clearance rate")
    synth = m.param("melatonin_synthesis_max", 363.6, "pmol/L/h", 150, 700,
                    f"{STOWE}: a = 0.101 pmol/L/s = 363.6 pmol/L/h (converted); gives a/beta_CP ~ 300 pmol/L "
                    "(REF-01 peak 250-500 pmol/L)",
                    "maximal pineal synthesis rate")
    on = m.param("melatonin_on_phase", 1.2566, "rad", 1.0, 1.5, f"{STOWE}: psi_on = 1.2566 rad",
                 "central phase at which synthesis switches on")
    off = m.param("melatonin_off_phase", 3.6128, "rad", 3.3, 3.9, f"{STOWE}: psi_off = 3.6128 rad",
                  "central phase at which synthesis switches off")
    steep_on = m.param("melatonin_onset_steepness", 600, "1/rad", 100, 1000, f"{BRESLOW}: delta = 600",
                       "steepness of the synthesis onset")
    decay_off = m.param("melatonin_offset_decay", 15.36, "1/rad", 5, 30, f"{BRESLOW}: r = 15.36",
                        "decay of synthesis after the off phase")
    supp = m.param("melatonin_light_suppression", 4.7887, "1", 2.0, 8.0,
                   "calibrated: REF01-LIGHT (Stowe's fit to the Zeitzer data it re-runs); "
                   f"{STOWE}: m = 4.7887 (fit to Zeitzer 2000); ~100 lux about halves secretion (REF-01)",
                   "light suppression factor on the photic drive")

    pineal = m.state("melatonin_pineal_pmol_l", 10.0, "pmol/L", "pineal melatonin", scale=300.0)
    plasma = m.state("melatonin_plasma_pmol_l", 10.0, "pmol/L", "plasma melatonin", scale=300.0)
    phase = sp.Mod(m.sym("clock_phase_psi"), 2 * sp.pi)
    window = sp.Piecewise(
        ((1 - sp.exp(-steep_on * (phase - on))) / (1 - sp.exp(-steep_on * (off - on))),
         sp.And(phase > on, phase < off)),
        (sp.exp(-decay_off * sp.Mod(phase - off, 2 * sp.pi)), True),
    )
    gate = m.let("melatonin_phase_gate", window, "1", "circadian gate of pineal synthesis (0..1)")
    bhat = m.sym("light_drive_Bhat")
    m.rate(pineal, synth * gate * pos(1 - supp * bhat) - k_ip * pineal)
    m.rate(plasma, k_ip * pineal - k_cp * plasma)
    m.let("melatonin_plasma_pg_ml", plasma / 4.305, "pg/mL",
          "plasma melatonin (1 pg/mL = 4.305 pmol/L, molar mass 232.28 g/mol)", observe=True)
