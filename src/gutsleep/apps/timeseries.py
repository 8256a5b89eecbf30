"""Down-sampled time series of every state and observable, collected while the engine runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr

from gutsleep.model import STEP_H, STEPS_PER_DAY


class TimeseriesSampler:
    """Keeps the record at the end of every step whose end time (h since the start of day 0) is a multiple
    of ``every_h`` and >= 0; burn-in is dropped except its last step (the state at t = 0)."""

    def __init__(self, names: Sequence[str], burn_in_days: int, every_h: float) -> None:
        stride = every_h / STEP_H
        if every_h <= 0 or abs(stride - round(stride)) > 1e-9:
            raise ValueError(f"timeseries_every_h must be a positive multiple of {STEP_H} h (got {every_h})")
        self.names = tuple(names)
        self.every_h = float(every_h)
        self._stride = round(stride)
        self._burn_in = burn_in_days
        self._values: list[np.ndarray] = []
        self._local: list[np.ndarray] = []
        self._times: list[np.ndarray] = []

    def __call__(self, day: Any, local_time: np.ndarray) -> None:
        """Take the samples of one ``DayRecord``; ``local_time`` is the schedule's (N, steps) local time."""
        end_step = day.k * STEPS_PER_DAY + np.arange(1, STEPS_PER_DAY + 1) - self._burn_in * STEPS_PER_DAY
        keep = np.flatnonzero((end_step >= 0) & (end_step % self._stride == 0))
        if keep.size == 0:
            return
        self._times.append(end_step[keep] * STEP_H)
        self._values.append(np.array(day.record[:, keep, :], dtype=np.float64))
        self._local.append(np.asarray(local_time)[:, keep] + STEP_H)

    def dataset(self, model: Any, scenario_names: Sequence[str], days: Sequence[int]) -> xr.Dataset:
        """Dataset with dims (subject, time); values after a subject's last scenario day are NaN."""
        n_sub = len(scenario_names)
        n_var = len(self.names)
        time = np.concatenate(self._times) if self._times else np.zeros(0)
        values = np.concatenate(self._values, axis=1) if self._values else np.zeros((n_sub, 0, n_var))
        local = np.concatenate(self._local, axis=1) if self._local else np.zeros((n_sub, 0))
        beyond = time[None, :] > 24.0 * np.asarray(days, dtype=np.float64)[:, None]
        values[beyond] = np.nan
        local = np.where(beyond, np.nan, local)
        states = {s.name: s for s in model.states}
        inter = {i.name: i for i in model.intermediates}
        data_vars: dict[str, Any] = {}
        for j, name in enumerate(self.names):
            item = states.get(name) or inter[name]
            attrs = {"units": item.unit, "description": item.description, "module": item.module,
                     "kind": "state" if name in states else "observable"}
            data_vars[name] = (("subject", "time"), values[:, :, j], attrs)
        coords = {
            "subject": ("subject", np.arange(n_sub), {"description": "subject index (one per scenario)"}),
            "time": ("time", time, {"units": "h", "description": "hours since the start of day 0 (end of step)"}),
            "scenario": ("subject", np.array([str(s) for s in scenario_names], dtype=object),
                         {"description": "scenario name of each subject"}),
            "local_time_h": (("subject", "time"), local,
                             {"units": "h", "description": "local time (h since local midnight of day 0)"}),
        }
        return xr.Dataset(
            data_vars,
            coords=coords,
            attrs={"title": "gutsleep time series", "sampling_interval_h": self.every_h},
        )
