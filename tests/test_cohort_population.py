"""Population specs: validation messages, distributions, copula correlations and per-subject random streams."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from gutsleep.cohort.distributions import Discrete, LogNormal, Normal, Uniform
from gutsleep.cohort.population import (
    DEFAULT_PARAMETER_CV,
    DEFAULT_PARAMETER_PREVALENCE,
    Population,
    covariate_frame,
    load_population,
    parameter_info,
    parse_population,
)
from gutsleep.cohort.specio import SpecError

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "populations"


def problems_of(text: str) -> list[str]:
    with pytest.raises(SpecError) as info:
        parse_population(text, source="pop.yaml")
    assert isinstance(info.value, ValueError)
    return info.value.problems


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_example_populations_are_valid(path: Path) -> None:
    spec = load_population(path)
    assert spec.name == path.stem
    subject = Population(spec).subject(0, days=3)
    assert subject.scenario.days == 3 and subject.covariates["subject"] == 0


def test_field_errors_name_file_line_field_and_range() -> None:
    lines = problems_of(
        "size: 0\nperson:\n  female_fraction: 1.5\n  bmi: {dist: lognormal, mean: 25, sd: 3}\n"
        "habits:\n  alcohol_drinks: '2 drinks'\n  stress: {dist: gamma}\ncolour: blue\n"
    )
    text = "\n".join(lines)
    assert "pop.yaml:1: size: out of range (allowed range 1 to 1e+07 subjects) (got 0)" in text
    assert "pop.yaml:3: person.female_fraction: out of range (allowed range 0 to 1)" in text
    assert "pop.yaml:4: person.bmi.sd: unknown field 'sd'; allowed fields: dist, mean, median, cv, low, high" in text
    assert "pop.yaml:6: habits.alcohol_drinks: expected a plain number (no units)" in text
    assert "pop.yaml:7: habits.stress: unknown distribution 'gamma'" in text
    assert "pop.yaml:8: colour: unknown field 'colour'" in text


def test_impossible_values_and_names_are_rejected_with_allowed_ranges() -> None:
    text = "\n".join(problems_of(
        "person:\n  age: {dist: uniform, low: 10, high: 70}\n"
        "habits:\n  fiber_g: {dist: normal, mean: 200, sd: 5}\n  fibre_g: 20\n"
        "schedule:\n  time_in_bed_h: {dist: uniform, low: 0.5, high: 9}\n"
        "parameters:\n  vary: [sws_gain, no_such_parameter, age_years]\n"
    ))
    assert "pop.yaml:2: person.age.low: out of range (allowed range 18 to 100 years) (got 10.0)" in text
    assert "pop.yaml:4: habits.fiber_g.mean: out of range (allowed range 0 to 150 g/day) (got 200.0)" in text
    assert "habits.fibre_g: unknown or non-numeric habit; allowed: fiber_g," in text
    assert "schedule.time_in_bed_h.low: out of range (allowed range 1 to 16 h)" in text
    assert "parameters.vary[1]: unknown parameter" in text
    assert "parameters.vary[2]: set from the person" in text


def test_correlations_must_name_traits_and_be_consistent() -> None:
    lines = problems_of("habits: {fiber_g: 15}\ncorrelations:\n  - {between: [fiber_g, nothing], rho: 0.5}\n")
    assert any("correlations[0].between[1]: not a trait of this population" in line for line in lines)
    lines = problems_of(
        "habits: {fiber_g: 15}\ncorrelations:\n  - {between: [fiber_g, age], rho: 0.9}\n"
        "  - {between: [fiber_g, bmi], rho: 0.9}\n  - {between: [age, bmi], rho: -0.9}\n"
    )
    assert any("not positive definite" in line for line in lines)


def test_default_parameter_set_exists_in_the_model() -> None:
    info = parameter_info()
    missing = [name for name in DEFAULT_PARAMETER_CV if name not in info]
    assert not missing, f"default varying parameters missing from the model: {missing}"


def test_per_subject_streams_do_not_depend_on_batching() -> None:
    spec = load_population(EXAMPLES / "us-adults.yaml")
    together = covariate_frame(Population(spec).subjects(0, 12, days=5))
    alone = covariate_frame([Population(spec).subject(i, days=5) for i in reversed(range(12))]).iloc[::-1]
    pd.testing.assert_frame_equal(together, alone.reset_index(drop=True), check_exact=True)
    later = covariate_frame(Population(spec).subjects(7, 12, days=5))
    pd.testing.assert_frame_equal(later, together.iloc[7:].reset_index(drop=True), check_exact=True)
    other = covariate_frame(Population(spec.model_copy(update={"seed": spec.seed + 1})).subjects(0, 12, days=5))
    assert not np.allclose(other["fiber_g"], together["fiber_g"])


def test_marginals_correlations_and_parameter_variability() -> None:
    spec = parse_population(
        "size: 4000\nseed: 3\nperson: {female_fraction: 0.3}\n"
        "habits:\n  fiber_g: {dist: lognormal, mean: 15, cv: 0.45}\n"
        "  ultra_processed_share: {dist: normal, mean: 0.55, sd: 0.12, low: 0.15, high: 0.9}\n"
        "parameters: {vary: [sws_gain], cv: {colon_transit_rate: 0.25}}\n"
        "correlations:\n  - {between: [fiber_g, ultra_processed_share], rho: -0.5}\n"
    )
    pop = Population(spec)
    draws = [pop.draw(i) for i in range(spec.size)]
    fiber = np.array([d["fiber_g"] for d in draws])
    upf = np.array([d["ultra_processed_share"] for d in draws])
    assert abs(fiber.mean() - 15) < 0.5 and abs(fiber.std() / fiber.mean() - 0.45) < 0.05
    assert upf.min() >= 0.15 and upf.max() <= 0.9
    assert -0.55 < stats.spearmanr(fiber, upf).statistic < -0.4
    assert abs(np.mean([d["sex"] == "female" for d in draws]) - 0.3) < 0.03
    sws = np.array([d["parameters"]["sws_gain"] for d in draws])
    default, low, high = parameter_info()["sws_gain"][:3]
    assert abs(np.median(sws) / default - 1) < 0.02 and sws.min() >= low and sws.max() <= high
    assert set(draws[0]["parameters"]) == {"sws_gain", "colon_transit_rate"}


def test_distribution_quantiles() -> None:
    norm = Normal(dist="normal", mean=10, sd=2, low=9, high=20)
    assert norm.ppf(0.0) == pytest.approx(9) and norm.ppf(0.5) > 10
    logn = LogNormal(dist="lognormal", median=15, cv=0.5)
    assert logn.ppf(0.5) == pytest.approx(15)
    sigma = math.sqrt(math.log1p(0.25))
    assert logn.ppf(0.975) == pytest.approx(15 * math.exp(1.959964 * sigma), rel=1e-5)
    assert Uniform(dist="uniform", low=2, high=4).ppf(0.25) == pytest.approx(2.5)
    disc = Discrete(dist="discrete", values=(0, 1, 2), weights=(0.5, 0.25, 0.25))
    assert [disc.ppf(u) for u in (0.1, 0.6, 0.9)] == [0, 1, 2]


def test_bedtime_schedule_moves_meals_and_keeps_valid_windows() -> None:
    spec = parse_population("habits: {}\nschedule:\n  bedtime: {mean: '23:30', sd_h: 1.5, max_shift_h: 3}\n"
                            "parameters: {vary: none}\n")
    pop = Population(spec)
    for i in range(40):
        s = pop.subject(i, days=2)
        h = s.scenario.habits
        assert h.bedtime[-2:] in ("00", "15", "30", "45")
        shift = s.covariates["bedtime_shift_h"]
        assert -3 <= shift <= 3
        first_meal = (8.0 + shift) % 24
        assert h.meals[0] == f"{int(first_meal):02d}:{round(first_meal % 1 * 60):02d}"
        assert s.parameters == {}


def test_each_person_carries_each_taxon_with_its_prevalence() -> None:
    """Carriage is drawn present/absent with the taxon's prevalence; ``prevalence`` overrides it by name (1: always
    carried) and ``vary: none`` draws nothing; the log-normal parameters keep their draws."""
    base = "name: p\nsize: 2000\nseed: 5\n"
    pop = Population(parse_population(base, source="pop.yaml"))
    draws = [pop.draw(i)["parameters"] for i in range(2000)]
    for name, share in DEFAULT_PARAMETER_PREVALENCE.items():
        values = np.array([d[name] for d in draws])
        assert set(np.unique(values)) <= {0.0, 1.0}
        assert abs(values.mean() - share) < 4 * math.sqrt(share * (1 - share) / 2000) + 1e-9, name
    fixed = Population(parse_population(base + "parameters: {prevalence: {prevotella_copri_carried: 1}}\n",
                                        source="pop.yaml"))
    assert all("prevotella_copri_carried" not in fixed.draw(i)["parameters"] for i in range(200))  # the default, 1
    assert fixed.draw(3)["parameters"]["sws_gain"] == draws[3]["sws_gain"]
    from gutsleep.model.microbiome import GUILDS, TAXA

    for d in draws:  # every guild keeps a member: its core taxon is always carried
        for g in GUILDS:
            assert any(d.get(f"{t.name}_carried", 1.0) == 1.0 for t in TAXA if t.guild == g and not t.transient), g
    none = Population(parse_population(base + "parameters: {vary: none}\n", source="pop.yaml"))
    assert none.draw(0)["parameters"] == {}
    assert any("unknown parameter" in p for p in problems_of(base + "parameters: {prevalence: {nope: 0.5}}\n"))
    too_high = base + "parameters: {prevalence: {prevotella_copri_carried: 2}}\n"
    assert any("out of range" in p for p in problems_of(too_high))
