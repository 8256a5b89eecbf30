r"""Vagal afferent signal from the gut.

The signal integrates luminal GABA, colonic SCFA, EC serotonin release and lactic-acid bacteria
(Takada 2016: L. casei Shirota raised gastric vagal afferent firing dose-dependently), each relative
to the baseline person, weighted and normalised so the baseline signal is 1. Vagal tone follows the
signal over hours. It calms arousal at night (sleep module) and damps the stress drive of the HPA
axis (hpa module). ``vagotomy = 1`` cuts it (Bravo 2011: effects of L. rhamnosus JB-1 absent after
subdiaphragmatic vagotomy).
"""

from __future__ import annotations

from gutsleep.model.spec import ModelBuilder


def build(m: ModelBuilder) -> None:
    m.module("vagus", __doc__ or "")
    w_gaba = m.param("vagal_weight_gaba", 0.35, "1", 0.0, 1.0,
                     "assumption: GABA-producing lactobacilli act through the vagus (seed; Bravo 2011)",
                     "weight of luminal GABA in the vagal signal")
    w_scfa = m.param("vagal_weight_scfa", 0.25, "1", 0.0, 1.0,
                     "assumption: vagal afferents express SCFA receptors (FFAR3, RECALLED)",
                     "weight of colonic SCFA in the vagal signal")
    w_ec = m.param("vagal_weight_serotonin", 0.25, "1", 0.0, 1.0,
                   "assumption: EC 5-HT activates 5-HT3 receptors on vagal afferents (RECALLED)",
                   "weight of EC serotonin release in the vagal signal")
    w_lab = m.param("vagal_weight_lactic_bacteria", 0.15, "1", 0.0, 1.0,
                    "assumption: resident lactic-acid bacteria stimulate vagal afferents (Bravo 2011)",
                    "weight of lactic-acid bacteria in the vagal signal")
    w_pro = m.param("vagal_weight_probiotic", 0.3, "1", 0.0, 1.0,
                    "assumption: ingested live lactobacilli (supplements or fermented milk) raise gastric vagal "
                    "afferent firing dose-dependently even without colonising (Takada 2016, HPA-04); a 1e10 "
                    "CFU/day dose adds ~15 %",
                    "largest extra vagal signal from live lactic-acid bacteria eaten (relative to the baseline signal)")
    k_pro = m.param("probiotic_half_vagal_cfu_per_day", 1e10, "CFU/day", 1e8, 1e12,
                    "assumption: typical probiotic doses of 1e9-1e10 CFU/day are near the middle of the response",
                    "daily intake of live lactic-acid bacteria giving half the extra vagal signal")
    gaba_ref = m.param("gaba_reference_ug_per_g", 90.79, "ug/g", 20, 200,
                       "assumption: reference scale, the baseline person's "
                       "luminal GABA", "GABA giving a unit contribution")
    scfa_ref = m.param("scfa_reference_mM", 61.7, "mM", 30, 150,
                       "assumption: reference scale, the baseline person's "
                       "total colonic SCFA", "SCFA giving a unit contribution")
    ec_ref = m.param("ec_release_reference_ug_h", 284.1, "ug/h", 100, 1000,
                     "assumption: reference scale, the baseline person's "
                     "EC release", "EC release giving a unit contribution")
    lab_ref = m.param("lactic_reference_abundance", 0.02940, "1", 0.005, 0.2,
                      "assumption: reference scale, the baseline person's lactic-acid-bacteria abundance",
                      "lactic-acid bacteria abundance giving a unit contribution")
    k_v = m.param("vagal_tone_rate", 0.5, "1/h", 0.1, 2.0,
                  "assumption: vagal tone follows gut signals within a couple of hours", "rate of vagal tone")
    raw = (w_gaba * m.ref("gaba_ug_per_g") / gaba_ref + w_scfa * m.ref("scfa_total_mM") / scfa_ref
           + w_ec * m.ref("ec_serotonin_release_ug_h") / ec_ref
           + w_lab * m.ref("guild_lactic_acid") / lab_ref) / (w_gaba + w_scfa + w_ec + w_lab)
    pro = m.ref("live_lactic_intake_cfu_per_day")
    signal = m.let("vagal_signal", (1 - m.sym("vagotomy")) * (raw + w_pro * pro / (pro + k_pro)), "1",
                   "vagal afferent signal (1 = baseline person; 0 after vagotomy)", observe=True)
    tone = m.state("vagal_tone", 1.0, "1", "vagal tone reaching the brainstem (1 = baseline)", scale=1.0)
    m.rate(tone, k_v * (signal - tone))
