"""Command line and simulate/compare apps on short runs (the compiled kernel is shared by the session)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from typer.testing import CliRunner, Result

import gutsleep
import gutsleep.cli as cli
from gutsleep.apps.examples import DEMO_EXAMPLES, example_text, packaged_examples
from gutsleep.model import build_model
from gutsleep.model.microbiome import GUILDS
from gutsleep.outcomes import NIGHTLY_COLUMNS, daily_columns
from gutsleep.report.equations import latex_name
from gutsleep.scenario import parse_scenario

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
BURN_IN = "3"
SHORT = "name: short\ndays: 4\nseed: 1\n"
JET = "name: jet\ndays: 5\nseed: 1\nevents:\n  - {day: 1, type: jet_lag, shift_hours: 6}\n"
FERMENTED = "name: fermented\ndays: 5\nseed: 1\ninterventions:\n  - {start_day: 2, set: {fermented_servings: 6}}\n"

runner = CliRunner()


def invoke(*args: str) -> Result:
    return runner.invoke(cli.app, list(args))


@pytest.fixture(scope="session")
def scenario_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scenarios")
    (folder / "short.yaml").write_text(SHORT)
    (folder / "jet.yaml").write_text(JET)
    (folder / "fermented.yaml").write_text(FERMENTED)
    (folder / "bad.yaml").write_text("days: -3\nhabits:\n  fiber_g: lots\n")
    return folder


@pytest.fixture(scope="session")
def simulated(scenario_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    out = tmp_path_factory.mktemp("sim")
    result = invoke("simulate", str(scenario_dir / "short.yaml"), str(scenario_dir / "jet.yaml"),
                    "--out", str(out), "--burn-in-days", BURN_IN)
    return result, out


@pytest.fixture(scope="session")
def compared(scenario_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    out = tmp_path_factory.mktemp("cmp")
    result = invoke("compare", str(scenario_dir / "short.yaml"), str(scenario_dir / "fermented.yaml"),
                    "--out", str(out), "--burn-in-days", BURN_IN)
    return result, out


def test_simulate_writes_contract_files(simulated: tuple[Result, Path]) -> None:
    result, out = simulated
    assert result.exit_code == 0, result.output
    for name in ("nightly.csv", "daily.csv", "timeseries.nc", "report.html"):
        assert (out / name).is_file(), name
        assert name in result.output
    nightly = pd.read_csv(out / "nightly.csv")
    daily = pd.read_csv(out / "daily.csv")
    assert tuple(nightly.columns) == NIGHTLY_COLUMNS
    assert tuple(daily.columns) == daily_columns(GUILDS)
    # subject 0 runs 4 days, subject 1 (jet lag) 5: rows stop at each subject's own last day / ended night
    assert daily.groupby("subject")["day"].max().tolist() == [3, 4]
    assert nightly.loc[nightly.subject == 0, "night"].tolist() == [0, 1, 2]  # night 3 ends after day 3
    assert (nightly["tst_min"] > 0).all() and nightly["bedtime"].str.fullmatch(r"\d\d:\d\d").all()
    shares = daily[[f"guild_{g}" for g in GUILDS]].sum(axis=1)
    assert shares.to_numpy() == pytest.approx(1.0)


def test_timeseries_netcdf(simulated: tuple[Result, Path]) -> None:
    _, out = simulated
    model = build_model()
    with xr.open_dataset(out / "timeseries.nc", engine="scipy", decode_timedelta=True) as ds:
        assert dict(ds.sizes) == {"subject": 2, "time": 5 * 24 + 1, "parameter": len(model.parameters)}
        hours = ds["time"].values / np.timedelta64(1, "h")  # CF timedelta coordinate, read back as timedelta64
        assert ds["time"].dtype.kind == "m" and hours[0] == 0.0 and hours[-1] == 120.0
        assert [str(s) for s in ds["scenario"].values] == ["short", "jet"]
        assert "local_time_h" in ds.coords
        for name in (*model.state_names, *model.observables):
            assert ds[name].dims == ("subject", "time")
            assert "units" in ds[name].attrs and ds[name].attrs["description"]
        assert ds["sleep_mode_Z"].sel(subject=0).isel(time=slice(0, 97)).notnull().all()
        assert ds["sleep_mode_Z"].sel(subject=0).isel(time=-1).isnull()  # beyond subject 0's 4 days
        attrs = ds.attrs
        assert attrs["gutsleep_version"] == gutsleep.__version__ and len(attrs["model_hash"]) == 16
        assert attrs["Conventions"].startswith("CF-")
        assert parse_scenario(attrs["scenario_1_yaml"]) == parse_scenario(JET)  # complete, re-runnable scenario
        assert json.loads(attrs["scenario_0_parameters"])["age_years"] == 35.0
        values = ds["parameter_value"].sel(subject=0).to_series()
        assert values.index.tolist() == list(model.parameter_names)
        assert values["sws_gain"] == model.parameter("sws_gain").default
    with xr.open_dataset(out / "timeseries.nc", engine="scipy", decode_times=False, decode_timedelta=False) as raw:
        assert raw["time"].attrs["units"] == "hours" and raw["time"].values[-1] == 120.0


def test_report_is_self_contained(simulated: tuple[Result, Path]) -> None:
    _, out = simulated
    text = (out / "report.html").read_text()
    assert "<script" not in text and 'src="http' not in text and "<link" not in text
    assert text.count("data:image/png;base64,") >= 6
    assert "Not medical advice" in text and "parameters" in text
    assert "day 1: jet lag +6 h" in text


def test_compare_writes_differences(compared: tuple[Result, Path]) -> None:
    result, out = compared
    assert result.exit_code == 0, result.output
    for name in ("nightly_diff.csv", "daily_diff.csv", "report.html"):
        assert (out / name).is_file()
    nd = pd.read_csv(out / "nightly_diff.csv")
    dd = pd.read_csv(out / "daily_diff.csv")
    assert nd.columns[0] == "night" and "tst_min" in nd.columns and "bedtime" not in nd.columns
    assert dd.columns[0] == "day" and set(daily_columns(GUILDS)) - {"subject"} == set(dd.columns)
    assert dd["day"].tolist() == [0, 1, 2, 3]  # days both scenarios have
    before = dd[dd.day < 2].drop(columns="day").abs().to_numpy().max()
    assert before < 1e-9  # identical until the intervention starts (same batch, same inputs)


def test_simulate_api_compare_matches_cli_batch() -> None:
    from gutsleep.apps.simulate import compare, select_subject

    a, b = parse_scenario(SHORT), parse_scenario(FERMENTED)
    cmp = compare(a, b, burn_in_days=int(BURN_IN))
    assert cmp.simulation.timeseries is None
    only_b = select_subject(cmp.simulation, 1)
    assert set(only_b.daily["subject"]) == {0} and only_b.scenarios == (b,)


def test_bad_scenario_exit_code_2(scenario_dir: Path, tmp_path: Path) -> None:
    result = invoke("simulate", str(scenario_dir / "bad.yaml"), "--out", str(tmp_path / "x"))
    assert result.exit_code == 2
    assert "bad.yaml" in result.output and "Traceback" not in result.output
    missing = invoke("compare", str(scenario_dir / "nope.yaml"), str(scenario_dir / "short.yaml"), "--out",
                     str(tmp_path / "y"))
    assert missing.exit_code == 2 and "nope.yaml" in missing.output


def test_params_check_passes_and_lists() -> None:
    model = build_model()
    result = invoke("params", "--check")
    assert result.exit_code == 0, result.output
    assert f"all {len(model.parameters)} parameters documented" in result.output
    csv = invoke("params", "--format", "csv", "--module", "person")
    assert csv.exit_code == 0
    assert "age_years" in csv.output and "bmi_kg_m2" in csv.output and "sleep_onset_rate" not in csv.output
    md = invoke("params", "--format", "markdown")
    assert md.output.count("\n") == len(model.parameters) + 2
    assert invoke("params", "--module", "no-such-module").exit_code == 2


def test_params_check_fails_on_missing_source(monkeypatch: pytest.MonkeyPatch) -> None:
    model = build_model()
    first = dataclasses.replace(model.parameters[0], source="")
    broken = dataclasses.replace(model, parameters=(first, *model.parameters[1:]))
    monkeypatch.setattr(gutsleep.model, "build_model", lambda: broken)
    result = invoke("params", "--check")
    assert result.exit_code == 1
    assert f"{first.name}: no source" in result.output


def test_equations_list_every_state(tmp_path: Path) -> None:
    model = build_model()
    result = invoke("equations")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    for state in model.state_names:
        head = rf"$$\frac{{d\,{latex_name(state)}}}{{dt}} = "
        assert any(line.startswith(head) for line in lines), state
    assert sum(line.startswith("$$") for line in lines) == len(model.states) + len(model.intermediates)
    target = tmp_path / "eq.md"
    assert invoke("equations", "--out", str(target)).exit_code == 0
    assert target.read_text() == result.output


def test_packaged_examples_match_repository() -> None:
    names = packaged_examples()
    assert set(DEMO_EXAMPLES) <= set(names)
    for name in names:
        assert example_text(name) == (EXAMPLES / f"{name}.yaml").read_text(encoding="utf-8")
    listed = invoke("examples")
    assert listed.exit_code == 0 and all(name in listed.output for name in names)


def test_demo_wiring(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Demo writes both simulations and the comparison (examples shortened to keep the test fast)."""
    import gutsleep.apps.examples as examples

    real = examples.load_example

    def short(name: str) -> object:
        return real(name).model_copy(update={"days": 4, "interventions": ()})

    monkeypatch.setattr(examples, "load_example", short)
    result = invoke("demo", "--out", str(tmp_path), "--burn-in-days", "2")
    assert result.exit_code == 0, result.output
    for sub in (*DEMO_EXAMPLES, "comparison"):
        assert (tmp_path / sub / "report.html").is_file()
    assert (tmp_path / "baseline" / "timeseries.nc").is_file()
    assert (tmp_path / "comparison" / "daily_diff.csv").is_file()


def test_batched_subject_matches_single_run() -> None:
    """A subject batched with a longer scenario gets the same rows as when simulated alone."""
    from gutsleep.apps.simulate import simulate

    short, jet = parse_scenario(SHORT), parse_scenario(JET)
    alone = simulate([short], burn_in_days=int(BURN_IN), timeseries_every_h=None)
    batch = simulate([short, jet], burn_in_days=int(BURN_IN), timeseries_every_h=None)
    for table in ("nightly", "daily"):
        a = getattr(alone, table)
        b = getattr(batch, table)
        pd.testing.assert_frame_equal(a, b[b.subject == 0].reset_index(drop=True))
