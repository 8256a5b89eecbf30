"""Generate an SBML Level 3 Version 2 document from the declarative model (python-libsbml).

Nothing is written by hand: every element comes from :class:`gutsleep.model.spec.Model`.

- **Time** is in hours (model ``timeUnits`` = ``u_h``, 3600 s); t = 0 is local midnight of the first
  exported day.
- **States** become *species* when their unit is an amount (``g``, ``ug``, ``CFU``: ``hasOnlySubstanceUnits``)
  or an amount per litre (``mM``, ``nmol/L``, ``pg/mL``, ``g/L``, ...: a concentration in the single
  compartment); every other state (relative abundances, phases, filtered loads per day, contents per gram)
  is a non-constant *parameter* with a rate rule, because no substance is counted. Either way d(state)/dt
  is a ``RateRule`` (per hour) and there are no reactions.
- **Compartment** ``body`` is notional: 1 L, constant. Concentrations keep their physiological meaning (per
  litre of plasma, of colon content, ...); with a constant unit volume a rate rule on a concentration is
  exactly the model's ODE.
- **Parameters** are constant parameters with their (possibly person-adjusted) values; **intermediates** are
  ``AssignmentRule`` s in dependency order; **inputs** (every exogenous channel) are non-constant
  parameters, encoded in one of two ways (``inputs=``):

  * ``"events"`` (default, the faithful form for any schedule): set by ``Event`` s at every step boundary
    where some channel changes (``time >= t_k``, persistent, ``useValuesFromTriggerTime``), with the first
    step's values as initial values. Exact, but every event restarts the integrator (CVODE).
  * ``"piecewise"``: an ``AssignmentRule`` per channel, ``piecewise(v1, t < t1, v2, t < t2, ..., vn)`` over
    its change points, with ``t`` the time of day ``time - 24 floor(time / 24)`` when every exported day has
    the same inputs (a handful of pieces per channel) and ``time`` otherwise. No restarts; faithful only if the
    integrator's step is capped at one input step (15 min) so that no short pulse is stepped over
    (:func:`gutsleep.export.crosscheck.load_roadrunner` does this for piecewise documents).
- **Units**: one ``UnitDefinition`` per distinct unit string (:mod:`gutsleep.export.units`); ``lux^p`` (an
  exponent that is a parameter) has no SBML form and is left without units. Numbers in the formulas carry
  no units and many rate laws hold empirical constants, so libsbml's unit-consistency validation reports
  warnings (unit problems are warnings in L3, not errors); see :func:`consistency_report`.
- **Numbers**: libsbml writes MathML numbers and attribute values with 15 significant digits, so values in
  the file match the model's to ~1e-15 relative.
- **Documentation**: each parameter's description, value, range, module and source are in its ``notes``
  (XHTML) and in a ``gutsleep:info`` annotation (namespace ``urn:gutsleep:sbml:1``), as are each state's and
  intermediate's description and declared unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from gutsleep import __version__
from gutsleep.export.l3math import l3_formula
from gutsleep.export.scenario import input_changes
from gutsleep.export.units import UnitNotExpressible, parse_unit, unit_id, unit_terms
from gutsleep.model.inputs import STEP_H
from gutsleep.model.spec import Model

try:
    import libsbml
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        'SBML export needs python-libsbml: from the gutsleep source folder, pip install ".[sbml]"') from exc

NAMESPACE = "urn:gutsleep:sbml:1"
PREFIX = "gutsleep"
COMPARTMENT = "body"
TIME_UNIT = "h"
_SUBSTANCE_KINDS = ("gram", "mole", "item")


class SBMLExportError(RuntimeError):
    """libsbml refused an element (the message names it and libsbml's reason)."""


def _ok(code: int, what: str) -> None:
    if code != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise SBMLExportError(f"{what}: {libsbml.OperationReturnValue_toString(code)}")


def _math(formula: str, what: str) -> libsbml.ASTNode:
    ast = libsbml.parseL3Formula(formula)
    if ast is None:
        raise SBMLExportError(f"{what}: libsbml cannot parse {formula!r}: {libsbml.getLastParseL3Error()}")
    return ast


@dataclass(frozen=True)
class SpeciesForm:
    """How a state is encoded: as a species (amount or concentration) or as a rate-rule parameter."""

    species: bool
    only_substance: bool = False
    substance_unit: str | None = None  # unit string of the substance, e.g. "ng" for a "pg/mL" state


def species_form(unit: str) -> SpeciesForm:
    """Species iff the unit is one substance kind (mass, mole, item) alone or per litre."""
    try:
        dims = parse_unit(unit)
    except UnitNotExpressible:
        return SpeciesForm(False)
    kinds = {k: e for k, (e, _) in dims.items() if k}
    substance = [k for k in kinds if k in _SUBSTANCE_KINDS]
    if len(substance) != 1 or kinds[substance[0]] != 1 or "" in dims:
        return SpeciesForm(False)
    if set(kinds) == {substance[0]}:
        return SpeciesForm(True, True, unit)
    if set(kinds) == {substance[0], "litre"} and kinds["litre"] == -1:
        factor = dims[substance[0]][1] * dims["litre"][1]  # pg/mL: 1e-12 g x (1e-3 L)^-1 = 1e-9 g per litre
        return SpeciesForm(True, False, _substance_unit(substance[0], factor))
    return SpeciesForm(False)


def _substance_unit(kind: str, factor: float) -> str:
    """Unit string (understood by :mod:`gutsleep.export.units`) of ``factor`` x ``kind``."""
    symbol = {"gram": "g", "mole": "mol", "item": "CFU"}[kind]
    prefixes = {1.0: "", 1e3: "k", 1e-3: "m", 1e-6: "u", 1e-9: "n", 1e-12: "p"}
    for value, prefix in prefixes.items():
        if np.isclose(factor, value, rtol=1e-12, atol=0):
            return prefix + symbol
    raise UnitNotExpressible(f"no prefix for {factor} {kind}")


@dataclass
class _Units:
    """Unit definitions added to the model so far (by unit string), and strings without an SBML form."""

    model: libsbml.Model
    ids: dict[str, str | None] = field(default_factory=dict)

    def get(self, text: str) -> str | None:
        """Id of the unit definition for ``text`` (created on first use); None when not expressible."""
        if text in self.ids:
            return self.ids[text]
        if text.strip() == "1":
            self.ids[text] = "dimensionless"
            return "dimensionless"
        try:
            terms = unit_terms(text)
        except UnitNotExpressible:
            self.ids[text] = None
            return None
        ud = self.model.createUnitDefinition()
        uid = unit_id(text)
        _ok(ud.setId(uid), f"unit {text}")
        _ok(ud.setName(text), f"unit {text}")
        for kind, exponent, scale, multiplier in terms:
            u = ud.createUnit()
            _ok(u.setKind(libsbml.UnitKind_forName(kind)), f"unit {text} kind {kind}")
            _ok(u.setExponent(float(exponent)), f"unit {text}")
            _ok(u.setScale(int(scale)), f"unit {text}")
            _ok(u.setMultiplier(float(multiplier)), f"unit {text}")
        self.ids[text] = uid
        return uid

    @property
    def not_expressible(self) -> list[str]:
        return sorted(k for k, v in self.ids.items() if v is None)


def _notes(*paragraphs: str) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs if p)
    return f'<body xmlns="http://www.w3.org/1999/xhtml">{body}</body>'


def _annotation(**attrs: object) -> str:
    text = " ".join(f"{k}={quoteattr(str(v))}" for k, v in attrs.items())
    return f'<{PREFIX}:info xmlns:{PREFIX}="{NAMESPACE}" {text}/>'


def _document(obj: libsbml.SBase, what: str, notes: str, **annotation: object) -> None:
    _ok(obj.setNotes(notes), f"notes of {what}")
    _ok(obj.setAnnotation(_annotation(**annotation)), f"annotation of {what}")


def build_document(
    model: Model,
    parameters: Sequence[float] | np.ndarray,
    initial: Sequence[float] | np.ndarray,
    inputs: np.ndarray,
    *,
    step_h: float = STEP_H,
    model_id: str = "gutsleep",
    name: str = "gutsleep gut-brain-sleep model",
    description: str = "",
    inputs_as: str = "events",
) -> libsbml.SBMLDocument:
    """SBML L3V2 document of ``model`` with these parameter values, initial state and per-step inputs.

    ``parameters`` (P,) and ``initial`` (S,) follow the model's order; ``inputs`` is (n_steps, n_inputs),
    piecewise constant over steps of ``step_h`` hours from t = 0. ``inputs_as``: ``"events"`` or
    ``"piecewise"`` (see the module docstring).
    """
    if inputs_as not in ("events", "piecewise"):
        raise ValueError(f"inputs_as must be 'events' or 'piecewise', not {inputs_as!r}")
    params = np.asarray(parameters, dtype=np.float64)
    y0 = np.asarray(initial, dtype=np.float64)
    u = np.asarray(inputs, dtype=np.float64)
    if params.shape != (len(model.parameters),) or y0.shape != (len(model.states),):
        raise ValueError(f"expected {len(model.parameters)} parameters and {len(model.states)} initial values")
    if u.ndim != 2 or u.shape[1] != len(model.inputs) or u.shape[0] < 1:
        raise ValueError(f"inputs must have shape (steps, {len(model.inputs)}), got {u.shape}")

    doc = libsbml.SBMLDocument(3, 2)
    m = doc.createModel()
    _ok(m.setId(model_id), "model id")
    _ok(m.setName(name), "model name")
    units = _Units(m)
    hour = units.get(TIME_UNIT)
    assert hour is not None
    _ok(m.setTimeUnits(hour), "time units")
    _ok(m.setVolumeUnits("litre"), "volume units")
    _ok(m.setNotes(
        _notes(
            f"Generated by gutsleep {__version__} from its declarative model; do not edit by hand.",
            description,
            "Time in hours; t = 0 is local midnight of the first exported day. States with an amount or "
            "amount-per-litre unit are species in the notional 1 L compartment 'body'; other states are "
            "parameters with rate rules. Inputs are piecewise-constant parameters set by events at each "
            f"{step_h * 60:g}-minute step boundary where a channel changes.",
        )
    ), "model notes")

    comp = m.createCompartment()
    _ok(comp.setId(COMPARTMENT), "compartment")
    _ok(comp.setConstant(True), "compartment")
    _ok(comp.setSize(1.0), "compartment")
    _ok(comp.setSpatialDimensions(3.0), "compartment")
    _ok(comp.setUnits("litre"), "compartment")
    _ok(comp.setNotes(_notes("Notional unit-volume compartment: concentrations are per litre of their own "
                             "fluid (plasma, colon content); no transport between species is implied.")),
        "compartment notes")

    for state, value in zip(model.states, y0, strict=True):
        form = species_form(state.unit)
        uid = units.get(state.unit)
        what = f"state {state.name}"
        if form.species:
            sp_ = m.createSpecies()
            _ok(sp_.setId(state.name), what)
            _ok(sp_.setCompartment(COMPARTMENT), what)
            _ok(sp_.setHasOnlySubstanceUnits(form.only_substance), what)
            _ok(sp_.setBoundaryCondition(False), what)
            _ok(sp_.setConstant(False), what)
            sub = units.get(form.substance_unit or state.unit)
            if sub is not None:
                _ok(sp_.setSubstanceUnits(sub), what)
            if form.only_substance:
                _ok(sp_.setInitialAmount(float(value)), what)
            else:
                _ok(sp_.setInitialConcentration(float(value)), what)
            element: libsbml.SBase = sp_
        else:
            p = m.createParameter()
            _ok(p.setId(state.name), what)
            _ok(p.setConstant(False), what)
            _ok(p.setValue(float(value)), what)
            if uid is not None:
                _ok(p.setUnits(uid), what)
            element = p
        _document(
            element, what,
            _notes(state.description, f"Unit: {state.unit}. Module: {state.module}. "
                   f"Initial value (after the burn-in): {float(value)!r}. Typical magnitude: {state.scale:g}."),
            kind="state", unit=state.unit, module=state.module, scale=state.scale, nonnegative=state.nonnegative,
        )

    for par, value in zip(model.parameters, params, strict=True):
        p = m.createParameter()
        what = f"parameter {par.name}"
        _ok(p.setId(par.name), what)
        _ok(p.setConstant(True), what)
        _ok(p.setValue(float(value)), what)
        uid = units.get(par.unit)
        if uid is not None:
            _ok(p.setUnits(uid), what)
        changed = "" if value == par.default else f" (default {par.default:g}; set for this person/scenario)"
        _document(
            p, what,
            _notes(par.description, f"Value: {value:g} {par.unit}{changed}. Plausible range: {par.low:g} to "
                   f"{par.high:g} {par.unit}. Module: {par.module}.", f"Source: {par.source}"),
            kind="parameter", unit=par.unit, default=par.default, low=par.low, high=par.high, module=par.module,
            source=par.source,
        )

    for j, channel in enumerate(model.inputs):
        p = m.createParameter()
        what = f"input {channel.name}"
        _ok(p.setId(channel.name), what)
        _ok(p.setConstant(False), what)
        _ok(p.setValue(float(u[0, j])), what)
        uid = units.get(channel.unit)
        if uid is not None:
            _ok(p.setUnits(uid), what)
        how = "events" if inputs_as == "events" else "a piecewise assignment rule"
        _document(p, what, _notes(channel.description, f"Unit: {channel.unit}. Piecewise-constant input set by "
                                  f"{how}."), kind="input", unit=channel.unit)

    for item in model.intermediates:
        p = m.createParameter()
        what = f"intermediate {item.name}"
        _ok(p.setId(item.name), what)
        _ok(p.setConstant(False), what)
        uid = units.get(item.unit)
        if uid is not None:
            _ok(p.setUnits(uid), what)
        _document(p, what, _notes(item.description, f"Unit: {item.unit}. Module: {item.module}."),
                  kind="intermediate", unit=item.unit, module=item.module,
                  observable=item.name in model.observables)
        rule = m.createAssignmentRule()
        _ok(rule.setVariable(item.name), what)
        _ok(rule.setMath(_math(l3_formula(item.expr), what)), what)

    for state in model.states:
        rule = m.createRateRule()
        what = f"rate of {state.name}"
        _ok(rule.setVariable(state.name), what)
        _ok(rule.setMath(_math(l3_formula(model.rates[state.name]), what)), what)

    if inputs_as == "piecewise":
        for j, channel in enumerate(model.inputs):
            formula = piecewise_formula(u[:, j], step_h)
            if formula is None:
                continue  # constant: the initial value is the value
            rule = m.createAssignmentRule()
            what = f"input {channel.name}"
            _ok(rule.setVariable(channel.name), what)
            _ok(rule.setMath(_math(formula, what)), what)
    for k, channels in input_changes(u) if inputs_as == "events" else ():
        t = k * step_h
        ev = m.createEvent()
        what = f"input event at {t:g} h"
        _ok(ev.setId(f"inputs_at_step_{k}"), what)
        _ok(ev.setUseValuesFromTriggerTime(True), what)
        trig = ev.createTrigger()
        _ok(trig.setInitialValue(False), what)
        _ok(trig.setPersistent(True), what)
        _ok(trig.setMath(_math(f"time >= {t!r}", what)), what)
        for j in channels:
            ea = ev.createEventAssignment()
            _ok(ea.setVariable(model.inputs[j].name), what)
            _ok(ea.setMath(_math(repr(float(u[k, j])) if u[k, j] >= 0 else f"({float(u[k, j])!r})", what)), what)

    info = {"generator": "gutsleep", "version": __version__, "step_h": step_h, "steps": u.shape[0],
            "inputs_as": inputs_as}
    if units.not_expressible:
        info["units_not_expressible"] = ", ".join(units.not_expressible)
    _ok(m.setAnnotation(_annotation(**info)), "model annotation")
    return doc


def _number(v: float) -> str:
    return repr(float(v)) if v >= 0 else f"({float(v)!r})"


def piecewise_formula(values: np.ndarray, step_h: float = STEP_H) -> str | None:
    """L3 formula of one channel's piecewise-constant values (None if constant): over the time of day when
    every day repeats (96-step periods), else over absolute time."""
    v = np.asarray(values, dtype=np.float64)
    if (v == v[0]).all():
        return None
    per_day = round(24 / step_h)
    periodic = v.size % per_day == 0 and (v.reshape(-1, per_day) == v[:per_day]).all()
    if periodic:
        v = v[:per_day]
    clock = "(time - 24 * floor(time / 24))" if periodic else "time"
    change = np.flatnonzero(v[1:] != v[:-1]) + 1
    starts = np.concatenate(([0], change))
    args = []
    for a, b in pairwise(starts):
        args += [_number(v[a]), f"{clock} < {float(b * step_h)!r}"]
    args.append(_number(v[starts[-1]]))
    return f"piecewise({', '.join(args)})"


@dataclass(frozen=True)
class ConsistencyReport:
    """libsbml's validation result: messages by severity (``units`` says whether unit checks were on)."""

    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    units: bool

    def warnings_by_category(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for w in self.warnings:
            cat = w.split(":", 1)[0]
            out[cat] = out.get(cat, 0) + 1
        return out


def consistency_report(doc: libsbml.SBMLDocument, *, units: bool = True) -> ConsistencyReport:
    """Run ``doc.checkConsistency()`` (every category; unit checks only if ``units``) and sort the messages.

    Unit-consistency problems are warnings in SBML L3 (numbers carry no units; empirical constants such
    as the Hannay light-response exponent mix units), so ``errors`` stays empty for a valid export.
    """
    doc.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, units)
    doc.checkConsistency()
    errors, warnings = [], []
    for i in range(doc.getNumErrors()):
        err = doc.getError(i)
        text = f"{err.getCategoryAsString()}: {err.getShortMessage()} ({err.getMessage().strip()})"
        if err.getSeverity() >= libsbml.LIBSBML_SEV_ERROR:
            errors.append(text)
        else:
            warnings.append(text)
    return ConsistencyReport(tuple(errors), tuple(warnings), units)


def write_document(doc: libsbml.SBMLDocument, path: str) -> None:
    """Write ``doc`` as SBML XML to ``path``."""
    if not libsbml.writeSBMLToFile(doc, str(path)):
        raise SBMLExportError(f"could not write SBML to {path}")


def document_string(doc: libsbml.SBMLDocument) -> str:
    """``doc`` as an SBML XML string."""
    return libsbml.writeSBMLToString(doc)
