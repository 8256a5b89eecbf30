"""gutsleep: a mechanistic, batched simulator of the gut-brain-sleep axis.

The public API (imported on first use, so ``import gutsleep`` stays light)::

    import gutsleep

    base = gutsleep.load_scenario("examples/baseline.yaml")       # or gutsleep.load_example("baseline")
    out = gutsleep.simulate([base, gutsleep.load_example("antibiotics")])
    out.nightly, out.daily, out.timeseries                        # tables per night/day, xarray time series
    gutsleep.summarize(out)                                       # peak change, recovery ... per outcome
    cmp = gutsleep.compare(base, gutsleep.load_example("fermented-foods"))
    gutsleep.write_outputs(out, "out/run")                        # CSVs, timeseries.nc, report.html
    model = gutsleep.build_model()                                # the declarative model (states, parameters)
    fitted = gutsleep.calibrated_parameters()                     # the shipped calibrated set's estimate
    out = gutsleep.simulate([base], base_parameters=fitted)       # what the command-line tools run

The API runs the model's own parameter values (the centres of the priors) unless given ``base_parameters``; the
command-line tools apply the shipped calibrated set unless told ``--parameters none``.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_API: dict[str, tuple[str, str]] = {
    "simulate": ("gutsleep.apps.simulate", "simulate"),
    "compare": ("gutsleep.apps.simulate", "compare"),
    "write_outputs": ("gutsleep.apps.simulate", "write_outputs"),
    "write_comparison": ("gutsleep.apps.simulate", "write_comparison"),
    "SimulationOutput": ("gutsleep.apps.simulate", "SimulationOutput"),
    "ComparisonOutput": ("gutsleep.apps.simulate", "ComparisonOutput"),
    "summarize": ("gutsleep.report.simulation", "summary"),
    "load_scenario": ("gutsleep.scenario", "load_scenario"),
    "parse_scenario": ("gutsleep.scenario", "parse_scenario"),
    "Scenario": ("gutsleep.scenario", "Scenario"),
    "ScenarioError": ("gutsleep.scenario", "ScenarioError"),
    "load_example": ("gutsleep.apps.examples", "load_example"),
    "shipped_examples": ("gutsleep.apps.examples", "shipped_examples"),
    "apply_overrides": ("gutsleep.apps.overrides", "apply_overrides"),
    "build_model": ("gutsleep.model", "build_model"),
    "calibrated_parameters": ("gutsleep.calibrate.paramset", "calibrated_parameters"),
    "load_parameter_set": ("gutsleep.calibrate.paramset", "load_parameter_set"),
}
"""Public name -> (module, attribute), imported on first access."""


def __getattr__(name: str) -> Any:
    if name in _API:
        import importlib

        module, attribute = _API[name]
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gutsleep' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])


__all__ = ["__version__", *_API]
