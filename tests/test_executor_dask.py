"""Execution on a dask cluster: same result as in-process, and a worker killed mid-run changes nothing.

One local cluster (2 worker processes, 1 thread each) is shared by the tests; each worker loads the cached numba
kernel once (a few seconds).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("dask.distributed")

import dask
from dask.distributed import Client, LocalCluster

from gutsleep.cohort.executor import (
    TABLES,
    CohortRun,
    CohortSource,
    RunOptions,
    partial_folder,
    read_table,
    run_subjects,
)
from gutsleep.cohort.population import Population, parse_population

BURN_IN = 3


def source(size: int, days: int) -> CohortSource:
    return CohortSource(Population(parse_population(f"name: dask\nsize: {size}\nseed: 5\n")), days)


def tables(out: Path) -> dict[str, pd.DataFrame]:
    return {name: read_table(out, name) for name in TABLES}


def assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)


@pytest.fixture(scope="module")
def client() -> Client:
    with dask.config.set({"distributed.scheduler.allowed-failures": 5}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=50)
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def test_two_workers_give_the_in_process_result(client: Client, tmp_path: Path) -> None:
    src = source(6, 4)
    run_subjects(src, tmp_path / "one", RunOptions(burn_in_days=BURN_IN, chunk_size=6))
    run = run_subjects(src, tmp_path / "two", RunOptions(burn_in_days=BURN_IN, chunk_size=2, numba_threads=1),
                       client=client)
    assert len(run.workers) == 2 or run.n_chunks == len(run.computed)
    assert_same(tables(tmp_path / "one"), tables(tmp_path / "two"))


def test_killed_worker_is_retried_and_the_result_is_unchanged(client: Client, tmp_path: Path) -> None:
    src = source(16, 40)
    run_subjects(src, tmp_path / "ref", RunOptions(burn_in_days=BURN_IN, chunk_size=16))
    pids = client.run(os.getpid)
    result: dict[str, CohortRun | BaseException] = {}

    def work() -> None:
        try:
            result["run"] = run_subjects(src, tmp_path / "dask", RunOptions(burn_in_days=BURN_IN, chunk_size=2,
                                                                            numba_threads=1), client=client)
        except BaseException as exc:  # pragma: no cover - reported below
            result["error"] = exc

    thread = threading.Thread(target=work)
    thread.start()
    killed = None
    deadline = time.monotonic() + 60
    while killed is None and time.monotonic() < deadline and thread.is_alive():
        busy = {addr: keys for addr, keys in client.processing().items()
                if any(str(k).startswith("gutsleep-chunk") for k in keys)}
        if busy and (partial_folder(tmp_path / "dask") / "chunks").exists():  # a chunk has finished: mid-run
            addr = sorted(busy)[0]
            killed = pids[addr]
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.02)
    thread.join(timeout=180)
    assert killed is not None, "no worker was busy to kill"
    assert "error" not in result, result.get("error")
    run = result["run"]
    assert isinstance(run, CohortRun)
    assert sorted(run.computed) == list(range(8))
    assert_same(tables(tmp_path / "ref"), tables(tmp_path / "dask"))
    assert killed not in client.run(os.getpid).values()  # the nanny replaced the worker
