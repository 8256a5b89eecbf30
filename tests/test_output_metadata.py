"""Output files describe themselves: units and descriptions of every CSV/Parquet column, provenance."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import gutsleep
import gutsleep.cli as cli
from gutsleep.apps.metadata import column_doc, model_hash
from gutsleep.model.microbiome import GUILDS
from gutsleep.outcomes import NIGHTLY_COLUMNS, columns, daily_columns
from gutsleep.scenario import parse_scenario

runner = CliRunner()
TRIAL = """name: meta-trial
population: {size: 2, seed: 3}
n_per_arm: 3
burn_in_days: 2
run_in_days: 2
baseline_days: 2
duration_days: 3
arms:
  - name: placebo
  - name: fermented
    interventions: [{start_day: 0, add: {fermented_servings: 6}}]
primary: {column: sleep_efficiency_pct, window_days: 2}
responder: null
power: {sizes: [3], resamples: 20}
"""


def _header(path: Path) -> list[str]:
    with path.open(newline="") as f:
        return next(csv.reader(f))


def _check_package(folder: Path) -> dict:
    package = json.loads((folder / "datapackage.json").read_text())
    assert package["profile"] == "data-package" and package["gutsleep"]["version"] == gutsleep.__version__
    assert package["gutsleep"]["model_hash"] == model_hash()
    tabular = [r for r in package["resources"] if r.get("profile") == "tabular-data-resource"]
    assert {r["path"] for r in tabular} == {p.name for p in folder.glob("*.csv")}, "every CSV is described"
    for res in tabular:
        fields = res["schema"]["fields"]
        assert [f["name"] for f in fields] == _header(folder / res["path"]), res["path"]
        for f in fields:
            assert f["description"] and f["description"] != f["name"].replace("_", " "), (res["path"], f["name"])
            if f["type"] in ("number", "integer"):
                assert f.get("unit"), (res["path"], f["name"])
    for res in package["resources"]:
        assert (folder / res["path"]).is_file(), res["path"]
    return package


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("meta") / "sim"
    result = runner.invoke(cli.app, ["simulate", "antibiotics", "--days", "20", "--burn-in-days", "2",
                                     "--set", "parameters.sws_gain=2", "--timeseries-every-h", "6", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_simulation_datapackage(simulated: Path) -> None:
    package = _check_package(simulated)
    fields = {f["name"]: f for r in package["resources"] if r["path"] == "nightly.csv" for f in r["schema"]["fields"]}
    assert fields["tst_min"]["unit"] == "min" and "total sleep time" in fields["tst_min"]["description"]
    assert fields["bedtime"]["type"] == "string"
    subject = package["gutsleep"]["subjects"][0]
    scenario = parse_scenario(subject["scenario_yaml"])
    assert scenario.days == 20 and scenario.parameters == {"sws_gain": 2.0} and scenario.interventions
    assert subject["parameters"]["sws_gain"] == 2.0 and subject["parameters"]["age_years"] == 35.0
    assert {r["path"] for r in package["resources"]} >= {"timeseries.nc", "report.html", "summary.csv"}


def test_every_outcome_column_has_a_written_description() -> None:
    """Add an entry to gutsleep.outcomes.columns.DESCRIPTIONS (and RESOLUTION) with every new column."""
    for col in (*NIGHTLY_COLUMNS, *daily_columns(GUILDS)):
        text = columns.description(col)
        generic = text.endswith(f"({columns.unit(col) or 'model units'})") and not col.startswith("guild_")
        assert text and not generic, f"{col}: add its description to gutsleep.outcomes.columns.DESCRIPTIONS"
        assert columns.unit(col), f"{col}: add its unit to NIGHTLY_UNITS / DAILY_UNITS"


def test_cohort_and_trial_outputs_are_described(tmp_path: Path) -> None:
    (tmp_path / "pop.yaml").write_text("name: meta-pop\nsize: 3\nseed: 1\n")
    out = tmp_path / "cohort"
    result = runner.invoke(cli.app, ["cohort", str(tmp_path / "pop.yaml"), "--days", "3", "--burn-in-days", "1",
                                     "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("covariates", "summary", "nightly", "daily"):
        schema = pq.read_schema(out / f"{name}.parquet")
        meta = json.loads(schema.metadata[b"gutsleep"])
        assert meta["version"] == gutsleep.__version__ and meta["model_hash"] == model_hash()
        assert meta["specification"]["population"]["name"] == "meta-pop"
        for field in schema:
            assert field.metadata and field.metadata[b"description"], (name, field.name)
    tst = pq.read_schema(out / "nightly.parquet").field("tst_min")
    assert tst.metadata[b"unit"] == b"min"
    param = next(f for f in pq.read_schema(out / "covariates.parquet") if f.name.startswith("param_"))
    assert param.metadata[b"unit"]

    (tmp_path / "trial.yaml").write_text(TRIAL.replace("responder: null\n", ""))
    result = runner.invoke(cli.app, ["trial", str(tmp_path / "trial.yaml"), "--out", str(tmp_path / "trial")])
    assert result.exit_code == 0, result.output
    _check_package(tmp_path / "trial")


def test_column_docs_cover_pattern_columns() -> None:
    assert column_doc("participants", "baseline_tst_min")[0] == "min"
    assert column_doc("covariates", "param_sws_gain")[1].startswith("model parameter")
    assert column_doc("daily_diff", "shannon")[1].startswith("B - A of")
    assert column_doc("covariates", "fiber_g")[0] == "g/day"
