"""Exports of the model to other tools, generated from the single model definition.

``gutsleep.export.sbml`` (needs the ``[sbml]`` extra: python-libsbml) builds an SBML Level 3 Version 2
document; ``gutsleep.export.scenario`` prepares one subject of a scenario (settled initial state, person
parameters, per-step inputs) for it; ``gutsleep.export.l3math`` and ``gutsleep.export.units`` print
expressions and units and need no extra.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gutsleep.export.scenario import SubjectRun, subject_run

if TYPE_CHECKING:
    import libsbml

__all__ = ["SubjectRun", "export_sbml", "subject_run"]


def export_sbml(run: SubjectRun, *, model_id: str = "gutsleep", inputs_as: str = "events") -> libsbml.SBMLDocument:
    """SBML document of one prepared subject (imports libsbml on first use); ``inputs_as`` "events" (exact
    for any schedule, the default) or "piecewise" (see :mod:`gutsleep.export.sbml`)."""
    from gutsleep.export.sbml import build_document
    from gutsleep.export.scenario import describe

    return build_document(run.model, run.parameters, run.initial, run.inputs, model_id=model_id,
                          name=f"gutsleep: {run.scenario.name}", description=describe(run), inputs_as=inputs_as)
