"""Virtual cohorts, in-silico trials, observational studies and global sensitivity analysis.

Modules: ``population`` (YAML population specs, per-subject draws), ``executor`` (chunked, resumable runs,
in-process or on dask), ``trial`` and ``observational`` (designs and analyses), ``stats`` (Welch, ANCOVA, effect
sizes, power, rank correlations), ``sensitivity`` (SALib Sobol/Morris), ``report`` (HTML) and ``runs`` (end-to-end
runs writing their outputs). Needs the ``cohort`` extra (pyarrow, statsmodels, SALib, dask[distributed]); names are
imported lazily so that ``import gutsleep.cohort`` works without it.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "Population": "population",
    "PopulationSpec": "population",
    "load_population": "population",
    "parse_population": "population",
    "RunOptions": "executor",
    "CohortSource": "executor",
    "run_subjects": "executor",
    "read_table": "executor",
    "TrialSpec": "trial",
    "load_trial": "trial",
    "parse_trial": "trial",
    "analyse_trial": "trial",
    "ObservationalSpec": "observational",
    "load_observational": "observational",
    "parse_observational": "observational",
    "run_sensitivity": "sensitivity",
    "run_cohort": "runs",
    "run_trial": "runs",
    "run_observational": "runs",
    "write_sensitivity": "runs",
    "SpecError": "specio",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"gutsleep.cohort.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'gutsleep.cohort' has no attribute {name!r}")


__all__ = sorted(_EXPORTS)
