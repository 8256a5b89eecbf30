"""The gut-brain-sleep model: one declarative definition assembled from its modules."""

from __future__ import annotations

from functools import lru_cache

from gutsleep.model import (
    barrier,
    clocks,
    exposures,
    glycaemia,
    hpa,
    immune,
    melatonin,
    metabolites,
    microbiome,
    person,
    pharmacology,
    sleep,
    transit,
    vagus,
)
from gutsleep.model.inputs import INPUT_NAMES, INPUTS, STEP_H, STEPS_PER_DAY
from gutsleep.model.spec import Model, ModelBuilder, ModelDefinitionError, Parameter, State

MODULES = (person, clocks, sleep, melatonin, hpa, exposures, pharmacology, transit, microbiome, metabolites, barrier,
           immune, vagus, glycaemia)


@lru_cache(maxsize=1)
def build_model() -> Model:
    """Assemble the full model from its modules (cached: the definition is immutable)."""
    builder = ModelBuilder()
    for module in MODULES:
        module.build(builder)
    return builder.build()


__all__ = [
    "INPUTS",
    "INPUT_NAMES",
    "MODULES",
    "STEPS_PER_DAY",
    "STEP_H",
    "Model",
    "ModelBuilder",
    "ModelDefinitionError",
    "Parameter",
    "State",
    "build_model",
]
