r"""Sleep regulation: the two-process model within the sleep opportunity, with gut-axis modifiers.

Process S (homeostatic pressure H) rises while awake and falls while asleep with the time constants of
the two-process model as parametrised by Skeldon, Dijk & Derks 2014 (Sci Rep 4:5133, Fig. 1b):
chi_w = 18.2 h, chi_s = 4.2 h, mu = 1, H0+ = 0.6, H0- = 0.17, a = 0.1. Process C is read from the
central clock's phase instead of a fixed sine, so the thresholds move with jet lag and light.

The sharp threshold switch of the original model is smoothed into a sleep-mode variable Z (0 wake
period, 1 sleep period) that can only rise in bed: Z switches on at rate k_on when H exceeds the upper
threshold and off when H falls below the lower one; leaving bed ends it. Brief awakenings inside the
sleep period are an algebraic fraction driven by arousal (stress, cortisol, high inflammation, alcohol
rebound) and calmed by the vagal signal; ``asleep`` = Z x (1 - awake fraction).

Modifiers shift both thresholds (in units of H): melatonin and the vagal/GABA signal make sleep easier,
arousal harder; hepatoportal butyrate (Szentirmai 2019) and low-grade inflammation deepen NREM.
Slow-wave sleep is the share of sleep whose pressure exceeds a floor (SWA tracks Process S), scaled
by age, butyrate, alcohol (early night) and an inverted U in IL-6 (finding INF-01).
"""

from __future__ import annotations

import sympy as sp

from gutsleep.model.inputs import PATHWAY_SIGNALS
from gutsleep.model.spec import ModelBuilder, logistic, pos, saturating, signed_saturating

SKELDON = "Skeldon, Dijk & Derks 2014 Sci Rep 4:5133, two-process model (Fig. 1b)"


def _seen(m: ModelBuilder, name: str) -> sp.Symbol:
    """A pathway signal as the sleep module sees it: live, or another run's trajectory when clamped."""
    for pathway, signals in PATHWAY_SIGNALS.items():
        for signal, unit in signals:
            if signal == name:
                clamp = m.u(f"clamp_{pathway}")
                return m.let(f"sleep_sees_{name}", (1 - clamp) * m.ref(name) + clamp * m.u(f"clamp_value_{name}"),
                             unit, f"{name} as read by the sleep module (clamped for pathway attribution)")
    raise KeyError(name)


def build(m: ModelBuilder) -> None:
    m.module("sleep", __doc__ or "")
    chi_w = m.param("sleep_pressure_rise_time_h", 18.2, "h", 14.1, 26.4,
                    f"{SKELDON}: chi_w = 18.2 h; range from Rusterholz 2010 SWA fits (14.1-26.4 h)",
                    "time constant of homeostatic build-up while awake")
    chi_s = m.param("sleep_pressure_decay_time_h", 4.2, "h", 1.2, 6.0,
                    f"{SKELDON}: chi_s = 4.2 h; Rusterholz 2010 fits 1.2-2.9 h for SWA decline",
                    "time constant of homeostatic decay while asleep")
    mu = m.param("sleep_pressure_asymptote", 1.0, "1", 0.8, 1.2, f"{SKELDON}: mu = 1",
                 "upper asymptote of sleep pressure")
    h_up = m.param("sleep_threshold_upper_mean", 0.6, "1", 0.5, 0.75, f"{SKELDON}: H0+ = 0.6",
                   "mean upper threshold (wake -> sleep)")
    h_lo = m.param("sleep_threshold_lower_mean", 0.17, "1", 0.1, 0.3, f"{SKELDON}: H0- = 0.17",
                   "mean lower threshold (sleep -> wake)")
    c_amp = m.param("sleep_circadian_amplitude", 0.1, "1", 0.05, 0.15, f"{SKELDON}: a = 0.1",
                    "amplitude of the circadian modulation of both thresholds")
    psi_c = m.param("sleep_circadian_peak_phase", 0.3, "rad", -1.0, 2.0,
                    "calibrated: REF06-SOL; baseline example, places the wake-maintenance peak of Process C about 4 h "
                    "before a 23:00 bedtime (REF-06 sleep timing)",
                    "central-clock phase of the maximum of Process C")
    width = m.param("sleep_switch_width", 0.03, "1", 0.01, 0.1,
                    "assumption: smooths the threshold switch over ~5 % of the threshold gap so latency "
                    "varies smoothly with pressure",
                    "width of the smoothed threshold switch (units of H)")
    k_on = m.param("sleep_onset_rate", 2.5, "1/h", 1.0, 8.0,
                   "calibrated: REF06-SOL; assumption: about 15 min to fall asleep once pressure is well above "
                   "threshold "
                   "(REF-06: latency 10-30 min)",
                   "maximal rate of entering the sleep period")
    k_off = m.param("sleep_offset_rate", 1.0, "1/h", 0.5, 8.0,
                    "assumption: spontaneous final awakening within ~30 min of crossing the lower threshold",
                    "maximal rate of leaving the sleep period when pressure is spent")
    k_out = m.param("out_of_bed_wake_rate", 6.0, "1/h", 2.0, 8.0,
                    "assumption: getting up ends sleep within ~10 min", "rate of waking when out of bed")

    asleep = m.ref("asleep")
    h = m.state("sleep_pressure_H", 0.4, "1", "homeostatic sleep pressure (Process S)", scale=1.0)
    z = m.state("sleep_mode_Z", 0.0, "1", "sleep-period indicator (0 wake period, 1 sleep period)", scale=1.0)
    in_bed = m.u("in_bed")
    age = m.sym("age_above_reference")

    psi = m.sym("clock_phase_psi")
    amp = m.sym("clock_amplitude_R")
    m.let("process_C", amp / 0.83 * sp.cos(psi - psi_c), "1",
          "circadian process C from the central clock (1 at the wake-maintenance peak)", observe=True)
    circ = _seen(m, "process_C")

    # --- modifiers (units of H) ----------------------------------------------------------------------
    g_mel = m.param("melatonin_sleep_effect", 0.04, "1", 0.0, 0.1,
                    "assumption: exogenous melatonin shortens sleep latency by ~7-10 min in meta-analyses "
                    "(RECALLED); here night-time endogenous melatonin lowers the threshold by up to 0.04",
                    "threshold shift at saturating plasma melatonin")
    k_mel = m.param("melatonin_sleep_half_effect_pmol_l", 150, "pmol/L", 50, 400,
                    "assumption: half of the effect at about half the nocturnal peak (REF-01 250-500 pmol/L)",
                    "plasma melatonin giving half the sleep effect")
    g_vag = m.param("vagal_sleep_effect", 0.03, "1", 0.0, 0.1,
                    "assumption: vagal/GABA calming (Bravo 2011 anxiety-like behaviour) modelled as a threshold "
                    "shift of 0.03 per unit of baseline vagal tone",
                    "threshold shift per unit vagal tone (baseline tone = 1)")
    g_but = m.param("butyrate_sleep_effect", 0.01, "1", 0.0, 0.1,
                    "assumption: human prior, small: gut-targeted interventions leave objective sleep nearly unchanged "
                    "(PRO-01: objective SE within +/-1 point; St-Onge 2016 J Clin Sleep Med 12:19: more fiber "
                    "predicts more SWS, size not reported); a doubling of portal butyrate shifts the threshold by "
                    "0.007 (~ +2 min TST); the top of the range is the former mouse-scaled value (Szentirmai 2019)",
                    "largest threshold shift from portal butyrate (saturating in both directions)")
    but_half = m.param("butyrate_sleep_half_effect_rel", 1.0, "1", 0.3, 3.0,
                       "assumption: the hepatoportal butyrate signal saturates; half of the effect at a doubling of "
                       "portal butyrate (the range of diets and prebiotic doses in FIB-03/PRE trials)",
                       "portal-butyrate change over baseline giving half of the largest sleep effect")
    g_stress = m.param("stress_arousal_gain", 1.0, "1", 0.0, 3.0,
                       "assumption: severe stress (1) doubles night-time arousal; seed: stress disrupts sleep",
                       "arousal per unit psychological stress")
    g_cort = m.param("cortisol_arousal_gain", 0.5, "1", 0.0, 2.0,
                     "assumption: night cortisol above its rhythm's nadir keeps the brain aroused "
                     "(seed: inflammation raises cortisol, making relaxation harder)",
                     "largest arousal from night cortisol above 100 nmol/L (saturating)")
    g_il6_ar = m.param("inflammation_arousal_gain", 1.0, "1", 0.0, 3.0,
                       "assumption: IL-6 elevations beyond the low-grade range fragment sleep (INF-01, higher "
                       "endotoxin doses)",
                       "largest arousal from IL-6 above the fragmentation onset (saturating)")
    il6_frag = m.param("inflammation_fragmentation_onset_fold", 5.0, "1", 2.0, 20.0,
                       "assumption: only IL-6 more than ~5 x its baseline fragments sleep (INF-01: lowest "
                       "endotoxin dose raised cytokines and SWS without disrupting sleep; the highest disrupted it)",
                       "IL-6 fold over baseline above which sleep fragments")
    g_chr = m.param("chronic_inflammation_arousal_gain", 0.14, "1", 0.0, 0.4,
                    "calibrated: IRW16-CHRONIC; Irwin 2016 Biol Psychiatry 80:40 (72 studies, n > 50,000): sleep "
                    "disturbance vs IL-6 ES 0.20 (CRP 0.12); read as an upper bound (r ~0.09, SD of WASO ~25 min, of "
                    "ln IL-6 ~0.9) a doubling of chronic IL-6 adds ~1.75 min WASO",
                    "largest arousal from chronic IL-6 (0.71 x at a doubling; continuity and, through arousal, depth)")
    g_alc_sed = m.param("alcohol_sedation_effect", 0.1, "L/g", 0.0, 0.5,
                        "assumption: alcohol shortens sleep latency and deepens early sleep (RECALLED "
                        "Ebrahim 2013 review); 0.8 g/L lowers the threshold by 0.08",
                        "threshold shift per g/L blood alcohol")
    g_alc_reb = m.param("alcohol_rebound_arousal_gain", 8.0, "L/g", 0.0, 20.0,
                        "calibrated: example test: alcohol raises WASO; assumption: second-half-of-night "
                        "fragmentation after alcohol (RECALLED Ebrahim 2013)",
                        "arousal per g/L of alcohol rebound")
    g_mis_ar = m.param("misalignment_arousal_gain", 1.0, "1", 0.0, 3.0,
                       "assumption: sleeping out of phase with the body clocks fragments sleep (seed: late eating "
                       "and jet lag disturb sleep); full antiphase doubles baseline arousal",
                       "arousal per unit circadian misalignment")
    g_dig_ar = m.param("digestion_arousal_gain", 0.3, "1", 0.0, 1.0,
                       "assumption: a meal shortly before bed delays sleep (RECALLED mixed observational evidence); "
                       "scaled by the postprandial carrier", "arousal per unit postprandial digestive activity")
    g_vag_ar = m.param("vagal_arousal_damping", 0.3, "1", 0.0, 1.0,
                       "assumption: vagal tone damps night-time arousal (seed: 'calm signals', night anxiety)",
                       "fractional reduction of arousal per unit vagal tone")
    frag0 = m.param("baseline_awake_fraction_odds", 0.04, "1", 0.02, 0.2,
                    "calibrated: REF06-SE; baseline example WASO ~30-40 min in an 8 h opportunity (REF-06)",
                    "odds of being awake within the sleep period with no extra arousal")
    frag_age = m.param("awake_fraction_age_slope", 0.015, "1/year", 0.0, 0.04,
                       "assumption: WASO rises by ~10 min per decade (Ohayon 2004 trend, REF-06)",
                       "relative rise of the awake odds per year above 35")

    mel = _seen(m, "melatonin_plasma_pmol_l")
    vagal = _seen(m, "vagal_tone")
    cort = _seen(m, "cortisol_nmol_l")
    il6_fold = _seen(m, "il6_fold")
    but = _seen(m, "portal_butyrate_rel")
    bac = _seen(m, "blood_alcohol_g_l")
    rebound = _seen(m, "alcohol_rebound_g_l")
    il6_chronic = _seen(m, "il6_chronic_fold")
    il6_acute = m.let("il6_acute_fold", il6_fold / sp.Max(il6_chronic, 0.1), "1",
                      "IL-6 relative to its weekly running mean: the acute part of an inflammatory response")
    chronic_ar = m.let("chronic_inflammation_arousal",
                       g_chr * signed_saturating(sp.log(sp.Max(il6_chronic, 1e-3)) / sp.log(2)), "1",
                       "arousal from chronic inflammation above (below) the person's baseline: graded, smooth, "
                       "bounded by its gain (epidemiology, Irwin 2016)")
    but_signal = m.let("butyrate_sleep_signal", signed_saturating((but - 1) / but_half), "1",
                       "saturating portal-butyrate signal read by sleep (-1..1, 0 at baseline)")

    calm = m.let("sleep_calm_shift",
                 g_mel * mel / (mel + k_mel) + g_vag * vagal + g_but * but_signal + g_alc_sed * bac,
                 "1", "threshold shift that makes sleep easier (melatonin, vagal, butyrate, alcohol)")
    arousal = m.let("night_arousal",
                    (g_stress * _seen(m, "stress") + g_cort * saturating(cort / 100 - 1)
                     + g_il6_ar * saturating(il6_acute - il6_frag) + chronic_ar
                     + g_alc_reb * rebound + g_mis_ar * _seen(m, "circadian_misalignment")
                     + g_dig_ar * _seen(m, "chylomicron_lps_carrier")) / (1 + g_vag_ar * vagal),
                    "1", "arousal that fragments sleep and delays its onset", observe=True)
    upper = m.let("sleep_threshold_upper", h_up + c_amp * circ - calm + 0.05 * arousal, "1",
                  "effective upper threshold (wake -> sleep)")
    lower = m.let("sleep_threshold_lower", h_lo + c_amp * circ - calm + 0.05 * arousal, "1",
                  "effective lower threshold (sleep -> wake)")
    m.rate(z, in_bed * k_on * logistic((h - upper) / width) * (1 - z)
           - k_off * logistic((lower - h) / width) * z - (1 - in_bed) * k_out * z)
    odds = m.let("awake_odds", frag0 * (1 + frag_age * pos(age)) * (1 + arousal), "1",
                 "odds of brief awakenings within the sleep period")
    m.let("asleep", z * (1 / (1 + odds)), "1", "fraction of the time asleep", observe=True)
    m.rate(h, (1 - asleep) * (mu - h) / chi_w - asleep * h / chi_s)

    # --- slow-wave sleep ----------------------------------------------------------------------------
    sws_floor = m.param("sws_pressure_floor", 0.25, "1", 0.1, 0.4,
                        "assumption: SWA tracks Process S and vanishes as pressure is spent (Achermann 1993)",
                        "sleep pressure below which no slow-wave sleep occurs")
    sws_gain = m.param("sws_gain", 1.5, "1", 0.5, 3.0,
                       "calibrated: REF06-N3; baseline example SWS ~15 % of total sleep (REF-06 N3 10-20 %)",
                       "share of sleep in SWS per unit pressure above the floor")
    sws_age = m.param("sws_age_slope", 0.012, "1/year", 0.0, 0.03,
                      "assumption: %SWS falls with age (Ohayon 2004, REF-06), ~12 % relative per decade",
                      "relative decline of SWS per year above 35")
    inf_peak = m.param("inflammation_sws_peak_fold", 3.5, "1", 1.5, 6.0,
                       "calibrated: INF01-U; assumption: the SWS gain peaks at the IL-6 rise of the lowest "
                       "endotoxin doses (~0.2-0.4 "
                       "ng/kg, no fever: INF-01) and turns negative beyond twice that excess (0.8 ng/kg disrupts)",
                       "IL-6 fold over baseline at which the SWS gain is largest")
    inf_gain = m.param("inflammation_sws_gain", 0.3, "1", 0.0, 1.0,
                       "assumption: low-dose endotoxin raised SWS amount and delta power (Mullington 2000); "
                       "magnitude not retrieved, set to +30 % at the peak",
                       "relative SWS gain at the peak of the inverted U")
    but_sws = m.param("butyrate_sws_gain", 0.06, "1", 0.0, 0.4,
                      "assumption: human prior, small (St-Onge 2016: fiber predicts more SWS; PRO-01 objective sleep "
                      "nearly unchanged); +3 % SWS at a doubling of portal butyrate; the range reaches the former "
                      "mouse-scaled +20 % per doubling (Szentirmai 2019)",
                      "largest relative SWS change from portal butyrate (saturating in both directions)")
    alc_sws = m.param("alcohol_sws_gain", 0.3, "L/g", 0.0, 1.0,
                      "assumption: alcohol raises SWS in the first half of the night (RECALLED Ebrahim 2013)",
                      "relative SWS gain per g/L blood alcohol")
    sws_arousal = m.param("arousal_sws_suppression", 0.3, "1", 0.0, 1.0,
                          "assumption: arousal (stress, rebound) lightens sleep; seed: stress disturbs deep sleep",
                          "relative SWS reduction per unit night arousal")
    inf_onset = m.param("inflammation_sws_onset_fold", 1.25, "1", 1.0, 2.0,
                        "assumption: the inverted U belongs to acute challenges (INF-01: i.v. endotoxin raising IL-6 "
                        "several-fold); everyday swings of IL-6 around its weekly mean (meals, the diurnal rhythm, "
                        "tens of percent) do not deepen sleep",
                        "acute IL-6 fold (over its weekly mean) above which the SWS inverted U starts")
    x = m.let("inflammation_sws_excess", pos(il6_acute - inf_onset) / (inf_peak - inf_onset), "1",
              "IL-6 rise over baseline in units of the SWS-gain peak")
    inf_factor = m.let("inflammation_sws_factor", sp.Max(1 + inf_gain * x * (2 - x), 0.2), "1",
                       "inverted U of acute inflammation: a small acute rise deepens sleep, more disrupts it (INF-01)")
    sws_share = m.let("sws_share_of_sleep",
                      sp.Min(sws_gain * pos(h - sws_floor) * pos(1 - sws_age * age) * inf_factor
                             * (1 + but_sws * but_signal) * (1 + alc_sws * bac)
                             / (1 + sws_arousal * arousal), 0.9),
                      "1", "share of the time asleep that is slow-wave sleep")
    m.let("sws", asleep * sws_share, "1", "fraction of the time in slow-wave sleep", observe=True)
