"""Cohort benchmark: a virtual population simulated in chunks on a local dask cluster with 1 and 2 workers.

Run on demand (not in CI). The full size is 100,000 people x 90 days (+42 burn-in) per worker count, hours on a
small machine; scale it down with flags:

    python benchmarks/bench_cohort.py                                   # 100,000 x 90 days, 1 and 2 workers
    python benchmarks/bench_cohort.py --people 2000 --days 30           # minutes
    python benchmarks/bench_cohort.py --people 200 --days 10 --workers 2

Each worker is one process with one numba thread, so 2 workers use 2 cores; scaling efficiency =
rate(2 workers) / (2 x rate(1 worker)). Throughput counts simulated subject-years including the burn-in. Peak
memory is each worker process's maximum resident set size. Writes benchmarks/results/cohort.json (with the
extrapolation of the measured rates to the full size, and the cost of 1,000,000 people x 1 year on a cluster
running the same code: core-hours from the measured per-core rate, wall time on ``--cluster-cores`` cores).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parent.parent
FULL_PEOPLE, FULL_DAYS = 100_000, 90


def _warm() -> int:
    """Load the model and the cached kernel in a worker (so start-up is not timed as simulation)."""
    from gutsleep.model import build_model
    from gutsleep.solve.codegen import load_kernel

    load_kernel(build_model())
    return os.getpid()


def _run(workers: int, people: int, days: int, burn_in: int, chunk_size: int, population: Path,
         tables: tuple[str, ...], folder: Path) -> dict[str, Any]:
    import dask
    from dask.distributed import Client, LocalCluster

    from gutsleep.cohort.executor import CohortSource, RunOptions, run_subjects, subject_years
    from gutsleep.cohort.population import Population, load_population

    spec = load_population(population).model_copy(update={"size": people})
    t0 = time.perf_counter()
    with dask.config.set({"distributed.scheduler.allowed-failures": 5}):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=logging.ERROR)
    client = Client(cluster)
    try:
        client.run(_warm)
        startup = time.perf_counter() - t0
        opts = RunOptions(burn_in_days=burn_in, chunk_size=chunk_size, numba_threads=1, tables=tables,
                          progress=True)
        run = run_subjects(CohortSource(Population(spec), days), folder / f"w{workers}", opts, client=client)
    finally:
        client.close()
        cluster.close()
    years = subject_years(people, days, burn_in)
    return {
        "workers": workers,
        "cluster_startup_s": round(startup, 2),
        "wall_s": round(run.wall_s, 2),
        "chunk_compute_s": round(run.chunk_seconds, 2),
        "subject_years": round(years, 2),
        "subject_years_per_s": round(years / run.wall_s, 3),
        "failed_subjects": len(run.failed),
        "peak_rss_mb_per_worker": sorted(round(v, 1) for v in run.workers.values()),
        "chunks": run.n_chunks,
    }


def _million(rates: dict[int, float], burn_in_days: int, cores: int, chunk: int) -> dict[str, Any] | None:
    """Cost of 1,000,000 people x 365 days (+ burn-in) with the same code on a cluster of ``cores`` cores, from
    the measured per-core rate (1 worker = 1 core); dask's per-chunk overhead is inside the measured rate."""
    if not rates:
        return None
    per_core = max(r / w for w, r in rates.items())
    years = 1_000_000 * (365 + burn_in_days) / 365
    core_hours = years / per_core / 3600
    return {"subject_years_incl_burn_in": round(years), "per_core_subject_years_per_s": round(per_core, 2),
            "core_hours": round(core_hours, 1), "cluster_cores": cores,
            "wall_h_on_cluster": round(core_hours / cores, 2), "chunks": -(-1_000_000 // chunk)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=FULL_PEOPLE)
    parser.add_argument("--days", type=int, default=FULL_DAYS)
    parser.add_argument("--burn-in-days", type=int, default=42)
    parser.add_argument("--chunk-size", type=int, default=500)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--population", type=Path, default=ROOT / "examples" / "populations" / "us-adults.yaml")
    parser.add_argument("--summary-only", action="store_true", help="write covariates and summary tables only")
    parser.add_argument("--keep", type=Path, default=None, help="keep the outputs in this folder")
    parser.add_argument("--cluster-cores", type=int, default=256, help="cores of the cluster in the estimate")
    args = parser.parse_args()
    tables = ("covariates", "summary") if args.summary_only else ("covariates", "summary", "nightly", "daily")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="gutsleep-bench-"))
    runs = []
    try:
        for w in args.workers:
            runs.append(_run(w, args.people, args.days, args.burn_in_days, args.chunk_size, args.population, tables,
                             folder))
            print(json.dumps(runs[-1]))
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    rates = {r["workers"]: r["subject_years_per_s"] for r in runs}
    full_years = FULL_PEOPLE * (FULL_DAYS + args.burn_in_days) / 365
    result: dict[str, Any] = {
        "benchmark": "cohort: population (us-adults) in chunks on a local dask cluster, 1 numba thread per worker",
        "people": args.people,
        "days": args.days,
        "burn_in_days": args.burn_in_days,
        "chunk_size": args.chunk_size,
        "tables": list(tables),
        "runs": runs,
        "scaling_efficiency_2_workers": round(rates[2] / (2 * rates[1]), 3) if 1 in rates and 2 in rates else None,
        "extrapolated_full_size_hours": {
            str(w): round(full_years / r / 3600, 2) for w, r in rates.items()
        },
        "full_size": f"{FULL_PEOPLE} people x {FULL_DAYS} days (+{args.burn_in_days} burn-in) = "
                     f"{full_years:.0f} subject-years",
        "million_person_years": _million(rates, args.burn_in_days, args.cluster_cores, args.chunk_size),
        "client_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "cores": os.cpu_count(),
        "machine": platform.platform(),
        "python": platform.python_version(),
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "cohort.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
