"""Core benchmark: the full model for N people x 365 days, batched, with nightly + daily outcome tables.

Run on demand (not in CI):

    python benchmarks/bench_core.py                          # 10,000 people x 365 days (the target size)
    python benchmarks/bench_core.py --people 1000 --days 60  # quicker, same checks scaled
    python benchmarks/bench_core.py --cold                   # also time a first run with empty caches

Each measurement runs in its own process so its peak memory (``ru_maxrss``) is its own:

* ``core``: ``gutsleep.apps.simulate.simulate`` for N baseline people (nightly + daily tables, no time series);
  subject-years per second and peak RSS of the whole process.
* ``kernels``: the previous kernel (the scalar one in ``gutsleep.solve.codegen``, kept as the oracle) and the
  batched kernel on the same subjects and days in one process, engine only: the speed-up measured in the same
  run (a ratio carries across machines and loads; absolute rates on a shared machine are noise).
* ``person-year``: ``gutsleep simulate`` of one person-year from the command line with all its outputs
  (CSV tables, hourly time series, HTML report), warm cache; and the engine alone for that subject-year.
* ``--cold``: the same command with empty kernel and numba caches (the first run on a new machine).

Every measurement is repeated (``--repeats``) and the min and median are written. Targets (issue 11) are checked
and the script exits 1 when one is missed. Writes ``benchmarks/results/core.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
README = HERE / "README.md"
BEGIN, END = "<!-- core:begin -->", "<!-- core:end -->"
TARGETS = {
    "subject_years_per_s_min": 100.0,
    "subject_years_per_s_goal": 170.0,
    "peak_rss_mb_max": 2048.0,
    "cli_person_year_wall_s_max": 2.0,
    "engine_person_year_s_max": 0.1,
    "cold_first_run_s_max": 60.0,
}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _scenario(days: int):
    from gutsleep.scenario import parse_scenario

    return parse_scenario(f"name: baseline\ndays: {days}\n")


def _worker_core(people: int, days: int) -> dict:
    from gutsleep.apps.simulate import simulate

    simulate([_scenario(2)], burn_in_days=0, timeseries_every_h=None)  # load kernels (compiled or cached)
    start = time.perf_counter()
    out = simulate([_scenario(days)] * people, burn_in_days=0, timeseries_every_h=None)
    wall = time.perf_counter() - start
    return {"wall_s": wall, "subject_years_per_s": people * days / 365 / wall, "peak_rss_mb": _rss_mb(),
            "nightly_rows": len(out.nightly), "daily_rows": len(out.daily)}


def _worker_kernels(people: int, days: int) -> dict:
    """Previous (scalar) and batched kernel, engine only, on the same subjects and days, in one process."""
    import numpy as np

    from gutsleep.inputs import build_schedule
    from gutsleep.model import STEP_H, STEPS_PER_DAY, build_model
    from gutsleep.solve.codegen import load_kernel
    from gutsleep.solve.engine import initial_states, parameter_matrix, run

    model = build_model()
    schedule = build_schedule([_scenario(days)] * people)
    params = parameter_matrix(model, [{}] * people)
    old = load_kernel(model)
    run(model, build_schedule([_scenario(1)]), params[:1])  # load the batched kernel
    width = len(model.states) + len(model.observables)
    y = initial_states(model, people)
    status = np.full((people, 2), -1, dtype=np.int64)
    u0 = np.ascontiguousarray(schedule.day_inputs(0), dtype=np.float64)
    old.integrate(y[:1].copy(), params[:1], u0[:1], STEP_H, np.empty((1, STEPS_PER_DAY, width)), status[:1].copy())
    start = time.perf_counter()
    for k in range(days):
        u = np.ascontiguousarray(schedule.day_inputs(k), dtype=np.float64)
        old.integrate(y, params, u, STEP_H, np.empty((people, STEPS_PER_DAY, width)), status)
    old_s = time.perf_counter() - start
    start = time.perf_counter()
    run(model, schedule, params)
    new_s = time.perf_counter() - start
    return {"previous_kernel_s": old_s, "batched_kernel_s": new_s, "speedup": old_s / new_s,
            "previous_subject_years_per_s": people * days / 365 / old_s,
            "batched_subject_years_per_s": people * days / 365 / new_s}


def _worker_engine_year() -> dict:
    from gutsleep.apps.simulate import DEFAULT_BURN_IN_DAYS
    from gutsleep.inputs import build_schedule
    from gutsleep.model import build_model
    from gutsleep.solve.engine import parameter_matrix, run

    model = build_model()
    run(model, build_schedule([_scenario(1)]), parameter_matrix(model, [{}]))
    schedule = build_schedule([_scenario(365)], burn_in_days=DEFAULT_BURN_IN_DAYS)
    start = time.perf_counter()
    run(model, schedule, parameter_matrix(model, [{}]))
    wall = time.perf_counter() - start
    return {"engine_person_year_s": wall * 365 / schedule.total_days,
            "engine_with_burn_in_s": wall}


def _cli_year(env: dict[str, str]) -> float:
    """Wall seconds of `gutsleep simulate` for one person-year with every output, in a fresh process."""
    with tempfile.TemporaryDirectory() as tmp:
        scenario = Path(tmp) / "year.yaml"
        scenario.write_text("name: baseline\ndays: 365\n")
        cmd = [sys.executable, "-c", "from gutsleep.cli import app; app()", "simulate", str(scenario),
               "--out", str(Path(tmp) / "out")]
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            raise RuntimeError(f"gutsleep simulate failed:\n{proc.stderr[-3000:]}")
        return wall


def _spawn(name: str, *args: str) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", name, *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{name} worker failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _summary(values: list[float]) -> dict:
    return {"min": round(min(values), 4), "median": round(statistics.median(values), 4),
            "all": [round(v, 4) for v in values]}


def _write_readme(result: dict) -> None:
    """Replace the table between the core markers in benchmarks/README.md."""
    rate, k = result["subject_years_per_s"], result["kernel_comparison"]
    lines = [
        f"`bench_core.py --people {result['people']} --days {result['days']} --repeats {result['repeats']}`, "
        f"{result['machine']}, {result['cpu_count']} CPUs, {result['date']}; min / median over repeats.",
        "",
        "| measure | value | target | met |",
        "|---|---:|---:|---|",
    ]
    checks = list(result["checks"].values())
    lines.append(f"| subject-years/s (nightly + daily tables) | {rate['min']:.1f} / {rate['median']:.1f} | >= 100 "
                 f"(goal 170) | {'yes' if checks[0] else 'no'} |")
    lines.append(f"| peak RSS (MB) | {result['peak_rss_mb']['min']:.0f} | < 2048 | {'yes' if checks[1] else 'no'} |")
    cli = result["cli_person_year_wall_s"]["min"]
    ok = "yes" if checks[2] else "no"
    lines.append(f"| one person-year from the CLI, all outputs (s) | {cli:.2f} | < 2 | {ok} |")
    lines.append(f"| engine, one person-year (s) | {result['engine_person_year_s']['min']:.3f} | < 0.1 | "
                 f"{'yes' if checks[3] else 'no'} |")
    if result["cold_first_run_s"] is not None:
        lines.append(f"| cold first run, empty caches (s) | {result['cold_first_run_s']:.0f} | < 60 | "
                     f"{'yes' if checks[4] else 'no'} |")
    sp = k["speedup_over_previous_kernel"]
    lines.append(f"| batched kernel over the previous kernel, same run ({k['people']} people x {k['days']} d) | "
                 f"{sp['min']:.2f}x / {sp['median']:.2f}x | | |")
    table = "\n".join(lines) + "\n"
    text = README.read_text()
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        README.write_text(f"{head}{BEGIN}\n{table}{END}{rest.split(END, 1)[1]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--kernel-people", type=int, default=512, help="subjects of the kernel comparison")
    parser.add_argument("--kernel-days", type=int, default=20, help="days of the kernel comparison")
    parser.add_argument("--cold", action="store_true", help="also time a first run with empty caches")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        a = [int(x) for x in args.args]
        fn = {"core": _worker_core, "kernels": _worker_kernels, "engine": _worker_engine_year}[args.worker]
        print(json.dumps(fn(*a)))
        return 0

    runs = [_spawn("core", str(args.people), str(args.days)) for _ in range(args.repeats)]
    print("core:", json.dumps(runs[-1]), flush=True)
    kernels = [_spawn("kernels", str(args.kernel_people), str(args.kernel_days)) for _ in range(args.repeats)]
    print("kernels:", json.dumps(kernels[-1]), flush=True)
    engine = [_spawn("engine") for _ in range(args.repeats)]
    env = dict(os.environ)
    _cli_year(env)  # warm: kernels cached
    cli = [_cli_year(env) for _ in range(args.repeats)]
    cold = None
    if args.cold:
        with tempfile.TemporaryDirectory() as tmp:
            cold_env = {**env, "GUTSLEEP_CACHE_DIR": str(Path(tmp) / "g"), "NUMBA_CACHE_DIR": str(Path(tmp) / "n")}
            cold = _cli_year(cold_env)
    import numba

    rate = _summary([r["subject_years_per_s"] for r in runs])
    result = {
        "benchmark": "core: full model, baseline habits, nightly + daily outcome tables, no time series",
        "people": args.people,
        "days": args.days,
        "repeats": args.repeats,
        "subject_years_per_s": rate,
        "wall_s": _summary([r["wall_s"] for r in runs]),
        "peak_rss_mb": _summary([r["peak_rss_mb"] for r in runs]),
        "rows": {"nightly": runs[-1]["nightly_rows"], "daily": runs[-1]["daily_rows"]},
        "kernel_comparison": {
            "people": args.kernel_people, "days": args.kernel_days,
            "speedup_over_previous_kernel": _summary([k["speedup"] for k in kernels]),
            "previous_subject_years_per_s": _summary([k["previous_subject_years_per_s"] for k in kernels]),
            "batched_subject_years_per_s": _summary([k["batched_subject_years_per_s"] for k in kernels]),
        },
        "engine_person_year_s": _summary([e["engine_person_year_s"] for e in engine]),
        "cli_person_year_wall_s": _summary(cli),
        "cold_first_run_s": None if cold is None else round(cold, 2),
        "targets": TARGETS,
        "threads": numba.get_num_threads(),
        "cpu_count": os.cpu_count(),
        "machine": platform.platform(),
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d"),
    }
    scale = args.people * args.days / (10_000 * 365)
    checks = {
        f"subject-years/s >= {TARGETS['subject_years_per_s_min']:g} (best of repeats)":
            max(rate["all"]) >= TARGETS["subject_years_per_s_min"],
        f"peak RSS < {TARGETS['peak_rss_mb_max']:g} MB":
            min(r["peak_rss_mb"] for r in runs) < TARGETS["peak_rss_mb_max"],
        f"one person-year from the CLI < {TARGETS['cli_person_year_wall_s_max']:g} s": min(cli)
        < TARGETS["cli_person_year_wall_s_max"],
        f"engine person-year < {TARGETS['engine_person_year_s_max']:g} s":
            result["engine_person_year_s"]["min"] < TARGETS["engine_person_year_s_max"],
    }
    if cold is not None:
        checks[f"cold first run < {TARGETS['cold_first_run_s_max']:g} s"] = cold < TARGETS["cold_first_run_s_max"]
    result["checks"] = checks
    result["size_relative_to_target"] = round(scale, 4)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "core.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    _write_readme(result)
    missed = [name for name, ok in checks.items() if not ok]
    for name in missed:
        print(f"MISSED: {name}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
