"""Map the model's unit strings (``"1/h"``, ``"L/g/h"``, ``"pg/mL/year"``, ...) onto SBML unit definitions.

A unit string is a product of symbols joined by ``*`` and ``/`` (left to right), each with an optional
integer ``^n``, and parentheses; ``1`` is dimensionless. Each symbol is an SBML base kind times a factor:
``h`` = 3600 s, ``day`` = 86400 s, ``year`` = 365.25 days (Julian), ``mM`` = mmol/L, ``CFU`` = item, and
the usual metric prefixes on g, L, mol. A *serving* (of fermented food) has no SI counterpart and is
exported as dimensionless. A unit whose exponent is a model parameter (``lux^p``) cannot be expressed in
SBML: :func:`parse_unit` raises :class:`UnitNotExpressible` and the exporter leaves that element without
units (its original unit string stays in the annotation).

Nothing here needs libsbml; :func:`unit_terms` returns ``(kind, exponent, scale, multiplier)`` tuples that
``gutsleep.export.sbml`` turns into ``libsbml.Unit`` objects.
"""

from __future__ import annotations

import math
import re

SECONDS = {"s": 1.0, "min": 60.0, "h": 3600.0, "day": 86400.0, "days": 86400.0, "year": 365.25 * 86400.0}
_PREFIX = {"": 1.0, "k": 1e3, "m": 1e-3, "u": 1e-6, "n": 1e-9, "p": 1e-12}

# symbol -> {kind: (exponent, factor)}: the symbol is prod(factor * kind^exponent) ("" = pure number)
_SYMBOLS: dict[str, dict[str, tuple[int, float]]] = {
    **{name: {"second": (1, f)} for name, f in SECONDS.items()},
    **{f"{p}g": {"gram": (1, f)} for p, f in _PREFIX.items()},
    **{f"{p}mol": {"mole": (1, f)} for p, f in _PREFIX.items()},
    **{f"{p}M": {"mole": (1, f), "litre": (-1, 1.0)} for p, f in _PREFIX.items()},
    "L": {"litre": (1, 1.0)},
    "mL": {"litre": (1, 1e-3)},
    "uL": {"litre": (1, 1e-6)},
    "m": {"metre": (1, 1.0)},
    "lux": {"lux": (1, 1.0)},
    "rad": {"radian": (1, 1.0)},
    "CFU": {"item": (1, 1.0)},
    "serving": {},
    "servings": {},
}

_TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<name>[A-Za-z_]+)|(?P<op>[*/^()]))")


class UnitNotExpressible(ValueError):
    """The unit string has no SBML unit definition (unknown symbol or a non-integer exponent)."""


def _tokens(text: str) -> list[str]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise UnitNotExpressible(f"cannot read unit {text!r} at {text[pos:]!r}")
        out.append(m.group(m.lastgroup or "op"))
        pos = m.end()
    return out


Dims = dict[str, tuple[int, float]]


def _combine(a: Dims, b: Dims, sign: int) -> Dims:
    """a * b (sign 1) or a / b (sign -1); a kind whose exponent cancels leaves its factor as a pure number."""
    out = dict(a)
    for kind, (exp, factor) in b.items():
        e0, f0 = out.get(kind, (0, 1.0))
        out[kind] = (e0 + sign * exp, f0 * factor**sign)
    for kind in [k for k, (e, _) in out.items() if e == 0 and k]:
        _, factor = out.pop(kind)
        out[""] = (0, out.get("", (0, 1.0))[1] * factor)
    return out


def parse_unit(text: str) -> Dims:
    """``{kind: (exponent, factor)}`` of a unit string: the unit is prod(factor * kind^exponent) over kinds;
    the key ``""`` holds a pure-number factor left when a kind cancels (``mg/g`` -> 1e-3)."""
    tokens = _tokens(text)
    pos = 0

    def atom() -> Dims:
        nonlocal pos
        if pos >= len(tokens):
            raise UnitNotExpressible(f"unit {text!r} ends early")
        tok = tokens[pos]
        pos += 1
        if tok == "(":
            val = expr()
            if pos >= len(tokens) or tokens[pos] != ")":
                raise UnitNotExpressible(f"unbalanced parentheses in unit {text!r}")
            pos += 1
        elif tok == "1":
            val = {}
        elif tok in _SYMBOLS:
            val = dict(_SYMBOLS[tok])
        else:
            raise UnitNotExpressible(f"unknown unit symbol {tok!r} in {text!r}")
        if pos < len(tokens) and tokens[pos] == "^":
            power = tokens[pos + 1] if pos + 1 < len(tokens) else ""
            if not power.isdigit():
                raise UnitNotExpressible(f"exponent {power!r} in unit {text!r} is not a whole number")
            pos += 2
            n = int(power)
            val = {k: (e * n, f**n) for k, (e, f) in val.items()}
        return val

    def expr() -> Dims:
        nonlocal pos
        val = atom()
        while pos < len(tokens) and tokens[pos] in "*/":
            op = tokens[pos]
            pos += 1
            val = _combine(val, atom(), 1 if op == "*" else -1)
        return val

    result = expr()
    if pos != len(tokens):
        raise UnitNotExpressible(f"unexpected {tokens[pos]!r} in unit {text!r}")
    return result


def unit_id(text: str) -> str:
    """A valid SBML SId for a unit string (``"L/g/h"`` -> ``"u_L_per_g_per_h"``)."""
    if text.strip() == "1":
        return "dimensionless"
    out = text.replace("/", "_per_").replace("*", "_").replace("^", "_pow_").replace("(", "").replace(")", "")
    out = re.sub(r"[^A-Za-z0-9_]", "_", out)
    return f"u_{out}"


def unit_terms(text: str) -> list[tuple[str, int, int, float]]:
    """``(kind, exponent, scale, multiplier)`` per SBML Unit: the unit is prod((multiplier*10^scale*kind)^exponent).

    Each kind keeps its own factor (``pg/mL/year`` -> gram scale -12, litre scale -3, second x 31557600), as
    a power of ten in ``scale`` when it is one, else in ``multiplier``. A pure-number factor (``mg/g``) goes
    onto a ``dimensionless`` unit.
    """
    dims = parse_unit(text)
    out: list[tuple[str, int, int, float]] = []
    for kind, (exp, factor) in dims.items():
        if kind:
            out.append((kind, exp, *_scale_multiplier(factor ** (1.0 / exp))))
    number = dims.get("", (0, 1.0))[1]
    if not out or number != 1.0:
        out.append(("dimensionless", 1, *_scale_multiplier(number)))
    return out


def _scale_multiplier(value: float) -> tuple[int, float]:
    """(scale, multiplier) with value = multiplier * 10^scale: pure powers of ten go to scale."""
    if value <= 0 or not math.isfinite(value):
        raise UnitNotExpressible(f"unit factor {value!r}")
    exponent = round(math.log10(value))
    if math.isclose(value, 10.0**exponent, rel_tol=1e-12):
        return exponent, 1.0
    return 0, float(f"{value:.12g}")  # drop the last-bit noise of factor ** (1 / exponent)
