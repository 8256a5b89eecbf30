"""The evidence suite: published findings re-run as experiments in the model (``gutsleep evidence``).

The names below are imported on first use, so that importing the command-line entry point stays light."""

from __future__ import annotations

from typing import Any

_LAZY = {
    "EXPERIMENTS": "gutsleep.evidence.experiments",
    "experiment": "gutsleep.evidence.experiments",
    "experiment_ids": "gutsleep.evidence.experiments",
    "load_findings": "gutsleep.evidence.findings",
    "run_experiments": "gutsleep.evidence.runner",
    "select": "gutsleep.evidence.runner",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'gutsleep.evidence' has no attribute {name!r}")


__all__ = ["EXPERIMENTS", "experiment", "experiment_ids", "load_findings", "run_experiments", "select"]
