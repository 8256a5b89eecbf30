r"""Caffeine and exogenous melatonin: oral pharmacokinetics and the signals the sleep module and the clock read.

Caffeine: one compartment with first-order absorption, C(t) = (F D / V)(k_a / (k_a - k))(e^{-kt} - e^{-k_a t}),
k = ln 2 / t_half (IOM 2001, ch. 2: mean plasma half-life ~5 h, range 1.5-9.5 h; ~99 % absorbed within 45 min;
V ~0.6 L/kg). Its sleep effect is adenosine-receptor antagonism: receptor occupancy C / (C + EC50) raises the
sleep thresholds (sleep pressure is felt less) and the night-time arousal (sleep.py).

Exogenous melatonin: a gut compartment absorbed first-order into a plasma compartment of its own (bioavailability
F ~3-15 %, t_max ~50 min, t_half ~45 min), kept apart from the pineal/plasma pair so that DLMO read from the
endogenous rhythm stays a phase marker. The sleep module adds it to endogenous plasma melatonin. It shifts the
central clock by a sinusoidal phase-response term, d psi/dt += A hill(M, K) cos(psi - psi_A): advances when the
drug is present in the afternoon/early evening before DLMO (Hannay psi ~0-1 rad), delays when present ~12 h later
(Burgess et al. 2008 J Physiol 586:639 and 2010 J Clin Endocrinol Metab 95:3325, 3 mg PRC).
"""

from __future__ import annotations

import sympy as sp

from gutsleep.model.spec import ModelBuilder, hill

IOM = "IOM 2001 Caffeine for the Sustainment of Mental Task Performance, ch. 2 (shared models guide P14)"
MELATONIN_G_PER_MOL = 232.28


def build(m: ModelBuilder) -> None:
    m.module("pharmacology", __doc__ or "")
    mass = m.sym("body_mass_kg")
    # --- caffeine -----------------------------------------------------------------------------------------
    ka = m.param("caffeine_absorption_rate", 5.0, "1/h", 2.0, 8.0,
                 f"derived: {IOM}: ~99 % absorbed within 45 min (k_a = ln 100 / 0.75 h ~ 6 /h); t_max 30-60 min",
                 "first-order absorption rate of oral caffeine")
    half = m.param("caffeine_half_life_h", 5.0, "h", 1.5, 9.5, f"{IOM}: mean plasma half-life ~5 h, range 1.5-9.5 h",
                   "plasma elimination half-life of caffeine")
    vd = m.param("caffeine_volume_l_per_kg", 0.6, "L/kg", 0.4, 0.8,
                 "shared models guide 8.2 (secondary, VERIFIED): V_d ~0.6 L/kg; derived 0.56 L/kg from clearance "
                 "0.078 L/h/kg x 5 h / ln 2 (IOM 2001)", "volume of distribution of caffeine")
    bio = m.param("caffeine_bioavailability", 0.99, "1", 0.9, 1.0, f"{IOM}: ~99 % absorbed",
                  "fraction of oral caffeine reaching the circulation")
    gut = m.state("caffeine_gut_mg", 0.0, "mg", "caffeine swallowed, not yet absorbed", scale=100.0)
    plasma = m.state("caffeine_plasma_mg_l", 0.0, "mg/L", "plasma caffeine concentration", scale=2.0)
    m.rate(gut, m.u("caffeine_mg_per_h") - ka * gut)
    m.rate(plasma, bio * ka * gut / (vd * mass) - sp.log(2) / half * plasma)
    ec50 = m.param("caffeine_adenosine_ec50_mg_l", 4.0, "mg/L", 1.0, 10.0,
                   "assumption: half-maximal adenosine-receptor blockade at ~20 umol/L (4 mg/L), within the human "
                   "A1/A2A affinities of caffeine (Fredholm et al. 1999 Pharmacol Rev 51:83, Ki ~2-40 umol/L, "
                   "RECALLED); one cup (~100 mg) gives ~2-3 mg/L",
                   "plasma caffeine giving half-maximal adenosine antagonism")
    m.let("caffeine_adenosine_block", hill(plasma, ec50), "1",
          "fraction of adenosine signalling blocked by caffeine (0..1)", observe=True)

    # --- exogenous melatonin ---------------------------------------------------------------------------------
    ka_m = m.param("melatonin_oral_absorption_rate", 1.55, "1/h", 0.8, 3.0,
                   "derived: t_max ~50 min with t_half 45 min (t_max = ln(k_a/k)/(k_a - k)); oral melatonin t_max "
                   "~50 min (Harpsoe et al. 2015 Eur J Clin Pharmacol 71:901 review, RECALLED)",
                   "first-order absorption rate of oral melatonin")
    half_m = m.param("melatonin_oral_half_life_h", 0.75, "h", 0.5, 1.5,
                     "Harpsoe et al. 2015 review (RECALLED): oral melatonin elimination half-life ~45 min",
                     "elimination half-life of exogenous melatonin")
    bio_m = m.param("melatonin_oral_bioavailability", 0.15, "1", 0.03, 0.3,
                    "Harpsoe et al. 2015 review (RECALLED): oral bioavailability ~3-15 % (first-pass hepatic "
                    "CYP1A2 metabolism); upper value taken",
                    "fraction of an oral dose reaching plasma")
    vd_m = m.param("melatonin_volume_l_per_kg", 1.0, "L/kg", 0.35, 1.4,
                   "assumption: distribution volume ~1 L/kg (RECALLED IV studies ~35-70 L); with F = 0.15 a 3 mg "
                   "tablet peaks at a few thousand pg/mL, ~30 x the nocturnal peak; range 0.35-1.4 L/kg: those "
                   "35-70 L in adults of 50-100 kg",
                   "apparent distribution volume of melatonin")
    mgut = m.state("melatonin_gut_mg", 0.0, "mg", "oral melatonin swallowed, not yet absorbed", scale=1.0)
    mplasma = m.state("melatonin_exogenous_pmol_l", 0.0, "pmol/L", "plasma melatonin from tablets", scale=1000.0)
    pmol_per_mg = 1e9 / MELATONIN_G_PER_MOL
    m.rate(mgut, m.u("melatonin_mg_per_h") - ka_m * mgut)
    m.rate(mplasma, bio_m * ka_m * mgut * pmol_per_mg / (vd_m * mass) - sp.log(2) / half_m * mplasma)
    m.let("melatonin_exogenous_pg_ml", mplasma / 4.305, "pg/mL", "plasma melatonin from tablets", observe=True)

    amp = m.param("melatonin_prc_amplitude", 0.044, "rad/h", 0.0, 0.2,
                  "calibrated: MEL-PRC3 (Burgess 2008: 3 mg on 3 days, maximal advance ~1.5 h vs placebo)",
                  "largest phase-shift rate of the central clock at saturating exogenous melatonin")
    k_prc = m.param("melatonin_prc_half_pmol_l", 1000.0, "pmol/L", 100.0, 5000.0,
                    "assumption: phase shifting half-saturates at ~230 pg/mL, a few times the nocturnal peak (0.5 mg "
                    "and 3 mg give similar maximal advances: Burgess 2010)",
                    "exogenous plasma melatonin giving half the maximal phase-shift rate")
    psi_a = m.param("melatonin_prc_advance_phase", 0.4, "rad", -0.5, 1.3,
                    "assumption: Burgess 2008 3 mg PRC peaks for tablets ~5 h before DLMO (psi ~ 0 rad on Hannay's "
                    "phase, DLMO at 5 pi / 12); the drug acts over the ~1-2 h after intake",
                    "central-clock phase at which melatonin advances the clock most")
    drive = m.let("melatonin_phase_drive", amp * hill(mplasma, k_prc) * sp.cos(m.sym("clock_phase_psi") - psi_a),
                  "rad/h", "phase shift rate of the central clock by exogenous melatonin (positive = advance)")
    m.add_to_rate("clock_phase_psi", drive)
