"""Core benchmark: the full model for N people x 365 days, batched, with nightly/daily outputs.

Run on demand (not in CI):  python benchmarks/bench_core.py [--people 1000] [--days 365]
Writes benchmarks/results/core.json with subject-years per second, wall time and peak memory, and the
speed-up of the batched run over a single subject measured in the same process (ratios are what
carry over between machines; absolute times on shared machines are noise).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import time
from pathlib import Path

import numba

from gutsleep.apps.simulate import simulate
from gutsleep.scenario import parse_scenario

RESULTS = Path(__file__).resolve().parent / "results"


def _throughput(people: int, days: int) -> tuple[float, float]:
    scenario = parse_scenario(f"name: baseline\ndays: {days}\n")
    start = time.perf_counter()
    simulate([scenario] * people, burn_in_days=0, timeseries_every_h=None)
    wall = time.perf_counter() - start
    return wall, people * days / 365 / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    _throughput(1, 2)  # warm-up: compile or load the cached kernel
    single_wall, single_rate = _throughput(1, args.days)
    wall, rate = _throughput(args.people, args.days)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "benchmark": "core: full model, baseline habits, nightly + daily outputs, no time series",
        "people": args.people,
        "days": args.days,
        "wall_s": round(wall, 2),
        "subject_years_per_s": round(rate, 2),
        "single_subject_year_wall_s": round(single_wall * 365 / args.days, 3),
        "single_subject_years_per_s": round(single_rate, 2),
        "batched_over_single_speedup": round(rate / single_rate, 2),
        "peak_rss_mb": round(peak_mb, 1),
        "threads": numba.get_num_threads(),
        "machine": platform.platform(),
        "python": platform.python_version(),
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "core.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
