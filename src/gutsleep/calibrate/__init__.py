"""Calibration: fit free parameters jointly to the calibration experiments (``gutsleep calibrate``).

:mod:`~gutsleep.calibrate.problem` declares what is fitted (priors, targets), :mod:`~gutsleep.calibrate.evaluate`
runs the evidence experiments for many parameter sets in one batched simulation, :mod:`~gutsleep.calibrate.fit`
finds the point estimate (scipy ``least_squares``) and posterior draws (emcee), resumably, and
:mod:`~gutsleep.calibrate.paramset` reads and writes ``parameter-sets/<name>.yaml``.
"""
