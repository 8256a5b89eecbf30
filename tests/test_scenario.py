"""Scenario schema: defaults, examples, error messages (file, line, path, range) and habits_on."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from gutsleep.scenario import Habits, Scenario, ScenarioError, load_scenario, parse_scenario

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))
EXPECTED_EXAMPLES = {
    "baseline",
    "fiber-guideline",
    "prebiotic",
    "fermented-foods",
    "probiotic",
    "antibiotics",
    "jet-lag",
    "all-nighter",
    "late-eating",
    "alcohol",
    "sweeteners",
    "processed-diet",
    "chronic-stress",
    "vagotomy",
}


def error_lines(text: str, tmp_path: Path, name: str = "bad.yaml") -> list[str]:
    """Write text to a file, load it, return the problem lines of the ScenarioError."""
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.problems
    for line in info.value.problems:
        assert name in line
    return info.value.problems


def only_line(lines: list[str], path: str) -> str:
    """The single problem line that mentions ``path`` as its field."""
    hits = [ln for ln in lines if f": {path}: " in ln]
    assert len(hits) == 1, lines
    return hits[0]


# ---------------------------------------------------------------- examples and defaults
def test_all_examples_present_and_load() -> None:
    assert {p.stem for p in EXAMPLE_FILES} >= EXPECTED_EXAMPLES
    for path in EXAMPLE_FILES:
        s = load_scenario(path)
        assert s.name == path.stem
        assert s.description
        assert s.days >= 28


def test_example_specifics() -> None:
    base = load_scenario(EXAMPLES / "baseline.yaml")
    assert base.habits == Habits() and base.days == 84 and not base.interventions and not base.events
    assert load_scenario(EXAMPLES / "fermented-foods.yaml").habits_on(14).fermented_servings == 6
    assert load_scenario(EXAMPLES / "fiber-guideline.yaml").habits_on(13).fiber_g == 15
    assert load_scenario(EXAMPLES / "fiber-guideline.yaml").habits_on(14).fiber_g == 25
    abx = load_scenario(EXAMPLES / "antibiotics.yaml")
    assert abx.days == 120 and [d for d in range(120) if abx.antibiotic_on(d)] == [14, 15, 16, 17, 18]
    assert load_scenario(EXAMPLES / "jet-lag.yaml").jet_lags() == [(14, 8.0)]
    vag = load_scenario(EXAMPLES / "vagotomy.yaml")
    assert vag.person.vagotomy and vag.habits_on(14).probiotic_cfu == 1e10
    sw = load_scenario(EXAMPLES / "sweeteners.yaml").habits_on(20).sweeteners
    assert (sw.saccharin_mg, sw.sucralose_mg, sw.aspartame_mg) == (180, 100, 0)


def test_defaults() -> None:
    s = parse_scenario("name: x\n")
    assert s.days == 28 and s.seed == 0 and s.description is None
    assert (s.person.age, s.person.sex, s.person.bmi, s.person.vagotomy) == (35, "female", 23, False)
    h = s.habits
    assert (h.fiber_g, h.prebiotic_g, h.fermented_servings, h.probiotic_cfu) == (15, 0, 0, 0)
    assert (h.added_sugar_g, h.ultra_processed_share, h.emulsifier_g) == (70, 0.55, 0)
    assert (h.alcohol_drinks, h.alcohol_time, h.water_l, h.protein_g, h.stress) == (0, "20:00", 2.0, 80, 0.2)
    assert h.meals == ("08:00", "13:00", "19:00") and (h.bedtime, h.wake_time) == ("23:00", "07:00")
    assert (h.light.day_lux, h.light.evening_lux, h.light.night_lux, h.light.evening_from) == (
        1000,
        100,
        0,
        "21:00",
    )
    assert (h.sweeteners.saccharin_mg, h.sweeteners.sucralose_mg, h.sweeteners.aspartame_mg) == (0, 0, 0)


def test_partial_habits_and_name_from_file(tmp_path: Path) -> None:
    p = tmp_path / "my-run.yaml"
    p.write_text("habits:\n  fiber_g: 30\n  light: {day_lux: 5000}\n")
    s = load_scenario(p)
    assert s.name == "my-run" and s.habits.fiber_g == 30 and s.habits.protein_g == 80
    assert s.habits.light.day_lux == 5000 and s.habits.light.evening_lux == 100


# ---------------------------------------------------------------- errors
def test_unknown_field_top_level_and_nested(tmp_path: Path) -> None:
    lines = error_lines("name: x\ndays: 30\ncolour: red\nhabits:\n  fiber_g: 20\n  fibre_g: 20\n", tmp_path)
    top = only_line(lines, "colour")
    assert "bad.yaml:3:" in top and "unknown field" in top and "days" in top
    nested = only_line(lines, "habits.fibre_g")
    assert "bad.yaml:6:" in nested and "fiber_g" in nested
    lines = error_lines("interventions:\n  - start_day: 1\n    set: {fiber_g: 20, sugar: 3}\n", tmp_path)
    line = only_line(lines, "interventions[0].set.sugar")
    assert "bad.yaml:3:" in line and "added_sugar_g" in line


def test_out_of_range(tmp_path: Path) -> None:
    text = (
        "name: x\ndays: 30\nperson:\n  age: 12\nhabits:\n  fiber_g: 200\n  sweeteners: {saccharin_mg: 9000}\n"
    )
    lines = error_lines(text, tmp_path)
    age = only_line(lines, "person.age")
    assert "bad.yaml:4:" in age and "18 to 100" in age and "12" in age
    fiber = only_line(lines, "habits.fiber_g")
    assert "bad.yaml:6:" in fiber and "0 to 150" in fiber and "200" in fiber
    sac = only_line(lines, "habits.sweeteners.saccharin_mg")
    assert "bad.yaml:7:" in sac and "0 to 5000" in sac
    assert len(lines) == 3  # all reported together


def test_choices_reported(tmp_path: Path) -> None:
    lines = error_lines(
        "person: {sex: other}\ninterventions:\n  - {start_day: 1, end_day: 2, antibiotics: amoxi}\n", tmp_path
    )
    assert "female" in only_line(lines, "person.sex")
    abx = only_line(lines, "interventions[0].antibiotics")
    assert "bad.yaml:3:" in abx and "broad_spectrum" in abx and "quinolone" in abx


@pytest.mark.parametrize(
    ("field", "value", "unit"),
    [
        ("fiber_g", '"15 mg"', "g/day"),
        ("water_l", '"500 ml"', "L/day"),
        ("probiotic_cfu", '"1e10 CFU"', "CFU/day"),
    ],
)
def test_wrong_unit_string(tmp_path: Path, field: str, value: str, unit: str) -> None:
    lines = error_lines(f"days: 10\nhabits:\n  {field}: {value}\n", tmp_path)
    line = only_line(lines, f"habits.{field}")
    assert "bad.yaml:3:" in line and "unit" in line and unit in line and "allowed range" in line


@pytest.mark.parametrize("bad", ['"25:00"', '"7:00"', '"07:60"', "0700", '"noon"'])
def test_bad_clock_time(tmp_path: Path, bad: str) -> None:
    lines = error_lines(f"habits:\n  stress: 0.1\n  bedtime: {bad}\n", tmp_path)
    line = only_line(lines, "habits.bedtime")
    assert "bad.yaml:3:" in line and "HH:MM" in line and "00:00 to 23:59" in line


def test_bad_meal_times(tmp_path: Path) -> None:
    lines = error_lines('habits:\n  meals: ["08:00", "8:30"]\n', tmp_path)
    assert "bad.yaml:2:" in only_line(lines, "habits.meals[1]")
    lines = error_lines('habits:\n  meals: ["08:00", "08:00"]\n', tmp_path)
    assert "distinct" in only_line(lines, "habits.meals")
    assert parse_scenario("habits: {meals: []}").habits.meals == ()


def test_sleep_window_rules(tmp_path: Path) -> None:
    line = only_line(
        error_lines('habits:\n  bedtime: "23:00"\n  wake_time: "23:00"\n', tmp_path), "habits.wake_time"
    )
    assert "bad.yaml:3:" in line
    line = only_line(
        error_lines('habits:\n  bedtime: "23:00"\n  wake_time: "23:30"\n', tmp_path), "habits.wake_time"
    )
    assert "1 to 16 h" in line
    text = 'days: 20\ninterventions:\n  - start_day: 5\n    set:\n      bedtime: "08:00"\n'
    line = only_line(error_lines(text, tmp_path), "interventions[0].set.bedtime")
    assert "bad.yaml:5:" in line and "1 to 16 h" in line
    assert parse_scenario('habits: {bedtime: "03:00", wake_time: "11:00"}').habits.bedtime == "03:00"


def test_end_day_before_start_day(tmp_path: Path) -> None:
    text = "days: 30\ninterventions:\n  - start_day: 20\n    end_day: 10\n    set: {fiber_g: 30}\n"
    line = only_line(error_lines(text, tmp_path), "interventions[0].end_day")
    assert "bad.yaml:4:" in line and "start_day" in line and "10" in line


def test_days_bounds(tmp_path: Path) -> None:
    text = (
        "days: 30\ninterventions:\n  - {start_day: 2, set: {fiber_g: 30}}\n"
        "  - {start_day: 5, end_day: 30, set: {fiber_g: 30}}\n"
        "events:\n  - {day: 40, type: sleep_deprivation}\n"
    )
    lines = error_lines(text, tmp_path)
    assert "bad.yaml:4:" in only_line(lines, "interventions[1].end_day")
    assert "0 to 29" in only_line(lines, "events[0].day") and "bad.yaml:6:" in only_line(
        lines, "events[0].day"
    )
    line = only_line(error_lines("days: 4000\n", tmp_path), "days")
    assert "bad.yaml:1:" in line and "1 to 3650" in line


def test_antibiotic_needs_end_day(tmp_path: Path) -> None:
    text = (
        "days: 30\ninterventions:\n  - {start_day: 1, set: {fiber_g: 30}}\n"
        "  - {start_day: 5, antibiotics: anaerobe}\n"
    )
    line = only_line(error_lines(text, tmp_path), "interventions[1].end_day")
    assert "bad.yaml:4:" in line and "required" in line


def test_intervention_kind_rules(tmp_path: Path) -> None:
    lines = error_lines("interventions:\n  - {start_day: 1}\n", tmp_path)
    assert "bad.yaml:2:" in only_line(lines, "interventions[0]")
    lines = error_lines(
        "interventions:\n  - {start_day: 1, end_day: 2, antibiotics: anaerobe, set: {stress: 1}}\n", tmp_path
    )
    assert "not both" in only_line(lines, "interventions[0].antibiotics")


def test_event_rules(tmp_path: Path) -> None:
    text = (
        "events:\n  - {day: 3, type: jet_lag}\n  - {day: 4, type: jet_lag, shift_hours: 13}\n"
        "  - {day: 5, type: nap}\n"
    )
    lines = error_lines(text, tmp_path)
    assert "bad.yaml:2:" in only_line(lines, "events[0].shift_hours")
    assert "-12 to 12" in only_line(lines, "events[1].shift_hours")
    assert "sleep_deprivation" in only_line(lines, "events[2].type")


def test_malformed_yaml(tmp_path: Path) -> None:
    lines = error_lines("name: x\ndays: 10\nhabits:\n  fiber_g: [1, 2\n", tmp_path)
    assert len(lines) == 1 and "invalid YAML" in lines[0]
    lines = error_lines("name: x\ndays: 10\n  bad_indent: 3\n", tmp_path)
    assert "bad.yaml:3:" in lines[0]
    assert "empty" in error_lines("", tmp_path)[0]
    assert "mapping" in error_lines("- 1\n- 2\n", tmp_path)[0]
    assert "bad.yaml:1:" in error_lines("just text\n", tmp_path)[0]


def test_wrong_types(tmp_path: Path) -> None:
    lines = error_lines("days: 10.5\nhabits: 3\nperson: {vagotomy: maybe}\n", tmp_path)
    assert "whole number" in only_line(lines, "days")
    assert "mapping" in only_line(lines, "habits")
    assert "bad.yaml:3:" in only_line(lines, "person.vagotomy")


def test_error_is_value_error_and_string_source() -> None:
    with pytest.raises(ValueError, match=r"<string>:1: days:"):
        parse_scenario("days: 0")


# ---------------------------------------------------------------- habits_on / antibiotic_on
def test_habits_on_applies_interventions_in_order() -> None:
    s = parse_scenario(
        "days: 40\ninterventions:\n"
        "  - {start_day: 10, end_day: 19, set: {fiber_g: 30, light: {day_lux: 5000}}}\n"
        "  - {start_day: 15, set: {fiber_g: 40, sweeteners: {sucralose_mg: 50}}}\n"
        "  - {start_day: 12, end_day: 13, antibiotics: quinolone}\n"
    )
    assert s.habits_on(9).fiber_g == 15 and s.habits_on(-3) == s.habits
    assert s.habits_on(10).fiber_g == 30 and s.habits_on(10).light.day_lux == 5000
    assert s.habits_on(10).light.evening_lux == 100
    assert s.habits_on(15).fiber_g == 40 and s.habits_on(19).light.day_lux == 5000  # end_day inclusive
    assert s.habits_on(20).light.day_lux == 1000 and s.habits_on(39).fiber_g == 40
    assert s.habits_on(39).sweeteners.sucralose_mg == 50 and s.habits_on(39).sweeteners.saccharin_mg == 0
    assert [s.antibiotic_on(d) for d in (11, 12, 13, 14)] == [None, "quinolone", "quinolone", None]
    assert s.change_days() == [0, 10, 15, 20]


def test_scenario_is_frozen_and_hashable() -> None:
    s = parse_scenario("days: 10")
    with pytest.raises(ValidationError):
        s.days = 3  # type: ignore[misc]
    assert hash(s) == hash(parse_scenario("days: 10"))
    assert Scenario.model_validate(s.model_dump()) == s


# ---------------------------------------------------------------- properties
RANGES = {
    "fiber_g": (0, 150),
    "prebiotic_g": (0, 50),
    "resistant_starch_g": (0, 100),
    "arabinoxylan_g": (0, 100),
    "pectin_g": (0, 100),
    "beta_glucan_g": (0, 100),
    "fat_g": (0, 400),
    "fermented_servings": (0, 20),
    "probiotic_cfu": (0, 1e13),
    "added_sugar_g": (0, 500),
    "ultra_processed_share": (0, 1),
    "emulsifier_g": (0, 30),
    "alcohol_drinks": (0, 20),
    "water_l": (0, 10),
    "protein_g": (0, 400),
    "stress": (0, 1),
}
clock = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59))


@st.composite
def habits_dicts(draw: st.DrawFn) -> dict:
    """Random valid partial habits mappings."""
    out: dict = {}
    for name in draw(st.sets(st.sampled_from(sorted(RANGES)))):
        lo, hi = RANGES[name]
        out[name] = draw(st.floats(lo, hi, allow_nan=False))
    if draw(st.booleans()):
        out["meals"] = sorted(draw(st.sets(clock, max_size=8)))
    if draw(st.booleans()):
        bed = draw(st.integers(0, 95))
        window = draw(st.integers(4, 64))
        out["bedtime"] = f"{bed // 4:02d}:{bed % 4 * 15:02d}"
        wake = (bed + window) % 96
        out["wake_time"] = f"{wake // 4:02d}:{wake % 4 * 15:02d}"
    return out


@settings(max_examples=60, deadline=None)
@given(habits_dicts())
def test_random_valid_habits_round_trip(h: dict) -> None:
    s = Scenario.model_validate({"days": 10, "habits": h})
    again = Scenario.model_validate_json(s.model_dump_json())
    assert again == s
    for name, value in h.items():
        got = getattr(s.habits, name)
        assert (tuple(value) if isinstance(value, list) else value) == got


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(RANGES)), st.booleans(), st.floats(1e-6, 1e6, allow_nan=False))
def test_random_out_of_range_rejected(name: str, above: bool, excess: float) -> None:
    lo, hi = RANGES[name]
    value = hi + excess * max(hi, 1) if above else lo - excess
    with pytest.raises(ScenarioError) as info:
        parse_scenario(f"days: 10\nhabits:\n  {name}: {value!r}\n", source="p.yaml")
    (line,) = info.value.problems
    assert line.startswith(f"p.yaml:3: habits.{name}: ") and "allowed range" in line
