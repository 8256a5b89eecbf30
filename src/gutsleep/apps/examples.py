"""Example scenarios shipped inside the package (copies of files in the repository's ``examples/``)."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

from gutsleep.scenario import Scenario, parse_scenario

DEMO_EXAMPLES: tuple[str, str] = ("baseline", "fermented-foods")
"""The two packaged examples the ``demo`` command runs and compares (A, B)."""


def _folder() -> Traversable:
    return files("gutsleep") / "data" / "examples"


def packaged_examples() -> dict[str, Traversable]:
    """Packaged example files by name (file stem), sorted."""
    found = [f for f in _folder().iterdir() if f.name.endswith(".yaml")]
    return {f.name.removesuffix(".yaml"): f for f in sorted(found, key=lambda f: f.name)}


def example_text(name: str) -> str:
    """YAML text of a packaged example."""
    examples = packaged_examples()
    if name not in examples:
        raise KeyError(f"no packaged example {name!r}; available: {', '.join(examples)}")
    return examples[name].read_text(encoding="utf-8")


def load_example(name: str) -> Scenario:
    """Validated scenario of a packaged example."""
    return parse_scenario(example_text(name), source=f"{name}.yaml")
