"""The evidence suite: published findings re-run as experiments in the model (``gutsleep evidence``)."""

from gutsleep.evidence.experiments import EXPERIMENTS, experiment, experiment_ids
from gutsleep.evidence.findings import load_findings
from gutsleep.evidence.runner import run_experiments, select

__all__ = ["EXPERIMENTS", "experiment", "experiment_ids", "load_findings", "run_experiments", "select"]
