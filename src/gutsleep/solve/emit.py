"""Print sympy expressions as straight-line numba code built from vectorisable operations only.

Compared with sympy's own Python printer this one is fast (it walks each expression once, sharing repeated
sub-expressions), expands integer powers into multiplications (``x**4`` -> ``(x*x)*(x*x)``, no ``pow`` call),
writes products with negative powers as one division, and maps every function to :mod:`gutsleep.solve.vecmath`
so the loop over subjects stays SIMD (the functions are pasted in as
:mod:`gutsleep.solve.vecmath` templates).
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from gutsleep.solve.vecmath import BINARY, UNARY, expand

_FUNCS: dict[type, str] = {sp.exp: "exp", sp.log: "log", sp.sin: "sin", sp.cos: "cos", sp.tanh: "tanh"}


class UnsupportedExpression(ValueError):
    """The model uses a sympy construct the kernel generator cannot print (add it to :mod:`emit`)."""


def _num(value: float) -> str:
    text = repr(float(value))
    return f"({text})" if text.startswith("-") else text


class Emitter:
    """Accumulates assignments ``name = expr`` for a sequence of expressions, sharing common sub-trees.

    ``names`` maps symbol names to the code that reads them (locals, array loads). Temporaries are named
    ``{prefix}{n}``.
    """

    def __init__(self, names: Callable[[str], str], prefix: str = "_t") -> None:
        self.lines: list[str] = []
        self._names = names
        self._prefix = prefix
        self._memo: dict[sp.Basic, str] = {}
        self._count = 0

    def _tmp(self, code: str) -> str:
        name = f"{self._prefix}{self._count}"
        self._count += 1
        self.lines.append(f"{name} = {code}")
        return name

    def value(self, expr: sp.Basic) -> str:
        """Code (a name or a literal) holding the value of ``expr``; emits the assignments it needs."""
        hit = self._memo.get(expr)
        if hit is not None:
            return hit
        out = self._emit(expr)
        self._memo[expr] = out
        return out

    def assign(self, target: str, expr: sp.Basic) -> None:
        """Emit ``target = <expr>``."""
        self.lines.append(f"{target} = {self.value(expr)}")

    # -- node types -------------------------------------------------------------------------------------
    def _emit(self, e: sp.Basic) -> str:
        if e.is_Symbol:
            return self._names(e.name)
        if e.is_Number or e.is_NumberSymbol:
            return _num(float(e))
        if e is sp.true:
            return "True"
        if e is sp.false:
            return "False"
        if e.is_Add:
            return self._tmp(" + ".join(self.value(a) for a in e.args))
        if e.is_Mul:
            return self._mul(e)
        if e.is_Pow:
            return self._pow(e.base, e.exp)
        func = _FUNCS.get(type(e))
        if func is not None:
            return self._template(UNARY[func], self.value(e.args[0]))
        if isinstance(e, (sp.Max, sp.Min)):
            template = BINARY["max" if isinstance(e, sp.Max) else "min"]
            args = [self.value(a) for a in e.args]
            acc = args[0]
            for a in args[1:]:
                acc = self._template(template, acc, a)
            return acc
        if isinstance(e, sp.Mod):
            return self._template(BINARY["mod"], self.value(e.args[0]), self.value(e.args[1]))
        if isinstance(e, sp.Abs):
            v = self.value(e.args[0])
            return self._tmp(f"sel({v} < 0.0, -{v}, {v})")
        if isinstance(e, sp.Piecewise):
            return self._piecewise(e)
        if isinstance(e, sp.core.relational.Relational):
            ops = {"<": "<", ">": ">", "<=": "<=", ">=": ">=", "==": "==", "!=": "!="}
            return self._tmp(f"({self.value(e.lhs)} {ops[e.rel_op]} {self.value(e.rhs)})")
        if isinstance(e, (sp.And, sp.Or)):
            joiner = " & " if isinstance(e, sp.And) else " | "
            return self._tmp("(" + joiner.join(self.value(a) for a in e.args) + ")")
        if isinstance(e, sp.Not):
            return self._tmp(f"(~{self.value(e.args[0])})")
        raise UnsupportedExpression(f"cannot generate code for {type(e).__name__}: {str(e)[:120]}")

    def _template(self, template: str, x: str, y: str = "") -> str:
        """Paste a :mod:`vecmath` template computing into a new temporary; return its name."""
        name = f"{self._prefix}{self._count}"
        self._count += 1
        self.lines.extend(expand(template, name, f"{name}_", x, y))
        return name

    def _piecewise(self, e: sp.Piecewise) -> str:
        acc: str | None = None
        for expr, cond in reversed(e.args):
            value = self.value(expr)
            if acc is None:
                if cond is not sp.true:
                    raise UnsupportedExpression(f"Piecewise without a final True branch: {str(e)[:120]}")
                acc = value
            else:
                acc = self._tmp(f"sel({self.value(cond)}, {value}, {acc})")
        assert acc is not None
        return acc

    def _mul(self, e: sp.Mul) -> str:
        num: list[str] = []
        den: list[str] = []
        for a in e.args:
            if a.is_Pow and a.exp.is_Number and a.exp < 0:
                den.append(self._pow(a.base, -a.exp))
            elif a.is_Rational and not a.is_Integer and a.p in (1, -1):
                if a.p == -1:
                    num.append("(-1.0)")
                den.append(_num(a.q))
            else:
                num.append(self.value(a))
        top = " * ".join(num) if num else "1.0"
        if not den:
            return self._tmp(top)
        bottom = den[0] if len(den) == 1 else "(" + " * ".join(den) + ")"
        return self._tmp(f"({top}) / {bottom}")

    def _pow(self, base: sp.Basic, exp: sp.Basic) -> str:
        b = self.value(base)
        if exp.is_Integer:
            n = int(exp)
            if n == 0:
                return "1.0"
            if n < 0:
                return self._tmp(f"1.0 / {self._ipow(b, -n)}")
            return self._ipow(b, n)
        if exp.is_Number:
            x = float(exp)
            if x == 0.5:
                return self._tmp(f"math.sqrt({b})")
            if x == -0.5:
                return self._tmp(f"1.0 / math.sqrt({b})")
            if float(2 * x).is_integer() and abs(x) < 16:
                root = self._tmp(f"math.sqrt({b})")
                return self._pow_int_name(root, int(2 * x))
            return self._vpow(b, _num(x))
        return self._vpow(b, self.value(exp))

    def _vpow(self, b: str, y: str) -> str:
        """b**y for a non-integer exponent: exp(y log b) (0 for b = 0 and y > 0, NaN for b < 0)."""
        log = self._template(UNARY["log"], b)
        return self._template(UNARY["exp"], self._tmp(f"{y} * {log}"))

    def _pow_int_name(self, name: str, n: int) -> str:
        if n < 0:
            return self._tmp(f"1.0 / {self._ipow(name, -n)}")
        return self._ipow(name, n)

    def _ipow(self, b: str, n: int) -> str:
        """b**n (n >= 1) by repeated squaring, named temporaries for the squares."""
        if n == 1:
            return b
        result: str | None = None
        square = b
        while n:
            if n & 1:
                result = square if result is None else self._tmp(f"{result} * {square}")
            n >>= 1
            if n:
                square = self._tmp(f"{square} * {square}")
        assert result is not None
        return result
