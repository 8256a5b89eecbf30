"""Outcome reducers: turn the solver's day-by-day records into nightly and daily tables.

Pure computation (no I/O). The reducers stream: each is called with one ``DayRecord`` at a time and keeps only
what spans into the next day, so memory does not grow with the number of simulated days (beyond the rows).

>>> collector = OutcomeCollector.for_model(model, schedule)   # doctest: +SKIP
>>> run(model, schedule, params, on_day=collector)            # doctest: +SKIP
>>> nightly, daily = collector.result()                       # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from gutsleep.outcomes.common import Columns, OutcomeSchedule, clock_string
from gutsleep.outcomes.daily import (
    BASE_DAILY_COLUMNS,
    DAILY_UNITS,
    DLMO_PHASE,
    EXTRA_DAILY_COLUMNS,
    DailyReducer,
    daily_columns,
    daily_units,
)
from gutsleep.outcomes.nightly import NIGHTLY_COLUMNS, NIGHTLY_UNITS, NightlyReducer


class OutcomeCollector:
    """Nightly and daily reducers fed together (pass the instance as ``on_day`` to the engine)."""

    def __init__(
        self,
        columns: Columns,
        schedule: OutcomeSchedule,
        *,
        detection_limit: float | np.ndarray = 1e-5,
        end_steps: np.ndarray | None = None,
    ) -> None:
        self.nightly = NightlyReducer(columns, schedule, end_steps=end_steps)
        self.daily = DailyReducer(columns, schedule, detection_limit=detection_limit, end_steps=end_steps)
        self.variables: tuple[str, ...] = columns.names
        """Variables of the record this collector is laid out for (what the engine records for it)."""

    @classmethod
    def for_model(
        cls,
        model: Any,
        schedule: OutcomeSchedule,
        *,
        detection_limit: float | np.ndarray = 1e-5,
        end_steps: np.ndarray | None = None,
    ) -> OutcomeCollector:
        """Collector for ``model`` laid out for only the variables the reducers read (states first, then
        observables), so the engine records just those (pass it as ``reducer=`` to ``engine.run``)."""
        full = Columns(model.state_names, model.observables)
        needed = {*NightlyReducer.required(full), *DailyReducer.required(full)}
        columns = Columns([n for n in full.state_names if n in needed], [n for n in full.observables if n in needed])
        return cls(columns, schedule, detection_limit=detection_limit, end_steps=end_steps)

    def __call__(self, day: Any) -> None:
        """Consume one ``DayRecord`` laid out like this collector's columns."""
        self.nightly(day)
        self.daily(day)

    def reduce_block(self, k: int, i0: int, record: np.ndarray, start: np.ndarray) -> None:
        """Consume day ``k`` of a chunk of subjects (see :class:`gutsleep.solve.engine.BlockReducer`)."""
        self.nightly.reduce_block(k, i0, record, start)
        self.daily.reduce_block(k, i0, record, start)

    def result(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(nightly, daily) tables."""
        return self.nightly.result(), self.daily.result()


__all__ = [
    "BASE_DAILY_COLUMNS",
    "DAILY_UNITS",
    "DLMO_PHASE",
    "EXTRA_DAILY_COLUMNS",
    "NIGHTLY_COLUMNS",
    "NIGHTLY_UNITS",
    "Columns",
    "DailyReducer",
    "NightlyReducer",
    "OutcomeCollector",
    "OutcomeSchedule",
    "clock_string",
    "daily_columns",
    "daily_units",
]
