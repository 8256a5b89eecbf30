"""Every shipped example moves sleep, and the pathway it acts through, in the documented direction.

Each test compares the example with the baseline person over the same nights/days (interventions start on
day 14) and asserts the direction with a minimum size, so a model change that silently removes an effect
fails here. Sizes are model outputs, not published numbers; the evidence suite checks those. (Since sleep onset and
continuity respond to sleep pressure, diet effects on sleep are partly compensated: a night that starts later or is
more broken leaves more pressure for the next, as in people; the minimum sizes are about half of today's effects.)
"""

from __future__ import annotations

import math

import pytest

LATE = (56, 83)  # weeks 9-12: sustained effects of interventions that start on day 14 (84-day examples)
LATE8 = (42, 55)  # weeks 7-8, for the 56-day examples


def test_fiber_guideline_raises_butyrate_and_sleep(example_tables):
    t = example_tables("fiber-guideline")
    assert t.day_ratio("butyrate_mM", *LATE) > 1.10  # pathway: more fermentable substrate
    assert t.day_ratio("guild_pathobionts", *LATE) < 0.95  # colonisation resistance via butyrate
    assert t.day_ratio("il6_pg_ml", *LATE) < 0.98
    assert abs(t.day_ratio("shannon", *LATE) - 1) < 0.05  # FERM-01: fiber arm diversity stable
    assert t.night_change("tst_min", *LATE) > 0.5
    assert t.night_change("waso_min", *LATE) < -0.25


def test_prebiotic_is_bifidogenic_and_improves_sleep(example_tables):
    t = example_tables("prebiotic")
    assert t.day_ratio("guild_lactic_acid", *LATE) > 1.2  # FIB-03c: Bifidobacterium up
    assert t.day_ratio("gaba", *LATE) > 1.2
    assert t.day_ratio("vagal_signal", *LATE) > 1.1
    assert t.night_change("tst_min", *LATE) > 1.5
    assert t.night_change("waso_min", *LATE) < -0.7


def test_resistant_starch_feeds_starch_degraders_and_butyrate_then_wears_off(example_tables):
    t = example_tables("resistant-starch")  # 20 g/day on days 14-41
    assert t.day_ratio("butyrate_mM", 28, 41) > 1.3  # RS is butyrogenic (Venkataraman 2016 Microbiome 4:33)
    assert t.day_ratio("guild_saccharolytic", 28, 41) > 1.05  # R. bromii (Walker 2011 ISME J 5:220)
    assert t.day_ratio("guild_pathobionts", 28, 41) < 0.9
    assert abs(t.day_ratio("butyrate_mM", 56, 69) - 1) < 0.03  # back within weeks of stopping
    assert t.night_change("tst_min", 28, 41) > 0.5


def test_animal_based_diet_feeds_bile_tolerant_taxa_and_recovers(example_tables):
    t = example_tables("animal-based-diet")  # days 14-18 (David 2014 Nature 505:559)
    assert t.day_ratio("guild_pathobionts", 16, 18) > 1.2  # Bilophila wadsworthia
    assert t.day_ratio("butyrate_mM", 16, 18) < 0.85  # plant-polysaccharide fermenters fall
    assert t.day_ratio("guild_butyrate_producers", 16, 18) < 0.9
    assert abs(t.day_ratio("butyrate_mM", 35, 41) - 1) < 0.03
    assert abs(t.day_ratio("guild_pathobionts", 35, 41) - 1) < 0.03


def test_ibs_leaks_inflames_and_fragments_sleep(example_tables):
    t = example_tables("ibs")  # irritable bowel syndrome; 15 g/day prebiotic from day 14
    assert t.day_ratio("permeability_index", 0, 13) > 1.3  # leakier barrier (IBS meta-analyses)
    assert t.day_ratio("il6_pg_ml", 0, 13) > 1.1
    assert t.night_change("waso_min", 0, 13) > 3.0  # visceral hypersensitivity: arousal from fermentation
    assert t.night_change("waso_min", 42, 55) > 2.0  # the prebiotic's extra fermentation keeps it up


def test_fermented_foods_raise_diversity_and_lower_inflammation(example_tables):
    t = example_tables("fermented-foods")
    assert t.day_change("richness", *LATE) >= 3  # FERM-01: diversity rises
    assert t.day_ratio("shannon", *LATE) > 1.0
    assert t.day_ratio("il6_pg_ml", *LATE) < 0.95  # FERM-01: IL-6 among the proteins that fell
    assert t.day_ratio("crp_mg_l", *LATE) < 0.95
    assert t.day_ratio("vagal_signal", *LATE) > 1.1  # live lactic-acid bacteria (HPA-04)
    assert t.night_change("waso_min", *LATE) < -0.5
    assert t.night_change("tst_min", *LATE) > 1.0


def test_probiotic_acts_through_the_vagus_with_small_objective_change(example_tables):
    t = example_tables("probiotic")
    assert t.day_ratio("vagal_signal", *LATE) > 1.05
    assert t.night_change("waso_min", *LATE) < -0.15
    # PRO-01: probiotics do not change objective sleep efficiency by more than ~1 percentage point
    assert abs(t.night_change("sleep_efficiency_pct", *LATE)) < 1.0


def test_antibiotics_collapse_fermenters_then_recover(example_tables):
    t = example_tables("antibiotics")
    course = (16, 22)
    assert t.day_ratio("butyrate_mM", *course) < 0.6  # ABX-02: butyrate producers collapse
    assert t.day_ratio("guild_butyrate_producers", *course) < 0.5
    assert t.day_ratio("guild_pathobionts", *course) > 2.0  # ABX-02: Enterobacteriaceae bloom
    assert t.day_ratio("shannon", *course) < 0.95
    assert t.day_ratio("il6_pg_ml", *course) > 1.3
    # SER-04: microbiota depletion costs rest-phase sleep (SWS itself is pulled both ways: less portal
    # butyrate lowers it, the low-grade inflammation of the bloom raises it, INF-01)
    assert t.night_change("tst_min", *course) < -2.5
    assert t.night_change("sleep_efficiency_pct", *course) < -0.5
    daily = t.daily
    nadir = int(daily.loc[14:30, "shannon"].idxmin())
    assert 14 + 2 <= nadir <= 14 + 8  # ABX-01: nadir within days of starting
    before = daily.loc[10, "shannon"]
    assert abs(daily.loc[55:60, "shannon"].mean() / before - 1) < 0.02  # ABX-02: near baseline by ~6 weeks
    assert daily.loc[119, "richness"] <= daily.loc[10, "richness"]  # some taxa never come back


def test_jet_lag_disrupts_then_reentrains(example_tables):
    t = example_tables("jet-lag")
    assert t.night_change("tst_min", 14, 17) < -20.0
    assert t.night_change("sol_min", 14, 17) > 10.0
    assert t.day_ratio("microbial_rhythm_amplitude", 16, 21) < 0.95  # CIRC-01: rhythm disrupted
    assert abs(t.night_change("tst_min", 35, 41)) < 2.0  # re-entrained within ~3 weeks
    dlmo = t.daily.loc[40, "dlmo_clock_h"]
    base = t.base_daily.loc[40, "dlmo_clock_h"]
    assert abs(dlmo - base) < 0.5  # same local clock time as before the flight


def test_all_nighter_feedback_loops(example_tables):
    t = example_tables("all-nighter")
    assert t.nightly.loc[14, "tst_min"] == 0
    assert t.nightly.loc[15, "sws_pct"] > t.base_nightly.loc[15, "sws_pct"] + 5  # recovery sleep is deeper
    assert t.day_ratio("cortisol_evening_nmol_l", 15, 15) > 1.05  # next-evening cortisol up
    assert t.day_ratio("il6_pg_ml", 15, 15) > 1.05
    assert t.day_ratio("lps_fold", 16, 16) > 1.05
    # microbiome shift lags sleep loss by 1-3 days (SD-03): fewer SCFA producers, more pathobionts
    shift = [t.day_ratio("guild_butyrate_producers", d, d) for d in range(14, 21)]
    assert min(shift) < 0.985 and 15 <= 14 + shift.index(min(shift)) <= 18
    bloom = [t.day_ratio("guild_pathobionts", d, d) for d in range(14, 21)]
    assert max(bloom) > 1.02 and 15 <= 14 + bloom.index(max(bloom)) <= 18
    assert abs(t.night_change("tst_min", 22, 26)) < 1.0


def test_late_eating_misaligns_and_loosens_barrier(example_tables):
    t = example_tables("late-eating")
    assert t.day_ratio("microbial_rhythm_amplitude", *LATE8) < 0.95
    assert t.day_ratio("permeability_index", *LATE8) > 1.02
    assert t.day_ratio("lps_fold", *LATE8) > 1.02
    assert t.night_change("sol_min", *LATE8) > 0.2
    assert t.night_change("waso_min", *LATE8) > 1.0


def test_alcohol_sedates_then_fragments_and_leaks(example_tables):
    t = example_tables("alcohol")
    assert t.night_change("sol_min", *LATE8) < 0  # sedation
    assert t.night_change("waso_min", *LATE8) > 3.0  # second-half rebound
    assert t.night_change("sleep_efficiency_pct", *LATE8) < 0
    assert t.day_ratio("lps_fold", *LATE8) > 1.2  # ALC-01
    assert t.day_ratio("permeability_index", *LATE8) > 1.2


def test_sweeteners_shift_the_microbiome(example_tables):
    t = example_tables("sweeteners")
    assert t.day_ratio("shannon", *LATE8) < 0.99  # NNS-01/02
    assert t.day_ratio("guild_lactic_acid", *LATE8) < 0.9
    assert t.day_ratio("gaba", *LATE8) < 0.9
    assert t.day_ratio("il6_pg_ml", *LATE8) > 1.05
    assert t.night_change("tst_min", *LATE8) < -1.0


def test_processed_diet_thins_mucus_and_inflames(example_tables):
    t = example_tables("processed-diet")
    assert t.day_ratio("butyrate_mM", *LATE8) < 0.8
    assert t.day_ratio("shannon", *LATE8) < 0.98  # EMU-02
    assert t.day_ratio("permeability_index", *LATE8) > 1.3  # EMU-01
    # direction with a minimum size (not a finding's tolerance): 1.3 before IL-6 was rescaled to population
    # medians with a chronic/acute split (COL11-MEDIANS); the rescaled model gives x1.24
    assert t.day_ratio("il6_pg_ml", *LATE8) > 1.2
    assert t.night_change("tst_min", *LATE8) < -1.0


def test_chronic_stress_raises_cortisol_and_fragments_sleep(example_tables):
    t = example_tables("chronic-stress")
    # a high, flat diurnal profile: uncontrollable chronic stress raises evening cortisol more than the morning
    # peak (Miller, Chen & Zhou 2007, Psychol Bull 133:25); with the gland-mass HPA the morning rises ~x1.09
    morning = t.day_ratio("cortisol_morning_nmol_l", *LATE8)
    evening = t.day_ratio("cortisol_evening_nmol_l", *LATE8)
    assert morning > 1.03
    assert evening > 1.1
    assert evening > morning
    assert t.day_ratio("guild_lactic_acid", *LATE8) < 1.0  # seed: stress reduces beneficial bacteria
    assert t.night_change("tst_min", *LATE8) < -10.0
    assert t.night_change("waso_min", *LATE8) > 10.0


def test_vagotomy_cuts_the_gut_signal(example_tables):
    t = example_tables("vagotomy")
    assert math.isclose(t.daily["vagal_signal"].abs().max(), 0.0, abs_tol=1e-12)
    assert t.night_change("sol_min", *LATE) > 0.5
    assert t.night_change("tst_min", *LATE) < -5.0
    assert t.day_ratio("cortisol_evening_nmol_l", *LATE) > 1.0


@pytest.mark.parametrize("name", ["fiber-guideline", "prebiotic", "resistant-starch", "fermented-foods", "probiotic"])
def test_beneficial_examples_do_not_harm_before_day_14(example_tables, name):
    t = example_tables(name)
    assert abs(t.night_change("tst_min", 0, 13)) < 1e-6


def test_evening_screen_example_delays_the_clock_and_sleep_onset(example_tables):
    t = example_tables("evening-screen")
    assert abs(t.night_change("tst_min", 0, 13)) < 1e-6
    assert t.night_change("sol_min", 21, 41) > 0.0
    assert t.day_change("dlmo_clock_h", 21, 41) > 0.05


def test_caffeine_example_shortens_sleep(example_tables):
    t = example_tables("caffeine")
    assert t.night_change("tst_min", 21, 41) < -10.0
    assert t.night_change("sol_min", 21, 41) > 1.0
    assert t.night_change("tst_min", 21, 41) < t.night_change("tst_min", 0, 13) <= 0.0  # the morning cup matters less


def test_melatonin_example_advances_the_clock_while_taken(example_tables):
    t = example_tables("melatonin")
    assert t.day_change("dlmo_clock_h", 20, 27) < -0.2
    assert abs(t.day_change("dlmo_clock_h", 38, 41)) < abs(t.day_change("dlmo_clock_h", 20, 27))  # wears off
