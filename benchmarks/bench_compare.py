"""Compare gutsleep's batched solver with its peers on the same model, same inputs, same output.

Run on demand (not in CI); needs the ``[sbml]`` extra:

    python benchmarks/bench_compare.py                               # N = 1, 100, 1,000, 10,000 x 365 days
    python benchmarks/bench_compare.py --max-people 1000 --days 30   # a quick run

Every engine simulates the same thing: the baseline example, one subject = the baseline person, starting
from the state gutsleep reaches after its 42-day burn-in, for ``--days`` days of the same 15-min
piecewise-constant inputs, and reduces it to the same daily output: the daily mean of every state (mean
of the 96 values at the ends of the 15-min steps), summed over subjects.

* ``gutsleep``: ``gutsleep.solve.engine.run`` (the batched multi-rate SIMD kernel, all N subjects at once,
  numba threads) with that daily reducer as ``reducer``; the kernel is loaded in a warm-up before timing.
* ``gutsleep-previous``: the previous kernel (scalar, one subject per thread iteration, kept in
  ``gutsleep.solve.codegen`` as the oracle), same inputs, same reduction.
* ``libroadrunner``: the ``gutsleep export sbml`` document with piecewise (time-of-day) inputs, CVODE (Adams,
  rtol 1e-8, atol 1e-10 x scale, step capped at 15 min so no input pulse is stepped over), one subject at a
  time (``resetAll`` between subjects), output every 15 min. The model is compiled once (LLJIT; reported as
  ``one_time_s``, not in the rate). ``libroadrunner-events`` is the same with the exact event encoding (every
  input change restarts CVODE) -- the faithful form for arbitrary schedules.
* ``scipy-lsoda``: ``solve_ivp(method="LSODA")`` on the same right-hand side compiled by numba (the scalar
  kernel's ``rhs``), restarted at every input change, rtol 1e-8, same atol, one subject at a time (numbalsoda
  has no wheel for this platform and did not build).

Sequential engines are measured on a few subjects (``--rr-subjects``, ``--lsoda-subjects``; LSODA also over
``--lsoda-days`` days at most) and extrapolated linearly to N subjects x ``--days``; the output says what
was measured and what was extrapolated. Each engine and size runs in its own process, so the peak resident
memory (``ru_maxrss``) belongs to that run alone (it includes the interpreter and imports; ``rss_before_mb``
is the level after imports and warm-up). Absolute times depend on the machine and its load; the ratios to
libroadrunner are what carry across machines.

Writes benchmarks/results/compare.json and the table between the markers in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from gutsleep.export import SubjectRun
    from gutsleep.model import Model

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
README = HERE / "README.md"
BEGIN, END = "<!-- compare:begin -->", "<!-- compare:end -->"
BURN_IN_DAYS = 42
SIZES = (1, 100, 1_000, 10_000)


# -- shared helpers ------------------------------------------------------------------------------------------


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _subject(days: int) -> SubjectRun:
    """The baseline example as one subject, lengthened to ``days`` days (it has no interventions)."""
    from gutsleep.apps.examples import example_text
    from gutsleep.export import subject_run
    from gutsleep.scenario import parse_scenario

    text = re.sub(r"^days:\s*\d+", f"days: {days}", example_text("baseline"), flags=re.M)
    return subject_run(parse_scenario(text, source="baseline.yaml"), days=days, burn_in_days=BURN_IN_DAYS)


def _load_subject(folder: Path) -> SubjectRun:
    from gutsleep.export import SubjectRun
    from gutsleep.model import build_model

    data = np.load(folder / "subject.npz")
    return SubjectRun(build_model(), None, data["parameters"], data["initial"], data["inputs"],  # type: ignore[arg-type]
                      int(data["days"]), BURN_IN_DAYS)


def _daily_means(values: np.ndarray, days: int) -> np.ndarray:
    """(days, S) daily means from (days * 96, S) end-of-step values."""
    return values.reshape(days, -1, values.shape[1]).mean(axis=1)


# -- workers (one process each) ------------------------------------------------------------------------------


class _Inputs:
    """The same per-step inputs for every subject, once per day (grouped, like gutsleep's schedules)."""

    def __init__(self, u: np.ndarray, n_subjects: int, days: int) -> None:
        self._u, self.n_subjects, self.total_days = u, n_subjects, days
        self.group = np.zeros(n_subjects, dtype=np.int64)

    def day_inputs(self, k: int) -> np.ndarray:
        return np.ascontiguousarray(np.broadcast_to(self._u[k], (self.n_subjects, *self._u[k].shape)))

    def day_inputs_grouped(self, k: int) -> np.ndarray:
        return self._u[k][None]


class _DailyMeans:
    """Reducer: cohort sum of the daily mean of every state (the output every engine produces)."""

    def __init__(self, model: Model, days: int) -> None:
        self.variables = tuple(model.state_names)
        self.sums = np.zeros((days, len(self.variables)))

    def reduce_block(self, k: int, i0: int, record: np.ndarray, start: np.ndarray) -> None:
        self.sums[k] += record.mean(axis=1).sum(axis=0)


def _worker_gutsleep(folder: Path, n: int) -> dict:
    from gutsleep.model import STEPS_PER_DAY
    from gutsleep.solve.engine import run

    subject = _load_subject(folder)
    model = subject.model
    u = subject.inputs.reshape(subject.days, STEPS_PER_DAY, -1)
    params = np.tile(subject.parameters, (n, 1))
    initial = np.tile(subject.initial, (n, 1))
    start = time.perf_counter()
    run(model, _Inputs(u, n, 1), params, initial=initial)  # warm-up, same N: compilation or cache load
    one_time = time.perf_counter() - start
    rss_before = _rss_mb()
    means = _DailyMeans(model, subject.days)
    start = time.perf_counter()
    run(model, _Inputs(u, n, subject.days), params, initial=initial, reducer=means)
    wall = time.perf_counter() - start
    np.save(folder / f"gutsleep_{n}.npy", means.sums / n)
    import numba

    return {"measured_subjects": n, "measured_days": subject.days, "wall_measured_s": wall, "one_time_s": one_time,
            "rss_before_mb": rss_before, "peak_rss_mb": _rss_mb(), "threads": numba.get_num_threads()}


def _worker_previous(folder: Path, n: int, days: int) -> dict:
    from gutsleep.model import STEP_H, STEPS_PER_DAY
    from gutsleep.solve.codegen import load_kernel

    subject = _load_subject(folder)
    model = subject.model
    kernel = load_kernel(model)
    n_s = len(model.states)
    width = n_s + len(model.observables)
    u = subject.inputs.reshape(subject.days, STEPS_PER_DAY, -1)
    params = np.tile(subject.parameters, (n, 1))
    status = np.full((n, 2), -1, dtype=np.int64)
    start = time.perf_counter()
    warm_u = np.ascontiguousarray(np.broadcast_to(u[0], (1, *u[0].shape)))  # same array types as timed below
    kernel.integrate(subject.initial[None].copy(), params[:1].copy(), warm_u, STEP_H,
                     np.empty((1, STEPS_PER_DAY, width)), status[:1].copy())
    one_time = time.perf_counter() - start
    rss_before = _rss_mb()
    y = np.tile(subject.initial, (n, 1))
    sums = np.zeros((days, n_s))
    start = time.perf_counter()
    for k in range(days):
        uk = np.ascontiguousarray(np.broadcast_to(u[k], (n, *u[k].shape)))
        record = np.empty((n, STEPS_PER_DAY, width))
        kernel.integrate(y, params, uk, STEP_H, record, status)
        sums[k] = record[:, :, :n_s].mean(axis=1).sum(axis=0)
    wall = time.perf_counter() - start
    np.save(folder / "previous.npy", sums / n)
    return {"measured_subjects": n, "measured_days": days, "wall_measured_s": wall, "one_time_s": one_time,
            "rss_before_mb": rss_before, "peak_rss_mb": _rss_mb()}


def _worker_roadrunner(folder: Path, n: int, days: int, form: str) -> dict:
    from gutsleep.export.crosscheck import load_roadrunner

    subject = _load_subject(folder)
    model = subject.model
    names = list(model.state_names)
    scales = [s.scale for s in model.states]
    start = time.perf_counter()
    max_step = 0.25 if form == "piecewise" else None
    rr = load_roadrunner((folder / f"model_{form}.xml").read_text(), scales, names, max_step_h=max_step)
    one_time = time.perf_counter() - start
    rr.timeCourseSelections = ["time", *names]
    rss_before = _rss_mb()
    cohort = np.zeros((days, len(names)))
    steps = days * 96
    start = time.perf_counter()
    for _ in range(n):
        rr.resetAll()
        res = np.array(rr.simulate(0.0, days * 24.0, steps + 1))
        cohort += _daily_means(res[1:, 1:], days)
    wall = time.perf_counter() - start
    np.save(folder / f"roadrunner_{form}.npy", cohort / n)
    return {"measured_subjects": n, "measured_days": days, "wall_measured_s": wall, "one_time_s": one_time,
            "rss_before_mb": rss_before, "peak_rss_mb": _rss_mb()}


def _worker_lsoda(folder: Path, n: int, days: int) -> dict:
    from gutsleep.export import SubjectRun
    from gutsleep.export.crosscheck import lsoda_states
    from gutsleep.model import STEP_H

    full = _load_subject(folder)
    subject = SubjectRun(full.model, None, full.parameters, full.initial,  # type: ignore[arg-type]
                         full.inputs[: days * 96], days, BURN_IN_DAYS)
    rss_before = _rss_mb()
    cohort = np.zeros((days, len(full.model.states)))
    lsoda_states(SubjectRun(full.model, None, full.parameters, full.initial, full.inputs[:96], 1,  # type: ignore[arg-type]
                            BURN_IN_DAYS), STEP_H, rtol=1e-8, jit=True)  # compile / load the numba rhs
    start = time.perf_counter()
    for _ in range(n):
        _, y = lsoda_states(subject, STEP_H, rtol=1e-8, jit=True)
        cohort += _daily_means(y[1:], days)
    wall = time.perf_counter() - start
    np.save(folder / "lsoda.npy", cohort / n)
    return {"measured_subjects": n, "measured_days": days, "wall_measured_s": wall, "one_time_s": 0.0,
            "rss_before_mb": rss_before, "peak_rss_mb": _rss_mb()}


def _spawn(folder: Path, engine: str, n: int, days: int) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", engine, "--folder", str(folder),
           "--n", str(n), "--days", str(days)]
    print(f"  {engine}: {n} subject(s) x {days} days ...", flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{engine} worker failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- orchestration ---------------------------------------------------------------------------------------------


def _row(engine: str, n: int, days: int, runs: list[dict]) -> dict:
    """Rates of repeated measurements, extrapolated to n subjects x days (linear for sequential engines)."""
    m = runs[0]
    exact = m["measured_subjects"] == n and m["measured_days"] == days
    rates = [r["measured_subjects"] * r["measured_days"] / 365 / r["wall_measured_s"] for r in runs]
    return {
        "engine": engine, "people": n, "days": days, "extrapolated": not exact,
        "measured_subjects": m["measured_subjects"], "measured_days": m["measured_days"], "repeats": len(runs),
        "subject_years_per_s": {"min": min(rates), "median": statistics.median(rates), "max": max(rates)},
        "wall_s": n * days / 365 / statistics.median(rates),
        "one_time_s": min(r["one_time_s"] for r in runs), "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "rss_before_mb": m["rss_before_mb"],
    }


def _agreement(folder: Path, model: Model, sizes: list[int]) -> dict:
    """Max relative difference of the cohort daily means between gutsleep and each peer (floor 1e-3 x scale)."""
    scales = np.array([s.scale for s in model.states])
    gs = np.load(folder / f"gutsleep_{sizes[0]}.npy")
    out = {}
    for name in ("previous", "roadrunner_piecewise", "roadrunner_events", "lsoda"):
        path = folder / f"{name}.npy"
        if path.exists():
            other = np.load(path)
            d = min(len(other), len(gs))
            rel = np.abs(gs[:d] - other[:d]) / np.maximum(np.abs(other[:d]), 1e-3 * scales)
            i = int(np.argmax(rel.max(axis=0)))
            out[f"gutsleep_vs_{name}"] = {"max_relative": float(rel.max()), "state": model.state_names[i],
                                          "days": d}
    return out


PEERS = ("libroadrunner", "libroadrunner-events", "scipy-lsoda", "gutsleep-previous")


def _markdown(result: dict) -> str:
    rows = result["rows"]
    rate = {(r["engine"], r["people"]): r["subject_years_per_s"]["median"] for r in rows}
    lines = [
        f"`bench_compare.py {result.get('arguments', '')}`: {result['days']} days per subject; {result['machine']}, "
        f"{result['cpu_count']} CPUs, numba threads {result['numba_threads']}; {result['date']}. Median (min-max) "
        "over the repeats; extrapolated rows are marked *, with the subjects x days really simulated in brackets.",
        "",
        "| people | engine | subject-years/s, median (min-max) | gutsleep is x faster | peak RSS (MB) | one-time (s) |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        mark = f"* [{r['measured_subjects']} x {r['measured_days']} d]" if r["extrapolated"] else ""
        q = r["subject_years_per_s"]
        ratio = rate[("gutsleep", r["people"])] / q["median"]
        ratio_text = "-" if r["engine"] == "gutsleep" else (f"{ratio:,.0f}" if ratio >= 100 else f"{ratio:.3g}")
        lines.append(f"| {r['people']:,} | {r['engine']}{mark} | {q['median']:.3g} ({q['min']:.3g}-{q['max']:.3g}) "
                     f"| {ratio_text} | {r['peak_rss_mb']:,.0f} | {r['one_time_s']:.1f} |")
    lines += ["", "One-time costs are not in the rates: gutsleep's kernel load (numba cache) in a one-day warm-up at "
              "the same N, libroadrunner's LLJIT compilation of the SBML (once per model and input schedule). "
              "Peak RSS is the whole worker process. The ratio column is gutsleep's median rate over the engine's, "
              "at the same N.", ""]
    agree = result.get("agreement", {})
    if agree:
        lines.append("Same output (daily means of every state, max relative difference over the days both ran): "
                     + "; ".join(f"{k.replace('gutsleep_vs_', 'vs ').replace('_', ' ')} {v['max_relative']:.1e} "
                                 f"({v['state']})" for k, v in agree.items()) + ".")
    return "\n".join(lines) + "\n"


def _write_readme(table: str) -> None:
    text = README.read_text() if README.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text:
        text += f"\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1] if END in rest else ""
    README.write_text(f"{head}{BEGIN}\n{table}{END}{tail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=365, help="days per subject (default 365)")
    parser.add_argument("--max-people", type=int, default=max(SIZES), help="largest N of 1, 100, 1000, 10000")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of the gutsleep measurements")
    parser.add_argument("--peer-repeats", type=int, default=1, help="repeats of the sequential peers")
    parser.add_argument("--rr-subjects", type=int, default=1, help="subjects libroadrunner really simulates")
    parser.add_argument("--rr-days", type=int, default=30, help="days libroadrunner really simulates")
    parser.add_argument("--lsoda-subjects", type=int, default=1, help="subjects LSODA really simulates")
    parser.add_argument("--lsoda-days", type=int, default=10, help="days LSODA really simulates (at most --days)")
    parser.add_argument("--previous-subjects", type=int, default=256, help="subjects of the previous kernel")
    parser.add_argument("--previous-days", type=int, default=30, help="days of the previous kernel")
    parser.add_argument("--no-readme", action="store_true", help="do not update benchmarks/README.md")
    parser.add_argument("--render", action="store_true", help="only rewrite the README table from compare.json")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        folder = Path(args.folder)
        if args.worker == "gutsleep":
            out = _worker_gutsleep(folder, args.n)
        elif args.worker == "previous":
            out = _worker_previous(folder, args.n, args.days)
        elif args.worker.startswith("roadrunner"):
            out = _worker_roadrunner(folder, args.n, args.days, args.worker.split("-")[1])
        else:
            out = _worker_lsoda(folder, args.n, args.days)
        print(json.dumps(out))
        return

    if args.render:
        _write_readme(_markdown(json.loads((RESULTS / "compare.json").read_text())))
        return

    from gutsleep.export import export_sbml
    from gutsleep.export.sbml import write_document

    sizes = [n for n in SIZES if n <= args.max_people]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"preparing the baseline subject ({BURN_IN_DAYS}-day burn-in) and its SBML exports ...", flush=True)
        subject = _subject(args.days)
        np.savez(folder / "subject.npz", parameters=subject.parameters, initial=subject.initial,
                 inputs=subject.inputs, days=subject.days)
        for form in ("events", "piecewise"):
            write_document(export_sbml(subject, inputs_as=form), str(folder / f"model_{form}.xml"))
        measured = {n: [_spawn(folder, "gutsleep", n, args.days) for _ in range(args.repeats)] for n in sizes}
        previous = {n: [_spawn(folder, "previous", min(n, args.previous_subjects), min(args.previous_days, args.days))
                        for _ in range(args.repeats)] for n in sizes}  # a parallel engine: measured per N
        peers = {
            "libroadrunner": [_spawn(folder, "roadrunner-piecewise", args.rr_subjects, min(args.rr_days, args.days))
                              for _ in range(args.peer_repeats)],
            "libroadrunner-events": [_spawn(folder, "roadrunner-events", args.rr_subjects,
                                            min(args.rr_days, args.days)) for _ in range(args.peer_repeats)],
            "scipy-lsoda": [_spawn(folder, "lsoda", args.lsoda_subjects, min(args.lsoda_days, args.days))
                            for _ in range(args.peer_repeats)],
        }
        agreement = _agreement(folder, subject.model, sizes)
    rows = []
    for n in sizes:
        rows.append(_row("gutsleep", n, args.days, measured[n]))
        for name in PEERS:
            rows.append(_row(name, n, args.days, previous[n] if name == "gutsleep-previous" else peers[name]))
    import os

    import numba

    gs = {n: statistics.median(r["measured_subjects"] * r["measured_days"] / 365 / r["wall_measured_s"]
                               for r in measured[n]) for n in sizes}
    result = {
        "benchmark": "gutsleep batched multi-rate SIMD kernel vs libroadrunner (SBML export, piecewise and event "
                     "inputs), scipy LSODA (numba-compiled RHS) and the previous gutsleep kernel; baseline scenario, "
                     "daily means of every state",
        "arguments": " ".join(sys.argv[1:]), "days": args.days, "people": sizes, "rows": rows,
        "ratios_gutsleep_over": {name: {str(n): gs[n] / next(r for r in rows if r["engine"] == name and
                                                             r["people"] == n)["subject_years_per_s"]["median"]
                                        for n in sizes} for name in PEERS},
        "note": "sequential peers (libroadrunner, LSODA) are measured on few subjects/days and extrapolated linearly; "
                "the previous kernel is parallel over subjects and is measured at each N (at most "
                f"{args.previous_subjects} subjects, {min(args.previous_days, args.days)} days)",
        "agreement": agreement,
        "numba_threads": numba.get_num_threads(), "cpu_count": os.cpu_count(),
        "machine": platform.platform(), "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d"),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "compare.json").write_text(json.dumps(result, indent=2) + "\n")
    table = _markdown(result)
    print(table)
    if not args.no_readme:
        _write_readme(table)
    print("written benchmarks/results/compare.json" + ("" if args.no_readme else " and benchmarks/README.md"))


if __name__ == "__main__":
    main()
