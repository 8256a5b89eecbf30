"""Reusable validated field types for scenario files: ranged numbers, whole numbers and clock times.

Each type carries its allowed range and unit, so that every error message can say what was
expected. Values written with a unit suffix (``"15 mg"``) are rejected with a hint naming the
unit the field is measured in: scenario files hold plain numbers only.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError

_UNIT_SUFFIX = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*([^\d\s.+-].*?)\s*$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def fmt_number(x: float) -> str:
    """Short human form of a bound: ``150``, ``0.5``, ``1e+13``."""
    if float(x).is_integer() and abs(x) < 1e7:
        return str(int(x))
    return f"{x:g}"


def range_text(lo: float, hi: float, unit: str) -> str:
    """Allowed-range phrase used in messages, e.g. ``allowed range 0 to 150 g/day``."""
    suffix = f" {unit}" if unit else ""
    return f"allowed range {fmt_number(lo)} to {fmt_number(hi)}{suffix}"


def _as_number(v: Any, lo: float, hi: float, unit: str) -> float:
    """Coerce a YAML scalar to float, rejecting booleans and unit-suffixed strings."""
    rng = range_text(lo, hi, unit)
    if isinstance(v, bool):
        raise PydanticCustomError("number_type", "expected a number, not true/false ({rng})", {"rng": rng})
    if isinstance(v, str):
        m = _UNIT_SUFFIX.match(v)
        if m:
            raise PydanticCustomError(
                "unit_suffix",
                "units are not allowed in values: write a plain number in {unit} ({rng})",
                {"unit": unit or "the field's unit", "rng": rng, "written_unit": m.group(3)},
            )
        try:
            v = float(v)
        except ValueError:
            raise PydanticCustomError("number_type", "expected a number ({rng})", {"rng": rng}) from None
    if not isinstance(v, (int, float)):
        raise PydanticCustomError("number_type", "expected a number ({rng})", {"rng": rng})
    return float(v)


def _ranged(lo: float, hi: float, unit: str) -> BeforeValidator:
    """Validator for a float in [lo, hi] (unit used only for messages)."""

    def check(v: Any) -> float:
        x = _as_number(v, lo, hi, unit)
        if math.isnan(x) or not lo <= x <= hi:
            raise PydanticCustomError(
                "out_of_range", "out of range ({rng})", {"rng": range_text(lo, hi, unit)}
            )
        return x

    return BeforeValidator(check)


def _whole(lo: float, hi: float, unit: str) -> BeforeValidator:
    """Validator for an integer in [lo, hi]; integral floats such as ``14.0`` are accepted."""

    def check(v: Any) -> int:
        x = _as_number(v, lo, hi, unit)
        if not math.isfinite(x) or not x.is_integer():
            raise PydanticCustomError(
                "whole_number", "expected a whole number ({rng})", {"rng": range_text(lo, hi, unit)}
            )
        if not lo <= x <= hi:
            raise PydanticCustomError(
                "out_of_range", "out of range ({rng})", {"rng": range_text(lo, hi, unit)}
            )
        return int(x)

    return BeforeValidator(check)


def Ranged(lo: float, hi: float, unit: str = "") -> Any:
    """``Annotated[float, ...]`` limited to [lo, hi] in ``unit``."""
    return Annotated[float, _ranged(lo, hi, unit), Field(ge=lo, le=hi, description=unit)]


def Whole(lo: float, hi: float, unit: str = "") -> Any:
    """``Annotated[int, ...]`` limited to [lo, hi] in ``unit``."""
    return Annotated[int, _whole(lo, hi, unit), Field(ge=lo, le=hi, description=unit)]


def _finite(v: Any) -> float:
    """A finite plain number (no true/false, no unit suffix)."""
    hint = "a plain number in the parameter's unit (see `gutsleep params`)"
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        raise PydanticCustomError("number_type", "expected {hint}", {"hint": hint})
    if isinstance(v, str):
        if _UNIT_SUFFIX.match(v):
            raise PydanticCustomError("unit_suffix", "units are not allowed in values: write {hint}", {"hint": hint})
        try:
            v = float(v)
        except ValueError:
            raise PydanticCustomError("number_type", "expected {hint}", {"hint": hint}) from None
    x = float(v)
    if not math.isfinite(x):
        raise PydanticCustomError("number_type", "expected a finite number", {})
    return x


Number = Annotated[float, BeforeValidator(_finite)]
"""A finite plain number without a range of its own (checked elsewhere, e.g. against a model parameter's range)."""


def clock_hours(text: str) -> float:
    """Hours after local midnight for an ``HH:MM`` string (already validated)."""
    h, m = text.split(":")
    return int(h) + int(m) / 60.0


def _check_clock(v: Any) -> str:
    """Accept only ``"HH:MM"`` between 00:00 and 23:59 (24-hour local clock)."""
    if isinstance(v, str) and _CLOCK.match(v.strip()):
        return v.strip()
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        raise PydanticCustomError(
            "clock_time", 'expected a clock time as a quoted string "HH:MM" from 00:00 to 23:59', {}
        )
    raise PydanticCustomError("clock_time", 'expected a clock time "HH:MM" from 00:00 to 23:59', {})


ClockTime = Annotated[str, BeforeValidator(_check_clock), Field(description="local clock time HH:MM")]


def _no_control(text: str, allow_newlines: bool) -> str:
    """Refuse terminal control characters (escape sequences, carriage returns, bidirectional overrides): names
    and descriptions are printed to terminals and drawn into reports."""
    found = _CONTROL.search(text) or (None if allow_newlines else re.search(r"[\n\t]", text))
    if found:
        c = ord(found.group())
        shown = f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"
        raise PydanticCustomError(
            "control_characters",
            "control characters are not allowed (found {char} at position {pos}){hint}",
            {"char": shown, "pos": found.start(), "hint": "" if allow_newlines else "; names are one line"},
        )
    return text


def printable(text: str) -> str:
    """``text`` with control characters and line breaks replaced by ``?`` (for names taken from file names)."""
    return re.sub(r"[\n\t]", "?", _CONTROL.sub("?", text))


Name = Annotated[str, AfterValidator(lambda v: _no_control(v, allow_newlines=False))]
"""A one-line name without control characters."""
Text = Annotated[str, AfterValidator(lambda v: _no_control(v, allow_newlines=True))]
"""Free text (newlines and tabs allowed) without other control characters."""
