"""Command-line changes to a scenario: ``--days N`` and ``--set key=value`` (checked by the scenario schema).

Keys are dotted paths into the scenario: ``days``, ``seed``, ``name``, ``description``, ``person.age``,
``habits.fiber_g``, ``habits.light.day_lux``, ``parameters.sws_gain``. Values are YAML scalars or lists:
``30``, ``true``, ``"23:30"`` or ``23:30``, ``["08:00", "13:00"]``. The changed scenario is validated exactly as a
file would be (ranges, units, cross-field rules), and errors name the ``--set`` key.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from gutsleep.scenario import Scenario, ScenarioError, parse_scenario

SETTABLE: tuple[str, ...] = ("name", "description", "days", "seed", "person", "habits", "parameters", "variability")
"""Top-level scenario fields that ``--set`` may change (interventions and events belong in the file)."""


def _value(text: str) -> Any:
    """A ``--set`` value as YAML (numbers, booleans, quoted or bare strings, lists)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        value = YAML(typ="safe").load(text)
    except YAMLError:
        return text
    return text if value is None and text.strip() not in ("null", "~") else value


def parse_assignment(text: str) -> tuple[list[str], Any]:
    """``"habits.fiber_g=30"`` -> (["habits", "fiber_g"], 30); ValueError for a malformed assignment."""
    key, sep, raw = text.partition("=")
    path = [p.strip() for p in key.strip().split(".")]
    if not sep or not all(path):
        raise ValueError(f"--set {text!r}: expected KEY=VALUE with a dotted key, e.g. habits.fiber_g=30")
    if path[0] not in SETTABLE:
        raise ValueError(f"--set {text!r}: {path[0]!r} cannot be set from the command line; settable: "
                         f"{', '.join(SETTABLE)} (interventions and events go in the scenario file)")
    if path[0] in ("person", "habits", "parameters") and len(path) < 2:
        raise ValueError(f"--set {text!r}: give a field of {path[0]}, e.g. {path[0]}.NAME=VALUE")
    return path, _value(raw.strip())


def apply_overrides(scenario: Scenario, *, days: int | None = None, sets: Sequence[str] = ()) -> Scenario:
    """``scenario`` with ``--days`` and ``--set`` applied and validated; ScenarioError lists every problem."""
    if days is None and not sets:
        return scenario
    data = scenario.model_dump(mode="json", exclude_unset=True)
    data["name"] = scenario.name
    if days is not None:
        data["days"] = days
    for text in sets:
        path, value = parse_assignment(text)
        node = data
        for part in path[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        node[path[-1]] = value
    what = " ".join([*([f"--days {days}"] if days is not None else []), *(f"--set {s}" for s in sets)])
    source = f"{scenario.name} with {what}"
    try:
        return parse_scenario(json.dumps(data), source=source)
    except ScenarioError as exc:
        prefix = f"{source}:1: "
        problems = [p.removeprefix(prefix) for p in exc.problems]
        raise ScenarioError(source, problems) from None


__all__ = ["SETTABLE", "apply_overrides", "parse_assignment"]
