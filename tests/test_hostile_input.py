"""Hostile and careless input is refused with a message naming file, line and fix: YAML bombs, deep nesting,
devices, pipes, huge files, floods of errors, non-finite numbers and out-of-range command-line options.

Every reproducer is generated here. What the caps cost in time and memory is measured by
``scripts/fuzz_inputs.py`` (docs/reliability.md), not asserted here.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

import gutsleep.apps.simulate as sim
import gutsleep.cli as cli
from gutsleep.cohort.population import load_population, parse_population
from gutsleep.cohort.specio import SpecError
from gutsleep.cohort.trial import load_trial, parse_trial
from gutsleep.scenario import Scenario, ScenarioError, load_scenario, parse_scenario
from gutsleep.scenario.yamlio import MAX_DEPTH, MAX_INPUT_BYTES, MAX_LISTED_PROBLEMS, MAX_NODES

runner = CliRunner()
TRIAL = """name: t
duration_days: 10
run_in_days: 2
baseline_days: 2
arms:
  - name: placebo
  - name: fiber
    interventions: [{start_day: 0, add: {fiber_g: 10}}]
primary: {column: tst_min, window_days: 2}
"""


def invoke(*args: str) -> Result:
    return runner.invoke(cli.app, list(args))


def alias_bomb(levels: int = 9) -> str:
    """The "billion laughs": each level is a list of ten aliases of the level above (10**levels values)."""
    lines = ['a0: &a0 ["lol"]']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "name: bomb\n" + "\n".join(lines) + "\n"


def deep_flow(levels: int) -> str:
    return "name: deep\nhabits: " + "[" * levels + "]" * levels + "\n"


def deep_block(levels: int) -> str:
    return "name: deep\n" + "".join("  " * i + f"k{i}:\n" for i in range(levels)) + "  " * levels + "1\n"


@pytest.fixture(autouse=True)
def no_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing in this file may get as far as simulating."""

    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("hostile input reached the simulator")

    monkeypatch.setattr(sim, "simulate", refuse)
    monkeypatch.setattr(sim, "compare", refuse)


# ------------------------------------------------------------------ YAML constructs and caps
@pytest.mark.parametrize("parse", [parse_scenario, parse_population])
def test_alias_bomb_is_refused(parse: object) -> None:
    with pytest.raises((ScenarioError, SpecError)) as info:
        parse(alias_bomb())  # type: ignore[operator]
    assert "<string>:2: anchors (&a0) are not supported" in str(info.value)


def test_aliases_and_merge_keys_are_refused_with_their_line() -> None:
    text = "name: x\nhabits: {fiber_g: 20}\nperson:\n  <<: *p\n"
    with pytest.raises(ScenarioError, match=r"<string>:4: aliases \(\*p\) are not supported"):
        parse_scenario(text)


@pytest.mark.parametrize("make", [deep_flow, deep_block])
def test_deep_nesting_is_refused_without_recursion_error(make: object) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(make(300))  # type: ignore[operator]
    assert f"nested more than {MAX_DEPTH} levels deep" in str(info.value)
    assert not isinstance(info.value.__context__, RecursionError)


def test_nesting_up_to_the_cap_is_parsed() -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(deep_flow(MAX_DEPTH - 2))
    assert "nested" not in str(info.value) and "habits" in str(info.value)


def test_too_many_nodes_are_refused() -> None:
    text = "name: many\n" + "".join(f"k{i}: {i}\n" for i in range(MAX_NODES // 2 + 10))
    with pytest.raises(ScenarioError, match="too many values"):
        parse_scenario(text)


def test_error_lists_are_capped() -> None:
    n = 2000
    text = "name: typos\n" + "".join(f"unknown_{i}: 1\n" for i in range(n))
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text)
    lines = str(info.value).splitlines()
    assert lines[0] == f"{n:,} problems in scenario <string>:"
    assert len(lines) == MAX_LISTED_PROBLEMS + 2 and lines[-1] == f"... and {n - MAX_LISTED_PROBLEMS:,} more"
    assert len(info.value.problems) == n


# ------------------------------------------------------------------ input files
@pytest.mark.parametrize("load", [load_scenario, load_population, load_trial])
def test_devices_pipes_and_folders_are_refused(load: object, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)  # opening it would block until a writer comes: must be refused from its stat
    for path, words in ((Path(os.devnull), "not a regular file"), (fifo, "not a regular file"),
                        (tmp_path, "is a folder"), (tmp_path / "missing.yaml", "no such")):
        with pytest.raises((ScenarioError, SpecError)) as info:
            load(path)  # type: ignore[operator]
        assert words in str(info.value) and str(path) in str(info.value)


def test_dev_zero_is_refused(tmp_path: Path) -> None:
    zero = Path("/dev/zero")
    if not zero.exists():
        pytest.skip("no /dev/zero here")
    with pytest.raises(ScenarioError, match="not a regular file"):
        load_scenario(zero)
    (tmp_path / "trial.yaml").write_text(TRIAL.replace("name: t\n", f"name: t\npopulation: {zero}\n"))
    with pytest.raises(SpecError, match=r"trial\.yaml:2: population: .*not a regular file"):
        load_trial(tmp_path / "trial.yaml")


def test_huge_files_are_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as f:
        f.truncate(50 * 1024 * 1024)  # sparse: 50 MB without writing them
    with pytest.raises(ScenarioError, match="too large"):
        load_scenario(big)
    with pytest.raises(ScenarioError, match="too large"):
        parse_scenario("#" * (MAX_INPUT_BYTES + 1))


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"name: x\ndescription: caf\xe9\n")
    with pytest.raises(ScenarioError, match=r"latin1\.yaml:2: scenario file is not UTF-8 text"):
        load_scenario(path)


# ------------------------------------------------------------------ validation
def test_many_interventions_validate_and_match_habits_on() -> None:
    ivs = [{"start_day": i % 300, "end_day": i % 300 + 5, "set": {"fiber_g": 10 + i % 7, "bedtime": "22:30"}}
           for i in range(5000)]
    s = Scenario.model_validate({"days": 365, "interventions": ivs})
    days = [0, 7, 150, 305, 364]
    assert s.habits_on_days(days) == [s.habits_on(d) for d in days]


clock = st.sampled_from(["21:00", "22:30", "23:00", "00:30", "06:00", "07:00", "08:15", "12:00"])
patch = st.fixed_dictionaries({}, optional={
    "fiber_g": st.sampled_from([5.0, 20.0, 40.0]), "bedtime": clock, "wake_time": clock,
    "light": st.fixed_dictionaries({}, optional={"day_lux": st.sampled_from([100.0, 5000.0]),
                                                  "night_lux": st.sampled_from([0.0, 3.0])}).filter(bool),
    "sweeteners": st.fixed_dictionaries({"sucralose_mg": st.sampled_from([0.0, 200.0])}),
}).filter(bool)


@st.composite
def interventions(draw: st.DrawFn) -> list[dict[str, object]]:
    out = []
    for _ in range(draw(st.integers(0, 8))):
        start = draw(st.integers(0, 25))
        end = draw(st.one_of(st.none(), st.integers(start, 29)))
        out.append({"start_day": start, "end_day": end, "set": draw(patch)})
    return out


@given(interventions())
@settings(max_examples=60, deadline=None)
def test_the_sweep_gives_the_same_habits_and_problems_as_day_by_day(ivs: list[dict[str, object]]) -> None:
    try:
        s = Scenario.model_validate({"days": 30, "interventions": ivs})
    except ValueError:
        relaxed = [{**iv, "set": {k: v for k, v in iv["set"].items() if k not in ("bedtime", "wake_time")} or
                    {"fiber_g": 1.0}} for iv in ivs]  # type: ignore[union-attr]
        s = Scenario.model_validate({"days": 30, "interventions": relaxed})
    days = list(range(30))
    assert s.habits_on_days(days) == [s.habits_on(d) for d in days]


@pytest.mark.parametrize(("snippet", "where"), [
    ("population: {habits: {fiber_g: {dist: normal, mean: 15, sd: .inf}}}\n", "population.habits.fiber_g.sd"),
    ("observation_noise: {sd: {tst_min: .nan}}\n", "observation_noise.sd.tst_min"),
    ("secondary: [{column: waso_min, window_days: 2, responder: {change_at_least: .nan}}]\n",
     "secondary[0].responder.change_at_least"),
])
def test_non_finite_numbers_in_specs_are_refused(snippet: str, where: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_trial(TRIAL + snippet)
    line = next(ln for ln in info.value.problems if where in ln)
    assert line.startswith("<string>:10:") and ("finite" in line or "out of range" in line)


def test_infinite_add_is_refused() -> None:
    with pytest.raises(SpecError, match=r"<string>:8: arms\[1\]\.interventions\[0\]\.add\.fiber_g: expected a finite"):
        parse_trial(TRIAL.replace("fiber_g: 10", "fiber_g: .inf"))
    with pytest.raises(SpecError, match="allowed range -150 to 150 g/day"):
        parse_trial(TRIAL.replace("fiber_g: 10", "fiber_g: 1e9"))


def test_one_bad_arm_is_one_problem() -> None:
    with pytest.raises(SpecError) as info:
        parse_trial(TRIAL.replace("name: fiber", "name: fi ber"))
    assert len(info.value.problems) == 1 and "arms[1].name" in info.value.problems[0]
    assert "at least 2 items" not in str(info.value)


def test_arm_bedtime_impossible_for_some_participants_is_found_at_load() -> None:
    text = TRIAL.replace("add: {fiber_g: 10}", 'set: {wake_time: "23:45"}')
    with pytest.raises(SpecError) as info:
        parse_trial(text)
    assert "<string>:8: arms[1].interventions[0].set.wake_time: for a participant with bedtime" in str(info.value)


# ------------------------------------------------------------------ command-line options
@pytest.mark.parametrize("args", [
    ["--burn-in-days", "1000000000"], ["--burn-in-days", "-1"],
    ["--timeseries-every-h", "inf"], ["--timeseries-every-h", "nan"], ["--timeseries-every-h", "0"],
    ["--timeseries-every-h", "-1"], ["--timeseries-every-h", "0.1"],
])
def test_simulate_options_have_ranges(args: list[str], tmp_path: Path) -> None:
    result = invoke("simulate", "baseline", "--out", str(tmp_path / "out"), *args)
    assert result.exit_code == 2 and "Invalid value" in result.output, result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args", [
    ["cohort", "POP", "--workers", "0"], ["cohort", "POP", "--workers", "100000"],
    ["cohort", "POP", "--chunk-size", "0"], ["cohort", "POP", "--days", "0"], ["cohort", "POP", "--days", "99999"],
    ["cohort", "POP", "--size", "100000000000"], ["cohort", "POP", "--burn-in-days", "1000000000"],
    ["cohort", "POP", "--retries", "-1"], ["sensitivity", "--n", "1000000000"], ["sensitivity", "--n", "1"],
    ["sensitivity", "--days", "0"], ["trial", "TRIAL", "--n-per-arm", "1"], ["observe", "TRIAL", "--size", "2"],
    ["explain", "baseline", "baseline", "--burn-in-days", "-5"],
    ["export", "sbml", "OUTFILE", "--burn-in-days", "1000000000"],
])
def test_cohort_and_other_options_have_ranges(args: list[str], tmp_path: Path) -> None:
    (tmp_path / "pop.yaml").write_text("name: p\nsize: 3\n")
    (tmp_path / "trial.yaml").write_text(TRIAL)
    swap = {"POP": str(tmp_path / "pop.yaml"), "TRIAL": str(tmp_path / "trial.yaml"),
            "OUTFILE": str(tmp_path / "m.xml")}
    full = [swap.get(a, a) for a in args]
    if full[0] != "export":
        full += ["--out", str(tmp_path / "out")]
    result = invoke(*full)
    assert result.exit_code == 2 and "Invalid value" in result.output, result.output
    assert not (tmp_path / "out").exists()


def test_sobol_runs_are_capped(tmp_path: Path) -> None:
    result = invoke("sensitivity", "--n", "65536", "--params", "all", "--method", "sobol",
                    "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and "the limit is 500,000" in result.output
    assert not (tmp_path / "out").exists()


def test_cli_scenario_errors_are_capped_and_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "typos.yaml"
    bad.write_text("name: typos\n" + "".join(f"unknown_{i}: 1\n" for i in range(300)))
    result = invoke("simulate", str(bad), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and "... and 250 more" in result.output
    assert len(result.output.splitlines()) < MAX_LISTED_PROBLEMS + 5
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(alias_bomb())
    result = invoke("simulate", str(bomb), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and f"{bomb}:2: anchors" in result.output
