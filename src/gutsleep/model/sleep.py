r"""Sleep regulation: the two-process model within the sleep opportunity, with gut-axis modifiers.

Process S (homeostatic pressure H) rises while awake and falls while asleep with the time constants of
the two-process model as parametrised by Skeldon, Dijk & Derks 2014 (Sci Rep 4:5133, Fig. 1b):
chi_w = 18.2 h, chi_s = 4.2 h, mu = 1, H0+ = 0.6, H0- = 0.17, a = 0.1. Process C is read from the
central clock's phase instead of a fixed sine, so the thresholds move with jet lag and light.

Sleep onset is a hazard process, not a fixed rate. In bed, an onset drive T accumulates the hazard of falling
asleep; the sleep-mode variable Z = 1 - exp(-T) is the probability of having fallen asleep, and onset is the median
(T = ln 2, Z = 1/2). The hazard grows exponentially with the margin of pressure over the upper threshold (a smooth,
graded form of the flip-flop switch of Phillips & Robinson 2007 J Biol Rhythms 22:167, where the mutual inhibition
of sleep- and wake-active neurons makes the transition sharper the more pressure exceeds the threshold) and is
capped at a maximal rate, so latency falls from ~18 min rested to ~5 min after a night awake, without a floor at
ln 2 / k_on. Once asleep, consolidation keeps T up; T decays when pressure falls below the lower threshold (final
awakening) and when the sleep opportunity ends. A night-to-night noise term on the log hazard (scenario variability)
scatters latency as in people.

The sleep opportunity is the scheduled window (an alarm ends it) or, without an alarm, lasts until the night's
sleep ends: the person gets up once the sleep-period probability falls from its peak of the night (the people whose
sleep period is over leave bed, those not yet asleep stay), and then sees the day's light. Naps are further
opportunities in the day.

Brief awakenings inside the sleep period are an algebraic fraction whose odds rise with arousal (stress, cortisol,
inflammation, alcohol rebound, caffeine, bedroom light), with age, and fall with sleep pressure (sleep is deeper and
more continuous under high pressure: efficiency rises under restriction and after a night awake), calmed by the
vagal signal; ``asleep`` = in bed x Z x (1 - awake fraction).

Modifiers shift both thresholds (in units of H): melatonin (endogenous and tablets) and the vagal/GABA signal
make sleep easier; arousal, recent bright light (acute alerting) and caffeine (adenosine blockade) make it
harder; light in the bedroom and caffeine also raise night-time arousal; hepatoportal butyrate (Szentirmai 2019)
and low-grade inflammation deepen NREM.
Slow-wave sleep is the share of sleep whose pressure exceeds a floor (SWA tracks Process S), scaled
by age, butyrate, alcohol (early night) and an inverted U in IL-6 (finding INF-01).
"""

from __future__ import annotations

import sympy as sp

from gutsleep.model.inputs import PATHWAY_SIGNALS
from gutsleep.model.spec import ModelBuilder, hill, logistic, pos, saturating, signed_saturating

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
    h_lo = m.param("sleep_threshold_lower_mean", 0.25, "1", 0.1, 0.3,
                   f"calibrated: ADLIB01-TST; {SKELDON}: H0- = 0.17, which with this model's other threshold shifts "
                   "(vagal calm, night melatonin) let sleep without an alarm run to ~10 h a day in 16 h of opportunity "
                   "(young adults settle at 8.9 h, Klerman & Dijk 2008, ADLIB-01); 0.25 within the range of the "
                   "two-process fits",
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
    k_on = m.param("sleep_onset_rate", 1.4, "1/h", 1.0, 8.0,
                   "calibrated: REF06-SOL, DIST01-SOL; the geometric-mean sleep latency of a community sample "
                   "(~16 min, Sleep Heart Health Study, DIST-01) and adult norms (REF-06: latency 10-30 min); the "
                   "range spans latencies of ~5-40 min at the upper threshold",
                   "onset hazard when pressure sits at the upper threshold (before the cap)")
    g_on = m.param("sleep_onset_pressure_gain", 8.0, "1", 3.0, 15.0,
                   "calibrated: SOL01-RECOVERY; assumption: the flip-flop switch sharpens with the pressure margin "
                   "(Phillips & Robinson 2007); range from recovery-night latencies of 2-5 min after 36-40 h awake "
                   "(SOL-01) to ~10 min after mild restriction (SOL-02)",
                   "rise of the log onset hazard per unit of pressure above the upper threshold")
    k_on_max = m.param("sleep_onset_rate_max", 30.0, "1/h", 10.0, 60.0,
                       "assumption: even when sleep deprived, sleep onset takes a minute or more (MSLT latencies of "
                       "1-2 min after total sleep deprivation, Carskadon & Dement 1981 Psychophysiology 18:107)",
                       "largest onset hazard, however high the pressure")
    k_cons = m.param("sleep_consolidation_rate", 3.0, "1/h", 1.0, 10.0,
                     "assumption: once asleep, the sleep-promoting side of the flip-flop holds itself (mutual "
                     "inhibition, Phillips & Robinson 2007) so that the drive saturates within ~1 h of onset",
                     "self-reinforcement of the onset drive once asleep")
    t_cap = m.param("sleep_drive_ceiling", 5.0, "1", 3.0, 10.0,
                    "assumption: ceiling of the onset drive (Z = 0.993); sets how long a sleep period survives "
                    "pressure below the lower threshold (k_off and the ceiling together: ~1 h to the final awakening)",
                    "saturation level of the onset drive T")
    k_off = m.param("sleep_offset_rate", 2.0, "1/h", 0.5, 8.0,
                    "assumption: spontaneous final awakening within ~1 h of crossing the lower threshold",
                    "decay rate of the onset drive when pressure is spent")
    k_out = m.param("out_of_bed_wake_rate", 4.0, "1/h", 2.0, 8.0,
                    "assumption: the onset drive of a night is spent within ~1 h of getting up (Z below 1/2 after ~30 "
                    "min); sleep itself ends on leaving bed, and a rate above ~5/h is not resolved by the 15-min step; "
                    "range 2-8 /h: the drive halves in 5-20 min, within the ~30 min that sleep inertia lasts after "
                    "waking (RECALLED)",
                    "decay rate of the onset drive when out of bed")

    asleep = m.ref("asleep")
    h = m.state("sleep_pressure_H", 0.4, "1", "homeostatic sleep pressure (Process S)", scale=1.0)
    drive = m.state("sleep_onset_drive_T", 0.0, "1",
                    "integrated hazard of sleep onset (0 awake; ln 2 at the median onset; saturates near its ceiling)",
                    scale=5.0)
    z = m.let("sleep_mode_Z", 1 - sp.exp(-drive), "1",
              "sleep-period indicator: probability of having fallen asleep (0 wake period, 1 sleep period)",
              observe=True)
    opportunity = m.u("in_bed")
    k_peak = m.param("sleep_mode_peak_rate", 4.0, "1/h", 2.0, 6.0,
                     "assumption: follows the rise of the sleep-period probability within ~15-30 min (so that falling "
                     "asleep never counts as getting up) and clears within hours of the opportunity's end; above ~6/h "
                     "it is not resolved by the 15-min step",
                     "rate at which the opportunity's peak of the sleep mode tracks its rise and clears out of bed")
    peak = m.state("sleep_mode_peak_W", 0.0, "1",
                   "highest sleep-period probability Z of the opportunity so far (0 out of bed)", scale=1.0)
    m.rate(peak, opportunity * k_peak * pos(z - peak) - (1 - opportunity) * k_peak * peak)
    # Mean-field reading of an alarm-free morning: the people whose sleep period has ended (peak - Z) get up; those
    # who have not yet fallen asleep (1 - peak) stay in bed.
    risen = m.let("risen_after_sleep", m.u("alarm_free") * sp.Min(pos(peak - z), 1), "1",
                  "share of an alarm-free opportunity spent up after the night's sleep has ended")
    in_bed = m.let("in_bed_effective", opportunity * (1 - risen), "1",
                   "in bed: the scheduled opportunity, less the time up after waking when there is no alarm",
                   observe=True)
    m.let("light_lux_effective", m.u("light_lux") * (1 - risen) + m.u("light_lux_risen") * risen, "lux",
          "light at the open eye: the bedroom's in bed, the day's light once up after an alarm-free night")
    m.let("nap_asleep", m.u("nap") * asleep, "1", "fraction of the time asleep in a daytime nap", observe=True)
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
    g_5ht = m.param("brain_serotonin_sleep_effect", 0.01, "1", 0.0, 0.04,
                    "assumption: human prior, small: tryptophan availability acts on sleep (Sutanto 2022 Nutr Rev "
                    "80:306: >= 1 g tryptophan shortened WASO, not SOL; Afaghi 2007 Am J Clin Nutr 85:426: a "
                    "high-glycaemic meal 4 h before bed halved SOL, read as an upper bound, its route unproven); 0.01 "
                    "is about the vagal calming of baseline tone",
                    "largest threshold shift from brain serotonin above (below) baseline (saturating both ways)")
    k_5ht = m.param("brain_serotonin_sleep_half_change", 0.4, "1", 0.2, 1.0,
                    "Mitchell et al. 2011 Br J Nutr (VERIFIED): behavioural effects of tryptophan need its ratio to "
                    "the other large neutral amino acids raised by ~40 %",
                    "relative change of brain serotonin giving ~70 % of the largest sleep effect")
    brain_ref = m.param("brain_serotonin_reference_ug", 151.8, "ug", 50.0, 500.0,
                        "assumption: reference scale, the baseline person's mean brain serotonin pool",
                        "brain serotonin of the baseline person")
    g_stress = m.param("stress_arousal_gain", 1.0, "1", 0.0, 3.0,
                       "assumption: severe stress (1) doubles night-time arousal; seed: stress disrupts sleep",
                       "arousal per unit psychological stress")
    g_cort = m.param("cortisol_arousal_gain", 0.5, "1", 0.0, 2.0,
                     "assumption: night cortisol above its rhythm's nadir keeps the brain aroused "
                     "(seed: inflammation raises cortisol, making relaxation harder)",
                     "largest arousal from night cortisol above its nadir (saturating)")
    cort_floor = m.param("cortisol_arousal_floor_nmol_l", 55.0, "nmol/L", 30.0, 80.0,
                         "HPA-01 (Debono 2009): nadir of the normal serum cortisol rhythm ~55 nmol/L (< 2.0 ug/dL) "
                         "near midnight; range spans nadirs of healthy adults (< 1-3 ug/dL)",
                         "night cortisol at which it adds no arousal (the normal rhythm's nadir)")
    cort_half = m.param("cortisol_arousal_half_excess_nmol_l", 100.0, "nmol/L", 30.0, 300.0,
                        "assumption: graded from the nadir, half of the largest effect ~100 nmol/L above it (the "
                        "early-morning rise, when awakenings cluster)",
                        "night cortisol above the nadir giving half of the largest arousal")
    g_il6_ar = m.param("inflammation_arousal_gain", 1.4, "1", 0.0, 3.0,
                       "calibrated: INF01-U; IL-6 elevations beyond the low-grade range fragment sleep (INF-01, "
                       "higher endotoxin doses)",
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
                        "assumption: second-half-of-night fragmentation after alcohol (RECALLED Ebrahim 2013); size "
                        "chosen so the shipped alcohol example raises WASO",
                        "arousal per g/L of alcohol rebound")
    g_mis_ar = m.param("misalignment_arousal_gain", 1.0, "1", 0.0, 3.0,
                       "assumption: sleeping out of phase with the body clocks fragments sleep (seed: late eating "
                       "and jet lag disturb sleep); full antiphase doubles baseline arousal",
                       "arousal per unit circadian misalignment")
    g_dig_ar = m.param("digestion_arousal_gain", 0.3, "1", 0.0, 1.0,
                       "assumption: a meal shortly before bed delays sleep (RECALLED mixed observational evidence); "
                       "scaled by the postprandial carrier", "arousal per unit postprandial digestive activity")
    g_ibs_ar = m.param("ibs_visceral_arousal_gain", 0.3, "1", 0.0, 1.0,
                       "assumption: visceral hypersensitivity turns colonic fermentation (gas, distension) into "
                       "night-time arousal in irritable bowel syndrome; sleep complaints are common in IBS (~38 %, "
                       "meta-analyses of sleep disturbance in IBS, RECALLED) while objective sleep "
                       "differs less, so the gain is modest (a third of severe stress at typical fermentation)",
                       "night-time arousal per unit colonic fermentation (relative to typical) in IBS")
    g_vag_ar = m.param("vagal_arousal_damping", 0.3, "1", 0.0, 1.0,
                       "assumption: vagal tone damps night-time arousal (seed: 'calm signals', night anxiety)",
                       "fractional reduction of arousal per unit vagal tone")
    frag0 = m.param("baseline_awake_fraction_odds", 0.04, "1", 0.02, 0.2,
                    "calibrated: REF06-SE, REF06-TST; baseline example WASO ~30-40 min in an 8 h opportunity (REF-06)",
                    "odds of being awake within the sleep period at age 35, reference pressure and no extra arousal")
    frag_age = m.param("awake_fraction_age_slope", 0.0275, "1/year", 0.020, 0.036,
                       "calibrated: AGE01-WASO; Boulos et al. 2019 Lancet Respir Med 7:533 (AGE-01): WASO rises by "
                       "~10 min per decade of adult age; the range spans its 95 % CI (6.9-12.4 min per decade)",
                       "relative rise of the awake odds per year of age (log-linear, below and above 35)")
    frag_h = m.param("awake_odds_pressure_slope", 3.0, "1", 1.0, 6.0,
                     "calibrated: RES02-SE; sleep efficiency rises as time in bed is restricted (Belenky et al. "
                     "2003 J Sleep Res 12:1, RES-02) and after sleep loss (REC-03): high pressure consolidates sleep",
                     "fall of the log awake odds per unit of sleep pressure above the reference")
    h_ref = m.param("awake_odds_pressure_reference", 0.4, "1", 0.2, 0.6,
                    "assumption: mid-night sleep pressure of a rested adult (Skeldon 2014 trajectory), where the "
                    "baseline odds apply",
                    "sleep pressure at which the awake odds equal their baseline")

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
    brain_5ht = _seen(m, "brain_serotonin_ug")
    serotonin_signal = m.let("brain_serotonin_sleep_signal", signed_saturating((brain_5ht / brain_ref - 1) / k_5ht),
                             "1", "saturating brain-serotonin signal read by sleep (-1..1, 0 at baseline)")
    but_signal = m.let("butyrate_sleep_signal", signed_saturating((but - 1) / but_half), "1",
                       "saturating portal-butyrate signal read by sleep (-1..1, 0 at baseline)")

    # --- light, caffeine and melatonin tablets (inputs of the day) ------------------------------------------
    g_light = m.param("light_alerting_effect", 0.03, "1", 0.0, 0.4,
                      "assumption: kept small so that the default 100-lux evening adds ~1 min to the baseline sleep "
                      "latency (REF06-SOL was calibrated without this term); the e-reader effect of Chang et al. 2015 "
                      "PNAS 112:1232 (+~10 min, LIT-01) is not reached within the plausible range with today's "
                      "sleep switch (LIGHT-CHANG-SOL fails, see the evidence report)",
                      "threshold shift (units of H) at saturating alerting by light")
    k_light = m.param("light_alerting_half_lux", 100.0, "lux", 30.0, 500.0,
                      "Cajochen et al. 2000 Behav Brain Res 115:75 (RECALLED): half of the maximal alerting response "
                      "(subjective sleepiness, EEG) at ~100 lux of fluorescent light, like melatonin suppression",
                      "light at the retina (fluorescent-equivalent lux) giving half the alerting effect")
    tau_light = m.param("light_alerting_decay_h", 1.0, "h", 0.25, 3.0,
                        "assumption: the alerting effect of evening light persists for about an hour after it ends "
                        "(Chang 2015: longer latency right after reading; Cajochen 2005 J Appl Physiol 99:1164 "
                        "blue-light alerting during exposure, RECALLED)",
                        "time constant of the alerting effect of light")
    alert = m.state("light_alerting_level", 0.0, "1", "acute alerting by recent light (0..1, low-pass filtered)",
                    scale=1.0)
    m.rate(alert, (hill(m.sym("light_at_eye_lux"), k_light, 1.5) - alert) / tau_light)
    g_bedlight = m.param("bedroom_light_arousal_gain", 0.5, "1", 0.0, 2.0,
                         "assumption: ~10 min more WASO with a dim lamp on all night (Cho et al. 2016 Chronobiol Int "
                         "33:117: 5 or 10 lux during sleep raised WASO and stage N1 with no difference between the "
                         "two levels; magnitude not retrieved)",
                         "night-time arousal at saturating light in the bedroom")
    k_bedlight = m.param("bedroom_light_half_lux", 3.0, "lux", 0.5, 30.0,
                         "assumption: the effect is near saturation at 5 lux (Cho 2016: 5 and 10 lux alike)",
                         "bedroom light (fluorescent-equivalent lux at the eye) giving half the arousal")
    bedlight = m.let("bedroom_light_arousal", g_bedlight * hill(opportunity * m.u("light_lux"), k_bedlight), "1",
                     "arousal from light in the bedroom during the sleep opportunity (through the eyelids)")
    g_caf = m.param("caffeine_threshold_effect", 0.24, "1", 0.0, 0.4,
                    "calibrated: CAF-DRAKE-6H (Drake et al. 2013 J Clin Sleep Med 9:1195: 400 mg 6 h before bed "
                    "shortened objective sleep by ~1 h)",
                    "rise of both sleep thresholds (units of H) at full adenosine blockade")
    g_caf_ar = m.param("caffeine_arousal_gain", 2.5, "1", 0.0, 5.0,
                       "calibrated: CAF-DRAKE-6H (with caffeine_threshold_effect); caffeine fragments sleep (Clark & "
                       "Landolt 2017 Sleep Med Rev 31:70: WASO up, SE -7 %)",
                       "night-time arousal at full adenosine blockade")
    block = m.ref("caffeine_adenosine_block")
    exo_mel = m.ref("melatonin_exogenous_pmol_l")
    mel_all = m.let("melatonin_sleep_signal_pmol_l", mel + exo_mel, "pmol/L",
                    "plasma melatonin read by the sleep switch: endogenous plus tablets")

    calm = m.let("sleep_calm_shift",
                 g_mel * mel_all / (mel_all + k_mel) + g_vag * vagal + g_but * but_signal + g_5ht * serotonin_signal
                 + g_alc_sed * bac
                 - g_light * alert - g_caf * block,
                 "1", "threshold shift that makes sleep easier (melatonin, vagal, butyrate, brain serotonin, alcohol; "
                      "negative: "
                      "alerting light, caffeine)")
    g_noise = m.param("arousal_noise_gain", 1.0, "1", 0.0, 1.0,
                      "assumption: 1 applies the night's factor drawn by the scenario's variability as drawn (its SD "
                      "is set there); 0 turns process noise off; above 1 would exceed the SD the scenario states",
                      "scales the log of the night-to-night factor on night arousal (input arousal_noise)")
    arousal = m.let("night_arousal",
                    (g_stress * _seen(m, "stress") + g_cort * saturating((cort - cort_floor) / cort_half)
                     + g_il6_ar * saturating(il6_acute - il6_frag) + chronic_ar
                     + g_alc_reb * rebound + g_mis_ar * _seen(m, "circadian_misalignment")
                     + g_dig_ar * _seen(m, "chylomicron_lps_carrier")
                     + g_ibs_ar * m.ref("ibs") * m.ref("fermentation_relative")
                     + bedlight + g_caf_ar * block) / (1 + g_vag_ar * vagal) * sp.exp(g_noise * m.u("arousal_noise")),
                    "1", "arousal that fragments sleep and delays its onset", observe=True)
    upper = m.let("sleep_threshold_upper", h_up + c_amp * circ - calm + 0.05 * arousal, "1",
                  "effective upper threshold (wake -> sleep)")
    lower = m.let("sleep_threshold_lower", h_lo + c_amp * circ - calm + 0.05 * arousal, "1",
                  "effective lower threshold (sleep -> wake)")
    g_onset_noise = m.param("onset_noise_gain", 1.0, "1", 0.0, 1.0,
                            "assumption: 1 applies the night's draw of the scenario's variability as drawn (its SD is "
                            "set there); 0 turns it off",
                            "scales the night-to-night offset of the log onset hazard (input onset_noise)")
    hazard = m.let("sleep_onset_hazard",
                   k_on_max * logistic(g_on * (h - upper) + g_onset_noise * m.u("onset_noise")
                                       - sp.log(k_on_max / k_on)), "1/h",
                   "hazard of falling asleep in bed: k_on exp(g_on (H - upper)) for small margins, capped at its "
                   "maximum (the harmonic cap of the two)")
    m.rate(drive, in_bed * (hazard + k_cons * z**2) * (1 - drive / t_cap)
           - k_off * logistic((lower - h) / width) * drive - (1 - in_bed) * k_out * drive)
    odds = m.let("awake_odds", frag0 * sp.exp(frag_age * age) * (1 + arousal) * sp.exp(-frag_h * (h - h_ref)), "1",
                 "odds of brief awakenings within the sleep period")
    # Asleep needs the sleep period (Z), which implies being in bed: the scheduled opportunity, not in_bed_effective.
    m.let("asleep", opportunity * z / (1 + odds), "1", "fraction of the time asleep", observe=True)
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
                       "calibrated: INF01-U, INF01-SEED; assumption: the SWS gain peaks at the IL-6 rise of the lowest "
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
    # --- REM sleep: ultradian NREM-REM cycling -----------------------------------------------------------
    period = m.param("ultradian_cycle_period_h", 1.5, "h", 1.2, 1.9,
                     "Carskadon & Dement, Principles and Practice of Sleep Medicine: NREM-REM cycles of 90-110 min "
                     "in adults (first cycle 70-100 min)",
                     "period of the NREM-REM cycle")
    rem_pos = m.param("ultradian_rem_phase", 5.4, "rad", 4.7, 6.0,
                      "calibrated: REM01-NORMS; REM closes each cycle: centred at ~86 % of the cycle so that the "
                      "first REM period starts 70-100 min after onset (REM-01)",
                      "cycle phase at the centre of each REM period (0 = sleep onset)")
    rem_width = m.param("ultradian_rem_width", 0.45, "1", 0.2, 0.8,
                        "calibrated: REM01-NORMS; REM periods of 10-30 min out of 90 (REM-01: REM 20-25 % of sleep)",
                        "cosine level above which a cycle is in its REM window (1 - width)")
    k_reset = m.param("ultradian_reset_rate", 2.0, "1/h", 0.5, 6.0,
                      "assumption: the cycle restarts with each sleep period (the first REM follows onset by a "
                      "full NREM cycle); after ~1-2 h awake in bed, or out of bed, it starts afresh",
                      "rate at which the cycle phase returns to 0 while out of the sleep period")
    h_rem = m.param("rem_pressure_gate", 0.45, "1", 0.3, 0.6,
                    "calibrated: REM01-NORMS; high sleep pressure (early night, recovery sleep) shortens REM in "
                    "favour of NREM, so REM periods lengthen across the night (REM-01)",
                    "sleep pressure above which REM periods are shortened")
    g_alc_rem = m.param("alcohol_rem_suppression", 1.0, "L/g", 0.3, 3.0,
                        "ALC-03 (Ebrahim 2013 Alcohol Clin Exp Res 37:539): REM is reduced in the first half of the "
                        "night at high doses (~1 g/kg, ~1 g/L) and its onset delayed at all doses; here 1 g/L halves "
                        "REM propensity",
                        "relative reduction of REM propensity per g/L blood alcohol")
    phase = m.state("ultradian_phase", 0.0, "rad",
                    "phase of the NREM-REM cycle since sleep onset (~30 rad by the end of a night)", scale=30.0)
    m.rate(phase, 2 * sp.pi / period * asleep - k_reset * (1 - opportunity * z) * phase)
    window = logistic((sp.cos(phase - rem_pos) - (1 - rem_width)) / 0.1)
    first = logistic((phase - sp.pi) / 0.3)  # no REM at sleep onset (narcolepsy-like SOREM excluded)
    rem_share = m.let("rem_share_of_sleep", window * first * logistic((h_rem - h) / 0.1)
                      / (1 + g_alc_rem * bac), "1", "share of the time asleep that is REM sleep")
    m.let("rem", asleep * rem_share, "1", "fraction of the time in REM sleep", observe=True)
    m.let("sws", asleep * (1 - rem_share) * sws_share, "1", "fraction of the time in slow-wave sleep (N3)",
          observe=True)
