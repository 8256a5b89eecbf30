"""Shared fixtures: one batched run of every shipped example, reused by the science tests.

The numba kernel compiles once per session (~20-30 s on a cold cache); simulating all the examples as
subjects of one batched run then takes a few seconds.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from gutsleep.apps.simulate import SimulationOutput, simulate
from gutsleep.scenario import Scenario, load_scenario

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="session")
def example_scenarios() -> dict[str, Scenario]:
    return {path.stem: load_scenario(path) for path in sorted(EXAMPLES.glob("*.yaml"))}


@pytest.fixture(scope="session")
def examples_run(example_scenarios: dict[str, Scenario]) -> SimulationOutput:
    return simulate(list(example_scenarios.values()), timeseries_every_h=None)


class ExampleTables:
    """Nightly and daily tables of one example, next to those of the baseline."""

    def __init__(self, output: SimulationOutput, names: list[str], name: str) -> None:
        self.subject = names.index(name)
        self.base_subject = names.index("baseline")
        self.nightly = output.nightly[output.nightly.subject == self.subject].set_index("night")
        self.daily = output.daily[output.daily.subject == self.subject].set_index("day")
        self.base_nightly = output.nightly[output.nightly.subject == self.base_subject].set_index("night")
        self.base_daily = output.daily[output.daily.subject == self.base_subject].set_index("day")

    @staticmethod
    def _window(frame: pd.DataFrame, column: str, first: int, last: int) -> float:
        return float(frame.loc[first:last, column].mean())

    def night_change(self, column: str, first: int, last: int) -> float:
        """Mean of a nightly column over nights first..last (inclusive), example minus baseline."""
        return self._window(self.nightly, column, first, last) - self._window(self.base_nightly, column, first, last)

    def day_ratio(self, column: str, first: int, last: int) -> float:
        """Mean of a daily column over days first..last (inclusive), example over baseline."""
        return self._window(self.daily, column, first, last) / self._window(self.base_daily, column, first, last)

    def day_change(self, column: str, first: int, last: int) -> float:
        return self._window(self.daily, column, first, last) - self._window(self.base_daily, column, first, last)


@pytest.fixture(scope="session")
def examples_run_shipped(example_scenarios: dict[str, Scenario]) -> SimulationOutput:
    """The shipped examples under the shipped calibrated parameter set (what the command-line tools run)."""
    from gutsleep.calibrate.paramset import shipped_default

    return simulate(list(example_scenarios.values()), timeseries_every_h=None,
                    base_parameters=dict(shipped_default().estimate))


@pytest.fixture(scope="session", params=["model values", "shipped calibrated set"])
def example_tables(request: pytest.FixtureRequest, example_scenarios: dict[str, Scenario]):
    """Every example's effect is checked on the model's own values and on the shipped calibrated set."""
    run = request.getfixturevalue("examples_run" if request.param == "model values" else "examples_run_shipped")
    names = list(example_scenarios)

    def get(name: str) -> ExampleTables:
        return ExampleTables(run, names, name)

    return get
