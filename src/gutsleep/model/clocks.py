r"""Central (light-driven) and peripheral (meal-driven) circadian clocks.

Central clock: the single-population macroscopic oscillator of Hannay, Booth & Forger 2019
(J Biol Rhythms 34:658), states amplitude R, collective phase psi (rad) and the photoreceptor
activation n of Process L. Light reaches the eye only while awake. Phase markers: psi = 5*pi/12 at
DLMO and psi = pi at the core-body-temperature minimum (Hannay 2019). All its parameters are the
published ones (time in hours) except the intrinsic period, set to the human mean of 24.2 h. The light input is
melanopic-weighted and expressed in lux of the cool-white fluorescent light of the fitted protocols (so daylight
counts ~1.7 x, a warm LED ~0.75 x its photopic lux); closed eyelids pass ``eyelid_transmission`` of it.

Peripheral clock: a phase oscillator theta for the gut and its microbes, pulled towards a fixed phase
at every meal and weakly towards the central clock (assumption: the simplest form that lets meals
entrain the gut while the brain follows light). Misalignment (1 - cos(theta - psi)) / 2 is 0 when the
two agree and 1 in antiphase; jet lag and late eating raise it. Low-pass filters of meal timing give
the feeding rhythmicity that sets the amplitude of the microbial diurnal rhythm (Thaiss 2014,
Zarrinpar 2014).
"""

from __future__ import annotations

import sympy as sp

from gutsleep.model.spec import ModelBuilder

HANNAY = "Hannay, Booth & Forger 2019 J Biol Rhythms 34:658, single-population model"


def build(m: ModelBuilder) -> None:
    m.module("clocks", __doc__ or "")
    tau = m.param("clock_intrinsic_period_h", 24.2, "h", 23.5, 24.6,
                  "calibrated: REF01-DLMO; REF-01 (DLMO ~2 h before a 23:00 bedtime); human mean intrinsic "
                  "period 24.18 h "
                  "(Czeisler 1999 Science 284:2177, RECALLED); Hannay 2019 fitted 23.84 h, which puts DLMO "
                  "4.5 h before bedtime under the default light",
                  "intrinsic period of the central pacemaker")
    coupling = m.param("clock_coupling_K", 0.06358, "1/h", 0.03, 0.1, f"{HANNAY}: K = 0.06358",
                       "coupling strength of the pacemaker population")
    gamma = m.param("clock_dispersion_gamma", 0.024, "1/h", 0.01, 0.05, f"{HANNAY}: gamma = 0.024",
                    "dispersion of cellular frequencies")
    beta1 = m.param("clock_coupling_phase_beta1", -0.09318, "rad", -0.2, 0.0, f"{HANNAY}: beta1 = -0.09318",
                    "phase of the coupling term")
    a1 = m.param("clock_light_A1", 0.3855, "1", 0.2, 0.6, f"{HANNAY}: A1 = 0.3855", "first light-response harmonic")
    a2 = m.param("clock_light_A2", 0.1977, "1", 0.1, 0.3, f"{HANNAY}: A2 = 0.1977", "second light-response harmonic")
    bl1 = m.param("clock_light_phase_betaL1", -0.0026, "rad", -0.1, 0.1, f"{HANNAY}: betaL1 = -0.0026",
                  "phase of the first light harmonic")
    bl2 = m.param("clock_light_phase_betaL2", -0.957756, "rad", -1.2, -0.7, f"{HANNAY}: betaL2 = -0.957756",
                  "phase of the second light harmonic")
    sigma = m.param("clock_light_phase_drive_sigma", 0.0400692, "1", 0.02, 0.06, f"{HANNAY}: sigma = 0.0400692",
                    "direct phase drive by light")
    gain = m.param("clock_light_gain_G", 33.75, "1", 20, 45, f"{HANNAY}: G = 33.75", "Process L drive gain")
    alpha0 = m.param("clock_light_alpha0", 0.05, "1", 0.02, 0.1, f"{HANNAY}: alpha0 = 0.05",
                     "Process L activation rate constant")
    delta = m.param("clock_photoreceptor_recovery_delta", 0.0075, "1", 0.004, 0.012, f"{HANNAY}: delta = 0.0075",
                    "photoreceptor recovery constant")
    p_exp = m.param("clock_light_exponent_p", 1.5, "1", 1.0, 2.0, f"{HANNAY}: p = 1.5", "light-response exponent")
    i0 = m.param("clock_light_half_saturation_I0", 9325, "lux^p", 5000, 15000, f"{HANNAY}: I0 = 9325",
                 "half-saturation of Process L (in lux^p)")

    asleep = m.ref("asleep")
    r = m.state("clock_amplitude_R", 0.83, "1", "collective amplitude of the central pacemaker", scale=1.0)
    psi = m.state("clock_phase_psi", 3.0, "rad", "collective phase of the central pacemaker (unwrapped)",
                  scale=10.0, nonnegative=False)
    n = m.state("photoreceptor_activation_n", 0.1, "1", "fraction of activated photoreceptors (Process L)",
                scale=1.0)

    lid = m.param("eyelid_transmission", 0.03, "1", 0.005, 0.1,
                  "RECALLED: Ando & Kripke 1996 Biol Psychiatry 39:22 and Bierman, Figueiro & Rea 2011 (eyelid "
                  "transmission measurements): closed lids pass ~1-5 % of visible light, least at the short "
                  "(melanopic) wavelengths; 3 % taken",
                  "fraction of light at the eye that passes closed eyelids")
    eyes_open = m.let("eyes_open", (1 - asleep) * (1 - m.u("eyes_closed")), "1",
                      "fraction of the step with the eyes open: closed while asleep or in an eyes-closed episode")
    light = m.let("light_at_eye_lux", m.ref("light_lux_effective") * (eyes_open + (1 - eyes_open) * lid), "lux",
                  "light reaching the retina (fluorescent-equivalent lux): closed eyelids pass a small fraction")
    alpha = m.let("light_activation_alpha", alpha0 * light**p_exp / (light**p_exp + i0), "1/h",
                  "Process L activation rate (saturating in lux, Hannay 2019)")
    bhat = m.let("light_drive_Bhat", gain * (1 - n) * alpha, "1", "photic drive on the pacemaker")
    m.rate(n, 60 * (alpha * (1 - n) - delta * n))
    lr = (a1 / 2 * bhat * (1 - r**4) * sp.cos(psi + bl1)
          + a2 / 2 * bhat * r * (1 - r**8) * sp.cos(2 * psi + bl2))
    # The amplitude-phase form is singular at R = 0 (its 1/R term): light that nearly stops the pacemaker (type-0
    # resetting at extreme doses) would carry R through zero or spin the phase faster than the 15-min step resolves.
    # Guards keep the state in the model's domain: the phase term sees R >= 0.1, and a light drive that lowers R
    # fades out below R ~ 0.1 (tanh), so that near zero R decays at most at ~3/h. Above R = 0.3 (typical runs sit
    # near 0.83) both guards change nothing to 0.5 % (tanh(3) = 0.995; tanh(8.3) = 1 - 1e-7).
    r_floor = 0.1
    lpsi = (sigma * bhat - a1 / 2 * bhat * (1 / sp.Max(r, r_floor) + r**3) * sp.sin(psi + bl1)
            - a2 / 2 * bhat * (1 + r**8) * sp.sin(2 * psi + bl2))
    lr_safe = m.let("clock_light_amplitude_drive", sp.Max(lr, 0) + sp.Min(lr, 0) * sp.tanh(r / r_floor), "1/h",
                    "light drive on the pacemaker amplitude; a lowering drive fades out as R approaches 0")
    m.rate(r, -gamma * r + coupling / 2 * sp.cos(beta1) * r * (1 - r**4) + lr_safe)
    m.rate(psi, 2 * sp.pi / tau + coupling / 2 * sp.sin(beta1) * (1 + r**4) + lpsi)

    # --- peripheral (gut/microbial) clock -------------------------------------------------------------
    period_p = m.param("gut_clock_intrinsic_period_h", 24.5, "h", 23.5, 25.5,
                       "assumption: peripheral clocks free-run near 24.5 h in culture; only sets the drift",
                       "intrinsic period of the gut/microbial clock")
    k_meal = m.param("gut_clock_meal_pull", 1.0, "1/h", 0.2, 3.0,
                     "assumption: meals re-entrain gut clocks within ~3-5 days of a shift (rodent restricted-"
                     "feeding studies); with three 15-min meals a day this gives ~0.75 rad/day",
                     "pull of a meal on the gut-clock phase (per hour of eating)")
    k_central = m.param("gut_clock_central_pull", 0.02, "1/h", 0.0, 0.1,
                        "assumption: the brain's clock entrains the periphery weakly (autonomic and hormonal "
                        "cues), so that food can override it",
                        "pull of the central clock on the gut clock")
    theta_meal = m.param("gut_clock_meal_phase", 5.92, "rad", 4.5, 6.3,
                         "assumption: reference phase, set so the baseline meals 08:00/13:00/19:00 give zero "
                         "misalignment",
                         "central-clock phase at which meals are usually eaten")
    theta = m.state("gut_clock_phase_theta", 3.0, "rad", "phase of the gut/microbial clock (unwrapped)",
                    scale=10.0, nonnegative=False)
    meal = m.u("meal")
    m.rate(theta, 2 * sp.pi / period_p + k_meal * meal * sp.sin(theta_meal - theta)
           + k_central * sp.sin(psi - theta))
    m.let("circadian_misalignment", (1 - sp.cos(theta - psi)) / 2, "1",
          "misalignment between the gut and central clocks (0 aligned, 1 antiphase)", observe=True)

    tau_f = m.param("feeding_rhythm_memory_h", 48, "h", 12, 168,
                    "assumption: microbial rhythms respond to feeding patterns over about two days (Thaiss 2014)",
                    "time constant of the feeding-rhythmicity filters")
    zm = m.state("feeding_rate_filtered", 0.03, "1", "low-pass meal frequency (fraction of steps eating)", scale=0.03)
    zc = m.state("feeding_phase_cos_filtered", 0.0, "1", "low-pass meal x cos(theta)", scale=0.03,
                 nonnegative=False)
    zs = m.state("feeding_phase_sin_filtered", 0.0, "1", "low-pass meal x sin(theta)", scale=0.03,
                 nonnegative=False)
    m.rate(zm, (meal - zm) / tau_f)
    m.rate(zc, (meal * sp.cos(theta) - zc) / tau_f)
    m.rate(zs, (meal * sp.sin(theta) - zs) / tau_f)
    m.let("feeding_rhythmicity", sp.sqrt(zc**2 + zs**2) / (zm + 1e-6), "1",
          "how concentrated meals are on the gut-clock phase (1 = all at one phase, 0 = spread evenly)")

    amp_max = m.param("microbial_rhythm_max_amplitude", 0.5, "1", 0.1, 0.9,
                      "assumption: ~60 % of microbial abundance oscillates diurnally (Thaiss 2014); a growth "
                      "modulation of at most +/-50 % keeps rates positive",
                      "largest relative diurnal modulation of oscillating taxa's growth")
    k_amp = m.param("microbial_rhythm_rate", 1 / 48, "1/h", 1 / 168, 1 / 12,
                    "assumption: oscillations are lost within days of a shift (Thaiss 2014 jet-lag model)",
                    "rate at which the microbial rhythm amplitude follows its target")
    amp = m.state("microbial_rhythm_amplitude", 0.2, "1", "amplitude of the microbial diurnal rhythm", scale=0.2)
    m.rate(amp, k_amp * (amp_max * m.sym("feeding_rhythmicity") * (1 - m.sym("circadian_misalignment")) - amp))
