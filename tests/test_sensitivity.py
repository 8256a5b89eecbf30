"""Global sensitivity analysis: parameter selection, designs, index computation and a tiny end-to-end run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gutsleep.cohort.executor import RunOptions
from gutsleep.cohort.population import PERSON_PARAMETERS, parameter_info
from gutsleep.cohort.runs import write_sensitivity
from gutsleep.cohort.sensitivity import (
    DEFAULT_PARAMETERS,
    analyse,
    design,
    n_runs,
    resolve_parameters,
    run_sensitivity,
)


def test_parameter_selection() -> None:
    info = parameter_info()
    assert resolve_parameters(None) == list(DEFAULT_PARAMETERS)
    assert all(name in info for name in DEFAULT_PARAMETERS)
    assert 15 <= len(DEFAULT_PARAMETERS) <= 30
    everything = resolve_parameters(["all"])
    assert not set(everything) & set(PERSON_PARAMETERS)
    assert all(info[n][2] > info[n][1] for n in everything) and len(everything) > 200
    with pytest.raises(ValueError, match="unknown parameter"):
        resolve_parameters(["sws_gain", "nope"])
    with pytest.raises(ValueError, match="set from the person"):
        resolve_parameters(["age_years"])


def test_designs_stay_in_the_plausible_ranges() -> None:
    names = ["sws_gain", "sleep_pressure_rise_time_h", "colon_transit_rate"]
    info = parameter_info()
    for method, rows in (("sobol", 8 * 5), ("morris", 4 * 4)):
        x = design(method, names, 8 if method == "sobol" else 4, seed=1)
        assert x.shape == (rows, 3) and rows == n_runs(method, 3, 8 if method == "sobol" else 4)
        for j, n in enumerate(names):
            assert info[n][1] <= x[:, j].min() and x[:, j].max() <= info[n][2]


def test_sobol_indices_of_a_known_function() -> None:
    names = ["sws_gain", "sleep_pressure_rise_time_h", "colon_transit_rate"]
    x = design("sobol", names, 512, seed=2)
    info = parameter_info()
    scaled = [(x[:, j] - info[n][1]) / (info[n][2] - info[n][1]) for j, n in enumerate(names)]
    y = pd.DataFrame({"tst_min": 4 * scaled[0] + scaled[1]})  # variance shares 16/17 and 1/17, third inert
    table, notes = analyse("sobol", names, x, y, ["tst_min"], seed=0)
    st = table.set_index("parameter")["ST"]
    assert st["sws_gain"] == pytest.approx(16 / 17, abs=0.05)
    assert st["sleep_pressure_rise_time_h"] == pytest.approx(1 / 17, abs=0.03)
    assert abs(st["colon_transit_rate"]) < 0.02
    assert table["parameter"].iloc[0] == "sws_gain" and not notes


def test_morris_end_to_end_and_outputs(tmp_path: Path) -> None:
    result = run_sensitivity(method="morris", n=3, parameters=["sws_gain", "stress_arousal_gain"],
                             outcomes=["sws_pct", "tst_min"], days=3, window_days=2, out=tmp_path,
                             options=RunOptions(burn_in_days=2, chunk_size=100))
    assert result.n_runs == 9 and len(result.samples) == 9
    assert np.isfinite(result.samples[["sws_pct", "tst_min"]].to_numpy()).all()
    sws = result.table[result.table["outcome"] == "sws_pct"].set_index("parameter")
    assert sws.loc["sws_gain", "mu_star"] > 0 and sws.loc["sws_gain", "rank"] == 1
    paths = write_sensitivity(result, tmp_path)
    assert set(pd.read_csv(paths["indices"])["parameter"]) == {"sws_gain", "stress_arousal_gain"}
    assert paths["figure"].stat().st_size > 1000 and "data:image/png" in paths["report"].read_text()
