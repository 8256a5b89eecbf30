"""The gut community answers the diet as human guts do: fiber builds richness, an industrialised diet loses taxa,
antibiotics cut diversity and most of it returns, and no guild dies out under any diet the schema allows."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from gutsleep.apps.simulate import simulate
from gutsleep.model.microbiome import GUILDS, NICHE_RESOURCES, NICHES, PREVALENCE, TAXA, is_resident_only
from gutsleep.scenario.models import Scenario

WESTERN = {"fiber_g": 8.0, "added_sugar_g": 120.0, "ultra_processed_share": 0.85, "emulsifier_g": 5.0}
HIGH_FIBER = {"fiber_g": 45.0, "added_sugar_g": 25.0, "ultra_processed_share": 0.2}


def year_end(habits: list[dict], days: int = 84):
    """Mean of the last week of ``days`` days for each set of habits (one batched run)."""
    out = simulate([Scenario.model_validate({"days": days, "habits": h}) for h in habits], timeseries_every_h=None)
    return out.daily[out.daily.day >= days - 7].groupby("subject").mean(numeric_only=True)


def test_every_taxon_has_a_niche_whose_shares_sum_to_one() -> None:
    assert set(NICHES) == {t.name for t in TAXA}
    for name, shares in NICHES.items():
        assert set(shares) <= set(NICHE_RESOURCES), name
        assert sum(shares.values()) == pytest.approx(1.0), name
        assert all(w > 0 for w in shares.values()), name


FIBERS = [5.0, 10.0, 15.0, 25.0, 35.0, 45.0]


@pytest.fixture(scope="module")
def fiber_sweep():
    """12 weeks at each of FIBERS g/day fiber, the rest of the diet typical (simulated once)."""
    return year_end([{"fiber_g": f} for f in FIBERS])


def test_fiber_builds_richness_monotonically(fiber_sweep) -> None:
    days = fiber_sweep
    richness = days.richness.to_numpy()
    assert np.all(np.diff(richness) >= -0.5), richness  # never fewer taxa with more fiber
    assert richness[-1] - richness[0] >= 8, richness  # low-fiber guts lose taxa (Sonnenburg 2016)
    assert np.all(np.diff(days.richness_resident.to_numpy()) >= -0.5)


@pytest.fixture(scope="module")
def high_fiber_vs_western():
    """The high-fiber and the Western diet after 12 weeks (simulated once for the tests that compare them)."""
    return year_end([HIGH_FIBER, WESTERN])


def test_high_fiber_diet_keeps_more_taxa_than_a_western_diet(high_fiber_vs_western) -> None:
    days = high_fiber_vs_western
    assert days.richness[0] - days.richness[1] >= 6, days.richness.tolist()
    assert days.richness_observed[0] > days.richness_observed[1]


def test_high_fiber_diet_has_higher_shannon_than_a_western_diet(high_fiber_vs_western) -> None:
    days = high_fiber_vs_western
    assert days.shannon[0] > days.shannon[1] + 0.1, days.shannon.tolist()


def test_shannon_rises_with_fiber_up_to_typical_intake_then_holds(fiber_sweep) -> None:
    """Low-fiber guts are less diverse (Sonnenburg 2016), yet raising fiber above typical intake for weeks leaves
    an adult's diversity nearly unchanged (Wastyk 2021): niche overlap lets taxa on different substrates coexist."""
    shannon = fiber_sweep.shannon.to_numpy()
    assert shannon[1] > shannon[0] and shannon[2] > shannon[1], shannon
    assert shannon[2] - shannon[0] > 0.1, shannon
    assert np.all(np.abs(shannon[3:] - shannon[2]) < 0.05), shannon


def test_each_added_fiber_class_feeds_its_own_degraders_and_fat_feeds_bile_tolerant_taxa() -> None:
    """Four weeks of one isolated fiber (or an animal-based diet) against the typical diet: relative abundance of the
    taxa each intervention is reported to enrich, and of those it depletes."""
    diets = {"base": {}, "resistant_starch": {"resistant_starch_g": 20}, "pectin": {"pectin_g": 15},
             "arabinoxylan": {"arabinoxylan_g": 15}, "beta_glucan": {"beta_glucan_g": 6},
             "animal": {"fat_g": 160, "fiber_g": 5, "protein_g": 150}}
    out = simulate([Scenario.model_validate({"days": 28, "habits": h}) for h in diets.values()],
                   timeseries_every_h=1)
    ts = out.timeseries.sel(time=slice(21 * 24, 28 * 24 - 0.01)).mean("time")
    total = sum(ts[f"taxon_{t.name}"] for t in TAXA)

    def fold(diet: str, taxon: str) -> float:
        share = ts[f"taxon_{taxon}"] / total
        return float(share[list(diets).index(diet)] / share[0])

    # Walker 2011 ISME J 5:220, Martinez 2010 PLoS One 5:e15046: R. bromii, B. adolescentis, E. rectale up on RS
    for taxon in ("ruminococcus_bromii", "bifidobacterium_adolescentis", "eubacterium_rectale"):
        assert fold("resistant_starch", taxon) > 1.3, taxon
    for taxon in ("faecalibacterium_prausnitzii", "bacteroides_thetaiotaomicron", "lachnospira_pectinoschiza"):
        assert fold("pectin", taxon) > 1.3, taxon
    for taxon in ("roseburia_intestinalis", "prevotella_copri"):
        assert fold("arabinoxylan", taxon) > 1.3, taxon
    for taxon in ("bacteroides_uniformis", "bacteroides_ovatus"):
        assert fold("beta_glucan", taxon) > 1.3, taxon
    # David 2014 Nature 505:559: bile-tolerant Bilophila and Alistipes up, plant-polysaccharide degraders down
    for taxon in ("bilophila_wadsworthia", "alistipes_putredinis"):
        assert fold("animal", taxon) > 1.3, taxon
    for taxon in ("roseburia_intestinalis", "eubacterium_rectale", "ruminococcus_bromii"):
        assert fold("animal", taxon) < 0.9, taxon
    butyrate = ts.butyrate_mM.to_numpy()
    assert np.all(butyrate[1:4] > butyrate[0]) and butyrate[5] < butyrate[0]


def test_antibiotic_course_cuts_diversity_then_most_returns() -> None:
    doc = {"days": 70, "interventions": [{"start_day": 14, "end_day": 18, "antibiotics": "broad_spectrum"}]}
    out = simulate([Scenario.model_validate(doc)], timeseries_every_h=None)
    d = out.daily.set_index("day")
    before = d.loc[7:13].mean()
    nadir_day = int(d.loc[14:30, "shannon"].idxmin())
    assert 14 <= nadir_day <= 24  # nadir within days of the course
    assert d.loc[nadir_day, "richness"] < before.richness
    assert d.loc[14:30, "shannon"].min() < before.shannon - 0.5  # a sharp fall (Dethlefsen 2011)
    late = d.loc[60:69].mean()
    assert late.richness >= before.richness - 4  # most taxa return within weeks, a few may stay lost
    assert late.shannon == pytest.approx(before.shannon, rel=0.05)


def test_fermented_food_raises_resident_richness_dose_dependently() -> None:
    days = year_end([{"fermented_servings": s} for s in (0.0, 2.0, 6.0)], days=70)
    resident = days.richness_resident.to_numpy()
    assert resident[2] > resident[0], resident
    assert np.all(np.diff(resident) >= 0), resident


def test_no_guild_dies_out_under_random_diets_for_a_year() -> None:
    """24 diets drawn over the whole allowed range of every diet field (edges included), one year each."""
    rng = np.random.default_rng(20261203)
    edges = {"fiber_g": (0, 150), "prebiotic_g": (0, 50), "fermented_servings": (0, 20), "added_sugar_g": (0, 500),
             "ultra_processed_share": (0, 1), "emulsifier_g": (0, 30), "alcohol_drinks": (0, 20),
             "protein_g": (0, 400), "stress": (0, 1), "water_l": (0, 10), "resistant_starch_g": (0, 100),
             "arabinoxylan_g": (0, 100), "pectin_g": (0, 100), "beta_glucan_g": (0, 100), "fat_g": (0, 400)}
    habits = []
    for i in range(24):
        h = {}
        for name, (low, high) in edges.items():
            u = rng.uniform() if i >= 4 else float(i % 2)  # the first four: every field at an edge
            h[name] = float(low + (high - low) * (u if i >= 2 or name != "fiber_g" else 1 - u))
        habits.append(h)
    out = simulate([Scenario.model_validate({"days": 365, "habits": h}) for h in habits], timeseries_every_h=None)
    daily = out.daily
    shares = daily[[f"guild_{g}" for g in GUILDS]]
    assert np.isfinite(shares.to_numpy()).all()
    lowest = shares.min()
    assert (lowest > 1e-5).all(), lowest.to_dict()  # every guild stays above the detection limit
    assert (daily.richness >= 1).all() and daily.shannon.notna().all()


def test_every_resident_taxon_has_a_prevalence_and_only_residents_do() -> None:
    residents = {t.name for t in TAXA if is_resident_only(t)}
    assert set(PREVALENCE) == residents
    assert all(0 < p <= 1 for p in PREVALENCE.values())


def test_a_taxon_the_person_does_not_carry_is_absent_and_the_rest_fill_its_niche() -> None:
    """``<taxon>_carried`` 0: the taxon washes out below detection during the burn-in and the community has one
    taxon fewer; guild members whose niches overlap with it take up part of its share."""
    name = "bacteroides_ovatus"
    scen = Scenario.model_validate({"days": 14})
    out = simulate([scen, scen], parameters=[{}, {f"{name}_carried": 0.0}], timeseries_every_h=24)
    state = out.timeseries[f"taxon_{name}"].isel(time=-1).to_numpy()
    assert state[0] > 1e-4 and state[1] < 1e-7, state
    d = out.daily[out.daily.day == 13].set_index("subject")
    assert d.richness[1] == d.richness[0] - 1
    loss = d.guild_saccharolytic[0] - d.guild_saccharolytic[1]
    assert 0 < loss < 0.9 * state[0], (loss, state[0])  # members with overlapping niches take up part of it


def test_cohort_diversity_follows_diet_weakly_as_in_human_cohorts() -> None:
    """500 people of the shipped population, each with their own species pool (carriage drawn with each taxon's
    prevalence) and niche qualities: Shannon and richness rise with fiber and fall with ultra-processed food and
    sugar (industrialised-diet gradient), yet diet explains little of Shannon between people, as large cohorts find
    (Yu 2021 Am J Clin Nutr 113:684: +0.029 Shannon per SD of a healthy-diet score, r ~0.05; So 2018 Am J Clin Nutr
    107:965: fiber trials do not change alpha diversity); people differ in diversity and in which taxa they carry.
    (500 rather than 150 people: at these small effects a 150-person sample cannot fix the sign, SE of rho ~0.08.)"""
    pytest.importorskip("pyarrow")
    from gutsleep.apps.examples import examples_folder
    from gutsleep.cohort.population import Population, parse_population

    text = (examples_folder() / "populations" / "us-adults.yaml").read_text(encoding="utf-8")
    pop = Population(parse_population(text, source="us-adults.yaml"))
    people = pop.subjects(0, 500, days=28)
    carried = np.mean([s.parameters["prevotella_copri_carried"] for s in people])
    assert abs(carried - PREVALENCE["prevotella_copri"]) < 0.07  # binomial SD 0.021 at n = 500
    out = simulate([s.scenario for s in people], parameters=[s.parameters for s in people], timeseries_every_h=None,
                   burn_in_days=56)
    d = out.daily[out.daily.day >= 21].groupby("subject").mean(numeric_only=True)
    fiber = np.array([s.scenario.habits.fiber_g for s in people])
    processed = np.array([s.scenario.habits.ultra_processed_share for s in people])
    sugar = np.array([s.scenario.habits.added_sugar_g for s in people])
    assert 0 < spearmanr(fiber, d.shannon).statistic < 0.3
    assert -0.3 < spearmanr(processed, d.shannon).statistic < 0
    assert -0.3 < spearmanr(sugar, d.shannon).statistic < 0
    assert 0.3 < spearmanr(fiber, d.richness).statistic < 0.6
    assert spearmanr(processed, d.richness).statistic < 0
    assert d.shannon.std() > 0.15  # person-level niche qualities (HMP 2012) and species pools spread the community
    assert d.richness.std() > 2.5  # people carry different taxa
