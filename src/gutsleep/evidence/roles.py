"""Calibration and validation: which experiments set parameters, and which test the model untuned.

An experiment is ``calibration`` when a parameter (or a model constant) was set from it, otherwise
``validation``. A parameter whose source contains ``calibrated: ID, ID; ...`` names its calibration
experiments by id (the text up to the first ``;``; a parenthesis there is a comment). A validation experiment
may not be named by any parameter: its verdict is what the model predicts without having been tuned to it.

A parameter whose source *cites* an experiment's finding (``REF-04``) without being calibrated to it shaped the
model from that finding's qualitative claim (a sign, a mechanism): :func:`informed_by` lists them, so a reader
can see how independent a validation experiment is.

Tolerances: :func:`tolerance_matches_finding` checks an experiment's band against the numbers proposed with its
findings (``tolerance`` and ``target`` in ``findings.yaml``); a band that differs needs a ``tolerance_note``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from gutsleep.evidence.framework import Experiment

CALIBRATED = re.compile(r"calibrated:\s*([^;]*)", re.IGNORECASE)


def calibration_ids(source: str) -> tuple[str, ...]:
    """The experiment ids a parameter's source names after ``calibrated:`` (empty when it has none)."""
    match = CALIBRATED.search(source)
    if match is None:
        return ()
    text = re.sub(r"\([^)]*\)", "", match.group(1))
    return tuple(part.strip() for part in text.split(",") if part.strip())


@lru_cache(maxsize=1)
def calibration_parameters() -> dict[str, tuple[str, ...]]:
    """Every parameter whose source is ``calibrated:``, with the experiment ids it names."""
    from gutsleep.model import build_model

    return {p.name: calibration_ids(p.source) for p in build_model().parameters if CALIBRATED.search(p.source)}


def calibrated_by(experiment_id: str) -> tuple[str, ...]:
    """The parameters calibrated to ``experiment_id`` (empty for a validation experiment)."""
    return tuple(name for name, ids in calibration_parameters().items() if experiment_id in ids)


def informed_by(experiment: Experiment) -> tuple[str, ...]:
    """Parameters whose source cites one of the experiment's findings without being calibrated to it."""
    from gutsleep.model import build_model

    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(f) for f in experiment.findings) + r")(?![\w-])")
    calibrated = set(calibrated_by(experiment.id))
    return tuple(p.name for p in build_model().parameters
                 if p.name not in calibrated and pattern.search(p.source))


def role_problems(experiments: Iterable[Experiment] | None = None) -> list[str]:
    """What breaks the calibration/validation split (empty when it holds)."""
    from gutsleep.evidence.experiments import EXPERIMENTS

    experiments = tuple(EXPERIMENTS if experiments is None else experiments)
    by_id = {e.id: e for e in experiments}
    problems = []
    for name, ids in calibration_parameters().items():
        if not ids:
            problems.append(f"parameter {name}: 'calibrated:' names no experiment")
        for eid in ids:
            if eid not in by_id:
                problems.append(f"parameter {name}: calibrated to unknown experiment {eid!r}")
            elif by_id[eid].role != "calibration":
                problems.append(f"parameter {name}: calibrated to {eid}, a {by_id[eid].role} experiment")
    for e in experiments:
        if e.role == "calibration" and not calibrated_by(e.id) and not e.role_note:
            problems.append(f"experiment {e.id}: calibration, but no parameter is calibrated to it and it has no "
                            "role_note")
    return problems


# ---------------------------------------------------------------- tolerances -------------------------------------
_NUMBER = r"[-+]?\d+(?:\.\d+)?"
_RANGE = re.compile(rf"({_NUMBER})\s*(?:-|to)\s*\+?({_NUMBER})")
_PLUS_MINUS = re.compile(rf"\+/-\s*({_NUMBER})\s*(%)?")
_AT_LEAST = re.compile(rf">=\s*({_NUMBER})")
_AT_MOST = re.compile(rf"(?:<=?|within)\s*({_NUMBER})")
_DIRECTIONAL = ("direction", "sign", "qualitative")


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 0.005 * max(abs(a), abs(b)) or abs(a - b) <= 1e-12  # a proposal's rounding


def _one_sided(low: float, high: float, unit: str) -> bool:
    """A direction-only band: one side at (or just past) the no-effect value, the other a wide sanity cap."""
    neutral = 1.0 if unit in ("fold", "ratio") else 0.0
    if low >= neutral:
        return high - neutral >= 5 * max(low - neutral, 0.1 if neutral else 1e-9) and low - neutral <= 0.2 * (
            high - neutral)
    if high <= neutral:
        return neutral - low >= 5 * max(neutral - high, 1e-9)
    return False


def proposed_text(experiment: Experiment) -> str:
    """The tolerance and target text proposed with the experiment's findings (and their numbers, where the
    tolerance is "as stated")."""
    from gutsleep.evidence.findings import load_findings

    parts = []
    for fid in experiment.findings:
        f = load_findings().findings[fid]
        parts += [f.tolerance, f.target] + ([f.numbers] if "as stated" in f.tolerance else [])
    return " | ".join(parts)


def tolerance_matches_finding(experiment: Experiment) -> bool:
    """Whether the experiment's band is one its findings propose: a stated range, a ``+/-`` band (absolute, or
    relative around a stated number), a ``>=``/``<=`` bound, or a direction for a direction/sign tolerance."""
    from gutsleep.evidence.findings import load_findings

    text = proposed_text(experiment)
    low, high = experiment.low, experiment.high
    scales = (1.0, 0.01) if "fraction" in experiment.unit else (1.0,)  # "10-20 %" proposes a fraction 0.1-0.2
    if any(_close(low, k * float(a)) and _close(high, k * float(b)) for a, b in _RANGE.findall(text) for k in scales):
        return True
    numbers = [float(x) for f in experiment.findings
               for x in re.findall(_NUMBER, load_findings().findings[f].numbers + " " + text)]
    for x, percent in _PLUS_MINUS.findall(text):
        half = float(x)
        absolute = not percent or experiment.unit == "%"
        if absolute and _close(low, -half) and _close(high, half):
            return True
        if percent and any(_close(low, c * (1 - half / 100)) and _close(high, c * (1 + half / 100))
                           for c in numbers):
            return True
    if any(_close(low, float(x)) for x in _AT_LEAST.findall(text)):
        return True
    if "exact" in text and low == high and any(_close(low, x) for x in numbers):
        return True
    if low == 0 and any(_close(high, float(x)) for x in _AT_MOST.findall(text)):
        return True
    directional = [load_findings().findings[f].tolerance.lower() for f in experiment.findings]
    directional = [t for t in directional if any(w in t for w in _DIRECTIONAL) and not _RANGE.search(t)]
    return bool(directional) and _one_sided(low, high, experiment.unit)  # a stated range wins over "signs"


def tolerance_changes(experiments: Iterable[Experiment] | None = None) -> list[Experiment]:
    """Experiments whose band differs from their findings' proposal or that carry a ``tolerance_note``."""
    from gutsleep.evidence.experiments import EXPERIMENTS

    return [e for e in (EXPERIMENTS if experiments is None else experiments)
            if e.tolerance_note or not tolerance_matches_finding(e)]
