"""The batched kernel: the model's right-hand side generated as SIMD code across subjects.

Layout (structure of arrays): subjects are processed in blocks of ``BLOCK`` lanes, and everything a block
needs lives in ONE float64 work array ``W`` with the subjects innermost: row ``r`` of the block is
``W[r * BLOCK : (r + 1) * BLOCK]``. Rows hold the state at the start of the step (Y), the Runge-Kutta stage
state (X), the stage accumulator (A), the parameters and the parameter-only intermediates (P), the inputs of
the current step (U) and the observables (O). Because all rows are constant offsets into one array and
``BLOCK`` is a literal in the generated code, LLVM can prove the rows independent and vectorise the loop
over lanes without runtime alias checks; :mod:`gutsleep.solve.vecmath` supplies exp/log/sin/cos/tanh/pow
that vectorise.

The classical RK4 stages are fused into one generated function ``stage(W, e, w, c, d)`` that evaluates
the right-hand side k at X and then updates, per state, ``A = e A + w k`` and ``X = Y + c k + d A``; four
calls with constant coefficients make one RK4 step (no temporary k arrays). The result is the same
fixed-step 15-minute RK4 as :mod:`gutsleep.solve.codegen` (the scalar kernel, kept as the test oracle),
up to floating-point rounding of the reordered arithmetic.

Everything is generated from the declarative model; nothing here knows a state by name.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import sympy as sp

from gutsleep.model.spec import Model
from gutsleep.solve.cache import import_source, source_path
from gutsleep.solve.emit import Emitter

GENERATOR_VERSION = "batched-1"
BLOCK = 8
"""Subjects per block: one 512-bit vector of float64 (two 256-bit ones); small runs waste fewer padded lanes."""

_FLAGS = "{'afn', 'arcp', 'contract', 'nsz', 'reassoc'}"
_RESERVED = {"W", "j", "e", "w", "c", "d", "math", "np", "njit", "prange", "f2i", "i2f", "sel"}


@dataclass(frozen=True)
class Layout:
    """Row offsets of one block's work array (in rows of ``BLOCK`` values)."""

    n_states: int
    n_params: int
    n_hoisted: int
    n_inputs: int
    n_observables: int

    @property
    def y0(self) -> int:
        return 0

    @property
    def x0(self) -> int:
        return self.n_states

    @property
    def a0(self) -> int:
        return 2 * self.n_states

    @property
    def p0(self) -> int:
        return 3 * self.n_states

    @property
    def h0(self) -> int:
        return self.p0 + self.n_params

    @property
    def u0(self) -> int:
        return self.h0 + self.n_hoisted

    @property
    def o0(self) -> int:
        return self.u0 + self.n_inputs

    @property
    def rows(self) -> int:
        return self.o0 + self.n_observables


def _hoisted(model: Model) -> list[str]:
    """Intermediates that depend on parameters only: computed once per block, not per stage."""
    params = set(model.parameter_names)
    out: list[str] = []
    for item in model.intermediates:
        if {str(s) for s in item.expr.free_symbols} <= params | set(out):
            out.append(item.name)
    return out


def _needed(model: Model, roots: Sequence[sp.Expr], skip: set[str]) -> list[str]:
    """Intermediates (in model order) that ``roots`` depend on, excluding ``skip``."""
    by_name = {i.name: i for i in model.intermediates}
    seen: set[str] = set()
    stack = [str(s) for r in roots for s in r.free_symbols]
    while stack:
        name = stack.pop()
        if name in seen or name not in by_name or name in skip:
            continue
        seen.add(name)
        stack.extend(str(s) for s in by_name[name].expr.free_symbols)
    return [i.name for i in model.intermediates if i.name in seen]


def slow_states(model: Model) -> list[str]:
    """States on the long (multi-rate) step: declared ``timescale="slow"`` in the model."""
    return [s.name for s in model.states if getattr(s, "timescale", "fast") == "slow"]


def _closure(model: Model, names: set[str]) -> set[str]:
    """Intermediates whose inputs (transitively) are only ``names`` (and such intermediates)."""
    out: set[str] = set()
    for item in model.intermediates:  # topological order
        if {str(s) for s in item.expr.free_symbols} <= names | out:
            out.add(item.name)
    return out


def kernel_source(model: Model, *, multirate: bool = True) -> str:
    """Python source of the batched kernel module for ``model`` (deterministic text).

    With ``multirate`` and states declared slow, those advance on a macro step of ``MACRO`` solver steps (see
    :data:`MULTIRATE_DOC`); otherwise every state takes the 15-minute step.
    """
    names = [*model.state_names, *model.parameter_names, *model.input_names, *(i.name for i in model.intermediates)]
    clash = _RESERVED.intersection(names) | {n for n in names if n.startswith("_")}
    if clash:
        raise ValueError(f"model names clash with generated-code names: {sorted(clash)}")
    hoisted = _hoisted(model)
    slow = slow_states(model) if multirate else []
    lay = Layout(len(model.states), len(model.parameters), len(hoisted), len(model.inputs), len(model.observables))
    by_name = {i.name: i for i in model.intermediates}
    state_index = {n: i for i, n in enumerate(model.state_names)}
    S, B = lay.n_states, BLOCK
    params = set(model.parameter_names) | set(hoisted)
    slow_only = _closure(model, set(slow) | params) - set(hoisted) if slow else set()
    fast = [n for n in model.state_names if n not in slow]
    # frontier: slow-only intermediates that fast rates and observables read (interpolated over a macro step)
    roots_fast = [model.rates[n] for n in fast] + [sp.Symbol(n, real=True) for n in model.observables]
    inter_fast = _needed(model, roots_fast, set(hoisted) | slow_only)
    refs: set[str] = set()
    for r in [*roots_fast, *(by_name[n].expr for n in inter_fast)]:
        refs.update(str(x) for x in r.free_symbols)
    frontier = [i.name for i in model.intermediates if i.name in slow_only and i.name in refs]
    nq = len(frontier)
    # drivers: fast-only intermediates (fast states, inputs, parameters) that slow rates read; the slow stages see
    # their averages over the macro step (trapezoid over the solver steps), and so for fast states and inputs
    fast_only = _closure(model, set(fast) | set(model.input_names) | params) - set(hoisted) if slow else set()
    roots_slow = [model.rates[n] for n in slow]
    inter_slow = _needed(model, roots_slow, set(hoisted) | fast_only)
    refs_slow: set[str] = set()
    for r in [*roots_slow, *(by_name[n].expr for n in inter_slow)]:
        refs_slow.update(str(x) for x in r.free_symbols)
    drivers = [i.name for i in model.intermediates if i.name in fast_only and i.name in refs_slow]
    nd = len(drivers)
    # extra row blocks after the base layout: K (slow-state increment predicted over the macro step), F (fast
    # states averaged over it), Z (states at its start), V (inputs averaged over it), Q0/Q1/QN (frontier),
    # DA/DN (drivers: average, latest value)
    k0r = lay.rows
    f0r, z0r = k0r + S, k0r + 2 * S
    v0r = k0r + 3 * S
    q0r = v0r + lay.n_inputs
    q1r, qnr = q0r + nq, q0r + 2 * nq
    da0r = qnr + nq
    dn0r = da0r + nd
    rows_total = (dn0r + nd) if slow else lay.rows

    def row(r: int) -> str:
        return f"W[{r * B} + j]"

    def base_loads(inputs_row0: int) -> dict[str, str]:
        out: dict[str, str] = {n: row(lay.p0 + i) for i, n in enumerate(model.parameter_names)}
        out.update({n: row(lay.h0 + i) for i, n in enumerate(hoisted)})
        out.update({n: row(inputs_row0 + i) for i, n in enumerate(model.input_names)})
        return out

    def predicted(n: str, tau: str) -> str:
        i = state_index[n]
        return f"{row(lay.y0 + i)} + {tau} * {row(k0r + i)}"

    def interpolated(q: int) -> str:
        return f"{row(q0r + q)} + tau * ({row(q1r + q)} - {row(q0r + q)})"

    def body(loads: dict[str, str], exprs: Sequence[tuple[str, sp.Expr]], skip: set[str]) -> list[str]:
        """Loop body: load what is used, compute needed intermediates, then assign targets."""
        roots = [e for _, e in exprs]
        inter = _needed(model, roots, skip)
        used: set[str] = set()
        for r in [*roots, *(by_name[n].expr for n in inter)]:
            used.update(str(x) for x in r.free_symbols)
        missing = {u for u in used if u not in loads and u not in by_name}
        if missing:  # pragma: no cover - guarded by the classification above
            raise ValueError(f"generated function reads {sorted(missing)} without a source")
        lines = [f"{n} = {loads[n]}" for n in loads if n in used]
        em = Emitter(lambda n: n)
        for n in inter:
            em.assign(n, by_name[n].expr)
        for target, expr in exprs:
            em.assign(target, expr)
        return lines + em.lines

    def rk_update(which: Sequence[str]) -> list[str]:
        lines = []
        for n in which:
            i = state_index[n]
            lines += [
                f"_a = e * {row(lay.a0 + i)} + w * _k{i}",
                f"{row(lay.a0 + i)} = _a",
                f"{row(lay.x0 + i)} = {row(lay.y0 + i)} + c * _k{i} + d * _a",
            ]
        return lines

    def function(signature: str, lines: list[str]) -> list[str]:
        head = ["", "", jit, f"def {signature}:", f"    for j in range({B}):"]
        return head + ["        " + x for x in lines or ["pass"]]

    out = [
        '"""Generated by gutsleep.solve.batched from the declarative model. Do not edit."""',
        "import math",
        "import numpy as np",
        "from numba import njit, prange",
        "from gutsleep.solve.vecmath import f2i, i2f, sel",
        "",
        f"BLOCK = {B}",
        f"MACRO = {MACRO if slow else 1}",
        f"LAYOUT = ({lay.n_states}, {lay.n_params}, {lay.n_hoisted}, {lay.n_inputs}, {lay.n_observables})",
        f"ROWS = {rows_total}",
        f"SLOW_STATES = {tuple(slow)!r}",
        f"FRONTIER = {tuple(frontier)!r}",
        f"DRIVERS = {tuple(drivers)!r}",
        "OBS_FRONTIER = np.array([" + ", ".join(str(frontier.index(n)) if n in frontier else "-1"
                                               for n in model.observables) + "], dtype=np.int64)",
        "NONNEGATIVE = np.array([" + ", ".join("True" if s.nonnegative else "False" for s in model.states) + "])",
        "NEGATIVE_TOLERANCE = np.array([" + ", ".join(repr(1e-9 * s.scale) for s in model.states) + "])",
        "FAST = np.array([" + ", ".join(str(state_index[n]) for n in fast) + "], dtype=np.int64)",
        "SLOW = np.array([" + ", ".join(str(state_index[n]) for n in slow) + "], dtype=np.int64)",
        "IS_SLOW = np.array([" + ", ".join("True" if n in slow else "False" for n in model.state_names)
        + "], dtype=np.bool_)",
    ]
    jit = f"@njit(cache=True, error_model='numpy', fastmath={_FLAGS})"

    # parameter-only intermediates, once per block
    em = Emitter(lambda n: n)
    for n in model.parameter_names:
        em.lines.append(f"{n} = {row(lay.p0 + model.parameter_names.index(n))}")
    for i, n in enumerate(hoisted):
        em.assign(n, by_name[n].expr)
        em.lines.append(f"{row(lay.h0 + i)} = {n}")
    out += function("hoist(W)", em.lines)
    obs = [(f"_o{i}", sp.Symbol(n, real=True)) for i, n in enumerate(model.observables)]
    obs_store = [f"{row(lay.o0 + i)} = _o{i}" for i in range(lay.n_observables)]

    if not slow:
        # fused RK stage: k = f(X); A = e*A + w*k; X = Y + c*k + d*A
        loads = {**{n: row(lay.x0 + i) for i, n in enumerate(model.state_names)}, **base_loads(lay.u0)}
        rates = [(f"_k{i}", model.rates[n]) for i, n in enumerate(model.state_names)]
        out += function("stage(W, e, w, c, d)", body(loads, rates, set(hoisted)) + rk_update(model.state_names))
        loads = {**{n: row(lay.y0 + i) for i, n in enumerate(model.state_names)}, **base_loads(lay.u0)}
        out += function("observe(W)", body(loads, obs, set(hoisted)) + obs_store)
        out += _DRIVER.format(B=B, S=S, P=lay.n_params, C=lay.n_inputs, Y0=lay.y0, X0=lay.x0,
                              A0=lay.a0, P0=lay.p0, U0=lay.u0, ROWS=rows_total).splitlines()
        return "\n".join(out) + "\n"

    frontier_loads = {n: interpolated(q) for q, n in enumerate(frontier)}
    # fast stage: fast states at X, slow states predicted, frontier interpolated (tau = fraction of macro step)
    loads = {**{n: row(lay.x0 + state_index[n]) for n in fast}, **{n: predicted(n, "tau") for n in slow},
             **frontier_loads, **base_loads(lay.u0)}
    rates = [(f"_k{state_index[n]}", model.rates[n]) for n in fast]
    out += function("fast_stage(W, e, w, c, d, tau)", body(loads, rates, set(hoisted) | set(frontier))
                    + rk_update(fast))
    # slow stage: slow states at X; fast states, drivers and inputs averaged over the macro step
    loads = {**{n: row(lay.x0 + state_index[n]) for n in slow}, **{n: row(f0r + state_index[n]) for n in fast},
             **{n: row(da0r + q) for q, n in enumerate(drivers)}, **base_loads(v0r)}
    rates = [(f"_k{state_index[n]}", model.rates[n]) for n in slow]
    keep_rate = [f"{row(k0r + state_index[n])} = keep * {row(k0r + state_index[n])} + kk * _k{state_index[n]}"
                 for n in slow]
    out += function("slow_stage(W, e, w, c, d, keep, kk)", body(loads, rates, set(hoisted) | set(drivers))
                    + rk_update(slow) + keep_rate)
    # drivers at the fast states Y and the step's inputs
    loads = {**{n: row(lay.y0 + state_index[n]) for n in fast}, **base_loads(lay.u0)}
    targets = [(f"_d{q}", sp.Symbol(n, real=True)) for q, n in enumerate(drivers)]
    out += function("fast_aux(W)", body(loads, targets, set(hoisted)) + [f"{row(dn0r + q)} = _d{q}" for q in range(nd)])
    # frontier values at slow states Y + s K: s = 0 (macro step start) and 1 (predicted end)
    loads = {**{n: predicted(n, "s") for n in slow}, **base_loads(lay.u0)}
    targets = [(f"_q{q}", sp.Symbol(n, real=True)) for q, n in enumerate(frontier)]
    out += function("slow_aux(W, s)", body(loads, targets, set(hoisted))
                    + [f"{row(qnr + q)} = _q{q}" for q in range(nq)])
    loads = {**{n: row(lay.y0 + state_index[n]) for n in fast}, **{n: predicted(n, "tau") for n in slow},
             **frontier_loads, **base_loads(lay.u0)}
    out += function("observe(W, tau)", body(loads, obs, set(hoisted) | set(frontier)) + obs_store)
    out += _MULTIRATE_DRIVER.format(B=B, S=S, P=lay.n_params, C=lay.n_inputs, Y0=lay.y0, X0=lay.x0, A0=lay.a0,
                                    P0=lay.p0, U0=lay.u0, K0=k0r, F0=f0r, Z0=z0r, V0=v0r, Q0=q0r, Q1=q1r, QN=qnr,
                                    NQ=nq, DA=da0r, DN=dn0r, ND=nd, O0=lay.o0, ROWS=rows_total,
                                    M=MACRO).splitlines()
    return "\n".join(out) + "\n"


_DRIVER = """

@njit(parallel=True, cache=True, error_model='numpy')
def integrate(y, p, group, u, dt, rec_rows, record, status):
    \"\"\"RK4 over u.shape[1] steps for every subject i, with inputs u[group[i]]; states in place in y.

    record[i, k, r] = work-array row rec_rows[r] (a state or an observable) after step k.
    status[i] = (state index, step) of the first invalid value, or stays (-1, -1).
    \"\"\"
    n = y.shape[0]
    steps = u.shape[1]
    n_rec = rec_rows.shape[0]
    n_blocks = (n + {B} - 1) // {B}
    for b in prange(n_blocks):
        i0 = b * {B}
        lanes = min({B}, n - i0)
        W = np.zeros({ROWS} * {B})
        for j in range({B}):
            i = i0 + min(j, lanes - 1)
            for s in range({S}):
                W[({Y0} + s) * {B} + j] = y[i, s]
            for q in range({P}):
                W[({P0} + q) * {B} + j] = p[i, q]
        hoist(W)
        for k in range(steps):
            for j in range({B}):
                g = group[i0 + min(j, lanes - 1)]
                for ch in range({C}):
                    W[({U0} + ch) * {B} + j] = u[g, k, ch]
            for s in range({S}):
                for j in range({B}):
                    W[({X0} + s) * {B} + j] = W[({Y0} + s) * {B} + j]
            stage(W, 0.0, 1.0, 0.5 * dt, 0.0)
            stage(W, 1.0, 2.0, 0.5 * dt, 0.0)
            stage(W, 1.0, 2.0, dt, 0.0)
            stage(W, 1.0, 1.0, 0.0, dt / 6.0)
            for j in range(lanes):
                i = i0 + j
                if status[i, 0] >= 0:
                    continue
                for s in range({S}):
                    v = W[({X0} + s) * {B} + j]
                    if not math.isfinite(v):
                        status[i, 0] = s
                        status[i, 1] = k
                        break
                    if NONNEGATIVE[s] and v < 0.0:
                        old = W[({Y0} + s) * {B} + j]
                        if v > -NEGATIVE_TOLERANCE[s] - 1e-9 * abs(old):
                            W[({X0} + s) * {B} + j] = 0.0
                        else:
                            status[i, 0] = s
                            status[i, 1] = k
                            break
            for s in range({S}):
                for j in range({B}):
                    W[({Y0} + s) * {B} + j] = W[({X0} + s) * {B} + j]
            observe(W)
            for j in range(lanes):
                for r in range(n_rec):
                    record[i0 + j, k, r] = W[rec_rows[r] * {B} + j]
        for j in range(lanes):
            if status[i0 + j, 0] < 0:
                for s in range({S}):
                    y[i0 + j, s] = W[({Y0} + s) * {B} + j]
"""



_CHECK = """
            for j in range(lanes):
                i = i0 + j
                if status[i, 0] >= 0:
                    continue
                for q in range({WHICH}.shape[0]):
                    s = {WHICH}[q]
                    v = W[({X0} + s) * {B} + j]
                    if not math.isfinite(v):
                        status[i, 0] = s
                        status[i, 1] = {STEP}
                        break
                    if NONNEGATIVE[s] and v < 0.0:
                        old = W[({Y0} + s) * {B} + j]
                        if v > -NEGATIVE_TOLERANCE[s] - 1e-9 * abs(old):
                            W[({X0} + s) * {B} + j] = 0.0
                        else:
                            status[i, 0] = s
                            status[i, 1] = {STEP}
                            break
"""


def _indent(text: str, extra: str) -> str:
    return "".join(extra + line if line.strip() else line for line in text.splitlines(keepends=True))


_MULTIRATE_DRIVER = """

@njit(parallel=True, cache=True, error_model='numpy')
def integrate(y, p, group, u, dt, rec_rows, record, status):
    \"\"\"Multi-rate RK4 over u.shape[1] steps (a multiple of MACRO) for every subject i, inputs u[group[i]].

    record[i, k, r] = work-array row rec_rows[r] (a state or an observable) after step k.
    status[i] = (state index, step) of the first invalid value, or stays (-1, -1).
    \"\"\"
    n = y.shape[0]
    steps = u.shape[1]
    n_rec = rec_rows.shape[0]
    n_blocks = (n + {B} - 1) // {B}
    big = {M} * dt
    for b in prange(n_blocks):
        i0 = b * {B}
        lanes = min({B}, n - i0)
        W = np.zeros({ROWS} * {B})
        for j in range({B}):
            i = i0 + min(j, lanes - 1)
            for s in range({S}):
                W[({Y0} + s) * {B} + j] = y[i, s]
            for q in range({P}):
                W[({P0} + q) * {B} + j] = p[i, q]
        hoist(W)
        for macro in range(steps // {M}):
            k0 = macro * {M}
            if macro == 0:  # predicted increment H k from the rates at the start of the day (later: H k4)
                for j in range({B}):
                    g = group[i0 + min(j, lanes - 1)]
                    for ch in range({C}):
                        W[({U0} + ch) * {B} + j] = u[g, k0, ch]
                        W[({V0} + ch) * {B} + j] = u[g, k0, ch]
                fast_aux(W)
                for q in range({ND}):
                    for j in range({B}):
                        W[({DA} + q) * {B} + j] = W[({DN} + q) * {B} + j]
                for s in range({S}):
                    for j in range({B}):
                        W[({F0} + s) * {B} + j] = W[({Y0} + s) * {B} + j]
                        W[({X0} + s) * {B} + j] = W[({Y0} + s) * {B} + j]
                slow_stage(W, 0.0, 1.0, 0.0, 0.0, 0.0, big)
            for s in range({S}):
                for j in range({B}):
                    W[({Z0} + s) * {B} + j] = W[({Y0} + s) * {B} + j]
                    W[({F0} + s) * {B} + j] = 0.0
            for q in range({ND}):
                for j in range({B}):
                    W[({DA} + q) * {B} + j] = 0.0
            for j in range({B}):
                g = group[i0 + min(j, lanes - 1)]
                for ch in range({C}):
                    acc = 0.0
                    for m in range({M}):
                        acc += u[g, k0 + m, ch]
                    W[({V0} + ch) * {B} + j] = acc / {M}
            slow_aux(W, 0.0)
            for q in range({NQ}):
                for j in range({B}):
                    W[({Q0} + q) * {B} + j] = W[({QN} + q) * {B} + j]
            slow_aux(W, 1.0)
            for q in range({NQ}):
                for j in range({B}):
                    W[({Q1} + q) * {B} + j] = W[({QN} + q) * {B} + j]
            half = 0.5 / {M}
            for m in range({M}):
                k = k0 + m
                for j in range({B}):
                    g = group[i0 + min(j, lanes - 1)]
                    for ch in range({C}):
                        W[({U0} + ch) * {B} + j] = u[g, k, ch]
                fast_aux(W)
                for q in range({ND}):
                    for j in range({B}):
                        W[({DA} + q) * {B} + j] += half * W[({DN} + q) * {B} + j]
                for q in range(FAST.shape[0]):
                    s = FAST[q]
                    for j in range({B}):
                        W[({X0} + s) * {B} + j] = W[({Y0} + s) * {B} + j]
                        W[({F0} + s) * {B} + j] += half * W[({Y0} + s) * {B} + j]
                tau = m / {M}
                fast_stage(W, 0.0, 1.0, 0.5 * dt, 0.0, tau)
                fast_stage(W, 1.0, 2.0, 0.5 * dt, 0.0, tau + 0.5 / {M})
                fast_stage(W, 1.0, 2.0, dt, 0.0, tau + 0.5 / {M})
                fast_stage(W, 1.0, 1.0, 0.0, dt / 6.0, tau + 1.0 / {M})
""" + _indent(_CHECK.replace("{WHICH}", "FAST").replace("{STEP}", "k"), "    ")[1:] + """
                for q in range(FAST.shape[0]):
                    s = FAST[q]
                    for j in range({B}):
                        W[({Y0} + s) * {B} + j] = W[({X0} + s) * {B} + j]
                        W[({F0} + s) * {B} + j] += half * W[({Y0} + s) * {B} + j]
                fast_aux(W)
                for q in range({ND}):
                    for j in range({B}):
                        W[({DA} + q) * {B} + j] += half * W[({DN} + q) * {B} + j]
                observe(W, (m + 1.0) / {M})
                for j in range(lanes):
                    for r in range(n_rec):
                        row = rec_rows[r]
                        if row >= {S} or not IS_SLOW[row]:
                            record[i0 + j, k, r] = W[row * {B} + j]
            for q in range(SLOW.shape[0]):
                s = SLOW[q]
                for j in range({B}):
                    W[({X0} + s) * {B} + j] = W[({Y0} + s) * {B} + j]
            slow_stage(W, 0.0, 1.0, 0.5 * big, 0.0, 1.0, 0.0)
            slow_stage(W, 1.0, 2.0, 0.5 * big, 0.0, 1.0, 0.0)
            slow_stage(W, 1.0, 2.0, big, 0.0, 1.0, 0.0)
            slow_stage(W, 1.0, 1.0, 0.0, big / 6.0, 0.0, big)
""" + _CHECK.replace("{WHICH}", "SLOW").replace("{STEP}", "k0 + {M} - 1")[1:] + """
            for q in range(SLOW.shape[0]):
                s = SLOW[q]
                for j in range({B}):
                    W[({Y0} + s) * {B} + j] = W[({X0} + s) * {B} + j]
            slow_aux(W, 0.0)  # frontier at the new slow states: observables among it are interpolated to them
            for j in range(lanes):
                for r in range(n_rec):
                    row = rec_rows[r]
                    if row < {S} and IS_SLOW[row]:
                        start = W[({Z0} + row) * {B} + j]
                        end = W[({Y0} + row) * {B} + j]
                    elif row >= {O0} and row < {O0} + OBS_FRONTIER.shape[0] and OBS_FRONTIER[row - {O0}] >= 0:
                        q = OBS_FRONTIER[row - {O0}]
                        start = W[({Q0} + q) * {B} + j]
                        end = W[({QN} + q) * {B} + j]
                    else:
                        continue
                    for m in range({M}):
                        record[i0 + j, k0 + m, r] = start + (m + 1.0) / {M} * (end - start)
        for j in range(lanes):
            if status[i0 + j, 0] < 0:
                for s in range({S}):
                    y[i0 + j, s] = W[({Y0} + s) * {B} + j]
"""


MACRO = 4
"""Solver steps per macro step of the slow states (4 x 15 min = 1 h)."""

MULTIRATE_DOC = """Multi-rate scheme (slow states declared ``timescale="slow"``), per macro step of H = MACRO steps h:

1. slow RK4 stage 1 at the macro step start: k1 from the slow states, the fast states and the inputs averaged
   over the macro step (exact for the daily-level and additive inputs that act on slow states);
2. the fast states take MACRO RK4 steps of h with the step's own inputs; they see the slow states predicted as
   y_s(t0) + (t - t0) k1 and every intermediate that depends only on slow states (e.g. guild totals, diversity)
   interpolated linearly between its values at y_s(t0) and at y_s(t0) + H k1 -- so those are evaluated twice
   per macro step instead of 4 x MACRO times;
3. slow RK4 stages 2-4 at t0 + H/2 (fast states after MACRO/2 steps) and t0 + H; the slow states' values at
   the intermediate step ends are interpolated linearly for the record.
"""
@dataclass(frozen=True)
class BatchedKernel:
    """A loaded batched kernel and where its pieces live in the work array."""

    module: ModuleType
    layout: Layout
    state_names: tuple[str, ...]
    observables: tuple[str, ...]

    def rows(self, names: Sequence[str]) -> list[int]:
        """Work-array rows of the given states / observables (for ``integrate``'s ``rec_rows``)."""
        states = {n: i for i, n in enumerate(self.state_names)}
        obs = {n: i for i, n in enumerate(self.observables)}
        out = []
        for n in names:
            if n in states:
                out.append(self.layout.y0 + states[n])
            elif n in obs:
                out.append(self.layout.o0 + obs[n])
            else:
                raise KeyError(f"{n!r} is neither a state nor an observable of the model")
        return out


_PREFIX = "gutsleep_batched"


_SOURCES: dict[tuple[int, bool], tuple[Model, str]] = {}


def multirate_enabled() -> bool:
    """Multi-rate stepping of slow states is on unless GUTSLEEP_MULTIRATE=0 (then every state takes 15 min)."""
    return os.environ.get("GUTSLEEP_MULTIRATE", "1") != "0"


def _source(model: Model, multirate: bool) -> str:
    hit = _SOURCES.get((id(model), multirate))
    if hit is None or hit[0] is not model:
        hit = (model, kernel_source(model, multirate=multirate))
        _SOURCES[(id(model), multirate)] = hit
    return hit[1]


def _ready_marker(model: Model) -> str:
    import llvmlite.binding as llvm
    import numba
    from numba.core import config

    features = hashlib.sha256(str(config.CPU_FEATURES).encode()).hexdigest()[:12]
    return f"{numba.__version__} {llvm.get_host_cpu_name()} {os.environ.get('NUMBA_CPU_NAME', '')} {features}"


def kernel_cached(model: Model, multirate: bool | None = None) -> bool:
    """True when the compiled kernel for ``model`` is in the on-disk cache, so loading it will not compile.

    Cheap (no compilation, ~0.05 s to generate the source text); the CLI uses it to print a one-line notice
    before a first-run compile.
    """
    multirate = multirate_enabled() if multirate is None else multirate
    path = source_path(_PREFIX, _source(model, multirate))
    marker = path.with_suffix(".ready")
    try:
        return marker.read_text() == _ready_marker(model)
    except OSError:
        return False


_LOADED: dict[tuple[int, bool], tuple[Model, BatchedKernel]] = {}


def load_batched(
    model: Model, on_compile: Callable[[str], None] | None = None, *, multirate: bool | None = None
) -> BatchedKernel:
    """Generate, compile (once; numba caches it on disk) and return the batched kernel for ``model``.

    ``on_compile(message)`` is called before a compilation that is not in the cache (a one-line notice).
    ``multirate`` (default: :func:`multirate_enabled`) puts the states declared slow on the macro step.
    """
    multirate = multirate_enabled() if multirate is None else multirate
    hit = _LOADED.get((id(model), multirate))
    if hit is not None and hit[0] is model:
        return hit[1]
    source = _source(model, multirate)
    cached = kernel_cached(model, multirate)
    start = time.perf_counter()
    if not cached and on_compile is not None:
        on_compile(f"compiling the simulation kernel for this machine ({len(model.states)} states); "
                   "this happens once and is cached")
    if not cached and _compile_in_child(model, multirate):
        cached = True  # every process now runs the cached machine code (a fresh in-process compile can differ
        # from it in the last bit, which would break bit-identical results across dask workers)
    module = import_source(_PREFIX, source)
    _compile(module)
    hoisted = _hoisted(model)
    layout = Layout(len(model.states), len(model.parameters), len(hoisted), len(model.inputs), len(model.observables))
    kernel = BatchedKernel(module, layout, model.state_names, model.observables)
    if not cached:
        marker = source_path(_PREFIX, source).with_suffix(".ready")
        tmp = marker.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(_ready_marker(model))
        os.replace(tmp, marker)
    kernel_seconds[id(model)] = time.perf_counter() - start
    _LOADED[(id(model), multirate)] = (model, kernel)
    return kernel


def _compile_in_child(model: Model, multirate: bool) -> bool:
    """Compile the default model's kernel into the cache in a child process; False if that is not possible."""
    from gutsleep.model import build_model

    if model is not build_model() or os.environ.get("GUTSLEEP_COMPILE_IN_CHILD", "1") == "0":
        return False
    package_root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "GUTSLEEP_COMPILE_IN_CHILD": "0",
           "PYTHONPATH": os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH", "")) if p)}
    code = ("from gutsleep.model import build_model\nfrom gutsleep.solve.batched import load_batched\n"
            f"load_batched(build_model(), multirate={multirate!r})\n")
    try:
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=1800)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0 and kernel_cached(model, multirate)


kernel_seconds: dict[int, float] = {}
"""Seconds the last load of each model's kernel took (compile or cache load), for benchmarks."""


def _compile(module: ModuleType) -> None:
    """Compile ``integrate`` for the engine's argument types now (not lazily at the first day)."""
    from numba import types

    f8_2 = types.Array(types.float64, 2, "C")
    sig = (
        f8_2,
        types.Array(types.float64, 2, "C", readonly=True),
        types.Array(types.int64, 1, "C", readonly=True),
        types.Array(types.float64, 3, "C", readonly=True),
        types.float64,
        types.Array(types.int64, 1, "C", readonly=True),
        types.Array(types.float64, 3, "C"),
        types.Array(types.int64, 2, "C"),
    )
    module.integrate.compile(sig)
