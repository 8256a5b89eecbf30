"""The command line as a user meets it: fast start, talkative progress, exit codes, examples by name, hypotheses
(--days, --set, parameters:), tables that read at 80 columns and machine formats."""

from __future__ import annotations

import filecmp
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from typer.testing import CliRunner, Result

import gutsleep.cli as cli
from gutsleep.apps import ui
from gutsleep.apps.examples import examples_folder, resolve, shipped_examples
from gutsleep.apps.overrides import apply_overrides
from gutsleep.apps.tables import fmt_number, rich_tables
from gutsleep.model import build_model
from gutsleep.scenario import ScenarioError, parse_scenario

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("sympy", "matplotlib", "numba", "xarray", "pandas", "scipy", "numpy", "pyarrow", "gutsleep.model",
         "gutsleep.solve.engine", "gutsleep.apps.simulate")
runner = CliRunner()


def invoke(*args: str) -> Result:
    return runner.invoke(cli.app, list(args))


def _imported_after(code: str) -> list[str]:
    """Heavy modules imported by ``code`` in a fresh interpreter (imports are measured, not wall time)."""
    probe = (f"import sys\n{code}\n"
             f"print(__import__('json').dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "80"})
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["simulate", "--help"], ["trial", "--help"]])
def test_help_and_version_do_not_import_the_model(argv: list[str]) -> None:
    code = ("from gutsleep.cli import app\nimport contextlib, io\n"
            f"with contextlib.redirect_stdout(io.StringIO()):\n    try:\n        app({argv!r})\n"
            "    except SystemExit:\n        pass")
    assert _imported_after(code) == []


def test_import_gutsleep_is_light_and_exposes_the_api() -> None:
    assert _imported_after("import gutsleep") == []
    import gutsleep

    for name in ("simulate", "compare", "load_scenario", "load_example", "build_model", "summarize",
                 "write_outputs", "Scenario"):
        assert callable(getattr(gutsleep, name)), name
    assert set(gutsleep.__all__) >= {"simulate", "load_scenario", "build_model"}


def test_help_documents_exit_codes_and_verbosity() -> None:
    out = invoke("--help").output
    assert "Exit codes" in out and "130" in out and "--quiet" in out and "--verbose" in out
    assert invoke("--version").output.strip().startswith("gutsleep ")


def test_progress_lines_without_a_terminal_and_quiet(tmp_path: Path) -> None:
    args = ["simulate", "baseline", "--days", "3", "--burn-in-days", "1", "--timeseries-every-h", "6"]
    loud = invoke(*args, "--out", str(tmp_path / "a"))
    assert loud.exit_code == 0, loud.output
    assert "gutsleep: simulating baseline (3 days + 1 burn-in): day 4/4 (100 %)" in loud.output
    assert "writing tables, time series and report.html" in loud.output and "done in" in loud.output
    quiet = invoke("--quiet", *args, "--out", str(tmp_path / "b"))
    assert quiet.exit_code == 0 and quiet.output == ""
    assert (tmp_path / "b" / "report.html").is_file()
    verbose = invoke("--verbose", *args, "--out", str(tmp_path / "c"))
    assert verbose.exit_code == 0 and "day 4/4" in verbose.output


def test_compile_notice_before_the_first_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert isinstance(ui.compile_pending(), bool)
    monkeypatch.setattr(ui, "compile_pending", lambda: True)
    result = invoke("simulate", "baseline", "--days", "2", "--burn-in-days", "1", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    notice = lines.index(f"gutsleep: {ui.COMPILE_NOTICE}")
    assert notice < min(i for i, line in enumerate(lines) if ": day " in line)
    assert any(line.startswith("gutsleep: solver compiled in") for line in lines)


def test_exit_codes(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("days: 3\nparameters:\n  sws_gain: 100\n")
    result = invoke("simulate", str(bad), "--out", str(tmp_path / "x"))
    assert result.exit_code == 2 and "bad.yaml:3: parameters.sws_gain: out of range" in result.output
    assert "Traceback" not in result.output
    assert invoke("simulate", "no-such-example", "--out", str(tmp_path / "y")).exit_code == 2
    assert "shipped" in invoke("simulate", "no-such-example", "--out", str(tmp_path / "y")).output
    assert invoke("simulate", "baseline", "--set", "habits.fiber_g=900", "--out", str(tmp_path)).exit_code == 2
    assert invoke("params", "--module", "nope").exit_code == 2
    assert invoke("simulate", "--bogus-option").exit_code == 2


def test_command_line_day_limit_is_the_scenario_limit(tmp_path: Path) -> None:
    from gutsleep.apps.defaults import MAX_DAYS
    from gutsleep.scenario.models import MAX_DAYS as SCENARIO_MAX_DAYS

    assert MAX_DAYS == SCENARIO_MAX_DAYS
    result = invoke("simulate", "baseline", "--days", str(MAX_DAYS + 1), "--out", str(tmp_path / "x"))
    assert result.exit_code == 2 and "--days" in result.output and not (tmp_path / "x").exists()


def test_shipped_examples_are_the_repository_examples() -> None:
    """Every file of examples/ ships inside the package, byte for byte (copy examples/ into
    src/gutsleep/data/examples/ after changing one)."""
    shipped = Path(str(examples_folder()))
    repo = ROOT / "examples"
    repo_files = sorted(p.relative_to(repo) for p in repo.rglob("*.yaml"))
    assert repo_files == sorted(p.relative_to(shipped) for p in shipped.rglob("*.yaml"))
    _match, mismatch, errors = filecmp.cmpfiles(repo, shipped, [str(p) for p in repo_files], shallow=False)
    assert not mismatch and not errors


def test_examples_command_lists_every_example_with_its_description() -> None:
    result = invoke("examples", "--format", "json")
    assert result.exit_code == 0
    listed = {r["name"]: r for r in json.loads(result.output)}
    assert set(listed) == {p.stem for p in (ROOT / "examples").rglob("*.yaml")}
    assert listed["antibiotics"]["kind"] == "scenario" and listed["us-adults"]["kind"] == "population"
    assert listed["fermented-vs-fiber"]["kind"] == "trial"
    assert listed["diversity-sleep-observational"]["kind"] == "observational study"
    assert all(r["description"] for r in listed.values())
    table = invoke("examples")
    assert table.exit_code == 0 and "antibiotics" in table.output


def test_any_command_takes_an_example_name() -> None:
    from gutsleep.cohort.observational import load_observational
    from gutsleep.cohort.population import load_population
    from gutsleep.cohort.trial import load_trial

    assert load_trial(resolve("fermented-vs-fiber", ("trial",))).name == "fermented-vs-fiber"
    assert load_population(resolve("us-adults", ("population",))).name == "us-adults"
    assert load_observational(resolve("diversity-sleep-observational", ("observational",))).n > 0
    assert resolve("examples/antibiotics.yaml").is_file()  # a path still works
    assert set(shipped_examples("scenario")) >= {"baseline", "antibiotics", "jet-lag", "all-nighter"}


def test_days_and_set_overrides() -> None:
    base = parse_scenario("name: b\ndays: 30\ninterventions:\n  - {start_day: 5, set: {fiber_g: 25}}\n")
    s = apply_overrides(base, days=10, sets=["habits.fiber_g=30", "person.age=60", "parameters.sws_gain=2",
                                             "habits.light.day_lux=5000", 'habits.bedtime="23:30"'])
    assert s.days == 10 and s.habits.fiber_g == 30 and s.person.age == 60 and s.parameters == {"sws_gain": 2.0}
    assert s.habits.light.day_lux == 5000 and s.habits.bedtime == "23:30" and s.interventions == base.interventions
    with pytest.raises(ScenarioError, match=r"habits.fiber_g: out of range \(allowed range 0 to 150 g/day\)"):
        apply_overrides(base, sets=["habits.fiber_g=300"])
    with pytest.raises(ScenarioError, match="unknown model parameter 'sws_gian'; did you mean sws_gain"):
        apply_overrides(base, sets=["parameters.sws_gian=2"])
    with pytest.raises(ScenarioError, match=r"interventions\[0\].start_day: start_day must be before days=3"):
        apply_overrides(base, days=3)
    with pytest.raises(ValueError, match="cannot be set from the command line"):
        apply_overrides(base, sets=["interventions=[]"])


def test_parameters_block_changes_the_model_for_that_subject() -> None:
    from gutsleep.apps.simulate import simulate, timeseries_for_netcdf

    plain = parse_scenario("name: plain\ndays: 3\n")
    gain = parse_scenario("name: gain\ndays: 3\nparameters:\n  sws_gain: 2.5\n")
    out = simulate([plain, gain], burn_in_days=2, timeseries_every_h=6)
    sws = out.nightly.groupby("subject")["sws_min"].mean()
    assert sws[1] > sws[0] + 1.0
    values = timeseries_for_netcdf(out)["parameter_value"].to_pandas()
    assert values.loc[1, "sws_gain"] == 2.5 and values.loc[0, "sws_gain"] == build_model().parameter("sws_gain").default


def test_params_search_and_formats() -> None:
    result = invoke("params", "--search", "melatonin light", "--format", "json")
    rows = json.loads(result.output)
    assert result.exit_code == 0 and rows and all("melatonin" in json.dumps(r).lower() for r in rows)
    assert len(rows) < len(build_model().parameters) / 10
    csv = invoke("params", "--module", "person", "--search", "age", "--format", "csv")
    assert csv.exit_code == 0 and "age_years" in csv.output and "bmi_kg_m2" not in csv.output


def _render(df: pd.DataFrame, width: int = 80) -> list[str]:
    console = Console(width=width, file=io.StringIO(), record=True)
    for table in rich_tables(df, "t", width):
        console.print(table)
    return console.export_text().splitlines()


def test_tables_fit_80_columns_and_never_split_a_number() -> None:
    df = pd.DataFrame({
        "outcome": ["serotonin/melatonin", "wake after sleep onset (min)", "gut share of serotonin"],
        "unit": ["fraction of body serotonin", "min", "1"],
        "n": [500, 500, 498], "mean": [0.02773, 424.8301, -1.5e-05], "sd": [0.00123, 12.5, 3.3e-06],
        "p5": [0.0255, 401.2, -2e-05], "p25": [0.0266, 415.1, -1.7e-05], "median": [0.0277, 424.9, -1.5e-05],
        "p75": [0.0288, 433.3, -1.3e-05], "p95": [0.0301, 447.7, -1.1e-05],
    })
    lines = _render(df)
    assert max(len(line) for line in lines) <= 80
    text = "\n".join(lines)
    for value in df.select_dtypes("number").to_numpy().ravel():
        assert fmt_number(value) in text  # intact: on one line
    assert "serotonin/melatonin" in text


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-1e9, 1e9, allow_nan=False), min_size=1, max_size=6),
       st.lists(st.text(alphabet="abcdefghij /-", min_size=1, max_size=60), min_size=1, max_size=3),
       st.integers(40, 120))
def test_any_table_fits_its_width(numbers: list[float], texts: list[str], width: int) -> None:
    df = pd.DataFrame({f"number {i}": [v, -v] for i, v in enumerate(numbers)})
    for j, t in enumerate(texts):
        df.insert(0, f"text{j}", [t, t[::-1]])
    lines = _render(df, width)
    assert max(len(line) for line in lines) <= width
    text = "\n".join(lines)
    for value in df.select_dtypes("number").to_numpy().ravel():
        assert fmt_number(value) in text


def test_parameters_block_errors_name_parameter_line_and_range() -> None:
    text = "name: h\nparameters:\n  sws_gian: 2\n  sws_gain: 100\n  age_years: 50\n  melatonin_light_suppression: 6\n"
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, source="h.yaml")
    problems = err.value.problems
    assert problems[0].startswith("h.yaml:3: parameters.sws_gian: unknown model parameter 'sws_gian'; did you mean "
                                  "sws_gain?")
    assert problems[1] == "h.yaml:4: parameters.sws_gain: out of range (plausible range 0.5 to 3; default 1.5) " \
                          "(got 100.0)"
    assert problems[2].startswith("h.yaml:5: parameters.age_years: age_years is set by person.age")
    assert len(problems) == 3
    ok = parse_scenario("parameters:\n  melatonin_light_suppression: 6\n")
    assert ok.parameters == {"melatonin_light_suppression": 6.0} and hash(ok)
    with pytest.raises(TypeError):
        ok.parameters["x"] = 1.0  # type: ignore[index]


def test_a_missing_extra_names_the_install_command(capsys: pytest.CaptureFixture[str]) -> None:
    import typer

    with pytest.raises(typer.Exit) as exit_info, ui.clean_errors():
        raise ModuleNotFoundError("No module named 'pyarrow'", name="pyarrow")
    assert exit_info.value.exit_code == 2
    assert 'pip install ".[cohort]"' in capsys.readouterr().err
