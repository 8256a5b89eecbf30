"""Defaults shared by the applications and the command line (a light module: the CLI imports it at start-up)."""

from __future__ import annotations

DEFAULT_BURN_IN_DAYS = 42
"""Days prepended (repeating day 0's habits) so the slow states settle before day 0."""

DEFAULT_TIMESERIES_EVERY_H = 1.0
"""Sampling interval of ``timeseries.nc`` (h)."""

MAX_DAYS = 3650
"""Longest simulation (days) a command accepts; the same limit as ``gutsleep.scenario.models.MAX_DAYS`` (kept here
so the command line can check it without importing the scenario models; a test keeps the two equal)."""
