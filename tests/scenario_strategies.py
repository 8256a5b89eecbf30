"""Hypothesis strategies that draw valid scenarios from the whole schema (every habit at any allowed value)."""

from __future__ import annotations

from typing import Any, Literal, get_args, get_origin

from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from gutsleep.scenario.models import Habits, Scenario, Variability

ANTIBIOTICS = ("broad_spectrum", "anaerobe", "quinolone")


def _bounds(model: type[BaseModel], name: str) -> tuple[float, float] | None:
    """The ``ge``/``le`` range a scenario field declares, or None for non-numeric fields."""
    lo = hi = None
    for meta in model.model_fields[name].metadata:
        lo = getattr(meta, "ge", lo)
        hi = getattr(meta, "le", hi)
    return None if lo is None or hi is None else (float(lo), float(hi))


def _number(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Values across the range, with the edges (where failures live) drawn often."""
    return st.one_of(st.sampled_from([lo, hi]), st.floats(lo, hi, allow_nan=False, allow_infinity=False))


clock = st.builds(lambda h, q: f"{h:02d}:{15 * q:02d}", st.integers(0, 23), st.integers(0, 3))


def _field(model: type[BaseModel], name: str) -> st.SearchStrategy[Any]:
    """Any allowed value of one field: ranged numbers, clock times, choices, flags, nested groups and lists."""
    ann = model.model_fields[name].annotation
    b = _bounds(model, name)
    if b is not None:
        return _number(*b)
    if ann is bool:
        return st.booleans()
    if get_origin(ann) is Literal:
        return st.sampled_from(get_args(ann))
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return _nested(ann)
    if get_origin(ann) is tuple:
        item = get_args(ann)[0]
        if isinstance(item, type) and issubclass(item, BaseModel):
            return st.lists(_nested(item, required=True), max_size=3)
        return st.lists(clock, min_size=1, max_size=6).map(lambda v: sorted(set(v)))
    return clock


def _nested(model: type[BaseModel], required: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """A mapping for a group of fields: any subset (all of the required ones) at any allowed value."""
    needed = {n: _field(model, n) for n, f in model.model_fields.items() if required and f.is_required()}
    optional = {n: _field(model, n) for n in model.model_fields if n not in needed}
    return st.fixed_dictionaries(needed, optional=optional)


_LATER_HABITS = ("alarm", "naps")
"""Habits fields added after the drawn corpus was settled: left out of the random draws so that the derandomized
years stay the ones already checked (the sleep-opportunity tests cover them on fixed years)."""


def _nested_habits() -> st.SearchStrategy[dict[str, Any]]:
    optional = {n: _field(Habits, n) for n in Habits.model_fields if n not in _LATER_HABITS}
    return st.fixed_dictionaries({}, optional=optional)


@st.composite
def habits(draw: st.DrawFn) -> dict[str, Any]:
    """A habits mapping: any subset of fields, each anywhere in its allowed range."""
    return draw(_nested_habits())


variability_blocks: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from([None, "none", "typical"]), _nested(Variability))
"""A scenario's ``variability``: absent, the shorthands, or any block (any subset of fields, edges included)."""


@st.composite
def scenarios(draw: st.DrawFn, days: int = 365) -> Scenario:
    """A valid scenario of ``days`` days with random person, habits, day-to-day variability, interventions,
    antibiotic courses and events; drawings that break a cross-field rule (e.g. an invalid sleep window) are redrawn."""
    for _ in range(50):
        spec: dict[str, Any] = {
            "name": "drawn",
            "days": days,
            "person": {
                "age": draw(_number(18, 100)),
                "sex": draw(st.sampled_from(["female", "male"])),
                "bmi": draw(_number(15, 60)),
                "vagotomy": draw(st.booleans()),
            },
            "habits": draw(habits()),
            "seed": draw(st.integers(0, 2**53 - 1)),
            "variability": draw(variability_blocks),
            "interventions": [],
            "events": [],
        }
        for _ in range(draw(st.integers(0, 3))):
            start = draw(st.integers(0, days - 1))
            end = draw(st.integers(start, days - 1))
            if draw(st.booleans()):
                course_end = min(days - 1, start + draw(st.integers(0, 20)))
                spec["interventions"].append(
                    {"start_day": start, "end_day": course_end, "antibiotics": draw(st.sampled_from(ANTIBIOTICS))})
            else:
                patch = draw(habits())
                if patch:
                    spec["interventions"].append({"start_day": start, "end_day": end, "set": patch})
        jet_days: set[int] = set()
        for _ in range(draw(st.integers(0, 3))):
            day = draw(st.integers(0, days - 1))
            if draw(st.booleans()) and day not in jet_days:
                jet_days.add(day)
                shift = draw(st.sampled_from([-12, -8, -5.5, -3, 3, 5.5, 8, 12]))
                spec["events"].append({"day": day, "type": "jet_lag", "shift_hours": shift})
            else:
                spec["events"].append({"day": day, "type": "sleep_deprivation"})
        try:
            return Scenario.model_validate(spec)
        except ValidationError:
            continue
    raise AssertionError("could not draw a valid scenario")  # pragma: no cover
