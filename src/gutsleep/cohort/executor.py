"""Chunked execution of many subjects: in-process, on a local dask cluster or on an existing dask scheduler.

Subjects are split into chunks of consecutive indices; each chunk is one batched :func:`simulate` call. Finished
chunks are written as they complete (``OUT/chunks/chunk-NNNNNN/`` with one Parquet file per table, made visible
by one atomic directory rename), so a crash loses no finished work and ``resume=True`` recomputes only missing
chunks. Subject ``i``'s traits come from its own random stream and a subject's results do not depend on the
other subjects in a batch, so the merged result is bit-identical whatever the chunk size or number of workers.

On dask, tasks have ``retries`` and a worker that dies mid-chunk has its chunk rescheduled on another worker
(dask does this when it loses a worker; the local cluster allows ``retries + 2`` such losses per chunk).

Layout of ``OUT``::

    manifest.json                 what was run (spec, days, burn-in, chunk size, model fingerprint) and every file
    chunks/chunk-000000/          covariates / summary / nightly / daily .parquet and meta.json, per chunk
    covariates.parquet            one row per subject (``failed`` marks subjects whose integration failed)
    summary.parquet               per-subject means of every outcome over the last ``summary_days`` days
    nightly.parquet, daily.parquet  every night and day of every subject (unless tables=("summary",))

While a run is in progress everything is written into ``.OUT.gutsleep-partial/`` beside ``OUT`` (the same
layout); ``OUT`` changes only when the run and its reports are complete, through
:class:`gutsleep.apps.outputs.OutputFolder` (a previous run there is replaced whole; files gutsleep did not write
are left alone). An interrupted or crashed run keeps its finished chunks in the partial folder and ``resume``
continues from them; a run that fails before finishing any chunk leaves nothing behind.

Local dask clusters started here encrypt and authenticate their connections with TLS and a temporary key made
for the run (``distributed.security.Security.temporary()``), serve no dashboard or HTTP routes unless
``dashboard`` is given, and listen on 127.0.0.1 only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import resource
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import ValidationError

from gutsleep import __version__
from gutsleep.apps.outputs import MANIFEST, PARTIAL_TAG, OutputFolder
from gutsleep.apps.simulate import DEFAULT_BURN_IN_DAYS, simulate
from gutsleep.cohort.outcomes import last_days_means
from gutsleep.cohort.population import Population, Subject
from gutsleep.solve.engine import SimulationError

TABLES: tuple[str, ...] = ("covariates", "summary", "nightly", "daily")
CHUNK_PREFIX = "chunk-"
log = logging.getLogger(__name__)


class SubjectSource(Protocol):
    """What the executor needs: how many subjects, how to build a range of them, and a description."""

    n_subjects: int
    days: int

    def subjects(self, start: int, stop: int) -> list[Subject]:
        """Subjects ``start .. stop-1`` (their ``index`` is the global subject number)."""
        ...

    def part(self, start: int, stop: int) -> SubjectSource:
        """A (small, picklable) source able to build subjects ``start .. stop-1`` (shipped to workers)."""
        ...

    def describe(self) -> dict[str, Any]:
        """JSON-able description identifying the run (written to the manifest; resume checks it)."""
        ...


@dataclass(frozen=True)
class CohortSource:
    """All subjects of a population, each simulated for ``days`` days."""

    population: Population
    days: int

    @property
    def n_subjects(self) -> int:
        return self.population.size

    def subjects(self, start: int, stop: int) -> list[Subject]:
        return self.population.subjects(start, stop, days=self.days)

    def part(self, start: int, stop: int) -> CohortSource:
        return self

    def describe(self) -> dict[str, Any]:
        return {"kind": "cohort", "days": self.days, "population": self.population.spec.model_dump(mode="json"),
                **self.population.parameter_record()}


@dataclass(frozen=True)
class RunOptions:
    """How to execute: burn-in, chunking, where (in-process, local cluster, scheduler), resume, progress.

    ``workers`` <= 1 without a ``scheduler`` runs in this process; ``workers`` > 1 starts a local dask cluster of
    that many single-threaded worker processes. ``numba_threads`` sets the kernel's threads per worker (default:
    all cores in-process, cores / workers on a local cluster, unchanged on a remote scheduler).
    ``tables`` lists the merged tables to write (covariates and summary are always written).
    """

    burn_in_days: int = DEFAULT_BURN_IN_DAYS
    chunk_size: int = 100
    workers: int = 1
    scheduler: str | None = None
    resume: bool = False
    overwrite: bool = False
    retries: int = 3
    numba_threads: int | None = None
    summary_days: int = 7
    tables: tuple[str, ...] = TABLES
    progress: bool = False
    force: bool = False
    """Write into a non-empty folder gutsleep did not write (its files are kept; see :mod:`gutsleep.apps.outputs`)."""
    dashboard: str | None = None
    """Address of the dask dashboard of a local cluster (e.g. ``127.0.0.1:8787``); None = no dashboard."""
    connect_timeout_s: float = 10.0
    """How long to try to reach ``scheduler`` before giving up with an error."""


@dataclass
class ChunkResult:
    """Tables of one chunk and how it went (``failed``: subject -> reason, for isolated integration failures)."""

    chunk: int
    tables: dict[str, pd.DataFrame]
    failed: dict[int, str]
    seconds: float
    pid: int
    peak_rss_mb: float


@dataclass
class CohortRun:
    """Outcome of :func:`run_subjects`: merged table paths and what was computed."""

    out: Path
    paths: dict[str, Path]
    n_subjects: int
    n_chunks: int
    computed: list[int]
    skipped: list[int]
    failed: dict[int, str]
    wall_s: float
    chunk_seconds: float
    workers: dict[int, float] = field(default_factory=dict)
    """Process id -> peak resident memory (MB) of each process that computed chunks."""
    kept: list[str] = field(default_factory=list)
    """Entries of ``out`` that gutsleep did not write: left untouched (report them)."""

    def table(self, name: str) -> pd.DataFrame:
        """A merged table read back (``covariates``, ``summary``, ``nightly`` or ``daily``)."""
        return read_table(self.out, name)


def chunk_ranges(n_subjects: int, chunk_size: int) -> list[tuple[int, int, int]]:
    """(chunk id, first subject, stop) of every chunk."""
    if chunk_size < 1:
        raise ValueError(f"chunk size must be >= 1 (got {chunk_size})")
    return [(i, s, min(s + chunk_size, n_subjects)) for i, s in enumerate(range(0, n_subjects, chunk_size))]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _simulate_isolating(subjects: Sequence[Subject], burn_in_days: int) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                                 dict[int, str]]:
    """Simulate subjects as one batch; if the integration fails, bisect to isolate the failing subjects."""
    try:
        out = simulate([s.scenario for s in subjects], burn_in_days=burn_in_days, timeseries_every_h=None,
                       parameters=[s.parameters for s in subjects])
    except SimulationError as exc:
        if len(subjects) == 1:
            return pd.DataFrame(), pd.DataFrame(), {subjects[0].index: str(exc)}
        mid = len(subjects) // 2
        n1, d1, f1 = _simulate_isolating(subjects[:mid], burn_in_days)
        n2, d2, f2 = _simulate_isolating(subjects[mid:], burn_in_days)
        return _concat([n1, n2]), _concat([d1, d2]), {**f1, **f2}
    index = [s.index for s in subjects]
    nightly, daily = out.nightly.copy(), out.daily.copy()
    nightly["subject"] = [index[i] for i in nightly["subject"]]
    daily["subject"] = [index[i] for i in daily["subject"]]
    return nightly, daily, {}


def _concat(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _build_subjects(source: SubjectSource, start: int, stop: int) -> list[Subject]:
    """Subjects ``start .. stop-1``; a subject whose scenario is invalid is a ``ValueError`` saying why."""
    try:
        return source.subjects(start, stop)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(scenario)'}: {e['msg']}"
                             for e in exc.errors()[:5])
        raise ValueError(f"subjects {start} to {stop - 1} cannot be built: {problems}") from None


def simulate_chunk(source: SubjectSource, chunk: int, start: int, stop: int, *, burn_in_days: int,
                   summary_days: int, numba_threads: int | None = None,
                   tables: Sequence[str] = TABLES) -> ChunkResult:
    """Build and simulate subjects ``start .. stop-1`` in one batch; the unit of work on a worker."""
    if numba_threads is not None:
        import numba

        numba.set_num_threads(max(1, min(int(numba_threads), numba.config.NUMBA_NUM_THREADS)))
    t0 = time.perf_counter()
    subjects = _build_subjects(source, start, stop)
    nightly, daily, failed = _simulate_isolating(subjects, burn_in_days)
    covariates = pd.DataFrame([s.covariates for s in subjects])
    covariates["failed"] = covariates["subject"].isin(list(failed))
    summary = last_days_means(nightly, daily, source.days, summary_days).reset_index() if not nightly.empty else (
        pd.DataFrame({"subject": pd.Series(dtype="int64")}))
    out = {"covariates": covariates, "summary": summary}
    if "nightly" in tables:
        out["nightly"] = nightly
    if "daily" in tables:
        out["daily"] = daily
    return ChunkResult(chunk, out, failed, time.perf_counter() - t0, os.getpid(), _peak_rss_mb())


class ChunkStore:
    """Chunk directories under ``OUT/chunks``: atomic writes, listing of finished chunks, streaming merge."""

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out)
        self.folder = self.out / "chunks"

    def path(self, chunk: int) -> Path:
        return self.folder / f"{CHUNK_PREFIX}{chunk:06d}"

    def finished(self) -> set[int]:
        """Chunk ids whose directory is complete (tmp directories of interrupted writes are ignored)."""
        if not self.folder.exists():
            return set()
        done = set()
        for p in self.folder.iterdir():
            if p.is_dir() and p.name.startswith(CHUNK_PREFIX) and (p / "meta.json").exists():
                done.add(int(p.name[len(CHUNK_PREFIX):]))
        return done

    def clean_partial(self) -> None:
        """Remove leftovers of interrupted writes."""
        if self.folder.exists():
            for p in self.folder.iterdir():
                if p.name.startswith(".tmp-"):
                    shutil.rmtree(p, ignore_errors=True)

    def write(self, result: ChunkResult) -> Path:
        """Write a chunk into a temporary directory, then rename it into place (atomic on POSIX)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        final = self.path(result.chunk)
        tmp = self.folder / f".tmp-{final.name}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        for name, table in result.tables.items():
            pq.write_table(pa.Table.from_pandas(table, preserve_index=False), tmp / f"{name}.parquet")
        meta = {"chunk": result.chunk, "failed": {str(k): v for k, v in result.failed.items()},
                "seconds": result.seconds, "pid": result.pid, "peak_rss_mb": result.peak_rss_mb}
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1))
        try:
            os.rename(tmp, final)
        except OSError:  # already written (e.g. a retried duplicate): keep the first copy
            shutil.rmtree(tmp, ignore_errors=True)
        return final

    def meta(self, chunk: int) -> dict[str, Any]:
        return json.loads((self.path(chunk) / "meta.json").read_text())

    def merge(self, chunks: Sequence[int], names: Sequence[str],
              gutsleep: dict[str, Any] | None = None) -> dict[str, Path]:
        """Concatenate every chunk's tables in chunk order into ``OUT/<name>.parquet`` (streamed, bounded memory;
        each written under a temporary name and renamed, which is removed if the merge fails or is interrupted);
        ``gutsleep`` (provenance) goes into the schema metadata with each column's unit and description."""
        paths: dict[str, Path] = {}
        for name in names:
            target = self.out / f"{name}.parquet"
            tmp = self.out / f".tmp-{name}-{uuid.uuid4().hex[:8]}.parquet"
            try:
                self._merge_one(tmp, name, chunks, gutsleep)
                os.replace(tmp, target)
            finally:
                tmp.unlink(missing_ok=True)
            paths[name] = target
        return paths

    def _merge_one(self, tmp: Path, name: str, chunks: Sequence[int], gutsleep: dict[str, Any] | None = None) -> None:
        """Stream table ``name`` of every chunk into ``tmp`` (with ``gutsleep`` provenance and column descriptions in
        the schema metadata when given)."""
        writer: pq.ParquetWriter | None = None
        schema: pa.Schema | None = None
        try:
            for c in chunks:
                f = self.path(c) / f"{name}.parquet"
                if not f.exists():
                    continue
                table = pq.read_table(f)
                if table.num_rows == 0:
                    continue
                table = table.replace_schema_metadata(None)
                if writer is None:
                    schema = table.schema
                    if gutsleep is not None:
                        schema = _described(table, name, gutsleep).schema
                    writer = pq.ParquetWriter(tmp, schema)
                if not table.schema.equals(schema, check_metadata=True):
                    table = table.select(schema.names).cast(schema)
                writer.write_table(table)
        finally:
            if writer is not None:
                writer.close()
        if writer is None:
            pq.write_table(pa.table({"subject": pa.array([], pa.int64())}), tmp)

    def clean_temporary(self) -> None:
        """Remove temporary files of interrupted merges and chunk writes."""
        self.clean_partial()
        if self.out.exists():
            for p in self.out.glob(".tmp-*"):
                shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)


_TABLE_KINDS = {"covariates": "covariates", "summary": "cohort_summary", "nightly": "nightly", "daily": "daily"}


def _described(table: pa.Table, name: str, gutsleep: dict[str, Any]) -> pa.Table:
    """``table`` with units, descriptions and provenance in its schema metadata."""
    from gutsleep.apps.metadata import with_parquet_metadata

    return with_parquet_metadata(table, _TABLE_KINDS.get(name, name), {**gutsleep, "table": name})


def _provenance(manifest: dict[str, Any]) -> dict[str, Any]:
    """Provenance of a cohort run's tables: version, model hash, the specification and run settings."""
    from gutsleep.apps.metadata import provenance

    settings = {k: manifest[k] for k in ("n_subjects", "days", "burn_in_days", "summary_days") if k in manifest}
    return provenance(specification=manifest.get("source"), run=settings,
                      parameters_note="per-subject parameter values are the param_<name> columns of "
                                      "covariates.parquet; all others are at the defaults fixed by model_hash")


def read_table(out: str | Path, name: str) -> pd.DataFrame:
    """A merged table of a finished run."""
    return pq.read_table(Path(out) / f"{name}.parquet").to_pandas()


def model_fingerprint() -> str:
    """Short hash of the model's parameters (names, defaults) and states, so a resume cannot mix model versions."""
    from gutsleep.model import build_model

    model = build_model()
    text = json.dumps([[p.name, p.default] for p in model.parameters] + list(model.state_names))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _manifest(source: SubjectSource, options: RunOptions) -> dict[str, Any]:
    manifest = {
        "gutsleep": __version__,
        "model": model_fingerprint(),
        "n_subjects": source.n_subjects,
        "days": source.days,
        "burn_in_days": options.burn_in_days,
        "chunk_size": options.chunk_size,
        "summary_days": options.summary_days,
        "tables": sorted(set(options.tables) | {"covariates", "summary"}),
        "source": source.describe(),
    }
    return json.loads(json.dumps(manifest, sort_keys=True))


def partial_folder(out: str | Path) -> Path:
    """Where a chunked run into ``out`` keeps its work until it is complete: ``.NAME.gutsleep-partial`` beside it."""
    target = Path(os.path.abspath(Path(out).expanduser()))
    return target.parent / f".{target.name}{PARTIAL_TAG}"


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during a chunked run; ``message`` says how many chunks were kept for ``--resume``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _differs(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return [k for k in new if old.get(k) != new[k]]


class RunFolder:
    """The output folder of a chunked run: chunks, merged tables and reports are written into ``work`` (the partial
    folder beside ``OUT``) and moved into ``OUT`` on success; see the module docstring.

    Use :func:`prepare_run` and the context manager: on a clean exit everything is committed; on Ctrl-C the
    finished chunks are kept and :class:`RunInterrupted` says how many; on a failure with no finished chunk the
    partial folder is removed (a corrected re-run then starts cleanly).
    """

    def __init__(self, output: OutputFolder, run: dict[str, Any], n_chunks: int) -> None:
        self.output = output
        self.run = run
        self.n_chunks = n_chunks
        self.work = output.staging
        self.store = ChunkStore(self.work)

    @property
    def target(self) -> Path:
        return self.output.target

    def __enter__(self) -> RunFolder:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.output.manifest_extra.update(self.run)
            self.output.commit()
            return
        kept = len(self.store.finished() & set(range(self.n_chunks)))
        if issubclass(exc_type, KeyboardInterrupt) and not isinstance(exc, RunInterrupted):
            if kept:
                raise RunInterrupted(f"interrupted: {kept} of {self.n_chunks} chunks kept, --resume continues "
                                     f"(they are in {self.work})") from None
            self.output.discard()
        elif not kept:
            self.output.discard()

    def finalize(self, run: CohortRun) -> CohortRun:
        """``run`` pointing at the committed folder."""
        run.out = self.target
        run.paths = self.output.final_paths(run.paths)
        run.kept = list(self.output.kept)
        return run


def _normalized(source: SubjectSource, options: RunOptions) -> RunOptions:
    if options.summary_days < 1:
        raise ValueError(f"summary window must be at least 1 day (got {options.summary_days})")
    if options.summary_days > source.days:
        options = replace(options, summary_days=source.days)
    unknown = set(options.tables) - set(TABLES)
    if unknown:
        raise ValueError(f"unknown tables {sorted(unknown)}; allowed: {', '.join(TABLES)}")
    if options.chunk_size < 1:
        raise ValueError(f"chunk size must be >= 1 (got {options.chunk_size})")
    return options


def prepare_run(source: SubjectSource, out: str | Path, options: RunOptions | None = None) -> RunFolder:
    """Check ``out`` and set up the work folder of a chunked run, before any simulation.

    A new run needs a new or empty ``out`` (or one holding gutsleep outputs with ``overwrite``, or files of the
    user's with ``force``, which are kept); ``resume`` continues an interrupted run of the same inputs (its
    partial folder) or re-finishes a complete one. Raises ``ValueError`` (an :class:`OutputError` for path
    problems) with what to do.
    """
    options = _normalized(source, options or RunOptions())
    run = _manifest(source, options)
    partial = partial_folder(out)
    unfinished = _read_json(partial / MANIFEST) if partial.is_dir() else None
    n_chunks = len(chunk_ranges(source.n_subjects, options.chunk_size))
    if unfinished is not None and not (options.resume or options.overwrite):
        done = len(ChunkStore(partial).finished())
        raise ValueError(f"{out} has an unfinished run ({done} chunk(s) kept in {partial}); pass --resume to "
                         "continue it or --overwrite to start again")
    if options.resume and unfinished is not None and _differs(unfinished, run):
        raise ValueError(f"cannot resume {out}: the unfinished run differs in {', '.join(_differs(unfinished, run))}; "
                         "use another --out, or --overwrite to start again")
    output = OutputFolder.open(out, command=str(run["source"].get("kind", "cohort")), force=options.force,
                               replace=options.resume or options.overwrite,
                               replace_hint="pass --resume to continue it or --overwrite to replace it (only files "
                                            "gutsleep wrote are removed)",
                               persistent_staging=True)
    previous = output.previous
    if options.resume and unfinished is None and previous is not None and _differs(previous, run):
        output.discard()
        raise ValueError(f"cannot resume in {out}: the run there differs in {', '.join(_differs(previous, run))}; "
                         "use another --out or --overwrite")
    if options.overwrite or not options.resume:
        shutil.rmtree(output.staging, ignore_errors=True)
        output.staging.mkdir()
    folder = RunFolder(output, run, n_chunks)
    folder.store.clean_temporary()
    (folder.work / MANIFEST).write_text(json.dumps(run, indent=1, sort_keys=True))
    if options.resume and previous is not None and not _differs(previous, run):
        _link_finished(ChunkStore(output.target), folder.store, n_chunks)
    return folder


def _link_finished(src: ChunkStore, dst: ChunkStore, n_chunks: int) -> None:
    """Give ``dst`` the finished chunks of ``src`` it lacks (hard links; copies where links are impossible)."""
    have = dst.finished()
    for c in sorted(src.finished() - have):
        if c >= n_chunks:
            continue
        tmp = dst.folder / f".tmp-link-{c}-{uuid.uuid4().hex[:6]}"
        tmp.mkdir(parents=True)
        known = {"meta.json", *(f"{name}.parquet" for name in TABLES)}  # never adopt a user's file as gutsleep's
        for f in src.path(c).iterdir():
            if f.name in known and f.is_file() and not f.is_symlink():
                try:
                    os.link(f, tmp / f.name)
                except OSError:
                    shutil.copy2(f, tmp / f.name)
        os.rename(tmp, dst.path(c))


@contextmanager
def _progress(enabled: bool, total: int, subjects: int) -> Iterator[Callable[[int], None]]:
    """Progress over chunks (``advance(n_subjects_done)``): a bar on a terminal, log lines otherwise; or a no-op."""
    if not enabled:
        yield lambda _n: None
        return
    from gutsleep.apps.ui import chunk_progress

    with chunk_progress(total, subjects) as advance:
        yield advance


def _local_cluster(workers: int, retries: int, dashboard: str | None = None) -> Any:
    """A local cluster on 127.0.0.1 with TLS and a temporary key (no one else on the machine can submit work to
    it) and no dashboard or HTTP routes unless ``dashboard`` is an address."""
    import dask
    from dask.distributed import LocalCluster
    from distributed.security import Security

    try:
        security = Security.temporary()
    except ImportError as exc:
        raise ModuleNotFoundError("a local dask cluster needs the cryptography package (for its TLS key); "
                                  "install the cohort extra", name="cryptography") from exc
    settings: dict[str, Any] = {"distributed.scheduler.allowed-failures": retries + 2}
    if dashboard is None:
        settings.update({"distributed.scheduler.http.routes": [], "distributed.worker.http.routes": []})
    with dask.config.set(settings):
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                            dashboard_address=dashboard, security=security, silence_logs=logging.CRITICAL)


def connect(address: str, timeout_s: float = 10.0) -> Any:
    """A dask client of the scheduler at ``address``, or a ``ValueError`` saying why it cannot be reached (raised
    before any work is submitted)."""
    from dask.distributed import Client

    try:
        return Client(address, timeout=f"{timeout_s:g}s")
    except Exception as exc:  # dask raises OSError, TimeoutError, ValueError, TypeError or AssertionError here
        detail = str(exc).strip() or type(exc).__name__
        raise ValueError(f"cannot connect to the dask scheduler at {address!r}: {detail}; check the address "
                         "(e.g. tcp://HOST:8786) and that the scheduler runs and accepts this machine (TLS "
                         "settings in the dask configuration), or leave out --scheduler") from None


def _run_dask(source: SubjectSource, todo: Sequence[tuple[int, int, int]], options: RunOptions,
              on_result: Callable[[ChunkResult], None], client: Any = None) -> None:
    """Submit every chunk to dask and hand results over as they complete."""
    from dask.distributed import Client, as_completed

    cluster = None
    own_client = client is None
    threads = options.numba_threads
    if client is None:
        if options.scheduler:
            client = connect(options.scheduler, options.connect_timeout_s)
        else:
            cluster = _local_cluster(options.workers, options.retries, options.dashboard)
            client = Client(cluster, security=cluster.security)
            threads = threads or max(1, (os.cpu_count() or 1) // options.workers)
    try:
        tag = uuid.uuid4().hex[:8]
        futures = [
            client.submit(simulate_chunk, source.part(start, stop), chunk, start, stop,
                          burn_in_days=options.burn_in_days, summary_days=options.summary_days,
                          numba_threads=threads, tables=options.tables, key=f"gutsleep-chunk-{chunk}-{tag}",
                          retries=options.retries, pure=False)
            for chunk, start, stop in todo
        ]
        for future in as_completed(futures):
            result = future.result()
            future.release()
            on_result(result)
    finally:
        if own_client:
            client.close()
        if cluster is not None:
            cluster.close()


def run_subjects(source: SubjectSource, out: str | Path, options: RunOptions | None = None, *,
                 client: Any = None, folder: RunFolder | None = None) -> CohortRun:
    """Simulate every subject of ``source`` in chunks and write the tables under ``out`` (see module docs).

    ``client`` (a ``dask.distributed.Client``) overrides ``options.workers``/``scheduler``. Without ``folder`` the
    run is committed into ``out`` before this returns; with a ``folder`` from :func:`prepare_run` the tables are
    left in ``folder.work`` (the caller adds its reports there and commits by leaving the ``with`` block).
    """
    options = _normalized(source, options or RunOptions())
    if folder is None:
        with prepare_run(source, out, options) as own:
            run = run_subjects(source, out, options, client=client, folder=own)
        return own.finalize(run)
    start_time = time.perf_counter()
    _build_subjects(source, 0, min(source.n_subjects, 20))  # invalid subjects show up before any work
    store = folder.store
    ranges = chunk_ranges(source.n_subjects, options.chunk_size)
    done = store.finished() & {r[0] for r in ranges}
    todo = [r for r in ranges if r[0] not in done]
    computed: list[int] = []
    seconds = 0.0
    workers: dict[int, float] = {}
    with _progress(options.progress, len(ranges), source.n_subjects) as advance:
        for c in sorted(done):
            advance(ranges[c][2] - ranges[c][1])

        def on_result(result: ChunkResult) -> None:
            nonlocal seconds
            store.write(result)
            computed.append(result.chunk)
            seconds += result.seconds
            workers[result.pid] = max(workers.get(result.pid, 0.0), result.peak_rss_mb)
            advance(len(result.tables["covariates"]))

        if todo and (client is not None or options.scheduler or options.workers > 1):
            _run_dask(source, todo, options, on_result, client)
        else:
            if options.numba_threads:
                import numba

                numba.set_num_threads(max(1, min(options.numba_threads, numba.config.NUMBA_NUM_THREADS)))
            for chunk, start, stop in todo:
                on_result(simulate_chunk(source.part(start, stop), chunk, start, stop,
                                         burn_in_days=options.burn_in_days, summary_days=options.summary_days,
                                         tables=options.tables))
    all_chunks = [r[0] for r in ranges]
    failed: dict[int, str] = {}
    for c in all_chunks:
        failed.update({int(k): v for k, v in store.meta(c)["failed"].items()})
    names = [n for n in TABLES if n in set(options.tables) | {"covariates", "summary"}]
    paths = store.merge(all_chunks, names, gutsleep=_provenance(folder.run))
    return CohortRun(folder.work, paths, source.n_subjects, len(ranges), sorted(computed), sorted(done), failed,
                     time.perf_counter() - start_time, seconds, workers)


def subject_years(n_subjects: int, days: int, burn_in_days: int) -> float:
    """Simulated subject-years including burn-in (the unit of throughput)."""
    return n_subjects * (days + burn_in_days) / 365.0


def fmt_rate(n_subjects: int, days: int, burn_in_days: int, seconds: float) -> str:
    """``x subject-years/s`` text."""
    if seconds <= 0 or math.isnan(seconds):
        return "-"
    return f"{subject_years(n_subjects, days, burn_in_days) / seconds:.2f} subject-years/s"


__all__ = [
    "TABLES",
    "ChunkResult",
    "ChunkStore",
    "CohortRun",
    "CohortSource",
    "RunFolder",
    "RunInterrupted",
    "RunOptions",
    "SubjectSource",
    "chunk_ranges",
    "connect",
    "model_fingerprint",
    "partial_folder",
    "prepare_run",
    "read_table",
    "run_subjects",
    "simulate_chunk",
    "subject_years",
]
