"""Chunked execution in-process: chunk-size invariance, atomic chunk files, resume after a crash, failure isolation."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import gutsleep.cohort.executor as executor
from gutsleep.cohort.executor import TABLES, CohortSource, RunOptions, chunk_ranges, run_subjects
from gutsleep.cohort.population import Population, Subject, parse_population

DAYS = 4
BURN_IN = 2
POPULATION = "name: tiny\nsize: 7\nseed: 11\n"


def tiny_source(size: int = 7) -> CohortSource:
    return CohortSource(Population(parse_population(POPULATION).model_copy(update={"size": size})), DAYS)


def tables(out: Path) -> dict[str, pd.DataFrame]:
    return {name: executor.read_table(out, name) for name in TABLES}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    """The tiny cohort in one chunk."""
    out = tmp_path_factory.mktemp("reference")
    run_subjects(tiny_source(), out, RunOptions(burn_in_days=BURN_IN, chunk_size=7))
    return tables(out)


def assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)


def test_chunk_ranges() -> None:
    assert chunk_ranges(7, 3) == [(0, 0, 3), (1, 3, 6), (2, 6, 7)]
    with pytest.raises(ValueError):
        chunk_ranges(7, 0)


@pytest.mark.parametrize("chunk_size", [1, 3])
def test_results_identical_whatever_the_chunk_size(chunk_size: int, reference: dict[str, pd.DataFrame],
                                                   tmp_path: Path) -> None:
    run = run_subjects(tiny_source(), tmp_path, RunOptions(burn_in_days=BURN_IN, chunk_size=chunk_size))
    assert run.n_chunks == -(-7 // chunk_size) and run.computed == list(range(run.n_chunks))
    assert_same(tables(tmp_path), reference)


def test_outputs_layout_and_contents(reference: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    covariates, summary = reference["covariates"], reference["summary"]
    assert covariates["subject"].tolist() == list(range(7)) and not covariates["failed"].any()
    assert {"age", "sex", "bmi", "fiber_g", "bedtime", "param_sws_gain"} <= set(covariates.columns)
    assert summary["subject"].tolist() == list(range(7))
    assert {"tst_min", "sleep_efficiency_pct", "shannon", "il6_pg_ml"} <= set(summary.columns)
    assert sorted(reference["daily"]["day"].unique()) == list(range(DAYS))
    assert reference["nightly"].groupby("subject").size().min() >= DAYS - 1


def test_existing_run_needs_resume_or_overwrite(tmp_path: Path) -> None:
    opts = RunOptions(burn_in_days=BURN_IN, chunk_size=7)
    run_subjects(tiny_source(), tmp_path, opts)
    with pytest.raises(ValueError, match="--resume"):
        run_subjects(tiny_source(), tmp_path, opts)
    with pytest.raises(ValueError, match=r"differs in .*source"):
        run_subjects(tiny_source(6), tmp_path, RunOptions(burn_in_days=BURN_IN, chunk_size=7, resume=True))
    again = run_subjects(tiny_source(6), tmp_path, RunOptions(burn_in_days=BURN_IN, chunk_size=7, overwrite=True))
    assert again.n_subjects == 6 and again.computed == [0]


def test_resume_after_a_crash_recomputes_only_missing_chunks(reference: dict[str, pd.DataFrame], tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    real = executor.simulate_chunk
    calls: list[int] = []

    def crashing(source: Any, chunk: int, *args: Any, **kwargs: Any) -> executor.ChunkResult:
        calls.append(chunk)
        if chunk == 2:
            raise RuntimeError("simulated crash")
        return real(source, chunk, *args, **kwargs)

    opts = RunOptions(burn_in_days=BURN_IN, chunk_size=2)
    monkeypatch.setattr(executor, "simulate_chunk", crashing)
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_subjects(tiny_source(), tmp_path, opts)
    store = executor.ChunkStore(executor.partial_folder(tmp_path))  # unfinished: beside the output folder
    assert store.finished() == {0, 1}
    assert not any(tmp_path.iterdir())  # the output folder itself is untouched until the run completes
    (store.folder / ".tmp-chunk-000002-deadbeef").mkdir()  # an interrupted write
    monkeypatch.setattr(executor, "simulate_chunk", real)
    calls.clear()
    monkeypatch.setattr(executor, "simulate_chunk", lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    run = run_subjects(tiny_source(), tmp_path, RunOptions(burn_in_days=BURN_IN, chunk_size=2, resume=True))
    assert calls == [2, 3] and run.computed == [2, 3] and run.skipped == [0, 1]
    assert not executor.partial_folder(tmp_path).exists()
    assert not list((tmp_path / "chunks").glob(".tmp-*")) and not list(tmp_path.glob(".tmp-*"))
    assert_same(tables(tmp_path), reference)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["n_subjects"] == 7 and manifest["chunk_size"] == 2 and manifest["days"] == DAYS


@dataclass(frozen=True)
class BrokenSubject:
    """A cohort in which subject 4 has a parameter the model cannot integrate."""

    inner: CohortSource

    @property
    def n_subjects(self) -> int:
        return self.inner.n_subjects

    @property
    def days(self) -> int:
        return self.inner.days

    def subjects(self, start: int, stop: int) -> list[Subject]:
        out = self.inner.subjects(start, stop)
        return [Subject(s.index, s.scenario, {**s.parameters, "lps_clearance_rate": -5.0}, s.covariates)
                if s.index == 4 else s for s in out]

    def part(self, start: int, stop: int) -> BrokenSubject:
        return self

    def describe(self) -> dict[str, Any]:
        return {"broken": 4, **self.inner.describe()}


def test_failing_subject_is_isolated(reference: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    run = run_subjects(BrokenSubject(tiny_source()), tmp_path, RunOptions(burn_in_days=BURN_IN, chunk_size=7))
    assert list(run.failed) == [4]
    assert "became invalid" in run.failed[4]
    got = tables(tmp_path)
    assert got["covariates"]["failed"].tolist() == [i == 4 for i in range(7)]
    assert 4 not in set(got["daily"]["subject"])
    keep = reference["daily"][reference["daily"]["subject"] != 4].reset_index(drop=True)
    pd.testing.assert_frame_equal(got["daily"], keep, check_exact=True)
