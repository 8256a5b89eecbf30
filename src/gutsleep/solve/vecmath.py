"""Vectorisable elementary functions for the batched kernel (float64, arithmetic and selects only).

numba lowers ``math.exp`` and friends to LLVM intrinsics that the loop vectoriser widens and the backend then
splits back into scalar libm calls: the llvmlite build numba uses has no vector math library (no SVML, and
LLVM 22 ignores ``-vector-library``). The functions here are written with arithmetic, comparisons/selects and
bit casts only, so a loop over subjects that uses them compiles to SIMD code.

They are *templates*: straight-line statements that the code generator pastes into the generated loop body
(``{x}`` the argument, ``{o}`` the result, ``{p}`` a unique prefix for temporaries). Pasting is much cheaper to
compile than numba's ``inline='always'`` and avoids numba's calling convention, whose status checks would stop
the loop from vectorising. :func:`compiled` turns a template into a stand-alone numba function for tests.

Accuracy (``tests/test_vecmath.py``, against numpy): exp and log within 1e-13 relative, sin/cos within 1e-15
absolute for |x| < 1e5, tanh within 1e-15 absolute. NaN propagates (the solver's validity checks rely on it);
nothing raises.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from llvmlite import ir
from numba import types
from numba.extending import intrinsic


@intrinsic
def f2i(typingctx, x):  # type: ignore[no-untyped-def]
    """Bits of a float64 as int64 (a bit cast, not a conversion)."""
    sig = types.int64(types.float64)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        return builder.bitcast(args[0], ir.IntType(64))

    return sig, codegen


@intrinsic
def i2f(typingctx, x):  # type: ignore[no-untyped-def]
    """float64 with the given bits (a bit cast, not a conversion)."""
    sig = types.float64(types.int64)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        return builder.bitcast(args[0], ir.DoubleType())

    return sig, codegen


@intrinsic
def sel(typingctx, cond, a, b):  # type: ignore[no-untyped-def]
    """``a if cond else b`` for float64 as one LLVM ``select`` (no branch: keeps the generated loop body one
    basic block, which numba compiles fast and LLVM vectorises)."""
    sig = types.float64(types.boolean, types.float64, types.float64)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        return builder.select(args[0], args[1], args[2])

    return sig, codegen


# e**x: x = n ln2 + r, |r| <= ln2/2, degree-11 Taylor polynomial (error < 1e-15), 2**n from the exponent bits.
# ln2 is split in two (fdlibm): n * ln2_hi is exact for |n| < 2048.
EXP = """\
{p}c = sel({x} > 709.0, 709.0, {x})
{p}c = sel({p}c < -708.0, -708.0, {p}c)
{p}n = np.floor({p}c * 1.4426950408889634 + 0.5)
{p}r = {p}c - {p}n * 6.93147180369123816490e-01 - {p}n * 1.90821492927058770002e-10
{p}q = 2.505210838544172e-08 * {p}r + 2.755731922398589e-07
{p}q = {p}q * {p}r + 2.7557319223985893e-06
{p}q = {p}q * {p}r + 2.48015873015873e-05
{p}q = {p}q * {p}r + 1.984126984126984e-04
{p}q = {p}q * {p}r + 1.388888888888889e-03
{p}q = {p}q * {p}r + 8.333333333333333e-03
{p}q = {p}q * {p}r + 4.1666666666666664e-02
{p}q = {p}q * {p}r + 1.6666666666666666e-01
{p}q = {p}q * {p}r + 0.5
{p}q = {p}q * {p}r + 1.0
{p}q = {p}q * {p}r + 1.0
{p}v = {p}q * i2f((np.int64({p}n) + 1023) << 52)
{p}v = sel({x} > 709.782712893384, math.inf, {p}v)
{o} = sel({x} < -708.3964185322641, 0.0, {p}v)
"""

# log x: x = 2**e m with m in [sqrt(1/2), sqrt(2)), log m = 2 atanh(f), f = (m - 1)/(m + 1), |f| < 0.172,
# odd series to f**23 (error < 1e-16); subnormals are scaled by 2**54 first.
LOG = """\
{p}t = {x} < 2.2250738585072014e-308
{p}s = sel({p}t, {x} * 18014398509481984.0, {x})
{p}b = f2i({p}s)
{p}e = float(({p}b >> 52) & 2047) - sel({p}t, 1076.0, 1022.0)
{p}m = i2f(({p}b & 4503599627370495) | 4602678819172646912)
{p}h = {p}m < 0.70710678118654752440
{p}m = sel({p}h, {p}m + {p}m, {p}m)
{p}e = sel({p}h, {p}e - 1.0, {p}e)
{p}f = ({p}m - 1.0) / ({p}m + 1.0)
{p}z = {p}f * {p}f
{p}q = 0.043478260869565216 * {p}z + 0.047619047619047616
{p}q = {p}q * {p}z + 0.05263157894736842
{p}q = {p}q * {p}z + 0.058823529411764705
{p}q = {p}q * {p}z + 0.06666666666666667
{p}q = {p}q * {p}z + 0.07692307692307693
{p}q = {p}q * {p}z + 0.09090909090909091
{p}q = {p}q * {p}z + 0.1111111111111111
{p}q = {p}q * {p}z + 0.14285714285714285
{p}q = {p}q * {p}z + 0.2
{p}q = {p}q * {p}z + 0.3333333333333333
{p}q = {p}q * {p}z + 1.0
{p}v = 2.0 * {p}f * {p}q + {p}e * 6.93147180369123816490e-01 + {p}e * 1.90821492927058770002e-10
{p}v = sel({x} == 0.0, -math.inf, {p}v)
{p}v = sel({x} < 0.0, math.nan, {p}v)
{p}v = sel({x} == math.inf, {x}, {p}v)
{o} = sel({x} != {x}, {x}, {p}v)
"""

# sin/cos: x = n pi/2 + r with pi/2 in three parts (fdlibm; exact products for |n| < 2**20), fdlibm's kernel
# polynomials on |r| <= pi/4, quadrant n mod 4 by two selects (swap sin/cos, negate).
_TRIG = """\
{p}n = np.floor({x} * 0.63661977236758134308 + 0.5)
{p}r = {x} - {p}n * 1.57079632673412561417e00 - {p}n * 6.07710050650619224932e-11 - {p}n * 2.02226624879595063154e-21
{p}z = {p}r * {p}r
{p}s = {p}r + {p}r * {p}z * (-1.66666666666666324348e-01 + {p}z * (8.33333333332248946124e-03 + {p}z * (\
-1.98412698298579493134e-04 + {p}z * (2.75573137070700676789e-06 + {p}z * (-2.50507602534068634195e-08 \
+ {p}z * 1.58969099521155010221e-10)))))
{p}c = 1.0 - 0.5 * {p}z + {p}z * {p}z * (4.16666666666666019037e-02 + {p}z * (-1.38888888888741095749e-03 \
+ {p}z * (2.48015872894767294178e-05 + {p}z * (-2.75573143513906633035e-07 + {p}z * (2.08757232129817482790e-09 \
+ {p}z * -1.13596475577881948265e-11)))))
{p}k = np.int64({p}n)
"""
SIN = _TRIG + """\
{p}v = sel(({p}k & 1) == 1, {p}c, {p}s)
{o} = sel(({p}k & 2) == 2, -{p}v, {p}v)
"""
COS = _TRIG + """\
{p}v = sel(({p}k & 1) == 1, {p}s, {p}c)
{o} = sel((({p}k + 1) & 2) == 2, -{p}v, {p}v)
"""

# tanh x = sign(x) (1 - e)/(1 + e), e = exp(-2|x|) (cannot overflow); odd Taylor series for |x| < 1e-3.
TANH = """\
{p}a = sel({x} < 0.0, -{x}, {x})
{p}y = -2.0 * {p}a
""" + EXP.replace("{p}", "{p}x").replace("{x}", "{p}y").replace("{o}", "{p}e") + """\
{p}w = (1.0 - {p}e) / (1.0 + {p}e)
{p}z = {p}a * {p}a
{p}w = sel({p}a < 1e-3, {p}a * (1.0 + {p}z * (-0.3333333333333333 + {p}z * (0.13333333333333333 + {p}z * \
-0.05396825396825397))), {p}w)
{o} = sel({x} < 0.0, -{p}w, {p}w)
"""

MAX = """\
{p}v = sel({x} > {y}, {x}, {y})
{o} = sel({x} != {x}, {x}, {p}v)
"""
"""max(x, y) returning NaN when either is NaN (a plain select would hide a NaN x)."""
MIN = """\
{p}v = sel({x} < {y}, {x}, {y})
{o} = sel({x} != {x}, {x}, {p}v)
"""
MOD = "{o} = {x} - {y} * np.floor({x} / {y})\n"
"""x mod y with the sign of y (Python's float %)."""

UNARY: dict[str, str] = {"exp": EXP, "log": LOG, "sin": SIN, "cos": COS, "tanh": TANH}
BINARY: dict[str, str] = {"max": MAX, "min": MIN, "mod": MOD}


def expand(template: str, out: str, prefix: str, x: str, y: str = "") -> list[str]:
    """The template's statements with argument(s), result and temporaries' prefix filled in."""
    return template.format(x=x, y=y, o=out, p=prefix).splitlines()


def compiled(name: str) -> Callable[..., Any]:
    """A numba function evaluating template ``name`` (of :data:`UNARY` or :data:`BINARY`), for tests."""
    import math

    import numpy as np
    from numba import njit

    binary = name in BINARY
    body = expand(BINARY[name] if binary else UNARY[name], "out", "_v", "x", "y")
    args = "x, y" if binary else "x"
    src = f"def f({args}):\n" + "".join(f"    {line}\n" for line in body) + "    return out\n"
    scope: dict[str, Any] = {"np": np, "math": math, "f2i": f2i, "i2f": i2f, "sel": sel}
    exec(src, scope)
    return njit(error_model="numpy", fastmath={"nsz", "arcp", "contract", "afn", "reassoc"})(scope["f"])
