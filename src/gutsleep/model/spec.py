"""Declarative model definition: states, parameters, inputs and rate laws, declared once.

Every module of the axis (``microbiome``, ``barrier``, ``sleep``, ...) adds its pieces to a
:class:`ModelBuilder` as symbolic (sympy) expressions. The frozen :class:`Model` that comes out is the
single source from which the compiled solver kernel, the equation listing, the parameter table and the
SBML export are all generated; no rate law is written anywhere else.

Time is in hours throughout. Published rates in other units are converted where the parameter is
declared (the conversion is stated in its ``source``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import sympy as sp

from gutsleep.model.inputs import ALL_INPUTS, InputChannel


class ModelDefinitionError(ValueError):
    """The model definition itself is inconsistent (a bug in a module, not in user input)."""


@dataclass(frozen=True)
class Parameter:
    """A named constant with units, a default, a plausible range and where the number comes from.

    ``source`` is a citation with the number it came from, ``assumption: <reason>``, or
    ``calibrated: <experiment ids>; <the rest>`` (see ``gutsleep.evidence.roles``).
    """

    name: str
    unit: str
    default: float
    low: float
    high: float
    source: str
    description: str
    module: str

    @property
    def symbol(self) -> sp.Symbol:
        return sp.Symbol(self.name, real=True)

    def problems(self) -> list[str]:
        """What is missing or inconsistent in this parameter's documentation (empty when complete)."""
        out = []
        if not self.unit:
            out.append("no unit")
        if not self.description:
            out.append("no description")
        src = self.source.strip()
        if not src:
            out.append("no source")
        elif src.lower().startswith("assumption") and len(src.split(":", 1)[-1].split()) < 4:
            out.append("assumption without a reason")
        if not all(math.isfinite(v) for v in (self.default, self.low, self.high)):
            out.append("non-finite default or range")
        elif not (self.low <= self.default <= self.high):
            out.append(f"default {self.default} outside range [{self.low}, {self.high}]")
        return out


@dataclass(frozen=True)
class State:
    """A dynamic variable with its unit, initial guess and typical magnitude (``scale``).

    ``nonnegative`` states must never go below zero; ``scale`` sets the noise floor for tolerance checks.
    ``timescale`` is ``"fast"`` (the default: every solver step) or ``"slow"``: the state changes over many hours
    (e.g. microbial abundances), so the solver may advance it on a longer step (multi-rate, see
    ``gutsleep.solve.batched``); inputs that act on it directly must be daily levels or enter additively.
    """

    name: str
    unit: str
    initial: float
    scale: float
    description: str
    module: str
    nonnegative: bool = True
    timescale: str = "fast"

    @property
    def symbol(self) -> sp.Symbol:
        return sp.Symbol(self.name, real=True)


@dataclass(frozen=True)
class Intermediate:
    """A named algebraic quantity (assignment rule) used to keep rate laws readable."""

    name: str
    unit: str
    expr: sp.Expr
    description: str
    module: str

    @property
    def symbol(self) -> sp.Symbol:
        return sp.Symbol(self.name, real=True)


@dataclass(frozen=True)
class Model:
    """The frozen model: ordered states, parameters, inputs, intermediates, rates and observables."""

    states: tuple[State, ...]
    parameters: tuple[Parameter, ...]
    inputs: tuple[InputChannel, ...]
    intermediates: tuple[Intermediate, ...]  # topologically ordered
    rates: Mapping[str, sp.Expr]
    observables: tuple[str, ...]  # names of intermediates exported per step
    module_docs: Mapping[str, str] = field(default_factory=dict)

    @property
    def state_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.inputs)

    def state_index(self, name: str) -> int:
        return self.state_names.index(name)

    def parameter_index(self, name: str) -> int:
        return self.parameter_names.index(name)

    def parameter(self, name: str) -> Parameter:
        return self.parameters[self.parameter_index(name)]

    def state(self, name: str) -> State:
        return self.states[self.state_index(name)]

    def intermediate(self, name: str) -> Intermediate:
        for item in self.intermediates:
            if item.name == name:
                return item
        raise KeyError(name)

    def observable_units(self) -> dict[str, str]:
        return {name: self.intermediate(name).unit for name in self.observables}

    def default_parameters(self) -> dict[str, float]:
        return {p.name: p.default for p in self.parameters}

    def modules(self) -> list[str]:
        seen: list[str] = []
        for item in (*self.states, *self.parameters, *self.intermediates):
            if item.module not in seen:
                seen.append(item.module)
        return seen


class ModelBuilder:
    """Collects declarations from the model's modules and checks them when frozen."""

    def __init__(self) -> None:
        self._states: dict[str, State] = {}
        self._params: dict[str, Parameter] = {}
        self._inter: dict[str, Intermediate] = {}
        self._rates: dict[str, sp.Expr] = {}
        self._observables: list[str] = []
        self._module = "core"
        self._module_docs: dict[str, str] = {}
        self._inputs = {c.name: c for c in ALL_INPUTS}

    # -- declarations -------------------------------------------------------------------------------
    def module(self, name: str, doc: str = "") -> None:
        """Start declaring the pieces of module ``name`` (its docstring goes into the equation listing)."""
        self._module = name
        if doc:
            self._module_docs[name] = doc

    def _check_new(self, name: str) -> None:
        if not name.isidentifier():
            raise ModelDefinitionError(f"{name!r} is not a valid identifier")
        if name in self._states or name in self._params or name in self._inter or name in self._inputs:
            raise ModelDefinitionError(f"{name!r} is declared twice")

    def param(
        self,
        name: str,
        default: float,
        unit: str,
        low: float,
        high: float,
        source: str,
        description: str,
    ) -> sp.Symbol:
        """Declare a parameter and return its symbol."""
        self._check_new(name)
        p = Parameter(name, unit, float(default), float(low), float(high), source, description, self._module)
        self._params[name] = p
        return p.symbol

    def state(
        self,
        name: str,
        initial: float,
        unit: str,
        description: str,
        *,
        scale: float | None = None,
        nonnegative: bool = True,
        timescale: str = "fast",
    ) -> sp.Symbol:
        """Declare a state variable and return its symbol; give its rate later with :meth:`rate`.

        ``timescale="slow"`` marks a state that changes over many hours (see :class:`State`)."""
        self._check_new(name)
        if timescale not in ("fast", "slow"):
            raise ModelDefinitionError(f"timescale of {name!r} must be 'fast' or 'slow', not {timescale!r}")
        s = State(
            name,
            unit,
            float(initial),
            float(scale if scale is not None else max(abs(initial), 1e-12)),
            description,
            self._module,
            nonnegative,
            timescale,
        )
        self._states[name] = s
        return s.symbol

    def let(self, name: str, expr: sp.Expr | float, unit: str, description: str, *, observe: bool = False) -> sp.Symbol:
        """Declare a named intermediate quantity; ``observe`` exports it per step to the outcomes."""
        self._check_new(name)
        self._inter[name] = Intermediate(name, unit, sp.sympify(expr), description, self._module)
        if observe:
            self._observables.append(name)
        return sp.Symbol(name, real=True)

    def rate(self, state: sp.Symbol | str, expr: sp.Expr) -> None:
        """Set d(state)/dt (per hour)."""
        name = str(state)
        if name not in self._states:
            raise ModelDefinitionError(f"rate for undeclared state {name!r}")
        if name in self._rates:
            raise ModelDefinitionError(f"rate of {name!r} given twice")
        self._rates[name] = sp.sympify(expr)

    def add_to_rate(self, state: sp.Symbol | str, expr: sp.Expr) -> None:
        """Add a term to a rate already declared (for couplings a later module owns)."""
        name = str(state)
        if name not in self._rates:
            raise ModelDefinitionError(f"no rate yet for {name!r}")
        self._rates[name] = self._rates[name] + sp.sympify(expr)

    def u(self, name: str) -> sp.Symbol:
        """Symbol of an input channel."""
        if name not in self._inputs:
            raise ModelDefinitionError(f"unknown input channel {name!r}")
        return sp.Symbol(name, real=True)

    def sym(self, name: str) -> sp.Symbol:
        """Symbol of anything already declared (state, parameter, intermediate or input)."""
        if name in self._states or name in self._params or name in self._inter or name in self._inputs:
            return sp.Symbol(name, real=True)
        raise ModelDefinitionError(f"{name!r} is not declared (yet)")

    def ref(self, name: str) -> sp.Symbol:
        """Symbol of something another module declares later (checked when the model is built)."""
        return sp.Symbol(name, real=True)

    def has(self, name: str) -> bool:
        return name in self._states or name in self._params or name in self._inter

    # -- freezing -----------------------------------------------------------------------------------
    def build(self) -> Model:
        missing = [s for s in self._states if s not in self._rates]
        if missing:
            raise ModelDefinitionError(f"states without a rate: {missing}")
        known = set(self._states) | set(self._params) | set(self._inputs) | set(self._inter)
        for owner, expr in [*self._rates.items(), *((k, v.expr) for k, v in self._inter.items())]:
            unknown = {str(s) for s in expr.free_symbols} - known
            if unknown:
                raise ModelDefinitionError(f"{owner!r} uses undeclared symbols {sorted(unknown)}")
        return Model(
            states=tuple(self._states.values()),
            parameters=tuple(self._params.values()),
            inputs=tuple(self._inputs.values()),
            intermediates=tuple(_topological(self._inter)),
            rates=dict(self._rates),
            observables=tuple(self._observables),
            module_docs=dict(self._module_docs),
        )


def _topological(items: Mapping[str, Intermediate]) -> Iterable[Intermediate]:
    """Order intermediates so each is defined before use; raise on cycles."""
    order: list[Intermediate] = []
    state: dict[str, int] = {}

    def visit(name: str, chain: tuple[str, ...]) -> None:
        mark = state.get(name, 0)
        if mark == 2:
            return
        if mark == 1:
            raise ModelDefinitionError(f"circular definition: {' -> '.join((*chain, name))}")
        state[name] = 1
        for dep in sorted(str(s) for s in items[name].expr.free_symbols):
            if dep in items:
                visit(dep, (*chain, name))
        state[name] = 2
        order.append(items[name])

    for name in items:
        visit(name, ())
    return order


# -- small helpers used by the modules ------------------------------------------------------------------


def hill(x: sp.Expr, k: sp.Expr, n: sp.Expr | int = 1) -> sp.Expr:
    """Saturating response x^n / (k^n + x^n), 0..1."""
    return x**n / (k**n + x**n)


def pos(x: sp.Expr) -> sp.Expr:
    """Positive part max(x, 0)."""
    return sp.Max(x, 0)


def saturating(x: sp.Expr) -> sp.Expr:
    """Bounded response max(x, 0) / (1 + max(x, 0)): linear for small x, never above 1.

    Every cross-module effect that could otherwise feed a positive loop goes through this, so that no
    chain of couplings can run away (the failure mode of earlier open gut-brain models).
    """
    return pos(x) / (1 + pos(x))


def logistic(x: sp.Expr) -> sp.Expr:
    """Smooth step 1 / (1 + e^-x), written with tanh so it cannot overflow for large |x|."""
    return (1 + sp.tanh(x / 2)) / 2


def soft_ceiling(x: sp.Expr, top: sp.Expr | float) -> sp.Expr:
    """Smooth minimum of ``x`` and ``top``: x / (1 + (x/top)^4)^(1/4).

    Ordinary values (well below ``top``) are untouched (x = top/10 is lowered by 0.003 %), the level can never
    pass ``top``, and the function is smooth everywhere (no kink for the stiff integrators of the SBML
    cross-check). Physiological ceilings (septic-range cytokines, a fully open barrier) are written with it."""
    return x / (1 + (x / top) ** 4) ** sp.Rational(1, 4)


def signed_saturating(x: sp.Expr) -> sp.Expr:
    """x / sqrt(1 + x^2): linear for small |x|, smooth, bounded by -1 and 1 in both directions."""
    return x / sp.sqrt(1 + x**2)
