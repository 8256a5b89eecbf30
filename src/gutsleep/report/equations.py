"""Markdown listing of the model's equations, generated from its sympy definition (never written by hand)."""

from __future__ import annotations

from collections.abc import Iterable

import sympy as sp

from gutsleep.model.spec import Model


def latex_name(name: str) -> str:
    r"""``sleep_pressure_H`` -> ``\mathrm{sleep\_pressure\_H}`` (underscores escaped so names stay readable)."""
    return r"\mathrm{" + name.replace("_", r"\_") + "}"


def _latex(expr: sp.Expr) -> str:
    """LaTeX of ``expr`` with every symbol printed by its full (escaped) name."""
    names = {s: latex_name(s.name) for s in expr.free_symbols if isinstance(s, sp.Symbol)}
    return sp.latex(expr, symbol_names=names, mul_symbol="dot")


def _unit(unit: str) -> str:
    return f" [{unit}]" if unit and unit != "1" else " [dimensionless]"


def _module_lines(model: Model, module: str) -> Iterable[str]:
    """Markdown of one module: docstring, state ODEs, then intermediates."""
    yield f"## {module}"
    yield ""
    doc = model.module_docs.get(module, "").strip()
    if doc:
        yield doc
        yield ""
    states = [s for s in model.states if s.module == module]
    if states:
        yield "### States"
        yield ""
        for s in states:
            yield f"**{s.name}**{_unit(s.unit)}: {s.description} (rate per hour)"
            yield ""
            yield rf"$$\frac{{d\,{latex_name(s.name)}}}{{dt}} = {_latex(model.rates[s.name])}$$"
            yield ""
    inter = [i for i in model.intermediates if i.module == module]
    if inter:
        yield "### Intermediates"
        yield ""
        for i in inter:
            observed = " (observable)" if i.name in model.observables else ""
            yield f"**{i.name}**{_unit(i.unit)}: {i.description}{observed}"
            yield ""
            yield f"$${latex_name(i.name)} = {_latex(i.expr)}$$"
            yield ""


def equations_markdown(model: Model) -> str:
    """Whole equation listing: per module its docstring, every state's ODE and every intermediate, with units."""
    head = [
        "# gutsleep model equations",
        "",
        f"Generated from the model definition: {len(model.states)} states, {len(model.intermediates)} "
        f"intermediates, {len(model.parameters)} parameters. Time is in hours; rates are per hour. Parameter "
        "values, ranges and sources: `gutsleep params`.",
        "",
    ]
    body = [line for module in model.modules() for line in _module_lines(model, module)]
    return "\n".join([*head, *body]).rstrip() + "\n"
