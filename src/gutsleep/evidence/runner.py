"""Run experiments against shared simulations and judge them."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence

from gutsleep.evidence.experiments import EXPERIMENTS, experiment
from gutsleep.evidence.framework import Context, Experiment, Result, judge


def select(only: Sequence[str] = (), fast_only: bool = False) -> list[Experiment]:
    """The experiments to run: ``only`` ids (or id prefixes such as a finding id), else all (or the fast set)."""
    if only:
        chosen = []
        for key in only:
            matches = [e for e in EXPERIMENTS if e.id == key or e.id.startswith(key) or key in e.findings]
            if not matches:
                experiment(key)  # raises with the list of known ids
            chosen += [e for e in matches if e not in chosen]
        return chosen
    return [e for e in EXPERIMENTS if e.fast or not fast_only]


def run_experiments(experiments: Sequence[Experiment], *, context: Context | None = None,
                    progress: Callable[[int, int, str], None] | None = None) -> list[Result]:
    """Measure and judge each experiment; a crash is reported as ERROR with its message, not raised."""
    ctx = context or Context()
    results = []
    for i, exp in enumerate(experiments):
        if progress is not None:
            progress(i, len(experiments), exp.id)
        try:
            measured = exp.measure(ctx)
        except Exception as err:  # one broken experiment must not hide the others
            results.append(Result(exp, None, "ERROR", f"{type(err).__name__}: {err}\n{traceback.format_exc(limit=3)}"))
            continue
        results.append(Result(exp, measured, judge(exp, measured)))
    if progress is not None:
        progress(len(experiments), len(experiments), "")
    return results
