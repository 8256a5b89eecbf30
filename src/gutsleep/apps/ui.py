"""What the command line tells its user while it works: verbosity, notices, progress of long phases.

Everything here goes to stderr, so stdout carries only results (tables, ``--format csv|json``). On a terminal,
progress is a rich bar or spinner; otherwise (a pipe, a log file, CI) it is plain log lines, so a long run is never
silent. ``--quiet`` keeps only errors; ``--verbose`` adds timings and details.

Light to import (no numpy, pandas or model): the CLI imports it before parsing its arguments.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gutsleep.apps import outputs

if TYPE_CHECKING:
    from rich.console import Console

QUIET, NORMAL, VERBOSE = 0, 1, 2
_LEVEL = [NORMAL]
LOG_EVERY_S = 10.0
"""Without a terminal, a progress line is printed at every quarter of a run and at least every this many
seconds."""

COMPILE_NOTICE = "compiling the solver once, ~1 min (later runs reuse the compiled kernel)"


def set_verbosity(level: int) -> None:
    """QUIET (errors only), NORMAL or VERBOSE."""
    _LEVEL[0] = level


def verbosity() -> int:
    return _LEVEL[0]


def interactive() -> bool:
    """True when stderr is a terminal (progress bars); False for pipes and files (plain log lines)."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def err_console() -> Console:
    """A rich console on the current stderr."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def _plain(text: object) -> str:
    """``text`` with terminal control characters escaped (names and paths come from the user's files)."""
    from gutsleep.apps.guards import clean

    return clean(text)


def _markup_safe(text: object) -> str:
    """``text`` safe inside a rich renderable that interprets markup (spinner and progress-bar labels)."""
    from gutsleep.apps.guards import literal

    return literal(text)


def info(message: str) -> None:
    """A line for the user (not in ``--quiet``)."""
    if verbosity() >= NORMAL:
        print(f"gutsleep: {_plain(message)}", file=sys.stderr, flush=True)


NO_PARAMETER_SET = "none"
"""``--parameters none``: run the model's own parameter values (the centres of the priors), no calibrated set."""


def load_parameter_set(path: Path | None, *, announce: bool = True):  # -> ParameterSet | None
    """The checked parameter set of a ``--parameters`` option: the file given, the shipped calibrated default when
    none is, or None for ``--parameters none``. Said in one line; a bad set raises ValueError with the reason
    (another model version, unknown parameters, a value outside its plausible range)."""
    from gutsleep.calibrate.paramset import load_parameter_set as load
    from gutsleep.calibrate.paramset import shipped_default

    if path is not None and str(path) == NO_PARAMETER_SET and not path.exists():
        if announce:
            info("parameters: the model's own values (--parameters none: no calibrated set)")
        return None
    if path is None:
        from gutsleep.calibrate.paramset import ParameterSetError

        try:
            loaded = shipped_default()
        except ParameterSetError as err:  # a model edited without a refit: say so, run the model's own values
            info(f"warning: {err}; running the model's own values")
            return None
        detail(f"parameter set: the shipped calibrated default ({len(loaded.estimate)} fitted parameters, "
               f"{len(loaded.draws)} posterior draws; --parameters none for the model's own values)")
        return loaded
    loaded = load(path)
    if announce:
        info(f"parameter set {loaded.name or path}: {len(loaded.estimate)} parameters from {path}")
    return loaded


def parameter_set_estimate(path: Path | None) -> dict[str, float] | None:
    """The point estimate of the checked parameter set of a ``--parameters`` option."""
    loaded = load_parameter_set(path)
    return None if loaded is None else dict(loaded.estimate)


def detail(message: str) -> None:
    """A line only in ``--verbose``."""
    if verbosity() >= VERBOSE:
        print(f"gutsleep: {_plain(message)}", file=sys.stderr, flush=True)


def _fmt_s(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


@contextmanager
def phase(what: str) -> Iterator[None]:
    """Announce a phase that can take seconds (a spinner on a terminal, a log line otherwise) and say when it is
    done and how long it took."""
    if verbosity() < NORMAL:
        yield
        return
    t0 = time.perf_counter()
    if interactive():
        with err_console().status(_markup_safe(what)):
            yield
    else:
        info(f"{what} ...")
        yield
    info(f"{what}: done in {_fmt_s(time.perf_counter() - t0)}")


def compile_pending() -> bool:
    """True when the next simulation will first compile the solver kernel (no compiled copy is cached).

    Asks the solver (``gutsleep.solve.batched.kernel_cached``) where it offers that; otherwise a minimal check:
    the generated kernel module is loaded (cheap, needed anyway) and numba's cache index of its ``integrate``
    function is looked for next to it (or under ``NUMBA_CACHE_DIR``)."""
    from gutsleep.model import build_model

    model = build_model()
    try:
        from gutsleep.solve.batched import kernel_cached  # type: ignore[import-not-found]
    except ImportError:
        return _numba_index_missing(model)
    return not kernel_cached(model)


def _numba_index_missing(model: Any) -> bool:
    from gutsleep.solve.codegen import load_kernel

    kernel = load_kernel(model)
    integrate = getattr(kernel, "integrate", None)
    if integrate is None or not hasattr(integrate, "py_func"):
        return False  # plain Python (GUTSLEEP_JIT=0): nothing to compile
    if getattr(integrate, "signatures", None):
        return False  # already compiled in this process
    pattern = f"{kernel.__name__}.integrate-*.nbi"
    folders = [Path(kernel.__file__).parent / "__pycache__"]
    if os.environ.get("NUMBA_CACHE_DIR"):
        folders.append(Path(os.environ["NUMBA_CACHE_DIR"]))
    return not any(next(folder.rglob(pattern), None) for folder in folders if folder.is_dir())


class _Lines:
    """Day progress as plain log lines: at every quarter and at least every ``LOG_EVERY_S`` seconds."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.t0 = time.perf_counter()
        self.last_t = self.t0
        self.last_decile = -1

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        decile = 4 * done // max(total, 1)
        if decile > self.last_decile or now - self.last_t >= LOG_EVERY_S:
            self.last_decile, self.last_t = decile, now
            info(f"{self.what}: day {done}/{total} ({100 * done // max(total, 1)} %), {_fmt_s(now - self.t0)}")


@contextmanager
def day_progress(what: str, *, check_compile: bool = True) -> Iterator[Callable[[int, int], None] | bool]:
    """Progress of a simulation, ``progress(done, total)`` over simulated days (burn-in included).

    Says first when the solver will be compiled (a one-line notice; the compile happens before the first day),
    then shows a bar on a terminal or log lines otherwise, and the time taken at the end."""
    if verbosity() < NORMAL:
        yield False
        return
    compiling = check_compile and compile_pending()
    if compiling:
        info(COMPILE_NOTICE)
    t0 = time.perf_counter()
    first = [True]

    def compiled() -> None:
        outputs.raise_if_interrupted()
        if first[0]:
            first[0] = False
            if compiling:
                info(f"solver compiled in {_fmt_s(time.perf_counter() - t0)}")

    if interactive():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("days"),
                      TimeRemainingColumn(), console=err_console(), transient=True) as bar:
            task = bar.add_task(_markup_safe(what), total=None)

            def advance(done: int, total: int) -> None:
                compiled()
                bar.update(task, completed=done, total=total)

            yield advance
    else:
        info(f"{what} ...")
        lines = _Lines(what)

        def advance(done: int, total: int) -> None:
            compiled()
            lines(done, total)

        yield advance
    info(f"{what}: done in {_fmt_s(time.perf_counter() - t0)}")


@contextmanager
def chunk_progress(total_chunks: int, subjects: int, what: str = "simulating") -> Iterator[Callable[[int], None]]:
    """Progress of a chunked cohort run, ``advance(n_subjects_done_in_chunk)``: a bar on a terminal, log lines
    otherwise."""
    if verbosity() < NORMAL:
        yield lambda _n: None
        return
    done = [0, 0]  # chunks, subjects
    t0 = time.perf_counter()
    if interactive():
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        with Progress(TextColumn("chunks"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[subjects]}"),
                      TimeElapsedColumn(), TimeRemainingColumn(), console=err_console(), transient=True) as bar:
            task = bar.add_task("chunks", total=total_chunks, subjects="")

            def advance(n: int) -> None:
                outputs.raise_if_interrupted()
                done[1] += n
                bar.update(task, advance=1, subjects=f"{done[1]}/{subjects} subjects")

            yield advance
    else:
        info(f"{what} {subjects} subjects in {total_chunks} chunk(s) ...")
        last = [t0]

        def advance(n: int) -> None:
            outputs.raise_if_interrupted()
            done[0] += 1
            done[1] += n
            now = time.perf_counter()
            if done[0] == total_chunks or now - last[0] >= LOG_EVERY_S or total_chunks <= 10:
                last[0] = now
                info(f"{what}: chunk {done[0]}/{total_chunks}, {done[1]}/{subjects} subjects, {_fmt_s(now - t0)}")

        yield advance


def step_progress(what: str) -> Callable[[int, int, str], None]:
    """``progress(i, n, name)`` for a sequence of named steps (e.g. evidence experiments): log lines, or nothing in
    ``--quiet``. ``name`` empty = finished."""
    t0 = time.perf_counter()

    def report(i: int, n: int, name: str) -> None:
        outputs.raise_if_interrupted()
        if verbosity() < NORMAL:
            return
        if name:
            info(f"{what} {i + 1}/{n}: {name} ({_fmt_s(time.perf_counter() - t0)})")
        else:
            info(f"{what}: {n} done in {_fmt_s(time.perf_counter() - t0)}")

    return report


def results(console: Any, *renderables: Any) -> None:
    """Print result tables/lines on stdout unless ``--quiet``."""
    if verbosity() >= NORMAL:
        console.print(*renderables)


__all__ = [
    "COMPILE_NOTICE",
    "NORMAL",
    "QUIET",
    "VERBOSE",
    "chunk_progress",
    "compile_pending",
    "day_progress",
    "detail",
    "err_console",
    "info",
    "interactive",
    "phase",
    "results",
    "set_verbosity",
    "step_progress",
    "verbosity",
]


EXIT_OK = 0
EXIT_CHECK_FAILED = 1
"""A check found problems: ``params --check``, failed evidence experiments, SBML consistency errors."""
EXIT_INVALID = 2
"""Invalid input (scenario, specification, option, file) or a failed simulation; the message is on stderr."""
EXIT_INTERRUPTED = 130
"""Interrupted (Ctrl-C)."""

EXIT_CODES_TEXT = (
    "Exit codes: 0 success; 1 a check found problems (params --check, failing evidence experiments, SBML "
    "consistency errors); 2 invalid input, option or file, or a failed simulation (one message on stderr, no "
    "traceback); 130 interrupted."
)


@contextmanager
def clean_errors() -> Iterator[None]:
    """Invalid input, failed simulations, unwritable outputs and a missing optional extra end as one message on
    stderr and exit code 2; Ctrl-C as exit code 130 with what was kept (see :func:`gutsleep.apps.guards.guarded`).
    Messages have terminal control characters escaped."""
    import typer

    try:
        yield
    except typer.Exit:
        raise
    except KeyboardInterrupt as exc:
        from gutsleep.apps.guards import interrupt_text

        print(f"gutsleep: {interrupt_text(exc)}", file=sys.stderr)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except ModuleNotFoundError as exc:
        extra = {"pyarrow": "cohort", "statsmodels": "cohort", "SALib": "cohort", "dask": "cohort",
                 "distributed": "cohort", "cryptography": "cohort", "libsbml": "sbml",
                 "roadrunner": "sbml", "emcee": "calibrate"}.get((exc.name or "").split(".")[0])
        if extra is None:
            raise
        print(f"gutsleep: error: {exc.name} is missing; install the {extra} extra from the gutsleep source folder: "
              f'pip install ".[{extra}]"', file=sys.stderr)
        raise typer.Exit(EXIT_INVALID) from None
    except (ValueError, KeyError, RuntimeError, OSError) as exc:
        from gutsleep.solve.engine import SimulationError

        if isinstance(exc, RuntimeError) and not isinstance(exc, SimulationError):
            raise
        kind = "simulation failed" if isinstance(exc, SimulationError) else "error"
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        print(f"gutsleep: {kind}: {_plain(message)}", file=sys.stderr)
        raise typer.Exit(EXIT_INVALID) from None
