"""Compare gutsleep's batched solver with libroadrunner (on the SBML export) and scipy's LSODA.

Run on demand (not in CI); needs the ``[sbml]`` extra:

    python benchmarks/bench_compare.py                               # N = 1, 100, 1,000, 10,000 x 365 days
    python benchmarks/bench_compare.py --max-people 1000 --days 30   # a quick run

Every engine simulates the same thing: the baseline example, one subject = the baseline person, starting
from the state gutsleep reaches after its 42-day burn-in, for ``--days`` days of the same 15-min
piecewise-constant inputs, and reduces it to the same daily output: the daily mean of every state (mean
of the 96 values at the ends of the 15-min steps), summed over subjects.

* ``gutsleep``: ``gutsleep.solve.engine.run`` (compiled batched RK4, all N subjects at once, numba threads)
  with that daily reducer as ``on_day``; the numba compilation happens in a warm-up before timing.
* ``libroadrunner``: the ``gutsleep export sbml`` document (inputs as events), CVODE (Adams, rtol 1e-8,
  atol 1e-10 x scale), one subject at a time (``resetAll`` between subjects), output every 15 min. The
  model is compiled once (LLJIT; reported as ``one_time_s``, not in the rate).
* ``scipy-lsoda``: ``solve_ivp(method="LSODA")`` on the generated plain-Python right-hand side
  (``load_kernel(model, jit=False).rhs``), restarted at every input change, rtol 1e-8, same atol, one
  subject at a time.

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


def _worker_gutsleep(folder: Path, n: int) -> dict:
    from gutsleep.model import STEPS_PER_DAY
    from gutsleep.solve.engine import DayRecord, run

    subject = _load_subject(folder)
    model = subject.model
    n_s = len(model.states)
    u = subject.inputs.reshape(subject.days, STEPS_PER_DAY, -1)

    class Inputs:
        """The same per-step inputs for every subject (read-only views, like gutsleep's schedules)."""

        def __init__(self, n_subjects: int, days: int) -> None:
            self.n_subjects, self.total_days = n_subjects, days

        def day_inputs(self, k: int) -> np.ndarray:
            out = np.broadcast_to(u[k], (self.n_subjects, *u[k].shape))
            return np.ascontiguousarray(out)

    cohort = np.zeros((subject.days, n_s))

    def on_day(day: DayRecord) -> None:
        cohort[day.k] += day.record[:, :, :n_s].mean(axis=1).sum(axis=0)

    params = np.tile(subject.parameters, (n, 1))
    initial = np.tile(subject.initial, (n, 1))
    start = time.perf_counter()
    run(model, Inputs(n, 1), params, initial=initial)  # warm-up, same N: compilation or cache load
    one_time = time.perf_counter() - start
    rss_before = _rss_mb()
    start = time.perf_counter()
    run(model, Inputs(n, subject.days), params, initial=initial, on_day=on_day)
    wall = time.perf_counter() - start
    np.save(folder / f"gutsleep_{n}.npy", cohort / n)
    import numba

    return {"measured_subjects": n, "measured_days": subject.days, "wall_measured_s": wall, "one_time_s": one_time,
            "rss_before_mb": rss_before, "peak_rss_mb": _rss_mb(), "threads": numba.get_num_threads()}


def _worker_roadrunner(folder: Path, n: int) -> dict:
    from gutsleep.export.crosscheck import load_roadrunner

    subject = _load_subject(folder)
    model = subject.model
    names = list(model.state_names)
    scales = [s.scale for s in model.states]
    start = time.perf_counter()
    rr = load_roadrunner((folder / "model.xml").read_text(), scales, names)
    one_time = time.perf_counter() - start
    rr.timeCourseSelections = ["time", *names]
    rss_before = _rss_mb()
    cohort = np.zeros((subject.days, len(names)))
    steps = subject.days * 96
    start = time.perf_counter()
    for _ in range(n):
        rr.resetAll()
        res = np.array(rr.simulate(0.0, subject.days * 24.0, steps + 1))
        cohort += _daily_means(res[1:, 1:], subject.days)
    wall = time.perf_counter() - start
    np.save(folder / "roadrunner.npy", cohort / n)
    return {"measured_subjects": n, "measured_days": subject.days, "wall_measured_s": wall, "one_time_s": one_time,
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
    start = time.perf_counter()
    for _ in range(n):
        _, y = lsoda_states(subject, STEP_H, rtol=1e-8, jit=False)
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


def _row(engine: str, n: int, days: int, m: dict) -> dict:
    """Extrapolate a measurement to n subjects x days (linear in both for sequential engines)."""
    per_subject_day = m["wall_measured_s"] / (m["measured_subjects"] * m["measured_days"])
    exact = m["measured_subjects"] == n and m["measured_days"] == days
    wall = m["wall_measured_s"] if exact else per_subject_day * n * days
    return {
        "engine": engine, "people": n, "days": days, "wall_s": wall, "subject_years_per_s": n * days / 365 / wall,
        "extrapolated": not exact, "measured_subjects": m["measured_subjects"], "measured_days": m["measured_days"],
        "wall_measured_s": m["wall_measured_s"], "one_time_s": m["one_time_s"], "peak_rss_mb": m["peak_rss_mb"],
        "rss_before_mb": m["rss_before_mb"],
    }


def _agreement(folder: Path, model: Model, sizes: list[int]) -> dict:
    """Max relative difference of the cohort daily means between engines (floor 1e-3 x scale)."""
    scales = np.array([s.scale for s in model.states])
    gs = np.load(folder / f"gutsleep_{sizes[0]}.npy")
    out = {}
    for name in ("roadrunner", "lsoda"):
        path = folder / f"{name}.npy"
        if path.exists():
            other = np.load(path)
            d = min(len(other), len(gs))
            rel = np.abs(gs[:d] - other[:d]) / np.maximum(np.abs(other[:d]), 1e-3 * scales)
            i = int(np.argmax(rel.max(axis=0)))
            out[f"gutsleep_vs_{name}"] = {"max_relative": float(rel.max()), "state": model.state_names[i]}
    return out


def _markdown(result: dict) -> str:
    rows = result["rows"]
    rr = {r["people"]: r["subject_years_per_s"] for r in rows if r["engine"] == "libroadrunner"}
    lines = [
        f"`bench_compare.py {result.get('arguments', '')}`: {result['days']} days per subject; {result['machine']}, "
        f"{result['cpu_count']} CPUs, numba threads {result['numba_threads']}; one run ({result['date']}). "
        "Extrapolated rows are marked *, with the subjects x days really simulated in brackets.",
        "",
        "| people | engine | wall (s) | subject-years/s | vs libroadrunner | peak RSS (MB) | one-time (s) |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        mark = (f"* [{r['measured_subjects']} x {r['measured_days']} d]" if r["extrapolated"] else "")
        ratio = r["subject_years_per_s"] / rr[r["people"]] if r["people"] in rr else float("nan")
        ratio_text = f"{ratio:,.0f}" if ratio >= 100 else f"{ratio:.3g}"
        lines.append(f"| {r['people']:,} | {r['engine']} | {r['wall_s']:,.1f}{mark} | {r['subject_years_per_s']:.3g} "
                     f"| {ratio_text}x | {r['peak_rss_mb']:,.0f} | {r['one_time_s']:.1f} |")
    lines += ["", "One-time costs are not in the wall times or rates: gutsleep's numba compilation (or cache load) in "
              "a one-day warm-up at the same N, libroadrunner's LLJIT compilation of the SBML (once per model and "
              "input schedule). Peak RSS is the whole worker process.", ""]
    agree = result.get("agreement", {})
    if agree:
        lines.append("Same output: " + "; ".join(
            f"{k.replace('_', ' ')} max relative difference of the daily means {v['max_relative']:.1e} "
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
    parser.add_argument("--rr-subjects", type=int, default=3, help="subjects libroadrunner really simulates")
    parser.add_argument("--lsoda-subjects", type=int, default=1, help="subjects LSODA really simulates")
    parser.add_argument("--lsoda-days", type=int, default=30, help="days LSODA really simulates (at most --days)")
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
        elif args.worker == "roadrunner":
            out = _worker_roadrunner(folder, args.n)
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
    lsoda_days = min(args.lsoda_days, args.days)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"preparing the baseline subject ({BURN_IN_DAYS}-day burn-in) and its SBML export ...", flush=True)
        subject = _subject(args.days)
        np.savez(folder / "subject.npz", parameters=subject.parameters, initial=subject.initial,
                 inputs=subject.inputs, days=subject.days)
        write_document(export_sbml(subject), str(folder / "model.xml"))
        measured = {("gutsleep", n): _spawn(folder, "gutsleep", n, args.days) for n in sizes}
        rr = _spawn(folder, "roadrunner", min(args.rr_subjects, max(sizes)), args.days)
        ls = _spawn(folder, "lsoda", min(args.lsoda_subjects, max(sizes)), lsoda_days)
        agreement = _agreement(folder, subject.model, sizes)
    rows = []
    for n in sizes:
        rows.append(_row("libroadrunner", n, args.days, rr))
        rows.append(_row("gutsleep", n, args.days, measured[("gutsleep", n)]))
        rows.append(_row("scipy-lsoda", n, args.days, ls))
    import os

    import numba

    result = {
        "benchmark": "gutsleep batched RK4 vs libroadrunner (SBML export) vs scipy LSODA, baseline scenario, "
                     "daily means of every state",
        "arguments": " ".join(sys.argv[1:]), "days": args.days, "people": sizes, "rows": rows, "agreement": agreement,
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
