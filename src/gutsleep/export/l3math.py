"""Print the model's sympy expressions as SBML Level 3 infix formulas (for ``libsbml.parseL3Formula``).

Every composite sub-expression is wrapped in parentheses, so the result never depends on operator
precedence (L3 and Python differ for ``^`` against unary minus and for ``&&``). Mapping:

- ``+ - * /`` and ``**`` -> ``+ - * /`` and ``^`` (``x**0.5`` -> ``sqrt(x)``, negative powers -> division);
- ``exp, sin, cos, tanh`` keep their names; ``log`` -> ``ln`` (a bare ``log`` is base 10 in L3);
- ``Max``/``Min`` -> ``max``/``min`` (n-ary, SBML L3V2);
- ``Mod(a, b)`` -> ``a - b*floor(a/b)``: exactly Python's ``%`` (the generated kernel's) for b > 0 and any
  sign of a. L3V2's ``rem`` truncates towards zero and would differ for negative phases;
- ``Piecewise`` -> ``piecewise(value1, cond1, ..., otherwise)``; ``And/Or/Not`` -> ``&& || !``;
- ``pi`` -> ``pi``; numbers are printed with ``repr(float)`` (round-trip exact).

Nothing here needs libsbml, so the printer can be tested without the optional extra.
"""

from __future__ import annotations

import math

import sympy as sp

L3_RESERVED = frozenset(
    {
        "time", "avogadro", "pi", "e", "exponentiale", "true", "false", "inf", "infinity", "INF", "nan", "NaN",
        "notanumber", "rateOf", "delay",
    }
)
"""Identifiers the L3 parser treats as constants or csymbols; a model name equal to one of them is refused."""

_FUNCTIONS = {sp.exp: "exp", sp.sin: "sin", sp.cos: "cos", sp.tan: "tan", sp.tanh: "tanh", sp.sinh: "sinh",
              sp.cosh: "cosh", sp.Abs: "abs", sp.floor: "floor", sp.ceiling: "ceil", sp.log: "ln"}
_RELATIONS = {sp.StrictLessThan: "<", sp.LessThan: "<=", sp.StrictGreaterThan: ">", sp.GreaterThan: ">=",
              sp.Equality: "==", sp.Unequality: "!="}


class L3PrintError(ValueError):
    """An expression contains something without an SBML L3 counterpart (names the construct)."""


def _number(value: float) -> str:
    if not math.isfinite(value):
        raise L3PrintError(f"non-finite number {value!r} in an expression")
    text = repr(float(value))
    return f"({text})" if value < 0 else text


def l3_formula(expr: sp.Basic) -> str:
    """L3 infix string of ``expr`` (fully parenthesised)."""
    return _print(sp.sympify(expr))


def _print(e: sp.Basic) -> str:
    if e is sp.true:
        return "true"
    if e is sp.false:
        return "false"
    if e is sp.pi:
        return "pi"
    if e is sp.E:
        return "exponentiale"
    if isinstance(e, sp.Symbol):
        if e.name in L3_RESERVED:
            raise L3PrintError(f"name {e.name!r} is reserved in SBML L3 formulas")
        return e.name
    if e.is_Number:
        return _number(float(e))
    if isinstance(e, sp.Add):
        return "(" + " + ".join(_print(a) for a in e.args) + ")"
    if isinstance(e, sp.Mul):
        return _mul(e)
    if isinstance(e, sp.Pow):
        return _pow(e)
    if isinstance(e, sp.Mod):
        a, b = (_print(x) for x in e.args)
        return f"({a} - {b} * floor({a} / {b}))"
    if isinstance(e, sp.Max | sp.Min):
        name = "max" if isinstance(e, sp.Max) else "min"
        return f"{name}(" + ", ".join(_print(a) for a in e.args) + ")"
    if isinstance(e, sp.Piecewise):
        return _piecewise(e)
    if isinstance(e, sp.And | sp.Or):
        op = " && " if isinstance(e, sp.And) else " || "
        return "(" + op.join(_print(a) for a in e.args) + ")"
    if isinstance(e, sp.Not):
        return f"(!{_print(e.args[0])})"
    for cls, op in _RELATIONS.items():
        if isinstance(e, cls):
            return f"({_print(e.lhs)} {op} {_print(e.rhs)})"
    if isinstance(e, sp.Function) and e.func in _FUNCTIONS:
        if e.func is sp.log and len(e.args) != 1:
            return f"({_print(sp.log(e.args[0]))} / {_print(sp.log(e.args[1]))})"
        return f"{_FUNCTIONS[e.func]}(" + ", ".join(_print(a) for a in e.args) + ")"
    raise L3PrintError(f"no SBML L3 counterpart for {type(e).__name__}: {e}")


def _mul(e: sp.Mul) -> str:
    """Product with negative powers moved into a denominator and a -1 factor as unary minus."""
    num: list[str] = []
    den: list[str] = []
    sign = ""
    for a in e.args:
        if a == -1:
            sign = "-"
        elif isinstance(a, sp.Pow) and a.exp.is_Number and a.exp < 0:
            den.append(_print(a.base if a.exp == -1 else sp.Pow(a.base, -a.exp)))
        else:
            num.append(_print(a))
    top = " * ".join(num) if num else "1.0"
    if den:
        bottom = den[0] if len(den) == 1 else "(" + " * ".join(den) + ")"
        body = f"({top}) / {bottom}" if len(num) > 1 else f"{top} / {bottom}"
    else:
        body = top
    return f"({sign}({body}))" if sign else f"({body})"


def _pow(e: sp.Pow) -> str:
    base, exp = e.args
    if exp == sp.Rational(1, 2):
        return f"sqrt({_print(base)})"
    if exp == -1:
        return f"(1.0 / {_print(base)})"
    return f"({_print(base)} ^ {_print(exp)})"


def _piecewise(e: sp.Piecewise) -> str:
    parts: list[str] = []
    for value, cond in e.args:
        if cond is sp.true:
            parts.append(_print(value))
            break
        parts += [_print(value), _print(cond)]
    return "piecewise(" + ", ".join(parts) + ")"
