"""Examples shipped inside the package: every scenario, population, trial and observational study of the
repository's ``examples/`` folder (byte-identical copies under ``gutsleep/data/examples``, checked by a test), so an
installed gutsleep finds them by name: ``gutsleep simulate antibiotics``, ``gutsleep trial fermented-vs-fiber``.

Layout (as in ``examples/``): scenarios at the top, ``populations/``, ``trials/`` (trials and observational
studies; a trial's ``population: ../populations/NAME.yaml`` resolves inside the shipped copy too).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from gutsleep.scenario import Scenario

DEMO_EXAMPLES: tuple[str, str] = ("baseline", "fermented-foods")
"""The two packaged examples the ``demo`` command runs and compares (A, B)."""

Kind = Literal["scenario", "population", "trial", "observational"]
KIND_FOLDERS: dict[str, str] = {"scenario": "", "population": "populations", "trial": "trials",
                                "observational": "trials"}
KIND_WORDS: dict[str, str] = {"scenario": "scenario", "population": "population", "trial": "trial",
                              "observational": "observational study"}


@dataclass(frozen=True)
class Example:
    """One shipped example file: its name (file stem), kind, description and location."""

    name: str
    kind: str
    description: str
    file: Traversable
    days: int | None = None

    @property
    def path(self) -> Path:
        """Filesystem path of the shipped file (the package is installed as plain files)."""
        return Path(str(self.file))


def examples_folder() -> Traversable:
    """The shipped copy of ``examples/``."""
    return files("gutsleep") / "data" / "examples"


def _yaml_fields(text: str) -> dict[str, object]:
    """Top-level fields of a YAML file (no validation), {} when unreadable."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe").load(text)
    except YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def _kind_of(folder: str, fields: dict[str, object]) -> str:
    if folder == "populations":
        return "population"
    if folder == "trials":
        return "observational" if "exposure" in fields and "arms" not in fields else "trial"
    return "scenario"


def shipped_examples(kind: str | None = None) -> dict[str, Example]:
    """Every shipped example (of ``kind``, if given) by name, sorted by kind order then name."""
    found: list[Example] = []
    root = examples_folder()
    for folder in ("", "populations", "trials"):
        where = root / folder if folder else root
        if not where.is_dir():
            continue
        for f in sorted(where.iterdir(), key=lambda t: t.name):
            if not f.name.endswith(".yaml"):
                continue
            fields = _yaml_fields(f.read_text(encoding="utf-8"))
            k = _kind_of(folder, fields)
            if kind is not None and k != kind:
                continue
            days = fields.get("days")
            text = " ".join(str(fields.get("description") or "").split())
            found.append(Example(f.name.removesuffix(".yaml"), k, text, f, days if isinstance(days, int) else None))
    order = list(KIND_FOLDERS)
    found.sort(key=lambda e: (order.index(e.kind), e.name))
    return {e.name: e for e in found}


def packaged_examples() -> dict[str, Traversable]:
    """Shipped scenario files by name (file stem), sorted."""
    return {name: e.file for name, e in shipped_examples("scenario").items()}


def example_text(name: str) -> str:
    """YAML text of a shipped scenario example."""
    examples = packaged_examples()
    if name not in examples:
        raise KeyError(f"no packaged example {name!r}; available: {', '.join(examples)}")
    return examples[name].read_text(encoding="utf-8")


def load_example(name: str) -> Scenario:
    """Validated scenario of a shipped example."""
    from gutsleep.scenario import parse_scenario

    return parse_scenario(example_text(name), source=f"{name}.yaml")


def resolve(argument: str | Path, kinds: tuple[str, ...] = ("scenario",)) -> Path:
    """A file argument: the path itself when it exists, else the shipped example of one of ``kinds`` with that
    name (``antibiotics``, ``antibiotics.yaml`` or ``examples/antibiotics.yaml``). A ValueError names the shipped
    examples of those kinds when neither exists."""
    path = Path(argument)
    if path.exists():
        return path
    stem = path.name.removesuffix(".yaml")
    for kind in kinds:
        found = shipped_examples(kind).get(stem)
        if found is not None:
            return found.path
    names = [n for k in kinds for n in shipped_examples(k)]
    words = " or ".join(KIND_WORDS[k] for k in kinds)
    raise ValueError(f"{argument}: no such file, and no shipped {words} of that name; shipped: {', '.join(names)} "
                     "(see `gutsleep examples`)")


def load_scenario_arg(argument: str | Path) -> Scenario:
    """A scenario from a file or a shipped example name (errors name the file, line and field)."""
    from gutsleep.scenario import ScenarioError, load_scenario

    try:
        path = resolve(argument, ("scenario",))
    except ValueError as exc:
        raise ScenarioError(str(argument), [str(exc)]) from None
    if not Path(argument).exists():
        return load_example(path.name.removesuffix(".yaml"))
    return load_scenario(path)


__all__ = [
    "DEMO_EXAMPLES",
    "Example",
    "example_text",
    "examples_folder",
    "load_example",
    "load_scenario_arg",
    "packaged_examples",
    "resolve",
    "shipped_examples",
]
