"""Day-to-day variability: schema, exact equality with the deterministic run when off, seed determinism (alone, in a
batch, across burn-in lengths, cohort chunk sizes and dask workers), realistic night-to-night spread, bounds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gutsleep.cohort.executor as executor
from gutsleep.apps.simulate import simulate
from gutsleep.cohort.executor import TABLES, CohortSource, RunOptions, run_subjects
from gutsleep.cohort.population import Population, parse_population, subject_seed
from gutsleep.inputs import build_schedule
from gutsleep.inputs.schedule import day_variation
from gutsleep.model.inputs import INPUT_INDEX
from gutsleep.scenario import ScenarioError, parse_scenario
from gutsleep.scenario.models import Scenario, Variability
from scenario_strategies import scenarios, variability_blocks
from test_physiological_bounds import check_year


def scenario(text: str = "", days: int = 10, seed: int = 0) -> Scenario:
    return parse_scenario(f"name: v\ndays: {days}\nseed: {seed}\n{text}")


# ---------------------------------------------------------------- schema -----------------------------------------
def test_none_typical_and_blocks() -> None:
    assert scenario().variability is None
    assert scenario("variability: none\n").variability is None
    assert scenario("variability: typical\n").variability == Variability.typical() == Variability()
    v = scenario("variability: {bedtime_sd_min: 20, start_weekday: saturday}\n").variability
    assert v is not None and v.bedtime_sd_min == 20 and v.wake_time_sd_min == Variability().wake_time_sd_min
    assert Variability(**{n: 0 for n in Variability.model_fields if n != "start_weekday"}).is_off()


@pytest.mark.parametrize(("text", "message"), [
    ("variability: sometimes\n", "expected none, typical or a block"),
    ("variability: {bedtime_sd_min: 500}\n", "allowed range 0 to 180 min"),
    ("variability: {stress_sd: -0.1}\n", "allowed range 0 to 0.5"),
    ("variability: {start_weekday: someday}\n", "start_weekday"),
    ("variability: {bedtime_jitter: 10}\n", "bedtime_jitter"),
    ("variability: {bedtime_sd_min: '30 min'}\n", "units are not allowed"),
])
def test_invalid_blocks_are_explained(text: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        scenario(text)


# ---------------------------------------------------------------- draws ------------------------------------------
def test_a_day_gets_the_same_draws_whatever_else_is_drawn() -> None:
    v = Variability.typical()
    wide = day_variation(v, 7, np.arange(-40, 60))
    narrow = day_variation(v, 7, np.array([-3, 0, 5, 59]))
    idx = np.array([-3, 0, 5, 59]) + 40
    for field in ("bed_shift_q", "wake_shift_q", "meal_shift_q", "lux_factor", "stress_offset", "arousal_noise"):
        np.testing.assert_array_equal(getattr(wide, field)[idx], getattr(narrow, field), err_msg=field)
    other = day_variation(v, 8, np.arange(-40, 60))
    assert not np.array_equal(wide.lux_factor, other.lux_factor)


def test_weekend_nights_are_later_and_daylight_factor_has_mean_one() -> None:
    v = Variability(**{n: 0 for n in Variability.model_fields if n != "start_weekday"}).model_copy(
        update={"weekend_bedtime_shift_min": 60.0, "weekend_wake_shift_min": 90.0})
    d = day_variation(v, 0, np.arange(14))  # day 0 is a Monday: nights 4, 5, 11, 12 are Friday and Saturday nights
    assert np.flatnonzero(d.bed_shift_q).tolist() == [4, 5, 11, 12] and set(d.bed_shift_q[[4, 5]]) == {4}
    assert set(d.wake_shift_q[[4, 5, 11, 12]]) == {6} and np.flatnonzero(d.meal_shift_q).tolist() == [5, 6, 12, 13]
    lux = day_variation(Variability(day_lux_cv=1.0), 3, np.arange(20000)).lux_factor
    assert lux.min() > 0 and abs(lux.mean() - 1) < 0.05


def _inputs(s: list[Scenario], burn_in: int = 2) -> np.ndarray:
    sch = build_schedule(s, burn_in_days=burn_in)
    return np.stack([np.array(sch.day_inputs(k)) for k in range(sch.total_days)], axis=1)


def test_inputs_off_are_identical_to_no_variability() -> None:
    off = "variability: {" + ", ".join(f"{n}: 0" for n in Variability.model_fields if n != "start_weekday") + "}\n"
    base = _inputs([scenario()])
    np.testing.assert_array_equal(base, _inputs([scenario("variability: none\n")]))
    np.testing.assert_array_equal(base, _inputs([scenario(off, seed=5)]))
    assert not base[..., INPUT_INDEX["arousal_noise"]].any()


def test_inputs_depend_on_the_seed_only_and_not_on_the_batch_or_the_burn_in() -> None:
    a, b = scenario("variability: typical\n", seed=1), scenario("variability: typical\n", seed=2)
    alone = _inputs([a])
    np.testing.assert_array_equal(alone, _inputs([a]))
    batch = _inputs([b, scenario(), a, a])
    np.testing.assert_array_equal(batch[2], alone[0])
    np.testing.assert_array_equal(batch[3], alone[0])
    assert not np.array_equal(batch[0], alone[0])
    longer = _inputs([a], burn_in=5)  # the same local days get the same inputs after a longer burn-in
    np.testing.assert_array_equal(longer[0, 3:], alone[0])
    stress = alone[0, ..., INPUT_INDEX["stress"]]
    assert stress.min() >= 0 and stress.max() <= 1 and np.unique(stress).size > 5
    noise = alone[0, ..., INPUT_INDEX["arousal_noise"]]
    in_bed = alone[0, ..., INPUT_INDEX["in_bed"]] > 0
    assert noise[~in_bed].max() == 0 and np.unique(noise[in_bed]).size >= 8
    assert alone[0, ..., INPUT_INDEX["light_lux"]].min() >= 0


def test_meals_keep_their_amounts_when_they_move() -> None:
    s = scenario("variability: {meal_time_sd_min: 120}\nhabits: {meals: ['00:15', '12:00', '23:30']}\n", seed=3)
    x = _inputs([s], burn_in=0)[0]
    fiber = x[..., INPUT_INDEX["fiber_g_per_h"]].sum(axis=1) * 0.25
    np.testing.assert_allclose(fiber, 15.0)
    assert (x[..., INPUT_INDEX["meal"]].sum(axis=1) == 3).all()


# ---------------------------------------------------------------- simulations ------------------------------------
@pytest.fixture(scope="module")
def runs() -> dict[str, pd.DataFrame]:
    """Eight people with typical variability for 28 nights (seeds 0-7), the same without, and seed 0 again."""
    typical = [scenario("variability: typical\n", days=28, seed=i) for i in range(8)]
    plain = [scenario("variability: none\n", days=28, seed=0), scenario(days=28, seed=9)]
    out = simulate([*typical, *plain, typical[0]], timeseries_every_h=None)
    return {"nightly": out.nightly, "daily": out.daily}


def _subject(frame: pd.DataFrame, i: int) -> pd.DataFrame:
    return frame[frame.subject == i].drop(columns="subject").reset_index(drop=True)


def test_same_seed_same_nights_other_seeds_other_nights(runs: dict[str, pd.DataFrame]) -> None:
    for table in ("nightly", "daily"):
        pd.testing.assert_frame_equal(_subject(runs[table], 0), _subject(runs[table], 10), check_exact=True)
        pd.testing.assert_frame_equal(_subject(runs[table], 8), _subject(runs[table], 9), check_exact=True)
    assert not np.allclose(_subject(runs["nightly"], 0).tst_min, _subject(runs["nightly"], 1).tst_min)


def test_night_to_night_spread_is_in_the_published_range(runs: dict[str, pd.DataFrame]) -> None:
    """Within-person SD of actigraphic TST: 76 min in CARDIA (Knutson et al. 2007 Sleep 30:793, ages 38-50) and
    84 min in MESA Sleep (J Am Heart Assoc 2022, PMC9673642, mean age 69); both include actigraphic scoring noise, so
    a noise-free model may lie somewhat lower. Accepted: 45-100 min, mean of eight people over 28 nights."""
    n = runs["nightly"]
    sd = n[n.subject < 8].groupby("subject")["tst_min"].std()
    assert 45 <= sd.mean() <= 100, sd.round(1).tolist()
    assert (n[n.subject.isin([8, 9])].groupby("subject")["tst_min"].std() < 0.1).all()  # without: the same every night


def test_zero_block_reproduces_the_deterministic_run() -> None:
    off = "variability: {" + ", ".join(f"{n}: 0" for n in Variability.model_fields if n != "start_weekday") + "}\n"
    out = simulate([scenario(days=4), scenario(off, days=4, seed=3)], burn_in_days=3, timeseries_every_h=None)
    for table in (out.nightly, out.daily):
        pd.testing.assert_frame_equal(_subject(table, 0), _subject(table, 1), check_exact=True)


def test_night_arousal_stays_non_negative_with_the_largest_noise() -> None:
    s = scenario("variability: {arousal_noise_sd: 1.5, stress_sd: 0.5}\n", days=6, seed=4)
    out = simulate([s], burn_in_days=2, timeseries_every_h=0.25)
    arousal = out.timeseries["night_arousal"].to_numpy()
    assert np.isfinite(arousal).all() and arousal.min() >= 0


# ---------------------------------------------------------------- cohorts ----------------------------------------
POPULATION = "name: jittery\nsize: 6\nseed: 11\nvariability: typical\n"


def _source(text: str = POPULATION) -> CohortSource:
    return CohortSource(Population(parse_population(text)), 3)


def _tables(out: Path) -> dict[str, pd.DataFrame]:
    return {name: executor.read_table(out, name) for name in TABLES}


def test_subject_seeds_come_from_the_population_seed_and_index() -> None:
    pop = Population(parse_population(POPULATION))
    s = [pop.subject(i, days=3).scenario for i in range(3)]
    assert [x.seed for x in s] == [subject_seed(11, i) for i in range(3)] and len({x.seed for x in s}) == 3
    assert all(x.variability == Variability.typical() for x in s)
    other = Population(parse_population(POPULATION.replace("seed: 11", "seed: 12"))).subject(0, days=3).scenario
    assert other.seed != s[0].seed
    plain = Population(parse_population("name: p\nsize: 3\nseed: 11\n")).subject(2, days=3).scenario
    assert plain.seed == 2 and plain.variability is None


@pytest.fixture(scope="module")
def cohort_reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    out = tmp_path_factory.mktemp("variable-cohort")
    run_subjects(_source(), out, RunOptions(burn_in_days=2, chunk_size=6))
    return _tables(out)


@pytest.mark.parametrize("chunk_size", [1, 4])
def test_cohort_result_does_not_depend_on_the_chunk_size(chunk_size: int, cohort_reference: dict[str, pd.DataFrame],
                                                         tmp_path: Path) -> None:
    run_subjects(_source(), tmp_path, RunOptions(burn_in_days=2, chunk_size=chunk_size))
    got = _tables(tmp_path)
    for name in TABLES:
        pd.testing.assert_frame_equal(got[name], cohort_reference[name], check_exact=True, obj=name)
    nightly = got["nightly"]
    assert nightly.groupby("night")["bedtime"].nunique().max() > 1  # the subjects' nights differ


def test_cohort_result_on_two_dask_workers_is_the_in_process_one(cohort_reference: dict[str, pd.DataFrame],
                                                                 tmp_path: Path) -> None:
    pytest.importorskip("dask.distributed")
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=50) as cluster, Client(cluster) as client:
        run_subjects(_source(), tmp_path, RunOptions(burn_in_days=2, chunk_size=2, numba_threads=1), client=client)
    got = _tables(tmp_path)
    for name in TABLES:
        pd.testing.assert_frame_equal(got[name], cohort_reference[name], check_exact=True, obj=name)


# ---------------------------------------------------------------- bounds -----------------------------------------
_SETTINGS = dict(database=None, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@settings(max_examples=4, **_SETTINGS)  # type: ignore[arg-type]
@given(scenarios(days=120), variability_blocks)
def test_any_valid_variability_keeps_a_drawn_scenario_physiological(s: Scenario, block: object) -> None:
    check_year(Scenario.model_validate({**s.model_dump(exclude_unset=True), "variability": block, "seed": 17}))


@settings(max_examples=6, **_SETTINGS)  # type: ignore[arg-type]
@given(variability_blocks.filter(lambda b: b not in (None, "none")), st.integers(0, 2**53 - 1))
def test_any_valid_variability_keeps_the_baseline_physiological(block: object, seed: int) -> None:
    check_year(Scenario.model_validate({"name": "v", "days": 60, "seed": seed, "variability": block}))


def test_variability_can_be_set_from_the_command_line() -> None:
    from gutsleep.apps.overrides import apply_overrides

    s = apply_overrides(scenario(), sets=["variability.bedtime_sd_min=20"])
    assert s.variability is not None and s.variability.bedtime_sd_min == 20
    assert apply_overrides(scenario("variability: typical\n"), sets=["variability=none"]).variability is None
