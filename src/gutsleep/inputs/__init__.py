"""Scenario -> per-step model inputs (the channels of :mod:`gutsleep.model.inputs`).

:func:`build_schedule` turns one scenario per subject into a :class:`Schedule` that produces
dense input arrays one simulated day at a time.
"""

from gutsleep.inputs.schedule import Schedule, build_schedule

__all__ = ["Schedule", "build_schedule"]
