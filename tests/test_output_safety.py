"""Output folders: checked before any work, committed whole, never at the cost of files gutsleep did not write.

Reproducers are made here: an existing file as --out, a device, a path below a file, read-only folders, a user's
file in a gutsleep folder (also in chunks/), forged manifests, stray temporary folders of killed runs.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

import gutsleep.apps.simulate as sim
import gutsleep.cli as cli
from gutsleep.apps import outputs
from gutsleep.apps.outputs import MANIFEST, OutputError, OutputFolder, atomic_file, read_manifest

runner = CliRunner()
SHORT = "name: short\ndays: 3\nseed: 1\n"
OTHER = "name: other\ndays: 3\nseed: 2\nhabits: {fiber_g: 30}\n"


def invoke(*args: str) -> Result:
    return runner.invoke(cli.app, list(args))


def write_run(target: Path, files: dict[str, str], **kwargs: object) -> OutputFolder:
    """A gutsleep output folder holding ``files`` (relative path -> text)."""
    with OutputFolder.open(target, command="test", **kwargs) as folder:  # type: ignore[arg-type]
        for rel, text in files.items():
            folder.path(rel).write_text(text)
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def no_temporaries(parent: Path) -> bool:
    return not [p for p in parent.rglob("*") if ".gutsleep-tmp-" in p.name or p.name.startswith(".tmp-")]


@pytest.fixture()
def no_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything is simulated (output problems must be found first)."""

    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("simulated although the output path is unusable")

    monkeypatch.setattr(sim, "simulate", refuse)
    monkeypatch.setattr(sim, "compare", refuse)


# ------------------------------------------------------------------ the folder layer
def test_new_folder_is_committed_with_a_manifest(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "out"
    folder = write_run(target, {"a.csv": "1", "sub/b.csv": "2"})
    assert folder.committed and snapshot(target) == {"a.csv": b"1", "sub/b.csv": b"2", MANIFEST: (target /
                                                     MANIFEST).read_bytes()}
    manifest = read_manifest(target)
    assert manifest is not None and set(manifest["files"]) == {"a.csv", "sub/b.csv"}
    assert manifest["command"] == "test" and manifest["gutsleep"]
    assert no_temporaries(tmp_path)


def test_previous_output_is_replaced_whole_and_user_files_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "out"
    write_run(target, {"old.csv": "old", "report.html": "old", "chunks/c1/x.parquet": "old"})
    (target / "notes.txt").write_text("mine")
    (target / "chunks" / "my_thesis_data.csv").write_text("mine too")
    folder = write_run(target, {"report.html": "new", "new.csv": "new"})
    got = snapshot(target)
    assert got["report.html"] == b"new" and got["new.csv"] == b"new"
    assert "old.csv" not in got and "chunks/c1/x.parquet" not in got  # nothing of the old run mixes in
    assert got["notes.txt"] == b"mine" and got["chunks/my_thesis_data.csv"] == b"mine too"
    assert set(folder.kept) == {"notes.txt", "chunks/my_thesis_data.csv"}
    assert set(read_manifest(target)["files"]) == {"report.html", "new.csv"}  # type: ignore[index]


def test_foreign_folder_is_refused_and_force_only_adds(tmp_path: Path) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "thesis.docx").write_text("precious")
    with pytest.raises(OutputError) as info:
        OutputFolder.open(target, command="test")
    message = str(info.value)
    assert "not written by gutsleep" in message and "thesis.docx" in message
    assert "--overwrite" not in message  # the advice never deletes anything
    folder = write_run(target, {"report.html": "new"}, force=True)
    assert (target / "thesis.docx").read_text() == "precious" and folder.kept == ["thesis.docx"]
    assert (target / "report.html").read_text() == "new"


@pytest.mark.parametrize("force", [False, True])
def test_files_gutsleep_did_not_write_are_never_replaced(tmp_path: Path, force: bool) -> None:
    target = tmp_path / "out"
    target.mkdir()
    (target / "report.html").write_text("user's own report")
    with pytest.raises(OutputError, match=r"report\.html"):
        OutputFolder.open(target, command="test", force=force, expect=["report.html"])
    assert (target / "report.html").read_text() == "user's own report"


def test_a_changed_output_file_counts_as_the_users(tmp_path: Path) -> None:
    target = tmp_path / "out"
    write_run(target, {"report.html": "gutsleep", "daily.csv": "x"})
    (target / "report.html").write_text("edited by hand, and longer")
    with pytest.raises(OutputError, match="changed since"):
        OutputFolder.open(target, command="test", expect=["report.html"])
    folder = write_run(target, {"daily.csv": "y"})  # not in the way: kept and reported
    assert (target / "report.html").read_text() == "edited by hand, and longer" and folder.kept == ["report.html"]


def test_forged_manifest_cannot_delete_outside_the_folder(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("keep")
    target = tmp_path / "out"
    write_run(target, {"a.csv": "1"})
    manifest = json.loads((target / MANIFEST).read_text())
    st = os.stat(outside)
    entry = {"bytes": st.st_size, "mtime_ns": st.st_mtime_ns}
    manifest["files"].update({"../outside.txt": entry, str(outside): entry})
    (target / MANIFEST).write_text(json.dumps(manifest))
    write_run(target, {"b.csv": "2"})
    assert outside.read_text() == "keep"


def test_a_failed_run_leaves_the_previous_outputs_intact(tmp_path: Path) -> None:
    target = tmp_path / "out"
    write_run(target, {"report.html": "old run"})
    before = snapshot(target)
    with pytest.raises(RuntimeError), OutputFolder.open(target, command="test") as folder:
        folder.path("report.html").write_text("half")
        raise RuntimeError("integration failed")
    assert snapshot(target) == before and no_temporaries(tmp_path)


def test_stray_temporaries_of_dead_runs_are_cleaned(tmp_path: Path) -> None:
    dead = tmp_path / ".out.gutsleep-tmp-999999999-deadbeef"
    (dead / "sub").mkdir(parents=True)
    (dead / "sub" / "nightly.csv").write_text("half written")
    alive = tmp_path / f".out.gutsleep-tmp-{os.getpid()}-cafe0000"
    alive.mkdir()
    write_run(tmp_path / "out", {"a.csv": "1"})
    assert not dead.exists() and alive.exists()


@pytest.mark.parametrize("case", ["file", "below-file", "device", "dangling-link"])
def test_unusable_paths_are_refused(tmp_path: Path, case: str) -> None:
    (tmp_path / "plain.txt").write_text("x")
    if case == "file":
        path = tmp_path / "plain.txt"
    elif case == "below-file":
        path = tmp_path / "plain.txt" / "out"
    elif case == "device":
        path = Path(os.devnull)
    else:
        path = tmp_path / "link"
        path.symlink_to(tmp_path / "nowhere")
    with pytest.raises(OutputError) as info:
        OutputFolder.open(path, command="test")
    assert str(path.name) in str(info.value) or "plain.txt" in str(info.value)
    assert (tmp_path / "plain.txt").read_text() == "x"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder_is_refused(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(OutputError, match="ermission denied"):
            OutputFolder.open(ro / "out", command="test")
        with pytest.raises(OutputError, match="ermission denied"):
            OutputFolder.open(ro, command="test")
    finally:
        ro.chmod(stat.S_IRWXU)


@pytest.mark.parametrize("errno_text", ["Permission denied", "Read-only file system"])
def test_uncreatable_staging_folder_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               errno_text: str) -> None:
    real = Path.mkdir

    def failing(self: Path, *args: object, **kwargs: object) -> None:
        if ".gutsleep-" in self.name:
            raise OSError(13 if "Permission" in errno_text else 30, errno_text)
        real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "mkdir", failing)
    with pytest.raises(OutputError, match=errno_text):
        OutputFolder.open(tmp_path / "out", command="test")
    assert not (tmp_path / "out").exists()


def test_out_in_a_folder_whose_parent_is_not_writable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--out .`` in a home folder: nothing may be created beside it, so the staging folder goes inside."""
    target = tmp_path / "here"
    write_run(target, {"old.csv": "old"})
    (target / "mine.txt").write_text("mine")
    real = Path.mkdir

    def parent_read_only(self: Path, *args: object, **kwargs: object) -> None:
        if self.parent == tmp_path and ".gutsleep-" in self.name:
            raise PermissionError(13, "Permission denied")
        real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "mkdir", parent_read_only)
    folder = write_run(target, {"new.csv": "new"})
    assert folder.staging.parent == target
    assert sorted(p.name for p in target.iterdir()) == [MANIFEST, "mine.txt", "new.csv"]
    assert no_temporaries(tmp_path)


def test_atomic_file_replaces_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "model.xml"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_file(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("export failed")
    assert target.read_text() == "old" and no_temporaries(tmp_path)
    with atomic_file(target) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new"
    with pytest.raises(OutputError, match="is a folder"):
        outputs.check_output_file(tmp_path)


# ------------------------------------------------------------------ the commands
@pytest.fixture()
def files(tmp_path: Path) -> Path:
    (tmp_path / "short.yaml").write_text(SHORT)
    (tmp_path / "other.yaml").write_text(OTHER)
    (tmp_path / "plain.txt").write_text("x")
    return tmp_path


@pytest.mark.parametrize("out", ["plain.txt", "plain.txt/below", "DEVNULL"])
def test_simulate_refuses_a_bad_out_before_simulating(files: Path, out: str, no_simulation: None) -> None:
    target = os.devnull if out == "DEVNULL" else str(files / out)
    result = invoke("simulate", str(files / "short.yaml"), "--out", target, "--burn-in-days", "1")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "gutsleep: error:" in result.output
    assert (files / "plain.txt").read_text() == "x"


def test_compare_into_a_simulate_folder_replaces_it_whole(files: Path) -> None:
    out = files / "out"
    first = invoke("simulate", str(files / "short.yaml"), "--out", str(out), "--burn-in-days", "1")
    assert first.exit_code == 0, first.output
    assert (out / "nightly.csv").exists() and (out / "timeseries.nc").exists()
    assert set(read_manifest(out)["files"]) == {"nightly.csv", "daily.csv", "summary.csv", "timeseries.nc",  # type: ignore[index]
                                                "report.html", "datapackage.json"}
    (out / "my-notes.md").write_text("notes")
    second = invoke("compare", str(files / "short.yaml"), str(files / "other.yaml"), "--out", str(out),
                    "--burn-in-days", "1")
    assert second.exit_code == 0, second.output
    names = {p.name for p in out.iterdir()}
    assert names == {"nightly_diff.csv", "daily_diff.csv", "summary.csv", "report.html", "datapackage.json", MANIFEST,
                     "my-notes.md"}
    assert set(read_manifest(out)["files"]) == names - {MANIFEST, "my-notes.md"}  # type: ignore[index]
    assert "my-notes.md" in second.output  # reported as left untouched
    assert no_temporaries(files)


def test_simulate_into_a_foreign_folder(files: Path) -> None:
    out = files / "foreign"
    out.mkdir()
    (out / "data.csv").write_text("mine")
    refused = invoke("simulate", str(files / "short.yaml"), "--out", str(out), "--burn-in-days", "1")
    assert refused.exit_code == 2 and "--force" in refused.output and "--overwrite" not in refused.output
    forced = invoke("simulate", str(files / "short.yaml"), "--out", str(out), "--burn-in-days", "1", "--force")
    assert forced.exit_code == 0, forced.output
    assert (out / "data.csv").read_text() == "mine" and (out / "nightly.csv").exists()


POPULATION = "name: safe-pop\nsize: 4\nseed: 1\n"


def cohort(files: Path, out: Path, *extra: str) -> Result:
    return invoke("cohort", str(files / "pop.yaml"), "--days", "2", "--burn-in-days", "1", "--chunk-size", "2",
                  "--out", str(out), *extra)


def test_cohort_overwrite_keeps_a_users_file_in_chunks(files: Path) -> None:
    (files / "pop.yaml").write_text(POPULATION)
    out = files / "run"
    assert cohort(files, out).exit_code == 0
    (out / "chunks" / "my_thesis_data.csv").write_text("two years of work")
    again = cohort(files, out)
    assert again.exit_code == 2 and "--resume" in again.output
    replaced = cohort(files, out, "--overwrite")
    assert replaced.exit_code == 0, replaced.output
    assert (out / "chunks" / "my_thesis_data.csv").read_text() == "two years of work"
    assert "my_thesis_data.csv" in replaced.output
    assert len(pd.read_parquet(out / "summary.parquet")) == 4 and no_temporaries(files)
    (out / "chunks" / "chunk-000000" / "notes.txt").write_text("inside a chunk")
    resumed = cohort(files, out, "--resume")  # re-finishing a complete run adopts only gutsleep's chunk files
    assert resumed.exit_code == 0, resumed.output
    assert "chunks/chunk-000000/notes.txt" not in read_manifest(out)["files"]  # type: ignore[index]
    assert cohort(files, out, "--overwrite").exit_code == 0
    assert (out / "chunks" / "chunk-000000" / "notes.txt").read_text() == "inside a chunk"
    assert (out / "chunks" / "my_thesis_data.csv").read_text() == "two years of work"


def test_cohort_failing_before_any_chunk_leaves_nothing(files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gutsleep.cohort.executor as executor

    (files / "pop.yaml").write_text(POPULATION)
    out = files / "run"
    real = executor.simulate_chunk

    def broken(*_a: object, **_k: object) -> None:
        raise ValueError("participant cannot be built")

    monkeypatch.setattr(executor, "simulate_chunk", broken)
    failed = cohort(files, out)
    assert failed.exit_code == 2 and "cannot be built" in failed.output
    assert not out.exists() and not executor.partial_folder(out).exists()
    monkeypatch.setattr(executor, "simulate_chunk", real)
    fixed = cohort(files, out)  # the corrected re-run needs no flag
    assert fixed.exit_code == 0, fixed.output


def test_interrupted_merge_leaves_no_temporary_parquet(files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gutsleep.cohort.executor as executor

    (files / "pop.yaml").write_text(POPULATION)
    out = files / "run"
    real = executor.ChunkStore._merge_one

    def interrupted(self: executor.ChunkStore, tmp: Path, name: str, chunks: list[int],
                    gutsleep: dict[str, object] | None = None) -> None:
        real(self, tmp, name, chunks, gutsleep)
        if name == "summary":
            raise KeyboardInterrupt

    monkeypatch.setattr(executor.ChunkStore, "_merge_one", interrupted)
    result = cohort(files, out)
    assert result.exit_code == 130 and "2 of 2 chunks kept, --resume continues" in result.output
    assert not out.exists() and no_temporaries(files)
    monkeypatch.setattr(executor.ChunkStore, "_merge_one", real)
    resumed = cohort(files, out, "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert not executor.partial_folder(out).exists() and no_temporaries(files)


def test_export_and_equations_check_their_file_first(files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = invoke("equations", "--out", str(files / "plain.txt" / "eq.md"))
    assert result.exit_code == 2 and "is a file" in result.output
    result = invoke("equations", "--out", str(files))
    assert result.exit_code == 2 and "is a folder" in result.output
    pytest.importorskip("libsbml")
    import gutsleep.export as export

    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("simulated although the output path is unusable")

    monkeypatch.setattr(export, "subject_run", refuse)
    result = invoke("export", "sbml", str(files / "plain.txt" / "m.xml"))
    assert result.exit_code == 2 and "is a file" in result.output
