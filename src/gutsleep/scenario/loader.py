"""Load scenario YAML and turn validation failures into one-line-per-problem messages.

The round-trip YAML loader keeps the line of every key, so each problem can be reported as
``file:line: dotted.path: message (got value)``, all problems at once.
"""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from gutsleep.scenario.fields import printable
from gutsleep.scenario.models import Scenario, _dotted
from gutsleep.scenario.yamlio import YAML_ERRORS, InputFileError, capped, load_yaml, read_input_file, yaml_problem

_MISSING = object()


class ScenarioError(ValueError):
    """A scenario file or text is invalid; the message lists the problems, one per line (the first 50, then a
    count of the rest); ``problems`` holds them all."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        n = len(problems)
        head = f"{n:,} problem{'s' if n != 1 else ''} in scenario {source}:"
        super().__init__("\n".join([head, *capped(problems)]))


def plain(node: Any) -> Any:
    """Convert ruamel round-trip containers/scalars to plain Python types."""
    if isinstance(node, dict):
        return {plain(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node


def _line_of(root: Any, loc: tuple[str | int, ...]) -> int:
    """1-based line of the deepest part of ``loc`` present in the YAML tree (parent if absent)."""
    line = root.lc.line + 1 if hasattr(root, "lc") and root.lc.line is not None else 1
    node = root
    for part in loc:
        if isinstance(node, CommentedMap) and isinstance(part, str) and part in node:
            line = node.lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line = node.lc.item(part)[0] + 1
            node = node[part]
        else:
            break
    return line


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model class inside an annotation such as ``tuple[Intervention, ...]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _model_at(loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """Model class that validates the mapping at ``loc`` (used to list allowed fields)."""
    cls: type[BaseModel] | None = Scenario
    for part in loc:
        if cls is None:
            return None
        if isinstance(part, int):
            continue
        field = cls.model_fields.get(part)
        cls = _model_in(field.annotation) if field is not None else None
    return cls


def _short(value: Any) -> str:
    """Compact repr of an offending value for messages."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _describe(err: dict[str, Any]) -> tuple[tuple[str | int, ...], str, Any]:
    """(location, message, value or _MISSING) for one pydantic error, with friendlier wording."""
    loc: tuple[str | int, ...] = tuple(err["loc"])
    kind = err["type"]
    ctx = err.get("ctx") or {}
    msg = err["msg"]
    value: Any = err.get("input", _MISSING)
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        allowed = ", ".join(model.model_fields) if model is not None else "see docs/scenarios.md"
        msg = f"unknown field {loc[-1]!r}; allowed fields: {allowed}"
    elif kind == "missing":
        msg = "required field is missing"
        value = _MISSING
    elif kind == "scenario_rule":
        if ctx.get("field"):
            loc = (*loc, ctx["field"])
        value = ctx.get("value") if ctx.get("value") is not None else _MISSING
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        msg = "expected a mapping of fields"
    elif kind in ("tuple_type", "list_type"):
        msg = "expected a list"
    elif kind == "literal_error":
        msg = msg.replace("Input should be", "allowed choices:")
    elif kind in ("string_type", "bool_type", "bool_parsing"):
        msg = msg.replace("Input should be", "expected")
    return loc, msg, value


def _format(source: str, root: Any, loc: tuple[str | int, ...], msg: str, value: Any) -> str:
    """``source:line: path: message (got value)``."""
    path = _dotted(loc) or "(top level)"
    got = "" if value is _MISSING else f" (got {_short(value)})"
    return f"{source}:{_line_of(root, loc)}: {path}: {msg}{got}"


def parse_scenario(text: str, source: str = "<string>") -> Scenario:
    """Parse and validate scenario YAML text; ``source`` names it in error messages."""
    try:
        root = load_yaml(text)
    except YAML_ERRORS as exc:
        raise ScenarioError(source, [yaml_problem(source, exc)]) from None
    if root is None:
        raise ScenarioError(
            source, [f"{source}:1: scenario is empty; expected a mapping with name, days, ..."]
        )
    if not isinstance(root, CommentedMap):
        line = root.lc.line + 1 if hasattr(root, "lc") and root.lc.line is not None else 1
        kind = "a list" if isinstance(root, list) else f"a {type(root).__name__} value"
        raise ScenarioError(
            source, [f"{source}:{line}: top level must be a mapping of fields (name, days, ...), got {kind}"]
        )
    data = plain(root)
    if "name" not in data and source and not source.startswith("<"):
        data["name"] = printable(Path(source).stem)[:200] or "scenario"
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        found: list[tuple[tuple[str | int, ...], str, Any]] = []
        for err in exc.errors():
            if err["type"] == "scenario_rules":
                found.extend((tuple(loc), msg, value) for loc, msg, value in err["ctx"]["problems"])
            else:
                found.append(_describe(dict(err)))
        found.sort(key=lambda p: _line_of(root, p[0]))
        raise ScenarioError(source, [_format(source, root, *p) for p in found]) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file (errors name the file and line)."""
    p = Path(path)
    try:
        text = read_input_file(p, "scenario file")
    except InputFileError as exc:
        raise ScenarioError(str(p), [str(exc)]) from None
    return parse_scenario(text, source=str(p))
