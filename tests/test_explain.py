"""Pathway attribution: parts add up, the clamp is exact, and cutting the vagus removes the vagal share."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from gutsleep.cli import app
from gutsleep.explain import explain
from gutsleep.explain.attribution import OUTCOMES


def _short(scenario, days=35, **person):
    update = {"days": days}
    if person:
        update["person"] = scenario.person.model_copy(update=person)
    return scenario.model_copy(update=update)


@pytest.fixture(scope="module")
def fermented(example_scenarios):
    return explain(_short(example_scenarios["baseline"]), _short(example_scenarios["fermented-foods"]))


def test_parts_add_up_to_the_total(fermented):
    pathways = fermented.pathways
    nightly = fermented.nightly
    parts = nightly[pathways].sum(axis=1) + nightly["remainder"]
    np.testing.assert_allclose(parts, nightly["total"], rtol=0.01, atol=1e-9)
    summary = fermented.summary
    for outcome in OUTCOMES:
        row = summary.loc[outcome]
        assert abs(row[pathways].sum() + row["remainder"] - row["total"]) <= 0.01 * abs(row["total"]) + 1e-9


def test_fermented_foods_act_through_the_vagus(fermented):
    row = fermented.summary.loc["waso_min"]
    assert row["total"] < -0.5
    # the vagal/GABA pathway carries most of it; lower IL-6 (FERM-01) carries much of the rest
    assert row["gaba_vagus"] < 0 and abs(row["gaba_vagus"]) > 0.5 * abs(row["total"])
    others = row.drop(["a", "b", "total", "gaba_vagus", "remainder"], errors="ignore")
    assert abs(row["gaba_vagus"]) > others.abs().max()
    assert row["inflammation"] < 0
    assert abs(row["remainder"]) < 0.15 * abs(row["total"])


def test_clamping_a_run_to_itself_changes_nothing(example_scenarios):
    """B = A: every clamped run reproduces A up to the piecewise-constant clamp.

    Alcohol is the hardest case (blood alcohol moves within a 15-minute step); the discretisation costs
    under a minute of any outcome, against effects of several minutes.
    """
    a = _short(example_scenarios["alcohol"], days=21)
    result = explain(a, a)
    values = result.nightly[[*result.pathways, "remainder", "total"]].to_numpy()
    assert np.abs(values).max() < 1.0


def test_vagotomy_removes_the_vagal_share(example_scenarios):
    a = _short(example_scenarios["baseline"], vagotomy=True)
    b = _short(example_scenarios["fermented-foods"], vagotomy=True)
    result = explain(a, b)
    assert np.abs(result.summary["gaba_vagus"]).max() < 1e-6


def test_explain_cli_writes_table_and_waterfall(tmp_path, example_scenarios):
    a = tmp_path / "a.yaml"
    b = tmp_path / "b.yaml"
    a.write_text("name: a\ndays: 21\n")
    b.write_text("name: b\ndays: 21\ninterventions:\n  - {start_day: 7, set: {prebiotic_g: 10}}\n")
    result = CliRunner().invoke(app, ["explain", str(a), str(b), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    for name in ("explain.html", "waterfall.png", "attribution.csv"):
        assert (tmp_path / "out" / name).stat().st_size > 0
    # the pathway rows are printed with their labels intact at 80 columns, and the CSVs are described
    assert "GABA/vagus" in result.output and "serotonin/melatonin" in result.output
    assert (tmp_path / "out" / "datapackage.json").is_file()
    as_json = CliRunner().invoke(app, ["explain", str(a), str(b), "--out", str(tmp_path / "out2"), "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    rows = json.loads(as_json.stdout[as_json.stdout.index("["):])
    assert {r["outcome"] for r in rows} >= {"total sleep time (min)"}
