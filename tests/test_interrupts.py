"""Ctrl-C at any point: exit code 130, one line saying what was kept, previous outputs intact, no temporaries
left, and ``--resume`` continuing a chunked run to the same result as an uninterrupted one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

import gutsleep.apps.simulate as sim
import gutsleep.cli as cli
import gutsleep.cohort.executor as executor
from gutsleep.apps import outputs
from gutsleep.apps.outputs import OutputFolder

runner = CliRunner()
SHORT = "name: short\ndays: 3\nseed: 1\n"
POPULATION = "name: int-pop\nsize: 8\nseed: 4\n"


def invoke(*args: str) -> Result:
    return runner.invoke(cli.app, list(args))


def previous_run(out: Path) -> dict[str, bytes]:
    """A finished gutsleep output in ``out``; returns its contents."""
    with OutputFolder.open(out, command="simulate") as folder:
        folder.path("nightly.csv").write_text("old nights")
        folder.path("report.html").write_text("old report")
    return snapshot(out)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(parent: Path) -> list[Path]:
    return [p for p in parent.rglob("*") if ".gutsleep-" in p.name or p.name.startswith(".tmp-")]


@pytest.fixture()
def files(tmp_path: Path) -> Path:
    (tmp_path / "short.yaml").write_text(SHORT)
    (tmp_path / "pop.yaml").write_text(POPULATION)
    return tmp_path


def test_interrupt_while_simulating(files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = files / "out"
    before = previous_run(out)

    def interrupted(*_a: object, **_k: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(sim, "simulate", interrupted)
    result = invoke("simulate", str(files / "short.yaml"), "--out", str(out))
    assert result.exit_code == 130 and "gutsleep: interrupted: nothing written" in result.output
    assert snapshot(out) == before and not leftovers(files)


def test_interrupt_while_writing(files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = files / "out"
    before = previous_run(out)
    real = sim.write_outputs

    def half_written(output: object, directory: Path, *args: object) -> None:
        real(output, directory, *args)  # type: ignore[arg-type]
        raise KeyboardInterrupt  # after every file is staged, before the commit

    monkeypatch.setattr(sim, "write_outputs", half_written)
    result = invoke("simulate", str(files / "short.yaml"), "--out", str(out), "--burn-in-days", "1")
    assert result.exit_code == 130 and "interrupted: nothing written" in result.output
    assert snapshot(out) == before and not leftovers(files)


def test_commit_is_not_interrupted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    previous_run(out)
    real = os.replace
    calls = []

    def replace_and_press_ctrl_c(src: object, dst: object) -> None:
        calls.append(dst)
        os.kill(os.getpid(), signal.SIGINT)  # ignored while the commit runs
        real(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(outputs.os, "replace", replace_and_press_ctrl_c)
    with OutputFolder.open(out, command="simulate") as folder:
        folder.path("nightly.csv").write_text("new nights")
    monkeypatch.setattr(outputs.os, "replace", real)
    assert calls and (out / "nightly.csv").read_text() == "new nights" and not (out / "report.html").exists()


def cohort(files: Path, out: Path, *extra: str) -> Result:
    return invoke("cohort", str(files / "pop.yaml"), "--days", "2", "--burn-in-days", "1", "--chunk-size", "2",
                  "--out", str(out), *extra)


def interrupt_at_chunk(monkeypatch: pytest.MonkeyPatch, at: int) -> None:
    real = executor.simulate_chunk

    def chunk(source: object, c: int, *args: object, **kwargs: object) -> executor.ChunkResult:
        if c == at:
            raise KeyboardInterrupt
        return real(source, c, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(executor, "simulate_chunk", chunk)


def test_interrupted_cohort_keeps_finished_chunks_and_resumes(files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reference = files / "reference"
    assert cohort(files, reference).exit_code == 0
    out = files / "out"
    real = executor.simulate_chunk
    interrupt_at_chunk(monkeypatch, 2)
    result = cohort(files, out)
    assert result.exit_code == 130
    assert "gutsleep: interrupted: 2 of 4 chunks kept, --resume continues" in result.output
    assert not out.exists()  # nothing complete-looking: the chunks wait beside it
    assert executor.ChunkStore(executor.partial_folder(out)).finished() == {0, 1}
    again = cohort(files, out)
    assert again.exit_code == 2 and "--resume" in again.output
    monkeypatch.setattr(executor, "simulate_chunk", real)
    resumed = cohort(files, out, "--resume")
    assert resumed.exit_code == 0, resumed.output
    for name in executor.TABLES:
        pd.testing.assert_frame_equal(executor.read_table(out, name), executor.read_table(reference, name),
                                      check_exact=True)
    assert not leftovers(files)


def test_cohort_interrupted_before_any_chunk_writes_nothing(files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = files / "out"
    before = previous_run(out)
    interrupt_at_chunk(monkeypatch, 0)
    result = cohort(files, out, "--overwrite")
    assert result.exit_code == 130 and "interrupted: nothing written" in result.output
    assert snapshot(out) == before and not leftovers(files)


def test_interrupt_during_trial_analysis_keeps_every_chunk(files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gutsleep.cohort.runs as runs

    (files / "trial.yaml").write_text("""name: int-trial
population: {size: 2, seed: 3}
n_per_arm: 2
burn_in_days: 1
run_in_days: 2
baseline_days: 1
duration_days: 2
arms: [{name: placebo}, {name: fiber, interventions: [{add: {fiber_g: 10}}]}]
primary: {column: tst_min, window_days: 1}
power: {sizes: [2], resamples: 20}
""")

    def interrupted(*_a: object, **_k: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(runs, "analyse_trial", interrupted)
    out = files / "trial-out"
    result = invoke("trial", str(files / "trial.yaml"), "--out", str(out), "--chunk-size", "2")
    assert result.exit_code == 130 and "interrupted: 2 of 2 chunks kept, --resume continues" in result.output
    assert not out.exists()


def test_sigint_to_a_running_simulation(tmp_path: Path) -> None:
    """The real thing: Ctrl-C (SIGINT) to a gutsleep process while it simulates."""
    scenario = tmp_path / "long.yaml"
    scenario.write_text("name: long\ndays: 3650\n")
    out = tmp_path / "out"
    before = previous_run(out)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    proc = subprocess.Popen(
        # a terminal's default Ctrl-C handling, also when this test runs as a background job (which starts its
        # children with SIGINT ignored)
        [sys.executable, "-c", "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
         "from gutsleep.cli import app; app()", "simulate", str(scenario), str(scenario),
         str(scenario), "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if list(tmp_path.glob(".out.gutsleep-tmp-*")):  # the output was checked: now it simulates
                break
            time.sleep(0.05)
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted: nothing written" in err and "Traceback" not in err
    assert snapshot(out) == before and not leftovers(tmp_path)


def test_a_swallowed_ctrl_c_still_stops_the_command(tmp_path):
    """Native callbacks (numba's compiler calls back through ctypes) print and drop a KeyboardInterrupt; the
    command must still stop at its next progress step, and nothing may be committed."""
    from gutsleep.apps import outputs

    restore = outputs.begin_command()
    try:
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.1)
        except KeyboardInterrupt:
            pass  # what ctypes does with it
        target = tmp_path / "out"
        with pytest.raises(KeyboardInterrupt), outputs.OutputFolder.open(target, command="test") as folder:
            (folder.staging / "a.csv").write_text("x\n")
        assert not target.exists()
        assert not list(tmp_path.glob(f"*{outputs.TMP_TAG}*"))
        outputs.raise_if_interrupted()  # raised once, then cleared
    finally:
        restore()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
