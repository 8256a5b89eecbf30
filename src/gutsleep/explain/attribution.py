"""Decompose the change in nightly sleep between scenarios A and B into the pathways that carry it.

Counterfactual clamping: B is re-run once per pathway with that pathway's signals, as the sleep module
reads them (melatonin; vagal tone; portal butyrate; IL-6; cortisol; circadian Process C and gut-clock
misalignment; direct effects of alcohol, stress and digestion), held at their scenario-A trajectories.
The share of pathway p is B - B(p clamped at A): the part of the change that disappears when p alone
does not change. What the single-pathway parts do not explain (interactions, and changes that reach sleep
outside these pathways, such as a new sleep schedule) is reported as the remainder, so the parts add up
to the total exactly.

Clamped values are piecewise constant per 15-minute step (the mean of the step's start and end values
of run A); all runs share one batch, so the comparison is free of batch effects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gutsleep.apps.simulate import SimulationOutput, simulate
from gutsleep.model import build_model
from gutsleep.model.inputs import INPUT_INDEX, PATHWAY_SIGNALS
from gutsleep.scenario import Scenario
from gutsleep.solve.engine import DayRecord

PATHWAY_LABELS: dict[str, str] = {
    "serotonin_melatonin": "serotonin/melatonin",
    "gaba_vagus": "GABA/vagus",
    "scfa_butyrate": "SCFA/butyrate",
    "inflammation": "barrier/LPS/inflammation",
    "cortisol_hpa": "cortisol/HPA",
    "circadian": "circadian alignment",
    "direct": "direct (alcohol, stress, digestion)",
}
OUTCOMES: tuple[str, ...] = ("tst_min", "sleep_efficiency_pct", "sol_min", "waso_min", "sws_min", "sws_pct")


@dataclass(frozen=True)
class Attribution:
    """Per-night and mean attribution of B - A for each nightly outcome."""

    a: Scenario
    b: Scenario
    nightly: pd.DataFrame  # night, outcome, a, b, total, <pathway>..., remainder
    summary: pd.DataFrame  # outcome x (a, b, total, pathways..., remainder), mean over the window
    window: tuple[int, int]
    runs: SimulationOutput

    @property
    def pathways(self) -> list[str]:
        return list(PATHWAY_SIGNALS)


def _signal_columns() -> dict[str, tuple[str, int]]:
    """Where each clamped signal lives: ('record', column) for states/observables, ('input', channel)."""
    model = build_model()
    names = [*model.state_names, *model.observables]
    where: dict[str, tuple[str, int]] = {}
    for signals in PATHWAY_SIGNALS.values():
        for signal, _unit in signals:
            if signal in names:
                where[signal] = ("record", names.index(signal))
            elif signal in INPUT_INDEX:
                where[signal] = ("input", INPUT_INDEX[signal])
            else:  # pragma: no cover - guarded by test_explain
                raise KeyError(f"pathway signal {signal!r} is neither recorded nor an input")
    return where


def explain(a: Scenario, b: Scenario, *, burn_in_days: int = 42, window: tuple[int, int] | None = None,
            progress: bool = False, base_parameters: Mapping[str, float] | None = None) -> Attribution:
    """Attribute the nightly sleep change B - A to pathways (see module docstring).

    ``base_parameters`` replace the model's defaults in every run (a calibrated parameter set).

    ``window`` = (first, last) night averaged in the summary; default: from the first day on which the two
    scenarios differ (the earliest intervention or event of B) to the last night of the shorter run.
    """
    where = _signal_columns()
    captured: dict[str, list[np.ndarray]] = {s: [] for s in where}

    def capture(day: DayRecord) -> None:
        for signal, (kind, col) in where.items():
            if kind == "record":
                end = day.record[0, :, col]
                start = np.concatenate(([_start_value(day, col)], end[:-1]))
                captured[signal].append(0.5 * (start + end))
            else:
                captured[signal].append(day.inputs[0, :, col].copy())

    def _start_value(day: DayRecord, col: int) -> float:
        model = build_model()
        n_states = len(model.states)
        if col < n_states:
            return float(day.start[0, col])
        return float(day.record[0, 0, col])  # observables: first step's value stands in for the start

    base = simulate([a, b], burn_in_days=burn_in_days, timeseries_every_h=None, day_hook=capture,
                    progress=progress, base_parameters=base_parameters)
    traj = {s: np.concatenate(v) for s, v in captured.items()}
    pathways = list(PATHWAY_SIGNALS)

    def clamp(k: int, u: np.ndarray) -> np.ndarray:
        steps = slice(k * u.shape[1], (k + 1) * u.shape[1])
        for i, pathway in enumerate(pathways):
            u[i, :, INPUT_INDEX[f"clamp_{pathway}"]] = 1.0
            for signal, _unit in PATHWAY_SIGNALS[pathway]:
                u[i, :, INPUT_INDEX[f"clamp_value_{signal}"]] = traj[signal][steps]
        return u

    clamped = simulate([b] * len(pathways), burn_in_days=burn_in_days, timeseries_every_h=None, input_hook=clamp,
                       progress=progress, base_parameters=base_parameters)
    nights = _table(base, clamped, pathways)
    if window is None:
        window = (_first_difference(a, b), int(nights["night"].max()))
    summary = (nights[(nights.night >= window[0]) & (nights.night <= window[1])]
               .groupby("outcome")[["a", "b", "total", *pathways, "remainder"]].mean().reindex(list(OUTCOMES)))
    return Attribution(a, b, nights, summary, window, base)


def _table(base: SimulationOutput, clamped: SimulationOutput, pathways: list[str]) -> pd.DataFrame:
    n = base.nightly
    a = n[n.subject == 0].set_index("night")
    b = n[n.subject == 1].set_index("night")
    common = a.index.intersection(b.index)
    rows = []
    for outcome in OUTCOMES:
        frame = pd.DataFrame({"night": common, "outcome": outcome, "a": a.loc[common, outcome].to_numpy(),
                              "b": b.loc[common, outcome].to_numpy()})
        frame["total"] = frame["b"] - frame["a"]
        explained = np.zeros(len(common))
        for i, pathway in enumerate(pathways):
            c = clamped.nightly[clamped.nightly.subject == i].set_index("night")
            part = frame["b"].to_numpy() - c.loc[common, outcome].to_numpy()
            frame[pathway] = part
            explained += np.nan_to_num(part)
        frame["remainder"] = frame["total"] - explained
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)


def _first_difference(a: Scenario, b: Scenario) -> int:
    """First day on which B departs from A: its earliest intervention or event, or 0 if they differ from day 0."""
    if a.habits != b.habits or a.person != b.person:
        return 0
    days = [i.start_day for i in b.interventions] + [e.day for e in b.events]
    days += [i.start_day for i in a.interventions] + [e.day for e in a.events]
    return min(days) if days else 0
