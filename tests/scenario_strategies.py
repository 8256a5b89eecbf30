"""Hypothesis strategies that draw valid scenarios from the whole schema (every habit at any allowed value)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from gutsleep.scenario.models import Habits, Scenario

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


def _nested(model: type[BaseModel]) -> st.SearchStrategy[dict[str, Any]]:
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name in model.model_fields:
        b = _bounds(model, name)
        fields[name] = clock if b is None else _number(*b)
    return st.fixed_dictionaries({}, optional=fields)


@st.composite
def habits(draw: st.DrawFn) -> dict[str, Any]:
    """A habits mapping: any subset of fields, each anywhere in its allowed range."""
    out: dict[str, Any] = {}
    for name, info in Habits.model_fields.items():
        if not draw(st.booleans()):
            continue
        if name in ("sweeteners", "light"):
            out[name] = draw(_nested(info.annotation))  # type: ignore[arg-type]
        elif name == "meals":
            out[name] = sorted(set(draw(st.lists(clock, min_size=1, max_size=6))))
        elif name in ("alcohol_time", "bedtime", "wake_time"):
            out[name] = draw(clock)
        else:
            b = _bounds(Habits, name)
            assert b is not None, name
            out[name] = draw(_number(*b))
    return out


@st.composite
def scenarios(draw: st.DrawFn, days: int = 365) -> Scenario:
    """A valid scenario of ``days`` days with random person, habits, interventions, antibiotic courses and
    events; drawings that break a cross-field rule (e.g. an invalid sleep window) are redrawn."""
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
