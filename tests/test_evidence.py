"""The evidence suite: data integrity, the quick subset (CI) and the full suite (slow)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from gutsleep.cli import app
from gutsleep.evidence import EXPERIMENTS, load_findings, run_experiments, select
from gutsleep.evidence.framework import Experiment, Measured, judge


def test_every_seed_claim_and_finding_is_covered():
    findings = load_findings()
    ids = {e.id for e in EXPERIMENTS}
    assert len(EXPERIMENTS) >= 30
    for claim in findings.seed_claims:
        assert claim.experiments, claim.claim
        assert set(claim.experiments) <= ids, claim.claim
    for e in EXPERIMENTS:
        assert set(e.findings) <= set(findings.findings), e.id
        assert e.low <= e.high
        if e.species != "human":
            assert e.translation, f"{e.id}: an animal protocol must say how it was translated"


def test_verdicts():
    exp = Experiment("X", ("REF-06",), "c", "1-2", 1, 2, "u", lambda ctx: Measured(1.5))
    assert judge(exp, Measured(1.5)) == "PASS"
    assert judge(exp, Measured(2.5)) == "FAIL"
    assert judge(exp, Measured(1.5, checks={"side condition": False})) == "FAIL"
    assert judge(exp, Measured(float("nan"))) == "FAIL"
    contested = Experiment("Y", ("REF-06",), "c", "1-2", 1, 2, "u", lambda ctx: Measured(1.5), contests="seed: 5")
    assert judge(contested, Measured(1.5)) == "CONTESTED"


def test_a_broken_experiment_is_reported_not_raised():
    def broken(ctx):
        raise RuntimeError("boom")

    result = run_experiments([Experiment("Z", ("REF-06",), "c", "1", 0, 1, "u", broken)])[0]
    assert result.verdict == "ERROR" and "boom" in result.error


def test_fast_subset_passes():
    results = run_experiments(select(fast_only=True))
    bad = {r.experiment.id: (r.verdict, r.value, r.error[:200]) for r in results if r.verdict in ("FAIL", "ERROR")}
    assert not bad
    assert any(r.verdict == "CONTESTED" for r in results)


@pytest.mark.slow
def test_full_suite_runs_and_calibration_passes(tmp_path):
    """Every experiment runs; every calibration experiment passes (the fit holds). Validation verdicts are what
    they are: a failing one makes the command exit 1 and is reported with its numbers."""
    report = tmp_path / "evidence.html"
    result = CliRunner().invoke(app, ["evidence", "--report", str(report)])
    assert result.exit_code in (0, 1), result.output
    assert "ERROR" not in result.output
    assert report.stat().st_size > 10_000
    results = run_experiments([e for e in EXPERIMENTS if e.role == "calibration"])
    bad = {r.experiment.id: (r.verdict, r.value) for r in results if r.verdict in ("FAIL", "ERROR")}
    assert not bad
    lines = [line for line in result.output.splitlines() if line.startswith(("validation:", "calibration:"))]
    assert [line.split(":")[0] for line in lines] == ["validation", "calibration"], result.output


def test_cli_runs_one_experiment_and_rejects_unknown_ids(tmp_path):
    ok = CliRunner().invoke(app, ["evidence", "--only", "FIB01-DEFAULT", "--report", str(tmp_path / "r.html")])
    assert ok.exit_code == 0, ok.output
    assert "FIB01-DEFAULT" in ok.output and (tmp_path / "r.html").exists()
    bad = CliRunner().invoke(app, ["evidence", "--only", "NOPE"])
    assert bad.exit_code == 2
