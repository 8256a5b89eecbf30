"""Project-level contracts: README commands, CI script, parameter documentation, single source."""

from __future__ import annotations

import re
from pathlib import Path

from gutsleep.model import build_model
from gutsleep.solve.codegen import model_source

ROOT = Path(__file__).resolve().parent.parent


def _bash_blocks(text: str) -> list[str]:
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def test_readme_opens_with_the_two_commands_and_ci_runs_the_test_command():
    readme = (ROOT / "README.md").read_text()
    blocks = _bash_blocks(readme)
    install_and_run, install_and_test = blocks[0], blocks[1]
    assert install_and_run.startswith("pip install .") and "gutsleep demo" in install_and_run
    assert "[test]" in install_and_test and "pytest" in install_and_test
    ci = (ROOT / ".ci" / "run").read_text()
    assert install_and_test in ci.splitlines(), "the CI script must run exactly the README's test command"


def test_every_parameter_is_documented():
    problems = {p.name: p.problems() for p in build_model().parameters if p.problems()}
    assert not problems


def test_every_source_is_a_citation_an_assumption_or_a_calibration():
    for p in build_model().parameters:
        src = p.source.lower()
        cited = any(ch.isdigit() for ch in src)  # a citation carries a year or a number
        assert cited or src.startswith(("assumption", "calibrated")), p.name


def test_generated_kernel_contains_every_rate_once():
    """The kernel is generated from the model: one derivative line per state in each of the two right-hand
    sides (plain parameters, and parameters extended by the hoisted parameter-only quantities)."""
    model = build_model()
    source = model_source(model, jit=False)
    for i, name in enumerate(model.state_names):
        assert source.count(f"    dy[{i}] = ") == 2, name


def test_model_is_bounded_by_design():
    """Every state is non-negative except phases, signed filters and the sleep debt (sleep in hand is negative),
    which are declared as such."""
    model = build_model()
    signed = {s.name for s in model.states if not s.nonnegative}
    assert signed == {"clock_phase_psi", "gut_clock_phase_theta", "feeding_phase_cos_filtered",
                      "feeding_phase_sin_filtered", "sleep_debt_h", "sleep_debt_load_h"}
    assert len([s for s in model.states if s.name.startswith("taxon_")]) >= 30


def test_readme_numbers_match_the_code():
    """Counts in the README are checked, so they cannot drift from the code."""
    from gutsleep.evidence.experiments import EXPERIMENTS
    from gutsleep.evidence.findings import load_findings
    from gutsleep.model.microbiome import GUILDS, TAXA

    readme = (ROOT / "README.md").read_text()
    findings = load_findings()
    counted = {
        r"(\d+) experiments": len(EXPERIMENTS),
        r"(\d+) findings with citations": len(findings.findings),
        r"(\d+) seed\s+claims": len(findings.seed_claims),
        r"(\d+) taxa in \d+ guilds": len(TAXA),
        r"\d+ taxa in (\d+) guilds": len(GUILDS),
    }
    for pattern, actual in counted.items():
        found = [int(n) for n in re.findall(pattern, readme)]
        assert found, pattern
        assert set(found) == {actual}, f"README says {found} for {pattern!r}; the code has {actual}"
    listed = re.search(r"Shipped examples in\s+`examples/`:\s*(.*?)\.\n", readme, flags=re.S)
    assert listed is not None
    names = {n.strip() for n in listed.group(1).replace("\n", " ").split(",")}
    assert names == {p.stem for p in (ROOT / "examples").glob("*.yaml")}


def test_licence_and_citation_are_present():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    citation = (ROOT / "CITATION.cff").read_text()
    assert "cff-version:" in citation and "license: MIT" in citation
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == {"text": "MIT"}
    assert project["version"] in citation
    assert project["version"] == __import__("gutsleep").__version__


def test_nothing_suggests_installing_gutsleep_from_a_package_index():
    """gutsleep is not published: install hints name the extra and install from the source folder."""
    texts = [p.read_text() for p in (ROOT / "src").rglob("*.py")]
    texts += [(ROOT / "README.md").read_text(), *(p.read_text() for p in (ROOT / "docs").glob("*.md"))]
    for text in texts:
        assert not re.search(r"pip install\s+['\"]?gutsleep", text)
