"""Scenario files: validated description of a person, their habits and what changes when.

Load with :func:`load_scenario` (file) or :func:`parse_scenario` (text); invalid input raises
:class:`ScenarioError` listing every problem with file, line and field path. The YAML reference
is ``docs/scenarios.md``.
"""

from gutsleep.scenario.loader import ScenarioError, load_scenario, parse_scenario
from gutsleep.scenario.models import (
    ANTIBIOTIC_CLASSES,
    CaffeineDose,
    Event,
    Habits,
    HabitsPatch,
    Intervention,
    Light,
    LightEpisode,
    MelatoninDose,
    Person,
    Scenario,
    Sweeteners,
)

__all__ = [
    "ANTIBIOTIC_CLASSES",
    "CaffeineDose",
    "Event",
    "Habits",
    "HabitsPatch",
    "Intervention",
    "Light",
    "LightEpisode",
    "MelatoninDose",
    "Person",
    "Scenario",
    "ScenarioError",
    "Sweeteners",
    "load_scenario",
    "parse_scenario",
]
