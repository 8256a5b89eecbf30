"""What every CLI command shares for safety: Ctrl-C handling, last-resort error messages, terminal-safe text
and range checks of numeric options.

:func:`guard_commands` wraps every registered command once (the CLI calls it after registering them), so a new
command gets the same behaviour without code of its own:

* Ctrl-C ends with ``gutsleep: interrupted: nothing written`` (or what a chunked run kept, e.g. ``interrupted:
  3 of 10 chunks kept, --resume continues``) on stderr and exit code 130;
* an :class:`~gutsleep.apps.outputs.OutputError`, an unreadable input file or a failed integration that a
  command does not handle itself ends with a one-line message and exit code 2 instead of a traceback.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from typing import Any

import typer

from gutsleep.apps import outputs

EXIT_INVALID = 2
EXIT_INTERRUPTED = 130

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def clean(text: object) -> str:
    """``text`` with terminal control characters (escape sequences, carriage returns, bidirectional overrides)
    shown as ``\\xNN`` / ``\\uNNNN`` escapes; newlines and tabs are kept."""

    def esc(m: re.Match[str]) -> str:
        c = ord(m.group())
        return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"

    return _CONTROL.sub(esc, str(text))


def literal(text: object) -> str:
    """``text`` safe to embed in a rich console string: control characters escaped and ``[`` markup escaped."""
    from rich.markup import escape

    return escape(clean(text))


def _message(exc: BaseException) -> str | None:
    from gutsleep.scenario.yamlio import InputFileError
    from gutsleep.solve.engine import SimulationError

    if isinstance(exc, SimulationError):
        return f"simulation failed: {exc}"
    if isinstance(exc, outputs.OutputError | InputFileError):
        return f"error: {exc}"
    return None


def interrupt_text(exc: BaseException) -> str:
    """What a Ctrl-C leaves behind, one line without control characters: a chunked run's own message (chunks kept
    for ``--resume``) or what this command committed before it (usually nothing)."""
    return clean(getattr(exc, "message", None) or outputs.interrupt_message())


def guarded(command: Callable[..., Any]) -> Callable[..., Any]:
    """``command`` with Ctrl-C and last-resort error handling (see the module docstring)."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        restore = outputs.begin_command()
        try:
            result = command(*args, **kwargs)
            outputs.raise_if_interrupted()
            return result
        except KeyboardInterrupt as exc:
            typer.echo(f"gutsleep: {interrupt_text(exc)}", err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except Exception as exc:
            text = _message(exc)
            if text is None:
                raise
            typer.echo(f"gutsleep: {clean(text)}", err=True)
            raise typer.Exit(EXIT_INVALID) from None
        finally:
            restore()

    return run


def guard_commands(app: typer.Typer) -> None:
    """Wrap the callback of every command registered on ``app`` (and its sub-groups) with :func:`guarded`."""
    for info in app.registered_commands:
        if info.callback is not None and not getattr(info.callback, "_gutsleep_guarded", False):
            info.callback = guarded(info.callback)
            info.callback._gutsleep_guarded = True  # type: ignore[attr-defined]
    for group in app.registered_groups:
        if group.typer_instance is not None:
            guard_commands(group.typer_instance)


def number_range(lo: float, hi: float, *, step: float | None = None) -> Callable[[Any], Any]:
    """A typer option callback accepting a finite number in [lo, hi] (a multiple of ``step`` if given); it
    rejects ``inf`` and ``nan``, which click's own range checks let through."""

    def check(value: Any) -> Any:
        if value is None:
            return value
        x = float(value)
        if not math.isfinite(x) or not lo <= x <= hi:
            raise typer.BadParameter(f"{value} is not a finite number from {lo:g} to {hi:g}")
        if step is not None and abs(x / step - round(x / step)) > 1e-9:
            raise typer.BadParameter(f"{value} is not a multiple of {step:g}")
        return value

    return check


__all__ = [
    "EXIT_INTERRUPTED",
    "EXIT_INVALID",
    "clean",
    "guard_commands",
    "guarded",
    "interrupt_text",
    "literal",
    "number_range",
]
