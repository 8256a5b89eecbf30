"""The findings data file: published results and the seed documents' claims, validated on load."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from pydantic import BaseModel, ConfigDict
from ruamel.yaml import YAML


class Finding(BaseModel):
    """One published result: where it comes from, its numbers (with status) and the simulator target."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    topic: str
    citation: str
    species: str
    numbers: str
    target: str
    tolerance: str


class SeedClaim(BaseModel):
    """A claim of the seed documents, the literature's verdict and the experiments that test it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    claim: str
    seed_number: str
    verdict: str
    experiments: tuple[str, ...]


class Findings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    findings: dict[str, Finding]
    seed_claims: tuple[SeedClaim, ...]


@lru_cache(maxsize=1)
def load_findings() -> Findings:
    """Read and validate the packaged ``findings.yaml``."""
    text = (files("gutsleep.evidence") / "findings.yaml").read_text(encoding="utf-8")
    return Findings.model_validate(YAML(typ="safe").load(text))
